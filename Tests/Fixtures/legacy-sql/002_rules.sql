-- 002: the rules the database enforces for every writer, Verity or hand-written SQL.
--
-- Who acts, why, and (for imports of past work) when, travel as transaction-local
-- settings that the triggers read:
--   SELECT set_config('verity.actor',  'analyst', true);   -- required for any case change
--   SELECT set_config('verity.reason', 'contested by ...', true);
--   SELECT set_config('verity.at', '2022-09-16T12:00:00Z', true);  -- optional, never in the future
--   SELECT set_config('verity.details', '{"source_id": 3}', true);  -- optional, merged into history details
--
-- Rule violations raise SQLSTATEs of class VR:
--   VR001 transition not allowed   VR002 a requirement of the step is missing
--   VR003 no or unknown acting reviewer   VR004 the record is append-only

CREATE FUNCTION verity_setting(name text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(btrim(current_setting(name, true)), '') $$;

-- The time a change is recorded at: now, or an earlier instant given by an import.
CREATE FUNCTION verity_now() RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    given timestamptz := verity_setting('verity.at')::timestamptz;
BEGIN
    IF given IS NULL THEN
        RETURN now();
    END IF;
    IF given > now() + interval '1 minute' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('verity.at (%s) is in the future; history can only record the past', given);
    END IF;
    RETURN given;
END $$;

-- The acting reviewer's id; refuses unknown and inactive handles.
CREATE FUNCTION verity_actor_id() RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    handle_given text := verity_setting('verity.actor');
    reviewer_row record;
BEGIN
    IF handle_given IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003',
            MESSAGE = 'no acting reviewer: every change to a case records who made it',
            HINT = 'pass --as HANDLE or set VERITY_REVIEWER (in SQL: SELECT set_config(''verity.actor'', ''HANDLE'', true))';
    END IF;
    SELECT id, active INTO reviewer_row FROM reviewers WHERE handle = handle_given;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003',
            MESSAGE = format('unknown reviewer "%s"', handle_given),
            HINT = 'list reviewers with `verity reviewer list`; add one with `verity reviewer add`';
    END IF;
    IF NOT reviewer_row.active THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003',
            MESSAGE = format('reviewer "%s" is deactivated and cannot act', handle_given);
    END IF;
    RETURN reviewer_row.id;
END $$;

CREATE FUNCTION verity_record(
    p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb
) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    VALUES (p_case_id, verity_now(), verity_actor_id(), p_action, p_from, p_to,
            verity_setting('verity.reason'),
            p_details || coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb));
$$;

-- ---------------------------------------------------------------- cases

CREATE FUNCTION cases_before_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION cases_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM verity_record(NEW.id, 'open', NULL, NEW.state, jsonb_strip_nulls(jsonb_build_object(
        'ref', NEW.ref, 'claim', NEW.claim, 'claimant', NEW.claimant, 'claimed_at', NEW.claimed_at,
        'location', NEW.location, 'tags', to_jsonb(NEW.tags), 'priority', NEW.priority, 'due', NEW.due)));
    RETURN NULL;
END $$;

CREATE FUNCTION cases_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    step case_transitions%ROWTYPE;
    allowed text;
    actor bigint;
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
                             OLD.id, OLD.state, NEW.state, OLD.state, coalesce(allowed, 'none')),
            DETAIL = 'the allowed transitions are listed in the table case_transitions';
    END IF;
    IF step.requires_reason AND verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('moving case %s from %s to %s (%s) needs a reason', OLD.id, OLD.state, NEW.state, step.action),
            HINT = 'give one with --reason';
    END IF;
    NEW.state_changed_at := verity_now();

    IF NEW.state = 'assessed' THEN
        IF NEW.verdict IS NULL OR NEW.confidence IS NULL OR verity_setting_or_null(NEW.rationale) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('assessing case %s needs a verdict, a confidence (1-6) and a rationale', OLD.id);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM evidence_notes WHERE case_id = OLD.id AND retracted_at IS NULL) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('case %s has no evidence notes; an assessment must rest on at least one', OLD.id),
                HINT = format('add one with `verity evidence add %s --stance ... --credibility N --note ...`', OLD.id);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM case_assignments WHERE case_id = OLD.id AND reviewer_id = actor)
           AND NOT EXISTS (SELECT 1 FROM reviewers WHERE id = actor AND role IN ('editor', 'admin')) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('reviewer "%s" is not assigned to case %s and is not an editor, so cannot assess it',
                                 verity_setting('verity.actor'), OLD.id),
                HINT = format('assign them first: `verity case assign %s --to %s`', OLD.id, verity_setting('verity.actor'));
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
END $$;

