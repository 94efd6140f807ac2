//! What the chain tests share: a started chain, synthesized exports, expectations.

use starvit_e2e::chain::{Binaries, Chain, ChainOptions, DEID_BUCKET};
use starvit_e2e::stack::Stack;

pub(crate) fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

/// Starts a stack and the chain on it, or `None` (after saying why) where emulators cannot run.
pub(crate) async fn started(name: &str, options: &ChainOptions) -> Option<Chain> {
    let stack = Stack::start_or_skip(name)?;
    Some(
        Chain::start(stack, &binaries(), options)
            .await
            .expect("chain"),
    )
}

/// Asserts that every raw table holds exactly the resources of the de-ID bucket; returns the
/// counts per type.
pub(crate) async fn assert_tables_equal_deid_bucket(
    chain: &Chain,
    when: &str,
) -> std::collections::BTreeMap<String, u64> {
    let deid_dir = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", deid_dir.path())
        .await
        .expect("download");
    let expected = deid_counts(deid_dir.path());
    for (ty, n) in &expected {
        let table = chain.table(starvit_e2e::chain::RAW_DATASET, ty);
        let rows = chain
            .count(&format!("SELECT COUNT(*) FROM {table}"))
            .await
            .expect("count");
        assert_eq!(rows, *n, "rows in {ty} {when}");
    }
    expected
}

pub(crate) fn synth(patients: u64, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(patients, seed), dir.path())
        .expect("synth");
    dir
}

/// De-identifies `file` locally with the chain's key and policy, the leak gate knowing the people
/// of `export` (the files `deidentify` reads from the export's manifest): what the de-ID bucket
/// must hold.
pub(crate) fn expected_output(file: &std::path::Path, export: &[std::path::PathBuf]) -> Vec<u8> {
    let key =
        starvit_deid::Key::from_bytes(hex::decode(starvit_e2e::chain::LOCAL_KEY_HEX).expect("hex"))
            .expect("key");
    let engine = starvit_deid::Engine::new(
        starvit_deid::Policy::builtin("shifted").expect("policy"),
        &key,
    );
    let people = starvit_deid::export::people_index(export).expect("people");
    let mut out = Vec::new();
    let input = std::io::BufReader::new(std::fs::File::open(file).expect("open"));
    engine
        .deid_stream(
            input,
            &mut out,
            &mut starvit_deid::MemoryQuarantine::default(),
            Some(&people),
        )
        .expect("deid");
    out
}

/// The MRN (`MRN` + digits) of each patient of an export directory, and its patients' ids.
pub(crate) fn mrns_and_ids(dir: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("Patient.ndjson")).expect("patients");
    text.lines()
        .map(|l| {
            let p: serde_json::Value = serde_json::from_str(l).expect("patient");
            let mrn = p["identifier"]
                .as_array()
                .expect("identifiers")
                .iter()
                .filter_map(|i| i["value"].as_str())
                .find(|v| v.starts_with("MRN"))
                .expect("an MRN")
                .to_owned();
            (mrn, p["id"].as_str().expect("id").to_owned())
        })
        .collect()
}

/// Resource counts per type in a de-identified dir (what must be in BigQuery).
pub(crate) fn deid_counts(dir: &std::path::Path) -> std::collections::BTreeMap<String, u64> {
    // Distinct resource versions per type: what the raw tables must hold once each, however many
    // times (or in however many exports) a version was delivered.
    let mut versions = std::collections::BTreeSet::new();
    for path in starvit_deid::scan::ndjson_files(dir).expect("list") {
        for line in std::fs::read_to_string(&path).expect("read").lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            versions.insert((
                v["resourceType"].as_str().expect("type").to_owned(),
                v["id"].as_str().expect("id").to_owned(),
                v["meta"]["versionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ));
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    for (ty, _, _) in versions {
        *counts.entry(ty).or_insert(0) += 1;
    }
    counts
}
