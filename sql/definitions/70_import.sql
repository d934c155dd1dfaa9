-- Import: the server side of `verity import`. The client COPYs the records
-- into the temporary staging table of verity_import_stage(); verity_import_check()
-- records every malformed or dangling record by line; verity_import_apply() writes
-- them kind by kind in one statement each (reviewers, cases, sources, links,
-- assignments, evidence, transitions and assessments, retractions, active flags,
-- restrictions), under the same rules the triggers apply to any writer, and
-- returns the counts per kind. Refusals name the record's line.
--
-- Bulk mode. Into an EMPTY desk (no case, note or history), when the session is
-- trusted to name the actor (the database owner or a superuser) and owns the
-- tables, and verity.import_bulk is not 'off', the same rows and hashes are
-- written more cheaply, all inside the import's transaction:
-- * the GIN and most btree indexes of the filled tables are dropped at the start
--   and built once at the end (DROP INDEX holds ACCESS EXCLUSIVE locks until
--   commit, acceptable only because the desk is empty; a rollback restores them);
-- * transitions and assessments are checked set-wise against the rules of
--   cases_before_update and the actor and time checks, and when every record
--   passes, each case is moved to its final state with one UPDATE (the three
--   UPDATE triggers that check and record a move disabled for it);
-- * the statement-level history writers and the chain trigger are disabled, and
--   verity_import_write_history() writes the rows they would have written, in
--   the same order, each hash computed by verity_history_hash through the
--   verity_history_chain aggregate.
-- When any record fails a check, or is one the bulk path does not handle, the
-- import goes on row by row (rounds of one step per case, then one record at a
-- time), which names the refused lines.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- Used in the select list of the importer's INSERT ... SELECT and UPDATE ...
-- FROM statements: sets the acting reviewer, time and reason for
-- the row being produced, then returns `value`. The executor hands each row to
-- the INSERT or UPDATE (and its BEFORE ROW triggers, which read verity.actor,
-- verity.at and verity.reason) as soon as it is produced, so each row is written under its own
-- settings; volatile select-list expressions are evaluated after ORDER BY's sort.
-- The row's staged line goes into a temporary sequence, whose value (unlike a
-- setting) survives the error, so that a refusal still names its line.
CREATE OR REPLACE FUNCTION public.verity_import_acting(p_line bigint, p_actor text, p_at timestamp with time zone, p_reason text, value anyelement) RETURNS anyelement
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM setval('pg_temp.verity_import_line', p_line),
            set_config('verity.actor', coalesce(p_actor, ''), true),
            set_config('verity.at', coalesce(p_at::text, ''), true),
            set_config('verity.reason', coalesce(p_reason, ''), true);
    RETURN value;
END $$;

