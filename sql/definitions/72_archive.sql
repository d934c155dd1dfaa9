-- Archive: the rows of `verity export`'s "archive" records (every desk table as
-- it is, ids, times, actors and hashes included) restored into an empty desk by
-- `verity import`, so that the new desk is the old one: the same chains with the
-- same hashes (a head anchored before the move verifies the new desk), the same
-- links, proposals, settings and custody events, and the same bytes when it is
-- exported again. Into a desk in use, archive records are only compared with
-- what the desk holds (verity_archive_compare); the import's other records are
-- merged as always.
--
-- The client COPYs the archive records, as JSON, into the temporary table of
-- verity_archive_stage(). A restore writes the rows as recorded, so only a session
-- trusted to write history itself (the desk owner or a superuser, who may disable
-- triggers anyway) may run it, and only into a desk without cases, reviewers,
-- sources or history. The rules' triggers are off for the restore's own tables while
-- it writes (their work is already in the rows: history, chains, checks made when
-- the rows were first written); foreign keys and CHECK constraints stay on. Every
-- chain is then recomputed from the rows and must give the hashes the file carries,
-- so an edited file is refused with the line of the first row that does not match.
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- The tables an archive holds, in the order they are written and restored (every
-- table before the tables whose foreign keys name it); the output log (the record
-- of what was given out from the old desk) only with `verity export
-- --with-output-log`. Not in it: reviewers' password changes (the logins' roles and
-- passwords belong to the server, not the desk), and the workflow's fixed tables
-- (states, transitions, access grants), which every desk's migrations create.
CREATE OR REPLACE FUNCTION public.verity_archive_tables() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT ARRAY['reviewers', 'cases', 'sources', 'case_sources', 'case_assignments', 'evidence_notes',
                 'verdict_proposals', 'case_links', 'desk_settings', 'desk_settings_history', 'case_history',
                 'record_history', 'source_custody_events', 'audit_stamps', 'output_log']
$$;

-- The staging table of one import's archive records: the file's line and its JSON.
CREATE OR REPLACE FUNCTION public.verity_archive_stage() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.verity_archive_rows;
    CREATE TEMPORARY TABLE verity_archive_rows (line bigint NOT NULL, record jsonb NOT NULL) ON COMMIT DROP;
END $$;

-- Whether the desk is empty: no reviewer, case, source, history or setting change
-- (what a new desk's migrations create is not counted).
CREATE OR REPLACE FUNCTION public.verity_archive_desk_empty() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT NOT EXISTS (SELECT 1 FROM public.reviewers) AND NOT EXISTS (SELECT 1 FROM public.cases)
       AND NOT EXISTS (SELECT 1 FROM public.sources) AND NOT EXISTS (SELECT 1 FROM public.case_history)
       AND NOT EXISTS (SELECT 1 FROM public.record_history) AND NOT EXISTS (SELECT 1 FROM public.desk_settings_history)
$$;

-- The columns a restore writes: every column of the table but the generated ones.
CREATE OR REPLACE FUNCTION public.verity_archive_columns(p_table text, p_prefix text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT pg_catalog.string_agg(p_prefix || pg_catalog.quote_ident(a.attname::text), ', ' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = pg_catalog.to_regclass('public.' || pg_catalog.quote_ident(p_table))
       AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
$$;

-- Restores the staged archive records into an empty desk (see the top of this
-- file); returns the rows written per table. Raises the first problem with its
-- line ("import line N" in the detail, as the importer's other refusals).
-- TimeZone UTC: the rows' times are compared with the file's text.
CREATE OR REPLACE FUNCTION public.verity_archive_restore() RETURNS TABLE(kind text, created bigint, updated bigint, unchanged bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET TimeZone TO 'UTC'
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

-- Compares the staged archive records with a desk in use: per table, how many
-- rows the desk holds exactly as the archive does (unchanged) and how many it
-- holds otherwise or not at all (updated: what a restore would have written and
-- this import does not). Nothing is written.
CREATE OR REPLACE FUNCTION public.verity_archive_compare() RETURNS TABLE(kind text, created bigint, updated bigint, unchanged bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET TimeZone TO 'UTC'
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
