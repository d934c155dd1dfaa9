#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
import VerityCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// JSON for scripts: snake_case keys, sorted, ISO dates.
enum JSONOutput {
    static func encode<Value: Encodable>(_ value: Value) -> String {
        // The same text without JSONEncoder's start-up cost, when JSONText can write it exactly.
        if let text = JSONText.encode(value) { return text }
        return encodeWithFoundation(value)
    }

    static func encodeWithFoundation<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(TimestampFormatting.iso(date))
        }
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// RFC 4180 CSV: fields with commas, quotes or line breaks are quoted. The one
/// place CSV is written, so every `--format csv` gets the same two defences: a
/// value a spreadsheet would run as a formula gets a leading `'`
/// (`SpreadsheetFormulas`, undone by `verity import`), and control characters
/// other than tabs and line breaks are written visibly (`\x1b`), so that printing
/// the CSV to a terminal cannot drive it. JSON keeps both exact.
enum CSVOutput {
    static func render(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n")
    }

    static func field(_ raw: String) -> String {
        let value = SpreadsheetFormulas.neutralised(ControlCharacters.visible(raw, keeping: ["\n", "\r", "\t"]))
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacing("\"", with: "\"\"") + "\""
    }
}

/// Aligned columns for people; the one place tables are drawn. A table fits the
/// output's width (`TerminalWidth`): when its columns are wider, the widest are cut
/// to the same width, by display width and on grapheme boundaries, with "…".
/// `--wide` shows every cell whole.
enum TableOutput {
    static func render(header: [String], rows: [[String]], maxWidth: Int = 60) -> String {
        let width = TerminalWidth.current
        // Control characters would break the grid (newlines, tabs) or drive the terminal
        // (ESC sequences in a claim); show them escaped.
        let cells = ([header] + rows).map { $0.map { width.wide ? visible($0) : clip(visible($0), maxWidth) } }
        var widths = Array(repeating: 0, count: header.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], DisplayWidth.of(cell))
            }
        }
        if let columns = width.columns { widths = fit(widths, header: header, into: columns) }
        var lines: [String] = []
        for (rowIndex, row) in cells.enumerated() {
            let line = row.enumerated().map { index, cell in
                let cut = index < widths.count ? clip(cell, widths[index]) : cell
                return index == row.count - 1 ? cut : pad(cut, widths[index])
            }.joined(separator: "  ")
            lines.append(line)
            if rowIndex == 0 {
                lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Column widths that fit `columns` (with two spaces between columns): the widest
    /// columns are cut to one common width, and short columns (a reference, a state) are
    /// kept whole as far as the width allows: no column is cut below the largest floor
    /// (16 down to 3 characters) at which every column still fits.
    static func fit(_ widths: [Int], header: [String], into columns: Int) -> [Int] {
        let gaps = 2 * max(widths.count - 1, 0)
        guard widths.reduce(0, +) + gaps > columns else { return widths }
        let floor = (3...16).reversed().first { f in widths.map { min($0, f) }.reduce(0, +) + gaps <= columns } ?? 3
        let floors = widths.map { min($0, floor) }
        var cap = widths.max() ?? 0
        while cap > 1 {
            let total = zip(widths, floors).map { max(min($0, cap), $1) }.reduce(0, +) + gaps
            if total <= columns { break }
            cap -= 1
        }
        return zip(widths, floors).map { max(min($0, cap), $1) }
    }

    /// Every control character written visibly (`\n`, `\t`, `\x1b`): a cell or field
    /// value is one line, and a terminal escape in a claim is shown, not obeyed.
    static func visible(_ text: String) -> String { ControlCharacters.visible(text) }

    /// The text cut to `width` display columns, on a grapheme boundary, ending in "…".
    static func clip(_ text: String, _ width: Int) -> String {
        guard DisplayWidth.of(text) > width else { return text }
        guard width > 1 else { return width == 1 ? "…" : "" }
        var out = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > width - 1 { break }
            out.append(character)
            used += w
        }
        return out + "…"
    }

    /// The text followed by spaces up to `width` display columns.
    static func pad(_ text: String, _ width: Int) -> String {
        let used = DisplayWidth.of(text)
        return used >= width ? text : text + String(repeating: " ", count: width - used)
    }

    /// A labelled line (`claim      ...`) for people: the value wrapped at the output's
    /// width (at spaces where it can, on grapheme boundaries always), continued under itself.
    static func field(_ label: String, _ value: String, labelWidth: Int = 11) -> String {
        let head = pad(label, labelWidth)
        let text = visible(value)
        guard let columns = TerminalWidth.current.columns, columns > labelWidth + 10 else { return head + text }
        let room = columns - labelWidth
        var lines: [String] = []
        var line = ""
        var used = 0
        var lastSpace: String.Index?
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > room {
                if let space = lastSpace, character != " " {
                    let rest = String(line[line.index(after: space)...])
                    lines.append(String(line[..<space]))
                    line = rest
                } else {
                    lines.append(line)
                    line = ""
                }
                used = DisplayWidth.of(line)
                lastSpace = nil
                if character == " ", line.isEmpty { continue }
            }
            if character == " " { lastSpace = line.endIndex }
            line.append(character)
            used += w
        }
        lines.append(line)
        return head + lines.joined(separator: "\n" + String(repeating: " ", count: labelWidth))
    }
}

