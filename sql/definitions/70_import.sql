-- Import: the server side of `verity import`. The client COPYs the records
-- into the temporary staging table of verity_import_stage(); verity_import_check()
-- records every malformed or dangling record by line; verity_import_apply() writes
-- them kind by kind (reviewers, cases, sources, links, assignments, evidence,
-- transitions and assessments, retractions, active flags, restrictions) under the
-- rules the triggers apply to any writer, and returns the counts per kind.
-- Refusals name the record's line.
--
-- The engine. In a session that may write history itself (the desk owner or a
-- superuser: verity_history_trusted), every import, into an empty desk or into one
-- in use, new cases or changes to existing ones, is written set-based:
-- * new cases, links, assignments and notes are inserted with one statement per
--   kind, with the author and time each record names (what the row triggers would
--   fill in), and noted in verity_import_pending;
-- * transitions and assessments are checked set-wise against the rules of
--   cases_before_update (the transition table, reasons, verdicts, evidence, assessor
--   rights) and of the actor and time checks, each case from its current state;
--   when every record passes, each case moves to its final state in one UPDATE;
-- * verity_import_flush() then writes the history rows the triggers would have
--   written, in the same order, each case's chain continuing from its head (a new
--   case's starts at seq 1), hashed by the verity_history_chain aggregate.
-- Meanwhile verity.engine is 'on' and the row triggers whose work the engine does
-- are skipped: their WHEN is false only for a session of the desk owner or of a
-- superuser (pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')), who may
-- disable triggers anyway; a login that sets verity.engine changes nothing. No
-- index is dropped and nothing is locked beyond the rows written, so other writers
-- go on with the cases the import does not touch.
--
-- What the set-based checks do not clear, and every record of a login's import (a
-- login may not write history itself), goes through the row triggers instead: the
-- history noted so far is flushed first, then records are written with the acting
-- reviewer, time and reason set per row (verity_import_acting), transitions in
-- rounds (every case's first step in one UPDATE, then its second, ...) and, on a
-- refusal, one record at a time, which names each refused line. Both ways record
-- the same rows and hashes (BulkImportTests compares them); verity.import_bulk =
-- 'off' sends every import the triggers' way.
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
-- (jit off: see verity_import_check)
CREATE OR REPLACE FUNCTION public.verity_import_apply(max_errors bigint DEFAULT 50) RETURNS TABLE(kind text, created bigint, updated bigint, unchanged bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
    current_line bigint;
    counts jsonb := '{}';
    evidence jsonb;
    links jsonb;
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
    engine boolean := public.verity_import_engine();
BEGIN
    -- The line of the record being written, set per row by the statements and loops of the
    -- phases: a sequence, because its value (unlike a setting) survives the error.
    CREATE TEMP SEQUENCE IF NOT EXISTS verity_import_line;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    -- What the engine has written and verity_import_flush has not recorded yet: new cases
    -- (phase 1), links (2, item: the source), assignments (3, item: the reviewer) and
    -- notes (4), in the order the triggers would have recorded them within each case...
    CREATE TEMP TABLE IF NOT EXISTS verity_import_pending (
        phase smallint NOT NULL, ord bigint NOT NULL, case_id bigint NOT NULL, item_id bigint NOT NULL
    ) ON COMMIT DROP;
    -- ... and the steps of verity_import_apply_steps' set-based walk (phase 5).
    CREATE TEMP TABLE IF NOT EXISTS verity_import_walk (
        line bigint, kind text, case_id bigint, to_state text, at timestamptz, reason text,
        verdict text, confidence integer, rationale text, ensure_state boolean,
        actor_id bigint, actor_active boolean, actor_role text,
        from_state text, prev_verdict text, prev_confidence integer, round bigint, n_steps bigint
    ) ON COMMIT DROP;
    TRUNCATE verity_import_pending, verity_import_walk;
    BEGIN
        -- The phases, in the order their records depend on each other.
        counts := public.verity_import_apply_reviewers();
        counts := counts || public.verity_import_apply_cases(engine);
        counts := counts || public.verity_import_apply_sources();
        links := public.verity_import_apply_links(engine);
        counts := counts || links;
        counts := counts || public.verity_import_apply_assignments(engine);
        evidence := public.verity_import_apply_evidence(engine);
        counts := counts || public.verity_import_apply_steps(engine, max_errors);
        -- Retractions and restrictions go through the row triggers, after what came before.
        PERFORM public.verity_import_flush();
        counts := counts || public.verity_import_apply_retractions(evidence);
        counts := counts || public.verity_import_apply_link_roles(links);
        PERFORM public.verity_import_apply_last();
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

-- Whether this import is written by the engine (see the top of this file): a session trusted
-- to write history itself, unless verity.import_bulk is 'off'.
CREATE OR REPLACE FUNCTION public.verity_import_engine() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN public.verity_history_trusted() AND coalesce(public.verity_setting('verity.import_bulk'), 'on') <> 'off';
END $$;

-- Whether the engine may write every staged record of these kinds as the row triggers would:
-- its acting reviewer is known and active (verity_actor_id's test for a trusted session) and
-- its time is not in the future (verity_now's). A record that fails either is left to the
-- triggers, whose refusal names its line.
CREATE OR REPLACE FUNCTION public.verity_import_writable(p_kinds text[]) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN NOT EXISTS (SELECT 1 FROM verity_import_rows s LEFT JOIN public.reviewers v ON v.handle = s.by_handle
                        WHERE s.kind = ANY (p_kinds)
                          AND (v.id IS NULL OR NOT v.active OR s.at > now() + interval '1 minute'));
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
    n_renamed bigint;
    counts jsonb := '{}';
BEGIN
    SELECT count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role) IS DISTINCT FROM (s.name, s.email, s.role)),
           count(*) FILTER (WHERE v.id IS NULL),
           count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role, v.active)
                                  IS DISTINCT FROM (s.name, s.email, s.role, s.active)),
           count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role, v.active)
                                  IS NOT DISTINCT FROM (s.name, s.email, s.role, s.active))
      INTO n_renamed, n_created, n_updated, n_unchanged
      FROM verity_import_rows s LEFT JOIN reviewers v ON v.handle = s.handle
     WHERE s.kind = 'reviewer';
    counts := counts || jsonb_build_object('reviewer', jsonb_build_array(n_created, n_updated, n_unchanged));
    -- Reviewers are the owner's and admins' to add and change (through `verity reviewer`):
    -- a login's import may carry reviewer records only as they already are (a desk's own
    -- export does), and the statements below are not even run for it then, since a write
    -- that changes no row still needs the privilege. (Active flags come last, with their own check.)
    IF n_created + n_renamed = 0 THEN
        RETURN counts;
    END IF;
    -- (has_table_privilege is true when any one of several listed rights is held: ask for each.)
    IF (n_created > 0 AND NOT has_table_privilege('public.reviewers', 'INSERT'))
       OR (n_renamed > 0 AND NOT has_table_privilege('public.reviewers', 'UPDATE')) THEN
        PERFORM setval('pg_temp.verity_import_line',
                       (SELECT min(s.line) FROM verity_import_rows s LEFT JOIN public.reviewers v ON v.handle = s.handle
                         WHERE s.kind = 'reviewer'
                           AND (v.id IS NULL OR (v.name, v.email, v.role) IS DISTINCT FROM (s.name, s.email, s.role))));
        RAISE EXCEPTION 'this reviewer record adds or changes a reviewer, which only the desk owner does'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'import the reviewers as the desk owner (or add them with verity reviewer add), or leave them out of the file';
    END IF;
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
CREATE OR REPLACE FUNCTION public.verity_import_apply_cases(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    r record;
BEGIN
    -- Changed existing cases one by one (each UPDATE records what changed)... A partial record
    -- (another tool's export, which has no claimant, location, priority or due) leaves those as
    -- the desk has them, and its claim date and coordinates too when it has none.
    n_updated := 0; n_unchanged := 0;
    FOR r IN SELECT x.*,
                    (x.c_claim, x.c_claimant, x.c_claimed_at, x.c_location, x.c_tags, x.c_priority, x.c_due,
                     x.c_latitude, x.c_longitude, x.c_claimant_type)
                    IS NOT DISTINCT FROM (x.claim, x.claimant, x.claimed_at, x.location, x.tags, x.priority, x.due,
                                          x.latitude, x.longitude, x.claimant_type)
                    AS same
               FROM (SELECT s.line, s.by_handle, s.claim, s.tags,
                            CASE WHEN s.partial AND s.claimed_at IS NULL THEN c.claimed_at ELSE s.claimed_at END AS claimed_at,
                            CASE WHEN s.partial AND s.latitude IS NULL THEN c.latitude ELSE s.latitude END AS latitude,
                            CASE WHEN s.partial AND s.latitude IS NULL THEN c.longitude ELSE s.longitude END AS longitude,
                            CASE WHEN s.partial THEN c.claimant ELSE s.claimant END AS claimant,
                            CASE WHEN s.partial THEN c.location ELSE s.location END AS location,
                            CASE WHEN s.partial THEN c.priority ELSE s.priority END AS priority,
                            CASE WHEN s.partial THEN c.due ELSE s.due END AS due,
                            c.id AS case_id, c.claim AS c_claim, c.claimant AS c_claimant, c.claimed_at AS c_claimed_at,
                            c.location AS c_location, c.tags AS c_tags, c.priority AS c_priority, c.due AS c_due,
                            c.latitude AS c_latitude, c.longitude AS c_longitude,
                            -- (an import sets a claimant's type, never clears it)
                            coalesce(s.claimant_type, c.claimant_type) AS claimant_type, c.claimant_type AS c_claimant_type
                       FROM verity_import_rows s JOIN cases c ON c.ref = s.ref
                      WHERE s.kind = 'case') x
              ORDER BY x.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
        IF r.same THEN
            n_unchanged := n_unchanged + 1;
            CONTINUE;
        END IF;
        PERFORM set_config('verity.actor', r.by_handle, true),
                set_config('verity.reason', format('changed by an import (line %s)', r.line), true),
                set_config('verity.details', '', true),
                set_config('verity.at', '', true);
        UPDATE cases SET claim = r.claim, claimant = r.claimant, claimed_at = r.claimed_at,
               location = r.location, tags = r.tags, priority = r.priority, due = r.due,
               latitude = r.latitude, longitude = r.longitude, claimant_type = r.claimant_type
         WHERE id = r.case_id;
        n_updated := n_updated + 1;
    END LOOP;
    PERFORM set_config('verity.reason', '', true), set_config('verity.details', '', true);
    IF engine AND public.verity_import_writable(ARRAY['case']) THEN
        -- ... and new cases with one INSERT, with what cases_before_insert fills in (the
        -- record's reviewer and time, or now); their 'open' rows wait for the flush.
        -- (setval in the select list: evaluated per row after the sort, it names the line
        -- of a row that a constraint refuses.)
        PERFORM set_config('verity.engine', 'on', true);
        WITH made AS (
            INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due, latitude, longitude,
                               claimant_type, created_by, created_at, updated_at, state_changed_at, version)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', s.line) > 0 THEN s.ref END,
                   s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due, s.latitude, s.longitude,
                   s.claimant_type,
                   v.id, coalesce(s.at, now()), coalesce(s.at, now()), coalesce(s.at, now()), 1
              FROM verity_import_rows s JOIN reviewers v ON v.handle = s.by_handle
             WHERE s.kind = 'case' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.ref)
             ORDER BY s.line
            RETURNING id)
        INSERT INTO verity_import_pending SELECT 1, m.id, m.id, m.id FROM made m;
        GET DIAGNOSTICS n_created = ROW_COUNT;
        PERFORM set_config('verity.engine', '', true);
    ELSE
        -- ... or through the triggers: each row sets its own actor and time for the BEFORE
        -- trigger (verity_import_acting), and the statement-level AFTER trigger writes
        -- every 'open' row from the inserted rows.
        INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due, latitude, longitude,
                           claimant_type)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, s.ref),
               s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due, s.latitude, s.longitude,
               s.claimant_type
          FROM verity_import_rows s
         WHERE s.kind = 'case' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.ref)
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
    END IF;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    RETURN jsonb_build_object('case', jsonb_build_array(n_created, n_updated, n_unchanged));
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

