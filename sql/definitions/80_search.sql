-- Search: the query side of the search vectors of cases, sources and evidence notes
-- (../migrations/005_field_limits.sql builds them).
--
-- Repeatable: this file holds the current definition of each object in it and is
-- re-applied whenever it changes (CREATE OR REPLACE). Removing an object takes
-- a DROP in a new migration under ../migrations/.

-- The tsquery of web-search text (words, "phrases", -excluded, or) for the search
-- vectors, read by `english` (stems) or by `verity_words` (every script's words,
-- unaccented). On a database whose LC_CTYPE is C the text is first normalised as the
-- vectors' text is there (typographic quotes and dashes to spaces, lower-cased with the
-- ICU root collation when the server has it).
CREATE OR REPLACE FUNCTION public.verity_search_query(p_text text) RETURNS tsquery
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    words text := pg_catalog.translate(p_text, '«»„“”‚‘’‹›—–…', pg_catalog.repeat(' ', 13));
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database d
                    WHERE d.datname = pg_catalog.current_database() AND d.datctype IN ('C', 'POSIX')) THEN
        words := p_text;
    ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') THEN
        EXECUTE 'SELECT pg_catalog.lower($1 COLLATE "und-x-icu")' INTO words USING words;
    ELSE
        words := pg_catalog.lower(words);
    END IF;
    RETURN pg_catalog.websearch_to_tsquery('english'::regconfig, words)
        || pg_catalog.websearch_to_tsquery('public.verity_words'::regconfig, words);
END $$;
