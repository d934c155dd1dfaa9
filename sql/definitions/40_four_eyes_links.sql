-- Four eyes and links: verdict proposals and sign-off when the desk requires a second reviewer, and duplicate/related links between cases.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- Both cases' histories record the link and the unlink.
CREATE OR REPLACE FUNCTION public.case_links_after_write() RETURNS trigger
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

-- Checks a link between two cases (both visible to the caller, no self-link, no duplicate cycle)
-- and fills who linked them and when.
CREATE OR REPLACE FUNCTION public.case_links_before_insert() RETURNS trigger
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

-- Only unlinking changes a link, once; the row stays.
CREATE OR REPLACE FUNCTION public.case_links_before_update() RETURNS trigger
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

-- A pending proposal is withdrawn when its case leaves evidence-pending.
CREATE OR REPLACE FUNCTION public.cases_after_update_proposals() RETURNS trigger
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

-- Records proposals, sign-offs, rejections and withdrawals in the case's history.
CREATE OR REPLACE FUNCTION public.verdict_proposals_after_write() RETURNS trigger
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

-- Checks a four-eyes proposal (four-eyes on, the case visible, evidence-pending, with evidence,
-- none pending already) and fills who proposed it and when.
CREATE OR REPLACE FUNCTION public.verdict_proposals_before_insert() RETURNS trigger
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

-- Pending → signed-off (by a second reviewer), rejected (with a reason) or
-- withdrawn (when the case leaves evidence-pending). Nothing else changes.
CREATE OR REPLACE FUNCTION public.verdict_proposals_before_update() RETURNS trigger
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

-- The case a duplicate follows: the root of its duplicate-of chain (itself when none).
CREATE OR REPLACE FUNCTION public.verity_canonical_case(p_case_id bigint) RETURNS bigint
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

-- Whether the desk requires a second reviewer's sign-off for every assessment.
CREATE OR REPLACE FUNCTION public.verity_four_eyes() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT coalesce((SELECT value = 'on' FROM desk_settings WHERE key = 'four_eyes'), false)
$$;

-- Refuses a reviewer who may not assess case p_case_id (same rule as assess).
CREATE OR REPLACE FUNCTION public.verity_require_assessor(p_case_id bigint, p_actor bigint, p_doing text) RETURNS void
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

-- Refuses a sign-off by the proposer or by an author of the case's evidence.
CREATE OR REPLACE FUNCTION public.verity_require_second_pair(p_proposal public.verdict_proposals, p_actor bigint) RETURNS void
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

-- Signs off the pending proposal of a case and assesses the case with it, in
-- one step. Returns the proposal's id.
CREATE OR REPLACE FUNCTION public.verity_sign_off(p_case_id bigint) RETURNS bigint
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

-- ------------------------------ triggers
-- A trigger WHEN (verity.engine ... pg_database_owner ...) is skipped while the import
-- engine writes set-based what it would do, in a session of the desk owner or a superuser
-- only (who may disable triggers anyway): see the top of 70_import.sql.
CREATE OR REPLACE TRIGGER case_links_after_write AFTER INSERT OR UPDATE ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.case_links_after_write();
CREATE OR REPLACE TRIGGER case_links_before_insert BEFORE INSERT ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.case_links_before_insert();
CREATE OR REPLACE TRIGGER case_links_before_update BEFORE UPDATE ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.case_links_before_update();
CREATE OR REPLACE TRIGGER case_links_no_delete BEFORE DELETE ON public.case_links FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER cases_after_update_proposals AFTER UPDATE OF state ON public.cases FOR EACH ROW WHEN (pg_catalog.current_setting('verity.engine', true) IS DISTINCT FROM 'on' OR NOT pg_catalog.pg_has_role(SESSION_USER, 'pg_database_owner', 'MEMBER')) EXECUTE FUNCTION public.cases_after_update_proposals();
CREATE OR REPLACE TRIGGER verdict_proposals_after_write AFTER INSERT OR UPDATE ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verdict_proposals_after_write();
CREATE OR REPLACE TRIGGER verdict_proposals_before_insert BEFORE INSERT ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verdict_proposals_before_insert();
CREATE OR REPLACE TRIGGER verdict_proposals_before_update BEFORE UPDATE ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verdict_proposals_before_update();
CREATE OR REPLACE TRIGGER verdict_proposals_no_delete BEFORE DELETE ON public.verdict_proposals FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
