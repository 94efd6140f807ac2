//! The project's views: a folder of ViewDefinition JSON files, one view each, created as
//! BigQuery views over the raw tables.
