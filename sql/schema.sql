-- The whole schema of a Verity desk, as pg_dump prints a freshly migrated one.
-- Generated (`make schema`); never edited, never applied. The sources are
-- sql/migrations/ (tables) and sql/definitions/ (functions, triggers, views,
-- policies); a test fails when this file and they disagree.
--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: unaccent; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;


--
-- Name: EXTENSION unaccent; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION unaccent IS 'text search dictionary that removes accents';


--
-- Name: case_assignments_after_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_assignments_after_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    -- (the handle by a subquery, not a join, so that the rows keep the order they were
    -- inserted in, which a hash join need not keep: the chain then follows the statement)
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.assigned_at, n.assigned_by, 'assign', NULL, NULL, why,
           under || pg_catalog.jsonb_build_object(
               'reviewer', (SELECT r.handle FROM public.reviewers r WHERE r.id = n.reviewer_id), 'lead', n.is_lead) || over
      FROM verity_new_assignments n;
    RETURN NULL;
END $$;


--
-- Name: case_assignments_after_write(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_assignments_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    target record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT handle INTO target FROM reviewers WHERE id = OLD.reviewer_id;
        PERFORM verity_record(OLD.case_id, 'unassign', NULL, NULL, jsonb_build_object('reviewer', target.handle));
        RETURN NULL;
    END IF;
    SELECT handle INTO target FROM reviewers WHERE id = NEW.reviewer_id;
    PERFORM verity_record(NEW.case_id, 'assign', NULL, NULL,
                          jsonb_build_object('reviewer', target.handle, 'lead', NEW.is_lead));
    RETURN NULL;
END $$;


--
-- Name: case_assignments_before_write(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_assignments_before_write() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.case_id, NEW.reviewer_id) IS DISTINCT FROM (OLD.case_id, OLD.reviewer_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('the assignment of reviewer %s to case %s keeps its case and reviewer',
                             (SELECT handle FROM reviewers WHERE id = OLD.reviewer_id), OLD.case_id),
            HINT = 'unassign and assign again; both stay in the record';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM reviewers WHERE id = NEW.reviewer_id AND active) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003',
            MESSAGE = format('reviewer %s is deactivated and cannot be assigned',
                             (SELECT handle FROM reviewers WHERE id = NEW.reviewer_id));
    END IF;
    NEW.assigned_by := verity_actor_id();
    IF TG_OP = 'INSERT' THEN
        NEW.assigned_at := verity_now();
    END IF;
    RETURN NEW;
END $$;


--
-- Name: case_history_chain(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_history_chain() RETURNS trigger
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


--
-- Name: case_links_after_write(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_links_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    act text := CASE TG_OP WHEN 'INSERT' THEN 'link-case' ELSE 'unlink-case' END;
    saved_reason text := verity_setting('verity.reason');
BEGIN
    PERFORM set_config('verity.reason', CASE TG_OP WHEN 'INSERT' THEN NEW.reason ELSE NEW.unlink_reason END, true);
    PERFORM verity_record(NEW.case_id, act, NULL, NULL, jsonb_strip_nulls(jsonb_build_object(
        'link_id', NEW.id, 'kind', NEW.kind, 'direction', 'outgoing', 'other_case_id', NEW.other_id,
        'other_ref', (SELECT ref FROM cases WHERE id = NEW.other_id))));
    PERFORM verity_record(NEW.other_id, act, NULL, NULL, jsonb_strip_nulls(jsonb_build_object(
        'link_id', NEW.id, 'kind', NEW.kind, 'direction', 'incoming', 'other_case_id', NEW.case_id,
        'other_ref', (SELECT ref FROM cases WHERE id = NEW.case_id))));
    PERFORM set_config('verity.reason', coalesce(saved_reason, ''), true);
    RETURN NULL;
END $$;


--
-- Name: case_links_before_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_links_before_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: case_links_before_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_links_before_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF (NEW.id, NEW.case_id, NEW.other_id, NEW.kind, NEW.reason, NEW.linked_by, NEW.linked_at)
       IS DISTINCT FROM (OLD.id, OLD.case_id, OLD.other_id, OLD.kind, OLD.reason, OLD.linked_by, OLD.linked_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('case link %s cannot be edited', OLD.id),
            HINT = 'unlink it with a reason and link again; both stay in the record';
    END IF;
    IF OLD.unlinked_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('case link %s was already unlinked', OLD.id);
    END IF;
    NEW.unlink_reason := coalesce(verity_setting_or_null(NEW.unlink_reason), verity_setting('verity.reason'));
    IF NEW.unlink_reason IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('unlinking case %s from case %s needs a reason', OLD.case_id, OLD.other_id),
            HINT = 'give one with --reason';
    END IF;
    NEW.unlinked_by := verity_actor_id();
    NEW.unlinked_at := verity_now();
    RETURN NEW;
END $$;


--
-- Name: case_sources_after_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_sources_after_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    extra jsonb := public.verity_history_extra(NULL);
    trusted boolean := extra = '{}'::jsonb OR public.verity_history_trusted();
    over jsonb := CASE WHEN trusted THEN extra ELSE '{}'::jsonb END;
    under jsonb := CASE WHEN trusted THEN '{}'::jsonb ELSE extra END;
    why text := public.verity_setting('verity.reason');
BEGIN
    -- (the source by a subquery, not a join, so that the rows keep the order they were
    -- inserted in, which a hash join need not keep: the chain then follows the statement)
    INSERT INTO public.case_history (case_id, at, actor_id, action, from_state, to_state, reason, details)
    SELECT n.case_id, n.linked_at, n.linked_by, 'link-source', NULL, NULL, why,
           under || coalesce((SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                                         'source_id', s.id, 'source_ref', s.ref, 'url', s.url, 'title', s.title,
                                         'role', n.role))
                                FROM public.sources s WHERE s.id = n.source_id),
                             '{}'::jsonb) || over
      FROM verity_new_links n;
    RETURN NULL;
END $$;


--
-- Name: case_sources_before_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_sources_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    NEW.linked_by := verity_actor_id();
    NEW.linked_at := verity_now();
    RETURN NEW;
END $$;


--
-- Name: case_sources_before_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.case_sources_before_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF (NEW.case_id, NEW.source_id, NEW.linked_by, NEW.linked_at)
       IS DISTINCT FROM (OLD.case_id, OLD.source_id, OLD.linked_by, OLD.linked_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = 'case_sources is append-only: update is not allowed, except of a link''s role',
            HINT = 'link the source again; a link''s role is set with `verity source link SOURCE --case CASE --role ROLE`';
    END IF;
    IF NEW.role IS DISTINCT FROM OLD.role THEN
        IF NEW.role IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR004',
                MESSAGE = 'a link''s role, once said, is changed to the other role, never removed';
        END IF;
        PERFORM public.verity_record(NEW.case_id, 'source-role', NULL, NULL,
                                     pg_catalog.jsonb_build_object('source_id', NEW.source_id,
                                                                   'from', OLD.role, 'to', NEW.role));
    END IF;
    RETURN NEW;
END $$;


--
-- Name: cases_after_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cases_after_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
               'location', n.location, 'tags', pg_catalog.to_jsonb(n.tags), 'priority', n.priority, 'due', n.due,
               'latitude', n.latitude, 'longitude', n.longitude, 'claimant_type', n.claimant_type)) || over
      FROM verity_new_cases n;
    RETURN NULL;
END $$;


--
-- Name: cases_after_restrict(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cases_after_restrict() RETURNS trigger
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


--
-- Name: cases_after_update_proposals(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cases_after_update_proposals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    withdrawn record;
BEGIN
    IF OLD.state = 'evidence-pending' AND NEW.state <> 'evidence-pending' THEN
        FOR withdrawn IN
            UPDATE public.verdict_proposals SET state = 'withdrawn',
                   reason = format('withdrawn: the case moved to %s', NEW.state)
             WHERE case_id = NEW.id AND state = 'pending'
            RETURNING verdict, confidence, proposed_by
        LOOP
            -- Reported to the client that moved the case (VRW01), so that the command can say so.
            RAISE NOTICE USING ERRCODE = 'VRW01',
                MESSAGE = format('withdrew the verdict awaiting sign-off of case %s', NEW.id),
                DETAIL = jsonb_build_object(
                    'case_id', NEW.id, 'verdict', withdrawn.verdict, 'confidence', withdrawn.confidence,
                    'proposed_by', (SELECT r.handle FROM public.reviewers r WHERE r.id = withdrawn.proposed_by))::text;
        END LOOP;
    END IF;
    RETURN NULL;
END $$;


--
-- Name: cases_before_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cases_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.state <> 'claimed' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR001',
            MESSAGE = format('a new case starts as claimed, not %s', NEW.state),
            HINT = 'open the case, then move it through the workflow so that its history shows each step';
    END IF;
    NEW.created_by := verity_actor_id();
    NEW.created_at := verity_now();
    NEW.updated_at := NEW.created_at;
    NEW.state_changed_at := NEW.created_at;
    NEW.version := 1;
    RETURN NEW;
END $$;


--
-- Name: cases_before_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cases_before_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    step case_transitions%ROWTYPE;
    allowed text;
    actor bigint;
    proposal verdict_proposals%ROWTYPE;
    -- How the CLI names a case: its id, and its reference in brackets.
    label text := OLD.id || coalesce(' (' || OLD.ref || ')', '');
BEGIN
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at OR NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004', MESSAGE = 'a case''s id and opening are fixed';
    END IF;
    actor := verity_actor_id();
    NEW.version := OLD.version + 1;
    NEW.updated_at := verity_now();

    IF NEW.state IS NOT DISTINCT FROM OLD.state THEN
        IF (NEW.verdict, NEW.confidence, NEW.rationale, NEW.assessed_by, NEW.assessed_at)
           IS DISTINCT FROM (OLD.verdict, OLD.confidence, OLD.rationale, OLD.assessed_by, OLD.assessed_at) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('the verdict of case %s changes only by assessing or reopening it', OLD.id);
        END IF;
        NEW.state_changed_at := OLD.state_changed_at;
        RETURN NEW;
    END IF;

    SELECT * INTO step FROM case_transitions WHERE from_state = OLD.state AND to_state = NEW.state;
    IF NOT FOUND THEN
        SELECT string_agg(t.to_state, ', ' ORDER BY s.position) INTO allowed
          FROM case_transitions t JOIN case_states s ON s.state = t.to_state
         WHERE t.from_state = OLD.state;
        RAISE EXCEPTION USING ERRCODE = 'VR001',
            MESSAGE = format('case %s is %s and cannot move to %s; allowed from %s: %s',
                             label, OLD.state, NEW.state, OLD.state, coalesce(allowed, 'none')),
            DETAIL = 'the allowed transitions are listed in the table case_transitions';
    END IF;
    -- VR005: input the command must be given (exit 64 in the CLI), not a refusal.
    IF step.requires_reason AND verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR005',
            MESSAGE = format('%s case %s needs a reason',
                             CASE step.action WHEN 'dispute' THEN 'disputing' WHEN 'reopen' THEN 'reopening' ELSE 'moving' END,
                             label),
            HINT = 'say why with --reason "..."';
    END IF;
    NEW.state_changed_at := verity_now();

    IF NEW.state = 'assessed' THEN
        IF NEW.verdict IS NULL OR NEW.confidence IS NULL OR verity_setting_or_null(NEW.rationale) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('assessing case %s needs a verdict, a confidence (1-6) and a rationale', OLD.id);
        END IF;
        IF public.verity_missing_evidence(OLD.id, OLD.id::text) IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = public.verity_missing_evidence(OLD.id, OLD.id::text),
                HINT = format('add one with `verity evidence add %s --stance ... --credibility N --note ...`', OLD.id);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM case_assignments WHERE case_id = OLD.id AND reviewer_id = actor)
           AND NOT EXISTS (SELECT 1 FROM reviewers WHERE id = actor AND role IN ('editor', 'admin')) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('reviewer "%s" is not assigned to case %s and is not an editor, so cannot assess it',
                                 verity_setting('verity.actor'), OLD.id),
                HINT = format('assign them first: `verity case assign %s --to %s`', OLD.id, verity_setting('verity.actor'));
        END IF;
        -- Four-eyes: only verity_sign_off assesses, with the proposal a second reviewer just signed off.
        IF verity_four_eyes() THEN
            SELECT * INTO proposal FROM verdict_proposals
             WHERE id = (CASE WHEN verity_setting('verity.sign_off') ~ '^[0-9]{1,18}$'
                              THEN verity_setting('verity.sign_off')::bigint END)
               AND case_id = OLD.id;
            IF NOT FOUND OR proposal.state <> 'signed-off' OR proposal.decided_by IS DISTINCT FROM actor
               OR proposal.decided_at < OLD.state_changed_at
               OR (proposal.verdict, proposal.confidence, proposal.rationale)
                  IS DISTINCT FROM (NEW.verdict, NEW.confidence, NEW.rationale) THEN
                RAISE EXCEPTION USING ERRCODE = 'VR002',
                    MESSAGE = format('four-eyes is on: case %s is assessed only when a second reviewer signs off a proposed verdict', OLD.id),
                    HINT = format('propose with `verity case assess %s ...`; another reviewer then runs `verity case sign-off %s`', OLD.id, OLD.id);
            END IF;
            PERFORM verity_require_second_pair(proposal, actor);
        END IF;
        NEW.assessed_by := actor;
        NEW.assessed_at := NEW.state_changed_at;
    ELSE
        NEW.verdict := NULL;
        NEW.confidence := NULL;
        NEW.rationale := NULL;
        NEW.assessed_by := NULL;
        NEW.assessed_at := NULL;
    END IF;
    RETURN NEW;
END $_$;


--
-- Name: cases_record_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cases_record_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    step_action text;
    changes jsonb := '{}';
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        SELECT action INTO step_action FROM case_transitions WHERE from_state = OLD.state AND to_state = NEW.state;
        PERFORM verity_record(NEW.id, step_action, OLD.state, NEW.state, CASE
            WHEN NEW.state = 'assessed' THEN jsonb_build_object(
                'verdict', NEW.verdict, 'confidence', NEW.confidence, 'rationale', NEW.rationale)
            WHEN OLD.state = 'assessed' THEN jsonb_build_object(
                'previous_verdict', OLD.verdict, 'previous_confidence', OLD.confidence)
            ELSE '{}'::jsonb END);
    END IF;
    -- What was claimed, by whom and when is what the verdict is about: changing it needs a
    -- reason in the history, as a dispute does.
    IF (NEW.claim, NEW.claimant, NEW.claimed_at) IS DISTINCT FROM (OLD.claim, OLD.claimant, OLD.claimed_at)
       AND verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR005',
            MESSAGE = format('changing the %s of case %s needs a reason',
                             concat_ws(', ', CASE WHEN NEW.claim IS DISTINCT FROM OLD.claim THEN 'claim' END,
                                       CASE WHEN NEW.claimant IS DISTINCT FROM OLD.claimant THEN 'claimant' END,
                                       CASE WHEN NEW.claimed_at IS DISTINCT FROM OLD.claimed_at THEN 'claim time' END),
                             coalesce(NEW.ref, NEW.id::text)),
            HINT = 'say why with --reason (e.g. "the quote was mistranscribed"); it is recorded in the history';
    END IF;
    IF (NEW.ref, NEW.claim, NEW.claimant, NEW.claimed_at, NEW.location, NEW.tags, NEW.priority, NEW.due,
        NEW.latitude, NEW.longitude, NEW.claimant_type)
       IS DISTINCT FROM (OLD.ref, OLD.claim, OLD.claimant, OLD.claimed_at, OLD.location, OLD.tags, OLD.priority, OLD.due,
                         OLD.latitude, OLD.longitude, OLD.claimant_type) THEN
        IF NEW.ref IS DISTINCT FROM OLD.ref THEN
            changes := changes || jsonb_build_object('ref', jsonb_build_object('from', to_jsonb(OLD.ref), 'to', to_jsonb(NEW.ref)));
        END IF;
        IF NEW.claim IS DISTINCT FROM OLD.claim THEN
            changes := changes || jsonb_build_object('claim', jsonb_build_object('from', to_jsonb(OLD.claim), 'to', to_jsonb(NEW.claim)));
        END IF;
        IF NEW.claimant IS DISTINCT FROM OLD.claimant THEN
            changes := changes || jsonb_build_object('claimant', jsonb_build_object('from', to_jsonb(OLD.claimant), 'to', to_jsonb(NEW.claimant)));
        END IF;
        IF NEW.claimed_at IS DISTINCT FROM OLD.claimed_at THEN
            changes := changes || jsonb_build_object('claimed_at', jsonb_build_object('from', to_jsonb(OLD.claimed_at), 'to', to_jsonb(NEW.claimed_at)));
        END IF;
        IF NEW.location IS DISTINCT FROM OLD.location THEN
            changes := changes || jsonb_build_object('location', jsonb_build_object('from', to_jsonb(OLD.location), 'to', to_jsonb(NEW.location)));
        END IF;
        IF NEW.tags IS DISTINCT FROM OLD.tags THEN
            changes := changes || jsonb_build_object('tags', jsonb_build_object('from', to_jsonb(OLD.tags), 'to', to_jsonb(NEW.tags)));
        END IF;
        IF NEW.priority IS DISTINCT FROM OLD.priority THEN
            changes := changes || jsonb_build_object('priority', jsonb_build_object('from', to_jsonb(OLD.priority), 'to', to_jsonb(NEW.priority)));
        END IF;
        IF NEW.due IS DISTINCT FROM OLD.due THEN
            changes := changes || jsonb_build_object('due', jsonb_build_object('from', to_jsonb(OLD.due), 'to', to_jsonb(NEW.due)));
        END IF;
        IF NEW.claimant_type IS DISTINCT FROM OLD.claimant_type THEN
            changes := changes || jsonb_build_object('claimant_type', jsonb_build_object('from', to_jsonb(OLD.claimant_type), 'to', to_jsonb(NEW.claimant_type)));
        END IF;
        IF NEW.latitude IS DISTINCT FROM OLD.latitude THEN
            changes := changes || jsonb_build_object('latitude', jsonb_build_object('from', to_jsonb(OLD.latitude), 'to', to_jsonb(NEW.latitude)));
        END IF;
        IF NEW.longitude IS DISTINCT FROM OLD.longitude THEN
            changes := changes || jsonb_build_object('longitude', jsonb_build_object('from', to_jsonb(OLD.longitude), 'to', to_jsonb(NEW.longitude)));
        END IF;
        PERFORM verity_record(NEW.id, 'update', NULL, NULL, changes);
    END IF;
    RETURN NEW;
END $$;


--
-- Name: desk_settings_before_write(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.desk_settings_before_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    actor bigint := verity_actor_id();
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'INSERT' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('desk settings are fixed rows: %s is not allowed', lower(TG_OP)),
            HINT = 'change a setting with `verity config set NAME VALUE`';
    END IF;
    IF NEW.key <> OLD.key THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004', MESSAGE = 'a desk setting''s name is fixed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM reviewers WHERE id = actor AND role IN ('editor', 'admin')) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('reviewer "%s" is not an editor or admin, so cannot change the desk setting %s',
                             verity_setting('verity.actor'), OLD.key),
            HINT = 'ask an editor to run it with --as EDITOR';
    END IF;
    NEW.updated_by := actor;
    NEW.updated_at := verity_now();
    IF NEW.value IS DISTINCT FROM OLD.value THEN
        INSERT INTO desk_settings_history (key, old_value, new_value, changed_by, changed_at, reason)
        VALUES (NEW.key, OLD.value, NEW.value, actor, NEW.updated_at, verity_setting('verity.reason'));
    END IF;
    RETURN NEW;
END $$;


--
-- Name: evidence_notes_after_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.evidence_notes_after_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
               'note_id', n.id, 'stance', n.stance, 'credibility', n.credibility, 'source_id', n.source_id,
               'note_sha256', public.verity_note_digest(n.note))) || over
      FROM verity_new_notes n;
    RETURN NULL;
