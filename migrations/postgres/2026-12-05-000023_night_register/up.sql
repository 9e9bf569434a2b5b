-- The night register of night shelters: for each night booked, whether the person was expected
-- (the default), slept there (`present`) or did not come (`absent`). See docs/housing.md.
-- Mirrored in migrations/sqlite.
ALTER TABLE bed_nights ADD COLUMN attendance text NOT NULL DEFAULT 'expected'
    CHECK (attendance IN ('expected', 'present', 'absent'));
