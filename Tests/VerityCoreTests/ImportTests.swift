import Foundation
import PostgresClient
import Testing
@testable import VerityCore
import VerityTestSupport

/// Helpers shared by the import tests: temporary files and table counts.
enum ImportFixture {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var seedPath: String { repository.appendingPathComponent("seeds/izium-2022.jsonl").path }

    /// One directory per test process for the files below, removed when the process exits.
    static let directory: String = {
        let path = NSTemporaryDirectory() + "verity-import-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ImportFixture.directory) }
        return path
    }()

    static func file(_ text: String, suffix: String = ".jsonl") throws -> String {
        let path = directory + "/\(UUID().uuidString)\(suffix)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func lines(_ records: [String]) throws -> String { try file(records.joined(separator: "\n") + "\n") }

    static func importFile(
        _ db: Connection, _ path: String, format: ImportFormat = .jsonl, actor: String? = "editor", dryRun: Bool = false
    ) throws -> ImportSummary {
        try Importer(connection: db).run(try LineReader(path: path), format: format, actor: actor, dryRun: dryRun)
    }

    /// Rows in every table an import writes, to prove that nothing was written.
    static func counts(_ db: Connection) throws -> [Int] {
        let row = try db.query(
            """
            SELECT (SELECT count(*) FROM reviewers) AS a, (SELECT count(*) FROM cases) AS b,
                   (SELECT count(*) FROM sources) AS c, (SELECT count(*) FROM case_sources) AS d,
                   (SELECT count(*) FROM case_assignments) AS e, (SELECT count(*) FROM evidence_notes) AS f,
                   (SELECT count(*) FROM case_history) AS g,
                   (SELECT coalesce(sum(version), 0)::bigint FROM cases) AS h
            """)[0]
        return try ["a", "b", "c", "d", "e", "f", "g", "h"].map { try row.decode($0, as: Int.self) }
    }

    /// The export of `db`; `withArchive: false` for the records alone, to compare two desks
    /// that hold the same records written at different times (the archive carries ids and
    /// the record chains' write times, which differ between them by design).
    static func export(_ db: Connection, withArchive: Bool = true) throws -> String {
        var text = ""
        var exporter = Exporter(connection: db)
        exporter.withArchive = withArchive
        try exporter.run(to: ChunkedOutput(chunkSize: 1000) { text += $0 })
        return text
    }

    static func generated(cases: Int, seed: UInt64) throws -> String {
        var text = ""
        try DatasetGenerator(cases: cases, seed: seed).write(to: ChunkedOutput { text += $0 })
        return text
    }

    static let desk = [
        #"{"type":"reviewer","handle":"editor","name":"Desk editor","role":"editor"}"#,
        #"{"type":"reviewer","handle":"analyst","name":"Desk analyst"}"#,
        #"{"type":"case","ref":"T-1","claim":"A bridge was destroyed","claimant":"Governor","at":"2024-01-01T10:00:00Z"}"#,
    ]
}

@Suite("JSON, CSV and line reading for import")
struct ImportParsingTests {
    @Test("the JSON parser reads objects, escapes and numbers exactly")
    func parsesJSON() throws {
        let value = try JSONLineParser.parse(#"{"a":"x\"\u00e9\ud83d\ude00","b":[1,-2.5e3,true,null],"c":{}}"#)
        #expect(value == .object([
            ("a", .string("x\"é😀")),
            ("b", .array([.number("1"), .number("-2.5e3"), .bool(true), .null])),
            ("c", .object([])),
        ]))
    }

    @Test("the JSON parser refuses bad text with the column where it stops", arguments: [
        (#"{"a":}"#, 6), (#"{"a":1,}"#, 8), (#"{"a":01}"#, 6), (#"{"a":"x"} x"#, 11), (#"{"a":"\q"}"#, 9),
        ("{\"a\":\"\u{01}\"}", 7), (#"{"a":"\ud800"}"#, 13), ("[" + String(repeating: "[", count: 100), 65),
    ])
    func refusesJSON(text: String, column: Int) throws {
        #expect(throws: JSONLineParser.Failure.self) { try JSONLineParser.parse(text) }
        do {
            _ = try JSONLineParser.parse(text)
        } catch let error as JSONLineParser.Failure {
            #expect(error.column == column, "\(text): \(error.problem)")
        }
    }

    @Test("the JSON writer escapes what JSON requires and nothing else")
    func writesJSON() throws {
        var writer = JSONLineWriter()
        writer.field("a", "q\"b\\n\n/é\u{01}")
        writer.field("n", 3)
        writer.field("t", ["x", "y"])
        let line = writer.line()
        #expect(line == "{\"a\":\"q\\\"b\\\\n\\n/é\\u0001\",\"n\":3,\"t\":[\"x\",\"y\"]}\n")
        let parsed = try JSONLineParser.parse(String(line.dropLast()))
        #expect(parsed == .object([("a", .string("q\"b\\n\n/é\u{01}")), ("n", .number("3")), ("t", .array([.string("x"), .string("y")]))]))
    }

    @Test("the line reader streams long lines through a small buffer, CRLF or LF, last line unterminated")
    func readsLines() throws {
        let long = String(repeating: "x", count: 10_000)
        let path = try ImportFixture.file("a\r\n\(long)\nb\n\nc")
        let reader = try LineReader(path: path, chunkSize: 16)
        var lines: [String] = []
        while let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        #expect(lines == ["a", long, "b", "", "c"])
        #expect(reader.lineNumber == 5)
        #expect(reader.bytesRead == reader.totalBytes)
    }

    @Test("CSV: quoted commas, doubled quotes and line breaks, with each record's first line")
    func readsCSV() throws {
        let path = try ImportFixture.file("ref,claim\nA-1,\"x, \"\"y\"\"\"\n\nA-2,\"two\nlines\"\nA-3,plain\n", suffix: ".csv")
        var reader = CSVReader(try LineReader(path: path))
        var records: [(Int, [String])] = []
        while let record = try reader.next() { records.append((record.line, record.fields)) }
        #expect(records.map(\.0) == [1, 2, 4, 6])
        #expect(records.map(\.1) == [["ref", "claim"], ["A-1", "x, \"y\""], ["A-2", "two\nlines"], ["A-3", "plain"]])
    }

    @Test("CSV: an unclosed quote and a stray quote are errors with their line")
    func refusesCSV() throws {
        var unclosed = CSVReader(try LineReader(path: try ImportFixture.file("ref\n\"open\nmore\n", suffix: ".csv")))
        _ = try unclosed.next()
        #expect(throws: CSVReader.Failure(line: 2, problem: "a quoted field is not closed before the end of the file")) {
            try unclosed.next()
        }
        var stray = CSVReader(try LineReader(path: try ImportFixture.file("a,b\"c\n", suffix: ".csv")))
        #expect(throws: CSVReader.Failure.self) { try stray.next() }
    }

    @Test("generate: the same seed gives the same bytes; another seed does not")
    func deterministicGenerator() throws {
        let first = try ImportFixture.generated(cases: 300, seed: 42)
        let second = try ImportFixture.generated(cases: 300, seed: 42)
        let other = try ImportFixture.generated(cases: 300, seed: 43)
        #expect(first == second)
        #expect(first != other)
        #expect(first.contains(#""type":"assessment""#) && first.contains(#""to":"disputed""#))
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)  // the published first output for seed 0
    }
}