-- Applies the staged records (see the top of this file); returns created, updated
-- and unchanged counts per kind. Raises the first refusal with its line.
CREATE OR REPLACE FUNCTION public.verity_import_apply(max_errors bigint DEFAULT 50) RETURNS TABLE(kind text, created bigint, updated bigint, unchanged bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    current_line bigint;
    n_errors bigint;
    counts jsonb := '{}';
    evidence jsonb;
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
    bulk boolean := public.verity_import_bulk_mode();
    bulk_history boolean;
BEGIN
    -- The line of the record being written, set per row by verity_import_acting and by the
    -- phases' loops: a sequence, because its value (unlike a setting) survives the error.
    CREATE TEMP SEQUENCE IF NOT EXISTS verity_import_line;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    SELECT count(*) INTO n_errors FROM verity_import_errors;
    -- The history of the new records in one pass: in bulk mode, when the
    -- transitions get to the bulk path's checks (no staged error, four-eyes off)
    -- and no case's assignments need the row-by-row loop below (a reviewer named
    -- twice or more than one lead: the same test as the assignment phase, on the
    -- staged rows; that loop's updates are recorded by a row trigger).
    bulk_history := bulk AND n_errors = 0 AND NOT verity_four_eyes()
        AND NOT EXISTS (SELECT 1 FROM verity_import_rows s WHERE s.kind = 'assignment'
                         GROUP BY s.case_ref
                        HAVING count(*) <> count(DISTINCT s.handle) OR count(*) FILTER (WHERE s.lead) > 1);
    BEGIN
        IF bulk THEN PERFORM public.verity_import_prepare_bulk(bulk, bulk_history); END IF;
        -- The phases, in the order their records depend on each other.
        counts := public.verity_import_apply_reviewers();
        counts := counts || public.verity_import_apply_cases();
        counts := counts || public.verity_import_apply_sources();
        counts := counts || public.verity_import_apply_links();
        counts := counts || public.verity_import_apply_assignments();
        evidence := public.verity_import_apply_evidence();
        counts := counts || public.verity_import_apply_steps(bulk, bulk_history, max_errors);
        counts := counts || public.verity_import_apply_retractions(evidence);
        PERFORM public.verity_import_apply_last();
        IF bulk THEN PERFORM public.verity_import_finish_bulk(); END IF;
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

-- Whether this import takes bulk mode (see the top of this file): an empty desk, a session
-- trusted to name the actor (as verity_actor_id trusts it), owning the tables, and not turned off.
CREATE OR REPLACE FUNCTION public.verity_import_bulk_mode() RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    decided boolean;
BEGIN
    SELECT coalesce(verity_setting('verity.import_bulk'), 'on') <> 'off'
           AND (who.rolsuper OR pg_has_role(session_user, d.datdba, 'MEMBER'))
           AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'cases'::regclass), 'USAGE')
           AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'evidence_notes'::regclass), 'USAGE')
           AND NOT EXISTS (SELECT 1 FROM cases) AND NOT EXISTS (SELECT 1 FROM evidence_notes)
           AND NOT EXISTS (SELECT 1 FROM case_history)
      INTO decided
      FROM pg_roles who JOIN pg_database d ON d.datname = current_database()
     WHERE who.rolname = session_user;
    RETURN coalesce(decided, false);
END $$;

-- Bulk mode's start: drops the indexes that are built again at the end and, for the one-pass
-- history, disables the history writers (verity_import_write_history enables them again).
CREATE OR REPLACE FUNCTION public.verity_import_prepare_bulk(bulk boolean, bulk_history boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF bulk THEN
        -- The btree indexes of the tables the import fills, but those that
        -- enforce a rule (primary keys, one lead) or that the checks below read.
        DROP INDEX cases_state;
        DROP INDEX cases_due_open;
        DROP INDEX case_sources_source;
        DROP INDEX case_assignments_reviewer;
        -- Built again, with the baseline's definitions, at the end of the import.
        DROP INDEX cases_search;
        DROP INDEX cases_tags;
        DROP INDEX evidence_notes_search;
        -- and two btree indexes of the history that nothing reads during an import
        -- (the chain trigger reads case_history_chain): inserts into case_history_at
        -- land all over the index (times are not in file order).
        DROP INDEX case_history_case;
        DROP INDEX case_history_at;
    END IF;
    IF bulk_history THEN
        -- Enabled again by verity_import_write_history, in this transaction, before
        -- anything else writes history (see the top of this file).
        ALTER TABLE cases DISABLE TRIGGER cases_after_insert;
        ALTER TABLE case_sources DISABLE TRIGGER case_sources_after_insert;
        ALTER TABLE case_assignments DISABLE TRIGGER case_assignments_after_insert;
        ALTER TABLE evidence_notes DISABLE TRIGGER evidence_notes_after_insert;
        ALTER TABLE case_history DISABLE TRIGGER case_history_chain;
    END IF;
END $$;

-- Reviewers: new ones inserted; changed names, emails and roles updated (active flags come last).
CREATE OR REPLACE FUNCTION public.verity_import_apply_reviewers() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    counts jsonb := '{}';
BEGIN
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
    RETURN counts;
END $$;

-- Cases: changed existing cases one by one (each UPDATE records what changed), new cases in one INSERT.
CREATE OR REPLACE FUNCTION public.verity_import_apply_cases() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    counts jsonb := '{}';
    r record;
BEGIN
    -- Changed existing cases one by one (each UPDATE records what changed)...
    n_updated := 0; n_unchanged := 0;
    FOR r IN SELECT s.*, c.id AS case_id,
                    (c.claim, c.claimant, c.claimed_at, c.location, c.tags, c.priority, c.due)
                    IS NOT DISTINCT FROM (s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due)
                    AS same
               FROM verity_import_rows s JOIN cases c ON c.ref = s.ref
              WHERE s.kind = 'case' ORDER BY s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
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
    PERFORM set_config('verity.reason', '', true), set_config('verity.details', '', true);
    INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due)
    SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, s.ref),
           s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due
      FROM verity_import_rows s
     WHERE s.kind = 'case' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.ref)
     ORDER BY s.line;
    GET DIAGNOSTICS n_created = ROW_COUNT;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    counts := counts || jsonb_build_object('case', jsonb_build_array(n_created, n_updated, n_unchanged));
    RETURN counts;
