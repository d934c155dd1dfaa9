#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// The rows whose every change is a row of their case's chained history, compared
/// with what that history says: evidence notes (stance, credibility, cited source,
/// retraction, and the SHA-256 of the text for notes added since the history keeps
/// it), the links of sources to cases, assignments (reviewer, lead), links between
/// cases (and their unlinking) and four-eyes proposals (and their decisions). The
/// case chains themselves are verified by `verifyHistory` in Swift first, so what
/// their rows say is what was recorded; the comparison reads tables only (no Verity
/// function), and the database sends only the rows that differ. Each query gives
/// (table_name, row_id, current, recorded, row_label): the row as it is and as its
/// history says it should be, as JSON (NULL when there is none), and what names the
/// row when its id does not (the reviewer of an assignment).
extension Desk {
    static let evidenceAgainstHistory = """
        WITH added AS (
            SELECT DISTINCT ON ((h.details ->> 'note_id')::bigint) (h.details ->> 'note_id')::bigint AS id,
                   jsonb_build_object('case_id', h.case_id, 'stance', h.details -> 'stance',
                                      'credibility', h.details -> 'credibility', 'source_id', h.details -> 'source_id')
                       AS fields,
                   h.details -> 'note_sha256' AS digest
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
                       || CASE WHEN a.digest IS NOT NULL THEN jsonb_build_object('note_sha256', a.digest) ELSE '{}' END
                       AS fields
              FROM added a LEFT JOIN retracted r ON r.id = a.id),
        current AS (
            SELECT n.id, jsonb_build_object(
                       'case_id', n.case_id, 'stance', to_jsonb(n.stance), 'credibility', to_jsonb(n.credibility),
                       'source_id', to_jsonb(n.source_id), 'retracted', n.retracted_at IS NOT NULL,
                       'retraction_reason', n.retraction_reason,
                       'note_sha256', encode(sha256(convert_to(n.note, 'UTF8')), 'hex')) AS fields
              FROM public.evidence_notes n)
        SELECT d.* FROM (
            SELECT 'evidence_notes' AS table_name, coalesce(c.id, r.id)::bigint AS row_id,
                   -- A note added before the history kept its text's digest: its text is not compared.
                   (CASE WHEN r.fields ? 'note_sha256' THEN c.fields ELSE c.fields - 'note_sha256' END)::text AS current,
                   r.fields::text AS recorded, NULL::text AS row_label
              FROM current c FULL JOIN recorded r ON r.id = c.id) d
         WHERE d.current IS DISTINCT FROM d.recorded
         ORDER BY 2
        """

    /// How many notes have an add-evidence row without the digest of their text (written before it was kept).
    static let notesWithoutDigest = """
        SELECT count(DISTINCT h.details ->> 'note_id')::bigint AS n FROM public.case_history h
         WHERE h.action = 'add-evidence' AND h.details ? 'note_id' AND NOT h.details ? 'note_sha256'
        """

    static let linksAgainstHistory = """
        WITH recorded AS (
            SELECT DISTINCT h.case_id, (h.details ->> 'source_id')::bigint AS source_id
              FROM public.case_history h WHERE h.action = 'link-source' AND h.details ? 'source_id'),
        current AS (SELECT l.case_id, l.source_id FROM public.case_sources l)
        SELECT 'case_sources' AS table_name, coalesce(c.case_id, r.case_id)::bigint AS row_id,
               CASE WHEN c.case_id IS NOT NULL THEN jsonb_build_object('source_id', c.source_id)::text END AS current,
               CASE WHEN r.case_id IS NOT NULL THEN jsonb_build_object('source_id', r.source_id)::text END AS recorded,
               NULL::text AS row_label
          FROM current c FULL JOIN recorded r ON r.case_id = c.case_id AND r.source_id = c.source_id
         WHERE c.case_id IS NULL OR r.case_id IS NULL
         ORDER BY 2
        """

