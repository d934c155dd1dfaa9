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
        #expect(bare.status == 64, "\(bare.stdout) \(bare.stderr)")
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
        #expect(refused.status == 64, "\(refused.stderr)")
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

@Suite("search finds words of every script, next to « » quotes")
struct SearchScriptTests {
    @Test("search \"детей\" and search \"Для\" find a claim containing «Для детей»; English stems still match")
    func cyrillicNextToGuillemets() throws {
        try search(in: try deskEnvironment())
    }

    @Test("so does a desk whose database has LC_CTYPE C, where the parser takes « for a letter")
    func cLocale() throws {
        let url = try TestServer.shared.makeCLocaleDatabase()
        let env = ["VERITY_DATABASE_URL": url, "VERITY_REVIEWER": "editor"]
        #expect(verity(["reviewer", "add", "editor", "--name", "Desk editor", "--role", "editor"], environment: env).status == 0)
        try search(in: env, highlighted: false)
    }

    func search(in env: [String: String], highlighted: Bool = true) throws {
        #expect(verity(["case", "open", "Школа «Для детей» разрушена", "--claimant", "Telegram", "--ref", "MRP-001"], environment: env).status == 0)
        #expect(verity(["case", "open", "Mass graves found near Izium", "--claimant", "Reuters", "--ref", "IZY-001"], environment: env).status == 0)
        let db = try Connection(env["VERITY_DATABASE_URL"]!)
        let ctype: String = try db.query("SELECT datctype FROM pg_database WHERE datname = current_database()")[0].decode("datctype")
        for word in ["детей", "Для", "для", "ДЕТЕЙ", "разрушена"] {
            let found = verity(["search", word, "--format", "json"], environment: env)
            #expect(found.status == 0, "\(found.stderr)")
            let hits = try #require(try found.json() as? [[String: Any]], "\(found.stdout)")
            #expect(hits.compactMap { $0["ref"] as? String } == ["MRP-001"], "\(word) (lc_ctype \(ctype)): \(found.stdout)")
        }
        let stem = try #require(try verity(["search", "grave", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(stem.compactMap { $0["ref"] as? String } == ["IZY-001"])
        if highlighted {
            let table = verity(["search", "детей"], environment: env)
            #expect(table.stdout.contains("⟦детей⟧"), "\(table.stdout)")
        }
    }
}

