import CLibPQ

/// The rows a statement returned. Owns its `PGresult` and frees it when the
/// last reference goes away, so results cannot leak or be read after `PQclear`.
public final class ResultSet {
    let handle: OpaquePointer
    public let rowCount: Int
    public let columnCount: Int
    /// Column names in result order.
    public let columnNames: [String]
    let sql: String

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
        rowCount = Int(PQntuples(handle))
        columnCount = Int(PQnfields(handle))
        // A COPY result has columns without names; PQfname answers NULL for them.
        columnNames = (0..<columnCount).map { PQfname(handle, Int32($0)).map { String(cString: $0) } ?? "" }
    }

    deinit { PQclear(handle) }

    /// The command tag, e.g. "UPDATE 3".
    public var commandTag: String { String(cString: PQcmdStatus(handle)) }

    /// Rows inserted, updated, deleted or copied by the statement.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    public func columnIndex(_ name: String) throws -> Int {
        let index = PQfnumber(handle, name)
        guard index >= 0 else {
            throw PostgresError(
                kind: .decoding, message: "the result has no column \"\(name)\" (columns: \(columnNames.joined(separator: ", ")))",
                sql: sql)
        }
        return Int(index)
    }

    /// The raw text of one value, nil for NULL (checked with `PQgetisnull` first).
    public func text(row: Int, column: Int) -> String? {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < columnCount, "result index out of range")
        if PQgetisnull(handle, Int32(row), Int32(column)) == 1 { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    public subscript(row: Int) -> Row { Row(result: self, index: row) }

    public var rows: [Row] { (0..<rowCount).map { Row(result: self, index: $0) } }

    /// The first row, if any.
    public var first: Row? { rowCount > 0 ? self[0] : nil }
}

/// One row of a `ResultSet`; decodes values by column name or position.
public struct Row {
    public let result: ResultSet
    public let index: Int

    public func decode<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        try decode(at: try result.columnIndex(column), as: type)
    }

    public func decode<Value: PostgresDecodable>(at column: Int, as type: Value.Type = Value.self) throws -> Value {
        let name = result.columnNames[column]
        guard let text = result.text(row: index, column: column) else {
            if let value = Value.decodeNull() { return value }
            throw PostgresError(
                kind: .decoding, message: "column \"\(name)\" is NULL but \(Value.self) is not optional",
                sql: result.sql)
        }
        guard let value = Value.decode(postgresText: text) else {
            throw PostgresError(
                kind: .decoding, message: "column \"\(name)\" holds \"\(text.prefix(80))\", which is not a valid \(Value.self)",
                sql: result.sql)
        }
        return value
    }

    /// The raw text of a column, nil for NULL.
    public func text(_ column: String) throws -> String? {
        result.text(row: index, column: try result.columnIndex(column))
    }
}
