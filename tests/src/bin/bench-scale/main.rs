//! `make bench` (scale part, issue 12): a synthesized export of `BENCH_SCALE_MB` MB (default
//! `500 2000`, one run per size) through the local chain, from `bulk-export` on: a static Bulk
//! Data server in this process serves the synthesized files as an `$export` (kick-off, status,
//! manifest, files; loading gigabytes into a FHIR server would measure the server), `bulk-export`
//! cuts them into parts of `BENCH_SCALE_PART_BYTES` (default 256 MiB), `deidentify` and `bq-load`
//! take one delivery per part. Per size: time per stage (from the objects' creation times and the
//! lineage rows), part count, peak RSS of each function process (`VmHWM`), and the bytes each
//! MERGE reads of the raw table (local-bigquery answers dry runs with 0 bytes, so this is
//! BigQuery's billing arithmetic over the rows, computed by a query: 2 + length per STRING, 8 per
//! DATE): the statement as built, pruned to its object's partitions, against the unpruned MERGE
//! it replaced (the whole table) and an hourly incremental's (the last 13 months: the shift
//! spreads fresh events over a year). Writes `target/bench/scale.json`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::{Value, json};
use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, GOVERNANCE_DATASET, PHI_BUCKET, RAW_DATASET,
};
use starvit_e2e::stack::Stack;

mod bulk_server;
mod logs;
mod scan;

/// The export id the static server's status URL names.
const EXPORT_ID: &str = "bench-scale";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let sizes: Vec<u64> = std::env::var("BENCH_SCALE_MB")
        .unwrap_or_else(|_| "500 2000".to_owned())
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .context("BENCH_SCALE_MB: sizes in MB")?;
    let part_bytes: u64 = std::env::var("BENCH_SCALE_PART_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256 << 20);
    let out = starvit_e2e::repo_root().join("target/bench/scale");
    let mut runs = Vec::new();
    for mb in sizes {
        let run = run_one(&out, mb, part_bytes).await?;
        print_run(&run);
        runs.push(run);
    }
    print_growth(&runs);
    let report = json!({"part_bytes": part_bytes, "runs": runs});
    std::fs::write(
        out.join("../scale.json"),
        serde_json::to_vec_pretty(&report)?,
    )?;
    Ok(())
}

/// The synthesized export of `mb` MB, generated once per size and reused.
fn export_dir(out: &Path, mb: u64) -> anyhow::Result<(PathBuf, u64)> {
    let dir = out.join(format!("export-{mb}"));
    let stamp = dir.join(".bench-params");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some("seed=12") {
        let _ = std::fs::remove_dir_all(&dir);
        let mut synth = starvit_synth::SynthConfig::new(1, 12);
        synth.target_bytes = Some(mb * 1_000_000);
        synth.threads = 2;
        starvit_synth::generate(&synth, &dir)?;
        std::fs::write(&stamp, "seed=12")?;
    }
    let bytes = starvit_deid::scan::ndjson_files(&dir)?
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .sum::<Result<u64, _>>()?;
    Ok((dir, bytes))
}

async fn run_one(out: &Path, mb: u64, part_bytes: u64) -> anyhow::Result<Value> {
    let (export, bytes) = export_dir(out, mb)?;
    eprintln!("scale: {:.0} MB export", bytes as f64 / 1e6);
    let server = bulk_server::serve(export.clone(), EXPORT_ID).await?;
    let mut stack = Stack::start(&format!("bench-scale-{mb}"))?;
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
            part_bytes.to_string(),
        )],
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

fn print_run(run: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let t = &run["stage_end_seconds"];
    let r = &run["peak_rss_mib"];
    let s = &run["merge_scan"];
    println!(
        "scale: {:.0} MB export, {} parts",
        f(&run["export_mb"]),
        run["parts"]
    );
    println!(
        "  stage ends (s from trigger): bulk-export {:.1}, deidentify {:.1}, bq-load {:.1}",
        f(&t["bulk_export"]),
        f(&t["deidentify"]),
        f(&t["bq_load"])
    );
    println!(
        "  peak RSS (MiB): bulk-export {:.0}, deidentify {:.0}, bq-load {:.0}",
        f(&r["bulk_export"]),
        f(&r["deidentify"]),
        f(&r["bq_load"])
    );
    let h = &run["handlers"];
    println!(
        "  handler seconds (sum / longest delivery): bulk-export {:.1} / {:.1}, deidentify \
         {:.1} / {:.1}, bq-load {:.1} / {:.1}",
        f(&h["bulk_export"]["handler_seconds"]),
        f(&h["bulk_export"]["longest_event_seconds"]),
        f(&h["deidentify"]["handler_seconds"]),
        f(&h["deidentify"]["longest_event_seconds"]),
        f(&h["bq_load"]["handler_seconds"]),
        f(&h["bq_load"]["longest_event_seconds"]),
    );
    let p = &run["people_index"];
    println!(
        "  deidentify people index: {} people, {} values, {:.1} MiB ({:.0} bytes/person, \
         built in {} ms); deidentify peak RSS minus the index {:.0} MiB",
        p["people"],
        p["values"],
        f(&p["index_bytes"]) / 1048576.0,
        f(&p["bytes_per_person"]),
        p["build_ms"],
        f(&r["deidentify"]) - f(&p["index_bytes"]) / 1048576.0,
    );
    println!(
        "  raw tables {:.1} MB ({} rows); MERGE reads per object: as built max {:.2} MB, \
         median {:.2} MB; unpruned (before) {:.2} MB; hourly incremental {:.2} MB",
        f(&s["raw_table_bytes"]) / 1e6,
        s["raw_rows"],
        f(&s["pruned_max_bytes"]) / 1e6,
        f(&s["pruned_median_bytes"]) / 1e6,
        f(&s["unpruned_max_bytes"]) / 1e6,
        f(&s["incremental_bytes"]) / 1e6,
    );
}

/// Ratios of the last run to the first: time and memory against size.
fn print_growth(runs: &[Value]) {
    let (Some(a), Some(b)) = (runs.first(), runs.last()) else {
        return;
    };
    if runs.len() < 2 {
        return;
    }
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    println!(
        "scale growth {:.0} -> {:.0} MB (x{:.1}):",
        f(&a["export_mb"]),
        f(&b["export_mb"]),
        f(&b["export_mb"]) / f(&a["export_mb"])
    );
    for stage in ["bulk_export", "deidentify", "bq_load"] {
        println!(
            "  {stage:<12} time x{:.2}, peak RSS x{:.2}",
            f(&b["stage_end_seconds"][stage]) / f(&a["stage_end_seconds"][stage]),
            f(&b["peak_rss_mib"][stage]) / f(&a["peak_rss_mib"][stage]),
        );
    }
    let rest = |r: &Value| {
        f(&r["peak_rss_mib"]["deidentify"]) - f(&r["people_index"]["index_bytes"]) / 1048576.0
    };
    println!(
        "  deidentify peak RSS minus its people index x{:.2}; people x{:.2}, index bytes x{:.2}",
        rest(b) / rest(a),
        f(&b["people_index"]["people"]) / f(&a["people_index"]["people"]),
        f(&b["people_index"]["index_bytes"]) / f(&a["people_index"]["index_bytes"]),
    );
    let _ = RAW_DATASET;
}
