-- 008: chain of custody for source files, and the log of every report and export.
--
-- Chain of custody (after the Berkeley Protocol on Digital Open Source
-- Investigations): a source's file is hashed when it is collected
-- (sources.file_sha256 stays the evidentiary hash, the one every later copy
-- and check is compared with); each custody event (collected, copied,
-- handed-over, verified) is one append-only row of source_custody_events.
-- Events are written only through verity_custody_event(), which records who
-- acted (verity.actor, as for cases) and who held the material before.
--
-- By hand (psql), inside one transaction:
--   SELECT set_config('verity.actor', 'analyst', true);
--   SELECT verity_custody_event(3, 'handed-over', p_to_holder => 'icc-liaison', p_note => 'on encrypted USB');
--   SELECT * FROM source_custody_events WHERE source_id = 3 ORDER BY id;
--
-- The output log: each report and export records who ran it, when, with which
-- filters, how many cases it covered and the SHA-256 of the exact bytes it wrote,
-- through verity_log_output().

CREATE TABLE source_custody_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id     bigint NOT NULL REFERENCES sources,
    event         text NOT NULL CONSTRAINT custody_event_known
                  CHECK (event IN ('collected', 'copied', 'handed-over', 'verified')),
    -- When the event happened (UTC); for `collected`, the collection time given by the collector.
    at            timestamptz NOT NULL,
    -- When the row was written.
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    -- Who recorded the event (NULL only for files recorded before this migration without a reviewer).
    actor_id      bigint REFERENCES reviewers,
    tool          text CONSTRAINT custody_tool_present CHECK (btrim(tool) <> ''),
    sha256        text CONSTRAINT custody_sha256_hex CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    copy_kind     text CONSTRAINT custody_copy_kind_known CHECK (copy_kind IN ('evidentiary', 'working')),
    file_name     text,
    file_size     bigint CONSTRAINT custody_file_size_positive CHECK (file_size >= 0),
    from_holder   text,
    to_holder     text CONSTRAINT custody_to_holder_present CHECK (btrim(to_holder) <> ''),
    note          text,
    outcome       text CONSTRAINT custody_outcome_known CHECK (outcome IN ('match', 'mismatch')),
    -- A hash chain per source, like case_history's (005): see verity_custody_hash below.
    seq           bigint NOT NULL CONSTRAINT custody_seq_positive CHECK (seq >= 1),
    prev_hash     text CONSTRAINT custody_prev_hash_hex CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash          text NOT NULL CONSTRAINT custody_hash_hex CHECK (hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT custody_chain_start CHECK ((seq = 1) = (prev_hash IS NULL)),
    CONSTRAINT custody_handover_names_holder CHECK ((event = 'handed-over') = (to_holder IS NOT NULL)),
    CONSTRAINT custody_verified_has_outcome CHECK ((event = 'verified') = (outcome IS NOT NULL)),
    CONSTRAINT custody_hashes_what_it_names CHECK (event NOT IN ('collected', 'verified') OR sha256 IS NOT NULL)
);
CREATE INDEX source_custody_events_source ON source_custody_events (source_id, id);
CREATE UNIQUE INDEX source_custody_events_chain ON source_custody_events (source_id, seq);

-- Canonical content of a custody event (UTF-8, fields separated by "\n", in this order):
--   verity-custody-v1
--   source_id, seq                  decimal
--   at, recorded_at                 UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ (always 6 digits)
--   actor_id, event, tool, sha256, copy_kind, file_name, file_size, from_holder, to_holder,
--   note, outcome, prev_hash        "<length in characters>:<text>", or "-" for NULL
-- hash = lower-case hex SHA-256 of that text; `verity source custody ID` recomputes it in Swift.
CREATE FUNCTION verity_custody_hash(e source_custody_events) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    body text := 'verity-custody-v1' || E'\n' || e.source_id || E'\n' || e.seq || E'\n'
        || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
        || to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    field text;
BEGIN
    FOREACH field IN ARRAY ARRAY[e.actor_id::text, e.event, e.tool, e.sha256, e.copy_kind, e.file_name,
                                 e.file_size::text, e.from_holder, e.to_holder, e.note, e.outcome, e.prev_hash] LOOP
        body := body || E'\n' || coalesce(length(field) || ':' || field, '-');
    END LOOP;
    RETURN encode(sha256(convert_to(body, 'UTF8')), 'hex');
END $$;

-- Links every new event to its source's chain; writers of one source queue on its row.
CREATE FUNCTION source_custody_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM 1 FROM sources WHERE id = NEW.source_id FOR NO KEY UPDATE;
    SELECT e.seq, e.hash INTO last_seq, last_hash
      FROM source_custody_events e WHERE e.source_id = NEW.source_id ORDER BY e.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := verity_custody_hash(NEW);
    RETURN NEW;
END $$;

CREATE TRIGGER source_custody_events_chain BEFORE INSERT ON source_custody_events
    FOR EACH ROW EXECUTE FUNCTION source_custody_events_chain();

