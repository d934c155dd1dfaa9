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
