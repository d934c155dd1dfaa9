import Foundation
import PostgresClient
import VerityCore

/// Desks as the old release (flat sql/001..016, kept in Tests/Fixtures/legacy-sql)
/// migrated them: each file in its own transaction, recorded by name and
/// checksum. The upgrade tests build them and let today's Migrator take over.
public enum LegacyDesk {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/legacy-sql")

    /// The old files numbered from `first` through `last` (by their three-digit prefix), in order.
    public static func files(from first: String = "000", through last: String = "016") throws -> [Migration] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") && $0 >= first && $0 <= last + "~" }.sorted()
            .map { Migration(name: $0, sql: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// A new database migrated by the old release through `last`.
    public static func make(through last: String = "016") throws -> String {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        try apply(url, files: files(through: last))
        return url
    }

    /// Applies old files to `url` as the old migrator did.
    public static func apply(_ url: String, files: [Migration]) throws {
        let db = try Connection(url)
        try db.execute(
            unsafeSQL: """
                CREATE TABLE IF NOT EXISTS verity_schema_migrations (
                    name text PRIMARY KEY, checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user)
                """)
        for file in files {
            try db.transaction { db in
                try db.execute(unsafeSQL: file.sql)
                try db.query("INSERT INTO verity_schema_migrations (name, checksum) VALUES (\(file.name), \(file.checksum))")
            }
        }
    }
}
