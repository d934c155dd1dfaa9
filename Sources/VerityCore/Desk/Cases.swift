#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// What a reviewer gives to open a case.
public struct CaseDraft: Sendable {
    public var claim: String
    public var claimant: String
    public var claimedAt: CalendarDate?
    public var location: String?
    public var tags: [String] = []
    public var priority: Priority = .normal
    public var due: CalendarDate?
    public var ref: String?
    /// Person or Organization (ClaimReview's type of the claimant); nil: not said.
    public var claimantType: ClaimantType?
    /// Opened restricted: only its assigned reviewers, editors and admins see it.
    public var restricted = false

    public init(
        claim: String, claimant: String, claimedAt: CalendarDate? = nil, location: String? = nil,
        tags: [String] = [], priority: Priority = .normal, due: CalendarDate? = nil, ref: String? = nil
    ) {
        self.claim = claim
        self.claimant = claimant
        self.claimedAt = claimedAt
        self.location = location
        self.tags = tags
        self.priority = priority
        self.due = due
        self.ref = ref
    }
}

/// Field changes for `case update`; nil leaves a field as it is.
public struct CaseChanges: Sendable {
    public var claim: String?
    public var claimant: String?
    public var claimedAt: CalendarDate?
    public var location: String?
    public var priority: Priority?
    public var due: CalendarDate?
    public var claimantType: ClaimantType?
    public var addTags: [String] = []
    public var removeTags: [String] = []
    /// true restricts the case, false lifts the restriction (both need a reason).
    public var restricted: Bool?

    public init() {}

    public var isEmpty: Bool {
        claim == nil && claimant == nil && claimedAt == nil && location == nil && priority == nil && due == nil
            && claimantType == nil && addTags.isEmpty && removeTags.isEmpty && restricted == nil
    }
}

/// Which cases `case list` shows.
public struct CaseFilter: Sendable {
    public var state: CaseState?
    /// Every state but assessed (`--state open`): the cases the desk still works.
    public var openOnly = false
    /// Cases with a verdict proposal waiting for a second reviewer's sign-off.
    public var awaitingSignOffOnly = false
    /// Cases assigned to the acting reviewer: `mineHandle`, or, when nil, the login's own reviewer.
    public var mineOnly = false
    public var mineHandle: String?
    public var reviewer: String?
    public var tag: String?
    public var overdueOnly = false
    public var unassignedOnly = false
    public var limit: Int?

    public init() {}
}

/// The assessment given when a case moves to assessed.
public struct Assessment: Sendable {
    public var verdict: Verdict
    public var confidence: Int
    public var rationale: String

    public init(verdict: Verdict, confidence: Int, rationale: String) {
        self.verdict = verdict
        self.confidence = confidence
        self.rationale = rationale
    }
}

extension Desk {
    static let caseColumns: Query = """
        SELECT c.id, c.ref, c.claim, c.claimant, c.claimed_at, c.location, c.tags, c.priority, c.due, c.state,
               c.verdict, c.confidence, c.rationale, ab.handle AS assessed_by, c.assessed_at, c.state_changed_at,
               c.created_at, c.updated_at, c.version,
               coalesce((SELECT array_agg(r.handle ORDER BY a.is_lead DESC, r.handle)
                           FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                          WHERE a.case_id = c.id), '{}') AS reviewers,
               (SELECT r.handle FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                 WHERE a.case_id = c.id AND a.is_lead) AS lead,
               coalesce(c.due < current_date AND c.state <> 'assessed', false) AS overdue, c.restricted,
               dl.other_id AS duplicate_of, vp.id IS NOT NULL AS awaiting_sign_off,
               c.latitude::float8 AS latitude, c.longitude::float8 AS longitude
          FROM cases c LEFT JOIN reviewers ab ON ab.id = c.assessed_by
          -- at most one row each (unique partial indexes of sql/migrations/001_baseline.sql)
          LEFT JOIN case_links dl ON dl.case_id = c.id AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL
          LEFT JOIN verdict_proposals vp ON vp.case_id = c.id AND vp.state = 'pending'
        """

