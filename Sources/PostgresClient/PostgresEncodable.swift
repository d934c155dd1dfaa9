#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Swift value that can be bound as a query parameter. Values travel in
/// PostgreSQL's text format together with their type OID, so the server never
/// has to guess a parameter's type.
public protocol PostgresEncodable: Sendable {
    /// The text form PostgreSQL parses for `postgresType`; nil binds NULL.
    var postgresText: String? { get }
    /// The parameter's type OID (0 lets the server infer it, e.g. for enums).
    static var postgresType: PostgresType { get }
}

/// The type OIDs Verity binds parameters as.
public struct PostgresType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let unspecified = PostgresType(rawValue: 0)
    public static let bool = PostgresType(rawValue: 16)
    public static let int8 = PostgresType(rawValue: 20)
    public static let int4 = PostgresType(rawValue: 23)
    public static let text = PostgresType(rawValue: 25)
    public static let float8 = PostgresType(rawValue: 701)
    public static let textArray = PostgresType(rawValue: 1009)
    public static let int8Array = PostgresType(rawValue: 1016)
    public static let date = PostgresType(rawValue: 1082)
    public static let timestamptz = PostgresType(rawValue: 1184)
    public static let uuid = PostgresType(rawValue: 2950)
    public static let jsonb = PostgresType(rawValue: 3802)
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
    public static var postgresType: PostgresType { .text }
}

extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .text }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .int8 }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .int8 }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresType: PostgresType { .int4 }
}

extension Double: PostgresEncodable {
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return String(self)
    }
    public static var postgresType: PostgresType { .float8 }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
    public static var postgresType: PostgresType { .bool }
}

extension Date: PostgresEncodable {
    public var postgresText: String? { TimestampText.format(self) }
    public static var postgresType: PostgresType { .timestamptz }
}

extension CalendarDate: PostgresEncodable {
    public var postgresText: String? { description }
    public static var postgresType: PostgresType { .date }
}

extension UUID: PostgresEncodable {
    public var postgresText: String? { uuidString.lowercased() }
    public static var postgresType: PostgresType { .uuid }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
    public static var postgresType: PostgresType { Wrapped.postgresType }
}

extension Array: PostgresEncodable where Element == String {
    /// Array literal with every element quoted, so commas, braces, quotes and
    /// backslashes inside elements survive.
    public var postgresText: String? {
        var text = "{"
        for (index, element) in enumerated() {
            if index > 0 { text += "," }
            text += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { text += "\\" }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
    public static var postgresType: PostgresType { .textArray }
}

/// JSON text bound as `jsonb`.
public struct JSONText: PostgresEncodable, Hashable {
    public let text: String
    public init(_ text: String) { self.text = text }
    public var postgresText: String? { text }
    public static var postgresType: PostgresType { .jsonb }
}
