//! SQL every statement of the warehouse shares: table names, literals, column lists, and the
//! DDL of a table from its schema file. Runs on BigQuery and local-bigquery alike.

use starvit_gcp::bigquery::spec::TableRef;

use crate::tables::Table;

/// `` `project.dataset.table` ``.
pub fn table(t: &TableRef) -> String {
    format!("`{}.{}.{}`", t.project_id, t.dataset_id, t.table_id)
}

/// A standard-SQL string literal, `'...'` with `\` and `'` escaped.
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `a, b, c` (or `S.a, S.b, S.c` with a prefix) of a table's columns.
pub fn names(table: &Table, prefix: &str) -> String {
    table
        .column_names()
        .map(|name| format!("{prefix}{name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CREATE TABLE IF NOT EXISTS` of `table` at `at`, with its partitioning and clustering.
pub fn create_table(at: &TableRef, table: &Table) -> String {
    let columns = table
        .columns()
        .iter()
        .map(|c| {
            let not_null = if c.mode == "REQUIRED" {
                " NOT NULL"
            } else {
                ""
            };
            format!("  {} {}{not_null}", c.name, c.ddl_type())
        })
        .collect::<Vec<_>>()
        .join(",\n");
    let mut ddl = format!(
        "CREATE TABLE IF NOT EXISTS {}\n(\n{columns}\n)",
        self::table(at)
    );
    if let Some(column) = table.partition_by {
        // A DATE column partitions by month; a TIMESTAMP one by its date.
        let timestamp = table
            .columns()
            .iter()
            .any(|c| c.name == column && c.field_type == "TIMESTAMP");
        if timestamp {
            ddl.push_str(&format!("\nPARTITION BY DATE({column})"));
        } else {
            // By month: decades of clinical dates stay under BigQuery's 10,000 partitions per
            // table and 4,000 per job (days would not).
            ddl.push_str(&format!("\nPARTITION BY DATE_TRUNC({column}, MONTH)"));
        }
    }
    if !table.cluster_by.is_empty() {
        ddl.push_str(&format!("\nCLUSTER BY {}", table.cluster_by.join(", ")));
    }
    ddl
}

/// The columns of `table` that `existing` (the column names of a table created from an older
/// schema) lacks, as one `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` statement; `None` when
/// nothing is missing.
///
/// # Errors
/// The names of missing `REQUIRED` columns: BigQuery adds only `NULLABLE` (or `REPEATED`)
/// columns to an existing table, so such a table is not one of ours to migrate.
pub fn add_missing_columns(
    at: &TableRef,
    table: &Table,
    existing: &[String],
) -> Result<Option<String>, Vec<String>> {
    let missing: Vec<_> = table
        .columns()
        .iter()
        .filter(|c| !existing.iter().any(|e| e.eq_ignore_ascii_case(&c.name)))
        .collect();
    let required: Vec<String> = missing
        .iter()
        .filter(|c| c.mode == "REQUIRED")
        .map(|c| c.name.clone())
        .collect();
    if !required.is_empty() {
        return Err(required);
    }
    if missing.is_empty() {
        return Ok(None);
    }
    let adds = missing
        .iter()
        .map(|c| format!("  ADD COLUMN IF NOT EXISTS {} {}", c.name, c.ddl_type()))
        .collect::<Vec<_>>()
        .join(",\n");
    Ok(Some(format!("ALTER TABLE {}\n{adds}", self::table(at))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{GRAPH_PROVENANCE, RAW};

    fn at(table: &str) -> TableRef {
        TableRef {
            project_id: "p".into(),
            dataset_id: "d".into(),
            table_id: table.into(),
        }
    }

    #[test]
    fn a_table_from_an_older_schema_gains_the_missing_nullable_columns() {
        let all: Vec<String> = RAW.column_names().map(str::to_owned).collect();
        assert_eq!(add_missing_columns(&at("Patient"), &RAW, &all), Ok(None));
        let older: Vec<String> = all
            .iter()
            .filter(|c| *c != "export_time")
            .cloned()
            .collect();
        assert_eq!(
            add_missing_columns(&at("Patient"), &RAW, &older),
            Ok(Some(
                "ALTER TABLE `p.d.Patient`\n  ADD COLUMN IF NOT EXISTS export_time TIMESTAMP"
                    .to_owned()
            ))
        );
        // Names compare as BigQuery does, case-insensitively.
        let upper: Vec<String> = all.iter().map(|c| c.to_ascii_uppercase()).collect();
        assert_eq!(add_missing_columns(&at("Patient"), &RAW, &upper), Ok(None));
        // A missing REQUIRED column cannot be added: not a table to migrate.
        let no_id: Vec<String> = all.iter().filter(|c| *c != "id").cloned().collect();
        assert_eq!(
            add_missing_columns(&at("Patient"), &RAW, &no_id),
            Err(vec!["id".to_owned()])
        );
    }

    #[test]
    fn ddl_of_the_raw_and_provenance_tables() {
        let raw = create_table(&at("Observation"), &RAW);
        assert!(raw.starts_with(
            "CREATE TABLE IF NOT EXISTS `p.d.Observation`\n(\n  id STRING NOT NULL,\n"
        ));
        assert!(raw.ends_with(
            "  resource JSON,\n  export_time TIMESTAMP\n)\nPARTITION BY DATE_TRUNC(partition_date, MONTH)\nCLUSTER BY patient_id, code"
        ));
        let provenance = create_table(&at("graph_provenance"), &GRAPH_PROVENANCE);
        assert!(provenance.contains("  source_load_job_ids ARRAY<STRING>,\n"));
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(literal("a'b\\c"), r"'a\'b\\c'");
    }
}
