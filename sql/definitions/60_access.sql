-- Access: who sees what. Visibility functions behind the row-level security policies, the policies themselves, the login management functions (SECURITY DEFINER, owner only through them) and the view of a reviewer's own cases.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- Records restricting or lifting a restriction, which needs a reason.
CREATE OR REPLACE FUNCTION public.cases_after_restrict() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('%s case %s needs a reason', CASE WHEN NEW.restricted THEN 'restricting' ELSE 'lifting the restriction of' END, NEW.id),
            HINT = 'say why with --reason (e.g. "graphic images of victims")';
    END IF;
    PERFORM verity_record(NEW.id, CASE WHEN NEW.restricted THEN 'restrict' ELSE 'unrestrict' END, NULL, NULL, '{}'::jsonb);
    RETURN NULL;
END $$;

-- Whether current_user may see case `case_id`: the policy on cases decides.
CREATE OR REPLACE FUNCTION public.verity_case_visible(case_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
    SELECT EXISTS (SELECT 1 FROM public.cases c WHERE c.id = $1)
$_$;

-- Whether role p_role may see case p_case_id, decided without row-level
-- security (for SECURITY DEFINER functions, which run as the owner): the rule
-- of the policy on cases. False for a case that does not exist.
CREATE OR REPLACE FUNCTION public.verity_case_visible_to(p_role name, p_case_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.cases c
         WHERE c.id = p_case_id
           AND (NOT c.restricted
                OR public.verity_sees_all_as(p_role)
                OR EXISTS (SELECT 1 FROM public.case_assignments a JOIN public.reviewers r ON r.id = a.reviewer_id
                            WHERE a.case_id = c.id AND r.login = p_role::text AND r.active)))
$$;

-- Creates the login role of reviewer p_login (whose reviewers.login is already
-- p_login) in group p_group, with a SCRAM verifier computed by the client.
-- Runs as the desk owner: callers need no CREATEROLE, and can create nothing else.
CREATE OR REPLACE FUNCTION public.verity_create_login(p_login text, p_verifier text, p_group text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
END $_$;
REVOKE ALL ON FUNCTION public.verity_create_login(p_login text, p_verifier text, p_group text) FROM PUBLIC;

-- Makes a deactivated reviewer's login unable to connect (NOLOGIN).
CREATE OR REPLACE FUNCTION public.verity_disable_login(p_login text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
REVOKE ALL ON FUNCTION public.verity_disable_login(p_login text) FROM PUBLIC;

-- Whether the connected login is confined to a reviewer identity: a member of
-- a Verity group role that is not a superuser, the database owner or an admin.
CREATE OR REPLACE FUNCTION public.verity_login_confined() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT NOT r.rolsuper
       AND NOT pg_catalog.pg_has_role(session_user, d.datdba, 'MEMBER')
       AND NOT coalesce(pg_catalog.pg_has_role(session_user,
               (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_admin'), 'MEMBER'), false)
       AND coalesce(pg_catalog.pg_has_role(session_user,
               (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_reader'), 'MEMBER'), false)
      FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
     WHERE r.rolname = session_user AND d.datname = pg_catalog.current_database()
$$;

-- Whether the connected user may manage reviewer logins: a superuser, a member
-- of the database owner, or an admin login (a member of verity_admin).
CREATE OR REPLACE FUNCTION public.verity_may_manage_logins() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT r.rolsuper
        OR pg_catalog.pg_has_role(session_user, d.datdba, 'MEMBER')
        OR coalesce(pg_catalog.pg_has_role(session_user,
               (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_admin'), 'MEMBER'), false)
      FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
     WHERE r.rolname = session_user AND d.datname = pg_catalog.current_database()
$$;

-- Refuses anything but an existing reviewer login that is an ordinary member
-- of a Verity group (never a superuser, never a role with special powers).
CREATE OR REPLACE FUNCTION public.verity_require_reviewer_login(p_login text, p_must_exist boolean) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
END $_$;

-- Refuses a case the connected login may not see as if it did not exist.
CREATE OR REPLACE FUNCTION public.verity_require_visible_case(p_case_id bigint) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT public.verity_case_visible_to(session_user, p_case_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no case %s', p_case_id),
            HINT = 'list cases with `verity case list`';
    END IF;
END $$;

-- Refuses a source the connected login may not see, with the error of a
-- source that does not exist (before the foreign key would say so).
CREATE OR REPLACE FUNCTION public.verity_require_visible_source() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.source_id IS NOT NULL AND NOT public.verity_source_visible_to(session_user, NEW.source_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no source %s', NEW.source_id),
            HINT = 'list sources with `verity source list`';
    END IF;
    RETURN NEW;
END $$;

-- Whether current_user sees every case (the policies' question).
CREATE OR REPLACE FUNCTION public.verity_sees_all() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT public.verity_sees_all_as(current_user)
$$;

-- Whether role p_role sees every case: a superuser, a member of the database
-- owner or of verity_admin, or the login of an active editor or admin.
-- plpgsql, not SQL: with its SET clause an SQL function is planned again on every
-- call, and the visibility triggers call this once per row written (150 us a call).
CREATE OR REPLACE FUNCTION public.verity_sees_all_as(p_role name) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN coalesce((
        SELECT r.rolsuper
            OR pg_catalog.pg_has_role(p_role, d.datdba, 'MEMBER')
            OR coalesce(pg_catalog.pg_has_role(p_role,
                   (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = 'verity_admin'), 'MEMBER'), false)
            OR EXISTS (SELECT 1 FROM public.reviewers v
                        WHERE v.login = p_role::text AND v.active AND v.role IN ('editor', 'admin'))
          FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
         WHERE r.rolname = p_role AND d.datname = pg_catalog.current_database()), false);
END $$;

-- Gives reviewer login p_login a new password (a SCRAM verifier computed by
-- the client) and records who did it and when. A login may change its own
-- password; a desk admin may change any reviewer login's.
CREATE OR REPLACE FUNCTION public.verity_set_login_password(p_login text, p_verifier text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
END $_$;
REVOKE ALL ON FUNCTION public.verity_set_login_password(p_login text, p_verifier text) FROM PUBLIC;

-- Whether source p_source_id exists and is linked to no case at all, read with
-- the owner's rights. It answers false both for a hidden source and for one
-- that does not exist, so calling it reveals nothing.
CREATE OR REPLACE FUNCTION public.verity_source_unlinked(p_source_id bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT EXISTS (SELECT 1 FROM public.sources s WHERE s.id = p_source_id)
       AND NOT EXISTS (SELECT 1 FROM public.case_sources cs WHERE cs.source_id = p_source_id)
$$;

-- Whether role p_role may see source p_source_id (the rule of the policy on
-- sources, without row-level security): it exists, and it has no link to a
-- restricted case or a link to a case p_role may see.
CREATE OR REPLACE FUNCTION public.verity_source_visible_to(p_role name, p_source_id bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    -- (plpgsql for its kept plans, as verity_sees_all_as: called once per row written)
    RETURN EXISTS (SELECT 1 FROM public.sources s WHERE s.id = p_source_id)
       AND (public.verity_sees_all_as(p_role)
            OR NOT EXISTS (SELECT 1 FROM public.case_sources cs JOIN public.cases c ON c.id = cs.case_id
                            WHERE cs.source_id = p_source_id AND c.restricted)
            OR EXISTS (SELECT 1 FROM public.case_sources cs
                        WHERE cs.source_id = p_source_id AND public.verity_case_visible_to(p_role, cs.case_id)));
END $$;

-- ------------------------------ views

-- The cases current_user's reviewer is assigned to. A view (not
-- security_invoker) reads case_assignments with its owner's rights, so the
-- policy on cases can use it without recursing into case_assignments' policy.
CREATE OR REPLACE VIEW public.verity_my_cases AS
 SELECT a.case_id
   FROM (public.case_assignments a
     JOIN public.reviewers r ON ((r.id = a.reviewer_id)))
  WHERE ((r.login = (CURRENT_USER)::text) AND r.active);

-- ------------------------------ triggers
-- A trigger WHEN (verity.engine ... pg_database_owner ...) is skipped while the import
-- engine writes set-based what it would do, in a session of the desk owner or a superuser
-- only (who may disable triggers anyway): see the top of 70_import.sql.
CREATE OR REPLACE TRIGGER case_sources_aa_visible_source BEFORE INSERT ON public.case_sources FOR EACH ROW WHEN (((new.source_id IS NOT NULL)) AND (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER'))) EXECUTE FUNCTION public.verity_require_visible_source();
CREATE OR REPLACE TRIGGER cases_after_insert_restricted AFTER INSERT ON public.cases FOR EACH ROW WHEN (new.restricted) EXECUTE FUNCTION public.cases_after_restrict();
CREATE OR REPLACE TRIGGER cases_after_restrict AFTER UPDATE OF restricted ON public.cases FOR EACH ROW WHEN ((new.restricted IS DISTINCT FROM old.restricted)) EXECUTE FUNCTION public.cases_after_restrict();
CREATE OR REPLACE TRIGGER evidence_notes_aa_visible_source BEFORE INSERT OR UPDATE OF source_id ON public.evidence_notes FOR EACH ROW WHEN (((new.source_id IS NOT NULL)) AND (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER'))) EXECUTE FUNCTION public.verity_require_visible_source();
CREATE OR REPLACE TRIGGER reviewer_password_changes_append_only BEFORE DELETE OR UPDATE ON public.reviewer_password_changes FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER reviewer_password_changes_no_truncate BEFORE TRUNCATE ON public.reviewer_password_changes FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();

-- ------------------------------ row-level security policies

DROP POLICY IF EXISTS case_assignments_visible ON public.case_assignments;
CREATE POLICY case_assignments_visible ON public.case_assignments USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_assignments.case_id))));

DROP POLICY IF EXISTS case_history_visible ON public.case_history;
CREATE POLICY case_history_visible ON public.case_history USING (((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_history.case_id))) AND
CASE
    WHEN ((action = ANY (ARRAY['link-case'::text, 'unlink-case'::text])) AND (details ? 'other_case_id'::text)) THEN public.verity_case_visible(((details ->> 'other_case_id'::text))::bigint)
    ELSE true
END));

DROP POLICY IF EXISTS case_links_visible ON public.case_links;
CREATE POLICY case_links_visible ON public.case_links USING (((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_links.case_id))) AND (EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_links.other_id)))));

DROP POLICY IF EXISTS case_sources_visible ON public.case_sources;
CREATE POLICY case_sources_visible ON public.case_sources USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_sources.case_id))));

-- Unrestricted rows pass on the first test; verity_sees_all() runs once per
-- query (an InitPlan); the assignment list is one hashed or indexed lookup.
DROP POLICY IF EXISTS cases_visible ON public.cases;
CREATE POLICY cases_visible ON public.cases USING (((NOT restricted) OR ( SELECT public.verity_sees_all() AS verity_sees_all) OR (id IN ( SELECT m.case_id
   FROM public.verity_my_cases m))));

DROP POLICY IF EXISTS evidence_notes_visible ON public.evidence_notes;
CREATE POLICY evidence_notes_visible ON public.evidence_notes USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = evidence_notes.case_id))));

-- A logged output about named cases is visible only to who may see every one of them.
DROP POLICY IF EXISTS output_log_visible ON public.output_log;
CREATE POLICY output_log_visible ON public.output_log USING ((( SELECT public.verity_sees_all() AS verity_sees_all) OR (case_ids IS NULL) OR (NOT (EXISTS ( SELECT 1
   FROM unnest(output_log.case_ids) c(id)
  WHERE (NOT public.verity_case_visible(c.id)))))));

DROP POLICY IF EXISTS source_custody_events_visible ON public.source_custody_events;
CREATE POLICY source_custody_events_visible ON public.source_custody_events USING ((EXISTS ( SELECT 1
   FROM public.sources s
  WHERE (s.id = source_custody_events.source_id))));

-- A source is visible when it has a link the user can see (links follow their
-- case) or no link at all; a source linked only to restricted cases the user
-- cannot see is hidden. Most rows pass on the first two tests (an InitPlan,
-- then a semi-join); only sources without a visible link call the function.
DROP POLICY IF EXISTS sources_visible ON public.sources;
CREATE POLICY sources_visible ON public.sources USING ((( SELECT public.verity_sees_all() AS verity_sees_all) OR (EXISTS ( SELECT 1
   FROM public.case_sources cs
  WHERE (cs.source_id = sources.id))) OR public.verity_source_unlinked(id)));

DROP POLICY IF EXISTS verdict_proposals_visible ON public.verdict_proposals;
CREATE POLICY verdict_proposals_visible ON public.verdict_proposals USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = verdict_proposals.case_id))));

DROP POLICY IF EXISTS record_history_visible ON public.record_history;
CREATE POLICY record_history_visible ON public.record_history FOR SELECT
    USING (table_name = 'reviewers'
           OR (SELECT public.verity_sees_all())
           OR EXISTS (SELECT 1 FROM public.sources s WHERE s.id = row_id));
