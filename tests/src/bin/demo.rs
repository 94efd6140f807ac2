//! `make demo`: the main job, end to end on local emulators, with a summary a person can read.
//!
//! Installs and starts the local cloud (with a FHIR server), starts the functions and the local
//! Eventarc, synthesizes patients and loads them into the FHIR server, triggers `bulk-export` as
//! Cloud Scheduler would (Pattern A: `$export` -> PHI bucket), lets the chain run (one line per
//! stage) under the `shifted-text` profile (notes through the DLP stub), checks the de-ID bucket
//! and the landed notes for leaks, prints the summary as tables (also
//! `target/demo/summary.json`) and stops everything it started.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, GOVERNANCE_DATASET, QUARANTINE_BUCKET, RAW_DATASET,
};
use starvit_e2e::demo::lineage_graph::{self, RunGraph};
use starvit_e2e::demo::report::{self, Facts};
use starvit_e2e::demo::summary::{
    BigQueryPart, DeidPart, EventarcPart, ExportPart, GraphPart, LeakPart, Snapshot, StageTime,
};
use starvit_e2e::demo::{Progress, Summary, keep, watch};
use starvit_e2e::notes;
use starvit_e2e::stack::Stack;

const PATIENTS: u64 = 100;
const SEED: u64 = 42;
/// The third profile: `shifted`, plus the notes de-identified through Cloud DLP (its stub).
const PROFILE: &str = "shifted-text";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let progress = Progress::new();
    let keep = std::env::args().any(|a| a == "--keep");
    let result = tokio::select! {
        result = run(&progress, keep) => result,
        // Dropping the run stops what it started (functions, Eventarc, emulators).
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            let stages = progress.failed();
            if stages.is_empty() {
                eprintln!("\nmake demo FAILED: {err:#}");
            } else {
                eprintln!("\nmake demo FAILED in '{}': {err:#}", stages.join("', '"));
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(progress: &Progress, keep: bool) -> anyhow::Result<()> {
    let out = starvit_e2e::repo_root().join("target/demo");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;

    let line = progress.stage("start the local cloud");
    let stack = Stack::start_with("demo", &[("LOCALCLOUD_FHIR", "1"), ("LOCALCLOUD_DBT", "1")])
        .context("starting the local cloud")?;
    line.done("Pub/Sub, GCS, BigQuery, FHIR server");

    let line = progress.stage("start functions + local Eventarc");
    let options = ChainOptions {
        graph: true,
        bulk_export: true,
        relay: keep,
        policy: PROFILE.into(),
        ..ChainOptions::default()
    };
    let chain = Chain::start(stack, &Binaries::beside_current_exe()?, &options).await?;
    line.done("bulk-export, deidentify, bq-load, graph-snapshot");

    let line = progress.stage(&format!("synthesize {PATIENTS} patients (seed {SEED})"));
    let export = out.join("export");
    let synth = starvit_synth::generate(&starvit_synth::SynthConfig::new(PATIENTS, SEED), &export)?;
    let resources: u64 = synth.counts.values().sum();
    line.done(&format!("{resources} resources"));

    let line = progress.stage("load them into the FHIR server");
    line.set("two transactions");
    let seeded = chain.seed_fhir(&export).await?;
    line.done(&format!("{seeded} resources accepted"));

    let (export_part, export_id) = trigger_export(&chain, progress, &synth, seeded).await?;
    watch::chain(&chain, progress, &export_id, export_part.files).await?;

    let line = progress.stage("leak check: de-ID vs PHI export");
    let deid_dir = out.join("deid");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", &deid_dir)
        .await?;
    let scan = notes::leak_scan(&export, notes::resources_in(&deid_dir)?)?;
    let leak = LeakPart {
        phi_values: scan.values,
        deid_lines: scan.deid_lines,
        hits: scan.hits.len(),
        passed: scan.hits.is_empty(),
    };
    line.done(&format!(
        "{} values found in {} lines",
        leak.hits, leak.deid_lines
    ));

    let deidentify = deid_part(&chain, &deid_dir).await?;
    let line = progress.stage("read back BigQuery");
    let bigquery = bigquery_part(&chain, &deidentify).await?;
    line.done(&format!("{} jobs", bigquery.jobs));

    let line = progress.stage("notes: planted values in what landed");
    let notes = notes::landed(&chain, PROFILE, &export, &deid_dir).await?;
    line.done(&format!(
        "{} of {} notes kept, {} planted values found",
        notes.notes_kept,
        notes.notes_in,
        notes.surviving()
    ));

    let line = progress.stage("SQL-on-FHIR views (views/)");
    let gcp = starvit_gcp::GcpConfig::from_vars(chain.stack.gcp_vars())?;
    let views = starvit_e2e::views::create_and_count(&gcp).await?;
    line.done(&format!("{} views", views.len()));

    let line = progress.stage("analytics: dbt build");
    let analytics = starvit_e2e::analytics::demo(&chain, &deid_dir, &out).await?;
    line.done(&format!(
        "{} dbt tests passed",
        analytics.summary.dbt_tests.passed
    ));

    let line = progress.stage("graph-snapshot -> TigerGraph");
    let line = watch::graph(&chain, line).await?;
    let graph = graph_part(&chain).await?;
    line.done(&format!("{} graph version(s)", graph.snapshots.len()));

    let line = progress.stage("report.html from governance rows");
    let (lineage, provenance, datasets) = lineage_graph::query(&chain).await?;
    let run_graph = RunGraph::build(&lineage, &provenance, &datasets);
    let facts = Facts {
        jobs: (bigquery.jobs, bigquery.jobs_with_five_labels),
        leak: Some(leak.clone()),
        stages: StageTime::list(&progress.timings()),
    };
    std::fs::write(out.join("report.html"), report::render(&run_graph, &facts))?;
    line.done(&format!(
        "target/demo/report.html: {} nodes, {} edges",
        run_graph.nodes.len(),
        run_graph.edges.len()
    ));

    let stats = chain.router_stats();
    let summary = Summary {
        export: export_part,
        deidentify,
        bigquery,
        views,
        analytics,
        graph,
        notes,
        leak_check: leak,
        eventarc: EventarcPart {
            delivered: stats.delivered,
            posts: stats.posts,
            redelivered: stats.failed_attempts,
            given_up: stats.given_up,
        },
        stages: StageTime::list(&progress.timings()),
    };
    finish(&summary, &out)?;
    check(&summary)?;
    if keep {
        hold(&chain).await?;
    }
    Ok(())
}

/// Publishes the export trigger and waits for the export to land (its manifest).
async fn trigger_export(
    chain: &Chain,
    progress: &Progress,
    synth: &starvit_synth::Summary,
    seeded: usize,
) -> anyhow::Result<(ExportPart, String)> {
    let line = progress.stage("bulk-export: $export -> PHI bucket");
    let trigger = chain.trigger_export(b"{}").await?;
    let run_record = format!("exports/_runs/{trigger}.json");
    let record: serde_json::Value = serde_json::from_slice(
        &watch::phi_object(
            chain,
            &run_record,
            &line,
            "waiting for the $export to start",
        )
        .await?,
    )?;
    let export_id = record["export_id"]
        .as_str()
        .context("run record without export id")?
        .to_owned();
    let manifest = format!("exports/{export_id}/_manifest.json");
    let landed: serde_json::Value = serde_json::from_slice(
        &watch::phi_object(chain, &manifest, &line, "the FHIR server is exporting").await?,
    )?;
    let files = landed["files"]
        .as_array()
        .context("manifest without files")?
        .len();
    line.done(&format!("export {export_id}: {files} files"));
    let part = ExportPart {
        id: export_id.clone(),
        patients: PATIENTS,
        seed: SEED,
        resources_in: synth.counts.clone(),
        bytes: synth.ndjson_bytes,
        loaded_into_fhir_server: seeded,
        trigger,
        transaction_time: landed["transaction_time"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        files,
    };
    Ok((part, export_id))
}

/// What `deidentify` wrote: objects, resources per type (from the downloaded files), quarantine.
async fn deid_part(chain: &Chain, deid_dir: &Path) -> anyhow::Result<DeidPart> {
    let objects = chain.list_exports(DEID_BUCKET).await?;
    let quarantine = chain.list(QUARANTINE_BUCKET).await?;
    let policy_version = objects
        .first()
        .and_then(|o| o.metadata.get("starvit-deid-policy-version").cloned())
        .unwrap_or_default();
    let mut resources_out = BTreeMap::new();
    for entry in std::fs::read_dir(deid_dir)? {
        let path = entry?.path();
        let lines = std::fs::read_to_string(&path)?.lines().count() as u64;
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
        *resources_out.entry(ty).or_insert(0) += lines;
    }
    let approval = chain.approval_of(&policy_version).await?;
    Ok(DeidPart {
        objects: objects.len(),
        resources_out,
        quarantine_objects: quarantine.len(),
        policy_version,
        approval,
    })
}

/// Rows per raw table, lineage rows per stage, policy rows, job labels, `load-complete`.
async fn bigquery_part(chain: &Chain, deid: &DeidPart) -> anyhow::Result<BigQueryPart> {
    let mut rows_per_table = BTreeMap::new();
    for ty in deid.resources_out.keys() {
        let sql = format!("SELECT COUNT(*) FROM {}", chain.table(RAW_DATASET, ty));
        rows_per_table.insert(ty.clone(), chain.count(&sql).await?);
    }
    let lineage_table = chain.table(GOVERNANCE_DATASET, "lineage");
    let mut lineage_rows_by_stage = BTreeMap::new();
    let sql = format!("SELECT stage, COUNT(*) FROM {lineage_table} GROUP BY stage ORDER BY stage");
    for row in chain.query(&sql).await? {
        if let [stage, n] = row.as_slice() {
            let n = n.as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
            lineage_rows_by_stage.insert(stage.as_str().unwrap_or("?").to_owned(), n);
        }
    }
    let policies = chain.table(GOVERNANCE_DATASET, "deid_policy_versions");
    let policy_version_rows = chain
        .count(&format!("SELECT COUNT(*) FROM {policies}"))
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
    Ok(BigQueryPart {
        rows_equal_deid_resources: rows_per_table == deid.resources_out,
        rows_per_table,
        lineage_rows_by_stage,
        policy_version_rows,
        jobs: jobs.len(),
        jobs_with_five_labels: labelled,
        load_complete_messages: chain.drain_load_complete().await?,
    })
}

/// Graph versions from `governance.graph_provenance`, and what the TigerGraph stub received.
async fn graph_part(chain: &Chain) -> anyhow::Result<GraphPart> {
    let provenance = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let rows = chain
        .query(&format!(
            "SELECT graph_version, COUNT(*), SUM(bq_rows), SUM(tigergraph_valid_lines), \
             SUM(tigergraph_rejected_lines) FROM {provenance} GROUP BY graph_version ORDER BY graph_version"
        ))
        .await?;
    let int = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
    let snapshots = rows
        .iter()
        .filter(|r| r.len() == 5)
        .map(|r| Snapshot {
            graph_version: r[0].as_str().unwrap_or_default().to_owned(),
            elements: int(&r[1]),
            bigquery_rows: int(&r[2]),
            tigergraph_lines: int(&r[3]),
            rejected_lines: int(&r[4]),
        })
        .collect();
    let tigergraph_received = chain
        .graph
        .as_ref()
        .map(|g| g.tigergraph.counts())
        .unwrap_or_default();
    Ok(GraphPart {
        snapshots,
        tigergraph_received,
    })
}

/// Writes `summary.json` and prints the tables.
fn finish(summary: &Summary, out: &Path) -> anyhow::Result<()> {
    std::fs::write(
        out.join("summary.json"),
        serde_json::to_vec_pretty(summary)?,
    )?;
    println!();
    println!("Starvit demo summary (machine-readable: target/demo/summary.json)");
    println!();
    print!("{}", summary.render());
    Ok(())
}

/// `KEEP=1`: prints the commands, records the run for `make demo-down`, waits to be stopped.
async fn hold(chain: &Chain) -> anyhow::Result<()> {
    let bq = keep::bq_version();
    let text = keep::render(&keep::commands(chain, bq.as_deref()), bq.as_deref());
    println!("{text}");
    let dir = keep::dir();
    keep::record(chain, &dir, &text)?;
    keep::until_stopped().await?;
    let _ = std::fs::remove_file(dir.join("ready"));
    println!("demo: stopping the kept stack");
    Ok(())
}

/// What makes the run a failure even though every stage finished.
fn check(summary: &Summary) -> anyhow::Result<()> {
    anyhow::ensure!(
        summary.leak_check.passed,
        "the leak check found identifying values in the de-ID bucket"
    );
    let notes = &summary.notes;
    anyhow::ensure!(
        notes.notes_kept > 0 && notes.surviving() == 0 && notes.leak_scan_hits == 0,
        "notes: none kept, or planted values in what landed"
    );
    anyhow::ensure!(
        summary.bigquery.rows_equal_deid_resources,
        "BigQuery rows differ from the de-identified resources"
    );
    anyhow::ensure!(
        summary.analytics.ok(),
        "analytics: a dbt test failed or the t2dm rows differ from the Rust computation"
    );
    anyhow::ensure!(
        summary.bigquery.jobs_with_five_labels == summary.bigquery.jobs,
        "a BigQuery job lacks a governance label"
    );
    Ok(())
}