END $$;

-- Sources, set-based.
CREATE OR REPLACE FUNCTION public.verity_import_apply_sources() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    counts jsonb := '{}';
BEGIN
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
    RETURN counts;
END $$;

-- Links of sources to cases, in one INSERT.
CREATE OR REPLACE FUNCTION public.verity_import_apply_links() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    counts jsonb := '{}';
BEGIN
    SELECT count(*) FILTER (WHERE NOT present), count(*) FILTER (WHERE present)
      INTO n_created, n_unchanged
      FROM (SELECT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id) AS present
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              JOIN sources o ON o.ref = s.source_ref
             WHERE s.kind = 'link') l;
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
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    counts := counts || jsonb_build_object('link', jsonb_build_array(n_created, 0, n_unchanged));
    RETURN counts;
END $$;

-- Assignments: one INSERT for cases with none yet and a plain list of reviewers; the others
-- one by one (lead changes).
CREATE OR REPLACE FUNCTION public.verity_import_apply_assignments() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    counts jsonb := '{}';
    r record;
    existing_lead boolean;
BEGIN
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
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    n_updated := 0; n_unchanged := 0;
    FOR r IN SELECT s.line, s.by_handle, s.at, s.lead, c.id AS case_id, v.id AS reviewer_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               JOIN reviewers v ON v.handle = s.handle
              WHERE s.kind = 'assignment'
                AND NOT EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)
              ORDER BY s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
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
    RETURN counts;
END $$;

-- Evidence notes: a note's first record in one INSERT, repeated records one by one. Returns
-- {"evidence": [created, 0, unchanged]}; retractions come after the assessments.
CREATE OR REPLACE FUNCTION public.verity_import_apply_evidence() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    counts jsonb := '{}';
    r record;
BEGIN
    -- A note's first record in the import, when the case has no such note yet:
    -- one INSERT. Repeated records of a note are compared one by one.
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
    PERFORM set_config('verity.reason', '', true);
    INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
    -- (author_id: set by evidence_notes_before_insert from verity_actor_id())
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
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    FOR r IN SELECT s.*, c.id AS case_id, o.id AS source_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               LEFT JOIN sources o ON o.ref = s.source_ref
              WHERE s.kind = 'evidence' AND EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
              ORDER BY s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
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
    RETURN jsonb_build_object('evidence', jsonb_build_array(n_created, 0, n_unchanged));
END $$;

