//! The project's views (`views/`) over raw tables the chain loaded: created by the production
//! code path (`starvit_sof::apply`), each holds what it should: one row per resource of its
//! type, and `observation_components` one row per component of every observation, counted
//! independently from the de-identified NDJSON in the de-ID bucket.

use std::collections::BTreeMap;
use std::time::Duration;

use starvit_e2e::chain::{Binaries, Chain, ChainOptions, DEID_BUCKET};
use starvit_e2e::stack::Stack;

fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

/// Resources per type and Observation components, from the downloaded de-ID NDJSON.
fn deid_counts(dir: &std::path::Path) -> (BTreeMap<String, u64>, u64) {
    let mut per_type = BTreeMap::new();
    let mut components = 0;
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ty = starvit_e2e::chain::downloaded_type(&name).to_owned();
        let text = std::fs::read_to_string(entry.path()).expect("read");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            *per_type.entry(ty.clone()).or_insert(0) += 1;
            let resource: serde_json::Value = serde_json::from_str(line).expect("json");
            components += resource["component"].as_array().map_or(0, Vec::len) as u64;
        }
    }
    (per_type, components)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_hold_one_row_per_resource_and_per_component() {
    let Some(stack) = Stack::start_or_skip("views") else {
        return;
    };
    let chain = Chain::start(stack, &binaries(), &ChainOptions::default())
        .await
        .expect("chain");
    let export = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(4, 33), export.path()).expect("synth");
    let uploaded = chain
        .upload_export(export.path(), "job-views")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-views", uploaded.len(), Duration::from_secs(300))
            .await,
        "chain did not load the export"
    );
    let deid = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", deid.path())
        .await
        .expect("download");
    let (per_type, components) = deid_counts(deid.path());
    assert!(
        components > 0,
        "the synthetic export has blood pressure components"
    );

    let counts = starvit_e2e::views::create_and_count(
        &starvit_gcp::GcpConfig::from_vars(chain.stack.gcp_vars()).expect("gcp"),
    )
    .await
    .expect("views");
    let names: Vec<&str> = counts.iter().map(|c| c.view.as_str()).collect();
    assert_eq!(
        names,
        [
            "conditions",
            "encounters",
            "immunizations",
            "medication_requests",
            "observation_components",
            "observations",
            "patients",
            "procedures"
        ]
    );
    for c in &counts {
        println!(
            "{:<24} {:>6} rows   {:<18} {:>6} rows",
            c.view, c.rows, c.resource, c.raw_rows
        );
        let resources = per_type.get(&c.resource).copied().unwrap_or_default();
        assert_eq!(c.raw_rows, resources, "raw {} vs de-ID bucket", c.resource);
        let want = if c.view == "observation_components" {
            components
        } else {
            resources
        };
        assert_eq!(c.rows, want, "view {}", c.view);
        assert!(c.rows > 0, "view {} is empty", c.view);
    }
    let patients = per_type.get("Patient").copied().unwrap_or_default();
    a_view_reads_the_latest_exports_version(&chain, export.path(), patients).await;
}

/// Two later versions of one patient, in two exports that land in the wrong order (the newer
/// export first, as after a delayed redelivery of the older): the raw table keeps all three
/// versions, the view reads one row per patient, the one of the latest export.
async fn a_view_reads_the_latest_exports_version(
    chain: &Chain,
    export: &std::path::Path,
    patients: u64,
) {
    let file = std::fs::read_dir(export)
        .expect("read dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("Patient"))
        })
        .expect("a Patient file");
    let text = std::fs::read_to_string(&file).expect("read");
    let line = text.lines().next().expect("a patient");
    let version = |version: &str, gender: &str| {
        let mut patient: serde_json::Value = serde_json::from_str(line).expect("json");
        patient["meta"] = serde_json::json!({ "versionId": version });
        patient["gender"] = serde_json::json!(gender);
        patient.to_string()
    };
    for (export_id, time, version_id, gender) in [
        (
            "job-views-newer",
            "2026-03-01T00:00:00Z",
            "views-2",
            "other",
        ),
        (
            "job-views-older",
            "2026-02-01T00:00:00.000+00:00",
            "views-1",
            "unknown",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("Patient.ndjson"),
            version(version_id, gender) + "\n",
        )
        .expect("write");
        chain
            .upload_export_at(dir.path(), export_id, time)
            .await
            .expect("upload");
        assert!(
            chain
                .wait_loaded(export_id, 1, Duration::from_secs(300))
                .await,
            "chain did not load {export_id}"
        );
    }
    let genders = chain
        .query(&format!(
            "SELECT gender, COUNT(*) FROM {} GROUP BY gender",
            chain.table(starvit_e2e::views::VIEWS_DATASET, "patients")
        ))
        .await
        .expect("query");
    let count = |gender: &str| {
        genders
            .iter()
            .find(|r| r[0].as_str() == Some(gender))
            .and_then(|r| r[1].as_str()?.parse::<u64>().ok())
            .unwrap_or_default()
    };
    let total: u64 = genders
        .iter()
        .filter_map(|r| r[1].as_str()?.parse::<u64>().ok())
        .sum();
    println!("patients view after two later versions of one patient: {genders:?}");
    assert_eq!(
        total, patients,
        "one row per patient, whatever its versions"
    );
    assert_eq!(count("other"), 1, "the latest export's version is read");
    assert_eq!(
        count("unknown"),
        0,
        "the older export's version, loaded last, is not"
    );
}
