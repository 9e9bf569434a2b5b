-- Households (nuclei familiari) and their memberships over time. Memberships are never deleted:
-- leaving closes one by setting left_on, so the composition on any past date can be rebuilt.
-- Mirrored in migrations/postgres. Dates are ISO 8601 TEXT (YYYY-MM-DD).

CREATE TABLE households (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
);

CREATE TABLE household_members (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    household_id BLOB NOT NULL REFERENCES households (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    relationship TEXT NOT NULL CHECK (relationship IN ('reference_person', 'spouse', 'partner',
        'child', 'parent', 'sibling', 'grandchild', 'grandparent', 'other_relative', 'cohabitant')),
    joined_on TEXT NOT NULL,
    left_on TEXT CHECK (left_on > joined_on),
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    ended_at TEXT,
    ended_by BLOB REFERENCES users (id)
);
CREATE INDEX household_members_household_idx ON household_members (household_id, joined_on);
CREATE INDEX household_members_person_idx ON household_members (person_id, joined_on);
-- Last line of defence behind the domain rule: a person has at most one open membership.
CREATE UNIQUE INDEX household_members_person_open_idx ON household_members (person_id)
    WHERE left_on IS NULL;
