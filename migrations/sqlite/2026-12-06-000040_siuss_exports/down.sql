DROP TABLE siuss_export_persons;
DROP TABLE siuss_exports;
