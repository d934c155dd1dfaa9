import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Issue 17, hole 12: imports racing each other, or another writer, into a desk
/// that already has data. The review saw three of four parallel imports exit 64
/// with the server's raw `duplicate key ... reviewers_handle_key`, as if the files
/// were wrong. A conflict with a concurrent change must say "run it again" (75).
@Suite("Adversarial: concurrent imports")
struct ImportAttackTests {
    /// A JSON Lines file naming the same two reviewers as every other file, and cases of its own.
    static func importFile(_ index: Int, cases: Int = 25) throws -> String {
        var lines = [
            #"{"type":"reviewer","handle":"shared-a","name":"Shared A","role":"reviewer"}"#,
            #"{"type":"reviewer","handle":"shared-b","name":"Shared B","role":"editor"}"#,
        ]
        for n in 0..<cases {
            lines.append(#"{"type":"case","ref":"PAR-\#(index)-\#(n)","claim":"claim \#(n) of file \#(index)","claimant":"someone","by":"shared-a"}"#)
        }
        let path = NSTemporaryDirectory() + "verity-parallel-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs each argument vector on its own thread (its own connection), all at once.
    static func concurrently(_ runs: [[String]], environment: [String: String]) -> [CLIResult] {
        let results = Results(count: runs.count)
        DispatchQueue.concurrentPerform(iterations: runs.count) { index in
            results.set(index, verity(runs[index], environment: environment))
        }
        return results.all
    }

    final class Results: @unchecked Sendable {
        private var storage: [CLIResult?]
        private let lock = NSLock()
        init(count: Int) { storage = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: CLIResult) { lock.withLock { storage[index] = value } }
        var all: [CLIResult] { lock.withLock { storage.map { $0! } } }
    }

    @Test("hole 12: four parallel imports into a non-empty desk each exit 0 or 75 (run it again), never 64 with a raw duplicate key")
    func testHole12_parallelImportsExitZeroOrRunAgain() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "already here", "--claimant", "x", "--ref", "OLD-1"], environment: env).status == 0)
        // Files large enough that one import is still applying while the others check theirs.
        let files = try (0..<4).map { try Self.importFile($0, cases: 400) }
        defer { for file in files { try? FileManager.default.removeItem(atPath: file) } }
        var pending = files
        for _ in 0..<4 where !pending.isEmpty {
            let results = Self.concurrently(pending.map { ["import", $0] }, environment: env)
            var again: [String] = []
            for (file, result) in zip(pending, results) {
                #expect([0, 75].contains(result.status), "exit \(result.status): \(result.stderr)")
                if result.status == 75 {
                    #expect(result.stderr.contains("run the import again"), "\(result.stderr)")
                    again.append(file)
                }
                #expect(result.status == 75 || !result.stderr.contains("duplicate key"), "\(result.stderr)")
            }
            pending = again
        }
        #expect(pending.isEmpty, "still refused after four rounds")
        let cases = try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(cases.count == 1 + 4 * 400)
        let reviewers = try #require(try verity(["reviewer", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(reviewers.compactMap { $0["handle"] as? String }.filter { $0.hasPrefix("shared-") }.sorted() == ["shared-a", "shared-b"])
        #expect(verity(["audit", "verify"], environment: env).status == 0)
    }

    @Test("hole 12: an import that loses a race with another writer's new reviewer exits 75 and says to run it again; run again, it succeeds")
    func testHole12_importLosingARaceExits75() throws {
        let env = try deskEnvironment()
        let url = try #require(env["VERITY_DATABASE_URL"])
        let file = try Self.importFile(9, cases: 3)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Another session adds shared-a and has not committed yet: the import's check
        // cannot see it, and its INSERT waits on the uncommitted key.
        let other = try Connection(url)
        try other.execute(unsafeSQL: "BEGIN")
        try other.query(
            "INSERT INTO reviewers (handle, name, role) VALUES ('shared-a', 'Added meanwhile', 'reviewer')")
        let results = Results(count: 1)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            results.set(0, verity(["import", file], environment: env))
            done.signal()
        }
        // Commit once the import waits for that key.
        let watcher = try Connection(url)
        var waited = false
        for _ in 0..<200 {
            let waiting: Int = try watcher.query(
                """
                SELECT count(*)::int AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
                """)[0].decode("n")
            if waiting > 0 {
                waited = true
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(waited, "the import never waited for the other session's reviewer")
        try other.execute(unsafeSQL: "COMMIT")
        done.wait()
        let raced = results.all[0]
        #expect(raced.status == 75, "exit \(raced.status): \(raced.stderr)")
        #expect(raced.stderr.contains("run the import again"), "\(raced.stderr)")
        #expect(raced.stderr.contains("nothing was imported"), "\(raced.stderr)")
        let again = verity(["import", file], environment: env)
        #expect(again.status == 0, "\(again.stderr)")
    }
}
