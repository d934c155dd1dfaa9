-- Sources and evidence: links between cases and sources, evidence notes (stances, retraction), and the rule that a source with a file has its collection in custody.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

CREATE OR REPLACE FUNCTION public.case_sources_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    -- (the source by a subquery, not a join, so that the rows keep the order they were
    -- inserted in, which a hash join need not keep: the chain then follows the statement)
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.linked_at, n.linked_by, 'link-source', NULL, NULL, why,
           under || coalesce((SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                                         'source_id', s.id, 'source_ref', s.ref, 'url', s.url, 'title', s.title,
                                         'role', n.role))
                                FROM public.sources s WHERE s.id = n.source_id),
                             '{}'::jsonb) || over
      FROM verity_new_links n;
    RETURN NULL;
END $$;

-- A link is never changed, except for its role (appearance or evidence), which is
-- said once for a link made without one, or corrected: a `source-role` row of the
-- case's history keeps the change.
CREATE OR REPLACE FUNCTION public.case_sources_before_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF (NEW.case_id, NEW.source_id, NEW.linked_by, NEW.linked_at)
       IS DISTINCT FROM (OLD.case_id, OLD.source_id, OLD.linked_by, OLD.linked_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = 'case_sources is append-only: update is not allowed, except of a link''s role',
            HINT = 'link the source again; a link''s role is set with `verity source link SOURCE --case CASE --role ROLE`';
    END IF;
    IF NEW.role IS DISTINCT FROM OLD.role THEN
        IF NEW.role IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR004',
                MESSAGE = 'a link''s role, once said, is changed to the other role, never removed';
        END IF;
        PERFORM public.verity_record(NEW.case_id, 'source-role', NULL, NULL,
                                     pg_catalog.jsonb_build_object('source_id', NEW.source_id,
                                                                   'from', OLD.role, 'to', NEW.role));
    END IF;
    RETURN NEW;
END $$;

-- Fills who linked a source to a case, and when.
CREATE OR REPLACE FUNCTION public.case_sources_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    NEW.linked_by := verity_actor_id();
    NEW.linked_at := verity_now();
    RETURN NEW;
END $$;

-- Why case p_case_id (named p_label) cannot be assessed for want of evidence, or NULL when
-- it has a current (unretracted) note: the one sentence every refusal of it uses, which
-- counts the retracted notes so that a desk whose only note was retracted is told so.
CREATE OR REPLACE FUNCTION public.verity_missing_evidence(p_case_id bigint, p_label text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT CASE
        WHEN count(*) FILTER (WHERE n.retracted_at IS NULL) > 0 THEN NULL
        WHEN count(*) = 0 THEN format('case %s has no evidence notes; an assessment must rest on at least one', p_label)
        ELSE format('case %s has no current evidence notes (%s retracted); an assessment must rest on at least one',
                    p_label, count(*))
    END
      FROM public.evidence_notes n WHERE n.case_id = p_case_id
$$;

-- What an add-evidence history row keeps of a note's text: its SHA-256 (lower-case
-- hex, of the UTF-8 text), so that `audit verify` proves the text unchanged without
-- the history repeating the text.
CREATE OR REPLACE FUNCTION public.verity_note_digest(p_note text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_note, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION public.evidence_notes_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.created_at, n.author_id, 'add-evidence', NULL, NULL, why,
           under || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
               'note_id', n.id, 'stance', n.stance, 'credibility', n.credibility, 'source_id', n.source_id,
               'note_sha256', public.verity_note_digest(n.note))) || over
      FROM verity_new_notes n;
    RETURN NULL;
END $$;

-- Retractions, per row (the retraction's reason becomes the history row's reason).
CREATE OR REPLACE FUNCTION public.evidence_notes_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM verity_record(NEW.case_id, 'add-evidence', NULL, NULL, jsonb_strip_nulls(jsonb_build_object(
            'note_id', NEW.id, 'stance', NEW.stance, 'credibility', NEW.credibility, 'source_id', NEW.source_id,
            'note_sha256', public.verity_note_digest(NEW.note))));
    ELSE
        PERFORM set_config('verity.reason', NEW.retraction_reason, true);
        PERFORM verity_record(NEW.case_id, 'retract-evidence', NULL, NULL, jsonb_build_object('note_id', NEW.id));
    END IF;
    RETURN NULL;
END $$;

-- Checks a new evidence note (it cannot start retracted) and fills its author and time.
CREATE OR REPLACE FUNCTION public.evidence_notes_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.retracted_at IS NOT NULL OR NEW.retraction_reason IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = 'a new evidence note cannot start retracted';
    END IF;
    NEW.author_id := verity_actor_id();
    NEW.created_at := verity_now();
    RETURN NEW;
