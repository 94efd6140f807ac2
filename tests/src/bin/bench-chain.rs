//! `make bench` (chain part): time from PHI upload to rows queryable in BigQuery for a synthesized
//! export of `BENCH_CHAIN_MB` MB (default 100), split by stage, next to the in-process
//! de-identification time of the same files with the same build and cores (the chain's overhead
//! as a ratio). Prints a table and writes `target/bench/chain.json`.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::json;
use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, GOVERNANCE_DATASET, LOCAL_KEY_HEX,
};
use starvit_e2e::stack::Stack;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mb: u64 = std::env::var("BENCH_CHAIN_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let out = starvit_e2e::repo_root().join("target/bench/chain");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let export = out.join("export");
    let mut synth = starvit_synth::SynthConfig::new(1, 7);
    synth.target_bytes = Some(mb * 1_000_000);
    let summary = starvit_synth::generate(&synth, &export)?;
    let files = starvit_deid::scan::ndjson_files(&export)?;
    eprintln!(
        "export: {:.1} MB in {} files",
        summary.ndjson_bytes as f64 / 1e6,
        files.len()
    );

    // Baseline: the same engine in-process over the same files, both cores.
    let key = starvit_deid::Key::from_bytes(hex::decode(LOCAL_KEY_HEX)?)?;
    let engine = starvit_deid::Engine::new(starvit_deid::Policy::builtin("shifted")?, &key);
    let local_out = out.join("local-deid");
    std::fs::create_dir_all(&local_out)?;
    let jobs: Vec<_> = files
        .iter()
        .map(|f| starvit_deid::FileJob {
            input: f.clone(),
            output: local_out.join(f.file_name().unwrap_or_default()),
            quarantine: None,
        })
        .collect();
    let started = Instant::now();
    for report in engine.deid_files(&jobs, 2, None) {
        report.result.context("local de-identification")?;
    }
    let local_secs = started.elapsed().as_secs_f64();
    eprintln!("in-process de-identification: {local_secs:.1} s");

    let stack = Stack::start("bench-chain")?;
    let chain = Chain::start(
        stack,
        &Binaries::beside_current_exe()?,
        &ChainOptions::default(),
    )
    .await?;
    let t0 = Instant::now();
    chain.upload_export(&export, "bench").await?;
    let upload_secs = t0.elapsed().as_secs_f64();
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let (mut deid_secs, mut rows_secs) = (None, None);
    while rows_secs.is_none() {
        anyhow::ensure!(
            t0.elapsed() < Duration::from_secs(1800),
            "the chain did not finish in 30 minutes"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        if deid_secs.is_none() && chain.list_exports(DEID_BUCKET).await?.len() == files.len() {
            deid_secs = Some(t0.elapsed().as_secs_f64());
        }
        if deid_secs.is_some() {
            let loaded = chain
                .count(&format!(
                    "SELECT COUNT(*) FROM {lineage} WHERE stage = 'bq-load'"
                ))
                .await
                .unwrap_or(0);
            if loaded == files.len() as u64 {
                rows_secs = Some(t0.elapsed().as_secs_f64());
            }
        }
    }
    let deid_secs = deid_secs.unwrap_or_default();
    let total = rows_secs.unwrap_or_default();
    let mbytes = summary.ndjson_bytes as f64 / 1e6;
    let report = json!({
        "export_mb": mbytes, "files": files.len(),
        "in_process_deid_seconds": local_secs,
        "chain": {
            "upload_seconds": upload_secs,
            "upload_to_deid_objects_seconds": deid_secs,
            "deid_objects_to_rows_queryable_seconds": total - deid_secs,
            "upload_to_rows_queryable_seconds": total,
        },
        "chain_over_in_process_deid": total / local_secs,
        "chain_mb_per_s": mbytes / total,
    });
    std::fs::write(
        out.join("../chain.json"),
        serde_json::to_vec_pretty(&report)?,
    )?;
    println!(
        "chain benchmark: {mbytes:.1} MB export, {} files",
        files.len()
    );
    println!("  in-process de-identification (2 threads)   {local_secs:>8.1} s");
    println!("  upload to PHI bucket                        {upload_secs:>8.1} s");
    println!("  upload -> all de-ID objects written         {deid_secs:>8.1} s");
    println!(
        "  de-ID objects -> rows queryable             {:>8.1} s",
        total - deid_secs
    );
    println!("  upload -> rows queryable (total)            {total:>8.1} s");
    println!(
        "  chain / in-process de-identification        {:>8.2}x",
        total / local_secs
    );
    println!(
        "  chain throughput                            {:>8.1} MB/s",
        mbytes / total
    );
    Ok(())
}
