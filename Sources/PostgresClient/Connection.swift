import CLibPQ
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One session with a PostgreSQL server. Not `Sendable`: a connection belongs to
/// one thread of work at a time, as libpq requires.
public final class Connection {
    let handle: OpaquePointer
    /// Where this connection points, with any password removed.
    public let target: String
    /// Statements prepared on this session (see `PreparedStatements`).
    var statements = PreparedStatements()
    /// Whether a statement is prepared the second time its text runs. Off by
    /// default: a one-shot command gains nothing from it, and named statements do
    /// not survive a pooler in transaction mode (PgBouncer without
    /// max_prepared_statements). A long-lived session (`verity batch`) turns it on.
    public var preparesRepeatedStatements = false
    /// Notices of class VR, for `takeNotices()`.
    let noticeBuffer = NoticeBuffer()

    /// How often the server checks, while it runs a statement, that this client is still there.
    public static let clientConnectionCheckInterval = "5s"

    /// Connects with a URL (`postgresql://...`) or a `key=value` string. An empty
    /// string lets libpq use the standard `PG*` environment variables.
    public convenience init(_ connectionString: String) throws {
        try self.init(connectionString, alsoAsking: [])
    }

    /// What the statements given to `init(_:alsoAsking:)` answered, in order, each its
    /// result or its error (taken once: the answers are released after).
    public func takeSetUpAnswers() -> [Result<ResultSet, PostgresError>] {
        defer { setUpAnswers = [] }
        return setUpAnswers
    }
    private var setUpAnswers: [Result<ResultSet, PostgresError>] = []

