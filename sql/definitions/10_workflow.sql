-- Workflow: settings, the case life cycle (state changes checked against case_transitions), assignments, and the trigger that refuses changes to append-only tables.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

CREATE OR REPLACE FUNCTION public.case_assignments_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    -- (the handle by a subquery, not a join, so that the rows keep the order they were
    -- inserted in, which a hash join need not keep: the chain then follows the statement)
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.assigned_at, n.assigned_by, 'assign', NULL, NULL, why,
           under || pg_catalog.jsonb_build_object(
               'reviewer', (SELECT r.handle FROM public.reviewers r WHERE r.id = n.reviewer_id), 'lead', n.is_lead) || over
      FROM verity_new_assignments n;
    RETURN NULL;
END $$;

-- Records in the history a lead change or the removal of an assignment.
CREATE OR REPLACE FUNCTION public.case_assignments_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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

-- Checks an assignment (a deactivated reviewer cannot be assigned; an assignment keeps
-- its case and reviewer, so that its history says who it is) and fills who assigned and when.
CREATE OR REPLACE FUNCTION public.case_assignments_before_write() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.case_id, NEW.reviewer_id) IS DISTINCT FROM (OLD.case_id, OLD.reviewer_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('the assignment of reviewer %s to case %s keeps its case and reviewer',
                             (SELECT handle FROM reviewers WHERE id = OLD.reviewer_id), OLD.case_id),
            HINT = 'unassign and assign again; both stay in the record';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM reviewers WHERE id = NEW.reviewer_id AND active) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003',
            MESSAGE = format('reviewer %s is deactivated and cannot be assigned',
                             (SELECT handle FROM reviewers WHERE id = NEW.reviewer_id));
    END IF;
    NEW.assigned_by := verity_actor_id();
    IF TG_OP = 'INSERT' THEN
        NEW.assigned_at := verity_now();
    END IF;
    RETURN NEW;
END $$;

-- Records the opening of every case a statement inserted. As in every statement-level
-- history writer, `over` is a trusted session's extra
-- (merged over the built details), `under` a login's (merged under them);
-- one of the two is always empty.
CREATE OR REPLACE FUNCTION public.cases_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.id, n.created_at, n.created_by, 'open', NULL, n.state, why,
           under || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
               'ref', n.ref, 'claim', n.claim, 'claimant', n.claimant, 'claimed_at', n.claimed_at,
               'location', n.location, 'tags', pg_catalog.to_jsonb(n.tags), 'priority', n.priority, 'due', n.due,
               'latitude', n.latitude, 'longitude', n.longitude, 'claimant_type', n.claimant_type)) || over
      FROM verity_new_cases n;
    RETURN NULL;
END $$;

-- Checks a new case (it starts claimed) and fills its author, times and version.
CREATE OR REPLACE FUNCTION public.cases_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.state <> 'claimed' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR001',
            MESSAGE = format('a new case starts as claimed, not %s', NEW.state),
            HINT = 'open the case, then move it through the workflow so that its history shows each step';
    END IF;
    NEW.created_by := verity_actor_id();
    NEW.created_at := verity_now();
    NEW.updated_at := NEW.created_at;
    NEW.state_changed_at := NEW.created_at;
    NEW.version := 1;
    RETURN NEW;
END $$;

-- The case life cycle: every state change is checked against case_transitions (reason,
-- verdict, evidence, assessor, four-eyes sign-off); the verdict changes only with the state.
CREATE OR REPLACE FUNCTION public.cases_before_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    step case_transitions%ROWTYPE;
    allowed text;
    actor bigint;
    proposal verdict_proposals%ROWTYPE;
    -- How the CLI names a case: its id, and its reference in brackets.
    label text := OLD.id || coalesce(' (' || OLD.ref || ')', '');
