import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Generated bad input for every command and for `verity import`: never a crash,
/// every rejection a clear error with a documented exit code, the database
/// unchanged by anything rejected. Deterministic: the seed is in every message
/// (`VERITY_FUZZ_SEED=N` replays a run); `VERITY_SLOW_TESTS=1` runs ten times more.
@Suite("Fuzzing commands and imports")
struct FuzzTests {
    static let slow = ProcessInfo.processInfo.environment["VERITY_SLOW_TESTS"] == "1"
    static let seed = UInt64(ProcessInfo.processInfo.environment["VERITY_FUZZ_SEED"] ?? "") ?? 8_2026
    /// How many inputs: `default`, ten times more with VERITY_SLOW_TESTS=1, or VERITY_FUZZ_RUNS.
    static func runs(default count: Int) -> Int {
        Int(ProcessInfo.processInfo.environment["VERITY_FUZZ_RUNS"] ?? "") ?? (slow ? count * 10 : count)
    }

    static let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("seeds/izium-2022.jsonl").path

    /// A command of the real tree, read from `--help`: its path, options (with
    /// whether each takes a value) and how many positional arguments it has.
    struct CommandShape {
        var path: [String]
        var options: [(name: String, takesValue: Bool)]
        var positionals: Int
        /// The positional arguments' names (`id`, `claim`) and the options the usage line requires.
        var positionalNames: [String] = []
        var required: [String] = []
        /// An option's documented values, from "(values: a, b, c)".
        var allowed: [String: [String]] = [:]
    }

    /// Walks `verity --help` and each subcommand's `--help`.
    static func commandTree() -> [CommandShape] {
        var shapes: [CommandShape] = []
        var queue: [[String]] = [[]]
        while let path = queue.popLast() {
            let help = verity(path + ["--help"]).stdout
            let sections = helpSections(help)
            let subcommands = Self.subcommands(in: sections, below: path)
            if !subcommands.isEmpty {
                queue += subcommands.map { path + [$0] }
                continue
            }
            var options: [(String, Bool)] = []
            for line in sections["OPTIONS"] ?? [] {
                guard let range = line.range(of: #"--[a-z][a-z0-9-]*( <[^>]+>)?"#, options: .regularExpression) else { continue }
                let token = line[range]
                let name = String(token.split(separator: " ")[0])
                if ["--help", "--version"].contains(name) { continue }
                options.append((name, token.contains("<")))
            }
            let positionals = (sections["ARGUMENTS"] ?? []).filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("<") }.count
            var shape = CommandShape(path: path, options: options, positionals: positionals)
            // USAGE: verity case assess <id> --verdict <verdict> … [--as <handle>] …: outside the
            // brackets are the positionals and the required options.
            if let usage = help.split(separator: "\n").first(where: { $0.hasPrefix("USAGE:") }) {
                let bare = String(usage).replacingOccurrences(of: #"\[[^\]]*\]"#, with: "", options: .regularExpression)
                let tokens = bare.split(separator: " ").map(String.init)
                for (index, token) in tokens.enumerated() {
                    if token.hasPrefix("--") { shape.required.append(token) }
                    if token.hasPrefix("<"), index == 0 || !tokens[index - 1].hasPrefix("--") {
                        shape.positionalNames.append(token.trimmingCharacters(in: CharacterSet(charactersIn: "<>.")))
                    }
                }
            }
            var current: String?
            for line in sections["OPTIONS"] ?? [] {
                if let range = line.range(of: #"^\s{2}(-[a-z], )?--[a-z][a-z0-9-]*"#, options: .regularExpression) {
                    current = String(line[range].split(separator: " ").last ?? "")
                }
                if let current, let range = line.range(of: #"\(values: [^)]*"#, options: .regularExpression) {
                    let list = line[range].dropFirst("(values: ".count).split(separator: ";")[0]
                    shape.allowed[current] = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                }
            }
            shapes.append(shape)
        }
        return shapes
    }

    /// The subcommands a help lists (not `help`, and none below three levels).
    static func subcommands(in sections: [String: [String]], below path: [String]) -> [String] {
        // A subcommand line is indented by exactly two spaces (wrapped descriptions by more).
        (sections["SUBCOMMANDS"] ?? []).compactMap { line -> String? in
            guard !line.hasPrefix("   "), let name = line.split(separator: " ").first.map(String.init),
                name.first?.isLowercase == true, name.allSatisfy({ $0.isLetter || $0 == "-" })
            else { return nil }
            return name
        }.filter { $0 != "help" && path.count < 3 }
    }

    static func helpSections(_ help: String) -> [String: [String]] {
        var sections: [String: [String]] = [:]
        var current: String?
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first.isUppercase, line.hasSuffix(":") {
                current = String(line.dropLast())
            } else if let current, line.hasPrefix("  ") {
                sections[current, default: []].append(String(line))
            }
        }
        return sections
    }

