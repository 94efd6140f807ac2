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
