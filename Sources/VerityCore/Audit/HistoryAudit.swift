#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// What is wrong with one history row, as `verity audit verify` reports it.
public struct HistoryProblem: Sendable, Encodable, Equatable {
    public enum Kind: String, Sendable, Encodable {
        /// The row's content no longer matches its hash: it was changed.
        case altered
        /// The chain skips or repeats a position: rows were deleted or inserted out of order.
        case seqGap = "seq-gap"
        /// The row does not point at the previous row's hash: a row before it was
        /// deleted, or it was inserted out of order.
        case prevHashMismatch = "prev-hash-mismatch"
        /// The row has no hash, or one the verifier cannot recompute.
        case unhashed
        /// All chains are consistent, but their head is not the anchored one:
        /// the history was rebuilt, cut short or extended since it was anchored.
        case headMismatch = "head-mismatch"
        /// A current row (a case, source or reviewer) differs from the replay of its chained history.
        case rowAltered = "row-altered"
        /// A current row has no chained history at all: it was written around the triggers.
        case unrecorded
        /// A chain's row no longer exists: it was deleted around the triggers.
        case rowMissing = "row-missing"
    }

    public var kind: Kind
    public var caseID: Int?
    public var caseRef: String?
    public var seq: Int?
    public var historyID: Int?
    /// For a record (a row of cases, sources or reviewers): its table, id and the field that differs.
    public var table: String?
    public var rowID: Int?
    public var field: String?
    /// What is wrong, without saying where.
    public var detail: String
    /// Where and what: "case 12, seq 4, history id 981: ..." or "sources id 3, field url: ...".
    public var message: String {
        if let table, let rowID {
            return "\(table) id \(rowID)\(field.map { ", field \($0)" } ?? "")\(seq.map { ", seq \($0)" } ?? ""): \(detail)"
        }
        guard let caseID, let seq, let historyID else { return detail }
        return "case \(caseID)\(caseRef.map { " (\($0))" } ?? ""), seq \(seq), history id \(historyID): \(detail)"
    }

    enum CodingKeys: String, CodingKey {
        case kind, caseID, caseRef, seq, historyID, table, rowID, field, detail, message
    }

    public init(
        kind: Kind, caseID: Int? = nil, caseRef: String? = nil, seq: Int? = nil, historyID: Int? = nil,
        table: String? = nil, rowID: Int? = nil, field: String? = nil, detail: String
    ) {
        self.kind = kind
        self.caseID = caseID
        self.caseRef = caseRef
        self.seq = seq
        self.historyID = historyID
        self.table = table
        self.rowID = rowID
        self.field = field
        self.detail = detail
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(caseID, forKey: .caseID)
        try container.encode(caseRef, forKey: .caseRef)
        try container.encode(seq, forKey: .seq)
        try container.encode(historyID, forKey: .historyID)
        try container.encodeIfPresent(table, forKey: .table)
        try container.encodeIfPresent(rowID, forKey: .rowID)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encode(detail, forKey: .detail)
        try container.encode(message, forKey: .message)
    }
}

/// The outcome of recomputing every chain.
public struct HistoryAuditReport: Sendable, Encodable {
    public var intact: Bool { problems.isEmpty }
    public var rowsChecked: Int
    public var cases: Int
    /// The head hash recomputed from the chains.
    public var headHash: String
    public var expectedHead: String?
    /// The first problem in (case id, seq) order, then the others found (at most
    /// `HistoryAudit.problemLimit` in all); `problemCount` counts them all.
    public var problems: [HistoryProblem]
    public var problemCount: Int
    /// Rows a reviewer login may not see inside the cases it sees (links to
    /// restricted cases, sql/definitions/60_access.sql): skipped, not checked. Zero for a login that sees everything.
    public var rowsHidden = 0
    /// Rows of the record chains (sources, reviewers) checked.
    public var recordRowsChecked = 0
    /// Custody events (every source's chain of custody) checked.
    public var custodyEventsChecked = 0
    /// Evidence notes added before the history kept the SHA-256 of a note's text: their text
    /// cannot be compared with the history (not a problem; docs/guarantees.md).
    public var notesWithoutDigest = 0
    /// The desk's trusted timestamps (`verity audit stamp`), each verified when a CA was given;
    /// in the JSON only when the desk has any.
    public var stamps: [TrustedTimestamp.Stamp] = []