-- Links of sources to cases, in one INSERT (a pair named twice: its first record), each
-- with the role its record names or, for a new link whose record names none, the rule's:
-- `evidence` when a note on the case, in this import or on the desk and not retracted,
-- cites the source as supporting or refuting the claim; otherwise `appearance` (the
-- article quoting the claim, the post that made it); docs/import-export.md states the
-- rule. An existing link keeps its role unless a record names another
-- (verity_import_apply_link_roles).
CREATE OR REPLACE FUNCTION public.verity_import_apply_links(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_unchanged bigint;
BEGIN
    SELECT count(*) FILTER (WHERE NOT present), count(*) FILTER (WHERE present)
      INTO n_created, n_unchanged
      FROM (SELECT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id) AS present
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              JOIN sources o ON o.ref = s.source_ref
             WHERE s.kind = 'link') l;
    PERFORM set_config('verity.reason', '', true);
    IF engine AND public.verity_import_writable(ARRAY['link']) THEN
        -- with what case_sources_before_insert fills in; the history waits for the flush
        PERFORM set_config('verity.engine', 'on', true);
        WITH firsts AS (
            SELECT DISTINCT ON (c.id, o.id) c.id AS case_id, o.id AS source_id, s.line, s.by_handle, s.at, s.ord,
                   coalesce(s.link_role,
                            CASE WHEN ev.case_ref IS NOT NULL
                                   OR EXISTS (SELECT 1 FROM evidence_notes n
                                               WHERE n.case_id = c.id AND n.source_id = o.id
                                                 AND n.stance IN ('supports', 'refutes') AND n.retracted_at IS NULL)
                                 THEN 'evidence' ELSE 'appearance' END) AS role
              FROM (SELECT i.*, row_number() OVER (ORDER BY i.line, i.ctid) AS ord
                      FROM verity_import_rows i WHERE i.kind = 'link') s
              JOIN cases c ON c.ref = s.case_ref
              JOIN sources o ON o.ref = s.source_ref
              -- the import's own supporting and refuting notes, by case and source (one pass)
              LEFT JOIN (SELECT DISTINCT e.case_ref, e.source_ref FROM verity_import_rows e
                      WHERE e.kind = 'evidence' AND e.stance IN ('supports', 'refutes') AND e.retraction_reason IS NULL) ev
                ON ev.case_ref = s.case_ref AND ev.source_ref = s.source_ref
             WHERE NOT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id)
             ORDER BY c.id, o.id, s.ord),
        made AS (
            INSERT INTO case_sources (case_id, source_id, linked_by, linked_at, role)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', f.line) > 0 THEN f.case_id END, f.source_id,
                   v.id, coalesce(f.at, now()), f.role
              FROM firsts f JOIN reviewers v ON v.handle = f.by_handle
             ORDER BY f.ord
            RETURNING case_id, source_id)
        INSERT INTO verity_import_pending
        SELECT 2, f.ord, m.case_id, m.source_id
          FROM made m JOIN firsts f ON f.case_id = m.case_id AND f.source_id = m.source_id;
        PERFORM set_config('verity.engine', '', true);
    ELSE
        INSERT INTO case_sources (case_id, source_id, role)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), o.id,
               coalesce(s.link_role,
                            CASE WHEN ev.case_ref IS NOT NULL
                                   OR EXISTS (SELECT 1 FROM evidence_notes n
                                               WHERE n.case_id = c.id AND n.source_id = o.id
                                                 AND n.stance IN ('supports', 'refutes') AND n.retracted_at IS NULL)
                                 THEN 'evidence' ELSE 'appearance' END)
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          JOIN sources o ON o.ref = s.source_ref
          LEFT JOIN (SELECT DISTINCT e.case_ref, e.source_ref FROM verity_import_rows e
                  WHERE e.kind = 'evidence' AND e.stance IN ('supports', 'refutes') AND e.retraction_reason IS NULL) ev
            ON ev.case_ref = s.case_ref AND ev.source_ref = s.source_ref
         WHERE s.kind = 'link'
           AND NOT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id)
         ORDER BY s.line, s.ctid
            ON CONFLICT (case_id, source_id) DO NOTHING;
    END IF;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    RETURN jsonb_build_object('link', jsonb_build_array(n_created, 0, n_unchanged));
