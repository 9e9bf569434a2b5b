DROP TABLE person_justice;
DROP TABLE person_legal_status;
DROP TABLE person_ethnicity;
DROP TABLE person_health_disability;
