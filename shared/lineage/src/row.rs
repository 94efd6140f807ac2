//! The lineage table row: one JSON object per record, snake_case columns, lossless.
//!
//! `source_generation` is written as a decimal string (BigQuery's JSON form of INT64) and read
//! from a string or a number; unset fields are written as `null`. Columns the table has beyond
//! [`TABLE_SCHEMA`] (e.g. an ingestion timestamp added by the writer) are ignored on read.

use serde_json::{Map, Value};

use crate::{FIELDS, Lineage, LineageError};

/// One column of the lineage table's BigQuery schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSchema {
    /// Column name.
    pub name: &'static str,
    /// BigQuery type (`STRING`, `INT64`).
    pub field_type: &'static str,
    /// `REQUIRED` or `NULLABLE`.
    pub mode: &'static str,
}

const fn col(name: &'static str, field_type: &'static str, mode: &'static str) -> FieldSchema {
    FieldSchema {
        name,
        field_type,
        mode,
    }
}

/// The lineage table's schema, in [`FIELDS`] order.
pub const TABLE_SCHEMA: [FieldSchema; 13] = [
    col("stage", "STRING", "REQUIRED"),
    col("pipeline", "STRING", "NULLABLE"),
    col("export_job_id", "STRING", "NULLABLE"),
    col("source_bucket", "STRING", "NULLABLE"),
    col("source_object", "STRING", "NULLABLE"),
    col("source_generation", "INT64", "NULLABLE"),
    col("deid_policy_version", "STRING", "NULLABLE"),
    col("deid_run_id", "STRING", "NULLABLE"),
    col("load_job_id", "STRING", "NULLABLE"),
    col("destination_table", "STRING", "NULLABLE"),
    col("destination_partition", "STRING", "NULLABLE"),
    col("graph_version", "STRING", "NULLABLE"),
    col("export_time", "STRING", "NULLABLE"),
];

impl Lineage {
    /// Encode as a lineage table row (every column present, `null` when unset).
    pub fn to_row(&self) -> Value {
        let mut row: Map<String, Value> = FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), Value::Null))
            .collect();
        for (field, value) in self.fields() {
            row.insert(field.to_owned(), Value::String(value));
        }
        Value::Object(row)
    }

    /// Decode a lineage table row.
    ///
    /// # Errors
    /// [`LineageError::Invalid`] when the row is not an object or a column has the wrong type or
    /// an invalid value; [`LineageError::Missing`] when `stage` is null or absent.
    pub fn from_row(row: &Value) -> Result<Self, LineageError> {
        let Value::Object(map) = row else {
            return Err(LineageError::Invalid {
                field: "row",
                rule: "must be a JSON object",
            });
        };
        let mut numbers = Vec::new();
        let mut fields = Vec::new();
        for field in FIELDS {
            match map.get(field) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => fields.push((field, s.as_str())),
                Some(Value::Number(n)) if field == "source_generation" => {
                    numbers.push(n.to_string());
                }
                Some(_) => {
                    return Err(LineageError::Invalid {
                        field,
                        rule: "has the wrong JSON type",
                    });
                }
            }
        }
        let numbers: Vec<(&str, &str)> = numbers
            .iter()
            .map(|n| ("source_generation", n.as_str()))
            .collect();
        Lineage::from_fields(fields.into_iter().chain(numbers))
    }
}
