-- Housing (abitare): facilities, their beds, the nights a bed holds someone, and placements
-- (inserimenti, and the night bookings of night shelters). See docs/housing.md.
--
-- The two invariants are kept by the schema as well as by domain::housing, on both engines and
-- across server processes: every night a person sleeps in a bed is a row of `bed_nights`, at one
-- of the bed's numbered places (`bed_places`, one row per place of its capacity), so
--   * a bed never holds more persons than its capacity on a night: the key (bed, night, place)
--     and the reference to an existing place;
--   * a person is never in two beds on a night: the unique (person, night).
-- Mirror of migrations/postgres.

CREATE TABLE facilities (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind TEXT NOT NULL CHECK (kind IN ('night_shelter', 'adult_reception', 'protected_flat',
        'housing_first_flat', 'co_housing', 'disability_residence', 'social_housing_unit')),
    area TEXT NOT NULL CHECK (area IN ('adults_disability', 'social_inclusion', 'transversal')),
    operator TEXT NOT NULL CHECK (length(operator) BETWEEN 1 AND 200),
    street TEXT NOT NULL CHECK (length(street) BETWEEN 1 AND 200),
    municipality TEXT NOT NULL CHECK (length(municipality) BETWEEN 1 AND 100),
    postcode TEXT CHECK (postcode IS NULL OR length(postcode) = 5),
    takes TEXT NOT NULL CHECK (takes IN ('men', 'women', 'mixed', 'families')),
    accessible INTEGER NOT NULL CHECK (accessible IN (0, 1)),
    opens_on TEXT NOT NULL,
    closes_on TEXT,
    phone TEXT CHECK (phone IS NULL OR length(phone) BETWEEN 3 AND 30),
    email TEXT CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT facilities_closes_after_opening CHECK (closes_on IS NULL OR closes_on > opens_on)
);
CREATE UNIQUE INDEX facilities_name_idx ON facilities (name);

CREATE TABLE facility_target_groups (
    facility_id BLOB NOT NULL REFERENCES facilities (id),
    target_group TEXT NOT NULL CHECK (target_group IN ('adult_in_need', 'person_with_disability',
        'homeless', 'roma_sinti_caminanti', 'international_protection', 'prison_area',
        'income_support_beneficiary')),
    PRIMARY KEY (facility_id, target_group)
);

CREATE TABLE beds (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    facility_id BLOB NOT NULL REFERENCES facilities (id),
    unit TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 100),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 50),
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 12),
    takes TEXT CHECK (takes IS NULL OR takes IN ('men', 'women')),
    accessible INTEGER NOT NULL CHECK (accessible IN (0, 1)),
    opens_on TEXT NOT NULL,
    closes_on TEXT,
    season_from TEXT,
    season_until TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT beds_closes_after_opening CHECK (closes_on IS NULL OR closes_on > opens_on),
    CONSTRAINT beds_season_is_a_period CHECK ((season_from IS NULL) = (season_until IS NULL)
        AND (season_until IS NULL OR season_until > season_from))
);
CREATE UNIQUE INDEX beds_label_idx ON beds (facility_id, unit, label);

CREATE TABLE bed_places (
    bed_id BLOB NOT NULL REFERENCES beds (id),
    place INTEGER NOT NULL CHECK (place BETWEEN 0 AND 11),
    PRIMARY KEY (bed_id, place)
);

CREATE TABLE bed_out_of_service (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    bed_id BLOB NOT NULL REFERENCES beds (id),
    from_on TEXT NOT NULL,
    until_on TEXT,
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    recorded_by BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    CONSTRAINT bed_out_of_service_is_a_period CHECK (until_on IS NULL OR until_on > from_on)
);
CREATE INDEX bed_out_of_service_bed_idx ON bed_out_of_service (bed_id, from_on);

CREATE TABLE placements (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    facility_id BLOB NOT NULL REFERENCES facilities (id),
    bed_id BLOB NOT NULL REFERENCES beds (id),
    tracking TEXT NOT NULL CHECK (tracking IN ('night_by_night', 'entry_exit')),
    status TEXT NOT NULL CHECK (status IN ('planned', 'active', 'ended', 'cancelled')),
    from_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    started_on TEXT,
    ended_on TEXT,
    exit_destination TEXT CHECK (exit_destination IS NULL OR exit_destination IN ('own_housing',
        'family', 'other_facility', 'hospital', 'prison', 'street', 'unknown', 'deceased')),
    exit_notes TEXT CHECK (exit_notes IS NULL OR length(exit_notes) BETWEEN 1 AND 2000),
    cancel_reason TEXT CHECK (cancel_reason IS NULL OR length(cancel_reason) BETWEEN 1 AND 500),
    override_reason TEXT CHECK (override_reason IS NULL OR length(override_reason) BETWEEN 1 AND 500),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT placements_is_a_period CHECK (until_on > from_on),
    CONSTRAINT placements_started_has_day CHECK ((status IN ('active', 'ended')) = (started_on IS NOT NULL)),
    CONSTRAINT placements_ended_has_exit
        CHECK ((status = 'ended') = (ended_on IS NOT NULL AND exit_destination IS NOT NULL)),
    CONSTRAINT placements_cancelled_has_reason CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);
CREATE INDEX placements_case_file_idx ON placements (case_file_id, from_on);
CREATE INDEX placements_person_idx ON placements (person_id, from_on);
CREATE INDEX placements_bed_idx ON placements (bed_id, from_on);

CREATE TABLE placement_transitions (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    placement_id BLOB NOT NULL REFERENCES placements (id),
    transition TEXT NOT NULL CHECK (transition IN ('start', 'end', 'cancel')),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX placement_transitions_placement_idx ON placement_transitions (placement_id, recorded_at);

CREATE TABLE bed_nights (
    bed_id BLOB NOT NULL,
    night TEXT NOT NULL,
    place INTEGER NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    placement_id BLOB NOT NULL REFERENCES placements (id),
    PRIMARY KEY (bed_id, night, place),
    CONSTRAINT bed_nights_place_exists FOREIGN KEY (bed_id, place) REFERENCES bed_places (bed_id, place)
);
CREATE UNIQUE INDEX bed_nights_one_bed_a_night_idx ON bed_nights (person_id, night);
CREATE INDEX bed_nights_night_idx ON bed_nights (night, bed_id);
CREATE INDEX bed_nights_placement_idx ON bed_nights (placement_id, night);