BEGIN
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at OR NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004', MESSAGE = 'a case''s id and opening are fixed';
    END IF;
    actor := verity_actor_id();
    NEW.version := OLD.version + 1;
    NEW.updated_at := verity_now();

    IF NEW.state IS NOT DISTINCT FROM OLD.state THEN
        IF (NEW.verdict, NEW.confidence, NEW.rationale, NEW.assessed_by, NEW.assessed_at)
           IS DISTINCT FROM (OLD.verdict, OLD.confidence, OLD.rationale, OLD.assessed_by, OLD.assessed_at) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('the verdict of case %s changes only by assessing or reopening it', OLD.id);
        END IF;
        NEW.state_changed_at := OLD.state_changed_at;
        RETURN NEW;
    END IF;

    SELECT * INTO step FROM case_transitions WHERE from_state = OLD.state AND to_state = NEW.state;
    IF NOT FOUND THEN
        SELECT string_agg(t.to_state, ', ' ORDER BY s.position) INTO allowed
          FROM case_transitions t JOIN case_states s ON s.state = t.to_state
         WHERE t.from_state = OLD.state;
        RAISE EXCEPTION USING ERRCODE = 'VR001',
            MESSAGE = format('case %s is %s and cannot move to %s; allowed from %s: %s',
                             label, OLD.state, NEW.state, OLD.state, coalesce(allowed, 'none')),
            DETAIL = 'the allowed transitions are listed in the table case_transitions';
    END IF;
    -- VR005: input the command must be given (exit 64 in the CLI), not a refusal.
    IF step.requires_reason AND verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR005',
            MESSAGE = format('%s case %s needs a reason',
                             CASE step.action WHEN 'dispute' THEN 'disputing' WHEN 'reopen' THEN 'reopening' ELSE 'moving' END,
                             label),
            HINT = 'say why with --reason "..."';
    END IF;
    NEW.state_changed_at := verity_now();

    IF NEW.state = 'assessed' THEN
        IF NEW.verdict IS NULL OR NEW.confidence IS NULL OR verity_setting_or_null(NEW.rationale) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('assessing case %s needs a verdict, a confidence (1-6) and a rationale', OLD.id);
        END IF;
        IF public.verity_missing_evidence(OLD.id, OLD.id::text) IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = public.verity_missing_evidence(OLD.id, OLD.id::text),
                HINT = format('add one with `verity evidence add %s --stance ... --credibility N --note ...`', OLD.id);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM case_assignments WHERE case_id = OLD.id AND reviewer_id = actor)
           AND NOT EXISTS (SELECT 1 FROM reviewers WHERE id = actor AND role IN ('editor', 'admin')) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('reviewer "%s" is not assigned to case %s and is not an editor, so cannot assess it',
                                 verity_setting('verity.actor'), OLD.id),
                HINT = format('assign them first: `verity case assign %s --to %s`', OLD.id, verity_setting('verity.actor'));
        END IF;
        -- Four-eyes: only verity_sign_off assesses, with the proposal a second reviewer just signed off.
        IF verity_four_eyes() THEN
            SELECT * INTO proposal FROM verdict_proposals
             WHERE id = (CASE WHEN verity_setting('verity.sign_off') ~ '^[0-9]{1,18}$'
                              THEN verity_setting('verity.sign_off')::bigint END)
               AND case_id = OLD.id;
            IF NOT FOUND OR proposal.state <> 'signed-off' OR proposal.decided_by IS DISTINCT FROM actor
               OR proposal.decided_at < OLD.state_changed_at
               OR (proposal.verdict, proposal.confidence, proposal.rationale)
                  IS DISTINCT FROM (NEW.verdict, NEW.confidence, NEW.rationale) THEN
                RAISE EXCEPTION USING ERRCODE = 'VR002',
                    MESSAGE = format('four-eyes is on: case %s is assessed only when a second reviewer signs off a proposed verdict', OLD.id),
                    HINT = format('propose with `verity case assess %s ...`; another reviewer then runs `verity case sign-off %s`', OLD.id, OLD.id);
            END IF;
            PERFORM verity_require_second_pair(proposal, actor);
        END IF;
        NEW.assessed_by := actor;
        NEW.assessed_at := NEW.state_changed_at;
    ELSE
        NEW.verdict := NULL;
        NEW.confidence := NULL;
        NEW.rationale := NULL;
        NEW.assessed_by := NULL;
        NEW.assessed_at := NULL;
    END IF;
    RETURN NEW;
END $_$;

