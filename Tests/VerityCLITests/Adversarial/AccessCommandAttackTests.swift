import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Issue 17, access holes 5, 7 and 8 on the command line: each test runs the
/// attack of the review as a reviewer login (bob, who may not see SECRET-1),
/// and asserts that it fails and that no message tells a hidden case from one
/// that does not exist. The desk is `AccessCommandTests.Desk`.
@Suite("Adversarial: access on the command line")
struct AccessCommandAttackTests {
    typealias Desk = AccessCommandTests.Desk

    /// The secret case's id, read as the owner.
    static func secretID(_ desk: Desk) throws -> Int {
        try VerityCore.Desk(connection: Connection(desk.url)).findCase(.ref("SECRET-1")).id
    }

    /// stderr with the given identifier replaced by N, to compare two refusals.
    static func shape(_ result: CLIResult, _ identifier: String) -> String {
        result.stderr.replacingOccurrences(of: identifier, with: "N")
    }

    @Test("hole 8: for a case bob cannot see, show, link, assess and sign-off say what they say for a case that does not exist")
    func testHole8_hiddenCaseMessagesEqualNonexistent() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let secret = String(try Self.secretID(desk))
        let missing = "987654"
        let commands: [[String]] = [
            ["case", "show", "ID"],
            ["case", "history", "ID"],
            ["case", "link", "OPEN-1", "--to", "ID", "--as", "related", "--reason", "same place"],
            ["case", "assess", "ID", "--verdict", "false", "--confidence", "2", "--rationale", "x"],
            ["case", "sign-off", "ID"],
            ["evidence", "add", "ID", "--stance", "refutes", "--credibility", "6", "--note", "x"],
            ["report", "case", "ID"],
        ]
        for command in commands {
            let hidden = desk.run(command.map { $0 == "ID" ? secret : $0 }, as: desk.bob)
            let none = desk.run(command.map { $0 == "ID" ? missing : $0 }, as: desk.bob)
            #expect(hidden.status != 0 && hidden.status == none.status, "\(command): \(hidden.status) vs \(none.status)")
            #expect(Self.shape(hidden, secret) == Self.shape(none, missing), "\(command): \(hidden.stderr) vs \(none.stderr)")
        }
        // By reference too.
        let byRef = desk.run(["case", "show", "SECRET-1"], as: desk.bob)
        let byMissingRef = desk.run(["case", "show", "NOPE-1"], as: desk.bob)
        #expect(byRef.status == byMissingRef.status)
        #expect(byRef.stderr.replacingOccurrences(of: "SECRET-1", with: "N")
            == byMissingRef.stderr.replacingOccurrences(of: "NOPE-1", with: "N"))
    }

    @Test("hole 8: case open --ref with a hidden case's reference does not say that the case exists")
    func testHole8_openWithHiddenRefDoesNotConfirmTheCase() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let opened = desk.run(["case", "open", "Another claim", "--claimant", "Someone", "--ref", "SECRET-1"], as: desk.bob)
        #expect(opened.status != 0)
        #expect(!opened.stderr.contains("already exists"), "\(opened.stderr)")
        #expect(!opened.stderr.contains("case show"), "\(opened.stderr)")
        // alice, who may see it, is told plainly.
        let asAlice = desk.run(["case", "open", "Another claim", "--claimant", "Someone", "--ref", "SECRET-1"], as: desk.alice)
        #expect(asAlice.stderr.contains("a case with the reference \"SECRET-1\" already exists"), "\(asAlice.stderr)")
    }

    @Test("hole 8: linking a duplicate of a hidden case does not name the hidden case")
    func testHole8_duplicateOfHiddenCaseIsNotNamed() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let secret = try Self.secretID(desk)
        let asEditor = ["--database-url", desk.url, "--as", desk.editor]
        // `case link` spells the kind --as, so the acting editor comes from VERITY_REVIEWER.
        let linked = verity(
            ["case", "link", "OPEN-1", "--to", "SECRET-1", "--as", "duplicate-of", "--reason", "same site", "--database-url", desk.url],
            environment: ["VERITY_REVIEWER": desk.editor])
        #expect(linked.status == 0, "\(linked.stderr)")
        #expect(verity(["case", "open", "Third", "--claimant", "Mayor", "--ref", "THIRD-1"] + asEditor).status == 0)
        let again = desk.run(["case", "link", "OPEN-1", "--to", "THIRD-1", "--as", "duplicate-of", "--reason", "x"], as: desk.bob)
        #expect(again.status != 0)
        #expect(!again.stderr.contains("case \(secret)") && !again.stderr.contains("SECRET-1"), "\(again.stderr)")
    }

    @Test("hole 7: report status --as another reviewer by a login is refused and never logged under that name")
    func testHole7_reportAsAnotherReviewerIsRefused() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let lie = desk.run(["report", "status", "--as", desk.editor], as: desk.bob)
        #expect(lie.status != 0)
        #expect(lie.stdout.isEmpty, "no report is written before the refusal")
        #expect(lie.stderr.contains("cannot act as \"\(desk.editor)\""), "\(lie.stderr)")
        let honest = desk.run(["report", "status"], as: desk.bob)
        #expect(honest.status == 0, "\(honest.stderr)")
        let log = try #require(try verity(["report", "log", "--format", "json", "--database-url", desk.url]).json() as? [[String: Any]])
        #expect(!log.contains { $0["reviewer"] as? String == desk.editor && $0["command"] as? String == "report status" })
        #expect(log.contains { $0["reviewer"] as? String == desk.bob && $0["command"] as? String == "report status" })
        // The owner's report about the secret case is not in bob's log.
        #expect(verity(["report", "case", "SECRET-1", "--as", desk.editor, "--database-url", desk.url]).status == 0)
        let bobLog = try #require(try desk.run(["report", "log", "--format", "json"], as: desk.bob).json() as? [[String: Any]])
        #expect(!bobLog.contains { $0["command"] as? String == "report case" }, "\(bobLog)")
        let aliceLog = try #require(try desk.run(["report", "log", "--format", "json"], as: desk.alice).json() as? [[String: Any]])
        #expect(aliceLog.contains { $0["command"] as? String == "report case" })
    }

    @Test("hole 5: reviewer passwd reads the new password from a file or stdin, records who changed it, and refuses others' logins")
    func testHole5_passwordChangeThroughCommandIsRecorded() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pw-new-\(desk.fixture.token)").path
        let newPassword = "new-\(desk.fixture.token)-battery-staple"
        try (newPassword + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // bob may not change alice's password.
        let takeover = desk.run(["reviewer", "passwd", desk.alice, "--password-file", file], as: desk.bob)
        #expect(takeover.status != 0)
        #expect(takeover.stderr.contains("only its own password"), "\(takeover.stderr)")
        _ = try Connection(desk.fixture.url(as: desk.alice))
        // alice changes her own; the old password stops working, the change is recorded without the secret.
        let changed = desk.run(["reviewer", "passwd", desk.alice, "--password-file", file], as: desk.alice)
        #expect(changed.status == 0, "\(changed.stderr)")
        _ = try Connection(desk.fixture.url(as: desk.alice, password: newPassword))
        #expect(throws: (any Error).self) { _ = try Connection(desk.fixture.url(as: desk.alice)) }
        let owner = try Connection(desk.url)
        let rows = try owner.query("SELECT login, changed_by, db_user FROM reviewer_password_changes").rows
        #expect(rows.count == 1)
        #expect(try rows.first?.decode("changed_by", as: String?.self) == desk.alice)
        let text: String = try owner.query("SELECT string_agg(t::text, ' ') AS t FROM reviewer_password_changes t")[0].decode("t")
        #expect(!text.contains(newPassword) && !text.contains("SCRAM"))
        // The password is never an argument.
        let help = verity(["reviewer", "passwd", "--help"])
        #expect(help.stdout.contains("--password-file"))
        #expect(!help.stdout.contains("--password "))
    }
}
