-- Published rankings of care resources (issue 17, docs/waiting-lists.md). Mirror of
-- migrations/postgres: numbered snapshots never changed.
CREATE TABLE published_rankings (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    resource_id BLOB NOT NULL REFERENCES resources (id),
    number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 1000000),
    criteria_set_id BLOB NOT NULL REFERENCES criteria_sets (id),
    ranked_on TEXT NOT NULL,
    previous_criteria_set_id BLOB REFERENCES criteria_sets (id),
    reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    entries INTEGER NOT NULL CHECK (entries >= 0),
    published_at TEXT NOT NULL,
    published_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT published_rankings_re_ranked CHECK (previous_criteria_set_id IS NULL OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX published_rankings_number_idx ON published_rankings (resource_id, number);

CREATE TABLE published_ranking_entries (
    ranking_id BLOB NOT NULL REFERENCES published_rankings (id),
    position INTEGER NOT NULL CHECK (position >= 1),
    application_id BLOB NOT NULL REFERENCES applications (id),
    protocol_year INTEGER NOT NULL CHECK (protocol_year BETWEEN 1900 AND 2199),
    protocol_number INTEGER NOT NULL CHECK (protocol_number BETWEEN 1 AND 999999),
    total INTEGER NOT NULL CHECK (total >= 0),
    PRIMARY KEY (ranking_id, position)
);

CREATE TRIGGER published_rankings_no_update BEFORE UPDATE ON published_rankings
BEGIN
    SELECT RAISE(ABORT, 'a published ranking is never changed: UPDATE on published_rankings is not allowed');
END;
CREATE TRIGGER published_rankings_no_delete BEFORE DELETE ON published_rankings
BEGIN
    SELECT RAISE(ABORT, 'a published ranking is never changed: DELETE on published_rankings is not allowed');
END;
CREATE TRIGGER published_ranking_entries_no_update BEFORE UPDATE ON published_ranking_entries
BEGIN
    SELECT RAISE(ABORT, 'a published ranking is never changed: UPDATE on published_ranking_entries is not allowed');
END;
CREATE TRIGGER published_ranking_entries_no_delete BEFORE DELETE ON published_ranking_entries
BEGIN
    SELECT RAISE(ABORT, 'a published ranking is never changed: DELETE on published_ranking_entries is not allowed');
END;
