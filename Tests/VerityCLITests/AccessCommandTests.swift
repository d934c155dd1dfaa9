import Foundation
import Testing
import VerityCore
import VerityTestSupport

/// Issue 8 on the command line: db roles, reviewer logins, restricted cases
/// in every reader (list, show, search, reports, export), and secrets.
@Suite("verity db roles, reviewer logins and restricted cases")
struct AccessCommandTests {
    /// The owner opens a restricted case for alice and an open one; bob is another reviewer.
    struct Desk {
        let fixture: AccessFixture
        let alice: String, bob: String, editor: String
        var url: String { fixture.url }

        init() throws {
            fixture = try AccessFixture()
            alice = fixture.handle("alice")
            bob = fixture.handle("bob")
            editor = fixture.handle("ed")
            let env = ["VERITY_NEW_PASSWORD": fixture.password]
            for (handle, role) in [(alice, "reviewer"), (bob, "reviewer"), (editor, "editor")] {
                fixture.track(handle)
                let added = verity(
                    ["reviewer", "add", handle, "--name", handle, "--role", role, "--login", "--database-url", url],
                    environment: env)
                #expect(added.status == 0, "\(added.stderr)")
            }
            let asEditor = ["--database-url", url, "--as", editor]
            #expect(verity(["case", "open", "Bridge destroyed in Izium", "--claimant", "Governor", "--ref", "OPEN-1"] + asEditor).status == 0)
            let restricted = verity(
                ["case", "open", "Mass grave photographs near Izium", "--claimant", "Witness", "--ref", "SECRET-1", "--restricted"]
                    + asEditor)
            #expect(restricted.status == 0, "\(restricted.stderr)")
            #expect(verity(["case", "assign", "SECRET-1", "--to", alice] + asEditor).status == 0)
            #expect(verity(["case", "move", "SECRET-1", "--to", "evidence-pending"] + asEditor).status == 0)
            let evidence = verity(
                ["evidence", "add", "SECRET-1", "--stance", "supports", "--credibility", "2", "--note", "photographs of graves"]
                    + asEditor)
            #expect(evidence.status == 0, "\(evidence.stderr)")
            let assessed = verity(
                ["case", "assess", "SECRET-1", "--verdict", "true", "--confidence", "2", "--rationale", "graves confirmed"]
                    + asEditor)
            #expect(assessed.status == 0, "\(assessed.stderr)")
        }

        func run(_ arguments: [String], as login: String, environment: [String: String] = [:]) -> CLIResult {
            verity(arguments + ["--database-url", fixture.url(as: login)], environment: environment)
        }
    }

