import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// kill -9 in the middle of a large import, of the `verity` process and of the
/// PostgreSQL server: afterwards the import is entirely present or entirely
/// absent, the chain verifies and `verity db status` is healthy.
/// Default: 1,000 generated cases; `VERITY_SLOW_TESTS=1`: 30,000.
@Suite("Crashes during an import", .serialized)
struct FaultCrashTests {
    static let slow = ProcessInfo.processInfo.environment["VERITY_SLOW_TESTS"] == "1"
    static let cases = slow ? 30_000 : 1_000

    /// The generated import file (made once per test by the real program).
    static func generatedFile() throws -> String {
        let file = NSTemporaryDirectory() + "verity-crash-\(UUID().uuidString).jsonl"
        let made = try VerityExecutable.run(["generate", "--cases", String(cases), "--seed", "7", "--output", file])
        try #require(made.status == 0, "\(made.stderr)")
        return file
    }

    /// Waits until the importer's transaction is applying the staged rows (the
    /// last and longest phase), then runs `kill`. Returns false when the import
    /// ended before that moment.
    static func killDuringApply(_ importer: ChildProcess, watching url: String, kill: () throws -> Void) throws -> Bool {
        let monitor = try Connection(url)
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, importer.isRunning {
            let applying = try monitor.query(
                """
                SELECT count(*) AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()
                   AND state = 'active' AND query LIKE '%verity_import_apply%'
                """)[0].decode("n", as: Int.self)
            if applying > 0 {
                try kill()
                return true
            }
            usleep(2_000)
        }
        return false
    }

    /// Waits until no other session is connected to the database (the server has
    /// noticed the dead client and rolled its transaction back).
    static func waitForOtherSessionsToEnd(_ url: String) throws {
        let db = try Connection(url)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let others = try db.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )[0].decode("n", as: Int.self)
            if others == 0 { return }
            usleep(20_000)
        }
        throw ChildProcessError("the killed client's session was still open after 60 s")
    }

    /// The fingerprint of a database holding exactly the complete import.
    static func completeImport(of file: String) throws -> DatabaseFingerprint {
        let url = try TestServer.shared.makeDatabase()
        let loaded = verity(["import", file, "--database-url", url, "--as", "editor"])
        try #require(loaded.status == 0, "\(loaded.stderr)")
        return try DatabaseFingerprint.of(url: url)
    }

    @Test("kill -9 of verity during an import leaves the import entirely absent; the chain verifies; db status is healthy")
    func killClient() throws {
        let file = try Self.generatedFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let url = try TestServer.shared.makeDatabase()
        let before = try DatabaseFingerprint.of(url: url)
        let after = try Self.completeImport(of: file)

        let importer = try VerityExecutable.start(["import", file, "--database-url", url, "--as", "editor"])
        let killed = try Self.killDuringApply(importer, watching: url) { importer.kill() }
        let outcome = try importer.wait(timeout: 120)
        try #require(killed, "the import of \(Self.cases) cases ended before it could be killed: \(outcome.stderr)")
        #expect(outcome.signal == SIGKILL)
        try Self.waitForOtherSessionsToEnd(url)

        let now = try DatabaseFingerprint.of(url: url)
        #expect(now == before || now.counts == after.counts, "partial import: \(now)\nbefore: \(before)\nafter:  \(after)")
        #expect(now == before, "verity was killed before COMMIT, so nothing may be there: \(now)")
        try ChaosTests.expectConsistent(url)
        let status = verity(["db", "status", "--database-url", url])
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("0 pending"), "\(status.stdout)")

        // The same import runs to the end afterwards.
        let again = verity(["import", file, "--database-url", url, "--as", "editor"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try DatabaseFingerprint.of(url: url).counts == after.counts)
    }

    @Test("kill -9 of the PostgreSQL server during an import: after restart the import is all there or not at all; the chain verifies; db status is healthy")
    func killServer() throws {
        let file = try Self.generatedFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        // A server of this test's own, with durable commits (the shared test server
        // runs with synchronous_commit = off, which a crash test must not).
        let server = try ScratchCluster(name: "crash", settings: ["synchronous_commit = on"])
        defer {
            server.destroy()
            server.removeBaseDirectory()
        }
        let url = server.url()
        let migrated = try VerityExecutable.run(["db", "migrate", "--database-url", url])
        try #require(migrated.status == 0, "\(migrated.stderr)")
        let before = try DatabaseFingerprint.of(url: url)
        let after = try Self.completeImport(of: file)

        let importer = try VerityExecutable.start(["import", file, "--database-url", url, "--as", "editor"])
        let killed = try Self.killDuringApply(importer, watching: url) { try server.killServer() }
        let outcome = try importer.wait(timeout: 120)
        try #require(killed, "the import of \(Self.cases) cases ended before the server could be killed: \(outcome.stderr)")
        // The client lost its server: a clear "unavailable", never a crash.
        #expect(outcome.signal == nil, "verity died of signal \(outcome.signal ?? 0)")
        #expect(outcome.status == 69, "exit \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("error: "), "\(outcome.stderr)")

        try server.restart()
        let now = try DatabaseFingerprint.of(url: url)
        #expect(now == before || now.counts == after.counts, "partial import: \(now)\nbefore: \(before)\nafter:  \(after)")
        try ChaosTests.expectConsistent(url)
        let status = verity(["db", "status", "--database-url", url])
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("0 pending"), "\(status.stdout)")
    }
}
