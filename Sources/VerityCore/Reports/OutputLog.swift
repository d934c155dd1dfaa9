#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// SHA-256 and size of output as it is written, piece by piece, so that what
/// the log records is exactly what left the program.
public struct OutputDigest {
    private var hasher = SHA256Hasher()
    public private(set) var byteCount = 0

    public init() {}

    public mutating func update(_ text: String) {
        hasher.update(text)
        byteCount += text.utf8.count
    }

    public mutating func update(bytes: Data) {
        bytes.regions.forEach { region in region.withUnsafeBytes { hasher.update($0) } }
        byteCount += bytes.count
    }

    /// Lowercase hex, the form the log stores.
    public var hex: String { hasher.hexDigest() }
}

/// One report or export to record: who ran what, on which cases, and what came out.
public struct OutputRecord {
    /// The acting reviewer's handle, if one was given; the database login is recorded anyway.
    public var reviewer: String?
    /// The command as typed, e.g. "report status".
    public var command: String
    /// The filters that chose the cases (option name without dashes → value).
    public var filters: [String: JSONValue]
    public var caseCount: Int
    public var digest: OutputDigest
    /// The file written, or "stdout".
    public var output: String
    public var format: String

    public init(
        reviewer: String?, command: String, filters: [String: JSONValue], caseCount: Int, digest: OutputDigest,
        output: String, format: String
    ) {
        self.reviewer = reviewer
        self.command = command
        self.filters = filters
        self.caseCount = caseCount
        self.digest = digest
        self.output = output
        self.format = format
    }
}

/// A row of the output log as `verity report log` shows it.
public struct OutputLogEntry: Encodable, Sendable {
    public var id: Int
    public var at: Date
    /// The acting reviewer, else the database user.
    public var actor: String
    public var reviewer: String?
    public var dbUser: String
    public var command: String
    public var filters: JSONValue
    public var caseCount: Int
    public var sha256: String
    public var bytes: Int
    public var output: String
    public var format: String

    enum CodingKeys: String, CodingKey {
        case id, at, actor, reviewer, dbUser, command, filters, caseCount, sha256, bytes, output, format
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(at, forKey: .at)
        try c.encode(actor, forKey: .actor)
        try c.encode(reviewer, forKey: .reviewer)
        try c.encode(dbUser, forKey: .dbUser)
        try c.encode(command, forKey: .command)
        try c.encode(filters, forKey: .filters)
        try c.encode(caseCount, forKey: .caseCount)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(output, forKey: .output)
        try c.encode(format, forKey: .format)
    }
}

extension Desk {
    /// Appends `record` to the output log and returns its id. Fails on a
    /// read-only server (SQLSTATE 25006); callers decide how to tell the user.
    @discardableResult
    public func logOutput(_ record: OutputRecord) throws -> Int {
        let filters = (try? String(decoding: JSONEncoder().encode(JSONValue.object(record.filters)), as: UTF8.self)) ?? "{}"
        return try db.query(
            """
            SELECT verity_log_output(\(record.reviewer), \(record.command), \(filters)::jsonb, \(record.caseCount),
                                     \(record.digest.hex), \(record.digest.byteCount), \(record.output), \(record.format)) AS id
            """)[0].decode("id")
    }

    /// Refuses an acting reviewer the output log would not record: a login
    /// naming someone else, a reader naming anyone (sql/definitions/60_access.sql).
    public func requireOutputActor(_ reviewer: String?) throws {
        try db.query("SELECT verity_output_actor(\(reviewer)) AS actor")
    }

    /// The latest `limit` entries of the output log, newest first.
    public func outputLog(limit: Int = 50) throws -> [OutputLogEntry] {
        try db.query(
            """
            SELECT id, at, coalesce(reviewer, db_user) AS actor, reviewer, db_user, command, filters::text AS filters,
                   case_count, sha256, byte_count, output, format
              FROM output_log ORDER BY id DESC LIMIT \(limit)
            """
        ).rows.map { row in
            OutputLogEntry(
                id: try row.decode("id"), at: try row.decode("at"), actor: try row.decode("actor"),
                reviewer: try row.decode("reviewer"), dbUser: try row.decode("db_user"), command: try row.decode("command"),
                filters: JSONValue(parsing: try row.decode("filters")), caseCount: try row.decode("case_count"),
                sha256: try row.decode("sha256"), bytes: try row.decode("byte_count"), output: try row.decode("output"),
                format: try row.decode("format"))
        }
    }
}
