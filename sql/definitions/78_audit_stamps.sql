-- Trusted timestamps: the stored tokens of `verity audit stamp` are kept as they came
-- (the table is in ../migrations/007_archive.sql).
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

CREATE OR REPLACE TRIGGER audit_stamps_append_only BEFORE DELETE OR UPDATE ON public.audit_stamps FOR EACH ROW EXECUTE FUNCTION public.verity_refuse_change();
CREATE OR REPLACE TRIGGER audit_stamps_no_truncate BEFORE TRUNCATE ON public.audit_stamps FOR EACH STATEMENT EXECUTE FUNCTION public.verity_refuse_change();
