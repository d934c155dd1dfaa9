#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Swift type a result value (in text format) decodes into. NULL decodes only
/// into an `Optional`; asking for a non-optional value of a NULL column throws.
public protocol PostgresDecodable {
    static func decode(postgresText text: String) -> Self?
    /// Called for NULL; only `Optional` answers with a value.
    static func decodeNull() -> Self?
}

extension PostgresDecodable {
    public static func decodeNull() -> Self? { nil }
}

extension String: PostgresDecodable {
    public static func decode(postgresText text: String) -> String? { text }
}

extension Int: PostgresDecodable {
    public static func decode(postgresText text: String) -> Int? { Int(text) }
}

extension Int64: PostgresDecodable {
    public static func decode(postgresText text: String) -> Int64? { Int64(text) }
}

extension Int32: PostgresDecodable {
    public static func decode(postgresText text: String) -> Int32? { Int32(text) }
}

extension Double: PostgresDecodable {
    public static func decode(postgresText text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }
}

extension Bool: PostgresDecodable {
    public static func decode(postgresText text: String) -> Bool? {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: return nil
        }
    }
}

extension Date: PostgresDecodable {
    public static func decode(postgresText text: String) -> Date? { TimestampText.parse(text) }
}

extension CalendarDate: PostgresDecodable {
    public static func decode(postgresText text: String) -> CalendarDate? { CalendarDate(text) }
}

extension UUID: PostgresDecodable {
    public static func decode(postgresText text: String) -> UUID? { UUID(uuidString: text) }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String) -> Wrapped?? {
        Wrapped.decode(postgresText: text).map { .some($0) }
    }
    public static func decodeNull() -> Wrapped?? { .some(nil) }
}

extension Array: PostgresDecodable where Element == String {
    /// Parses a one-dimensional text array such as `{a,"b c","d\"e",NULL}`.
    /// NULL elements are dropped: Verity's arrays (tags, handles) never hold NULL.
    public static func decode(postgresText text: String) -> [String]? {
        var scalars = text.unicodeScalars[...]
        guard scalars.first == "{", scalars.last == "}" else { return nil }
        scalars = scalars.dropFirst().dropLast()
        var elements: [String] = []
        var current = String.UnicodeScalarView()
        var quoted = false
        var wasQuoted = false
        var escaped = false
        func finish() {
            let element = String(current)
            if wasQuoted || element != "NULL" { elements.append(element) }
            current = String.UnicodeScalarView()
            wasQuoted = false
        }
        if scalars.isEmpty { return [] }
        for scalar in scalars {
            if escaped {
                current.append(scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                quoted.toggle()
                wasQuoted = true
            } else if scalar == "," && !quoted {
                finish()
            } else {
                current.append(scalar)
            }
        }
        guard !quoted, !escaped else { return nil }
        finish()
        return elements
    }
}
