#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// A verdict proposed under four-eyes assessment, awaiting (or past) sign-off.
public struct VerdictProposal: Encodable, Sendable {
    public enum State: String, Codable, Sendable {
        case pending
        case signedOff = "signed-off"
        case rejected
        /// The case left evidence-pending (it was disputed) before anyone decided.
        case withdrawn
    }

    public var id: Int
    public var caseID: Int
    public var verdict: Verdict
    public var confidence: Int
    public var rationale: String
    public var proposedBy: String
    public var proposedAt: Date
    public var state: State
    @Nullable public var decidedBy: String?
    @Nullable public var decidedAt: Date?
    @Nullable public var reason: String?

    enum CodingKeys: String, CodingKey {
        case id
        case caseID = "case_id"
        case verdict, confidence, rationale, proposedBy, proposedAt, state, decidedBy, decidedAt, reason
    }
}

/// What `case assess` did: assessed the case, or (four-eyes on) proposed its verdict.
public enum AssessOutcome: Sendable {
    case assessed(CaseSummary)
    case proposed(VerdictProposal, CaseSummary)
}

extension Desk {
    /// Assesses a case; with four-eyes on, records the verdict as a proposal
    /// that a second reviewer signs off (`signOff`) instead.
    public func assess(_ key: CaseKey, _ assessment: Assessment, as actor: String?) throws -> AssessOutcome {
        try assess(findCase(key), assessment, as: actor)
    }

    /// Assesses the case `current` as a command has just read it (see `move`).
    public func assess(_ current: CaseSummary, _ assessment: Assessment, as actor: String?) throws -> AssessOutcome {
        // Without four-eyes, and for the ordinary refusal (wrong state) with it, an assessment is a move.
        guard try fourEyes(), current.state == .evidencePending else {
            return .assessed(try move(current, to: .assessed, reason: nil, assessment: assessment, as: actor))
        }
        if let pending = try proposals(caseID: current.id).first(where: { $0.state == .pending }) {
            throw VerityError.ruleViolated(
                "case \(current.label) already has a verdict awaiting sign-off (\(pending.verdict.rawValue), proposed by \(pending.proposedBy))",
                hint: "another reviewer signs it off with `verity case sign-off \(current.id)`, "
                    + "or sends it back with `verity case sign-off \(current.id) --reject --reason ...`")
        }
        try checkAssessment(current, assessment, by: actor)
        let id: Int = try change(as: actor) { db in
            try db.query(
                """
                INSERT INTO verdict_proposals (case_id, verdict, confidence, rationale)
                VALUES (\(current.id), \(assessment.verdict.rawValue), \(assessment.confidence), \(assessment.rationale))
                RETURNING id
                """)[0].decode("id")
        }
        let proposal = try proposals(caseID: current.id).first { $0.id == id }!
        return .proposed(proposal, try findCase(.id(current.id)))
    }

    /// Signs off the verdict proposed for a case, which assesses it. Refused for
    /// the proposer and for anyone who wrote one of the case's evidence notes.
    @discardableResult
    public func signOff(_ key: CaseKey, as actor: String?) throws -> CaseSummary {
        let current = try findCase(key)
        let proposal = try pendingProposal(current)
        if let actor {
            try requireSecondPair(current, proposal, actor: actor)
            try requireMayDecide(current, actor: actor, doing: "sign off its verdict")
        }
        try change(as: actor) { db in
            _ = try db.query("SELECT verity_sign_off(\(current.id))")
        }
        return try findCase(.id(current.id))
    }

    /// Sends a proposed verdict back with a reason; the case stays evidence-pending.
    @discardableResult
    public func rejectProposal(_ key: CaseKey, reason: String, as actor: String?) throws -> VerdictProposal {
        let current = try findCase(key)
        let proposal = try pendingProposal(current)
        let trimmed = reason.trimmed
        guard !trimmed.isEmpty else {
            throw VerityError.usage(
                "rejecting the proposed verdict of case \(current.label) needs a reason", hint: "say why with --reason \"...\"")
        }
        if let actor { try requireMayDecide(current, actor: actor, doing: "reject its verdict") }
        try change(as: actor, reason: trimmed) { db in
            _ = try db.query("UPDATE verdict_proposals SET state = 'rejected' WHERE id = \(proposal.id) AND state = 'pending'")
        }
        return try proposals(caseID: current.id).first { $0.id == proposal.id }!
    }

