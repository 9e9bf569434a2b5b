DROP TABLE project_review_outcomes;
DROP TABLE project_reviews;
DROP TABLE project_actions;
DROP TABLE project_participants;
DROP TABLE project_objectives;
DROP TABLE project_transitions;
DROP TABLE projects;
