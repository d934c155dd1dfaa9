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
CREATE OR REPLACE FUNCTION public.case_history_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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
-- and for a reviewer login, anyone but the login's own reviewer.
CREATE OR REPLACE FUNCTION public.verity_actor_id() RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    trusted boolean;
    given_id bigint;
    given_active boolean;
BEGIN
    SELECT r.rolsuper OR pg_has_role(session_user, d.datdba, 'MEMBER'), v.id, v.active
      INTO trusted, given_id, given_active
      FROM pg_roles r
      JOIN pg_database d ON d.datname = current_database()
      LEFT JOIN reviewers v ON v.handle = verity_setting('verity.actor')
     WHERE r.rolname = session_user;
    IF trusted AND given_active THEN
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

-- The chain step: the hash of one row from the previous row's hash (NULL for
-- the first row of a chain), by verity_history_hash, as case_history_chain does
-- (no SET clause: called once per row, from verity_import_write_history's search_path).
CREATE OR REPLACE FUNCTION public.verity_history_chain_step(prev_hash text, p_case_id bigint, p_seq bigint, p_at timestamp with time zone, p_actor_id bigint, p_action text, p_from text, p_to text, p_reason text, p_details jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN verity_history_hash(p_case_id, p_seq, p_at, p_actor_id, p_action, p_from, p_to, p_reason, p_details, prev_hash);
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

-- The database's head hash: SHA-256 over "case_id:head_hash\n" for every case
-- with history, ordered by case id (the empty string's SHA-256 for none).
CREATE OR REPLACE FUNCTION public.verity_history_head() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(h.case_id || ':' || h.hash || E'\n', '' ORDER BY h.case_id), ''), 'UTF8')), 'hex')
      FROM (SELECT DISTINCT ON (case_id) case_id, hash FROM case_history ORDER BY case_id, seq DESC) h
$$;

-- Writes one history row for case p_case_id: the actor, time and reason of the transaction
-- (verity.actor, verity.at, verity.reason) and the details given. Owner-only (EXECUTE revoked).
CREATE OR REPLACE FUNCTION public.verity_record(p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    INSERT INTO case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    VALUES (p_case_id, verity_now(), verity_actor_id(), p_action, p_from, p_to,
            verity_setting('verity.reason'),
            p_details || coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb));
END $$;
REVOKE ALL ON FUNCTION public.verity_record(p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb) FROM PUBLIC;

-- Over (PARTITION BY case_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND
-- CURRENT ROW): each row's hash in its chain (state: the previous hash).
CREATE OR REPLACE AGGREGATE public.verity_history_chain(bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb) (
    SFUNC = public.verity_history_chain_step,
    STYPE = text
);

-- ------------------------------ triggers
CREATE OR REPLACE TRIGGER case_history_append_only BEFORE DELETE OR UPDATE ON public.case_history FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER case_history_chain BEFORE INSERT ON public.case_history FOR EACH ROW EXECUTE FUNCTION public.case_history_chain();
CREATE OR REPLACE TRIGGER case_history_no_truncate BEFORE TRUNCATE ON public.case_history FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
