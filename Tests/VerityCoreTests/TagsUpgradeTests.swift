import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

@Suite("migration 005 on a desk with tags written before they were defined")
struct TagsUpgradeTests {
    @Test("mixed-case and padded tags become lower-case and trimmed, as an 'update' in each case's history; the chain verifies")
    func tagsNormalisedOnUpgrade() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let db = try Connection(url)
        let before005 = Migration.all.filter { !$0.name.hasPrefix("migrations/005") }
        try Migrator(connection: db, migrations: before005).migrate()
        try db.execute(unsafeSQL: """
            BEGIN;
            SELECT set_config('verity.actor', 'desk-editor', true);
            INSERT INTO reviewers (handle, name, role) VALUES ('desk-editor', 'Desk editor', 'editor');
            INSERT INTO cases (ref, claim, claimant, tags) VALUES ('OLD-1', 'c', 'x', ARRAY['Izium ', 'izium', ' Мариуполь']);
            INSERT INTO cases (ref, claim, claimant, tags) VALUES ('OLD-2', 'c', 'x', ARRAY['bucha']);
            COMMIT;
            """)
        #expect(try Migrator(connection: db).migrate() == ["migrations/005_field_limits.sql"])
        let desk = Desk(connection: db)
        #expect(try desk.findCase(.ref("OLD-1")).tags == ["izium", "мариуполь"])
        #expect(try desk.findCase(.ref("OLD-2")).tags == ["bucha"])
        let history = try desk.history(.ref("OLD-1"))
        #expect(history.last?.action == "update")
        #expect(history.last?.reason == "tags made lower-case and trimmed (migration 005)")
        #expect(try desk.history(.ref("OLD-2")).count == 1)
        #expect(try db.query("SELECT bool_and(convalidated) AS v FROM pg_constraint WHERE conname = 'cases_tags_defined'")[0].decode("v", as: Bool.self))
        let report = try desk.verifyHistory()
        #expect(report.intact, "\(report.problems)")
    }
}
