-- Tutor reviews of employment placements (issue 16, docs/employment.md): the office's tutor
-- meets the person and the employer's tutor while the placement runs; each review plans the
-- next one, which the agenda shows. Only a running placement has a next review.
ALTER TABLE employment_placements ADD COLUMN next_review_on date;
-- The placements running when reviews arrived get their first review a month from now.
UPDATE employment_placements SET next_review_on = CURRENT_DATE + 30 WHERE status = 'active';
ALTER TABLE employment_placements ADD CONSTRAINT employment_placements_next_review
    CHECK (next_review_on IS NULL OR (status = 'active' AND next_review_on > started_on));
-- The agenda reads the next reviews in its order.
CREATE INDEX employment_placements_next_review_idx
    ON employment_placements (next_review_on, id, case_file_id, person_id)
    WHERE next_review_on IS NOT NULL;

CREATE TABLE employment_reviews (
    id uuid PRIMARY KEY,
    placement_id uuid NOT NULL REFERENCES employment_placements (id),
    held_on date NOT NULL,
    progress text NOT NULL CHECK (progress IN ('on_track', 'needs_support', 'at_risk')),
    with_company_tutor boolean NOT NULL,
    summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
    next_review_on date CHECK (next_review_on IS NULL OR next_review_on > held_on),
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id)
);
CREATE INDEX employment_reviews_placement_idx ON employment_reviews (placement_id, held_on, id);
