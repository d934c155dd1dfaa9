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