END $$;

-- The role a record names for a link that existed before the import, when it differs:
-- through case_sources_before_update (a `source-role` history row), after the flush.
-- Returns the link counts with those links counted as updated.
CREATE OR REPLACE FUNCTION public.verity_import_apply_link_roles(links jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    n_updated bigint := 0;
BEGIN
    FOR r IN SELECT DISTINCT ON (c.id, o.id) s.line, s.by_handle, s.at, s.link_role, c.id AS case_id, o.id AS source_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               JOIN sources o ON o.ref = s.source_ref
               -- (only the links whose role changes: one set-based look, then a row each)
               JOIN case_sources l ON l.case_id = c.id AND l.source_id = o.id AND l.role IS DISTINCT FROM s.link_role
              WHERE s.kind = 'link' AND s.link_role IS NOT NULL
              ORDER BY c.id, o.id, s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
        PERFORM set_config('verity.actor', r.by_handle, true),
                set_config('verity.at', coalesce(r.at::text, ''), true),
                set_config('verity.reason', format('role set by an import (line %s)', r.line), true);
        UPDATE case_sources SET role = r.link_role
         WHERE case_id = r.case_id AND source_id = r.source_id AND role IS DISTINCT FROM r.link_role;
        IF FOUND THEN n_updated := n_updated + 1; END IF;
    END LOOP;
    PERFORM set_config('verity.reason', '', true);
    RETURN jsonb_build_object('link', jsonb_build_array((links->'link'->>0)::bigint, n_updated,
        greatest((links->'link'->>2)::bigint - n_updated, 0)));
END $$;

-- Assignments: one INSERT for cases with none yet and a plain list of reviewers; the others
-- one by one (lead changes), through the triggers.
CREATE OR REPLACE FUNCTION public.verity_import_apply_assignments(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
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
    IF engine AND public.verity_import_writable(ARRAY['assignment'])
       -- (case_assignments_before_write: a deactivated reviewer cannot be assigned)
       AND NOT EXISTS (SELECT 1 FROM verity_import_rows s JOIN reviewers v ON v.handle = s.handle
                        WHERE s.kind = 'assignment' AND NOT v.active) THEN
        -- with what case_assignments_before_write fills in; the history waits for the flush
        PERFORM set_config('verity.engine', 'on', true);
        WITH chosen AS (
            SELECT s.line, c.id AS case_id, a.id AS reviewer_id, s.lead, v.id AS actor_id, s.at
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              JOIN reviewers a ON a.handle = s.handle
              JOIN reviewers v ON v.handle = s.by_handle
             WHERE s.kind = 'assignment'
               AND EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)),
        made AS (
            INSERT INTO case_assignments (case_id, reviewer_id, is_lead, assigned_by, assigned_at)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', k.line) > 0 THEN k.case_id END, k.reviewer_id,
                   k.lead, k.actor_id, coalesce(k.at, now())
              FROM chosen k ORDER BY k.line
            RETURNING case_id)
        INSERT INTO verity_import_pending SELECT 3, k.line, k.case_id, k.reviewer_id FROM chosen k;
        SELECT count(*) INTO n_created FROM verity_import_pending WHERE phase = 3;
        PERFORM set_config('verity.engine', '', true);
    ELSE
        INSERT INTO case_assignments (case_id, reviewer_id, is_lead)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), v.id, s.lead
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          JOIN reviewers v ON v.handle = s.handle
         WHERE s.kind = 'assignment'
           AND EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
    END IF;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    n_updated := 0; n_unchanged := 0;
    FOR r IN SELECT s.line, s.by_handle, s.at, s.lead, c.id AS case_id, v.id AS reviewer_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               JOIN reviewers v ON v.handle = s.handle
              WHERE s.kind = 'assignment'
                AND NOT EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)
              ORDER BY s.line LOOP
        -- (the triggers write these rows' history: the engine's so far goes first)
        PERFORM public.verity_import_flush();
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
    RETURN jsonb_build_object('assignment', jsonb_build_array(n_created, n_updated, n_unchanged));
