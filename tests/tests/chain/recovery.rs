//! A crash mid-file or a dependency down for a while ends as one clean run.

use std::time::Duration;

use starvit_e2e::chain::{ChainOptions, DEID_BUCKET};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_killed_mid_file_converges_after_restart() {
    let Some(mut chain) = started("chain-kill", &ChainOptions::default()).await else {
        return;
    };
    let export = tempfile::tempdir().expect("tempdir");
    let mut config = starvit_synth::SynthConfig::new(1_000_000, 3);
    config.target_bytes = Some(40 << 20);
    starvit_synth::generate(&config, export.path()).expect("synth");
    let big = export.path().join("Observation.ndjson");
    let size = std::fs::metadata(&big).expect("meta").len();
    assert!(
        size > 20 << 20,
        "need a file big enough to kill mid-way ({size} bytes)"
    );

    chain
        .upload_bytes(
            "exports/job-k/Observation.ndjson",
            std::fs::read(&big).expect("read"),
        )
        .await
        .expect("upload");
    chain.seal_export("job-k").await.expect("seal");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while chain.router_stats().in_flight == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "event never delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    chain.deidentify.kill();
    assert!(
        chain
            .list_exports(DEID_BUCKET)
            .await
            .expect("list")
            .is_empty(),
        "killed before the upload: nothing landed"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    chain.deidentify.restart().await.expect("restart");
    assert!(
        chain.wait_idle(Duration::from_secs(300)).await,
        "chain did not converge"
    );

    let stats = chain.router_stats();
    assert!(
        stats.failed_attempts >= 1,
        "the killed delivery failed and was redelivered: {stats:?}"
    );
    let out = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(out.len(), 1, "{out:?}");
    let bytes = chain.read(DEID_BUCKET, &out[0].name).await.expect("read");
    assert!(
        bytes == expected_output(&big, &[]),
        "output after the crash equals one clean run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bigquery_down_then_back_the_retried_events_complete() {
    let Some(chain) = started("chain-bqdown", &ChainOptions::default()).await else {
        return;
    };
    chain.stack.stop_service("bigquery").expect("stop bigquery");
    let export = synth(4, 31);
    let uploaded = chain
        .upload_export(export.path(), "job-down")
        .await
        .expect("upload");

    // deidentify is unaffected (its only redeliveries wait for the export's manifest).
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while chain.list_exports(DEID_BUCKET).await.expect("list").len() < uploaded.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "deidentify did not de-identify the export while BigQuery was down"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Then bq-load fails (the router keeps redelivering its events).
    let before = chain.router_stats().failed_attempts;
    while chain.router_stats().failed_attempts == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery failed while BigQuery was down"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    chain
        .stack
        .start_service("bigquery")
        .expect("start bigquery");
    assert!(
        chain
            .wait_loaded("job-down", uploaded.len(), Duration::from_secs(400))
            .await,
        "the retried events did not complete"
    );

    let stats = chain.router_stats();
    assert_eq!(stats.given_up, 0, "{stats:?}");
    assert_tables_equal_deid_bucket(&chain, "after the outage").await;
}
