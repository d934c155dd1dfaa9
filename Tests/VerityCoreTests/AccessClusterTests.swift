import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// "The embedded cluster accepts only its owner over its socket": checked on
/// the test suite's own cluster, which Verity creates exactly as it creates a
/// desk's embedded cluster.
@Suite("Embedded cluster access")
struct AccessClusterTests {
    /// The data (and socket) directory of the test cluster, from its URL.
    func socketDirectory(_ url: String) throws -> String {
        let host = URLComponents(string: url)?.queryItems?.first { $0.name == "host" }?.value
        return try #require(host)
    }

    @Test("the loaded pg_hba rules: no TCP, the owner role over the socket (also for replication), every other role by password")
    func hostBasedAuthentication() throws {
        let url = try TestServer.shared.makeDatabase()
        // With VERITY_TEST_DATABASE_URL the server is not an embedded cluster.
        guard TestServer.shared.exportsEnvironment else { return }
        let db = try Connection(url)
        let rules = try db.query(
            "SELECT type, database, user_name, auth_method FROM pg_hba_file_rules ORDER BY line_number"
        ).rows.map { row in
            [try row.decode("type", as: String.self), (try row.decode("database", as: [String].self)).joined(),
             (try row.decode("user_name", as: [String].self)).joined(), try row.decode("auth_method", as: String.self)]
        }
        #expect(rules == [
            ["local", "all", EmbeddedCluster.superuser, "trust"],
            ["local", "replication", EmbeddedCluster.superuser, "trust"],
            ["local", "all", "all", "scram-sha-256"],
        ])
        #expect(try db.query("SHOW listen_addresses")[0].decode(at: 0, as: String.self) == "")
        #expect(try db.query("SHOW unix_socket_permissions")[0].decode(at: 0, as: String.self) == "0700")
        let directory = try socketDirectory(url)
        let mode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test("another role cannot connect over the socket without its password")
    func otherRoleRefused() throws {
        let url = try TestServer.shared.makeDatabase()
        let role = "intruder_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try Connection(url)
        try admin.execute(unsafeSQL: "CREATE ROLE \(role) LOGIN")
        defer { try? admin.execute(unsafeSQL: "DROP ROLE \(role)") }
        var components = URLComponents(string: url)!
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "user" } + [URLQueryItem(name: "user", value: role)]
        let error = #expect(throws: PostgresError.self) { try Connection(components.string!) }
        #expect(error?.kind == .connection)
    }

    @Test("another OS user cannot reach the socket at all (run as root: tried as nobody)")
    func otherOSUserRefused() throws {
        guard TestServer.shared.exportsEnvironment, geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser"),
            let psql = ["/usr/bin/psql", "/usr/local/bin/psql"].first(where: FileManager.default.isExecutableFile(atPath:))
        else { return }  // only root can switch users; the directory mode test above covers the rest
        let url = try TestServer.shared.makeDatabase()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments = ["-u", "nobody", "--", psql, "-X", "-w", url, "-c", "SELECT 1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("Permission denied"), "\(text)")
    }
}
