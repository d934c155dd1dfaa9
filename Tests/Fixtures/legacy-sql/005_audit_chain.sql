-- 005: a tamper-evident history. Every case_history row carries the SHA-256 of
-- its canonical content and of the previous row's hash in the same case: one
-- hash chain per case, so that work on different cases never waits on a
-- global lock. The BEFORE INSERT trigger below computes it for every writer
-- (Verity, the importer, hand-written SQL); `verity audit verify` recomputes
-- every chain independently and `verity audit head` prints the database's
-- head hash (SHA-256 over "case_id:head_hash\n" lines ordered by case id)
-- for anchoring elsewhere.
--
-- Canonical content of a row (UTF-8, fields separated by "\n", in this order):
--   verity-history-v1
--   case_id, seq                    decimal
--   at                              UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ (always 6 digits)
--   actor_id, action, from_state, to_state, reason, details (jsonb::text), prev_hash
-- The fields from actor_id on are written as "<length in characters>:<text>",
-- or "-" for NULL, so NULL differs from '' and no text can fake a separator.
-- hash = lower-case hex SHA-256 of that text. A chain's first row has seq 1 and
-- prev_hash NULL; each next row has seq + 1 and prev_hash = the previous hash.

-- plpgsql rather than SQL: its plan is kept between calls, which makes the
-- trigger below measurably cheaper per row than an SQL function that is not
-- inlined (see docs/audit.md for the import measurements).
CREATE FUNCTION verity_history_hash(
    p_case_id bigint, p_seq bigint, p_at timestamptz, p_actor_id bigint, p_action text,
    p_from text, p_to text, p_reason text, p_details jsonb, p_prev_hash text
) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    actor text := p_actor_id::text;
    details text := p_details::text;
BEGIN
    RETURN encode(sha256(convert_to(
        'verity-history-v1' || E'\n' || p_case_id || E'\n' || p_seq || E'\n'
        || to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
        || coalesce(length(actor) || ':' || actor, '-') || E'\n'
        || coalesce(length(p_action) || ':' || p_action, '-') || E'\n'
        || coalesce(length(p_from) || ':' || p_from, '-') || E'\n'
        || coalesce(length(p_to) || ':' || p_to, '-') || E'\n'
        || coalesce(length(p_reason) || ':' || p_reason, '-') || E'\n'
        || coalesce(length(details) || ':' || details, '-') || E'\n'
        || coalesce(length(p_prev_hash) || ':' || p_prev_hash, '-'), 'UTF8')), 'hex');
END $$;

ALTER TABLE case_history
    ADD COLUMN seq bigint,
    ADD COLUMN prev_hash text,
    ADD COLUMN hash text;

-- Backfill the rows written before this migration, chained in (case_id, id) order.
-- The append-only trigger is paused for this one UPDATE, inside the migration's
-- transaction, and restored below.
ALTER TABLE case_history DISABLE TRIGGER case_history_append_only;
DO $$
DECLARE
    r record;
    chain_case bigint := NULL;
    chain_seq bigint := 0;
    chain_hash text := NULL;
BEGIN
    FOR r IN SELECT id, case_id, at, actor_id, action, from_state, to_state, reason, details
               FROM case_history ORDER BY case_id, id LOOP
        IF chain_case IS DISTINCT FROM r.case_id THEN
            chain_case := r.case_id; chain_seq := 0; chain_hash := NULL;
        END IF;
        chain_seq := chain_seq + 1;
        UPDATE case_history
           SET seq = chain_seq, prev_hash = chain_hash,
               hash = verity_history_hash(r.case_id, chain_seq, r.at, r.actor_id, r.action,
                                          r.from_state, r.to_state, r.reason, r.details, chain_hash)
         WHERE id = r.id
        RETURNING hash INTO chain_hash;
    END LOOP;
END $$;
ALTER TABLE case_history ENABLE TRIGGER case_history_append_only;

ALTER TABLE case_history
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT history_seq_positive CHECK (seq >= 1),
    ADD CONSTRAINT history_hash_hex CHECK (hash ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT history_prev_hash_hex CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT history_chain_start CHECK ((seq = 1) = (prev_hash IS NULL));
-- One row per position in a chain; also the index the trigger reads the chain's last row from.
CREATE UNIQUE INDEX case_history_chain ON case_history (case_id, seq);

-- Links every new row to its case's chain. Writers of the same case are
-- serialized by a lock on the case's row (FOR NO KEY UPDATE: it does not block
-- foreign-key checks, and it queues behind a concurrent UPDATE of the case, in
-- the same order as that UPDATE's own history row, so it adds no deadlock).
-- Row locks live in the tuples, so an import that touches 100 000 cases holds
-- no lock-table entries for them. The chain's last row is read after the lock
-- is granted (a fresh snapshot under READ COMMITTED), by seq, never by id: ids
-- are allocated before this trigger runs, so they can come in another order.
CREATE FUNCTION case_history_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM 1 FROM cases WHERE id = NEW.case_id FOR NO KEY UPDATE;
    SELECT h.seq, h.hash INTO last_seq, last_hash
      FROM case_history h WHERE h.case_id = NEW.case_id
     ORDER BY h.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := verity_history_hash(NEW.case_id, NEW.seq, NEW.at, NEW.actor_id, NEW.action,
                                    NEW.from_state, NEW.to_state, NEW.reason, NEW.details, NEW.prev_hash);
    RETURN NEW;
END $$;

CREATE TRIGGER case_history_chain BEFORE INSERT ON case_history
    FOR EACH ROW EXECUTE FUNCTION case_history_chain();

-- The database's head hash: SHA-256 over "case_id:head_hash\n" for every case
-- with history, ordered by case id (the empty string's SHA-256 for none).
CREATE FUNCTION verity_history_head() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(h.case_id || ':' || h.hash || E'\n', '' ORDER BY h.case_id), ''), 'UTF8')), 'hex')
      FROM (SELECT DISTINCT ON (case_id) case_id, hash FROM case_history ORDER BY case_id, seq DESC) h
$$;