-- A case's update is recorded by the LAST BEFORE UPDATE trigger (named to sort
-- after every cases_before_* trigger), once the rules of cases_before_update
-- have passed and set the new row, instead of by an AFTER ROW trigger that
-- runs at the end of the statement. The row is already locked then (the
-- UPDATE locks it before its BEFORE ROW triggers run), so the chain order is
-- the same; an error later in the statement rolls the history row back with
-- it. Who, when and why are read while this very row is being written, so a
-- many-row UPDATE whose rows set verity.actor / verity.at / verity.reason one
-- by one (the importer's transitions) records each row's own.
-- The eight descriptive fields are compared directly (not as whole rows turned
-- into jsonb, search tsvector included); the values recorded are jsonb values.
CREATE OR REPLACE FUNCTION public.cases_record_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
    -- What was claimed, by whom and when is what the verdict is about: changing it needs a
    -- reason in the history, as a dispute does.
    IF (NEW.claim, NEW.claimant, NEW.claimed_at) IS DISTINCT FROM (OLD.claim, OLD.claimant, OLD.claimed_at)
       AND verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR005',
            MESSAGE = format('changing the %s of case %s needs a reason',
                             concat_ws(', ', CASE WHEN NEW.claim IS DISTINCT FROM OLD.claim THEN 'claim' END,
                                       CASE WHEN NEW.claimant IS DISTINCT FROM OLD.claimant THEN 'claimant' END,
                                       CASE WHEN NEW.claimed_at IS DISTINCT FROM OLD.claimed_at THEN 'claim time' END),
                             coalesce(NEW.ref, NEW.id::text)),
            HINT = 'say why with --reason (e.g. "the quote was mistranscribed"); it is recorded in the history';
    END IF;
    IF (NEW.ref, NEW.claim, NEW.claimant, NEW.claimed_at, NEW.location, NEW.tags, NEW.priority, NEW.due,
        NEW.latitude, NEW.longitude, NEW.claimant_type)
       IS DISTINCT FROM (OLD.ref, OLD.claim, OLD.claimant, OLD.claimed_at, OLD.location, OLD.tags, OLD.priority, OLD.due,
                         OLD.latitude, OLD.longitude, OLD.claimant_type) THEN
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
        IF NEW.claimant_type IS DISTINCT FROM OLD.claimant_type THEN
            changes := changes || jsonb_build_object('claimant_type', jsonb_build_object('from', to_jsonb(OLD.claimant_type), 'to', to_jsonb(NEW.claimant_type)));
        END IF;
        IF NEW.latitude IS DISTINCT FROM OLD.latitude THEN
            changes := changes || jsonb_build_object('latitude', jsonb_build_object('from', to_jsonb(OLD.latitude), 'to', to_jsonb(NEW.latitude)));
        END IF;
        IF NEW.longitude IS DISTINCT FROM OLD.longitude THEN
            changes := changes || jsonb_build_object('longitude', jsonb_build_object('from', to_jsonb(OLD.longitude), 'to', to_jsonb(NEW.longitude)));
        END IF;
        PERFORM verity_record(NEW.id, 'update', NULL, NULL, changes);
    END IF;
    RETURN NEW;
END $$;

-- Only editors and admins change desk settings; every change is recorded.
CREATE OR REPLACE FUNCTION public.desk_settings_before_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    actor bigint := verity_actor_id();
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'INSERT' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('desk settings are fixed rows: %s is not allowed', lower(TG_OP)),
            HINT = 'change a setting with `verity config set NAME VALUE`';
    END IF;
    IF NEW.key <> OLD.key THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004', MESSAGE = 'a desk setting''s name is fixed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM reviewers WHERE id = actor AND role IN ('editor', 'admin')) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('reviewer "%s" is not an editor or admin, so cannot change the desk setting %s',
                             verity_setting('verity.actor'), OLD.key),
            HINT = 'ask an editor to run it with --as EDITOR';
    END IF;
    NEW.updated_by := actor;
    NEW.updated_at := verity_now();
    IF NEW.value IS DISTINCT FROM OLD.value THEN
        INSERT INTO desk_settings_history (key, old_value, new_value, changed_by, changed_at, reason)
        VALUES (NEW.key, OLD.value, NEW.value, actor, NEW.updated_at, verity_setting('verity.reason'));
    END IF;
    RETURN NEW;
END $$;

