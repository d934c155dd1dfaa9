-- Field limits, tags and search (issue 21, items 2, 13 and 14).
--
-- * Every free-text field has a limit in characters, a CHECK constraint named
--   <table>_<column>_length (docs/workflow.md lists them; FieldLimit in
--   Sources/VerityCore/Desk/FieldLimits.swift mirrors the list for the CLI's
--   messages, and a test compares the two). A 4 MB claim is refused by its
--   limit instead of failing inside the search vector.
-- * Tags are defined: lower-case, trimmed, not empty, no ';' (the CSV list
--   separator), no control characters, at most 64 characters each.
-- * The search vectors tokenise every script: each is the `english` vector
--   (stems, for ranking English) and the `verity_words` vector (`simple` words,
--   accents removed by `unaccent`) of the same text. On a database whose
--   LC_CTYPE is C, PostgreSQL's parser takes every non-ASCII character for a
--   letter (so «Для is one word) and lower() leaves Cyrillic alone; there the
--   text is normalised first: lower-cased with the ICU root collation when the
--   server has it, typographic quotes and dashes (« » „ “ ” ‚ ‘ ’ ‹ › — – …)
--   turned into spaces, so that "детей" still finds «Для детей». (Elsewhere the
--   parser does this itself, and the normalisation, which costs about as much as
--   a vector, is left out.) The query side is verity_search_query()
--   (../definitions/80_search.sql), which normalises the same way. Each vector
--   reads at most its fields' limits, so it never exceeds tsvector's 1 MB.
--
-- Existing rows are checked (VALIDATE); a desk whose rows break a new rule keeps
-- that constraint NOT VALID, with a warning naming it, until they are mended
-- (new and changed rows are checked from now on either way).

CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

