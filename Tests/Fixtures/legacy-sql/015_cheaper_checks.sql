-- 015: the same CHECK constraints, written so that PostgreSQL checks them ten
-- times faster (issue 7, session 3).
--
-- PostgreSQL's regular expressions expand a bounded repetition such as
-- [0-9a-f]{64} into a large automaton: `hash ~ '^[0-9a-f]{64}$'` costs about
-- 10 µs per row, `length(hash) = 64 AND hash !~ '[^0-9a-f]'` about 1 µs (both
-- measured on 200,000 hashes on the 2-core bench machine). Every history row
-- checks two of them (hash, prev_hash): a profile of a 100,000-case import
-- showed 9.5 % of the server's time in pg_regexec. Each constraint keeps its
-- name and accepts exactly the same values:
--   '^[0-9a-f]{64}$'                       = 64 characters, none outside 0-9 a-f
--   '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$'  = 1 to 64 characters, the first a letter
--                                            or digit, the others letters, digits or ._:/-
-- (NULL passes both forms, as before.) Adding a constraint checks the rows
-- already there, under an ACCESS EXCLUSIVE lock of its table for the
-- migration's duration: about 1 µs per row.

ALTER TABLE case_history
    DROP CONSTRAINT history_hash_hex,
    ADD CONSTRAINT history_hash_hex CHECK (length(hash) = 64 AND hash !~ '[^0-9a-f]'),
    DROP CONSTRAINT history_prev_hash_hex,
    ADD CONSTRAINT history_prev_hash_hex CHECK (length(prev_hash) = 64 AND prev_hash !~ '[^0-9a-f]');

ALTER TABLE cases
    DROP CONSTRAINT case_ref_format,
    ADD CONSTRAINT case_ref_format CHECK (length(ref) <= 64 AND ref ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]*$');

ALTER TABLE sources
    DROP CONSTRAINT source_ref_format,
    ADD CONSTRAINT source_ref_format CHECK (length(ref) <= 64 AND ref ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]*$'),
    DROP CONSTRAINT source_sha256_hex,
    ADD CONSTRAINT source_sha256_hex CHECK (length(file_sha256) = 64 AND file_sha256 !~ '[^0-9a-f]');

ALTER TABLE source_custody_events
    DROP CONSTRAINT custody_sha256_hex,
    ADD CONSTRAINT custody_sha256_hex CHECK (length(sha256) = 64 AND sha256 !~ '[^0-9a-f]'),
    DROP CONSTRAINT custody_hash_hex,
    ADD CONSTRAINT custody_hash_hex CHECK (length(hash) = 64 AND hash !~ '[^0-9a-f]'),
    DROP CONSTRAINT custody_prev_hash_hex,
    ADD CONSTRAINT custody_prev_hash_hex CHECK (length(prev_hash) = 64 AND prev_hash !~ '[^0-9a-f]');
