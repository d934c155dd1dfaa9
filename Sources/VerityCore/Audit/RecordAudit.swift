#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// The record chains of sql/migrations/003_integrity.sql and sql/definitions/20_history_chain.sql (one per row of sources and
/// reviewers, in `record_history`) and the replay checks of `verity audit
/// verify`: every current case, source and reviewer must be what its chained
/// history says it is. Computed in Swift, independently of the database's
/// functions, from the columns' text (TimeZone UTC, DateStyle ISO):
///
///     verity-record-v1\n<table>\n<row_id>\n<seq>\n<at: YYYY-MM-DDTHH:MM:SS.ffffffZ>\n
///     <actor>\n<db_user>\n<action>\n<fields>\n<prev_hash>
///
/// where every field from actor on is "<length in characters>:<text>", or "-" for NULL.
public enum RecordChain {
    /// One row of `record_history` as text columns.
    public struct Row: Sendable {
        public var id: Int
        public var table: String
        public var rowID: Int
        public var seq: Int
        public var at: String
        public var actor: String?
        public var dbUser: String?
        public var action: String
        public var fields: String
        public var prevHash: String?
        public var hash: String?
    }

    /// The hash the row must carry; nil when its timestamp has no canonical form.
    public static func expectedHash(of row: Row) -> String? {
        guard let at = HistoryChain.canonicalTimestamp(row.at) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + row.fields.utf8.count)
        func line(_ text: String) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(0x0A)
        }
        func field(_ text: String?, last: Bool = false) {
            if let text {
                bytes.append(contentsOf: String(text.unicodeScalars.count).utf8)
                bytes.append(0x3A)
                bytes.append(contentsOf: text.utf8)
            } else {
                bytes.append(0x2D)
            }
            if !last { bytes.append(0x0A) }
        }
        line("verity-record-v1")
        line(row.table)
        line(String(row.rowID))
        line(String(row.seq))
        line(at)
        field(row.actor)
        field(row.dbUser)
        field(row.action)
        field(row.fields)
        field(row.prevHash, last: true)
        return bytes.withUnsafeBytes { SHA256Hasher.hex(of: $0) }
    }
}

/// What a case's chain says the case is: its claim fields from the `open` row
/// and later `update` rows, its state from the last row that moved it, its
/// verdict from the last `assess`, its restriction from the last `restrict` or
/// `unrestrict`.
struct CaseReplay {
    static let claimFields = [
        "ref", "claim", "claimant", "claimed_at", "location", "tags", "priority", "due", "latitude", "longitude",
        "claimant_type",
    ]
    private(set) var fields: [String: JSONValue] = [:]
    private(set) var state: String?
    private(set) var assessment: [String: JSONValue] = [:]
    private(set) var restricted = false

    mutating func apply(action: String, toState: String?, details: String) {
        if let toState { state = toState }
        switch action {
        case "open":
            let parsed = JSONValue(parsing: details)
            for key in Self.claimFields { fields[key] = parsed[key] ?? .null }
        case "update":
            let parsed = JSONValue(parsing: details)
            for key in Self.claimFields {
                if case .object(let change)? = parsed[key], let to = change["to"] { fields[key] = to }
            }
        case "restrict": restricted = true
        case "unrestrict": restricted = false
        default: break
        }
        if toState == "assessed" {
            let parsed = JSONValue(parsing: details)
            assessment = [
                "verdict": parsed["verdict"] ?? .null, "confidence": parsed["confidence"] ?? .null,
                "rationale": parsed["rationale"] ?? .null,
            ]
        } else if toState != nil {
            assessment = ["verdict": .null]
        }
    }

    /// The fields of `current` (the case's row, as the audit query builds it) that differ, with both values.
    func differences(from current: [String: JSONValue]) -> [(field: String, current: JSONValue, replayed: JSONValue)] {
        var expected = fields
        expected["state"] = state.map(JSONValue.string) ?? .null
        expected["restricted"] = .bool(restricted)
        for (key, value) in assessment { expected[key] = value }
        return (Self.claimFields + ["state", "restricted", "verdict", "confidence", "rationale"]).compactMap { key in
            guard let replayed = expected[key] else { return nil }
            let now = current[key] ?? .null
            return now == replayed ? nil : (key, now, replayed)
        }
    }
}

extension JSONValue {
    /// Compact JSON text for messages.
    var auditText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "\(self)"
    }

    var objectFields: [String: JSONValue] {
        if case .object(let fields) = self { return fields }
        return [:]
    }
}

/// Reads the current cases in id order, one chunk at a time, for the merge with the case chains.
struct CurrentCases {
    static let declare = """
        DECLARE verity_audit_cases NO SCROLL CURSOR FOR
            SELECT c.id, jsonb_build_object(
                       'ref', c.ref, 'claim', c.claim, 'claimant', c.claimant, 'claimed_at', c.claimed_at,
                       'location', c.location, 'tags', to_jsonb(c.tags), 'priority', c.priority, 'due', c.due,
                       'latitude', c.latitude, 'longitude', c.longitude, 'claimant_type', c.claimant_type,
                       'state', c.state, 'verdict', c.verdict, 'confidence', c.confidence, 'rationale', c.rationale,
                       'restricted', c.restricted)::text AS fields
              FROM public.cases c ORDER BY c.id
        """
    let db: Connection
    let chunkSize: Int
    private var buffer: [(id: Int, fields: String)] = []
    private var index = 0
    private var exhausted = false

