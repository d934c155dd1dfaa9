#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// A piece of HTML that is safe to emit: text enters only through `text(_:)`
/// and attribute values only through `element(...)`, both escaped by `escape`,
/// the one place where report text is escaped for HTML. The result is also
/// well-formed XML (XHTML syntax), so it can be checked with an XML parser.
public struct HTML: Sendable {
    public let markup: String

    private init(markup: String) { self.markup = markup }

    /// Escapes `& < > " '` and replaces characters XML cannot carry (most C0
    /// controls) with U+FFFD, so hostile text can neither open a tag nor break
    /// the document.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE
                    || scalar.value == 0xFFFF
                {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// Text, escaped.
    public static func text(_ text: String) -> HTML { HTML(markup: escape(text)) }

    /// `<name a="v">children</name>`; attribute values are escaped. Names are the program's own.
    public static func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ children: [HTML] = [])
        -> HTML
    {
        let attributeText = attributes.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
        if children.isEmpty, voidElements.contains(name) { return HTML(markup: "<\(name)\(attributeText)/>") }
        return HTML(markup: "<\(name)\(attributeText)>" + children.map(\.markup).joined() + "</\(name)>")
    }

    public static func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) -> HTML {
        element(name, attributes, [.text(text)])
    }

    /// Markup the program wrote itself (the style sheet, the doctype).
    static func trusted(_ markup: String) -> HTML { HTML(markup: markup) }

    static func join(_ parts: [HTML]) -> HTML { HTML(markup: parts.map(\.markup).joined()) }

    static let voidElements: Set<String> = [
        "meta", "br", "hr", "rect", "line", "circle", "path", "polyline", "stop",
    ]

    /// A table with a header row; cells whose column is in `numeric` are right-aligned.
    static func table(_ header: [String], _ rows: [[HTML]], numeric: Set<Int> = [], caption: String? = nil) -> HTML {
        func cls(_ index: Int) -> KeyValuePairs<String, String> { numeric.contains(index) ? ["class": "num"] : [:] }
        var children: [HTML] = []
        if let caption { children.append(element("caption", text: caption)) }
        children.append(
            element("thead", [:], [element("tr", [:], header.enumerated().map { element("th", cls($0.offset), text: $0.element) })]))
        children.append(
            element("tbody", [:], rows.map { row in element("tr", [:], row.enumerated().map { element("td", cls($0.offset), [$0.element]) }) }))
        return element("table", [:], children)
    }

    /// A whole self-contained page: inline style, no script, nothing fetched.
    static func page(title: String, style: String, body: [HTML]) -> String {
        "<!DOCTYPE html>\n"
            + element(
                "html", ["lang": "en"],
                [
                    element(
                        "head", [:],
                        [
                            element("meta", ["charset": "utf-8"]),
                            element("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"]),
                            element("title", text: title),
                            element("style", [:], [trusted(style)]),
                        ]),
                    element("body", [:], body),
                ]
            ).markup + "\n"
    }
}

/// Markdown text: the one place report text is escaped for Markdown, so a claim
/// cannot inject links, HTML or table columns.
public enum Markdown {
    static let special: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "|", "&", "#", "~"]

    /// Backslash-escapes Markdown punctuation and folds line breaks into spaces (one line, one table cell).
    /// Other control characters are written visibly (`\x1b`, see `ControlCharacters`), so that a
    /// report printed to a terminal cannot drive it; the backslash is escaped like any other.
    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            if character.isNewline {
                result += " "
            } else if character.unicodeScalars.contains(where: { ControlCharacters.isControl($0) && $0 != "\t" }) {
                for scalar in character.unicodeScalars {
                    result += ControlCharacters.isControl(scalar) && scalar != "\t"
                        ? "\\" + ControlCharacters.written(scalar) : String(scalar)
                }
            } else if special.contains(character) {
                result += "\\" + String(character)
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var lines = ["| " + header.map(escape).joined(separator: " | ") + " |"]
        lines.append("|" + header.indices.map { numeric.contains($0) ? "---:|" : "---|" }.joined())
        for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }
}

/// How reports print numbers, dates and times for people (Markdown and HTML alike).
public enum ReportFormatting {
    /// "42.9%".
    public static func percent(_ share: Double) -> String { NumberText.fixed(share * 100, places: 1) + "%" }
    /// "3.25", or "–" when there is no value.
    /// Days to one decimal ("3.5"): a desk reads ages in days, not in hundredths of one.
    public static func days(_ value: Double?) -> String { value.map { NumberText.fixed($0, places: 1) } ?? "–" }
    /// A mean or median grade, to two decimals ("2.25").
    public static func grade(_ value: Double?) -> String { value.map { NumberText.fixed($0, places: 2) } ?? "–" }
    /// "2022-09-20 09:30 UTC".
    public static func time(_ date: Date) -> String {
        let iso = TimestampText.format(date)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5)) + " UTC"
    }
    public static func date(_ date: CalendarDate?) -> String { date?.description ?? "–" }
    /// "IZY-001" or "#12" for cases without a reference.
    public static func caseLabel(id: Int, ref: String?) -> String { ref ?? "#\(id)" }
}

/// Short forms of `HTML.element` for the renderers.
func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ children: [HTML] = []) -> HTML {
    HTML.element(name, attributes, children)
}

func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) -> HTML {
    HTML.element(name, attributes, text: text)
}
