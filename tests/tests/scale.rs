//! Issue 12 on the local cloud: an export cut into bounded parts fans out through the chain, and
//! replaying a part, or an overlapping `_since` export of every version again, changes nothing in
//! BigQuery.

use std::collections::BTreeMap;
use std::time::Duration;

use starvit_e2e::chain::{Binaries, Chain, ChainOptions, DEID_BUCKET, PHI_BUCKET, RAW_DATASET};
use starvit_e2e::stack::Stack;

/// Parts of at most 64 KiB: the larger files of a small export are cut into several.
const PART_BYTES: u64 = 64 << 10;

fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

use starvit_e2e::type_counts as counts;

/// Runs one export trigger to its landed manifest; returns the export id and the manifest.
async fn export(chain: &Chain, trigger: &[u8]) -> (String, serde_json::Value) {
    let wait = Duration::from_secs(300);
    let (_, export_id) = chain.start_export(trigger, wait).await;
    let manifest = chain
        .wait_json(&format!("exports/{export_id}/_manifest.json"), wait)
        .await;
    (export_id, manifest)
}

/// Every part within the limit (or a single line), numbered 0.. per source file, its lines
/// following the previous part's; returns the number of parts per source file.
fn check_parts(manifest: &serde_json::Value) -> BTreeMap<String, u64> {
    let mut next: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for file in manifest["files"].as_array().expect("files") {
        let part = &file["part"];
        let source = part["source_file"]
            .as_str()
            .expect("part lineage")
            .to_owned();
        let (index, first) = next.entry(source.clone()).or_insert((0, 1));
        assert_eq!(part["index"].as_u64(), Some(*index), "{file}");
        assert_eq!(part["first_line"].as_u64(), Some(*first), "{file}");
        let last = part["last_line"].as_u64().expect("last line");
        let bytes = file["bytes"].as_u64().expect("bytes");
        assert!(bytes <= PART_BYTES || last == *first, "{file}");
        assert!(
            file["object"]
                .as_str()
                .expect("object")
                .ends_with(&format!("/{source}.{index:04}.ndjson"))
        );
        *index += 1;
        *first = last + 1;
    }
    next.into_iter().map(|(k, (n, _))| (k, n)).collect()
}

async fn raw_counts(chain: &Chain, types: impl Iterator<Item = &String>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for ty in types {
        let table = chain.table(RAW_DATASET, ty);
        let n = chain
            .count(&format!("SELECT COUNT(*) FROM {table}"))
            .await
            .expect("count");
        out.insert(ty.clone(), n);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_in_parts_fans_out_and_replays_change_nothing() {
    let Some(stack) = Stack::start_or_skip_with("scale-parts", &[("LOCALCLOUD_FHIR", "1")]) else {
        return;
    };
    let options = ChainOptions {
        bulk_export: true,
        bulk_export_env: vec![(
            "STARVIT_EXPORT_PART_BYTES".to_owned(),
            PART_BYTES.to_string(),
        )],
        ..ChainOptions::default()
    };
    let chain = Chain::start(stack, &binaries(), &options)
        .await
        .expect("chain");
    let synth = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(3, 61), synth.path()).expect("synth");
    chain.seed_fhir(synth.path()).await.expect("seed");
    let expected = counts(synth.path());

    let (export_id, manifest) = export(&chain, b"{}").await;
    let parts = check_parts(&manifest);
    let files = manifest["files"].as_array().expect("files").len();
    assert!(
        parts.values().any(|&n| n > 1) && files > parts.len(),
        "files are cut into parts: {parts:?}"
    );
    assert!(
        chain
            .wait_loaded(&export_id, files, Duration::from_secs(600))
            .await,
        "every part loaded"
    );
    let phi = tempfile::tempdir().expect("tempdir");
    let prefix = format!("exports/{export_id}/");
    chain
        .download(PHI_BUCKET, &prefix, ".ndjson", phi.path())
        .await
        .expect("download");
    assert_eq!(
        counts(phi.path()),
        expected,
        "the parts hold every line once"
    );
    let deid = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, &prefix, ".ndjson", deid.path())
        .await
        .expect("download");
    let landed = counts(deid.path());
    let loaded = raw_counts(&chain, landed.keys()).await;
    assert_eq!(loaded, landed, "one row per de-identified resource");

    // Replaying a part: its finalize delivered again to deidentify writes nothing new.
    let before = chain.list_exports(DEID_BUCKET).await.expect("list");
    let part = chain
        .list(PHI_BUCKET)
        .await
        .expect("list")
        .into_iter()
        .find(|o| o.name.starts_with(&prefix) && o.name.ends_with(".0001.ndjson"))
        .expect("a second part");
    let status = chain
        .redeliver_finalize(&chain.deidentify.url(), PHI_BUCKET, &part, "replay-part")
        .await
        .expect("post");
    assert_eq!(status, 200);
    let after = chain.list_exports(DEID_BUCKET).await.expect("list");
    let names = |v: &[starvit_e2e::chain::ObjectMeta]| {
        v.iter()
            .map(|o| (o.name.clone(), o.generation.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&before),
        names(&after),
        "a replayed part rewrites nothing"
    );

    // An overlapping `_since` export: every version again, in new parts of a new export.
    let (second, manifest) = export(&chain, br#"{"since":"2000-01-01T00:00:00Z"}"#).await;
    assert_ne!(second, export_id);
    let files = manifest["files"].as_array().expect("files").len();
    assert!(
        chain
            .wait_loaded(&second, files, Duration::from_secs(600))
            .await,
        "every part of the second export loaded"
    );
    assert_eq!(
        raw_counts(&chain, landed.keys()).await,
        landed,
        "an overlapping export adds no row"
    );
}
