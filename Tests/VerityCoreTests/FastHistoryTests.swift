import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// The set-based history writers of sql/definitions/20_history_chain.sql: many-row
/// statements record one history row per row, each with its own actor, time
/// and reason, and the chains stay intact.
@Suite("Set-based history (009)")
struct FastHistoryTests {
    static func makeDesk() throws -> Desk {
        let desk = Desk(connection: try Connection(try TestServer.shared.makeDatabase()))
        try desk.addReviewer(handle: "editor", name: "Editor", email: nil, role: .editor)
        try desk.addReviewer(handle: "analyst", name: "Analyst", email: nil, role: .reviewer)
        return desk
    }

    @Test("a hand-written many-row INSERT and UPDATE record one history row per case, with the statement's actor and reason")
    func manyRowStatements() throws {
        let desk = try Self.makeDesk()
        try desk.db.transaction { db in
            try db.query("SELECT set_config('verity.actor', 'analyst', true)")
            try db.query(
                """
                INSERT INTO cases (ref, claim, claimant)
                SELECT 'M-' || n, 'claim ' || n, 'claimant' FROM generate_series(1, 3) n
                """)
            try db.query("SELECT set_config('verity.reason', 'all contested', true)")
            try db.query("UPDATE cases SET state = 'disputed' WHERE ref LIKE 'M-%'")
        }
        let rows = try desk.db.query(
            """
            SELECT c.ref, h.seq, h.action, r.handle, h.reason, h.details ->> 'claim' AS claim
              FROM case_history h JOIN cases c ON c.id = h.case_id JOIN reviewers r ON r.id = h.actor_id
             ORDER BY c.ref, h.seq
            """
        ).rows
        let summary = try rows.map {
            [try $0.decode("ref", as: String.self), String(try $0.decode("seq", as: Int.self)),
             try $0.decode("action", as: String.self), try $0.decode("handle", as: String.self),
             try $0.decode("reason", as: String?.self) ?? "-", try $0.decode("claim", as: String?.self) ?? "-"]
        }
        #expect(summary == (1...3).flatMap { n in
            [["M-\(n)", "1", "open", "analyst", "-", "claim \(n)"],
             ["M-\(n)", "2", "dispute", "analyst", "all contested", "-"]]
        })
        #expect(try desk.verifyHistory().intact)
    }

    @Test("a many-row UPDATE that breaks a rule records nothing: the statement and its history roll back together")
    func refusedStatementLeavesNoHistory() throws {
        let desk = try Self.makeDesk()
        _ = try desk.openCase(CaseDraft(claim: "one", claimant: "X"), as: "editor")
        _ = try desk.openCase(CaseDraft(claim: "two", claimant: "X"), as: "editor")
        let before: Int = try desk.db.query("SELECT count(*) AS n FROM case_history")[0].decode("n")
        #expect(throws: PostgresError.self) {
            try desk.db.transaction { db in
                try db.query("SELECT set_config('verity.actor', 'editor', true)")
                // claimed -> disputed needs a reason: refused by the rules of 002
                try db.query("UPDATE cases SET state = 'disputed'")
            }
        }
        let after: Int = try desk.db.query("SELECT count(*) AS n FROM case_history")[0].decode("n")
        #expect(after == before)
        #expect(try desk.verifyHistory().intact)
    }

    @Test("an import records each record's own actor, time and reason, even though it writes them set-based")
    func importKeepsEachRecordsActor() throws {
        let desk = try Self.makeDesk()
        let path = try ImportFixture.lines([
            #"{"type":"case","ref":"I-1","claim":"c1","claimant":"X","by":"analyst","at":"2024-01-01T10:00:00Z"}"#,
            #"{"type":"case","ref":"I-2","claim":"c2","claimant":"X","by":"editor","at":"2024-01-02T10:00:00Z"}"#,
            #"{"type":"transition","case":"I-1","to":"disputed","by":"editor","at":"2024-01-03T10:00:00Z","reason":"r1"}"#,
            #"{"type":"transition","case":"I-2","to":"disputed","by":"analyst","at":"2024-01-04T10:00:00Z","reason":"r2"}"#,
            #"{"type":"transition","case":"I-1","to":"evidence-pending","by":"analyst","at":"2024-01-05T10:00:00Z"}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ImportFixture.importFile(desk.db, path)
        let rows = try desk.db.query(
            """
            SELECT c.ref || ' ' || h.seq || ' ' || h.action || ' ' || r.handle || ' '
                   || to_char(h.at AT TIME ZONE 'UTC', 'MM-DD') || ' ' || coalesce(h.reason, '-') AS line
              FROM case_history h JOIN cases c ON c.id = h.case_id JOIN reviewers r ON r.id = h.actor_id
             ORDER BY c.ref, h.seq
            """
        ).rows.map { try $0.decode("line", as: String.self) }
        #expect(rows == [
            "I-1 1 open analyst 01-01 -", "I-1 2 dispute editor 01-03 r1", "I-1 3 move analyst 01-05 -",
            "I-2 1 open editor 01-02 -", "I-2 2 dispute analyst 01-04 r2",
        ])
        #expect(try desk.verifyHistory().intact)
    }
}
