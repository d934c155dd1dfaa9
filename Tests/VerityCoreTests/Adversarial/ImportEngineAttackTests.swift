import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// The import engine skips the row triggers whose work it does while verity.engine
/// is 'on' (sql/definitions/70_import.sql), and only in a session of the desk owner
/// or a superuser. These attacks set it as a reviewer login and try to write past
/// the rules and the history.
@Suite("Adversarial: the import engine's trigger bypass")
struct ImportEngineAttackTests {
    typealias LoginDesk = IntegrityAttackTests.LoginDesk

    @Test("a login that sets verity.engine still passes every rule trigger, and each change is in the chained history")
    func loginCannotBypassTriggers() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let mallory = try desk.login()
        let owner = try desk.fixture.ownerDesk()
        let before = try owner.history(.id(desk.caseID)).count
        // A jump claimed -> assessed, which the transition table forbids.
        let jump = IntegrityAttackTests.refusal {
            try mallory.transaction { db in
                try db.execute(unsafeSQL: """
                    SELECT set_config('verity.engine', 'on', true), set_config('verity.actor', '\(desk.mallory)', true);
                    UPDATE public.cases SET state = 'assessed', verdict = 'true', confidence = 1, rationale = 'x'
                     WHERE id = \(desk.caseID);
                    """)
            }
        }
        #expect(jump.contains("cannot move to assessed"), "\(jump)")
        // A new case, a note and a link with the engine flag: each is recorded, by mallory, now.
        try mallory.transaction { db in
            try db.execute(unsafeSQL: """
                SELECT set_config('verity.engine', 'on', true), set_config('verity.actor', '\(desk.mallory)', true);
                INSERT INTO public.evidence_notes (case_id, author_id, stance, credibility, note, created_at)
                VALUES (\(desk.caseID), NULL, 'supports', 3, 'planted', '2001-01-01');
                INSERT INTO public.cases (ref, claim, claimant, created_by, created_at)
                VALUES ('MAL-1', 'a claim', 'someone', NULL, '2001-01-01');
                """)
        }
        let history = try owner.history(.id(desk.caseID))
        #expect(history.count == before + 1)
        let note = try #require(history.last)
        #expect(note.action == "add-evidence")
        #expect(note.at > Date(timeIntervalSinceNow: -3600), "\(note.at)")
        let mal = desk.mallory
        let planted = try owner.db.query(
            """
            SELECT c.created_by = v.id AS by_mallory, c.created_at > now() - interval '1 hour' AS now,
                   (SELECT count(*) FROM public.case_history h WHERE h.case_id = c.id AND h.action = 'open')::bigint AS opens
              FROM public.cases c, public.reviewers v WHERE c.ref = 'MAL-1' AND v.handle = \(mal)
            """)[0]
        #expect(try planted.decode("by_mallory", as: Bool.self))
        #expect(try planted.decode("now", as: Bool.self))
        #expect(try planted.decode("opens", as: Int.self) == 1)
        #expect(try owner.verifyHistory().intact)
    }

    @Test("a login cannot write history rows itself, with or without a hash of its own")
    func loginCannotInsertHistory() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let mallory = try desk.login()
        let refused = IntegrityAttackTests.refusal {
            try mallory.transaction { db in
                try db.execute(unsafeSQL: """
                    SELECT set_config('verity.engine', 'on', true);
                    INSERT INTO public.case_history (case_id, seq, at, action, details, prev_hash, hash)
                    VALUES (\(desk.caseID), 99, now(), 'assess', '{}', NULL, repeat('0', 64));
                    """)
            }
        }
        #expect(refused.contains("permission denied"), "\(refused)")
        // Nor make the engine's flush write for it.
        let flushed = IntegrityAttackTests.refusal {
            try mallory.transaction { db in
                try db.execute(unsafeSQL: """
                    CREATE TEMP TABLE verity_import_pending (phase smallint, ord bigint, case_id bigint, item_id bigint);
                    CREATE TEMP TABLE verity_import_walk (line bigint, case_id bigint);
                    INSERT INTO verity_import_pending VALUES (1, 1, \(desk.caseID), \(desk.caseID));
                    SELECT public.verity_import_flush();
                    """)
            }
        }
        #expect(flushed.contains("only for the import engine of a trusted session"), "\(flushed)")
    }

    @Test("while an import is open, another writer changes a case the import does not touch")
    func otherWritersKeepWorking() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let owner = try desk.fixture.ownerDesk()
        // The import's transaction stays open, its locks held, while the desk's own case moves.
        let importer = try Connection(desk.fixture.url)
        try importer.execute(unsafeSQL: "BEGIN")
        let ed = desk.ed
        try importer.query("SELECT verity_import_stage()")
        try importer.query(
            """
            INSERT INTO verity_import_rows (line, kind, ref, claim, claimant, by_handle, at, tags, priority)
            VALUES (1, 'case', 'NEW-1', 'A new claim', 'Someone', \(ed), now() - interval '1 day', '{}', 'normal')
            """)
        try importer.query(
            """
            INSERT INTO verity_import_rows (line, kind, case_ref, stance, credibility, note, by_handle, at)
            VALUES (2, 'evidence', 'NEW-1', 'supports', 3, 'a note', \(ed), now() - interval '1 day')
            """)
        #expect(try importer.query("SELECT verity_import_check() AS n")[0].decode("n", as: Int.self) == 0)
        try importer.query("SELECT * FROM verity_import_apply(50)")
        let other = try Connection(desk.fixture.url)
        try other.execute(unsafeSQL: "SET lock_timeout = '5s'")
        let moved = try Desk(connection: other).move(.id(desk.caseID), to: .evidencePending, reason: nil, as: desk.ed)
        #expect(moved.state == .evidencePending)
        try importer.execute(unsafeSQL: "COMMIT")
        #expect(try owner.verifyHistory().intact)
        #expect(try owner.history(.ref("NEW-1")).map(\.action) == ["open", "add-evidence"])
    }
}
