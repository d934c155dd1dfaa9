import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// A desk on a fresh database with an editor and an analyst.
func makeDesk() throws -> Desk {
    let desk = Desk(connection: try TestServer.shared.connect())
    try desk.addReviewer(handle: "editor", name: "Desk editor", email: nil, role: .editor)
    try desk.addReviewer(handle: "analyst", name: "OSINT analyst", email: "analyst@example.org", role: .reviewer)
    return desk
}

/// Brings a new case to `state` along allowed transitions (with evidence for assessed).
@discardableResult
func openCase(in state: CaseState, on desk: Desk, ref: String? = nil) throws -> CaseSummary {
    let opened = try desk.openCase(CaseDraft(claim: "450 dead people", claimant: "Zelensky", ref: ref), as: "editor")
    let key = CaseKey.id(opened.id)
    guard state != .claimed else { return opened }
    if state == .disputed { return try desk.move(key, to: .disputed, reason: "It's a lie", as: "editor") }
    try desk.move(key, to: .evidencePending, reason: nil, as: "editor")
    guard state != .evidencePending else { return try desk.findCase(key) }
    try desk.addEvidence(to: key, stance: .supports, credibility: 2, note: "AFP photo", source: nil, as: "editor")
    return try desk.move(
        key, to: .assessed, reason: nil, assessment: Assessment(verdict: .mostlyTrue, confidence: 3, rationale: "photo"),
        as: "editor")
}

@Suite("Workflow rules, in Swift and in the database")
struct WorkflowRulesTests {
    /// The workflow as the README documents it: what the database's table must hold.
    static let documented: Set<String> = [
        "claimed>disputed:dispute:true", "claimed>evidence-pending:move:false",
        "disputed>evidence-pending:move:false", "evidence-pending>disputed:dispute:true",
        "evidence-pending>assessed:assess:false", "assessed>evidence-pending:reopen:true",
    ]

    @Test("the database's transition table is the documented workflow, and Swift reads it from there")
    func tablesAgree() throws {
        let db = try TestServer.shared.connect()
        let table = try Desk(connection: db).transitionTable()
        #expect(Set(table.transitions.map { "\($0.from.rawValue)>\($0.to.rawValue):\($0.action):\($0.requiresReason)" })
            == Self.documented)
        let states = try db.query("SELECT state FROM case_states ORDER BY position").rows.map { try $0.decode("state", as: String.self) }
        #expect(states == CaseState.allCases.map(\.rawValue))
    }

    static let allPairs: [(CaseState, CaseState)] = CaseState.allCases.flatMap { from in
        CaseState.allCases.filter { $0 != from }.map { (from, $0) }
    }

    @Test("every transition is allowed or refused exactly as the table says", arguments: allPairs)
    func everyTransition(from: CaseState, to: CaseState) throws {
        let desk = try makeDesk()
        let subject = try openCase(in: from, on: desk)
        if to == .assessed || from == .evidencePending {
            try desk.addEvidence(to: .id(subject.id), stance: .refutes, credibility: 4, note: "n", source: nil, as: "editor")
        }
        let assessment = to == .assessed ? Assessment(verdict: .mixed, confidence: 4, rationale: "r") : nil
        let act = { try desk.move(.id(subject.id), to: to, reason: "because", assessment: assessment, as: "editor") }
        let table = try desk.transitionTable()
        if table.step(from: from, to: to) != nil {
            let moved = try act()
            #expect(moved.state == to)
            let last = try #require(try desk.history(.id(subject.id)).last)
            #expect(last.fromState == from && last.toState == to && last.actor == "editor")
        } else {
            let error = #expect(throws: VerityError.self) { try act() }
            #expect(error?.category == .ruleViolated)
            #expect(error?.message.contains("is \(from.rawValue) and cannot move to \(to.rawValue)") == true)
            let allowed = table.targets(from: from).map(\.rawValue).joined(separator: ", ")
            #expect(error?.message.contains("allowed from \(from.rawValue): \(allowed)") == true)
            #expect(try desk.findCase(.id(subject.id)).state == from)
        }
    }

    @Test("disputing and reopening need a reason")
    func reasonsRequired() throws {
        let desk = try makeDesk()
        let claimed = try openCase(in: .claimed, on: desk)
        let error = #expect(throws: VerityError.self) { try desk.move(.id(claimed.id), to: .disputed, reason: "  ", as: "editor") }
        #expect(error?.category == .usage)
        let assessed = try openCase(in: .assessed, on: desk)
        #expect(throws: VerityError.self) { try desk.move(.id(assessed.id), to: .evidencePending, reason: nil, as: "editor") }
    }

    @Test("assessing needs evidence and an assigned reviewer or an editor")
    func assessmentRequirements() throws {
        let desk = try makeDesk()
        let pending = try openCase(in: .evidencePending, on: desk)
        let key = CaseKey.id(pending.id)
        let assessment = Assessment(verdict: .false, confidence: 2, rationale: "refuted")
        let noEvidence = #expect(throws: VerityError.self) {
            try desk.move(key, to: .assessed, reason: nil, assessment: assessment, as: "editor")
        }
        #expect(noEvidence?.message.contains("no evidence notes") == true)
        let note = try desk.addEvidence(to: key, stance: .refutes, credibility: 2, note: "n", source: nil, as: "analyst")
        let notAssigned = #expect(throws: VerityError.self) {
            try desk.move(key, to: .assessed, reason: nil, assessment: assessment, as: "analyst")
        }
        #expect(notAssigned?.message.contains("not assigned") == true)
        try desk.assign(key, reviewer: "analyst", lead: true, as: "editor")
        let assessed = try desk.move(key, to: .assessed, reason: nil, assessment: assessment, as: "analyst")
        #expect(assessed.verdict == .false && assessed.confidence == 2 && assessed.assessedBy == "analyst")
        // A retracted note does not count.
        let reopened = try desk.move(key, to: .evidencePending, reason: "new facts", as: "editor")
        #expect(reopened.verdict == nil)
        try desk.retractEvidence(note.id, reason: "misread", as: "editor")
        #expect(throws: VerityError.self) {
            try desk.move(key, to: .assessed, reason: nil, assessment: assessment, as: "analyst")
        }
    }

    @Test("unknown, missing and deactivated reviewers cannot act")
    func actors() throws {
        let desk = try makeDesk()
        let draft = CaseDraft(claim: "c", claimant: "x")
        let unknown = #expect(throws: (any Error).self) { try desk.openCase(draft, as: "ghost") }
        #expect("\(unknown!)".contains("unknown reviewer \"ghost\""))
        let missing = #expect(throws: VerityError.self) { try desk.openCase(draft, as: nil) }
        #expect(missing?.category == .usage)
        _ = try desk.deactivateReviewer("analyst")
        let inactive = #expect(throws: (any Error).self) { try desk.openCase(draft, as: "analyst") }
        #expect("\(inactive!)".contains("deactivated"))
        #expect(try desk.cases().isEmpty)
    }
}

