SELECT set_config('DateStyle', 'ISO, YMD', false), set_config('TimeZone', 'UTC', false), set_config('client_encoding', 'UTF8', false);
SELECT name, checksum, applied_at FROM verity_schema_migrations ORDER BY name LIKE 'definitions/%', name;
SELECT set_config('client_connection_check_interval', '5s', false);
SELECT verity_output_actor('editor') AS actor;
SELECT handle, name, email, role, active, created_at, login FROM reviewers WHERE handle = 'editor';
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET TRANSACTION READ ONLY;
SELECT now() AS now;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
SELECT count(*)::int AS n FROM report_cases;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
SELECT s.state, count(rc.id) AS count,
       coalesce(round(count(rc.id)::numeric / nullif(sum(count(rc.id)) OVER (), 0), 4), 0)::float8 AS share
  FROM case_states s LEFT JOIN report_cases rc ON rc.state = s.state
 GROUP BY s.state, s.position
 ORDER BY s.position;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
SELECT a.reviewer,
       count(*) FILTER (WHERE rc.state = 'claimed') AS claimed,
       count(*) FILTER (WHERE rc.state = 'disputed') AS disputed,
       count(*) FILTER (WHERE rc.state = 'evidence-pending') AS evidence_pending,
       count(*) FILTER (WHERE rc.state = 'assessed') AS assessed,
       count(*) AS total
  FROM report_cases rc LEFT JOIN report_assignments a ON a.case_id = rc.id
 GROUP BY a.reviewer
 ORDER BY a.reviewer NULLS LAST;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
SELECT v.verdict, count(rc.id) AS count,
       round(avg(rc.confidence), 2)::float8 AS mean_confidence,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY rc.confidence) AS median_confidence,
       ARRAY[count(*) FILTER (WHERE rc.confidence = 1), count(*) FILTER (WHERE rc.confidence = 2),
             count(*) FILTER (WHERE rc.confidence = 3), count(*) FILTER (WHERE rc.confidence = 4),
             count(*) FILTER (WHERE rc.confidence = 5), count(*) FILTER (WHERE rc.confidence = 6)
       ]::text[] AS by_confidence
  FROM (VALUES ('true', '0'), ('mostly-true', '1'), ('mixed', '2'), ('mostly-false', '3'), ('false', '4'), ('unverifiable', '5')) AS v (verdict, position)
  LEFT JOIN report_cases rc ON rc.verdict = v.verdict AND rc.state = 'assessed'
 GROUP BY v.verdict, v.position
 ORDER BY v.position;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
, ages AS (
    SELECT rc.state, extract(epoch FROM '2026-12-05 15:51:22.116803+00'::timestamptz - rc.state_since) / 86400 AS days
      FROM report_cases rc
)
SELECT s.state, count(a.days) AS count,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY a.days))::numeric, 2)::float8 AS median_days,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY a.days))::numeric, 2)::float8 AS p90_days,
       round(max(a.days)::numeric, 2)::float8 AS max_days
  FROM case_states s LEFT JOIN ages a ON a.state = s.state
 WHERE s.is_open
 GROUP BY s.state, s.position
 ORDER BY s.position;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
SELECT rc.id, rc.ref, rc.claim, rc.state, rc.state_since, rc.opened_at,
       round((extract(epoch FROM '2026-12-05 15:51:22.116803+00'::timestamptz - rc.state_since) / 86400)::numeric, 2)::float8 AS days_in_state,coalesce((SELECT array_agg(a.reviewer ORDER BY a.reviewer) FROM report_assignments a
           WHERE a.case_id = rc.id), '{}') AS reviewers
  FROM report_cases rc
 WHERE rc.state IN (SELECT state FROM case_states WHERE is_open)
 ORDER BY rc.state_since, rc.id
 LIMIT '10';
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
, bounds AS (
    SELECT date_trunc('week', coalesce(NULL, '2026-12-05 15:51:22.116803+00'::timestamptz - interval '11 weeks')) AS first_week,
           date_trunc('week', '2026-12-05 15:51:22.116803+00'::timestamptz) AS last_week
), events AS (
    SELECT date_trunc('week', h.at) AS week, h.action, h.at, rc.opened_at
      FROM case_history h JOIN report_cases rc ON rc.id = h.case_id
     WHERE h.action IN ('open', 'assess') AND h.at <= '2026-12-05 15:51:22.116803+00'
       AND h.at >= (SELECT first_week FROM bounds)
)
SELECT w.week::date AS week_start,
       count(e.action) FILTER (WHERE e.action = 'open') AS opened,
       count(e.action) FILTER (WHERE e.action = 'assess') AS assessed
  FROM bounds b
 CROSS JOIN LATERAL generate_series(b.first_week, b.last_week, interval '1 week') AS w (week)
  LEFT JOIN events e ON e.week = w.week
 GROUP BY w.week
 ORDER BY w.week;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
