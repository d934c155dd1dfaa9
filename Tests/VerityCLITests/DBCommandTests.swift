import Foundation
import Testing
import VerityCore
import VerityTestSupport

@Suite("verity db")
struct DBCommandTests {
    @Test("db migrate against a server applies everything once, then nothing")
    func migrateTwice() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let first = verity(["db", "migrate", "--database-url", url])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied migrations/001_baseline.sql"))
        let second = verity(["db", "migrate", "--database-url", url])
        #expect(second.status == 0)
        #expect(second.stdout.contains("Nothing to apply"))
    }

    @Test("db status reports reachability, version and migrations as JSON")
    func statusJSON() throws {
        let url = try TestServer.shared.makeDatabase()
        let result = verity(["db", "status", "--format", "json"], environment: ["VERITY_DATABASE_URL": url])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try result.json() as? [String: Any])
        #expect(object["reachable"] as? Bool == true)
        #expect(object["source"] as? String == "VERITY_DATABASE_URL")
        #expect((object["server_version"] as? String)?.hasPrefix("15") == true || object["server_version"] != nil)
        #expect((object["migrations"] as? [Any])?.count == Migration.all.count)
        #expect((object["pending"] as? [Any])?.isEmpty == true)
    }

    @Test("db status of an unreachable server exits 69 and never shows the password")
    func statusUnreachable() {
        let result = verity([
            "db", "status", "--database-url", "postgresql://desk:topsecret@127.0.0.1:1/verity?connect_timeout=2",
        ])
        #expect(result.status == 69)
        #expect(result.stdout.contains("reachable:  no"))
        #expect(result.stdout.contains("desk:***@127.0.0.1"))
        #expect(!(result.stdout + result.stderr).contains("topsecret"))
    }

    @Test("other commands refuse an unmigrated server and say how to migrate")
    func unmigratedRefused() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let result = verity(["db", "start", "--database-url", url])
        #expect(result.status == 64)
        #expect(result.stderr.contains("no embedded server to start"))
    }

    @Test("db start, status, url and stop on the embedded cluster in VERITY_HOME")
    func embeddedLifecycle() throws {
        let home = "/tmp/verity-cli-home-\(UUID().uuidString.prefix(8))"
        defer {
            (try? EmbeddedCluster.forHome(home))?.destroy()
            try? FileManager.default.removeItem(atPath: home)
        }
        let env = ["VERITY_HOME": home]
        let start = verity(["db", "start"], environment: env)
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stdout.contains("no TCP port"))
        let status = verity(["db", "status"], environment: env)
        #expect(status.status == 0)
        #expect(status.stdout.contains("embedded cluster in \(home)/cluster"))
        #expect(status.stdout.contains("reachable:  yes"))
        let url = verity(["db", "url"], environment: env)
        #expect(url.stdout.hasPrefix("postgresql:///verity?host=/"))
        let stop = verity(["db", "stop"], environment: env)
        #expect(stop.status == 0)
        #expect(stop.stdout.contains("stopped"))
        let after = verity(["db", "status"], environment: env)
        #expect(after.status == 69)
    }

    @Test("an unknown option is a usage error (64) that names the option")
    func usageError() {
        let result = verity(["db", "status", "--colour", "always"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--colour"))
    }

    @Test("--help teaches the configuration order and exits 0")
    func help() {
        let result = verity(["db", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("VERITY_DATABASE_URL"))
        #expect(result.stdout.contains("migrate"))
    }
}
