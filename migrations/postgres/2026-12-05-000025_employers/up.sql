-- The employers the office places persons with (issue 16, docs/employment.md): annulled, never
-- deleted. A partita IVA belongs to one employer that is not annulled.
CREATE TABLE employers (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('company', 'social_cooperative_b', 'social_cooperative_a',
        'public_body', 'association')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    vat_number text CHECK (vat_number IS NULL OR vat_number ~ '^[0-9]{11}$'),
    tax_code text CHECK (tax_code IS NULL OR length(tax_code) IN (11, 16)),
    street text NOT NULL CHECK (length(street) BETWEEN 1 AND 200),
    municipality text NOT NULL CHECK (length(municipality) BETWEEN 1 AND 100),
    postcode text CHECK (postcode IS NULL OR length(postcode) = 5),
    contact_name text CHECK (contact_name IS NULL OR length(contact_name) BETWEEN 1 AND 200),
    phone text CHECK (phone IS NULL OR length(phone) BETWEEN 3 AND 30),
    email text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
    cooperative_register_number text
        CHECK (cooperative_register_number IS NULL OR length(cooperative_register_number) BETWEEN 1 AND 50),
    cooperative_registered_on date,
    annulled_at timestamptz,
    annulled_by uuid REFERENCES users (id),
    annulment_reason text CHECK (annulment_reason IS NULL OR length(annulment_reason) BETWEEN 1 AND 500),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT employers_identified CHECK (vat_number IS NOT NULL OR tax_code IS NOT NULL),
    CONSTRAINT employers_annulment_complete
        CHECK ((annulled_at IS NULL) = (annulled_by IS NULL) AND (annulled_at IS NULL) = (annulment_reason IS NULL))
);
CREATE UNIQUE INDEX employers_vat_number_idx ON employers (vat_number)
    WHERE vat_number IS NOT NULL AND annulled_at IS NULL;
CREATE INDEX employers_name_idx ON employers (name, id);
