-- 007: four-eyes assessment (a desk setting, proposed verdicts and their
-- sign-off) and typed links between cases (duplicate-of, related, contradicts,
-- supersedes).
--
-- Four-eyes, when the desk setting four_eyes is on:
--   INSERT INTO verdict_proposals (case_id, verdict, confidence, rationale) ...   -- `case assess`
--   SELECT verity_sign_off(proposal_id);                                         -- `case sign-off`
--   UPDATE verdict_proposals SET state = 'rejected', reason = '...' WHERE ...    -- `case sign-off --reject`
-- A case then reaches assessed only through verity_sign_off, by a reviewer who
-- did not propose the verdict and wrote none of the case's evidence notes
-- (retracted ones included). A pending proposal is withdrawn when its case
-- leaves evidence-pending (dispute); new evidence leaves it pending.
--
-- Links: INSERT INTO case_links (case_id, other_id, kind, reason) ...; unlinking
-- sets unlinked_at (the row stays). duplicate-of links form a forest: no
-- self-links, no cycles, at most one canonical case per duplicate.

-- ---------------------------------------------------------------- history actions

ALTER TABLE case_history DROP CONSTRAINT history_action_known;
ALTER TABLE case_history ADD CONSTRAINT history_action_known CHECK (action IN (
    'open', 'update', 'dispute', 'move', 'assess', 'reopen', 'assign', 'unassign',
    'link-source', 'add-evidence', 'retract-evidence', 'restrict', 'unrestrict',
    'propose-verdict', 'sign-off', 'reject-verdict', 'link-case', 'unlink-case'));

-- ---------------------------------------------------------------- desk settings

CREATE TABLE desk_settings (
    key         text PRIMARY KEY CONSTRAINT desk_setting_known CHECK (key IN ('four_eyes')),
    value       text NOT NULL,
    updated_by  bigint REFERENCES reviewers,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT desk_setting_value_valid CHECK (key <> 'four_eyes' OR value IN ('on', 'off'))
);
INSERT INTO desk_settings (key, value) VALUES ('four_eyes', 'off');

-- Every change of a setting: who, when, from what to what. Append-only.
CREATE TABLE desk_settings_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         text NOT NULL,
    old_value   text,
    new_value   text NOT NULL,
    changed_by  bigint NOT NULL REFERENCES reviewers,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    reason      text
);

-- Only editors and admins change desk settings; every change is recorded.
CREATE FUNCTION desk_settings_before_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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

CREATE TRIGGER desk_settings_before_write BEFORE INSERT OR UPDATE OR DELETE ON desk_settings
    FOR EACH ROW EXECUTE FUNCTION desk_settings_before_write();
CREATE TRIGGER desk_settings_history_append_only BEFORE UPDATE OR DELETE ON desk_settings_history
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();
CREATE TRIGGER desk_settings_history_no_truncate BEFORE TRUNCATE ON desk_settings_history
    FOR EACH STATEMENT EXECUTE FUNCTION verity_refuse_change();

CREATE FUNCTION verity_four_eyes() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value = 'on' FROM desk_settings WHERE key = 'four_eyes'), false)
$$;

-- ---------------------------------------------------------------- verdict proposals

CREATE TABLE verdict_proposals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases,
    verdict      text NOT NULL CONSTRAINT proposal_verdict_known
                 CHECK (verdict IN ('true', 'mostly-true', 'mixed', 'mostly-false', 'false', 'unverifiable')),
    confidence   smallint NOT NULL CONSTRAINT proposal_confidence_range CHECK (confidence BETWEEN 1 AND 6),
    rationale    text NOT NULL CONSTRAINT proposal_rationale_present CHECK (btrim(rationale) <> ''),
    proposed_by  bigint REFERENCES reviewers,
    proposed_at  timestamptz NOT NULL DEFAULT now(),
    -- pending until signed off, rejected, or withdrawn because the case left evidence-pending.
    state        text NOT NULL DEFAULT 'pending'
                 CONSTRAINT proposal_state_known CHECK (state IN ('pending', 'signed-off', 'rejected', 'withdrawn')),
    decided_by   bigint REFERENCES reviewers,
    decided_at   timestamptz,
    reason       text,
    CONSTRAINT proposal_decision_complete CHECK (
        (state = 'pending') = (decided_at IS NULL)
        AND (state <> 'rejected' OR (decided_by IS NOT NULL AND btrim(reason) <> ''))
        AND (state <> 'signed-off' OR decided_by IS NOT NULL))
);
CREATE UNIQUE INDEX verdict_proposals_one_pending ON verdict_proposals (case_id) WHERE state = 'pending';
CREATE INDEX verdict_proposals_case ON verdict_proposals (case_id, id);