END $$;

-- Evidence notes: a note's first record in one INSERT, repeated records one by one. Returns
-- {"evidence": [created, 0, unchanged]}; retractions come after the assessments.
CREATE OR REPLACE FUNCTION public.verity_import_apply_evidence(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_unchanged bigint;
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
    IF engine AND public.verity_import_writable(ARRAY['evidence']) THEN
        -- with what evidence_notes_before_insert fills in; the history waits for the flush
        PERFORM set_config('verity.engine', 'on', true);
        WITH made AS (
            INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note, created_at)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', s.line) > 0 THEN c.id END, o.id, v.id,
                   s.stance, s.credibility, s.note, coalesce(s.at, now())
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              JOIN reviewers v ON v.handle = s.by_handle
              LEFT JOIN sources o ON o.ref = s.source_ref
             WHERE s.kind = 'evidence' AND NOT EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
               AND NOT EXISTS (SELECT 1 FROM evidence_notes e
                                WHERE e.case_id = c.id AND e.note = s.note AND e.stance = s.stance
                                  AND e.credibility = s.credibility AND e.source_id IS NOT DISTINCT FROM o.id
                                  AND (s.at IS NULL OR e.created_at = s.at))
             ORDER BY s.line
            RETURNING id, case_id)
        INSERT INTO verity_import_pending SELECT 4, m.id, m.case_id, m.id FROM made m;
        GET DIAGNOSTICS n_created = ROW_COUNT;
        PERFORM set_config('verity.engine', '', true);
    ELSE
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
    END IF;
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
        -- (the triggers write this note's history: the engine's so far goes first)
        PERFORM public.verity_import_flush();
        PERFORM set_config('verity.actor', r.by_handle, true),
                set_config('verity.at', coalesce(r.at::text, ''), true),
                set_config('verity.reason', '', true);
        INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
        VALUES (r.case_id, r.source_id, verity_actor_id(), r.stance, r.credibility, r.note);
        n_created := n_created + 1;
    END LOOP;
    RETURN jsonb_build_object('evidence', jsonb_build_array(n_created, 0, n_unchanged));
