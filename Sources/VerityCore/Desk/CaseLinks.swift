#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// How one case relates to another. Read "case <kind> other": 12 duplicate-of 7.
public enum CaseLinkKind: String, CaseIterable, Codable, Sendable {
    /// The case is the same allegation as the other; it follows the other's state and verdict.
    case duplicateOf = "duplicate-of"
    case related
    case contradicts
    /// The case replaces the other (a newer version of the claim).
    case supersedes
}

/// A link as one case sees it: the other case, and which way the link points.
public struct CaseLink: Encodable, Sendable {
    public enum Direction: String, Codable, Sendable {
        /// This case <kind> the other: "this case is a duplicate of 7".
        case outgoing
        /// The other case <kind> this one: "case 12 is a duplicate of this case".
        case incoming
    }

    public var id: Int
    public var kind: CaseLinkKind
    /// The other case.
    public var caseID: Int
    @Nullable public var ref: String?
    public var reason: String
    public var direction: Direction
    @Nullable public var linkedBy: String?
    public var linkedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, kind
        case caseID = "case_id"
        case ref, reason, direction, linkedBy, linkedAt
    }

    /// "duplicate of 7 (IZY-001)", "duplicated by 12", "related to 3", ...
    public var sentence: String {
        let other = "\(caseID)" + (ref.map { " (\($0))" } ?? "")
        switch (kind, direction) {
        case (.duplicateOf, .outgoing): return "duplicate of \(other)"
        case (.duplicateOf, .incoming): return "duplicated by \(other)"
        case (.related, _): return "related to \(other)"
        case (.contradicts, .outgoing): return "contradicts \(other)"
        case (.contradicts, .incoming): return "contradicted by \(other)"
        case (.supersedes, .outgoing): return "supersedes \(other)"
        case (.supersedes, .incoming): return "superseded by \(other)"
        }
    }
}

extension Desk {
    /// Links case `key` to `other` as `kind`, with a reason. Refuses self-links,
    /// a second canonical case for a duplicate, and cycles of duplicates (the
    /// database refuses them again, under a lock).
    @discardableResult
    public func link(
        _ key: CaseKey, to other: CaseKey, as kind: CaseLinkKind, reason: String, by actor: String?
    ) throws -> CaseLink {
        let from = try findCase(key)
        let to = try findCase(other)
        let trimmed = reason.trimmed
        guard !trimmed.isEmpty else {
            throw VerityError.usage("linking case \(from.label) needs a reason", hint: "say why with --reason \"...\"")
        }
        guard from.id != to.id else {
            throw VerityError.ruleViolated(
                "case \(from.label) cannot be linked to itself", hint: "name another case with --to")
        }
        let existing = try links(caseID: from.id)
        if existing.contains(where: { $0.kind == kind && $0.direction == .outgoing && $0.caseID == to.id }) {
            throw VerityError.ruleViolated("case \(from.label) is already linked to case \(to.label) as \(kind.rawValue)")
        }
        if kind == .duplicateOf {
            if let canonical = existing.first(where: { $0.kind == .duplicateOf && $0.direction == .outgoing }) {
                throw VerityError.ruleViolated(
                    "case \(from.label) is already a duplicate of case \(canonical.caseID); a duplicate follows one case",
                    hint: "unlink it first: `verity case unlink \(from.id) --to \(canonical.caseID) --as duplicate-of --reason ...`")
            }
            if try canonicalCase(of: to.id) == from.id {
                throw VerityError.ruleViolated(
                    "case \(from.label) cannot be a duplicate of case \(to.label): case \(to.label) already follows case \(from.label), which would make a cycle",
                    hint: "mark the newer case as the duplicate of the older one, never both ways")
            }
        }
        let id: Int = try change(as: actor) { db in
            try db.query(
                """
                INSERT INTO case_links (case_id, other_id, kind, reason)
                VALUES (\(from.id), \(to.id), \(kind.rawValue), \(trimmed))
                RETURNING id
                """)[0].decode("id")
        }
        return try links(caseID: from.id).first { $0.id == id }!
    }

    /// Removes the active link `key` → `other` of `kind`. The link stays in the
    /// record, marked unlinked; both cases' histories say who and why.
    public func unlink(
        _ key: CaseKey, from other: CaseKey, as kind: CaseLinkKind, reason: String, by actor: String?
    ) throws -> CaseLink {
        let from = try findCase(key)
        let to = try findCase(other)
        let trimmed = reason.trimmed
        guard !trimmed.isEmpty else {
            throw VerityError.usage("unlinking case \(from.label) needs a reason", hint: "say why with --reason \"...\"")
        }
        let existing = try links(caseID: from.id)
        guard let link = existing.first(where: { $0.kind == kind && $0.direction == .outgoing && $0.caseID == to.id }) else {
            let outgoing = existing.filter { $0.direction == .outgoing }
            throw VerityError.notFound(
                "case \(from.label) is not linked to case \(to.label) as \(kind.rawValue)",
                hint: outgoing.isEmpty
                    ? "case \(from.label) has no links of its own; see `verity case show \(from.id)`"
                    : "its links: " + outgoing.map { "\($0.kind.rawValue) \($0.caseID)" }.joined(separator: ", "))
        }
        try change(as: actor, reason: trimmed) { db in
            _ = try db.query(
                "UPDATE case_links SET unlink_reason = \(trimmed) WHERE id = \(link.id) AND unlinked_at IS NULL")
        }
        return link
    }

