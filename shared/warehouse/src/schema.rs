//! A table's columns, parsed from its JSON schema file (BigQuery's REST format:
//! `[{"name", "type", "mode", "description"}]`).

use serde::Deserialize;
use starvit_gcp::bigquery::spec::Field;

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// BigQuery type (`STRING`, `INT64`, `TIMESTAMP`, `DATE`, `JSON`, ...).
    #[serde(rename = "type")]
    pub field_type: String,
    /// `NULLABLE`, `REQUIRED` or `REPEATED`.
    #[serde(default = "nullable")]
    pub mode: String,
    /// What it holds.
    #[serde(default)]
    pub description: String,
}

fn nullable() -> String {
    "NULLABLE".to_owned()
}

impl Column {
    /// The column's type in DDL: `ARRAY<T>` for a repeated column.
    pub fn ddl_type(&self) -> String {
        if self.mode == "REPEATED" {
            format!("ARRAY<{}>", self.field_type)
        } else {
            self.field_type.clone()
        }
    }

    /// The load-job field of this column.
    pub fn field(&self) -> Field {
        Field {
            name: self.name.clone(),
            field_type: self.field_type.clone(),
            mode: self.mode.clone(),
        }
    }
}

/// Parse a schema file.
///
/// # Errors
/// The text is not a BigQuery JSON schema.
pub fn parse(json: &str) -> Result<Vec<Column>, serde_json::Error> {
    serde_json::from_str(json)
}
