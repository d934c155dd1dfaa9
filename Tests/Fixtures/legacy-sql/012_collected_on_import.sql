-- 012: every source with a file hash starts its chain of custody with a
-- `collected` event, however it was written. `verity source add --file`
-- records that event itself, with the collector's details; `verity import`
-- and hand-written SQL did not, so an imported file had a hash but no chain
-- (and `source verify` started the chain with a `verified` event). This
-- trigger runs at COMMIT (deferred), so it sees the event `source add` wrote
-- in the same transaction and adds one only when there is none.

CREATE FUNCTION sources_ensure_collected() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.file_sha256 IS NULL
       OR EXISTS (SELECT 1 FROM source_custody_events e WHERE e.source_id = NEW.id AND e.event = 'collected') THEN
        RETURN NULL;
    END IF;
    INSERT INTO source_custody_events (source_id, event, at, recorded_at, actor_id, sha256, copy_kind, file_name, file_size, note)
    VALUES (NEW.id, 'collected', NEW.created_at, now(), NEW.added_by, NEW.file_sha256, 'evidentiary', NEW.file_name,
            NEW.file_size, 'recorded when the source was written without collection details (e.g. by verity import)');
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER sources_ensure_collected AFTER INSERT OR UPDATE OF file_sha256 ON sources
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sources_ensure_collected();

-- Sources imported between 008 and this migration.
INSERT INTO source_custody_events (source_id, event, at, recorded_at, actor_id, sha256, copy_kind, file_name, file_size, note)
SELECT s.id, 'collected', s.created_at, now(), s.added_by, s.file_sha256, 'evidentiary', s.file_name, s.file_size,
       'recorded when the source was written without collection details (e.g. by verity import)'
  FROM sources s
 WHERE s.file_sha256 IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM source_custody_events e WHERE e.source_id = s.id AND e.event = 'collected')
 ORDER BY s.id;