    /// The active links of a case, both directions, oldest first.
    public func links(caseID: Int) throws -> [CaseLink] {
        try db.query(Self.linksQuery(caseID: caseID)).rows.map(Self.decodeLink)
    }

    static func linksQuery(caseID: Int) -> Query {
        """
        SELECT l.id, l.kind, o.id AS other_id, o.ref AS other_ref, l.reason,
               CASE WHEN l.case_id = \(caseID) THEN 'outgoing' ELSE 'incoming' END AS direction,
               r.handle AS linked_by, l.linked_at
          FROM case_links l
          JOIN cases o ON o.id = CASE WHEN l.case_id = \(caseID) THEN l.other_id ELSE l.case_id END
          LEFT JOIN reviewers r ON r.id = l.linked_by
         WHERE (l.case_id = \(caseID) OR l.other_id = \(caseID)) AND l.unlinked_at IS NULL
         ORDER BY l.id
        """
    }

    static func decodeLink(_ row: Row) throws -> CaseLink {
        CaseLink(
            id: try row.decode("id"), kind: CaseLinkKind(rawValue: try row.decode("kind")) ?? .related,
            caseID: try row.decode("other_id"), ref: try row.decode("other_ref"), reason: try row.decode("reason"),
            direction: CaseLink.Direction(rawValue: try row.decode("direction")) ?? .outgoing,
            linkedBy: try row.decode("linked_by"), linkedAt: try row.decode("linked_at"))
    }

    /// The case that `caseID` follows: the end of its duplicate-of chain (itself when it is no duplicate).
    public func canonicalCase(of caseID: Int) throws -> Int {
        try db.query("SELECT verity_canonical_case(\(caseID)) AS id")[0].decode("id")
    }

    /// Shows duplicates as their canonical case shows: its state and verdict,
    /// with `canonicalCaseID` and `ownState` telling them apart.
    func followingCanonical(_ cases: [CaseSummary]) throws -> [CaseSummary] {
        let duplicates = cases.filter { $0.duplicateOf != nil }.map(\.id)
        guard !duplicates.isEmpty else { return cases }
        var canonicalOf: [Int: Int] = [:]
        for row in try db.query(
            "SELECT d AS id, verity_canonical_case(d) AS canonical FROM unnest(\(duplicates.map(String.init))::bigint[]) AS d"
        ).rows {
            canonicalOf[try row.decode("id")] = try row.decode("canonical")
        }
        let canonicalIDs = Array(Set(canonicalOf.values))
        var canonicalCases: [Int: CaseSummary] = [:]
        for row in try db.query(Self.caseColumns + " WHERE c.id = ANY (\(canonicalIDs.map(String.init))::bigint[])").rows {
            let summary = try Self.decodeCase(row)
            canonicalCases[summary.id] = summary
        }
        return cases.map { c in
            guard let root = canonicalOf[c.id], let canonical = canonicalCases[root] else { return c }
            var shown = c
            shown.canonicalCaseID = root
            shown.ownState = c.state
            shown.state = canonical.state
            shown.stateChangedAt = canonical.stateChangedAt
            shown.verdict = canonical.verdict
            shown.confidence = canonical.confidence
            shown.rationale = canonical.rationale
            shown.assessedBy = canonical.assessedBy
            shown.assessedAt = canonical.assessedAt
            return shown
        }
    }

    /// A report condition: case `column` is not, at `at` (nil: now), a duplicate
    /// of another case. Reports count a duplicate once, under its canonical case.
    public static func notDuplicate(_ column: String, at: Date? = nil) -> Query {
        guard let at else {
            return """
                NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = \(unsafeSQL: column)
                               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
                """
        }
        return """
            NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = \(unsafeSQL: column)
                           AND dl.kind = 'duplicate-of' AND dl.linked_at <= \(at)
                           AND (dl.unlinked_at IS NULL OR dl.unlinked_at > \(at)))
            """
    }
}

extension CaseLink {
    /// A history row's change in a few words, for a report's activity list:
    /// "duplicate-of case 7", "duplicated by case 12", "proposed mostly-true (3)".
    static func activityText(_ details: [String: JSONValue]) -> String? {
        func text(_ key: String) -> String? {
            switch details[key] {
            case .string(let s)?: return s
            case .number(let n)?: return String(Int(n))
            default: return nil
            }
        }
        if let kind = text("kind"), let other = text("other_case_id") {
            let name = "case \(other)" + (text("other_ref").map { " (\($0))" } ?? "")
            return text("direction") == "incoming" ? "\(name) \(kind) this case" : "\(kind) \(name)"
        }
        if text("proposal_id") != nil, let verdict = text("verdict") {
            return "\(verdict) (\(text("confidence") ?? "?"))" + (text("proposed_by").map { ", proposed by \($0)" } ?? "")
        }
        return nil
    }
}
