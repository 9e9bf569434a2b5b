-- Employment placements (inserimenti lavorativi, issue 16, docs/employment.md) with the hours
-- worked each month, and the contract's monthly working hours by which an hours-share clause is
-- judged. Mirror of migrations/postgres.
ALTER TABLE procurement_contracts ADD COLUMN monthly_hours INTEGER
    CHECK (monthly_hours IS NULL OR monthly_hours BETWEEN 1 AND 1000000);

CREATE TABLE employment_placements (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL CHECK (kind IN ('inclusion_traineeship', 'work_grant', 'social_clause_hiring',
        'provincial_programme', 'community_utility_project', 'targeted_placement')),
    programme TEXT CHECK (programme IS NULL OR (length(programme) BETWEEN 1 AND 40
        AND programme NOT GLOB '*[^a-z0-9_]*')),
    employer_id BLOB NOT NULL REFERENCES employers (id),
    contract_id BLOB REFERENCES procurement_contracts (id),
    office_tutor_id BLOB REFERENCES users (id),
    company_tutor TEXT CHECK (company_tutor IS NULL OR length(company_tutor) BETWEEN 1 AND 200),
    weekly_hours INTEGER NOT NULL CHECK (weekly_hours BETWEEN 1 AND 48),
    from_on TEXT NOT NULL,
    until_on TEXT,
    notes TEXT CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'completed', 'interrupted')),
    started_on TEXT,
    ended_on TEXT,
    interruption_reason TEXT CHECK (interruption_reason IS NULL OR length(interruption_reason) BETWEEN 1 AND 500),
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('hired_open_ended', 'hired_fixed_term', 'apprenticeship', 'none')),
    outcome_on TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    commitment_id BLOB REFERENCES pact_commitments (id),
    referral_id BLOB REFERENCES referrals (id),
    CONSTRAINT employment_placements_period CHECK (until_on IS NULL OR until_on >= from_on),
    CONSTRAINT employment_placements_contract
        CHECK (kind <> 'social_clause_hiring' OR contract_id IS NOT NULL),
    CONSTRAINT employment_placements_commitment
        CHECK (commitment_id IS NULL OR kind = 'community_utility_project'),
    CONSTRAINT employment_placements_programme
        CHECK ((kind = 'provincial_programme') = (programme IS NOT NULL)),
    CONSTRAINT employment_placements_lifecycle CHECK (
        (status = 'proposed' AND started_on IS NULL AND ended_on IS NULL AND outcome IS NULL)
        OR (status = 'active' AND started_on IS NOT NULL AND ended_on IS NULL AND outcome IS NULL)
        OR (status = 'completed' AND started_on IS NOT NULL AND ended_on >= started_on
            AND outcome IS NOT NULL AND interruption_reason IS NULL)
        OR (status = 'interrupted' AND ended_on IS NOT NULL AND interruption_reason IS NOT NULL
            AND (started_on IS NULL OR ended_on >= started_on)))
);
CREATE INDEX employment_placements_case_file_idx ON employment_placements (case_file_id, from_on);
CREATE INDEX employment_placements_person_idx ON employment_placements (person_id);
CREATE INDEX employment_placements_commitment_idx ON employment_placements (commitment_id) WHERE commitment_id IS NOT NULL;
-- The agenda reads the planned ends of the placements not ended yet, in its order.
CREATE INDEX employment_placements_open_until_idx ON employment_placements (until_on, id, case_file_id, person_id)
    WHERE status IN ('proposed', 'active') AND until_on IS NOT NULL;
-- Compliance counts the started placements of each contract running on a day.
CREATE INDEX employment_placements_contract_idx ON employment_placements (contract_id, started_on, ended_on)
    WHERE contract_id IS NOT NULL AND started_on IS NOT NULL;

CREATE TABLE employment_hours (
    placement_id BLOB NOT NULL REFERENCES employment_placements (id),
    month TEXT NOT NULL CHECK (length(month) = 7 AND month GLOB '[12][0-9][0-9][0-9]-[01][0-9]'
        AND substr(month, 1, 4) BETWEEN '1900' AND '2199' AND substr(month, 6, 2) BETWEEN '01' AND '12'),
    hours INTEGER NOT NULL CHECK (hours BETWEEN 0 AND 300),
    recorded_at TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id),
    -- The placement's contract (it never changes), so that compliance sums a month's hours per
    -- contract from one index.
    contract_id BLOB REFERENCES procurement_contracts (id),
    PRIMARY KEY (placement_id, month)
);
-- Compliance sums the hours of one month per contract.
CREATE INDEX employment_hours_contract_idx ON employment_hours (contract_id, month, hours)
    WHERE contract_id IS NOT NULL;
