import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Issue 21's remaining items, each done as the desk did it.
@Suite("what a desk trips over: claim reasons, custody after a mismatch, limits, tags, width, overdue")
struct DeskTripTests {
    @Test("case update --claim needs --reason, which the history keeps; the database refuses it without one")
    func claimNeedsReason() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "450 dead", "--claimant", "Zelensky", "--ref", "KRM-001"], environment: env).status == 0)
        let bare = verity(["case", "update", "KRM-001", "--claim", "440 bodies"], environment: env)
        #expect(bare.status == 65, "\(bare.stdout) \(bare.stderr)")
        #expect(bare.stderr.contains("changing the claim of case KRM-001 needs a reason"))
        #expect(bare.stderr.contains("--reason"))
        let given = verity(["case", "update", "KRM-001", "--claim", "440 bodies", "--reason", "mistranscribed"], environment: env)
        #expect(given.status == 0, "\(given.stderr)")
        let history = try #require(try verity(["case", "history", "KRM-001", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(history.last?["action"] as? String == "update")
        #expect(history.last?["reason"] as? String == "mistranscribed")
        // Other fields still change without one.
        #expect(verity(["case", "update", "KRM-001", "--priority", "high"], environment: env).status == 0)
        // An import that changes the claim says so in the history.
        let file = NSTemporaryDirectory() + "verity-claim-\(UUID().uuidString).jsonl"
        try #"{"type":"case","ref":"KRM-001","claim":"440 bodies, 17 soldiers","claimant":"Zelensky"}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let imported = verity(["import", file], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        let after = try #require(try verity(["case", "history", "KRM-001", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(after.last?["reason"] as? String == "changed by an import (line 1)")
        // The database keeps the rule for any writer.
        let db = try Connection(env["VERITY_DATABASE_URL"]!)
        let direct = #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("SELECT set_config('verity.actor', 'editor', true)")
                try db.query("UPDATE cases SET claimant = 'Someone else' WHERE ref = 'KRM-001'")
            }
        }
        #expect(direct?.message.contains("changing the claimant of case KRM-001 needs a reason") == true)
    }

    @Test("a hand-over right after a MISMATCH is refused unless --despite-mismatch says why; the reason is in the chain")
    func handOverAfterMismatch() throws {
        let env = try deskEnvironment()
        let original = try custodyFile("<html>statement</html>\n")
        let other = try custodyFile("<html>edited statement</html>\n")
        defer { for path in [original, other] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(verity(["source", "add", "https://example.org/s", "--title", "S", "--publisher", "P", "--file", original,
                        "--ref", "SRC-1", "--as", "analyst"], environment: env).status == 0)
        #expect(verity(["source", "verify", "SRC-1", "--file", other], environment: env).status == 65)
        let refused = verity(["source", "custody", "SRC-1", "--event", "handed-over", "--to", "icc-liaison"], environment: env)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("failed its last verification"))
        #expect(refused.stderr.contains("--despite-mismatch"))
        let handed = verity([
            "source", "custody", "SRC-1", "--event", "handed-over", "--to", "icc-liaison",
            "--despite-mismatch", "court deadline; the original is sealed", "--note", "bag 118", "--format", "json",
        ], environment: env)
        #expect(handed.status == 0, "\(handed.stderr)")
        #expect(handed.stderr.contains("warning:") && handed.stderr.contains("MISMATCH"))
        let note = try #require(try json(handed)["note"] as? String)
        #expect(note.contains("despite the mismatch") && note.contains("court deadline") && note.contains("bag 118"))
        // After a good verification, hand-overs need no reason again.
        #expect(verity(["source", "verify", "SRC-1", "--file", original], environment: env).status == 0)
        #expect(verity(["source", "custody", "SRC-1", "--event", "handed-over", "--to", "archive"], environment: env).status == 0)
    }
}
