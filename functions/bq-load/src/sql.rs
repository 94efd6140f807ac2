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
use starvit_warehouse::sql::{add_missing_columns, create_table, names};
pub use starvit_warehouse::sql::{literal, table};
use starvit_warehouse::tables::{LINEAGE, POLICY_VERSIONS, RAW};

use crate::staging::Partitions;

/// The raw table of one resource type (`starvit_warehouse::tables::RAW`).
pub fn create_raw_table(raw: &TableRef) -> String {
    create_table(raw, &RAW)
}

/// `ALTER TABLE` adding what a raw table created from an older [`RAW`] lacks (`None`: nothing).
///
/// # Errors
/// The missing REQUIRED columns (not a table this function created).
pub fn add_missing_raw_columns(
    raw: &TableRef,
    existing: &[String],
) -> Result<Option<String>, Vec<String>> {
    add_missing_columns(raw, &RAW, existing)
}

/// Insert the staging rows that the raw table does not hold yet (same `id` and `version_id`).
/// Duplicates inside the staging table (an inclusive `_since` export can repeat a version)
/// are collapsed first. Replaying an object, or a whole export, inserts nothing.
///
/// O(object), not O(table): a version's `partition_date` is a function of the version alone
/// (its shifted clinical date, or null), so a version already loaded sits in the same partition
/// as its staging row; the ON clause matches on it and carries the object's partitions as
/// constant ranges ([`prune`]), which is what lets BigQuery prune the target of a MERGE. The
/// statement reads `id`, `version_id` and `partition_date` of those partitions only.
pub fn merge_raw(raw: &TableRef, staging: &TableRef, partitions: &Partitions) -> String {
    let cols = names(&RAW, "");
    let source_cols = names(&RAW, "S.");
    format!(
        "MERGE {raw} AS T\n\
         USING (\n  SELECT {cols}\n  FROM {staging}\n  WHERE TRUE\n  \
         QUALIFY ROW_NUMBER() OVER (PARTITION BY id, version_id ORDER BY ingested_at) = 1\n) AS S\n\
         ON T.id = S.id AND T.version_id IS NOT DISTINCT FROM S.version_id\n  \
         AND T.partition_date IS NOT DISTINCT FROM S.partition_date\n  \
         AND ({prune})\n\
         WHEN NOT MATCHED THEN\n  INSERT ({cols})\n  VALUES ({source_cols})",
        raw = table(raw),
        staging = table(staging),
        prune = prune("T.partition_date", partitions),
    )
}

/// A constant filter on `column` that holds for exactly the given partitions: one
/// `column >= DATE 'first' AND column < DATE 'after'` per run of consecutive months, and
/// `column IS NULL` for the null partition; `FALSE` for none.
pub fn prune(column: &str, partitions: &Partitions) -> String {
    let mut runs: Vec<(Month, Month)> = Vec::new();
    for month in partitions.months.iter().filter_map(|m| Month::parse(m)) {
        match runs.last_mut() {
            Some((_, end)) if *end == month => *end = month.next(),
            _ => runs.push((month, month.next())),
        }
    }
    let mut terms: Vec<String> = runs
        .iter()
        .map(|(first, after)| {
            format!(
                "{column} >= DATE '{}' AND {column} < DATE '{}'",
                first.day_one(),
                after.day_one()
            )
        })
        .collect();
    if partitions.null {
        terms.push(format!("{column} IS NULL"));
    }
    if terms.is_empty() {
        return "FALSE".to_owned();
    }
    terms
        .iter()
        .map(|t| format!("({t})"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Month(u32, u32);

impl Month {
    fn parse(m: &str) -> Option<Self> {
        let (y, mo) = m.split_once('-')?;
        let (y, mo) = (y.parse().ok()?, mo.parse().ok()?);
        ((1..=9999).contains(&y) && (1..=12).contains(&mo)).then_some(Self(y, mo))
    }

    fn next(self) -> Self {
        if self.1 == 12 {
            Self(self.0 + 1, 1)
        } else {
            Self(self.0, self.1 + 1)
        }
    }

    fn day_one(self) -> String {
        format!("{:04}-{:02}-01", self.0, self.1)
    }
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
    fn prune_covers_exactly_the_objects_partitions() {
        let mut p = Partitions::default();
        assert_eq!(prune("c", &p), "FALSE");
        for d in [
            "2020-01-05",
            "2020-02-28",
            "2020-12-01",
            "2021-01-31",
            "2023-07-04",
        ] {
            p.add(Some(d));
        }
        p.add(Some("2020-01-06"));
        assert_eq!(
            prune("c", &p),
            "(c >= DATE '2020-01-01' AND c < DATE '2020-03-01') OR \
             (c >= DATE '2020-12-01' AND c < DATE '2021-02-01') OR \
             (c >= DATE '2023-07-01' AND c < DATE '2023-08-01')"
        );
        p.add(None);
        assert!(prune("c", &p).ends_with(" OR (c IS NULL)"));
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(literal("a'b\\c"), r"'a\'b\\c'");
        assert_eq!(
            literal("exports/j-1/Patient.ndjson"),
            "'exports/j-1/Patient.ndjson'"
        );
    }
}
