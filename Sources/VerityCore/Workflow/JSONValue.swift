#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Any JSON value, for history details that the database writes as jsonb and
/// that output passes through unchanged.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text; text that is not JSON is kept as a string.
    public init(parsing text: String) {
        // jsonb's own text (history details) is read by `JSONText`; JSONDecoder takes the rest.
        if let value = JSONTextReader.parse(text) {
            self = value
            return
        }
        self = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 { try c.encode(Int(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// A compact one-line rendering for tables: `verdict=mixed confidence=3`.
    public var summary: String {
        switch self {
        case .null: return ""
        case .bool(let b): return String(b)
        case .number: return (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? ""
        case .string(let s): return s
        case .array(let a): return a.map(\.summary).joined(separator: ",")
        case .object(let o):
            return o.keys.sorted().map { key in
                let value = o[key]!
                if case .object(let change) = value, let from = change["from"], let to = change["to"] {
                    return "\(key): \(from.summary) → \(to.summary)"
                }
                return "\(key)=\(value.summary)"
            }.joined(separator: " ")
        }
    }
}
