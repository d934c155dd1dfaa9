import Foundation
import PostgresClient
import Testing
import VerityTestSupport

/// `verity batch`, through the real binary: what a desk's script or a long-lived
/// feeder would see.
@Suite("verity batch: many commands over one connection")
struct BatchCommandTests {
    /// A desk database with an editor, an analyst and `cases` open cases (ids 1...).
    static func desk(cases: Int = 2) throws -> (url: String, env: [String: String]) {
        let env = try deskEnvironment()
        for number in 1...cases {
            let opened = verity(["case", "open", "claim \(number)", "--claimant", "someone"], environment: env)
            #expect(opened.status == 0, "\(opened.stderr)")
        }
        return (env["VERITY_DATABASE_URL"]!, env)
    }

    /// Runs `verity batch ARGUMENTS` with `lines` as its --file.
    static func batch(_ lines: [String], _ arguments: [String] = [], env: [String: String]) throws -> ChildProcess.Outcome {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString).txt")
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try VerityExecutable.run(["batch", "--file", file.path] + arguments, environment: env)
    }

    /// The case's history without its timestamps: who, what, from, to, why.
    static func history(_ id: Int, env: [String: String]) -> [String] {
        let csv = verity(["case", "history", "\(id)", "--format", "csv"], environment: env).stdout
        return csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 1).last.map(String.init) ?? "" }
    }

    static let moves = [
        ["case", "move", "1", "--to", "disputed", "--reason", "new footage", "--as", "analyst"],
        ["case", "move", "1", "--to", "evidence-pending", "--as", "analyst"],
        ["case", "assign", "1", "--to", "analyst", "--lead"],
        ["case", "move", "1", "--to", "disputed", "--reason", "a second look"],
        ["case", "show", "1", "--format", "csv"],
    ]

    @Test("a batch of moves prints and records exactly what the same commands run one by one do")
    func sameAsSeparateCommands() throws {
        let separate = try Self.desk()
        var expected = ""
        for move in Self.moves {
            let result = verity(move, environment: separate.env)
            #expect(result.status == 0, "\(result.stderr)")
            expected += result.stdout
        }
        let batched = try Self.desk()
        let lines = Self.moves.map { words in
            words.map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: " ")
        }
        let outcome = try Self.batch(lines, env: batched.env)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr == "")
        // case show prints timestamps; compare everything before it byte for byte.
        let showStart = try #require(expected.range(of: "id,ref,"))
        #expect(outcome.stdout.hasPrefix(String(expected[..<showStart.lowerBound])))
        #expect(Self.history(1, env: batched.env) == Self.history(1, env: separate.env))
        #expect(Self.history(1, env: batched.env).count == 5)
    }

    @Test("a failing line is reported with its number, the rest still runs, and the exit code is the first failure's")
    func errorLineContinues() throws {
        let desk = try Self.desk()
        let outcome = try Self.batch(
            [
                "# a night of moves",
                "case move 99 --to disputed --reason gone",
                "",
                "case move 1 --to assessed-nowhere",
                "case move 2 --to evidence-pending",
                "case move 1 --to disputed --reason 'second try'",
            ], env: desk.env)
        #expect(outcome.status == 66, "the first failure (unknown case) decides: \(outcome.stderr)")
        #expect(outcome.stderr.contains("batch: LINE 2: error: no case 99"))
        #expect(outcome.stderr.contains("batch: LINE 4: Error: The value 'assessed-nowhere' is invalid for '--to <to>'"))
        #expect(outcome.stdout.contains("Case 2 is now evidence-pending."))
        #expect(outcome.stdout.contains("Case 1 is now disputed."))
        #expect(Self.history(1, env: desk.env).last?.contains("second try") == true)
    }

    @Test("--stop-on-error stops at the first failing line with its exit code")
    func stopOnError() throws {
        let desk = try Self.desk()
        let outcome = try Self.batch(
            [
                "case move 1 --to evidence-pending",
                "case move 1 --to claimed",
                "case move 2 --to evidence-pending",
            ], ["--stop-on-error"], env: desk.env)
        #expect(outcome.status == 65, "a refused transition: \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("batch: LINE 2: error: "))
        #expect(!outcome.stdout.contains("Case 2"))
        #expect(Self.history(2, env: desk.env).count == 1, "line 3 did not run")
    }

    @Test("quoting: single and double quotes and backslashes reach the history exactly")
    func quoting() throws {
        let desk = try Self.desk()
        let outcome = try Self.batch(
            [
                #"case dispute 1 --reason "Peskov: \"It's a lie\"""#,
                #"case move 2 --to disputed --reason 'a \backslash, "quotes" and  two blanks'"#,
                #"case move 2 --to evidence-pending --reason "unclosed"#,
            ], env: desk.env)
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("batch: LINE 3: error: the double quote at column 44 is not closed"))
        #expect(Self.history(1, env: desk.env).last?.contains(#"Peskov: ""It's a lie"""#) == true)
        #expect(Self.history(2, env: desk.env).last?.contains(#"a \backslash, ""quotes"" and  two blanks"#) == true)
        #expect(Self.history(2, env: desk.env).count == 2, "the unclosed line did not run")
    }

    @Test("batch, db start and stop, import - and --database-url on a line are refused, naming the line")
    func refused() throws {
        let desk = try Self.desk()
        let outcome = try Self.batch(
            [
                "batch --file other.txt",
                "db stop",
                "db start",
                "import - --as editor",
                "case move 1 --to evidence-pending --database-url postgresql:///elsewhere",
                "case move 1 --to evidence-pending",
            ], env: desk.env)
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("batch: LINE 1: error: `batch` cannot run inside a batch"))
        #expect(outcome.stderr.contains("batch: LINE 2: error: `db start` and `db stop` cannot run inside a batch"))
        #expect(outcome.stderr.contains("batch: LINE 3: error: `db start` and `db stop` cannot run inside a batch"))
        #expect(outcome.stderr.contains("batch: LINE 4: error: `import -` cannot run inside a batch"))
        #expect(outcome.stderr.contains("batch: LINE 5: error: --database-url is not allowed on a line of a batch"))
        #expect(outcome.stdout.contains("Case 1 is now evidence-pending."))
    }

    @Test("exit codes: 0 when every line succeeds, 64 for a usage error, 69 without a server")
    func exitCodes() throws {
        let desk = try Self.desk()
        let fine = try Self.batch(["case list --format csv", "case show 1 --format json", "--version"], env: desk.env)
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(fine.stdout.contains("0.1.0"))
        #expect(try Self.batch(["case move 1"], env: desk.env).status == 64)
        #expect(try Self.batch(["case frobnicate 1"], env: desk.env).status == 64)
        #expect(try Self.batch([], ["--file", "/nonexistent/moves.txt"], env: desk.env).status == 64)
        let down = try Self.batch(
            ["case list"], env: ["VERITY_DATABASE_URL": "postgresql:///verity?host=/nonexistent&connect_timeout=2"])
        #expect(down.status == 69, "\(down.stderr)")
    }

    @Test("a batch fed slowly through a pipe runs each line as it arrives, and stops with 69 when its connection is lost")
    func streams() throws {
        let desk = try Self.desk()
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString).fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        // Hold the FIFO open for reading and writing while the child opens it,
        // so neither side blocks; the child sees the end of input when `writer` closes.
        let holder = open(fifo, O_RDWR)
        let batch = try VerityExecutable.start(["batch"], environment: desk.env, standardInput: fifo)
        let writer = open(fifo, O_WRONLY)
        close(holder)
        defer { batch.kill() }
        func feed(_ line: String) { _ = (line + "\n").withCString { write(writer, $0, strlen($0)) } }
        func waitFor(_ text: String) -> Bool {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if batch.stdoutSoFar.contains(text) { return true }
                usleep(20_000)
            }
            return false
        }

        feed("case move 1 --to evidence-pending")
        #expect(waitFor("Case 1 is now evidence-pending."), "the first line ran while the pipe stayed open")
        #expect(batch.isRunning)
        feed("case move 2 --to evidence-pending")
        #expect(waitFor("Case 2 is now evidence-pending."))
        #expect(Self.history(2, env: desk.env).count == 2, "committed before the next line arrives")

        // Cut the batch's session from the server's side, as a restart would.
        let admin = try Connection(desk.url)
        try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        feed("case move 1 --to disputed --reason 'after the cut'")
        feed("case move 2 --to disputed --reason never")
        close(writer)
        let outcome = try batch.wait(timeout: 60)
        #expect(outcome.status == 69, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("batch: LINE 3: error: "))
        #expect(!outcome.stderr.contains("LINE 4"))
        #expect(Self.history(2, env: desk.env).count == 2)
    }
}