    enum CodingKeys: String, CodingKey {
        case intact, rowsChecked, cases, headHash, expectedHead, problemCount, problems, rowsHidden, recordRowsChecked
        case custodyEventsChecked, notesWithoutDigest, stamps
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(intact, forKey: .intact)
        try container.encode(rowsChecked, forKey: .rowsChecked)
        try container.encode(cases, forKey: .cases)
        try container.encode(headHash, forKey: .headHash)
        try container.encode(expectedHead, forKey: .expectedHead)
        try container.encode(problemCount, forKey: .problemCount)
        try container.encode(problems, forKey: .problems)
        try container.encode(rowsHidden, forKey: .rowsHidden)
        try container.encode(recordRowsChecked, forKey: .recordRowsChecked)
        try container.encode(custodyEventsChecked, forKey: .custodyEventsChecked)
        try container.encode(notesWithoutDigest, forKey: .notesWithoutDigest)
        if !stamps.isEmpty { try container.encode(stamps, forKey: .stamps) }
    }
}

public enum HistoryAudit {
    public static let problemLimit = 20
}

extension Desk {
    /// The database's head hash from the stored chain heads (fast; no rows are
    /// rehashed): SHA-256 over "case_id:head_hash\n" lines ordered by case id, then the
    /// record chains' and the chains of custody's lines (as `verity_history_head()`).
    public func historyHead() throws -> String {
        try db.transaction(.repeatableRead) { db in
            try db.execute(unsafeSQL: "SET TRANSACTION READ ONLY")
            var head = HistoryChain.HeadHasher()
            try Self.forEachHeadLine(db) { head.addLine($0) }
            return head.finalize()
        }
    }

    /// Hands every line the head hash covers to `body`, in order: "case_id:hash\n" per case
    /// chain, then "table/row_id:hash\n" per record chain, then "source_custody_events/source_id:hash\n"
    /// (`verity_history_head()`). Runs in the caller's transaction, read through cursors.
    static func forEachHeadLine(_ db: Connection, _ body: (String) throws -> Void) throws {
        try db.execute(
            unsafeSQL: """
                DECLARE verity_audit_heads NO SCROLL CURSOR FOR
                    SELECT DISTINCT ON (case_id) case_id, hash FROM case_history ORDER BY case_id, seq DESC
                """)
        while true {
            let chunk = try db.query("FETCH FORWARD 10000 FROM verity_audit_heads")
            if chunk.rowCount == 0 { break }
            for index in 0..<chunk.rowCount {
                let row = chunk[index]
                try body("\(try row.decode(at: 0, as: Int.self)):\(try row.decode(at: 1, as: String?.self) ?? "")\n")
            }
        }
        try db.execute(unsafeSQL: "CLOSE verity_audit_heads")
        // Then the last row of every record chain (sql/migrations/003_integrity.sql), by table (bytewise) and row id.
        let records: Bool = try db.query("SELECT to_regclass('public.record_history') IS NOT NULL AS r")[0].decode("r")
        if !records { return }
        try db.execute(
            unsafeSQL: """
                DECLARE verity_audit_record_heads NO SCROLL CURSOR FOR
                    SELECT table_name, row_id, hash FROM (
                        SELECT DISTINCT ON (table_name, row_id) table_name, row_id, hash
                          FROM public.record_history ORDER BY table_name, row_id, seq DESC) h
                     ORDER BY table_name COLLATE "C", row_id
                """)
        while true {
            let chunk = try db.query("FETCH FORWARD 10000 FROM verity_audit_record_heads")
            if chunk.rowCount == 0 { break }
            for index in 0..<chunk.rowCount {
                let table = chunk.text(row: index, column: 0) ?? ""
                let rowID = chunk.text(row: index, column: 1) ?? ""
                try body("\(table)/\(rowID):\(chunk.text(row: index, column: 2) ?? "")\n")
            }
        }
        try db.execute(unsafeSQL: "CLOSE verity_audit_record_heads")
        // Then the last event of every source's chain of custody, by source id.
        try db.execute(
            unsafeSQL: """
                DECLARE verity_audit_custody_heads NO SCROLL CURSOR FOR
                    SELECT DISTINCT ON (source_id) source_id, hash FROM public.source_custody_events
                     ORDER BY source_id, seq DESC
                """)
        while true {
            let chunk = try db.query("FETCH FORWARD 10000 FROM verity_audit_custody_heads")
            if chunk.rowCount == 0 { break }
            for index in 0..<chunk.rowCount {
                let sourceID = chunk.text(row: index, column: 0) ?? ""
                try body("source_custody_events/\(sourceID):\(chunk.text(row: index, column: 1) ?? "")\n")
            }
        }
        try db.execute(unsafeSQL: "CLOSE verity_audit_custody_heads")
    }