    // MARK: reading

    public func findCase(_ key: CaseKey) throws -> CaseSummary {
        try Self.decodeFound(try db.query(Self.findQuery(key)).first, key)
    }

    /// `findCase`'s read, for a caller that sends it in the connection's first round trip
    /// (`Database.open(_:asking:)`); `findCase(_:answer:)` decodes its answer.
    public static func findQuery(_ key: CaseKey) -> Query { caseColumns + " WHERE \(key.condition)" }

    /// `findCase`, from what `findQuery(key)` answered (nil: not sent, read it now).
    public func findCase(_ key: CaseKey, answer: Result<ResultSet, PostgresError>?) throws -> CaseSummary {
        guard let answer else { return try findCase(key) }
        return try Self.decodeFound(try answer.get().first, key)
    }

    /// The case in `row`, or the user's "no such case" when the query found none.
    static func decodeFound(_ row: Row?, _ key: CaseKey) throws -> CaseSummary {
        guard let row else { throw VerityError.notFound("no \(key)", hint: "list cases with `verity case list`") }
        return try decodeCase(row)
    }

    public func cases(_ filter: CaseFilter = CaseFilter()) throws -> [CaseSummary] {
        if filter.mineOnly { try requireActingReviewer(filter.mineHandle) }
        return try cases(filter, answer: nil)
    }

    /// `cases`' read, for a caller that sends it in the connection's first round trip
    /// (`Database.open(_:asking:)`); nil for a filter that needs a check first (`--mine`).
    public static func casesQuery(_ filter: CaseFilter) -> Query? {
        filter.mineOnly ? nil : listQuery(filter)
    }

    /// `cases`, from what `casesQuery(filter)` answered (nil: not sent, read it now).
    public func cases(_ filter: CaseFilter, answer: Result<ResultSet, PostgresError>?) throws -> [CaseSummary] {
        let rows = try answer?.get() ?? db.query(Self.listQuery(filter))
        return try followingCanonical(try rows.rows.map(Self.decodeCase))
    }

