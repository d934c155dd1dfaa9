#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// The cases a bulk command works on: every case matching all the given
/// `--where-*` filters (state, tag, assigned reviewer).
public struct BulkSelection: Sendable, Encodable {
    public var state: CaseState?
    public var tag: String?
    public var reviewer: String?

    public init(state: CaseState? = nil, tag: String? = nil, reviewer: String? = nil) {
        self.state = state
        self.tag = tag
        self.reviewer = reviewer
    }

    /// True when no filter is given: a bulk command then has nothing to select by.
    public var isEmpty: Bool { state == nil && tag == nil && reviewer == nil }

    /// The filters as the user typed them, for messages: `--where-state claimed --where-tag izium`.
    public var description: String {
        var parts: [String] = []
        if let state { parts.append("--where-state \(state.rawValue)") }
        if let tag { parts.append("--where-tag \(tag)") }
        if let reviewer { parts.append("--where-reviewer \(reviewer)") }
        return parts.joined(separator: " ")
    }

    /// The same filters for `verity case list`, to look before acting.
    var listCommand: String {
        var parts = ["verity case list"]
        if let state { parts.append("--state \(state.rawValue)") }
        if let tag { parts.append("--tag \(tag)") }
        if let reviewer { parts.append("--reviewer \(reviewer)") }
        return parts.joined(separator: " ")
    }

