-- Procurement contracts with a social clause (issue 16, docs/employment.md), and the history
-- of their amendments: each amendment keeps the description it replaced. Mirror of
-- migrations/postgres.
CREATE TABLE procurement_contracts (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    contracting_authority TEXT NOT NULL CHECK (length(contracting_authority) BETWEEN 1 AND 200),
    cig TEXT NOT NULL CHECK (length(cig) = 10 AND (
        (cig GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9A-F][0-9A-F][0-9A-F]')
        OR (cig GLOB '[A-Z][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]'))),
    subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
    from_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    employer_id BLOB NOT NULL REFERENCES employers (id),
    clause TEXT NOT NULL CHECK (clause IN ('disadvantaged_hiring', 'reserved_contract', 'type_b_agreement')),
    required_workers INTEGER CHECK (required_workers IS NULL OR required_workers BETWEEN 1 AND 10000),
    required_hours_share INTEGER CHECK (required_hours_share IS NULL OR required_hours_share BETWEEN 1 AND 100),
    notes TEXT CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT procurement_contracts_period CHECK (until_on >= from_on),
    CONSTRAINT procurement_contracts_one_requirement
        CHECK ((required_workers IS NULL) <> (required_hours_share IS NULL))
);
CREATE UNIQUE INDEX procurement_contracts_cig_idx ON procurement_contracts (cig);
CREATE INDEX procurement_contracts_employer_idx ON procurement_contracts (employer_id, from_on);

CREATE TABLE contract_amendments (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    contract_id BLOB NOT NULL REFERENCES procurement_contracts (id),
    version INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    previous TEXT NOT NULL,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX contract_amendments_version_idx ON contract_amendments (contract_id, version);