    /// Recomputes every case's hash chain from the raw columns, in Swift,
    /// streaming the rows in chunks of `chunkSize` from one snapshot, and
    /// compares the head with `expectedHead` when given.
    public func verifyHistory(expectedHead: String? = nil, chunkSize: Int = 5000) throws -> HistoryAuditReport {
        var report = try db.transaction(.repeatableRead) { db in
            // A login confined by row-level security misses some rows of the cases it sees (sql/definitions/60_access.sql).
            let rls: Bool = try db.query("SELECT to_regprocedure('verity_sees_all()') IS NOT NULL AS rls")[0].decode("rls")
            let confined: Bool = try rls && db.query("SELECT NOT verity_sees_all() AS confined")[0].decode("confined")
            try db.execute(
                unsafeSQL: """
                    SET TRANSACTION READ ONLY;
                    SET LOCAL TimeZone = 'UTC';
                    SET LOCAL DateStyle = 'ISO, YMD';
                    DECLARE verity_audit_rows NO SCROLL CURSOR FOR
                        SELECT id, case_id, seq, at, actor_id, action, from_state, to_state, reason, details,
                               prev_hash, hash
                          FROM case_history ORDER BY case_id, seq, id
                    """)
            // The replays need the record chains of migration 003 (a database migrated part way, in a
            // migration test, has only the case chains).
            let records: Bool = try db.query("SELECT to_regclass('public.record_history') IS NOT NULL AS r")[0].decode("r")
            if records { try db.execute(unsafeSQL: CurrentCases.declare) }
            var currentCases = CurrentCases(db: db, chunkSize: chunkSize)
            var verifier = ChainVerifier()
            verifier.toleratesHiddenRows = confined
            var replay: (caseID: Int, state: CaseReplay)?
            // Compares a replayed case with its current row; current rows before it have no history.
            func compare(_ finished: (caseID: Int, state: CaseReplay)?) throws {
                guard records else { return }
                let upTo = finished?.caseID ?? Int.max
                while let next = try currentCases.peek(), next.id < upTo {
                    verifier.add(HistoryProblem(
                        kind: .unrecorded, caseID: next.id, table: "cases", rowID: next.id,
                        detail: "the case has no chained history: it was written around the triggers, or its history was deleted"))
                    currentCases.advance()
                }
                guard let finished else { return }
                guard let current = try currentCases.peek(), current.id == finished.caseID else {
                    verifier.add(HistoryProblem(
                        kind: .rowMissing, caseID: finished.caseID, table: "cases", rowID: finished.caseID,
                        detail: "the case is gone but its chained history records it: it was deleted around the triggers"))
                    return
                }
                currentCases.advance()
                for difference in finished.state.differences(from: JSONValue(parsing: current.fields).objectFields) {
                    verifier.add(HistoryProblem(
                        kind: .rowAltered, caseID: finished.caseID, table: "cases", rowID: finished.caseID,
                        field: difference.field,
                        detail: "is \(difference.current.auditText), but its chained history says \(difference.replayed.auditText): the case was altered around the triggers"))
                }
            }
            let fetch = Query(unsafeSQL: "FETCH FORWARD \(max(1, chunkSize)) FROM verity_audit_rows")
            while true {
                let chunk = try db.query(fetch)
                if chunk.rowCount == 0 { break }
                for index in 0..<chunk.rowCount {
                    func text(_ column: Int) -> String? { chunk.text(row: index, column: column) }
                    guard let id = text(0).flatMap(Int.init), let caseID = text(1).flatMap(Int.init) else {
                        throw VerityError(.failure, "case_history returned a row without an id or case id")
                    }
                    let row = HistoryChain.Row(
                        id: id, caseID: caseID, seq: text(2).flatMap(Int.init) ?? 0, at: text(3) ?? "",
                        actorID: text(4), action: text(5) ?? "", fromState: text(6), toState: text(7),
                        reason: text(8), details: text(9) ?? "", prevHash: text(10), hash: text(11))
                    if replay?.caseID != caseID {
                        if let finished = replay { try compare(finished) }
                        replay = (caseID, CaseReplay())
                    }
                    replay?.state.apply(action: row.action, toState: row.toState, details: row.details)
                    verifier.check(row)
                }
            }
            if let finished = replay { try compare(finished) }
            try compare(nil)
            verifier.closeCases()
            if records {
                try verifyRecords(db, into: &verifier, chunkSize: chunkSize)
                try verifyCustody(db, into: &verifier, chunkSize: chunkSize)
                try verifyCaseRows(db, into: &verifier)
            }
            return verifier.finish(expectedHead: expectedHead)
        }
        try nameCases(in: &report.problems)
        return report
    }

    private func nameCases(in problems: inout [HistoryProblem]) throws {
        let ids = Array(Set(problems.compactMap(\.caseID)))
        guard !ids.isEmpty else { return }
        let refs = try db.query(
            "SELECT id::text AS id, ref FROM cases WHERE id::text = ANY (\(ids.map(String.init)))")
        var byID: [Int: String] = [:]
        for row in refs.rows {
            if let id = Int(try row.decode("id", as: String.self)), let ref = try row.decode("ref", as: String?.self) {
                byID[id] = ref
            }
        }
        for index in problems.indices {
            if let caseID = problems[index].caseID { problems[index].caseRef = byID[caseID] }
        }
    }
}

