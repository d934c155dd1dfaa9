-- 014: an import into an empty desk in bulk (issue 7, session 3).
--
-- What is recorded does not change: the same history rows (case, seq, time,
-- actor, action, states, reason, details) and therefore the same hashes, the
-- same counts, the same refusals with the same lines. What changes is how an
-- import into an EMPTY desk (no case, no evidence note yet) writes them, when
-- the importing session is trusted to name the actor (the database owner or a
-- superuser, as in 013) and owns the tables:
--
-- * The GIN indexes cases_search, cases_tags and evidence_notes_search are
--   dropped at the start of verity_import_apply and built again at its end,
--   in the same transaction, with maintenance_work_mem raised for it
--   (SET LOCAL). Every row the import writes used to insert into them one by
--   one (and every transition updated cases again); one sorted build is much
--   cheaper. LOCK: DROP INDEX takes an ACCESS EXCLUSIVE lock on cases and
--   evidence_notes until the import commits or rolls back: nobody reads or
--   writes cases or evidence notes during the import. Acceptable only because
--   the desk is empty; an import into a desk that holds cases never does it.
--   If the import fails, the rollback restores the indexes with everything else.
-- * For the same reason, and under the same lock on case_history, the btree
--   indexes case_history_case and case_history_at are built at the end too.
-- * Transitions and assessments are checked set-based against the same rules
--   the triggers of 002/007 apply (allowed step, reason, verdict, evidence,
--   assessor, actor, time), and when every record passes, each case is moved
--   to its final state with ONE UPDATE (instead of one UPDATE per transition,
--   each a non-HOT update that inserted into every index of cases) and the
--   history rows of every step are written with one INSERT ... SELECT, in file
--   order per case, so that the chain trigger of 005 still computes every seq
--   and hash. For that UPDATE the three UPDATE triggers of cases that check
--   and record a move (cases_before_update, cases_zz_record_history,
--   cases_after_update_proposals) are disabled with ALTER TABLE, inside the
--   transaction (already holding the exclusive lock above), and enabled again
--   right after: no other session ever sees them disabled. The history row
--   writer of case_history (the chain trigger) is never disabled.
--   When any record fails a check, or is one the bulk path does not handle
--   (no `at`, an "ensure" record from CSV, two records that would be skipped
--   as repeats), nothing is written by it and the import goes on exactly as
--   before (rounds, then one by one), which names the refused lines.
--
-- Setting verity.import_bulk to 'off' (e.g. ALTER DATABASE ... SET
-- verity.import_bulk = 'off') keeps every import on the row-by-row path; the
-- tests use it to compare both paths. The setting can only turn the bulk path
-- off, never on for a desk that is not empty or a session that is not trusted.

