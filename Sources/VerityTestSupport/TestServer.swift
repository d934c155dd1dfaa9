import Foundation
import PostgresClient
import VerityCore

/// The PostgreSQL server the test suite runs against: a throwaway cluster in
/// /tmp on a Unix socket, started once per test process and removed at exit,
/// or the server named by VERITY_TEST_DATABASE_URL. Every test gets a database
/// of its own, cloned from a migrated template, so tests run in parallel and
/// leave nothing behind.
public final class TestServer: Sendable {
    public static let shared: TestServer = {
        do {
            return try TestServer()
        } catch {
            fatalError("could not start the test PostgreSQL server: \(error)")
        }
    }()

    /// Connection string of the server's maintenance database.
    let adminURL: String
    let cluster: EmbeddedCluster?
    let lock = NSLock()
    let prefix = "verity_test_\(getpid())_"
    private let counter = Counter()

    private init() throws {
        if let url = ProcessInfo.processInfo.environment["VERITY_TEST_DATABASE_URL"], !url.isEmpty {
            adminURL = url
            cluster = nil
        } else {
            let directory = "/tmp/verity-test-\(UUID().uuidString.prefix(8).lowercased())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
            let cluster = EmbeddedCluster(
                dataDirectory: directory + "/data",
                extraSettings: ["fsync = off", "synchronous_commit = off", "full_page_writes = off",
                                "max_connections = 200"])
            try cluster.ensureRunning()
            self.cluster = cluster
            adminURL = cluster.connectionString(database: "postgres")
            Self.directoryToRemove = directory
            atexit { TestServer.shutdown() }
        }
        let admin = try Connection(adminURL)
        try admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(prefix)template")
        try admin.execute(unsafeSQL: "CREATE DATABASE \(prefix)template")
        let template = try Connection(url(for: "\(prefix)template"))
        try Migrator(connection: template).migrate()
        try exportEnvironment(admin)
    }

    /// The database that the PG* variables point at (see `exportEnvironment`).
    public var environmentDatabase: String { prefix + "env" }

    /// Points PGHOST, PGUSER and PGDATABASE at a database of this server so that
    /// a test can check that an empty connection string honours them. Done once,
    /// while every other test waits for this server: setenv is not safe while
    /// other threads read the environment.
    private func exportEnvironment(_ admin: Connection) throws {
        guard let cluster else { return }
        try admin.execute(unsafeSQL: "CREATE DATABASE \(environmentDatabase) TEMPLATE template0")
        setenv("PGHOST", cluster.dataDirectory, 1)
        setenv("PGUSER", EmbeddedCluster.superuser, 1)
        setenv("PGDATABASE", environmentDatabase, 1)
    }

    /// Whether the PG* variables were exported (not with VERITY_TEST_DATABASE_URL).
    public var exportsEnvironment: Bool { cluster != nil }

    nonisolated(unsafe) static var directoryToRemove: String?

    static func shutdown() {
        guard let directory = directoryToRemove else { return }
        EmbeddedCluster(dataDirectory: directory + "/data").destroy()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new, empty database: migrated (the default) or bare. Returns its URL.
    public func makeDatabase(migrated: Bool = true) throws -> String {
        let name = prefix + String(counter.next())
        let template = migrated ? "\(prefix)template" : "template0"
        // CREATE DATABASE refuses to copy a template that another session is
        // copying at the same moment, so clones are made one at a time.
        try lock.withLock {
            let admin = try Connection(adminURL)
            try admin.execute(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)")
        }
        return url(for: name)
    }

    /// A new migrated database whose LC_CTYPE and LC_COLLATE are C (as on a server
    /// initialised without a locale), for rules that must not depend on the locale.
    public func makeCLocaleDatabase() throws -> String {
        let name = prefix + String(counter.next())
        try lock.withLock {
            let admin = try Connection(adminURL)
            try admin.execute(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE template0 LC_CTYPE 'C' LC_COLLATE 'C'")
        }
        try Migrator(connection: Connection(url(for: name))).migrate()
        return url(for: name)
    }

    /// A connection to a new migrated database.
    public func connect(migrated: Bool = true) throws -> Connection {
        try Connection(makeDatabase(migrated: migrated))
    }

    func url(for database: String) -> String {
        if let cluster { return cluster.connectionString(database: database) }
        if adminURL.contains("://"), var components = URLComponents(string: adminURL) {
            components.path = "/" + database
            return components.string ?? adminURL
        }
        return adminURL + " dbname=\(database)"
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.withLock { value += 1; return value } }
}