    static let hugeString = String(repeating: "Ізюм 450 ", count: 3_000)

    /// Values mixing valid ones (so that some commands succeed) with garbage.
    static let values: [String] = [
        "", " ", "1", "2", "3", "0", "-1", "99999999999999999999", "1.5", "IZY-2022-001", "IZY-2022-002", "NOPE-1",
        "editor", "analyst", "Editor", "claimed", "disputed", "evidence-pending", "assessed", "mostly-true", "false",
        "supports", "refutes", "json", "csv", "table", "markdown", "html", "jsonl", "2022-09-16", "2022-13-45",
        "2022-09-16T12:00:00Z", "tomorrow", "https://example.org/a", "not a url", "high", "urgent", "A",
        "'; DROP TABLE cases; --", "%s%n%x", "$1", "\\", "\"", "a\u{0}b", "\u{0}", "line\nbreak", "\u{202E}evil",
        "🇺🇦", "Ізюм", "../../../../etc/passwd", "/", hugeString, "-x", "-h",
    ]

    static func randomValue(_ random: inout SeededGenerator, option: String?, scratch: String) -> String {
        // Never write outside the scratch folder, never read standard input, never
        // point at another database: the fuzz test must stay harmless.
        if option == "--output" { return scratch + "/out-\(random.next() % 4)" }
        // Never reach the network: a time-stamping authority is a closed local port.
        if option == "--tsa" { return "http://127.0.0.1:9/tsr" }
        return values[Int(random.next() % UInt64(values.count))]
    }

    /// A value that fits `name` (an option or a positional), so that the command gets
    /// past parsing and reaches the database.
    static func plausibleValue(_ random: inout SeededGenerator, _ name: String, _ shape: CommandShape, scratch: String) -> String {
        func pick(_ values: [String]) -> String { values[Int(random.next() % UInt64(values.count))] }
        if let allowed = shape.allowed[name], !allowed.isEmpty { return pick(allowed) }
        switch name.trimmingCharacters(in: CharacterSet(charactersIn: "-")) {
        case "id", "case", "case-id", "caseID": return pick(["1", "2", "3", "IZY-2022-001", "IZY-2022-004", "NOPE-9"])
        case "as", "reviewer", "from", "to": return pick(["editor", "analyst", "evidence-pending", "disputed", "nobody"])
        case "handle": return pick(["newbie", "editor", "Bad Handle"])
        case "source", "note-id", "noteID", "limit", "credibility", "confidence", "seed", "cases": return pick(["1", "2", "3", "6", "7"])
        case "claimed-at", "due", "published-at", "since", "as-of", "date": return pick(["2022-09-16", "2022-09-20T12:00:00Z"])
        case "ref": return "FZ-\(random.next() % 1000)"
        case "email": return "fuzz@example.org"
        case "url": return "https://example.org/fuzz/\(random.next() % 100)"
        case "file": return seeds
        case "output": return scratch + "/out-\(random.next() % 4)"
        case "tsa": return "http://127.0.0.1:9/tsr"
        case "text": return pick(["Izium", "grave", "Ізюм"])
        default: return pick(["fuzz text", "Izium mass graves", "a reason"])
        }
    }

    /// Half the vectors: a well-formed call (its positionals and required options with
    /// fitting values, some optional ones), with one piece turned to garbage half the time.
    static func wellFormedArguments(_ random: inout SeededGenerator, _ shape: CommandShape, scratch: String) -> [String] {
        var pieces: [[String]] = shape.positionalNames.map { [plausibleValue(&random, $0, shape, scratch: scratch)] }
        for option in shape.required where option != "--database-url" {
            pieces.append([option, plausibleValue(&random, option, shape, scratch: scratch)])
        }
        let optional = shape.options.filter { !shape.required.contains($0.name) && $0.name != "--database-url" }
        for _ in 0..<Int(random.next() % 3) where !optional.isEmpty {
            let option = optional[Int(random.next() % UInt64(optional.count))]
            pieces.append(option.takesValue ? [option.name, plausibleValue(&random, option.name, shape, scratch: scratch)] : [option.name])
        }
        if !pieces.isEmpty, random.next() % 2 == 0 {
            let index = Int(random.next() % UInt64(pieces.count))
            let slot = pieces[index].count - 1
            pieces[index][slot] = randomValue(&random, option: slot == 0 ? nil : pieces[index][0], scratch: scratch)
        }
        return shape.path + pieces.flatMap { $0 }
    }

