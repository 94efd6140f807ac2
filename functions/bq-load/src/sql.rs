//! The SQL this function runs, generated from fixed templates.
//!
//! Data never enters SQL: rows travel through load jobs. The only values written into SQL text
//! are table ids (validated at configuration: `[A-Za-z0-9_-.]`, resource types `[A-Za-z]`) and
//! the lineage row's values, which `starvit-lineage` restricts to tokens of
//! `[A-Za-z0-9._-/:=]` (no quote, no backslash) and which [`literal`] escapes anyway.
//!
//! Every statement runs on both BigQuery and local-bigquery (DuckDB): no partition decorators,
//! no `_PARTITIONTIME`, no scripting; `IS NOT DISTINCT FROM` and `QUALIFY` exist in both.

use starvit_gcp::bigquery::spec::TableRef;
use starvit_lineage::Lineage;
use starvit_lineage::row::TABLE_SCHEMA;
use starvit_warehouse::sql::{create_table, names};
pub use starvit_warehouse::sql::{literal, table};
use starvit_warehouse::tables::{LINEAGE, POLICY_VERSIONS, RAW};

/// The raw table of one resource type (`starvit_warehouse::tables::RAW`).
pub fn create_raw_table(raw: &TableRef) -> String {
    create_table(raw, &RAW)
}

/// Insert the staging rows that the raw table does not hold yet (same `id` and `version_id`).
/// Duplicates inside the staging table (an inclusive `_since` export can repeat a version)
/// are collapsed first. Replaying an object, or a whole export, inserts nothing.
///
/// The ON clause cannot also match `partition_date` to prune partitions: a row without a
/// clinical time is partitioned on its ingestion date, which differs between replays.
pub fn merge_raw(raw: &TableRef, staging: &TableRef) -> String {
    let cols = names(&RAW, "");
    let source_cols = names(&RAW, "S.");
    format!(
        "MERGE {raw} AS T\n\
         USING (\n  SELECT {cols}\n  FROM {staging}\n  WHERE TRUE\n  \
         QUALIFY ROW_NUMBER() OVER (PARTITION BY id, version_id ORDER BY ingested_at) = 1\n) AS S\n\
         ON T.id = S.id AND T.version_id IS NOT DISTINCT FROM S.version_id\n\
         WHEN NOT MATCHED THEN\n  INSERT ({cols})\n  VALUES ({source_cols})",
        raw = table(raw),
        staging = table(staging),
    )
}

/// Insert the lineage rows of an object (one per stage: the upstream `deidentify` record read
/// from the object metadata, and this stage's) unless they exist, keyed on
/// `(stage, source_object, source_generation, deid_run_id)` (the run id tells two policies'
/// outputs of the same source apart).
pub fn merge_lineage(lineage_table: &TableRef, records: &[&Lineage]) -> String {
    let selects = records
        .iter()
        .map(|lineage| {
            let row = lineage.to_row();
            let columns = TABLE_SCHEMA
                .iter()
                .map(|f| {
                    let value = match row.get(f.name).and_then(|v| v.as_str()) {
                        Some(v) if f.field_type == "INT64" => {
                            format!("CAST({} AS INT64)", literal(v))
                        }
                        Some(v) => literal(v),
                        None => format!("CAST(NULL AS {})", f.field_type),
                    };
                    format!("{value} AS {}", f.name)
                })
                .chain(["CURRENT_TIMESTAMP() AS recorded_at".to_owned()])
                .collect::<Vec<_>>()
                .join(",\n    ");
            format!("  SELECT\n    {columns}")
        })
        .collect::<Vec<_>>()
        .join("\n  UNION ALL\n");
    format!(
        "MERGE {t} AS T\n\
         USING (\n{selects}\n) AS S\n\
         ON T.stage = S.stage AND T.source_object = S.source_object \
         AND T.source_generation = S.source_generation AND T.deid_run_id = S.deid_run_id\n\
         WHEN NOT MATCHED THEN\n  INSERT ({cols})\n  VALUES ({source_cols})",
        t = table(lineage_table),
        cols = names(&LINEAGE, ""),
        source_cols = names(&LINEAGE, "S."),
    )
}

/// Insert a policy version from its staging table unless it is recorded already.
pub fn merge_policy(policies: &TableRef, staging: &TableRef) -> String {
    format!(
        "MERGE {t} AS T\n\
         USING (SELECT {cols} FROM {staging}) AS S\n\
         ON T.policy_version = S.policy_version\n\
         WHEN NOT MATCHED THEN\n  INSERT ({cols})\n  VALUES ({source_cols})",
        t = table(policies),
        staging = table(staging),
        cols = names(&POLICY_VERSIONS, ""),
        source_cols = names(&POLICY_VERSIONS, "S."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped() {
        assert_eq!(literal("a'b\\c"), r"'a\'b\\c'");
        assert_eq!(
            literal("exports/j-1/Patient.ndjson"),
            "'exports/j-1/Patient.ndjson'"
        );
    }
}
