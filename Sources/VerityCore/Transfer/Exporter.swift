#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Collects output text and hands it on in large chunks.
public final class ChunkedOutput {
    private var pending = ""
    private let write: (String) throws -> Void
    private let chunkSize: Int

    public init(chunkSize: Int = 256 * 1024, write: @escaping (String) throws -> Void) {
        self.write = write
        self.chunkSize = chunkSize
        pending.reserveCapacity(chunkSize + 4096)
    }

    public func append(_ text: String) throws {
        pending += text
        if pending.utf8.count >= chunkSize { try flush() }
    }

    public func flush() throws {
        guard !pending.isEmpty else { return }
        try write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}

/// Writes the whole database in the import format (JSON Lines), history
/// included. First the archive: one "archive" record per row of every desk table,
/// as it is (ids, times, actors, hashes), the tables in the order a restore writes
/// them, each row with the reviewer and time it names as "by" and "at"; then the
/// records a person or a script reads and that `verity import` merges into a desk in
/// use: reviewers, cases, sources with their links, assignments, evidence notes, then
/// every transition and assessment in history order. Rows are read through a cursor
/// in batches, so memory stays flat. Importing the output into an empty database
/// restores the archive, and exporting again gives the same bytes.
public struct Exporter {
    public let db: Connection
    public var batchSize = 2000
    /// Whether the export begins with the archive: every row of every desk table as it is
    /// (`verity_archive_tables()` in sql/definitions/72_archive.sql). Without it, the
    /// records alone (what `verity import` checks a restored desk against).
    public var withArchive = true
    /// Whether the archive also holds the output log (`verity export --with-output-log`).
    public var withOutputLog = false

    public init(connection: Connection) { db = connection }

    /// Cases and sources without a reference are named `case-ID` / `source-ID`.
    static let caseRef = "coalesce(c.ref, 'case-' || c.id)"
    static let sourceRef = "coalesce(o.ref, 'source-' || o.id)"

    /// What an export wrote: its lines, and how many of its cases are restricted
    /// (the command warns that the file then needs the same care as the cases).
    public struct Written: Sendable {
        public var lines = 0
        public var restrictedCases = 0
    }

