import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Tamper-evident history: the chains written by sql/definitions/20_history_chain.sql and
/// recomputed by `Desk.verifyHistory`. Tampering is done as the test cluster's
/// superuser, with `session_replication_role = replica` (which skips the
/// append-only triggers), exactly as an attacker with those rights could.
@Suite("Tamper-evident history")
struct AuditChainTests {
    /// Two reviewers, two cases with a few steps each, including text that a
    /// naive canonical form would get wrong (newlines, quotes, non-ASCII, NULL vs '').
    static func makeDesk() throws -> (desk: Desk, url: String, first: Int, second: Int) {
        let url = try TestServer.shared.makeDatabase()
        let desk = Desk(connection: try Connection(url))
        try desk.addReviewer(handle: "editor", name: "Editor", email: nil, role: .editor)
        try desk.addReviewer(handle: "analyst", name: "Analyst", email: nil, role: .reviewer)
        let first = try desk.openCase(CaseDraft(claim: "450 dead in Izium", claimant: "Zelensky"), as: "editor")
        let second = try desk.openCase(CaseDraft(claim: "\"It's a lie\"", claimant: "Песков"), as: "analyst")
        try desk.move(.id(first.id), to: .disputed, reason: "contested:\nline two — «quoted»", as: "editor")
        try desk.assign(.id(first.id), reviewer: "analyst", lead: true, as: "editor")
        try desk.addEvidence(to: .id(first.id), stance: .supports, credibility: 2, note: "photo 18 Sep", source: nil, as: "analyst")
        try desk.move(.id(second.id), to: .evidencePending, reason: nil, as: "analyst")
        try desk.addEvidence(to: .id(first.id), stance: .refutes, credibility: 4, note: "denial", source: nil, as: "editor")
        return (desk, url, first.id, second.id)
    }

    /// A superuser session that bypasses the append-only triggers.
    static func tamper(_ url: String, _ sql: String) throws {
        let db = try Connection(url)
        try db.execute(unsafeSQL: "SET session_replication_role = replica; \(sql)")
    }

    static func historyID(_ desk: Desk, case caseID: Int, seq: Int) throws -> Int {
        try desk.db.query("SELECT id FROM case_history WHERE case_id = \(caseID) AND seq = \(seq)")[0].decode("id")
    }

    @Test("an untouched history verifies: every row's hash, recomputed in Swift, matches the database's")
    func intact() throws {
        let (desk, _, first, second) = try Self.makeDesk()
        let report = try desk.verifyHistory(chunkSize: 3)  // several chunks
        #expect(report.intact, "\(report.problems)")
        let rows = try desk.db.query("SELECT count(*) AS n FROM case_history")[0].decode("n", as: Int.self)
        #expect(report.rowsChecked == rows && rows == 7)
        #expect(report.cases == 2)
        // The Swift head, the stored head and the SQL function agree.
        let sqlHead = try desk.db.query("SELECT verity_history_head() AS h")[0].decode("h", as: String.self)
        #expect(report.headHash == sqlHead)
        #expect(try desk.historyHead() == sqlHead)
        // The head is SHA-256 over "case_id:head_hash\n" lines ordered by case id.
        let heads = try desk.db.query(
            "SELECT DISTINCT ON (case_id) case_id, hash FROM case_history ORDER BY case_id, seq DESC").rows
        let lines = try heads.map { "\(try $0.decode("case_id", as: Int.self)):\(try $0.decode("hash", as: String.self))\n" }
        #expect(lines.count == 2 && lines[0].hasPrefix("\(first):") && lines[1].hasPrefix("\(second):"))
        // ... then "table/row_id:hash\n" for every record chain (record chains: here the two reviewers).
        let records = try desk.db.query(
            """
            SELECT table_name || '/' || row_id || ':' || hash || E'\n' AS line FROM (
                SELECT DISTINCT ON (table_name, row_id) table_name, row_id, hash FROM record_history
                 ORDER BY table_name, row_id, seq DESC) h ORDER BY table_name COLLATE "C", row_id
            """).rows.map { try $0.decode("line", as: String.self) }
        #expect(records.count == 2)
        #expect(SHA256Digest.hex(of: (lines + records).joined()) == sqlHead)
        // Chains start at seq 1 with no previous hash and link row to row.
        let chain = try desk.db.query(
            "SELECT seq, prev_hash, hash FROM case_history WHERE case_id = \(first) ORDER BY seq").rows
        #expect(try chain.map { try $0.decode("seq", as: Int.self) } == [1, 2, 3, 4, 5])
        #expect(try chain[0].decode("prev_hash", as: String?.self) == nil)
        for index in 1..<chain.count {
            #expect(try chain[index].decode("prev_hash", as: String?.self) == (try chain[index - 1].decode("hash", as: String.self)))
        }
    }

