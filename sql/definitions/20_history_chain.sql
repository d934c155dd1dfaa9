-- History chain: how every change is written to case_history (verity_record), who the actor is, and the hash chain over the rows (computed per row or, for bulk imports, by the verity_history_chain aggregate).
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- Links every new row to its case's chain. Writers of the same case are
-- serialized by a lock on the case's row (FOR NO KEY UPDATE: it does not block
-- foreign-key checks, and it queues behind a concurrent UPDATE of the case, in
-- the same order as that UPDATE's own history row, so it adds no deadlock).
-- Row locks live in the tuples, so an import that touches 100 000 cases holds
-- no lock-table entries for them. The chain's last row is read after the lock
-- is granted (a fresh snapshot under READ COMMITTED), by seq, never by id: ids
-- are allocated before this trigger runs, so they can come in another order.
-- enable_seqscan off: the head lookup below must be an index probe whatever the
-- statistics say. Planned once per session from the table's size at that moment, it
-- became a sequential scan when a desk's statistics were still those of a small
-- desk, and then read the whole history for every row a large import appended
-- (3,000 cases into a 5-case desk: 8.3 s of 14.5 s here, against 0.3 s with it).
CREATE OR REPLACE FUNCTION public.case_history_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET enable_seqscan TO 'off'
    AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM 1 FROM cases WHERE id = NEW.case_id FOR NO KEY UPDATE;
    SELECT h.seq, h.hash INTO last_seq, last_hash
      FROM case_history h WHERE h.case_id = NEW.case_id
     ORDER BY h.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := verity_history_hash(NEW.case_id, NEW.seq, NEW.at, NEW.actor_id, NEW.action,
                                    NEW.from_state, NEW.to_state, NEW.reason, NEW.details, NEW.prev_hash);
    RETURN NEW;
END $$;

-- The id of the acting reviewer named by verity.actor; refuses an unknown or inactive one,
-- and for a reviewer login, anyone but the login's own reviewer. Called for every row a
-- statement writes: one index probe, and the trust test of verity_history_trusted.
CREATE OR REPLACE FUNCTION public.verity_actor_id() RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    given_id bigint;
    given_active boolean;
BEGIN
    SELECT v.id, v.active INTO given_id, given_active
      FROM reviewers v WHERE v.handle = verity_setting('verity.actor');
    IF given_active AND verity_history_trusted() THEN
        RETURN given_id;
    END IF;
    RETURN verity_actor_id_checked();
END $$;

-- verity_actor_id's full check, for sessions that verity_actor_id does not trust to name the actor.
CREATE OR REPLACE FUNCTION public.verity_actor_id_checked() RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    handle_given text := verity_setting('verity.actor');
    reviewer_row record;
BEGIN
    SELECT id, handle, active INTO reviewer_row FROM reviewers WHERE login = session_user::text;
    IF FOUND THEN
        IF handle_given IS NOT NULL AND handle_given <> reviewer_row.handle THEN
            RAISE EXCEPTION USING ERRCODE = 'VR003',
                MESSAGE = format('connected to the database as "%s", so you act as reviewer "%s" and cannot act as "%s"',
                                 session_user, reviewer_row.handle, handle_given),
                HINT = 'drop --as / VERITY_REVIEWER (your login says who you are), or connect as that reviewer';
        END IF;
        IF NOT reviewer_row.active THEN
            RAISE EXCEPTION USING ERRCODE = 'VR003',
                MESSAGE = format('reviewer "%s" is deactivated and cannot act', reviewer_row.handle);
        END IF;
        RETURN reviewer_row.id;
    END IF;
    IF verity_login_confined() THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003',
            MESSAGE = format('the database user "%s" is not the login of any reviewer, so it cannot act', session_user),
            HINT = 'create reviewer logins with `verity reviewer add HANDLE --login`';
    END IF;
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

