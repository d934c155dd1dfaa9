import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Growing past one machine: a primary with a synchronous streaming standby,
/// a multi-host URL that follows the writable server, reports on the standby.
/// The default run fails over once under a single writer for about two
/// seconds; `VERITY_SLOW_TESTS=1` (`make test-all`) runs eight writers for longer.
@Suite("Failover to a promoted standby", .serialized, .timeLimit(.minutes(5)))
struct FailoverTests {
    static let slow = ProcessInfo.processInfo.environment["VERITY_SLOW_TESTS"] == "1"

    @Test("with a multi-host URL Verity keeps working after the primary stops and the standby is promoted, losing no acknowledged change")
    func failover() throws {
        let pair = try ReplicatedPair()
        defer { pair.destroy() }
        let url = pair.multiHostURL()
        let env = ["VERITY_REVIEWER": "editor"]
        let add = verity(["reviewer", "add", "editor", "--name", "Desk editor", "--role", "editor", "--database-url", url])
        try #require(add.status == 0, "\(add.stderr)")

        // Writers open cases with unique references and remember which ones Verity
        // reported as done (exit 0): those are the committed changes.
        let writers = Self.slow ? 8 : 1
        let log = WriteLog()
        let stop = StopFlag()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            runConcurrently(writers) { writer in
                var number = 0
                while !stop.isSet {
                    number += 1
                    let ref = "FO-\(writer)-\(number)"
                    let result = verity(
                        ["case", "open", "claim \(ref)", "--claimant", "failover test", "--ref", ref, "--database-url", url],
                        environment: env)
                    log.record(ref: ref, result: result)
                    if result.status != 0 { usleep(50_000) }
                }
            }
            finished.signal()
        }.start()
        usleep(Self.slow ? 5_000_000 : 700_000)
        let beforeStop = log.acknowledged.count
        try pair.primary.stop()
        try pair.promoteStandby()
        // Work continues through the same URL, now on the promoted standby.
        let deadline = Date().addingTimeInterval(30)
        while log.acknowledged.count <= beforeStop + writers * 3, Date() < deadline { usleep(100_000) }
        if Self.slow { usleep(5_000_000) }
        stop.set()
        finished.wait()

        print("failover: \(writers) writer(s), \(beforeStop) cases acknowledged before the primary stopped, "
              + "\(log.acknowledged.count) in all, \(log.failures.count) refused while no server was writable")
        #expect(beforeStop > 0, "nothing was committed before the primary stopped")
        #expect(log.acknowledged.count > beforeStop + writers, "no change was committed after the promotion")
        // While no server was writable, commands failed cleanly: unavailable (69) or a conflict (75).
        for failure in log.failures {
            #expect([69, 75].contains(failure.status), "\(failure.ref): exit \(failure.status): \(failure.stderr)")
            #expect(!failure.stderr.isEmpty)
        }
        // Every acknowledged change is on the new primary (reached through the same URL).
        let db = try Connection(url)
        let refs = Set(try db.query("SELECT ref FROM cases").rows.map { try $0.decode("ref", as: String.self) })
        let lost = log.acknowledged.filter { !refs.contains($0) }
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.prefix(10))")
        let isStandby: Bool = try db.query("SELECT pg_is_in_recovery() AS r")[0].decode("r")
        #expect(!isStandby)
        let audit = verity(["audit", "verify", "--database-url", url])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
    }

    @Test("report status, report case, case list/show, search and export run on a read-only standby")
    func readOnlyCommandsOnStandby() throws {
        let pair = try ReplicatedPair(synchronous: false)
        defer { pair.destroy() }
        let primary = pair.primary.url()
        let env = ["VERITY_REVIEWER": "editor"]
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("seeds/izium-2022.jsonl").path
        let load = verity(["import", seeds, "--database-url", primary], environment: env)
        try #require(load.status == 0, "\(load.stderr)")
        try pair.waitForStandbyToCatchUp()

        // The primary is up: prefer-standby picks the standby all the same.
        let standbyOnly = pair.standby.url()
        let preferStandby = pair.multiHostURL(targetSessionAttrs: "prefer-standby")
        let probe = try Connection(preferStandby)
        #expect(try probe.query("SELECT pg_is_in_recovery() AS r")[0].decode("r", as: Bool.self))

        for url in [standbyOnly, preferStandby] {
            let onPrimary = verity(["report", "status", "--database-url", primary, "--format", "json"])
            let report = verity(["report", "status", "--database-url", url, "--format", "json"])
            #expect(report.status == 0, "\(report.stderr)")
            let standbyJSON = try #require(try report.json() as? [String: Any])
            let primaryJSON = try #require(try onPrimary.json() as? [String: Any])
            #expect(standbyJSON["total"] as? Int == 5)
            func counts(_ json: [String: Any]) -> [String] {
                (json["states"] as? [[String: Any]] ?? []).map { "\($0["state"] ?? "?")=\($0["count"] ?? "?")" }
            }
            #expect(counts(standbyJSON) == counts(primaryJSON))
            #expect(counts(standbyJSON).count == 4)
            let markdown = verity(["report", "status", "--database-url", url])
            #expect(markdown.status == 0, "\(markdown.stderr)")
            let historical = verity(["report", "status", "--as-of", "2022-10-01", "--database-url", url])
            #expect(historical.status == 0, "\(historical.stderr)")
            for arguments in [
                ["report", "case", "IZY-2022-001"], ["case", "list"], ["case", "show", "IZY-2022-001"],
                ["case", "history", "IZY-2022-001"], ["search", "Izium"], ["export", "database"],
                ["audit", "verify"], ["db", "status"],
            ] {
                let result = verity(arguments + ["--database-url", url])
                #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
            }
        }
        // A change through the standby is refused with a clear error, not half-done.
        let refused = verity(["reviewer", "add", "newcomer", "--name", "New", "--database-url", standbyOnly], environment: env)
        #expect(refused.status == 69, "\(refused.stderr)")
        #expect(refused.stderr.contains("read-only") && refused.stderr.contains("target_session_attrs=read-write"), "\(refused.stderr)")
    }

    @Test("multi-host URLs are shown without their password")
    func multiHostRedaction() {
        let url = "postgresql://desk:s3cret@db1.example.org:5432,db2.example.org:5433/verity?target_session_attrs=read-write"
        #expect(ConnectionString.redact(url)
            == "postgresql://desk:***@db1.example.org:5432,db2.example.org:5433/verity?target_session_attrs=read-write")
        let sockets = "postgresql:///verity?host=/run/a,/run/b&password=s3cret&target_session_attrs=read-write"
        #expect(ConnectionString.redact(sockets)
            == "postgresql:///verity?host=/run/a,/run/b&password=***&target_session_attrs=read-write")
        let keywords = "host=db1,db2 port=5432,5433 password='s3 cret' target_session_attrs=prefer-standby"
        #expect(ConnectionString.redact(keywords) == "host=db1,db2 port=5432,5433 password=*** target_session_attrs=prefer-standby")
    }
}

/// What the failover writers saw.
final class WriteLog: @unchecked Sendable {
    struct Failure {
        var ref: String
        var status: Int32
        var stderr: String
    }

    private let lock = NSLock()
    private var done: [String] = []
    private var failed: [Failure] = []

    func record(ref: String, result: CLIResult) {
        lock.withLock {
            if result.status == 0 { done.append(ref) } else {
                failed.append(Failure(ref: ref, status: result.status, stderr: result.stderr))
            }
        }
    }

    var acknowledged: [String] { lock.withLock { done } }
    var failures: [Failure] { lock.withLock { failed } }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
