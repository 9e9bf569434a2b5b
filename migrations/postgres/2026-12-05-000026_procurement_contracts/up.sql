-- Procurement contracts with a social clause (issue 16, docs/employment.md), and the history
-- of their amendments: each amendment keeps the description it replaced.
CREATE TABLE procurement_contracts (
    id uuid PRIMARY KEY,
    contracting_authority text NOT NULL CHECK (length(contracting_authority) BETWEEN 1 AND 200),
    cig text NOT NULL CHECK (cig ~ '^([0-9]{7}[0-9A-F]{3}|[A-Z][0-9A-F]{9})$'),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
    from_on date NOT NULL,
    until_on date NOT NULL,
    employer_id uuid NOT NULL REFERENCES employers (id),
    clause text NOT NULL CHECK (clause IN ('disadvantaged_hiring', 'reserved_contract', 'type_b_agreement')),
    required_workers smallint CHECK (required_workers IS NULL OR required_workers BETWEEN 1 AND 10000),
    required_hours_share smallint CHECK (required_hours_share IS NULL OR required_hours_share BETWEEN 1 AND 100),
    notes text CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT procurement_contracts_period CHECK (until_on >= from_on),
    CONSTRAINT procurement_contracts_one_requirement
        CHECK ((required_workers IS NULL) <> (required_hours_share IS NULL))
);
CREATE UNIQUE INDEX procurement_contracts_cig_idx ON procurement_contracts (cig);
CREATE INDEX procurement_contracts_employer_idx ON procurement_contracts (employer_id, from_on);

CREATE TABLE contract_amendments (
    id uuid PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES procurement_contracts (id),
    version bigint NOT NULL,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    previous text NOT NULL,
    author_id uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX contract_amendments_version_idx ON contract_amendments (contract_id, version);