    /// Every verdict proposal of a case, oldest first.
    public func proposals(caseID: Int) throws -> [VerdictProposal] {
        try db.query(Self.proposalsQuery(caseID: caseID)).rows.map(Self.decodeProposal)
    }

    static func proposalsQuery(caseID: Int) -> Query {
        """
        SELECT p.id, p.case_id, p.verdict, p.confidence::int AS confidence, p.rationale, pb.handle AS proposed_by,
               p.proposed_at, p.state, db.handle AS decided_by, p.decided_at, p.reason
          FROM verdict_proposals p
          JOIN reviewers pb ON pb.id = p.proposed_by
          LEFT JOIN reviewers db ON db.id = p.decided_by
         WHERE p.case_id = \(caseID) ORDER BY p.id
        """
    }

    static func decodeProposal(_ row: Row) throws -> VerdictProposal {
        VerdictProposal(
            id: try row.decode("id"), caseID: try row.decode("case_id"),
            verdict: Verdict(rawValue: try row.decode("verdict")) ?? .unverifiable,
            confidence: try row.decode("confidence"), rationale: try row.decode("rationale"),
            proposedBy: try row.decode("proposed_by"), proposedAt: try row.decode("proposed_at"),
            state: VerdictProposal.State(rawValue: try row.decode("state")) ?? .pending,
            decidedBy: try row.decode("decided_by"), decidedAt: try row.decode("decided_at"),
            reason: try row.decode("reason"))
    }

    private func pendingProposal(_ current: CaseSummary) throws -> VerdictProposal {
        guard let pending = try proposals(caseID: current.id).first(where: { $0.state == .pending }) else {
            throw VerityError.ruleViolated(
                "case \(current.label) has no verdict awaiting sign-off",
                hint: current.state == .evidencePending
                    ? "propose one with `verity case assess \(current.id) --verdict V --confidence N --rationale TEXT`"
                    : "the case is \(current.state.rawValue); only evidence-pending cases have proposed verdicts")
        }
        return pending
    }

    /// The four-eyes rule, explained before the database refuses.
    private func requireSecondPair(_ current: CaseSummary, _ proposal: VerdictProposal, actor: String) throws {
        if proposal.proposedBy == actor {
            throw VerityError.ruleViolated(
                "reviewer \"\(actor)\" proposed this verdict for case \(current.label) and cannot sign it off: four-eyes needs a second reviewer",
                hint: "ask another assigned reviewer or an editor who wrote none of the case's evidence notes")
        }
        let authored = try db.query(
            """
            SELECT count(*) AS n FROM evidence_notes e JOIN reviewers r ON r.id = e.author_id
             WHERE e.case_id = \(current.id) AND r.handle = \(actor)
            """)[0].decode("n", as: Int.self)
        if authored > 0 {
            throw VerityError.ruleViolated(
                "reviewer \"\(actor)\" wrote \(authored) evidence note\(authored == 1 ? "" : "s") of case \(current.label) "
                    + "and cannot sign off its verdict: four-eyes needs a reviewer who gathered none of it",
                hint: "ask another assigned reviewer or an editor who wrote none of the case's evidence notes (retracted notes count)")
        }
    }

    private func requireMayDecide(_ current: CaseSummary, actor: String, doing: String) throws {
        let reviewer = try requireActiveReviewer(actor)
        if reviewer.role == .reviewer, !current.reviewers.contains(actor) {
            throw VerityError.ruleViolated(
                "reviewer \"\(actor)\" is not assigned to case \(current.label) and is not an editor, so cannot \(doing)",
                hint: "assign them first: `verity case assign \(current.id) --to \(actor)`")
        }
    }
}