    @Test("a reason changed by a superuser is caught as an altered row, named by case, seq and history id")
    func alteredReason() throws {
        let (desk, url, first, _) = try Self.makeDesk()
        let id = try Self.historyID(desk, case: first, seq: 2)
        try Self.tamper(url, "UPDATE case_history SET reason = 'contested' WHERE id = \(id)")
        let report = try desk.verifyHistory()
        #expect(!report.intact)
        let problem = try #require(report.problems.first)
        #expect(problem.kind == .altered)
        #expect(problem.caseID == first && problem.seq == 2 && problem.historyID == id)
        #expect(problem.message.contains("altered"))
        #expect(report.problemCount == 1)  // reported once, not for every row after it
    }

    @Test("NULL and empty text hash differently: turning a NULL reason into '' is caught")
    func nullVersusEmpty() throws {
        let (desk, url, _, second) = try Self.makeDesk()
        let id = try Self.historyID(desk, case: second, seq: 2)
        #expect(try desk.db.query("SELECT reason FROM case_history WHERE id = \(id)")[0].decode("reason", as: String?.self) == nil)
        try Self.tamper(url, "UPDATE case_history SET reason = '' WHERE id = \(id)")
        let problem = try #require(try desk.verifyHistory().problems.first)
        #expect(problem.kind == .altered && problem.historyID == id)
    }

    @Test("a deleted row is caught at the row after it as a seq gap; a deleted first row too")
    func deletedRow() throws {
        let (desk, url, first, second) = try Self.makeDesk()
        let next = try Self.historyID(desk, case: first, seq: 4)
        try Self.tamper(url, "DELETE FROM case_history WHERE case_id = \(first) AND seq = 3")
        let problem = try #require(try desk.verifyHistory().problems.first)
        #expect(problem.kind == .seqGap)
        #expect(problem.caseID == first && problem.seq == 4 && problem.historyID == next)
        #expect(problem.message.contains("deleted"))

        try Self.tamper(url, "DELETE FROM case_history WHERE case_id = \(second) AND seq = 1")
        let report = try desk.verifyHistory()
        #expect(report.problems.contains { $0.caseID == second && $0.seq == 2 && $0.kind == .seqGap })
    }

    @Test("a row slipped in with the right seq but the wrong previous hash is caught as inserted out of order")
    func insertedOutOfOrder() throws {
        let (desk, url, first, _) = try Self.makeDesk()
        // Shift the tail up by one and insert a forged row at seq 3, hashed consistently
        // over its own content but pointing at a made-up previous hash.
        try Self.tamper(
            url,
            """
            UPDATE case_history SET seq = seq + 100 WHERE case_id = \(first) AND seq >= 3;
            UPDATE case_history SET seq = seq - 99 WHERE case_id = \(first) AND seq >= 103;
            INSERT INTO case_history (case_id, at, actor_id, action, reason, details, seq, prev_hash, hash)
            SELECT \(first), now(), actor_id, 'update', 'forged', '{}', 3, repeat('0', 64),
                   verity_history_hash(\(first), 3, now(), actor_id, 'update', NULL, NULL, 'forged', '{}', repeat('0', 64))
              FROM case_history WHERE case_id = \(first) AND seq = 1
            """)
        let report = try desk.verifyHistory()
        let problem = try #require(report.problems.first)
        #expect(problem.kind == .prevHashMismatch && problem.caseID == first && problem.seq == 3)
    }

    @Test("a consistently re-hashed tail passes alone but fails against the head anchored before it")
    func rehashedTail() throws {
        let (desk, url, first, _) = try Self.makeDesk()
        let anchored = try desk.historyHead()
        #expect(try desk.verifyHistory(expectedHead: anchored).intact)
        // Rewrite seq 2's reason and re-hash seq 2..end of the chain so every link is consistent.
        try Self.tamper(
            url,
            """
            UPDATE case_history SET reason = 'nothing to see' WHERE case_id = \(first) AND seq = 2;
            DO $$
            DECLARE r record; previous text;
            BEGIN
                SELECT hash INTO previous FROM case_history WHERE case_id = \(first) AND seq = 1;
                FOR r IN SELECT * FROM case_history WHERE case_id = \(first) AND seq >= 2 ORDER BY seq LOOP
                    UPDATE case_history
                       SET prev_hash = previous,
                           hash = verity_history_hash(r.case_id, r.seq, r.at, r.actor_id, r.action, r.from_state,
                                                      r.to_state, r.reason, r.details, previous)
                     WHERE id = r.id RETURNING hash INTO previous;
                END LOOP;
            END $$
            """)
        let alone = try desk.verifyHistory()
        #expect(alone.intact, "a consistent rewrite cannot be seen without an anchor")
        #expect(alone.headHash != anchored)
        let anchoredCheck = try desk.verifyHistory(expectedHead: anchored)
        #expect(!anchoredCheck.intact)
        #expect(anchoredCheck.problems.map(\.kind) == [.headMismatch])
        #expect(anchoredCheck.problems[0].message.contains("rebuilt"))
    }

