import Foundation
import VerityCore

/// A database's schema as `pg_dump --schema-only` prints it, without what
/// varies between runs (the server's version lines, the random `\restrict`
/// key) and without the migrator's own record table: what the upgrade test
/// and `sql/schema.sql` compare.
public enum SchemaDump {
    public static func of(url: String) throws -> String {
        let pgDump = try ServerPrograms.locate().program("pg_dump")
        let outcome = try ChildProcess.run(
            pgDump, ["--schema-only", "--no-owner", "--exclude-table=verity_schema_migrations", "--dbname=" + url])
        guard outcome.status == 0 else {
            throw ChildProcessError("pg_dump failed (\(outcome.status)): \(outcome.stderr)")
        }
        return normalised(outcome.stdout)
    }

    static func normalised(_ dump: String) -> String {
        dump.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") && !$0.hasPrefix("-- Dumped ") }
            .joined(separator: "\n")
    }

    /// Every row of every table, in a stable order: what "identical data" means.
    public static func rows(url: String) throws -> String {
        let pgDump = try ServerPrograms.locate().program("pg_dump")
        let outcome = try ChildProcess.run(
            pgDump,
            ["--data-only", "--inserts", "--column-inserts", "--no-owner", "--exclude-table=verity_schema_migrations",
             "--dbname=" + url])
        guard outcome.status == 0 else {
            throw ChildProcessError("pg_dump failed (\(outcome.status)): \(outcome.stderr)")
        }
        return outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("INSERT") }.sorted().joined(separator: "\n")
    }
}
