import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// A desk of the old release that recorded files before its custody
/// migration (008) and is then upgraded to this build.
@Suite("old custody migration, then the upgrade, on a database with sources")
struct CustodyMigrationTests {
    @Test("files recorded before the old migration 008 get their collected event, chained and listed after the upgrade")
    func backfill() throws {
        let url = try LegacyDesk.make(through: "007")
        let db = try Connection(url)
        try db.execute(unsafeSQL: """
            BEGIN;
            SELECT set_config('verity.actor', 'analyst', true);
            INSERT INTO reviewers (handle, name) VALUES ('analyst', 'OSINT analyst');
            INSERT INTO sources (url, title, publisher, file_name, file_sha256, file_size, added_by)
            VALUES ('https://example.org/a', 'with a file', 'p', 'a.html', repeat('ab', 32), 10, 1),
                   ('https://example.org/b', 'without', 'p', NULL, NULL, NULL, 1);
            COMMIT;
            """)
        try LegacyDesk.apply(url, files: LegacyDesk.files(from: "008", through: "016"))
        try Migrator(connection: db).migrate()

        let env = ["VERITY_DATABASE_URL": url, "VERITY_REVIEWER": "analyst"]
        let listed = verity(["source", "custody", "1", "--format", "json"], environment: env)
        #expect(listed.status == 0, "\(listed.stderr)")
        let events = try #require(try listed.json() as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["event"] as? String == "collected")
        #expect(events.first?["actor"] as? String == "analyst")
        #expect(events.first?["sha256"] as? String == String(repeating: "ab", count: 32))
        let none = try #require(try verity(["source", "custody", "2", "--format", "json"], environment: env).json() as? [Any])
        #expect(none.isEmpty)
    }
}
