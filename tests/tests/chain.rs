//! The chain end to end on the local cloud.

use std::path::PathBuf;
use std::time::Duration;

use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, PHI_BUCKET, QUARANTINE_BUCKET,
};
use starvit_e2e::stack::Stack;

fn binaries() -> Binaries {
    Binaries {
        deidentify: PathBuf::from(env!("CARGO_BIN_EXE_fn-deidentify")),
    }
}

fn synth(patients: u64, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(patients, seed), dir.path())
        .expect("synth");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_is_deidentified_into_the_deid_bucket() {
    let Some(stack) = Stack::start_or_skip("chain-deid") else {
        return;
    };
    let chain = Chain::start(stack, &binaries(), &ChainOptions::default())
        .await
        .expect("chain");
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

    let out = chain.list(DEID_BUCKET).await.expect("list");
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
        .download(DEID_BUCKET, ".ndjson", deid_dir.path())
        .await
        .expect("download");
    let report = starvit_deid::leakscan(export.path(), deid_dir.path()).expect("leakscan");
    assert!(
        report.hits.is_empty(),
        "identifiers leaked into the de-ID bucket: {:?}",
        report.hits
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
