-- 009: cheaper history writing, so that a bulk import runs set-based (issue 7).
--
-- Nothing about WHAT is recorded changes: every writer still gets exactly the
-- history rows it got before (same action, actor, time, reason and details),
-- and the hash chain of 005 is still computed by its BEFORE INSERT trigger for
-- every row. What changes is HOW the rows are written:
--
-- * The AFTER INSERT triggers of cases, case_sources, evidence_notes and
--   case_assignments are statement-level, with a transition table: one
--   INSERT ... SELECT writes the history of every row the statement inserted.
--   The actor and time come from the inserted row itself (created_by and
--   created_at, linked_by and linked_at, author_id and created_at, assigned_by
--   and assigned_at), which the BEFORE ROW triggers of 002 set from
--   verity.actor / verity.at for that row: for a one-row statement this is
--   the same value verity_record() read, and a many-row statement whose rows
--   were written under different settings (the importer) records each row's
--   own actor and time.
-- * A case's update (state change or edit) is recorded by a BEFORE UPDATE row
--   trigger that runs last, cases_zz_record_history, instead of the AFTER row
--   trigger cases_after_update (see there); it compares the eight descriptive
--   fields directly instead of turning both whole rows into jsonb.
-- * Assignment updates and deletions and evidence retractions keep row-level
--   AFTER triggers: they read who and why from the settings, as before.
-- * verity_import_apply inserts new cases, source links, assignments and
--   evidence notes with one statement per phase, and applies transitions in
--   rounds (each case's first, then second, ... transition) with one UPDATE
--   per round; each row sets verity.actor, verity.at and verity.reason for its
--   own triggers through verity_import_acting().
--
-- Functions that write case_history run as their owner (SECURITY DEFINER with
-- a fixed search_path), like the ones 006 converted.

-- ---------------------------------------------------------------- the single-row writer

CREATE OR REPLACE FUNCTION verity_record(
    p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    VALUES (p_case_id, verity_now(), verity_actor_id(), p_action, p_from, p_to,
            verity_setting('verity.reason'),
            p_details || coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb));
END $$;

-- ---------------------------------------------------------------- cases

CREATE OR REPLACE FUNCTION cases_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb);
    why text := verity_setting('verity.reason');
BEGIN
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.id, n.created_at, n.created_by, 'open', NULL, n.state, why,
           jsonb_strip_nulls(jsonb_build_object(
               'ref', n.ref, 'claim', n.claim, 'claimant', n.claimant, 'claimed_at', n.claimed_at,
               'location', n.location, 'tags', to_jsonb(n.tags), 'priority', n.priority, 'due', n.due)) || extra
      FROM verity_new_cases n;
    RETURN NULL;
END $$;

DROP TRIGGER cases_after_insert ON cases;
CREATE TRIGGER cases_after_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS verity_new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION cases_after_insert();

