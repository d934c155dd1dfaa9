-- Case coordinates (issue 22: Atlos incidents carry a latitude and a longitude).
--
-- WGS 84 decimal degrees, six decimals (about 0.1 m, more than any geolocation
-- claims). Both or neither: a latitude without its longitude is no place. The
-- history records them as it records the other case fields: in the `open` row's
-- details and as from/to pairs in `update` rows (../definitions/10_workflow.sql),
-- so that `audit verify` can replay them.
ALTER TABLE public.cases
    ADD COLUMN latitude numeric(8,6),
    ADD COLUMN longitude numeric(9,6),
    ADD CONSTRAINT case_latitude_range CHECK (latitude BETWEEN -90 AND 90),
    ADD CONSTRAINT case_longitude_range CHECK (longitude BETWEEN -180 AND 180),
    ADD CONSTRAINT case_coordinates_paired CHECK ((latitude IS NULL) = (longitude IS NULL));
