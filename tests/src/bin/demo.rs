//! `make demo`: the main job, end to end on local emulators, with a summary a person can read.
//!
//! Installs and starts the local cloud (with a FHIR server), starts the functions and the local
//! Eventarc, synthesizes patients and loads them into the FHIR server, triggers `bulk-export` as
//! Cloud Scheduler would (Pattern A: `$export` -> PHI bucket), lets the chain run, checks the
//! de-ID bucket for leaks, prints a summary (also `target/demo/summary.json`) and stops everything
//! it started.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::json;
use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, GOVERNANCE_DATASET, QUARANTINE_BUCKET, RAW_DATASET,
};
use starvit_e2e::demo::{Report, Stage};
use starvit_e2e::stack::Stack;

const PATIENTS: u64 = 100;
const SEED: u64 = 42;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let out = starvit_e2e::repo_root().join("target/demo");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let mut report = Report::default();

    let stage = Stage::start("start the local cloud (install on first use)");
    let stack = Stack::start_with("demo", &[("LOCALCLOUD_FHIR", "1")])
        .context("starting the local cloud")?;
    report.stage(stage.done());

    let stage = Stage::start("start functions and the local Eventarc");
    let chain = Chain::start(
        stack,
        &Binaries::beside_current_exe()?,
        &ChainOptions {
            graph: true,
            bulk_export: true,
            ..ChainOptions::default()
        },
    )
    .await?;
    report.stage(stage.done());

    let stage = Stage::start(&format!("synthesize {PATIENTS} patients (seed {SEED})"));
    let export = out.join("export");
    let synth = starvit_synth::generate(&starvit_synth::SynthConfig::new(PATIENTS, SEED), &export)?;
    report.stage(stage.done());

    let stage = Stage::start("load the patients into the FHIR server (sekmet-fhir)");
    let seeded = chain.seed_fhir(&export).await?;
    report.stage(stage.done());

    let stage = Stage::start("Pattern A: trigger bulk-export ($export -> PHI bucket)");
    let trigger = chain.trigger_export(b"{}").await?;
    let record: serde_json::Value = serde_json::from_slice(
        &wait_object(&chain, &format!("exports/_runs/{trigger}.json")).await?,
    )?;
    let export_id = record["export_id"]
        .as_str()
        .context("run record without export id")?
        .to_owned();
    let landed: serde_json::Value = serde_json::from_slice(
        &wait_object(&chain, &format!("exports/{export_id}/_manifest.json")).await?,
    )?;
    let uploaded = landed["files"]
        .as_array()
        .context("manifest without files")?
        .clone();
    report.stage(stage.done());

    let stage =
        Stage::start("run the chain: PHI -> deidentify -> de-ID bucket -> bq-load -> BigQuery");
    let started = Instant::now();
    loop {
        if chain
            .wait_loaded(&export_id, uploaded.len(), Duration::from_secs(2))
            .await
        {
            break;
        }
        let s = chain.router_stats();
        eprintln!(
            "    ... {} of {} events delivered, {} in flight, {} redelivered",
            s.delivered,
            uploaded.len(),
            s.in_flight,
            s.failed_attempts
        );
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the chain did not finish in 10 minutes"
        );
    }
    report.stage(stage.done());

    let stage = Stage::start("leak check of the de-ID bucket against the PHI export");
    let deid_dir = out.join("deid");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", &deid_dir)
        .await?;
    let scan = starvit_deid::leakscan(&export, &deid_dir)?;
    report.stage(stage.done());

    let deid_objects = chain.list_exports(DEID_BUCKET).await?;
    let quarantine = chain.list(QUARANTINE_BUCKET).await?;
    let policy_version = deid_objects
        .first()
        .and_then(|o| o.metadata.get("starvit-deid-policy-version").cloned())
        .unwrap_or_default();
    let mut resources_out = serde_json::Map::new();
    for entry in std::fs::read_dir(&deid_dir)? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ty = name
            .rsplit("__")
            .next()
            .and_then(|f| f.split('.').next())
            .unwrap_or("?")
            .to_owned();
        resources_out.insert(ty, json!(text.lines().count()));
    }
    let stage =
        Stage::start("read back BigQuery: rows per table, lineage, policy versions, job labels");
    let mut rows = serde_json::Map::new();
    for ty in resources_out.keys() {
        let n = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {}",
                chain.table(RAW_DATASET, ty)
            ))
            .await?;
        rows.insert(ty.clone(), json!(n));
    }
    let lineage_table = chain.table(GOVERNANCE_DATASET, "lineage");
    let mut lineage = serde_json::Map::new();
    for row in chain
        .query(&format!(
            "SELECT stage, COUNT(*) FROM {lineage_table} GROUP BY stage ORDER BY stage"
        ))
        .await?
    {
        if let [stage, n] = row.as_slice() {
            lineage.insert(stage.as_str().unwrap_or("?").to_owned(), n.clone());
        }
    }
    let policy_rows = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {}",
            chain.table(GOVERNANCE_DATASET, "deid_policy_versions")
        ))
        .await?;
    let jobs = chain.jobs().await?;
    let labelled = jobs
        .iter()
        .filter(|j| {
            let labels = &j["configuration"]["labels"];
            ["service", "owner", "env", "pipeline", "purpose"]
                .iter()
                .all(|k| labels.get(*k).is_some())
        })
        .count();
    let load_complete = chain.drain_load_complete().await?;
    report.stage(stage.done());

    let stage = Stage::start("SQL-on-FHIR views (views/) over the raw tables");
    let views: serde_json::Map<String, serde_json::Value> = starvit_e2e::views::create_and_count(
        &starvit_gcp::GcpConfig::from_vars(chain.stack.gcp_vars())?,
    )
    .await?
    .into_iter()
    .map(|v| {
        let line = format!("{} rows (raw {}: {} rows)", v.rows, v.resource, v.raw_rows);
        (
            format!("{}.{}", starvit_e2e::views::VIEWS_DATASET, v.view),
            json!(line),
        )
    })
    .collect();
    report.stage(stage.done());

    let stage =
        Stage::start("graph snapshot: node/edge tables, Parquet snapshot, TigerGraph (stub)");
    let provenance = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let deadline = Instant::now() + Duration::from_secs(300);
    let snapshot_sql =
        format!("SELECT COUNT(*) FROM {provenance} WHERE tigergraph_job_id IS NOT NULL");
    while chain.count(&snapshot_sql).await.unwrap_or(0) == 0
        || !chain.wait_idle(Duration::from_secs(30)).await
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "no graph snapshot within 5 minutes"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let versions = chain
        .query(&format!(
            "SELECT graph_version, COUNT(*), SUM(bq_rows), SUM(tigergraph_valid_lines), \
             SUM(tigergraph_rejected_lines) FROM {provenance} GROUP BY graph_version ORDER BY graph_version"
        ))
        .await?;
    let graph_versions: Vec<serde_json::Value> = versions
        .iter()
        .map(|r| {
            json!({ "graph_version": r[0], "elements": r[1], "bigquery_rows": r[2],
                    "tigergraph_lines": r[3], "rejected_lines": r[4] })
        })
        .collect();
    let tigergraph_counts = chain
        .graph
        .as_ref()
        .map(|g| g.tigergraph.counts())
        .unwrap_or_default();
    report.stage(stage.done());

    let stats = chain.router_stats();
    let rows_match = rows.iter().all(|(ty, n)| resources_out.get(ty) == Some(n));
    let summary = json!({
        "export": { "id": export_id, "patients": PATIENTS, "seed": SEED,
                     "resources_in": synth.counts, "bytes": synth.ndjson_bytes,
                     "loaded_into_fhir_server": seeded, "trigger": trigger,
                     "transaction_time": landed["transaction_time"], "files": uploaded.len() },
        "deidentify": { "objects": deid_objects.len(), "resources_out": resources_out,
                         "quarantine_objects": quarantine.len(), "policy_version": policy_version },
        "bigquery": { "rows_per_table": rows, "rows_equal_deid_resources": rows_match,
                       "lineage_rows_by_stage": lineage, "policy_version_rows": policy_rows,
                       "jobs": jobs.len(), "jobs_with_five_labels": labelled,
                       "load_complete_messages": load_complete },
        "views": views,
        "graph": { "snapshots": graph_versions, "tigergraph_received": tigergraph_counts },
        "leak_check": { "phi_values": scan.values, "deid_lines": scan.deid_lines, "hits": scan.hits.len(), "passed": scan.hits.is_empty() },
        "eventarc": { "delivered": stats.delivered, "posts": stats.posts, "redelivered": stats.failed_attempts, "given_up": stats.given_up },
        "stages": report.stages_json(),
    });
    std::fs::write(
        out.join("summary.json"),
        serde_json::to_vec_pretty(&summary)?,
    )?;
    report.print(&summary);
    drop(chain);
    anyhow::ensure!(
        scan.hits.is_empty(),
        "the leak check found identifying values in the de-ID bucket"
    );
    anyhow::ensure!(
        rows_match,
        "BigQuery rows differ from the de-identified resources"
    );
    anyhow::ensure!(
        labelled == jobs.len(),
        "a BigQuery job lacks a governance label"
    );
    Ok(())
}

/// Waits (up to 5 minutes) for an object of the PHI bucket and returns its bytes.
async fn wait_object(chain: &Chain, name: &str) -> anyhow::Result<Vec<u8>> {
    let started = Instant::now();
    loop {
        if let Ok(bytes) = chain.read(starvit_e2e::chain::PHI_BUCKET, name).await {
            return Ok(bytes);
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(300),
            "{name} did not appear in 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
