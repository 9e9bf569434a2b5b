-- Housing data for the "free beds" load scenario (docs/benchmarks.md), PostgreSQL only: run on a
-- database prepared by `bench/load.sh postgres --prepare small|large` (it needs its persons, open
-- case files and staff), after the server has applied the housing migrations:
--
--   psql "$DATABASE_URL" -v day0=2026-01-01 -f bench/housing-data.sql
--
-- It adds 200 facilities (every kind, the three areas, men / women / mixed), 25 beds each
-- (5 000 beds, one in ten a room for two), and a year of placements from :day0: every bed holds
-- a stay of 20 to 29 nights every 30 nights, each bed's cycle shifted by its number (about 80 %
-- of the places taken on any night), each stay for a
-- different person (one of their open case files), so that nobody is in two beds on a night. The nights are
-- written as the server writes them (one `bed_nights` row per person and night, at place 0 or 1
-- of the bed), and the placements are `active` or `ended` as their dates say. Running it twice is
-- refused by the unique facility names.
\set ON_ERROR_STOP on
BEGIN;

CREATE TEMPORARY TABLE bench_actor AS
SELECT id FROM users WHERE username = 'admin';

INSERT INTO facilities (id, name, kind, area, operator, street, municipality, postcode, takes,
    accessible, opens_on, closes_on, phone, email, version, created_at, created_by, updated_at,
    updated_by)
SELECT gen_random_uuid(),
       'Struttura di prova ' || lpad(n::text, 3, '0'),
       (ARRAY['night_shelter', 'adult_reception', 'protected_flat', 'housing_first_flat',
              'co_housing', 'disability_residence', 'social_housing_unit'])[1 + n % 7],
       (ARRAY['social_inclusion', 'adults_disability', 'transversal'])[1 + n % 3],
       'Cooperativa sociale ' || (1 + n % 17),
       'Via della Prova ' || n,
       'Trento',
       '38122',
       (ARRAY['men', 'women', 'mixed'])[1 + n % 3],
       n % 4 = 0,
       DATE :'day0' - 365,
       NULL, NULL, NULL, 1, now(), (SELECT id FROM bench_actor), now(), (SELECT id FROM bench_actor)
FROM generate_series(1, 200) AS n;

INSERT INTO beds (id, facility_id, unit, label, capacity, takes, accessible, opens_on, closes_on,
    season_from, season_until, version, created_at, created_by, updated_at, updated_by)
SELECT gen_random_uuid(), f.id, 'Unità ' || (1 + b / 5), 'Posto ' || b,
       CASE WHEN b % 10 = 0 THEN 2 ELSE 1 END, NULL, f.accessible, DATE :'day0' - 365, NULL,
       NULL, NULL, 1, now(), (SELECT id FROM bench_actor), now(), (SELECT id FROM bench_actor)
FROM facilities f CROSS JOIN generate_series(1, 25) AS b
WHERE f.name LIKE 'Struttura di prova %';

INSERT INTO bed_places (bed_id, place)
SELECT b.id, p FROM beds b JOIN facilities f ON f.id = b.facility_id
CROSS JOIN LATERAL generate_series(0, b.capacity - 1) AS p
WHERE f.name LIKE 'Struttura di prova %';

-- Every stay: its bed, place, nights and the open case file (a different one each).
CREATE TEMPORARY TABLE bench_stays AS
WITH numbered_beds AS (
    SELECT b.id AS bed_id, b.facility_id, b.capacity, row_number() OVER (ORDER BY b.id) AS n
    FROM beds b JOIN facilities f ON f.id = b.facility_id
    WHERE f.name LIKE 'Struttura di prova %'
), stays AS (
    SELECT nb.bed_id, nb.facility_id, p.place, k,
           DATE :'day0' + (k * 30 + ((nb.n * 7 + p.place * 13) % 30))::int AS from_on,
           DATE :'day0' + (k * 30 + ((nb.n * 7 + p.place * 13) % 30) + 20 + ((nb.n + k) % 10))::int
               AS until_on,
           row_number() OVER (ORDER BY nb.n, p.place, k) AS m
    FROM numbered_beds nb
    CROSS JOIN LATERAL generate_series(0, nb.capacity - 1) AS p(place)
    CROSS JOIN generate_series(0, 11) AS k
), files AS (
    -- One open file per person (a person may have one in each area).
    SELECT case_file_id, person_id, row_number() OVER (ORDER BY case_file_id) AS m
    FROM (SELECT DISTINCT ON (person_id) id AS case_file_id, person_id
          FROM case_files WHERE status <> 'closed' ORDER BY person_id, id) AS one_per_person
)
SELECT gen_random_uuid() AS placement_id, s.bed_id, s.facility_id, s.place, s.from_on,
       s.until_on, f.case_file_id, f.person_id
FROM stays s JOIN files f ON f.m = s.m;

INSERT INTO placements (id, case_file_id, person_id, facility_id, bed_id, tracking, status,
    from_on, until_on, started_on, ended_on, exit_destination, exit_notes, cancel_reason,
    override_reason, version, created_at, created_by, updated_at, updated_by)
SELECT s.placement_id, s.case_file_id, s.person_id, s.facility_id, s.bed_id,
       CASE WHEN f.kind = 'night_shelter' THEN 'night_by_night' ELSE 'entry_exit' END,
       CASE WHEN s.until_on <= CURRENT_DATE THEN 'ended'
            WHEN s.from_on <= CURRENT_DATE THEN 'active' ELSE 'planned' END,
       s.from_on, s.until_on,
       CASE WHEN s.from_on <= CURRENT_DATE THEN s.from_on END,
       CASE WHEN s.until_on <= CURRENT_DATE THEN s.until_on END,
       CASE WHEN s.until_on <= CURRENT_DATE THEN 'own_housing' END,
       NULL, NULL, NULL, 1, now(), (SELECT id FROM bench_actor), now(),
       (SELECT id FROM bench_actor)
FROM bench_stays s JOIN facilities f ON f.id = s.facility_id;

INSERT INTO bed_nights (bed_id, night, place, person_id, placement_id, attendance)
SELECT s.bed_id, night::date, s.place, s.person_id, s.placement_id, 'expected'
FROM bench_stays s
CROSS JOIN LATERAL generate_series(s.from_on, s.until_on - 1, INTERVAL '1 day') AS night;

COMMIT;
VACUUM ANALYZE facilities;
VACUUM ANALYZE beds;
VACUUM ANALYZE bed_places;
VACUUM ANALYZE placements;
VACUUM ANALYZE bed_nights;

SELECT (SELECT count(*) FROM facilities) AS facilities, (SELECT count(*) FROM beds) AS beds,
       (SELECT count(*) FROM placements) AS placements, (SELECT count(*) FROM bed_nights) AS bed_nights;