END $$;

-- Evidence notes are never edited: the only change allowed is a retraction with a reason.
CREATE OR REPLACE FUNCTION public.evidence_notes_before_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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

-- At commit: a source that has a file hash has its collected custody event, with that hash.
CREATE OR REPLACE FUNCTION public.sources_ensure_collected() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.file_sha256 IS NULL
       OR EXISTS (SELECT 1 FROM source_custody_events e WHERE e.source_id = NEW.id AND e.event = 'collected') THEN
        RETURN NULL;
    END IF;
    INSERT INTO source_custody_events (source_id, event, at, recorded_at, actor_id, sha256, copy_kind, file_name, file_size, note)
    VALUES (NEW.id, 'collected', NEW.created_at, now(), NEW.added_by, NEW.file_sha256, 'evidentiary', NEW.file_name,
            NEW.file_size, 'recorded when the source was written without collection details (e.g. by verity import)');
    RETURN NULL;
END $$;

-- A source keeps its id, and its collected file (hash, name, size) once the
-- hash is recorded, except through verity_custody_event's 'corrected' event:
-- that function, running as the owner, marks the one source it corrects in
-- verity.correcting_source. A login setting the mark itself is still not the
-- owner, so it is refused.
CREATE OR REPLACE FUNCTION public.sources_before_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.id <> OLD.id THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004', MESSAGE = pg_catalog.format('source %s keeps its id', OLD.id);
    END IF;
    IF OLD.file_sha256 IS NOT NULL
       AND (NEW.file_sha256, NEW.file_name, NEW.file_size) IS DISTINCT FROM (OLD.file_sha256, OLD.file_name, OLD.file_size)
       AND NOT (public.verity_setting('verity.correcting_source') = OLD.id::text
                AND pg_catalog.pg_has_role(current_user,
                        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = 'public.sources'::pg_catalog.regclass),
                        'USAGE')) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = pg_catalog.format('source %s''s collected file (SHA-256 %s) cannot be changed; it is the evidence',
                                        OLD.id, OLD.file_sha256),
            HINT = 'a correction is a custody event with a reason: SELECT verity_custody_event(ID, ''corrected'', p_sha256 => ''NEW HASH'', p_note => ''why'')';
    END IF;
    RETURN NEW;
END $$;

-- ------------------------------ triggers
-- A trigger WHEN (verity.engine ... pg_database_owner ...) is skipped while the import
-- engine writes set-based what it would do, in a session of the desk owner or a superuser
-- only (who may disable triggers anyway): see the top of 70_import.sql.
CREATE OR REPLACE TRIGGER case_sources_after_insert AFTER INSERT ON public.case_sources REFERENCING NEW TABLE AS verity_new_links FOR EACH STATEMENT WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.case_sources_after_insert();
CREATE OR REPLACE TRIGGER case_sources_append_only BEFORE DELETE ON public.case_sources FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER case_sources_before_update BEFORE UPDATE ON public.case_sources FOR EACH ROW EXECUTE FUNCTION public.case_sources_before_update();
CREATE OR REPLACE TRIGGER case_sources_before_insert BEFORE INSERT ON public.case_sources FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.case_sources_before_insert();
CREATE OR REPLACE TRIGGER evidence_notes_after_insert AFTER INSERT ON public.evidence_notes REFERENCING NEW TABLE AS verity_new_notes FOR EACH STATEMENT WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.evidence_notes_after_insert();
CREATE OR REPLACE TRIGGER evidence_notes_after_write AFTER UPDATE ON public.evidence_notes FOR EACH ROW EXECUTE FUNCTION public.evidence_notes_after_write();
CREATE OR REPLACE TRIGGER evidence_notes_before_insert BEFORE INSERT ON public.evidence_notes FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.evidence_notes_before_insert();
CREATE OR REPLACE TRIGGER evidence_notes_before_update BEFORE UPDATE ON public.evidence_notes FOR EACH ROW EXECUTE FUNCTION public.evidence_notes_before_update();
CREATE OR REPLACE TRIGGER evidence_notes_no_delete BEFORE DELETE ON public.evidence_notes FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
DROP TRIGGER IF EXISTS sources_ensure_collected ON public.sources;
CREATE CONSTRAINT TRIGGER sources_ensure_collected AFTER INSERT OR UPDATE OF file_sha256 ON public.sources DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.sources_ensure_collected();
DROP TRIGGER IF EXISTS sources_before_update ON public.sources;
CREATE TRIGGER sources_before_update BEFORE UPDATE ON public.sources
    FOR EACH ROW EXECUTE FUNCTION public.sources_before_update();
