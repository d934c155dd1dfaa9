import Foundation
import PostgresClient

extension Desk {
    /// Full-text search over claims, claimants, source titles and evidence
    /// notes (PostgreSQL's english configuration, GIN-indexed), best first.
    /// The query uses web-search syntax: words, "quoted phrases", -excluded, or.
    public func search(_ text: String, limit: Int = 20) throws -> [SearchHit] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw VerityError.usage("give something to search for") }
        return try db.query(
            """
            WITH q AS (SELECT websearch_to_tsquery('english', \(trimmed)) AS q),
            hits AS (
                SELECT 'case' AS kind, c.id, c.id AS case_id, ts_rank(c.search, q.q) AS rank,
                       c.claimant AS title, c.claim || ' ' || coalesce(c.location, '') AS body, q.q
                  FROM cases c, q WHERE c.search @@ q.q
                UNION ALL
                SELECT 'source', s.id, NULL, ts_rank(s.search, q.q), s.publisher, s.title, q.q
                  FROM sources s, q WHERE s.search @@ q.q
                UNION ALL
                SELECT 'evidence', e.id, e.case_id, ts_rank(e.search, q.q), e.stance, e.note, q.q
                  FROM evidence_notes e, q WHERE e.search @@ q.q
            )
            SELECT kind, id, case_id, rank::float8 AS rank, title,
                   ts_headline('english', body, q, 'StartSel=«, StopSel=», MaxWords=25, MinWords=10') AS snippet
              FROM hits ORDER BY rank DESC, kind, id LIMIT \(limit)
            """
        ).rows.map { row in
            SearchHit(
                kind: try row.decode("kind"), id: try row.decode("id"), caseID: try row.decode("case_id"),
                rank: try row.decode("rank"), title: try row.decode("title"), snippet: try row.decode("snippet"))
        }
    }
}
