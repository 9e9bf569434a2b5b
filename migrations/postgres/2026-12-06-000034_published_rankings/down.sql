DROP TRIGGER published_ranking_entries_kept ON published_ranking_entries;
DROP TRIGGER published_rankings_kept ON published_rankings;
DROP FUNCTION published_rankings_kept();
DROP TABLE published_ranking_entries;
DROP TABLE published_rankings;