-- Transitions and assessments. In bulk mode checked set-wise and applied with one UPDATE per
-- case; otherwise in rounds (every case's first step in one UPDATE, then its second, ...); on
-- any refusal one record at a time, each refusal recorded with its line (up to max_errors).
CREATE OR REPLACE FUNCTION public.verity_import_apply_steps(bulk boolean, bulk_history boolean, max_errors bigint) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    n_errors bigint;
    case_row record;
    step public.case_transitions%ROWTYPE;
    t_done bigint := 0;
    t_skip bigint := 0;
    a_done bigint := 0;
    a_skip bigint := 0;
    allowed text;
    broken bigint[] := '{}';
    counts jsonb := '{}';
    fast_done boolean;
    n_rounds bigint;
    n_walk_bad bigint;
    history_written boolean := false;
BEGIN
    SELECT count(*) INTO n_errors FROM verity_import_errors;
    -- Rounds: every case's first transition or assessment (in file order) in
    -- one UPDATE, then every case's second, and so on. The rules of cases_before_update
    -- refuse anything not allowed; on any refusal the rounds are rolled
    -- back and the records are applied one by one below, which names each
    -- refused record's line (and collects up to max_errors of them).
    fast_done := false;
    -- Bulk mode: every case is new (the desk was empty), so a case's steps
    -- start from claimed and, when no record repeats another (same case,
    -- target state and time) and every record has its time, none is skipped:
    -- the state before a step is the target of the one before it. Every rule
    -- of cases_before_update and of the actor and time checks
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
        IF n_walk_bad = 0 AND bulk_history THEN
            -- The history of every new record, these steps' included, in one
            -- pass; before the UPDATE below, while every case is still in the state
            -- it was opened in (its 'open' row records that state).
            PERFORM verity_import_write_history(true);
            bulk_history := false;
            history_written := true;
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
            -- within a case, for the chain trigger (unless written in one pass above).
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
             WHERE NOT history_written
             ORDER BY w.round, w.line;
            SELECT count(*) FILTER (WHERE w.kind = 'transition'), count(*) FILTER (WHERE w.kind = 'assessment')
              INTO t_done, a_done FROM verity_import_walk w;
            fast_done := true;
        END IF;
        IF bulk_history THEN
            -- The transitions go the rounds' way: the history of the records
            -- written so far first, then the triggers write the rest.
            PERFORM verity_import_write_history(false);
            bulk_history := false;
        END IF;
        DROP TABLE verity_import_walk;
    END IF;
    IF bulk_history THEN
        RAISE EXCEPTION 'verity_import_apply: the history of the new records was not written';
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
        PERFORM setval('pg_temp.verity_import_line', 1, false);
    END IF;
    IF NOT fast_done THEN
        FOR r IN SELECT s.*, c.id AS case_id
                   FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
                  WHERE s.kind IN ('transition', 'assessment') ORDER BY s.line LOOP
            PERFORM setval('pg_temp.verity_import_line', r.line);
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
                IF public.verity_missing_evidence(r.case_id, r.case_ref) IS NOT NULL THEN
                    INSERT INTO verity_import_errors VALUES (r.line, 'case',
                        public.verity_missing_evidence(r.case_id, r.case_ref), true);
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
    RETURN counts;
END $$;

-- Retractions, after the assessments they may postdate. Returns the evidence counts of
-- verity_import_apply_evidence with the notes retracted counted as updated.
CREATE OR REPLACE FUNCTION public.verity_import_apply_retractions(evidence jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    note_id bigint;
    n_updated bigint;
BEGIN
    n_updated := 0;
    FOR r IN SELECT s.*, c.id AS case_id, o.id AS source_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               LEFT JOIN sources o ON o.ref = s.source_ref
              WHERE s.kind = 'evidence' AND s.retraction_reason IS NOT NULL ORDER BY s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
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
    RETURN jsonb_build_object('evidence', jsonb_build_array((evidence->'evidence'->>0)::bigint, n_updated,
        greatest((evidence->'evidence'->>2)::bigint - n_updated, 0)));
END $$;

-- What comes last: reviewers' active flags, then restrictions (an import restricts a case,
-- never lifts a restriction).
CREATE OR REPLACE FUNCTION public.verity_import_apply_last() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    UPDATE reviewers v SET active = s.active
      FROM verity_import_rows s
     WHERE s.kind = 'reviewer' AND s.handle = v.handle AND v.active IS DISTINCT FROM s.active;

    -- ------------------------------------------------------------ restriction, after the history
    -- A case the file marks restricted is restricted, with the reason it gives
    -- (the history's restrict row, by the case's author); an import never lifts
    -- a restriction. Last, so that in bulk mode the history writers are on again.
    UPDATE cases c
       SET restricted = verity_import_acting(s.line, s.by_handle, NULL::timestamptz,
                                             coalesce(s.restriction_reason, 'restricted in the imported file'), true)
      FROM verity_import_rows s
     WHERE s.kind = 'case' AND s.restricted AND s.ref = c.ref AND NOT c.restricted;
END $$;

-- Bulk mode's end: the indexes dropped at the start, as the baseline defines them, each built
-- in one sorted pass.
CREATE OR REPLACE FUNCTION public.verity_import_finish_bulk() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
        -- The indexes dropped at the start, as the baseline defines them, each built in one sorted pass.
        PERFORM set_config('maintenance_work_mem', '256MB', true);
        CREATE INDEX cases_tags ON cases USING gin (tags);
        CREATE INDEX cases_search ON cases USING gin (search);
        CREATE INDEX evidence_notes_search ON evidence_notes USING gin (search);
        CREATE INDEX case_history_case ON case_history (case_id, id);
        CREATE INDEX case_history_at ON case_history (at);
        CREATE INDEX cases_state ON cases (state);
        CREATE INDEX cases_due_open ON cases (due) WHERE state <> 'assessed';
        CREATE INDEX case_sources_source ON case_sources (source_id);
        CREATE INDEX case_assignments_reviewer ON case_assignments (reviewer_id);
END $$;


-- Records every staged record that is malformed or names what does not exist
-- (verity_import_errors, by line) and returns how many. A named reviewer is looked
-- up in one hashed set of the known and the staged handles (NOT IN over handles
-- that are never NULL) instead of by an index probe per record, which the planner
-- would choose because it expects few rows there (100k import: 1.8 s of 2.4 s).
CREATE OR REPLACE FUNCTION public.verity_import_check() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    found bigint;
BEGIN
    -- One import checks and applies at a time (until its transaction ends): imports running
    -- at once would each find a reviewer or case missing and all insert it. After the lock,
    -- the check and the apply see what an earlier import committed. The key is "vimport"
    -- in ASCII (Importer.applyLockKey names it for the tests).
    PERFORM pg_catalog.pg_advisory_xact_lock(33329966010561140);
    CREATE INDEX IF NOT EXISTS verity_import_rows_kind ON verity_import_rows (kind, ref);
    CREATE INDEX IF NOT EXISTS verity_import_rows_handle ON verity_import_rows (kind, handle);
    -- Time order: a new case without `at` opens at the earliest time its own records
    -- need (rather than at the import, after its dated history); with none, at the import.
    UPDATE verity_import_rows c SET at = d.first_at
      FROM (SELECT i.case_ref, min(i.at) AS first_at FROM verity_import_rows i
             WHERE i.kind IN ('evidence', 'assignment', 'transition', 'assessment') AND i.at IS NOT NULL
             GROUP BY i.case_ref) d
     WHERE c.kind = 'case' AND c.at IS NULL AND c.ref = d.case_ref
       AND NOT EXISTS (SELECT 1 FROM public.cases x WHERE x.ref = c.ref);
    ANALYZE verity_import_rows;
    INSERT INTO verity_import_errors (line, field, problem)
    SELECT line, field, problem FROM (
        -- a record of a case dated before the case was opened (in the file, or in the desk);
        -- a link written with its source carries the source's time, which may be earlier
        SELECT s.line, 'at' AS field, format('%s is before case %s was opened (%s)',
                                    public.verity_iso(s.at), s.case_ref, public.verity_iso(o.opened)) AS problem
          FROM verity_import_rows s
          JOIN LATERAL (SELECT coalesce((SELECT x.created_at FROM public.cases x WHERE x.ref = s.case_ref),
                                        (SELECT i.at FROM verity_import_rows i WHERE i.kind = 'case' AND i.ref = s.case_ref
                                          ORDER BY i.line LIMIT 1)) AS opened) o ON true
         WHERE s.kind IN ('evidence', 'assignment', 'transition', 'assessment')
           AND s.at IS NOT NULL AND s.at < o.opened
        UNION ALL
        -- a case's transitions and assessments out of time order in the file
        SELECT t.line, 'at', format('%s is before the %s on line %s (%s)',
                                    public.verity_iso(t.at), t.previous_kind, t.previous_line, public.verity_iso(t.previous_at))
          FROM (SELECT i.line, i.at, lag(i.line) OVER w AS previous_line, lag(i.at) OVER w AS previous_at,
                       lag(i.kind) OVER w AS previous_kind
                  FROM verity_import_rows i
                 WHERE i.kind IN ('transition', 'assessment') AND i.at IS NOT NULL
                   -- a repeat of an earlier record (same case, state and time) is skipped, not ordered
                   AND NOT EXISTS (SELECT 1 FROM verity_import_rows j
                                    WHERE j.kind IN ('transition', 'assessment') AND j.case_ref = i.case_ref
                                      AND j.to_state IS NOT DISTINCT FROM i.to_state AND j.at = i.at AND j.line < i.line)
                WINDOW w AS (PARTITION BY i.case_ref ORDER BY i.line)) t
         WHERE t.at < t.previous_at
        UNION ALL
        -- the same reviewer, case or source twice
        SELECT s.line, CASE s.kind WHEN 'reviewer' THEN 'handle' ELSE 'ref' END AS field,
               format('%s "%s" already appears on line %s', s.kind, coalesce(s.ref, s.handle), s.first_line) AS problem
          FROM (SELECT line, kind, ref, handle,
                       first_value(line) OVER (PARTITION BY kind, coalesce(ref, handle) ORDER BY line) AS first_line
                  FROM verity_import_rows WHERE kind IN ('reviewer', 'case', 'source')) s
         WHERE s.line <> s.first_line
        UNION ALL
        -- reviewers named by other records: who acted, who retracted, who is assigned
        SELECT s.line, named.field, format('unknown reviewer "%s"', named.handle)
          FROM verity_import_rows s
         CROSS JOIN LATERAL (VALUES
                   ('by', CASE WHEN s.kind <> 'reviewer' THEN s.by_handle END),
                   ('retracted_by', s.retracted_by),
                   ('reviewer', CASE WHEN s.kind = 'assignment' THEN s.handle END)
               ) AS named(field, handle)
         WHERE named.handle IS NOT NULL
           AND named.handle NOT IN (SELECT r.handle FROM reviewers r WHERE r.handle IS NOT NULL
                                    UNION ALL
                                    SELECT i.handle FROM verity_import_rows i
                                     WHERE i.kind = 'reviewer' AND i.handle IS NOT NULL)
        UNION ALL
        -- cases and sources named by other records
        SELECT s.line, CASE s.kind WHEN 'link' THEN 'cases' ELSE 'case' END, format('unknown case "%s"', s.case_ref)
          FROM verity_import_rows s
         WHERE s.case_ref IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.case_ref)
           AND NOT EXISTS (SELECT 1 FROM verity_import_rows i WHERE i.kind = 'case' AND i.ref = s.case_ref)
        UNION ALL
        SELECT s.line, 'source', format('unknown source "%s"', s.source_ref)
          FROM verity_import_rows s
         WHERE s.source_ref IS NOT NULL AND s.kind <> 'link'
           AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.ref = s.source_ref)
           AND NOT EXISTS (SELECT 1 FROM verity_import_rows i WHERE i.kind = 'source' AND i.ref = s.source_ref)
    ) problems;
    GET DIAGNOSTICS found = ROW_COUNT;
    RETURN found;
