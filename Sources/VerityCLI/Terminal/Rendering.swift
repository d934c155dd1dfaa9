import Foundation
import PostgresClient
import VerityCore

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
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Aligned columns for people; the one place tables are drawn.
enum TableOutput {
    static func render(header: [String], rows: [[String]], maxWidth: Int = 60) -> String {
        // Control characters would break the grid (newlines, tabs) or drive the terminal
        // (ESC sequences in a claim); show them escaped.
        let cells = ([header] + rows).map { $0.map { clip(visible($0), maxWidth) } }
        var widths = Array(repeating: 0, count: header.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var lines: [String] = []
        for (rowIndex, row) in cells.enumerated() {
            let line = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : padded(cell, widths[index])
            }.joined(separator: "  ")
            lines.append(line)
            if rowIndex == 0 {
                lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Every control character written visibly (`\n`, `\t`, `\x1b`): a cell or field
    /// value is one line, and a terminal escape in a claim is shown, not obeyed.
    static func visible(_ text: String) -> String { ControlCharacters.visible(text) }

    /// `cell` padded with blanks to `width` UTF-16 units, as NSString's `padding(toLength:)` pads
    /// it; that call itself (a bridge to NSString, 4.7 M of `case list`'s 29.8 M instructions)
    /// only for a cell it would cut (more UTF-16 units than the width: characters outside the BMP).
    static func padded(_ cell: String, _ width: Int) -> String {
        let units = cell.utf16.count
        guard units <= width else { return cell.padding(toLength: width, withPad: " ", startingAt: 0) }
        return units == width ? cell : cell + String(repeating: " ", count: width - units)
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}

enum TimestampFormatting {
    static func iso(_ date: Date) -> String {
        // Second precision reads better; exact values are in the database and JSON of history.
        PostgresClient.TimestampText.format(date)
    }
}