, bounds AS (
    SELECT date_trunc('week', coalesce(NULL, '2026-12-05 15:51:22.116803+00'::timestamptz - interval '11 weeks')) AS first_week,
           date_trunc('week', '2026-12-05 15:51:22.116803+00'::timestamptz) AS last_week
), events AS (
    SELECT date_trunc('week', h.at) AS week, h.action, h.at, rc.opened_at
      FROM case_history h JOIN report_cases rc ON rc.id = h.case_id
     WHERE h.action IN ('open', 'assess') AND h.at <= '2026-12-05 15:51:22.116803+00'
       AND h.at >= (SELECT first_week FROM bounds)
)
SELECT (SELECT first_week::date FROM bounds) AS first_week, (SELECT last_week::date FROM bounds) AS last_week,
       count(*) FILTER (WHERE action = 'open') AS opened,
       count(*) FILTER (WHERE action = 'assess') AS assessed,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - opened_at) / 86400)
              FILTER (WHERE action = 'assess'))::numeric, 2)::float8 AS median_days_to_assess
  FROM events;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
SELECT h.id, h.case_id, rc.ref, h.at, r.handle AS actor, h.action, h.from_state, h.to_state, h.reason,
       h.details::text AS details
  FROM case_history h
  JOIN report_cases rc ON rc.id = h.case_id
  LEFT JOIN reviewers r ON r.id = h.actor_id
 WHERE h.at <= '2026-12-05 15:51:22.116803+00' AND (NULL::timestamptz IS NULL OR h.at >= NULL)
 ORDER BY h.at DESC, h.id DESC
 LIMIT '20';
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
) SELECT count(*) AS n FROM report_cases rc WHERE rc.state <> 'assessed' AND rc.due < ('2026-12-05 15:51:22.116803+00'::timestamptz AT TIME ZONE 'UTC')::date;
WITH report_assignments AS (
    SELECT a.case_id, r.handle AS reviewer
      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
), report_cases AS (
    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
           c.due, c.verdict, c.confidence::int AS confidence
      FROM cases c
     WHERE true AND NOT EXISTS (SELECT 1 FROM case_links dl WHERE dl.case_id = c.id
               AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL)
)
SELECT rc.id, rc.ref, rc.claim, rc.state, rc.due, ('2026-12-05 15:51:22.116803+00'::timestamptz AT TIME ZONE 'UTC')::date - rc.due AS days_overdue,coalesce((SELECT array_agg(a.reviewer ORDER BY a.reviewer) FROM report_assignments a
           WHERE a.case_id = rc.id), '{}') AS reviewers
  FROM report_cases rc
 WHERE rc.state <> 'assessed' AND rc.due < ('2026-12-05 15:51:22.116803+00'::timestamptz AT TIME ZONE 'UTC')::date
 ORDER BY rc.due, rc.id
 LIMIT '50';
COMMIT;
SELECT verity_log_output('editor', 'report status', '{}'::jsonb, '1000000',
                         'd369fd8116e3d39905b5a445ff4bbd2602f795be76611d4853b3648ac653a543', '117528', 'stdout', 'json') AS id;
ALTER DATABASE verity RESET log_min_duration_statement;
