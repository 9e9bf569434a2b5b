DROP TABLE diary_entries;
DROP TABLE assessment_scores;
DROP TABLE assessments;