CREATE TEXT SEARCH CONFIGURATION public.verity_words (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION public.verity_words
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart
    WITH public.unaccent, pg_catalog.simple;

DO $$
DECLARE
    limits CONSTANT text[][] := ARRAY[
        ['cases', 'claim', '4000'], ['cases', 'claimant', '500'], ['cases', 'location', '500'],
        ['cases', 'rationale', '20000'],
        ['case_history', 'reason', '4000'],
        ['evidence_notes', 'note', '20000'], ['evidence_notes', 'retraction_reason', '4000'],
        ['sources', 'url', '2048'], ['sources', 'archive_url', '2048'], ['sources', 'title', '1000'],
        ['sources', 'publisher', '500'], ['sources', 'author', '500'], ['sources', 'file_name', '1000'],
        ['verdict_proposals', 'rationale', '20000'], ['verdict_proposals', 'reason', '4000'],
        ['case_links', 'reason', '4000'], ['case_links', 'unlink_reason', '4000'],
        ['source_custody_events', 'note', '20000'], ['source_custody_events', 'tool', '200'],
        ['source_custody_events', 'from_holder', '200'], ['source_custody_events', 'to_holder', '200'],
        ['source_custody_events', 'file_name', '1000'],
        ['reviewers', 'name', '200'], ['reviewers', 'email', '320'],
        ['desk_settings_history', 'reason', '4000']];
    i int;
    c_ctype CONSTANT boolean := (SELECT d.datctype IN ('C', 'POSIX') FROM pg_catalog.pg_database d
                                  WHERE d.datname = pg_catalog.current_database());
    lower_words text;
    words text;
    quotes CONSTANT text := '«»„“”‚‘’‹›—–…';
    spaces CONSTANT text := repeat(' ', 13);
BEGIN
    -- Tags written before they were defined are made so, each change an 'update' in its
    -- case's history (so the record and its chain still agree), by the desk's first active
    -- admin or editor; with none, or for a tag that stays invalid, the rule stays NOT VALID.
    -- First of all, before any new constraint checks the updated rows.
    EXECUTE format($sql$CREATE TEMPORARY TABLE verity_tags_defined ON COMMIT DROP AS
        SELECT c.id, ARRAY(SELECT s.t FROM (SELECT lower(regexp_replace(u.x, '^\s+|\s+$', '', 'g')%s) AS t, min(u.n) AS n
                                              FROM unnest(c.tags) WITH ORDINALITY AS u(x, n) GROUP BY 1) s
                            WHERE s.t <> '' ORDER BY s.n) AS tags
          FROM public.cases c$sql$,
        CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') THEN ' COLLATE "und-x-icu"' ELSE '' END);
    DELETE FROM verity_tags_defined d USING public.cases c WHERE c.id = d.id AND c.tags = d.tags;
    IF EXISTS (SELECT 1 FROM verity_tags_defined) THEN
        PERFORM set_config('verity.actor', coalesce((SELECT r.handle FROM public.reviewers r
                                                      WHERE r.active AND r.role IN ('admin', 'editor')
                                                      ORDER BY r.role = 'admin' DESC, r.id LIMIT 1), ''), true),
                set_config('verity.reason', 'tags made lower-case and trimmed (migration 005)', true);
        IF current_setting('verity.actor') = '' THEN
            RAISE WARNING 'cases with tags that are not lower-case and trimmed, and no active admin or editor to change them';
        ELSE
            UPDATE public.cases c SET tags = d.tags FROM verity_tags_defined d WHERE d.id = c.id;
        END IF;
        PERFORM set_config('verity.actor', '', true), set_config('verity.reason', '', true);
    END IF;

    FOR i IN 1 .. array_length(limits, 1) LOOP
        EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I CHECK (char_length(%I) <= %s) NOT VALID',
                       limits[i][1], limits[i][1] || '_' || limits[i][2] || '_length', limits[i][2], limits[i][3]);
    END LOOP;

    EXECUTE format($sql$ALTER TABLE public.cases ADD CONSTRAINT cases_tags_defined CHECK (
        cardinality(tags) = 0
        OR (cardinality(string_to_array(array_to_string(tags, E'\x1f'), E'\x1f')) = cardinality(tags)
            AND (E'\x1f' || array_to_string(tags, E'\x1f') || E'\x1f') !~ E'\x1f\x1f|\x1f\\s|\\s\x1f|;|[\x01-\x1e\x7f]|[^\x1f]{65}'
            AND array_to_string(tags, E'\x1f') = lower(array_to_string(tags, E'\x1f')%s))) NOT VALID$sql$,
        CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') THEN ' COLLATE "und-x-icu"' ELSE '' END);

    -- The search vectors, anew (their GIN indexes keep their names: the bulk import drops and rebuilds them).
    lower_words := CASE WHEN NOT c_ctype THEN '%s'
                        WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu')
                        THEN 'lower(translate(%s, %L, %L) COLLATE "und-x-icu")' ELSE 'lower(translate(%s, %L, %L))' END;
    ALTER TABLE public.cases DROP COLUMN search;
    words := format(lower_words, $w$left(claim, 4000) || ' ' || left(claimant, 500) || ' ' || left(coalesce(location, ''), 500)$w$, quotes, spaces);
    EXECUTE format('ALTER TABLE public.cases ADD COLUMN search tsvector GENERATED ALWAYS AS '
                   '(to_tsvector(%L::regconfig, %s) || to_tsvector(%L::regconfig, %s)) STORED',
                   'english', words, 'public.verity_words', words);
    CREATE INDEX cases_search ON public.cases USING gin (search);

    ALTER TABLE public.sources DROP COLUMN search;
    words := format(lower_words, $w$left(title, 1000) || ' ' || left(publisher, 500) || ' ' || left(coalesce(author, ''), 500)$w$, quotes, spaces);
    EXECUTE format('ALTER TABLE public.sources ADD COLUMN search tsvector GENERATED ALWAYS AS '
                   '(to_tsvector(%L::regconfig, %s) || to_tsvector(%L::regconfig, %s)) STORED',
                   'english', words, 'public.verity_words', words);
    CREATE INDEX sources_search ON public.sources USING gin (search);

    ALTER TABLE public.evidence_notes DROP COLUMN search;
    words := format(lower_words, 'left(note, 20000)', quotes, spaces);
    EXECUTE format('ALTER TABLE public.evidence_notes ADD COLUMN search tsvector GENERATED ALWAYS AS '
                   '(to_tsvector(%L::regconfig, %s) || to_tsvector(%L::regconfig, %s)) STORED',
                   'english', words, 'public.verity_words', words);
    CREATE INDEX evidence_notes_search ON public.evidence_notes USING gin (search);

    -- Check what is already there; a rule existing rows break stays NOT VALID, with a warning.
    FOR i IN 1 .. array_length(limits, 1) + 1 LOOP
        DECLARE
            tab text := CASE WHEN i <= array_length(limits, 1) THEN limits[i][1] ELSE 'cases' END;
            con text := CASE WHEN i <= array_length(limits, 1) THEN limits[i][1] || '_' || limits[i][2] || '_length'
                             ELSE 'cases_tags_defined' END;
        BEGIN
            EXECUTE format('ALTER TABLE public.%I VALIDATE CONSTRAINT %I', tab, con);
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING 'existing rows of % break the new rule %; it checks new and changed rows only until they are mended (then ALTER TABLE public.% VALIDATE CONSTRAINT %)',
                tab, con, tab, con;
        END;
    END LOOP;
END $$;
