-- 018: integrity holes of issue 17 (3, 4, 9): a record that cannot be made to lie.
--
-- 4. History that lies. verity.at (a past time) and verity.details (extra
--    history details) are honoured only for a session trusted to speak for the
--    desk: a superuser or a member of the database owner (the owner's import
--    and bulk paths, the embedded desk). For a reviewer login the database
--    derives both: a change is recorded at now(), a past verity.at is refused,
--    and the details are built from OLD/NEW; of verity.details a login may add
--    only what the CLI itself adds and the trigger does not build, never over
--    what it builds: the cited source of a dispute ("source_id", only a source
--    linked to the case) and the description of a bulk selection ("bulk").
-- 3. Silent source rewrite. A source's collected file (file_sha256, file_name,
--    file_size) is fixed once its hash is recorded: a correction is a custody
--    event 'corrected' with the new hash and a reason, through
--    verity_custody_event, which alone may change it. Every insert and update
--    of a source is recorded in record_history (below).
-- 9. Re-attribution. Every insert and update of a reviewer (handle, name,
--    email, role, active, login) is recorded in record_history too, so who an
--    actor_id was at any time is itself chained history.
--
-- record_history holds one hash chain per row of sources and reviewers: each
-- row is the whole record as it stood after the change (fields), who made it
-- (the acting reviewer's handle then, and the database user), when and how.
-- `verity audit verify` recomputes every chain, checks that each current row
-- equals its chain's last fields, and its head hash covers every chain's last
-- row. Canonical content of a row (UTF-8, "\n"-separated, in this order):
--   verity-record-v1
--   table_name, row_id, seq          text, decimal, decimal
--   at                               UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ
--   actor, db_user, action, fields (jsonb::text), prev_hash
-- the fields from actor on written as "<length in characters>:<text>" or "-"
-- for NULL, as in 005; hash = lower-case hex SHA-256 of that text.
--
-- Who "the session" is inside a SECURITY DEFINER function: session_user (the
-- login; current_user is the owner there), as in 017.

-- ---------------------------------------------------------------- Tables

CREATE TABLE public.record_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text NOT NULL CONSTRAINT record_history_table_known CHECK (table_name IN ('sources', 'reviewers')),
    row_id      bigint NOT NULL,
    seq         bigint NOT NULL CONSTRAINT record_history_seq_positive CHECK (seq >= 1),
    at          timestamptz NOT NULL,
    -- The acting reviewer's handle at the time (a login's own), NULL when none acted.
    actor       text,
    db_user     text NOT NULL,
    -- 'existing': the row as it stood when 018 started its chain.
    action      text NOT NULL CONSTRAINT record_history_action_known CHECK (action IN ('existing', 'insert', 'update')),
    fields      jsonb NOT NULL,
    prev_hash   text CONSTRAINT record_history_prev_hash_hex CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash        text NOT NULL CONSTRAINT record_history_hash_hex CHECK (hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT record_history_chain_start CHECK ((seq = 1) = (prev_hash IS NULL))
);
-- One row per position in a chain; also the index the writers read a chain's last row from.
CREATE UNIQUE INDEX record_history_chain ON public.record_history (table_name, row_id, seq);
CREATE TRIGGER record_history_append_only BEFORE UPDATE OR DELETE ON public.record_history
    FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE TRIGGER record_history_no_truncate BEFORE TRUNCATE ON public.record_history
    FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
-- A source's record is visible with the source (the policy on sources decides,
-- for the caller, inside the subquery); reviewers' records to every reader.
ALTER TABLE public.record_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY record_history_visible ON public.record_history FOR SELECT
    USING (table_name = 'reviewers'
           OR (SELECT public.verity_sees_all())
           OR EXISTS (SELECT 1 FROM public.sources s WHERE s.id = row_id));

-- 3: a correction of the collected file is a custody event of its own.
ALTER TABLE public.source_custody_events
    DROP CONSTRAINT custody_event_known,
    ADD CONSTRAINT custody_event_known CHECK (event IN ('collected', 'copied', 'handed-over', 'verified', 'corrected')),
    DROP CONSTRAINT custody_hashes_what_it_names,
    ADD CONSTRAINT custody_hashes_what_it_names CHECK (event NOT IN ('collected', 'verified', 'corrected') OR sha256 IS NOT NULL),
    ADD CONSTRAINT custody_correction_says_why CHECK (event <> 'corrected' OR btrim(note) <> '');