    var condition: Query {
        var conditions: [Query] = ["true"]
        if let state { conditions.append("c.state = \(state.rawValue)") }
        if let tag = tag.map(Tag.matching) {
            conditions.append("\(tag) = ANY (c.tags)")
        }
        if let reviewer {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                         WHERE a.case_id = c.id AND r.handle = \(reviewer))
                """)
        }
        return Query.joined(conditions, separator: " AND ")
    }

    /// The history details every changed case gets, so its history shows the change came from a bulk command.
    func historyDetails(matched: Int) -> String {
        let details = JSONValue.object([
            "bulk": .object(["where": .string(description), "matched": .number(Double(matched))])
        ])
        return (try? String(decoding: JSONEncoder().encode(details), as: UTF8.self)) ?? "{}"
    }
}

/// What a bulk command did (or, with --dry-run, would do) to each matching case.
public struct BulkOutcome: Encodable, Sendable {
    public struct CaseChange: Encodable, Sendable {
        public var id: Int
        public var ref: String?
        public var before: String
        public var after: String
        /// False when the case already was as asked: it gets no history row.
        public var changes: Bool

        /// "12" or "12 (IZY-001)".
        public var label: String { ref.map { "\(id) (\($0))" } ?? String(id) }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(ref, forKey: .ref)
            try c.encode(before, forKey: .before)
            try c.encode(after, forKey: .after)
            try c.encode(changes, forKey: .changes)
        }

        enum CodingKeys: String, CodingKey { case id, ref, before, after, changes }
    }

    public var action: String
    public var selection: BulkSelection
    public var matched: Int
    public var changed: Int
    public var dryRun: Bool
    public var cases: [CaseChange]
}

extension Desk {
    /// A matching case as a bulk command needs it, read (and with `lock`, locked) in the command's transaction.
    struct BulkTarget {
        var id: Int
        var ref: String?
        var state: CaseState
        var priority: Priority
        var tags: [String]
        var reviewers: [String]
        var lead: String?

        var label: String { ref.map { "\(id) (\($0))" } ?? String(id) }
    }

    func bulkTargets(_ db: Connection, _ selection: BulkSelection, lock: Bool) throws -> [BulkTarget] {
        guard !selection.isEmpty else {
            throw VerityError.usage("a bulk change needs at least one --where-state, --where-tag or --where-reviewer")
        }
        if let reviewer = selection.reviewer, try self.reviewer(reviewer) == nil {
            throw VerityError.notFound(
                "no reviewer \"\(reviewer)\" (--where-reviewer)", hint: "list reviewers with `verity reviewer list`")
        }
        // The assignments are read after the lock, so they are the ones the change sees.
        let locked = try db.query(
            "SELECT c.id FROM cases c WHERE " + selection.condition + " ORDER BY c.id"
                + (lock ? " FOR NO KEY UPDATE" : ""))
        let ids = try locked.rows.map { try $0.decode("id", as: Int.self) }
        guard !ids.isEmpty else {
            throw VerityError.notFound(
                "no case matches \(selection.description); nothing was changed",
                hint: "look first with `\(selection.listCommand)`")
        }
        return try db.query(
            """
            SELECT c.id, c.ref, c.state, c.priority, c.tags,
                   coalesce((SELECT array_agg(r.handle ORDER BY a.is_lead DESC, r.handle)
                               FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                              WHERE a.case_id = c.id), '{}') AS reviewers,
                   (SELECT r.handle FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                     WHERE a.case_id = c.id AND a.is_lead) AS lead
              FROM cases c WHERE c.id = ANY (\(ids.map(String.init))::bigint[]) ORDER BY c.id
            """
        ).rows.map { row in
            BulkTarget(
                id: try row.decode("id"), ref: try row.decode("ref"),
                state: CaseState(rawValue: try row.decode("state")) ?? .claimed,
                priority: Priority(rawValue: try row.decode("priority")) ?? .normal, tags: try row.decode("tags"),
                reviewers: try row.decode("reviewers"), lead: try row.decode("lead"))
        }
    }

    /// Runs a bulk change: in one transaction, selects and locks the matching
    /// cases, plans each case's change, and (unless `dryRun`) applies them all.
    /// Any refusal rolls everything back.
    private func bulk(
        _ action: String, _ selection: BulkSelection, dryRun: Bool, as actor: String?, reason: String? = nil,
        plan: (BulkTarget) throws -> BulkOutcome.CaseChange,
        apply: (Connection, [BulkTarget], [BulkOutcome.CaseChange]) throws -> Void
    ) throws -> BulkOutcome {
        func run(_ db: Connection) throws -> BulkOutcome {
            let targets = try bulkTargets(db, selection, lock: !dryRun)
            // Every case that cannot change is named (not only the first), so that one
            // --dry-run shows how to narrow the selection.
            var changes: [BulkOutcome.CaseChange] = []
            var refusals: [VerityError] = []
            for target in targets {
                do { changes.append(try plan(target)) } catch let refusal as VerityError { refusals.append(refusal) }
            }
            if refusals.count == 1 { throw refusals[0] }
            if let first = refusals.first {
                let lines = refusals.map { "  " + $0.message.replacing("; nothing was changed", with: "") }
                throw VerityError(
                    first.category,
                    "\(refusals.count) of the \(targets.count) matching cases cannot \(action) as asked; nothing was changed:\n"
                        + lines.joined(separator: "\n"),
                    hint: first.hint)
            }
            let outcome = BulkOutcome(
                action: action, selection: selection, matched: targets.count, changed: changes.filter(\.changes).count,
                dryRun: dryRun, cases: changes)
            if dryRun || outcome.changed == 0 { return outcome }
            try db.query("SELECT set_config('verity.details', \(selection.historyDetails(matched: targets.count)), true)")
            do {
                try apply(db, targets, changes)
            } catch let error as PostgresError where error.sqlState?.errorClass == "VR" {
                throw VerityError.ruleViolated(
                    "\(error.message); nothing was changed (the \(action) applies to all \(targets.count) matching cases or none)",
                    hint: error.hint)
            }
            return outcome
        }
        if dryRun { return try db.transaction { try run($0) } }
        return try change(as: actor, reason: reason) { try run($0) }
    }

    /// Moves every matching case to `target` (those already there are left as they are); refuses them all if any one may not move.
    public func bulkMove(
        _ selection: BulkSelection, to target: CaseState, reason: String?, dryRun: Bool, as actor: String?
    ) throws -> BulkOutcome {
        let trimmedReason = reason?.trimmed
        // Every case is checked against the database's table first, so that a refusal names them all.
        let table = try transitionTable()
        return try bulk("move", selection, dryRun: dryRun, as: actor, reason: trimmedReason) { current in
            // Already there: skipped and counted as "already so", as bulk assign does.
            if current.state == target {
                return .init(id: current.id, ref: current.ref, before: target.rawValue, after: target.rawValue, changes: false)
            }
            guard let step = table.step(from: current.state, to: target) else {
                throw VerityError.ruleViolated(
                    "case \(current.label) is \(current.state.rawValue) and cannot move to \(target.rawValue) "
                        + "(allowed from \(current.state.rawValue): "
                        + table.targets(from: current.state).map(\.rawValue).joined(separator: ", ") + "); nothing was changed",
                    hint: "narrow the selection, e.g. add --where-state, so that every matching case can move")
            }
            if step.requiresReason, trimmedReason?.isEmpty ?? true {
                throw VerityError.usage(
                    "moving case \(current.label) from \(current.state.rawValue) to \(target.rawValue) needs a reason; nothing was changed",
                    hint: "say why with --reason \"...\" (it is recorded on every case)")
            }
            return .init(id: current.id, ref: current.ref, before: current.state.rawValue, after: target.rawValue, changes: true)
        } apply: { db, _, changes in
            let moving = changes.filter(\.changes).map { String($0.id) }
            try db.query("UPDATE cases SET state = \(target.rawValue) WHERE id = ANY (\(moving)::bigint[])")
        }
    }

    /// Assigns `handle` to every matching case (as lead with `lead`); cases that already have them are left as they are.
    public func bulkAssign(
        _ selection: BulkSelection, reviewer handle: String, lead: Bool, dryRun: Bool, as actor: String?
    ) throws -> BulkOutcome {
        _ = try requireActiveReviewer(handle, role: "assignee")
        return try bulk("assign", selection, dryRun: dryRun, as: actor) { current in
            let assigned = current.reviewers.contains(handle)
            let isLead = current.lead == handle
            let before = current.reviewers.isEmpty ? "unassigned" : current.reviewers.joined(separator: " ")
            var after = current.reviewers
            if !assigned { after.append(handle) }
            let changes = !assigned || (lead && !isLead)
            let afterText = after.joined(separator: " ") + (lead ? " (lead: \(handle))" : "")
            return .init(id: current.id, ref: current.ref, before: before, after: changes ? afterText : before, changes: changes)
        } apply: { db, _, changes in
            let ids = changes.filter(\.changes).map { String($0.id) }
            let reviewerID: Int = try db.query("SELECT id FROM reviewers WHERE handle = \(handle)")[0].decode("id")
            if lead {
                try db.query(
                    """
                    UPDATE case_assignments SET is_lead = false
                     WHERE case_id = ANY (\(ids)::bigint[]) AND is_lead AND reviewer_id <> \(reviewerID)
                    """)
                try db.query(
                    """
                    UPDATE case_assignments SET is_lead = true
                     WHERE case_id = ANY (\(ids)::bigint[]) AND reviewer_id = \(reviewerID) AND NOT is_lead
                    """)
            }
            try db.query(
                """
                INSERT INTO case_assignments (case_id, reviewer_id, is_lead)
                SELECT id, \(reviewerID), \(lead) FROM unnest(\(ids)::bigint[]) AS id
                ON CONFLICT (case_id, reviewer_id) DO NOTHING
                """)
        }
    }

    /// Sets the priority and adds or removes tags on every matching case.
    public func bulkUpdate(
        _ selection: BulkSelection, priority: Priority?, addTags: [String], removeTags: [String], dryRun: Bool,
        as actor: String?
    ) throws -> BulkOutcome {
        let adding = try Self.normalized(tags: addTags)
        let removing = Set(removeTags.map(Tag.matching))
        let clash = adding.filter { removing.contains($0) }
        guard clash.isEmpty else {
            throw VerityError.usage(
                "--tag and --untag both name \(clash.joined(separator: ", ")); a case cannot gain and lose a tag at once",
                hint: "give each tag to only one of --tag and --untag")
        }
        guard priority != nil || !adding.isEmpty || !removing.isEmpty else {
            throw VerityError.usage(
                "nothing to update", hint: "a bulk update changes --priority, --tag or --untag")
        }
        func describe(_ priority: Priority, _ tags: [String]) -> String {
            "priority \(priority.rawValue), tags " + (tags.isEmpty ? "none" : tags.joined(separator: " "))
        }
        return try bulk("update", selection, dryRun: dryRun, as: actor) { current in
            var tags = current.tags
            for tag in adding where !tags.contains(tag) { tags.append(tag) }
            tags.removeAll { removing.contains($0) }
            let newPriority = priority ?? current.priority
            let changes = tags != current.tags || newPriority != current.priority
            return .init(
                id: current.id, ref: current.ref, before: describe(current.priority, current.tags),
                after: describe(newPriority, tags), changes: changes)
        } apply: { db, _, changes in
            // Tags keep their order: the old ones, then the added ones, less the removed ones.
            let ids = changes.filter(\.changes).map { String($0.id) }
            try db.query(
                """
                UPDATE cases c SET
                    priority = coalesce(\(priority?.rawValue), c.priority),
                    tags = ARRAY(SELECT t FROM unnest(c.tags || \(adding)::text[]) WITH ORDINALITY AS u(t, n)
                                  WHERE NOT t = ANY (\(Array(removing))::text[])
                                  GROUP BY t ORDER BY min(n))
                 WHERE c.id = ANY (\(ids)::bigint[])
                """)
        }
    }
}