    private static func listQuery(_ filter: CaseFilter) -> Query {
        var conditions: [Query] = ["true"]
        if let state = filter.state {
            // A duplicate is listed under the state it is shown with: its canonical case's.
            conditions.append(
                """
                CASE WHEN dl.other_id IS NULL THEN c.state
                     ELSE coalesce((SELECT cc.state FROM cases cc WHERE cc.id = verity_canonical_case(c.id)), c.state)
                END = \(state.rawValue)
                """)
        }
        if let tag = filter.tag.map(Tag.matching) {
            conditions.append("\(tag) = ANY (c.tags)")
        }
        if let reviewer = filter.reviewer {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                         WHERE a.case_id = c.id AND r.handle = \(reviewer))
                """)
        }
        if filter.overdueOnly { conditions.append("c.due < current_date AND c.state <> 'assessed'") }
        if filter.openOnly { conditions.append("c.state <> 'assessed'") }
        if filter.awaitingSignOffOnly { conditions.append("vp.id IS NOT NULL") }
        if filter.mineOnly {
            let me: Query = filter.mineHandle.map { "r.handle = \($0)" } ?? "r.login = session_user"
            conditions.append(
                "EXISTS (SELECT 1 FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id WHERE a.case_id = c.id AND "
                    + me + ")")
        }
        if filter.unassignedOnly {
            conditions.append("NOT EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id)")
        }
        var query = Self.caseColumns + " WHERE " + Query.joined(conditions, separator: " AND ") + " ORDER BY c.id"
        if let limit = filter.limit { query += " LIMIT \(limit)" }
        return query
    }

    /// `--mine` needs to know who "me" is: a known handle, or a login that is a reviewer's.
    func requireActingReviewer(_ handle: String?) throws {
        if let handle {
            guard try reviewer(handle) != nil else {
                throw VerityError.notFound("no reviewer \"\(handle)\"", hint: "list reviewers with `verity reviewer list`")
            }
            return
        }
        let login: Bool = try db.query("SELECT EXISTS (SELECT 1 FROM reviewers WHERE login = session_user) AS known")[0].decode("known")
        guard login else {
            throw VerityError.usage(
                "--mine needs the acting reviewer: the database user is no reviewer's login",
                hint: "pass --as HANDLE or set VERITY_REVIEWER")
        }
    }

    /// A case with everything `case show` prints. Its reads (the case, evidence,
    /// sources, history, links, proposals) go out in one pipeline: one round trip
    /// instead of six, and the server plans each while the client still sends.
    /// A case named by reference is looked up first, because the others need its id.
    /// What `showCase` reads for a case named by number, for a caller that sends it in the
    /// connection's first round trip (`Database.open(_:asking:)`); nil for a reference.
    public static func showQueries(_ key: CaseKey) -> [Query]? {
        guard case .id(let id) = key else { return nil }
        return [caseColumns + " WHERE c.id = \(id)"] + showDetailQueries(caseID: id)
    }

    static func showDetailQueries(caseID: Int) -> [Query] {
        [
            Self.evidenceQuery(forCase: caseID), Self.sourcesQuery(forCase: caseID), Self.historyQuery(caseID: caseID),
            Self.linksQuery(caseID: caseID), Self.proposalsQuery(caseID: caseID), TransitionTable.query,
        ]
    }

    /// `answers`: what `showQueries(key)` answered, when the caller sent them already.
    public func showCase(_ key: CaseKey, answers: [Result<ResultSet, PostgresError>]? = nil) throws -> CaseDetail {
        // Named by reference: read first, for its id. By number: read in the pipeline.
        let readFirst: CaseSummary?
        let caseID: Int
        switch key {
        case .id(let id): (readFirst, caseID) = (nil, id)
        case .ref:
            let found = try findCase(key)
            (readFirst, caseID) = (found, found.id)
        }
        let details = Self.showDetailQueries(caseID: caseID)
        var results: [ResultSet]
        if let answers, readFirst == nil, answers.count == details.count + 1 {
            results = try answers.map { try $0.get() }
        } else {
            results = try db.pipeline((readFirst == nil ? [Self.caseColumns + " WHERE c.id = \(caseID)"] : []) + details)
        }
        let own = try readFirst ?? Self.decodeFound(results.removeFirst().first, key)
        guard results.count == details.count else {
            throw PostgresError(kind: .protocolViolation, message: "case show's pipeline returned \(results.count) results")
        }
        let summary = try followingCanonical([own])[0]
        let evidence = try results[0].rows.map(Self.decodeNote)
        return CaseDetail(
            summary: summary, sources: try results[1].rows.map(Self.decodeCaseSource), evidence: evidence,
            history: try results[2].rows.map(Self.decodeHistory),
            allowedNextStates: try TransitionTable(results[5]).targets(from: own.state),
            links: try results[3].rows.map(Self.decodeLink), grades: GradeRollUp(notes: evidence),
            proposals: try results[4].rows.map(Self.decodeProposal))
    }

    public func history(_ key: CaseKey) throws -> [HistoryEntry] {
        try history(caseID: try findCase(key).id)
    }

    func history(caseID: Int) throws -> [HistoryEntry] {
        try db.query(Self.historyQuery(caseID: caseID)).rows.map(Self.decodeHistory)
    }

    static func historyQuery(caseID: Int) -> Query {
        """
        SELECT h.id, h.case_id, h.at, r.handle AS actor, h.action, h.from_state, h.to_state, h.reason,
               h.details::text AS details
          FROM case_history h LEFT JOIN reviewers r ON r.id = h.actor_id
         WHERE h.case_id = \(caseID) ORDER BY h.seq
        """
    }

    static func decodeHistory(_ row: Row) throws -> HistoryEntry {
        HistoryEntry(
            id: try row.decode("id"), caseID: try row.decode("case_id"), at: try row.decode("at"),
            actor: try row.decode("actor"), action: try row.decode("action"),
            fromState: try row.decode("from_state", as: String?.self).flatMap(CaseState.init(rawValue:)),
            toState: try row.decode("to_state", as: String?.self).flatMap(CaseState.init(rawValue:)),
            reason: try row.decode("reason"), details: JSONValue(parsing: try row.decode("details")))
    }

    // MARK: opening and updating

    @discardableResult
    public func openCase(_ draft: CaseDraft, as actor: String?) throws -> CaseSummary {
        try Self.validate(text: draft.claim, field: "claim", limit: .limit("cases", "claim"))
        try Self.validate(text: draft.claimant, field: "--claimant", limit: .limit("cases", "claimant"))
        try FieldLimit.limit("cases", "location").check(draft.location, as: "--location")
        if let ref = draft.ref { try Self.validate(ref: ref) }
        let tags = try Self.normalized(tags: draft.tags)
        let id: Int
        do {
            id = try change(as: actor) { db in
                let id: Int = try db.query(
                    """
                    INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due, claimant_type)
                    VALUES (\(draft.ref), \(draft.claim), \(draft.claimant), \(draft.claimedAt), \(draft.location),
                            \(tags), \(draft.priority.rawValue), \(draft.due), \(draft.claimantType?.rawValue))
                    RETURNING id
                    """)[0].decode("id")
                if draft.restricted { try restrictOpened(db, caseID: id) }
                return id
            }
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            // A reference taken by a case this user may not see is not confirmed to be a case's.
            let visible: Bool = try db.query("SELECT EXISTS (SELECT 1 FROM cases WHERE ref = \(draft.ref)) AS visible")[0]
                .decode("visible")
            guard visible else {
                throw VerityError.usage(
                    "the reference \"\(draft.ref ?? "")\" cannot be used", hint: "choose another --ref")
            }
            throw VerityError.usage(
                "a case with the reference \"\(draft.ref ?? "")\" already exists",
                hint: "choose another --ref, or look at it with `verity case show \(draft.ref ?? "")`")
        }
        return try findCase(.id(id))
    }

    @discardableResult
    public func updateCase(
        _ key: CaseKey, _ changes: CaseChanges, reason: String? = nil, as actor: String?
    ) throws -> CaseSummary {
        guard !changes.isEmpty else {
            throw VerityError.usage(
                "nothing to update",
                hint: "give at least one of --claim, --claimant, --claimant-type, --priority, --due, --tag, --untag, --restrict, --unrestrict")
        }
        if let claim = changes.claim { try Self.validate(text: claim, field: "--claim", limit: .limit("cases", "claim")) }
        if let claimant = changes.claimant {
            try Self.validate(text: claimant, field: "--claimant", limit: .limit("cases", "claimant"))
        }
        try FieldLimit.limit("cases", "location").check(changes.location, as: "--location")
        let current = try findCase(key)
        var tags = current.tags
        for tag in try Self.normalized(tags: changes.addTags) where !tags.contains(tag) { tags.append(tag) }
        let removing = Set(changes.removeTags.map(Tag.matching))
        tags.removeAll { removing.contains($0) }
        if let restricted = changes.restricted { try requireRestrictable(current, restricted, reason: reason, by: actor) }
        return try change(as: actor, reason: reason) { db in
            let updated = try db.query(
                """
                UPDATE cases c SET
                    claim = coalesce(\(changes.claim), c.claim),
                    claimant = coalesce(\(changes.claimant), c.claimant),
                    claimed_at = coalesce(\(changes.claimedAt), c.claimed_at),
                    location = coalesce(\(changes.location), c.location),
                    priority = coalesce(\(changes.priority?.rawValue), c.priority),
                    due = coalesce(\(changes.due), c.due),
                    claimant_type = coalesce(\(changes.claimantType?.rawValue), c.claimant_type),
                    tags = \(tags),
                    restricted = coalesce(\(changes.restricted), c.restricted)
                 WHERE c.id = \(current.id) AND c.version = \(current.version)
                RETURNING c.id
                """)
            try requireUnchanged(updated, current)
            return try findCase(.id(current.id))
        }
    }

    // MARK: the workflow

    /// Moves a case to `target`. The database decides whether the move is
    /// allowed (the transition table, the reason); for `assessed`, the
    /// assessment and its evidence are explained here before it refuses them.
    @discardableResult
    public func move(
        _ key: CaseKey, to target: CaseState, reason: String?, assessment: Assessment? = nil,
        citing sourceID: Int? = nil, as actor: String?
    ) throws -> CaseSummary {
        try move(findCase(key), to: target, reason: reason, assessment: assessment, citing: sourceID, as: actor)
    }

    /// Moves the case `current` as a command has just read it (a command that
    /// also needs the case before the move reads it once). The update applies
    /// only if the case is still at `current.version`.
    @discardableResult
    public func move(
        _ current: CaseSummary, to target: CaseState, reason: String?, assessment: Assessment? = nil,
        citing sourceID: Int? = nil, as actor: String?
    ) throws -> CaseSummary {
        if let sourceID { _ = try source(sourceID) }
        // Nothing to move: an UPDATE to the same state would change nothing and say nothing.
        guard current.state != target else {
            throw VerityError.ruleViolated(
                "case \(current.label) is already \(target.rawValue)",
                hint: try allowedHint(current))
        }
        let trimmedReason = reason?.trimmed
        // Only a move the table allows is explained here; any other the database refuses below.
        if target == .assessed, try transitionTable().step(from: current.state, to: target) != nil {
            guard let assessment else {
                throw VerityError.usage(
                    "assessing case \(current.label) needs a verdict, a confidence and a rationale",
                    hint: "use `verity case assess \(current.id) --verdict V --confidence N --rationale TEXT`")
            }
            try checkAssessment(current, assessment, by: actor)
        }
        let details = sourceID.map { "{\"source_id\": \($0)}" }
        do {
            return try moveUnchecked(current, to: target, reason: trimmedReason, details: details, assessment: assessment,
                                     citing: sourceID, as: actor)
        } catch let error as PostgresError where error.sqlState?.errorClass == "VR" {
            // The database decided, in its own words; for a move the table refuses, the hint
            // names the commands that would move the case.
            guard error.sqlState == SQLState("VR001") else { throw VerityErrorTranslation.translate(error) }
            throw VerityError.ruleViolated(error.message, hint: try allowedHint(current))
        }
    }

    private func moveUnchecked(
        _ current: CaseSummary, to target: CaseState, reason: String?, details: String?, assessment: Assessment?,
        citing sourceID: Int?, as actor: String?
    ) throws -> CaseSummary {
        try change(as: actor, reason: reason, details: details) { db in
            // A cited source (the counter-claim of a dispute) is linked in the same transaction.
            if let sourceID { _ = try linkIfNeeded(db, source: sourceID, caseID: current.id) }
            // The update and the read of the case it leaves, in one round trip (`queries`: in a batch,
            // two prepared statements); the read runs after the update and its triggers, and not at
            // all when the update fails.
            let answers = try db.queries([
                """
                UPDATE cases SET state = \(target.rawValue), verdict = \(assessment?.verdict.rawValue),
                       confidence = \(assessment?.confidence), rationale = \(assessment?.rationale)
                 WHERE id = \(current.id) AND version = \(current.version)
                RETURNING id
                """,
                Self.findQuery(.id(current.id)),
            ])
            try requireUnchanged(answers[0], current)
            return try Self.decodeFound(answers[1].first, .id(current.id))
        }
    }

    /// Checks an assessment (or a four-eyes proposal) before the database does.
    func checkAssessment(_ current: CaseSummary, _ assessment: Assessment, by actor: String?) throws {
        guard Credibility.range.contains(assessment.confidence) else {
            throw VerityError.usage("--confidence must be 1 to 6, not \(assessment.confidence)")
        }
        try Self.validate(text: assessment.rationale, field: "--rationale", limit: .limit("cases", "rationale"))
        try requireAssessable(current, by: actor)
    }

    /// Explains a refused assessment before the database refuses it.
    private func requireAssessable(_ current: CaseSummary, by actor: String?) throws {
        // The database's sentence (it counts retracted notes too).
        let missing = try db.query(
            "SELECT public.verity_missing_evidence(\(current.id), \(current.label)) AS m")[0].decode("m", as: String?.self)
        if let missing {
            throw VerityError.ruleViolated(
                missing,
                hint: "add one with `verity evidence add \(current.id) --stance S --credibility N --note TEXT`")
        }
        guard let actor else { return }
        let assessor = try requireActiveReviewer(actor)
        if assessor.role == .reviewer, !current.reviewers.contains(actor) {
            throw VerityError.ruleViolated(
                "reviewer \"\(actor)\" is not assigned to case \(current.label) and is not an editor, so cannot assess it",
                hint: "assign them first: `verity case assign \(current.id) --to \(actor)`")
        }
    }

    private func allowedHint(_ summary: CaseSummary) throws -> String {
        let commands = try transitionTable().targets(from: summary.state).map { target -> String in
            switch (summary.state, target) {
            case (_, .disputed): return "`verity case dispute \(summary.id) --reason ...`"
            case (.assessed, .evidencePending): return "`verity case reopen \(summary.id) --reason ...`"
            case (_, .assessed): return "`verity case assess \(summary.id) --verdict ... --confidence N --rationale ...`"
            default: return "`verity case move \(summary.id) --to \(target.rawValue)`"
            }
        }
        return "next steps: " + commands.joined(separator: ", ")
    }

    /// Turns "0 rows updated" into the lost-update refusal the user can act on.
    func requireUnchanged(_ updated: ResultSet, _ seen: CaseSummary) throws {
        guard updated.rowCount == 0 else { return }
        let latest = try db.query(
            """
            SELECT r.handle, h.at, h.action FROM case_history h LEFT JOIN reviewers r ON r.id = h.actor_id
             WHERE h.case_id = \(seen.id) ORDER BY h.id DESC LIMIT 1
            """
        ).first
        let who = try latest?.decode("handle", as: String?.self) ?? "someone"
        let when = try latest.map { TimestampText.format(try $0.decode("at", as: Date.self)) } ?? "just now"
        throw VerityError.conflict(
            "case \(seen.label) was changed by \(who) at \(when) while this command ran; nothing was written",
            hint: "run it again: it will apply to the case as it is now")
    }

    // MARK: reviewers on a case

    /// Assigns a reviewer; `lead` makes them the case's one lead.
    @discardableResult
    public func assign(_ key: CaseKey, reviewer handle: String, lead: Bool, as actor: String?) throws -> CaseSummary {
        let current = try findCase(key)
        _ = try requireActiveReviewer(handle, role: "assignee")
        return try change(as: actor) { db in
            let reviewerID: Int = try db.query("SELECT id FROM reviewers WHERE handle = \(handle)")[0].decode("id")
            let existing = try db.query(
                "SELECT is_lead FROM case_assignments WHERE case_id = \(current.id) AND reviewer_id = \(reviewerID) FOR UPDATE"
            ).first
            if lead {
                try db.query(
                    """
                    UPDATE case_assignments SET is_lead = false
                     WHERE case_id = \(current.id) AND is_lead AND reviewer_id <> \(reviewerID)
                    """)
            }
            if let existing {
                if lead, try !existing.decode("is_lead", as: Bool.self) {
                    try db.query(
                        "UPDATE case_assignments SET is_lead = true WHERE case_id = \(current.id) AND reviewer_id = \(reviewerID)")
                }
            } else {
                try db.query(
                    "INSERT INTO case_assignments (case_id, reviewer_id, is_lead) VALUES (\(current.id), \(reviewerID), \(lead))")
            }
            return try findCase(.id(current.id))
        }
    }

    @discardableResult
    public func unassign(_ key: CaseKey, reviewer handle: String, as actor: String?) throws -> CaseSummary {
        let current = try findCase(key)
        return try change(as: actor) { db in
            let removed = try db.query(
                """
                DELETE FROM case_assignments a USING reviewers r
                 WHERE a.reviewer_id = r.id AND a.case_id = \(current.id) AND r.handle = \(handle)
                RETURNING a.case_id
                """)
            guard removed.rowCount == 1 else {
                throw VerityError.notFound(
                    "reviewer \"\(handle)\" is not assigned to case \(current.label)",
                    hint: current.reviewers.isEmpty
                        ? "the case has no reviewers" : "assigned: \(current.reviewers.joined(separator: ", "))")
            }
            return try findCase(.id(current.id))
        }
    }

    /// Whether any case carries `tag` now or carried it at some time (its opening or an
    /// update in the history), so that a report filtered by it can only be empty on purpose.
    public func tagIsKnown(_ given: String) throws -> Bool {
        let tag = Tag.matching(given)
        return try db.query(
            """
            SELECT EXISTS (SELECT 1 FROM cases WHERE \(tag) = ANY (tags))
                OR EXISTS (SELECT 1 FROM case_history
                            WHERE action IN ('open', 'update')
                              AND (details -> 'tags' ? \(tag) OR details -> 'tags' -> 'to' ? \(tag))) AS known
            """)[0].decode("known")
    }

    // MARK: validation and decoding

    static func validate(text: String, field: String, limit: FieldLimit? = nil) throws {
        guard !text.trimmed.isEmpty else {
            throw VerityError.usage("\(field) must not be empty")
        }
        try limit?.check(text, as: field)
    }

    static func validate(ref: String) throws {
        // The database's CHECK decides; this mirror of it (tested against it) gives the option's words.
        guard RecordValidator.Pattern.ref.matches(ref) else {
            throw VerityError.usage(
                "the reference \"\(ref)\" is not valid",
                hint: "use up to 64 letters, digits and . _ : / -, starting with a letter or digit, e.g. IZY-001")
        }
        if Int(ref) != nil {
            throw VerityError.usage(
                "the reference \"\(ref)\" is only digits and would be mistaken for a case id",
                hint: "add letters, e.g. IZY-\(ref)")
        }
    }

    static func normalized(tags: [String]) throws -> [String] {
        var result: [String] = []
        for tag in tags {
            let normalized = try Tag.normalized(tag)
            if !result.contains(normalized) { result.append(normalized) }
        }
        return result
    }

    static func decodeCase(_ row: Row) throws -> CaseSummary {
        CaseSummary(
            id: try row.decode("id"), ref: try row.decode("ref"), claim: try row.decode("claim"),
            claimant: try row.decode("claimant"), claimedAt: try row.decode("claimed_at"),
            location: try row.decode("location"), tags: try row.decode("tags"),
            priority: Priority(rawValue: try row.decode("priority")) ?? .normal, due: try row.decode("due"),
            state: CaseState(rawValue: try row.decode("state")) ?? .claimed,
            verdict: try row.decode("verdict", as: String?.self).flatMap(Verdict.init(rawValue:)),
            confidence: try row.decode("confidence"), rationale: try row.decode("rationale"),
            assessedBy: try row.decode("assessed_by"), assessedAt: try row.decode("assessed_at"),
            stateChangedAt: try row.decode("state_changed_at"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"), version: try row.decode("version"),
            reviewers: try row.decode("reviewers"), lead: try row.decode("lead"), overdue: try row.decode("overdue"),
            restricted: try row.decode("restricted"),
            duplicateOf: try row.decode("duplicate_of"), awaitingSignOff: try row.decode("awaiting_sign_off"),
            latitude: try row.decode("latitude"), longitude: try row.decode("longitude"))
    }
}
