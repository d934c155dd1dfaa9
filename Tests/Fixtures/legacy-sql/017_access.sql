-- 017: access holes of issue 17 (1, 2, 5, 6, 7, 8): what a reviewer login, a
-- reader or an admin may see and do, enforced by the database.
--
-- 1. Every Verity function runs under a fixed search_path with pg_temp last
--    (pg_temp is otherwise searched FIRST for tables), and the visibility
--    functions name every table and catalog with its schema: a temporary table
--    called `reviewers` or `pg_roles` changes nothing. Logins keep TEMP on the
--    database: the row-by-row import stages its rows in temporary tables.
-- 2. A source the login cannot see cannot be linked to a case (nor cited by an
--    evidence note): the error is the one for a source that does not exist.
--    The view verity_restricted_source_links (readable by every reviewer, it
--    listed the ids of hidden sources) is gone; the policy on sources asks a
--    function that answers only "this source exists and has no link at all".
-- 5. No Verity role holds CREATEROLE. Logins are created, disabled and given
--    new passwords only through SECURITY DEFINER functions owned by the desk
--    owner, which touch only reviewer logins in Verity's groups; every password
--    change is recorded (who, when; never the secret) in an append-only table.
-- 6. verity_custody_event refuses a source the caller cannot see ("no source
--    N", as for none) and enforces every custody rule the CLI enforces.
-- 7. The output log names the login as the actor (a login cannot log under
--    another handle); a row about a restricted case is visible only to those
--    who may see the case.
-- 8. Links, proposals and sign-offs of a case the caller cannot see fail with
--    "no case N", as for a case that does not exist; no message names a
--    hidden case.
--
-- Who "the caller" is inside a SECURITY DEFINER function: session_user (the
-- login; current_user is the owner there). Row-level security keys on
-- current_user, which for a login is the same role.

-- ---------------------------------------------------------------- tables and grants

-- 2: the policy that read the leaking view is replaced below, then the view goes.
DROP POLICY sources_visible ON sources;
DROP VIEW verity_restricted_source_links;

-- 5: who changed which login's password, and when (never the password or its verifier).
CREATE TABLE reviewer_password_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       text NOT NULL,
    -- The reviewer who made the change (NULL for the owner or a superuser without --as).
    changed_by  text,
    db_user     text NOT NULL DEFAULT session_user,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER reviewer_password_changes_append_only BEFORE UPDATE OR DELETE ON reviewer_password_changes
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();
CREATE TRIGGER reviewer_password_changes_no_truncate BEFORE TRUNCATE ON reviewer_password_changes
    FOR EACH STATEMENT EXECUTE FUNCTION verity_refuse_change();

-- 5: admin logins made before this migration held CREATEROLE (with it, on
-- PostgreSQL 15, GRANT pg_execute_server_program and COPY ... TO PROGRAM: a
-- shell as the server's OS user). `verity db roles` strips it again.
DO $$
DECLARE
    login_name text;
BEGIN
    FOR login_name IN
        SELECT r.rolname FROM pg_catalog.pg_roles r JOIN public.reviewers v ON v.login = r.rolname::text
         WHERE r.rolcreaterole AND NOT r.rolsuper
    LOOP
        BEGIN
            EXECUTE format('ALTER ROLE %I NOCREATEROLE', login_name);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'could not take CREATEROLE from the login %: run `verity db roles` as a superuser', login_name;
        END;
    END LOOP;
END $$;

-- 7: the cases an output covered by name (report case, export claimreview),
-- so that the row can follow their visibility.
ALTER TABLE output_log ADD COLUMN case_ids bigint[];
-- The log is append-only; filling the new column for old rows is the one exception.
ALTER TABLE output_log DISABLE TRIGGER output_log_append_only;
UPDATE output_log o SET case_ids = ARRAY(
    SELECT c.id FROM public.cases c
     WHERE c.ref = ANY (names.list) OR c.id::text = ANY (names.list))
  FROM (SELECT l.id, ARRAY(SELECT jsonb_array_elements_text(
                  CASE jsonb_typeof(l.filters->'cases') WHEN 'array' THEN l.filters->'cases' ELSE '[]'::jsonb END))
                || ARRAY[l.filters->>'case'] AS list
          FROM output_log l) names
 WHERE names.id = o.id AND (o.filters ? 'case' OR o.filters ? 'cases');
ALTER TABLE output_log ENABLE TRIGGER output_log_append_only;
ALTER TABLE output_log ENABLE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------- visibility (1)

-- Whether role p_role sees every case: a superuser, a member of the database
-- owner or of verity_admin, or the login of an active editor or admin.
CREATE OR REPLACE FUNCTION verity_sees_all_as(p_role name) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce((
        SELECT r.rolsuper
            OR pg_catalog.pg_has_role(p_role, d.datdba, 'MEMBER')
            OR coalesce(pg_catalog.pg_has_role(p_role,
                   (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_admin'), 'MEMBER'), false)
            OR EXISTS (SELECT 1 FROM public.reviewers v
                        WHERE v.login = p_role::text AND v.active AND v.role IN ('editor', 'admin'))
          FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
         WHERE r.rolname = p_role AND d.datname = pg_catalog.current_database()), false)
$$;

-- Whether current_user sees every case (the policies' question).
CREATE OR REPLACE FUNCTION verity_sees_all() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT public.verity_sees_all_as(current_user)
$$;

-- Whether the connected login is confined to a reviewer identity: a member of
-- a Verity group role that is not a superuser, the database owner or an admin.
CREATE OR REPLACE FUNCTION verity_login_confined() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT NOT r.rolsuper
       AND NOT pg_catalog.pg_has_role(session_user, d.datdba, 'MEMBER')
       AND NOT coalesce(pg_catalog.pg_has_role(session_user,
               (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_admin'), 'MEMBER'), false)
       AND coalesce(pg_catalog.pg_has_role(session_user,
               (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_reader'), 'MEMBER'), false)
      FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
     WHERE r.rolname = session_user AND d.datname = pg_catalog.current_database()
$$;

-- Whether current_user may see case `case_id`: the policy on cases decides.
CREATE OR REPLACE FUNCTION verity_case_visible(case_id bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.cases c WHERE c.id = $1)
$$;

-- Whether role p_role may see case p_case_id, decided without row-level
-- security (for SECURITY DEFINER functions, which run as the owner): the rule
-- of the policy on cases. False for a case that does not exist.
CREATE OR REPLACE FUNCTION verity_case_visible_to(p_role name, p_case_id bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.cases c
         WHERE c.id = p_case_id
           AND (NOT c.restricted
                OR public.verity_sees_all_as(p_role)
                OR EXISTS (SELECT 1 FROM public.case_assignments a JOIN public.reviewers r ON r.id = a.reviewer_id
                            WHERE a.case_id = c.id AND r.login = p_role::text AND r.active)))
$$;

-- Whether role p_role may see source p_source_id (the rule of the policy on
-- sources, without row-level security): it exists, and it has no link to a
-- restricted case or a link to a case p_role may see.
CREATE OR REPLACE FUNCTION verity_source_visible_to(p_role name, p_source_id bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.sources s WHERE s.id = p_source_id)
       AND (public.verity_sees_all_as(p_role)
            OR NOT EXISTS (SELECT 1 FROM public.case_sources cs JOIN public.cases c ON c.id = cs.case_id
                            WHERE cs.source_id = p_source_id AND c.restricted)
            OR EXISTS (SELECT 1 FROM public.case_sources cs
                        WHERE cs.source_id = p_source_id AND public.verity_case_visible_to(p_role, cs.case_id)))
$$;

-- Whether source p_source_id exists and is linked to no case at all, read with
-- the owner's rights. It answers false both for a hidden source and for one
-- that does not exist, so calling it reveals nothing.
CREATE OR REPLACE FUNCTION verity_source_unlinked(p_source_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.sources s WHERE s.id = p_source_id)
       AND NOT EXISTS (SELECT 1 FROM public.case_sources cs WHERE cs.source_id = p_source_id)
$$;

-- A source is visible when it has a link the user can see (links follow their
-- case) or no link at all; a source linked only to restricted cases the user
-- cannot see is hidden. Most rows pass on the first two tests (an InitPlan,
-- then a semi-join); only sources without a visible link call the function.
CREATE POLICY sources_visible ON sources
    USING ((SELECT public.verity_sees_all())
           OR EXISTS (SELECT 1 FROM public.case_sources cs WHERE cs.source_id = sources.id)
           OR public.verity_source_unlinked(sources.id));

-- ---------------------------------------------------------------- linking hidden sources (2)

-- Refuses a source the connected login may not see, with the error of a
-- source that does not exist (before the foreign key would say so).
CREATE OR REPLACE FUNCTION verity_require_visible_source() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.source_id IS NOT NULL AND NOT public.verity_source_visible_to(session_user, NEW.source_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no source %s', NEW.source_id),
            HINT = 'list sources with `verity source list`';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER case_sources_aa_visible_source BEFORE INSERT ON case_sources
    FOR EACH ROW WHEN (NEW.source_id IS NOT NULL) EXECUTE FUNCTION verity_require_visible_source();
CREATE TRIGGER evidence_notes_aa_visible_source BEFORE INSERT OR UPDATE OF source_id ON evidence_notes
    FOR EACH ROW WHEN (NEW.source_id IS NOT NULL) EXECUTE FUNCTION verity_require_visible_source();

-- ---------------------------------------------------------------- logins without CREATEROLE (5)

-- Whether the connected user may manage reviewer logins: a superuser, a member
-- of the database owner, or an admin login (a member of verity_admin).
CREATE OR REPLACE FUNCTION verity_may_manage_logins() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT r.rolsuper
        OR pg_catalog.pg_has_role(session_user, d.datdba, 'MEMBER')
        OR coalesce(pg_catalog.pg_has_role(session_user,
               (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_admin'), 'MEMBER'), false)
      FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
     WHERE r.rolname = session_user AND d.datname = pg_catalog.current_database()
$$;

-- Refuses anything but an existing reviewer login that is an ordinary member
-- of a Verity group (never a superuser, never a role with special powers).
CREATE OR REPLACE FUNCTION verity_require_reviewer_login(p_login text, p_must_exist boolean) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    role_row record;
BEGIN
    IF p_login IS NULL OR p_login !~ '^[a-z0-9._-]{1,63}$' OR p_login ~ '^pg_' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('"%s" is not a reviewer login name', p_login);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.reviewers v WHERE v.login = p_login) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no reviewer has the login "%s"', p_login),
            HINT = 'list reviewers with `verity reviewer list`';
    END IF;
    SELECT r.* INTO role_row FROM pg_catalog.pg_roles r WHERE r.rolname = p_login;
    IF NOT p_must_exist THEN
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('a database role named "%s" already exists in this PostgreSQL cluster', p_login),
                HINT = 'roles are shared by every database of the cluster: choose another handle';
        END IF;
        RETURN;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('the login "%s" does not exist', p_login);
    END IF;
    IF role_row.rolsuper OR role_row.rolcreaterole OR role_row.rolcreatedb OR role_row.rolreplication
       OR role_row.rolbypassrls
       OR pg_catalog.pg_has_role(p_login, (SELECT d.datdba FROM pg_catalog.pg_database d
                                            WHERE d.datname = pg_catalog.current_database()), 'MEMBER')
       OR NOT (pg_catalog.pg_has_role(p_login, 'verity_reviewer', 'MEMBER')) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('the role "%s" is not an ordinary reviewer login; manage it as a superuser', p_login);
    END IF;
END $$;

-- Creates the login role of reviewer p_login (whose reviewers.login is already
-- p_login) in group p_group, with a SCRAM verifier computed by the client.
-- Runs as the desk owner: callers need no CREATEROLE, and can create nothing else.
CREATE OR REPLACE FUNCTION verity_create_login(p_login text, p_verifier text, p_group text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.verity_may_manage_logins() THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('only a desk admin may create reviewer logins; the database user "%s" is not one', session_user);
    END IF;
    IF p_group IS NULL OR p_group NOT IN ('verity_reviewer', 'verity_admin') THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('"%s" is not a Verity group for logins', p_group);
    END IF;
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = 'a login''s password must be given as a SCRAM-SHA-256 verifier';
    END IF;
    PERFORM public.verity_require_reviewer_login(p_login, false);
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L IN ROLE %I',
                   p_login, p_verifier, p_group);
    -- Row-level security raises the planner's cost estimates of a login's
    -- queries past jit_above_cost, and JIT compiling then cost more than the
    -- queries themselves (see ReviewerLogin.swift).
    EXECUTE format('ALTER ROLE %I SET jit = off', p_login);
END $$;
REVOKE EXECUTE ON FUNCTION verity_create_login(text, text, text) FROM PUBLIC;

-- Makes a deactivated reviewer's login unable to connect (NOLOGIN).
CREATE OR REPLACE FUNCTION verity_disable_login(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.verity_may_manage_logins() THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('only a desk admin may disable reviewer logins; the database user "%s" is not one', session_user);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = p_login) THEN
        RETURN;  -- dropped by hand: nothing left to disable
    END IF;
    PERFORM public.verity_require_reviewer_login(p_login, true);
    EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
END $$;
REVOKE EXECUTE ON FUNCTION verity_disable_login(text) FROM PUBLIC;

-- Gives reviewer login p_login a new password (a SCRAM verifier computed by
-- the client) and records who did it and when. A login may change its own
-- password; a desk admin may change any reviewer login's.
CREATE OR REPLACE FUNCTION verity_set_login_password(p_login text, p_verifier text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF p_login IS DISTINCT FROM session_user::text AND NOT public.verity_may_manage_logins() THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('the database user "%s" may change only its own password, not that of "%s"', session_user, p_login),
            HINT = 'ask a desk admin to change it';
    END IF;
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = 'a login''s password must be given as a SCRAM-SHA-256 verifier';
    END IF;
    PERFORM public.verity_require_reviewer_login(p_login, true);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
    INSERT INTO public.reviewer_password_changes (login, changed_by, db_user)
    VALUES (p_login,
            coalesce((SELECT v.handle FROM public.reviewers v WHERE v.login = session_user::text),
                     public.verity_setting('verity.actor')),
            session_user)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;
REVOKE EXECUTE ON FUNCTION verity_set_login_password(text, text) FROM PUBLIC;

-- ---------------------------------------------------------------- custody (6)

-- Appends one custody event for the acting reviewer. Refuses a source the
-- caller may not see exactly as one that does not exist, and enforces every
-- rule of the chain (the CLI checks them first only to explain them early):
-- one collection, with the source's collected hash; later events only for a
-- source with a collected file; a copy and a verification carry a hash; a copy
-- is bit-identical to the collected file; a verification's outcome is what its
-- hash says; nothing dated in the future or before the collection; a hand-over
-- names a new holder. The holder before a hand-over is recorded.
CREATE OR REPLACE FUNCTION verity_custody_event(
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
    RETURN new_id;
END $$;

-- ---------------------------------------------------------------- output log (7)

-- The handle the output log records for an output: for a reviewer's login,
-- always that reviewer (naming another is refused, as for any change); for a
-- confined login that is no reviewer's (a reader), none; for the owner and
-- superusers, the handle given with --as (a known reviewer), if any.
CREATE OR REPLACE FUNCTION verity_output_actor(p_reviewer text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
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

-- Records one report or export under verity_output_actor(p_reviewer), with the
-- cases it names (filters "case" and "cases", by id or reference). Returns the new id.
CREATE OR REPLACE FUNCTION verity_log_output(
    p_reviewer text, p_command text, p_filters jsonb, p_case_count bigint, p_sha256 text,
    p_byte_count bigint, p_output text, p_format text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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

-- A logged output about named cases is visible only to who may see every one of them.
CREATE POLICY output_log_visible ON output_log
    USING ((SELECT public.verity_sees_all())
           OR output_log.case_ids IS NULL
           OR NOT EXISTS (SELECT 1 FROM unnest(output_log.case_ids) AS c(id) WHERE NOT public.verity_case_visible(c.id)));

-- ---------------------------------------------------------------- hidden cases say "no case N" (8)

-- Refuses a case the connected login may not see as if it did not exist.
CREATE OR REPLACE FUNCTION verity_require_visible_case(p_case_id bigint) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.verity_case_visible_to(session_user, p_case_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no case %s', p_case_id),
            HINT = 'list cases with `verity case list`';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION case_links_before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    canonical bigint;
BEGIN
    PERFORM public.verity_require_visible_case(NEW.case_id);
    PERFORM public.verity_require_visible_case(NEW.other_id);
    IF NEW.case_id = NEW.other_id THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('case %s cannot be linked to itself', NEW.case_id);
    END IF;
    IF NEW.unlinked_at IS NOT NULL OR NEW.unlinked_by IS NOT NULL OR NEW.unlink_reason IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = 'a new case link cannot start unlinked';
    END IF;
    IF NEW.kind = 'duplicate-of' THEN
        -- Serialize every change to the duplicate forest, so two concurrent links cannot close a cycle.
        PERFORM pg_advisory_xact_lock(hashtext('verity.case_links.duplicate-of'));
        SELECT l.other_id INTO canonical FROM public.case_links l
         WHERE l.case_id = NEW.case_id AND l.kind = 'duplicate-of' AND l.unlinked_at IS NULL;
        IF FOUND THEN
            -- A canonical case the caller may not see is not named.
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = CASE WHEN public.verity_case_visible_to(session_user, canonical)
                               THEN format('case %s is already a duplicate of case %s', NEW.case_id, canonical)
                               ELSE format('case %s is already a duplicate of another case', NEW.case_id) END,
                HINT = 'a duplicate follows one case; an editor can unlink it first';
        END IF;
        IF public.verity_canonical_case(NEW.other_id) = NEW.case_id THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('case %s cannot be a duplicate of case %s: case %s already follows case %s, which would make a cycle',
                                 NEW.case_id, NEW.other_id, NEW.other_id, NEW.case_id),
                HINT = 'mark the newer case as the duplicate of the older one, never both ways';
        END IF;
    END IF;
    NEW.linked_by := public.verity_actor_id();
    NEW.linked_at := public.verity_now();
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION verdict_proposals_before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := public.verity_actor_id();
    case_state text;
BEGIN
    PERFORM public.verity_require_visible_case(NEW.case_id);
    IF NOT public.verity_four_eyes() THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('four-eyes is off: case %s is assessed directly, not proposed', NEW.case_id),
            HINT = 'assess it with `verity case assess`, or turn four-eyes on with `verity config set four-eyes on`';
    END IF;
    SELECT c.state INTO case_state FROM public.cases c WHERE c.id = NEW.case_id FOR NO KEY UPDATE;
    IF case_state IS DISTINCT FROM 'evidence-pending' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR001',
            MESSAGE = format('case %s is %s; a verdict is proposed only for an evidence-pending case', NEW.case_id, case_state);
    END IF;
    IF EXISTS (SELECT 1 FROM public.verdict_proposals p WHERE p.case_id = NEW.case_id AND p.state = 'pending') THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('case %s already has a verdict awaiting sign-off', NEW.case_id),
            HINT = format('sign it off or reject it first: `verity case sign-off %s` or `verity case sign-off %s --reject --reason ...`',
                          NEW.case_id, NEW.case_id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.evidence_notes n WHERE n.case_id = NEW.case_id AND n.retracted_at IS NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('case %s has no evidence notes; an assessment must rest on at least one', NEW.case_id),
            HINT = format('add one with `verity evidence add %s --stance ... --credibility N --note ...`', NEW.case_id);
    END IF;
    PERFORM public.verity_require_assessor(NEW.case_id, actor, 'propose its verdict');
    NEW.proposed_by := actor;
    NEW.proposed_at := public.verity_now();
    NEW.state := 'pending';
    NEW.decided_by := NULL;
    NEW.decided_at := NULL;
    NEW.reason := NULL;
    RETURN NEW;
END $$;

-- Pending → signed-off (by a second reviewer), rejected (with a reason) or
-- withdrawn (when the case leaves evidence-pending). Nothing else changes.
CREATE OR REPLACE FUNCTION verdict_proposals_before_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := public.verity_actor_id();
BEGIN
    -- A withdrawal follows a state change of the case, already checked; a decision needs the case visible.
    IF NEW.state IS DISTINCT FROM 'withdrawn' THEN
        PERFORM public.verity_require_visible_case(OLD.case_id);
    END IF;
    IF (NEW.id, NEW.case_id, NEW.verdict, NEW.confidence, NEW.rationale, NEW.proposed_by, NEW.proposed_at)
       IS DISTINCT FROM
       (OLD.id, OLD.case_id, OLD.verdict, OLD.confidence, OLD.rationale, OLD.proposed_by, OLD.proposed_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('verdict proposal %s cannot be edited', OLD.id),
            HINT = 'reject it with a reason and propose again; both stay in the record';
    END IF;
    IF OLD.state <> 'pending' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('verdict proposal %s of case %s was already %s', OLD.id, OLD.case_id, OLD.state);
    END IF;
    IF NEW.state = 'pending' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004', MESSAGE = format('verdict proposal %s is decided only by sign-off or rejection', OLD.id);
    END IF;
    IF NEW.state IN ('signed-off', 'rejected') THEN
        -- Signing off needs a second pair of eyes; sending back does not (the proposer may take theirs back).
        IF NEW.state = 'signed-off' THEN
            PERFORM public.verity_require_second_pair(OLD, actor);
        END IF;
        PERFORM public.verity_require_assessor(OLD.case_id, actor,
            CASE NEW.state WHEN 'signed-off' THEN 'sign off its verdict' ELSE 'reject its verdict' END);
        NEW.reason := coalesce(public.verity_setting_or_null(NEW.reason), public.verity_setting('verity.reason'));
        IF NEW.state = 'rejected' AND NEW.reason IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('rejecting the proposed verdict of case %s needs a reason', OLD.case_id),
                HINT = 'give one with --reason';
        END IF;
    END IF;
    NEW.decided_by := actor;
    NEW.decided_at := public.verity_now();
    RETURN NEW;
END $$;

-- Signs off the pending proposal of a case and assesses the case with it, in
-- one step. Returns the proposal's id.
CREATE OR REPLACE FUNCTION verity_sign_off(p_case_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    proposal public.verdict_proposals%ROWTYPE;
BEGIN
    PERFORM public.verity_require_visible_case(p_case_id);
    PERFORM 1 FROM public.cases c WHERE c.id = p_case_id FOR NO KEY UPDATE;
    SELECT * INTO proposal FROM public.verdict_proposals p WHERE p.case_id = p_case_id AND p.state = 'pending' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('case %s has no verdict awaiting sign-off', p_case_id),
            HINT = format('propose one with `verity case assess %s --verdict ... --confidence N --rationale ...`', p_case_id);
    END IF;
    UPDATE public.verdict_proposals SET state = 'signed-off' WHERE id = proposal.id;
    PERFORM set_config('verity.sign_off', proposal.id::text, true);
    UPDATE public.cases SET state = 'assessed', verdict = proposal.verdict, confidence = proposal.confidence,
                            rationale = proposal.rationale
     WHERE id = p_case_id;
    PERFORM set_config('verity.sign_off', '', true);
    RETURN proposal.id;
END $$;

-- ---------------------------------------------------------------- every function's search_path (1)

-- A function without a fixed search_path resolves table names in the caller's
-- path, where pg_temp comes first unless listed: a login's temporary table
-- would stand in for a Verity table. Fix the path of every Verity function
-- (in schema public, not an extension's) that has none.
DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND p.prokind IN ('f', 'p')  -- an aggregate runs its support functions, which are fixed here
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
           AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c(setting) WHERE c.setting LIKE 'search_path=%')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', fn);
    END LOOP;
END $$;