@Suite("field limits and tags, kept by the database and named by the CLI")
struct FieldLimitTests {
    @Test("a 4 MB claim of distinct words is refused naming the field, the limit and its length; the database refuses it too")
    func hugeClaim() throws {
        let env = try deskEnvironment()
        var words: [String] = []
        var length = 0
        var n = 0
        while length < 4_000_000 {
            let word = "w\(String(n, radix: 36))"
            words.append(word)
            length += word.count + 1
            n += 1
        }
        let claim = words.joined(separator: " ")
        let opened = verity(["case", "open", claim, "--claimant", "Spammer", "--ref", "BIG-1"], environment: env)
        #expect(opened.status == 64, "\(opened.stderr.prefix(300))")
        #expect(opened.stderr.contains("claim is too long: \(FieldLimit.grouped(claim.count)) characters; the limit is 4,000 characters"),
                "\(opened.stderr.prefix(300))")
        #expect(!opened.stderr.contains("tsvector"))
        #expect(opened.stderr.count < 1_000)
        let fits = String(repeating: "x", count: 4_000)
        #expect(verity(["case", "open", fits, "--claimant", "Someone", "--ref", "FIT-1"], environment: env).status == 0)
        // Behind the CLI's back: the constraint, named, and put into words by the one translation.
        let db = try Connection(env["VERITY_DATABASE_URL"]!)
        let direct = #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("SELECT set_config('verity.actor', 'editor', true)")
                try db.query("INSERT INTO cases (claim, claimant) VALUES (\(claim), 'Spammer')")
            }
        }
        #expect(direct?.constraint == "cases_claim_length")
        let said = VerityErrorTranslation.translate(try #require(direct))
        #expect(said.message.hasPrefix("claim is too long: the limit is 4,000 characters"), "\(said.message.prefix(300))")
        let note = verity(["evidence", "add", "FIT-1", "--stance", "context", "--credibility", "3",
                           "--note", String(repeating: "n", count: 20_001)], environment: env)
        #expect(note.status == 64 && note.stderr.contains("--note is too long: 20,001 characters; the limit is 20,000 characters"), "\(note.stderr)")
    }

    @Test("the CLI's list of limits is the database's")
    func limitsMatchTheDatabase() throws {
        let db = try TestServer.shared.connect()
        let rows = try db.query(
            """
            SELECT conname::text AS name, pg_get_constraintdef(oid) AS def, convalidated FROM pg_constraint
             WHERE conname LIKE '%\\_length' AND connamespace = 'public'::regnamespace ORDER BY conname
            """)
        var found: [String: Int] = [:]
        for row in rows.rows {
            let def: String = try row.decode("def")
            let digits = def.reversed().drop { !$0.isNumber }.prefix { $0.isNumber }
            found[try row.decode("name")] = Int(String(digits.reversed()))
            #expect(try row.decode("convalidated", as: Bool.self))
        }
        #expect(found == Dictionary(uniqueKeysWithValues: FieldLimit.all.map { ($0.constraint, $0.limit) }))
    }

    @Test("tags are trimmed and lower-case, ';' and empty tags are refused, and filters match them case-insensitively")
    func tagsDefined() throws {
        let env = try deskEnvironment()
        let opened = verity(["case", "open", "c", "--claimant", "x", "--ref", "T-1", "--tag", "  Izium ", "--tag", "IZIUM",
                             "--tag", "Мариуполь", "--format", "json"], environment: env)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try json(opened)["tags"] as? [String] == ["izium", "мариуполь"])
        let semicolon = verity(["case", "open", "c", "--claimant", "x", "--tag", "a;b"], environment: env)
        #expect(semicolon.status == 64 && semicolon.stderr.contains("';'"), "\(semicolon.stderr)")
        let empty = verity(["case", "open", "c", "--claimant", "x", "--tag", "  "], environment: env)
        #expect(empty.status == 64 && empty.stderr.contains("must not be empty"), "\(empty.stderr)")
        let listed = try #require(try verity(["case", "list", "--tag", "Izium", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(listed.compactMap { $0["ref"] as? String } == ["T-1"])
        let report = verity(["report", "status", "--tag", "IZIUM", "--format", "json"], environment: env)
        #expect(report.status == 0, "\(report.stderr)")
        let untag = verity(["case", "update", "T-1", "--untag", "МАРИУПОЛЬ", "--format", "json"], environment: env)
        #expect(try json(untag)["tags"] as? [String] == ["izium"])
        // The database refuses what the CLI would not write.
        let db = try Connection(env["VERITY_DATABASE_URL"]!)
        for bad in ["Upper", " padded", "a;b", ""] {
            let refused = #expect(throws: PostgresError.self) {
                try db.transaction { db in
                    try db.query("SELECT set_config('verity.actor', 'editor', true)")
                    try db.query("INSERT INTO cases (claim, claimant, tags) VALUES ('c', 'x', ARRAY[\(bad)])")
                }
            }
            #expect(refused?.constraint == "cases_tags_defined", "\(bad)")
        }
        // An import's tags are written the same way.
        let file = NSTemporaryDirectory() + "verity-tags-\(UUID().uuidString).csv"
        try "ref,claim,claimant,tags\nT-2,c,x, Bucha ;IZIUM\nT-3,c,x,a;;b\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let imported = verity(["import", file], environment: env)
        #expect(imported.status == 64 && imported.stderr.contains(":3: tags: "), "\(imported.stderr)")
        try "ref,claim,claimant,tags\nT-2,c,x, Bucha ;IZIUM\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(verity(["import", file], environment: env).status == 0)
        #expect(try json(verity(["case", "show", "T-2", "--format", "json"], environment: env))["tags"] as? [String] == ["bucha", "izium"])
    }
}

