import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// `source history` and `reviewer history`: the chained record of a source or reviewer,
/// as a person asking "who changed this URL?" reads it.
@Suite("verity source history and reviewer history")
struct RecordHistoryCommandTests {
    @Test("a login's change of a source made through SQL is shown with the login, the field, old and new; a hidden source's record is 'no source'")
    func sourceChangedInSQL() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let mallory = try fixture.addLogin("mallory")
        let editor = try fixture.addLogin("ed", role: .editor)
        let owner = ["--database-url", fixture.url, "--as", editor]
        let added = verity(["source", "add", "https://example.org/original", "--title", "Original report", "--publisher", "P",
                            "--ref", "SRC-ORIG", "--format", "json"] + owner)
        #expect(added.status == 0, "\(added.stderr)")
        // The reviewer rewrites the URL and the grading in psql-level SQL, as the adversarial review did.
        let login = try Connection(fixture.url(as: mallory))
        _ = try login.query("UPDATE sources SET url = \("https://evil.example/doctored"), reliability = 'A' WHERE ref = 'SRC-ORIG'")

        let shown = verity(["source", "history", "SRC-ORIG", "--format", "json", "--database-url", fixture.url])
        #expect(shown.status == 0, "\(shown.stderr)")
        let rows = try #require(try shown.json() as? [[String: Any]])
        #expect(rows.map { $0["action"] as? String } == ["insert", "update"])
        let change = try #require(rows.last)
        #expect(change["actor"] as? String == mallory)
        #expect(change["db_user"] as? String == mallory)
        let changes = try #require(change["changes"] as? [String: [String: Any]])
        #expect(Set(changes.keys) == ["url", "reliability"])
        #expect(changes["url"]?["from"] as? String == "https://example.org/original")
        #expect(changes["url"]?["to"] as? String == "https://evil.example/doctored")
        let table = verity(["source", "history", "SRC-ORIG", "--wide", "--database-url", fixture.url])
        #expect(table.stdout.contains("url: https://example.org/original → https://evil.example/doctored"), "\(table.stdout)")

        // A restricted case's source is hidden from a reviewer not assigned to it: its record too.
        #expect(verity(["case", "open", "Witness names", "--claimant", "W", "--ref", "HID-1", "--restricted"] + owner).status == 0)
        let hidden = verity(["source", "add", "https://example.org/witnesses", "--title", "Witness list", "--publisher", "P",
                             "--ref", "SRC-HID", "--case", "HID-1"] + owner)
        #expect(hidden.status == 0, "\(hidden.stderr)")
        let asMallory = verity(["source", "history", "SRC-HID", "--database-url", fixture.url(as: mallory)])
        let none = verity(["source", "history", "SRC-NONE", "--database-url", fixture.url(as: mallory)])
        #expect(asMallory.status == 66 && none.status == 66)
        #expect(asMallory.stderr == none.stderr.replacingOccurrences(of: "SRC-NONE", with: "SRC-HID"))

        // A reader login (no reviewer behind it) reads the open source's record, not the hidden
        // one's, and cannot change a source in SQL: nothing new in the record.
        let reader = try fixture.addReader("reader")
        let read = verity(["source", "history", "SRC-ORIG", "--format", "json", "--database-url", fixture.url(as: reader)])
        #expect((try read.json() as? [Any])?.count == 2, "\(read.stderr)")
        #expect(verity(["source", "history", "SRC-HID", "--database-url", fixture.url(as: reader)]).status == 66)
        let readerDB = try Connection(fixture.url(as: reader))
        #expect(throws: PostgresError.self) {
            _ = try readerDB.query("UPDATE sources SET url = \("https://reader.example/x") WHERE ref = 'SRC-ORIG'")
        }
        let after = verity(["source", "history", "SRC-ORIG", "--format", "json", "--database-url", fixture.url])
        #expect((try after.json() as? [Any])?.count == 2)
    }

    @Test("reviewer history shows a deactivation with who made it")
    func reviewerDeactivated() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let editor = try fixture.addLogin("ed", role: .admin)
        let alice = try fixture.addLogin("alice")
        let off = verity(["reviewer", "deactivate", alice, "--database-url", fixture.url(as: editor)])
        #expect(off.status == 0, "\(off.stderr)")
        let shown = verity(["reviewer", "history", alice, "--format", "json", "--database-url", fixture.url])
        let rows = try #require(try shown.json() as? [[String: Any]])
        let last = try #require(rows.last)
        #expect(last["actor"] as? String == editor)
        let changes = try #require(last["changes"] as? [String: [String: Any]])
        #expect(changes["active"]?["from"] as? Bool == true && changes["active"]?["to"] as? Bool == false)
        #expect(verity(["reviewer", "history", "nobody-\(fixture.token)", "--database-url", fixture.url]).status == 66)
    }
}