-- A case's update is recorded by the LAST BEFORE UPDATE trigger (named to sort
-- after every cases_before_* trigger), once the rules of cases_before_update
-- have passed and set the new row, instead of by an AFTER ROW trigger that
-- runs at the end of the statement. The row is already locked then (the
-- UPDATE locks it before its BEFORE ROW triggers run), so the chain order is
-- the same; an error later in the statement rolls the history row back with
-- it. Who, when and why are read while this very row is being written, so a
-- many-row UPDATE whose rows set verity.actor / verity.at / verity.reason one
-- by one (the importer's transitions) records each row's own.
-- The eight descriptive fields are compared directly (002 turned both whole
-- rows, search tsvector included, into jsonb for this); the values recorded
-- are the same jsonb values.
CREATE FUNCTION cases_record_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    step_action text;
    changes jsonb := '{}';
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        SELECT action INTO step_action FROM case_transitions WHERE from_state = OLD.state AND to_state = NEW.state;
        PERFORM verity_record(NEW.id, step_action, OLD.state, NEW.state, CASE
            WHEN NEW.state = 'assessed' THEN jsonb_build_object(
                'verdict', NEW.verdict, 'confidence', NEW.confidence, 'rationale', NEW.rationale)
            WHEN OLD.state = 'assessed' THEN jsonb_build_object(
                'previous_verdict', OLD.verdict, 'previous_confidence', OLD.confidence)
            ELSE '{}'::jsonb END);
    END IF;
    IF (NEW.ref, NEW.claim, NEW.claimant, NEW.claimed_at, NEW.location, NEW.tags, NEW.priority, NEW.due)
       IS DISTINCT FROM (OLD.ref, OLD.claim, OLD.claimant, OLD.claimed_at, OLD.location, OLD.tags, OLD.priority, OLD.due) THEN
        IF NEW.ref IS DISTINCT FROM OLD.ref THEN
            changes := changes || jsonb_build_object('ref', jsonb_build_object('from', to_jsonb(OLD.ref), 'to', to_jsonb(NEW.ref)));
        END IF;
        IF NEW.claim IS DISTINCT FROM OLD.claim THEN
            changes := changes || jsonb_build_object('claim', jsonb_build_object('from', to_jsonb(OLD.claim), 'to', to_jsonb(NEW.claim)));
        END IF;
        IF NEW.claimant IS DISTINCT FROM OLD.claimant THEN
            changes := changes || jsonb_build_object('claimant', jsonb_build_object('from', to_jsonb(OLD.claimant), 'to', to_jsonb(NEW.claimant)));
        END IF;
        IF NEW.claimed_at IS DISTINCT FROM OLD.claimed_at THEN
            changes := changes || jsonb_build_object('claimed_at', jsonb_build_object('from', to_jsonb(OLD.claimed_at), 'to', to_jsonb(NEW.claimed_at)));
        END IF;
        IF NEW.location IS DISTINCT FROM OLD.location THEN
            changes := changes || jsonb_build_object('location', jsonb_build_object('from', to_jsonb(OLD.location), 'to', to_jsonb(NEW.location)));
        END IF;
        IF NEW.tags IS DISTINCT FROM OLD.tags THEN
            changes := changes || jsonb_build_object('tags', jsonb_build_object('from', to_jsonb(OLD.tags), 'to', to_jsonb(NEW.tags)));
        END IF;
        IF NEW.priority IS DISTINCT FROM OLD.priority THEN
            changes := changes || jsonb_build_object('priority', jsonb_build_object('from', to_jsonb(OLD.priority), 'to', to_jsonb(NEW.priority)));
        END IF;
        IF NEW.due IS DISTINCT FROM OLD.due THEN
            changes := changes || jsonb_build_object('due', jsonb_build_object('from', to_jsonb(OLD.due), 'to', to_jsonb(NEW.due)));
        END IF;
        PERFORM verity_record(NEW.id, 'update', NULL, NULL, changes);
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER cases_after_update ON cases;
DROP FUNCTION cases_after_update();
CREATE TRIGGER cases_zz_record_history BEFORE UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_record_update();

-- ---------------------------------------------------------------- assignments

-- Inserts: one statement-level trigger; updates (lead changes) and deletions: per row, as before.
CREATE OR REPLACE FUNCTION case_assignments_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb);
    why text := verity_setting('verity.reason');
BEGIN
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.assigned_at, n.assigned_by, 'assign', NULL, NULL, why,
           jsonb_build_object('reviewer', r.handle, 'lead', n.is_lead) || extra
      FROM verity_new_assignments n LEFT JOIN reviewers r ON r.id = n.reviewer_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION case_assignments_after_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    target record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT handle INTO target FROM reviewers WHERE id = OLD.reviewer_id;
        PERFORM verity_record(OLD.case_id, 'unassign', NULL, NULL, jsonb_build_object('reviewer', target.handle));
        RETURN NULL;
    END IF;
    SELECT handle INTO target FROM reviewers WHERE id = NEW.reviewer_id;
    PERFORM verity_record(NEW.case_id, 'assign', NULL, NULL,
                          jsonb_build_object('reviewer', target.handle, 'lead', NEW.is_lead));
    RETURN NULL;
END $$;

DROP TRIGGER case_assignments_after_write ON case_assignments;
CREATE TRIGGER case_assignments_after_insert AFTER INSERT ON case_assignments
    REFERENCING NEW TABLE AS verity_new_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION case_assignments_after_insert();
CREATE TRIGGER case_assignments_after_write AFTER UPDATE OR DELETE ON case_assignments
    FOR EACH ROW EXECUTE FUNCTION case_assignments_after_write();

-- ---------------------------------------------------------------- source links

CREATE OR REPLACE FUNCTION case_sources_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb);
    why text := verity_setting('verity.reason');
BEGIN
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.linked_at, n.linked_by, 'link-source', NULL, NULL, why,
           coalesce(jsonb_strip_nulls(jsonb_build_object('source_id', s.id, 'source_ref', s.ref, 'url', s.url, 'title', s.title)),
                    '{}'::jsonb) || extra
      FROM verity_new_links n LEFT JOIN sources s ON s.id = n.source_id;
    RETURN NULL;
