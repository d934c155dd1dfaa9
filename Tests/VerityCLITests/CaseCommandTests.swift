import Foundation
import PostgresClient
import Testing
import VerityTestSupport

/// A migrated database with an editor and an analyst, and the environment to reach it as the editor.
func deskEnvironment() throws -> [String: String] {
    let url = try TestServer.shared.makeDatabase()
    let env = ["VERITY_DATABASE_URL": url, "VERITY_REVIEWER": "editor"]
    #expect(verity(["reviewer", "add", "editor", "--name", "Desk editor", "--role", "editor"], environment: env).status == 0)
    #expect(verity(["reviewer", "add", "analyst", "--name", "OSINT analyst"], environment: env).status == 0)
    return env
}

func json(_ result: CLIResult) throws -> [String: Any] {
    try #require(try result.json() as? [String: Any], "stdout was not a JSON object: \(result.stdout) \(result.stderr)")
}

@Suite("verity case, source, evidence and search, end to end")
struct CaseCommandTests {
    @Test("a reviewer works the Izium claim from open to assessed and reopened")
    func izium() throws {
        let env = try deskEnvironment()
        let opened = verity([
            "case", "open", "As of today, there are 450 dead people", "--claimant", "Volodymyr Zelensky",
            "--claimed-at", "2022-09-16", "--location", "Izium", "--tag", "izium", "--tag", "mass-graves",
            "--priority", "high", "--due", "2022-10-01", "--ref", "IZY-001", "--format", "json",
        ], environment: env)
        #expect(opened.status == 0, "\(opened.stderr)")
        let id = try #require(try json(opened)["id"] as? Int)
        #expect(try json(opened)["state"] as? String == "claimed")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("izium-\(UUID().uuidString).txt")
        try Data("Forensic technicians operate at the site of a mass grave".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let source = verity([
            "source", "add", "https://www.rt.com/russia/562933-kremlin-izyum-mass-graves/", "--title", "Kremlin denies",
            "--publisher", "RT", "--published-at", "2022-09-19", "--reliability", "E", "--file", file.path,
            "--case", "IZY-001", "--format", "json",
        ], environment: env)
        #expect(source.status == 0, "\(source.stderr)")
        let sourceObject = try json(source)
        #expect(sourceObject["file_sha256"] as? String == Self.sha256sum(file.path))
        let sourceID = try #require(sourceObject["id"] as? Int)

        #expect(verity(["case", "dispute", "IZY-001", "--reason", "Peskov: It's a lie", "--source", "\(sourceID)"], environment: env).status == 0)
        #expect(verity(["case", "move", "IZY-001", "--to", "evidence-pending"], environment: env).status == 0)
        let evidence = verity([
            "evidence", "add", "IZY-001", "--stance", "supports", "--credibility", "2", "--source", "\(sourceID)",
            "--note", "AFP photo of forensic technicians at a mass grave", "--format", "json",
        ], environment: env)
        #expect(evidence.status == 0, "\(evidence.stderr)")
        let note = try #require(try evidence.json() as? [[String: Any]]).first
        #expect(note?["grade"] as? String == "E2")
        #expect(verity(["case", "assign", "IZY-001", "--to", "analyst", "--lead"], environment: env).status == 0)
        let assessed = verity([
            "case", "assess", "IZY-001", "--verdict", "mostly-true", "--confidence", "3",
            "--rationale", "Exhumations are documented by AFP", "--as", "analyst", "--format", "json",
        ], environment: env)
        #expect(assessed.status == 0, "\(assessed.stderr)")
        #expect(try json(assessed)["verdict"] as? String == "mostly-true")
        #expect(try json(assessed)["assessed_by"] as? String == "analyst")
        #expect(verity(["case", "reopen", "IZY-001", "--reason", "new figures"], environment: env).status == 0)

        let shown = try json(verity(["case", "show", "\(id)", "--format", "json"], environment: env))
        for field in ["id", "ref", "claim", "claimant", "state", "priority", "verdict", "confidence", "reviewers", "sources", "evidence", "history"] {
            #expect(shown.keys.contains(field), "case show JSON lacks \(field)")
        }
        #expect(shown["state"] as? String == "evidence-pending")
        #expect(shown["reviewers"] as? [String] == ["analyst"])
        #expect((shown["sources"] as? [Any])?.count == 1)
        let actions = (shown["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
        #expect(actions == ["open", "link-source", "dispute", "move", "add-evidence", "assign", "assess", "reopen"])

        let history = verity(["case", "history", "IZY-001"], environment: env)
        #expect(history.stdout.contains("Peskov: It's a lie"))
        #expect(history.stdout.contains("new figures"))
    }

    @Test("case list filters by state, reviewer, tag, overdue and unassigned, and limits")
    func listFilters() throws {
        let env = try deskEnvironment()
        for (ref, tag, due) in [("A-1", "izium", "2000-01-01"), ("A-2", "bucha", "2999-01-01"), ("A-3", "izium", "2999-01-01")] {
            #expect(verity(["case", "open", "claim \(ref)", "--claimant", "c", "--ref", ref, "--tag", tag, "--due", due], environment: env).status == 0)
        }
        #expect(verity(["case", "assign", "A-2", "--to", "analyst"], environment: env).status == 0)
        #expect(verity(["case", "move", "A-3", "--to", "evidence-pending"], environment: env).status == 0)
        func refs(_ arguments: [String]) throws -> [String] {
            let result = verity(["case", "list", "--format", "json"] + arguments, environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try result.json() as? [[String: Any]]).compactMap { $0["ref"] as? String }
        }
        #expect(try refs([]) == ["A-1", "A-2", "A-3"])
        #expect(try refs(["--state", "evidence-pending"]) == ["A-3"])
        #expect(try refs(["--reviewer", "analyst"]) == ["A-2"])
        #expect(try refs(["--tag", "izium"]) == ["A-1", "A-3"])
        #expect(try refs(["--overdue"]) == ["A-1"])
        #expect(try refs(["--unassigned"]) == ["A-1", "A-3"])
        #expect(try refs(["--limit", "2"]) == ["A-1", "A-2"])
        let listed = try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(listed.first?["history"] == nil && listed.first?["sources"] == nil)
        let csv = verity(["case", "list", "--format", "csv"], environment: env)
        #expect(csv.stdout.hasPrefix("id,ref,claim,claimant"))
        #expect(verity(["case", "list"], environment: env).stdout.contains("3 cases"))
    }

    @Test("case update changes fields and tags and records what changed")
    func update() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "c", "--claimant", "x", "--ref", "U-1", "--tag", "old"], environment: env).status == 0)
        let updated = verity([
            "case", "update", "U-1", "--priority", "urgent", "--due", "2030-01-31", "--tag", "new", "--untag", "old",
            "--claim", "corrected wording", "--reason", "mistranscribed", "--format", "json",
        ], environment: env)
        #expect(updated.status == 0, "\(updated.stderr)")
        let object = try json(updated)
        #expect(object["priority"] as? String == "urgent")
        #expect(object["tags"] as? [String] == ["new"])
        #expect(object["claim"] as? String == "corrected wording")
        #expect(object["due"] as? String == "2030-01-31")
        let history = try #require(try verity(["case", "history", "U-1", "--format", "json"], environment: env).json() as? [[String: Any]])
        let details = try #require(history.last?["details"] as? [String: Any])
        #expect(Set(details.keys) == ["claim", "due", "priority", "tags"])
        let nothing = verity(["case", "update", "U-1"], environment: env)
        #expect(nothing.status == 64)
    }

    @Test("assign, unassign and reviewer deactivation")
    func assignments() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "c", "--claimant", "x", "--ref", "S-1"], environment: env).status == 0)
        #expect(verity(["case", "assign", "S-1", "--to", "analyst"], environment: env).status == 0)
        #expect(verity(["case", "assign", "S-1", "--to", "editor", "--lead"], environment: env).status == 0)
        let shown = try json(verity(["case", "show", "S-1", "--format", "json"], environment: env))
        #expect(shown["reviewers"] as? [String] == ["editor", "analyst"])
        #expect(shown["lead"] as? String == "editor")
        #expect(verity(["case", "unassign", "S-1", "--from", "analyst"], environment: env).status == 0)
        let again = verity(["case", "unassign", "S-1", "--from", "analyst"], environment: env)
        #expect(again.status == 66)
        #expect(again.stderr.contains("not assigned"))
        #expect(verity(["reviewer", "deactivate", "analyst"], environment: env).status == 0)
        let refused = verity(["case", "assign", "S-1", "--to", "analyst"], environment: env)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("deactivated"))
        let acting = verity(["case", "update", "S-1", "--priority", "low", "--as", "analyst"], environment: env)
        #expect(acting.status == 65)
        let reviewers = try #require(try verity(["reviewer", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(reviewers.first { $0["handle"] as? String == "analyst" }?["active"] as? Bool == false)
    }

    @Test("evidence is listed with grades and retracted with a reason, never deleted")
    func evidenceLifecycle() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "c", "--claimant", "x", "--ref", "E-1"], environment: env).status == 0)
        let added = verity(["evidence", "add", "E-1", "--stance", "refutes", "--credibility", "5", "--note", "denial", "--format", "json"], environment: env)
        let noteID = try #require((try added.json() as? [[String: Any]])?.first?["id"] as? Int)
        #expect(verity(["evidence", "retract", "\(noteID)"], environment: env).status == 64)
        #expect(verity(["evidence", "retract", "\(noteID)", "--reason", "misattributed"], environment: env).status == 0)
        let twice = verity(["evidence", "retract", "\(noteID)", "--reason", "again"], environment: env)
        #expect(twice.status == 65)
        let notes = try #require(try verity(["evidence", "list", "E-1", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(notes.count == 1)
        #expect(notes[0]["retraction_reason"] as? String == "misattributed")
        #expect(notes[0]["grade"] as? String == "-5")
        let badGrade = verity(["evidence", "add", "E-1", "--stance", "supports", "--credibility", "7", "--note", "n"], environment: env)
        #expect(badGrade.status == 64)
        #expect(badGrade.stderr.contains("1 to 6"))
    }

    @Test("search finds claims, sources and notes by meaning of words, best first")
    func search() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "Bodies exhumed with their hands tied behind their backs", "--claimant", "Oleg Sinegubov", "--ref", "IZY-003"], environment: env).status == 0)
        #expect(verity(["case", "open", "Unrelated claim about grain exports", "--claimant", "Someone"], environment: env).status == 0)
        #expect(verity(["evidence", "add", "IZY-003", "--stance", "context", "--credibility", "3", "--note", "Governor told journalists about exhumations"], environment: env).status == 0)
        // English stemming: "exhumed" in the claim and "exhumations" in the note both match.
        let hits = try #require(try verity(["search", "exhumed", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(hits.contains { $0["kind"] as? String == "case" && $0["id"] as? Int == 1 })
        #expect(hits.contains { $0["kind"] as? String == "evidence" && $0["case_id"] as? Int == 1 })
        let both = try #require(try verity(["search", "exhume hands", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(both.map { $0["kind"] as? String } == ["case"], "all words must match")
        #expect(!hits.contains { ($0["snippet"] as? String)?.contains("grain") == true })
        #expect(verity(["search", "sinegubov"], environment: env).stdout.contains("Sinegubov"))
        // Hits are named by reference, a case hit's title is its claim, a note hit's names its case.
        let named = try #require(hits.first { $0["kind"] as? String == "case" })
        #expect(named["ref"] as? String == "IZY-003")
        #expect(named["title"] as? String == "Bodies exhumed with their hands tied behind their backs")
        let note = try #require(hits.first { $0["kind"] as? String == "evidence" })
        #expect(note["ref"] as? String == "IZY-003")
        #expect(note["title"] as? String == "context note on IZY-003")
        let snippet = try #require(named["snippet"] as? String)
        let match = try #require((named["matches"] as? [[Int]])?.first)
        #expect(String(Array(snippet)[match[0]..<match[1]]) == "exhumed")
        #expect(verity(["search", "exhumed"], environment: env).stdout.contains("⟦exhumed⟧ with their"))
    }

    @Test("tables give times to the second; JSON keeps every digit")
    func tableTimes() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "claim", "--claimant", "x", "--ref", "T-1"], environment: env).status == 0)
        let table = verity(["case", "history", "T-1"], environment: env).stdout
        #expect(table.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, options: .regularExpression) != nil, "\(table)")
        #expect(table.range(of: #":\d\d\.\d+Z"#, options: .regularExpression) == nil, "\(table)")
        let json = try #require(try verity(["case", "history", "T-1", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect((json.first?["at"] as? String)?.contains(".") == true, "JSON keeps the microseconds")
    }

    @Test("search finds words in any script, next to « » quotes, and marks matches so that they cannot be confused with them")
    func searchOtherScripts() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "Сказали «Для детей» на видео", "--claimant", "Канал", "--ref", "RU-1"], environment: env).status == 0)
        for word in ["детей", "Для", "для"] {
            let hits = try #require(try verity(["search", word, "--format", "json"], environment: env).json() as? [[String: Any]])
            #expect(hits.map { $0["ref"] as? String } == ["RU-1"], "\(word)")
        }
        let table = verity(["search", "детей"], environment: env).stdout
        #expect(table.contains("«Для ⟦детей⟧»"), "\(table)")
        #expect(!table.contains("«Для «детей»»"), "the old markers were guillemets too")
    }

    @Test("hostile text in every field round-trips exactly")
    func hostileText() throws {
        let env = try deskEnvironment()
        let hostile = "Robert'); DROP TABLE cases;-- \"quoted\" \\ back;slash\nnew line \u{202E}rtl\u{202C} 🧪 " + String(repeating: "x", count: 300)
        // As long as the tightest of the fields it goes into allows (FieldLimit); a tag is lower-case and has no ';'.
        let tag = "robert') drop table cases-- \"quoted\" \\ back slash \u{202E}rtl\u{202C} 🧪"
        let opened = verity(["case", "open", hostile, "--claimant", hostile, "--location", hostile, "--tag", tag, "--format", "json"], environment: env)
        #expect(opened.status == 0, "\(opened.stderr.prefix(300))")
        let object = try json(opened)
        #expect(object["claim"] as? String == hostile)
        #expect(object["claimant"] as? String == hostile)
        #expect(object["tags"] as? [String] == [tag])
        let id = try #require(object["id"] as? Int)
        #expect(verity(["case", "dispute", "\(id)", "--reason", hostile], environment: env).status == 0)
        let history = try #require(try verity(["case", "history", "\(id)", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(history.last?["reason"] as? String == hostile)
        #expect(verity(["case", "list"], environment: env).status == 0)
    }

    @Test("refusals are clear and carry distinct exit codes")
    func refusals() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "c", "--claimant", "x", "--ref", "R-1"], environment: env).status == 0)
        let duplicate = verity(["case", "open", "c", "--claimant", "x", "--ref", "R-1"], environment: env)
        #expect(duplicate.status == 64 && duplicate.stderr.contains("already exists"))
        let missing = verity(["case", "show", "R-404"], environment: env)
        #expect(missing.status == 66 && missing.stderr.contains("no case R-404"))
        let invalid = verity(["case", "move", "R-1", "--to", "claimed"], environment: env)
        #expect(invalid.status == 65 && invalid.stderr.contains("already claimed"))
        let skip = verity(["case", "assess", "R-1", "--verdict", "true", "--confidence", "1", "--rationale", "r"], environment: env)
        #expect(skip.status == 65 && skip.stderr.contains("allowed from claimed: disputed, evidence-pending"))
        var anonymous = env
        anonymous["VERITY_REVIEWER"] = nil
        let nobody = verity(["case", "open", "c", "--claimant", "x"], environment: anonymous)
        #expect(nobody.status == 64 && nobody.stderr.contains("--as HANDLE"))
        let stranger = verity(["case", "open", "c", "--claimant", "x", "--as", "ghost"], environment: env)
        #expect(stranger.status == 66 && stranger.stderr.contains("unknown reviewer \"ghost\""))
        let badDate = verity(["case", "open", "c", "--claimant", "x", "--claimed-at", "16/09/2022"], environment: env)
        #expect(badDate.status == 64 && badDate.stderr.contains("--claimed-at"))
        let badURL = verity(["source", "add", "not a url", "--title", "t", "--publisher", "p"], environment: env)
        #expect(badURL.status == 64 && badURL.stderr.contains("is not a URL"))
        let down = verity(["case", "list", "--database-url", "postgresql:///x?host=/tmp/verity-nowhere"], environment: env)
        #expect(down.status == 69)
    }

    @Test("a refused command writes nothing, not even its first half")
    func atomicity() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "c", "--claimant", "x", "--ref", "T-1"], environment: env).status == 0)
        #expect(verity(["source", "add", "https://example.org/a", "--title", "t", "--publisher", "p"], environment: env).status == 0)
        // A dispute that cites a source links it; a refused dispute must leave no link behind.
        #expect(verity(["case", "move", "T-1", "--to", "evidence-pending"], environment: env).status == 0)
        #expect(verity(["case", "dispute", "T-1", "--reason", "r"], environment: env).status == 0)
        let refused = verity(["case", "dispute", "T-1", "--reason", "again", "--source", "1"], environment: env)
        #expect(refused.status == 65)
        let shown = try json(verity(["case", "show", "T-1", "--format", "json"], environment: env))
        #expect((shown["sources"] as? [Any])?.isEmpty == true, "the source link must be rolled back with the refused dispute")
        let badLink = verity(["source", "add", "https://example.org/b", "--title", "t", "--publisher", "p", "--case", "T-1", "--case", "NOPE"], environment: env)
        #expect(badLink.status == 66)
        let sources = try #require(try verity(["source", "list", "--format", "json"], environment: env).json() as? [Any])
        #expect(sources.count == 1)
    }

    @Test("two reviewers changing one case at once: the loser exits 75 with a clear message")
    func conflictExitCode() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "c", "--claimant", "x", "--ref", "C-1"], environment: env).status == 0)
        let statuses = OutputBuffer()
        let group = DispatchGroup()
        for _ in 0..<6 {
            group.enter()
            DispatchQueue.global().async {
                let result = verity(["case", "move", "C-1", "--to", "evidence-pending"], environment: env)
                statuses.append("\(result.status)|\(result.stderr.replacingOccurrences(of: "\n", with: " "))\n")
                group.leave()
            }
        }
        group.wait()
        let lines = statuses.text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("0|") }.count == 1)
        for line in lines where !line.hasPrefix("0|") {
            #expect(line.hasPrefix("75|") || line.hasPrefix("65|"), "\(line)")
            #expect(line.contains("was changed by editor") || line.contains("already evidence-pending"), "\(line)")
        }
    }

    static func sha256sum(_ path: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return output.split(separator: " ").first.map(String.init)
    }
}

