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
    /// `pg_basebackup -R` and starts the clone as a streaming standby.
    public init() throws {
        primary = try ScratchCluster(
            name: "primary",
            settings: ["wal_level = replica", "max_wal_senders = 4", "synchronous_standby_names = '*'",
                       "synchronous_commit = on", "hot_standby = on"])
        try Migrator(connection: Connection(primary.url())).migrate()

        let standbyDirectory = primary.baseDirectory + "/standby"
        try FileManager.default.createDirectory(atPath: standbyDirectory, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: standbyDirectory)
        if geteuid() == 0 {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: standbyDirectory)
        }
        let programs = try ServerPrograms.locate()
        let backup = try ScratchCluster.runAsServerUser(
            programs.directory + "/pg_basebackup",
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
        try? FileManager.default.removeItem(atPath: standbyDirectory + "/server.log")
        standby = ScratchCluster(existing: standbyDirectory, baseDirectory: primary.baseDirectory)
        try standby.cluster.start()
        try waitUntilStreaming()
    }

    /// The URL a desk gives Verity: both servers, the writable one chosen at connect time.
    public func multiHostURL(targetSessionAttrs: String = "read-write") -> String {
        "postgresql:///\(EmbeddedCluster.databaseName)?host=\(primary.dataDirectory),\(standby.dataDirectory)"
            + "&user=\(EmbeddedCluster.superuser)&target_session_attrs=\(targetSessionAttrs)"
    }

    /// Waits until the primary reports the standby as a synchronous, streaming replica.
    public func waitUntilStreaming(timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        let admin = try Connection(primary.url(database: "postgres"))
        while Date() < deadline {
            let rows = try admin.query(
                "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'")
            if try rows[0].decode("n", as: Int.self) > 0 { return }
            usleep(100_000)
        }
        throw ChildProcessError("the standby did not start streaming within \(Int(timeout)) s")
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
