import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// A dry run makes the desk's sequences transactional while it runs: other writers must
/// neither get an id twice nor be able to use the function outside an import.
@Suite("Adversarial: import dry run and the sequences")
struct DryRunAttackTests {
    @Test("a case opened while a dry run holds the sequences waits, then gets the next id; the dry run's ids come back")
    func openDuringDryRun() throws {
        let url = try TestServer.shared.makeDatabase()
        let desk = Desk(connection: try Connection(url))
        try desk.addReviewer(handle: "editor", name: "Editor", email: nil, role: .editor)
        _ = try desk.openCase(CaseDraft(claim: "first", claimant: "x"), as: "editor")

        // A dry run under way: the import lock, the sequences made transactional, ids drawn.
        let dry = try Connection(url)
        try dry.execute(unsafeSQL: "BEGIN")
        try dry.query("SELECT pg_advisory_xact_lock(\(Importer.applyLockKey))")
        try dry.query("SELECT verity_import_dry_run()")
        try dry.query("SELECT set_config('verity.actor', 'editor', true)")
        for n in 0..<3 { try dry.query("INSERT INTO cases (claim, claimant) VALUES (\("dry \(n)"), 'x')") }

        let opened = Handoff<Result<CaseSummary, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            opened.value = Result { try Desk(connection: try Connection(url)).openCase(CaseDraft(claim: "during", claimant: "y"), as: "editor") }
            done.signal()
        }
        let observer = try Connection(url)
        var waited = 0
        while try observer.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )[0].decode("n", as: Int.self) == 0, waited < 600 {
            usleep(50_000)
            waited += 1
        }
        #expect(waited < 600, "the other writer should wait for the dry run")
        #expect(opened.value == nil)
        try dry.execute(unsafeSQL: "ROLLBACK")
        done.wait()
        let during = try #require(try opened.value?.get())
        #expect(during.id == 2)
        #expect(try desk.openCase(CaseDraft(claim: "after", claimant: "z"), as: "editor").id == 3)
    }

    @Test("outside an import the function refuses: it is no way to stall the desk's writers")
    func refusedOutsideAnImport() throws {
        let db = try TestServer.shared.connect()
        let error = #expect(throws: PostgresError.self) { try db.query("SELECT verity_import_dry_run()") }
        #expect(error?.message.contains("only inside an import") == true)
    }
}
