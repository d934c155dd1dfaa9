import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

@Suite("The embedded cluster")
struct EmbeddedClusterTests {
    @Test("start creates a migrated cluster on a socket only, mode 0700; stop stops it")
    func lifecycle() throws {
        let home = "/tmp/verity-home-\(UUID().uuidString.prefix(8))"
        let cluster = try EmbeddedCluster.forHome(home)
        defer {
            cluster.destroy()
            try? FileManager.default.removeItem(atPath: home)
        }
        let db = try Database.open(.embedded(home: home))
        #expect(cluster.isRunning)
        #expect(try Migrator(connection: db).pending().isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: cluster.dataDirectory)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        #expect(try db.query("SHOW listen_addresses")[0].decode(at: 0, as: String.self) == "")
        #expect(try db.query("SHOW unix_socket_permissions")[0].decode(at: 0, as: String.self) == "0700")
        // The cluster is reachable from the home directory the user named.
        #expect(FileManager.default.fileExists(atPath: home + "/cluster/PG_VERSION"))

        try cluster.stop()
        #expect(!cluster.isRunning)
        #expect(throws: PostgresError.self) { try Connection(cluster.connectionString()) }

        // Opening again starts it on demand, with the data kept.
        let again = try Database.open(.embedded(home: home))
        #expect(try again.query("SELECT count(*) AS n FROM verity_schema_migrations")[0].decode("n", as: Int.self)
            == Migration.all.count + Migration.definitions.count)
    }

    @Test("a cluster whose path holds a quote starts and migrates")
    func pathWithQuote() throws {
        // The data directory itself (as root, forHome puts it under /var/lib/verity instead).
        let parent = "/tmp/verity-o'brien-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        chmod(parent, 0o777)
        let cluster = EmbeddedCluster(dataDirectory: parent + "/cluster")
        defer {
            cluster.destroy()
            try? FileManager.default.removeItem(atPath: parent)
        }
        try cluster.ensureRunning()
        let db = try Connection(cluster.connectionString())
        try Migrator(connection: db).migrate()
        #expect(try db.query("SHOW unix_socket_directories")[0].decode(at: 0, as: String.self) == cluster.dataDirectory)
    }

    @Test("configuration order: flag, VERITY_DATABASE_URL, DATABASE_URL, then embedded")
    func configurationOrder() {
        let all: Environment = ["VERITY_DATABASE_URL": "postgresql:///a", "DATABASE_URL": "postgresql:///b", "VERITY_HOME": "/h"]
        guard case .url("postgresql:///f", .flag) = DatabaseLocation.resolve(flag: "postgresql:///f", environment: all)
        else { Issue.record("flag should win"); return }
        guard case .url("postgresql:///a", .verityEnvironment) = DatabaseLocation.resolve(flag: nil, environment: all)
        else { Issue.record("VERITY_DATABASE_URL should come next"); return }
        guard case .url("postgresql:///b", .environment) = DatabaseLocation.resolve(
            flag: nil, environment: ["DATABASE_URL": "postgresql:///b"])
        else { Issue.record("DATABASE_URL should come next"); return }
        guard case .embedded(let home) = DatabaseLocation.resolve(flag: nil, environment: ["VERITY_HOME": "/h"]),
            home == "/h"
        else { Issue.record("the embedded cluster should be last"); return }
        guard case .embedded(let fallback) = DatabaseLocation.resolve(flag: nil, environment: ["HOME": "/home/x"]),
            fallback == "/home/x/.local/share/verity"
        else { Issue.record("VERITY_HOME defaults to ~/.local/share/verity"); return }
    }

    @Test("missing server programs name the package to install")
    func missingPrograms() {
        let error = #expect(throws: VerityError.self) {
            try ServerPrograms.locate(environment: ["PATH": "/nonexistent"], extraDirectories: [])
        }
        #expect(error?.hint?.contains("apt-get install postgresql") == true)
    }
}

@Suite("The embedded cluster after a crash")
struct EmbeddedClusterCrashTests {
    @Test("a server killed with SIGKILL is restarted on the next command, data intact")
    func restartAfterKill() throws {
        let home = "/tmp/verity-crash-\(UUID().uuidString.prefix(8))"
        let cluster = try EmbeddedCluster.forHome(home)
        defer {
            cluster.destroy()
            try? FileManager.default.removeItem(atPath: home)
        }
        let db = try Database.open(.embedded(home: home))
        try db.query("CREATE TABLE survivor (n int)")
        try db.query("INSERT INTO survivor VALUES (\(42))")
        let pidText = try String(contentsOfFile: cluster.dataDirectory + "/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidText.split(separator: "\n").first.flatMap { Int32($0) })
        kill(pid, SIGKILL)
        // Wait for the postmaster to be gone; its socket file stays behind.
        var waited = 0
        while kill(pid, 0) == 0, waited < 100 {
            usleep(50_000)
            waited += 1
        }
        #expect(cluster.isRunning, "the stale socket file is still there")
        let again = try Database.open(.embedded(home: home))
        #expect(try again.query("SELECT n FROM survivor")[0].decode("n", as: Int.self) == 42)
    }
}
