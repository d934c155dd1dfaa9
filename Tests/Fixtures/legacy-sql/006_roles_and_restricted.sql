-- 006: roles, login reviewers and restricted cases (see the README, "Roles and restricted cases").
--
-- * A reviewer may have a database login role (reviewers.login). A session
--   whose session_user is such a login acts as that reviewer, always: a
--   different verity.actor setting is refused (VR003).
-- * A restricted case (graphic or personal material) and everything hanging
--   off it (history, evidence, source links, assignments, and sources linked
--   only to restricted cases) is visible only to the reviewers assigned to it,
--   editors and admins, the database owner, members of verity_admin and
--   superusers. Row-level security enforces it, keyed on current_user, so
--   every reader (case list, search, reports, export, psql) sees the same.
--   RLS is ENABLEd, not FORCEd: the tables' owner (the embedded cluster's
--   superuser, i.e. the desk admin) sees everything.
-- * The functions that write case_history run as their owner (SECURITY
--   DEFINER, with a fixed search_path), so a reviewer role needs no INSERT on
--   case_history, and cannot call verity_record itself.
-- * `verity db roles` creates the group roles verity_reader, verity_reviewer
--   and verity_admin and grants them what verity_access_grants lists (below).

ALTER TABLE cases ADD COLUMN restricted boolean NOT NULL DEFAULT false;
CREATE INDEX cases_restricted ON cases (id) WHERE restricted;

-- The login role of a reviewer (a role name: the handle rules, at most 63 bytes).
ALTER TABLE reviewers ADD COLUMN login text
    CONSTRAINT reviewer_login_unique UNIQUE
    CONSTRAINT reviewer_login_format CHECK (login ~ '^[a-z0-9._-]{1,63}$' AND login !~ '^pg_');

ALTER TABLE case_history DROP CONSTRAINT history_action_known;
ALTER TABLE case_history ADD CONSTRAINT history_action_known CHECK (action IN (
    'open', 'update', 'dispute', 'move', 'assess', 'reopen', 'assign', 'unassign',
    'link-source', 'add-evidence', 'retract-evidence', 'restrict', 'unrestrict'));

-- ---------------------------------------------------------------- privileges

-- What `verity db roles` grants beyond SELECT (which verity_reader gets on
-- every table and view). A migration that adds a table reviewers write lists
-- it here; a table not listed is read-only for every group role.
CREATE TABLE verity_access_grants (
    table_name  text NOT NULL,
    grantee     text NOT NULL CONSTRAINT access_grantee_known CHECK (grantee IN ('verity_reviewer', 'verity_admin')),
    privileges  text NOT NULL
                CONSTRAINT access_privileges_known CHECK (privileges ~ '^(INSERT|UPDATE|DELETE)(, (INSERT|UPDATE|DELETE))*$'),
    PRIMARY KEY (table_name, grantee)
);
INSERT INTO verity_access_grants (table_name, grantee, privileges) VALUES
    ('cases', 'verity_reviewer', 'INSERT, UPDATE'),
    ('evidence_notes', 'verity_reviewer', 'INSERT, UPDATE'),
    ('case_sources', 'verity_reviewer', 'INSERT, UPDATE'),
    -- unassigning deletes the assignment (the trigger records it in the history)
    ('case_assignments', 'verity_reviewer', 'INSERT, UPDATE, DELETE'),
    ('sources', 'verity_reviewer', 'INSERT, UPDATE'),
    ('reviewers', 'verity_admin', 'INSERT, UPDATE');

-- ---------------------------------------------------------------- identity

-- Whether the connected login is confined to a reviewer identity: a member of
-- a Verity group role that is not a superuser, the database owner or an admin.
CREATE FUNCTION verity_login_confined() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT r.rolsuper
       AND NOT pg_has_role(session_user, d.datdba, 'MEMBER')
       AND NOT coalesce(pg_has_role(session_user, (SELECT oid FROM pg_roles WHERE rolname = 'verity_admin'), 'MEMBER'), false)
       AND coalesce(pg_has_role(session_user, (SELECT oid FROM pg_roles WHERE rolname = 'verity_reader'), 'MEMBER'), false)
      FROM pg_roles r, pg_database d
     WHERE r.rolname = session_user AND d.datname = current_database()
$$;

-- The acting reviewer's id. A login mapped to a reviewer is that reviewer
-- (session_user cannot be changed by the client); otherwise verity.actor
-- names the reviewer, as before, unless the login is a confined one.
CREATE OR REPLACE FUNCTION verity_actor_id() RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
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

-- ---------------------------------------------------------------- visibility

