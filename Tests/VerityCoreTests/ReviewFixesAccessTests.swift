import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Review fixes that concern access (migration 011).
@Suite("Review fixes: access")
struct ReviewFixesAccessTests {
    @Test("the history of an open case hides its link rows to a restricted case the user cannot see (migration 011)")
    func linkRowsToRestrictedCaseAreHidden() throws {
        let desk = try AccessTests.RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let owner = try desk.fixture.ownerDesk()
        try owner.link(
            .id(desk.open.id), to: .id(desk.restricted.id), as: .contradicts,
            reason: "the witness contradicts the governor", by: desk.editor)
        _ = try owner.unlink(
            .id(desk.open.id), from: .id(desk.restricted.id), as: .contradicts, reason: "not the same bridge",
            by: desk.editor)
        try owner.move(.id(desk.open.id), to: .disputed, reason: "denied", as: desk.editor)
        func linkRows(_ desk: Desk, _ caseID: Int) throws -> [HistoryEntry] {
            try desk.history(.id(caseID)).filter { ["link-case", "unlink-case"].contains($0.action) }
        }
        let bob = try desk.fixture.desk(as: desk.bob)
        let bobRows = try linkRows(bob, desk.open.id)
        #expect(bobRows.isEmpty, "bob may not see the restricted case: \(bobRows.map(\.summaryText))")
        let dossier = try bob.caseDossier(.id(desk.open.id))
        #expect(!dossier.timeline.contains { $0.summaryText.contains("\(desk.restricted.id)") })
        #expect(!dossier.timeline.contains { $0.reason?.contains("witness") == true })
        // The rest of the open case's history is still there for bob.
        #expect(try bob.history(.id(desk.open.id)).contains { $0.action == "open" })

        let alice = try desk.fixture.desk(as: desk.alice)
        #expect(try linkRows(alice, desk.open.id).map(\.action) == ["link-case", "unlink-case"])
        #expect(try linkRows(owner, desk.restricted.id).count == 2)

        // A login that misses those rows still finds the history intact (the rows are hidden, not deleted).
        let bobAudit = try bob.verifyHistory()
        #expect(bobAudit.intact, "\(bobAudit.problems.map(\.message))")
        #expect(bobAudit.rowsHidden == 2)
        #expect(try owner.verifyHistory().rowsHidden == 0)
        // The owner still notices a row that is really gone.
        try owner.db.execute(unsafeSQL: """
            ALTER TABLE case_history DISABLE TRIGGER USER;
            DELETE FROM case_history WHERE case_id = \(desk.open.id) AND action = 'link-case';
            ALTER TABLE case_history ENABLE TRIGGER USER;
            """)
        #expect(try !owner.verifyHistory().intact)
    }
}
