import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

@Suite("verity audit")
struct AuditCommandTests {
    static let seeds = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("seeds/izium-2022.jsonl").path

    @Test("imported history verifies (exit 0), head prints the hash verify recomputes, --expect-head of it passes")
    func intact() throws {
        let url = try TestServer.shared.makeDatabase()
        let imported = verity(["import", Self.seeds, "--database-url", url])
        #expect(imported.status == 0, "\(imported.stderr)")
        let head = verity(["audit", "head", "--database-url", url])
        #expect(head.status == 0, "\(head.stderr)")
        let hash = head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(hash.range(of: "^[0-9a-f]{64}$", options: .regularExpression) != nil)

        let verify = verity(["audit", "verify", "--database-url", url, "--format", "json"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let report = try #require(try verify.json() as? [String: Any])
        #expect(report["intact"] as? Bool == true)
        #expect(report["head_hash"] as? String == hash)
        #expect(report["cases"] as? Int == 5)
        #expect((report["rows_checked"] as? Int ?? 0) > 5)

        let table = verity(["audit", "verify", "--database-url", url, "--expect-head", hash.uppercased()])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("intact") && table.stdout.contains(hash))
    }

    @Test("notes added before the history kept a digest of their text are counted, not reported: the desk is intact")
    func notesWithoutDigest() throws {
        // A note written by the old release (its add-evidence row has no note_sha256), then the upgrade.
        let url = try LegacyDesk.make()
        let db = try Connection(url)
        try db.execute(unsafeSQL: """
            BEGIN;
            SELECT set_config('verity.actor', 'desk-editor', true);
            INSERT INTO reviewers (handle, name, role) VALUES ('desk-editor', 'Desk editor', 'editor');
            INSERT INTO cases (ref, claim, claimant) VALUES ('OLD-1', 'A claim made before the upgrade', 'Someone');
            INSERT INTO evidence_notes (case_id, stance, credibility, note, author_id) VALUES (1, 'refutes', 4, 'Footage', 1);
            COMMIT;
            """)
        _ = try Migrator(connection: db).migrate()
        let table = verity(["audit", "verify", "--database-url", url])
        #expect(table.status == 0, "\(table.stdout)\(table.stderr)")
        #expect(table.stdout.contains("note text     the text of 1 evidence note(s) predates the digest"), "\(table.stdout)")
        let json = try #require(try verity(["audit", "verify", "--database-url", url, "--format", "json"]).json() as? [String: Any])
        #expect(json["notes_without_digest"] as? Int == 1)
        #expect(json["intact"] as? Bool == true)
    }

    @Test("an altered row exits 65 and is named by case, seq and history id; a stale --expect-head exits 65")
    func tampered() throws {
        let url = try TestServer.shared.makeDatabase()
        #expect(verity(["import", Self.seeds, "--database-url", url]).status == 0)
        let db = try Connection(url)
        let target = try db.query(
            "SELECT id, case_id, seq FROM case_history WHERE action = 'dispute' ORDER BY case_id, seq LIMIT 1")[0]
        let id: Int = try target.decode("id")
        let caseID: Int = try target.decode("case_id")
        let seq: Int = try target.decode("seq")
        try db.execute(unsafeSQL: "ALTER TABLE case_history DISABLE TRIGGER USER")
        try db.query("UPDATE case_history SET reason = 'not disputed' WHERE id = \(id)")
        try db.execute(unsafeSQL: "ALTER TABLE case_history ENABLE TRIGGER USER")

        let verify = verity(["audit", "verify", "--database-url", url, "--format", "json"])
        #expect(verify.status == 65)
        #expect(verify.stderr.contains("history id \(id)"), "\(verify.stderr)")
        let report = try #require(try verify.json() as? [String: Any])
        #expect(report["intact"] as? Bool == false)
        let first = try #require((report["problems"] as? [[String: Any]])?.first)
        #expect(first["kind"] as? String == "altered")
        #expect(first["case_id"] as? Int == caseID && first["seq"] as? Int == seq && first["history_id"] as? Int == id)
        #expect((first["case_ref"] as? String)?.hasPrefix("IZY-2022-") == true)

        let table = verity(["audit", "verify", "--database-url", url])
        #expect(table.status == 65)
        #expect(table.stdout.contains("NOT INTACT") && table.stdout.contains("altered"))
    }

    @Test("a malformed --expect-head is a usage error (64); a different one exits 65 naming the head")
    func expectHead() throws {
        let url = try TestServer.shared.makeDatabase()
        #expect(verity(["import", Self.seeds, "--database-url", url]).status == 0)
        let malformed = verity(["audit", "verify", "--database-url", url, "--expect-head", "abc"])
        #expect(malformed.status == 64)
        #expect(malformed.stderr.contains("--expect-head"))
        let other = String(repeating: "0", count: 64)
        let mismatch = verity(["audit", "verify", "--database-url", url, "--expect-head", other])
        #expect(mismatch.status == 65)
        #expect(mismatch.stderr.contains("head hash"), "\(mismatch.stderr)")
    }
}
