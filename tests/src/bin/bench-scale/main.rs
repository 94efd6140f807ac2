//! `make bench` (scale part, issue 12): a synthesized export of `BENCH_SCALE_MB` MB (default
//! `500 2000`, one run per size) through the local chain, from `bulk-export` on: a static Bulk
//! Data server in this process serves the synthesized files as an `$export` (kick-off, status,
//! manifest, files; loading gigabytes into a FHIR server would measure the server), `bulk-export`
//! cuts them into parts of `BENCH_SCALE_PART_BYTES` (default 256 MiB), `deidentify` and `bq-load`
//! take one delivery per part. Two growth series (`BENCH_SCALE_GROWTH`, default `people history`):
//! `people` grows the export by adding patients (`starvit synth --target-mb`), so deidentify's
//! people index grows with it; `history` keeps the population of the smallest people export and
//! grows each patient's history (`--patients P --target-mb`): the object grows, the people do
//! not. At the smallest size both are the same export, run once. Per size: time per stage (from the objects' creation times and the
//! lineage rows), part count, peak RSS of each function process (`VmHWM`), and the bytes each
//! MERGE reads of the raw table (local-bigquery answers dry runs with 0 bytes, so this is
//! BigQuery's billing arithmetic over the rows, computed by a query: 2 + length per STRING, 8 per
//! DATE): the statement as built, pruned to its object's partitions, against the unpruned MERGE
//! it replaced (the whole table) and an hourly incremental's (the last 13 months: the shift
//! spreads fresh events over a year). Per series, each function's peak RSS from the smallest to
//! the largest size with a verdict, flat or grows (`report::FLAT_RULE`). Writes
//! `target/bench/scale.json`. The local Eventarc delivers at most `BENCH_SCALE_IN_FLIGHT`
//! (default 2) events per route at once: deidentify's Cloud Run concurrency
//! (`infra/locals.tf`), so each function process holds what one instance would (the local
//! default, 16, puts every part in one process at once).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::{Value, json};
use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, GOVERNANCE_DATASET, PHI_BUCKET,
};
use starvit_e2e::stack::Stack;

use crate::export::{Export, Growth, export_dir};

mod bulk_server;
mod export;
mod logs;
mod report;
mod scan;

/// The export id the static server's status URL names.
const EXPORT_ID: &str = "bench-scale";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let env = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_owned());
    let mut sizes: Vec<u64> = env("BENCH_SCALE_MB", "500 2000")
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .context("BENCH_SCALE_MB: sizes in MB")?;
    sizes.sort_unstable();
    let part_bytes: u64 = env("BENCH_SCALE_PART_BYTES", "268435456")
        .parse()
        .context("BENCH_SCALE_PART_BYTES")?;
    let in_flight: usize = env("BENCH_SCALE_IN_FLIGHT", "2")
        .parse()
        .context("BENCH_SCALE_IN_FLIGHT")?;
    let setup = Setup {
        part_bytes,
        in_flight,
    };
    let out = starvit_e2e::repo_root().join("target/bench/scale");
    let smallest = *sizes.first().context("BENCH_SCALE_MB is empty")?;
    // The history series keeps the people of the people-grown export at the smallest size.
    let population = export_dir(&out, smallest, Growth::People)?.patients;
    let growths: Vec<Growth> = env("BENCH_SCALE_GROWTH", "people history")
        .split_whitespace()
        .map(|g| match g {
            "people" => Ok(Growth::People),
            "history" => Ok(Growth::History(population)),
            _ => anyhow::bail!("BENCH_SCALE_GROWTH: people and/or history, not {g}"),
        })
        .collect::<Result<_, _>>()?;
    let mut runs: Vec<Value> = Vec::new();
    for &growth in &growths {
        for &mb in &sizes {
            let run = run_size(&out, &runs, mb, mb == smallest, growth, setup).await?;
            runs.push(run);
        }
    }
    let series: Vec<Value> = growths
        .iter()
        .filter_map(|g| report::series(&runs, g.name()))
        .collect();
    let report = json!({
        "part_bytes": part_bytes,
        "in_flight": in_flight,
        "flat_rule": report::FLAT_RULE,
        "runs": runs,
        "series": series,
    });
    std::fs::write(
        out.join("../scale.json"),
        serde_json::to_vec_pretty(&report)?,
    )?;
    Ok(())
}

/// How the chain of every run is set up.
#[derive(Debug, Clone, Copy)]
struct Setup {
    /// `STARVIT_EXPORT_PART_BYTES` of bulk-export.
    part_bytes: u64,
    /// Deliveries in flight per route.
    in_flight: usize,
}

/// The run of `growth` at `mb` MB, printed. At the smallest size both series have the same
/// export (see [`export_dir`]), so a history run there reuses the people run when there is one.
async fn run_size(
    out: &Path,
    done: &[Value],
    mb: u64,
    smallest: bool,
    growth: Growth,
    setup: Setup,
) -> anyhow::Result<Value> {
    let same = done
        .iter()
        .find(|r| r["growth"] == "people" && r["target_mb"] == mb)
        .filter(|_| growth != Growth::People && smallest);
    if let Some(run) = same {
        let mut run = run.clone();
        run["growth"] = json!(growth.name());
        run["same_run_as"] = json!("people");
        println!(
            "scale: {mb} MB grown by {} = the people run above (the same export)",
            growth.name()
        );
        return Ok(run);
    }
    let export = export_dir(out, mb, if smallest { Growth::People } else { growth })?;
    let run = run_one(&export, mb, growth, setup).await?;
    report::print_run(&run);
    Ok(run)
}

