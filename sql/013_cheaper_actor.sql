-- 013: the acting reviewer in one query for the usual case. Since 006,
-- verity_actor_id() looked up the connected login among reviewers and then
-- asked three role-membership questions before reading verity.actor; it runs
-- for every row a trigger touches, and an import of 100,000 cases spent 64 s
-- of its 140 s there (BENCHMARKS.md, pg_stat_user_functions). The database
-- owner and superusers name the actor with verity.actor (--as), as 006
-- documents, so for them one query answers: who is connected, and which
-- reviewer is named. Every other login takes 006's path unchanged.
CREATE OR REPLACE FUNCTION verity_actor_id() RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    handle_given text := verity_setting('verity.actor');
    trusted boolean;
    given_id bigint;
    given_active boolean;
    reviewer_row record;
BEGIN
    SELECT r.rolsuper OR pg_has_role(session_user, d.datdba, 'MEMBER'), v.id, v.active
      INTO trusted, given_id, given_active
      FROM pg_roles r
      JOIN pg_database d ON d.datname = current_database()
      LEFT JOIN reviewers v ON v.handle = handle_given
     WHERE r.rolname = session_user;
    IF trusted AND given_active THEN
        RETURN given_id;
    END IF;

    -- Everything else, and every refusal, as in 006.
    IF NOT trusted THEN
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
