import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

@Suite("Duplicate links under concurrency")
struct CaseLinkConcurrencyTests {
    @Test("two reviewers marking two cases duplicates of each other at once cannot make a cycle")
    func concurrentCycleRefused() throws {
        let url = try TestServer.shared.makeDatabase()
        let setup = Desk(connection: try Connection(url))
        try setup.addReviewer(handle: "editor", name: "Editor", email: nil, role: .editor)
        let a = try setup.openCase(CaseDraft(claim: "450 dead", claimant: "Zelensky"), as: "editor")
        let b = try setup.openCase(CaseDraft(claim: "450 bodies", claimant: "Zelensky"), as: "editor")

        // The first link is written and not committed (it holds the duplicate forest's lock) ...
        let first = try Connection(url)
        try first.execute(unsafeSQL: "BEGIN")
        try first.query("SELECT set_config('verity.actor', 'editor', true)")
        try first.query(
            "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(a.id), \(b.id), 'duplicate-of', 'same')")

        // ... while the reverse link is attempted by SQL (no Swift check in the way).
        let outcome = Handoff<Error?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            do {
                let second = try Connection(url)
                try second.transaction { db in
                    try db.query("SELECT set_config('verity.actor', 'editor', true)")
                    try db.query(
                        "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(b.id), \(a.id), 'duplicate-of', 'same')")
                }
            } catch {
                outcome.value = error
            }
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
        try first.execute(unsafeSQL: "COMMIT")
        done.wait()

        let refusal = try #require(outcome.value as? PostgresError, "the reverse link should have been refused")
        #expect(refusal.sqlState == SQLState("VR002"))
        #expect(refusal.message.contains("cycle"))
        let active: Int = try observer.query("SELECT count(*) AS n FROM case_links WHERE unlinked_at IS NULL")[0].decode("n")
        #expect(active == 1)
    }
}
