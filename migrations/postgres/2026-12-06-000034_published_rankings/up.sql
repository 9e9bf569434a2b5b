-- Published rankings of care resources (issue 17, docs/waiting-lists.md): each publication is
-- a numbered snapshot of the ranking of a day under the criteria set version in force, with
-- the positions, protocol numbers and totals that may be made public (never names nor special
-- categories). A publication is never changed: the database refuses UPDATE and DELETE.
CREATE TABLE published_rankings (
    id uuid PRIMARY KEY,
    resource_id uuid NOT NULL REFERENCES resources (id),
    number integer NOT NULL CHECK (number BETWEEN 1 AND 1000000),
    criteria_set_id uuid NOT NULL REFERENCES criteria_sets (id),
    ranked_on date NOT NULL,
    -- The version of the previous publication, when this one re-ranks under another.
    previous_criteria_set_id uuid REFERENCES criteria_sets (id),
    reason text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    entries integer NOT NULL CHECK (entries >= 0),
    published_at timestamptz NOT NULL,
    published_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT published_rankings_re_ranked CHECK (previous_criteria_set_id IS NULL OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX published_rankings_number_idx ON published_rankings (resource_id, number);

CREATE TABLE published_ranking_entries (
    ranking_id uuid NOT NULL REFERENCES published_rankings (id),
    position integer NOT NULL CHECK (position >= 1),
    application_id uuid NOT NULL REFERENCES applications (id),
    protocol_year integer NOT NULL CHECK (protocol_year BETWEEN 1900 AND 2199),
    protocol_number integer NOT NULL CHECK (protocol_number BETWEEN 1 AND 999999),
    total integer NOT NULL CHECK (total >= 0),
    PRIMARY KEY (ranking_id, position)
);

CREATE FUNCTION published_rankings_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published ranking is never changed: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END;
$$;
CREATE TRIGGER published_rankings_kept BEFORE UPDATE OR DELETE ON published_rankings
    FOR EACH ROW EXECUTE FUNCTION published_rankings_kept();
CREATE TRIGGER published_ranking_entries_kept BEFORE UPDATE OR DELETE ON published_ranking_entries
    FOR EACH ROW EXECUTE FUNCTION published_rankings_kept();
