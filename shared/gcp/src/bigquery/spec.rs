//! Typed load and query job specifications, turned into the `jobs.insert` body.
//!
//! Only what the pipeline uses is modelled; the body is the official client's
//! [`JobConfiguration`], so anything else can be set on the result.

use google_cloud_bigquery_v2::model::{
    JobConfiguration, JobConfigurationLoad, JobConfigurationQuery, ParquetOptions,
    TableFieldSchema, TableReference, TableSchema,
};

use crate::labels::Labels;

/// Whether `s` is a valid BigQuery dataset id: 1-1024 characters of `[A-Za-z0-9_]`.
pub fn dataset_id_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 1024 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A table, fully qualified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRef {
    /// Project id.
    pub project_id: String,
    /// Dataset id.
    pub dataset_id: String,
    /// Table id. A partition decorator (`t$20260101`) works in BigQuery but not in
    /// local-bigquery (it creates a table of that name): replace partitions with a query.
    pub table_id: String,
}

impl TableRef {
    fn to_model(&self) -> TableReference {
        TableReference::new()
            .set_project_id(self.project_id.clone())
            .set_dataset_id(self.dataset_id.clone())
            .set_table_id(self.table_id.clone())
    }
}

/// One column of a load schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// BigQuery type: `STRING`, `INT64`, `TIMESTAMP`, `JSON`, ...
    pub field_type: String,
    /// `NULLABLE` (default when empty), `REQUIRED` or `REPEATED`.
    pub mode: String,
}

impl Field {
    /// A `NULLABLE` column.
    pub fn nullable(name: &str, field_type: &str) -> Self {
        Self {
            name: name.to_owned(),
            field_type: field_type.to_owned(),
            mode: "NULLABLE".to_owned(),
        }
    }

    /// A `REQUIRED` column.
    pub fn required(name: &str, field_type: &str) -> Self {
        Self {
            mode: "REQUIRED".to_owned(),
            ..Self::nullable(name, field_type)
        }
    }
}

/// Format of the files a load job reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// Newline-delimited JSON; nested values load into `JSON` columns.
    NewlineDelimitedJson,
    /// Parquet; `LIST`s are read as arrays (`enableListInference`).
    Parquet,
}

/// What a job does to an existing destination table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteDisposition {
    /// Append rows (`WRITE_APPEND`).
    Append,
    /// Replace the table (`WRITE_TRUNCATE`).
    Truncate,
    /// Fail if the table has rows (`WRITE_EMPTY`).
    Empty,
}

impl WriteDisposition {
    fn as_str(self) -> &'static str {
        match self {
            Self::Append => "WRITE_APPEND",
            Self::Truncate => "WRITE_TRUNCATE",
            Self::Empty => "WRITE_EMPTY",
        }
    }
}

/// A load job from `gs://` URIs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSpec {
    /// `gs://bucket/object` URIs (wildcards allowed by BigQuery).
    pub source_uris: Vec<String>,
    /// File format.
    pub format: SourceFormat,
    /// Destination table; created if needed (`CREATE_IF_NEEDED`).
    pub destination: TableRef,
    /// Schema; `None` keeps the table's (or Parquet's) schema.
    pub schema: Option<Vec<Field>>,
    /// Write disposition.
    pub write: WriteDisposition,
    /// Job labels (lineage).
    pub labels: Labels,
}

/// A query job (standard SQL). DML and scripts go here too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuerySpec {
    /// The SQL. Never interpolate data into it; use fixed SQL from the repository.
    pub sql: String,
    /// Job labels (lineage).
    pub labels: Labels,
}

impl LoadSpec {
    /// The `configuration` of the `jobs.insert` body.
    pub fn to_configuration(&self) -> JobConfiguration {
        let mut load = JobConfigurationLoad::new()
            .set_source_uris(self.source_uris.clone())
            .set_destination_table(self.destination.to_model())
            .set_create_disposition("CREATE_IF_NEEDED")
            .set_write_disposition(self.write.as_str());
        load = match self.format {
            SourceFormat::NewlineDelimitedJson => load.set_source_format("NEWLINE_DELIMITED_JSON"),
            SourceFormat::Parquet => load
                .set_source_format("PARQUET")
                .set_parquet_options(ParquetOptions::new().set_enable_list_inference(true)),
        };
        if let Some(fields) = &self.schema {
            let fields = fields.iter().map(|f| {
                TableFieldSchema::new()
                    .set_name(f.name.clone())
                    .set_type(f.field_type.clone())
                    .set_mode(f.mode.clone())
            });
            load = load.set_schema(TableSchema::new().set_fields(fields));
        }
        JobConfiguration::new()
            .set_load(load)
            .set_labels(self.labels.to_hash_map())
    }
}

impl QuerySpec {
    /// The `configuration` of the `jobs.insert` body (standard SQL, no legacy SQL).
    pub fn to_configuration(&self) -> JobConfiguration {
        JobConfiguration::new()
            .set_query(
                JobConfigurationQuery::new()
                    .set_query(self.sql.clone())
                    .set_use_legacy_sql(false),
            )
            .set_labels(self.labels.to_hash_map())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TableRef {
        TableRef {
            project_id: "p".into(),
            dataset_id: "raw".into(),
            table_id: "patient".into(),
        }
    }

    /// The exact `configuration` sent to BigQuery (REST JSON), so a change is a visible diff.
    #[test]
    fn load_body_is_the_documented_rest_shape() {
        let spec = LoadSpec {
            source_uris: vec!["gs://b/o.ndjson".into()],
            format: SourceFormat::NewlineDelimitedJson,
            destination: table(),
            schema: Some(vec![
                Field::required("id", "STRING"),
                Field::nullable("resource", "JSON"),
            ]),
            write: WriteDisposition::Append,
            labels: Labels::new().with("service", "bq-load"),
        };
        let body = serde_json::to_value(spec.to_configuration()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "load": {
                    "sourceUris": ["gs://b/o.ndjson"],
                    "schema": {"fields": [
                        {"name": "id", "type": "STRING", "mode": "REQUIRED"},
                        {"name": "resource", "type": "JSON", "mode": "NULLABLE"}
                    ]},
                    "destinationTable": {"projectId": "p", "datasetId": "raw", "tableId": "patient"},
                    "createDisposition": "CREATE_IF_NEEDED",
                    "writeDisposition": "WRITE_APPEND",
                    "sourceFormat": "NEWLINE_DELIMITED_JSON"
                },
                "labels": {"service": "bq-load"}
            })
        );
    }

    #[test]
    fn parquet_and_query_bodies() {
        let spec = LoadSpec {
            source_uris: vec!["gs://b/*.parquet".into()],
            format: SourceFormat::Parquet,
            destination: table(),
            schema: None,
            write: WriteDisposition::Truncate,
            labels: Labels::new(),
        };
        let body = serde_json::to_value(spec.to_configuration()).unwrap();
        assert_eq!(body["load"]["sourceFormat"], "PARQUET");
        assert_eq!(body["load"]["parquetOptions"]["enableListInference"], true);
        assert_eq!(body["load"]["writeDisposition"], "WRITE_TRUNCATE");

        let query = QuerySpec {
            sql: "SELECT 1".into(),
            labels: Labels::new().with("purpose", "check"),
        };
        let body = serde_json::to_value(query.to_configuration()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "query": {"query": "SELECT 1", "useLegacySql": false},
                "labels": {"purpose": "check"}
            })
        );
    }
}