-- Refuses a reviewer who may not assess case p_case_id (same rule as assess).
CREATE FUNCTION verity_require_assessor(p_case_id bigint, p_actor bigint, p_doing text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
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
CREATE FUNCTION verity_require_second_pair(p_proposal verdict_proposals, p_actor bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
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

CREATE FUNCTION verdict_proposals_before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := verity_actor_id();
    case_state text;
BEGIN
    IF NOT verity_four_eyes() THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('four-eyes is off: case %s is assessed directly, not proposed', NEW.case_id),
            HINT = 'assess it with `verity case assess`, or turn four-eyes on with `verity config set four-eyes on`';
    END IF;
    SELECT state INTO case_state FROM cases WHERE id = NEW.case_id FOR NO KEY UPDATE;
    IF case_state IS DISTINCT FROM 'evidence-pending' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR001',
            MESSAGE = format('case %s is %s; a verdict is proposed only for an evidence-pending case', NEW.case_id, case_state);
    END IF;
    IF EXISTS (SELECT 1 FROM verdict_proposals WHERE case_id = NEW.case_id AND state = 'pending') THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('case %s already has a verdict awaiting sign-off', NEW.case_id),
            HINT = format('sign it off or reject it first: `verity case sign-off %s` or `verity case sign-off %s --reject --reason ...`',
                          NEW.case_id, NEW.case_id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM evidence_notes WHERE case_id = NEW.case_id AND retracted_at IS NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('case %s has no evidence notes; an assessment must rest on at least one', NEW.case_id),
            HINT = format('add one with `verity evidence add %s --stance ... --credibility N --note ...`', NEW.case_id);
    END IF;
    PERFORM verity_require_assessor(NEW.case_id, actor, 'propose its verdict');
    NEW.proposed_by := actor;
    NEW.proposed_at := verity_now();
    NEW.state := 'pending';
    NEW.decided_by := NULL;
    NEW.decided_at := NULL;
    NEW.reason := NULL;
    RETURN NEW;
END $$;

-- Pending → signed-off (by a second reviewer), rejected (with a reason) or
-- withdrawn (when the case leaves evidence-pending). Nothing else changes.
CREATE FUNCTION verdict_proposals_before_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := verity_actor_id();
BEGIN
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
            PERFORM verity_require_second_pair(OLD, actor);
        END IF;
        PERFORM verity_require_assessor(OLD.case_id, actor,
            CASE NEW.state WHEN 'signed-off' THEN 'sign off its verdict' ELSE 'reject its verdict' END);
        NEW.reason := coalesce(verity_setting_or_null(NEW.reason), verity_setting('verity.reason'));
        IF NEW.state = 'rejected' AND NEW.reason IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('rejecting the proposed verdict of case %s needs a reason', OLD.case_id),
                HINT = 'give one with --reason';
        END IF;
    END IF;
    NEW.decided_by := actor;
    NEW.decided_at := verity_now();
    RETURN NEW;
END $$;

CREATE FUNCTION verdict_proposals_after_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    proposal jsonb := jsonb_build_object('proposal_id', NEW.id, 'verdict', NEW.verdict,
                                         'confidence', NEW.confidence, 'rationale', NEW.rationale);
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM verity_record(NEW.case_id, 'propose-verdict', NULL, NULL, proposal);
    ELSIF NEW.state = 'signed-off' THEN
        PERFORM verity_record(NEW.case_id, 'sign-off', NULL, NULL,
            proposal || jsonb_build_object('proposed_by', (SELECT handle FROM reviewers WHERE id = NEW.proposed_by)));
    ELSIF NEW.state = 'rejected' THEN
        PERFORM set_config('verity.reason', NEW.reason, true);
        PERFORM verity_record(NEW.case_id, 'reject-verdict', NULL, NULL,
            proposal || jsonb_build_object('proposed_by', (SELECT handle FROM reviewers WHERE id = NEW.proposed_by)));
    END IF;
    -- withdrawn: the state change that withdrew it is already in the history.
    RETURN NULL;
END $$;

CREATE TRIGGER verdict_proposals_before_insert BEFORE INSERT ON verdict_proposals
    FOR EACH ROW EXECUTE FUNCTION verdict_proposals_before_insert();
CREATE TRIGGER verdict_proposals_before_update BEFORE UPDATE ON verdict_proposals
    FOR EACH ROW EXECUTE FUNCTION verdict_proposals_before_update();
CREATE TRIGGER verdict_proposals_after_write AFTER INSERT OR UPDATE ON verdict_proposals
    FOR EACH ROW EXECUTE FUNCTION verdict_proposals_after_write();
CREATE TRIGGER verdict_proposals_no_delete BEFORE DELETE ON verdict_proposals
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();

-- Signs off the pending proposal of a case and assesses the case with it, in
-- one step. Returns the proposal's id.
CREATE FUNCTION verity_sign_off(p_case_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    proposal verdict_proposals%ROWTYPE;
BEGIN
    PERFORM 1 FROM cases WHERE id = p_case_id FOR NO KEY UPDATE;
    SELECT * INTO proposal FROM verdict_proposals WHERE case_id = p_case_id AND state = 'pending' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('case %s has no verdict awaiting sign-off', p_case_id),
            HINT = format('propose one with `verity case assess %s --verdict ... --confidence N --rationale ...`', p_case_id);
    END IF;
    UPDATE verdict_proposals SET state = 'signed-off' WHERE id = proposal.id;
    PERFORM set_config('verity.sign_off', proposal.id::text, true);
    UPDATE cases SET state = 'assessed', verdict = proposal.verdict, confidence = proposal.confidence,
                     rationale = proposal.rationale
     WHERE id = p_case_id;
    PERFORM set_config('verity.sign_off', '', true);
    RETURN proposal.id;
END $$;

-- A pending proposal is withdrawn when its case leaves evidence-pending.
CREATE FUNCTION cases_after_update_proposals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF OLD.state = 'evidence-pending' AND NEW.state <> 'evidence-pending' THEN
        UPDATE verdict_proposals SET state = 'withdrawn',
               reason = format('withdrawn: the case moved to %s', NEW.state)
         WHERE case_id = NEW.id AND state = 'pending';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_after_update_proposals AFTER UPDATE OF state ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_after_update_proposals();

-- ---------------------------------------------------------------- case rules (from 002, plus four-eyes)

CREATE OR REPLACE FUNCTION cases_before_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    step case_transitions%ROWTYPE;
    allowed text;
    actor bigint;
    proposal verdict_proposals%ROWTYPE;
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
                             OLD.id, OLD.state, NEW.state, OLD.state, coalesce(allowed, 'none')),
            DETAIL = 'the allowed transitions are listed in the table case_transitions';
    END IF;
    IF step.requires_reason AND verity_setting('verity.reason') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('moving case %s from %s to %s (%s) needs a reason', OLD.id, OLD.state, NEW.state, step.action),
            HINT = 'give one with --reason';
    END IF;
    NEW.state_changed_at := verity_now();

    IF NEW.state = 'assessed' THEN
        IF NEW.verdict IS NULL OR NEW.confidence IS NULL OR verity_setting_or_null(NEW.rationale) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('assessing case %s needs a verdict, a confidence (1-6) and a rationale', OLD.id);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM evidence_notes WHERE case_id = OLD.id AND retracted_at IS NULL) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('case %s has no evidence notes; an assessment must rest on at least one', OLD.id),
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
END $$;

-- ---------------------------------------------------------------- case links

CREATE TABLE case_links (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id        bigint NOT NULL REFERENCES cases,
    other_id       bigint NOT NULL REFERENCES cases,
    -- case_id <kind> other_id: "12 duplicate-of 7", "12 supersedes 3".
    kind           text NOT NULL CONSTRAINT case_link_kind_known
                   CHECK (kind IN ('duplicate-of', 'related', 'contradicts', 'supersedes')),
    reason         text NOT NULL CONSTRAINT case_link_reason_present CHECK (btrim(reason) <> ''),
    linked_by      bigint REFERENCES reviewers,
    linked_at      timestamptz NOT NULL DEFAULT now(),
    unlinked_by    bigint REFERENCES reviewers,
    unlinked_at    timestamptz,
    unlink_reason  text,
    CONSTRAINT case_link_not_self CHECK (case_id <> other_id),
    CONSTRAINT case_link_unlink_complete CHECK (
        (unlinked_at IS NULL AND unlinked_by IS NULL AND unlink_reason IS NULL)
        OR (unlinked_at IS NOT NULL AND unlinked_by IS NOT NULL AND btrim(unlink_reason) <> ''))
);
-- One active link of a kind between two cases; one canonical case per duplicate.
CREATE UNIQUE INDEX case_links_active ON case_links (case_id, other_id, kind) WHERE unlinked_at IS NULL;
CREATE UNIQUE INDEX case_links_one_canonical ON case_links (case_id) WHERE kind = 'duplicate-of' AND unlinked_at IS NULL;
CREATE INDEX case_links_other ON case_links (other_id) WHERE unlinked_at IS NULL;

-- The case a duplicate follows: the root of its duplicate-of chain (itself when none).
CREATE FUNCTION verity_canonical_case(p_case_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE chain (id, depth) AS (
        SELECT p_case_id, 0
        UNION ALL
        SELECT l.other_id, chain.depth + 1
          FROM chain JOIN case_links l ON l.case_id = chain.id AND l.kind = 'duplicate-of' AND l.unlinked_at IS NULL
         WHERE chain.depth < 1000
    )
    SELECT id FROM chain ORDER BY depth DESC LIMIT 1
$$;

CREATE FUNCTION case_links_before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
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
        IF EXISTS (SELECT 1 FROM case_links WHERE case_id = NEW.case_id AND kind = 'duplicate-of' AND unlinked_at IS NULL) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('case %s is already a duplicate of case %s', NEW.case_id,
                                 (SELECT other_id FROM case_links WHERE case_id = NEW.case_id AND kind = 'duplicate-of' AND unlinked_at IS NULL)),
                HINT = format('unlink it first: `verity case unlink %s --to N --as duplicate-of --reason ...`', NEW.case_id);
        END IF;
        IF verity_canonical_case(NEW.other_id) = NEW.case_id THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('case %s cannot be a duplicate of case %s: case %s already follows case %s, which would make a cycle',
                                 NEW.case_id, NEW.other_id, NEW.other_id, NEW.case_id),
                HINT = 'mark the newer case as the duplicate of the older one, never both ways';
        END IF;
    END IF;
    NEW.linked_by := verity_actor_id();
    NEW.linked_at := verity_now();
    RETURN NEW;
END $$;

-- Only unlinking changes a link, once; the row stays.
CREATE FUNCTION case_links_before_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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

-- Both cases' histories record the link and the unlink.
CREATE FUNCTION case_links_after_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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

CREATE TRIGGER case_links_before_insert BEFORE INSERT ON case_links
    FOR EACH ROW EXECUTE FUNCTION case_links_before_insert();
CREATE TRIGGER case_links_before_update BEFORE UPDATE ON case_links
    FOR EACH ROW EXECUTE FUNCTION case_links_before_update();
CREATE TRIGGER case_links_after_write AFTER INSERT OR UPDATE ON case_links
    FOR EACH ROW EXECUTE FUNCTION case_links_after_write();
CREATE TRIGGER case_links_no_delete BEFORE DELETE ON case_links
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();
