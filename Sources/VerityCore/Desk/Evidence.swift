#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

extension Desk {
    static let evidenceColumns: Query = """
        SELECT e.id, e.case_id, e.source_id, s.reliability, a.handle AS author, e.stance, e.credibility, e.note,
               e.created_at, e.retracted_at, rb.handle AS retracted_by, e.retraction_reason
          FROM evidence_notes e
          JOIN reviewers a ON a.id = e.author_id
          LEFT JOIN reviewers rb ON rb.id = e.retracted_by
          LEFT JOIN sources s ON s.id = e.source_id
        """

    /// Adds an evidence note; a cited source not yet linked to the case is linked too.
    @discardableResult
    public func addEvidence(
        to key: CaseKey, stance: Stance, credibility: Int, note: String, source sourceID: Int?, as actor: String?
    ) throws -> EvidenceNote {
        guard Credibility.range.contains(credibility) else {
            throw VerityError.usage(
                "--credibility must be 1 to 6, not \(credibility)",
                hint: "1 confirmed by other sources, 2 probably true, 3 possibly true, 4 doubtful, 5 improbable, 6 cannot be judged")
        }
        try Self.validate(text: note, field: "--note", limit: .limit("evidence_notes", "note"))
        let target = try findCase(key)
        if let sourceID { _ = try source(sourceID) }
        let id: Int = try change(as: actor) { db in
            // A source linked by a note that supports or refutes the claim is evidence (the rule of
            // docs/import-export.md, "Source roles"); one cited for context is left unsaid.
            if let sourceID {
                _ = try linkIfNeeded(db, source: sourceID, caseID: target.id, role: stance == .context ? nil : .evidence)
            }
            return try db.query(
                """
                INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
                VALUES (\(target.id), \(sourceID), verity_actor_id(), \(stance.rawValue), \(credibility), \(note))
                RETURNING id
                """)[0].decode("id")
        }
        return try evidenceNote(id)
    }

    public func evidence(_ key: CaseKey) throws -> [EvidenceNote] {
        try evidence(forCase: try findCase(key).id)
    }

    func evidence(forCase caseID: Int) throws -> [EvidenceNote] {
        try db.query(Self.evidenceQuery(forCase: caseID)).rows.map(Self.decodeNote)
    }

    static func evidenceQuery(forCase caseID: Int) -> Query {
        evidenceColumns + " WHERE e.case_id = \(caseID) ORDER BY e.id"
    }

    public func evidenceNote(_ id: Int) throws -> EvidenceNote {
        guard let row = try db.query(Self.evidenceColumns + " WHERE e.id = \(id)").first else {
            throw VerityError.notFound("no evidence note \(id)", hint: "list a case's notes with `verity evidence list CASE`")
        }
        return try Self.decodeNote(row)
    }

    /// Retracts a note with a reason; the note stays in the record, marked retracted.
    @discardableResult
    public func retractEvidence(_ id: Int, reason: String, as actor: String?) throws -> EvidenceNote {
        let note = try evidenceNote(id)
        if let retractedAt = note.retractedAt {
            throw VerityError.ruleViolated(
                "evidence note \(id) was already retracted by \(note.retractedBy ?? "?") at \(TimestampText.format(retractedAt))")
        }
        let trimmed = reason.trimmed
        guard !trimmed.isEmpty else {
            throw VerityError.usage("retracting evidence note \(id) needs a reason", hint: "say why with --reason \"...\"")
        }
        try change(as: actor, reason: trimmed) { db in
            _ = try db.query("UPDATE evidence_notes SET retraction_reason = \(trimmed) WHERE id = \(id)")
        }
        return try evidenceNote(id)
    }

    static func decodeNote(_ row: Row) throws -> EvidenceNote {
        EvidenceNote(
            id: try row.decode("id"), caseID: try row.decode("case_id"), sourceID: try row.decode("source_id"),
            sourceReliability: try row.decode("reliability", as: String?.self).flatMap(Reliability.init(rawValue:)),
            author: try row.decode("author"), stance: Stance(rawValue: try row.decode("stance")) ?? .context,
            credibility: try row.decode("credibility"), note: try row.decode("note"),
            createdAt: try row.decode("created_at"), retractedAt: try row.decode("retracted_at"),
            retractedBy: try row.decode("retracted_by"), retractionReason: try row.decode("retraction_reason"))
    }
}