/// How wide the output is: `COLUMNS` when it is set (also when the output is piped,
/// so that scripts and tests can ask for a width), else the terminal's, else unlimited.
/// `--wide` (FormatOptions) lifts the limit and the cutting of long cells.
struct TerminalWidth {
    var columns: Int?
    var wide: Bool

    @TaskLocal static var wideRequested = false

    static var current: TerminalWidth {
        if wideRequested { return TerminalWidth(columns: nil, wide: true) }
        if let text = ProcessEnvironment.current["COLUMNS"], let n = Int(text.trimmed), n > 0 {
            return TerminalWidth(columns: n, wide: false)
        }
        if Console.current.isTerminal {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
                return TerminalWidth(columns: Int(size.ws_col), wide: false)
            }
        }
        return TerminalWidth(columns: nil, wide: false)
    }
}

/// Columns a text takes in a terminal: two for wide (East Asian) characters and
/// emoji, none for combining marks and invisible format characters, one otherwise.
enum DisplayWidth {
    static func of(_ text: String) -> Int {
        // Printable ASCII (most cells) is one column a byte; only other text needs the
        // per-grapheme walk, which is most of what a long `case list` costs otherwise.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        // So is text of scripts with no combining, wide or invisible scalars (Latin, Greek,
        // Cyrillic, the ellipsis of a cut cell, typographic quotes): one column a scalar.
        if text.unicodeScalars.allSatisfy(isNarrowAlone) { return text.unicodeScalars.count }
        return text.reduce(0) { $0 + of($1) }
    }

    /// A scalar one column wide whatever comes next to it: printable, not a combining mark,
    /// a format character (U+00AD, U+200B...), wide or emoji.
    static func isNarrowAlone(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xAC, 0xAE...0x2FF, 0x370...0x482, 0x48A...0x52F, 0x2010...0x2027, 0x2030...0x205E:
            return true
        default:
            return false
        }
    }

    static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.contains(where: { $0.properties.isEmojiPresentation || $0.value == 0xFE0F })
            || scalars.contains(where: { (0x1F1E6...0x1F1FF).contains($0.value) }) {
            return 2
        }
        if isWide(first.value) { return 2 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: return 1
        }
    }

    static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
    }
}

enum TimestampFormatting {
    static func iso(_ date: Date) -> String {
        // Second precision reads better; exact values are in the database and JSON of history.
        PostgresClient.TimestampText.format(date)
    }
}
