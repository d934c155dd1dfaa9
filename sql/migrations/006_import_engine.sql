-- The import engine of sql/definitions/70_import.sql writes every import the same
-- way, into an empty desk or one in use: the objects of the former empty-desk
-- bulk mode go, and the history chain aggregate takes the hash of the head that
-- its rows continue (sql/definitions/20_history_chain.sql defines the new one).
DROP FUNCTION IF EXISTS public.verity_import_bulk_mode();
DROP FUNCTION IF EXISTS public.verity_import_prepare_bulk(boolean, boolean);
DROP FUNCTION IF EXISTS public.verity_import_finish_bulk();
DROP FUNCTION IF EXISTS public.verity_import_write_history(boolean);
DROP FUNCTION IF EXISTS public.verity_import_apply_steps(boolean, boolean, bigint);
DROP AGGREGATE IF EXISTS public.verity_history_chain(bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb);
DROP FUNCTION IF EXISTS public.verity_history_chain_step(text, bigint, bigint, timestamp with time zone, bigint, text, text, text, text, jsonb);
DROP FUNCTION IF EXISTS public.verity_import_apply_cases();
DROP FUNCTION IF EXISTS public.verity_import_apply_links();
DROP FUNCTION IF EXISTS public.verity_import_apply_assignments();
DROP FUNCTION IF EXISTS public.verity_import_apply_evidence();
