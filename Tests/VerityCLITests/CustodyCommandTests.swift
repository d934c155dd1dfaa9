import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// A file of its own for one test, removed by the caller.
func custodyFile(_ contents: String) throws -> String {
    let path = NSTemporaryDirectory() + "verity-custody-\(UUID().uuidString).html"
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("verity source custody and verify")
struct CustodyCommandTests {
    @Test("a collected file's chain records collection, copy, hand-over and verification, and verify spots a changed file")
    func chainOfCustody() throws {
        let env = try deskEnvironment()
        let original = try custodyFile("<html>Kremlin: 'It's a lie'</html>\n")
        let copy = try custodyFile("<html>Kremlin: 'It's a lie'</html>\n")
        defer { for path in [original, copy] { try? FileManager.default.removeItem(atPath: path) } }
        let expected = SHA256Digest.hex(of: "<html>Kremlin: 'It's a lie'</html>\n")

        let added = verity([
            "source", "add", "https://www.rt.com/russia/562933", "--title", "Kremlin responds", "--publisher", "RT",
            "--file", original, "--collected-at", "2022-09-19T14:05:00+03:00", "--tool", "Hunchly 2.3",
            "--copy", "evidentiary", "--as", "analyst", "--format", "json",
        ], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try json(added)["file_sha256"] as? String == expected)

        let copied = verity([
            "source", "custody", "1", "--event", "copied", "--file", copy, "--copy", "working", "--tool", "rsync",
            "--note", "for translation",
        ], environment: env)
        #expect(copied.status == 0, "\(copied.stderr)")
        let handed = verity(["source", "custody", "1", "--event", "handed-over", "--to", "icc-liaison", "--note", "sealed bag 118"], environment: env)
        #expect(handed.status == 0, "\(handed.stderr)")

        let match = verity(["source", "verify", "1", "--file", original], environment: env)
        #expect(match.status == 0, "\(match.stderr)")
        #expect(match.stdout.contains("match:") && match.stdout.contains(expected))

        // Someone edits the file: verify says so, with both hashes, and the check is recorded.
        try Data("<html>Kremlin: 'It's true'</html>\n".utf8).write(to: URL(fileURLWithPath: original))
        let changed = SHA256Digest.hex(of: "<html>Kremlin: 'It's true'</html>\n")
        let mismatch = verity(["source", "verify", "1", "--file", original, "--format", "json"], environment: env)
        #expect(mismatch.status == 65)
        #expect(mismatch.stderr.contains(changed) && mismatch.stderr.contains(expected))
        #expect(try json(mismatch)["outcome"] as? String == "mismatch")

        let chain = try #require(try verity(["source", "custody", "1", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(chain.map { $0["event"] as? String } == ["collected", "copied", "handed-over", "verified", "verified"])
        #expect(chain[0]["at"] as? String == "2022-09-19T11:05:00Z")
        #expect(chain[0]["tool"] as? String == "Hunchly 2.3")
        #expect(chain[0]["actor"] as? String == "analyst")
        #expect(chain[0]["copy_kind"] as? String == "evidentiary")
        #expect(chain[1]["copy_kind"] as? String == "working" && chain[1]["sha256"] as? String == expected)
        #expect(chain[2]["from_holder"] as? String == "analyst" && chain[2]["to_holder"] as? String == "icc-liaison")
        #expect(chain[3]["outcome"] as? String == "match" && chain[3]["actor"] as? String == "editor")
        #expect(chain[4]["outcome"] as? String == "mismatch" && chain[4]["sha256"] as? String == changed)
        let table = verity(["source", "custody", "1"], environment: env)
        #expect(table.stdout.contains("handed-over") && table.stdout.contains("icc-liaison"))
        #expect(table.stdout.contains("chain intact: 5 events, head \(chain[4]["hash"] as? String ?? "?")"))
    }

    @Test("an imported source with a file hash starts its chain with a collected event, and verify continues it")
    func importedFileIsCollected() throws {
        let url = try TestServer.shared.makeDatabase()
        let env = ["VERITY_DATABASE_URL": url, "VERITY_REVIEWER": "editor"]
        let loaded = verity(["import", ImportCommandTests.seeds], environment: env)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let sources = try #require(try verity(["source", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        let hashed = try #require(sources.first { $0["file_sha256"] is String })
        let id = try #require(hashed["id"] as? Int)
        let chain = try #require(
            try verity(["source", "custody", "\(id)", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(chain.map { $0["event"] as? String } == ["collected"])
        #expect(chain.first?["sha256"] as? String == hashed["file_sha256"] as? String)
        // Importing the same file again adds nothing: the source already has its collected event.
        #expect(verity(["import", ImportCommandTests.seeds], environment: env).status == 0)
        let again = try #require(
            try verity(["source", "custody", "\(id)", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(again.count == 1)
    }

    @Test("the custody chain is recomputed on every listing, and an event changed behind Verity's back is reported")
    func tamperedChain() throws {
        let env = try deskEnvironment()
        let original = try custodyFile("bytes")
        defer { try? FileManager.default.removeItem(atPath: original) }
        #expect(verity(["source", "add", "https://example.org/a", "--title", "t", "--publisher", "p", "--file", original], environment: env).status == 0)
        #expect(verity(["source", "custody", "1", "--event", "handed-over", "--to", "court", "--note", "bag 7"], environment: env).status == 0)
        #expect(verity(["source", "verify", "1", "--file", original], environment: env).status == 0)
        #expect(verity(["source", "custody", "1"], environment: env).stdout.contains("chain intact: 3 events"))

        // Someone with superuser access edits the hand-over's recipient.
        let db = try Connection(env["VERITY_DATABASE_URL"]!)
        try db.execute(unsafeSQL: """
            ALTER TABLE source_custody_events DISABLE TRIGGER source_custody_events_append_only;
            UPDATE source_custody_events SET to_holder = 'someone-else' WHERE event = 'handed-over';
            ALTER TABLE source_custody_events ENABLE TRIGGER source_custody_events_append_only;
            """)
        let listed = verity(["source", "custody", "1"], environment: env)
        #expect(listed.status == 65)
        #expect(listed.stderr.contains("broken") && listed.stderr.contains("event 2"))
    }

    @Test("custody refuses a copy that differs, a hand-over without a recipient, and sources without a file")
    func refusals() throws {
        let env = try deskEnvironment()
        let original = try custodyFile("original bytes")
        let other = try custodyFile("other bytes")
        defer { for path in [original, other] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(verity(["source", "add", "https://example.org/a", "--title", "t", "--publisher", "p", "--file", original], environment: env).status == 0)
        #expect(verity(["source", "add", "https://example.org/b", "--title", "t", "--publisher", "p"], environment: env).status == 0)

        let badCopy = verity(["source", "custody", "1", "--event", "copied", "--file", other], environment: env)
        #expect(badCopy.status == 65 && badCopy.stderr.contains("nothing was recorded"))
        let noRecipient = verity(["source", "custody", "1", "--event", "handed-over"], environment: env)
        #expect(noRecipient.status == 64 && noRecipient.stderr.contains("--to"))
        let noFile = verity(["source", "verify", "2", "--file", original], environment: env)
        #expect(noFile.status == 65 && noFile.stderr.contains("source 2 has no collected file"))
        let toolWithoutFile = verity(["source", "add", "https://example.org/c", "--title", "t", "--publisher", "p", "--tool", "x"], environment: env)
        #expect(toolWithoutFile.status == 64 && toolWithoutFile.stderr.contains("no --file"))
        let nobody = verity(["source", "verify", "1", "--file", original], environment: ["VERITY_DATABASE_URL": env["VERITY_DATABASE_URL"]!])
        #expect(nobody.status == 64 && nobody.stderr.contains("--as"))
        let chain = try #require(try verity(["source", "custody", "1", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(chain.map { $0["event"] as? String } == ["collected"])
    }

    @Test("custody events are append-only in the database itself")
    func appendOnly() throws {
        let env = try deskEnvironment()
        let original = try custodyFile("bytes")
        defer { try? FileManager.default.removeItem(atPath: original) }
        #expect(verity(["source", "add", "https://example.org/a", "--title", "t", "--publisher", "p", "--file", original], environment: env).status == 0)
        let db = try Connection(env["VERITY_DATABASE_URL"]!)
        for statement in ["UPDATE source_custody_events SET note = 'x'", "DELETE FROM source_custody_events",
                          "TRUNCATE source_custody_events"] {
            #expect {
                try db.execute(unsafeSQL: statement)
            } throws: { error in
                (error as? PostgresError)?.sqlState == SQLState("VR004")
            }
        }
    }
}
