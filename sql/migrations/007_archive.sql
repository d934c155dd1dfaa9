-- Trusted timestamps (RFC 3161) of the desk's head hash: `verity audit stamp --tsa URL`
-- stores the time-stamping authority's reply whole; `verity audit verify --tsa-ca FILE`
-- checks every token for the head it stamped. Append-only (the triggers are in
-- ../definitions/78_audit_stamps.sql). No group role may write it: stamping is the
-- desk owner's (or a superuser's) act, as anchoring the head elsewhere is.
CREATE TABLE public.audit_stamps (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    head        text NOT NULL CONSTRAINT audit_stamp_head_hex CHECK (head ~ '^[0-9a-f]{64}$'),
    tsa_url     text NOT NULL CONSTRAINT audit_stamp_tsa_present CHECK (btrim(tsa_url) <> ''),
    token       bytea NOT NULL,
    -- The time the authority signed (the token's genTime), and when and by whom it was stored.
    stamped_at  timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text,
    db_user     text NOT NULL DEFAULT session_user
);
