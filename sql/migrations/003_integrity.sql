-- Integrity: the table behind the record chains of sources and reviewers, and the
-- custody event that corrects a source's collected file.
--
-- * record_history: one hash chain per row of sources and reviewers. Each row is the
--   whole record as it stood after a change, who made it (the acting reviewer's
--   handle then, and the database user), when and how; `verity audit verify`
--   recomputes every chain and checks that each current row equals its chain's last
--   fields. Its writers, policy and append-only triggers are in
--   ../definitions/20_history_chain.sql and 60_access.sql.
-- * source_custody_events gains 'corrected': the only way a collected file's hash
--   changes, with a reason (../definitions/50_custody_output.sql).


-- The chain of every source and reviewer (canonical form: verity_record_hash).
CREATE TABLE public.record_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text NOT NULL CONSTRAINT record_history_table_known CHECK (table_name IN ('sources', 'reviewers')),
    row_id      bigint NOT NULL,
    seq         bigint NOT NULL CONSTRAINT record_history_seq_positive CHECK (seq >= 1),
    at          timestamptz NOT NULL,
    -- The acting reviewer's handle at the time (a login's own), NULL when none acted.
    actor       text,
    db_user     text NOT NULL,
    -- 'existing': the row as it stood when its chain was started (a desk older than the table).
    action      text NOT NULL CONSTRAINT record_history_action_known CHECK (action IN ('existing', 'insert', 'update')),
    fields      jsonb NOT NULL,
    prev_hash   text CONSTRAINT record_history_prev_hash_hex CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash        text NOT NULL CONSTRAINT record_history_hash_hex CHECK (hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT record_history_chain_start CHECK ((seq = 1) = (prev_hash IS NULL))
);

-- One row per position in a chain; also the index the writers read a chain's last row from.
CREATE UNIQUE INDEX record_history_chain ON public.record_history (table_name, row_id, seq);

-- A source's record is visible with the source (the policy on sources decides,
-- for the caller, inside the subquery); reviewers' records to every reader.
ALTER TABLE public.record_history ENABLE ROW LEVEL SECURITY;

-- A correction of the collected file is a custody event of its own.
ALTER TABLE public.source_custody_events
    DROP CONSTRAINT custody_event_known,
    ADD CONSTRAINT custody_event_known CHECK (event IN ('collected', 'copied', 'handed-over', 'verified', 'corrected')),
    DROP CONSTRAINT custody_hashes_what_it_names,
    ADD CONSTRAINT custody_hashes_what_it_names CHECK (event NOT IN ('collected', 'verified', 'corrected') OR sha256 IS NOT NULL),
    ADD CONSTRAINT custody_correction_says_why CHECK (event <> 'corrected' OR btrim(note) <> '');