-- ---------------------------------------------------------------- history times and details (4)

-- Whether the connected session may supply history times and details: a
-- superuser or a member of the database owner (013's test for naming the actor).
CREATE OR REPLACE FUNCTION public.verity_history_trusted() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce((SELECT r.rolsuper OR pg_catalog.pg_has_role(session_user, d.datdba, 'MEMBER')
                       FROM pg_catalog.pg_roles r
                       JOIN pg_catalog.pg_database d ON d.datname = pg_catalog.current_database()
                      WHERE r.rolname = session_user), false)
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

-- What of verity.details may go into the history rows of this session: all of
-- it for a trusted session (merged over what the trigger builds, as before);
-- for a login only "bulk" (the CLI's description of a bulk selection, as
-- {"where": text, "matched": number}) and, when p_case_id is given, "source_id"
-- if that source is linked to the case (the cited source of a dispute). The
-- writers merge a login's extra UNDER what they build, so it never replaces a
-- field derived from the row.
CREATE OR REPLACE FUNCTION public.verity_history_extra(p_case_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    given jsonb := public.verity_setting('verity.details')::jsonb;
    allowed jsonb := '{}'::jsonb;
BEGIN
    IF given IS NULL OR pg_catalog.jsonb_typeof(given) <> 'object' THEN
        RETURN '{}'::jsonb;
    END IF;
    IF public.verity_history_trusted() THEN
        RETURN given;
    END IF;
    IF pg_catalog.jsonb_typeof(given -> 'bulk') = 'object'
       AND pg_catalog.jsonb_typeof(given -> 'bulk' -> 'where') = 'string'
       AND pg_catalog.jsonb_typeof(given -> 'bulk' -> 'matched') = 'number' THEN
        allowed := pg_catalog.jsonb_build_object('bulk', pg_catalog.jsonb_build_object(
            'where', given -> 'bulk' -> 'where', 'matched', given -> 'bulk' -> 'matched'));
    END IF;
    IF p_case_id IS NOT NULL AND pg_catalog.jsonb_typeof(given -> 'source_id') = 'number'
       AND EXISTS (SELECT 1 FROM public.case_sources cs
                    WHERE cs.case_id = p_case_id AND cs.source_id::text = (given ->> 'source_id')) THEN
        allowed := allowed || pg_catalog.jsonb_build_object('source_id', given -> 'source_id');
    END IF;
    RETURN allowed;
END $$;

-- The single-row history writer: time, actor and reason from the session,
-- details built by the caller; a trusted session's verity.details merged over
-- them, a login's allowed extra under them (see verity_history_extra).
CREATE OR REPLACE FUNCTION public.verity_record(
    p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := public.verity_history_extra(p_case_id);
BEGIN
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    VALUES (p_case_id, public.verity_now(), public.verity_actor_id(), p_action, p_from, p_to,
            public.verity_setting('verity.reason'),
            CASE WHEN extra = '{}'::jsonb THEN p_details
                 WHEN public.verity_history_trusted() THEN p_details || extra
                 ELSE extra || p_details END);
END $$;
REVOKE EXECUTE ON FUNCTION public.verity_record(bigint, text, text, text, jsonb) FROM PUBLIC;

-- The statement-level writers of 009: `over` is a trusted session's extra
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
               'location', n.location, 'tags', pg_catalog.to_jsonb(n.tags), 'priority', n.priority, 'due', n.due)) || over
      FROM verity_new_cases n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.case_assignments_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.assigned_at, n.assigned_by, 'assign', NULL, NULL, why,
           under || pg_catalog.jsonb_build_object('reviewer', r.handle, 'lead', n.is_lead) || over
      FROM verity_new_assignments n LEFT JOIN public.reviewers r ON r.id = n.reviewer_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.case_sources_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.linked_at, n.linked_by, 'link-source', NULL, NULL, why,
           under || coalesce(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                                 'source_id', s.id, 'source_ref', s.ref, 'url', s.url, 'title', s.title)),
                             '{}'::jsonb) || over
      FROM verity_new_links n LEFT JOIN public.sources s ON s.id = n.source_id;
    RETURN NULL;
