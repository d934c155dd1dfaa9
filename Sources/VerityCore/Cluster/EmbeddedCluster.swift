#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Verity's own PostgreSQL cluster: created with initdb on first use, started
/// on demand with pg_ctl, reachable only through a Unix socket inside its own
/// 0700 directory (no TCP port), so only its owner can connect.
///
/// initdb and postgres refuse to run as root. When Verity runs as root, the
/// server runs as the unprivileged `postgres` user (through runuser) in a
/// directory that user owns under /var/lib/verity, and `$VERITY_HOME/cluster`
/// is a symbolic link to it: postgres cannot enter root's private home.
public struct EmbeddedCluster: Sendable {
    /// The cluster's data directory; the socket lives here too.
    public let dataDirectory: String
    /// Extra settings appended to postgresql.conf at creation (tests turn fsync off).
    public var extraSettings: [String] = []
    public static let databaseName = "verity"
    public static let superuser = "verity"
    static let serverUser = "postgres"

    public init(dataDirectory: String, extraSettings: [String] = []) {
        self.dataDirectory = dataDirectory
        self.extraSettings = extraSettings
    }

    /// The cluster that belongs to a Verity home directory.
    public static func forHome(_ home: String) throws -> EmbeddedCluster {
        let link = home + "/cluster"
        guard isRoot else { return EmbeddedCluster(dataDirectory: link) }
        let resolvedHome = URL(fileURLWithPath: home).standardizedFileURL.path
        let key = String(SHA256Digest.hex(of: resolvedHome).prefix(16))
        let data = "/var/lib/verity/clusters/" + key
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != data {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: link)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: data)
        }
        return EmbeddedCluster(dataDirectory: data)
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// libpq connection string for a database in this cluster.
    public func connectionString(database: String = EmbeddedCluster.databaseName) -> String {
        "postgresql:///\(database)?host=\(dataDirectory)&user=\(Self.superuser)"
    }

    public var socketPath: String { dataDirectory + "/.s.PGSQL.5432" }
    public var logFile: String { dataDirectory + "/server.log" }

    public var isInitialized: Bool {
        FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION")
    }

    /// True when the server's socket exists (a cheap check before connecting).
    public var isRunning: Bool { FileManager.default.fileExists(atPath: socketPath) }

    /// Creates the cluster if needed, starts it if needed, and makes sure the
    /// `verity` database exists. Safe to call on every command.
    public func ensureRunning() throws {
        if !isInitialized { try initialize() }
        // Probe with a connection, not the socket file: after a crash the file
        // stays behind while no server listens (pg_ctl clears the stale lock).
        if (try? Connection(connectionString(database: "postgres"))) == nil { try start() }
        try createDatabaseIfMissing()
    }

    func initialize() throws {
        let programs = try ServerPrograms.locate()
        guard unixSocketPathFits else {
            throw VerityError.usage(
                "the socket path \(socketPath) is longer than the 107 bytes Unix sockets allow",
                hint: "set VERITY_HOME to a shorter directory")
        }
        try prepareDirectory()
        let common = ["-D", dataDirectory, "-U", Self.superuser, "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--no-instructions"]
        // Sorting and comparing stay byte-wise (collation C, the fastest), but characters are
        // classified as Unicode (ctype C.UTF-8): full-text search then splits «Для детей» at the
        // guillemets and lowercases Cyrillic, Greek and accented Latin. Systems without a
        // C.UTF-8 locale get the plain C locale, as before.
        var result = try runAsServerUser(programs.initdb, common + ["--locale=C", "--lc-ctype=C.UTF-8"])
        if result.status != 0, result.output.contains("locale") {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            try prepareDirectory()
            result = try runAsServerUser(programs.initdb, common + ["--no-locale"])
        }
        guard result.status == 0 else {
            throw VerityError.unavailable(
                "initdb could not create the embedded cluster in \(dataDirectory):\n\(result.output)",
                hint: "remove the directory if it is left over from a failed attempt, and check the disk space")
        }
        // Over the socket (which only the OS owner can reach), the cluster's own
        // superuser needs no password; any other role, such as a reviewer's
        // login, must give its password. No host lines: no TCP at all.
        try Self.hostBasedAuthentication.write(toFile: dataDirectory + "/pg_hba.conf", atomically: false, encoding: .utf8)
        var settings = [
            "# Added by Verity: a socket only its owner can reach, no TCP port.",
            "listen_addresses = ''",
            // A quote in the path is doubled, as postgresql.conf's string syntax wants.
            "unix_socket_directories = '\(dataDirectory.replacing("'", with: "''"))'",
            "unix_socket_permissions = 0700",
            // A bulk import of a million cases writes gigabytes of WAL in one transaction
            // (BENCHMARKS.md has the figure); with the default 1 GB every gigabyte forced a
            // checkpoint, and each checkpoint makes the next change to every page write a
            // full-page image again. The space is only used while that much is written
            // between checkpoints.
            "max_wal_size = '8GB'",
        ]
        settings += extraSettings
        let conf = dataDirectory + "/postgresql.conf"
        let file = try POSIXFile.open(writing: conf, append: true)
        try file.write("\n" + settings.joined(separator: "\n") + "\n")
        file.close()
    }

    /// The embedded cluster's pg_hba.conf.
    public static let hostBasedAuthentication = """
        # Written by Verity. The socket directory is mode 0700: only the OS user who owns the
        # cluster reaches it. Its superuser role connects without a password, also for
        # replication (pg_basebackup of a standby); every other role (reviewer logins) gives
        # its password. There is no TCP listener and no host line.
        # TYPE  DATABASE     USER    METHOD
        local   all          \(superuser)  trust
        local   replication  \(superuser)  trust
        local   all          all     scram-sha-256

        """

    /// Creates the data directory with mode 0700, owned by whoever runs the server.
    private func prepareDirectory() throws {
        let manager = FileManager.default
        let parent = URL(fileURLWithPath: dataDirectory).deletingLastPathComponent().path
        try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if !manager.fileExists(atPath: dataDirectory) {
            try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: false)
        }
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dataDirectory)
        if Self.isRoot {
            guard getpwnam(Self.serverUser) != nil else {
                throw VerityError.unavailable(
                    "running as root, Verity starts PostgreSQL as the user '\(Self.serverUser)', which does not exist",
                    hint: "install the postgresql package (it creates that user) or run Verity as an ordinary user")
            }
            try manager.setAttributes([.ownerAccountName: Self.serverUser], ofItemAtPath: dataDirectory)
        }
    }

    public func start() throws {
        guard isInitialized else { try ensureRunning(); return }
        let programs = try ServerPrograms.locate()
        let result = try runAsServerUser(
            programs.pgCtl, ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-s", "start"])
        // A concurrent `start` may have won the race; what matters is that it runs.
        guard result.status == 0 || isRunning else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8))?.split(separator: "\n").suffix(8)
                .joined(separator: "\n") ?? ""
            throw VerityError.unavailable(
                "the embedded PostgreSQL in \(dataDirectory) did not start:\n\(result.output)\(log)",
                hint: "read \(logFile) for the server's own explanation")
        }
    }

    public func stop() throws {
        guard isInitialized, isRunning else { return }
        let programs = try ServerPrograms.locate()
        let result = try runAsServerUser(programs.pgCtl, ["-D", dataDirectory, "-m", "fast", "-w", "-s", "stop"])
        guard result.status == 0 || !isRunning else {
            throw VerityError.unavailable("the embedded PostgreSQL did not stop:\n\(result.output)")
        }
    }

    /// Stops the server and deletes the cluster (tests' throwaway clusters).
    public func destroy() {
        if isRunning, let programs = try? ServerPrograms.locate() {
            _ = try? runAsServerUser(programs.pgCtl, ["-D", dataDirectory, "-m", "immediate", "-w", "-s", "stop"])
        }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    func createDatabaseIfMissing() throws {
        let admin = try Connection(connectionString(database: "postgres"))
        let exists = try admin.query("SELECT 1 FROM pg_database WHERE datname = \(Self.databaseName)").rowCount > 0
        if !exists {
            do {
                try admin.execute(unsafeSQL: "CREATE DATABASE \(Self.databaseName)")
            } catch let error as PostgresError where error.sqlState == SQLState("42P04") {
                // Created by a concurrent command in the meantime.
            }
        }
    }

    private var unixSocketPathFits: Bool { socketPath.utf8.count <= 107 }

    private func runAsServerUser(_ program: String, _ arguments: [String]) throws -> Subprocess.Outcome {
        if Self.isRoot {
            return try Subprocess.run("/usr/sbin/runuser", ["-u", Self.serverUser, "--", program] + arguments)
        }
        return try Subprocess.run(program, arguments)
    }
}