    /// Connects, and sends `extra` statements in the same round trip as the session's own
    /// set-up (one pipeline, each statement its own Sync, so that one error does not cancel
    /// the others): a short command's first question (the migration check) costs no round
    /// trip of its own. Their answers: `takeSetUpAnswers()`.
    public init(_ connectionString: String, alsoAsking extra: [Query]) throws {
        let redacted = ConnectionString.redact(connectionString)
        // Parse first: libpq's parse errors can quote the input, which may hold a password.
        var parseError: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(connectionString, &parseError) {
            PQconninfoFree(options)
        } else {
            var reason = "it could not be parsed"
            if let parseError {
                reason = ConnectionString.redact(String(cString: parseError))
                    .trimmed
                PQfreemem(parseError)
            }
            throw PostgresError(
                kind: .connection,
                message: "the database URL \"\(redacted)\" is not valid: \(reason)",
                hint: "use postgresql://USER@HOST:PORT/DBNAME or key=value pairs such as host=/path/to/socket dbname=verity")
        }
        guard let handle = PQconnectdb(connectionString) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = ConnectionString.redact(String(cString: PQerrorMessage(handle)))
                .trimmed
            let place = Self.describePlace(handle)
            PQfinish(handle)
            throw PostgresError(
                kind: .connection,
                message: "could not connect to PostgreSQL at \(place): \(reason)",
                hint: Self.connectionHint(reason: reason, redacted: redacted))
        }
        self.handle = handle
        self.target = redacted
        // Notices ("relation already exists, skipping") are for DBAs, not users; only
        // the database's own reports (class VR) are kept, for the command to read.
        NoticeBuffer.install(on: handle, buffer: noticeBuffer)
        // One round trip, in three groups each with its Sync (its own implicit transaction): the
        // session's text formats that decoding relies on, alone (a session setting made in a
        // transaction that fails is undone); the caller's statements, together (one snapshot,
        // one Sync; the first failure among them is the one they answer with first); the
        // check interval below, alone.
        let formats: Query =
            "SELECT set_config('DateStyle', 'ISO, YMD', false), set_config('TimeZone', 'UTC', false), set_config('client_encoding', 'UTF8', false)"
        // A client that dies (kill -9, a dropped network) mid-statement would leave the
        // server working for it until the statement ends, minutes for a large import,
        // holding its locks. PostgreSQL 14+ can poll the socket while it runs a query
        // and cancel the work of a client that is gone. On a server platform without
        // the needed kernel support the setting is refused (the error is ignored: last in
        // the pipeline, with its own Sync); that server keeps its old behaviour.
        let checksClient = PQserverVersion(handle) >= 140000
        let checkInterval: [Query] =
            checksClient
            ? ["SELECT set_config('client_connection_check_interval', \(Self.clientConnectionCheckInterval), false)"] : []
        var answers = try pipelineEach([[formats], extra, checkInterval])
        if case .failure(let error) = answers[0] { throw error }
        answers.removeFirst()
        if checksClient { answers.removeLast() }
        setUpAnswers = answers
    }

    /// What to check after a refused connection: the server answered but refused
    /// the login (password, or a login that is disabled), or it did not answer.
    static func connectionHint(reason: String, redacted: String) -> String {
        if reason.contains("password authentication failed") || reason.contains("no password supplied") {
            return "the server is up but refused the password: check the user and password in the URL (\(redacted))"
        }
        if reason.contains("is not permitted to log in") {
            return "the server is up but this login is disabled (a deactivated reviewer?); ask a desk admin"
        }
        return "check that the server is running and that the URL (\(redacted)) is right"
    }

    deinit { PQfinish(handle) }

    /// "socket /path/.s.PGSQL.5432" or "host:port", for connection errors.
    private static func describePlace(_ handle: OpaquePointer) -> String {
        let host = PQhost(handle).map { String(cString: $0) } ?? ""
        let port = PQport(handle).map { String(cString: $0) } ?? ""
        if host.isEmpty { return "the default socket" }
        if host.hasPrefix("/") { return "socket \(host)/.s.PGSQL.\(port.isEmpty ? "5432" : port)" }
        return "\(host):\(port.isEmpty ? "5432" : port)"
    }

    /// The server's version, e.g. "15.18".
    public var serverVersion: String {
        let number = Int(PQserverVersion(handle))
        return "\(number / 10000).\(number % 10000)"
    }

    /// The database user this session runs as.
    public var user: String { PQuser(handle).map { String(cString: $0) } ?? "" }

    /// False once the session is lost (server gone, socket closed): a long-lived
    /// client such as `verity batch` stops instead of failing every later command.
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// True while a transaction block is open.
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Runs one statement with its parameters bound through `PQexecParams`.
    @discardableResult
    public func query(_ query: Query) throws -> ResultSet {
        let sql = query.sql
        let parameters = query.parameters
        let types = query.parameterTypes.map { Oid($0.rawValue) }
        for (index, value) in parameters.enumerated() where value?.utf8.contains(0) == true {
            throw PostgresError(
                kind: .invalidParameter,
                message: "parameter $\(index + 1) contains a NUL byte (\\0), which PostgreSQL text cannot store",
                hint: "remove the NUL character from the input", sql: sql)
        }
        // Only a session that asked for it keeps prepared statements: a one-shot
        // command pays nothing here.
        let key = preparesRepeatedStatements ? PreparedStatements.Key(sql: sql, types: types) : nil
        let name = try key.flatMap { try preparedName(for: $0, sql: sql, types: types) }
        let result = withCStrings(parameters) { pointers in
            if let name {
                return PQexecPrepared(handle, name, Int32(parameters.count), pointers, nil, nil, 0)
            }
            return PQexecParams(handle, sql, Int32(parameters.count), types, pointers, nil, nil, 0)
        }
        do {
            return try check(result, sql: sql)
        } catch let error as PostgresError where name != nil && error.sqlState == .featureNotSupported {
            // "cached plan must not change result type": a table changed under a
            // prepared statement (a migration in the same session). Prepare it afresh later.
            if let key { statements.forget(key) }
            throw error
        }
    }

    /// The name `key` is prepared under: prepared already, prepared now (its
    /// second run), or nil to run it unprepared.
    private func preparedName(for key: PreparedStatements.Key, sql: String, types: [Oid]) throws -> String? {
        if let name = statements.name(for: key) { return name }
        guard let fresh = statements.nameToPrepare(for: key) else { return nil }
        _ = try check(PQprepare(handle, fresh, sql, Int32(types.count), types), sql: sql)
        statements.remember(fresh, for: key)
        return fresh
    }

    /// Runs trusted SQL that may hold several statements (migrations, SET, BEGIN).
    /// It takes no parameters, so nothing from a user may reach it.
    public func execute(unsafeSQL sql: String) throws {
        _ = try check(PQexec(handle, sql), sql: sql)
    }

    /// Turns a `PGresult` into a `ResultSet` or the matching `PostgresError`.
    func check(_ result: OpaquePointer?, sql: String) throws -> ResultSet {
        guard let result else { throw connectionError(sql: sql) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_PIPELINE_SYNC:
            return ResultSet(handle: result, sql: sql)
        default:
            let error = serverError(result, sql: sql)
            PQclear(result)
            throw error
        }
    }

    func serverError(_ result: OpaquePointer, sql: String) -> PostgresError {
        // An empty field is an absent one (a RAISE may pass on a HINT of '').
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let state = field(Int32(verity_diag_sqlstate)).map(SQLState.init(rawValue:))
        let message =
            field(Int32(verity_diag_message_primary))
            ?? String(cString: PQresultErrorMessage(result)).trimmed
        if state == nil, PQstatus(handle) != CONNECTION_OK {
            return connectionError(sql: sql)
        }
        return PostgresError(
            kind: state == nil ? .protocolViolation : .server, sqlState: state,
            message: message.isEmpty ? "the statement failed" : message,
            detail: field(Int32(verity_diag_message_detail)), hint: field(Int32(verity_diag_message_hint)),
            constraint: field(Int32(verity_diag_constraint_name)), table: field(Int32(verity_diag_table_name)),
            column: field(Int32(verity_diag_column_name)), sql: sql)
    }

    func connectionError(sql: String?) -> PostgresError {
        let reason = String(cString: PQerrorMessage(handle)).trimmed
        return PostgresError(
            kind: .connection,
            message: "lost the connection to PostgreSQL (\(target)): \(reason.isEmpty ? "no reply" : reason)",
            sql: sql)
    }
}

/// Calls `body` with C strings for each value (NULL pointers for nil) that live
/// exactly as long as the call.
func withCStrings<R>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var owned: [UnsafeMutablePointer<CChar>?] = values.map { $0.map { strdup($0) } }
    defer { for pointer in owned { free(pointer) } }
    return owned.withUnsafeMutableBufferPointer { buffer in
        body(buffer.map { UnsafePointer($0) })
    }
}
