import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

@Suite("Migrations from sql/")
struct MigrationTests {
    @Test("the binary embeds exactly the files in sql/migrations and sql/definitions, byte for byte")
    func embeddedMatchesFiles() throws {
        let sqlDirectory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql")
        func files(_ kind: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: sqlDirectory.appendingPathComponent(kind).path)
                .filter { $0.hasSuffix(".sql") }.sorted().map { kind + "/" + $0 }
        }
        #expect(Migration.all.map(\.name) == (try files("migrations")))
        #expect(Migration.definitions.map(\.name) == (try files("definitions")))
        #expect(Migration.all.allSatisfy { $0.kind == .versioned })
        #expect(Migration.definitions.allSatisfy { $0.kind == .definition })
        for migration in Migration.all + Migration.definitions {
            let text = try String(contentsOf: sqlDirectory.appendingPathComponent(migration.name), encoding: .utf8)
            #expect(migration.sql == text, "sql/\(migration.name) differs from the embedded copy")
            // The checksum was computed at build time; it must be the file's.
            #expect(migration.checksum == SHA256Digest.hex(of: text), "sql/\(migration.name): embedded checksum")
            #expect(migration == Migration(name: migration.name, sql: text))
        }
        #expect(try files("migrations").allSatisfy {
            $0.range(of: #"^migrations/\d{3}_[a-z0-9_]+\.sql$"#, options: .regularExpression) != nil
        })
        #expect(try files("definitions").allSatisfy {
            $0.range(of: #"^definitions/\d{2}_[a-z0-9_]+\.sql$"#, options: .regularExpression) != nil
        })
    }

    @Test("a fresh database gets every migration; a second run applies nothing")
    func idempotent() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let migrator = Migrator(connection: db)
        let everything = Migration.all + Migration.definitions
        #expect(try migrator.pending().count == everything.count)
        let first = try migrator.migrate()
        #expect(first == everything.map(\.name))
        let second = try migrator.migrate()
        #expect(second.isEmpty)
        let applied = try migrator.applied()
        #expect(applied.map(\.checksum) == everything.map(\.checksum))
    }

    @Test("an applied migration whose file changed is refused with a clear error")
    func checksumRefusal() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try Migrator(connection: db).migrate()
        var edited = Migration.all
        let original = edited[0]
        edited[0] = Migration(name: original.name, sql: original.sql + "\n-- an edit after the fact\n")
        let migrator = Migrator(connection: db, migrations: edited)
        let error = #expect(throws: VerityError.self) { try migrator.migrate() }
        #expect(error?.message.contains("sql/\(original.name) was changed after it was applied") == true)
        #expect(error?.hint?.contains("new, higher-numbered migration") == true)
    }

    @Test("a failing migration is rolled back whole and not recorded")
    func failingMigrationRollsBack() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let broken = Migration.all + [Migration(name: "999_broken.sql", sql: "CREATE TABLE half_done (x int);\nSELECT 1/0;")]
        let migrator = Migrator(connection: db, migrations: broken)
        let error = #expect(throws: VerityError.self) { try migrator.migrate() }
        #expect(error?.message.contains("999_broken.sql failed") == true)
        #expect(try db.query("SELECT to_regclass('half_done') IS NULL AS gone")[0].decode("gone", as: Bool.self))
        // The definitions go with the last migration's transaction: rolled back with it, applied next time.
        #expect(try migrator.applied().map(\.name) == Migration.all.map(\.name))
        #expect(try Migrator(connection: db).migrate() == Migration.definitions.map(\.name))
    }

    @Test("two processes migrating at once apply each file exactly once")
    func concurrentMigrations() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let group = DispatchGroup()
        let outcomes = OutcomeLog()
        for _ in 0..<4 {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                do {
                    let db = try Connection(url)
                    outcomes.add(try Migrator(connection: db).migrate().count)
                } catch {
                    outcomes.add(-1)
                }
            }
        }
        group.wait()
        #expect(outcomes.values.sorted() == [0, 0, 0, Migration.all.count + Migration.definitions.count])
    }

    @Test("a database behind this build is refused until migrated")
    func requireCurrent() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let error = #expect(throws: VerityError.self) { try Migrator(connection: db).requireCurrent() }
        #expect(error?.hint?.contains("verity db migrate") == true)
    }
}

final class OutcomeLog: @unchecked Sendable {
    private var storage: [Int] = []
    private let lock = NSLock()
    func add(_ value: Int) { lock.withLock { storage.append(value) } }
    var values: [Int] { lock.withLock { storage } }
}
