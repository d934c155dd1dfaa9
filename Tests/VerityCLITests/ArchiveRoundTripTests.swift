import Foundation
import Testing
import VerityTestSupport

/// The first line where two exports differ, or nil when they are the same bytes.
func firstDifference(_ one: String, _ other: String) -> String? {
    guard one != other else { return nil }
    let a = one.split(separator: "\n", omittingEmptySubsequences: false)
    let b = other.split(separator: "\n", omittingEmptySubsequences: false)
    for index in 0..<max(a.count, b.count) where index >= a.count || index >= b.count || a[index] != b[index] {
        return "line \(index + 1):\n  \(index < a.count ? String(a[index]) : "(none)")\n  \(index < b.count ? String(b[index]) : "(none)")"
    }
    return "same lines, different bytes"
}

/// A desk that uses every feature, built through the CLI: the Izium seeds, four-eyes on with a
/// rejected and a signed-off proposal, a duplicate-of link and an unlink, a restricted case, a
/// source with its chain of custody (collected, copied, handed over, verified), a retracted note
/// and a reopened case. Returns its environment.
func everyFeatureDesk() throws -> [String: String] {
    let url = try TestServer.shared.makeDatabase()
    let env = ["VERITY_DATABASE_URL": url, "VERITY_REVIEWER": "editor"]
    func run(_ arguments: [String]) {
        let result = verity(arguments, environment: env)
        #expect(result.status == 0, "verity \(arguments.joined(separator: " ")): \(result.stderr)")
    }
    run(["import", ImportCommandTests.seeds])
    run(["reviewer", "add", "checker", "--name", "Second reviewer"])
    run(["config", "set", "four-eyes", "on", "--reason", "desk policy"])
    run(["case", "assign", "IZY-2022-004", "--to", "checker"])
    run(["case", "assess", "IZY-2022-004", "--verdict", "false", "--confidence", "2", "--rationale", "graves documented", "--as", "analyst"])
    run(["case", "sign-off", "IZY-2022-004", "--reject", "--reason", "cite the AFP photo", "--as", "checker"])
    run(["case", "assess", "IZY-2022-004", "--verdict", "false", "--confidence", "2", "--rationale", "graves documented by AFP", "--as", "analyst"])
    run(["case", "sign-off", "IZY-2022-004", "--as", "checker"])
    run(["case", "reopen", "IZY-2022-004", "--reason", "new exhumation figures"])
    run(["case", "link", "IZY-2022-002", "--to", "IZY-2022-001", "--kind", "duplicate-of", "--reason", "same statement", "--as", "analyst"])
    run(["case", "unlink", "IZY-2022-002", "--to", "IZY-2022-001", "--kind", "duplicate-of", "--reason", "a separate claim"])
    run(["case", "link", "IZY-2022-005", "--to", "IZY-2022-001", "--kind", "related", "--reason", "same site"])
    run(["case", "update", "IZY-2022-003", "--restrict", "--reason", "identifiable victims"])
    let original = try custodyFile("<html>Izium exhumation, 2022-09-16</html>\n")
    let copy = try custodyFile("<html>Izium exhumation, 2022-09-16</html>\n")
    defer { for path in [original, copy] { try? FileManager.default.removeItem(atPath: path) } }
    run([
        "source", "add", "https://example.org/izium-exhumation", "--title", "Exhumation report", "--publisher", "Desk",
        "--file", original, "--collected-at", "2022-04-12T09:30:00Z", "--tool", "Hunchly 2.3", "--copy", "evidentiary",
        "--ref", "SRC-EXHUMATION", "--as", "analyst",
    ])
    run(["source", "custody", "SRC-EXHUMATION", "--event", "copied", "--file", copy, "--copy", "working", "--tool", "rsync"])
    run(["source", "custody", "SRC-EXHUMATION", "--event", "handed-over", "--to", "icc-liaison", "--note", "sealed bag 118"])
    run(["source", "verify", "SRC-EXHUMATION", "--file", original])
    let note = verity(["evidence", "add", "IZY-2022-001", "--stance", "supports", "--credibility", "3", "--note", "misread caption", "--format", "json"], environment: env)
    #expect(note.status == 0, "\(note.stderr)")
    let noteID = try #require((try note.json() as? [[String: Any]])?.first?["id"] as? Int)
    run(["evidence", "retract", "\(noteID)", "--reason", "misattributed photo"])
    return env
}

@Suite("the desk's archive: export, import into an empty desk, export again")
struct ArchiveRoundTripTests {
    func temporary() -> String {
        NSTemporaryDirectory() + "verity-archive-\(UUID().uuidString).jsonl"
    }

