import Foundation
import PostgresClient
import VerityCore

/// A primary and a streaming hot standby, each on its own Unix socket folder:
/// the failover tests' two machines. The primary waits for the standby before
/// acknowledging a commit (`synchronous_standby_names = '*'`), so a change the
/// primary reported committed is on the standby too.
public final class ReplicatedPair: Sendable {
    public let primary: ScratchCluster
    public let standby: ScratchCluster

    /// Starts a primary with the migrated `verity` database, clones it with
    /// `pg_basebackup -R` and starts the clone as a streaming standby. With
    /// `synchronous`, the primary acknowledges a commit only once the standby has it.
    public init(synchronous: Bool = true) throws {
        let primary = try ScratchCluster(
            name: "primary",
            settings: ["wal_level = replica", "max_wal_senders = 4", "synchronous_commit = on", "hot_standby = on"])
        do {
            (self.primary, self.standby) = (primary, try Self.makeStandby(of: primary, synchronous: synchronous))
        } catch {
            primary.destroy()
            primary.removeBaseDirectory()
            throw error
        }
    }

    private static func makeStandby(of primary: ScratchCluster, synchronous: Bool) throws -> ScratchCluster {
        try Migrator(connection: Connection(primary.url())).migrate()

        let standbyDirectory = primary.baseDirectory + "/standby"
        try FileManager.default.createDirectory(atPath: standbyDirectory, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: standbyDirectory)
        if geteuid() == 0 {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: standbyDirectory)
        }
        let programs = try ServerPrograms.locate()
        let backup = try ScratchCluster.runAsServerUser(
            programs.program("pg_basebackup"),
            ["-D", standbyDirectory, "-R", "-X", "stream", "-c", "fast",
             "-d", "host=\(primary.dataDirectory) user=\(EmbeddedCluster.superuser) application_name=standby"])
        guard backup.status == 0 else {
            throw ChildProcessError("pg_basebackup failed (\(backup.status)): \(backup.stdout)\(backup.stderr)")
        }
        // The copy carries the primary's settings: give it its own socket folder, and
        // no synchronous standby of its own (once promoted it has none to wait for).
        let conf = standbyDirectory + "/postgresql.conf"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: conf))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(
            """

            # Added by ReplicatedPair: the standby's own socket, nothing to wait for when promoted.
            unix_socket_directories = '\(standbyDirectory)'
            synchronous_standby_names = ''

            """.utf8))
        try handle.close()
        // The socket folder is the data directory, so the copy holds the primary's
        // socket lock file (naming the primary's live postmaster) and its log.
        for leftover in ["/.s.PGSQL.5432.lock", "/server.log"] {
            try? FileManager.default.removeItem(atPath: standbyDirectory + leftover)
        }
        let standby = ScratchCluster(existing: standbyDirectory, baseDirectory: primary.baseDirectory)
        try standby.cluster.start()
        guard synchronous else {
            try waitUntilStreaming(primary, synchronous: false)
            return standby
        }
        // Only now that the standby streams may commits wait for it (before, the
        // primary's own CREATE DATABASE and migrations would wait forever).
        let admin = try Connection(primary.url(database: "postgres"))
        try admin.execute(unsafeSQL: "ALTER SYSTEM SET synchronous_standby_names = '*'")
        try admin.execute(unsafeSQL: "SELECT pg_reload_conf()")
        try waitUntilStreaming(primary, synchronous: true)
        return standby
    }

    /// The URL a desk gives Verity: both servers, the writable one chosen at connect time.
    public func multiHostURL(targetSessionAttrs: String = "read-write") -> String {
        "postgresql:///\(EmbeddedCluster.databaseName)?host=\(primary.dataDirectory),\(standby.dataDirectory)"
            + "&user=\(EmbeddedCluster.superuser)&target_session_attrs=\(targetSessionAttrs)"
    }

    /// Waits until the primary reports the standby as a streaming (synchronous) replica.
    static func waitUntilStreaming(_ primary: ScratchCluster, synchronous: Bool, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        let admin = try Connection(primary.url(database: "postgres"))
        let wanted = synchronous ? "sync" : "async"
        while Date() < deadline {
            let rows = try admin.query(
                "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = \(wanted)")
            if try rows[0].decode("n", as: Int.self) > 0 { return }
            usleep(100_000)
        }
        throw ChildProcessError("the standby did not start streaming within \(Int(timeout)) s")
    }

    /// Waits until the standby has replayed everything the primary has written so far.
    public func waitForStandbyToCatchUp(timeout: TimeInterval = 60) throws {
        let target: String = try Connection(primary.url(database: "postgres"))
            .query("SELECT pg_current_wal_lsn()::text AS lsn")[0].decode("lsn")
        let replica = try Connection(standby.url(database: "postgres"))
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let caughtUp: Bool = try replica.query(
                "SELECT pg_last_wal_replay_lsn() >= \(target)::pg_lsn AS done")[0].decode("done")
            if caughtUp { return }
            usleep(50_000)
        }
        throw ChildProcessError("the standby did not catch up with the primary within \(Int(timeout)) s")
    }

    /// Promotes the standby to a primary (`pg_ctl promote -w`).
    public func promoteStandby() throws {
        let programs = try ServerPrograms.locate()
        let result = try ScratchCluster.runAsServerUser(programs.pgCtl, ["-D", standby.dataDirectory, "-w", "promote"])
        guard result.status == 0 else {
            throw ChildProcessError("pg_ctl promote failed (\(result.status)): \(result.stdout)\(result.stderr)")
        }
    }

    public func destroy() {
        standby.destroy()
        primary.destroy()
        primary.removeBaseDirectory()
    }
}
