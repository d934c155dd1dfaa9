import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

@Suite("verity import, export and generate")
struct ImportCommandTests {
    static let seeds = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("seeds/izium-2022.jsonl").path

    /// One directory per test process for the files these tests write, removed when the process exits.
    static let directory: String = {
        let path = NSTemporaryDirectory() + "verity-cli-import-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ImportCommandTests.directory) }
        return path
    }()

    func temporary(_ text: String = "", suffix: String = ".jsonl") throws -> String {
        let path = Self.directory + "/\(UUID().uuidString)\(suffix)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the seeds load into a fresh database, case list shows the Izium cases, a second import changes nothing")
    func seeds() throws {
        let url = try TestServer.shared.makeDatabase()
        let first = verity(["import", Self.seeds, "--database-url", url])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Imported 26 records"))
        let list = verity(["case", "list", "--database-url", url, "--format", "json"])
        let cases = try #require(try list.json() as? [[String: Any]])
        #expect(cases.compactMap { $0["ref"] as? String } == (1...5).map { "IZY-2022-00\($0)" })
        #expect(cases.first?["claimant"] as? String == "Volodymyr Zelensky, President of Ukraine (interview with Reuters)")
        #expect(cases.allSatisfy { ($0["state"] as? String) != "assessed" })
        let second = verity(["import", Self.seeds, "--database-url", url])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("nothing changed"))
        let history = verity(["case", "history", "IZY-2022-001", "--database-url", url, "--format", "json"])
        // open, link-source x2, assign, add-evidence x2, dispute
        #expect((try history.json() as? [Any])?.count == 7)
    }

    @Test("invalid input exits 64 with FILE:LINE: field: problem; a refused transition exits 65")
    func exitCodes() throws {
        let url = try TestServer.shared.makeDatabase()
        let bad = try temporary(
            """
            {"type":"reviewer","handle":"editor","name":"Editor","role":"editor"}
            {"type":"case","ref":"X-1","claimant":"Someone"}
            not json
            """)
        let invalid = verity(["import", bad, "--database-url", url, "--as", "editor"])
        #expect(invalid.status == 64)
        #expect(invalid.stderr.contains("\(bad):2: claim: is required"))
        #expect(invalid.stderr.contains("\(bad):3: json: "))
        #expect(invalid.stderr.contains("nothing was written"))
        let refused = try temporary(
            """
            {"type":"reviewer","handle":"editor","name":"Editor","role":"editor"}
            {"type":"case","ref":"X-1","claim":"c","claimant":"Someone"}
            {"type":"transition","case":"X-1","to":"disputed","at":"2024-01-01T00:00:00Z"}
            """)
        let rule = verity(["import", refused, "--database-url", url, "--as", "editor"])
        #expect(rule.status == 65, "\(rule.stderr)")
        #expect(rule.stderr.contains("\(refused):3: reason: "))
        let list = verity(["case", "list", "--database-url", url, "--format", "json"])
        #expect((try list.json() as? [Any])?.isEmpty == true)
    }

    @Test("--dry-run prints the counts and writes nothing")
    func dryRun() throws {
        let url = try TestServer.shared.makeDatabase()
        let result = verity(["import", Self.seeds, "--dry-run", "--database-url", url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("case        5        0        0"))
        #expect(result.stdout.contains("nothing was written"))
        let list = verity(["case", "list", "--database-url", url, "--format", "json"])
        #expect((try list.json() as? [Any])?.isEmpty == true)
    }

    @Test("a dry run leaves no trace: the real import after it numbers cases, sources and notes from 1")
    func dryRunDrawsNoIds() throws {
        let url = try TestServer.shared.makeDatabase()
        for _ in 0..<2 {
            let dry = verity(["import", Self.seeds, "--dry-run", "--database-url", url])
            #expect(dry.status == 0, "\(dry.stderr)")
        }
        let real = verity(["import", Self.seeds, "--database-url", url])
        #expect(real.status == 0, "\(real.stderr)")
        let list = verity(["case", "list", "--database-url", url, "--format", "json"])
        let cases = try #require(try list.json() as? [[String: Any]])
        #expect(cases.compactMap { $0["id"] as? Int }.sorted() == Array(1...5))
        let db = try Connection(url)
        let firsts = try db.query(
            "SELECT (SELECT min(id) FROM sources) AS s, (SELECT min(id) FROM evidence_notes) AS e, (SELECT min(id) FROM case_history) AS h")[0]
        #expect(try firsts.decode("s", as: Int.self) == 1)
        #expect(try firsts.decode("e", as: Int.self) == 1)
        #expect(try firsts.decode("h", as: Int.self) == 1)
        // Only an import may make the sequences transactional (it blocks other writers' ids).
        #expect(throws: PostgresError.self) { try db.query("SELECT verity_import_dry_run()") }
    }

    @Test("CSV import by file extension; assessed is refused with its line")
    func csv() throws {
        let url = try TestServer.shared.makeDatabase()
        _ = verity(["reviewer", "add", "editor", "--name", "Editor", "--role", "editor", "--database-url", url])
        let good = try temporary("ref,claim,claimant,tags,state\nC-1,Claim one,Someone,a;b,disputed\n", suffix: ".csv")
        let ok = verity(["import", good, "--database-url", url, "--as", "editor"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let shown = verity(["case", "show", "C-1", "--database-url", url, "--format", "json"])
        let object = try #require(try shown.json() as? [String: Any])
        #expect(object["state"] as? String == "disputed")
        #expect(object["tags"] as? [String] == ["a", "b"])
        let bad = try temporary("ref,claim,claimant,state\nC-2,Claim two,Someone,assessed\n", suffix: ".csv")
        let refused = verity(["import", bad, "--database-url", url, "--as", "editor"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("\(bad):2: state: assessed cannot be reached from CSV"))
    }

    @Test("a CSV saved as Excel's \"CSV UTF-8\" (byte-order mark, CRLF) imports; an invisible character in a header is named")
    func csvWithByteOrderMark() throws {
        let url = try TestServer.shared.makeDatabase()
        _ = verity(["reviewer", "add", "editor", "--name", "Editor", "--role", "editor", "--database-url", url])
        let excel = try temporary("\u{FEFF}ref,claim,claimant\r\nC-1,Для детей,Someone\r\n", suffix: ".csv")
        let ok = verity(["import", excel, "--database-url", url, "--as", "editor"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let shown = verity(["case", "show", "C-1", "--database-url", url, "--format", "json"])
        #expect((try shown.json() as? [String: Any])?["claim"] as? String == "Для детей")
        let hidden = try temporary("ref,cla\u{200B}im,claimant\nC-2,Claim,Someone\n", suffix: ".csv")
        let refused = verity(["import", hidden, "--database-url", url, "--as", "editor"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains(#"unknown column "cla\u{200b}im""#), "\(refused.stderr)")
        let jsonl = try temporary("\u{FEFF}{\"type\":\"case\",\"ref\":\"C-3\",\"claim\":\"c\",\"claimant\":\"s\"}\n")
        let line = verity(["import", jsonl, "--database-url", url, "--as", "editor"])
        #expect(line.status == 0, "\(line.stderr)")
        #expect(line.stdout.contains("Imported 1 record from"), "\(line.stdout)")
    }

    @Test("verity export (the default subcommand) round-trips through an empty database byte for byte")
    func exportRoundTrip() throws {
        let url = try TestServer.shared.makeDatabase()
        let generated = try temporary()
        #expect(verity(["generate", "--cases", "60", "--seed", "3", "--output", generated]).status == 0)
        #expect(verity(["import", Self.seeds, "--database-url", url]).status == 0)
        let imported = verity(["import", generated, "--database-url", url])
        #expect(imported.status == 0, "\(imported.stderr)")
        let first = try temporary()
        let exported = verity(["export", "--output", first, "--database-url", url])
        #expect(exported.status == 0, "\(exported.stderr)")
        let other = try TestServer.shared.makeDatabase()
        let reimported = verity(["import", first, "--database-url", other])
        #expect(reimported.status == 0, "\(reimported.stderr)")
        let second = verity(["export", "database", "--database-url", other])
        #expect(second.status == 0)
        #expect(try String(contentsOfFile: first, encoding: .utf8) == second.stdout)
    }

    @Test("verity generate is deterministic: the same seed gives the same bytes")
    func generate() throws {
        let one = verity(["generate", "--cases", "50", "--seed", "11"])
        let two = verity(["generate", "--cases", "50", "--seed", "11"])
        let three = verity(["generate", "--cases", "50", "--seed", "12"])
        #expect(one.status == 0)
        #expect(one.stdout == two.stdout)
        #expect(one.stdout != three.stdout)
        #expect(one.stdout.split(separator: "\n").filter { $0.contains(#""type":"case""#) }.count == 50)
        #expect(verity(["generate", "--cases", "0"]).status == 64)
    }

    @Test("a restricted case stays restricted through export and import, with its reason; the export warns")
    func restrictionRoundTrip() throws {
        let url = try TestServer.shared.makeDatabase()
        #expect(verity(["import", Self.seeds, "--database-url", url]).status == 0)
        let restrict = verity([
            "case", "update", "IZY-2022-003", "--restrict", "--reason", "identifiable victims",
            "--as", "editor", "--database-url", url,
        ])
        #expect(restrict.status == 0, "\(restrict.stderr)")
        let file = try temporary()
        let exported = verity(["export", "--output", file, "--database-url", url])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("warning: the export holds 1 restricted case(s)"))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains(#""ref":"IZY-2022-003""#) })
        #expect(line.contains(#""restricted":true,"restriction_reason":"identifiable victims""#))
        #expect(text.split(separator: "\n").filter { !$0.hasPrefix(#"{"type":"archive""#) && $0.contains(#""restricted""#) }.count == 1)
        #expect(text.contains(#""restricted": true"#), "the archive's row of the case is restricted too")

        let other = try TestServer.shared.makeDatabase()
        let imported = verity(["import", file, "--database-url", other])
        #expect(imported.status == 0, "\(imported.stderr)")
        let shown = try #require(
            try verity(["case", "show", "IZY-2022-003", "--format", "json", "--database-url", other]).json() as? [String: Any])
        #expect(shown["restricted"] as? Bool == true)
        let history = verity(["case", "history", "IZY-2022-003", "--format", "json", "--database-url", other])
        #expect(history.stdout.contains("identifiable victims"))
        // The new desk exports the same bytes, and importing the file again changes nothing.
        #expect(verity(["export", "database", "--database-url", other]).stdout == text)
        let historyBefore = history.stdout
        #expect(verity(["import", file, "--database-url", other]).status == 0)
        #expect(verity(["case", "history", "IZY-2022-003", "--format", "json", "--database-url", other]).stdout
            == historyBefore)
        // An import restricts, never lifts: a file without the mark leaves the restriction in place.
        let plain = try temporary(text.replacingOccurrences(of: #","restricted":true,"restriction_reason":"identifiable victims""#, with: ""))
        #expect(verity(["import", plain, "--database-url", other]).status == 0)
        let still = try #require(
            try verity(["case", "show", "IZY-2022-003", "--format", "json", "--database-url", other]).json() as? [String: Any])
        #expect(still["restricted"] as? Bool == true)
    }

    @Test("time order is a rule: a record before its case's opening, or out of order, is refused with its line")
    func timeOrderRefused() throws {
        let url = try TestServer.shared.makeDatabase()
        let reviewer = #"{"type":"reviewer","handle":"editor","name":"Editor","role":"editor"}"#
        let early = try temporary([
            reviewer,
            #"{"type":"case","ref":"T-1","claim":"c","claimant":"x","by":"editor","at":"2022-04-05T09:00:00Z"}"#,
            #"{"type":"transition","case":"T-1","to":"disputed","reason":"r","by":"editor","at":"2022-04-03T10:00:00Z"}"#,
        ].joined(separator: "\n") + "\n")
        let refused = verity(["import", early, "--database-url", url])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains(
            "\(early):3: at: 2022-04-03T10:00:00Z is before case T-1 was opened (2022-04-05T09:00:00Z)"), "\(refused.stderr)")
        let shuffled = try temporary([
            reviewer,
            #"{"type":"case","ref":"T-2","claim":"c","claimant":"x","by":"editor","at":"2022-04-01T09:00:00Z"}"#,
            #"{"type":"transition","case":"T-2","to":"evidence-pending","by":"editor","at":"2022-04-06T10:00:00Z"}"#,
            #"{"type":"transition","case":"T-2","to":"disputed","reason":"r","by":"editor","at":"2022-04-04T10:00:00Z"}"#,
        ].joined(separator: "\n") + "\n")
        let outOfOrder = verity(["import", shuffled, "--database-url", url])
        #expect(outOfOrder.status == 64)
        #expect(outOfOrder.stderr.contains(
            "\(shuffled):4: at: 2022-04-04T10:00:00Z is before the transition on line 3 (2022-04-06T10:00:00Z)"),
            "\(outOfOrder.stderr)")
        // Nothing was written by either refused file.
        #expect(try ImportCommandTests.caseCount(url) == 0)
    }

    @Test("a case without `at` opens at the time its records need, so --as-of reports see its history")
    func undatedCaseOpensWhenItsRecordsNeed() throws {
        let url = try TestServer.shared.makeDatabase()
        let file = try temporary([
            #"{"type":"reviewer","handle":"editor","name":"Editor","role":"editor"}"#,
            #"{"type":"case","ref":"MRP-1","claim":"c","claimant":"x","by":"editor"}"#,
            #"{"type":"transition","case":"MRP-1","to":"disputed","reason":"denied","by":"editor","at":"2022-04-03T10:00:00Z"}"#,
        ].joined(separator: "\n") + "\n")
        let imported = verity(["import", file, "--database-url", url])
        #expect(imported.status == 0, "\(imported.stderr)")
        let history = try #require(
            try verity(["case", "history", "MRP-1", "--format", "json", "--database-url", url]).json() as? [[String: Any]])
        #expect(history.first?["action"] as? String == "open")
        #expect((history.first?["at"] as? String)?.hasPrefix("2022-04-03T10:00:00") == true, "\(history)")
        let report = verity(["report", "status", "--as-of", "2022-04-04", "--format", "json", "--database-url", url])
        #expect(report.status == 0, "\(report.stderr)")
        let object = try #require(try report.json() as? [String: Any])
        let aging = try #require(object["aging"] as? [[String: Any]])
        #expect(aging.first { $0["state"] as? String == "disputed" }?["count"] as? Int == 1, "\(report.stdout)")
    }

    static func caseCount(_ url: String) throws -> Int {
        try Connection(url).query("SELECT count(*)::bigint AS n FROM cases")[0].decode("n")
    }
}