    static func randomArguments(_ random: inout SeededGenerator, _ shape: CommandShape, scratch: String) -> [String] {
        if random.next() % 2 == 0 { return wellFormedArguments(&random, shape, scratch: scratch) }
        var arguments = shape.path
        var pieces: [[String]] = []
        for _ in 0..<Int(random.next() % UInt64(shape.positionals + 2)) {
            pieces.append([randomValue(&random, option: nil, scratch: scratch)])
        }
        let usable = shape.options.filter { $0.name != "--database-url" }
        for _ in 0..<Int(random.next() % 5) {
            switch random.next() % 10 {
            case 0:
                pieces.append(["--no-such-option"])
            case 1 where !usable.isEmpty:
                // An option maybe missing its value; never --output, whose value would then be
                // the next garbage word: a file written into the working directory.
                let option = usable[Int(random.next() % UInt64(usable.count))].name
                if option != "--output" { pieces.append([option]) }
            default:
                guard !usable.isEmpty else { continue }
                let option = usable[Int(random.next() % UInt64(usable.count))]
                pieces.append(option.takesValue
                    ? [option.name, randomValue(&random, option: option.name, scratch: scratch)] : [option.name])
            }
        }
        for index in pieces.indices.reversed() where random.next() % 3 == 0 {
            pieces.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        arguments += pieces.flatMap { $0 }
        return arguments
    }

    @Test("thousands of generated argument vectors: no crash, documented exit codes, a message for every refusal, nothing written by a refused command")
    func arguments() throws {
        let url = try TestServer.shared.makeDatabase()
        let loaded = verity(["import", Self.seeds, "--database-url", url])
        try #require(loaded.status == 0, "\(loaded.stderr)")
        let scratch = NSTemporaryDirectory() + "verity-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // `db start`/`db stop` manage the embedded cluster, which this test must not touch.
        let shapes = Self.commandTree().filter { !["start", "stop"].contains($0.path.last) || $0.path.first != "db" }
        try #require(shapes.count >= 20, "the command tree was not read from --help: \(shapes.map(\.path))")
        let db = try Connection(url)
        var fingerprint = try DatabaseFingerprint.of(db)
        let workingDirectory = FileManager.default.currentDirectoryPath
        let filesBefore = Set(try FileManager.default.contentsOfDirectory(atPath: workingDirectory))
        var random = SeededGenerator(seed: Self.seed)
        var tally: [Int32: Int] = [:]
        let runs = Self.runs(default: 1_000)
        for run in 0..<runs {
            let shape = shapes[Int(random.next() % UInt64(shapes.count))]
            let arguments = Self.randomArguments(&random, shape, scratch: scratch) + ["--database-url", url]
            // VERITY_DATABASE_URL too: should an argument swallow the --database-url flag, the
            // command still reaches this database and never starts an embedded cluster.
            if ProcessInfo.processInfo.environment["VERITY_FUZZ_TRACE"] == "1" {
                FileHandle.standardError.write(Data("run \(run): \(arguments.map { String($0.prefix(30)) })\n".utf8))
            }
            // A time-stamping authority named by a garbage URL is reached through a proxy that is a closed local port.
            let result = verity(arguments, environment: [
                "VERITY_REVIEWER": "editor", "VERITY_DATABASE_URL": url, "http_proxy": "http://127.0.0.1:9",
                "https_proxy": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9", "no_proxy": "",
            ])
            tally[result.status, default: 0] += 1
            let shown = arguments.map { $0.count > 40 ? String($0.prefix(40)) + "…" : $0 }.joined(separator: " ")
            let context = "seed \(Self.seed) run \(run): verity \(shown)"
            #expect([0, 64, 65, 66, 69, 75].contains(result.status), "\(context) exited \(result.status): \(result.stderr)")
            let after = try DatabaseFingerprint.of(db)
            // `source verify` exits 65 on a mismatch and records that check as a custody event,
            // which the head covers: a finding, not a refusal.
            let recordedMismatch = shape.path == ["source", "verify"] && result.status == 65
            if result.status == 0 || recordedMismatch {
                fingerprint = after
            } else {
                #expect(!result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(context): no message")
                #expect(after == fingerprint, "\(context) was refused (\(result.status)) but changed the database")
                fingerprint = after
            }
        }
        print("fuzz arguments (seed \(Self.seed)): \(runs) runs, exit codes \(tally.sorted { $0.key < $1.key })")
        #expect(tally[0, default: 0] > 0 && tally[64, default: 0] > 0, "seed \(Self.seed): \(tally)")
        let audit = verity(["audit", "verify", "--database-url", url])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        let stray = Set(try FileManager.default.contentsOfDirectory(atPath: workingDirectory)).subtracting(filesBefore)
        #expect(stray.isEmpty, "seed \(Self.seed): the fuzzed commands wrote into \(workingDirectory): \(stray)")
    }

    /// One random change to a file: bytes flipped, cut short, lines dropped,
    /// doubled or swapped, a value of the wrong type, a key given twice.
    static func mutate(_ text: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = text
        guard !bytes.isEmpty else { return Array("{}".utf8) }
        let at = Int(random.next() % UInt64(bytes.count))
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        let line = Int(random.next() % UInt64(lines.count))
        switch random.next() % 9 {
        case 0: bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
        case 1: bytes = Array(bytes.prefix(at))
        case 2: bytes.insert(contentsOf: [0xFF, 0xC3, 0x00, 0x22, 0x7B], at: at)
        case 3:
            lines.remove(at: line)
            bytes = Array(lines.joined(separator: [10]))
        case 4:
            lines.insert(lines[line], at: line)
            bytes = Array(lines.joined(separator: [10]))
        case 5:
            lines.swapAt(line, Int(random.next() % UInt64(lines.count)))
            bytes = Array(lines.joined(separator: [10]))
        case 6:
            // A value of the wrong type: "key":"text" → "key":12345 (or a list, or null).
            let text = String(decoding: bytes, as: UTF8.self)
            let replacement = ["12345", "[1,2]", "null", "{\"a\":1}", "true", "-0.5e9"][Int(random.next() % 6)]
            let matches = text.ranges(of: #/":"[^"]*"/#)
            if !matches.isEmpty {
                var changed = text
                let range = matches[Int(random.next() % UInt64(matches.count))]
                changed.replaceSubrange(range, with: "\":" + replacement)
                bytes = Array(changed.utf8)
            }
        case 7:
            // A key given twice on one line.
            if let brace = lines[line].firstIndex(of: 0x7B) {
                lines[line].insert(contentsOf: Array(#""claim":"twice","type":"case","#.utf8), at: brace + 1)
                bytes = Array(lines.joined(separator: [10]))
            }
        default:
            bytes.insert(contentsOf: Array(hugeString.utf8.prefix(20_000)), at: at)
        }
        return bytes
    }

    @Test("mutated JSON Lines and CSV files: verity import succeeds or exits 64/65 with FILE:LINE: errors, and a refused import writes nothing")
    func imports() throws {
        let url = try TestServer.shared.makeDatabase()
        let jsonl = Array(try String(contentsOfFile: Self.seeds, encoding: .utf8).utf8)
        let generated = verity(["generate", "--cases", "15", "--seed", "3"])
        try #require(generated.status == 0, "\(generated.stderr)")
        let csv = Array(
            """
            ref,claim,claimant,claimed_at,location,tags,priority,due,state
            KH-014,"Shelling hit a school, officials say",City mayor,2024-03-01,Kharkiv,school;shelling,high,2024-04-01,disputed
            KH-015,Convoy attacked,Regional governor,,,,,,evidence-pending
            KH-016,"A ""quoted"" claim",Someone,,,,,,

            """.utf8)
        let bases: [(bytes: [UInt8], suffix: String)] = [
            (jsonl, ".jsonl"), (Array(generated.stdout.utf8), ".jsonl"), (csv, ".csv"),
        ]
        let load = verity(["reviewer", "add", "editor", "--name", "Editor", "--role", "editor", "--database-url", url])
        try #require(load.status == 0, "\(load.stderr)")
        let db = try Connection(url)
        var random = SeededGenerator(seed: Self.seed)
        var tally: [Int32: Int] = [:]
        let runs = Self.runs(default: 300)
        for run in 0..<runs {
            let base = bases[Int(random.next() % UInt64(bases.count))]
            var bytes = base.bytes
            for _ in 0...(random.next() % 3) { bytes = Self.mutate(bytes, &random) }
            let file = NSTemporaryDirectory() + "verity-fuzz-import-\(run)\(base.suffix)"
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let before = try DatabaseFingerprint.of(db)
            let result = verity(["import", file, "--database-url", url, "--as", "editor"])
            tally[result.status, default: 0] += 1
            let context = "seed \(Self.seed) run \(run) (\(base.suffix))"
            #expect([0, 64, 65].contains(result.status), "\(context): exit \(result.status): \(result.stderr)")
            if result.status != 0 {
                let lineNumbered = result.stderr.range(of: "\(file):[0-9]+: ", options: .regularExpression) != nil
                #expect(lineNumbered, "\(context): the error does not say FILE:LINE: \(result.stderr)")
                #expect(try DatabaseFingerprint.of(db) == before, "\(context): a refused import changed the database")
            }
        }
        print("fuzz import (seed \(Self.seed)): \(runs) files, exit codes \(tally.sorted { $0.key < $1.key })")
        #expect(tally[0, default: 0] > 0 && tally[64, default: 0] + tally[65, default: 0] > 0, "seed \(Self.seed): \(tally)")
        try ChaosTests.expectConsistent(url)
    }
}