    @Test("a desk using every feature comes back the same: the same bytes, the same chains and head, still restricted")
    func roundTrip() throws {
        let env = try everyFeatureDesk()
        let oldHead = verity(["audit", "head"], environment: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(oldHead.count == 64)
        let oldAudit = verity(["audit", "verify", "--format", "json"], environment: env)
        #expect(oldAudit.status == 0, "\(oldAudit.stdout)")
        let file = temporary()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let exported = verity(["export", "--output", file], environment: env)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("1 restricted case(s)"))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        for table in ["case_links", "verdict_proposals", "desk_settings_history", "source_custody_events", "case_history", "record_history"] {
            #expect(text.contains(#"{"type":"archive","table":"\#(table)""#), "the archive holds \(table)")
        }

        let fresh = try TestServer.shared.makeDatabase()
        let dryRun = verity(["import", file, "--dry-run", "--database-url", fresh])
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect((try verity(["case", "list", "--format", "json", "--database-url", fresh]).json() as? [Any])?.isEmpty == true)
        let imported = verity(["import", file, "--database-url", fresh])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("Restored the archive of"))
        let again = verity(["export", "database", "--database-url", fresh])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(firstDifference(text, again.stdout) == nil, "export → import → export gives the same bytes")

        let newAudit = verity(["audit", "verify", "--expect-head", oldHead, "--database-url", fresh])
        #expect(newAudit.status == 0, "\(newAudit.stdout) \(newAudit.stderr)")
        #expect(verity(["audit", "head", "--database-url", fresh]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == oldHead)
        let shown = try json(verity(["case", "show", "IZY-2022-003", "--format", "json", "--database-url", fresh]))
        #expect(shown["restricted"] as? Bool == true)
        let custody = verity(["source", "custody", "SRC-EXHUMATION", "--format", "json", "--database-url", fresh])
        #expect(custody.stdout.contains("Hunchly 2.3") && custody.stdout.contains("2022-04-12T09:30:00Z"), "\(custody.stdout)")
        #expect(custody.stdout.contains("icc-liaison"))
        let config = try json(verity(["config", "show", "--format", "json", "--database-url", fresh]))
        #expect(config["four_eyes"] as? Bool == true)

        let twice = verity(["import", file, "--database-url", fresh])
        #expect(twice.status == 0, "\(twice.stderr)")
        #expect(twice.stdout.contains("nothing changed"), "\(twice.stdout)")
        #expect(!twice.stderr.contains("not restored"), "\(twice.stderr)")
        #expect(firstDifference(text, verity(["export", "database", "--database-url", fresh]).stdout) == nil)
    }

    @Test("--with-output-log archives the output log too, and it comes back the same")
    func withOutputLog() throws {
        let env = try everyFeatureDesk()
        #expect(verity(["report", "status"], environment: env).status == 0)
        let file = temporary()
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(verity(["export", "--with-output-log", "--output", file], environment: env).status == 0)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains(#"{"type":"archive","table":"output_log","by":"editor""#))
        #expect(try !String(contentsOfFile: file, encoding: .utf8).isEmpty)
        let fresh = try TestServer.shared.makeDatabase()
        let imported = verity(["import", file, "--database-url", fresh])
        #expect(imported.status == 0, "\(imported.stderr)")
        let again = verity(["export", "--with-output-log", "--database-url", fresh])
        #expect(firstDifference(text, again.stdout) == nil)
        let log = try #require(try verity(["report", "log", "--format", "json", "--database-url", fresh]).json() as? [[String: Any]])
        #expect(log.contains { $0["command"] as? String == "report status" })
    }

    @Test("an archive edited after export is refused with the line of the edit, and nothing is written")
    func editedArchiveRefused() throws {
        let env = try everyFeatureDesk()
        let file = temporary()
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(verity(["export", "--output", file], environment: env).status == 0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        func refused(_ edit: (String) -> String?, _ expected: String) throws {
            var edited = lines.map(String.init)
            let index = try #require(edited.firstIndex { edit($0) != nil })
            edited[index] = edit(edited[index])!
            let path = temporary()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try edited.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let fresh = try TestServer.shared.makeDatabase()
            let result = verity(["import", path, "--database-url", fresh])
            #expect(result.status != 0, "\(expected): \(result.stdout)")
            #expect(result.stderr.contains(":\(index + 1):"), "\(expected) names line \(index + 1): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
            #expect((try verity(["case", "list", "--format", "json", "--database-url", fresh]).json() as? [Any])?.isEmpty == true)
        }
        // A history row's reason changed: its hash no longer matches.
        try refused({ $0.contains(#""table":"case_history""#) && $0.contains("new exhumation figures")
                ? $0.replacingOccurrences(of: "new exhumation figures", with: "new exhumation figure") : nil },
            "the archive was edited")
        // A custody event's tool changed.
        try refused({ $0.contains(#""table":"source_custody_events""#) && $0.contains("rsync")
                ? $0.replacingOccurrences(of: "rsync", with: "rsynk") : nil },
            "the archive was edited")
        // A record after the archive that says something else than the archive.
        try refused({ $0.hasPrefix(#"{"type":"case","ref":"IZY-2022-003""#)
                ? $0.replacingOccurrences(of: #","restricted":true"#, with: "") : nil },
            "the file was edited")
    }
}
