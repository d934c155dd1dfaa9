-- 003: bulk import (`verity import`) and export helpers.
--
-- An import streams its records with COPY into a session-private staging table,
-- then applies them with the functions below, all in the importer's one
-- transaction. Every change still goes through the rules of 002_rules.sql: the
-- triggers write each history row, with who (verity.actor), when (verity.at)
-- and why (verity.reason) set per staged row with set_config(..., true) by a
-- server-side loop, so there is no client round trip per row.
--
-- By hand (psql), inside one transaction:
--   SELECT verity_import_stage();
--   \copy verity_import_rows (line, kind, ...) FROM 'rows.tsv'
--   SELECT * FROM verity_import_check();        -- problems with unknown references
--   SELECT * FROM verity_import_apply();        -- created/updated/unchanged per kind
--   SELECT * FROM verity_import_errors ORDER BY line;   -- refusals found while applying

-- The history writer of 002_rules.sql, unchanged in what it does, as plpgsql
-- instead of SQL: PostgreSQL plans a SQL function's INSERT again on every
-- call, while plpgsql keeps the plan, which makes every history row (one per
-- change, for every writer) several times cheaper to record.
CREATE OR REPLACE FUNCTION verity_record(
    p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    VALUES (p_case_id, verity_now(), verity_actor_id(), p_action, p_from, p_to,
            verity_setting('verity.reason'),
            p_details || coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb));
END $$;

-- ISO 8601 in UTC, microseconds only when there are any: the export's timestamp text.
CREATE FUNCTION verity_iso(value timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN value IS NULL THEN NULL
                WHEN date_trunc('second', value) = value
                THEN to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                ELSE to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END
$$;

-- Creates (or empties) the staging tables of this session's import. They are
-- temporary and dropped at the end of the transaction.
CREATE FUNCTION verity_import_stage() RETURNS void
LANGUAGE plpgsql AS $$
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
        ensure_state       boolean NOT NULL DEFAULT false   -- CSV: reach this state unless already there
    ) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS verity_import_errors (
        line     bigint NOT NULL,
        field    text NOT NULL,
        problem  text NOT NULL,
        is_rule  boolean NOT NULL DEFAULT false   -- refused by a workflow rule (exit 65), not malformed input (64)
    ) ON COMMIT DROP;
    TRUNCATE verity_import_rows, verity_import_errors;
END $$;

-- Finds references that name nothing (in the database or in the import) and
-- keys that appear twice in the import; records them in verity_import_errors.
CREATE FUNCTION verity_import_check() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    found bigint;
BEGIN
    CREATE INDEX IF NOT EXISTS verity_import_rows_kind ON verity_import_rows (kind, ref);
    ANALYZE verity_import_rows;
    INSERT INTO verity_import_errors (line, field, problem)
    SELECT line, field, problem FROM (
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
           AND NOT EXISTS (SELECT 1 FROM reviewers r WHERE r.handle = named.handle)
           AND NOT EXISTS (SELECT 1 FROM verity_import_rows i WHERE i.kind = 'reviewer' AND i.handle = named.handle)
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

-- Applies the staged records in phases: reviewers, cases, sources and their
-- links, assignments, evidence, transitions and assessments (in file order),
-- retractions, and last the reviewers' active flag (so that history by a
-- reviewer deactivated since can still be imported). Returns what changed.
-- Refusals that can be told apart before writing are recorded in
-- verity_import_errors and the row is skipped; any other error is raised with
-- the staged line in its DETAIL ("import line N").
CREATE FUNCTION verity_import_apply(max_errors bigint DEFAULT 50)
RETURNS TABLE (kind text, created bigint, updated bigint, unchanged bigint)
LANGUAGE plpgsql AS $$
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
BEGIN
    SELECT count(*) INTO n_errors FROM verity_import_errors;
    BEGIN
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
        n_created := 0; n_updated := 0; n_unchanged := 0;
        FOR r IN SELECT s.*, c.id AS case_id,
                        (c.claim, c.claimant, c.claimed_at, c.location, c.tags, c.priority, c.due)
                        IS NOT DISTINCT FROM (s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due)
                        AS same
                   FROM verity_import_rows s LEFT JOIN cases c ON c.ref = s.ref
                  WHERE s.kind = 'case' ORDER BY s.line LOOP
            current_line := r.line;
            IF r.case_id IS NOT NULL AND r.same THEN
                n_unchanged := n_unchanged + 1;
                CONTINUE;
            END IF;
            PERFORM set_config('verity.actor', r.by_handle, true),
                    set_config('verity.reason', '', true),
                    set_config('verity.details', '', true);
            IF r.case_id IS NULL THEN
                PERFORM set_config('verity.at', coalesce(r.at::text, ''), true);
                INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due)
                VALUES (r.ref, r.claim, r.claimant, r.claimed_at, r.location, r.tags, r.priority, r.due);
                n_created := n_created + 1;
            ELSE
                PERFORM set_config('verity.at', '', true);
                UPDATE cases SET claim = r.claim, claimant = r.claimant, claimed_at = r.claimed_at,
                       location = r.location, tags = r.tags, priority = r.priority, due = r.due
                 WHERE id = r.case_id;
                n_updated := n_updated + 1;
            END IF;
        END LOOP;
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

        -- ------------------------------------------------------------ links of sources to cases
        n_created := 0; n_unchanged := 0;
        FOR r IN SELECT s.line, s.by_handle, s.at, c.id AS case_id, o.id AS source_id,
                        EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id) AS present
                   FROM verity_import_rows s
                   JOIN cases c ON c.ref = s.case_ref
                   JOIN sources o ON o.ref = s.source_ref
                  WHERE s.kind = 'link' ORDER BY s.line, s.ctid LOOP
            current_line := r.line;
            IF r.present THEN
                n_unchanged := n_unchanged + 1;
                CONTINUE;
            END IF;
            PERFORM set_config('verity.actor', r.by_handle, true),
                    set_config('verity.at', coalesce(r.at::text, ''), true),
                    set_config('verity.reason', '', true);
            INSERT INTO case_sources (case_id, source_id) VALUES (r.case_id, r.source_id)
                ON CONFLICT (case_id, source_id) DO NOTHING;
            n_created := n_created + 1;
        END LOOP;
        counts := counts || jsonb_build_object('link', jsonb_build_array(n_created, 0, n_unchanged));

        -- ------------------------------------------------------------ assignments
        n_created := 0; n_updated := 0; n_unchanged := 0;
        FOR r IN SELECT s.line, s.by_handle, s.at, s.lead, c.id AS case_id, v.id AS reviewer_id
                   FROM verity_import_rows s
                   JOIN cases c ON c.ref = s.case_ref
                   JOIN reviewers v ON v.handle = s.handle
                  WHERE s.kind = 'assignment' ORDER BY s.line LOOP
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
        n_created := 0; n_unchanged := 0;
        FOR r IN SELECT s.*, c.id AS case_id, o.id AS source_id
                   FROM verity_import_rows s
                   JOIN cases c ON c.ref = s.case_ref
                   LEFT JOIN sources o ON o.ref = s.source_ref
                  WHERE s.kind = 'evidence' ORDER BY s.line LOOP
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
    EXCEPTION WHEN OTHERS THEN
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
