-- Custody and output log: chained custody events for each source's file (verity_custody_event keeps every rule), and the log of reports and exports given out.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- Links every new event to its source's chain; writers of one source queue on its row.
CREATE OR REPLACE FUNCTION public.source_custody_events_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM 1 FROM sources WHERE id = NEW.source_id FOR NO KEY UPDATE;
    SELECT e.seq, e.hash INTO last_seq, last_hash
      FROM source_custody_events e WHERE e.source_id = NEW.source_id ORDER BY e.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := verity_custody_hash(NEW);
    RETURN NEW;
END $$;

-- Appends one custody event for the acting reviewer. Refuses a source the
-- caller may not see exactly as one that does not exist, and enforces every
-- rule of the chain (the CLI checks them first only to explain them early):
-- one collection, with the source's collected hash; later events only for a
-- source with a collected file; a copy and a verification carry a hash; a copy
-- is bit-identical to the collected file; a verification's outcome is what its
-- hash says; nothing dated in the future or before the collection; a hand-over
-- names a new holder. The holder before a hand-over is recorded. A correction
-- ('corrected') replaces the collected file's hash (and name and size,
-- when given) with a reason; it is the only way the collected file changes.
CREATE OR REPLACE FUNCTION public.verity_custody_event(
    p_source_id bigint, p_event text, p_at timestamptz DEFAULT NULL, p_tool text DEFAULT NULL,
    p_sha256 text DEFAULT NULL, p_copy_kind text DEFAULT NULL, p_file_name text DEFAULT NULL,
    p_file_size bigint DEFAULT NULL, p_to_holder text DEFAULT NULL, p_note text DEFAULT NULL,
    p_outcome text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := public.verity_actor_id();
    event_at timestamptz := coalesce(p_at, public.verity_now());
    collected_hash text;
    collected_at timestamptz;
    holder text;
    mismatch_seq bigint;
    new_id bigint;
BEGIN
    IF NOT public.verity_source_visible_to(session_user, p_source_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no source %s', p_source_id),
            HINT = 'list sources with `verity source list`';
    END IF;
    SELECT s.file_sha256 INTO collected_hash FROM public.sources s WHERE s.id = p_source_id FOR KEY SHARE;
    IF p_at > now() + interval '1 minute' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('a custody event cannot happen in the future (%s)', p_at);
    END IF;
    IF p_event = 'collected' THEN
        IF EXISTS (SELECT 1 FROM public.source_custody_events e WHERE e.source_id = p_source_id AND e.event = 'collected') THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('source %s''s file was already collected; a file is collected once', p_source_id),
                HINT = 'record copies with `verity source custody ... --event copied --file PATH`';
        END IF;
        IF collected_hash IS NULL OR p_sha256 IS DISTINCT FROM collected_hash THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('the collection of source %s must carry the source''s collected hash', p_source_id),
                HINT = 'record the file with `verity source add ... --file PATH`';
        END IF;
    ELSIF collected_hash IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('source %s has no collected file, so it has no chain of custody', p_source_id),
            HINT = 'record the file with `verity source add ... --file PATH` when it is collected';
    END IF;
    IF p_event = 'corrected' THEN
        IF p_sha256 IS NULL OR p_sha256 = collected_hash THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = pg_catalog.format('a correction of source %s needs the corrected file''s hash, different from %s',
                                            p_source_id, collected_hash),
                HINT = 'give the hash of the file that should have been collected';
        END IF;
        IF nullif(btrim(p_note), '') IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = pg_catalog.format('a correction of source %s''s collected file needs a reason', p_source_id),
                HINT = 'say why in p_note; the correction stays in the chain of custody';
        END IF;
    END IF;
    IF p_event = 'copied' THEN
        IF p_sha256 IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('a copy of source %s needs the hash of the copied file', p_source_id),
                HINT = 'give the copy with --file PATH';
        END IF;
        IF p_sha256 <> collected_hash THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('the copy is not source %s''s collected file: its SHA-256 is %s, the collected file''s is %s',
                                 p_source_id, p_sha256, collected_hash),
                HINT = 'copy the evidentiary file again, bit for bit, and hash the new copy';
        END IF;
    END IF;
    IF p_event = 'verified' THEN
        IF p_sha256 IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('a verification of source %s needs the hash of the checked file', p_source_id),
                HINT = 'run `verity source verify ID --file PATH`';
        END IF;
        IF p_outcome IS DISTINCT FROM (CASE WHEN p_sha256 = collected_hash THEN 'match' ELSE 'mismatch' END) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('a verification of source %s with SHA-256 %s is a %s, not a %s',
                                 p_source_id, p_sha256,
                                 CASE WHEN p_sha256 = collected_hash THEN 'match' ELSE 'mismatch' END,
                                 coalesce(p_outcome, 'verification without outcome')),
                HINT = 'the outcome is what the hashes say; run `verity source verify ID --file PATH`';
        END IF;
    END IF;
    IF p_event <> 'collected' THEN
        SELECT min(e.at) INTO collected_at FROM public.source_custody_events e
         WHERE e.source_id = p_source_id AND e.event = 'collected';
        IF event_at < collected_at THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('a custody event of source %s cannot be dated %s, before the file was collected (%s)',
                                 p_source_id, event_at, collected_at),
                HINT = 'check --at; the chain starts with the collection';
        END IF;
    END IF;
    IF p_event = 'handed-over' THEN
        IF nullif(btrim(p_to_holder), '') IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = 'a hand-over needs the recipient',
                HINT = 'name them with --to HANDLE (a reviewer or an outside holder)';
        END IF;
        holder := public.verity_custody_holder(p_source_id, event_at);
        IF holder = btrim(p_to_holder) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('source %s''s file is already held by %s; a hand-over goes to someone else', p_source_id, holder),
                HINT = 'name the new holder with --to';
        END IF;
        -- A file whose last check found it is not the collected one is handed over only
        -- with a reason (verity.reason, `--despite-mismatch`), kept in the event's note.
        SELECT e.seq INTO mismatch_seq FROM (
            SELECT x.seq, x.event, x.outcome FROM public.source_custody_events x
             WHERE x.source_id = p_source_id AND x.event IN ('verified', 'corrected')
             ORDER BY x.seq DESC LIMIT 1) e
         WHERE e.event = 'verified' AND e.outcome = 'mismatch';
        IF mismatch_seq IS NOT NULL THEN
            IF public.verity_setting('verity.reason') IS NULL THEN
                -- VR005: input the command must be given (exit 64), as a missing reason is.
                RAISE EXCEPTION USING ERRCODE = 'VR005',
                    MESSAGE = format('source %s''s file failed its last verification (event %s: MISMATCH, the file checked is not the collected one); handing it over needs a reason',
                                     p_source_id, mismatch_seq),
                    HINT = 'verify a good copy first (`verity source verify ID --file PATH`), or hand it over with --despite-mismatch "why"; the reason is kept in the chain';
            END IF;
            p_note := format('handed over despite the mismatch of event %s: %s', mismatch_seq, public.verity_setting('verity.reason'))
                      || coalesce('; ' || nullif(btrim(p_note), ''), '');
        END IF;
    END IF;
    INSERT INTO public.source_custody_events (source_id, event, at, actor_id, tool, sha256, copy_kind, file_name, file_size,
                                              from_holder, to_holder, note, outcome)
    VALUES (p_source_id, p_event, event_at, actor, nullif(btrim(p_tool), ''), p_sha256, p_copy_kind,
            p_file_name, p_file_size, holder, nullif(btrim(p_to_holder), ''), nullif(btrim(p_note), ''), p_outcome)
    RETURNING id INTO new_id;
    IF p_event = 'corrected' THEN
        PERFORM pg_catalog.set_config('verity.correcting_source', p_source_id::text, true);
        UPDATE public.sources s SET file_sha256 = p_sha256, file_name = coalesce(p_file_name, s.file_name),
                                    file_size = coalesce(p_file_size, s.file_size)
         WHERE s.id = p_source_id;
        PERFORM pg_catalog.set_config('verity.correcting_source', '', true);
    END IF;
    RETURN new_id;
END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

-- Canonical content of a custody event (UTF-8, fields separated by "\n", in this order):
--   verity-custody-v1
--   source_id, seq                  decimal
--   at, recorded_at                 UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ (always 6 digits)
--   actor_id, event, tool, sha256, copy_kind, file_name, file_size, from_holder, to_holder,
--   note, outcome, prev_hash        "<length in characters>:<text>", or "-" for NULL
-- hash = lower-case hex SHA-256 of that text; `verity source custody ID` recomputes it in Swift.
CREATE OR REPLACE FUNCTION public.verity_custody_hash(e public.source_custody_events) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    body text := 'verity-custody-v1' || E'\n' || e.source_id || E'\n' || e.seq || E'\n'
        || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
        || to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    field text;
BEGIN
    FOREACH field IN ARRAY ARRAY[e.actor_id::text, e.event, e.tool, e.sha256, e.copy_kind, e.file_name,
                                 e.file_size::text, e.from_holder, e.to_holder, e.note, e.outcome, e.prev_hash] LOOP
        body := body || E'\n' || coalesce(length(field) || ':' || field, '-');
    END LOOP;
    RETURN encode(sha256(convert_to(body, 'UTF8')), 'hex');
END $$;

-- 4. The chain of custody must stay meaningful: a copy carries the hash of the
-- copied file; no event is dated before the file was collected; a hand-over
-- goes to someone other than the current holder. The holder at a time is the
-- recipient of the last hand-over up to then (by time, then id), else the
-- reviewer who collected the file. It runs with the caller's rights, so a
-- user sees only the holders of sources they may see.
CREATE OR REPLACE FUNCTION public.verity_custody_holder(p_source_id bigint, p_at timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT coalesce(
               (SELECT e.to_holder FROM source_custody_events e
                 WHERE e.source_id = p_source_id AND e.event = 'handed-over' AND e.at <= p_at
                 ORDER BY e.at DESC, e.id DESC LIMIT 1),
               (SELECT r.handle FROM source_custody_events e JOIN reviewers r ON r.id = e.actor_id
                 WHERE e.source_id = p_source_id AND e.event = 'collected' ORDER BY e.at, e.id LIMIT 1))
$$;

-- Records one report or export under verity_output_actor(p_reviewer), with the
-- cases it names (filters "case" and "cases", by id or reference). Returns the new id.
CREATE OR REPLACE FUNCTION public.verity_log_output(p_reviewer text, p_command text, p_filters jsonb, p_case_count bigint, p_sha256 text, p_byte_count bigint, p_output text, p_format text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    actor text := public.verity_output_actor(p_reviewer);
    filters jsonb := coalesce(p_filters, '{}');
    names text[];
    new_id bigint;
BEGIN
    IF jsonb_typeof(filters) = 'object' AND (filters ? 'case' OR filters ? 'cases') THEN
        names := ARRAY(SELECT jsonb_array_elements_text(
                           CASE jsonb_typeof(filters->'cases') WHEN 'array' THEN filters->'cases' ELSE '[]'::jsonb END))
                 || ARRAY[filters->>'case'];
    END IF;
    INSERT INTO public.output_log (reviewer, db_user, command, filters, case_count, sha256, byte_count, output, format, case_ids)
    VALUES (actor, session_user, p_command, filters, p_case_count, p_sha256, p_byte_count, p_output, p_format,
            CASE WHEN names IS NOT NULL THEN
                ARRAY(SELECT c.id FROM public.cases c WHERE c.ref = ANY (names) OR c.id::text = ANY (names) ORDER BY c.id)
            END)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- The handle the output log records for an output: for a reviewer's login,
-- always that reviewer (naming another is refused, as for any change); for a
-- confined login that is no reviewer's (a reader), none; for the owner and
-- superusers, the handle given with --as (a known reviewer), if any.
CREATE OR REPLACE FUNCTION public.verity_output_actor(p_reviewer text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    login_handle text;
BEGIN
    SELECT v.handle INTO login_handle FROM public.reviewers v WHERE v.login = session_user::text;
    IF FOUND THEN
        IF p_reviewer IS NOT NULL AND p_reviewer <> login_handle THEN
            RAISE EXCEPTION USING ERRCODE = 'VR003',
                MESSAGE = format('connected to the database as "%s", so you act as reviewer "%s" and cannot act as "%s"',
                                 session_user, login_handle, p_reviewer),
                HINT = 'drop --as / VERITY_REVIEWER (your login says who you are), or connect as that reviewer';
        END IF;
        RETURN login_handle;
    END IF;
    IF public.verity_login_confined() THEN
        IF p_reviewer IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR003',
                MESSAGE = format('the database user "%s" is not the login of any reviewer, so it cannot act as "%s"',
                                 session_user, p_reviewer),
                HINT = 'drop --as / VERITY_REVIEWER; the output is logged under the database user';
        END IF;
        RETURN NULL;
    END IF;
    IF p_reviewer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.reviewers v WHERE v.handle = p_reviewer) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003', MESSAGE = format('unknown reviewer "%s"', p_reviewer),
            HINT = 'list reviewers with `verity reviewer list`';
    END IF;
    RETURN p_reviewer;
END $$;

-- ------------------------------ triggers
CREATE OR REPLACE TRIGGER output_log_append_only BEFORE DELETE OR UPDATE ON public.output_log FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER output_log_no_truncate BEFORE TRUNCATE ON public.output_log FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER source_custody_events_append_only BEFORE DELETE OR UPDATE ON public.source_custody_events FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER source_custody_events_chain BEFORE INSERT ON public.source_custody_events FOR EACH ROW EXECUTE FUNCTION public.source_custody_events_chain();
CREATE OR REPLACE TRIGGER source_custody_events_no_truncate BEFORE TRUNCATE ON public.source_custody_events FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
