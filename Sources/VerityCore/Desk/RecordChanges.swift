#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// One entry of a source's or reviewer's chained record (`record_history`): who changed
/// it, when, through which database user, and what changed.
public struct RecordChange: Encodable, Sendable {
    public var seq: Int
    public var at: Date
    /// The acting reviewer's handle at the time; nil when none acted.
    public var actor: String?
    public var dbUser: String
    /// `insert`, `update`, or `existing` (the row as it stood when its chain started).
    public var action: String
    /// For an update, `{field: {from, to}}` for each field that changed; otherwise the
    /// record's fields as written (those that are not null).
    public var changes: JSONValue

    enum CodingKeys: String, CodingKey {
        case seq, at, actor, action, changes
        case dbUser = "db_user"
    }
}

extension Desk {
    /// The chained record of source `id`, oldest first. Row security shows it only with
    /// the source, so a hidden source's record reads as none.
    public func sourceRecord(_ id: Int) throws -> [RecordChange] {
        _ = try source(id)
        return try recordChanges(table: "sources", rowID: id)
    }

    /// The chained record of the reviewer with `handle`, oldest first.
    public func reviewerRecord(_ handle: String) throws -> [RecordChange] {
        guard let row = try db.query("SELECT id FROM reviewers WHERE handle = \(handle)").first else {
            throw VerityError.notFound("no reviewer \"\(handle)\"", hint: "list reviewers with `verity reviewer list`")
        }
        return try recordChanges(table: "reviewers", rowID: try row.decode("id"))
    }

    /// Each row of the chain beside the one before it: the database compares the fields.
    private func recordChanges(table: String, rowID: Int) throws -> [RecordChange] {
        try db.query(
            """
            SELECT h.seq, h.at, h.actor, h.db_user, h.action,
                   coalesce((SELECT jsonb_object_agg(f.key,
                                        CASE WHEN h.action = 'update'
                                             THEN jsonb_build_object('from', h.prev -> f.key, 'to', f.value)
                                             ELSE f.value END)
                               FROM jsonb_each(h.fields) f
                              WHERE CASE WHEN h.action = 'update' THEN (h.prev -> f.key) IS DISTINCT FROM f.value
                                         ELSE f.value <> 'null'::jsonb END), '{}'::jsonb)::text AS changes
              FROM (SELECT r.*, lag(r.fields) OVER (ORDER BY r.seq) AS prev
                      FROM record_history r WHERE r.table_name = \(table) AND r.row_id = \(rowID)) h
             ORDER BY h.seq
            """
        ).rows.map { row in
            RecordChange(
                seq: try row.decode("seq"), at: try row.decode("at"), actor: try row.decode("actor"),
                dbUser: try row.decode("db_user"), action: try row.decode("action"),
                changes: JSONValue(parsing: try row.decode("changes")))
        }
    }
}
