import Foundation
import PostgresClient

/// What a test compares to prove "the database is unchanged": the row count of
/// every table a command can write, and the head of the history chain (which
/// changes with any history row anywhere).
public struct DatabaseFingerprint: Equatable, Sendable, CustomStringConvertible {
    public var counts: [String: Int]
    public var historyHead: String?

    static let tables = [
        "reviewers", "cases", "sources", "case_sources", "evidence_notes", "case_assignments", "case_history",
    ]

    public static func of(_ db: Connection) throws -> DatabaseFingerprint {
        let selects = tables.map { "(SELECT count(*) FROM \($0)) AS \($0)" }.joined(separator: ", ")
        let row = try db.query(Query(unsafeSQL: "SELECT \(selects), verity_history_head() AS head"))[0]
        var counts: [String: Int] = [:]
        for table in tables { counts[table] = try row.decode(table) }
        return DatabaseFingerprint(counts: counts, historyHead: try row.decode("head"))
    }

    public static func of(url: String) throws -> DatabaseFingerprint { try of(Connection(url)) }

    public var description: String {
        Self.tables.map { "\($0)=\(counts[$0] ?? -1)" }.joined(separator: " ") + " head=\(historyHead ?? "none")"
    }
}