END $$;

-- Creates (or empties) the staging tables of this session's import. They are
-- temporary and dropped at the end of the transaction.
CREATE OR REPLACE FUNCTION public.verity_import_stage() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS verity_import_rows (
        line               bigint NOT NULL,
        kind               text NOT NULL,   -- reviewer case source link evidence assignment transition assessment
        ref                text,            -- case or source reference
        handle             text,            -- reviewer handle (reviewer, assignment)
        case_ref           text,
        source_ref         text,
        by_handle          text,
        at                 timestamptz,
        reason             text,
        name               text,
        email              text,
        role               text,
        active             boolean,
        claim              text,
        claimant           text,
        claimed_at         date,
        location           text,
        tags               text[],
        priority           text,
        due                date,
        url                text,
        title              text,
        publisher          text,
        author             text,
        published_at       date,
        source_kind        text,
        reliability        text,
        file_name          text,
        file_sha256        text,
        file_size          bigint,
        archive_url        text,
        stance             text,
        credibility        integer,
        note               text,
        retracted_at       timestamptz,
        retracted_by       text,
        retraction_reason  text,
        lead               boolean,
        to_state           text,
        verdict            text,
        confidence         integer,
        rationale          text,
        ensure_state       boolean NOT NULL DEFAULT false,  -- CSV: reach this state unless already there
        restricted         boolean,         -- case: restricted (an import restricts, never lifts)
        restriction_reason text
    ) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS verity_import_errors (
        line     bigint NOT NULL,
        field    text NOT NULL,
        problem  text NOT NULL,
        is_rule  boolean NOT NULL DEFAULT false   -- refused by a workflow rule (exit 65), not malformed input (64)
    ) ON COMMIT DROP;
    TRUNCATE verity_import_rows, verity_import_errors;
