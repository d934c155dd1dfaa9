/// Splits one line of a batch into words the way a POSIX shell would, so a
/// line can be pasted from a shell script or a terminal as it is: words are
/// separated by blanks, '...' keeps everything literally, "..." keeps
/// everything but lets a backslash escape `"`, `\`, `$` and `` ` ``, and a
/// backslash outside quotes escapes the next character. Quoted and unquoted
/// parts that touch make one word (`--reason="new footage"`).
///
/// There is no expansion of any kind ($VAR, globs, ~): a batch must run the
/// same words wherever it is replayed. `#` starts a comment only as the first
/// non-blank character of the line (see `isSkipped`); elsewhere it is literal,
/// so `--tag #izium` keeps its tag.
public enum CommandLineWords {
    /// A line the splitter cannot read: an unclosed quote or a trailing backslash.
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        /// What is wrong, with the 1-based column where it starts.
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// Blank lines and comment lines hold no command.
    public static func isSkipped(_ line: String) -> Bool {
        guard let first = line.first(where: { !isBlank($0) }) else { return true }
        return first == "#"
    }

    /// The words of `line`, without quotes and escapes.
    public static func split(_ line: String) throws(SyntaxError) -> [String] {
        var words: [String] = []
        var word = ""
        // A word can be empty (`''`), so "inside a word" is tracked apart from its text.
        var inWord = false
        var characters = Array(line).makeIterator()
        var column = 0
        func next() -> Character? {
            guard let character = characters.next() else { return nil }
            column += 1
            return character
        }
        while let character = next() {
            switch character {
            case _ where isBlank(character):
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "\\":
                guard let escaped = next() else {
                    throw SyntaxError(description: "a backslash at the end of the line (column \(column)) escapes nothing")
                }
                word.append(escaped)
                inWord = true
            case "'":
                let opened = column
                inWord = true
                while true {
                    guard let quoted = next() else {
                        throw SyntaxError(description: "the single quote at column \(opened) is not closed")
                    }
                    if quoted == "'" { break }
                    word.append(quoted)
                }
            case "\"":
                let opened = column
                inWord = true
                while true {
                    guard let quoted = next() else {
                        throw SyntaxError(description: "the double quote at column \(opened) is not closed")
                    }
                    if quoted == "\"" { break }
                    if quoted == "\\" {
                        guard let escaped = next() else {
                            throw SyntaxError(description: "the double quote at column \(opened) is not closed")
                        }
                        // POSIX: inside "..." a backslash only escapes these; elsewhere it stays.
                        if !"\"\\$`".contains(escaped) { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(quoted)
                    }
                }
            default:
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    private static func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" || character == "\r" }
}
