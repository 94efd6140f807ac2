//! Pattern A from its start, on a real FHIR server: a scheduled trigger makes `bulk-export` run
//! `$export` on sekmet-fhir (started by `localcloud/up.sh` with `LOCALCLOUD_FHIR=1`), the files
//! land in the PHI bucket, and the rest of the chain carries them into BigQuery.

use std::collections::BTreeMap;
use std::time::Duration;

use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, EXPORT_TRIGGER_TOPIC, GOVERNANCE_DATASET,
    PHI_BUCKET, RAW_DATASET,
};
use starvit_e2e::stack::Stack;

fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

use starvit_e2e::type_counts as counts;

/// Waits for an object and returns its bytes.
async fn wait_object(chain: &Chain, bucket: &str, name: &str, timeout: Duration) -> Vec<u8> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Ok(bytes) = chain.read(bucket, name).await {
            return bytes;
        }
        if std::time::Instant::now() >= deadline {
            chain.diagnose(&format!("{name} never appeared"));
            panic!("{name} did not appear in {bucket} within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_export_from_the_fhir_server_lands_in_bigquery() {
    let Some(stack) = Stack::start_or_skip_with("chain-export", &[("LOCALCLOUD_FHIR", "1")]) else {
        return;
    };
    let chain = Chain::start(
        stack,
        &binaries(),
        &ChainOptions {
            bulk_export: true,
            ..ChainOptions::default()
        },
    )
    .await
    .expect("chain");
    let export = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(3, 51), export.path()).expect("synth");
    let seeded = chain
        .seed_fhir(export.path())
        .await
        .expect("seed the FHIR server");
    let expected = counts(export.path());
    assert_eq!(expected.values().sum::<u64>(), seeded as u64);

    // Cloud Scheduler needs a non-empty payload: `{}` is a full export of the configured types.
    let trigger = chain.trigger_export(b"{}").await.expect("trigger");
    // The run record names the export; `_manifest.json` lists what landed.
    let record: serde_json::Value = serde_json::from_slice(
        &wait_object(
            &chain,
            PHI_BUCKET,
            &format!("exports/_runs/{trigger}.json"),
            Duration::from_secs(120),
        )
        .await,
    )
    .expect("run record");
    let export_id = record["export_id"].as_str().expect("export id").to_owned();
    let manifest: serde_json::Value = serde_json::from_slice(
        &wait_object(
            &chain,
            PHI_BUCKET,
            &format!("exports/{export_id}/_manifest.json"),
            Duration::from_secs(300),
        )
        .await,
    )
    .expect("manifest");
    let files = manifest["files"].as_array().expect("files").len();
    assert_eq!(files, expected.len(), "one file per type: {manifest}");
    assert!(
        !String::from_utf8_lossy(
            &chain
                .read(PHI_BUCKET, &format!("exports/{export_id}/_manifest.json"))
                .await
                .expect("read")
        )
        .contains("http"),
        "the landed manifest carries no URL"
    );

    // Nothing lost on the way through the FHIR server and the export.
    let phi = tempfile::tempdir().expect("tempdir");
    chain
        .download(
            PHI_BUCKET,
            &format!("exports/{export_id}/"),
            ".ndjson",
            phi.path(),
        )
        .await
        .expect("download");
    assert_eq!(
        counts(phi.path()),
        expected,
        "resources per type in the PHI bucket"
    );

    // The chain carries the export on: every file is loaded, with the export in its lineage.
    assert!(
        chain
            .wait_loaded(&export_id, files, Duration::from_secs(600))
            .await,
        "the exported files were not all loaded"
    );
    let deid = tempfile::tempdir().expect("tempdir");
    chain
        .download(
            DEID_BUCKET,
            &format!("exports/{export_id}/"),
            ".ndjson",
            deid.path(),
        )
        .await
        .expect("download");
    let landed = counts(deid.path());
    assert!(!landed.is_empty());
    for (ty, n) in &landed {
        let rows = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {} WHERE export_job_id = '{export_id}'",
                chain.table(RAW_DATASET, ty)
            ))
            .await
            .expect("count");
        assert_eq!(rows, *n, "{ty}: BigQuery rows of the export");
    }
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let stages = chain
        .count(&format!(
            "SELECT COUNT(DISTINCT stage) FROM {lineage} WHERE export_job_id = '{export_id}'"
        ))
        .await
        .expect("lineage");
    assert_eq!(
        stages, 2,
        "deidentify and bq-load lineage rows name the export"
    );

    // The same trigger again (a redelivery): no second export, nothing new in the PHI bucket.
    let before = chain.list(PHI_BUCKET).await.expect("list").len();
    let event = starvit_local_eventarc::cloudevent::pubsub_published(
        &starvit_local_eventarc::pubsub::PubsubMessage {
            data: "e30=".to_owned(), // base64 of `{}`
            attributes: BTreeMap::new(),
            message_id: trigger.clone(),
            publish_time: "2026-11-24T00:00:00Z".to_owned(),
        },
        chain.stack.project(),
        EXPORT_TRIGGER_TOPIC,
        "bulk-export",
    );
    let service = chain.bulk_export.as_ref().expect("bulk-export");
    let mut request = reqwest::Client::new()
        .post(service.url())
        .body(event.body.clone());
    for (name, value) in &event.headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("post");
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(chain.list(PHI_BUCKET).await.expect("list").len(), before);
    let fhir_log = std::fs::read_to_string(chain.stack.dir().join("fhir.log")).expect("fhir log");
    assert_eq!(
        fhir_log
            .lines()
            .filter(|l| l.contains("export?_type="))
            .count(),
        1,
        "one kick-off for one trigger"
    );
    assert!(
        fhir_log
            .lines()
            .any(|l| l.contains("POST /auth/token") && l.contains(" 200")),
        "bulk-export authenticated with client credentials"
    );
    assert!(
        !fhir_log
            .lines()
            .any(|l| l.contains("bulk-files") && l.contains(" 401")),
        "every download carried the token"
    );

    // An incremental export: one Observation changes; the next export asks `_since` the first
    // export's transactionTime and brings exactly that new version.
    let search: serde_json::Value = chain
        .fhir_request(reqwest::Method::GET, "Observation?_count=1")
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("bundle");
    let mut observation = search["entry"][0]["resource"].clone();
    let id = observation["id"].as_str().expect("id").to_owned();
    observation["status"] = serde_json::json!("amended");
    let put = chain
        .fhir_request(reqwest::Method::PUT, &format!("Observation/{id}"))
        .header("content-type", "application/fhir+json")
        .json(&observation)
        .send()
        .await
        .expect("put");
    assert!(put.status().is_success(), "{}", put.status());
    let second = chain
        .trigger_export(br#"{"incremental":true}"#)
        .await
        .expect("trigger");
    let record: serde_json::Value = serde_json::from_slice(
        &wait_object(
            &chain,
            PHI_BUCKET,
            &format!("exports/_runs/{second}.json"),
            Duration::from_secs(120),
        )
        .await,
    )
    .expect("run record");
    assert_eq!(
        record["since"], manifest["transaction_time"],
        "_since is the first export's transactionTime"
    );
    let second_id = record["export_id"].as_str().expect("export id").to_owned();
    assert_ne!(second_id, export_id);
    let second_manifest: serde_json::Value = serde_json::from_slice(
        &wait_object(
            &chain,
            PHI_BUCKET,
            &format!("exports/{second_id}/_manifest.json"),
            Duration::from_secs(300),
        )
        .await,
    )
    .expect("manifest");
    let second_files = second_manifest["files"].as_array().expect("files");
    assert_eq!(second_files.len(), 1, "{second_manifest}");
    assert_eq!(second_files[0]["type"], "Observation");
    assert_eq!(second_files[0]["count"], 1);
    assert!(
        chain
            .wait_loaded(&second_id, 1, Duration::from_secs(300))
            .await
    );
    let rows = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {} WHERE export_job_id = '{second_id}'",
            chain.table(RAW_DATASET, "Observation")
        ))
        .await
        .expect("count");
    assert_eq!(rows, 1, "the new version is one new row");
}