-- Whether current_user sees every case: a superuser, a member of the database
-- owner or of verity_admin, or the login of an active editor or admin.
CREATE FUNCTION verity_sees_all() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT r.rolsuper
        OR pg_has_role(current_user, d.datdba, 'MEMBER')
        OR coalesce(pg_has_role(current_user, (SELECT oid FROM pg_roles WHERE rolname = 'verity_admin'), 'MEMBER'), false)
        OR EXISTS (SELECT 1 FROM reviewers v WHERE v.login = current_user::text AND v.active AND v.role IN ('editor', 'admin'))
      FROM pg_roles r, pg_database d
     WHERE r.rolname = current_user AND d.datname = current_database()
$$;

-- The cases current_user's reviewer is assigned to. A view (not
-- security_invoker) reads case_assignments with its owner's rights, so the
-- policy on cases can use it without recursing into case_assignments' policy.
CREATE VIEW verity_my_cases AS
    SELECT a.case_id FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
     WHERE r.login = current_user::text AND r.active;

-- Sources linked to a restricted case (read with the owner's rights, as above).
CREATE VIEW verity_restricted_source_links AS
    SELECT cs.source_id FROM case_sources cs JOIN cases c ON c.id = cs.case_id WHERE c.restricted;

ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
-- Unrestricted rows pass on the first test; verity_sees_all() runs once per
-- query (an InitPlan); the assignment list is one hashed or indexed lookup.
CREATE POLICY cases_visible ON cases
    USING (NOT restricted OR (SELECT verity_sees_all()) OR id IN (SELECT m.case_id FROM verity_my_cases m));

-- Whether current_user may see case `case_id`: the policy on cases decides.
-- Other tables that hang off a case reuse it in their policies.
CREATE FUNCTION verity_case_visible(case_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM cases c WHERE c.id = $1)
$$;

-- Tables that belong to a case follow the case: an indexed lookup of the case
-- (under its policy), which the planner may turn into one hashed scan.
ALTER TABLE case_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_history_visible ON case_history
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_history.case_id));
ALTER TABLE evidence_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY evidence_notes_visible ON evidence_notes
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = evidence_notes.case_id));
ALTER TABLE case_sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_sources_visible ON case_sources
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_sources.case_id));
ALTER TABLE case_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_assignments_visible ON case_assignments
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_assignments.case_id));
-- A source linked only to restricted cases is personal material too: visible
-- when it has no restricted link or at least one link the user can see.
ALTER TABLE sources ENABLE ROW LEVEL SECURITY;
CREATE POLICY sources_visible ON sources
    USING (NOT EXISTS (SELECT 1 FROM verity_restricted_source_links l WHERE l.source_id = sources.id)
           OR EXISTS (SELECT 1 FROM case_sources cs WHERE cs.source_id = sources.id));

-- ---------------------------------------------------------------- recording restrictions

CREATE FUNCTION cases_after_restrict() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('%s case %s needs a reason', CASE WHEN NEW.restricted THEN 'restricting' ELSE 'lifting the restriction of' END, NEW.id),
            HINT = 'say why with --reason (e.g. "graphic images of victims")';
    END IF;
    PERFORM verity_record(NEW.id, CASE WHEN NEW.restricted THEN 'restrict' ELSE 'unrestrict' END, NULL, NULL, '{}'::jsonb);
    RETURN NULL;
END $$;

CREATE TRIGGER cases_after_restrict AFTER UPDATE OF restricted ON cases
    FOR EACH ROW WHEN (NEW.restricted IS DISTINCT FROM OLD.restricted) EXECUTE FUNCTION cases_after_restrict();
-- Named to fire after cases_after_insert (triggers fire in name order): open, then restrict.
CREATE TRIGGER cases_after_insert_restricted AFTER INSERT ON cases
    FOR EACH ROW WHEN (NEW.restricted) EXECUTE FUNCTION cases_after_restrict();

-- ---------------------------------------------------------------- history writers run as their owner

ALTER FUNCTION verity_record(bigint, text, text, text, jsonb)
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
REVOKE EXECUTE ON FUNCTION verity_record(bigint, text, text, text, jsonb) FROM PUBLIC;
ALTER FUNCTION cases_after_insert() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION cases_after_update() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION case_assignments_after_write() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION case_sources_after_insert() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION evidence_notes_after_write() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
-- verity_actor_id() and verity_now() are called both from ordinary trigger
-- functions and from the SECURITY DEFINER ones above. A plpgsql function's
-- cached plans are re-planned whenever it runs under another search_path, and
-- in a long transaction (an import) that re-planning at every call made the
-- server process grow by hundreds of kB per record (2,000 cases: 6.6 GB, then
-- killed). With their own fixed search_path they always run under one path.
-- (verity_actor_id has it in its definition above.) Any function called from
-- both kinds of code needs the same clause.
ALTER FUNCTION verity_now() SET search_path = pg_catalog, public, pg_temp;
-- The head hash anchors the whole database, whoever asks: it reveals no content.
ALTER FUNCTION verity_history_head() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
