import Foundation
import PostgresClient
import Testing
@testable import VerityCore
import VerityTestSupport

/// The shape of sql/: a baseline and later versioned migrations for tables,
/// repeatable definition files for code, the upgrade of a desk migrated by
/// the old flat files (kept in Tests/Fixtures/legacy-sql), and the checked-in
/// sql/schema.sql that shows the whole schema in one file.
@Suite("sql/ layout: baseline, definitions, legacy upgrade, schema.sql")
struct SchemaLayoutTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func withoutRecordChains(_ rows: String) -> String {
        rows.split(separator: "\n").filter { !$0.hasPrefix("INSERT INTO public.record_history ") }.joined(separator: "\n")
    }

    /// Rows as the old release wrote them: without the columns that later migrations added at the end
    /// of its tables (008: a case's claimant_type and a link's role; 009: a case's latitude and
    /// longitude; NULL for every row the old release wrote) and the desk settings 008 adds.
    static func withoutAddedColumns(_ rows: String) -> String {
        let added = [("cases", ["claimant_type", "latitude", "longitude"]), ("case_sources", ["role"])]
        return rows.split(separator: "\n").compactMap { line -> String? in
            var line = String(line)
            if line.hasPrefix("INSERT INTO public.desk_settings "), !line.contains("'four_eyes'") { return nil }
            for (table, columns) in added where line.hasPrefix("INSERT INTO public.\(table) (") {
                let nulls = String(repeating: ", NULL", count: columns.count) + ");"
                guard line.hasSuffix(nulls) else { continue }
                line = String(line.dropLast(nulls.count)) + ");"
                line = line.replacingOccurrences(of: ", " + columns.joined(separator: ", ") + ") VALUES", with: ") VALUES")
            }
            return line
        }.joined(separator: "\n")
    }

    /// Rows with the instants of this run (defaults of now()) and what hashes them masked.
    static func comparableRows(_ url: String) throws -> String {
        try SchemaDump.rows(url: url)
            .replacingOccurrences(of: #"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00'"#, with: "'<time>'", options: .regularExpression)
            .replacingOccurrences(of: #"'[0-9a-f]{64}'"#, with: "'<hash>'", options: .regularExpression)
    }

    /// A reviewer, a case opened and disputed, a source linked and an evidence note, as psql would write them.
    static let workOnTheOldRelease = """
        BEGIN;
        SELECT set_config('verity.actor', 'desk-editor', true);
        INSERT INTO reviewers (handle, name, role) VALUES ('desk-editor', 'Desk editor', 'editor');
        INSERT INTO cases (ref, claim, claimant) VALUES ('OLD-1', 'A claim made before the upgrade', 'Someone');
        SELECT set_config('verity.reason', 'contradicted by footage', true);
        UPDATE cases SET state = 'disputed' WHERE ref = 'OLD-1';
        INSERT INTO sources (url, title, publisher, added_by) VALUES ('https://example.org/old', 'Old source', 'Example', 1);
        INSERT INTO case_sources (case_id, source_id) VALUES (1, 1);
        INSERT INTO evidence_notes (case_id, source_id, stance, credibility, note, author_id)
        VALUES (1, 1, 'refutes', 4, 'Footage shows otherwise', 1);
        COMMIT;
        """

    @Test("the fixtures are the old release's files, by checksum")
    func fixturesAreTheRelease() throws {
        let files = try LegacyDesk.files(through: "017")
        #expect(files.map(\.name) == LegacyMigrations.released.map(\.name) + [LegacyMigrations.access.name])
        #expect(files.map(\.checksum) == LegacyMigrations.released.map(\.checksum) + [LegacyMigrations.access.checksum])
    }

    @Test("an old (016) desk upgrades in place to the schema and rows of a fresh desk after the same import")
    func legacyUpgrade() throws {
        let old = try LegacyDesk.make()
        let oldDB = try Connection(old)
        // Work done on the old release, through its own triggers: the upgrade changes none of it.
        try oldDB.execute(unsafeSQL: Self.workOnTheOldRelease)
        let before = try SchemaDump.rows(url: old)
        let applied = try Migrator(connection: oldDB).migrate()
        // Rows of the old tables: unchanged (the record chains are new rows, started as 'existing').
        #expect(try Self.withoutAddedColumns(Self.withoutRecordChains(SchemaDump.rows(url: old))) == before)
        _ = try ImportFixture.importFile(oldDB, ImportFixture.seedPath, actor: nil)
        // The baseline is not run again: only what came after it, and the definitions.
        #expect(applied == Migration.all.dropFirst().map(\.name) + Migration.definitions.map(\.name))
        #expect(try Migrator(connection: oldDB).applied().map(\.name)
            == Migration.all.map(\.name) + Migration.definitions.map(\.name))
        #expect(try Migrator(connection: oldDB).migrate().isEmpty)

        let fresh = try TestServer.shared.makeDatabase(migrated: true)
        let freshDB = try Connection(fresh)
        try freshDB.execute(unsafeSQL: Self.workOnTheOldRelease)
        _ = try ImportFixture.importFile(freshDB, ImportFixture.seedPath, actor: nil)
        #expect(try SchemaDump.of(url: old) == SchemaDump.of(url: fresh))
        // The same rows, but for the record chains: the old desk's start with its records as they
        // stood at the upgrade ('existing'), the fresh desk's with their inserts.
        // And but for the digest of a note's text, which the old release's add-evidence rows do not have.
        func withoutNoteDigests(_ rows: String) -> String {
            rows.replacingOccurrences(of: #", \"note_sha256\": \"[0-9a-f]{64}\""#, with: "", options: .regularExpression)
        }
        #expect(try withoutNoteDigests(Self.withoutRecordChains(Self.comparableRows(old)))
            == withoutNoteDigests(Self.withoutRecordChains(Self.comparableRows(fresh))))
        #expect(try Connection(old).query(
            "SELECT count(*)::bigint AS n FROM record_history WHERE action = 'existing'")[0].decode("n", as: Int.self) == 2)
        let report = try Desk(connection: oldDB).verifyHistory()
        #expect(report.intact, "\(report.problems)")
        // The old release's note is counted as predating the digest, not reported.
        #expect(report.notesWithoutDigest == 1)
    }

    @Test("a desk from the development branch (016 and 017_access) is taken as at 002")
    func accessBranchUpgrade() throws {
        let url = try LegacyDesk.make(through: "017")
        let applied = try Migrator(connection: Connection(url)).migrate()
        #expect(applied == Migration.all.dropFirst(2).map(\.name) + Migration.definitions.map(\.name))
        #expect(try SchemaDump.of(url: url) == SchemaDump.of(url: TestServer.shared.makeDatabase(migrated: true)))
    }

    @Test("a partial or altered old desk is refused, and nothing is changed")
    func partialLegacyRefused() throws {
        let url = try LegacyDesk.make()
        let db = try Connection(url)
        try db.execute(unsafeSQL: "DELETE FROM verity_schema_migrations WHERE name = '010_access_for_links_and_custody.sql'")
        try db.execute(unsafeSQL: "UPDATE verity_schema_migrations SET checksum = 'x' WHERE name = '013_cheaper_actor.sql'")
        let error = #expect(throws: VerityError.self) { try Migrator(connection: db).migrate() }
        #expect(error?.message.contains("migrated by an older Verity, but not to a state this build can upgrade") == true)
        #expect(error?.message.contains("missing 010_access_for_links_and_custody.sql") == true)
        #expect(error?.message.contains("changed after release: 013_cheaper_actor.sql") == true)
        #expect(try db.query("SELECT count(*)::bigint AS n FROM verity_schema_migrations")[0].decode("n", as: Int.self) == 14)
        #expect(throws: VerityError.self) { try Migrator(connection: db).requireCurrent() }
    }

    @Test("a changed definition file is re-applied, alone; the unchanged ones are not")
    func changedDefinitionReapplied() throws {
        let db = try TestServer.shared.connect(migrated: true)
        var edited = Migration.definitions
        let target = try #require(edited.firstIndex { $0.name.hasSuffix("_workflow.sql") })
        edited[target] = Migration(
            name: edited[target].name,
            sql: edited[target].sql + "\nCOMMENT ON FUNCTION public.verity_now() IS 're-applied';\n")
        let migrator = Migrator(connection: db, definitions: edited)
        #expect(try migrator.pending().map(\.name) == [edited[target].name])
        #expect(try migrator.migrate() == [edited[target].name])
        #expect(try db.query("SELECT obj_description('public.verity_now()'::regprocedure) AS c")[0]
            .decode("c", as: String?.self) == "re-applied")
        #expect(try migrator.migrate().isEmpty)
        // This build's own file differs from the recorded one again: back to it.
        #expect(try Migrator(connection: db).migrate() == [edited[target].name])
    }

    @Test("no function, trigger, view or policy is defined in more than one file of sql/")
    func oneDefinitionEach() throws {
        var seen: [String: String] = [:]
        var duplicates: [String] = []
        let pattern = try NSRegularExpression(
            pattern: #"^CREATE (?:OR REPLACE )?(?:CONSTRAINT )?(FUNCTION|AGGREGATE|TRIGGER|VIEW|POLICY) ([\w.]+)"#,
            options: [.anchorsMatchLines])
        for file in Migration.all + Migration.definitions {
            let sql = file.sql as NSString
            for match in pattern.matches(in: file.sql, range: NSRange(location: 0, length: sql.length)) {
                let key = sql.substring(with: match.range(at: 1)) + " " + sql.substring(with: match.range(at: 2))
                if let other = seen[key], other != file.name { duplicates.append("\(key): \(other) and \(file.name)") }
                seen[key] = file.name
            }
        }
        #expect(duplicates.isEmpty, "\(duplicates)")
        #expect(!seen.isEmpty)
        // Code lives in definitions only.
        #expect(seen.filter { $0.value.hasPrefix("migrations/") }.isEmpty, "\(seen.filter { $0.value.hasPrefix("migrations/") })")
    }

    @Test("sql/schema.sql is the schema of a freshly migrated desk (VERITY_UPDATE_SCHEMA=1 rewrites it)")
    func schemaFileCurrent() throws {
        let dump = try SchemaDump.of(url: TestServer.shared.makeDatabase(migrated: true))
        let header = """
            -- The whole schema of a Verity desk, as pg_dump prints a freshly migrated one.
            -- Generated (`make schema`); never edited, never applied. The sources are
            -- sql/migrations/ (tables) and sql/definitions/ (functions, triggers, views,
            -- policies); a test fails when this file and they disagree.

            """
        let path = Self.repository.appendingPathComponent("sql/schema.sql").path
        if ProcessInfo.processInfo.environment["VERITY_UPDATE_SCHEMA"] == "1" {
            try (header + dump).write(toFile: path, atomically: true, encoding: .utf8)
        }
        let file = try String(contentsOfFile: path, encoding: .utf8)
        #expect(file == header + dump, "sql/schema.sql is out of date: run `make schema` and commit it")
    }
}
