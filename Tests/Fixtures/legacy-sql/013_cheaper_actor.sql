-- 013: the acting reviewer in one query for the usual case. Since 006,
-- verity_actor_id() looked up the connected login among reviewers and then
-- asked three role-membership questions before reading verity.actor; it runs
-- for every row a trigger touches, and an import of 100,000 cases spent 64 s
-- of its 140 s there (BENCHMARKS.md, pg_stat_user_functions). The database
-- owner and superusers name the actor with verity.actor (--as), as 006
-- documents, so for them one query answers: who is connected, and which
-- reviewer is named. Every other case, and every refusal, goes to 006's
-- function unchanged, kept under the name verity_actor_id_checked.
ALTER FUNCTION verity_actor_id() RENAME TO verity_actor_id_checked;

CREATE FUNCTION verity_actor_id() RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
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