-- The chain step: the hash of one row from the previous row's hash, by
-- verity_history_hash, as case_history_chain does. The previous hash is the
-- aggregate's state, or for the first row it aggregates, p_start: the hash of the
-- chain's current head (NULL for a chain that starts here).
CREATE OR REPLACE FUNCTION public.verity_history_chain_step(prev_hash text, p_case_id bigint, p_seq bigint, p_at timestamp with time zone, p_actor_id bigint, p_action text, p_from text, p_to text, p_reason text, p_details jsonb, p_start text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN verity_history_hash(p_case_id, p_seq, p_at, p_actor_id, p_action, p_from, p_to, p_reason, p_details,
                               coalesce(prev_hash, p_start));
END $$;

-- plpgsql rather than SQL: its plan is kept between calls, which makes the
-- trigger below measurably cheaper per row than an SQL function that is not
-- inlined (see docs/audit.md for the import measurements).
CREATE OR REPLACE FUNCTION public.verity_history_hash(p_case_id bigint, p_seq bigint, p_at timestamp with time zone, p_actor_id bigint, p_action text, p_from text, p_to text, p_reason text, p_details jsonb, p_prev_hash text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    actor text := p_actor_id::text;
    details text := p_details::text;
BEGIN
    RETURN encode(sha256(convert_to(
        'verity-history-v1' || E'\n' || p_case_id || E'\n' || p_seq || E'\n'
        || to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
        || coalesce(length(actor) || ':' || actor, '-') || E'\n'
        || coalesce(length(p_action) || ':' || p_action, '-') || E'\n'
        || coalesce(length(p_from) || ':' || p_from, '-') || E'\n'
        || coalesce(length(p_to) || ':' || p_to, '-') || E'\n'
        || coalesce(length(p_reason) || ':' || p_reason, '-') || E'\n'
        || coalesce(length(details) || ':' || details, '-') || E'\n'
        || coalesce(length(p_prev_hash) || ':' || p_prev_hash, '-'), 'UTF8')), 'hex');
END $$;

-- The database's head hash, over the last row of every chain: SHA-256 over
-- "case_id:hash\n" for every case with history, ordered by case id, then
-- "table/row_id:hash\n" for every record chain, ordered by table (bytewise)
-- and row id, then "source_custody_events/source_id:hash\n" for every source's
-- chain of custody, ordered by source id (the empty string's SHA-256 for none).
-- A desk without record chains has the head of its case chains alone.
CREATE OR REPLACE FUNCTION public.verity_history_head() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        coalesce((SELECT pg_catalog.string_agg(h.case_id || ':' || h.hash || E'\n', '' ORDER BY h.case_id)
                    FROM (SELECT DISTINCT ON (c.case_id) c.case_id, c.hash FROM public.case_history c
                           ORDER BY c.case_id, c.seq DESC) h), '')
        || coalesce((SELECT pg_catalog.string_agg(r.table_name || '/' || r.row_id || ':' || r.hash || E'\n', ''
                                                  ORDER BY r.table_name COLLATE "C", r.row_id)
                       FROM (SELECT DISTINCT ON (x.table_name, x.row_id) x.table_name, x.row_id, x.hash
                               FROM public.record_history x ORDER BY x.table_name, x.row_id, x.seq DESC) r), '')
        || coalesce((SELECT pg_catalog.string_agg('source_custody_events/' || e.source_id || ':' || e.hash || E'\n', ''
                                                  ORDER BY e.source_id)
                       FROM (SELECT DISTINCT ON (y.source_id) y.source_id, y.hash
                               FROM public.source_custody_events y ORDER BY y.source_id, y.seq DESC) e), ''),
        'UTF8')), 'hex')
$$;

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
REVOKE ALL ON FUNCTION public.verity_record(p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb) FROM PUBLIC;

-- Over (PARTITION BY case_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND
-- CURRENT ROW): each row's hash in its chain (state: the previous hash; the last
-- argument, the hash of the head the rows continue, is read for the first row only).
CREATE OR REPLACE AGGREGATE public.verity_history_chain(bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb, text) (
    SFUNC = public.verity_history_chain_step,
    STYPE = text
);

-- Whether the connected session may supply history times and details: a
-- superuser or a member of the database owner (verity_actor_id's test for naming the actor).
-- pg_database_owner stands for the owner of the current database, and pg_has_role is
-- true for a superuser: one catalog-cached call, where a query of pg_roles and
-- pg_database per call cost 8 us on every row an import writes.
CREATE OR REPLACE FUNCTION public.verity_history_trusted() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN pg_catalog.pg_has_role(session_user, 'pg_database_owner', 'MEMBER');
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

-- The hash of one record_history row (see the top of this file); plpgsql, so
-- its plan is kept between calls, as verity_history_hash's.
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

-- ------------------------------ triggers
-- A trigger WHEN (verity.engine ... pg_database_owner ...) is skipped while the import
-- engine writes set-based what it would do, in a session of the desk owner or a superuser
-- only (who may disable triggers anyway): see the top of 70_import.sql.
CREATE OR REPLACE TRIGGER case_history_append_only BEFORE DELETE OR UPDATE ON public.case_history FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER case_history_chain BEFORE INSERT ON public.case_history FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.case_history_chain();
CREATE OR REPLACE TRIGGER case_history_no_truncate BEFORE TRUNCATE ON public.case_history FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
DROP TRIGGER IF EXISTS record_history_append_only ON public.record_history;
CREATE TRIGGER record_history_append_only BEFORE UPDATE OR DELETE ON public.record_history
    FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
DROP TRIGGER IF EXISTS record_history_no_truncate ON public.record_history;
CREATE TRIGGER record_history_no_truncate BEFORE TRUNCATE ON public.record_history
    FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
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

-- ------------------------------ the chains of records written before them
-- Sources and reviewers of a desk that had them before record_history existed: each
-- chain starts with the record as it stands ('existing'). Runs while the table is
-- still empty only, so re-applying this file never starts a chain over.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.record_history) THEN
        INSERT INTO public.record_history (table_name, row_id, seq, at, actor, db_user, action, fields, prev_hash, hash)
        SELECT e.table_name, e.id, 1, pg_catalog.now(), NULL, current_user::text, 'existing', e.fields, NULL,
               public.verity_record_hash(e.table_name, e.id, 1, pg_catalog.now(), NULL, current_user::text, 'existing', e.fields, NULL)
          FROM (SELECT 'reviewers'::text AS table_name, r.id, public.verity_record_fields(pg_catalog.to_jsonb(r)) AS fields
                  FROM public.reviewers r
                UNION ALL
                SELECT 'sources', s.id, public.verity_record_fields(pg_catalog.to_jsonb(s)) FROM public.sources s) e
         ORDER BY e.table_name, e.id;
    END IF;
END $$;