CREATE FUNCTION verity_setting_or_null(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT nullif(btrim(value), '') $$;

CREATE FUNCTION cases_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    step_action text;
    changes jsonb := '{}';
    field text;
    old_row jsonb := to_jsonb(OLD);
    new_row jsonb := to_jsonb(NEW);
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
    FOREACH field IN ARRAY ARRAY['ref', 'claim', 'claimant', 'claimed_at', 'location', 'tags', 'priority', 'due'] LOOP
        IF old_row -> field IS DISTINCT FROM new_row -> field THEN
            changes := changes || jsonb_build_object(field, jsonb_build_object('from', old_row -> field, 'to', new_row -> field));
        END IF;
    END LOOP;
    IF changes <> '{}' THEN
        PERFORM verity_record(NEW.id, 'update', NULL, NULL, changes);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION verity_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'VR004',
        MESSAGE = format('%s is append-only: %s is not allowed', TG_TABLE_NAME, lower(TG_OP)),
        HINT = CASE TG_TABLE_NAME
            WHEN 'evidence_notes' THEN 'retract the note with a reason instead; it stays in the record'
            ELSE 'record a new change instead; the history keeps every step' END;
END $$;

CREATE TRIGGER cases_before_insert BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_before_insert();
CREATE TRIGGER cases_after_insert AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_after_insert();
CREATE TRIGGER cases_before_update BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION cases_before_update();
CREATE TRIGGER cases_after_update AFTER UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION cases_after_update();
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();

-- ---------------------------------------------------------------- history

CREATE TRIGGER case_history_append_only BEFORE UPDATE OR DELETE ON case_history
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();
CREATE TRIGGER case_history_no_truncate BEFORE TRUNCATE ON case_history
    FOR EACH STATEMENT EXECUTE FUNCTION verity_refuse_change();

-- ---------------------------------------------------------------- assignments

CREATE FUNCTION case_assignments_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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

CREATE FUNCTION case_assignments_after_write() RETURNS trigger
LANGUAGE plpgsql AS $$
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

CREATE TRIGGER case_assignments_before_write BEFORE INSERT OR UPDATE ON case_assignments
    FOR EACH ROW EXECUTE FUNCTION case_assignments_before_write();
CREATE TRIGGER case_assignments_after_write AFTER INSERT OR UPDATE OR DELETE ON case_assignments
    FOR EACH ROW EXECUTE FUNCTION case_assignments_after_write();

-- ---------------------------------------------------------------- source links

CREATE FUNCTION case_sources_before_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.linked_by := verity_actor_id();
    NEW.linked_at := verity_now();
    RETURN NEW;
END $$;

CREATE FUNCTION case_sources_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM verity_record(NEW.case_id, 'link-source', NULL, NULL,
        (SELECT jsonb_strip_nulls(jsonb_build_object('source_id', s.id, 'source_ref', s.ref, 'url', s.url, 'title', s.title))
           FROM sources s WHERE s.id = NEW.source_id));
    RETURN NULL;
END $$;

CREATE TRIGGER case_sources_before_insert BEFORE INSERT ON case_sources
    FOR EACH ROW EXECUTE FUNCTION case_sources_before_insert();
CREATE TRIGGER case_sources_after_insert AFTER INSERT ON case_sources
    FOR EACH ROW EXECUTE FUNCTION case_sources_after_insert();
CREATE TRIGGER case_sources_append_only BEFORE UPDATE OR DELETE ON case_sources
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();

-- ---------------------------------------------------------------- evidence notes

CREATE FUNCTION evidence_notes_before_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.retracted_at IS NOT NULL OR NEW.retraction_reason IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = 'a new evidence note cannot start retracted';
    END IF;
    NEW.author_id := verity_actor_id();
    NEW.created_at := verity_now();
    RETURN NEW;
END $$;

CREATE FUNCTION evidence_notes_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.case_id, NEW.source_id, NEW.author_id, NEW.stance, NEW.credibility, NEW.note, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.case_id, OLD.source_id, OLD.author_id, OLD.stance, OLD.credibility, OLD.note, OLD.created_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('evidence note %s cannot be edited', OLD.id),
            HINT = 'retract it with a reason and add a new note; both stay in the record';
    END IF;
    IF OLD.retracted_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('evidence note %s was already retracted on %s', OLD.id, OLD.retracted_at);
    END IF;
    NEW.retraction_reason := coalesce(verity_setting_or_null(NEW.retraction_reason), verity_setting('verity.reason'));
    IF NEW.retraction_reason IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('retracting evidence note %s needs a reason', OLD.id), HINT = 'give one with --reason';
    END IF;
    NEW.retracted_by := verity_actor_id();
    NEW.retracted_at := verity_now();
    RETURN NEW;
END $$;

CREATE FUNCTION evidence_notes_after_write() RETURNS trigger
LANGUAGE plpgsql AS $$
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

CREATE TRIGGER evidence_notes_before_insert BEFORE INSERT ON evidence_notes
    FOR EACH ROW EXECUTE FUNCTION evidence_notes_before_insert();
CREATE TRIGGER evidence_notes_before_update BEFORE UPDATE ON evidence_notes
    FOR EACH ROW EXECUTE FUNCTION evidence_notes_before_update();
CREATE TRIGGER evidence_notes_after_write AFTER INSERT OR UPDATE ON evidence_notes
    FOR EACH ROW EXECUTE FUNCTION evidence_notes_after_write();
CREATE TRIGGER evidence_notes_no_delete BEFORE DELETE ON evidence_notes
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();
