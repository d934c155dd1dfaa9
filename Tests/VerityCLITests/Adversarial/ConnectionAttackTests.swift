import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Issue 17, holes 12 (a dead client's work goes on) and 13 (secrets on the
/// command line): what a Verity session tells the server, and what Verity says
/// about a password that other users of the machine can read in `ps`.
@Suite("Adversarial: connections and secrets")
struct ConnectionAttackTests {
    @Test("hole 12: every Verity session asks the server to check for a dead client while it works (client_connection_check_interval)")
    func testHole12_sessionsCheckForDeadClients() throws {
        let url = try TestServer.shared.makeDatabase()
        let connection = try Database.open(.url(url, origin: .flag))
        let version: Int = try connection.query("SELECT current_setting('server_version_num')::int AS v")[0].decode("v")
        try #require(version >= 140000, "the test server is older than PostgreSQL 14")
        let interval: String = try connection.query("SHOW client_connection_check_interval")[0].decode("client_connection_check_interval")
        #expect(interval == Connection.clientConnectionCheckInterval)
        #expect(interval != "0")
    }

    @Test("hole 12: the server ends the work of a verity killed with -9 while its import waits, instead of doing it for nobody")
    func testHole12_serverEndsTheWorkOfAKilledClient() throws {
        let env = try deskEnvironment()
        let url = try #require(env["VERITY_DATABASE_URL"])
        let file = try ImportAttackTests.importFile(7, cases: 3)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Another import's lock: the child's import stages its file, then waits for it.
        let holder = try Connection(url)
        try holder.execute(unsafeSQL: "BEGIN")
        try holder.query("SELECT pg_advisory_xact_lock(\(Importer.applyLockKey))")
        let importer = try VerityExecutable.start(["import", file, "--database-url", url, "--as", "editor"])
        // Watched from a session of its own: inside a transaction, pg_stat_activity stays as first read.
        let watcher = try Connection(url)
        func waitingBackend() throws -> Int? {
            try watcher.query(
                """
                SELECT pid FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'
                """).first?.decode("pid")
        }
        var backend: Int?
        for _ in 0..<400 where backend == nil {
            backend = try waitingBackend()
            if backend == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let pid = backend else {
            importer.kill()
            let outcome = try? importer.wait(timeout: 10)
            Issue.record("the import never waited for the lock: \(outcome?.status ?? -1) \(outcome?.stderr ?? "")")
            return
        }
        importer.kill()
        _ = try? importer.wait(timeout: 10)
        // Without client_connection_check_interval the backend waits as long as the lock is
        // held, then applies the import for a client that is gone.
        var gone = false
        for _ in 0..<300 where !gone {
            let alive: Int = try watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = \(pid)")[0].decode("n")
            gone = alive == 0
            if !gone { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(gone, "the dead client's backend \(pid) was still waiting after 30 s")
        try holder.execute(unsafeSQL: "COMMIT")
        let cases = try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [Any])
        #expect(cases.isEmpty)
    }

    @Test("hole 13: a password in --database-url is warned about (ps shows it), and never printed; none in an environment variable")
    func testHole13_passwordOnCommandLineIsWarnedAbout() throws {
        let desk = try AccessCommandTests.Desk()
        defer { desk.fixture.dropLogins() }
        let withPassword = desk.run(["case", "list"], as: desk.bob)
        #expect(withPassword.status == 0, "\(withPassword.stderr)")
        #expect(withPassword.stderr.contains("warning: the password in --database-url can be read by every user of this machine in `ps`"))
        #expect(withPassword.stderr.contains("~/.pgpass") && withPassword.stderr.contains("PGPASSFILE"))
        #expect(!withPassword.stderr.contains(desk.fixture.password))
        // The same URL from the environment is not in `ps`: no warning.
        let fromEnvironment = verity(["case", "list"], environment: ["VERITY_DATABASE_URL": desk.fixture.url(as: desk.bob)])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        #expect(!fromEnvironment.stderr.contains("warning"), "\(fromEnvironment.stderr)")
        // Nor without a password.
        #expect(!verity(["case", "list", "--database-url", desk.url]).stderr.contains("warning"))
        // userinfo and =-joined forms too, also when the server cannot be reached.
        let unreachable = verity(["case", "list", "--database-url=postgresql://ed:s3cret-value@127.0.0.1:1/verity"])
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.contains("warning: the password in --database-url"))
        #expect(!unreachable.stderr.contains("s3cret-value"), "\(unreachable.stderr)")
    }

    /// A password written into a command: `NAME=secret verity ...`, a URL's `user:secret@`, `password=`.
    static let passwordOnCommandLine = #"(VERITY_NEW_PASSWORD|PGPASSWORD)=\S|://[^/\s@:'"]+:[^/\s@'"]+@|password=[^\s'"*&]"#

    @Test("hole 13: no --help text and no example in the README or docs/ puts a password on the command line")
    func testHole13_noExamplePutsAPasswordOnTheCommandLine() throws {
        for shape in FuzzTests.commandTree() {
            let help = verity(shape.path + ["--help"]).stdout
            #expect(help.range(of: Self.passwordOnCommandLine, options: .regularExpression) == nil, "\(shape.path): \(help)")
        }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let docs = try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        #expect(!docs.isEmpty)
        for name in ["README.md"] + docs {
            let text = try String(contentsOf: repository.appendingPathComponent(name), encoding: .utf8)
            // Lines of shell examples (inside ``` blocks).
            var inBlock = false
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("```") {
                    inBlock.toggle()
                    continue
                }
                guard inBlock else { continue }
                #expect(line.range(of: Self.passwordOnCommandLine, options: .regularExpression) == nil, "\(name): \(line)")
            }
        }
    }
}
