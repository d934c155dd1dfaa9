-- Access: the table and column changes behind the access rules of
-- ../definitions/60_access.sql and 50_custody_output.sql.
--
-- * reviewer_password_changes: who changed which login's password, and when
--   (never the password or its verifier). Append-only (its triggers are in
--   60_access.sql).
-- * output_log.case_ids: the cases an output covered by name (report case,
--   export claimreview), so that a row can follow their visibility; the log
--   is under row-level security from here on.
-- * No Verity login keeps CREATEROLE (on PostgreSQL 15 it allows GRANT
--   pg_execute_server_program and so COPY ... TO PROGRAM: a shell as the
--   server's OS user). Logins are managed through the owner's functions.

-- The policy on sources read this view, which listed the ids of hidden
-- sources to every reviewer; 60_access.sql defines the policy anew.
DROP POLICY IF EXISTS sources_visible ON public.sources;
DROP VIEW IF EXISTS public.verity_restricted_source_links;

CREATE TABLE public.reviewer_password_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       text NOT NULL,
    -- The reviewer who made the change (NULL for the owner or a superuser without --as).
    changed_by  text,
    db_user     text NOT NULL DEFAULT session_user,
    at          timestamptz NOT NULL DEFAULT now()
);

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

ALTER TABLE public.output_log ADD COLUMN case_ids bigint[];
-- The log is append-only; filling the new column for rows logged before it
-- existed is the one exception (on a new desk there are none, nor a trigger yet).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.output_log) THEN
        ALTER TABLE public.output_log DISABLE TRIGGER output_log_append_only;
        UPDATE public.output_log o SET case_ids = ARRAY(
            SELECT c.id FROM public.cases c
             WHERE c.ref = ANY (names.list) OR c.id::text = ANY (names.list))
          FROM (SELECT l.id, ARRAY(SELECT jsonb_array_elements_text(
                          CASE jsonb_typeof(l.filters->'cases') WHEN 'array' THEN l.filters->'cases' ELSE '[]'::jsonb END))
                        || ARRAY[l.filters->>'case'] AS list
                  FROM public.output_log l) names
         WHERE names.id = o.id AND (o.filters ? 'case' OR o.filters ? 'cases');
        ALTER TABLE public.output_log ENABLE TRIGGER output_log_append_only;
    END IF;
END $$;
ALTER TABLE public.output_log ENABLE ROW LEVEL SECURITY;
