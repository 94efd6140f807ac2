//! Following the chain while it runs, for the demo's live lines: what each stage has done so far,
//! read from where the chain writes it (PHI bucket, de-ID bucket, the lineage table, graph
//! provenance). A stage that does not finish in time fails with what it had done, and only then
//! the chain's diagnosis (router counters, the tail of each function's log) is printed.

use std::time::{Duration, Instant};

use anyhow::bail;

use super::progress::{Line, Progress};
use super::table::thousands;
use crate::chain::{Chain, DEID_BUCKET, GOVERNANCE_DATASET, PHI_BUCKET};

/// How long the chain may take from the landed export to the last load (15 files took 877 s at
/// load average 20+ on 2 cores).
pub const CHAIN_TIMEOUT: Duration = Duration::from_secs(1800);
/// How long the graph snapshot may take after the last load.
pub const GRAPH_TIMEOUT: Duration = Duration::from_secs(600);
/// How often the lines are refreshed.
const TICK: Duration = Duration::from_secs(2);

/// Fails `line` with `why`, prints the chain's diagnosis, and returns the error (the failed line
/// names the stage).
fn failed(chain: &Chain, line: Line, stage: &str, why: &str) -> anyhow::Error {
    line.fail(why);
    chain.diagnose(&format!("{stage}: {why}"));
    anyhow::anyhow!("{why}")
}

/// Waits (up to 5 minutes) for an object of the PHI bucket and returns its bytes.
///
/// # Errors
/// When it does not appear in time.
pub async fn phi_object(
    chain: &Chain,
    name: &str,
    line: &Line,
    what: &str,
) -> anyhow::Result<Vec<u8>> {
    let started = Instant::now();
    loop {
        if let Ok(bytes) = chain.read(PHI_BUCKET, name).await {
            return Ok(bytes);
        }
        line.set(what);
        if started.elapsed() > Duration::from_secs(300) {
            bail!("{name} did not appear in the PHI bucket within 5 minutes");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Follows `files` PHI objects of `export_id` through `deidentify` and `bq-load` with one line
/// each, until every file has its `bq-load` lineage row.
///
/// # Errors
/// The stage that did not finish within [`CHAIN_TIMEOUT`], with what it had done.
pub async fn chain(
    chain: &Chain,
    progress: &Progress,
    export_id: &str,
    files: usize,
) -> anyhow::Result<()> {
    let deid = progress.stage("deidentify: PHI bucket -> de-ID bucket");
    let load = progress.stage("bq-load: de-ID bucket -> BigQuery");
    let prefix = format!("exports/{export_id}/");
    let mut deid = Some(deid);
    let started = Instant::now();
    let (mut loaded, mut rows) = (0, std::collections::BTreeMap::new());
    loop {
        let written = chain
            .list_exports(DEID_BUCKET)
            .await
            .map(|o| o.iter().filter(|o| o.name.starts_with(&prefix)).count())
            .unwrap_or(0);
        if let Some(line) = &deid {
            line.set(&format!("{written}/{files} files de-identified"));
        }
        if written >= files
            && let Some(line) = deid.take()
        {
            line.done(&format!("{written}/{files} files de-identified"));
        }
        if let Some(tables) = loaded_tables(chain, export_id).await {
            loaded = tables.len();
            // A table's rows when another file was loaded into it (metadata, not a query job:
            // BigQuery is busy enough).
            for table in &tables {
                let files_in = tables.iter().filter(|t| *t == table).count();
                if rows.get(table).is_none_or(|(f, _)| *f != files_in)
                    && let Ok(n) = chain.table_rows(table).await
                {
                    rows.insert(table.clone(), (files_in, n));
                }
            }
        }
        let total: u64 = rows.values().map(|(_, n)| n).sum();
        let in_flight = chain.router_stats().in_flight;
        load.set(&format!(
            "{loaded}/{files} files, {} rows, {in_flight} in flight",
            thousands(total)
        ));
        // Done when every file is loaded; the snapshots still in flight are the graph stage's.
        if loaded >= files {
            load.done(&format!(
                "{loaded}/{files} files loaded, {} rows",
                thousands(total)
            ));
            return Ok(());
        }
        if started.elapsed() > CHAIN_TIMEOUT {
            if let Some(line) = deid.take()
                && written < files
            {
                let why =
                    format!("{written} of {files} files de-identified after {CHAIN_TIMEOUT:?}");
                drop(load);
                return Err(failed(chain, line, "deidentify", &why));
            }
            let why = format!("{loaded} of {files} files loaded after {CHAIN_TIMEOUT:?}");
            return Err(failed(chain, load, "bq-load", &why));
        }
        tokio::time::sleep(TICK).await;
    }
}

/// The tables of the export's files that have a `bq-load` lineage row (one per file), or `None`
/// when BigQuery did not answer.
async fn loaded_tables(chain: &Chain, export_id: &str) -> Option<Vec<String>> {
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let rows = chain
        .query(&format!(
            "SELECT destination_table FROM {lineage} WHERE stage = 'bq-load' AND export_job_id = '{export_id}'"
        ))
        .await
        .ok()?;
    Some(
        rows.iter()
            .filter_map(|r| Some(r.first()?.as_str()?.to_owned()))
            .collect(),
    )
}

/// Waits for the graph snapshot: a version loaded into TigerGraph, the router idle.
///
/// # Errors
/// No snapshot within [`GRAPH_TIMEOUT`].
pub async fn graph(chain: &Chain, line: Line) -> anyhow::Result<Line> {
    let provenance = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let sql = format!("SELECT COUNT(*) FROM {provenance} WHERE tigergraph_job_id IS NOT NULL");
    let started = Instant::now();
    loop {
        let elements = chain.count(&sql).await.unwrap_or(0);
        if elements == 0 {
            line.set("waiting for the quiet period after the last load");
        } else {
            line.set(&format!(
                "{elements} node/edge types loaded into TigerGraph"
            ));
            if chain.wait_idle(TICK).await {
                return Ok(line);
            }
        }
        if started.elapsed() > GRAPH_TIMEOUT {
            let why = format!("no graph snapshot loaded into TigerGraph within {GRAPH_TIMEOUT:?}");
            return Err(failed(chain, line, "graph-snapshot", &why));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