END $$;

-- Writes the history that the disabled history writers would have written for
-- every row of cases, case_sources, case_assignments and evidence_notes, plus,
-- with_walk, the transitions of verity_import_walk (a temporary table of
-- verity_import_apply that exists whenever this runs); then enables the
-- writers and the chain trigger again. Only for verity_import_apply's bulk mode:
-- it refuses to run unless the chain trigger is disabled (which only the table
-- owner can do, and verity_import_apply does only inside its transaction) and
-- the history is empty.
CREATE OR REPLACE FUNCTION public.verity_import_write_history(with_walk boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    extra jsonb := coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb);
    why text := verity_setting('verity.reason');
    checked_once boolean := (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
    replication_role text := current_setting('session_replication_role');
BEGIN
    IF (SELECT t.tgenabled FROM pg_trigger t
         WHERE t.tgrelid = 'case_history'::regclass AND t.tgname = 'case_history_chain') <> 'D'
       OR EXISTS (SELECT 1 FROM case_history) THEN
        RAISE EXCEPTION 'verity_import_write_history is only for an import into an empty desk';
    END IF;
    -- Three windows over the same order (one sort of all the rows), then the
    -- order the triggers wrote them in (a second sort): in memory where it fits.
    PERFORM set_config('work_mem', '256MB', true);
    -- The four foreign keys of case_history, for a superuser (who may set
    -- session_replication_role): checked once for all the rows below instead of
    -- by four queries per row. Every value comes from a row of the table it
    -- references (cases, reviewers) or of case_transitions, whose states are
    -- case_states'. What the per-row checks would also do, keep the referenced
    -- rows until commit: cases is already locked ACCESS EXCLUSIVE by the import
    -- (bulk mode), the reviewers and states are locked FOR KEY SHARE here, before the
    -- rows are written. After the INSERT, one anti-join per key refuses the
    -- whole import if any value has no referenced row.
    IF checked_once THEN
        PERFORM 1 FROM reviewers FOR KEY SHARE;
        PERFORM 1 FROM case_states FOR KEY SHARE;
        PERFORM set_config('session_replication_role', 'replica', true);
    END IF;
    INSERT INTO case_history (case_id, seq, at, actor_id, action, from_state, to_state, reason, details, prev_hash, hash)
    SELECT h.case_id, h.seq, h.at, h.actor_id, h.action, h.from_state, h.to_state, h.reason, h.details,
           lag(h.hash) OVER c, h.hash
      FROM (SELECT p.*,
                   verity_history_chain(p.case_id, p.seq, p.at, p.actor_id, p.action, p.from_state, p.to_state,
                                        p.reason, p.details) OVER c AS hash
              FROM (SELECT a.*, row_number() OVER c AS seq
                      FROM (-- cases_after_insert
                            SELECT 1 AS phase, n.id AS ord, n.id AS case_id, n.created_at AS at, n.created_by AS actor_id,
                                   'open'::text AS action, NULL::text AS from_state, n.state AS to_state, why AS reason,
                                   jsonb_strip_nulls(jsonb_build_object(
                                       'ref', n.ref, 'claim', n.claim, 'claimant', n.claimant, 'claimed_at', n.claimed_at,
                                       'location', n.location, 'tags', to_jsonb(n.tags), 'priority', n.priority, 'due', n.due))
                                   || extra AS details
                              FROM cases n
                            UNION ALL
                            -- case_sources_after_insert, in the order the import inserted the links
                            SELECT 2, k.ord, n.case_id, n.linked_at, n.linked_by, 'link-source', NULL, NULL, why,
                                   coalesce(jsonb_strip_nulls(jsonb_build_object('source_id', s.id, 'source_ref', s.ref,
                                                                                 'url', s.url, 'title', s.title)),
                                            '{}'::jsonb) || extra
                              FROM case_sources n
                              JOIN (SELECT c.id AS case_id, o.id AS source_id,
                                           min(row_number) AS ord
                                      FROM (SELECT i.case_ref, i.source_ref,
                                                   row_number() OVER (ORDER BY i.line, i.ctid)
                                              FROM verity_import_rows i WHERE i.kind = 'link') i
                                      JOIN cases c ON c.ref = i.case_ref
                                      JOIN sources o ON o.ref = i.source_ref
                                     GROUP BY c.id, o.id) k ON k.case_id = n.case_id AND k.source_id = n.source_id
                              LEFT JOIN sources s ON s.id = n.source_id
                            UNION ALL
                            -- case_assignments_after_insert, in the order the import inserted them
                            SELECT 3, k.ord, n.case_id, n.assigned_at, n.assigned_by, 'assign', NULL, NULL, why,
                                   jsonb_build_object('reviewer', r.handle, 'lead', n.is_lead) || extra
                              FROM case_assignments n
                              JOIN (SELECT c.id AS case_id, v.id AS reviewer_id, min(i.line) AS ord
                                      FROM verity_import_rows i
                                      JOIN cases c ON c.ref = i.case_ref
                                      JOIN reviewers v ON v.handle = i.handle
                                     WHERE i.kind = 'assignment'
                                     GROUP BY c.id, v.id) k ON k.case_id = n.case_id AND k.reviewer_id = n.reviewer_id
                              LEFT JOIN reviewers r ON r.id = n.reviewer_id
                            UNION ALL
                            -- evidence_notes_after_insert
                            SELECT 4, n.id, n.case_id, n.created_at, n.author_id, 'add-evidence', NULL, NULL, why,
                                   jsonb_strip_nulls(jsonb_build_object(
                                       'note_id', n.id, 'stance', n.stance, 'credibility', n.credibility,
                                       'source_id', n.source_id, 'note_sha256', verity_note_digest(n.note))) || extra
                              FROM evidence_notes n
                            UNION ALL
                            -- the transitions' rows, round by round
                            SELECT 5, w.round * 10000000000 + w.line, w.case_id, w.at, w.actor_id, t.action,
                                   w.from_state, w.to_state, verity_setting_or_null(w.reason),
                                   CASE WHEN w.to_state = 'assessed' THEN jsonb_build_object(
                                            'verdict', w.verdict, 'confidence', w.confidence, 'rationale', w.rationale)
                                        WHEN w.from_state = 'assessed' THEN jsonb_build_object(
                                            'previous_verdict', w.prev_verdict, 'previous_confidence', w.prev_confidence)
                                        ELSE '{}'::jsonb END
                                   || extra
                              FROM verity_import_walk w
                              JOIN case_transitions t ON t.from_state = w.from_state AND t.to_state = w.to_state
                             WHERE with_walk) a
                    WINDOW c AS (PARTITION BY a.case_id ORDER BY a.phase, a.ord)) p
            WINDOW c AS (PARTITION BY p.case_id ORDER BY p.phase, p.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) h
    WINDOW c AS (PARTITION BY h.case_id ORDER BY h.phase, h.ord)
     ORDER BY h.phase, h.ord;
    IF checked_once THEN
        PERFORM set_config('session_replication_role', replication_role, true);
        IF EXISTS (SELECT 1 FROM case_history h WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = h.case_id))
           OR EXISTS (SELECT 1 FROM case_history h
                       WHERE h.actor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reviewers v WHERE v.id = h.actor_id))
           OR EXISTS (SELECT 1 FROM case_history h
                       WHERE h.from_state IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_states s WHERE s.state = h.from_state))
           OR EXISTS (SELECT 1 FROM case_history h
                       WHERE h.to_state IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_states s WHERE s.state = h.to_state)) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = 'verity_import_write_history: a history row references a missing case, reviewer or state';
        END IF;
    END IF;
    ALTER TABLE cases ENABLE TRIGGER cases_after_insert;
    ALTER TABLE case_sources ENABLE TRIGGER case_sources_after_insert;
    ALTER TABLE case_assignments ENABLE TRIGGER case_assignments_after_insert;
    ALTER TABLE evidence_notes ENABLE TRIGGER evidence_notes_after_insert;
    ALTER TABLE case_history ENABLE TRIGGER case_history_chain;
END $$;
REVOKE ALL ON FUNCTION public.verity_import_write_history(with_walk boolean) FROM PUBLIC;
