-- ClaimReview done right (issue 22).
--
-- * A source's link to a case has a role: `appearance` (where the claim appeared: the
--   post, the article quoting it) or `evidence` (what the desk used to check it). Only
--   appearances go to ClaimReview's itemReviewed.appearance. A link made before roles
--   existed keeps NULL ("not said"): `export claimreview` infers its role with the rule
--   in docs/import-export.md (a source cited by a supporting or refuting note on the
--   case is evidence; any other is an appearance), and `source link --role` says it.
-- * A case's claimant is a `Person` or an `Organization` (schema.org types); NULL until
--   someone says, when the export guesses from the name as before.
-- * The desk settings the ClaimReview export reads: the publisher (name, address, the
--   address of each review's page) and the human wording of each verdict ("Mostly
--   false"), which desks translate or reword.
-- * History: a role set on an existing link is a `source-role` row of the case's chain.

ALTER TABLE public.case_sources ADD COLUMN role text;
ALTER TABLE public.case_sources ADD CONSTRAINT case_sources_role_known
    CHECK (role IS NULL OR role = ANY (ARRAY['appearance'::text, 'evidence'::text]));

ALTER TABLE public.cases ADD COLUMN claimant_type text;
ALTER TABLE public.cases ADD CONSTRAINT cases_claimant_type_known
    CHECK (claimant_type IS NULL OR claimant_type = ANY (ARRAY['Person'::text, 'Organization'::text]));

ALTER TABLE public.case_history DROP CONSTRAINT history_action_known;
ALTER TABLE public.case_history ADD CONSTRAINT history_action_known CHECK ((action = ANY (ARRAY[
    'open'::text, 'update'::text, 'dispute'::text, 'move'::text, 'assess'::text, 'reopen'::text, 'assign'::text,
    'unassign'::text, 'link-source'::text, 'add-evidence'::text, 'retract-evidence'::text, 'restrict'::text,
    'unrestrict'::text, 'propose-verdict'::text, 'sign-off'::text, 'reject-verdict'::text, 'link-case'::text,
    'unlink-case'::text, 'withdraw-verdict'::text, 'source-role'::text]))) NOT VALID;
ALTER TABLE public.case_history VALIDATE CONSTRAINT history_action_known;

ALTER TABLE public.desk_settings DROP CONSTRAINT desk_setting_known;
ALTER TABLE public.desk_settings DROP CONSTRAINT desk_setting_value_valid;
ALTER TABLE public.desk_settings ADD CONSTRAINT desk_setting_known CHECK (key = ANY (ARRAY[
    'four_eyes'::text, 'publisher'::text, 'publisher_url'::text, 'review_url_template'::text,
    'label_true'::text, 'label_mostly_true'::text, 'label_mixed'::text, 'label_mostly_false'::text,
    'label_false'::text, 'label_unverifiable'::text]));
ALTER TABLE public.desk_settings ADD CONSTRAINT desk_setting_value_valid CHECK (
    CASE key
        WHEN 'four_eyes' THEN value = ANY (ARRAY['on'::text, 'off'::text])
        -- '' is "not set"; otherwise an http(s) address without spaces
        WHEN 'publisher_url' THEN value = '' OR value ~ '^https?://[^\s]+$'
        WHEN 'review_url_template' THEN value = '' OR value ~ '^https?://[^\s]+$'
        WHEN 'publisher' THEN pg_catalog.length(value) <= 500 AND value !~ '[\x01-\x1f]'
        -- a verdict's wording is never empty
        ELSE pg_catalog.btrim(value) <> '' AND pg_catalog.length(value) <= 100 AND value !~ '[\x01-\x1f]'
    END);

-- The settings are fixed rows (desk_settings_before_write, of ../definitions/, refuses
-- INSERT on a desk in use), so on such a desk the new rows are added with that trigger
-- off, inside this migration's transaction; a new desk has no trigger yet.
DO $$
DECLARE
    guarded CONSTANT boolean := EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                         WHERE t.tgname = 'desk_settings_before_write'
                                           AND t.tgrelid = 'public.desk_settings'::pg_catalog.regclass);
BEGIN
    IF guarded THEN
        ALTER TABLE public.desk_settings DISABLE TRIGGER desk_settings_before_write;
    END IF;
    INSERT INTO public.desk_settings (key, value) VALUES
        ('publisher', ''), ('publisher_url', ''), ('review_url_template', ''),
        ('label_true', 'True'), ('label_mostly_true', 'Mostly true'), ('label_mixed', 'Mixed'),
        ('label_mostly_false', 'Mostly false'), ('label_false', 'False'), ('label_unverifiable', 'Unverifiable')
    ON CONFLICT (key) DO NOTHING;
    IF guarded THEN
        ALTER TABLE public.desk_settings ENABLE TRIGGER desk_settings_before_write;
    END IF;
END $$;