    /// Each (case, reviewer) from the case's last assign or unassign row naming the reviewer. The history
    /// names reviewers by handle: a handle only one reviewer's record chain (which keeps every rename) ever
    /// gave is that reviewer; one that several had (a swap) is the reviewer that had it at the row's time,
    /// else (a row dated before the chains: an import's, or one from before the upgrade) the one that had
    /// it nearest that time; a handle no chain gave, the reviewer that has it now.
    static let assignmentsAgainstHistory = """
        WITH handles AS (
            SELECT h.row_id AS reviewer_id, h.fields ->> 'handle' AS handle, h.at AS since,
                   lead(h.at) OVER (PARTITION BY h.row_id ORDER BY h.seq) AS until
              FROM public.record_history h WHERE h.table_name = 'reviewers'),
        named AS (
            SELECT k.handle, min(k.reviewer_id) AS reviewer_id, count(DISTINCT k.reviewer_id) AS holders
              FROM handles k GROUP BY k.handle),
        rows AS (
            SELECT h.case_id, h.seq, h.action, h.details ->> 'reviewer' AS handle, h.details -> 'lead' AS lead,
                   h.actor_id,
                   CASE WHEN n.holders = 1 THEN n.reviewer_id
                        WHEN n.holders > 1 THEN
                            (SELECT k.reviewer_id FROM handles k WHERE k.handle = n.handle
                              ORDER BY (h.at >= k.since AND (k.until IS NULL OR h.at < k.until)) DESC,
                                       abs(extract(epoch FROM h.at - k.since)), k.reviewer_id
                              LIMIT 1)
                        ELSE (SELECT v.id FROM public.reviewers v WHERE v.handle = h.details ->> 'reviewer') END
                       AS reviewer_id
              FROM public.case_history h LEFT JOIN named n ON n.handle = h.details ->> 'reviewer'
             WHERE h.action IN ('assign', 'unassign') AND h.details ? 'reviewer'),
        recorded AS (
            SELECT l.case_id, l.reviewer_id, l.handle,
                   jsonb_build_object('is_lead', coalesce(l.lead, 'false'), 'assigned_by', l.actor_id) AS fields
              FROM (SELECT DISTINCT ON (r.case_id, r.reviewer_id) r.*
                      FROM rows r ORDER BY r.case_id, r.reviewer_id, r.seq DESC) l
             WHERE l.action = 'assign'),
        current AS (
            SELECT a.case_id, a.reviewer_id, v.handle,
                   jsonb_build_object('is_lead', a.is_lead, 'assigned_by', a.assigned_by) AS fields
              FROM public.case_assignments a LEFT JOIN public.reviewers v ON v.id = a.reviewer_id)
        SELECT 'case_assignments' AS table_name, coalesce(c.case_id, r.case_id)::bigint AS row_id,
               c.fields::text AS current, r.fields::text AS recorded,
               'reviewer ' || coalesce(c.handle, r.handle, '?') AS row_label
          FROM current c FULL JOIN recorded r ON r.case_id = c.case_id AND r.reviewer_id = c.reviewer_id
         WHERE c.fields IS DISTINCT FROM r.fields
         ORDER BY 2, 5
        """

    /// Each link between cases from its link-case rows (the outgoing one, in the linking case's chain, first)
    /// and its unlink-case row.
    static let caseLinksAgainstHistory = """
        WITH linked AS (
            SELECT DISTINCT ON ((h.details ->> 'link_id')::bigint) (h.details ->> 'link_id')::bigint AS id,
                   jsonb_build_object(
                       'case_id', CASE WHEN h.details ->> 'direction' = 'incoming'
                                       THEN (h.details ->> 'other_case_id')::bigint ELSE h.case_id END,
                       'other_id', CASE WHEN h.details ->> 'direction' = 'incoming'
                                        THEN h.case_id ELSE (h.details ->> 'other_case_id')::bigint END,
                       'kind', h.details -> 'kind', 'reason', h.reason, 'linked_by', h.actor_id) AS fields
              FROM public.case_history h
             WHERE h.action = 'link-case' AND h.details ? 'link_id'
             ORDER BY (h.details ->> 'link_id')::bigint, h.details ->> 'direction' = 'incoming', h.case_id, h.seq),
        unlinked AS (
            SELECT DISTINCT ON ((h.details ->> 'link_id')::bigint) (h.details ->> 'link_id')::bigint AS id,
                   h.reason, h.actor_id
              FROM public.case_history h
             WHERE h.action = 'unlink-case' AND h.details ? 'link_id'
             ORDER BY (h.details ->> 'link_id')::bigint, h.details ->> 'direction' = 'incoming', h.case_id, h.seq),
        recorded AS (
            SELECT l.id, l.fields || jsonb_build_object('unlinked', u.id IS NOT NULL, 'unlink_reason', u.reason,
                                                        'unlinked_by', u.actor_id) AS fields
              FROM linked l LEFT JOIN unlinked u ON u.id = l.id),
        current AS (
            SELECT k.id, jsonb_build_object(
                       'case_id', k.case_id, 'other_id', k.other_id, 'kind', k.kind,
                       -- The history keeps a reason as the session setting does: trimmed.
                       'reason', nullif(btrim(k.reason), ''), 'linked_by', k.linked_by,
                       'unlinked', k.unlinked_at IS NOT NULL, 'unlink_reason', nullif(btrim(k.unlink_reason), ''),
                       'unlinked_by', k.unlinked_by) AS fields
              FROM public.case_links k)
        SELECT 'case_links' AS table_name, coalesce(c.id, r.id)::bigint AS row_id,
               c.fields::text AS current, r.fields::text AS recorded, NULL::text AS row_label
          FROM current c FULL JOIN recorded r ON r.id = c.id
         WHERE c.fields IS DISTINCT FROM r.fields
         ORDER BY 2
        """