@Suite("The database enforces the rules for hand-written SQL too")
struct DatabaseEnforcementTests {
    func sqlFailure(_ db: Connection, actor: String? = "editor", _ sql: String) -> PostgresError? {
        do {
            try db.transaction { db in
                if let actor { try db.query("SELECT set_config('verity.actor', \(actor), true)") }
                try db.execute(unsafeSQL: sql)
            }
            return nil
        } catch {
            return error as? PostgresError
        }
    }

    @Test("a transition outside the table is refused by the database")
    func transitionRefused() throws {
        let desk = try makeDesk()
        let subject = try openCase(in: .claimed, on: desk)
        let error = sqlFailure(desk.db, "UPDATE cases SET state = 'assessed', verdict = 'true', confidence = 1, rationale = 'r' WHERE id = \(subject.id)")
        #expect(error?.sqlState == SQLState("VR001"))
        #expect(error?.message.contains("allowed from claimed: disputed, evidence-pending") == true)
    }

    @Test("an assessment without evidence is refused by the database")
    func assessmentWithoutEvidence() throws {
        let desk = try makeDesk()
        let subject = try openCase(in: .evidencePending, on: desk)
        let error = sqlFailure(desk.db, "UPDATE cases SET state = 'assessed', verdict = 'true', confidence = 1, rationale = 'r' WHERE id = \(subject.id)")
        #expect(error?.sqlState == SQLState("VR002"))
        #expect(error?.message.contains("no evidence notes") == true)
    }

    @Test("a verdict cannot be written without assessing, nor a case inserted past claimed")
    func verdictAndInsert() throws {
        let desk = try makeDesk()
        let subject = try openCase(in: .evidencePending, on: desk)
        let verdict = sqlFailure(desk.db, "UPDATE cases SET verdict = 'true' WHERE id = \(subject.id)")
        #expect(verdict?.sqlState == SQLState("VR002"))
        let insert = sqlFailure(desk.db, "INSERT INTO cases (claim, claimant, state) VALUES ('c', 'x', 'disputed')")
        #expect(insert?.sqlState == SQLState("VR001"))
    }

    @Test("every change needs an acting reviewer, even in SQL")
    func actorRequired() throws {
        let desk = try makeDesk()
        let error = sqlFailure(desk.db, actor: nil, "INSERT INTO cases (claim, claimant) VALUES ('c', 'x')")
        #expect(error?.sqlState == SQLState("VR003"))
    }

    @Test("history rows cannot be updated, deleted or truncated; notes cannot be edited or deleted")
    func appendOnly() throws {
        let desk = try makeDesk()
        let subject = try openCase(in: .assessed, on: desk)
        let rows = try desk.history(.id(subject.id)).count
        for sql in [
            "UPDATE case_history SET reason = 'rewritten'", "DELETE FROM case_history",
            "TRUNCATE case_history CASCADE", "UPDATE evidence_notes SET note = 'edited'",
            "DELETE FROM evidence_notes", "DELETE FROM cases",
        ] {
            let error = sqlFailure(desk.db, sql)
            #expect(error?.sqlState == SQLState("VR004"), "\(sql) should be refused")
        }
        #expect(try desk.history(.id(subject.id)).count == rows)
    }

    @Test("hand-written SQL still writes the history row, with actor and reason")
    func historyFromTriggers() throws {
        let desk = try makeDesk()
        let subject = try openCase(in: .claimed, on: desk)
        try desk.db.transaction { db in
            try db.query("SELECT set_config('verity.actor', 'analyst', true), set_config('verity.reason', 'Peskov: a lie', true)")
            try db.query("UPDATE cases SET state = 'disputed' WHERE id = \(subject.id)")
        }
        let last = try #require(try desk.history(.id(subject.id)).last)
        #expect(last.action == "dispute" && last.actor == "analyst" && last.reason == "Peskov: a lie")
    }
}
