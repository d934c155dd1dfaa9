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
--
-- Who "the session" is inside a SECURITY DEFINER function: session_user (the
-- login; current_user is the owner there), as in 017.

-- ---------------------------------------------------------------- Tables

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
