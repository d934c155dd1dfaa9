import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Review fixes on the command line.
@Suite("Review fixes: commands")
struct ReviewFixesCommandTests {
    @Test("admin commands refuse a role that may not run them, up front, with exit 65 and nothing half-done")
    func adminCommandsRefuseUpFront() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let alice = try fixture.addLogin("alice")
        let admin = try fixture.addLogin("boss", role: .admin)
        let dan = try fixture.addLogin("dan")
        let eve = fixture.handle("eve")
        fixture.track(eve)
        func run(_ arguments: [String], as login: String) -> CLIResult {
            verity(arguments + ["--database-url", fixture.url(as: login)], environment: ["VERITY_NEW_PASSWORD": fixture.password])
        }
        for (arguments, expected) in [
            (["reviewer", "add", eve, "--name", "Eve", "--login"], "only a desk admin"),
            (["reviewer", "add", eve, "--name", "Eve"], "only a desk admin may add reviewers"),
            (["reviewer", "deactivate", dan], "only a desk admin may deactivate reviewers"),
            (["db", "roles"], "only the database owner"),
        ] {
            let result = run(arguments, as: alice)
            #expect(result.status == 65, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("permission denied"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("hint:"), "\(arguments)")
        }
        let asAdmin = run(["db", "roles"], as: admin)
        #expect(asAdmin.status == 65, "\(asAdmin.stderr)")
        #expect(asAdmin.stderr.contains("only the database owner (with CREATEROLE) or a superuser"), "\(asAdmin.stderr)")
        // Nothing was half-done.
        let owner = try Connection(fixture.url)
        let eveRows: Int = try owner.query("SELECT count(*)::bigint AS n FROM reviewers WHERE handle = \(eve)")[0].decode("n")
        #expect(eveRows == 0)
        let eveRole: Bool = try owner.query("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \(eve)) AS e")[0].decode("e")
        #expect(!eveRole)
        let danActive: Bool = try owner.query("SELECT active FROM reviewers WHERE handle = \(dan)")[0].decode("active")
        #expect(danActive)
        // An admin login may add reviewers (with a login) and deactivate them.
        let added = run(["reviewer", "add", eve, "--name", "Eve", "--login"], as: admin)
        #expect(added.status == 0, "\(added.stderr)")
        let deactivated = run(["reviewer", "deactivate", dan], as: admin)
        #expect(deactivated.status == 0, "\(deactivated.stderr)")
    }

    @Test("a permission the database refuses (SQLSTATE 42501) exits 65 with a sentence and a hint")
    func insufficientPrivilegeIs65() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let editor = try fixture.addLogin("ed", role: .editor)
        // A login in verity_reader only (made by hand): it may read, not write.
        let reader = fixture.handle("reader")
        fixture.track(reader)
        let owner = try Connection(fixture.url)
        let statement: String = try owner.query(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE verity_reader', \(reader)::text, \(fixture.password)::text) AS s")[0]
            .decode("s")
        try owner.execute(unsafeSQL: statement)
        let result = verity(["case", "open", "Bridge destroyed", "--claimant", "Governor", "--as", editor, "--database-url", fixture.url(as: reader)])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("is not allowed to do this"), "\(result.stderr)")
        #expect(result.stderr.contains("hint:"))
    }

    @Test("--file naming a directory exits 64, an unreadable or missing file 66, each with a sentence (source add, custody, verify)")
    func fileThatIsNotAFile() throws {
        let env = try deskEnvironment()
        let file = try custodyFile("bytes")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let directory = NSTemporaryDirectory()
        let added = verity(
            ["source", "add", "https://example.org/a", "--title", "A", "--publisher", "P", "--file", file, "--format", "json"], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let id = String(try #require(try json(added)["id"] as? Int))
        for arguments in [
            ["source", "add", "https://example.org/b", "--title", "B", "--publisher", "P", "--file", directory],
            ["source", "verify", id, "--file", directory],
            ["source", "custody", id, "--event", "copied", "--copy", "working", "--file", directory],
        ] {
            let result = verity(arguments, environment: env)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("\(directory) is a directory, not a file"), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(arguments)")
        }
        // /proc/self/mem opens but cannot be read from its start (even as root, which reads any chmod 000 file).
        for path in ["/proc/self/mem", directory + "no-such-file-\(UUID().uuidString)"] {
            let result = verity(["source", "verify", id, "--file", path], environment: env)
            #expect(result.status == 66, "\(path): \(result.stderr)")
            #expect(result.stderr.contains(path), "\(path): \(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(path): \(result.stderr)")
        }
    }

    @Test("custody refuses a copy without its file, an event before the collection and a hand-over to the holder; lists by time")
    func custodyChainStaysMeaningful() throws {
        let env = try deskEnvironment()
        let file = try custodyFile("<html>statement</html>")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let added = verity([
            "source", "add", "https://example.org/s", "--title", "S", "--publisher", "P", "--file", file,
            "--collected-at", "2022-09-19T11:00:00Z", "--as", "analyst", "--format", "json",
        ], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let id = String(try #require(try json(added)["id"] as? Int))
        func custody(_ arguments: [String]) -> CLIResult { verity(["source", "custody", id] + arguments, environment: env) }

        let noFile = custody(["--event", "copied", "--copy", "working"])
        #expect(noFile.status == 64, "\(noFile.stderr)")
        #expect(noFile.stderr.contains("--file"))
        let early = custody(["--event", "handed-over", "--to", "lawyer", "--at", "2022-09-18T09:00:00Z"])
        #expect(early.status == 65, "\(early.stderr)")
        #expect(early.stderr.contains("before the file was collected"), "\(early.stderr)")
        let toAnalyst = custody(["--event", "handed-over", "--to", "analyst"])
        #expect(toAnalyst.status == 65, "the collector holds it: \(toAnalyst.stderr)")
        #expect(custody(["--event", "handed-over", "--to", "third"]).status == 0)
        let again = custody(["--event", "handed-over", "--to", "third"])
        #expect(again.status == 65, "\(again.stderr)")
        #expect(again.stderr.contains("already held by third"), "\(again.stderr)")
        // Recorded later, happened earlier: listed in time order.
        let backdated = custody(["--event", "handed-over", "--to", "courier", "--at", "2022-09-20T09:00:00Z"])
        #expect(backdated.status == 0, "\(backdated.stderr)")
        let chain = try #require(try custody(["--format", "json"]).json() as? [[String: Any]])
        #expect(chain.map { $0["to_holder"] as? String } == [nil, "courier", "third"])
        #expect(chain[1]["from_holder"] as? String == "analyst")

        // The database refuses the same even when called directly.
        let db = try Connection(try #require(env["VERITY_DATABASE_URL"]))
        let error = #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("SELECT set_config('verity.actor', 'editor', true)")
                try db.query("SELECT verity_custody_event(\(Int(id)!), 'copied')")
            }
        }
        #expect(error?.sqlState == SQLState("VR002"), "\(error?.message ?? "")")
    }

    @Test("a duplicate is listed under the state it is shown with, and shows when its canonical case changed state")
    func duplicateListedUnderShownState() throws {
        let env = try deskEnvironment()
        func open(_ claim: String, ref: String) throws -> String {
            let opened = verity(["case", "open", claim, "--claimant", "Zelensky", "--ref", ref, "--format", "json"], environment: env)
            return String(try #require(try json(opened)["id"] as? Int, "\(opened.stderr)"))
        }
        let canonical = try open("450 dead people", ref: "IZY-001")
        let duplicate = try open("450 bodies in Izium", ref: "IZY-014")
        #expect(verity(["case", "move", duplicate, "--to", "disputed", "--reason", "denied"], environment: env).status == 0)
        #expect(verity(["case", "link", duplicate, "--to", canonical, "--kind", "duplicate-of", "--reason", "same video"], environment: env).status == 0)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(verity(["case", "move", canonical, "--to", "evidence-pending"], environment: env).status == 0)

        func listed(_ state: String) throws -> [Int] {
            let rows = try #require(try verity(["case", "list", "--state", state, "--format", "json"], environment: env).json() as? [[String: Any]])
            return rows.compactMap { $0["id"] as? Int }
        }
        #expect(try listed("disputed").isEmpty, "shown as evidence-pending, so not listed as disputed")
        #expect(try listed("evidence-pending") == [Int(canonical)!, Int(duplicate)!])

        let shown = try json(verity(["case", "show", duplicate, "--format", "json"], environment: env))
        let canonicalShown = try json(verity(["case", "show", canonical, "--format", "json"], environment: env))
        #expect(shown["state"] as? String == "evidence-pending")
        #expect(shown["own_state"] as? String == "disputed")
        #expect(shown["state_changed_at"] as? String == canonicalShown["state_changed_at"] as? String)
        func stateLine(_ id: String) -> String? {
            verity(["report", "case", id], environment: env).stdout.split(separator: "\n").first { $0.contains("**State:**") }
                .map(String.init)
        }
        let line = try #require(stateLine(duplicate))
        #expect(line.contains("evidence-pending (since"), "\(line)")
        #expect(line == stateLine(canonical), "the duplicate shows when its canonical case changed state")
    }

    @Test("case link names --as when no reviewer acts, and an unknown reviewer exits 66 through --as and --to")
    func actingReviewerHintsAndUnknownReviewers() throws {
        let env = try deskEnvironment()
        var ids: [String] = []
        for ref in ["IZY-1", "IZY-2"] {
            let opened = verity(["case", "open", "claim \(ref)", "--claimant", "Governor", "--ref", ref, "--format", "json"], environment: env)
            ids.append(String(try #require(try json(opened)["id"] as? Int, "\(opened.stderr)")))
        }
        var noActor = env
        noActor["VERITY_REVIEWER"] = nil
        let link = verity(["case", "link", ids[0], "--to", ids[1], "--kind", "related", "--reason", "same town"], environment: noActor)
        #expect(link.status == 64, "\(link.stderr)")
        #expect(link.stderr.contains("pass --as HANDLE"), "\(link.stderr)")
        for arguments in [
            ["case", "move", ids[0], "--to", "disputed", "--reason", "denied", "--as", "ghost"],
            ["case", "open", "c", "--claimant", "x", "--as", "ghost"],
            ["case", "link", ids[0], "--to", ids[1], "--kind", "related", "--reason", "r", "--as", "ghost"],
            ["case", "assign", ids[0], "--to", "ghost"],
            ["evidence", "add", ids[0], "--stance", "context", "--credibility", "3", "--note", "n", "--as", "ghost"],
        ] {
            let result = verity(arguments, environment: env)
            #expect(result.status == 66, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("ghost"), "\(arguments): \(result.stderr)")
        }
    }

    @Test("a withdrawn verdict proposal is recorded in the history and said by dispute and by assess; four-eyes on twice changes nothing")
    func withdrawnProposalLeavesATrace() throws {
        let env = try deskEnvironment()
        #expect(verity(["config", "set", "four-eyes", "on"], environment: env).status == 0)
        let again = verity(["config", "set", "four-eyes", "on", "--format", "json"], environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        let changes = try #require(try json(again)["history"] as? [[String: Any]])
        #expect(changes.count == 1, "the second `on` recorded nothing")
        #expect(verity(["config", "set", "four-eyes", "on"], environment: env).stdout.contains("already on; nothing changed"))

        func pendingCase(_ ref: String) throws -> String {
            let opened = verity(["case", "open", "claim \(ref)", "--claimant", "Zelensky", "--ref", ref, "--format", "json"], environment: env)
            let id = String(try #require(try json(opened)["id"] as? Int))
            #expect(verity(["case", "move", id, "--to", "evidence-pending"], environment: env).status == 0)
            #expect(verity(["evidence", "add", id, "--stance", "supports", "--credibility", "2", "--note", "AFP photo"], environment: env).status == 0)
            let proposed = verity(["case", "assess", id, "--verdict", "mostly-true", "--confidence", "3", "--rationale", "photos"], environment: env)
            #expect(proposed.status == 0, "\(proposed.stderr)")
            return id
        }
        func lastHistory(_ id: String) throws -> [String: Any] {
            let shown = try json(verity(["case", "show", id, "--format", "json"], environment: env))
            return try #require((shown["history"] as? [[String: Any]])?.last)
        }

        let disputed = try pendingCase("IZY-1")
        let dispute = verity(["case", "dispute", disputed, "--reason", "Kremlin denies"], environment: env)
        #expect(dispute.status == 0, "\(dispute.stderr)")
        #expect(dispute.stdout.contains("Withdrew the verdict awaiting sign-off (mostly-true, confidence 3, proposed by editor)"), "\(dispute.stdout)")
        let withdrawn = try lastHistory(disputed)
        #expect(withdrawn["action"] as? String == "withdraw-verdict")
        #expect(withdrawn["actor"] as? String == "editor")
        #expect((withdrawn["reason"] as? String)?.contains("withdrawn: the case moved to disputed") == true)
        let history = verity(["case", "history", disputed], environment: env)
        #expect(history.stdout.contains("withdraw-verdict"), "\(history.stdout)")

        let assessed = try pendingCase("IZY-2")
        #expect(verity(["config", "set", "four-eyes", "off"], environment: env).status == 0)
        let assess = verity(["case", "assess", assessed, "--verdict", "true", "--confidence", "2", "--rationale", "more photos"], environment: env)
        #expect(assess.status == 0, "\(assess.stderr)")
        #expect(assess.stdout.contains("Withdrew the verdict awaiting sign-off"), "\(assess.stdout)")
        #expect(try lastHistory(assessed)["action"] as? String == "withdraw-verdict")
        #expect(verity(["audit", "verify"], environment: env).status == 0)
    }

    @Test("bulk --dry-run names every case that cannot change; --tag and --untag of the same tag is refused")
    func bulkNamesEveryRefusal() throws {
        let env = try deskEnvironment()
        for ref in ["IZY-001", "IZY-002", "IZY-003"] {
            #expect(verity(["case", "open", "claim \(ref)", "--claimant", "c", "--ref", ref, "--tag", "izium"], environment: env).status == 0)
        }
        // Assessed cases cannot be disputed (cases already in the target state would only be skipped).
        for ref in ["IZY-002", "IZY-003"] {
            #expect(verity(["case", "move", ref, "--to", "evidence-pending"], environment: env).status == 0)
            #expect(verity(["evidence", "add", ref, "--stance", "supports", "--credibility", "2", "--note", "n"], environment: env).status == 0)
            #expect(verity(["case", "assess", ref, "--verdict", "true", "--confidence", "2", "--rationale", "r"], environment: env).status == 0)
        }
        let dry = verity(["case", "move", "--where-tag", "izium", "--to", "disputed", "--reason", "denied", "--dry-run"], environment: env)
        #expect(dry.status == 65, "\(dry.stderr)")
        #expect(dry.stderr.contains("2 of the 3 matching cases"), "\(dry.stderr)")
        #expect(dry.stderr.contains("IZY-002") && dry.stderr.contains("IZY-003"), "\(dry.stderr)")
        #expect(!dry.stderr.contains("IZY-001"), "\(dry.stderr)")

        let clash = verity(["case", "update", "--where-tag", "izium", "--tag", "bucha", "--untag", "bucha"], environment: env)
        #expect(clash.status == 64, "\(clash.stderr)")
        #expect(clash.stderr.contains("--tag and --untag both name bucha"), "\(clash.stderr)")
    }
}