    @discardableResult
    public func run(to output: ChunkedOutput) throws -> Written {
        var linesWritten = 0
        var restrictedCases = 0
        func stream(_ db: Connection, _ sql: String, _ render: (Row) throws -> String) throws {
            try db.execute(unsafeSQL: "DECLARE verity_export NO SCROLL CURSOR FOR " + sql)
            while true {
                let batch = try db.query(Query(unsafeSQL: "FETCH \(batchSize) FROM verity_export"))
                for row in batch.rows {
                    try output.append(try render(row))
                    linesWritten += 1
                }
                if batch.rowCount < batchSize { break }
            }
            try db.execute(unsafeSQL: "CLOSE verity_export")
        }

        try db.transaction(.repeatableRead) { db in
            // The archive's rows carry their times as to_jsonb writes them, in the session's zone.
            try db.execute(unsafeSQL: "SET LOCAL TimeZone = 'UTC'")
            if withArchive {
                for table in Self.archiveTables + (withOutputLog ? [Self.outputLogTable] : []) {
                    try stream(db, table.query) { row in try Self.archiveLine(table, row) }
                }
            }
            try stream(db, """
                SELECT v.handle, v.name, v.email, v.role, v.active, verity_iso(v.created_at) AS at
                  FROM reviewers v ORDER BY v.id
                """) { row in
                var json = JSONLineWriter()
                json.field("type", "reviewer")
                json.field("handle", try row.text("handle"))
                json.field("name", try row.text("name"))
                json.field("email", try row.text("email"))
                json.field("role", try row.text("role"))
                json.field("active", try row.decode("active", as: Bool.self))
                json.field("at", try row.text("at"))
                return json.line()
            }
            try stream(db, """
                SELECT \(Self.caseRef) AS ref, c.claim, c.claimant, c.claimed_at::text AS claimed_at, c.location,
                       c.tags, c.priority, c.due::text AS due, v.handle AS by, verity_iso(c.created_at) AS at,
                       c.restricted, c.latitude::text AS latitude, c.longitude::text AS longitude, c.claimant_type,
                       CASE WHEN c.restricted THEN
                           (SELECT h.reason FROM case_history h
                             WHERE h.case_id = c.id AND h.action = 'restrict' ORDER BY h.seq DESC LIMIT 1)
                       END AS restriction_reason
                  FROM cases c LEFT JOIN reviewers v ON v.id = c.created_by ORDER BY c.id
                """) { row in
                var json = JSONLineWriter()
                json.field("type", "case")
                json.field("ref", try row.text("ref"))
                json.field("claim", try row.text("claim"))
                json.field("claimant", try row.text("claimant"))
                json.field("claimed_at", try row.text("claimed_at"))
                json.field("location", try row.text("location"))
                json.field("tags", try row.decode("tags", as: [String].self))
                json.field("priority", try row.text("priority"))
                json.field("due", try row.text("due"))
                // Coordinates only when the case has them, as numbers (docs/import-export.md).
                if let latitude = try row.text("latitude"), let longitude = try row.text("longitude") {
                    json.field("latitude", json: latitude)
                    json.field("longitude", json: longitude)
                }
                json.field("by", try row.text("by"))
                json.field("at", try row.text("at"))
                if let type = try row.text("claimant_type") { json.field("claimant_type", type) }
                // Only a restricted case says so: the file of a desk without restriction is as before.
                if try row.decode("restricted", as: Bool.self) {
                    restrictedCases += 1
                    json.field("restricted", true)
                    json.field("restriction_reason", try row.text("restriction_reason"))
                }
                return json.line()
            }
            try stream(db, """
                SELECT \(Self.sourceRef) AS ref, o.url, o.title, o.publisher, o.author,
                       o.published_at::text AS published_at, o.kind, o.reliability::text AS reliability, o.file_name,
                       o.file_sha256, o.file_size, o.archive_url, v.handle AS by, verity_iso(o.created_at) AS at,
                       (SELECT coalesce(jsonb_agg(jsonb_build_array(\(Self.caseRef), lv.handle, verity_iso(l.linked_at), l.role)
                                                  ORDER BY l.linked_at, l.case_id)::text, '[]')
                          FROM case_sources l JOIN cases c ON c.id = l.case_id
                          LEFT JOIN reviewers lv ON lv.id = l.linked_by
                         WHERE l.source_id = o.id) AS links
                  FROM sources o LEFT JOIN reviewers v ON v.id = o.added_by ORDER BY o.id
                """) { row in
                var json = JSONLineWriter()
                json.field("type", "source")
                json.field("ref", try row.text("ref"))
                json.field("url", try row.text("url"))
                json.field("title", try row.text("title"))
                json.field("publisher", try row.text("publisher"))
                json.field("author", try row.text("author"))
                json.field("published_at", try row.text("published_at"))
                json.field("kind", try row.text("kind"))
                json.field("reliability", try row.text("reliability"))
                json.field("file_name", try row.text("file_name"))
                json.field("file_sha256", try row.text("file_sha256"))
                json.field("file_size", try row.decode("file_size", as: Int?.self))
                json.field("archive_url", try row.text("archive_url"))
                let by = try row.text("by")
                let at = try row.text("at")
                json.field("by", by)
                json.field("at", at)
                json.field("cases", json: try Self.links(try row.text("links") ?? "[]", by: by, at: at))
                return json.line()
            }
            try stream(db, """
                SELECT \(Self.caseRef) AS case_ref, v.handle AS reviewer, a.is_lead, b.handle AS by,
                       verity_iso(a.assigned_at) AS at
                  FROM case_assignments a JOIN cases c ON c.id = a.case_id JOIN reviewers v ON v.id = a.reviewer_id
                  LEFT JOIN reviewers b ON b.id = a.assigned_by
                 ORDER BY a.assigned_at, a.case_id, a.reviewer_id
                """) { row in
                var json = JSONLineWriter()
                json.field("type", "assignment")
                json.field("case", try row.text("case_ref"))
                json.field("reviewer", try row.text("reviewer"))
                json.field("lead", try row.decode("is_lead", as: Bool.self))
                json.field("by", try row.text("by"))
                json.field("at", try row.text("at"))
                return json.line()
            }
            try stream(db, """
                SELECT \(Self.caseRef) AS case_ref, \(Self.sourceRef) AS source_ref, e.stance, e.credibility, e.note,
                       v.handle AS by, verity_iso(e.created_at) AS at, verity_iso(e.retracted_at) AS retracted_at,
                       rv.handle AS retracted_by, e.retraction_reason
                  FROM evidence_notes e JOIN cases c ON c.id = e.case_id
                  LEFT JOIN sources o ON o.id = e.source_id
                  LEFT JOIN reviewers v ON v.id = e.author_id
                  LEFT JOIN reviewers rv ON rv.id = e.retracted_by
                 ORDER BY e.id
                """) { row in
                var json = JSONLineWriter()
                json.field("type", "evidence")
                json.field("case", try row.text("case_ref"))
                json.field("source", try row.text("source_ref"))
                json.field("stance", try row.text("stance"))
                json.field("credibility", try row.decode("credibility", as: Int.self))
                json.field("note", try row.text("note"))
                json.field("by", try row.text("by"))
                json.field("at", try row.text("at"))
                json.field("retracted_at", try row.text("retracted_at"))
                json.field("retracted_by", try row.text("retracted_by"))
                json.field("retraction_reason", try row.text("retraction_reason"))
                return json.line()
            }
            try stream(db, """
                SELECT h.action, \(Self.caseRef) AS case_ref, h.to_state, v.handle AS by, verity_iso(h.at) AS at,
                       h.reason, h.details ->> 'verdict' AS verdict, (h.details ->> 'confidence')::int AS confidence,
                       h.details ->> 'rationale' AS rationale
                  FROM case_history h JOIN cases c ON c.id = h.case_id LEFT JOIN reviewers v ON v.id = h.actor_id
                 WHERE h.to_state IS NOT NULL AND h.action <> 'open'
                 ORDER BY h.id
                """) { row in
                var json = JSONLineWriter()
                if try row.text("action") == "assess" {
                    json.field("type", "assessment")
                    json.field("case", try row.text("case_ref"))
                    json.field("verdict", try row.text("verdict"))
                    json.field("confidence", try row.decode("confidence", as: Int?.self))
                    json.field("rationale", try row.text("rationale"))
                } else {
                    json.field("type", "transition")
                    json.field("case", try row.text("case_ref"))
                    json.field("to", try row.text("to_state"))
                }
                json.field("by", try row.text("by"))
                json.field("at", try row.text("at"))
                json.field("reason", try row.text("reason"))
                return json.line()
            }
        }
        try output.flush()
        return Written(lines: linesWritten, restrictedCases: restrictedCases)
    }