@Suite("tables fit the width: COLUMNS, the terminal, or --wide")
struct TableWidthTests {
    static func widest(_ text: String) -> Int {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { DisplayWidthProbe.of(String($0)) }.max() ?? 0
    }

    @Test("case show and source list at COLUMNS=80 are at most 80 columns; a cut flag stays whole; --wide shows everything")
    func fitsEighty() throws {
        var env = try deskEnvironment()
        let claim = "Russian troops 🇷🇺🇷🇺🇷🇺 left mass graves near Izium, says the governor of Kharkiv oblast in a long statement "
            + String(repeating: "with many details ", count: 12)
        #expect(verity(["case", "open", claim, "--claimant", "Oleh Syniehubov, head of the Kharkiv regional military administration",
                        "--ref", "IZY-001", "--location", "Izium, Kharkiv oblast"], environment: env).status == 0)
        #expect(verity(["source", "add", "https://www.example.org/news/2022/09/16/izium-mass-graves-found-after-the-counteroffensive-" + String(repeating: "x", count: 120),
                        "--title", "Mass graves 🇷🇺🇺🇦 found near Izium after the counteroffensive, officials say, in a report with a very long title",
                        "--publisher", "Example News Agency International", "--ref", "SRC-IZY", "--case", "IZY-001"], environment: env).status == 0)
        #expect(verity(["evidence", "add", "IZY-001", "--stance", "supports", "--credibility", "2", "--source", "SRC-IZY",
                        "--note", "Satellite imagery 🇺🇦 shows fresh earthworks at the cemetery " + String(repeating: "and more ", count: 30)],
                       environment: env).status == 0)
        env["COLUMNS"] = "80"
        for command in [["case", "show", "IZY-001"], ["source", "list"], ["case", "list"], ["case", "history", "IZY-001"], ["search", "izium"]] {
            let shown = verity(command, environment: env)
            #expect(shown.status == 0, "\(command): \(shown.stderr)")
            #expect(Self.widest(shown.stdout) <= 80, "\(command):\n\(shown.stdout)")
            #expect(!shown.stdout.contains("\u{FFFD}"), "\(command): a cut character")
            #expect(shown.stdout.unicodeScalars.allSatisfy { !(0x1F1E6...0x1F1FF).contains($0.value) }
                    || shown.stdout.unicodeScalars.filter { (0x1F1E6...0x1F1FF).contains($0.value) }.count % 2 == 0,
                    "\(command): half a flag")
        }
        let list = verity(["source", "list"], environment: env).stdout
        #expect(list.contains("…"))
        let wide = verity(["source", "list", "--wide"], environment: env)
        #expect(wide.status == 0, "\(wide.stderr)")
        #expect(wide.stdout.contains("in a report with a very long title") && Self.widest(wide.stdout) > 80)
        env["COLUMNS"] = nil
        #expect(Self.widest(verity(["source", "list"], environment: env).stdout) > 80, "piped without COLUMNS: unlimited")
    }
}

/// Display width as a terminal counts it, for the test's own measuring (wide characters and emoji 2).
enum DisplayWidthProbe {
    static func of(_ text: String) -> Int {
        text.reduce(0) { total, character in
            let scalars = character.unicodeScalars
            if scalars.contains(where: { $0.properties.isEmojiPresentation || (0x1F1E6...0x1F1FF).contains($0.value) }) { return total + 2 }
            if let first = scalars.first, [.nonspacingMark, .enclosingMark, .format].contains(first.properties.generalCategory) { return total }
            return total + 1
        }
    }
}