END $$;

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
               'note_id', n.id, 'stance', n.stance, 'credibility', n.credibility, 'source_id', n.source_id)) || over
      FROM verity_new_notes n;
    RETURN NULL;
END $$;

-- ---------------------------------------------------------------- record history (3, 9)

-- The hash of one record_history row (see the top of this file); plpgsql, so
-- its plan is kept between calls, as 005's verity_history_hash.
CREATE OR REPLACE FUNCTION public.verity_record_hash(
    p_table text, p_row_id bigint, p_seq bigint, p_at timestamptz, p_actor text, p_db_user text,
    p_action text, p_fields jsonb, p_prev_hash text
) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    fields text := p_fields::text;
BEGIN
    RETURN pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        'verity-record-v1' || E'\n' || p_table || E'\n' || p_row_id || E'\n' || p_seq || E'\n'
        || pg_catalog.to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
        || coalesce(pg_catalog.length(p_actor) || ':' || p_actor, '-') || E'\n'
        || coalesce(pg_catalog.length(p_db_user) || ':' || p_db_user, '-') || E'\n'
        || coalesce(pg_catalog.length(p_action) || ':' || p_action, '-') || E'\n'
        || coalesce(pg_catalog.length(fields) || ':' || fields, '-') || E'\n'
        || coalesce(pg_catalog.length(p_prev_hash) || ':' || p_prev_hash, '-'), 'UTF8')), 'hex');
END $$;

-- Who a record change is by: a login's own reviewer handle (never another's);
-- for a trusted session the handle in verity.actor; NULL when none is named.
CREATE OR REPLACE FUNCTION public.verity_record_actor() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce(
        (SELECT v.handle FROM public.reviewers v WHERE v.login = session_user::text),
        CASE WHEN public.verity_history_trusted() THEN public.verity_setting('verity.actor') END)
$$;

