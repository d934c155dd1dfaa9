-- 010: the access rules of 006 for the tables that 007 (four-eyes, case links)
-- and 008 (chain of custody, output log) added: what reviewers may write, and
-- which rows a login confined to a reviewer can see. Run `verity db roles`
-- again after this migration so that the group roles get their grants.

-- Reviewers write links, proposals and the four-eyes setting through ordinary
-- INSERT/UPDATE; the triggers of 007 check who may (editors for the setting,
-- assessors for proposals) and record every change. Custody events and the
-- output log are written only through their SECURITY DEFINER functions, so
-- they need no grant beyond SELECT.
INSERT INTO verity_access_grants (table_name, grantee, privileges) VALUES
    ('case_links', 'verity_reviewer', 'INSERT, UPDATE'),
    ('verdict_proposals', 'verity_reviewer', 'INSERT, UPDATE'),
    ('desk_settings', 'verity_reviewer', 'UPDATE');

-- A link is visible when both of its cases are: a link to a restricted case
-- would otherwise reveal that the case exists and what it duplicates.
ALTER TABLE case_links ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_links_visible ON case_links
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_links.case_id)
           AND EXISTS (SELECT 1 FROM cases c WHERE c.id = case_links.other_id));

-- A proposed verdict belongs to its case.
ALTER TABLE verdict_proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY verdict_proposals_visible ON verdict_proposals
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = verdict_proposals.case_id));

-- A source's chain of custody is as visible as the source (hidden with it when
-- the source is linked only to restricted cases the user cannot see).
ALTER TABLE source_custody_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY source_custody_events_visible ON source_custody_events
    USING (EXISTS (SELECT 1 FROM sources s WHERE s.id = source_custody_events.source_id));
