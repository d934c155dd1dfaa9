-- 011: fixes from the review of the merged features.

-- 1. A link row in a case's history names the other case (details
-- other_case_id, other_ref) and the reason for the link. When the other case
-- is restricted and the user may not see it, the row is hidden too: otherwise
-- the history of an open case would reveal the restricted case, its reference
-- and why it was linked. The extra test runs only for link-case/unlink-case.
DROP POLICY case_history_visible ON case_history;
CREATE POLICY case_history_visible ON case_history
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_history.case_id)
           AND CASE WHEN case_history.action IN ('link-case', 'unlink-case')
                         AND case_history.details ? 'other_case_id'
                    THEN verity_case_visible((case_history.details->>'other_case_id')::bigint)
                    ELSE true END);

-- 4. The chain of custody must stay meaningful: a copy carries the hash of the
-- copied file; no event is dated before the file was collected; a hand-over
-- goes to someone other than the current holder. The holder at a time is the
-- recipient of the last hand-over up to then (by time, then id), else the
-- reviewer who collected the file. It runs with the caller's rights, so a
-- user sees only the holders of sources they may see.
CREATE FUNCTION verity_custody_holder(p_source_id bigint, p_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
               (SELECT e.to_holder FROM source_custody_events e
                 WHERE e.source_id = p_source_id AND e.event = 'handed-over' AND e.at <= p_at
                 ORDER BY e.at DESC, e.id DESC LIMIT 1),
               (SELECT r.handle FROM source_custody_events e JOIN reviewers r ON r.id = e.actor_id
                 WHERE e.source_id = p_source_id AND e.event = 'collected' ORDER BY e.at, e.id LIMIT 1))
$$;

CREATE OR REPLACE FUNCTION verity_custody_event(
    p_source_id bigint, p_event text, p_at timestamptz DEFAULT NULL, p_tool text DEFAULT NULL,
    p_sha256 text DEFAULT NULL, p_copy_kind text DEFAULT NULL, p_file_name text DEFAULT NULL,
    p_file_size bigint DEFAULT NULL, p_to_holder text DEFAULT NULL, p_note text DEFAULT NULL,
    p_outcome text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := verity_actor_id();
    event_at timestamptz := coalesce(p_at, verity_now());
    collected_at timestamptz;
    holder text;
    new_id bigint;
BEGIN
    PERFORM 1 FROM sources WHERE id = p_source_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no source %s', p_source_id),
            HINT = 'list sources with `verity source list`';
    END IF;
    IF p_at > now() + interval '1 minute' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('a custody event cannot happen in the future (%s)', p_at);
    END IF;
    IF p_event = 'copied' AND p_sha256 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('a copy of source %s needs the hash of the copied file', p_source_id),
            HINT = 'give the copy with --file PATH';
    END IF;
    IF p_event <> 'collected' THEN
        SELECT min(e.at) INTO collected_at FROM source_custody_events e
         WHERE e.source_id = p_source_id AND e.event = 'collected';
        IF event_at < collected_at THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('a custody event of source %s cannot be dated %s, before the file was collected (%s)',
                                 p_source_id, event_at, collected_at),
                HINT = 'check --at; the chain starts with the collection';
        END IF;
    END IF;
    IF p_event = 'handed-over' THEN
        holder := verity_custody_holder(p_source_id, event_at);
        IF holder = btrim(p_to_holder) THEN
            RAISE EXCEPTION USING ERRCODE = 'VR002',
                MESSAGE = format('source %s''s file is already held by %s; a hand-over goes to someone else', p_source_id, holder),
                HINT = 'name the new holder with --to';
        END IF;
    END IF;
    INSERT INTO source_custody_events (source_id, event, at, actor_id, tool, sha256, copy_kind, file_name, file_size,
                                       from_holder, to_holder, note, outcome)
    VALUES (p_source_id, p_event, event_at, actor, nullif(btrim(p_tool), ''), p_sha256, p_copy_kind,
            p_file_name, p_file_size, holder, nullif(btrim(p_to_holder), ''), nullif(btrim(p_note), ''), p_outcome)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- 7. A pending verdict proposal withdrawn because its case left
-- evidence-pending (disputed, or assessed directly after four-eyes was turned
-- off) is recorded in the case's history as `withdraw-verdict`, with the
-- proposal, who proposed it and why it was withdrawn; the acting reviewer is
-- whoever moved the case.
ALTER TABLE case_history DROP CONSTRAINT history_action_known;
ALTER TABLE case_history ADD CONSTRAINT history_action_known CHECK (action IN (
    'open', 'update', 'dispute', 'move', 'assess', 'reopen', 'assign', 'unassign',
    'link-source', 'add-evidence', 'retract-evidence', 'restrict', 'unrestrict',
    'propose-verdict', 'sign-off', 'reject-verdict', 'link-case', 'unlink-case', 'withdraw-verdict'));

CREATE OR REPLACE FUNCTION verdict_proposals_after_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    proposal jsonb := jsonb_build_object('proposal_id', NEW.id, 'verdict', NEW.verdict,
                                         'confidence', NEW.confidence, 'rationale', NEW.rationale);
    saved_reason text;
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
    ELSIF NEW.state = 'withdrawn' AND OLD.state = 'pending' THEN
        saved_reason := verity_setting('verity.reason');
        PERFORM set_config('verity.reason', NEW.reason, true);
        PERFORM verity_record(NEW.case_id, 'withdraw-verdict', NULL, NULL,
            proposal || jsonb_build_object('proposed_by', (SELECT handle FROM reviewers WHERE id = NEW.proposed_by)));
        PERFORM set_config('verity.reason', coalesce(saved_reason, ''), true);
    END IF;
    RETURN NULL;
END $$;