/// Walks rows in (case id, seq) order and checks every link of every chain.
struct ChainVerifier {
    private var currentCase: Int?
    private var expectedSeq = 1
    private var previousHash: String?
    private var head = HistoryChain.HeadHasher()
    private(set) var rows = 0
    private(set) var cases = 0
    private(set) var problems: [HistoryProblem] = []
    private(set) var problemCount = 0
    /// A confined login's gaps are rows it may not see, not deletions: counted, not reported.
    var toleratesHiddenRows = false
    private(set) var hiddenRows = 0

    mutating func check(_ row: HistoryChain.Row) {
        rows += 1
        if row.caseID != currentCase {
            closeCase()
            currentCase = row.caseID
            cases += 1
            expectedSeq = 1
            previousHash = nil
        }
        func report(_ kind: HistoryProblem.Kind, _ message: String) {
            problemCount += 1
            if problems.count < HistoryAudit.problemLimit {
                problems.append(
                    HistoryProblem(
                        kind: kind, caseID: row.caseID, seq: row.seq, historyID: row.id, detail: message))
            }
        }
        if toleratesHiddenRows, row.seq > expectedSeq {
            // The rows in between are hidden from this login; the link across them cannot be checked.
            hiddenRows += row.seq - expectedSeq
        } else if row.seq != expectedSeq {
            report(
                .seqGap,
                row.seq > expectedSeq
                    ? "expected seq \(expectedSeq), found \(row.seq): \(row.seq - expectedSeq) row(s) before it were deleted, or it was inserted out of order"
                    : "expected seq \(expectedSeq), found \(row.seq) again or earlier: a row was inserted out of order")
        } else if row.prevHash != previousHash {
            report(
                .prevHashMismatch,
                previousHash == nil
                    ? "the chain's first row points at a previous hash \(row.prevHash ?? "")"
                    : "prev_hash \(row.prevHash ?? "NULL") is not the previous row's hash \(previousHash ?? ""): a row before it was deleted or replaced, or it was inserted out of order")
        }
        if let stored = row.hash {
            if let expected = HistoryChain.expectedHash(of: row) {
                if expected != stored {
                    report(.altered, "content does not match its hash (stored \(stored), recomputed \(expected)): the row was altered")
                }
            } else {
                report(.unhashed, "timestamp \(row.at) cannot be put in canonical form, so the row cannot be verified")
            }
        } else {
            report(.unhashed, "the row has no hash: it was written around the chain trigger")
        }
        // Continue from what the row claims, so one fault is reported once, not for every row after it.
        expectedSeq = row.seq + 1
        previousHash = row.hash
    }

    private mutating func closeCase() {
        if let currentCase { head.add(caseID: currentCase, head: previousHash ?? "") }
    }

    /// Ends the case chains: what comes next are the record chains' head lines.
    mutating func closeCases() {
        closeCase()
        currentCase = nil
    }

    /// One record chain's line of the head ("table/row_id:hash\n"), after every case's.
    mutating func addHeadLine(_ line: String) { head.addLine(line) }

    private(set) var recordRows = 0
    mutating func countRecordRow() { recordRows += 1 }
    private(set) var custodyEvents = 0
    mutating func countCustodyEvent() { custodyEvents += 1 }
    var notesWithoutDigest = 0

    /// A problem found outside the case chains (a record chain, a replay).
    mutating func add(_ problem: HistoryProblem) {
        problemCount += 1
        if problems.count < HistoryAudit.problemLimit { problems.append(problem) }
    }

    mutating func finish(expectedHead: String?) -> HistoryAuditReport {
        closeCase()
        currentCase = nil
        let headHash = head.finalize()
        var report = HistoryAuditReport(
            rowsChecked: rows, cases: cases, headHash: headHash, expectedHead: expectedHead,
            problems: problems, problemCount: problemCount)
        report.rowsHidden = hiddenRows
        report.recordRowsChecked = recordRows
        report.custodyEventsChecked = custodyEvents
        report.notesWithoutDigest = notesWithoutDigest
        if let expectedHead, expectedHead.lowercased() != headHash {
            report.problemCount += 1
            report.problems.append(
                HistoryProblem(
                    kind: .headMismatch, caseID: nil, caseRef: nil, seq: nil, historyID: nil,
                    detail: "the head hash is \(headHash), not the expected \(expectedHead.lowercased()): "
                        + (problems.isEmpty
                            ? "every chain is consistent, so the history was rebuilt (re-hashed), cut short at a chain's end, or extended since the head was taken"
                            : "see the problems above")))
        }
        return report
    }
}