-- The importer of 009 with the bulk path above; everything else is unchanged.
CREATE OR REPLACE FUNCTION verity_import_apply(max_errors bigint DEFAULT 50)
RETURNS TABLE (kind text, created bigint, updated bigint, unchanged bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    r record;
    current_line bigint;
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    n_errors bigint;
    case_row record;
    step case_transitions%ROWTYPE;
    note_id bigint;
    existing_lead boolean;
    t_done bigint := 0;
    t_skip bigint := 0;
    a_done bigint := 0;
    a_skip bigint := 0;
    ev_unchanged bigint;
    allowed text;
    broken bigint[] := '{}';
    counts jsonb := '{}';
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
    fast_done boolean;
    n_rounds bigint;
    bulk boolean;
    n_walk_bad bigint;
BEGIN
    CREATE TEMP SEQUENCE IF NOT EXISTS verity_import_line;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    SELECT count(*) INTO n_errors FROM verity_import_errors;
    -- Bulk mode (see the top of this file): an empty desk, a session trusted to
    -- name the actor (013's test), owning the tables, and not turned off.
    SELECT coalesce(verity_setting('verity.import_bulk'), 'on') <> 'off'
           AND (who.rolsuper OR pg_has_role(session_user, d.datdba, 'MEMBER'))
           AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'cases'::regclass), 'USAGE')
           AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'evidence_notes'::regclass), 'USAGE')
           AND NOT EXISTS (SELECT 1 FROM cases) AND NOT EXISTS (SELECT 1 FROM evidence_notes)
           AND NOT EXISTS (SELECT 1 FROM case_history)
      INTO bulk
      FROM pg_roles who JOIN pg_database d ON d.datname = current_database()
     WHERE who.rolname = session_user;
    bulk := coalesce(bulk, false);
    BEGIN
        IF bulk THEN
            -- Built again, with the same definitions as in 001, at the end of the import.
            DROP INDEX cases_search;
            DROP INDEX cases_tags;
            DROP INDEX evidence_notes_search;
            -- and two btree indexes of the history that nothing reads during an import
            -- (the chain trigger reads case_history_chain): inserts into case_history_at
            -- land all over the index (times are not in file order).
            DROP INDEX case_history_case;
            DROP INDEX case_history_at;
        END IF;
        -- ------------------------------------------------------------ reviewers
        SELECT count(*) FILTER (WHERE v.id IS NULL),
               count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role, v.active)
                                      IS DISTINCT FROM (s.name, s.email, s.role, s.active)),
               count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role, v.active)
                                      IS NOT DISTINCT FROM (s.name, s.email, s.role, s.active))
          INTO n_created, n_updated, n_unchanged
          FROM verity_import_rows s LEFT JOIN reviewers v ON v.handle = s.handle
         WHERE s.kind = 'reviewer';
        counts := counts || jsonb_build_object('reviewer', jsonb_build_array(n_created, n_updated, n_unchanged));
        INSERT INTO reviewers (handle, name, email, role, active, created_at)
        SELECT s.handle, s.name, s.email, s.role, true, coalesce(s.at, now())
          FROM verity_import_rows s
         WHERE s.kind = 'reviewer' AND NOT EXISTS (SELECT 1 FROM reviewers v WHERE v.handle = s.handle)
         ORDER BY s.line;
        UPDATE reviewers v SET name = s.name, email = s.email, role = s.role
          FROM verity_import_rows s
         WHERE s.kind = 'reviewer' AND s.handle = v.handle
           AND (v.name, v.email, v.role) IS DISTINCT FROM (s.name, s.email, s.role);

        -- ------------------------------------------------------------ cases
        -- Changed existing cases one by one (each UPDATE records what changed)...
        n_updated := 0; n_unchanged := 0;
        FOR r IN SELECT s.*, c.id AS case_id,
                        (c.claim, c.claimant, c.claimed_at, c.location, c.tags, c.priority, c.due)
                        IS NOT DISTINCT FROM (s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due)
                        AS same
                   FROM verity_import_rows s JOIN cases c ON c.ref = s.ref
                  WHERE s.kind = 'case' ORDER BY s.line LOOP
            current_line := r.line;
            IF r.same THEN
                n_unchanged := n_unchanged + 1;
                CONTINUE;
            END IF;
            PERFORM set_config('verity.actor', r.by_handle, true),
                    set_config('verity.reason', '', true),
                    set_config('verity.details', '', true),
                    set_config('verity.at', '', true);
            UPDATE cases SET claim = r.claim, claimant = r.claimant, claimed_at = r.claimed_at,
                   location = r.location, tags = r.tags, priority = r.priority, due = r.due
             WHERE id = r.case_id;
            n_updated := n_updated + 1;
        END LOOP;
        -- ... and new cases with one INSERT: each row sets its own actor and time
        -- for the BEFORE trigger (verity_import_acting), and the statement-level
        -- AFTER trigger writes every 'open' row from the inserted rows.
        current_line := NULL;
        PERFORM set_config('verity.reason', '', true), set_config('verity.details', '', true);
        INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, s.ref),
               s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due
          FROM verity_import_rows s
         WHERE s.kind = 'case' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.ref)
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
        current_line := NULL; PERFORM setval('pg_temp.verity_import_line', 1, false);
        counts := counts || jsonb_build_object('case', jsonb_build_array(n_created, n_updated, n_unchanged));

        -- ------------------------------------------------------------ sources (no triggers: set-based)
        current_line := NULL;
        SELECT count(*) FILTER (WHERE o.id IS NULL),
               count(*) FILTER (WHERE o.id IS NOT NULL AND NOT same),
               count(*) FILTER (WHERE o.id IS NOT NULL AND same)
          INTO n_created, n_updated, n_unchanged
          FROM (SELECT s.*, o.id,
                       (o.url, o.title, o.publisher, o.author, o.published_at, o.kind, o.reliability::text,
                        o.file_name, o.file_sha256, o.file_size, o.archive_url)
                       IS NOT DISTINCT FROM
                       (s.url, s.title, s.publisher, s.author, s.published_at, s.source_kind, s.reliability,
                        s.file_name, s.file_sha256, s.file_size, s.archive_url) AS same
                  FROM verity_import_rows s LEFT JOIN sources o ON o.ref = s.ref
                 WHERE s.kind = 'source') o;
        counts := counts || jsonb_build_object('source', jsonb_build_array(n_created, n_updated, n_unchanged));
        INSERT INTO sources (ref, url, title, publisher, author, published_at, kind, reliability,
                             file_name, file_sha256, file_size, archive_url, added_by, created_at)
        SELECT s.ref, s.url, s.title, s.publisher, s.author, s.published_at, s.source_kind, s.reliability,
               s.file_name, s.file_sha256, s.file_size, s.archive_url,
               (SELECT v.id FROM reviewers v WHERE v.handle = s.by_handle), coalesce(s.at, now())
          FROM verity_import_rows s
         WHERE s.kind = 'source' AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.ref = s.ref)
         ORDER BY s.line;
        UPDATE sources o SET url = s.url, title = s.title, publisher = s.publisher, author = s.author,
               published_at = s.published_at, kind = s.source_kind, reliability = s.reliability,
               file_name = s.file_name, file_sha256 = s.file_sha256, file_size = s.file_size,
               archive_url = s.archive_url
          FROM verity_import_rows s
         WHERE s.kind = 'source' AND s.ref = o.ref
           AND (o.url, o.title, o.publisher, o.author, o.published_at, o.kind, o.reliability::text,
                o.file_name, o.file_sha256, o.file_size, o.archive_url)
               IS DISTINCT FROM
               (s.url, s.title, s.publisher, s.author, s.published_at, s.source_kind, s.reliability,
                s.file_name, s.file_sha256, s.file_size, s.archive_url);

        -- ------------------------------------------------------------ links of sources to cases (one INSERT)
        SELECT count(*) FILTER (WHERE NOT present), count(*) FILTER (WHERE present)
          INTO n_created, n_unchanged
          FROM (SELECT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id) AS present
                  FROM verity_import_rows s
                  JOIN cases c ON c.ref = s.case_ref
                  JOIN sources o ON o.ref = s.source_ref
                 WHERE s.kind = 'link') l;
        current_line := NULL;
        PERFORM set_config('verity.reason', '', true);
        INSERT INTO case_sources (case_id, source_id)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), o.id
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          JOIN sources o ON o.ref = s.source_ref
         WHERE s.kind = 'link'
           AND NOT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id)
         ORDER BY s.line, s.ctid
            ON CONFLICT (case_id, source_id) DO NOTHING;
        current_line := NULL; PERFORM setval('pg_temp.verity_import_line', 1, false);
        counts := counts || jsonb_build_object('link', jsonb_build_array(n_created, 0, n_unchanged));

        -- ------------------------------------------------------------ assignments
        -- Cases that have no assignment yet and whose records name each reviewer
        -- once, with at most one lead: one INSERT (nothing to compare or demote).
        CREATE TEMP TABLE IF NOT EXISTS verity_import_simple_assignments (case_id bigint PRIMARY KEY) ON COMMIT DROP;
        TRUNCATE verity_import_simple_assignments;
        INSERT INTO verity_import_simple_assignments
        SELECT c.id
          FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
         WHERE s.kind = 'assignment'
         GROUP BY c.id
        HAVING count(*) = count(DISTINCT s.handle) AND count(*) FILTER (WHERE s.lead) <= 1
           AND NOT EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id);
        current_line := NULL;
        PERFORM set_config('verity.reason', '', true);
        INSERT INTO case_assignments (case_id, reviewer_id, is_lead)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), v.id, s.lead
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          JOIN reviewers v ON v.handle = s.handle
         WHERE s.kind = 'assignment'
           AND EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
        current_line := NULL; PERFORM setval('pg_temp.verity_import_line', 1, false);
        n_updated := 0; n_unchanged := 0;
        FOR r IN SELECT s.line, s.by_handle, s.at, s.lead, c.id AS case_id, v.id AS reviewer_id
                   FROM verity_import_rows s
                   JOIN cases c ON c.ref = s.case_ref
                   JOIN reviewers v ON v.handle = s.handle
                  WHERE s.kind = 'assignment'
                    AND NOT EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)
                  ORDER BY s.line LOOP
            current_line := r.line;
            SELECT a.is_lead INTO existing_lead FROM case_assignments a
             WHERE a.case_id = r.case_id AND a.reviewer_id = r.reviewer_id;
            IF existing_lead IS NOT DISTINCT FROM r.lead THEN
                n_unchanged := n_unchanged + 1;
                CONTINUE;
            END IF;
            PERFORM set_config('verity.actor', r.by_handle, true),
                    set_config('verity.at', coalesce(r.at::text, ''), true),
                    set_config('verity.reason', '', true);
            IF r.lead THEN
                UPDATE case_assignments SET is_lead = false
                 WHERE case_id = r.case_id AND is_lead AND reviewer_id <> r.reviewer_id;
            END IF;
            IF existing_lead IS NOT NULL THEN
                UPDATE case_assignments SET is_lead = r.lead WHERE case_id = r.case_id AND reviewer_id = r.reviewer_id;
                n_updated := n_updated + 1;
            ELSE
                INSERT INTO case_assignments (case_id, reviewer_id, is_lead) VALUES (r.case_id, r.reviewer_id, r.lead);
                n_created := n_created + 1;
            END IF;
        END LOOP;
        counts := counts || jsonb_build_object('assignment', jsonb_build_array(n_created, n_updated, n_unchanged));

        -- ------------------------------------------------------------ evidence notes
        -- A note's first record in the import, when the case has no such note yet:
        -- one INSERT. Repeated records of a note are compared one by one, as before.
        CREATE TEMP TABLE IF NOT EXISTS verity_import_repeated_notes (line bigint PRIMARY KEY) ON COMMIT DROP;
        TRUNCATE verity_import_repeated_notes;
        INSERT INTO verity_import_repeated_notes
        SELECT d.line FROM (
            SELECT s.line, row_number() OVER (PARTITION BY s.case_ref, s.note, s.stance, s.credibility, s.source_ref
                                              ORDER BY s.line) AS n
              FROM verity_import_rows s WHERE s.kind = 'evidence') d
         WHERE d.n > 1;
        SELECT count(*) INTO n_unchanged
          FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref LEFT JOIN sources o ON o.ref = s.source_ref
         WHERE s.kind = 'evidence' AND NOT EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
           AND EXISTS (SELECT 1 FROM evidence_notes e
                        WHERE e.case_id = c.id AND e.note = s.note AND e.stance = s.stance
                          AND e.credibility = s.credibility AND e.source_id IS NOT DISTINCT FROM o.id
                          AND (s.at IS NULL OR e.created_at = s.at));
        current_line := NULL;
        PERFORM set_config('verity.reason', '', true);
        INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
        -- (author_id: set by evidence_notes_before_insert from verity_actor_id(); 009 also
        -- called verity_actor_id() here, a second call per note for the same value)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), o.id, NULL::bigint, s.stance, s.credibility, s.note
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          LEFT JOIN sources o ON o.ref = s.source_ref
         WHERE s.kind = 'evidence' AND NOT EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
           AND NOT EXISTS (SELECT 1 FROM evidence_notes e
                            WHERE e.case_id = c.id AND e.note = s.note AND e.stance = s.stance
                              AND e.credibility = s.credibility AND e.source_id IS NOT DISTINCT FROM o.id
                              AND (s.at IS NULL OR e.created_at = s.at))
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
        current_line := NULL; PERFORM setval('pg_temp.verity_import_line', 1, false);
        FOR r IN SELECT s.*, c.id AS case_id, o.id AS source_id
                   FROM verity_import_rows s
                   JOIN cases c ON c.ref = s.case_ref
                   LEFT JOIN sources o ON o.ref = s.source_ref
                  WHERE s.kind = 'evidence' AND EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
                  ORDER BY s.line LOOP
            current_line := r.line;
            IF EXISTS (SELECT 1 FROM evidence_notes e
                        WHERE e.case_id = r.case_id AND e.note = r.note AND e.stance = r.stance
                          AND e.credibility = r.credibility AND e.source_id IS NOT DISTINCT FROM r.source_id
                          AND (r.at IS NULL OR e.created_at = r.at)) THEN
                n_unchanged := n_unchanged + 1;
                CONTINUE;
            END IF;
            PERFORM set_config('verity.actor', r.by_handle, true),
                    set_config('verity.at', coalesce(r.at::text, ''), true),
                    set_config('verity.reason', '', true);
            INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
            VALUES (r.case_id, r.source_id, verity_actor_id(), r.stance, r.credibility, r.note);
            n_created := n_created + 1;
        END LOOP;
        ev_unchanged := n_unchanged;

        -- ------------------------------------------------------------ transitions and assessments
        -- Rounds: every case's first transition or assessment (in file order) in
        -- one UPDATE, then every case's second, and so on. The rules of 002
        -- refuse anything not allowed; on any refusal the rounds are rolled
        -- back and the records are applied one by one below, which names each
        -- refused record's line (and collects up to max_errors of them).
        fast_done := false;
        -- Bulk mode: every case is new (the desk was empty), so a case's steps
        -- start from claimed and, when no record repeats another (same case,
        -- target state and time) and every record has its time, none is skipped:
        -- the state before a step is the target of the one before it. Every rule
        -- of cases_before_update (002, 007) and of the actor and time checks
        -- (verity_actor_id, verity_now) is checked below for every step; a single
        -- failure leaves everything to the rounds below, which refuse it with its line.
        IF n_errors = 0 AND bulk AND NOT verity_four_eyes() THEN
            CREATE TEMP TABLE verity_import_walk ON COMMIT DROP AS
            SELECT s.line, s.kind, c.id AS case_id, s.to_state, s.at, s.reason, s.verdict, s.confidence, s.rationale,
                   s.ensure_state, v.id AS actor_id, v.active AS actor_active, v.role AS actor_role,
                   coalesce(lag(s.to_state) OVER w, c.state) AS from_state,
                   coalesce(lag(s.verdict) OVER w, c.verdict) AS prev_verdict,
                   coalesce(lag(s.confidence) OVER w, c.confidence) AS prev_confidence,
                   row_number() OVER w AS round,
                   count(*) OVER (PARTITION BY c.id) AS n_steps
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              LEFT JOIN reviewers v ON v.handle = verity_setting_or_null(s.by_handle)
             WHERE s.kind IN ('transition', 'assessment')
            WINDOW w AS (PARTITION BY c.id ORDER BY s.line);
            SELECT count(*) INTO n_walk_bad
              FROM verity_import_walk w
              LEFT JOIN case_transitions t ON t.from_state = w.from_state AND t.to_state = w.to_state
             WHERE w.ensure_state OR w.at IS NULL
                -- verity_now(): never in the future
                OR w.at > now() + interval '1 minute'
                -- verity_actor_id(): a known, active reviewer
                OR w.actor_id IS NULL OR NOT w.actor_active
                -- cases_before_update: an allowed step, its reason
                OR t.action IS NULL
                OR (t.requires_reason AND verity_setting_or_null(w.reason) IS NULL)
                -- the smallint column and its range, even where the trigger clears it
                OR (w.confidence IS NOT NULL AND w.confidence NOT BETWEEN 1 AND 6)
                -- an assessment: verdict, confidence, rationale, evidence, an assigned reviewer or an editor
                OR (w.to_state = 'assessed' AND (
                        w.verdict IS NULL
                     OR w.verdict NOT IN ('true', 'mostly-true', 'mixed', 'mostly-false', 'false', 'unverifiable')
                     OR w.confidence IS NULL OR verity_setting_or_null(w.rationale) IS NULL
                     OR NOT EXISTS (SELECT 1 FROM evidence_notes e WHERE e.case_id = w.case_id AND e.retracted_at IS NULL)
                     OR (NOT EXISTS (SELECT 1 FROM case_assignments a
                                      WHERE a.case_id = w.case_id AND a.reviewer_id = w.actor_id)
                         AND w.actor_role NOT IN ('editor', 'admin'))));
            IF n_walk_bad = 0 THEN
                -- a record the rounds would skip because an earlier one of the same case already recorded it
                SELECT count(*) INTO n_walk_bad
                  FROM (SELECT 1 FROM verity_import_walk GROUP BY case_id, to_state, at HAVING count(*) > 1) d;
            END IF;
            IF n_walk_bad = 0 THEN
                -- Each case to its final state in one UPDATE, with what the rule
                -- triggers would have set after its last step: version counts
                -- every step, state_changed_at and updated_at are the last
                -- step's time, the verdict stays only on an assessed case.
                ALTER TABLE cases DISABLE TRIGGER cases_before_update, DISABLE TRIGGER cases_zz_record_history,
                                  DISABLE TRIGGER cases_after_update_proposals;
                UPDATE cases c
                   SET state = f.to_state,
                       verdict = CASE WHEN f.to_state = 'assessed' THEN f.verdict END,
                       confidence = CASE WHEN f.to_state = 'assessed' THEN f.confidence END,
                       rationale = CASE WHEN f.to_state = 'assessed' THEN f.rationale END,
                       assessed_by = CASE WHEN f.to_state = 'assessed' THEN f.actor_id END,
                       assessed_at = CASE WHEN f.to_state = 'assessed' THEN f.at END,
                       state_changed_at = f.at, updated_at = f.at, version = c.version + f.n_steps
                  FROM verity_import_walk f
                 WHERE f.round = f.n_steps AND c.id = f.case_id;
                ALTER TABLE cases ENABLE TRIGGER cases_before_update, ENABLE TRIGGER cases_zz_record_history,
                                  ENABLE TRIGGER cases_after_update_proposals;
                -- Every step's history row, as cases_record_update and verity_record
                -- write it; in round order (as the rounds did), so file order
                -- within a case, for the chain trigger.
                INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
                SELECT w.case_id, w.at, w.actor_id, t.action, w.from_state, w.to_state, verity_setting_or_null(w.reason),
                       CASE WHEN w.to_state = 'assessed' THEN jsonb_build_object(
                                'verdict', w.verdict, 'confidence', w.confidence, 'rationale', w.rationale)
                            WHEN w.from_state = 'assessed' THEN jsonb_build_object(
                                'previous_verdict', w.prev_verdict, 'previous_confidence', w.prev_confidence)
                            ELSE '{}'::jsonb END
                       || coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb)
                  FROM verity_import_walk w
                  JOIN case_transitions t ON t.from_state = w.from_state AND t.to_state = w.to_state
                 ORDER BY w.round, w.line;
                SELECT count(*) FILTER (WHERE w.kind = 'transition'), count(*) FILTER (WHERE w.kind = 'assessment')
                  INTO t_done, a_done FROM verity_import_walk w;
                fast_done := true;
            END IF;
            DROP TABLE verity_import_walk;
        END IF;
        IF n_errors = 0 AND NOT fast_done THEN
            BEGIN
                CREATE TEMP TABLE verity_import_steps ON COMMIT DROP AS
                SELECT s.line, s.kind, c.id AS case_id, s.to_state, s.by_handle, s.at, s.reason,
                       s.verdict, s.confidence, s.rationale, s.ensure_state,
                       row_number() OVER (PARTITION BY c.id ORDER BY s.line) AS round
                  FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
                 WHERE s.kind IN ('transition', 'assessment');
                CREATE INDEX ON verity_import_steps (round);
                ANALYZE verity_import_steps;
                SELECT coalesce(max(t.round), 0) INTO n_rounds FROM verity_import_steps t;
                FOR k IN 1..n_rounds LOOP
                    WITH moved AS (
                        UPDATE cases c
                           -- (a "move" to the state the case is already in changes nothing, so
                           -- the rules would let it pass: NULL makes them refuse it instead)
                           SET state = verity_import_acting(t.line, t.by_handle, t.at, t.reason,
                                                            CASE WHEN t.to_state = c.state THEN NULL ELSE t.to_state END),
                               verdict = t.verdict, confidence = t.confidence, rationale = t.rationale
                          FROM verity_import_steps t
                         WHERE t.round = k AND c.id = t.case_id
                           AND NOT CASE WHEN t.ensure_state THEN c.state = t.to_state
                                        ELSE EXISTS (SELECT 1 FROM case_history h
                                                      WHERE h.case_id = c.id AND h.to_state = t.to_state AND h.action <> 'open'
                                                        AND CASE WHEN t.at IS NOT NULL THEN h.at = t.at
                                                                 ELSE h.reason IS NOT DISTINCT FROM t.reason END) END
                        RETURNING t.kind)
                    SELECT t_done + count(*) FILTER (WHERE m.kind = 'transition'),
                           a_done + count(*) FILTER (WHERE m.kind = 'assessment')
                      INTO t_done, a_done FROM moved m;
                END LOOP;
                SELECT count(*) FILTER (WHERE t.kind = 'transition') - t_done,
                       count(*) FILTER (WHERE t.kind = 'assessment') - a_done
                  INTO t_skip, a_skip FROM verity_import_steps t;
                DROP TABLE verity_import_steps;
                fast_done := true;
            EXCEPTION WHEN OTHERS THEN
                t_done := 0; a_done := 0; t_skip := 0; a_skip := 0;
            END;
            current_line := NULL; PERFORM setval('pg_temp.verity_import_line', 1, false);
        END IF;
        IF NOT fast_done THEN
            FOR r IN SELECT s.*, c.id AS case_id
                       FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
                      WHERE s.kind IN ('transition', 'assessment') ORDER BY s.line LOOP
                current_line := r.line;
                IF n_errors >= max_errors THEN EXIT; END IF;
                IF r.case_id = ANY (broken) THEN CONTINUE; END IF;
                SELECT c.state, c.ref INTO case_row FROM cases c WHERE c.id = r.case_id;
                IF r.ensure_state THEN
                    IF case_row.state = r.to_state THEN
                        IF r.kind = 'transition' THEN t_skip := t_skip + 1; ELSE a_skip := a_skip + 1; END IF;
                        CONTINUE;
                    END IF;
                ELSIF EXISTS (SELECT 1 FROM case_history h
                               WHERE h.case_id = r.case_id AND h.to_state = r.to_state AND h.action <> 'open'
                                 AND CASE WHEN r.at IS NOT NULL THEN h.at = r.at
                                          ELSE h.reason IS NOT DISTINCT FROM r.reason END) THEN
                    IF r.kind = 'transition' THEN t_skip := t_skip + 1; ELSE a_skip := a_skip + 1; END IF;
                    CONTINUE;
                END IF;
                SELECT * INTO step FROM case_transitions t WHERE t.from_state = case_row.state AND t.to_state = r.to_state;
                IF NOT FOUND THEN
                    SELECT string_agg(t.to_state, ', ' ORDER BY st.position) INTO allowed
                      FROM case_transitions t JOIN case_states st ON st.state = t.to_state
                     WHERE t.from_state = case_row.state;
                    INSERT INTO verity_import_errors VALUES (r.line, CASE r.kind WHEN 'assessment' THEN 'case' ELSE 'to' END,
                        format('case %s is %s at this point and cannot move to %s; allowed from %s: %s',
                               r.case_ref, case_row.state, r.to_state, case_row.state, coalesce(allowed, 'none')), true);
                    n_errors := n_errors + 1;
                    broken := broken || r.case_id;
                    CONTINUE;
                END IF;
                IF step.requires_reason AND nullif(btrim(r.reason), '') IS NULL THEN
                    INSERT INTO verity_import_errors VALUES (r.line, 'reason',
                        format('moving case %s from %s to %s (%s) needs a reason', r.case_ref, case_row.state, r.to_state,
                               step.action), true);
                    n_errors := n_errors + 1;
                    broken := broken || r.case_id;
                    CONTINUE;
                END IF;
                IF r.to_state = 'assessed' THEN
                    IF NOT EXISTS (SELECT 1 FROM evidence_notes e WHERE e.case_id = r.case_id AND e.retracted_at IS NULL) THEN
                        INSERT INTO verity_import_errors VALUES (r.line, 'case',
                            format('case %s has no evidence notes; an assessment must rest on at least one', r.case_ref), true);
                        n_errors := n_errors + 1;
                        broken := broken || r.case_id;
                        CONTINUE;
                    END IF;
                    IF NOT EXISTS (SELECT 1 FROM case_assignments a JOIN reviewers v ON v.id = a.reviewer_id
                                    WHERE a.case_id = r.case_id AND v.handle = r.by_handle)
                       AND NOT EXISTS (SELECT 1 FROM reviewers v WHERE v.handle = r.by_handle AND v.role IN ('editor', 'admin')) THEN
                        INSERT INTO verity_import_errors VALUES (r.line, 'by',
                            format('reviewer "%s" is not assigned to case %s and is not an editor, so cannot assess it',
                                   r.by_handle, r.case_ref), true);
                        n_errors := n_errors + 1;
                        broken := broken || r.case_id;
                        CONTINUE;
                    END IF;
                END IF;
                PERFORM set_config('verity.actor', r.by_handle, true),
                        set_config('verity.at', coalesce(r.at::text, ''), true),
                        set_config('verity.reason', coalesce(r.reason, ''), true);
                UPDATE cases SET state = r.to_state, verdict = r.verdict, confidence = r.confidence, rationale = r.rationale
                 WHERE id = r.case_id;
                IF r.kind = 'transition' THEN t_done := t_done + 1; ELSE a_done := a_done + 1; END IF;
            END LOOP;
        END IF;
        counts := counts || jsonb_build_object('transition', jsonb_build_array(t_done, 0, t_skip))
                         || jsonb_build_object('assessment', jsonb_build_array(a_done, 0, a_skip));

        -- ------------------------------------------------------------ retractions (after the assessments they may postdate)
        n_updated := 0;
        FOR r IN SELECT s.*, c.id AS case_id, o.id AS source_id
                   FROM verity_import_rows s
                   JOIN cases c ON c.ref = s.case_ref
                   LEFT JOIN sources o ON o.ref = s.source_ref
                  WHERE s.kind = 'evidence' AND s.retraction_reason IS NOT NULL ORDER BY s.line LOOP
            current_line := r.line;
            SELECT e.id INTO note_id FROM evidence_notes e
             WHERE e.case_id = r.case_id AND e.note = r.note AND e.stance = r.stance
               AND e.credibility = r.credibility AND e.source_id IS NOT DISTINCT FROM r.source_id
               AND (r.at IS NULL OR e.created_at = r.at) AND e.retracted_at IS NULL
             ORDER BY e.id LIMIT 1;
            IF NOT FOUND THEN CONTINUE; END IF;
            PERFORM set_config('verity.actor', coalesce(r.retracted_by, r.by_handle), true),
                    set_config('verity.at', coalesce(r.retracted_at::text, ''), true),
                    set_config('verity.reason', r.retraction_reason, true);
            UPDATE evidence_notes SET retraction_reason = r.retraction_reason WHERE id = note_id;
            n_updated := n_updated + 1;
        END LOOP;
        counts := counts || jsonb_build_object('evidence', jsonb_build_array(n_created, n_updated,
            greatest(ev_unchanged - n_updated, 0)));

        -- ------------------------------------------------------------ reviewers' active flag, last
        current_line := NULL;
        UPDATE reviewers v SET active = s.active
          FROM verity_import_rows s
         WHERE s.kind = 'reviewer' AND s.handle = v.handle AND v.active IS DISTINCT FROM s.active;

        IF bulk THEN
            -- The GIN indexes dropped at the start, as 001 defines them, each built in one sorted pass.
            PERFORM set_config('maintenance_work_mem', '256MB', true);
            CREATE INDEX cases_tags ON cases USING gin (tags);
            CREATE INDEX cases_search ON cases USING gin (search);
            CREATE INDEX evidence_notes_search ON evidence_notes USING gin (search);
            CREATE INDEX case_history_case ON case_history (case_id, id);
            CREATE INDEX case_history_at ON case_history (at);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        IF current_line IS NULL THEN
            SELECT CASE WHEN is_called THEN last_value END INTO current_line FROM pg_temp.verity_import_line;
        END IF;
        GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
        RAISE EXCEPTION USING ERRCODE = err_state, MESSAGE = err_message,
            DETAIL = CASE WHEN current_line IS NULL THEN coalesce(err_detail, '')
                          ELSE 'import line ' || current_line || coalesce('; ' || nullif(err_detail, ''), '') END,
            HINT = coalesce(err_hint, '');
    END;
    PERFORM set_config('verity.actor', '', true), set_config('verity.at', '', true),
            set_config('verity.reason', '', true);
    RETURN QUERY
        SELECT e.key, (e.value ->> 0)::bigint, (e.value ->> 1)::bigint, (e.value ->> 2)::bigint
          FROM jsonb_each(counts) e;
END $$;