    @Test("db roles reports what it granted, says to run it again after migrations, and is safe to run twice")
    func dbRoles() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let first = verity(["db", "roles", "--database-url", fixture.url])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("verity_reviewer"))
        #expect(first.stdout.contains("Run `verity db roles` again after migrations that add tables."))
        let second = verity(["db", "roles", "--database-url", fixture.url, "--format", "json"])
        #expect(second.status == 0, "\(second.stderr)")
        let json = try #require(try second.json() as? [String: Any])
        #expect((json["created_roles"] as? [String])?.isEmpty == true)
        let help = verity(["db", "roles", "--help"])
        #expect(help.stdout.contains("run it again"))
        #expect(help.stdout.contains("verity reviewer add analyst"))
    }

    @Test("reviewer add --login takes the password from a file or the environment, never from an argument")
    func loginPassword() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let missing = verity(["reviewer", "add", fixture.handle("x"), "--name", "X", "--login", "--database-url", fixture.url])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("VERITY_NEW_PASSWORD"))
        #expect(!verity(["reviewer", "list", "--database-url", fixture.url]).stdout.contains(fixture.handle("x")))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(fixture.token)").path
        try (fixture.password + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let handle = fixture.handle("carol")
        fixture.track(handle)
        let added = verity(
            ["reviewer", "add", handle, "--name", "Carol", "--role", "admin", "--login", "--password-file", file,
             "--database-url", fixture.url])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("with the database login \(handle) in verity_admin"))
        let whoami = verity(["case", "list", "--database-url", fixture.url(as: handle)])
        #expect(whoami.status == 0, "the file's first line is the password: \(whoami.stderr)")
    }

    @Test("connected as their login, a reviewer acts without --as and cannot act as someone else")
    func actingAsLogin() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let opened = desk.run(["case", "open", "A new claim", "--claimant", "Someone", "--format", "json"], as: desk.bob)
        #expect(opened.status == 0, "\(opened.stderr)")
        let id = try #require((try opened.json() as? [String: Any])?["id"] as? Int)
        let history = desk.run(["case", "history", String(id), "--format", "json"], as: desk.bob)
        #expect((try history.json() as? [[String: Any]])?.first?["actor"] as? String == desk.bob)
        let claimed = desk.run(["case", "move", String(id), "--to", "evidence-pending", "--as", desk.editor], as: desk.bob)
        #expect(claimed.status == 65)
        #expect(claimed.stderr.contains("connected to the database as \"\(desk.bob)\""))
        let viaEnvironment = desk.run(
            ["case", "move", String(id), "--to", "evidence-pending"], as: desk.bob, environment: ["VERITY_REVIEWER": desk.alice])
        #expect(viaEnvironment.status == 65)
        #expect(viaEnvironment.stderr.contains("cannot act as \"\(desk.alice)\""))
    }

    @Test("an editor login imports a file of its own records into a desk in use, its desk's reviewers in it unchanged; a reviewer it would add or change is refused with its line")
    func editorLoginImports() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("login-import-\(desk.fixture.token)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The desk's reviewers as an export writes them (unchanged), then the editor's own work.
        let exported = verity(["export", "--database-url", desk.url])
        #expect(exported.status == 0, "\(exported.stderr)")
        let reviewers = exported.stdout.split(separator: "\n").filter { $0.contains(#""type":"reviewer""#) }
        #expect(reviewers.count >= 3)
        let feed = dir.appendingPathComponent("feed.jsonl")
        let records = reviewers.map(String.init) + [
            #"{"type":"case","ref":"FEED-1","claim":"Shelling of the Izium market","claimant":"Local channel"}"#,
            #"{"type":"transition","case":"FEED-1","to":"evidence-pending"}"#,
            #"{"type":"evidence","case":"FEED-1","stance":"refutes","credibility":3,"note":"market stood on 12 Sept"}"#,
        ]
        try (records.joined(separator: "\n") + "\n").write(to: feed, atomically: true, encoding: .utf8)
        let imported = desk.run(["import", feed.path], as: desk.editor)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("Imported"))
        let shown = desk.run(["case", "history", "FEED-1", "--format", "json"], as: desk.editor)
        let rows = try #require(try shown.json() as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0["actor"] as? String == desk.editor })
        let again = desk.run(["import", feed.path], as: desk.editor)
        #expect(again.status == 0 && again.stdout.contains("nothing changed"), "\(again.stdout)\(again.stderr)")

        // A reviewer record that would add a reviewer (or rename one): refused by the database, with its line.
        let intruder = desk.fixture.handle("mallory")
        let bad = dir.appendingPathComponent("bad.jsonl")
        try ([#"{"type":"case","ref":"FEED-2","claim":"Another claim","claimant":"Someone"}"#,
              #"{"type":"reviewer","handle":"\#(intruder)","name":"M","role":"admin"}"#].joined(separator: "\n") + "\n")
            .write(to: bad, atomically: true, encoding: .utf8)
        let refused = desk.run(["import", bad.path], as: desk.editor)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("bad.jsonl:2: record: this reviewer record adds or changes a reviewer, which only the desk owner does"))
        #expect(!refused.stderr.contains("hint: \n") && !refused.stderr.hasSuffix("hint: "))
        #expect(!verity(["reviewer", "list", "--database-url", desk.url]).stdout.contains(intruder))
        #expect(verity(["case", "show", "FEED-2", "--database-url", desk.url]).status == 66)

        // ... and so is one that would deactivate a reviewer, also with its line.
        let deactivating = dir.appendingPathComponent("deactivate.jsonl")
        try (#"{"type":"reviewer","handle":"\#(desk.bob)","name":"\#(desk.bob)","role":"reviewer","active":false}"# + "\n")
            .write(to: deactivating, atomically: true, encoding: .utf8)
        let flag = desk.run(["import", deactivating.path], as: desk.editor)
        #expect(flag.status == 65, "\(flag.stderr)")
        #expect(flag.stderr.contains("deactivate.jsonl:1: record: this reviewer record changes whether a reviewer is active"))
        #expect(verity(["reviewer", "list", "--active", "--database-url", desk.url]).stdout.contains(desk.bob))

        // A reader login (no reviewer behind it) imports nothing, under its own name or another's.
        let reader = try desk.fixture.addReader("reader")
        let readerFeed = dir.appendingPathComponent("reader.jsonl")
        try (#"{"type":"case","ref":"FEED-3","claim":"A reader's claim","claimant":"Someone"}"# + "\n")
            .write(to: readerFeed, atomically: true, encoding: .utf8)
        let unnamed = verity(["import", readerFeed.path, "--database-url", desk.fixture.url(as: reader)])
        #expect(unnamed.status == 64 && unnamed.stderr.contains("no acting reviewer"), "\(unnamed.stderr)")
        let asEditor = verity(["import", readerFeed.path, "--as", desk.editor, "--database-url", desk.fixture.url(as: reader)])
        #expect(asEditor.status == 65 && asEditor.stderr.contains("not allowed"), "\(asEditor.stderr)")
        #expect(verity(["case", "show", "FEED-3", "--database-url", desk.url]).status == 66)
    }

    @Test("a reviewer login that tries an admin's task is told it may not, and nothing changes")
    func reviewerRefusedAdminTask() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let intruder = desk.fixture.handle("mallory")
        let added = desk.run(["reviewer", "add", intruder, "--name", "M", "--role", "admin"], as: desk.bob)
        #expect(added.status == 65)
        #expect(added.stderr.contains("only a desk admin may add reviewers"))
        #expect(added.stderr.contains("hint: ask a desk admin"))
        #expect(!verity(["reviewer", "list", "--database-url", desk.url]).stdout.contains(intruder))
        let roles = desk.run(["db", "roles"], as: desk.bob)
        #expect(roles.status == 65)
    }

    @Test("a restricted case is hidden from other reviewers in list, show, search, reports and export")
    func restrictedEverywhere() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        // bob: not assigned, not an editor.
        let list = desk.run(["case", "list", "--format", "json"], as: desk.bob)
        #expect(list.status == 0, "\(list.stderr)")
        let refs = (try list.json() as? [[String: Any]])?.compactMap { $0["ref"] as? String }
        #expect(refs == ["OPEN-1"])
        let show = desk.run(["case", "show", "SECRET-1"], as: desk.bob)
        #expect(show.status == 66)
        let search = desk.run(["search", "graves", "--format", "json"], as: desk.bob)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(!search.stdout.contains("graves"))
        let status = desk.run(["report", "status", "--format", "json"], as: desk.bob)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(!status.stdout.contains("SECRET-1") && !status.stdout.contains("Mass grave"))
        let statusMarkdown = desk.run(["report", "status"], as: desk.bob)
        #expect(statusMarkdown.status == 0, "\(statusMarkdown.stderr)")
        #expect(!statusMarkdown.stdout.contains("Mass grave"))
        let dossier = desk.run(["report", "case", "SECRET-1", "--format", "json"], as: desk.bob)
        #expect(dossier.status == 66)
        let export = desk.run(["export"], as: desk.bob)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("OPEN-1"))
        #expect(!export.stdout.contains("SECRET-1") && !export.stdout.contains("graves"))

        // alice (assigned) and the editor see it, marked restricted.
        for login in [desk.alice, desk.editor] {
            let shown = desk.run(["case", "show", "SECRET-1", "--format", "json"], as: login)
            #expect(shown.status == 0, "\(login): \(shown.stderr)")
            #expect((try shown.json() as? [String: Any])?["restricted"] as? Bool == true)
            #expect(desk.run(["case", "list"], as: login).stdout.contains("(restricted)"), "the table marks it too")
            #expect(desk.run(["search", "graves"], as: login).stdout.contains("SECRET-1")
                || desk.run(["search", "graves", "--format", "json"], as: login).stdout.contains("graves"))
            #expect(desk.run(["report", "case", "SECRET-1"], as: login).status == 0)
            #expect(desk.run(["export"], as: login).stdout.contains("SECRET-1"))
        }
        let everyone = verity(["report", "status", "--format", "json", "--database-url", desk.url])
        #expect(everyone.stdout.contains("SECRET-1") || everyone.stdout.contains("Mass grave"))
    }

    @Test("case update --restrict needs --reason, and both directions are recorded in the history")
    func restrictCommand() throws {
        let desk = try Desk()
        defer { desk.fixture.dropLogins() }
        let noReason = verity(["case", "update", "OPEN-1", "--restrict", "--database-url", desk.url, "--as", desk.editor])
        #expect(noReason.status == 64)
        #expect(noReason.stderr.contains("needs a reason"))
        let both = verity(["case", "update", "OPEN-1", "--restrict", "--unrestrict", "--reason", "x", "--database-url", desk.url])
        #expect(both.status == 64)
        // bob is not assigned: restricting would hide the case from him.
        let hiding = desk.run(["case", "update", "OPEN-1", "--restrict", "--reason", "faces"], as: desk.bob)
        #expect(hiding.status == 65)
        #expect(hiding.stderr.contains("not assigned"))
        let restricted = verity(
            ["case", "update", "OPEN-1", "--restrict", "--reason", "identifiable faces", "--format", "json",
             "--database-url", desk.url, "--as", desk.editor])
        #expect(restricted.status == 0, "\(restricted.stderr)")
        #expect((try restricted.json() as? [String: Any])?["restricted"] as? Bool == true)
        #expect((try desk.run(["case", "list", "--format", "json"], as: desk.bob).json() as? [Any])?.isEmpty == true)
        let lifted = verity(
            ["case", "update", "OPEN-1", "--unrestrict", "--reason", "faces blurred", "--database-url", desk.url, "--as", desk.editor])
        #expect(lifted.status == 0, "\(lifted.stderr)")
        let history = verity(["case", "history", "OPEN-1", "--format", "json", "--database-url", desk.url])
        let rows = try #require(try history.json() as? [[String: Any]])
        #expect(rows.suffix(2).map { $0["action"] as? String } == ["restrict", "unrestrict"])
        #expect(rows.suffix(2).map { $0["reason"] as? String } == ["identifiable faces", "faces blurred"])
        let dossier = verity(["report", "case", "OPEN-1", "--database-url", desk.url]).stdout
        #expect(dossier.contains("restricted to its assigned reviewers") && dossier.contains("restriction lifted"))
        #expect(!dossier.contains("? → ?"))
        let audit = verity(["audit", "verify", "--database-url", desk.url])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
    }

    @Test("passwords in database URLs are never printed, by db status or by a failing command")
    func passwordsNeverPrinted() throws {
        let url = "postgresql://u:secret@/db?host=/nonexistent"
        for arguments in [
            ["db", "status", "--database-url", url], ["db", "status", "--format", "json", "--database-url", url],
            ["case", "list", "--database-url", url], ["db", "url", "--database-url", url],
            ["case", "open", "x", "--claimant", "y", "--as", "z", "--database-url", url],
        ] {
            let result = verity(arguments)
            #expect(!result.stdout.contains("secret") && !result.stderr.contains("secret"), "\(arguments)")
        }
        let status = verity(["db", "status", "--database-url", url])
        #expect(status.status == 69)
        #expect(status.stdout.contains("***"))
        let viaEnvironment = verity(["case", "list"], environment: ["VERITY_DATABASE_URL": "host=/nonexistent password=secret user=u"])
        #expect(viaEnvironment.status == 69)
        #expect(!viaEnvironment.stdout.contains("secret") && !viaEnvironment.stderr.contains("secret"))
    }

    @Test("a login given the wrong password, or none, is refused by the embedded cluster")
    func wrongPassword() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let alice = try fixture.addLogin("alice")
        let wrong = verity(["case", "list", "--database-url", fixture.url(as: alice, password: "not-her-password")])
        #expect(wrong.status == 69)
        #expect(wrong.stderr.contains("password authentication failed"))
        #expect(wrong.stderr.contains("refused the password") && !wrong.stderr.contains("check that the server is running"))
        #expect(!wrong.stderr.contains("not-her-password"))
        var components = URLComponents(string: fixture.url(as: alice))!
        components.queryItems?.removeAll { $0.name == "password" }
        let none = verity(["case", "list", "--database-url", components.string!])
        #expect(none.status == 69)
    }
}
