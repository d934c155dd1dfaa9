/// The one error type of the database layer: connection failures, server errors
/// (with their SQLSTATE and diagnostic fields), and client-side misuse.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached or the session broke.
        case connection
        /// The server refused a statement; `sqlState` says why.
        case server
        /// A value could not be sent (for example a NUL byte in text).
        case invalidParameter
        /// A result value could not be decoded into the requested Swift type.
        case decoding
        /// The layer was used in a way libpq does not allow (for example COPY failed to start).
        case protocolViolation
    }

    public var kind: Kind
    public var sqlState: SQLState?
    public var message: String
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// The SQL text that failed (never parameter values, which may be sensitive).
    public var sql: String?

    public init(
        kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil,
        hint: String? = nil, constraint: String? = nil, table: String? = nil,
        column: String? = nil, sql: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.sql = sql
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }

    /// True when retrying the whole transaction may succeed.
    public var isTransientConflict: Bool { sqlState?.isTransientConflict ?? false }
}
