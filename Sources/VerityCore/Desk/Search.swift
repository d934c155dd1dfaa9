#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

extension Desk {
    /// The markers the database puts around each matched word of a snippet. Control
    /// characters never occur in stored text as typed, so they cannot be confused with the
    /// text's own quotes (« » in a Russian claim); `SearchHit` turns them into offsets.
    static let matchStart = "\u{1}", matchStop = "\u{2}"

    /// Full-text search over claims, claimants, source titles and evidence
    /// notes (English stems and every script's words, GIN-indexed), best first.
    /// The query uses web-search syntax: words, "quoted phrases", -excluded, or.
    /// Each hit names its case or source by reference: a case hit's title is its claim,
    /// a source hit's its title, a note hit's the case it is about.
    public func search(_ text: String, limit: Int = 20) throws -> [SearchHit] {
        let trimmed = text.trimmed
        guard !trimmed.isEmpty else { throw VerityError.usage("give something to search for") }
        let options = "StartSel=\(Self.matchStart), StopSel=\(Self.matchStop), MaxWords=25, MinWords=10"
        return try db.query(
            """
            WITH q AS (SELECT verity_search_query(\(trimmed)) AS q),
            hits AS (
                SELECT 'case' AS kind, c.id, c.id AS case_id, c.ref, ts_rank(c.search, q.q) AS rank,
                       c.claim AS title, c.claimant || ': ' || c.claim || coalesce(' (' || c.location || ')', '') AS body, q.q
                  FROM cases c, q WHERE c.search @@ q.q
                UNION ALL
                SELECT 'source', s.id, NULL, s.ref, ts_rank(s.search, q.q), s.title,
                       s.title || ' — ' || s.publisher || coalesce(', ' || s.author, ''), q.q
                  FROM sources s, q WHERE s.search @@ q.q
                UNION ALL
                SELECT 'evidence', e.id, e.case_id, c.ref, ts_rank(e.search, q.q),
                       e.stance || ' note on ' || coalesce(c.ref, 'case ' || c.id), e.note, q.q
                  FROM evidence_notes e JOIN cases c ON c.id = e.case_id, q WHERE e.search @@ q.q
            )
            SELECT kind, id, case_id, ref, rank::float8 AS rank, title,
                   ts_headline('english', body, q, \(options)) AS snippet
              FROM hits ORDER BY rank DESC, kind, id LIMIT \(limit)
            """
        ).rows.map { row in
            SearchHit(
                kind: try row.decode("kind"), id: try row.decode("id"), caseID: try row.decode("case_id"),
                ref: try row.decode("ref"), rank: try row.decode("rank"), title: try row.decode("title"),
                marked: try row.decode("snippet"), start: Self.matchStart, stop: Self.matchStop)
        }
    }
}
