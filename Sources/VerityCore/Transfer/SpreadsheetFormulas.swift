/// CSV formula injection (OWASP "CSV Injection"; Atlos does the same): a cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
/// formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)` leaks data,
/// `=cmd|'/C calc'!A0` runs a program). Every value Verity writes to CSV gets a
/// leading `'` in that case, which spreadsheets show as text; Verity's own CSV
/// import takes it off again, so that export then import gives back the same text.
///
/// A value that is a plain decimal number (`-3`, `-0.5`, `1e-05`) stays bare, in
/// any column: a spreadsheet reads it as that number and nothing else, and the
/// numbers of `report status --format csv` stay numbers.
///
/// Values that already start with `'`s followed by a trigger get one more `'`,
/// so that the import's "take off one `'`" gives back exactly what was stored.
public enum SpreadsheetFormulas {
    /// The characters that make a spreadsheet read a cell as a formula.
    public static let triggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r", "\r\n"]

    /// `value` as it goes into a CSV cell: with a leading `'` if a spreadsheet would run it.
    public static func neutralised(_ value: String) -> String {
        guard startsWithTrigger(afterQuotes: value), !isPlainNumber(value) else { return value }
        return "'" + value
    }

    /// A CSV cell as Verity's import reads it: the `'` that `neutralised` added is taken off.
    public static func restored(_ cell: String) -> String {
        guard cell.first == "'", startsWithTrigger(afterQuotes: cell) else { return cell }
        return String(cell.dropFirst())
    }

    /// Whether `text`, after any leading `'`s, starts with a trigger.
    static func startsWithTrigger(afterQuotes text: String) -> Bool {
        guard let first = text.drop(while: { $0 == "'" }).first else { return false }
        return triggers.contains(first)
    }

    /// `-3`, `2.5`, `-1.5e-05`: what Swift's `String(Double)` and `String(Int)` write.
    static func isPlainNumber(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard mantissa.first?.isNumber == true, mantissa.filter({ $0 == "." }).count <= 1, mantissa.last != "." else {
            return false
        }
        rest = rest.dropFirst(mantissa.count)
        if rest.isEmpty { return true }
        guard rest.first == "e" || rest.first == "E" else { return false }
        rest = rest.dropFirst()
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        return !rest.isEmpty && rest.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
