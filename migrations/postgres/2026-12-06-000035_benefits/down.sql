DROP TABLE benefits;
