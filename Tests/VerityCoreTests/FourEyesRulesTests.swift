import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Runs `sql` as `actor` in one transaction (rolled back on error); returns the server's refusal, if any.
private func refusal(_ db: Connection, as actor: String, _ sql: String) -> PostgresError? {
    do {
        try db.transaction { db in
            try db.query("SELECT set_config('verity.actor', \(actor), true)")
            try db.execute(unsafeSQL: sql)
        }
        return nil
    } catch {
        return error as? PostgresError
    }
}

@Suite("four-eyes and case links, enforced by the database for every writer")
struct FourEyesRulesTests {
    /// Four-eyes on; an evidence-pending case with a note by the analyst and a verdict the analyst proposed.
    func proposedCase() throws -> (Desk, CaseSummary) {
        let desk = try makeDesk()
        try desk.addReviewer(handle: "checker", name: "Second", email: nil, role: .editor)
        try desk.setFourEyes(true, as: "editor")
        let subject = try openCase(in: .evidencePending, on: desk)
        try desk.assign(.id(subject.id), reviewer: "analyst", lead: true, as: "editor")
        try desk.addEvidence(to: .id(subject.id), stance: .supports, credibility: 2, note: "photo", source: nil, as: "analyst")
        guard case .proposed = try desk.assess(
            .id(subject.id), Assessment(verdict: .mostlyTrue, confidence: 3, rationale: "photos"), as: "analyst")
        else {
            Issue.record("four-eyes on, but assess did not propose")
            return (desk, subject)
        }
        return (desk, subject)
    }

    @Test("with four-eyes on, assessing by UPDATE is refused, even with a forged sign-off marker")
    func directAssessRefused() throws {
        let (desk, subject) = try proposedCase()
        let assess = "UPDATE cases SET state = 'assessed', verdict = 'mostly-true', confidence = 3, rationale = 'photos' WHERE id = \(subject.id)"
        let direct = refusal(desk.db, as: "checker", assess)
        #expect(direct?.sqlState == SQLState("VR002"))
        #expect(direct?.message.contains("four-eyes is on") == true)
        let proposalID: Int = try desk.db.query("SELECT id FROM verdict_proposals WHERE case_id = \(subject.id)")[0].decode("id")
        let forged = refusal(desk.db, as: "checker", "SELECT set_config('verity.sign_off', '\(proposalID)', true); " + assess)
        #expect(forged?.sqlState == SQLState("VR002"))
        #expect(try desk.findCase(.id(subject.id)).state == .evidencePending)
    }

    @Test("the database refuses a self-sign-off and a sign-off by an evidence author, and accepts a second reviewer's")
    func signOffRules() throws {
        let (desk, subject) = try proposedCase()
        let own = refusal(desk.db, as: "analyst", "SELECT verity_sign_off(\(subject.id))")
        #expect(own?.sqlState == SQLState("VR002"))
        #expect(own?.message.contains("proposed this verdict") == true)
        // an editor who wrote a note (even a context one) is no second pair of eyes
        try desk.addEvidence(to: .id(subject.id), stance: .context, credibility: 6, note: "weather", source: nil, as: "editor")
        let author = refusal(desk.db, as: "editor", "SELECT verity_sign_off(\(subject.id))")
        #expect(author?.sqlState == SQLState("VR002"))
        #expect(author?.message.contains("wrote evidence notes") == true)
        let byHand = refusal(desk.db, as: "analyst", "UPDATE verdict_proposals SET state = 'signed-off' WHERE case_id = \(subject.id)")
        #expect(byHand?.sqlState == SQLState("VR002"))
        #expect(refusal(desk.db, as: "checker", "SELECT verity_sign_off(\(subject.id))") == nil)
        let assessed = try desk.findCase(.id(subject.id))
        #expect(assessed.state == .assessed)
        #expect(assessed.assessedBy == "checker")
        let delete = refusal(desk.db, as: "checker", "DELETE FROM verdict_proposals")
        #expect(delete?.sqlState == SQLState("VR004"))
    }

    @Test("the database refuses self-links, duplicate cycles, deleting links and editing settings history")
    func linkRules() throws {
        let desk = try makeDesk()
        let a = try openCase(in: .claimed, on: desk)
        let b = try openCase(in: .claimed, on: desk)
        let selfLink = refusal(desk.db, as: "editor", "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(a.id), \(a.id), 'related', 'x')")
        #expect(selfLink?.sqlState == SQLState("VR002"))
        #expect(refusal(desk.db, as: "editor", "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(a.id), \(b.id), 'duplicate-of', 'x')") == nil)
        let cycle = refusal(desk.db, as: "editor", "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(b.id), \(a.id), 'duplicate-of', 'x')")
        #expect(cycle?.sqlState == SQLState("VR002"))
        #expect(cycle?.message.contains("cycle") == true)
        #expect(refusal(desk.db, as: "editor", "DELETE FROM case_links")?.sqlState == SQLState("VR004"))
        let noReason = refusal(desk.db, as: "editor", "UPDATE case_links SET unlinked_at = now()")
        #expect(noReason?.sqlState == SQLState("VR002"))
        try desk.setFourEyes(true, as: "editor")
        #expect(refusal(desk.db, as: "editor", "DELETE FROM desk_settings_history")?.sqlState == SQLState("VR004"))
        #expect(refusal(desk.db, as: "analyst", "UPDATE desk_settings SET value = 'off'")?.sqlState == SQLState("VR002"))
        #expect(refusal(desk.db, as: "editor", "UPDATE desk_settings SET value = 'sometimes'")?.sqlState == SQLState.checkViolation)
    }
}
