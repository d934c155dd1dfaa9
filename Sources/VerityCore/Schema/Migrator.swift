#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Brings a database to this build's schema, under an advisory lock so that
/// two processes never migrate at once: first the versioned migrations of
/// `sql/migrations/` not applied yet, each once and in its own transaction;
/// then every definition file of `sql/definitions/` whose checksum differs
/// from the one recorded, in order, in the transaction of the last migration
/// (or in one of their own when no migration was pending). Each file's name
/// and checksum is recorded in `verity_schema_migrations`.
public struct Migrator {
    let connection: Connection
    let migrations: [Migration]
    let definitions: [Migration]
    /// Arbitrary but fixed key for pg_advisory_lock ("verity" in ASCII).
    static let lockKey: Int = 0x7665_7269_7479

    public init(
        connection: Connection, migrations: [Migration] = Migration.all, definitions: [Migration] = Migration.definitions
    ) {
        self.connection = connection
        self.migrations = migrations
        self.definitions = definitions
    }

    public struct AppliedMigration: Sendable {
        public let name: String
        public let checksum: String
        public let appliedAt: Date
        public var kind: Migration.Kind { name.hasPrefix("definitions/") ? .definition : .versioned }
    }

    /// Files recorded in the database, versioned migrations first, each kind
    /// in order (empty before the first run).
    /// One round trip: every command checks this before its work, so the table
    /// is read directly and a missing table (a database never migrated) is
    /// recognised by its error instead of by a second query asking first.
    public func applied() throws -> [AppliedMigration] {
        if connection.isInTransaction {
            // An error would abort the caller's transaction: ask first instead.
            let exists = try connection.query("SELECT to_regclass('verity_schema_migrations') IS NOT NULL AS present")
            guard try exists.first?.decode("present", as: Bool.self) == true else { return [] }
        }
        do {
            return try Self.applied(from: .success(connection.query(Self.appliedQuery)))
        } catch let error as PostgresError {
            return try Self.applied(from: .failure(error))
        }
    }

    /// The record's query, for `applied(from:)`: `Database.open` sends it with the
    /// connection's own set-up, in one round trip.
    public static let appliedQuery: Query =
        "SELECT name, checksum, applied_at FROM verity_schema_migrations ORDER BY name LIKE 'definitions/%', name"

    /// The record, from what `appliedQuery` answered (no table: a database never migrated).
    public static func applied(from answer: Result<ResultSet, PostgresError>) throws -> [AppliedMigration] {
        let rows: ResultSet
        switch answer {
        case .success(let set): rows = set
        case .failure(let error) where error.sqlState == .undefinedTable: return []
        case .failure(let error): throw error
        }
        return try rows.rows.map {
            AppliedMigration(
                name: try $0.decode("name"), checksum: try $0.decode("checksum"), appliedAt: try $0.decode("applied_at"))
        }
    }

    /// Files to apply: versioned migrations not applied yet, then definition
    /// files that are new or changed. Throws if an applied migration changed
    /// or is unknown, or if the record is an old release's that cannot be upgraded.
    public func pending() throws -> [Migration] {
        try pending(given: applied())
    }

    func pending(given applied: [AppliedMigration]) throws -> [Migration] {
        try pendingMigrations(given: applied) + changedDefinitions(given: applied)
    }

    /// The versioned migrations still to run, with a legacy record read as
    /// the baseline (and 002) it stands for.
    private func pendingMigrations(given applied: [AppliedMigration]) throws -> [Migration] {
        var records = applied.filter { $0.kind == .versioned && !LegacyMigrations.isLegacy($0.name) }
            .map { (name: $0.name, checksum: Optional($0.checksum)) }
        let legacy = applied.filter { LegacyMigrations.isLegacy($0.name) }
        if !legacy.isEmpty {
            let stands = try LegacyMigrations.equivalent(of: legacy.map { ($0.name, $0.checksum) })
            records += stands.map { (name: $0, checksum: nil) }
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        for record in records {
            guard let migration = known[record.name] else {
                throw VerityError(
                    .failure,
                    "the database has migration \(record.name), which this build of verity does not know",
                    hint: "the database was migrated by a newer Verity; use that version")
            }
            if let checksum = record.checksum, migration.checksum != checksum {
                throw VerityError(
                    .failure,
                    "migration sql/\(record.name) was changed after it was applied "
                        + "(applied checksum \(checksum.prefix(12))…, file now \(migration.checksum.prefix(12))…)",
                    hint: "restore the file as it was and put the change in a new, higher-numbered migration")
            }
        }
        let done = Set(records.map(\.name))
        return migrations.filter { !done.contains($0.name) }
    }

    private func changedDefinitions(given applied: [AppliedMigration]) -> [Migration] {
        let recorded = Dictionary(
            applied.filter { $0.kind == .definition }.map { ($0.name, $0.checksum) }, uniquingKeysWith: { a, _ in a })
        return definitions.filter { recorded[$0.name] != $0.checksum }
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
        let applied = try applied()
        let migrationsToRun = try pendingMigrations(given: applied)
        let definitionsToRun = changedDefinitions(given: applied)
        let legacy = applied.filter { LegacyMigrations.isLegacy($0.name) }
        guard !migrationsToRun.isEmpty || !definitionsToRun.isEmpty || !legacy.isEmpty else { return [] }

        // The definitions go with the last migration; with none pending, alone.
        var steps: [[Migration]] = migrationsToRun.map { [$0] }
        if steps.isEmpty { steps = [[]] }
        steps[steps.count - 1] += definitionsToRun
        var names: [String] = []
        for (index, step) in steps.enumerated() {
            try connection.transaction { db in
                if index == 0, !legacy.isEmpty { try adoptLegacyRecord(legacy, in: db) }
                for file in step { try apply(file, in: db) }
            }
            names += step.map(\.name)
        }
        return names
    }

    /// Replaces an old release's record by the migrations it stands for.
    private func adoptLegacyRecord(_ legacy: [AppliedMigration], in db: Connection) throws {
        let stands = try LegacyMigrations.equivalent(of: legacy.map { ($0.name, $0.checksum) })
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        try db.query("DELETE FROM verity_schema_migrations WHERE name = ANY (\(legacy.map(\.name)))")
        for name in stands {
            guard let migration = known[name] else { continue }
            try db.query(
                "INSERT INTO verity_schema_migrations (name, checksum) VALUES (\(migration.name), \(migration.checksum))")
        }
    }

    private func apply(_ file: Migration, in db: Connection) throws {
        do {
            if file.kind == .definition {
                // A definition may name a function of a later file: bodies are checked when run, as pg_dump restores them.
                try db.execute(unsafeSQL: "SET LOCAL check_function_bodies = off")
            }
            try db.execute(unsafeSQL: file.sql)
            try db.query(
                """
                INSERT INTO verity_schema_migrations (name, checksum) VALUES (\(file.name), \(file.checksum))
                ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now(), applied_by = current_user
                """)
        } catch let error as PostgresError {
            throw VerityError(.failure, "sql/\(file.name) failed and was rolled back: \(error.description)")
        }
    }

    /// Refuses to work on a database whose schema is behind this build.
    public func requireCurrent() throws {
        try requireCurrent(given: applied())
    }

    /// The same, for a record already read (`applied(from:)`).
    public func requireCurrent(given applied: [AppliedMigration]) throws {
        let waiting = try pending(given: applied)
        guard waiting.isEmpty else {
            throw VerityError(
                .unavailable,
                "the database is missing \(waiting.count) migration(s): \(waiting.map(\.name).joined(separator: ", "))",
                hint: "run `verity db migrate` with the same --database-url")
        }
    }
}
