import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Carries a value to another thread in a test that coordinates access itself.
final class Handoff<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

@Suite("No lost updates")
struct ConcurrencyTests {
    @Test("a change that raced another is refused with who changed the case and when")
    func staleWriteRefused() throws {
        let url = try TestServer.shared.makeDatabase()
        let setup = Desk(connection: try Connection(url))
        try setup.addReviewer(handle: "editor", name: "Editor", email: nil, role: .editor)
        try setup.addReviewer(handle: "analyst", name: "Analyst", email: nil, role: .reviewer)
        let subject = try setup.openCase(CaseDraft(claim: "450 dead", claimant: "Zelensky"), as: "editor")

        // The analyst's change is under way (row locked, not committed) ...
        let rival = try Connection(url)
        try rival.execute(unsafeSQL: "BEGIN")
        try rival.query("SELECT set_config('verity.actor', 'analyst', true)")
        try rival.query("UPDATE cases SET priority = 'urgent' WHERE id = \(subject.id)")

        // ... while the editor reads the case and tries to move it.
        let outcome = Handoff<Result<CaseSummary, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let editorURL = url
        DispatchQueue.global().async {
            outcome.value = Result {
                try Desk(connection: try Connection(editorURL)).move(
                    .id(subject.id), to: .evidencePending, reason: nil, as: "editor")
            }
            done.signal()
        }
        // Commit only once the editor's UPDATE is waiting for the analyst's row lock.
        let observer = try Connection(url)
        var waited = 0
        while try observer.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )[0].decode("n", as: Int.self) == 0, waited < 600 {
            usleep(50_000)
            waited += 1
        }
        try rival.execute(unsafeSQL: "COMMIT")
        done.wait()

        guard case .failure(let error) = outcome.value else {
            Issue.record("the stale move should have been refused")
            return
        }
        let refusal = try #require(error as? VerityError)
        #expect(refusal.category == .conflict)
        #expect(refusal.message.contains("was changed by analyst at"))
        #expect(refusal.hint?.contains("run it again") == true)
        let now = try setup.findCase(.id(subject.id))
        #expect(now.state == .claimed && now.priority == .urgent)
    }

    @Test("eight reviewers moving the same case at once: one wins, the rest are refused cleanly")
    func manyWriters() throws {
        let url = try TestServer.shared.makeDatabase()
        let setup = Desk(connection: try Connection(url))
        try setup.addReviewer(handle: "editor", name: "Editor", email: nil, role: .editor)
        let subject = try setup.openCase(CaseDraft(claim: "c", claimant: "x"), as: "editor")
        let results = Handoff<[Result<CaseSummary, Error>]>([])
        let lock = NSLock()
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            DispatchQueue.global().async {
                let result = Result {
                    try Desk(connection: try Connection(url)).move(.id(subject.id), to: .evidencePending, reason: nil, as: "editor")
                }
                lock.withLock { results.value.append(result) }
                group.leave()
            }
        }
        group.wait()
        let successes = results.value.filter { if case .success = $0 { return true } else { return false } }
        #expect(successes.count == 1)
        for case .failure(let error) in results.value {
            let category = (error as? VerityError)?.category
            #expect(category == .conflict || category == .ruleViolated, "unexpected \(error)")
        }
        let moves = try setup.history(.id(subject.id)).filter { $0.action == "move" }
        #expect(moves.count == 1)
    }
}