    /// Each four-eyes proposal from its propose-verdict row and its last decision (sign-off, rejection, withdrawal).
    static let proposalsAgainstHistory = """
        WITH proposed AS (
            SELECT DISTINCT ON ((h.details ->> 'proposal_id')::bigint) (h.details ->> 'proposal_id')::bigint AS id,
                   jsonb_build_object('case_id', h.case_id, 'verdict', h.details -> 'verdict',
                                      'confidence', h.details -> 'confidence', 'rationale', h.details -> 'rationale',
                                      'proposed_by', h.actor_id) AS fields
              FROM public.case_history h
             WHERE h.action = 'propose-verdict' AND h.details ? 'proposal_id'
             ORDER BY (h.details ->> 'proposal_id')::bigint, h.case_id, h.seq),
        decided AS (
            SELECT DISTINCT ON ((h.details ->> 'proposal_id')::bigint) (h.details ->> 'proposal_id')::bigint AS id,
                   CASE h.action WHEN 'sign-off' THEN 'signed-off' WHEN 'reject-verdict' THEN 'rejected'
                                 ELSE 'withdrawn' END AS state,
                   h.reason, h.actor_id
              FROM public.case_history h
             WHERE h.action IN ('sign-off', 'reject-verdict', 'withdraw-verdict') AND h.details ? 'proposal_id'
             ORDER BY (h.details ->> 'proposal_id')::bigint, h.case_id, h.seq DESC),
        recorded AS (
            SELECT p.id, p.fields || jsonb_build_object('state', coalesce(d.state, 'pending'), 'reason', d.reason,
                                                        'decided_by', d.actor_id) AS fields
              FROM proposed p LEFT JOIN decided d ON d.id = p.id),
        current AS (
            SELECT v.id, jsonb_build_object(
                       'case_id', v.case_id, 'verdict', v.verdict, 'confidence', v.confidence, 'rationale', v.rationale,
                       'proposed_by', v.proposed_by, 'state', v.state, 'reason', nullif(btrim(v.reason), ''),
                       'decided_by', v.decided_by) AS fields
              FROM public.verdict_proposals v)
        SELECT 'verdict_proposals' AS table_name, coalesce(c.id, r.id)::bigint AS row_id,
               c.fields::text AS current, r.fields::text AS recorded, NULL::text AS row_label
          FROM current c FULL JOIN recorded r ON r.id = c.id
         WHERE c.fields IS DISTINCT FROM r.fields
         ORDER BY 2
        """

    /// Reports every evidence note, source link, assignment, case link and proposal that is not what
    /// its case's chain recorded; counts the notes whose text predates the digest.
    func verifyCaseRows(_ db: Connection, into verifier: inout ChainVerifier) throws {
        for query in [
            Self.evidenceAgainstHistory, Self.linksAgainstHistory, Self.assignmentsAgainstHistory,
            Self.caseLinksAgainstHistory, Self.proposalsAgainstHistory,
        ] {
            try reportDifferences(db.query(Query(unsafeSQL: query)), whose: { table, rowID in
                switch table {
                // A source link and an assignment are named by their case.
                case "case_sources", "case_assignments": "the chained history of case \(rowID)"
                case "case_links": "the chained histories of its cases"
                default: "its case's chained history"
                }
            }, into: &verifier)
        }
        verifier.notesWithoutDigest = try db.query(Query(unsafeSQL: Self.notesWithoutDigest))[0].decode("n")
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
            // What names the row besides its id ("reviewer alice" for an assignment), when the query gives it.
            let label: String? = rows.columnNames.contains("row_label") ? try row.decode("row_label") : nil
            let source = history(table, rowID)
            let named = { (detail: String) in label.map { "\($0): \(detail)" } ?? detail }
            guard let current else {
                verifier.add(HistoryProblem(
                    kind: .rowMissing, table: table, rowID: rowID,
                    detail: named("the row is gone but \(source) records it: it was deleted around the triggers")))
                continue
            }
            guard let recorded else {
                verifier.add(HistoryProblem(
                    kind: .unrecorded, table: table, rowID: rowID,
                    detail: named("nothing in \(source) records the row: it was written around the triggers")))
                continue
            }
            let now = JSONValue(parsing: current).objectFields
            let then = JSONValue(parsing: recorded).objectFields
            for key in Set(now.keys).union(then.keys).sorted() where now[key] != then[key] {
                verifier.add(HistoryProblem(
                    kind: .rowAltered, table: table, rowID: rowID, field: key,
                    detail: named("is \((now[key] ?? .null).auditText), but \(source) says \((then[key] ?? .null).auditText): "
                        + "the row was altered around the triggers")))
            }
        }
    }
}
