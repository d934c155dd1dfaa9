/// Help text written as it reads in the source (lines of any length) and
/// given to argument-parser as paragraphs, which it wraps to the terminal:
/// a line that continues a sentence is joined to the one before, so no
/// pre-wrapped line is wrapped again into a fragment. Kept as written: blank
/// lines (paragraph breaks), indented lines, list items, and lines that show
/// a command (`Example: verity ...`, `Bulk: verity ...`, `verity ...`).
enum Help {
    static func paragraphs(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let last = lines.last, joins(line, after: last) {
                lines[lines.count - 1] = last + " " + line
            } else {
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func standsAlone(_ line: String) -> Bool {
        guard let first = line.first else { return true }
        if first == " " || first == "\t" || line.hasPrefix("- ") || line.hasPrefix("* ") { return true }
        // A command line, bare or after a short label such as "Example:" or "Bulk (all or nothing):".
        if line.hasPrefix("verity ") || line.hasPrefix("psql ") { return true }
        if let colon = line.firstIndex(of: ":"), line.distance(from: line.startIndex, to: colon) <= 40 {
            let after = line[line.index(after: colon)...].drop { $0 == " " }
            if after.hasPrefix("verity ") || after.hasPrefix("psql ") { return true }
        }
        return false
    }

    static func joins(_ line: String, after previous: String) -> Bool {
        !previous.isEmpty && !line.isEmpty && !standsAlone(line) && !standsAlone(previous)
            && !previous.hasSuffix(":")
    }
}