    /// One table of the archive: its name and the query of its rows in the order they are
    /// written (id, or the primary key), each with its acting reviewer and time.
    struct ArchiveTable {
        var name: String
        var by: String?
        var at: String?
        var order: String

        var query: String {
            query(where: "true")
        }

        /// The same for the rows that `condition` (SQL on `x`, built from ids only) selects.
        func query(where condition: String) -> String {
            // record_history, audit_stamps and output_log name their actor by handle already.
            let handle = by.map { ["actor", "recorded_by", "reviewer"].contains($0) ? "x.\($0)" : "(SELECT v.handle FROM reviewers v WHERE v.id = x.\($0))" } ?? "NULL::text"
            let time = at.map { "verity_iso(x.\($0))" } ?? "NULL::text"
            return "SELECT \(handle) AS by, \(time) AS at, (to_jsonb(x) - 'search')::text AS row FROM \(name) x "
                + "WHERE \(condition) ORDER BY \(order)"
        }
    }

    /// The tables of sql/definitions/72_archive.sql's verity_archive_tables(), in its order.
    static let archiveTables: [ArchiveTable] = [
        ArchiveTable(name: "reviewers", by: nil, at: "created_at", order: "x.id"),
        ArchiveTable(name: "cases", by: "created_by", at: "created_at", order: "x.id"),
        ArchiveTable(name: "sources", by: "added_by", at: "created_at", order: "x.id"),
        ArchiveTable(name: "case_sources", by: "linked_by", at: "linked_at", order: "x.case_id, x.source_id"),
        ArchiveTable(name: "case_assignments", by: "assigned_by", at: "assigned_at", order: "x.case_id, x.reviewer_id"),
        ArchiveTable(name: "evidence_notes", by: "author_id", at: "created_at", order: "x.id"),
        ArchiveTable(name: "verdict_proposals", by: "proposed_by", at: "proposed_at", order: "x.id"),
        ArchiveTable(name: "case_links", by: "linked_by", at: "linked_at", order: "x.id"),
        ArchiveTable(name: "desk_settings", by: "updated_by", at: "updated_at", order: "x.key COLLATE \"C\""),
        ArchiveTable(name: "desk_settings_history", by: "changed_by", at: "changed_at", order: "x.id"),
        ArchiveTable(name: "case_history", by: "actor_id", at: "at", order: "x.id"),
        ArchiveTable(name: "record_history", by: "actor", at: "at", order: "x.id"),
        ArchiveTable(name: "source_custody_events", by: "actor_id", at: "at", order: "x.id"),
        ArchiveTable(name: "audit_stamps", by: "recorded_by", at: "stamped_at", order: "x.id"),
    ]

    /// One `archive` record: a row of `table` as stored, with who wrote it and when.
    static func archiveLine(_ table: ArchiveTable, _ row: Row) throws -> String {
        var json = JSONLineWriter()
        json.field("type", "archive")
        json.field("table", table.name)
        json.field("by", try row.text("by"))
        json.field("at", try row.text("at"))
        json.field("row", json: try row.text("row") ?? "{}")
        return json.line()
    }

    /// The output log, last, with `withOutputLog` (its reviewer is a handle already).
    static let outputLogTable = ArchiveTable(name: "output_log", by: "reviewer", at: "at", order: "x.id")

    /// A source's links: a plain reference when the link was made with the
    /// source (same by and at), otherwise an object with its own by and at.
    static func links(_ text: String, by: String?, at: String?) throws -> String {
        guard case .array(let items) = try JSONLineParser.parse(text) else { return "[]" }
        var out = "["
        for (index, item) in items.enumerated() {
            guard case .array(let parts) = item, parts.count == 4, case .string(let ref) = parts[0] else { continue }
            if index > 0 { out += "," }
            var linkBy: String?
            var linkAt: String?
            var role: String?
            if case .string(let value) = parts[1] { linkBy = value }
            if case .string(let value) = parts[2] { linkAt = value }
            if case .string(let value) = parts[3] { role = value }
            if linkBy == by, linkAt == at, role == nil {
                JSONLineWriter.appendString(ref, to: &out)
            } else {
                var object = JSONLineWriter()
                object.field("case", ref)
                object.field("role", role)
                object.field("by", linkBy)
                object.field("at", linkAt)
                out += object.text + "}"
            }
        }
        return out + "]"
    }
}