@Suite("assessment after a retraction")
struct RetractedEvidenceTests {
    @Test("a case whose only note was retracted is refused with 'no current evidence notes (1 retracted)', by Verity and the database")
    func retractedNoteNamed() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "A claim", "--claimant", "X", "--ref", "RET-1"], environment: env).status == 0)
        #expect(verity(["case", "move", "RET-1", "--to", "evidence-pending"], environment: env).status == 0)
        #expect(verity(["evidence", "add", "RET-1", "--stance", "refutes", "--credibility", "2", "--note", "n"],
                       environment: env).status == 0)
        #expect(verity(["evidence", "retract", "1", "--reason", "wrong video"], environment: env).status == 0)
        let refused = verity(["case", "assess", "RET-1", "--verdict", "false", "--confidence", "2", "--rationale", "r"],
                             environment: env)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains(
            "case 1 (RET-1) has no current evidence notes (1 retracted); an assessment must rest on at least one"),
            "\(refused.stderr)")
        // The database says the same to hand-written SQL.
        let db = try Connection(try #require(env["VERITY_DATABASE_URL"]))
        let error = #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("SELECT set_config('verity.actor', 'editor', true)")
                try db.query("UPDATE cases SET state = 'assessed', verdict = 'false', confidence = 2, rationale = 'r' WHERE id = 1")
            }
        }
        #expect(error?.message == "case 1 has no current evidence notes (1 retracted); an assessment must rest on at least one")
    }
}
