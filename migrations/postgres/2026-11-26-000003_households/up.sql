-- Households (nuclei familiari) and their memberships over time. Memberships are never deleted:
-- leaving closes one by setting left_on, so the composition on any past date can be rebuilt.
-- Mirrored in migrations/sqlite.

CREATE TABLE households (
    id uuid PRIMARY KEY,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);

CREATE TABLE household_members (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    relationship text NOT NULL CHECK (relationship IN ('reference_person', 'spouse', 'partner',
        'child', 'parent', 'sibling', 'grandchild', 'grandparent', 'other_relative', 'cohabitant')),
    joined_on date NOT NULL,
    left_on date CHECK (left_on > joined_on),
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    ended_at timestamptz,
    ended_by uuid REFERENCES users (id)
);
CREATE INDEX household_members_household_idx ON household_members (household_id, joined_on);
CREATE INDEX household_members_person_idx ON household_members (person_id, joined_on);
-- Last line of defence behind the domain rule: a person has at most one open membership, even
-- when two requests add them to two different households at the same time.
CREATE UNIQUE INDEX household_members_person_open_idx ON household_members (person_id)
    WHERE left_on IS NULL;
