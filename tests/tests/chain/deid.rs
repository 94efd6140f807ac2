//! Exports reach the de-ID bucket, once per event however often it is delivered.

use std::time::Duration;

use starvit_e2e::chain::{ChainOptions, DEID_BUCKET, PHI_BUCKET, QUARANTINE_BUCKET};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_is_deidentified_into_the_deid_bucket() {
    let Some(chain) = started("chain-deid", &ChainOptions::default()).await else {
        return;
    };
    let export = synth(8, 11);
    let uploaded = chain
        .upload_export(export.path(), "job-1")
        .await
        .expect("upload");
    assert!(uploaded.len() >= 10, "synth writes one file per type");
    assert!(
        chain.wait_idle(Duration::from_secs(120)).await,
        "chain did not go idle"
    );

    let out = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(
        out.len(),
        uploaded.len(),
        "one de-identified object per PHI file: {out:?}"
    );
    for object in &out {
        assert_eq!(
            object
                .metadata
                .get("starvit-export-job-id")
                .map(String::as_str),
            Some("job-1")
        );
        assert!(
            object.metadata.contains_key("starvit-deid-policy-version"),
            "{:?}",
            object.metadata
        );
    }
    let deid_dir = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", deid_dir.path())
        .await
        .expect("download");
    let report = starvit_deid::leakscan(export.path(), deid_dir.path()).expect("leakscan");
    assert!(
        report.hits.is_empty(),
        "identifiers leaked into the de-ID bucket: {:?}",
        report.hits
    );
    // The default profile still drops free text: no note lands.
    let landed = starvit_e2e::notes::resources_in(deid_dir.path()).expect("resources");
    let documents = landed
        .iter()
        .filter(|r| r["resourceType"] == "DocumentReference");
    assert!(documents.clone().count() > 0, "notes' metadata lands");
    assert!(
        documents
            .flat_map(starvit_e2e::notes::attachment_texts)
            .next()
            .is_none(),
        "shifted keeps no attachment data"
    );
    assert!(chain.list(PHI_BUCKET).await.expect("list").len() >= uploaded.len());
    assert!(
        chain
            .list(QUARANTINE_BUCKET)
            .await
            .expect("list")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_delivered_three_times_ends_in_the_same_objects() {
    let options = ChainOptions {
        duplicate: 3,
        ..ChainOptions::default()
    };
    let Some(chain) = started("chain-dup", &options).await else {
        return;
    };
    let export = synth(5, 21);
    let uploaded = chain
        .upload_export(export.path(), "job-dup")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-dup", uploaded.len(), Duration::from_secs(300))
            .await,
        "chain did not go idle"
    );
    let stats = chain.router_stats();
    // PHI finalizes, de-ID finalizes and bq-load's own staging finalizes are all events.
    assert!(stats.delivered >= 2 * uploaded.len() as u64, "{stats:?}");
    assert!(
        stats.posts >= 3 * stats.delivered,
        "each event posted three times: {stats:?}"
    );
    assert_eq!(stats.given_up, 0);

    // The tables hold each resource version once.
    assert_tables_equal_deid_bucket(&chain, "after triple delivery").await;
    let lineage = chain.table(starvit_e2e::chain::GOVERNANCE_DATASET, "lineage");
    let lineage_rows = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {lineage} WHERE stage = 'bq-load'"
        ))
        .await
        .expect("lineage");
    assert_eq!(
        lineage_rows,
        uploaded.len() as u64,
        "one lineage row per loaded object"
    );

    let out = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(
        out.len(),
        uploaded.len(),
        "duplicates must not add objects: {out:?}"
    );
    for object in &out {
        assert_eq!(object.generation.len(), out[0].generation.len());
        let file = object.name.rsplit('/').next().expect("name");
        let ty = file.split('.').next().expect("type");
        let bytes = chain.read(DEID_BUCKET, &object.name).await.expect("read");
        assert_eq!(
            bytes,
            expected_output(
                &export.path().join(format!("{ty}.ndjson")),
                &starvit_deid::scan::ndjson_files(export.path()).expect("files"),
            ),
            "{} differs from a single clean run",
            object.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_http_event_writes_nothing_new() {
    let Some(chain) = started("chain-http", &ChainOptions::default()).await else {
        return;
    };
    let export = synth(2, 9);
    chain
        .upload_export(export.path(), "job-h")
        .await
        .expect("upload");
    assert!(chain.wait_idle(Duration::from_secs(120)).await);
    let before = chain.list_exports(DEID_BUCKET).await.expect("list");
    let phi = chain.list(PHI_BUCKET).await.expect("list");
    let patient = phi
        .iter()
        .find(|o| o.name.ends_with("/Patient.ndjson"))
        .expect("patient file");

    for attempt in 0..2 {
        let status = chain
            .redeliver_finalize(
                &chain.deidentify.url(),
                PHI_BUCKET,
                patient,
                &format!("dup-{attempt}"),
            )
            .await
            .expect("post");
        assert_eq!(status, 200, "a duplicate is acknowledged, not retried");
    }
    let after = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(
        before
            .iter()
            .map(|o| (&o.name, &o.generation))
            .collect::<Vec<_>>(),
        after
            .iter()
            .map(|o| (&o.name, &o.generation))
            .collect::<Vec<_>>(),
        "nothing was rewritten"
    );
}