-- ISO 8601 in UTC, microseconds only when there are any: the export's timestamp text.
CREATE OR REPLACE FUNCTION public.verity_iso(value timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT CASE WHEN value IS NULL THEN NULL
                WHEN date_trunc('second', value) = value
                THEN to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                ELSE to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END
$$;

-- The time a change is recorded at: now, or, for a trusted session (an
-- import of past work), an earlier instant given in verity.at. A login's
-- verity.at is refused: its changes happen now. The trust test runs only when
-- verity.at is set, so ordinary changes pay nothing for it.
CREATE OR REPLACE FUNCTION public.verity_now() RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    given timestamptz := public.verity_setting('verity.at')::timestamptz;
BEGIN
    IF given IS NULL THEN
        RETURN pg_catalog.now();
    END IF;
    IF NOT public.verity_history_trusted() THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = 'only the desk owner may record a change at another time (verity.at); a login''s changes are recorded when they are made',
            HINT = 'reset it with SELECT set_config(''verity.at'', '''', true), or import past work as the desk owner';
    END IF;
    IF given > pg_catalog.now() + interval '1 minute' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = pg_catalog.format('verity.at (%s) is in the future; history can only record the past', given);
    END IF;
    RETURN given;
END $$;

-- Refuses UPDATE, DELETE and TRUNCATE on an append-only table.
CREATE OR REPLACE FUNCTION public.verity_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'VR004',
        MESSAGE = format('%s is append-only: %s is not allowed', TG_TABLE_NAME, lower(TG_OP)),
        HINT = CASE TG_TABLE_NAME
            WHEN 'evidence_notes' THEN 'retract the note with a reason instead; it stays in the record'
            ELSE 'record a new change instead; the history keeps every step' END;
END $$;

-- A transaction-local setting (verity.actor, verity.reason, ...), NULL when unset or blank.
-- This and the next are plpgsql: an SQL function with a SET clause is never inlined and
-- pays the SQL-function executor on each of the several calls per row written (5 us).
CREATE OR REPLACE FUNCTION public.verity_setting(name text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$ BEGIN RETURN nullif(btrim(current_setting(name, true)), ''); END $$;

-- A text trimmed, NULL when blank.
CREATE OR REPLACE FUNCTION public.verity_setting_or_null(value text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$ BEGIN RETURN nullif(btrim(value), ''); END $$;

-- ------------------------------ triggers
-- A trigger WHEN (verity.engine ... pg_database_owner ...) is skipped while the import
-- engine writes set-based what it would do, in a session of the desk owner or a superuser
-- only (who may disable triggers anyway): see the top of 70_import.sql.
CREATE OR REPLACE TRIGGER case_assignments_after_insert AFTER INSERT ON public.case_assignments REFERENCING NEW TABLE AS verity_new_assignments FOR EACH STATEMENT WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.case_assignments_after_insert();
CREATE OR REPLACE TRIGGER case_assignments_after_write AFTER DELETE OR UPDATE ON public.case_assignments FOR EACH ROW EXECUTE FUNCTION public.case_assignments_after_write();
CREATE OR REPLACE TRIGGER case_assignments_before_write BEFORE INSERT OR UPDATE ON public.case_assignments FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.case_assignments_before_write();
CREATE OR REPLACE TRIGGER cases_after_insert AFTER INSERT ON public.cases REFERENCING NEW TABLE AS verity_new_cases FOR EACH STATEMENT WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.cases_after_insert();
CREATE OR REPLACE TRIGGER cases_before_insert BEFORE INSERT ON public.cases FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.cases_before_insert();
CREATE OR REPLACE TRIGGER cases_before_update BEFORE UPDATE ON public.cases FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.cases_before_update();
CREATE OR REPLACE TRIGGER cases_no_delete BEFORE DELETE ON public.cases FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER cases_zz_record_history BEFORE UPDATE ON public.cases FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.cases_record_update();
CREATE OR REPLACE TRIGGER desk_settings_before_write BEFORE INSERT OR DELETE OR UPDATE ON public.desk_settings FOR EACH ROW EXECUTE FUNCTION public.desk_settings_before_write();
CREATE OR REPLACE TRIGGER desk_settings_history_append_only BEFORE DELETE OR UPDATE ON public.desk_settings_history FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER desk_settings_history_no_truncate BEFORE TRUNCATE ON public.desk_settings_history FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