    init(db: Connection, chunkSize: Int) {
        self.db = db
        self.chunkSize = chunkSize
    }

    /// The next case row without consuming it; nil after the last.
    mutating func peek() throws -> (id: Int, fields: String)? {
        if index < buffer.count { return buffer[index] }
        if exhausted { return nil }
        let chunk = try db.query(Query(unsafeSQL: "FETCH FORWARD \(max(1, chunkSize)) FROM verity_audit_cases"))
        buffer = []
        index = 0
        for row in 0..<chunk.rowCount {
            guard let id = chunk.text(row: row, column: 0).flatMap(Int.init) else { continue }
            buffer.append((id, chunk.text(row: row, column: 1) ?? "{}"))
        }
        if buffer.isEmpty {
            exhausted = true
            return nil
        }
        return buffer[index]
    }

    mutating func advance() { index += 1 }
}

extension Desk {
    /// Recomputes every record chain (sources, reviewers), adds each chain's
    /// head to the verifier's head, and reports every current source or
    /// reviewer that is not its chain's last state (or has no chain, or whose
    /// row is gone). Runs inside `verifyHistory`'s snapshot.
    func verifyRecords(_ db: Connection, into verifier: inout ChainVerifier, chunkSize: Int) throws {
        try db.execute(
            unsafeSQL: """
                DECLARE verity_audit_records NO SCROLL CURSOR FOR
                    SELECT id, table_name, row_id, seq, at, actor, db_user, action, fields, prev_hash, hash
                      FROM public.record_history ORDER BY table_name COLLATE "C", row_id, seq, id
                """)
        var chain: (table: String, rowID: Int)?
        var expectedSeq = 1
        var previousHash: String?
        func close() {
            if let chain { verifier.addHeadLine("\(chain.table)/\(chain.rowID):\(previousHash ?? "")\n") }
        }
        let fetch = Query(unsafeSQL: "FETCH FORWARD \(max(1, chunkSize)) FROM verity_audit_records")
        while true {
            let chunk = try db.query(fetch)
            if chunk.rowCount == 0 { break }
            for index in 0..<chunk.rowCount {
                func text(_ column: Int) -> String? { chunk.text(row: index, column: column) }
                let row = RecordChain.Row(
                    id: text(0).flatMap(Int.init) ?? 0, table: text(1) ?? "", rowID: text(2).flatMap(Int.init) ?? 0,
                    seq: text(3).flatMap(Int.init) ?? 0, at: text(4) ?? "", actor: text(5), dbUser: text(6),
                    action: text(7) ?? "", fields: text(8) ?? "", prevHash: text(9), hash: text(10))
                verifier.countRecordRow()
                if chain?.table != row.table || chain?.rowID != row.rowID {
                    close()
                    chain = (row.table, row.rowID)
                    expectedSeq = 1
                    previousHash = nil
                }
                func report(_ kind: HistoryProblem.Kind, _ detail: String) {
                    verifier.add(HistoryProblem(
                        kind: kind, seq: row.seq, historyID: row.id, table: row.table, rowID: row.rowID,
                        detail: "record_history id \(row.id): " + detail))
                }
                if row.seq != expectedSeq {
                    report(.seqGap, "expected seq \(expectedSeq), found \(row.seq): rows of this record's chain were deleted or inserted out of order")
                } else if row.prevHash != previousHash {
                    report(.prevHashMismatch, "prev_hash \(row.prevHash ?? "NULL") is not the previous row's hash \(previousHash ?? "NULL"): a row before it was deleted or replaced")
                }
                if let stored = row.hash, let expected = RecordChain.expectedHash(of: row) {
                    if stored != expected {
                        report(.altered, "content does not match its hash (stored \(stored), recomputed \(expected)): the row was altered")
                    }
                } else {
                    report(.unhashed, "the row has no hash, or a timestamp (\(row.at)) that cannot be put in canonical form")
                }
                expectedSeq = row.seq + 1
                previousHash = row.hash
            }
        }
        close()
        // Each current record against its chain's last state, compared by the database, sent only when they differ.
        let differing = try db.query(
            """
            WITH last AS (
                SELECT DISTINCT ON (h.table_name, h.row_id) h.table_name, h.row_id, h.fields
                  FROM public.record_history h ORDER BY h.table_name, h.row_id, h.seq DESC),
            current AS (
                SELECT 'sources'::text AS table_name, s.id AS row_id, to_jsonb(s) - 'search' AS fields FROM public.sources s
                UNION ALL
                SELECT 'reviewers', r.id, to_jsonb(r) FROM public.reviewers r)
            SELECT d.* FROM (
                SELECT coalesce(c.table_name, l.table_name) AS table_name, coalesce(c.row_id, l.row_id)::bigint AS row_id,
                       c.fields::text AS current, l.fields::text AS recorded
                  FROM current c FULL JOIN last l ON l.table_name = c.table_name AND l.row_id = c.row_id
                 WHERE c.fields IS DISTINCT FROM l.fields) d
             ORDER BY d.table_name COLLATE "C", d.row_id
            """)
        try reportDifferences(differing, whose: { _, _ in "its chained history" }, into: &verifier)
    }
}
