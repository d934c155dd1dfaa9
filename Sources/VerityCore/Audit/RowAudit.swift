import Foundation
import PostgresClient

/// The rows whose every change is a row of their case's chained history, compared
/// with what that history says: evidence notes (stance, credibility, cited source,
/// retraction) and the links of sources to cases. The case chains themselves are
/// verified by `verifyHistory` in Swift first, so what their rows say is what was
/// recorded; the comparison reads tables only (no Verity function), and the
/// database sends only the rows that differ.
extension Desk {
    static let evidenceAgainstHistory = """
        WITH added AS (
            SELECT DISTINCT ON ((h.details ->> 'note_id')::bigint) (h.details ->> 'note_id')::bigint AS id,
                   jsonb_build_object('case_id', h.case_id, 'stance', h.details -> 'stance',
                                      'credibility', h.details -> 'credibility', 'source_id', h.details -> 'source_id')
                       AS fields
              FROM public.case_history h
             WHERE h.action = 'add-evidence' AND h.details ? 'note_id'
             ORDER BY (h.details ->> 'note_id')::bigint, h.case_id, h.seq),
        retracted AS (
            SELECT DISTINCT ON ((h.details ->> 'note_id')::bigint) (h.details ->> 'note_id')::bigint AS id, h.reason
              FROM public.case_history h
             WHERE h.action = 'retract-evidence' AND h.details ? 'note_id'
             ORDER BY (h.details ->> 'note_id')::bigint, h.case_id, h.seq DESC),
        recorded AS (
            SELECT a.id, a.fields || jsonb_build_object('retracted', r.id IS NOT NULL, 'retraction_reason', r.reason)
                       AS fields
              FROM added a LEFT JOIN retracted r ON r.id = a.id),
        current AS (
            SELECT n.id, jsonb_build_object(
                       'case_id', n.case_id, 'stance', to_jsonb(n.stance), 'credibility', to_jsonb(n.credibility),
                       'source_id', to_jsonb(n.source_id), 'retracted', n.retracted_at IS NOT NULL,
                       'retraction_reason', n.retraction_reason) AS fields
              FROM public.evidence_notes n)
        SELECT 'evidence_notes' AS table_name, coalesce(c.id, r.id)::bigint AS row_id,
               c.fields::text AS current, r.fields::text AS recorded
          FROM current c FULL JOIN recorded r ON r.id = c.id
         WHERE c.fields IS DISTINCT FROM r.fields
         ORDER BY 2
        """

    static let linksAgainstHistory = """
        WITH recorded AS (
            SELECT DISTINCT h.case_id, (h.details ->> 'source_id')::bigint AS source_id
              FROM public.case_history h WHERE h.action = 'link-source' AND h.details ? 'source_id'),
        current AS (SELECT l.case_id, l.source_id FROM public.case_sources l)
        SELECT 'case_sources' AS table_name, coalesce(c.case_id, r.case_id)::bigint AS row_id,
               CASE WHEN c.case_id IS NOT NULL THEN jsonb_build_object('source_id', c.source_id)::text END AS current,
               CASE WHEN r.case_id IS NOT NULL THEN jsonb_build_object('source_id', r.source_id)::text END AS recorded
          FROM current c FULL JOIN recorded r ON r.case_id = c.case_id AND r.source_id = c.source_id
         WHERE c.case_id IS NULL OR r.case_id IS NULL
         ORDER BY 2
        """

    /// Reports every evidence note and source link that is not what its case's chain recorded.
    func verifyCaseRows(_ db: Connection, into verifier: inout ChainVerifier) throws {
        for query in [Self.evidenceAgainstHistory, Self.linksAgainstHistory] {
            try reportDifferences(db.query(Query(unsafeSQL: query)), whose: { table, rowID in
                // A link is named by its case.
                table == "case_sources" ? "the chained history of case \(rowID)" : "its case's chained history"
            }, into: &verifier)
        }
    }

    /// Turns rows of (table_name, row_id, current, recorded), the JSON of a row as it is and as
    /// its history says it should be (NULL when there is none), into problems: the row is
    /// missing, unrecorded, or altered in the fields named.
    func reportDifferences(
        _ rows: ResultSet, whose history: (String, Int) -> String, into verifier: inout ChainVerifier
    ) throws {
        for row in rows.rows {
            let table: String = try row.decode("table_name")
            let rowID: Int = try row.decode("row_id")
            let current: String? = try row.decode("current")
            let recorded: String? = try row.decode("recorded")
            let source = history(table, rowID)
            guard let current else {
                verifier.add(HistoryProblem(
                    kind: .rowMissing, table: table, rowID: rowID,
                    detail: "the row is gone but \(source) records it: it was deleted around the triggers"))
                continue
            }
            guard let recorded else {
                verifier.add(HistoryProblem(
                    kind: .unrecorded, table: table, rowID: rowID,
                    detail: "nothing in \(source) records the row: it was written around the triggers"))
                continue
            }
            let now = JSONValue(parsing: current).objectFields
            let then = JSONValue(parsing: recorded).objectFields
            for key in Set(now.keys).union(then.keys).sorted() where now[key] != then[key] {
                verifier.add(HistoryProblem(
                    kind: .rowAltered, table: table, rowID: rowID, field: key,
                    detail: "is \((now[key] ?? .null).auditText), but \(source) says \((then[key] ?? .null).auditText): "
                        + "the row was altered around the triggers"))
            }
        }
    }
}