async fn run_one(export: &Export, mb: u64, growth: Growth, setup: Setup) -> anyhow::Result<Value> {
    let bytes = export.bytes;
    eprintln!(
        "scale: {:.0} MB export, {} patients ({})",
        bytes as f64 / 1e6,
        export.patients,
        growth.name()
    );
    let server = bulk_server::serve(export.dir.clone(), EXPORT_ID).await?;
    let mut stack = Stack::start(&format!("bench-scale-{}-{mb}", growth.name()))?;
    for (k, v) in [
        ("FHIR_BASE_URL", server.base.as_str()),
        ("FHIR_TOKEN_URL", ""),
        ("FHIR_CLIENT_ID", ""),
        ("FHIR_CLIENT_SECRET", ""),
    ] {
        stack.env.insert(k.to_owned(), v.to_owned());
    }
    let options = ChainOptions {
        bulk_export: true,
        bulk_export_env: vec![(
            "STARVIT_EXPORT_PART_BYTES".to_owned(),
            setup.part_bytes.to_string(),
        )],
        max_in_flight: Some(setup.in_flight),
        ..ChainOptions::default()
    };
    let chain = Chain::start(stack, &Binaries::beside_current_exe()?, &options).await?;
    let started = chrono::Utc::now();
    let t0 = Instant::now();
    chain.trigger_export(b"{}").await?;
    let parts = wait_chain(&chain, t0).await?;
    let times = stage_ends(&chain, started).await?;
    let rss = peak_rss(&chain);
    let mut handlers = json!({
        "deidentify": logs::handlers(chain.deidentify.log_path()),
        "bq_load": logs::handlers(chain.bq_load.log_path()),
    });
    if let Some(p) = &chain.bulk_export {
        handlers["bulk_export"] = logs::handlers(p.log_path());
    }
    let people = logs::people_index(chain.deidentify.log_path());
    let scans = scan::merges(&chain).await?;
    Ok(json!({
        "growth": growth.name(),
        "target_mb": mb,
        "patients": export.patients,
        "export_mb": bytes as f64 / 1e6,
        "parts": parts,
        "stage_end_seconds": times,
        "peak_rss_mib": rss,
        "handlers": handlers,
        "people_index": people,
        "merge_scan": scans,
    }))
}

/// Waits until every de-ID object of the export has its `bq-load` lineage row and the router
/// is idle; returns the part count.
async fn wait_chain(chain: &Chain, t0: Instant) -> anyhow::Result<usize> {
    let manifest = format!("exports/{EXPORT_ID}/_manifest.json");
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let loaded_sql = format!(
        "SELECT COUNT(*) FROM {lineage} WHERE stage = 'bq-load' AND export_job_id = '{EXPORT_ID}'"
    );
    let mut parts = None;
    loop {
        anyhow::ensure!(
            t0.elapsed() < Duration::from_secs(3 * 3600),
            "the chain did not finish in 3 hours"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        if parts.is_none()
            && let Ok(body) = chain.read(PHI_BUCKET, &manifest).await
        {
            let m: Value = serde_json::from_slice(&body)?;
            parts = m["files"].as_array().map(Vec::len);
        }
        let Some(parts) = parts else { continue };
        let deid = deid_objects(chain).await?.len();
        let loaded = chain.count(&loaded_sql).await.unwrap_or(0);
        if deid > 0 && loaded as usize >= deid && chain.wait_idle(Duration::from_secs(30)).await {
            let again = deid_objects(chain).await?.len();
            if again == deid {
                return Ok(parts);
            }
        }
    }
}

async fn deid_objects(chain: &Chain) -> anyhow::Result<Vec<starvit_e2e::chain::ObjectMeta>> {
    let prefix = format!("exports/{EXPORT_ID}/");
    let mut objects = chain.list(DEID_BUCKET).await?;
    objects.retain(|o| o.name.starts_with(&prefix) && o.name.ends_with(".ndjson"));
    Ok(objects)
}

/// Seconds from the trigger to the last part in the PHI bucket, the last de-ID object and the
/// last `bq-load` lineage row (stages overlap: a part moves on as soon as it lands).
async fn stage_ends(
    chain: &Chain,
    started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Value> {
    let secs = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| (t.with_timezone(&chrono::Utc) - started).num_milliseconds() as f64 / 1e3)
            .unwrap_or(f64::NAN)
    };
    let last = |objects: &[starvit_e2e::chain::ObjectMeta]| {
        objects
            .iter()
            .map(|o| secs(&o.time_created))
            .fold(0.0_f64, f64::max)
    };
    let mut phi = chain.list(PHI_BUCKET).await?;
    phi.retain(|o| {
        o.name.starts_with(&format!("exports/{EXPORT_ID}/")) && o.name.ends_with(".ndjson")
    });
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let rows = chain
        .query(&format!(
            "SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E6SZ', MAX(recorded_at)) FROM {lineage} \
             WHERE stage = 'bq-load' AND export_job_id = '{EXPORT_ID}'"
        ))
        .await?;
    let loaded = rows
        .first()
        .and_then(|r| r.first())
        .and_then(Value::as_str)
        .map_or(f64::NAN, secs);
    Ok(json!({
        "bulk_export": last(&phi),
        "deidentify": last(&deid_objects(chain).await?),
        "bq_load": loaded,
    }))
}

/// Peak resident memory of each function process, MiB (`VmHWM`; Linux only, else null).
fn peak_rss(chain: &Chain) -> Value {
    let hwm = |pid: Option<u32>| {
        let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    };
    json!({
        "bulk_export": hwm(chain.bulk_export.as_ref().and_then(|p| p.pid())),
        "deidentify": hwm(chain.deidentify.pid()),
        "bq_load": hwm(chain.bq_load.pid()),
    })
}
