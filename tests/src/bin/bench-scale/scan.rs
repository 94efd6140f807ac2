//! What each raw-table MERGE of the run reads of its target, in BigQuery's billing arithmetic
//! (STRING = 2 bytes + UTF-8 length, DATE = 8 bytes; NULL = 0), computed by a query over the
//! raw tables once the run is loaded (the tables at their largest: an upper bound for each
//! statement). local-bigquery answers dry runs with 0 bytes, so no dry run is used.

use serde_json::{Value, json};
use starvit_e2e::chain::Chain;

/// Bytes of the MERGE's ON columns per row: `id`, `version_id`, `partition_date`.
const PRUNED_ROW: &str = "2 + BYTE_LENGTH(id) + IF(version_id IS NULL, 0, 2 + BYTE_LENGTH(version_id)) \
                          + IF(partition_date IS NULL, 0, 8)";
/// The MERGE before issue 12 read `id` and `version_id` of every partition.
const UNPRUNED_ROW: &str =
    "2 + BYTE_LENGTH(id) + IF(version_id IS NULL, 0, 2 + BYTE_LENGTH(version_id))";

/// One MERGE job of the run: its raw table and the constant partition filter it carries.
fn merge_of(job: &Value) -> Option<(String, String)> {
    let sql = job["configuration"]["query"]["query"].as_str()?;
    let rest = sql.strip_prefix("MERGE ")?;
    let table = rest.split_whitespace().next()?.to_owned();
    if !table.contains(".deid_raw.") {
        return None;
    }
    let start = sql.find("\n  AND (")? + "\n  AND (".len();
    let end = sql.find(")\nWHEN NOT MATCHED")?;
    Some((table, sql.get(start..end)?.to_owned()))
}

async fn bytes(chain: &Chain, row: &str, table: &str, filter: &str) -> anyhow::Result<f64> {
    let n = chain
        .count(&format!(
            "SELECT CAST(COALESCE(SUM({row}), 0) AS INT64) FROM {table} AS T WHERE {filter}"
        ))
        .await?;
    Ok(n as f64)
}

/// Per run: raw table size, and per MERGE the bytes it reads as built (pruned), the unpruned
/// statement's, and an hourly incremental's (the last 13 months and the null partition).
pub async fn merges(chain: &Chain) -> anyhow::Result<Value> {
    let merges: Vec<(String, String)> = chain.jobs().await?.iter().filter_map(merge_of).collect();
    let mut tables: Vec<String> = merges.iter().map(|(t, _)| t.clone()).collect();
    tables.sort();
    tables.dedup();
    let mut pruned = Vec::new();
    for (table, filter) in &merges {
        pruned.push(bytes(chain, PRUNED_ROW, table, filter).await?);
    }
    pruned.sort_by(f64::total_cmp);
    let (mut unpruned_max, mut raw_rows, mut raw_bytes, mut incremental) = (0.0, 0, 0.0, 0.0_f64);
    for table in &tables {
        unpruned_max = f64::max(
            unpruned_max,
            bytes(chain, UNPRUNED_ROW, table, "TRUE").await?,
        );
        raw_rows += chain
            .count(&format!("SELECT COUNT(*) FROM {table}"))
            .await?;
        raw_bytes += chain
            .count(&format!(
                "SELECT CAST(COALESCE(SUM(BYTE_LENGTH(TO_JSON_STRING(resource))), 0) AS INT64) FROM {table}"
            ))
            .await? as f64;
        let recent = format!(
            "T.partition_date >= DATE_SUB((SELECT MAX(partition_date) FROM {table}), INTERVAL 13 MONTH) \
             OR T.partition_date IS NULL"
        );
        incremental = incremental.max(bytes(chain, PRUNED_ROW, table, &recent).await?);
    }
    Ok(json!({
        "merges": merges.len(),
        "raw_rows": raw_rows,
        "raw_table_bytes": raw_bytes,
        "pruned_max_bytes": pruned.last().copied().unwrap_or(0.0),
        "pruned_median_bytes": pruned.get(pruned.len() / 2).copied().unwrap_or(0.0),
        "unpruned_max_bytes": unpruned_max,
        "incremental_bytes": incremental,
    }))
}
