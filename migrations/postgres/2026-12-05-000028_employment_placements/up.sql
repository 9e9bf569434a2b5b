-- Employment placements (inserimenti lavorativi, issue 16, docs/employment.md) with the hours
-- worked each month, and the contract's monthly working hours by which an hours-share clause is
-- judged. The lifecycle proposed -> active -> completed | interrupted is the domain's
-- (socialcare_domain::employment); the checks below refuse rows no lifecycle can produce.
ALTER TABLE procurement_contracts ADD COLUMN monthly_hours integer
    CHECK (monthly_hours IS NULL OR monthly_hours BETWEEN 1 AND 1000000);

CREATE TABLE employment_placements (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    kind text NOT NULL CHECK (kind IN ('inclusion_traineeship', 'work_grant', 'social_clause_hiring',
        'provincial_programme', 'community_utility_project', 'targeted_placement')),
    programme text CHECK (programme IS NULL OR programme ~ '^[a-z0-9_]{1,40}$'),
    employer_id uuid NOT NULL REFERENCES employers (id),
    contract_id uuid REFERENCES procurement_contracts (id),
    office_tutor_id uuid REFERENCES users (id),
    company_tutor text CHECK (company_tutor IS NULL OR length(company_tutor) BETWEEN 1 AND 200),
    weekly_hours smallint NOT NULL CHECK (weekly_hours BETWEEN 1 AND 48),
    from_on date NOT NULL,
    until_on date,
    notes text CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    status text NOT NULL CHECK (status IN ('proposed', 'active', 'completed', 'interrupted')),
    started_on date,
    ended_on date,
    interruption_reason text CHECK (interruption_reason IS NULL OR length(interruption_reason) BETWEEN 1 AND 500),
    outcome text CHECK (outcome IS NULL OR outcome IN ('hired_open_ended', 'hired_fixed_term', 'apprenticeship', 'none')),
    outcome_on date,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    commitment_id uuid REFERENCES pact_commitments (id),
    referral_id uuid REFERENCES referrals (id),
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
    placement_id uuid NOT NULL REFERENCES employment_placements (id),
    month text NOT NULL CHECK (month ~ '^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])$'),
    hours smallint NOT NULL CHECK (hours BETWEEN 0 AND 300),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users (id),
    -- The placement's contract (it never changes), so that compliance sums a month's hours per
    -- contract from one index.
    contract_id uuid REFERENCES procurement_contracts (id),
    PRIMARY KEY (placement_id, month)
);
-- Compliance sums the hours of one month per contract.
CREATE INDEX employment_hours_contract_idx ON employment_hours (contract_id, month, hours)
    WHERE contract_id IS NOT NULL;