@Suite("verity import into PostgreSQL")
struct ImportDatabaseTests {
    @Test("the Izium seeds load, and loading them again changes nothing")
    func seedsIdempotent() throws {
        let db = try TestServer.shared.connect()
        let first = try ImportFixture.importFile(db, ImportFixture.seedPath, actor: nil)
        #expect(first.counts("case").created == 5)
        #expect(first.counts("transition").created == 5)
        let after = try ImportFixture.counts(db)
        let second = try ImportFixture.importFile(db, ImportFixture.seedPath, actor: nil)
        #expect(second.changedNothing)
        #expect(second.counts("case").unchanged == 5)
        #expect(try ImportFixture.counts(db) == after)
        let states = try db.query("SELECT ref, state FROM cases ORDER BY ref").rows.map {
            "\(try $0.decode("ref", as: String.self))=\(try $0.decode("state", as: String.self))"
        }
        #expect(states == ["IZY-2022-001=disputed", "IZY-2022-002=disputed", "IZY-2022-003=disputed",
                           "IZY-2022-004=evidence-pending", "IZY-2022-005=evidence-pending"])
        let disputed = try db.query(
            "SELECT h.at, r.handle FROM case_history h JOIN reviewers r ON r.id = h.actor_id WHERE h.action = 'dispute' ORDER BY h.id")
        #expect(try disputed[0].decode("at", as: Date.self) == TimestampText.parse("2022-09-19T11:00:00Z"))
        #expect(try disputed[0].decode("handle", as: String.self) == "editor")
    }

    @Test("export, import into an empty database, export again: identical bytes")
    func roundTrip() throws {
        let source = try TestServer.shared.connect()
        _ = try ImportFixture.importFile(source, ImportFixture.seedPath)
        _ = try ImportFixture.importFile(source, try ImportFixture.file(try ImportFixture.generated(cases: 150, seed: 9)))
        // History the generator does not make: a retraction, a reopened case, a deactivated reviewer.
        _ = try ImportFixture.importFile(source, try ImportFixture.lines([
            #"{"type":"evidence","case":"IZY-2022-004","stance":"refutes","credibility":5,"note":"Withdrawn later","by":"analyst","at":"2022-09-20T10:00:00Z","retracted_at":"2022-09-21T10:00:00Z","retracted_by":"editor","retraction_reason":"Misattributed"}"#,
            #"{"type":"reviewer","handle":"former","name":"Former staff","active":false}"#,
        ]))
        let first = try ImportFixture.export(source)
        let target = try TestServer.shared.connect()
        let summary = try ImportFixture.importFile(target, try ImportFixture.file(first), actor: nil)
        #expect(summary.counts("case").created == 155)
        let second = try ImportFixture.export(target)
        #expect(first == second)
        #expect(first.contains(#""retraction_reason":"Misattributed""#))
        #expect(first.contains(#""handle":"former","name":"Former staff","role":"reviewer","active":false"#))
        // And importing the export back into its own database changes nothing.
        let again = try ImportFixture.importFile(source, try ImportFixture.file(first), actor: nil)
        #expect(again.changedNothing)
    }

    @Test("a changed case is updated with history; unchanged records are left alone")
    func changedRecordUpdates() throws {
        let db = try TestServer.shared.connect()
        _ = try ImportFixture.importFile(db, try ImportFixture.lines(ImportFixture.desk))
        var changed = ImportFixture.desk
        changed[2] = #"{"type":"case","ref":"T-1","claim":"A bridge was destroyed","claimant":"Governor","priority":"urgent","tags":["bridge"]}"#
        let summary = try ImportFixture.importFile(db, try ImportFixture.lines(changed))
        #expect(summary.counts("case").updated == 1)
        #expect(summary.counts("reviewer").unchanged == 2)
        let update = try #require(try db.query("SELECT details::text AS d FROM case_history WHERE action = 'update'").first)
        let details = try update.decode("d", as: String.self)
        #expect(details.contains("urgent") && details.contains("bridge"))
    }

    @Test("each kind of invalid record is reported with its line, and nothing is written", arguments: [
        ("{\"type\":\"case\",", 4, "json", false),
        (#"{"type":"verdict"}"#, 4, "type", false),
        (#"{"type":"case","ref":"T-2","claimant":"X"}"#, 4, "claim", false),
        (#"{"type":"case","ref":"T-2","claim":"c","claimant":"X","priority":"soon"}"#, 4, "priority", false),
        (#"{"type":"case","ref":"T 2","claim":"c","claimant":"X"}"#, 4, "ref", false),
        (#"{"type":"case","ref":"T-2","claim":"c","claimant":"X","due":"2024-02-30"}"#, 4, "due", false),
        (#"{"type":"case","ref":"T-2","claim":"c","claimant":"X","colour":"red"}"#, 4, "colour", false),
        (#"{"type":"evidence","case":"T-1","stance":"supports","credibility":9,"note":"n"}"#, 4, "credibility", false),
        (#"{"type":"evidence","case":"T-9","stance":"supports","credibility":2,"note":"n"}"#, 4, "case", false),
        (#"{"type":"assignment","case":"T-1","reviewer":"nobody"}"#, 4, "reviewer", false),
        (#"{"type":"transition","case":"T-1","to":"evidence-pending","by":"ghost"}"#, 4, "by", false),
        (#"{"type":"evidence","case":"T-1","stance":"refutes","credibility":5,"note":"n","retracted_at":"2024-01-03T00:00:00Z","retracted_by":"ghost","retraction_reason":"r"}"#, 4, "retracted_by", false),
        (#"{"type":"transition","case":"T-1","to":"disputed","at":"2999-01-01T00:00:00Z","reason":"r"}"#, 4, "at", false),
        (#"{"type":"case","ref":"T-1","claim":"again","claimant":"X"}"#, 4, "ref", false),
        (#"{"type":"transition","case":"T-1","to":"disputed","at":"2024-01-02T00:00:00Z"}"#, 4, "reason", true),
        (#"{"type":"assessment","case":"T-1","verdict":"false","confidence":2,"rationale":"r"}"#, 4, "case", true),
    ])
    func invalidRecords(line: String, expectedLine: Int, field: String, isRule: Bool) throws {
        let db = try TestServer.shared.connect()
        let before = try ImportFixture.counts(db)
        let path = try ImportFixture.lines(ImportFixture.desk + [line])
        let failure = try #require(throws: ImportFailure.self) { try ImportFixture.importFile(db, path) }
        let issue = try #require(failure.issues.first)
        #expect(issue.line == expectedLine, "\(failure.issues)")
        #expect(issue.field == field, "\(failure.issues)")
        #expect(failure.isRuleViolation == isRule, "\(failure.issues)")
        #expect(try ImportFixture.counts(db) == before)
    }

    @Test("all problems are listed (up to the limit), not just the first")
    func manyProblems() throws {
        let db = try TestServer.shared.connect()
        let bad = (0..<60).map { #"{"type":"case","ref":"B-\#($0)","claimant":"X"}"# }
        let failure = try #require(throws: ImportFailure.self) {
            try ImportFixture.importFile(db, try ImportFixture.lines(ImportFixture.desk + bad))
        }
        #expect(failure.issues.count == 50)
        #expect(failure.truncated)
        #expect(failure.issues.map(\.line) == Array(4..<54))
    }

    @Test("an error on the last line leaves the database exactly as it was")
    func atomic() throws {
        let db = try TestServer.shared.connect()
        _ = try ImportFixture.importFile(db, ImportFixture.seedPath)
        let before = try ImportFixture.counts(db)
        var lines = try ImportFixture.generated(cases: 40, seed: 3).split(separator: "\n").map(String.init)
        lines.append(#"{"type":"transition","case":"IZY-2022-004","to":"claimed"}"#)
        let failure = try #require(throws: ImportFailure.self) {
            try ImportFixture.importFile(db, try ImportFixture.lines(lines))
        }
        #expect(failure.issues.map(\.line) == [lines.count])
        #expect(try ImportFixture.counts(db) == before)
    }

    @Test("a transition the workflow refuses rolls back everything, even when found while applying")
    func ruleRefusalRollsBack() throws {
        let db = try TestServer.shared.connect()
        let before = try ImportFixture.counts(db)
        let lines = ImportFixture.desk + [
            #"{"type":"transition","case":"T-1","to":"evidence-pending","at":"2024-01-02T00:00:00Z"}"#,
            #"{"type":"transition","case":"T-1","to":"evidence-pending","at":"2024-01-03T00:00:00Z"}"#,
        ]
        let failure = try #require(throws: ImportFailure.self) {
            try ImportFixture.importFile(db, try ImportFixture.lines(lines))
        }
        #expect(failure.isRuleViolation)
        #expect(failure.issues.first?.line == 5)
        #expect(failure.issues.first?.problem.contains("cannot move to evidence-pending") == true)
        #expect(try ImportFixture.counts(db) == before)
    }

    @Test("a dry run reports what would change and writes nothing")
    func dryRun() throws {
        let db = try TestServer.shared.connect()
        let before = try ImportFixture.counts(db)
        let summary = try ImportFixture.importFile(db, ImportFixture.seedPath, dryRun: true)
        #expect(summary.dryRun)
        #expect(summary.counts("case").created == 5)
        #expect(summary.counts("evidence").created == 7)
        #expect(try ImportFixture.counts(db) == before)
    }

    @Test("CSV cases: tags split on ;, states reached through transitions, idempotent")
    func csvCases() throws {
        let db = try TestServer.shared.connect()
        _ = try ImportFixture.importFile(db, try ImportFixture.lines(Array(ImportFixture.desk.prefix(2))))
        let csv = """
            ref,claim,claimant,claimed_at,location,tags,priority,due,state
            C-1,"Shelling hit a school, officials say",Mayor,2024-03-01,Kharkiv,school;shelling,high,2024-04-01,disputed
            C-2,Convoy attacked,Governor,,,,,,evidence-pending
            C-3,Bridge down,Army,,,,low,,

            """
        let path = try ImportFixture.file(csv, suffix: ".csv")
        let first = try ImportFixture.importFile(db, path, format: .csv)
        #expect(first.counts("case").created == 3)
        #expect(first.counts("transition").created == 2)
        let rows = try db.query("SELECT ref, state, tags, priority FROM cases ORDER BY ref").rows
        #expect(try rows.map { try $0.decode("state", as: String.self) } == ["disputed", "evidence-pending", "claimed"])
        #expect(try rows[0].decode("tags", as: [String].self) == ["school", "shelling"])
        #expect(try rows[2].decode("priority", as: String.self) == "low")
        let before = try ImportFixture.counts(db)
        let second = try ImportFixture.importFile(db, path, format: .csv)
        #expect(second.changedNothing)
        #expect(try ImportFixture.counts(db) == before)
    }

    @Test("CSV refuses assessed (it needs a verdict and evidence) with the record's line")
    func csvRefusesAssessed() throws {
        let db = try TestServer.shared.connect()
        let path = try ImportFixture.file(
            "ref,claim,claimant,state\nC-1,x,y,claimed\nC-2,\"two\nlines\",y,assessed\n", suffix: ".csv")
        let failure = try #require(throws: ImportFailure.self) { try ImportFixture.importFile(db, path, format: .csv) }
        #expect(failure.issues.map(\.line) == [3])
        #expect(failure.issues.first?.field == "state")
        #expect(try ImportFixture.counts(db)[1] == 0)
    }

    @Test("fuzz: thousands of mutated lines give success or line-numbered errors, never a crash or a partial write")
    func fuzz() throws {
        let base = try String(contentsOfFile: ImportFixture.seedPath, encoding: .utf8).split(separator: "\n").map(String.init)
            + (try ImportFixture.generated(cases: 30, seed: 5)).split(separator: "\n").map(String.init)
        var random = SplitMix64(seed: 2024)
        let alphabet = Array(#"{}[]":,\ 0123456789-.eEtrufalsn"#.utf8) + [0, 0xFF, 0xC3, 0x7F]
        func mutate(_ line: String) -> [UInt8] {
            var bytes = Array(line.utf8)
            for _ in 0...random.below(3) where !bytes.isEmpty {
                let at = random.below(bytes.count)
                switch random.below(5) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(random.pick(alphabet), at: at)
                case 2: bytes[at] = random.pick(alphabet)
                case 3: bytes = Array(bytes.prefix(at))
                default:  // swap two fields' values by duplicating a slice
                    let end = min(bytes.count, at + random.below(12))
                    bytes.insert(contentsOf: bytes[at..<end], at: random.below(bytes.count))
                }
            }
            return bytes.filter { $0 != 10 && $0 != 13 }
        }
        // Validation alone, for many lines: no crash, and a problem names a field.
        let validator = RecordValidator(defaultActor: "editor", latest: Date())
        for index in 0..<3000 {
            let bytes = mutate(base[index % base.count])
            do {
                let value = try JSONLineParser.parse(bytes)
                let (rows, issues) = validator.stage(value, line: index + 1)
                #expect(rows.isEmpty != issues.isEmpty)
                #expect(issues.allSatisfy { $0.line == index + 1 && !$0.field.isEmpty })
            } catch let error as JSONLineParser.Failure {
                #expect(error.column >= 1 && error.column <= bytes.count + 1)
            }
        }
        // Whole imports of files with a few mutated lines: all or nothing.
        let db = try TestServer.shared.connect()
        for _ in 0..<12 {
            var file = base.map { Array($0.utf8) }
            for _ in 0..<(1 + random.below(3)) {
                let target = random.below(file.count)
                file[target] = mutate(base[target])
            }
            var data = Data()
            for line in file { data.append(contentsOf: line + [10]) }
            let path = ImportFixture.directory + "/fuzz-\(UUID().uuidString).jsonl"
            try data.write(to: URL(fileURLWithPath: path))
            let before = try ImportFixture.counts(db)
            do {
                _ = try ImportFixture.importFile(db, path)
            } catch let failure as ImportFailure {
                #expect(!failure.issues.isEmpty)
                #expect(failure.issues.allSatisfy { (1...file.count).contains($0.line) }, "\(failure.issues)")
                #expect(try ImportFixture.counts(db) == before)
            }
        }
    }
}

@Suite("import field patterns")
struct ImportPatternTests {
    /// Values on either side of each format's edges, in several scripts.
    static let corpus = [
        "IZY-2022-001", "a/b:c.d_e", "-x", "a b", "", "x", "A", "9", String(repeating: "a", count: 64),
        String(repeating: "a", count: 65), "Ізюм-1", "é", "a\tb", "a\nb", "j.doe_2-x", "Editor", "a@b", "a@b@c", "@b",
        "a b@c", "a@", "https://x.org/p?q=1", "file:a/b", "x.org", "https://a b", "1http://x", "https:", "a+b-c.d:x",
        "a_b:c", "_x", ".x", "a/", "a:", "ab\u{A0}cd", "mailto:a@b", "ЖЖ:x",
    ]

    @Test("the client's byte matchers accept exactly what the database's CHECK constraints accept", arguments: [
        ("case_ref_format", "ref", RecordValidator.Pattern.ref), ("reviewer_handle_format", "handle", .handle),
        ("reviewer_email_format", "email", .email), ("source_url_format", "url", .url),
    ])
    func matchersAgreeWithTheDatabase(constraint: String, column: String, pattern: RecordValidator.Pattern) throws {
        let db = try TestServer.shared.connect()
        // The constraint's own expression, evaluated for each value bound as the column it names.
        let definition: String = try db.query(
            "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conname = \(constraint)")[0].decode("d")
        let expression = String(definition.dropFirst("CHECK ".count))
        for value in Self.corpus {
            let accepted: Bool = try db.query(
                "SELECT \(unsafeSQL: expression) AS ok FROM (VALUES (\(value)::text)) AS v(\(unsafeSQL: column))")[0]
                .decode("ok")
            #expect(pattern.matches(value) == accepted, "\(constraint): \(value.debugDescription)")
        }
    }

    @Test("references, handles, emails and URLs follow the database's CHECK constraints")
    func patterns() {
        typealias P = RecordValidator.Pattern
        #expect(P.ref.matches("IZY-2022-001") && P.ref.matches("a/b:c.d_e") && !P.ref.matches("-x") && !P.ref.matches("a b"))
        #expect(!P.ref.matches(String(repeating: "a", count: 65)) && !P.ref.matches(""))
        #expect(P.handle.matches("j.doe_2-x") && !P.handle.matches("Editor") && !P.handle.matches(""))
        #expect(P.email.matches("a@b") && !P.email.matches("a@b@c") && !P.email.matches("@b") && !P.email.matches("a b@c"))
        #expect(P.url.matches("https://x.org/p?q=1") && P.url.matches("file:a/b") && !P.url.matches("x.org")
            && !P.url.matches("https://a b") && !P.url.matches("1http://x") && !P.url.matches("https:"))
    }
}

/// The large import, only with VERITY_SLOW_TESTS=1 (VERITY_SLOW_CASES sets the size, default 1,000,000).
@Suite("import at scale", .enabled(if: ProcessInfo.processInfo.environment["VERITY_SLOW_TESTS"] == "1"))
struct ImportScaleTests {
    @Test("a large generated file imports completely, then re-imports changing nothing")
    func large() throws {
        let cases = Int(ProcessInfo.processInfo.environment["VERITY_SLOW_CASES"] ?? "") ?? 1_000_000
        let path = NSTemporaryDirectory() + "verity-scale-\(UUID().uuidString).jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try DatasetGenerator(cases: cases, seed: 1).write(to: ChunkedOutput { try handle.write(contentsOf: Data($0.utf8)) })
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try TestServer.shared.connect()
        let first = try ImportFixture.importFile(db, path, actor: nil)
        #expect(first.counts("case").created == cases)
        let second = try ImportFixture.importFile(db, path, actor: nil)
        #expect(second.changedNothing)
    }
}