END $$;


--
-- Name: evidence_notes_after_write(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.evidence_notes_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM verity_record(NEW.case_id, 'add-evidence', NULL, NULL, jsonb_strip_nulls(jsonb_build_object(
            'note_id', NEW.id, 'stance', NEW.stance, 'credibility', NEW.credibility, 'source_id', NEW.source_id,
            'note_sha256', public.verity_note_digest(NEW.note))));
    ELSE
        PERFORM set_config('verity.reason', NEW.retraction_reason, true);
        PERFORM verity_record(NEW.case_id, 'retract-evidence', NULL, NULL, jsonb_build_object('note_id', NEW.id));
    END IF;
    RETURN NULL;
END $$;


--
-- Name: evidence_notes_before_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.evidence_notes_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.retracted_at IS NOT NULL OR NEW.retraction_reason IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = 'a new evidence note cannot start retracted';
    END IF;
    NEW.author_id := verity_actor_id();
    NEW.created_at := verity_now();
    RETURN NEW;
END $$;


--
-- Name: evidence_notes_before_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.evidence_notes_before_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF (NEW.id, NEW.case_id, NEW.source_id, NEW.author_id, NEW.stance, NEW.credibility, NEW.note, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.case_id, OLD.source_id, OLD.author_id, OLD.stance, OLD.credibility, OLD.note, OLD.created_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR004',
            MESSAGE = format('evidence note %s cannot be edited', OLD.id),
            HINT = 'retract it with a reason and add a new note; both stay in the record';
    END IF;
    IF OLD.retracted_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('evidence note %s was already retracted on %s', OLD.id, OLD.retracted_at);
    END IF;
    NEW.retraction_reason := coalesce(verity_setting_or_null(NEW.retraction_reason), verity_setting('verity.reason'));
    IF NEW.retraction_reason IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('retracting evidence note %s needs a reason', OLD.id), HINT = 'give one with --reason';
    END IF;
    NEW.retracted_by := verity_actor_id();
    NEW.retracted_at := verity_now();
    RETURN NEW;
END $$;


--
-- Name: record_history_after_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_history_after_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: record_history_after_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_history_after_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: source_custody_events_chain(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.source_custody_events_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM 1 FROM sources WHERE id = NEW.source_id FOR NO KEY UPDATE;
    SELECT e.seq, e.hash INTO last_seq, last_hash
      FROM source_custody_events e WHERE e.source_id = NEW.source_id ORDER BY e.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := verity_custody_hash(NEW);
    RETURN NEW;
END $$;


--
-- Name: sources_before_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sources_before_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: sources_ensure_collected(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sources_ensure_collected() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.file_sha256 IS NULL
       OR EXISTS (SELECT 1 FROM source_custody_events e WHERE e.source_id = NEW.id AND e.event = 'collected') THEN
        RETURN NULL;
    END IF;
    INSERT INTO source_custody_events (source_id, event, at, recorded_at, actor_id, sha256, copy_kind, file_name, file_size, note)
    VALUES (NEW.id, 'collected', NEW.created_at, now(), NEW.added_by, NEW.file_sha256, 'evidentiary', NEW.file_name,
            NEW.file_size, 'recorded when the source was written without collection details (e.g. by verity import)');
    RETURN NULL;
END $$;


--
-- Name: verdict_proposals_after_write(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verdict_proposals_after_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    proposal jsonb := jsonb_build_object('proposal_id', NEW.id, 'verdict', NEW.verdict,
                                         'confidence', NEW.confidence, 'rationale', NEW.rationale);
    saved_reason text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM verity_record(NEW.case_id, 'propose-verdict', NULL, NULL, proposal);
    ELSIF NEW.state = 'signed-off' THEN
        -- The history row's reason is the proposal's (as for every decision), which `audit verify` compares.
        saved_reason := verity_setting('verity.reason');
        PERFORM set_config('verity.reason', coalesce(NEW.reason, ''), true);
        PERFORM verity_record(NEW.case_id, 'sign-off', NULL, NULL,
            proposal || jsonb_build_object('proposed_by', (SELECT handle FROM reviewers WHERE id = NEW.proposed_by)));
        PERFORM set_config('verity.reason', coalesce(saved_reason, ''), true);
    ELSIF NEW.state = 'rejected' THEN
        PERFORM set_config('verity.reason', NEW.reason, true);
        PERFORM verity_record(NEW.case_id, 'reject-verdict', NULL, NULL,
            proposal || jsonb_build_object('proposed_by', (SELECT handle FROM reviewers WHERE id = NEW.proposed_by)));
    ELSIF NEW.state = 'withdrawn' AND OLD.state = 'pending' THEN
        saved_reason := verity_setting('verity.reason');
        PERFORM set_config('verity.reason', NEW.reason, true);
        PERFORM verity_record(NEW.case_id, 'withdraw-verdict', NULL, NULL,
            proposal || jsonb_build_object('proposed_by', (SELECT handle FROM reviewers WHERE id = NEW.proposed_by)));
        PERFORM set_config('verity.reason', coalesce(saved_reason, ''), true);
    END IF;
    RETURN NULL;
END $$;


--
-- Name: verdict_proposals_before_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verdict_proposals_before_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
    IF public.verity_missing_evidence(NEW.case_id, NEW.case_id::text) IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = public.verity_missing_evidence(NEW.case_id, NEW.case_id::text),
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


--
-- Name: verdict_proposals_before_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verdict_proposals_before_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_actor_id(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_actor_id() RETURNS bigint
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


--
-- Name: verity_actor_id_checked(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_actor_id_checked() RETURNS bigint
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


--
-- Name: verity_archive_columns(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_archive_columns(p_table text, p_prefix text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT pg_catalog.string_agg(p_prefix || pg_catalog.quote_ident(a.attname::text), ', ' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = pg_catalog.to_regclass('public.' || pg_catalog.quote_ident(p_table))
       AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
$$;


--
-- Name: verity_archive_compare(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_archive_compare() RETURNS TABLE(kind text, created bigint, updated bigint, unchanged bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $$
DECLARE
    t text;
    key text;
    same bigint;
    total bigint;
BEGIN
    FOREACH t IN ARRAY public.verity_archive_tables() LOOP
        key := CASE t
            WHEN 'case_sources' THEN 'x.case_id = (s.record -> ''row'' ->> ''case_id'')::bigint AND x.source_id = (s.record -> ''row'' ->> ''source_id'')::bigint'
            WHEN 'case_assignments' THEN 'x.case_id = (s.record -> ''row'' ->> ''case_id'')::bigint AND x.reviewer_id = (s.record -> ''row'' ->> ''reviewer_id'')::bigint'
            WHEN 'desk_settings' THEN 'x.key = s.record -> ''row'' ->> ''key'''
            ELSE 'x.id = (s.record -> ''row'' ->> ''id'')::bigint' END;
        EXECUTE format(
            'SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM public.%I x WHERE %s '
            || 'AND (pg_catalog.to_jsonb(x) - ''search'') = s.record -> ''row'')) '
            || 'FROM pg_temp.verity_archive_rows s WHERE s.record ->> ''table'' = %L', t, key, t)
          INTO total, same;
        IF total > 0 THEN
            kind := t; created := 0; updated := 0; unchanged := same;
            RETURN NEXT;
            IF total > same THEN
                kind := t || ' (not restored)'; created := 0; updated := 0; unchanged := total - same;
                RETURN NEXT;
            END IF;
        END IF;
    END LOOP;
END $$;


--
-- Name: verity_archive_desk_empty(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_archive_desk_empty() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT NOT EXISTS (SELECT 1 FROM public.reviewers) AND NOT EXISTS (SELECT 1 FROM public.cases)
       AND NOT EXISTS (SELECT 1 FROM public.sources) AND NOT EXISTS (SELECT 1 FROM public.case_history)
       AND NOT EXISTS (SELECT 1 FROM public.record_history) AND NOT EXISTS (SELECT 1 FROM public.desk_settings_history)
$$;


--
-- Name: verity_archive_restore(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_archive_restore() RETURNS TABLE(kind text, created bigint, updated bigint, unchanged bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $$
DECLARE
    tables text[] := public.verity_archive_tables();
    t text;
    written bigint;
    bad record;
BEGIN
    IF NOT public.verity_history_trusted() THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'restoring an archive writes the history as it was recorded, which only the desk owner or a superuser may do',
            HINT = 'run the import as the database owner (the user `verity db start` or `verity db init` set up), not as a reviewer login';
    END IF;
    IF NOT public.verity_archive_desk_empty() THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'an archive is restored only into an empty desk, and this one already has reviewers, cases, sources or history';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_temp.verity_archive_rows s WHERE s.record ->> 'table' = 'output_log')
       AND EXISTS (SELECT 1 FROM public.output_log) THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'the archive holds an output log, and this desk already has one of its own',
            HINT = 'restore into a new desk, or export without --with-output-log';
    END IF;
    SELECT s.line, s.record ->> 'table' AS name INTO bad
      FROM pg_temp.verity_archive_rows s
     WHERE NOT (coalesce(s.record ->> 'table', '') = ANY (tables))
        OR pg_catalog.jsonb_typeof(s.record -> 'row') IS DISTINCT FROM 'object'
     ORDER BY s.line LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('an archive record names the table "%s", which is not one an archive holds, or has no "row" object',
                             left(coalesce(bad.name, ''), 40)),
            DETAIL = format('import line %s', bad.line),
            HINT = 'the tables are ' || array_to_string(tables, ', ');
    END IF;

    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('ALTER TABLE public.%I DISABLE TRIGGER USER', t);
    END LOOP;
    -- A new desk's migrations write the default settings: the archive's values replace them.
    DELETE FROM public.desk_settings d
     WHERE EXISTS (SELECT 1 FROM pg_temp.verity_archive_rows s
                    WHERE s.record ->> 'table' = 'desk_settings' AND s.record -> 'row' ->> 'key' = d.key);
    FOREACH t IN ARRAY tables LOOP
        BEGIN
            EXECUTE format(
                'INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM pg_temp.verity_archive_rows s, '
                || 'jsonb_populate_record(NULL::public.%I, s.record -> ''row'') r WHERE s.record ->> ''table'' = %L ORDER BY s.line',
                t, public.verity_archive_columns(t, ''), public.verity_archive_columns(t, 'r.'), t, t);
        EXCEPTION WHEN others THEN
            -- Name the first record of the table that the database refused, by trying them one by one.
            DECLARE
                message text := SQLERRM;
                state text := SQLSTATE;
                one record;
            BEGIN
                FOR one IN SELECT s.line FROM pg_temp.verity_archive_rows s WHERE s.record ->> 'table' = t ORDER BY s.line LOOP
                    BEGIN
                        EXECUTE format(
                            'INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM pg_temp.verity_archive_rows s, '
                            || 'jsonb_populate_record(NULL::public.%I, s.record -> ''row'') r WHERE s.line = %s',
                            t, public.verity_archive_columns(t, ''), public.verity_archive_columns(t, 'r.'), t, one.line);
                    EXCEPTION WHEN others THEN
                        RAISE EXCEPTION USING ERRCODE = SQLSTATE,
                            MESSAGE = format('the archive row of %s could not be restored: %s', t, SQLERRM),
                            DETAIL = format('import line %s', one.line);
                    END;
                END LOOP;
                RAISE EXCEPTION USING ERRCODE = state, MESSAGE = format('the archive rows of %s could not be restored: %s', t, message);
            END;
        END;
        GET DIAGNOSTICS written = ROW_COUNT;
        kind := t; created := written; updated := 0; unchanged := 0;
        RETURN NEXT;
    END LOOP;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE TRIGGER USER', t);
    END LOOP;

    -- Every chain, recomputed from its rows, must carry the hashes the file carries: the
    -- case chains first, then the record chains, then custody, each at its first bad line.
    SELECT c.what, s.line INTO bad
      FROM (SELECT 1 AS rank, 'a case history row' AS what, 'case_history' AS tbl, h.id, h.hash, h.prev_hash, h.seq,
                   public.verity_history_hash(h.case_id, h.seq, h.at, h.actor_id, h.action, h.from_state, h.to_state,
                                              h.reason, h.details, h.prev_hash) AS recomputed,
                   pg_catalog.lag(h.hash) OVER (PARTITION BY h.case_id ORDER BY h.seq) AS before,
                   pg_catalog.row_number() OVER (PARTITION BY h.case_id ORDER BY h.seq) AS position
              FROM public.case_history h
            UNION ALL
            SELECT 2, 'a record history row', 'record_history', h.id, h.hash, h.prev_hash, h.seq,
                   public.verity_record_hash(h.table_name, h.row_id, h.seq, h.at, h.actor, h.db_user, h.action,
                                             h.fields, h.prev_hash),
                   pg_catalog.lag(h.hash) OVER (PARTITION BY h.table_name, h.row_id ORDER BY h.seq),
                   pg_catalog.row_number() OVER (PARTITION BY h.table_name, h.row_id ORDER BY h.seq)
              FROM public.record_history h
            UNION ALL
            SELECT 3, 'a custody event', 'source_custody_events', e.id, e.hash, e.prev_hash, e.seq,
                   public.verity_custody_hash(e),
                   pg_catalog.lag(e.hash) OVER (PARTITION BY e.source_id ORDER BY e.seq),
                   pg_catalog.row_number() OVER (PARTITION BY e.source_id ORDER BY e.seq)
              FROM public.source_custody_events e) c
      JOIN pg_temp.verity_archive_rows s
        ON s.record ->> 'table' = c.tbl AND (s.record -> 'row' ->> 'id')::bigint = c.id
     WHERE c.hash <> c.recomputed OR c.prev_hash IS DISTINCT FROM c.before OR c.seq <> c.position
     ORDER BY c.rank, s.line LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '22000',
            MESSAGE = format('%s does not match its hash or its place in its chain: the archive was edited after it was written', bad.what),
            DETAIL = format('import line %s', bad.line),
            HINT = 'restore the file as `verity export` wrote it';
    END IF;

    -- New rows of the new desk draw ids after the restored ones.
    FOREACH t IN ARRAY tables LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = pg_catalog.to_regclass('public.' || pg_catalog.quote_ident(t))
                      AND a.attname = 'id' AND a.attidentity <> '')
        THEN
            EXECUTE format('SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(%L, ''id''), max(id)) FROM public.%I HAVING max(id) IS NOT NULL',
                           'public.' || pg_catalog.quote_ident(t), t);
        END IF;
    END LOOP;
END $$;


--
-- Name: verity_archive_stage(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_archive_stage() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.verity_archive_rows;
    CREATE TEMPORARY TABLE verity_archive_rows (line bigint NOT NULL, record jsonb NOT NULL) ON COMMIT DROP;
END $$;


--
-- Name: verity_archive_tables(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_archive_tables() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT ARRAY['reviewers', 'cases', 'sources', 'case_sources', 'case_assignments', 'evidence_notes',
                 'verdict_proposals', 'case_links', 'desk_settings', 'desk_settings_history', 'case_history',
                 'record_history', 'source_custody_events', 'audit_stamps', 'output_log']
$$;


--
-- Name: verity_canonical_case(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_canonical_case(p_case_id bigint) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    WITH RECURSIVE chain (id, depth) AS (
        SELECT p_case_id, 0
        UNION ALL
        SELECT l.other_id, chain.depth + 1
          FROM chain JOIN case_links l ON l.case_id = chain.id AND l.kind = 'duplicate-of' AND l.unlinked_at IS NULL
         WHERE chain.depth < 1000
    )
    SELECT id FROM chain ORDER BY depth DESC LIMIT 1
$$;


--
-- Name: verity_case_visible(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_case_visible(case_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
    SELECT EXISTS (SELECT 1 FROM public.cases c WHERE c.id = $1)
$_$;


--
-- Name: verity_case_visible_to(name, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_case_visible_to(p_role name, p_case_id bigint) RETURNS boolean
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


--
-- Name: verity_create_login(text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_create_login(p_login text, p_verifier text, p_group text) RETURNS void
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


--
-- Name: verity_custody_event(bigint, text, timestamp with time zone, text, text, text, text, bigint, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_custody_event(p_source_id bigint, p_event text, p_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_tool text DEFAULT NULL::text, p_sha256 text DEFAULT NULL::text, p_copy_kind text DEFAULT NULL::text, p_file_name text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_to_holder text DEFAULT NULL::text, p_note text DEFAULT NULL::text, p_outcome text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    actor bigint := public.verity_actor_id();
    event_at timestamptz := coalesce(p_at, public.verity_now());
    collected_hash text;
    collected_at timestamptz;
    holder text;
    mismatch_seq bigint;
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
        -- A file whose last check found it is not the collected one is handed over only
        -- with a reason (verity.reason, `--despite-mismatch`), kept in the event's note.
        SELECT e.seq INTO mismatch_seq FROM (
            SELECT x.seq, x.event, x.outcome FROM public.source_custody_events x
             WHERE x.source_id = p_source_id AND x.event IN ('verified', 'corrected')
             ORDER BY x.seq DESC LIMIT 1) e
         WHERE e.event = 'verified' AND e.outcome = 'mismatch';
        IF mismatch_seq IS NOT NULL THEN
            IF public.verity_setting('verity.reason') IS NULL THEN
                -- VR005: input the command must be given (exit 64), as a missing reason is.
                RAISE EXCEPTION USING ERRCODE = 'VR005',
                    MESSAGE = format('source %s''s file failed its last verification (event %s: MISMATCH, the file checked is not the collected one); handing it over needs a reason',
                                     p_source_id, mismatch_seq),
                    HINT = 'verify a good copy first (`verity source verify ID --file PATH`), or hand it over with --despite-mismatch "why"; the reason is kept in the chain';
            END IF;
            p_note := format('handed over despite the mismatch of event %s: %s', mismatch_seq, public.verity_setting('verity.reason'))
                      || coalesce('; ' || nullif(btrim(p_note), ''), '');
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


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: source_custody_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.source_custody_events (
    id bigint NOT NULL,
    source_id bigint NOT NULL,
    event text NOT NULL,
    at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id bigint,
    tool text,
    sha256 text,
    copy_kind text,
    file_name text,
    file_size bigint,
    from_holder text,
    to_holder text,
    note text,
    outcome text,
    seq bigint NOT NULL,
    prev_hash text,
    hash text NOT NULL,
    CONSTRAINT custody_chain_start CHECK (((seq = 1) = (prev_hash IS NULL))),
    CONSTRAINT custody_copy_kind_known CHECK ((copy_kind = ANY (ARRAY['evidentiary'::text, 'working'::text]))),
    CONSTRAINT custody_correction_says_why CHECK (((event <> 'corrected'::text) OR (btrim(note) <> ''::text))),
    CONSTRAINT custody_event_known CHECK ((event = ANY (ARRAY['collected'::text, 'copied'::text, 'handed-over'::text, 'verified'::text, 'corrected'::text]))),
    CONSTRAINT custody_file_size_positive CHECK ((file_size >= 0)),
    CONSTRAINT custody_handover_names_holder CHECK (((event = 'handed-over'::text) = (to_holder IS NOT NULL))),
    CONSTRAINT custody_hash_hex CHECK (((length(hash) = 64) AND (hash !~ '[^0-9a-f]'::text))),
    CONSTRAINT custody_hashes_what_it_names CHECK (((event <> ALL (ARRAY['collected'::text, 'verified'::text, 'corrected'::text])) OR (sha256 IS NOT NULL))),
    CONSTRAINT custody_outcome_known CHECK ((outcome = ANY (ARRAY['match'::text, 'mismatch'::text]))),
    CONSTRAINT custody_prev_hash_hex CHECK (((length(prev_hash) = 64) AND (prev_hash !~ '[^0-9a-f]'::text))),
    CONSTRAINT custody_seq_positive CHECK ((seq >= 1)),
    CONSTRAINT custody_sha256_hex CHECK (((length(sha256) = 64) AND (sha256 !~ '[^0-9a-f]'::text))),
    CONSTRAINT custody_to_holder_present CHECK ((btrim(to_holder) <> ''::text)),
    CONSTRAINT custody_tool_present CHECK ((btrim(tool) <> ''::text)),
    CONSTRAINT custody_verified_has_outcome CHECK (((event = 'verified'::text) = (outcome IS NOT NULL))),
    CONSTRAINT source_custody_events_file_name_length CHECK ((char_length(file_name) <= 1000)),
    CONSTRAINT source_custody_events_from_holder_length CHECK ((char_length(from_holder) <= 200)),
    CONSTRAINT source_custody_events_note_length CHECK ((char_length(note) <= 20000)),
    CONSTRAINT source_custody_events_to_holder_length CHECK ((char_length(to_holder) <= 200)),
    CONSTRAINT source_custody_events_tool_length CHECK ((char_length(tool) <= 200))
);


--
-- Name: verity_custody_hash(public.source_custody_events); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_custody_hash(e public.source_custody_events) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    body text := 'verity-custody-v1' || E'\n' || e.source_id || E'\n' || e.seq || E'\n'
        || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
        || to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    field text;
BEGIN
    FOREACH field IN ARRAY ARRAY[e.actor_id::text, e.event, e.tool, e.sha256, e.copy_kind, e.file_name,
                                 e.file_size::text, e.from_holder, e.to_holder, e.note, e.outcome, e.prev_hash] LOOP
        body := body || E'\n' || coalesce(length(field) || ':' || field, '-');
    END LOOP;
    RETURN encode(sha256(convert_to(body, 'UTF8')), 'hex');
END $$;


--
-- Name: verity_custody_holder(bigint, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_custody_holder(p_source_id bigint, p_at timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT coalesce(
               (SELECT e.to_holder FROM source_custody_events e
                 WHERE e.source_id = p_source_id AND e.event = 'handed-over' AND e.at <= p_at
                 ORDER BY e.at DESC, e.id DESC LIMIT 1),
               (SELECT r.handle FROM source_custody_events e JOIN reviewers r ON r.id = e.actor_id
                 WHERE e.source_id = p_source_id AND e.event = 'collected' ORDER BY e.at, e.id LIMIT 1))
$$;


--
-- Name: verity_disable_login(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_disable_login(p_login text) RETURNS void
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


--
-- Name: verity_four_eyes(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_four_eyes() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT coalesce((SELECT value = 'on' FROM desk_settings WHERE key = 'four_eyes'), false)
$$;


--
-- Name: verity_history_chain_step(text, bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_history_chain_step(prev_hash text, p_case_id bigint, p_seq bigint, p_at timestamp with time zone, p_actor_id bigint, p_action text, p_from text, p_to text, p_reason text, p_details jsonb, p_start text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN verity_history_hash(p_case_id, p_seq, p_at, p_actor_id, p_action, p_from, p_to, p_reason, p_details,
                               coalesce(prev_hash, p_start));
END $$;


--
-- Name: verity_history_extra(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_history_extra(p_case_id bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_history_hash(bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_history_hash(p_case_id bigint, p_seq bigint, p_at timestamp with time zone, p_actor_id bigint, p_action text, p_from text, p_to text, p_reason text, p_details jsonb, p_prev_hash text) RETURNS text
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


--
-- Name: verity_history_head(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_history_head() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_history_trusted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_history_trusted() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN pg_catalog.pg_has_role(session_user, 'pg_database_owner', 'MEMBER');
END $$;


--
-- Name: verity_import_acting(bigint, text, timestamp with time zone, text, anyelement); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_acting(p_line bigint, p_actor text, p_at timestamp with time zone, p_reason text, value anyelement) RETURNS anyelement
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM setval('pg_temp.verity_import_line', p_line),
            set_config('verity.actor', coalesce(p_actor, ''), true),
            set_config('verity.at', coalesce(p_at::text, ''), true),
            set_config('verity.reason', coalesce(p_reason, ''), true);
    RETURN value;
END $$;


--
-- Name: verity_import_apply(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply(max_errors bigint DEFAULT 50) RETURNS TABLE(kind text, created bigint, updated bigint, unchanged bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
    current_line bigint;
    counts jsonb := '{}';
    evidence jsonb;
    links jsonb;
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
    engine boolean := public.verity_import_engine();
BEGIN
    -- The line of the record being written, set per row by the statements and loops of the
    -- phases: a sequence, because its value (unlike a setting) survives the error.
    CREATE TEMP SEQUENCE IF NOT EXISTS verity_import_line;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    -- What the engine has written and verity_import_flush has not recorded yet: new cases
    -- (phase 1), links (2, item: the source), assignments (3, item: the reviewer) and
    -- notes (4), in the order the triggers would have recorded them within each case...
    CREATE TEMP TABLE IF NOT EXISTS verity_import_pending (
        phase smallint NOT NULL, ord bigint NOT NULL, case_id bigint NOT NULL, item_id bigint NOT NULL
    ) ON COMMIT DROP;
    -- ... and the steps of verity_import_apply_steps' set-based walk (phase 5).
    CREATE TEMP TABLE IF NOT EXISTS verity_import_walk (
        line bigint, kind text, case_id bigint, to_state text, at timestamptz, reason text,
        verdict text, confidence integer, rationale text, ensure_state boolean,
        actor_id bigint, actor_active boolean, actor_role text,
        from_state text, prev_verdict text, prev_confidence integer, round bigint, n_steps bigint
    ) ON COMMIT DROP;
    TRUNCATE verity_import_pending, verity_import_walk;
    BEGIN
        -- The phases, in the order their records depend on each other.
        counts := public.verity_import_apply_reviewers();
        counts := counts || public.verity_import_apply_cases(engine);
        counts := counts || public.verity_import_apply_sources();
        links := public.verity_import_apply_links(engine);
        counts := counts || links;
        counts := counts || public.verity_import_apply_assignments(engine);
        evidence := public.verity_import_apply_evidence(engine);
        counts := counts || public.verity_import_apply_steps(engine, max_errors);
        -- Retractions and restrictions go through the row triggers, after what came before.
        PERFORM public.verity_import_flush();
        counts := counts || public.verity_import_apply_retractions(evidence);
        counts := counts || public.verity_import_apply_link_roles(links);
        PERFORM public.verity_import_apply_last();
    EXCEPTION WHEN OTHERS THEN
        IF current_line IS NULL THEN
            SELECT CASE WHEN is_called THEN last_value END INTO current_line FROM pg_temp.verity_import_line;
        END IF;
        GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
        RAISE EXCEPTION USING ERRCODE = err_state, MESSAGE = err_message,
            DETAIL = CASE WHEN current_line IS NULL THEN coalesce(err_detail, '')
                          ELSE 'import line ' || current_line || coalesce('; ' || nullif(err_detail, ''), '') END,
            HINT = coalesce(err_hint, '');
    END;
    PERFORM set_config('verity.actor', '', true), set_config('verity.at', '', true),
            set_config('verity.reason', '', true);
    RETURN QUERY
        SELECT e.key, (e.value ->> 0)::bigint, (e.value ->> 1)::bigint, (e.value ->> 2)::bigint
          FROM jsonb_each(counts) e;
END $$;


--
-- Name: verity_import_apply_assignments(boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_assignments(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    r record;
    existing_lead boolean;
BEGIN
    -- Cases that have no assignment yet and whose records name each reviewer
    -- once, with at most one lead: one INSERT (nothing to compare or demote).
    CREATE TEMP TABLE IF NOT EXISTS verity_import_simple_assignments (case_id bigint PRIMARY KEY) ON COMMIT DROP;
    TRUNCATE verity_import_simple_assignments;
    INSERT INTO verity_import_simple_assignments
    SELECT c.id
      FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
     WHERE s.kind = 'assignment'
     GROUP BY c.id
    HAVING count(*) = count(DISTINCT s.handle) AND count(*) FILTER (WHERE s.lead) <= 1
       AND NOT EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id);
    PERFORM set_config('verity.reason', '', true);
    IF engine AND public.verity_import_writable(ARRAY['assignment'])
       -- (case_assignments_before_write: a deactivated reviewer cannot be assigned)
       AND NOT EXISTS (SELECT 1 FROM verity_import_rows s JOIN reviewers v ON v.handle = s.handle
                        WHERE s.kind = 'assignment' AND NOT v.active) THEN
        -- with what case_assignments_before_write fills in; the history waits for the flush
        PERFORM set_config('verity.engine', 'on', true);
        WITH chosen AS (
            SELECT s.line, c.id AS case_id, a.id AS reviewer_id, s.lead, v.id AS actor_id, s.at
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              JOIN reviewers a ON a.handle = s.handle
              JOIN reviewers v ON v.handle = s.by_handle
             WHERE s.kind = 'assignment'
               AND EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)),
        made AS (
            INSERT INTO case_assignments (case_id, reviewer_id, is_lead, assigned_by, assigned_at)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', k.line) > 0 THEN k.case_id END, k.reviewer_id,
                   k.lead, k.actor_id, coalesce(k.at, now())
              FROM chosen k ORDER BY k.line
            RETURNING case_id)
        INSERT INTO verity_import_pending SELECT 3, k.line, k.case_id, k.reviewer_id FROM chosen k;
        SELECT count(*) INTO n_created FROM verity_import_pending WHERE phase = 3;
        PERFORM set_config('verity.engine', '', true);
    ELSE
        INSERT INTO case_assignments (case_id, reviewer_id, is_lead)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), v.id, s.lead
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          JOIN reviewers v ON v.handle = s.handle
         WHERE s.kind = 'assignment'
           AND EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
    END IF;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    n_updated := 0; n_unchanged := 0;
    FOR r IN SELECT s.line, s.by_handle, s.at, s.lead, c.id AS case_id, v.id AS reviewer_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               JOIN reviewers v ON v.handle = s.handle
              WHERE s.kind = 'assignment'
                AND NOT EXISTS (SELECT 1 FROM verity_import_simple_assignments x WHERE x.case_id = c.id)
              ORDER BY s.line LOOP
        -- (the triggers write these rows' history: the engine's so far goes first)
        PERFORM public.verity_import_flush();
        PERFORM setval('pg_temp.verity_import_line', r.line);
        SELECT a.is_lead INTO existing_lead FROM case_assignments a
         WHERE a.case_id = r.case_id AND a.reviewer_id = r.reviewer_id;
        IF existing_lead IS NOT DISTINCT FROM r.lead THEN
            n_unchanged := n_unchanged + 1;
            CONTINUE;
        END IF;
        PERFORM set_config('verity.actor', r.by_handle, true),
                set_config('verity.at', coalesce(r.at::text, ''), true),
                set_config('verity.reason', '', true);
        IF r.lead THEN
            UPDATE case_assignments SET is_lead = false
             WHERE case_id = r.case_id AND is_lead AND reviewer_id <> r.reviewer_id;
        END IF;
        IF existing_lead IS NOT NULL THEN
            UPDATE case_assignments SET is_lead = r.lead WHERE case_id = r.case_id AND reviewer_id = r.reviewer_id;
            n_updated := n_updated + 1;
        ELSE
            INSERT INTO case_assignments (case_id, reviewer_id, is_lead) VALUES (r.case_id, r.reviewer_id, r.lead);
            n_created := n_created + 1;
        END IF;
    END LOOP;
    RETURN jsonb_build_object('assignment', jsonb_build_array(n_created, n_updated, n_unchanged));
END $$;


--
-- Name: verity_import_apply_cases(boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_cases(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    r record;
BEGIN
    -- Changed existing cases one by one (each UPDATE records what changed)... A partial record
    -- (another tool's export, which has no claimant, location, priority or due) leaves those as
    -- the desk has them, and its claim date and coordinates too when it has none.
    n_updated := 0; n_unchanged := 0;
    FOR r IN SELECT x.*,
                    (x.c_claim, x.c_claimant, x.c_claimed_at, x.c_location, x.c_tags, x.c_priority, x.c_due,
                     x.c_latitude, x.c_longitude, x.c_claimant_type)
                    IS NOT DISTINCT FROM (x.claim, x.claimant, x.claimed_at, x.location, x.tags, x.priority, x.due,
                                          x.latitude, x.longitude, x.claimant_type)
                    AS same
               FROM (SELECT s.line, s.by_handle, s.claim, s.tags,
                            CASE WHEN s.partial AND s.claimed_at IS NULL THEN c.claimed_at ELSE s.claimed_at END AS claimed_at,
                            CASE WHEN s.partial AND s.latitude IS NULL THEN c.latitude ELSE s.latitude END AS latitude,
                            CASE WHEN s.partial AND s.latitude IS NULL THEN c.longitude ELSE s.longitude END AS longitude,
                            CASE WHEN s.partial THEN c.claimant ELSE s.claimant END AS claimant,
                            CASE WHEN s.partial THEN c.location ELSE s.location END AS location,
                            CASE WHEN s.partial THEN c.priority ELSE s.priority END AS priority,
                            CASE WHEN s.partial THEN c.due ELSE s.due END AS due,
                            c.id AS case_id, c.claim AS c_claim, c.claimant AS c_claimant, c.claimed_at AS c_claimed_at,
                            c.location AS c_location, c.tags AS c_tags, c.priority AS c_priority, c.due AS c_due,
                            c.latitude AS c_latitude, c.longitude AS c_longitude,
                            -- (an import sets a claimant's type, never clears it)
                            coalesce(s.claimant_type, c.claimant_type) AS claimant_type, c.claimant_type AS c_claimant_type
                       FROM verity_import_rows s JOIN cases c ON c.ref = s.ref
                      WHERE s.kind = 'case') x
              ORDER BY x.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
        IF r.same THEN
            n_unchanged := n_unchanged + 1;
            CONTINUE;
        END IF;
        PERFORM set_config('verity.actor', r.by_handle, true),
                set_config('verity.reason', format('changed by an import (line %s)', r.line), true),
                set_config('verity.details', '', true),
                set_config('verity.at', '', true);
        UPDATE cases SET claim = r.claim, claimant = r.claimant, claimed_at = r.claimed_at,
               location = r.location, tags = r.tags, priority = r.priority, due = r.due,
               latitude = r.latitude, longitude = r.longitude, claimant_type = r.claimant_type
         WHERE id = r.case_id;
        n_updated := n_updated + 1;
    END LOOP;
    PERFORM set_config('verity.reason', '', true), set_config('verity.details', '', true);
    IF engine AND public.verity_import_writable(ARRAY['case']) THEN
        -- ... and new cases with one INSERT, with what cases_before_insert fills in (the
        -- record's reviewer and time, or now); their 'open' rows wait for the flush.
        -- (setval in the select list: evaluated per row after the sort, it names the line
        -- of a row that a constraint refuses.)
        PERFORM set_config('verity.engine', 'on', true);
        WITH made AS (
            INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due, latitude, longitude,
                               claimant_type, created_by, created_at, updated_at, state_changed_at, version)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', s.line) > 0 THEN s.ref END,
                   s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due, s.latitude, s.longitude,
                   s.claimant_type,
                   v.id, coalesce(s.at, now()), coalesce(s.at, now()), coalesce(s.at, now()), 1
              FROM verity_import_rows s JOIN reviewers v ON v.handle = s.by_handle
             WHERE s.kind = 'case' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.ref)
             ORDER BY s.line
            RETURNING id)
        INSERT INTO verity_import_pending SELECT 1, m.id, m.id, m.id FROM made m;
        GET DIAGNOSTICS n_created = ROW_COUNT;
        PERFORM set_config('verity.engine', '', true);
    ELSE
        -- ... or through the triggers: each row sets its own actor and time for the BEFORE
        -- trigger (verity_import_acting), and the statement-level AFTER trigger writes
        -- every 'open' row from the inserted rows.
        INSERT INTO cases (ref, claim, claimant, claimed_at, location, tags, priority, due, latitude, longitude,
                           claimant_type)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, s.ref),
               s.claim, s.claimant, s.claimed_at, s.location, s.tags, s.priority, s.due, s.latitude, s.longitude,
               s.claimant_type
          FROM verity_import_rows s
         WHERE s.kind = 'case' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.ref)
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
    END IF;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    RETURN jsonb_build_object('case', jsonb_build_array(n_created, n_updated, n_unchanged));
END $$;


--
-- Name: verity_import_apply_evidence(boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_evidence(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_unchanged bigint;
    r record;
BEGIN
    -- A note's first record in the import, when the case has no such note yet:
    -- one INSERT. Repeated records of a note are compared one by one.
    CREATE TEMP TABLE IF NOT EXISTS verity_import_repeated_notes (line bigint PRIMARY KEY) ON COMMIT DROP;
    TRUNCATE verity_import_repeated_notes;
    INSERT INTO verity_import_repeated_notes
    SELECT d.line FROM (
        SELECT s.line, row_number() OVER (PARTITION BY s.case_ref, s.note, s.stance, s.credibility, s.source_ref
                                          ORDER BY s.line) AS n
          FROM verity_import_rows s WHERE s.kind = 'evidence') d
     WHERE d.n > 1;
    SELECT count(*) INTO n_unchanged
      FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref LEFT JOIN sources o ON o.ref = s.source_ref
     WHERE s.kind = 'evidence' AND NOT EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
       AND EXISTS (SELECT 1 FROM evidence_notes e
                    WHERE e.case_id = c.id AND e.note = s.note AND e.stance = s.stance
                      AND e.credibility = s.credibility AND e.source_id IS NOT DISTINCT FROM o.id
                      AND (s.at IS NULL OR e.created_at = s.at));
    PERFORM set_config('verity.reason', '', true);
    IF engine AND public.verity_import_writable(ARRAY['evidence']) THEN
        -- with what evidence_notes_before_insert fills in; the history waits for the flush
        PERFORM set_config('verity.engine', 'on', true);
        WITH made AS (
            INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note, created_at)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', s.line) > 0 THEN c.id END, o.id, v.id,
                   s.stance, s.credibility, s.note, coalesce(s.at, now())
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              JOIN reviewers v ON v.handle = s.by_handle
              LEFT JOIN sources o ON o.ref = s.source_ref
             WHERE s.kind = 'evidence' AND NOT EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
               AND NOT EXISTS (SELECT 1 FROM evidence_notes e
                                WHERE e.case_id = c.id AND e.note = s.note AND e.stance = s.stance
                                  AND e.credibility = s.credibility AND e.source_id IS NOT DISTINCT FROM o.id
                                  AND (s.at IS NULL OR e.created_at = s.at))
             ORDER BY s.line
            RETURNING id, case_id)
        INSERT INTO verity_import_pending SELECT 4, m.id, m.case_id, m.id FROM made m;
        GET DIAGNOSTICS n_created = ROW_COUNT;
        PERFORM set_config('verity.engine', '', true);
    ELSE
        INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
        -- (author_id: set by evidence_notes_before_insert from verity_actor_id())
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), o.id, NULL::bigint, s.stance, s.credibility, s.note
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          LEFT JOIN sources o ON o.ref = s.source_ref
         WHERE s.kind = 'evidence' AND NOT EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
           AND NOT EXISTS (SELECT 1 FROM evidence_notes e
                            WHERE e.case_id = c.id AND e.note = s.note AND e.stance = s.stance
                              AND e.credibility = s.credibility AND e.source_id IS NOT DISTINCT FROM o.id
                              AND (s.at IS NULL OR e.created_at = s.at))
         ORDER BY s.line;
        GET DIAGNOSTICS n_created = ROW_COUNT;
    END IF;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    FOR r IN SELECT s.*, c.id AS case_id, o.id AS source_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               LEFT JOIN sources o ON o.ref = s.source_ref
              WHERE s.kind = 'evidence' AND EXISTS (SELECT 1 FROM verity_import_repeated_notes x WHERE x.line = s.line)
              ORDER BY s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
        IF EXISTS (SELECT 1 FROM evidence_notes e
                    WHERE e.case_id = r.case_id AND e.note = r.note AND e.stance = r.stance
                      AND e.credibility = r.credibility AND e.source_id IS NOT DISTINCT FROM r.source_id
                      AND (r.at IS NULL OR e.created_at = r.at)) THEN
            n_unchanged := n_unchanged + 1;
            CONTINUE;
        END IF;
        -- (the triggers write this note's history: the engine's so far goes first)
        PERFORM public.verity_import_flush();
        PERFORM set_config('verity.actor', r.by_handle, true),
                set_config('verity.at', coalesce(r.at::text, ''), true),
                set_config('verity.reason', '', true);
        INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
        VALUES (r.case_id, r.source_id, verity_actor_id(), r.stance, r.credibility, r.note);
        n_created := n_created + 1;
    END LOOP;
    RETURN jsonb_build_object('evidence', jsonb_build_array(n_created, 0, n_unchanged));
END $$;


--
-- Name: verity_import_apply_last(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_last() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    -- Only when a flag changes: a login's import may carry its desk's reviewers as they are.
    IF EXISTS (SELECT 1 FROM verity_import_rows s JOIN public.reviewers v ON s.handle = v.handle
                WHERE s.kind = 'reviewer' AND v.active IS DISTINCT FROM s.active) THEN
        IF NOT has_table_privilege('public.reviewers', 'UPDATE') THEN
            PERFORM setval('pg_temp.verity_import_line',
                           (SELECT min(s.line) FROM verity_import_rows s JOIN public.reviewers v ON s.handle = v.handle
                             WHERE s.kind = 'reviewer' AND v.active IS DISTINCT FROM s.active));
            RAISE EXCEPTION 'this reviewer record changes whether a reviewer is active, which only the desk owner does'
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'import the reviewers as the desk owner (or use verity reviewer deactivate), or leave them out of the file';
        END IF;
        UPDATE public.reviewers v SET active = s.active
          FROM verity_import_rows s
         WHERE s.kind = 'reviewer' AND s.handle = v.handle AND v.active IS DISTINCT FROM s.active;
    END IF;

    -- ------------------------------------------------------------ restriction, after the history
    -- A case the file marks restricted is restricted, with the reason it gives
    -- (the history's restrict row, by the case's author); an import never lifts
    -- a restriction.
    UPDATE cases c
       SET restricted = verity_import_acting(s.line, s.by_handle, NULL::timestamptz,
                                             coalesce(s.restriction_reason, 'restricted in the imported file'), true)
      FROM verity_import_rows s
     WHERE s.kind = 'case' AND s.restricted AND s.ref = c.ref AND NOT c.restricted;
END $$;


--
-- Name: verity_import_apply_link_roles(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_link_roles(links jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    n_updated bigint := 0;
BEGIN
    FOR r IN SELECT DISTINCT ON (c.id, o.id) s.line, s.by_handle, s.at, s.link_role, c.id AS case_id, o.id AS source_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               JOIN sources o ON o.ref = s.source_ref
               -- (only the links whose role changes: one set-based look, then a row each)
               JOIN case_sources l ON l.case_id = c.id AND l.source_id = o.id AND l.role IS DISTINCT FROM s.link_role
              WHERE s.kind = 'link' AND s.link_role IS NOT NULL
              ORDER BY c.id, o.id, s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
        PERFORM set_config('verity.actor', r.by_handle, true),
                set_config('verity.at', coalesce(r.at::text, ''), true),
                set_config('verity.reason', format('role set by an import (line %s)', r.line), true);
        UPDATE case_sources SET role = r.link_role
         WHERE case_id = r.case_id AND source_id = r.source_id AND role IS DISTINCT FROM r.link_role;
        IF FOUND THEN n_updated := n_updated + 1; END IF;
    END LOOP;
    PERFORM set_config('verity.reason', '', true);
    RETURN jsonb_build_object('link', jsonb_build_array((links->'link'->>0)::bigint, n_updated,
        greatest((links->'link'->>2)::bigint - n_updated, 0)));
END $$;


--
-- Name: verity_import_apply_links(boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_links(engine boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_unchanged bigint;
BEGIN
    SELECT count(*) FILTER (WHERE NOT present), count(*) FILTER (WHERE present)
      INTO n_created, n_unchanged
      FROM (SELECT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id) AS present
              FROM verity_import_rows s
              JOIN cases c ON c.ref = s.case_ref
              JOIN sources o ON o.ref = s.source_ref
             WHERE s.kind = 'link') l;
    PERFORM set_config('verity.reason', '', true);
    IF engine AND public.verity_import_writable(ARRAY['link']) THEN
        -- with what case_sources_before_insert fills in; the history waits for the flush
        PERFORM set_config('verity.engine', 'on', true);
        WITH firsts AS (
            SELECT DISTINCT ON (c.id, o.id) c.id AS case_id, o.id AS source_id, s.line, s.by_handle, s.at, s.ord,
                   coalesce(s.link_role,
                            CASE WHEN ev.case_ref IS NOT NULL
                                   OR EXISTS (SELECT 1 FROM evidence_notes n
                                               WHERE n.case_id = c.id AND n.source_id = o.id
                                                 AND n.stance IN ('supports', 'refutes') AND n.retracted_at IS NULL)
                                 THEN 'evidence' ELSE 'appearance' END) AS role
              FROM (SELECT i.*, row_number() OVER (ORDER BY i.line, i.ctid) AS ord
                      FROM verity_import_rows i WHERE i.kind = 'link') s
              JOIN cases c ON c.ref = s.case_ref
              JOIN sources o ON o.ref = s.source_ref
              -- the import's own supporting and refuting notes, by case and source (one pass)
              LEFT JOIN (SELECT DISTINCT e.case_ref, e.source_ref FROM verity_import_rows e
                      WHERE e.kind = 'evidence' AND e.stance IN ('supports', 'refutes') AND e.retraction_reason IS NULL) ev
                ON ev.case_ref = s.case_ref AND ev.source_ref = s.source_ref
             WHERE NOT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id)
             ORDER BY c.id, o.id, s.ord),
        made AS (
            INSERT INTO case_sources (case_id, source_id, linked_by, linked_at, role)
            SELECT CASE WHEN setval('pg_temp.verity_import_line', f.line) > 0 THEN f.case_id END, f.source_id,
                   v.id, coalesce(f.at, now()), f.role
              FROM firsts f JOIN reviewers v ON v.handle = f.by_handle
             ORDER BY f.ord
            RETURNING case_id, source_id)
        INSERT INTO verity_import_pending
        SELECT 2, f.ord, m.case_id, m.source_id
          FROM made m JOIN firsts f ON f.case_id = m.case_id AND f.source_id = m.source_id;
        PERFORM set_config('verity.engine', '', true);
    ELSE
        INSERT INTO case_sources (case_id, source_id, role)
        SELECT verity_import_acting(s.line, s.by_handle, s.at, NULL, c.id), o.id,
               coalesce(s.link_role,
                            CASE WHEN ev.case_ref IS NOT NULL
                                   OR EXISTS (SELECT 1 FROM evidence_notes n
                                               WHERE n.case_id = c.id AND n.source_id = o.id
                                                 AND n.stance IN ('supports', 'refutes') AND n.retracted_at IS NULL)
                                 THEN 'evidence' ELSE 'appearance' END)
          FROM verity_import_rows s
          JOIN cases c ON c.ref = s.case_ref
          JOIN sources o ON o.ref = s.source_ref
          LEFT JOIN (SELECT DISTINCT e.case_ref, e.source_ref FROM verity_import_rows e
                  WHERE e.kind = 'evidence' AND e.stance IN ('supports', 'refutes') AND e.retraction_reason IS NULL) ev
            ON ev.case_ref = s.case_ref AND ev.source_ref = s.source_ref
         WHERE s.kind = 'link'
           AND NOT EXISTS (SELECT 1 FROM case_sources l WHERE l.case_id = c.id AND l.source_id = o.id)
         ORDER BY s.line, s.ctid
            ON CONFLICT (case_id, source_id) DO NOTHING;
    END IF;
    PERFORM setval('pg_temp.verity_import_line', 1, false);
    RETURN jsonb_build_object('link', jsonb_build_array(n_created, 0, n_unchanged));
END $$;


--
-- Name: verity_import_apply_retractions(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_retractions(evidence jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    note_id bigint;
    n_updated bigint;
BEGIN
    n_updated := 0;
    FOR r IN SELECT s.*, c.id AS case_id, o.id AS source_id
               FROM verity_import_rows s
               JOIN cases c ON c.ref = s.case_ref
               LEFT JOIN sources o ON o.ref = s.source_ref
              WHERE s.kind = 'evidence' AND s.retraction_reason IS NOT NULL ORDER BY s.line LOOP
        PERFORM setval('pg_temp.verity_import_line', r.line);
        SELECT e.id INTO note_id FROM evidence_notes e
         WHERE e.case_id = r.case_id AND e.note = r.note AND e.stance = r.stance
           AND e.credibility = r.credibility AND e.source_id IS NOT DISTINCT FROM r.source_id
           AND (r.at IS NULL OR e.created_at = r.at) AND e.retracted_at IS NULL
         ORDER BY e.id LIMIT 1;
        IF NOT FOUND THEN CONTINUE; END IF;
        PERFORM set_config('verity.actor', coalesce(r.retracted_by, r.by_handle), true),
                set_config('verity.at', coalesce(r.retracted_at::text, ''), true),
                set_config('verity.reason', r.retraction_reason, true);
        UPDATE evidence_notes SET retraction_reason = r.retraction_reason WHERE id = note_id;
        n_updated := n_updated + 1;
    END LOOP;
    RETURN jsonb_build_object('evidence', jsonb_build_array((evidence->'evidence'->>0)::bigint, n_updated,
        greatest((evidence->'evidence'->>2)::bigint - n_updated, 0)));
END $$;


--
-- Name: verity_import_apply_reviewers(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_reviewers() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    n_renamed bigint;
    counts jsonb := '{}';
BEGIN
    SELECT count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role) IS DISTINCT FROM (s.name, s.email, s.role)),
           count(*) FILTER (WHERE v.id IS NULL),
           count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role, v.active)
                                  IS DISTINCT FROM (s.name, s.email, s.role, s.active)),
           count(*) FILTER (WHERE v.id IS NOT NULL AND (v.name, v.email, v.role, v.active)
                                  IS NOT DISTINCT FROM (s.name, s.email, s.role, s.active))
      INTO n_renamed, n_created, n_updated, n_unchanged
      FROM verity_import_rows s LEFT JOIN reviewers v ON v.handle = s.handle
     WHERE s.kind = 'reviewer';
    counts := counts || jsonb_build_object('reviewer', jsonb_build_array(n_created, n_updated, n_unchanged));
    -- Reviewers are the owner's and admins' to add and change (through `verity reviewer`):
    -- a login's import may carry reviewer records only as they already are (a desk's own
    -- export does), and the statements below are not even run for it then, since a write
    -- that changes no row still needs the privilege. (Active flags come last, with their own check.)
    IF n_created + n_renamed = 0 THEN
        RETURN counts;
    END IF;
    -- (has_table_privilege is true when any one of several listed rights is held: ask for each.)
    IF (n_created > 0 AND NOT has_table_privilege('public.reviewers', 'INSERT'))
       OR (n_renamed > 0 AND NOT has_table_privilege('public.reviewers', 'UPDATE')) THEN
        PERFORM setval('pg_temp.verity_import_line',
                       (SELECT min(s.line) FROM verity_import_rows s LEFT JOIN public.reviewers v ON v.handle = s.handle
                         WHERE s.kind = 'reviewer'
                           AND (v.id IS NULL OR (v.name, v.email, v.role) IS DISTINCT FROM (s.name, s.email, s.role))));
        RAISE EXCEPTION 'this reviewer record adds or changes a reviewer, which only the desk owner does'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'import the reviewers as the desk owner (or add them with verity reviewer add), or leave them out of the file';
    END IF;
    INSERT INTO reviewers (handle, name, email, role, active, created_at)
    SELECT s.handle, s.name, s.email, s.role, true, coalesce(s.at, now())
      FROM verity_import_rows s
     WHERE s.kind = 'reviewer' AND NOT EXISTS (SELECT 1 FROM reviewers v WHERE v.handle = s.handle)
     ORDER BY s.line;
    UPDATE reviewers v SET name = s.name, email = s.email, role = s.role
      FROM verity_import_rows s
     WHERE s.kind = 'reviewer' AND s.handle = v.handle
       AND (v.name, v.email, v.role) IS DISTINCT FROM (s.name, s.email, s.role);
    RETURN counts;
END $$;


--
-- Name: verity_import_apply_sources(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_sources() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    n_created bigint;
    n_updated bigint;
    n_unchanged bigint;
    counts jsonb := '{}';
BEGIN
    SELECT count(*) FILTER (WHERE o.id IS NULL),
           count(*) FILTER (WHERE o.id IS NOT NULL AND NOT same),
           count(*) FILTER (WHERE o.id IS NOT NULL AND same)
      INTO n_created, n_updated, n_unchanged
      FROM (SELECT s.*, o.id,
                   (o.url, o.title, o.publisher, o.author, o.published_at, o.kind, o.reliability::text,
                    o.file_name, o.file_sha256, o.file_size, o.archive_url)
                   IS NOT DISTINCT FROM
                   (s.url, s.title, s.publisher, s.author, s.published_at, s.source_kind, s.reliability,
                    s.file_name, s.file_sha256, s.file_size, s.archive_url) AS same
              FROM verity_import_rows s LEFT JOIN sources o ON o.ref = s.ref
             WHERE s.kind = 'source') o;
    counts := counts || jsonb_build_object('source', jsonb_build_array(n_created, n_updated, n_unchanged));
    INSERT INTO sources (ref, url, title, publisher, author, published_at, kind, reliability,
                         file_name, file_sha256, file_size, archive_url, added_by, created_at)
    SELECT s.ref, s.url, s.title, s.publisher, s.author, s.published_at, s.source_kind, s.reliability,
           s.file_name, s.file_sha256, s.file_size, s.archive_url,
           (SELECT v.id FROM reviewers v WHERE v.handle = s.by_handle), coalesce(s.at, now())
      FROM verity_import_rows s
     WHERE s.kind = 'source' AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.ref = s.ref)
     ORDER BY s.line;
    UPDATE sources o SET url = s.url, title = s.title, publisher = s.publisher, author = s.author,
           published_at = s.published_at, kind = s.source_kind, reliability = s.reliability,
           file_name = s.file_name, file_sha256 = s.file_sha256, file_size = s.file_size,
           archive_url = s.archive_url
      FROM verity_import_rows s
     WHERE s.kind = 'source' AND s.ref = o.ref
       AND (o.url, o.title, o.publisher, o.author, o.published_at, o.kind, o.reliability::text,
            o.file_name, o.file_sha256, o.file_size, o.archive_url)
           IS DISTINCT FROM
           (s.url, s.title, s.publisher, s.author, s.published_at, s.source_kind, s.reliability,
            s.file_name, s.file_sha256, s.file_size, s.archive_url);
    RETURN counts;
END $$;


--
-- Name: verity_import_apply_steps(boolean, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_apply_steps(engine boolean, max_errors bigint) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    n_errors bigint;
    case_row record;
    step public.case_transitions%ROWTYPE;
    t_done bigint := 0;
    t_skip bigint := 0;
    a_done bigint := 0;
    a_skip bigint := 0;
    allowed text;
    broken bigint[] := '{}';
    counts jsonb := '{}';
    fast_done boolean := false;
    n_rounds bigint;
    n_walk_bad bigint;
BEGIN
    SELECT count(*) INTO n_errors FROM verity_import_errors;
    -- The engine's walk. A step already in the case's history (same target state and
    -- time: a file imported again) is skipped, as the rounds skip it, when such steps
    -- come first in the case's records; the others are walked from the case's current
    -- state (the state before a step is the target of the one before it), and every
    -- rule of cases_before_update and of the actor and time checks (verity_actor_id,
    -- verity_now) is checked for every step. A single failure, or anything the walk does
    -- not decide (a record without its time, a CSV "reach this state", a repeated step,
    -- a verdict awaiting sign-off, four-eyes), leaves every step to the rounds below,
    -- which refuse it with its line.
    IF n_errors = 0 AND engine AND NOT verity_four_eyes() THEN
        CREATE TEMP TABLE IF NOT EXISTS verity_import_staged_steps (
            line bigint, kind text, case_id bigint, case_state text, case_verdict text, case_confidence integer,
            to_state text, at timestamptz, reason text, verdict text, confidence integer, rationale text,
            ensure_state boolean, by_handle text, recorded boolean) ON COMMIT DROP;
        TRUNCATE verity_import_staged_steps;
        ANALYZE verity_import_pending;
        INSERT INTO verity_import_staged_steps
        SELECT s.line, s.kind, c.id, c.state, c.verdict, c.confidence, s.to_state, s.at, s.reason,
               s.verdict, s.confidence, s.rationale, s.ensure_state, s.by_handle,
               -- (a case opened by this import has no history yet to look in)
               NOT EXISTS (SELECT 1 FROM verity_import_pending p WHERE p.phase = 1 AND p.case_id = c.id)
               AND EXISTS (SELECT 1 FROM case_history h
                            WHERE h.case_id = c.id AND h.to_state = s.to_state AND h.action <> 'open' AND h.at = s.at)
          FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
         WHERE s.kind IN ('transition', 'assessment');
        SELECT count(*) INTO n_walk_bad
          FROM (SELECT x.recorded,
                       bool_or(NOT x.recorded) OVER (PARTITION BY x.case_id ORDER BY x.line
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS after_new
                  FROM verity_import_staged_steps x) o
         WHERE o.recorded AND o.after_new;
        IF n_walk_bad = 0 THEN
            -- two records of a case with the same target and time: the rounds skip the second
            SELECT count(*) INTO n_walk_bad
              FROM (SELECT 1 FROM verity_import_staged_steps GROUP BY case_id, to_state, at HAVING count(*) > 1) d;
        END IF;
        IF n_walk_bad = 0 THEN
            INSERT INTO verity_import_walk
            SELECT a.line, a.kind, a.case_id, a.to_state, a.at, a.reason, a.verdict, a.confidence, a.rationale,
                   a.ensure_state, v.id, v.active, v.role,
                   coalesce(lag(a.to_state) OVER w, a.case_state),
                   coalesce(lag(a.verdict) OVER w, a.case_verdict),
                   coalesce(lag(a.confidence) OVER w, a.case_confidence),
                   row_number() OVER w, count(*) OVER (PARTITION BY a.case_id)
              FROM verity_import_staged_steps a
              LEFT JOIN reviewers v ON v.handle = verity_setting_or_null(a.by_handle)
             WHERE NOT a.recorded
            WINDOW w AS (PARTITION BY a.case_id ORDER BY a.line);
            SELECT count(*) INTO n_walk_bad
              FROM verity_import_walk w
              LEFT JOIN case_transitions t ON t.from_state = w.from_state AND t.to_state = w.to_state
             WHERE w.ensure_state OR w.at IS NULL
                -- verity_now(): never in the future
                OR w.at > now() + interval '1 minute'
                -- verity_actor_id(): a known, active reviewer
                OR w.actor_id IS NULL OR NOT w.actor_active
                -- cases_before_update: an allowed step, its reason
                OR t.action IS NULL
                OR (t.requires_reason AND verity_setting_or_null(w.reason) IS NULL)
                -- the smallint column and its range, even where the trigger clears it
                OR (w.confidence IS NOT NULL AND w.confidence NOT BETWEEN 1 AND 6)
                -- an assessment: verdict, confidence, rationale, evidence, an assigned reviewer or an editor
                OR (w.to_state = 'assessed' AND (
                        w.verdict IS NULL
                     OR w.verdict NOT IN ('true', 'mostly-true', 'mixed', 'mostly-false', 'false', 'unverifiable')
                     OR w.confidence IS NULL OR verity_setting_or_null(w.rationale) IS NULL
                     OR NOT EXISTS (SELECT 1 FROM evidence_notes e WHERE e.case_id = w.case_id AND e.retracted_at IS NULL)
                     OR (NOT EXISTS (SELECT 1 FROM case_assignments a
                                      WHERE a.case_id = w.case_id AND a.reviewer_id = w.actor_id)
                         AND w.actor_role NOT IN ('editor', 'admin'))))
                -- cases_after_update_proposals: a verdict awaiting sign-off is withdrawn by the triggers
                OR EXISTS (SELECT 1 FROM verdict_proposals p WHERE p.case_id = w.case_id AND p.state = 'pending');
        END IF;
        IF n_walk_bad = 0 THEN
            -- Each case to its final state in one UPDATE, with what the rule
            -- triggers would have set after its last step: version counts
            -- every step, state_changed_at and updated_at are the last
            -- step's time, the verdict stays only on an assessed case. The steps'
            -- history rows wait in verity_import_walk for the flush.
            PERFORM set_config('verity.engine', 'on', true);
            UPDATE cases c
               SET state = f.to_state,
                   verdict = CASE WHEN f.to_state = 'assessed' THEN f.verdict END,
                   confidence = CASE WHEN f.to_state = 'assessed' THEN f.confidence END,
                   rationale = CASE WHEN f.to_state = 'assessed' THEN f.rationale END,
                   assessed_by = CASE WHEN f.to_state = 'assessed' THEN f.actor_id END,
                   assessed_at = CASE WHEN f.to_state = 'assessed' THEN f.at END,
                   state_changed_at = f.at, updated_at = f.at, version = c.version + f.n_steps
              FROM verity_import_walk f
             WHERE f.round = f.n_steps AND c.id = f.case_id;
            PERFORM set_config('verity.engine', '', true);
            SELECT count(*) FILTER (WHERE w.kind = 'transition'), count(*) FILTER (WHERE w.kind = 'assessment')
              INTO t_done, a_done FROM verity_import_walk w;
            SELECT count(*) FILTER (WHERE x.recorded AND x.kind = 'transition'),
                   count(*) FILTER (WHERE x.recorded AND x.kind = 'assessment')
              INTO t_skip, a_skip FROM verity_import_staged_steps x;
            fast_done := true;
        ELSE
            TRUNCATE verity_import_walk;
        END IF;
    END IF;
    IF NOT fast_done THEN
        -- (the triggers write the steps' history: the engine's so far goes first)
        PERFORM public.verity_import_flush();
    END IF;
    IF n_errors = 0 AND NOT fast_done THEN
        BEGIN
            CREATE TEMP TABLE verity_import_steps ON COMMIT DROP AS
            SELECT s.line, s.kind, c.id AS case_id, s.to_state, s.by_handle, s.at, s.reason,
                   s.verdict, s.confidence, s.rationale, s.ensure_state,
                   -- (records of one line, as a feed item's several records, in file order)
                   row_number() OVER (PARTITION BY c.id ORDER BY s.line, s.ctid) AS round
              FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
             WHERE s.kind IN ('transition', 'assessment');
            CREATE INDEX ON verity_import_steps (round);
            ANALYZE verity_import_steps;
            SELECT coalesce(max(t.round), 0) INTO n_rounds FROM verity_import_steps t;
            FOR k IN 1..n_rounds LOOP
                WITH moved AS (
                    UPDATE cases c
                       -- (a "move" to the state the case is already in changes nothing, so
                       -- the rules would let it pass: NULL makes them refuse it instead)
                       SET state = verity_import_acting(t.line, t.by_handle, t.at, t.reason,
                                                        CASE WHEN t.to_state = c.state THEN NULL ELSE t.to_state END),
                           verdict = t.verdict, confidence = t.confidence, rationale = t.rationale
                      FROM verity_import_steps t
                     WHERE t.round = k AND c.id = t.case_id
                       AND NOT CASE WHEN t.ensure_state THEN c.state = t.to_state
                                    ELSE EXISTS (SELECT 1 FROM case_history h
                                                  WHERE h.case_id = c.id AND h.to_state = t.to_state AND h.action <> 'open'
                                                    AND CASE WHEN t.at IS NOT NULL THEN h.at = t.at
                                                             ELSE h.reason IS NOT DISTINCT FROM t.reason END) END
                    RETURNING t.kind)
                SELECT t_done + count(*) FILTER (WHERE m.kind = 'transition'),
                       a_done + count(*) FILTER (WHERE m.kind = 'assessment')
                  INTO t_done, a_done FROM moved m;
            END LOOP;
            SELECT count(*) FILTER (WHERE t.kind = 'transition') - t_done,
                   count(*) FILTER (WHERE t.kind = 'assessment') - a_done
              INTO t_skip, a_skip FROM verity_import_steps t;
            DROP TABLE verity_import_steps;
            fast_done := true;
        EXCEPTION WHEN OTHERS THEN
            t_done := 0; a_done := 0; t_skip := 0; a_skip := 0;
        END;
        PERFORM setval('pg_temp.verity_import_line', 1, false);
    END IF;
    IF NOT fast_done THEN
        FOR r IN SELECT s.*, c.id AS case_id
                   FROM verity_import_rows s JOIN cases c ON c.ref = s.case_ref
                  WHERE s.kind IN ('transition', 'assessment') ORDER BY s.line, s.ctid LOOP
            PERFORM setval('pg_temp.verity_import_line', r.line);
            IF n_errors >= max_errors THEN EXIT; END IF;
            IF r.case_id = ANY (broken) THEN CONTINUE; END IF;
            SELECT c.state, c.ref INTO case_row FROM cases c WHERE c.id = r.case_id;
            IF r.ensure_state THEN
                IF case_row.state = r.to_state THEN
                    IF r.kind = 'transition' THEN t_skip := t_skip + 1; ELSE a_skip := a_skip + 1; END IF;
                    CONTINUE;
                END IF;
            ELSIF EXISTS (SELECT 1 FROM case_history h
                           WHERE h.case_id = r.case_id AND h.to_state = r.to_state AND h.action <> 'open'
                             AND CASE WHEN r.at IS NOT NULL THEN h.at = r.at
                                      ELSE h.reason IS NOT DISTINCT FROM r.reason END) THEN
                IF r.kind = 'transition' THEN t_skip := t_skip + 1; ELSE a_skip := a_skip + 1; END IF;
                CONTINUE;
            END IF;
            SELECT * INTO step FROM case_transitions t WHERE t.from_state = case_row.state AND t.to_state = r.to_state;
            IF NOT FOUND THEN
                SELECT string_agg(t.to_state, ', ' ORDER BY st.position) INTO allowed
                  FROM case_transitions t JOIN case_states st ON st.state = t.to_state
                 WHERE t.from_state = case_row.state;
                INSERT INTO verity_import_errors VALUES (r.line, CASE r.kind WHEN 'assessment' THEN 'case' ELSE 'to' END,
                    format('case %s is %s at this point and cannot move to %s; allowed from %s: %s',
                           r.case_ref, case_row.state, r.to_state, case_row.state, coalesce(allowed, 'none')), true);
                n_errors := n_errors + 1;
                broken := broken || r.case_id;
                CONTINUE;
            END IF;
            IF step.requires_reason AND nullif(btrim(r.reason), '') IS NULL THEN
                INSERT INTO verity_import_errors VALUES (r.line, 'reason',
                    format('moving case %s from %s to %s (%s) needs a reason', r.case_ref, case_row.state, r.to_state,
                           step.action), true);
                n_errors := n_errors + 1;
                broken := broken || r.case_id;
                CONTINUE;
            END IF;
            IF r.to_state = 'assessed' THEN
                IF public.verity_missing_evidence(r.case_id, r.case_ref) IS NOT NULL THEN
                    INSERT INTO verity_import_errors VALUES (r.line, 'case',
                        public.verity_missing_evidence(r.case_id, r.case_ref), true);
                    n_errors := n_errors + 1;
                    broken := broken || r.case_id;
                    CONTINUE;
                END IF;
                IF NOT EXISTS (SELECT 1 FROM case_assignments a JOIN reviewers v ON v.id = a.reviewer_id
                                WHERE a.case_id = r.case_id AND v.handle = r.by_handle)
                   AND NOT EXISTS (SELECT 1 FROM reviewers v WHERE v.handle = r.by_handle AND v.role IN ('editor', 'admin')) THEN
                    INSERT INTO verity_import_errors VALUES (r.line, 'by',
                        format('reviewer "%s" is not assigned to case %s and is not an editor, so cannot assess it',
                               r.by_handle, r.case_ref), true);
                    n_errors := n_errors + 1;
                    broken := broken || r.case_id;
                    CONTINUE;
                END IF;
            END IF;
            PERFORM set_config('verity.actor', r.by_handle, true),
                    set_config('verity.at', coalesce(r.at::text, ''), true),
                    set_config('verity.reason', coalesce(r.reason, ''), true);
            UPDATE cases SET state = r.to_state, verdict = r.verdict, confidence = r.confidence, rationale = r.rationale
             WHERE id = r.case_id;
            IF r.kind = 'transition' THEN t_done := t_done + 1; ELSE a_done := a_done + 1; END IF;
        END LOOP;
    END IF;
    counts := counts || jsonb_build_object('transition', jsonb_build_array(t_done, 0, t_skip))
                     || jsonb_build_object('assessment', jsonb_build_array(a_done, 0, a_skip));
    RETURN counts;
END $$;


--
-- Name: verity_import_check(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_check() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
    found bigint;
BEGIN
    -- One import checks and applies at a time (until its transaction ends): imports running
    -- at once would each find a reviewer or case missing and all insert it. After the lock,
    -- the check and the apply see what an earlier import committed. The key is "vimport"
    -- in ASCII (Importer.applyLockKey names it for the tests).
    PERFORM pg_catalog.pg_advisory_xact_lock(33329966010561140);
    CREATE INDEX IF NOT EXISTS verity_import_rows_kind ON verity_import_rows (kind, ref);
    CREATE INDEX IF NOT EXISTS verity_import_rows_handle ON verity_import_rows (kind, handle);
    -- Time order: a new case without `at` opens at the earliest time its own records
    -- need (rather than at the import, after its dated history); with none, at the import.
    UPDATE verity_import_rows c SET at = d.first_at
      FROM (SELECT i.case_ref, min(i.at) AS first_at FROM verity_import_rows i
             WHERE i.kind IN ('evidence', 'assignment', 'transition', 'assessment') AND i.at IS NOT NULL
             GROUP BY i.case_ref) d
     WHERE c.kind = 'case' AND c.at IS NULL AND c.ref = d.case_ref
       AND NOT EXISTS (SELECT 1 FROM public.cases x WHERE x.ref = c.ref);
    ANALYZE verity_import_rows;
    INSERT INTO verity_import_errors (line, field, problem)
    SELECT line, field, problem FROM (
        -- a record of a case dated before the case was opened (in the file, or in the desk);
        -- a link written with its source carries the source's time, which may be earlier
        SELECT s.line, 'at' AS field, format('%s is before case %s was opened (%s)',
                                    public.verity_iso(s.at), s.case_ref, public.verity_iso(o.opened)) AS problem
          FROM verity_import_rows s
          -- (joined per case, not looked up per record: a subquery per record cost 1 s of
          -- the 1.2 s this check took for 3,000 cases)
          JOIN (SELECT r.case_ref, coalesce(x.created_at, k.at) AS opened
                  FROM (SELECT DISTINCT i.case_ref FROM verity_import_rows i
                         WHERE i.kind IN ('evidence', 'assignment', 'transition', 'assessment') AND i.at IS NOT NULL) r
                  LEFT JOIN public.cases x ON x.ref = r.case_ref
                  LEFT JOIN (SELECT DISTINCT ON (i.ref) i.ref, i.at FROM verity_import_rows i
                              WHERE i.kind = 'case' ORDER BY i.ref, i.line) k ON k.ref = r.case_ref) o
            ON o.case_ref = s.case_ref
         WHERE s.kind IN ('evidence', 'assignment', 'transition', 'assessment')
           AND s.at IS NOT NULL AND s.at < o.opened
        UNION ALL
        -- a case's transitions and assessments out of time order in the file
        SELECT t.line, 'at', format('%s is before the %s on line %s (%s)',
                                    public.verity_iso(t.at), t.previous_kind, t.previous_line, public.verity_iso(t.previous_at))
          FROM (SELECT i.line, i.at, lag(i.line) OVER w AS previous_line, lag(i.at) OVER w AS previous_at,
                       lag(i.kind) OVER w AS previous_kind
                  FROM verity_import_rows i
                 WHERE i.kind IN ('transition', 'assessment') AND i.at IS NOT NULL
                   -- a repeat of an earlier record (same case, state and time) is skipped, not ordered
                   AND NOT EXISTS (SELECT 1 FROM verity_import_rows j
                                    WHERE j.kind IN ('transition', 'assessment') AND j.case_ref = i.case_ref
                                      AND j.to_state IS NOT DISTINCT FROM i.to_state AND j.at = i.at AND j.line < i.line)
                WINDOW w AS (PARTITION BY i.case_ref ORDER BY i.line)) t
         WHERE t.at < t.previous_at
        UNION ALL
        -- the same reviewer, case or source twice
        SELECT s.line, CASE s.kind WHEN 'reviewer' THEN 'handle' ELSE 'ref' END AS field,
               format('%s "%s" already appears on line %s', s.kind, coalesce(s.ref, s.handle), s.first_line) AS problem
          FROM (SELECT line, kind, ref, handle,
                       first_value(line) OVER (PARTITION BY kind, coalesce(ref, handle) ORDER BY line) AS first_line
                  FROM verity_import_rows WHERE kind IN ('reviewer', 'case', 'source')) s
         WHERE s.line <> s.first_line
        UNION ALL
        -- reviewers named by other records: who acted, who retracted, who is assigned
        SELECT s.line, named.field, format('unknown reviewer "%s"', named.handle)
          FROM verity_import_rows s
         CROSS JOIN LATERAL (VALUES
                   ('by', CASE WHEN s.kind <> 'reviewer' THEN s.by_handle END),
                   ('retracted_by', s.retracted_by),
                   ('reviewer', CASE WHEN s.kind = 'assignment' THEN s.handle END)
               ) AS named(field, handle)
         WHERE named.handle IS NOT NULL
           AND named.handle NOT IN (SELECT r.handle FROM reviewers r WHERE r.handle IS NOT NULL
                                    UNION ALL
                                    SELECT i.handle FROM verity_import_rows i
                                     WHERE i.kind = 'reviewer' AND i.handle IS NOT NULL)
        UNION ALL
        -- cases and sources named by other records
        SELECT s.line, CASE s.kind WHEN 'link' THEN 'cases' ELSE 'case' END, format('unknown case "%s"', s.case_ref)
          FROM verity_import_rows s
         WHERE s.case_ref IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = s.case_ref)
           AND NOT EXISTS (SELECT 1 FROM verity_import_rows i WHERE i.kind = 'case' AND i.ref = s.case_ref)
        UNION ALL
        SELECT s.line, 'source', format('unknown source "%s"', s.source_ref)
          FROM verity_import_rows s
         WHERE s.source_ref IS NOT NULL AND s.kind <> 'link'
           AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.ref = s.source_ref)
           AND NOT EXISTS (SELECT 1 FROM verity_import_rows i WHERE i.kind = 'source' AND i.ref = s.source_ref)
    ) problems;
    GET DIAGNOSTICS found = ROW_COUNT;
    RETURN found;
END $$;


--
-- Name: verity_import_dry_run(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_dry_run() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    seq record;
BEGIN
    -- The import lock of verity_import_check, key 33329966010561140 ("vimport"), held
    -- by this session: a bigint key is kept as its high and low 32 bits, objsubid 1.
    IF NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_locks l
         WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() AND l.granted
           AND l.classid::bigint = (33329966010561140 >> 32) AND l.objid::bigint = (33329966010561140 & 4294967295)
           AND l.objsubid = 1)
    THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'verity_import_dry_run() runs only inside an import, after verity_import_check()';
    END IF;
    FOR seq IN
        SELECT c.oid::regclass AS name, s.seqcache
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
         WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace
         ORDER BY c.oid
    LOOP
        EXECUTE format('ALTER SEQUENCE %s CACHE %s', seq.name, seq.seqcache);
    END LOOP;
END $$;


--
-- Name: verity_import_engine(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_engine() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN public.verity_history_trusted() AND coalesce(public.verity_setting('verity.import_bulk'), 'on') <> 'off';
END $$;


--
-- Name: verity_import_flush(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_flush() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    extra jsonb := coalesce(verity_setting('verity.details')::jsonb, '{}'::jsonb);
    why text := verity_setting('verity.reason');
    checked_once boolean := (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
    replication_role text := current_setting('session_replication_role');
    seqscan text := current_setting('enable_seqscan');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM verity_import_pending) AND NOT EXISTS (SELECT 1 FROM verity_import_walk) THEN
        RETURN;
    END IF;
    IF NOT public.verity_import_engine() THEN
        RAISE EXCEPTION 'verity_import_flush writes history only for the import engine of a trusted session';
    END IF;
    -- The chains that continue: every case with rows waiting that this flush did not open.
    -- Locked as the chain trigger locks them, before their heads are read, so that no
    -- other writer appends to them meanwhile; the heads read by index whatever the
    -- statistics say (see case_history_chain).
    CREATE TEMP TABLE IF NOT EXISTS verity_import_heads (case_id bigint PRIMARY KEY, seq bigint, hash text) ON COMMIT DROP;
    TRUNCATE verity_import_heads;
    INSERT INTO verity_import_heads (case_id)
    SELECT k.case_id FROM (SELECT p.case_id FROM verity_import_pending p UNION SELECT w.case_id FROM verity_import_walk w) k
     WHERE NOT EXISTS (SELECT 1 FROM verity_import_pending o WHERE o.phase = 1 AND o.case_id = k.case_id);
    PERFORM 1 FROM cases c WHERE c.id IN (SELECT h.case_id FROM verity_import_heads h) ORDER BY c.id FOR NO KEY UPDATE;
    PERFORM set_config('enable_seqscan', 'off', true);
    UPDATE verity_import_heads d SET seq = x.seq, hash = x.hash
      FROM (SELECT h.case_id, l.seq, l.hash FROM verity_import_heads h
             CROSS JOIN LATERAL (SELECT y.seq, y.hash FROM case_history y WHERE y.case_id = h.case_id
                                  ORDER BY y.seq DESC LIMIT 1) l) x
     WHERE x.case_id = d.case_id;
    PERFORM set_config('enable_seqscan', seqscan, true);
    -- Three windows over the same order (one sort of all the rows), then the
    -- order the triggers wrote them in (a second sort): in memory where it fits.
    PERFORM set_config('work_mem', '256MB', true);
    -- The four foreign keys of case_history, for a superuser (who may set
    -- session_replication_role): not checked by four queries per row, because every
    -- value comes from a row of the table it references: the cases and reviewers
    -- the rows below are joined with, the states of case_transitions (case_states').
    -- Those rows are kept until commit as the per-row checks would keep them: the
    -- import's own new cases, the others locked above, reviewers and states locked
    -- FOR KEY SHARE here. An anti-join after the INSERT checks the cases.
    IF checked_once THEN
        PERFORM 1 FROM reviewers FOR KEY SHARE;
        PERFORM 1 FROM case_states FOR KEY SHARE;
        PERFORM set_config('session_replication_role', 'replica', true);
    END IF;
    PERFORM set_config('verity.engine', 'on', true);
    INSERT INTO case_history (case_id, seq, at, actor_id, action, from_state, to_state, reason, details, prev_hash, hash)
    SELECT h.case_id, h.seq, h.at, h.actor_id, h.action, h.from_state, h.to_state, h.reason, h.details,
           coalesce(lag(h.hash) OVER c, h.start_hash), h.hash
      FROM (SELECT p.*,
                   verity_history_chain(p.case_id, p.seq, p.at, p.actor_id, p.action, p.from_state, p.to_state,
                                        p.reason, p.details, p.start_hash) OVER c AS hash
              FROM (SELECT a.*, coalesce(d.seq, 0) + row_number() OVER c AS seq, d.hash AS start_hash
                      FROM (-- cases_after_insert (a new case is claimed when it opens: cases_before_insert)
                            SELECT 1 AS phase, k.ord, n.id AS case_id, n.created_at AS at, n.created_by AS actor_id,
                                   'open'::text AS action, NULL::text AS from_state, 'claimed'::text AS to_state,
                                   why AS reason,
                                   jsonb_strip_nulls(jsonb_build_object(
                                       'ref', n.ref, 'claim', n.claim, 'claimant', n.claimant, 'claimed_at', n.claimed_at,
                                       'location', n.location, 'tags', to_jsonb(n.tags), 'priority', n.priority, 'due', n.due,
                                       'latitude', n.latitude, 'longitude', n.longitude,
                                       'claimant_type', n.claimant_type))
                                   || extra AS details
                              FROM verity_import_pending k JOIN cases n ON n.id = k.item_id
                             WHERE k.phase = 1
                            UNION ALL
                            -- case_sources_after_insert
                            SELECT 2, k.ord, n.case_id, n.linked_at, n.linked_by, 'link-source', NULL, NULL, why,
                                   coalesce(jsonb_strip_nulls(jsonb_build_object('source_id', s.id, 'source_ref', s.ref,
                                                                                 'url', s.url, 'title', s.title,
                                                                                 'role', n.role)),
                                            '{}'::jsonb) || extra
                              FROM verity_import_pending k
                              JOIN case_sources n ON n.case_id = k.case_id AND n.source_id = k.item_id
                              LEFT JOIN sources s ON s.id = n.source_id
                             WHERE k.phase = 2
                            UNION ALL
                            -- case_assignments_after_insert
                            SELECT 3, k.ord, n.case_id, n.assigned_at, n.assigned_by, 'assign', NULL, NULL, why,
                                   jsonb_build_object('reviewer', r.handle, 'lead', n.is_lead) || extra
                              FROM verity_import_pending k
                              JOIN case_assignments n ON n.case_id = k.case_id AND n.reviewer_id = k.item_id
                              LEFT JOIN reviewers r ON r.id = n.reviewer_id
                             WHERE k.phase = 3
                            UNION ALL
                            -- evidence_notes_after_insert
                            SELECT 4, k.ord, n.case_id, n.created_at, n.author_id, 'add-evidence', NULL, NULL, why,
                                   jsonb_strip_nulls(jsonb_build_object(
                                       'note_id', n.id, 'stance', n.stance, 'credibility', n.credibility,
                                       'source_id', n.source_id, 'note_sha256', verity_note_digest(n.note))) || extra
                              FROM verity_import_pending k JOIN evidence_notes n ON n.id = k.item_id
                             WHERE k.phase = 4
                            UNION ALL
                            -- cases_record_update: the walk's steps, round by round as the rounds
                            -- write them (so file order within each case)
                            SELECT 5, w.round * 10000000000 + w.line, w.case_id, w.at, w.actor_id, t.action,
                                   w.from_state, w.to_state, verity_setting_or_null(w.reason),
                                   CASE WHEN w.to_state = 'assessed' THEN jsonb_build_object(
                                            'verdict', w.verdict, 'confidence', w.confidence, 'rationale', w.rationale)
                                        WHEN w.from_state = 'assessed' THEN jsonb_build_object(
                                            'previous_verdict', w.prev_verdict, 'previous_confidence', w.prev_confidence)
                                        ELSE '{}'::jsonb END
                                   || extra
                              FROM verity_import_walk w
                              JOIN case_transitions t ON t.from_state = w.from_state AND t.to_state = w.to_state) a
                      LEFT JOIN verity_import_heads d ON d.case_id = a.case_id
                    WINDOW c AS (PARTITION BY a.case_id ORDER BY a.phase, a.ord)) p
            WINDOW c AS (PARTITION BY p.case_id ORDER BY p.phase, p.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) h
    WINDOW c AS (PARTITION BY h.case_id ORDER BY h.phase, h.ord)
     ORDER BY h.phase, h.ord;
    PERFORM set_config('verity.engine', '', true);
    IF checked_once THEN
        PERFORM set_config('session_replication_role', replication_role, true);
        IF EXISTS (SELECT 1 FROM (SELECT p.case_id FROM verity_import_pending p
                                  UNION SELECT w.case_id FROM verity_import_walk w) k
                    WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = k.case_id)) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = 'verity_import_flush: a history row references a missing case';
        END IF;
    END IF;
    TRUNCATE verity_import_pending, verity_import_walk;
END $$;


--
-- Name: verity_import_stage(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_stage() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS verity_import_rows (
        line               bigint NOT NULL,
        kind               text NOT NULL,   -- reviewer case source link evidence assignment transition assessment
        ref                text,            -- case or source reference
        handle             text,            -- reviewer handle (reviewer, assignment)
        case_ref           text,
        source_ref         text,
        by_handle          text,
        at                 timestamptz,
        reason             text,
        name               text,
        email              text,
        role               text,
        active             boolean,
        claim              text,
        claimant           text,
        claimed_at         date,
        location           text,
        tags               text[],
        priority           text,
        due                date,
        url                text,
        title              text,
        publisher          text,
        author             text,
        published_at       date,
        source_kind        text,
        reliability        text,
        file_name          text,
        file_sha256        text,
        file_size          bigint,
        archive_url        text,
        stance             text,
        credibility        integer,
        note               text,
        retracted_at       timestamptz,
        retracted_by       text,
        retraction_reason  text,
        lead               boolean,
        to_state           text,
        verdict            text,
        confidence         integer,
        rationale          text,
        ensure_state       boolean NOT NULL DEFAULT false,  -- CSV: reach this state unless already there
        restricted         boolean,         -- case: restricted (an import restricts, never lifts)
        restriction_reason text,
        latitude           numeric(8,6),    -- case: WGS 84 degrees, both or neither (as the columns of cases)
        longitude          numeric(9,6),
        partial            boolean NOT NULL DEFAULT false,  -- case from another tool's export: an existing case
                                                            -- keeps its claimant, location, priority and due
        claimant_type      text,            -- case: Person or Organization (an import sets it, never clears it)
        link_role          text             -- link: appearance or evidence; NULL: the rule's (verity_import_apply_links)
    ) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS verity_import_errors (
        line     bigint NOT NULL,
        field    text NOT NULL,
        problem  text NOT NULL,
        is_rule  boolean NOT NULL DEFAULT false   -- refused by a workflow rule (exit 65), not malformed input (64)
    ) ON COMMIT DROP;
    TRUNCATE verity_import_rows, verity_import_errors;
END $$;


--
-- Name: verity_import_writable(text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_import_writable(p_kinds text[]) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN NOT EXISTS (SELECT 1 FROM verity_import_rows s LEFT JOIN public.reviewers v ON v.handle = s.by_handle
                        WHERE s.kind = ANY (p_kinds)
                          AND (v.id IS NULL OR NOT v.active OR s.at > now() + interval '1 minute'));
END $$;


--
-- Name: verity_iso(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_iso(value timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT CASE WHEN value IS NULL THEN NULL
                WHEN date_trunc('second', value) = value
                THEN to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                ELSE to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END
$$;


--
-- Name: verity_log_output(text, text, jsonb, bigint, text, bigint, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_log_output(p_reviewer text, p_command text, p_filters jsonb, p_case_count bigint, p_sha256 text, p_byte_count bigint, p_output text, p_format text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_login_confined(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_login_confined() RETURNS boolean
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


--
-- Name: verity_may_manage_logins(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_may_manage_logins() RETURNS boolean
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


--
-- Name: verity_missing_evidence(bigint, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_missing_evidence(p_case_id bigint, p_label text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT CASE
        WHEN count(*) FILTER (WHERE n.retracted_at IS NULL) > 0 THEN NULL
        WHEN count(*) = 0 THEN format('case %s has no evidence notes; an assessment must rest on at least one', p_label)
        ELSE format('case %s has no current evidence notes (%s retracted); an assessment must rest on at least one',
                    p_label, count(*))
    END
      FROM public.evidence_notes n WHERE n.case_id = p_case_id
$$;


--
-- Name: verity_note_digest(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_note_digest(p_note text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_note, 'UTF8')), 'hex')
$$;


--
-- Name: verity_now(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_now() RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_output_actor(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_output_actor(p_reviewer text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_record(bigint, text, text, text, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_record(p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_record_actor(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_record_actor() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT coalesce(
        (SELECT v.handle FROM public.reviewers v WHERE v.login = session_user::text),
        CASE WHEN public.verity_history_trusted() THEN public.verity_setting('verity.actor') END)
$$;


--
-- Name: verity_record_fields(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_record_fields(p_row jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT p_row - 'search'
$$;


--
-- Name: verity_record_hash(text, bigint, bigint, timestamp with time zone, text, text, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_record_hash(p_table text, p_row_id bigint, p_seq bigint, p_at timestamp with time zone, p_actor text, p_db_user text, p_action text, p_fields jsonb, p_prev_hash text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_refuse_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'VR004',
        MESSAGE = format('%s is append-only: %s is not allowed', TG_TABLE_NAME, lower(TG_OP)),
        HINT = CASE TG_TABLE_NAME
            WHEN 'evidence_notes' THEN 'retract the note with a reason instead; it stays in the record'
            ELSE 'record a new change instead; the history keeps every step' END;
END $$;


--
-- Name: verity_require_assessor(bigint, bigint, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_require_assessor(p_case_id bigint, p_actor bigint, p_doing text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM case_assignments WHERE case_id = p_case_id AND reviewer_id = p_actor)
       AND NOT EXISTS (SELECT 1 FROM reviewers WHERE id = p_actor AND role IN ('editor', 'admin')) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('reviewer "%s" is not assigned to case %s and is not an editor, so cannot %s',
                             verity_setting('verity.actor'), p_case_id, p_doing),
            HINT = format('assign them first: `verity case assign %s --to %s`', p_case_id, verity_setting('verity.actor'));
    END IF;
END $$;


--
-- Name: verity_require_reviewer_login(text, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_require_reviewer_login(p_login text, p_must_exist boolean) RETURNS void
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


--
-- Name: verdict_proposals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.verdict_proposals (
    id bigint NOT NULL,
    case_id bigint NOT NULL,
    verdict text NOT NULL,
    confidence smallint NOT NULL,
    rationale text NOT NULL,
    proposed_by bigint,
    proposed_at timestamp with time zone DEFAULT now() NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    decided_by bigint,
    decided_at timestamp with time zone,
    reason text,
    CONSTRAINT proposal_confidence_range CHECK (((confidence >= 1) AND (confidence <= 6))),
    CONSTRAINT proposal_decision_complete CHECK ((((state = 'pending'::text) = (decided_at IS NULL)) AND ((state <> 'rejected'::text) OR ((decided_by IS NOT NULL) AND (btrim(reason) <> ''::text))) AND ((state <> 'signed-off'::text) OR (decided_by IS NOT NULL)))),
    CONSTRAINT proposal_rationale_present CHECK ((btrim(rationale) <> ''::text)),
    CONSTRAINT proposal_state_known CHECK ((state = ANY (ARRAY['pending'::text, 'signed-off'::text, 'rejected'::text, 'withdrawn'::text]))),
    CONSTRAINT proposal_verdict_known CHECK ((verdict = ANY (ARRAY['true'::text, 'mostly-true'::text, 'mixed'::text, 'mostly-false'::text, 'false'::text, 'unverifiable'::text]))),
    CONSTRAINT verdict_proposals_rationale_length CHECK ((char_length(rationale) <= 20000)),
    CONSTRAINT verdict_proposals_reason_length CHECK ((char_length(reason) <= 4000))
);


--
-- Name: verity_require_second_pair(public.verdict_proposals, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_require_second_pair(p_proposal public.verdict_proposals, p_actor bigint) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF p_proposal.proposed_by = p_actor THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('reviewer "%s" proposed this verdict for case %s and cannot sign it off: four-eyes needs a second reviewer',
                             verity_setting('verity.actor'), p_proposal.case_id),
            HINT = 'ask another assigned reviewer or an editor who wrote none of the case''s evidence notes';
    END IF;
    IF EXISTS (SELECT 1 FROM evidence_notes WHERE case_id = p_proposal.case_id AND author_id = p_actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('reviewer "%s" wrote evidence notes of case %s and cannot sign off its verdict: four-eyes needs a reviewer who gathered none of it',
                             verity_setting('verity.actor'), p_proposal.case_id),
            HINT = 'ask another assigned reviewer or an editor who wrote none of the case''s evidence notes (retracted notes count)';
    END IF;
END $$;


--
-- Name: verity_require_visible_case(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_require_visible_case(p_case_id bigint) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT public.verity_case_visible_to(session_user, p_case_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no case %s', p_case_id),
            HINT = 'list cases with `verity case list`';
    END IF;
END $$;


--
-- Name: verity_require_visible_source(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_require_visible_source() RETURNS trigger
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


--
-- Name: verity_search_query(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_search_query(p_text text) RETURNS tsquery
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    words text := pg_catalog.translate(p_text, '«»„“”‚‘’‹›—–…', pg_catalog.repeat(' ', 13));
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database d
                    WHERE d.datname = pg_catalog.current_database() AND d.datctype IN ('C', 'POSIX')) THEN
        words := p_text;
    ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') THEN
        EXECUTE 'SELECT pg_catalog.lower($1 COLLATE "und-x-icu")' INTO words USING words;
    ELSE
        words := pg_catalog.lower(words);
    END IF;
    RETURN pg_catalog.websearch_to_tsquery('english'::regconfig, words)
        || pg_catalog.websearch_to_tsquery('public.verity_words'::regconfig, words);
END $_$;


--
-- Name: verity_sees_all(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_sees_all() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT public.verity_sees_all_as(current_user)
$$;


--
-- Name: verity_sees_all_as(name); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_sees_all_as(p_role name) RETURNS boolean
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


--
-- Name: verity_set_login_password(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_set_login_password(p_login text, p_verifier text) RETURNS bigint
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


--
-- Name: verity_setting(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_setting(name text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$ BEGIN RETURN nullif(btrim(current_setting(name, true)), ''); END $$;


--
-- Name: verity_setting_or_null(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_setting_or_null(value text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$ BEGIN RETURN nullif(btrim(value), ''); END $$;


--
-- Name: verity_sign_off(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_sign_off(p_case_id bigint) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: verity_source_unlinked(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_source_unlinked(p_source_id bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT EXISTS (SELECT 1 FROM public.sources s WHERE s.id = p_source_id)
       AND NOT EXISTS (SELECT 1 FROM public.case_sources cs WHERE cs.source_id = p_source_id)
$$;


--
-- Name: verity_source_visible_to(name, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.verity_source_visible_to(p_role name, p_source_id bigint) RETURNS boolean
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


--
-- Name: verity_history_chain(bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb, text); Type: AGGREGATE; Schema: public; Owner: -
--

CREATE AGGREGATE public.verity_history_chain(bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb, text) (
    SFUNC = public.verity_history_chain_step,
    STYPE = text
);


--
-- Name: verity_words; Type: TEXT SEARCH CONFIGURATION; Schema: public; Owner: -
--

CREATE TEXT SEARCH CONFIGURATION public.verity_words (
    PARSER = pg_catalog."default" );

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR asciiword WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR word WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR numword WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR email WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR url WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR host WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR sfloat WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR version WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR hword_numpart WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR hword_part WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR hword_asciipart WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR numhword WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR asciihword WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR hword WITH public.unaccent, simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR url_path WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR file WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR "float" WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR "int" WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ADD MAPPING FOR uint WITH simple;


--
-- Name: audit_stamps; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_stamps (
    id bigint NOT NULL,
    head text NOT NULL,
    tsa_url text NOT NULL,
    token bytea NOT NULL,
    stamped_at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    recorded_by text,
    db_user text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT audit_stamp_head_hex CHECK ((head ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT audit_stamp_tsa_present CHECK ((btrim(tsa_url) <> ''::text))
);


--
-- Name: audit_stamps_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_stamps ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_stamps_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: case_assignments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.case_assignments (
    case_id bigint NOT NULL,
    reviewer_id bigint NOT NULL,
    is_lead boolean DEFAULT false NOT NULL,
    assigned_by bigint,
    assigned_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: case_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.case_history (
    id bigint NOT NULL,
    case_id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id bigint,
    action text NOT NULL,
    from_state text,
    to_state text,
    reason text,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    seq bigint NOT NULL,
    prev_hash text,
    hash text NOT NULL,
    CONSTRAINT case_history_reason_length CHECK ((char_length(reason) <= 4000)),
    CONSTRAINT history_action_known CHECK ((action = ANY (ARRAY['open'::text, 'update'::text, 'dispute'::text, 'move'::text, 'assess'::text, 'reopen'::text, 'assign'::text, 'unassign'::text, 'link-source'::text, 'add-evidence'::text, 'retract-evidence'::text, 'restrict'::text, 'unrestrict'::text, 'propose-verdict'::text, 'sign-off'::text, 'reject-verdict'::text, 'link-case'::text, 'unlink-case'::text, 'withdraw-verdict'::text, 'source-role'::text]))),
    CONSTRAINT history_chain_start CHECK (((seq = 1) = (prev_hash IS NULL))),
    CONSTRAINT history_hash_hex CHECK (((length(hash) = 64) AND (hash !~ '[^0-9a-f]'::text))),
    CONSTRAINT history_prev_hash_hex CHECK (((length(prev_hash) = 64) AND (prev_hash !~ '[^0-9a-f]'::text))),
    CONSTRAINT history_seq_positive CHECK ((seq >= 1))
);


--
-- Name: case_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.case_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.case_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: case_links; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.case_links (
    id bigint NOT NULL,
    case_id bigint NOT NULL,
    other_id bigint NOT NULL,
    kind text NOT NULL,
    reason text NOT NULL,
    linked_by bigint,
    linked_at timestamp with time zone DEFAULT now() NOT NULL,
    unlinked_by bigint,
    unlinked_at timestamp with time zone,
    unlink_reason text,
    CONSTRAINT case_link_kind_known CHECK ((kind = ANY (ARRAY['duplicate-of'::text, 'related'::text, 'contradicts'::text, 'supersedes'::text]))),
    CONSTRAINT case_link_not_self CHECK ((case_id <> other_id)),
    CONSTRAINT case_link_reason_present CHECK ((btrim(reason) <> ''::text)),
    CONSTRAINT case_link_unlink_complete CHECK ((((unlinked_at IS NULL) AND (unlinked_by IS NULL) AND (unlink_reason IS NULL)) OR ((unlinked_at IS NOT NULL) AND (unlinked_by IS NOT NULL) AND (btrim(unlink_reason) <> ''::text)))),
    CONSTRAINT case_links_reason_length CHECK ((char_length(reason) <= 4000)),
    CONSTRAINT case_links_unlink_reason_length CHECK ((char_length(unlink_reason) <= 4000))
);


--
-- Name: case_links_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.case_links ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.case_links_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: case_sources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.case_sources (
    case_id bigint NOT NULL,
    source_id bigint NOT NULL,
    linked_by bigint,
    linked_at timestamp with time zone DEFAULT now() NOT NULL,
    role text,
    CONSTRAINT case_sources_role_known CHECK (((role IS NULL) OR (role = ANY (ARRAY['appearance'::text, 'evidence'::text]))))
);


--
-- Name: case_states; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.case_states (
    state text NOT NULL,
    "position" integer NOT NULL,
    is_open boolean NOT NULL
);


--
-- Name: case_transitions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.case_transitions (
    from_state text NOT NULL,
    to_state text NOT NULL,
    action text NOT NULL,
    requires_reason boolean NOT NULL
);


--
-- Name: cases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cases (
    id bigint NOT NULL,
    ref text,
    claim text NOT NULL,
    claimant text NOT NULL,
    claimed_at date,
    location text,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    priority text DEFAULT 'normal'::text NOT NULL,
    due date,
    state text DEFAULT 'claimed'::text NOT NULL,
    verdict text,
    confidence smallint,
    rationale text,
    assessed_by bigint,
    assessed_at timestamp with time zone,
    state_changed_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    restricted boolean DEFAULT false NOT NULL,
    search tsvector GENERATED ALWAYS AS ((to_tsvector('english'::regconfig, (((("left"(claim, 4000) || ' '::text) || "left"(claimant, 500)) || ' '::text) || "left"(COALESCE(location, ''::text), 500))) || to_tsvector('public.verity_words'::regconfig, (((("left"(claim, 4000) || ' '::text) || "left"(claimant, 500)) || ' '::text) || "left"(COALESCE(location, ''::text), 500))))) STORED,
    claimant_type text,
    latitude numeric(8,6),
    longitude numeric(9,6),
    CONSTRAINT case_claim_present CHECK ((btrim(claim) <> ''::text)),
    CONSTRAINT case_claimant_present CHECK ((btrim(claimant) <> ''::text)),
    CONSTRAINT case_confidence_range CHECK (((confidence >= 1) AND (confidence <= 6))),
    CONSTRAINT case_coordinates_paired CHECK (((latitude IS NULL) = (longitude IS NULL))),
    CONSTRAINT case_latitude_range CHECK (((latitude >= ('-90'::integer)::numeric) AND (latitude <= (90)::numeric))),
    CONSTRAINT case_longitude_range CHECK (((longitude >= ('-180'::integer)::numeric) AND (longitude <= (180)::numeric))),
    CONSTRAINT case_priority_known CHECK ((priority = ANY (ARRAY['low'::text, 'normal'::text, 'high'::text, 'urgent'::text]))),
    CONSTRAINT case_ref_format CHECK (((length(ref) <= 64) AND (ref ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]*$'::text))),
    CONSTRAINT case_tags_clean CHECK ((array_position(tags, NULL::text) IS NULL)),
    CONSTRAINT case_verdict_known CHECK ((verdict = ANY (ARRAY['true'::text, 'mostly-true'::text, 'mixed'::text, 'mostly-false'::text, 'false'::text, 'unverifiable'::text]))),
    CONSTRAINT case_verdict_when_assessed CHECK ((((state = 'assessed'::text) = (verdict IS NOT NULL)) AND ((verdict IS NULL) OR ((confidence IS NOT NULL) AND (rationale IS NOT NULL) AND (btrim(rationale) <> ''::text))))),
    CONSTRAINT cases_claim_length CHECK ((char_length(claim) <= 4000)),
    CONSTRAINT cases_claimant_length CHECK ((char_length(claimant) <= 500)),
    CONSTRAINT cases_claimant_type_known CHECK (((claimant_type IS NULL) OR (claimant_type = ANY (ARRAY['Person'::text, 'Organization'::text])))),
    CONSTRAINT cases_location_length CHECK ((char_length(location) <= 500)),
    CONSTRAINT cases_rationale_length CHECK ((char_length(rationale) <= 20000)),
    CONSTRAINT cases_tags_defined CHECK (((cardinality(tags) = 0) OR ((cardinality(string_to_array(array_to_string(tags, ''::text), ''::text)) = cardinality(tags)) AND (((''::text || array_to_string(tags, ''::text)) || ''::text) !~ '|\s|\s|;|[-]|[^]{65}'::text) AND (array_to_string(tags, ''::text) = lower((array_to_string(tags, ''::text) COLLATE "und-x-icu"))))))
);


--
-- Name: cases_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.cases ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.cases_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: desk_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.desk_settings (
    key text NOT NULL,
    value text NOT NULL,
    updated_by bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT desk_setting_known CHECK ((key = ANY (ARRAY['four_eyes'::text, 'publisher'::text, 'publisher_url'::text, 'review_url_template'::text, 'label_true'::text, 'label_mostly_true'::text, 'label_mixed'::text, 'label_mostly_false'::text, 'label_false'::text, 'label_unverifiable'::text]))),
    CONSTRAINT desk_setting_value_valid CHECK (
CASE key
    WHEN 'four_eyes'::text THEN (value = ANY (ARRAY['on'::text, 'off'::text]))
    WHEN 'publisher_url'::text THEN ((value = ''::text) OR (value ~ '^https?://[^\s]+$'::text))
    WHEN 'review_url_template'::text THEN ((value = ''::text) OR (value ~ '^https?://[^\s]+$'::text))
    WHEN 'publisher'::text THEN ((length(value) <= 500) AND (value !~ '[\x01-\x1f]'::text))
    ELSE ((btrim(value) <> ''::text) AND (length(value) <= 100) AND (value !~ '[\x01-\x1f]'::text))
END)
);


--
-- Name: desk_settings_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.desk_settings_history (
    id bigint NOT NULL,
    key text NOT NULL,
    old_value text,
    new_value text NOT NULL,
    changed_by bigint NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    reason text,
    CONSTRAINT desk_settings_history_reason_length CHECK ((char_length(reason) <= 4000))
);


--
-- Name: desk_settings_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.desk_settings_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.desk_settings_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: evidence_notes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.evidence_notes (
    id bigint NOT NULL,
    case_id bigint NOT NULL,
    source_id bigint,
    author_id bigint NOT NULL,
    stance text NOT NULL,
    credibility smallint NOT NULL,
    note text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    retracted_at timestamp with time zone,
    retracted_by bigint,
    retraction_reason text,
    search tsvector GENERATED ALWAYS AS ((to_tsvector('english'::regconfig, "left"(note, 20000)) || to_tsvector('public.verity_words'::regconfig, "left"(note, 20000)))) STORED,
    CONSTRAINT evidence_credibility_range CHECK (((credibility >= 1) AND (credibility <= 6))),
    CONSTRAINT evidence_note_present CHECK ((btrim(note) <> ''::text)),
    CONSTRAINT evidence_notes_note_length CHECK ((char_length(note) <= 20000)),
    CONSTRAINT evidence_notes_retraction_reason_length CHECK ((char_length(retraction_reason) <= 4000)),
    CONSTRAINT evidence_retraction_complete CHECK ((((retracted_at IS NULL) AND (retracted_by IS NULL) AND (retraction_reason IS NULL)) OR ((retracted_at IS NOT NULL) AND (retracted_by IS NOT NULL) AND (btrim(retraction_reason) <> ''::text)))),
    CONSTRAINT evidence_stance_known CHECK ((stance = ANY (ARRAY['supports'::text, 'refutes'::text, 'context'::text])))
);


--
-- Name: evidence_notes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.evidence_notes ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.evidence_notes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: output_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.output_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    reviewer text,
    db_user text DEFAULT SESSION_USER NOT NULL,
    command text NOT NULL,
    filters jsonb DEFAULT '{}'::jsonb NOT NULL,
    case_count integer NOT NULL,
    sha256 text NOT NULL,
    byte_count bigint NOT NULL,
    output text NOT NULL,
    format text NOT NULL,
    case_ids bigint[],
    CONSTRAINT output_byte_count_positive CHECK ((byte_count >= 0)),
    CONSTRAINT output_case_count_positive CHECK ((case_count >= 0)),
    CONSTRAINT output_command_present CHECK ((btrim(command) <> ''::text)),
    CONSTRAINT output_filters_object CHECK ((jsonb_typeof(filters) = 'object'::text)),
    CONSTRAINT output_sha256_hex CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text))
);


--
-- Name: output_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.output_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.output_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: record_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.record_history (
    id bigint NOT NULL,
    table_name text NOT NULL,
    row_id bigint NOT NULL,
    seq bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor text,
    db_user text NOT NULL,
    action text NOT NULL,
    fields jsonb NOT NULL,
    prev_hash text,
    hash text NOT NULL,
    CONSTRAINT record_history_action_known CHECK ((action = ANY (ARRAY['existing'::text, 'insert'::text, 'update'::text]))),
    CONSTRAINT record_history_chain_start CHECK (((seq = 1) = (prev_hash IS NULL))),
    CONSTRAINT record_history_hash_hex CHECK ((hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT record_history_prev_hash_hex CHECK ((prev_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT record_history_seq_positive CHECK ((seq >= 1)),
    CONSTRAINT record_history_table_known CHECK ((table_name = ANY (ARRAY['sources'::text, 'reviewers'::text])))
);


--
-- Name: record_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.record_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.record_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: reviewer_password_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reviewer_password_changes (
    id bigint NOT NULL,
    login text NOT NULL,
    changed_by text,
    db_user text DEFAULT SESSION_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: reviewer_password_changes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.reviewer_password_changes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reviewer_password_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: reviewers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reviewers (
    id bigint NOT NULL,
    handle text NOT NULL,
    name text NOT NULL,
    email text,
    role text DEFAULT 'reviewer'::text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    login text,
    CONSTRAINT reviewer_email_format CHECK (((email IS NULL) OR (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'::text))),
    CONSTRAINT reviewer_handle_format CHECK ((handle ~ '^[a-z0-9._-]{1,64}$'::text)),
    CONSTRAINT reviewer_login_format CHECK (((login ~ '^[a-z0-9._-]{1,63}$'::text) AND (login !~ '^pg_'::text))),
    CONSTRAINT reviewer_name_present CHECK ((btrim(name) <> ''::text)),
    CONSTRAINT reviewer_role_known CHECK ((role = ANY (ARRAY['reviewer'::text, 'editor'::text, 'admin'::text]))),
    CONSTRAINT reviewers_email_length CHECK ((char_length(email) <= 320)),
    CONSTRAINT reviewers_name_length CHECK ((char_length(name) <= 200))
);


--
-- Name: reviewers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.reviewers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reviewers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: source_custody_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.source_custody_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.source_custody_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: sources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sources (
    id bigint NOT NULL,
    ref text,
    url text NOT NULL,
    title text NOT NULL,
    publisher text NOT NULL,
    author text,
    published_at date,
    kind text DEFAULT 'article'::text NOT NULL,
    reliability character(1) DEFAULT 'F'::bpchar NOT NULL,
    file_name text,
    file_sha256 text,
    file_size bigint,
    archive_url text,
    added_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    search tsvector GENERATED ALWAYS AS ((to_tsvector('english'::regconfig, (((("left"(title, 1000) || ' '::text) || "left"(publisher, 500)) || ' '::text) || "left"(COALESCE(author, ''::text), 500))) || to_tsvector('public.verity_words'::regconfig, (((("left"(title, 1000) || ' '::text) || "left"(publisher, 500)) || ' '::text) || "left"(COALESCE(author, ''::text), 500))))) STORED,
    CONSTRAINT source_archive_url_format CHECK ((archive_url ~ '^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]]+$'::text)),
    CONSTRAINT source_file_has_hash CHECK (((file_name IS NULL) OR (file_sha256 IS NOT NULL))),
    CONSTRAINT source_file_size_positive CHECK ((file_size >= 0)),
    CONSTRAINT source_kind_known CHECK ((kind = ANY (ARRAY['article'::text, 'statement'::text, 'video'::text, 'image'::text, 'document'::text, 'social-post'::text, 'dataset'::text, 'other'::text]))),
    CONSTRAINT source_publisher_present CHECK ((btrim(publisher) <> ''::text)),
    CONSTRAINT source_ref_format CHECK (((length(ref) <= 64) AND (ref ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]*$'::text))),
    CONSTRAINT source_reliability_grade CHECK ((reliability = ANY (ARRAY['A'::bpchar, 'B'::bpchar, 'C'::bpchar, 'D'::bpchar, 'E'::bpchar, 'F'::bpchar]))),
    CONSTRAINT source_sha256_hex CHECK (((length(file_sha256) = 64) AND (file_sha256 !~ '[^0-9a-f]'::text))),
    CONSTRAINT source_title_present CHECK ((btrim(title) <> ''::text)),
    CONSTRAINT source_url_format CHECK ((url ~ '^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]]+$'::text)),
    CONSTRAINT sources_archive_url_length CHECK ((char_length(archive_url) <= 2048)),
    CONSTRAINT sources_author_length CHECK ((char_length(author) <= 500)),
    CONSTRAINT sources_file_name_length CHECK ((char_length(file_name) <= 1000)),
    CONSTRAINT sources_publisher_length CHECK ((char_length(publisher) <= 500)),
    CONSTRAINT sources_title_length CHECK ((char_length(title) <= 1000)),
    CONSTRAINT sources_url_length CHECK ((char_length(url) <= 2048))
);


--
-- Name: sources_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.sources ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.sources_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: verdict_proposals_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.verdict_proposals ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.verdict_proposals_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: verity_access_grants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.verity_access_grants (
    table_name text NOT NULL,
    grantee text NOT NULL,
    privileges text NOT NULL,
    CONSTRAINT access_grantee_known CHECK ((grantee = ANY (ARRAY['verity_reviewer'::text, 'verity_admin'::text]))),
    CONSTRAINT access_privileges_known CHECK ((privileges ~ '^(INSERT|UPDATE|DELETE)(, (INSERT|UPDATE|DELETE))*$'::text))
);


--
-- Name: verity_my_cases; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.verity_my_cases AS
 SELECT a.case_id
   FROM (public.case_assignments a
     JOIN public.reviewers r ON ((r.id = a.reviewer_id)))
  WHERE ((r.login = (CURRENT_USER)::text) AND r.active);


--
-- Name: audit_stamps audit_stamps_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_stamps
    ADD CONSTRAINT audit_stamps_pkey PRIMARY KEY (id);


--
-- Name: case_assignments case_assignments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_assignments
    ADD CONSTRAINT case_assignments_pkey PRIMARY KEY (case_id, reviewer_id);


--
-- Name: case_history case_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_history
    ADD CONSTRAINT case_history_pkey PRIMARY KEY (id);


--
-- Name: case_links case_links_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_links
    ADD CONSTRAINT case_links_pkey PRIMARY KEY (id);


--
-- Name: case_sources case_sources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_sources
    ADD CONSTRAINT case_sources_pkey PRIMARY KEY (case_id, source_id);


--
-- Name: case_states case_states_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_states
    ADD CONSTRAINT case_states_pkey PRIMARY KEY (state);


--
-- Name: case_states case_states_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_states
    ADD CONSTRAINT case_states_position_key UNIQUE ("position");


--
-- Name: case_transitions case_transitions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_transitions
    ADD CONSTRAINT case_transitions_pkey PRIMARY KEY (from_state, to_state);


--
-- Name: cases cases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases
    ADD CONSTRAINT cases_pkey PRIMARY KEY (id);


--
-- Name: cases cases_ref_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases
    ADD CONSTRAINT cases_ref_key UNIQUE (ref);


--
-- Name: desk_settings_history desk_settings_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.desk_settings_history
    ADD CONSTRAINT desk_settings_history_pkey PRIMARY KEY (id);


--
-- Name: desk_settings desk_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.desk_settings
    ADD CONSTRAINT desk_settings_pkey PRIMARY KEY (key);


--
-- Name: evidence_notes evidence_notes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.evidence_notes
    ADD CONSTRAINT evidence_notes_pkey PRIMARY KEY (id);


--
-- Name: output_log output_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.output_log
    ADD CONSTRAINT output_log_pkey PRIMARY KEY (id);


--
-- Name: record_history record_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.record_history
    ADD CONSTRAINT record_history_pkey PRIMARY KEY (id);


--
-- Name: reviewers reviewer_login_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviewers
    ADD CONSTRAINT reviewer_login_unique UNIQUE (login);


--
-- Name: reviewer_password_changes reviewer_password_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviewer_password_changes
    ADD CONSTRAINT reviewer_password_changes_pkey PRIMARY KEY (id);


--
-- Name: reviewers reviewers_handle_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviewers
    ADD CONSTRAINT reviewers_handle_key UNIQUE (handle);


--
-- Name: reviewers reviewers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviewers
    ADD CONSTRAINT reviewers_pkey PRIMARY KEY (id);


--
-- Name: source_custody_events source_custody_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_custody_events
    ADD CONSTRAINT source_custody_events_pkey PRIMARY KEY (id);


--
-- Name: sources sources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sources
    ADD CONSTRAINT sources_pkey PRIMARY KEY (id);


--
-- Name: sources sources_ref_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sources
    ADD CONSTRAINT sources_ref_key UNIQUE (ref);


--
-- Name: verdict_proposals verdict_proposals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verdict_proposals
    ADD CONSTRAINT verdict_proposals_pkey PRIMARY KEY (id);


--
-- Name: verity_access_grants verity_access_grants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verity_access_grants
    ADD CONSTRAINT verity_access_grants_pkey PRIMARY KEY (table_name, grantee);


--
-- Name: case_assignments_one_lead; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX case_assignments_one_lead ON public.case_assignments USING btree (case_id) WHERE is_lead;


--
-- Name: case_assignments_reviewer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX case_assignments_reviewer ON public.case_assignments USING btree (reviewer_id);


--
-- Name: case_history_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX case_history_at ON public.case_history USING btree (at);


--
-- Name: case_history_case; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX case_history_case ON public.case_history USING btree (case_id, id);


--
-- Name: case_history_chain; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX case_history_chain ON public.case_history USING btree (case_id, seq);


--
-- Name: case_links_active; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX case_links_active ON public.case_links USING btree (case_id, other_id, kind) WHERE (unlinked_at IS NULL);


--
-- Name: case_links_one_canonical; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX case_links_one_canonical ON public.case_links USING btree (case_id) WHERE ((kind = 'duplicate-of'::text) AND (unlinked_at IS NULL));


--
-- Name: case_links_other; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX case_links_other ON public.case_links USING btree (other_id) WHERE (unlinked_at IS NULL);


--
-- Name: case_sources_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX case_sources_source ON public.case_sources USING btree (source_id);


--
-- Name: cases_due_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cases_due_open ON public.cases USING btree (due) WHERE (state <> 'assessed'::text);


--
-- Name: cases_restricted; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cases_restricted ON public.cases USING btree (id) WHERE restricted;


--
-- Name: cases_search; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cases_search ON public.cases USING gin (search);


--
-- Name: cases_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cases_state ON public.cases USING btree (state);


--
-- Name: cases_tags; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cases_tags ON public.cases USING gin (tags);


--
-- Name: evidence_notes_case; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX evidence_notes_case ON public.evidence_notes USING btree (case_id);


--
-- Name: evidence_notes_search; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX evidence_notes_search ON public.evidence_notes USING gin (search);


--
-- Name: output_log_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX output_log_at ON public.output_log USING btree (at);


--
-- Name: record_history_chain; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX record_history_chain ON public.record_history USING btree (table_name, row_id, seq);


--
-- Name: source_custody_events_chain; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX source_custody_events_chain ON public.source_custody_events USING btree (source_id, seq);


--
-- Name: source_custody_events_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX source_custody_events_source ON public.source_custody_events USING btree (source_id, id);


--
-- Name: sources_search; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sources_search ON public.sources USING gin (search);


--
-- Name: verdict_proposals_case; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX verdict_proposals_case ON public.verdict_proposals USING btree (case_id, id);


--
-- Name: verdict_proposals_one_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX verdict_proposals_one_pending ON public.verdict_proposals USING btree (case_id) WHERE (state = 'pending'::text);


--
-- Name: audit_stamps audit_stamps_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_stamps_append_only BEFORE DELETE OR UPDATE ON public.audit_stamps FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: audit_stamps audit_stamps_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_stamps_no_truncate BEFORE TRUNCATE ON public.audit_stamps FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: case_assignments case_assignments_after_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_assignments_after_insert AFTER INSERT ON public.case_assignments REFERENCING NEW TABLE AS verity_new_assignments FOR EACH STATEMENT WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.case_assignments_after_insert();


--
-- Name: case_assignments case_assignments_after_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_assignments_after_write AFTER DELETE OR UPDATE ON public.case_assignments FOR EACH ROW EXECUTE FUNCTION public.case_assignments_after_write();


--
-- Name: case_assignments case_assignments_before_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_assignments_before_write BEFORE INSERT OR UPDATE ON public.case_assignments FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.case_assignments_before_write();


--
-- Name: case_history case_history_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_history_append_only BEFORE DELETE OR UPDATE ON public.case_history FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: case_history case_history_chain; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_history_chain BEFORE INSERT ON public.case_history FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.case_history_chain();


--
-- Name: case_history case_history_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_history_no_truncate BEFORE TRUNCATE ON public.case_history FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: case_links case_links_after_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_links_after_write AFTER INSERT OR UPDATE ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.case_links_after_write();


--
-- Name: case_links case_links_before_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_links_before_insert BEFORE INSERT ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.case_links_before_insert();


--
-- Name: case_links case_links_before_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_links_before_update BEFORE UPDATE ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.case_links_before_update();


--
-- Name: case_links case_links_no_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_links_no_delete BEFORE DELETE ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: case_sources case_sources_aa_visible_source; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_sources_aa_visible_source BEFORE INSERT ON public.case_sources FOR EACH ROW WHEN (((new.source_id IS NOT NULL) AND ((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text))))) EXECUTE FUNCTION public.verity_require_visible_source();


--
-- Name: case_sources case_sources_after_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_sources_after_insert AFTER INSERT ON public.case_sources REFERENCING NEW TABLE AS verity_new_links FOR EACH STATEMENT WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.case_sources_after_insert();


--
-- Name: case_sources case_sources_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_sources_append_only BEFORE DELETE ON public.case_sources FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: case_sources case_sources_before_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_sources_before_insert BEFORE INSERT ON public.case_sources FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.case_sources_before_insert();


--
-- Name: case_sources case_sources_before_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER case_sources_before_update BEFORE UPDATE ON public.case_sources FOR EACH ROW EXECUTE FUNCTION public.case_sources_before_update();


--
-- Name: cases cases_after_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_after_insert AFTER INSERT ON public.cases REFERENCING NEW TABLE AS verity_new_cases FOR EACH STATEMENT WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.cases_after_insert();


--
-- Name: cases cases_after_insert_restricted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_after_insert_restricted AFTER INSERT ON public.cases FOR EACH ROW WHEN (new.restricted) EXECUTE FUNCTION public.cases_after_restrict();


--
-- Name: cases cases_after_restrict; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_after_restrict AFTER UPDATE OF restricted ON public.cases FOR EACH ROW WHEN ((new.restricted IS DISTINCT FROM old.restricted)) EXECUTE FUNCTION public.cases_after_restrict();


--
-- Name: cases cases_after_update_proposals; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_after_update_proposals AFTER UPDATE OF state ON public.cases FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.cases_after_update_proposals();


--
-- Name: cases cases_before_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_before_insert BEFORE INSERT ON public.cases FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.cases_before_insert();


--
-- Name: cases cases_before_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_before_update BEFORE UPDATE ON public.cases FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.cases_before_update();


--
-- Name: cases cases_no_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_no_delete BEFORE DELETE ON public.cases FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: cases cases_zz_record_history; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cases_zz_record_history BEFORE UPDATE ON public.cases FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.cases_record_update();


--
-- Name: desk_settings desk_settings_before_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER desk_settings_before_write BEFORE INSERT OR DELETE OR UPDATE ON public.desk_settings FOR EACH ROW EXECUTE FUNCTION public.desk_settings_before_write();


--
-- Name: desk_settings_history desk_settings_history_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER desk_settings_history_append_only BEFORE DELETE OR UPDATE ON public.desk_settings_history FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: desk_settings_history desk_settings_history_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER desk_settings_history_no_truncate BEFORE TRUNCATE ON public.desk_settings_history FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: evidence_notes evidence_notes_aa_visible_source; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER evidence_notes_aa_visible_source BEFORE INSERT OR UPDATE OF source_id ON public.evidence_notes FOR EACH ROW WHEN (((new.source_id IS NOT NULL) AND ((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text))))) EXECUTE FUNCTION public.verity_require_visible_source();


--
-- Name: evidence_notes evidence_notes_after_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER evidence_notes_after_insert AFTER INSERT ON public.evidence_notes REFERENCING NEW TABLE AS verity_new_notes FOR EACH STATEMENT WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.evidence_notes_after_insert();


--
-- Name: evidence_notes evidence_notes_after_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER evidence_notes_after_write AFTER UPDATE ON public.evidence_notes FOR EACH ROW EXECUTE FUNCTION public.evidence_notes_after_write();


--
-- Name: evidence_notes evidence_notes_before_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER evidence_notes_before_insert BEFORE INSERT ON public.evidence_notes FOR EACH ROW WHEN (((current_setting('verity.engine'::text, true) IS DISTINCT FROM 'on'::text) OR (NOT pg_has_role(SESSION_USER, 'pg_database_owner'::name, 'MEMBER'::text)))) EXECUTE FUNCTION public.evidence_notes_before_insert();


--
-- Name: evidence_notes evidence_notes_before_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER evidence_notes_before_update BEFORE UPDATE ON public.evidence_notes FOR EACH ROW EXECUTE FUNCTION public.evidence_notes_before_update();


--
-- Name: evidence_notes evidence_notes_no_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER evidence_notes_no_delete BEFORE DELETE ON public.evidence_notes FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: output_log output_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER output_log_append_only BEFORE DELETE OR UPDATE ON public.output_log FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: output_log output_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER output_log_no_truncate BEFORE TRUNCATE ON public.output_log FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: record_history record_history_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER record_history_append_only BEFORE DELETE OR UPDATE ON public.record_history FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: record_history record_history_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER record_history_no_truncate BEFORE TRUNCATE ON public.record_history FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: reviewer_password_changes reviewer_password_changes_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reviewer_password_changes_append_only BEFORE DELETE OR UPDATE ON public.reviewer_password_changes FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: reviewer_password_changes reviewer_password_changes_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reviewer_password_changes_no_truncate BEFORE TRUNCATE ON public.reviewer_password_changes FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: reviewers reviewers_record_history_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reviewers_record_history_insert AFTER INSERT ON public.reviewers REFERENCING NEW TABLE AS verity_new_records FOR EACH STATEMENT EXECUTE FUNCTION public.record_history_after_insert();


--
-- Name: reviewers reviewers_record_history_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reviewers_record_history_update AFTER UPDATE ON public.reviewers FOR EACH ROW EXECUTE FUNCTION public.record_history_after_update();


--
-- Name: source_custody_events source_custody_events_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER source_custody_events_append_only BEFORE DELETE OR UPDATE ON public.source_custody_events FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: source_custody_events source_custody_events_chain; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER source_custody_events_chain BEFORE INSERT ON public.source_custody_events FOR EACH ROW EXECUTE FUNCTION public.source_custody_events_chain();


--
-- Name: source_custody_events source_custody_events_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER source_custody_events_no_truncate BEFORE TRUNCATE ON public.source_custody_events FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: sources sources_before_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sources_before_update BEFORE UPDATE ON public.sources FOR EACH ROW EXECUTE FUNCTION public.sources_before_update();


--
-- Name: sources sources_ensure_collected; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER sources_ensure_collected AFTER INSERT OR UPDATE OF file_sha256 ON public.sources DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.sources_ensure_collected();


--
-- Name: sources sources_record_history_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sources_record_history_insert AFTER INSERT ON public.sources REFERENCING NEW TABLE AS verity_new_records FOR EACH STATEMENT EXECUTE FUNCTION public.record_history_after_insert();


--
-- Name: sources sources_record_history_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sources_record_history_update AFTER UPDATE ON public.sources FOR EACH ROW EXECUTE FUNCTION public.record_history_after_update();


--
-- Name: verdict_proposals verdict_proposals_after_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER verdict_proposals_after_write AFTER INSERT OR UPDATE ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verdict_proposals_after_write();


--
-- Name: verdict_proposals verdict_proposals_before_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER verdict_proposals_before_insert BEFORE INSERT ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verdict_proposals_before_insert();


--
-- Name: verdict_proposals verdict_proposals_before_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER verdict_proposals_before_update BEFORE UPDATE ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verdict_proposals_before_update();


--
-- Name: verdict_proposals verdict_proposals_no_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER verdict_proposals_no_delete BEFORE DELETE ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();


--
-- Name: case_assignments case_assignments_assigned_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_assignments
    ADD CONSTRAINT case_assignments_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES public.reviewers(id);


--
-- Name: case_assignments case_assignments_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_assignments
    ADD CONSTRAINT case_assignments_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- Name: case_assignments case_assignments_reviewer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_assignments
    ADD CONSTRAINT case_assignments_reviewer_id_fkey FOREIGN KEY (reviewer_id) REFERENCES public.reviewers(id);


--
-- Name: case_history case_history_actor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_history
    ADD CONSTRAINT case_history_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.reviewers(id);


--
-- Name: case_history case_history_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_history
    ADD CONSTRAINT case_history_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- Name: case_history case_history_from_state_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_history
    ADD CONSTRAINT case_history_from_state_fkey FOREIGN KEY (from_state) REFERENCES public.case_states(state);


--
-- Name: case_history case_history_to_state_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_history
    ADD CONSTRAINT case_history_to_state_fkey FOREIGN KEY (to_state) REFERENCES public.case_states(state);


--
-- Name: case_links case_links_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_links
    ADD CONSTRAINT case_links_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- Name: case_links case_links_linked_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_links
    ADD CONSTRAINT case_links_linked_by_fkey FOREIGN KEY (linked_by) REFERENCES public.reviewers(id);


--
-- Name: case_links case_links_other_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_links
    ADD CONSTRAINT case_links_other_id_fkey FOREIGN KEY (other_id) REFERENCES public.cases(id);


--
-- Name: case_links case_links_unlinked_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_links
    ADD CONSTRAINT case_links_unlinked_by_fkey FOREIGN KEY (unlinked_by) REFERENCES public.reviewers(id);


--
-- Name: case_sources case_sources_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_sources
    ADD CONSTRAINT case_sources_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- Name: case_sources case_sources_linked_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_sources
    ADD CONSTRAINT case_sources_linked_by_fkey FOREIGN KEY (linked_by) REFERENCES public.reviewers(id);


--
-- Name: case_sources case_sources_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_sources
    ADD CONSTRAINT case_sources_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id);


--
-- Name: case_transitions case_transitions_from_state_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_transitions
    ADD CONSTRAINT case_transitions_from_state_fkey FOREIGN KEY (from_state) REFERENCES public.case_states(state);


--
-- Name: case_transitions case_transitions_to_state_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_transitions
    ADD CONSTRAINT case_transitions_to_state_fkey FOREIGN KEY (to_state) REFERENCES public.case_states(state);


--
-- Name: cases cases_assessed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases
    ADD CONSTRAINT cases_assessed_by_fkey FOREIGN KEY (assessed_by) REFERENCES public.reviewers(id);


--
-- Name: cases cases_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases
    ADD CONSTRAINT cases_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.reviewers(id);


--
-- Name: cases cases_state_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases
    ADD CONSTRAINT cases_state_fkey FOREIGN KEY (state) REFERENCES public.case_states(state);


--
-- Name: desk_settings_history desk_settings_history_changed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.desk_settings_history
    ADD CONSTRAINT desk_settings_history_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES public.reviewers(id);


--
-- Name: desk_settings desk_settings_updated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.desk_settings
    ADD CONSTRAINT desk_settings_updated_by_fkey FOREIGN KEY (updated_by) REFERENCES public.reviewers(id);


--
-- Name: evidence_notes evidence_notes_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.evidence_notes
    ADD CONSTRAINT evidence_notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.reviewers(id);


--
-- Name: evidence_notes evidence_notes_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.evidence_notes
    ADD CONSTRAINT evidence_notes_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- Name: evidence_notes evidence_notes_retracted_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.evidence_notes
    ADD CONSTRAINT evidence_notes_retracted_by_fkey FOREIGN KEY (retracted_by) REFERENCES public.reviewers(id);


--
-- Name: evidence_notes evidence_notes_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.evidence_notes
    ADD CONSTRAINT evidence_notes_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id);


--
-- Name: source_custody_events source_custody_events_actor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_custody_events
    ADD CONSTRAINT source_custody_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.reviewers(id);


--
-- Name: source_custody_events source_custody_events_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_custody_events
    ADD CONSTRAINT source_custody_events_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id);


--
-- Name: sources sources_added_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sources
    ADD CONSTRAINT sources_added_by_fkey FOREIGN KEY (added_by) REFERENCES public.reviewers(id);


--
-- Name: verdict_proposals verdict_proposals_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verdict_proposals
    ADD CONSTRAINT verdict_proposals_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- Name: verdict_proposals verdict_proposals_decided_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verdict_proposals
    ADD CONSTRAINT verdict_proposals_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES public.reviewers(id);


--
-- Name: verdict_proposals verdict_proposals_proposed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verdict_proposals
    ADD CONSTRAINT verdict_proposals_proposed_by_fkey FOREIGN KEY (proposed_by) REFERENCES public.reviewers(id);


--
-- Name: case_assignments; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.case_assignments ENABLE ROW LEVEL SECURITY;

--
-- Name: case_assignments case_assignments_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY case_assignments_visible ON public.case_assignments USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_assignments.case_id))));


--
-- Name: case_history; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.case_history ENABLE ROW LEVEL SECURITY;

--
-- Name: case_history case_history_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY case_history_visible ON public.case_history USING (((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_history.case_id))) AND
CASE
    WHEN ((action = ANY (ARRAY['link-case'::text, 'unlink-case'::text])) AND (details ? 'other_case_id'::text)) THEN public.verity_case_visible(((details ->> 'other_case_id'::text))::bigint)
    ELSE true
END));


--
-- Name: case_links; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.case_links ENABLE ROW LEVEL SECURITY;

--
-- Name: case_links case_links_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY case_links_visible ON public.case_links USING (((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_links.case_id))) AND (EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_links.other_id)))));


--
-- Name: case_sources; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.case_sources ENABLE ROW LEVEL SECURITY;

--
-- Name: case_sources case_sources_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY case_sources_visible ON public.case_sources USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = case_sources.case_id))));


--
-- Name: cases; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.cases ENABLE ROW LEVEL SECURITY;

--
-- Name: cases cases_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY cases_visible ON public.cases USING (((NOT restricted) OR ( SELECT public.verity_sees_all() AS verity_sees_all) OR (id IN ( SELECT m.case_id
   FROM public.verity_my_cases m))));


--
-- Name: evidence_notes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.evidence_notes ENABLE ROW LEVEL SECURITY;

--
-- Name: evidence_notes evidence_notes_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY evidence_notes_visible ON public.evidence_notes USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = evidence_notes.case_id))));


--
-- Name: output_log; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.output_log ENABLE ROW LEVEL SECURITY;

--
-- Name: output_log output_log_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY output_log_visible ON public.output_log USING ((( SELECT public.verity_sees_all() AS verity_sees_all) OR (case_ids IS NULL) OR (NOT (EXISTS ( SELECT 1
   FROM unnest(output_log.case_ids) c(id)
  WHERE (NOT public.verity_case_visible(c.id)))))));


--
-- Name: record_history; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.record_history ENABLE ROW LEVEL SECURITY;

--
-- Name: record_history record_history_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY record_history_visible ON public.record_history FOR SELECT USING (((table_name = 'reviewers'::text) OR ( SELECT public.verity_sees_all() AS verity_sees_all) OR (EXISTS ( SELECT 1
   FROM public.sources s
  WHERE (s.id = record_history.row_id)))));


--
-- Name: source_custody_events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.source_custody_events ENABLE ROW LEVEL SECURITY;

--
-- Name: source_custody_events source_custody_events_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY source_custody_events_visible ON public.source_custody_events USING ((EXISTS ( SELECT 1
   FROM public.sources s
  WHERE (s.id = source_custody_events.source_id))));


--
-- Name: sources; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.sources ENABLE ROW LEVEL SECURITY;

--
-- Name: sources sources_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY sources_visible ON public.sources USING ((( SELECT public.verity_sees_all() AS verity_sees_all) OR (EXISTS ( SELECT 1
   FROM public.case_sources cs
  WHERE (cs.source_id = sources.id))) OR public.verity_source_unlinked(id)));


--
-- Name: verdict_proposals; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.verdict_proposals ENABLE ROW LEVEL SECURITY;

--
-- Name: verdict_proposals verdict_proposals_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY verdict_proposals_visible ON public.verdict_proposals USING ((EXISTS ( SELECT 1
   FROM public.cases c
  WHERE (c.id = verdict_proposals.case_id))));


--
-- Name: FUNCTION verity_create_login(p_login text, p_verifier text, p_group text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.verity_create_login(p_login text, p_verifier text, p_group text) FROM PUBLIC;


--
-- Name: FUNCTION verity_disable_login(p_login text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.verity_disable_login(p_login text) FROM PUBLIC;


--
-- Name: FUNCTION verity_record(p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.verity_record(p_case_id bigint, p_action text, p_from text, p_to text, p_details jsonb) FROM PUBLIC;


--
-- Name: FUNCTION verity_set_login_password(p_login text, p_verifier text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.verity_set_login_password(p_login text, p_verifier text) FROM PUBLIC;


--
-- PostgreSQL database dump complete
--