END $$;

-- Transitions and assessments. By the engine checked set-wise and applied with one UPDATE per
-- case; otherwise in rounds (every case's first step in one UPDATE, then its second, ...); on
-- any refusal one record at a time, each refusal recorded with its line (up to max_errors).
CREATE OR REPLACE FUNCTION public.verity_import_apply_steps(engine boolean, max_errors bigint) RETURNS jsonb
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
    fast_done boolean := false;
    n_rounds bigint;
    n_walk_bad bigint;
BEGIN
    SELECT count(*) INTO n_errors FROM verity_import_errors;
    -- The engine's walk. A step already in the case's history (same target state and
    -- time: a file imported again) is skipped, as the rounds skip it, when such steps
    -- come first in the case's records; the others are walked from the case's current
    -- state (the state before a step is the target of the one before it), and every
    -- rule of cases_before_update and of the actor and time checks (verity_actor_id,
    -- verity_now) is checked for every step. A single failure, or anything the walk does
    -- not decide (a record without its time, a CSV "reach this state", a repeated step,
    -- a verdict awaiting sign-off, four-eyes), leaves every step to the rounds below,
    -- which refuse it with its line.
    IF n_errors = 0 AND engine AND NOT verity_four_eyes() THEN
        CREATE TEMP TABLE IF NOT EXISTS verity_import_staged_steps (
            line bigint, kind text, case_id bigint, case_state text, case_verdict text, case_confidence integer,
            to_state text, at timestamptz, reason text, verdict text, confidence integer, rationale text,
            ensure_state boolean, by_handle text, recorded boolean) ON COMMIT DROP;
        TRUNCATE verity_import_staged_steps;
        ANALYZE verity_import_pending;
        INSERT INTO verity_import_staged_steps
        SELECT s.line, s.kind, c.id, c.state, c.verdict, c.confidence, s.to_state, s.at, s.reason,
               s.verdict, s.confidence, s.rationale, s.ensure_state, s.by_handle,
               -- (a case opened by this import has no history yet to look in)
               NOT EXISTS (SELECT 1 FROM verity_import_pending p WHERE p.phase = 1 AND p.case_id = c.id)
               AND EXISTS (SELECT 1 FROM case_history h
                            WHERE h.case_id = c.id AND h.to_state = s.to_state AND h.action <> 'open' AND h.at = s.at)
          FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
         WHERE s.kind IN ('transition', 'assessment');
        SELECT count(*) INTO n_walk_bad
          FROM (SELECT x.recorded,
                       bool_or(NOT x.recorded) OVER (PARTITION BY x.case_id ORDER BY x.line
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS after_new
                  FROM verity_import_staged_steps x) o
         WHERE o.recorded AND o.after_new;
        IF n_walk_bad = 0 THEN
            -- two records of a case with the same target and time: the rounds skip the second
            SELECT count(*) INTO n_walk_bad
              FROM (SELECT 1 FROM verity_import_staged_steps GROUP BY case_id, to_state, at HAVING count(*) > 1) d;
        END IF;
        IF n_walk_bad = 0 THEN
            INSERT INTO verity_import_walk
            SELECT a.line, a.kind, a.case_id, a.to_state, a.at, a.reason, a.verdict, a.confidence, a.rationale,
                   a.ensure_state, v.id, v.active, v.role,
                   coalesce(lag(a.to_state) OVER w, a.case_state),
                   coalesce(lag(a.verdict) OVER w, a.case_verdict),
                   coalesce(lag(a.confidence) OVER w, a.case_confidence),
                   row_number() OVER w, count(*) OVER (PARTITION BY a.case_id)
              FROM verity_import_staged_steps a
              LEFT JOIN reviewers v ON v.handle = verity_setting_or_null(a.by_handle)
             WHERE NOT a.recorded
            WINDOW w AS (PARTITION BY a.case_id ORDER BY a.line);
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
                         AND w.actor_role NOT IN ('editor', 'admin'))))
                -- cases_after_update_proposals: a verdict awaiting sign-off is withdrawn by the triggers
                OR EXISTS (SELECT 1 FROM verdict_proposals p WHERE p.case_id = w.case_id AND p.state = 'pending');
        END IF;
        IF n_walk_bad = 0 THEN
            -- Each case to its final state in one UPDATE, with what the rule
            -- triggers would have set after its last step: version counts
            -- every step, state_changed_at and updated_at are the last
            -- step's time, the verdict stays only on an assessed case. The steps'
            -- history rows wait in verity_import_walk for the flush.
            PERFORM set_config('verity.engine', 'on', true);
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
            PERFORM set_config('verity.engine', '', true);
            SELECT count(*) FILTER (WHERE w.kind = 'transition'), count(*) FILTER (WHERE w.kind = 'assessment')
              INTO t_done, a_done FROM verity_import_walk w;
            SELECT count(*) FILTER (WHERE x.recorded AND x.kind = 'transition'),
                   count(*) FILTER (WHERE x.recorded AND x.kind = 'assessment')
              INTO t_skip, a_skip FROM verity_import_staged_steps x;
            fast_done := true;
        ELSE
            TRUNCATE verity_import_walk;
        END IF;
    END IF;
    IF NOT fast_done THEN
        -- (the triggers write the steps' history: the engine's so far goes first)
        PERFORM public.verity_import_flush();
    END IF;
    IF n_errors = 0 AND NOT fast_done THEN
        BEGIN
            CREATE TEMP TABLE verity_import_steps ON COMMIT DROP AS
            SELECT s.line, s.kind, c.id AS case_id, s.to_state, s.by_handle, s.at, s.reason,
                   s.verdict, s.confidence, s.rationale, s.ensure_state,
                   -- (records of one line, as a feed item's several records, in file order)
                   row_number() OVER (PARTITION BY c.id ORDER BY s.line, s.ctid) AS round
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
                  WHERE s.kind IN ('transition', 'assessment') ORDER BY s.line, s.ctid LOOP
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
    -- Only when a flag changes: a login's import may carry its desk's reviewers as they are.
    IF EXISTS (SELECT 1 FROM verity_import_rows s JOIN public.reviewers v ON s.handle = v.handle
                WHERE s.kind = 'reviewer' AND v.active IS DISTINCT FROM s.active) THEN
        IF NOT has_table_privilege('public.reviewers', 'UPDATE') THEN
            PERFORM setval('pg_temp.verity_import_line',
                           (SELECT min(s.line) FROM verity_import_rows s JOIN public.reviewers v ON s.handle = v.handle
                             WHERE s.kind = 'reviewer' AND v.active IS DISTINCT FROM s.active));
            RAISE EXCEPTION 'this reviewer record changes whether a reviewer is active, which only the desk owner does'
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'import the reviewers as the desk owner (or use verity reviewer deactivate), or leave them out of the file';
        END IF;
        UPDATE public.reviewers v SET active = s.active
          FROM verity_import_rows s
         WHERE s.kind = 'reviewer' AND s.handle = v.handle AND v.active IS DISTINCT FROM s.active;
    END IF;

    -- ------------------------------------------------------------ restriction, after the history
    -- A case the file marks restricted is restricted, with the reason it gives
    -- (the history's restrict row, by the case's author); an import never lifts
    -- a restriction.
    UPDATE cases c
       SET restricted = verity_import_acting(s.line, s.by_handle, NULL::timestamptz,
                                             coalesce(s.restriction_reason, 'restricted in the imported file'), true)
      FROM verity_import_rows s
     WHERE s.kind = 'case' AND s.restricted AND s.ref = c.ref AND NOT c.restricted;
END $$;

-- Records every staged record that is malformed or names what does not exist
-- (verity_import_errors, by line) and returns how many. A named reviewer is looked
-- up in one hashed set of the known and the staged handles (NOT IN over handles
-- that are never NULL) instead of by an index probe per record, which the planner
-- would choose because it expects few rows there (100k import: 1.8 s of 2.4 s).
--
-- jit off (here and in verity_import_apply): the planner's costs for these statements
-- over the staging table pass jit_above_cost, and compiling them (150 functions,
-- inlined and optimised) took 2 s of this check's 2.1 s for 3,000 cases; no statement
-- of an import runs long enough per row to win that back.
CREATE OR REPLACE FUNCTION public.verity_import_check() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET jit TO 'off'
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
          -- (joined per case, not looked up per record: a subquery per record cost 1 s of
          -- the 1.2 s this check took for 3,000 cases)
          JOIN (SELECT r.case_ref, coalesce(x.created_at, k.at) AS opened
                  FROM (SELECT DISTINCT i.case_ref FROM verity_import_rows i
                         WHERE i.kind IN ('evidence', 'assignment', 'transition', 'assessment') AND i.at IS NOT NULL) r
                  LEFT JOIN public.cases x ON x.ref = r.case_ref
                  LEFT JOIN (SELECT DISTINCT ON (i.ref) i.ref, i.at FROM verity_import_rows i
                              WHERE i.kind = 'case' ORDER BY i.ref, i.line) k ON k.ref = r.case_ref) o
            ON o.case_ref = s.case_ref
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
        restriction_reason text,
        latitude           numeric(8,6),    -- case: WGS 84 degrees, both or neither (as the columns of cases)
        longitude          numeric(9,6),
        partial            boolean NOT NULL DEFAULT false,  -- case from another tool's export: an existing case
                                                            -- keeps its claimant, location, priority and due
        claimant_type      text,            -- case: Person or Organization (an import sets it, never clears it)
        link_role          text             -- link: appearance or evidence; NULL: the rule's (verity_import_apply_links)
    ) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS verity_import_errors (
        line     bigint NOT NULL,
        field    text NOT NULL,
        problem  text NOT NULL,
        is_rule  boolean NOT NULL DEFAULT false   -- refused by a workflow rule (exit 65), not malformed input (64)
    ) ON COMMIT DROP;
    TRUNCATE verity_import_rows, verity_import_errors;
