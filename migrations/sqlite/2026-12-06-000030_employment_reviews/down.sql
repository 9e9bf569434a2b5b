DROP TABLE employment_reviews;
DROP INDEX employment_placements_next_review_idx;
ALTER TABLE employment_placements DROP COLUMN next_review_on;