END $$;

DROP TRIGGER case_sources_after_insert ON case_sources;
CREATE TRIGGER case_sources_after_insert AFTER INSERT ON case_sources
    REFERENCING NEW TABLE AS verity_new_links
    FOR EACH STATEMENT EXECUTE FUNCTION case_sources_after_insert();

-- ---------------------------------------------------------------- evidence notes

CREATE OR REPLACE FUNCTION evidence_notes_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb);
    why text := verity_setting('verity.reason');
BEGIN
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.created_at, n.author_id, 'add-evidence', NULL, NULL, why,
           jsonb_strip_nulls(jsonb_build_object(
               'note_id', n.id, 'stance', n.stance, 'credibility', n.credibility, 'source_id', n.source_id)) || extra
      FROM verity_new_notes n;
    RETURN NULL;
END $$;

-- Retractions, per row as before (the retraction's reason becomes the history row's reason).
CREATE OR REPLACE FUNCTION evidence_notes_after_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM verity_record(NEW.case_id, 'add-evidence', NULL, NULL, jsonb_strip_nulls(jsonb_build_object(
            'note_id', NEW.id, 'stance', NEW.stance, 'credibility', NEW.credibility, 'source_id', NEW.source_id)));
    ELSE
        PERFORM set_config('verity.reason', NEW.retraction_reason, true);
        PERFORM verity_record(NEW.case_id, 'retract-evidence', NULL, NULL, jsonb_build_object('note_id', NEW.id));
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER evidence_notes_after_write ON evidence_notes;
CREATE TRIGGER evidence_notes_after_insert AFTER INSERT ON evidence_notes
    REFERENCING NEW TABLE AS verity_new_notes
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_notes_after_insert();
CREATE TRIGGER evidence_notes_after_write AFTER UPDATE ON evidence_notes
    FOR EACH ROW EXECUTE FUNCTION evidence_notes_after_write();

-- ---------------------------------------------------------------- import

-- Used in the select list of the importer's INSERT ... SELECT and UPDATE ...
-- FROM statements: sets the acting reviewer, time and reason for
-- the row being produced, then returns `value`. The executor hands each row to
-- the INSERT or UPDATE (and its BEFORE ROW triggers, which read verity.actor,
-- verity.at and verity.reason) as soon as it is produced, so each row is written under its own
-- settings; volatile select-list expressions are evaluated after ORDER BY's sort.
-- The row's staged line goes into a temporary sequence, whose value (unlike a
-- setting) survives the error, so that a refusal still names its line.
CREATE FUNCTION verity_import_acting(
    p_line bigint, p_actor text, p_at timestamptz, p_reason text, value anyelement
) RETURNS anyelement
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM setval('pg_temp.verity_import_line', p_line),
            set_config('verity.actor', coalesce(p_actor, ''), true),
            set_config('verity.at', coalesce(p_at::text, ''), true),
            set_config('verity.reason', coalesce(p_reason, ''), true);
    RETURN value;
END $$;

-- The importer of 003 with new cases, links, assignments and evidence notes
-- written set-based (see above); what it checks, counts and refuses is unchanged.
-- It runs with the same search_path as the SECURITY DEFINER history writers:
-- PostgreSQL re-plans a cached statement whenever it runs under another
-- search_path than the one it was planned under, so functions that both the
-- importer's BEFORE triggers and the history writers call (verity_actor_id,
-- verity_now) were re-planned on every call, alternating between the two paths.
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
BEGIN
    CREATE TEMP SEQUENCE IF NOT EXISTS verity_import_line;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
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
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), o.id, verity_actor_id(), s.stance, s.credibility, s.note
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
        IF n_errors = 0 THEN
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

-- The check of 003 with an index on the staged reviewers' handles: the
-- planner expects to find few unknown handles and looks each named reviewer up
-- among the staged rows; without this index every lookup read all the staged
-- reviewer rows (3.1 s of a 20,000-case import's 3.9 s check, 45 s at 100,000).
CREATE OR REPLACE FUNCTION verity_import_check() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    found bigint;
BEGIN
    CREATE INDEX IF NOT EXISTS verity_import_rows_kind ON verity_import_rows (kind, ref);
    CREATE INDEX IF NOT EXISTS verity_import_rows_handle ON verity_import_rows (kind, handle);
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
