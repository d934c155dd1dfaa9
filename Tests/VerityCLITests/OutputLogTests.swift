import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// The same database, every session read-only (as on a hot standby).
private func readOnly(_ url: String) -> String {
    if url.contains("://") {
        return url + (url.contains("?") ? "&" : "?") + "options=-c%20default_transaction_read_only%3Don"
    }
    return url + " options='-c default_transaction_read_only=on'"
}

private func logEntries(_ env: [String: String]) throws -> [[String: Any]] {
    try #require(try verity(["report", "log", "--format", "json"], environment: env).json() as? [[String: Any]])
}

@Suite("accountable output: the report and export log")
struct OutputLogTests {
    @Test("each report and export records who ran it, the filters, the case count and the SHA-256 of the exact bytes")
    func reportsAreLogged() throws {
        let env = try deskEnvironment()
        for ref in ["IZY-001", "IZY-002"] {
            #expect(verity(["case", "open", "claim \(ref)", "--claimant", "c", "--ref", ref, "--tag", "izium"], environment: env).status == 0)
        }
        let directory = NSTemporaryDirectory() + "verity-outputlog-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let status = verity(["report", "status", "--tag", "izium", "--format", "json", "--as", "analyst"], environment: env)
        #expect(status.status == 0, "\(status.stderr)")
        let dossierPath = directory + "/IZY-001.html"
        let dossier = verity(["report", "case", "IZY-001", "--format", "html", "--output", dossierPath], environment: env)
        #expect(dossier.status == 0, "\(dossier.stderr)")
        let exportPath = directory + "/desk.jsonl"
        let export = verity(["export", "--output", exportPath], environment: env)
        #expect(export.status == 0, "\(export.stderr)")
        let reviews = verity(["export", "claimreview", "--all-assessed"], environment: env)
        #expect(reviews.status == 0, "\(reviews.stderr)")

        let log = try logEntries(env)
        try #require(log.count == 4)
        #expect(log.map { $0["command"] as? String } == ["export claimreview", "export database", "report case", "report status"])
        let (claimReview, database, caseReport, statusReport) = (log[0], log[1], log[2], log[3])
        #expect(statusReport["actor"] as? String == "analyst")
        #expect(statusReport["sha256"] as? String == SHA256Digest.hex(of: status.stdout))
        #expect(statusReport["output"] as? String == "stdout" && statusReport["format"] as? String == "json")
        #expect(statusReport["case_count"] as? Int == 2)
        #expect((statusReport["filters"] as? [String: Any])?["tag"] as? String == "izium")
        #expect(caseReport["actor"] as? String == "editor" && caseReport["case_count"] as? Int == 1)
        #expect(caseReport["output"] as? String == dossierPath)
        #expect(caseReport["sha256"] as? String == (try SHA256Digest.hex(ofFileAt: dossierPath).hex))
        #expect(database["sha256"] as? String == (try SHA256Digest.hex(ofFileAt: exportPath).hex))
        #expect(database["case_count"] as? Int == 2)
        #expect(claimReview["sha256"] as? String == SHA256Digest.hex(of: reviews.stdout))
        #expect(claimReview["case_count"] as? Int == 0)
        for entry in log {
            for field in ["id", "at", "actor", "command", "filters", "case_count", "sha256", "output", "format"] {
                #expect(entry[field] != nil, "missing \(field)")
            }
        }
        let table = verity(["report", "log", "--limit", "1"], environment: env)
        #expect(table.stdout.contains("export claimreview") && !table.stdout.contains("report status"))
        let csv = verity(["report", "log", "--format", "csv"], environment: env)
        #expect(csv.stdout.hasPrefix("id,at,actor,command"))
    }

    @Test("without an acting reviewer the database user is recorded; an unknown one is refused before anything is written")
    func whoRanIt() throws {
        let env = try deskEnvironment()
        let url = try #require(env["VERITY_DATABASE_URL"])
        let anonymous = verity(["report", "status"], environment: ["VERITY_DATABASE_URL": url])
        #expect(anonymous.status == 0, "\(anonymous.stderr)")
        let entry = try #require(try logEntries(env).first)
        #expect(entry["actor"] as? String == EmbeddedCluster.superuser || ProcessInfo.processInfo.environment["VERITY_TEST_DATABASE_URL"] != nil)
        #expect(entry["reviewer"] is NSNull)

        let ghost = verity(["report", "status", "--as", "ghost"], environment: env)
        #expect(ghost.status == 66 && ghost.stderr.contains("ghost") && ghost.stdout.isEmpty)
        #expect(try logEntries(env).count == 1)
    }

    @Test("on a read-only server the report is still written, with a warning that it was not logged")
    func readOnlyServer() throws {
        let env = try deskEnvironment()
        let url = try #require(env["VERITY_DATABASE_URL"])
        #expect(verity(["case", "open", "claim", "--claimant", "c", "--ref", "IZY-001"], environment: env).status == 0)
        let report = verity(["report", "case", "IZY-001"], environment: ["VERITY_DATABASE_URL": readOnly(url), "VERITY_REVIEWER": "editor"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("IZY-001"))
        #expect(report.stderr.contains("not recorded in the output log") && report.stderr.contains("read-only"))
        #expect(try logEntries(env).isEmpty)
    }

    @Test("the output log is append-only")
    func appendOnly() throws {
        let env = try deskEnvironment()
        #expect(verity(["report", "status"], environment: env).status == 0)
        let db = try PostgresClient.Connection(env["VERITY_DATABASE_URL"]!)
        for statement in ["UPDATE output_log SET sha256 = repeat('0', 64)", "DELETE FROM output_log", "TRUNCATE output_log"] {
            #expect(throws: (any Error).self) { try db.execute(unsafeSQL: statement) }
        }
        #expect(try logEntries(env).count == 1)
    }
}