-- A record as its chain keeps it: every column but the generated search vector.
CREATE OR REPLACE FUNCTION public.verity_record_fields(p_row jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT p_row - 'search'
$$;

-- New sources and reviewers, one statement at a time (an import inserts many):
-- each starts its chain.
CREATE OR REPLACE FUNCTION public.record_history_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    who text := public.verity_record_actor();
    written timestamptz := pg_catalog.now();
BEGIN
    INSERT INTO public.record_history (table_name, row_id, seq, at, actor, db_user, action, fields, prev_hash, hash)
    SELECT TG_TABLE_NAME, n.id, 1, written, who, session_user::text, 'insert', n.fields, NULL,
           public.verity_record_hash(TG_TABLE_NAME, n.id, 1, written, who, session_user::text, 'insert', n.fields, NULL)
      FROM (SELECT r.id, public.verity_record_fields(pg_catalog.to_jsonb(r)) AS fields
              FROM verity_new_records r ORDER BY r.id) n;
    RETURN NULL;
END $$;

-- A changed source or reviewer: the next link of its chain. The UPDATE holds
-- the row's lock until commit, so writers of one record are serialized and
-- this (READ COMMITTED: a fresh snapshot per statement) reads the last link.
CREATE OR REPLACE FUNCTION public.record_history_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    fields jsonb := public.verity_record_fields(pg_catalog.to_jsonb(NEW));
    who text := public.verity_record_actor();
    written timestamptz := pg_catalog.now();
    last_seq bigint;
    last_hash text;
BEGIN
    IF fields = public.verity_record_fields(pg_catalog.to_jsonb(OLD)) THEN
        RETURN NULL;
    END IF;
    SELECT h.seq, h.hash INTO last_seq, last_hash
      FROM public.record_history h WHERE h.table_name = TG_TABLE_NAME AND h.row_id = NEW.id
     ORDER BY h.seq DESC LIMIT 1;
    INSERT INTO public.record_history (table_name, row_id, seq, at, actor, db_user, action, fields, prev_hash, hash)
    VALUES (TG_TABLE_NAME, NEW.id, coalesce(last_seq, 0) + 1, written, who, session_user::text, 'update', fields, last_hash,
            public.verity_record_hash(TG_TABLE_NAME, NEW.id, coalesce(last_seq, 0) + 1, written, who, session_user::text,
                                      'update', fields, last_hash));
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS sources_record_history_insert ON public.sources;
CREATE TRIGGER sources_record_history_insert AFTER INSERT ON public.sources
    REFERENCING NEW TABLE AS verity_new_records
    FOR EACH STATEMENT EXECUTE FUNCTION public.record_history_after_insert();
DROP TRIGGER IF EXISTS sources_record_history_update ON public.sources;
CREATE TRIGGER sources_record_history_update AFTER UPDATE ON public.sources
    FOR EACH ROW EXECUTE FUNCTION public.record_history_after_update();
DROP TRIGGER IF EXISTS reviewers_record_history_insert ON public.reviewers;
CREATE TRIGGER reviewers_record_history_insert AFTER INSERT ON public.reviewers
    REFERENCING NEW TABLE AS verity_new_records
    FOR EACH STATEMENT EXECUTE FUNCTION public.record_history_after_insert();
DROP TRIGGER IF EXISTS reviewers_record_history_update ON public.reviewers;
CREATE TRIGGER reviewers_record_history_update AFTER UPDATE ON public.reviewers
    FOR EACH ROW EXECUTE FUNCTION public.record_history_after_update();

-- Sources and reviewers written before this migration: each chain starts with
-- the record as it stands now ('existing').
INSERT INTO public.record_history (table_name, row_id, seq, at, actor, db_user, action, fields, prev_hash, hash)
SELECT e.table_name, e.id, 1, pg_catalog.now(), NULL, current_user::text, 'existing', e.fields, NULL,
       public.verity_record_hash(e.table_name, e.id, 1, pg_catalog.now(), NULL, current_user::text, 'existing', e.fields, NULL)
  FROM (SELECT 'reviewers'::text AS table_name, r.id, public.verity_record_fields(pg_catalog.to_jsonb(r)) AS fields
          FROM public.reviewers r
        UNION ALL
        SELECT 'sources', s.id, public.verity_record_fields(pg_catalog.to_jsonb(s)) FROM public.sources s) e
 ORDER BY e.table_name, e.id;

-- ---------------------------------------------------------------- the collected file is fixed (3)

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

DROP TRIGGER IF EXISTS sources_before_update ON public.sources;
CREATE TRIGGER sources_before_update BEFORE UPDATE ON public.sources
    FOR EACH ROW EXECUTE FUNCTION public.sources_before_update();

-- The database's head hash, over the last row of every chain: SHA-256 over
-- "case_id:hash\n" for every case with history, ordered by case id, then
-- "table/row_id:hash\n" for every record chain, ordered by table (bytewise)
-- and row id (the empty string's SHA-256 for none). A desk without record
-- chains keeps the head 005 defined.
CREATE OR REPLACE FUNCTION public.verity_history_head() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        coalesce((SELECT pg_catalog.string_agg(h.case_id || ':' || h.hash || E'\n', '' ORDER BY h.case_id)
                    FROM (SELECT DISTINCT ON (c.case_id) c.case_id, c.hash FROM public.case_history c
                           ORDER BY c.case_id, c.seq DESC) h), '')
        || coalesce((SELECT pg_catalog.string_agg(r.table_name || '/' || r.row_id || ':' || r.hash || E'\n', ''
                                                  ORDER BY r.table_name COLLATE "C", r.row_id)
                       FROM (SELECT DISTINCT ON (x.table_name, x.row_id) x.table_name, x.row_id, x.hash
                               FROM public.record_history x ORDER BY x.table_name, x.row_id, x.seq DESC) r), ''),
        'UTF8')), 'hex')
$$;

-- ---------------------------------------------------------------- custody corrections (3)

-- Appends one custody event for the acting reviewer. Refuses a source the
-- caller may not see exactly as one that does not exist, and enforces every
-- rule of the chain (the CLI checks them first only to explain them early):
-- one collection, with the source's collected hash; later events only for a
-- source with a collected file; a copy and a verification carry a hash; a copy
-- is bit-identical to the collected file; a verification's outcome is what its
-- hash says; nothing dated in the future or before the collection; a hand-over
-- names a new holder. The holder before a hand-over is recorded. A correction
-- ('corrected', 018) replaces the collected file's hash (and name and size,
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
