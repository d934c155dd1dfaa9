import Foundation
import PostgresClient
import VerityCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A PostgreSQL cluster of a test's own, in its own directory under /tmp, for
/// the tests that crash, stop or promote servers (never `TestServer.shared`,
/// which every other test uses). Removed by `destroy()`.
public final class ScratchCluster: Sendable {
    public let cluster: EmbeddedCluster
    /// The folder holding the data directory (and any sibling clusters).
    public let baseDirectory: String

    /// Creates and starts a cluster with `settings` appended to postgresql.conf,
    /// and the `verity` database in it (not migrated).
    public init(name: String = "scratch", baseDirectory: String? = nil, settings: [String] = []) throws {
        let base = baseDirectory ?? "/tmp/verity-fault-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: base)
        self.baseDirectory = base
        cluster = EmbeddedCluster(
            dataDirectory: base + "/" + name,
            extraSettings: ["fsync = off", "full_page_writes = off", "max_connections = 100"] + settings)
        try cluster.ensureRunning()
    }

    /// Wraps an existing data directory (a standby made by pg_basebackup).
    init(existing dataDirectory: String, baseDirectory: String) {
        cluster = EmbeddedCluster(dataDirectory: dataDirectory)
        self.baseDirectory = baseDirectory
    }

    public var dataDirectory: String { cluster.dataDirectory }

    /// URL of the `verity` database (or another) in this cluster.
    public func url(database: String = EmbeddedCluster.databaseName) -> String {
        cluster.connectionString(database: database)
    }

    /// The postmaster's process id, from postmaster.pid.
    public func postmasterPID() throws -> pid_t {
        let text = try String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)
        guard let first = text.split(separator: "\n").first, let pid = pid_t(first.trimmed)
        else { throw ChildProcessError("postmaster.pid in \(dataDirectory) has no process id") }
        return pid
    }

    /// kill -9 of the whole server: the postmaster and every process it started,
    /// as when the machine's OOM killer or a power cut takes the server down.
    public func killServer() throws {
        let postmaster = try postmasterPID()
        let children = Self.children(of: postmaster)
        for pid in [postmaster] + children { _ = kill(pid, SIGKILL) }
    }

    /// Starts the server again after a crash. The killed processes take a
    /// moment to disappear (and release shared memory), so this retries.
    public func restart(timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                try cluster.start()
                if (try? Connection(url(database: "postgres"))) != nil { return }
            } catch where Date() < deadline {
            }
            if Date() > deadline {
                throw ChildProcessError("the cluster in \(dataDirectory) did not restart within \(Int(timeout)) s")
            }
            usleep(200_000)
        }
    }

    public func stop() throws { try cluster.stop() }

    public func destroy() {
        cluster.destroy()
    }

    /// Removes the whole base directory (after every cluster in it is destroyed).
    public func removeBaseDirectory() {
        try? FileManager.default.removeItem(atPath: baseDirectory)
    }

    /// Runs a PostgreSQL program as the server's user (`postgres` when the tests
    /// run as root: the server refuses to run as root).
    public static func runAsServerUser(_ program: String, _ arguments: [String]) throws -> ChildProcess.Outcome {
        if geteuid() == 0 {
            return try ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", program] + arguments)
        }
        return try ChildProcess.run(program, arguments)
    }

    /// Direct children of `parent`, read from /proc (Linux).
    static func children(of parent: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // "pid (comm) state ppid …": the command may contain spaces, so split after ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == parent else { return nil }
            return pid
        }
    }
}
