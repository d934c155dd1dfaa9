/// A SQL statement whose interpolated values are bound as parameters, never
/// spliced into the text: `"SELECT * FROM cases WHERE ref = \(ref)"` sends
/// `... WHERE ref = $1` with `ref` as the first parameter. Trusted SQL text
/// (identifiers chosen by Verity itself) must be spelled `\(unsafeSQL: text)`.
public struct Query: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    enum Segment: Sendable {
        case sql(String)
        case parameter(text: String?, type: PostgresType)
    }

    var segments: [Segment]

    /// Raw SQL with no parameters. Only for text the program itself wrote.
    public init(unsafeSQL sql: String) { segments = [.sql(sql)] }

    public init(stringLiteral value: String) { segments = [.sql(value)] }

    public init(stringInterpolation: StringInterpolation) { segments = stringInterpolation.segments }

    public struct StringInterpolation: StringInterpolationProtocol {
        var segments: [Segment] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            segments.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { segments.append(.sql(literal)) }
        }

        /// Binds the value as the next parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            segments.append(.parameter(text: value.postgresText, type: Value.postgresType))
        }

        /// Binds an optional value; nil becomes NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            segments.append(.parameter(text: value?.postgresText, type: Value.postgresType))
        }

        /// Splices another query, renumbering its parameters.
        public mutating func appendInterpolation(_ fragment: Query) {
            segments.append(contentsOf: fragment.segments)
        }

        /// Splices trusted SQL text. The name is long on purpose: it must be a choice.
        public mutating func appendInterpolation(unsafeSQL sql: String) {
            segments.append(.sql(sql))
        }
    }

    /// The SQL text with `$1`, `$2`, ... placeholders.
    public var sql: String {
        var text = ""
        var number = 0
        for segment in segments {
            switch segment {
            case .sql(let s): text += s
            case .parameter:
                number += 1
                text += "$\(number)"
            }
        }
        return text
    }

    public var parameters: [String?] {
        segments.compactMap {
            if case .parameter(let text, _) = $0 { return .some(text) }
            return nil
        }
    }

    public var parameterTypes: [PostgresType] {
        segments.compactMap {
            if case .parameter(_, let type) = $0 { return type }
            return nil
        }
    }

    public var description: String { sql }

    /// Appends another query (for building WHERE clauses piece by piece).
    public static func + (lhs: Query, rhs: Query) -> Query {
        var result = lhs
        result.segments.append(contentsOf: rhs.segments)
        return result
    }

    public static func += (lhs: inout Query, rhs: Query) { lhs = lhs + rhs }

    /// Joins fragments with a trusted separator such as `" AND "`.
    public static func joined(_ parts: [Query], separator: String) -> Query {
        var result = Query(unsafeSQL: "")
        for (index, part) in parts.enumerated() {
            if index > 0 { result.segments.append(.sql(separator)) }
            result.segments.append(contentsOf: part.segments)
        }
        return result
    }
}