END $$;

-- Writes the history that the row triggers would have written for what the engine
-- wrote (verity_import_pending: new cases, links, assignments and notes; and the steps of
-- verity_import_walk), in the order they would have written it within each case, each
-- case's chain continuing from its head; then forgets them. Does nothing when nothing
-- waits, which is always so for a login's import (the engine writes only for a trusted
-- session: see the top of this file).
CREATE OR REPLACE FUNCTION public.verity_import_flush() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    extra jsonb := coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb);
    why text := verity_setting('verity.reason');
    checked_once boolean := (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
    replication_role text := current_setting('session_replication_role');
    seqscan text := current_setting('enable_seqscan');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM verity_import_pending) AND NOT EXISTS (SELECT 1 FROM verity_import_walk) THEN
        RETURN;
    END IF;
    IF NOT public.verity_import_engine() THEN
        RAISE EXCEPTION 'verity_import_flush writes history only for the import engine of a trusted session';
    END IF;
    -- The chains that continue: every case with rows waiting that this flush did not open.
    -- Locked as the chain trigger locks them, before their heads are read, so that no
    -- other writer appends to them meanwhile; the heads read by index whatever the
    -- statistics say (see case_history_chain).
    CREATE TEMP TABLE IF NOT EXISTS verity_import_heads (case_id bigint PRIMARY KEY, seq bigint, hash text) ON COMMIT DROP;
    TRUNCATE verity_import_heads;
    INSERT INTO verity_import_heads (case_id)
    SELECT k.case_id FROM (SELECT p.case_id FROM verity_import_pending p UNION SELECT w.case_id FROM verity_import_walk w) k
     WHERE NOT EXISTS (SELECT 1 FROM verity_import_pending o WHERE o.phase = 1 AND o.case_id = k.case_id);
    PERFORM 1 FROM cases c WHERE c.id IN (SELECT h.case_id FROM verity_import_heads h) ORDER BY c.id FOR NO KEY UPDATE;
    PERFORM set_config('enable_seqscan', 'off', true);
    UPDATE verity_import_heads d SET seq = x.seq, hash = x.hash
      FROM (SELECT h.case_id, l.seq, l.hash FROM verity_import_heads h
             CROSS JOIN LATERAL (SELECT y.seq, y.hash FROM case_history y WHERE y.case_id = h.case_id
                                  ORDER BY y.seq DESC LIMIT 1) l) x
     WHERE x.case_id = d.case_id;
    PERFORM set_config('enable_seqscan', seqscan, true);
    -- Three windows over the same order (one sort of all the rows), then the
    -- order the triggers wrote them in (a second sort): in memory where it fits.
    PERFORM set_config('work_mem', '256MB', true);
    -- The four foreign keys of case_history, for a superuser (who may set
    -- session_replication_role): not checked by four queries per row, because every
    -- value comes from a row of the table it references: the cases and reviewers
    -- the rows below are joined with, the states of case_transitions (case_states').
    -- Those rows are kept until commit as the per-row checks would keep them: the
    -- import's own new cases, the others locked above, reviewers and states locked
    -- FOR KEY SHARE here. An anti-join after the INSERT checks the cases.
    IF checked_once THEN
        PERFORM 1 FROM reviewers FOR KEY SHARE;
        PERFORM 1 FROM case_states FOR KEY SHARE;
        PERFORM set_config('session_replication_role', 'replica', true);
    END IF;
    PERFORM set_config('verity.engine', 'on', true);
    INSERT INTO case_history (case_id, seq, at, actor_id, action, from_state, to_state, reason, details, prev_hash, hash)
    SELECT h.case_id, h.seq, h.at, h.actor_id, h.action, h.from_state, h.to_state, h.reason, h.details,
           coalesce(lag(h.hash) OVER c, h.start_hash), h.hash
      FROM (SELECT p.*,
                   verity_history_chain(p.case_id, p.seq, p.at, p.actor_id, p.action, p.from_state, p.to_state,
                                        p.reason, p.details, p.start_hash) OVER c AS hash
              FROM (SELECT a.*, coalesce(d.seq, 0) + row_number() OVER c AS seq, d.hash AS start_hash
                      FROM (-- cases_after_insert (a new case is claimed when it opens: cases_before_insert)
                            SELECT 1 AS phase, k.ord, n.id AS case_id, n.created_at AS at, n.created_by AS actor_id,
                                   'open'::text AS action, NULL::text AS from_state, 'claimed'::text AS to_state,
                                   why AS reason,
                                   jsonb_strip_nulls(jsonb_build_object(
                                       'ref', n.ref, 'claim', n.claim, 'claimant', n.claimant, 'claimed_at', n.claimed_at,
                                       'location', n.location, 'tags', to_jsonb(n.tags), 'priority', n.priority, 'due', n.due,
                                       'latitude', n.latitude, 'longitude', n.longitude,
                                       'claimant_type', n.claimant_type))
                                   || extra AS details
                              FROM verity_import_pending k JOIN cases n ON n.id = k.item_id
                             WHERE k.phase = 1
                            UNION ALL
                            -- case_sources_after_insert
                            SELECT 2, k.ord, n.case_id, n.linked_at, n.linked_by, 'link-source', NULL, NULL, why,
                                   coalesce(jsonb_strip_nulls(jsonb_build_object('source_id', s.id, 'source_ref', s.ref,
                                                                                 'url', s.url, 'title', s.title,
                                                                                 'role', n.role)),
                                            '{}'::jsonb) || extra
                              FROM verity_import_pending k
                              JOIN case_sources n ON n.case_id = k.case_id AND n.source_id = k.item_id
                              LEFT JOIN sources s ON s.id = n.source_id
                             WHERE k.phase = 2
                            UNION ALL
                            -- case_assignments_after_insert
                            SELECT 3, k.ord, n.case_id, n.assigned_at, n.assigned_by, 'assign', NULL, NULL, why,
                                   jsonb_build_object('reviewer', r.handle, 'lead', n.is_lead) || extra
                              FROM verity_import_pending k
                              JOIN case_assignments n ON n.case_id = k.case_id AND n.reviewer_id = k.item_id
                              LEFT JOIN reviewers r ON r.id = n.reviewer_id
                             WHERE k.phase = 3
                            UNION ALL
                            -- evidence_notes_after_insert
                            SELECT 4, k.ord, n.case_id, n.created_at, n.author_id, 'add-evidence', NULL, NULL, why,
                                   jsonb_strip_nulls(jsonb_build_object(
                                       'note_id', n.id, 'stance', n.stance, 'credibility', n.credibility,
                                       'source_id', n.source_id, 'note_sha256', verity_note_digest(n.note))) || extra
                              FROM verity_import_pending k JOIN evidence_notes n ON n.id = k.item_id
                             WHERE k.phase = 4
                            UNION ALL
                            -- cases_record_update: the walk's steps, round by round as the rounds
                            -- write them (so file order within each case)
                            SELECT 5, w.round * 10000000000 + w.line, w.case_id, w.at, w.actor_id, t.action,
                                   w.from_state, w.to_state, verity_setting_or_null(w.reason),
                                   CASE WHEN w.to_state = 'assessed' THEN jsonb_build_object(
                                            'verdict', w.verdict, 'confidence', w.confidence, 'rationale', w.rationale)
                                        WHEN w.from_state = 'assessed' THEN jsonb_build_object(
                                            'previous_verdict', w.prev_verdict, 'previous_confidence', w.prev_confidence)
                                        ELSE '{}'::jsonb END
                                   || extra
                              FROM verity_import_walk w
                              JOIN case_transitions t ON t.from_state = w.from_state AND t.to_state = w.to_state) a
                      LEFT JOIN verity_import_heads d ON d.case_id = a.case_id
                    WINDOW c AS (PARTITION BY a.case_id ORDER BY a.phase, a.ord)) p
            WINDOW c AS (PARTITION BY p.case_id ORDER BY p.phase, p.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) h
    WINDOW c AS (PARTITION BY h.case_id ORDER BY h.phase, h.ord)
     ORDER BY h.phase, h.ord;
    PERFORM set_config('verity.engine', '', true);
    IF checked_once THEN
        PERFORM set_config('session_replication_role', replication_role, true);
        IF EXISTS (SELECT 1 FROM (SELECT p.case_id FROM verity_import_pending p
                                  UNION SELECT w.case_id FROM verity_import_walk w) k
                    WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = k.case_id)) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = 'verity_import_flush: a history row references a missing case';
        END IF;
    END IF;
    TRUNCATE verity_import_pending, verity_import_walk;
END $$;
