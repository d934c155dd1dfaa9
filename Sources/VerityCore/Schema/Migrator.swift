import Foundation
import PostgresClient

/// Applies `sql/` migrations: each in its own transaction, in order, under an
/// advisory lock so that two processes never migrate at once, recording each
/// file's name and checksum in `verity_schema_migrations`.
public struct Migrator {
    let connection: Connection
    let migrations: [Migration]
    /// Arbitrary but fixed key for pg_advisory_lock ("verity" in ASCII).
    static let lockKey: Int = 0x7665_7269_7479

    public init(connection: Connection, migrations: [Migration] = Migration.all) {
        self.connection = connection
        self.migrations = migrations
    }

    public struct AppliedMigration: Sendable {
        public let name: String
        public let checksum: String
        public let appliedAt: Date
    }

    /// Migrations recorded in the database, oldest first (empty before the first run).
    /// One round trip: every command checks this before its work, so the table
    /// is read directly and a missing table (a database never migrated) is
    /// recognised by its error instead of by a second query asking first.
    public func applied() throws -> [AppliedMigration] {
        if connection.isInTransaction {
            // An error would abort the caller's transaction: ask first instead.
            let exists = try connection.query("SELECT to_regclass('verity_schema_migrations') IS NOT NULL AS present")
            guard try exists.first?.decode("present", as: Bool.self) == true else { return [] }
        }
        let rows: ResultSet
        do {
            rows = try connection.query("SELECT name, checksum, applied_at FROM verity_schema_migrations ORDER BY name")
        } catch let error as PostgresError where error.sqlState == .undefinedTable {
            return []
        }
        return try rows.rows.map {
            AppliedMigration(
                name: try $0.decode("name"), checksum: try $0.decode("checksum"), appliedAt: try $0.decode("applied_at"))
        }
    }

    /// Files not applied yet; throws if an applied file changed or is unknown.
    public func pending() throws -> [Migration] {
        try pending(given: applied())
    }

    func pending(given applied: [AppliedMigration]) throws -> [Migration] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        for record in applied {
            guard let migration = known[record.name] else {
                throw VerityError(
                    .failure,
                    "the database has migration \(record.name), which this build of verity does not know",
                    hint: "the database was migrated by a newer Verity; use that version")
            }
            guard migration.checksum == record.checksum else {
                throw VerityError(
                    .failure,
                    "migration sql/\(record.name) was changed after it was applied "
                        + "(applied checksum \(record.checksum.prefix(12))…, file now \(migration.checksum.prefix(12))…)",
                    hint: "restore the file as it was and put the change in a new, higher-numbered migration")
            }
        }
        let done = Set(applied.map(\.name))
        return migrations.filter { !done.contains($0.name) }
    }

    /// Applies what is pending and returns the names applied (empty when current).
    @discardableResult
    public func migrate() throws -> [String] {
        try connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        try connection.execute(
            unsafeSQL: """
                CREATE TABLE IF NOT EXISTS verity_schema_migrations (
                    name text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    applied_by text NOT NULL DEFAULT current_user
                )
                """)
        // Read again under the lock: another process may have just migrated.
        var names: [String] = []
        for migration in try pending() {
            do {
                try connection.transaction { db in
                    try db.execute(unsafeSQL: migration.sql)
                    try db.query(
                        "INSERT INTO verity_schema_migrations (name, checksum) VALUES (\(migration.name), \(migration.checksum))")
                }
            } catch let error as PostgresError {
                throw VerityError(
                    .failure, "migration sql/\(migration.name) failed and was rolled back: \(error.description)")
            }
            names.append(migration.name)
        }
        return names
    }

    /// Refuses to work on a database whose schema is behind this build.
    public func requireCurrent() throws {
        let waiting = try pending()
        guard waiting.isEmpty else {
            throw VerityError(
                .unavailable,
                "the database is missing \(waiting.count) migration(s): \(waiting.map(\.name).joined(separator: ", "))",
                hint: "run `verity db migrate` with the same --database-url")
        }
    }
}
