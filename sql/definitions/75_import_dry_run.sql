-- Import dry run: `verity import --dry-run` applies the file in a transaction and
-- rolls it back, and a rollback does not give back the ids the inserts drew from
-- the sequences (nextval is not transactional). This file makes a dry run leave no
-- trace in them.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- Makes every sequence of the desk transactional until the calling transaction
-- ends, so that its rollback also rolls back the ids a dry run drew. ALTER SEQUENCE
-- with a parameter (here the sequence's own CACHE, unchanged) gives the sequence a
-- new storage file inside the transaction: nextval then advances the new file,
-- and a rollback returns to the old one with the old value. Safe with other
-- writers: ALTER SEQUENCE takes a SHARE ROW EXCLUSIVE lock that conflicts with the
-- ROW EXCLUSIVE lock nextval takes, so a `case open` (or any insert that draws an
-- id) in another session waits until the dry run ends and then draws the next id
-- of the old file; no id is handed out twice and none is skipped. Resetting the
-- values with setval after the apply would not be safe: an id another session drew
-- in between could be handed out again. The cost is that writers who need a new
-- id wait for a dry run to finish. Called by the importer after verity_import_check
-- (so under the import lock, which it requires: the function is no general way to
-- stall the desk's writers), and only for a dry run. SECURITY DEFINER: altering a
-- sequence needs its owner.
CREATE OR REPLACE FUNCTION public.verity_import_dry_run() RETURNS void
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