CREATE TRIGGER source_custody_events_append_only BEFORE UPDATE OR DELETE ON source_custody_events
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();
CREATE TRIGGER source_custody_events_no_truncate BEFORE TRUNCATE ON source_custody_events
    FOR EACH STATEMENT EXECUTE FUNCTION verity_refuse_change();

-- Files hashed before this migration: their collection is what `source add` recorded.
INSERT INTO source_custody_events (source_id, event, at, recorded_at, actor_id, sha256, copy_kind, file_name, file_size, note)
SELECT s.id, 'collected', s.created_at, s.created_at, s.added_by, s.file_sha256, 'evidentiary', s.file_name, s.file_size,
       'recorded before chain-of-custody tracking (migration 008)'
  FROM sources s WHERE s.file_sha256 IS NOT NULL ORDER BY s.id;

-- Appends one custody event for the acting reviewer (verity.actor). The holder
-- before a hand-over is the last recipient, else the collector. Returns the id.
CREATE FUNCTION verity_custody_event(
    p_source_id bigint, p_event text, p_at timestamptz DEFAULT NULL, p_tool text DEFAULT NULL,
    p_sha256 text DEFAULT NULL, p_copy_kind text DEFAULT NULL, p_file_name text DEFAULT NULL,
    p_file_size bigint DEFAULT NULL, p_to_holder text DEFAULT NULL, p_note text DEFAULT NULL,
    p_outcome text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := verity_actor_id();
    holder text;
    new_id bigint;
BEGIN
    PERFORM 1 FROM sources WHERE id = p_source_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002', MESSAGE = format('no source %s', p_source_id),
            HINT = 'list sources with `verity source list`';
    END IF;
    IF p_at > now() + interval '1 minute' THEN
        RAISE EXCEPTION USING ERRCODE = 'VR002',
            MESSAGE = format('a custody event cannot happen in the future (%s)', p_at);
    END IF;
    IF p_event = 'handed-over' THEN
        SELECT coalesce(
                   (SELECT e.to_holder FROM source_custody_events e
                     WHERE e.source_id = p_source_id AND e.event = 'handed-over' ORDER BY e.id DESC LIMIT 1),
                   (SELECT r.handle FROM source_custody_events e JOIN reviewers r ON r.id = e.actor_id
                     WHERE e.source_id = p_source_id AND e.event = 'collected' ORDER BY e.id LIMIT 1))
          INTO holder;
    END IF;
    INSERT INTO source_custody_events (source_id, event, at, actor_id, tool, sha256, copy_kind, file_name, file_size,
                                       from_holder, to_holder, note, outcome)
    VALUES (p_source_id, p_event, coalesce(p_at, verity_now()), actor, nullif(btrim(p_tool), ''), p_sha256, p_copy_kind,
            p_file_name, p_file_size, holder, nullif(btrim(p_to_holder), ''), nullif(btrim(p_note), ''), p_outcome)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- ---------------------------------------------------------------- output log

CREATE TABLE output_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    -- The acting reviewer's handle when one was given, else NULL; db_user is always the login.
    reviewer    text,
    db_user     text NOT NULL DEFAULT session_user,
    command     text NOT NULL CONSTRAINT output_command_present CHECK (btrim(command) <> ''),
    filters     jsonb NOT NULL DEFAULT '{}' CONSTRAINT output_filters_object CHECK (jsonb_typeof(filters) = 'object'),
    case_count  integer NOT NULL CONSTRAINT output_case_count_positive CHECK (case_count >= 0),
    sha256      text NOT NULL CONSTRAINT output_sha256_hex CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    byte_count  bigint NOT NULL CONSTRAINT output_byte_count_positive CHECK (byte_count >= 0),
    output      text NOT NULL,
    format      text NOT NULL
);
CREATE INDEX output_log_at ON output_log (at);

CREATE TRIGGER output_log_append_only BEFORE UPDATE OR DELETE ON output_log
    FOR EACH ROW EXECUTE FUNCTION verity_refuse_change();
CREATE TRIGGER output_log_no_truncate BEFORE TRUNCATE ON output_log
    FOR EACH STATEMENT EXECUTE FUNCTION verity_refuse_change();

-- Records one report or export. A reviewer handle, when given, must name a
-- known reviewer (deactivated ones may still read). Returns the new id.
CREATE FUNCTION verity_log_output(
    p_reviewer text, p_command text, p_filters jsonb, p_case_count bigint, p_sha256 text,
    p_byte_count bigint, p_output text, p_format text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF p_reviewer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reviewers WHERE handle = p_reviewer) THEN
        RAISE EXCEPTION USING ERRCODE = 'VR003', MESSAGE = format('unknown reviewer "%s"', p_reviewer),
            HINT = 'list reviewers with `verity reviewer list`';
    END IF;
    INSERT INTO output_log (reviewer, db_user, command, filters, case_count, sha256, byte_count, output, format)
    VALUES (p_reviewer, session_user, p_command, coalesce(p_filters, '{}'), p_case_count, p_sha256, p_byte_count,
            p_output, p_format)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;