    @Test("UPDATE, DELETE and TRUNCATE of the history are still refused for ordinary writers")
    func stillAppendOnly() throws {
        let (desk, _, first, _) = try Self.makeDesk()
        for sql: Query in [
            "UPDATE case_history SET reason = 'x' WHERE case_id = \(first)",
            "DELETE FROM case_history WHERE case_id = \(first)",
            "TRUNCATE case_history CASCADE",
        ] {
            #expect(throws: PostgresError.self) { try desk.db.query(sql) }
        }
        #expect(try desk.verifyHistory().intact)
    }

    @Test("hand-written SQL cannot choose its place in the chain: the trigger sets seq, prev_hash and hash")
    func handWrittenInsert() throws {
        let (desk, _, first, _) = try Self.makeDesk()
        try desk.db.transaction { db in
            try db.query("SELECT set_config('verity.actor', 'editor', true)")
            try db.query(
                """
                INSERT INTO case_history (case_id, action, reason, seq, prev_hash, hash)
                VALUES (\(first), 'update', 'by hand', 1, NULL, repeat('a', 64))
                """)
        }
        let last = try desk.db.query(
            "SELECT seq, hash FROM case_history WHERE case_id = \(first) ORDER BY seq DESC LIMIT 1")[0]
        #expect(try last.decode("seq", as: Int.self) == 6)
        #expect(try last.decode("hash", as: String.self) != String(repeating: "a", count: 64))
        #expect(try desk.verifyHistory().intact)
    }

    @Test("eight connections adding evidence and assignments to one case at once leave one intact chain")
    func concurrentWriters() throws {
        let (desk, url, first, _) = try Self.makeDesk()
        for handle in (0..<4).map({ "reviewer\($0)" }) {
            try desk.addReviewer(handle: handle, name: handle, email: nil, role: .reviewer)
        }
        let failures = Handoff<[String]>([])
        let lock = NSLock()
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for worker in 0..<8 {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                do {
                    let writer = Desk(connection: try Connection(url))
                    start.wait()
                    for round in 0..<5 {
                        if worker < 4 && round == 0 {
                            try writer.assign(.id(first), reviewer: "reviewer\(worker)", lead: false, as: "editor")
                        } else {
                            try writer.addEvidence(
                                to: .id(first), stance: .context, credibility: 3, note: "note \(worker)-\(round)",
                                source: nil, as: "editor")
                        }
                    }
                } catch {
                    lock.withLock { failures.value.append("worker \(worker): \(error)") }
                }
            }
        }
        for _ in 0..<8 { start.signal() }
        group.wait()
        #expect(failures.value.isEmpty, "\(failures.value)")
        let report = try desk.verifyHistory()
        #expect(report.intact, "\(report.problems)")
        let seqs = try desk.db.query("SELECT seq FROM case_history WHERE case_id = \(first) ORDER BY seq").rows
            .map { try $0.decode("seq", as: Int.self) }
        #expect(seqs == Array(1...(5 + 40)))
    }

    @Test("the old release's chain migration chained history written before it, in (case_id, id) order")
    func backfill() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let db = try Connection(url)
        let legacy = try LegacyDesk.files()
        let before = legacy.filter { $0.name < "005" }
        let chain = try #require(legacy.first { $0.name.hasPrefix("005") })
        for migration in before { try db.execute(unsafeSQL: migration.sql) }
        try db.execute(
            unsafeSQL: """
                INSERT INTO reviewers (handle, name, role) VALUES ('editor', 'Editor', 'editor');
                BEGIN;
                SELECT set_config('verity.actor', 'editor', true);
                INSERT INTO cases (claim, claimant) VALUES ('a', 'x'), ('b', 'y');
                SELECT set_config('verity.reason', 'why', true);
                UPDATE cases SET state = 'disputed' WHERE id = 1;
                SELECT set_config('verity.reason', '', true);
                UPDATE cases SET state = 'evidence-pending' WHERE id = 2;
                COMMIT;
                """)
        try db.execute(unsafeSQL: chain.sql)
        let desk = Desk(connection: db)
        let report = try desk.verifyHistory()
        #expect(report.intact, "\(report.problems)")
        #expect(report.rowsChecked == 4 && report.cases == 2)
        let order = try db.query("SELECT case_id, seq FROM case_history ORDER BY id").rows
            .map { "\(try $0.decode("case_id", as: Int.self)).\(try $0.decode("seq", as: Int.self))" }
        #expect(order == ["1.1", "2.1", "1.2", "2.2"])
    }

    @Test("Swift's canonical timestamp pads microseconds and refuses what it cannot read")
    func canonicalTimestamp() {
        #expect(HistoryChain.canonicalTimestamp("2022-09-16 12:00:00+00") == "2022-09-16T12:00:00.000000Z")
        #expect(HistoryChain.canonicalTimestamp("2022-09-16 12:00:00.5+00") == "2022-09-16T12:00:00.500000Z")
        #expect(HistoryChain.canonicalTimestamp("2022-09-16 12:00:00.123456+00") == "2022-09-16T12:00:00.123456Z")
        #expect(HistoryChain.canonicalTimestamp("2022-09-16 15:00:00+03") == nil)
    }
}
