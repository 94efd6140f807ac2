//! The analytics layer (`analytics/`, dbt) on the chain's load: `dbt build` passes all its
//! tests on local-bigquery; the t2dm rows equal the example computed in Rust from the
//! de-identified NDJSON; no patient is in two splits; every job dbt ran carries the five
//! governance labels; the dataset version and the invocation's lineage are in `governance`; and
//! running the chain again on the same export, then dbt again, changes no cohort or dataset
//! version.

use std::time::Duration;

use starvit_e2e::analytics::{self, ANALYTICS_DATASET, FeatureRow, Summary, expected};
use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, GOVERNANCE_DATASET, PHI_BUCKET,
};
use starvit_e2e::stack::Stack;

const EXPORT: &str = "job-analytics";

fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dbt_builds_the_t2dm_example_equal_to_an_independent_computation() {
    let Some(stack) = Stack::start_or_skip_with("analytics", &[("LOCALCLOUD_DBT", "1")]) else {
        return;
    };
    let chain = Chain::start(stack, &binaries(), &ChainOptions::default())
        .await
        .expect("chain");
    let export = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(60, 42), export.path())
        .expect("synth");
    let uploaded = chain
        .upload_export(export.path(), EXPORT)
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded(EXPORT, uploaded.len(), Duration::from_secs(300))
            .await,
        "chain did not load the export"
    );
    let gcp = starvit_gcp::GcpConfig::from_vars(chain.stack.gcp_vars()).expect("gcp");
    starvit_e2e::views::create_and_count(&gcp)
        .await
        .expect("views");

    let first = analytics::build(&chain).await.expect("dbt build");
    println!("{}", serde_json::to_string_pretty(&first).expect("json"));
    assert_eq!(first.dbt_tests.failed, 0, "dbt tests failed: {first:?}");
    assert!(first.dbt_tests.passed >= 15, "{first:?}");
    assert_eq!(first.models_not_built, 0, "{first:?}");

    let deid = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", deid.path())
        .await
        .expect("download");
    let want = expected::t2dm_rows(deid.path()).expect("expected rows");
    let got = analytics::feature_rows(&chain).await.expect("rows");
    assert!(!want.is_empty(), "the synthetic export has T2DM patients");
    assert_rows_equal(&got, &want);
    assert_eq!(first.features_rows, want.len() as u64);
    let t2dm = first.cohorts.iter().find(|c| c.id == "t2dm").expect("t2dm");
    assert_eq!(t2dm.members, want.len() as u64);

    let splits = chain.table(ANALYTICS_DATASET, "ml_splits");
    let patients = chain
        .count(&format!("SELECT COUNT(DISTINCT patient_id) FROM {splits}"))
        .await
        .expect("patients");
    assert_eq!(
        first.splits.values().sum::<u64>(),
        patients,
        "no patient in two splits"
    );
    assert_eq!(first.splits.len(), 3, "{:?}", first.splits);

    assert_jobs_labelled(&chain, &first).await;
    assert_governance(&chain, &first).await;

    // The chain again on the same export (every finalize event delivered again), then dbt again.
    replay_finalize_events(&chain).await;
    let second = analytics::build(&chain).await.expect("second dbt build");
    assert_eq!(second.dbt_tests.failed, 0, "{second:?}");
    assert_ne!(second.invocation_id, first.invocation_id);
    assert_eq!(second.cohorts, first.cohorts, "cohort versions and members");
    assert_eq!(second.dataset_versions, first.dataset_versions);
    assert_eq!(analytics::feature_rows(&chain).await.expect("rows"), got);
    let versions = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {}",
            chain.table(GOVERNANCE_DATASET, "dataset_versions")
        ))
        .await
        .expect("dataset versions");
    assert_eq!(versions, 1, "a second run records no new dataset version");
}

fn assert_rows_equal(got: &[FeatureRow], want: &[FeatureRow]) {
    if !analytics::same_rows(got, want) {
        for (g, w) in got.iter().zip(want) {
            println!("dbt  {g:?}\nRust {w:?}");
        }
        panic!(
            "dbt's t2dm rows ({}) differ from the Rust computation ({})",
            got.len(),
            want.len()
        );
    }
}

/// Every job carries the five labels; dbt's carry its invocation id and service `dbt`.
async fn assert_jobs_labelled(chain: &Chain, run: &Summary) {
    let jobs = chain.jobs().await.expect("jobs");
    let mut dbt_jobs = 0;
    for job in &jobs {
        let labels = job["configuration"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for key in ["service", "owner", "env", "pipeline", "purpose"] {
            assert!(labels.contains_key(key), "job lacks {key}: {labels:?}");
        }
        if labels.get("dbt_invocation_id").and_then(|v| v.as_str()) == Some(&run.invocation_id) {
            assert_eq!(labels["service"], "dbt");
            dbt_jobs += 1;
        }
    }
    println!("{} jobs, {dbt_jobs} of them dbt's", jobs.len());
    assert!(dbt_jobs > 20, "dbt jobs: {dbt_jobs}");
}

/// The dataset version and the invocation's lineage row, with the loads bq-load recorded.
async fn assert_governance(chain: &Chain, run: &Summary) {
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let loads: Vec<String> = chain
        .query(&format!(
            "SELECT DISTINCT load_job_id FROM {lineage} WHERE stage = 'bq-load' ORDER BY 1"
        ))
        .await
        .expect("loads")
        .iter()
        .map(|r| r[0].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!loads.is_empty(), "bq-load lineage");
    let [version] = run.dataset_versions.as_slice() else {
        panic!("one dataset version: {:?}", run.dataset_versions);
    };
    let table = chain.table(GOVERNANCE_DATASET, "dataset_versions");
    let rows = chain
        .query(&format!(
            "SELECT ARRAY_TO_STRING(load_job_ids, ','), cohort_id, dbt_invocation_id \
             FROM {table} WHERE dataset_version = '{version}'"
        ))
        .await
        .expect("dataset_versions");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0].as_str(), Some(loads.join(",").as_str()));
    assert_eq!(rows[0][1].as_str(), Some("t2dm"));
    assert_eq!(rows[0][2].as_str(), Some(run.invocation_id.as_str()));

    let runs = chain.table(GOVERNANCE_DATASET, "analytics_runs");
    let rows = chain
        .query(&format!(
            "SELECT ARRAY_TO_STRING(models_built, ','), ARRAY_TO_STRING(load_job_ids, ','), \
             tests_passed, tests_failed FROM {runs} WHERE dbt_invocation_id = '{}'",
            run.invocation_id
        ))
        .await
        .expect("analytics_runs");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let models = rows[0][0].as_str().unwrap_or_default();
    assert_eq!(
        models.split(',').count() as u64,
        run.models_built,
        "{models}"
    );
    assert!(models.contains(".analytics.t2dm_dataset"), "{models}");
    assert_eq!(rows[0][1].as_str(), Some(loads.join(",").as_str()));
    assert_eq!(
        rows[0][2].as_str(),
        Some(run.dbt_tests.passed.to_string().as_str())
    );
}

/// Delivers the finalize event of every exported object of both buckets again (the same
/// object, the same generation), as a redelivering Eventarc would: the chain runs again on the
/// same export.
async fn replay_finalize_events(chain: &Chain) {
    let targets = [
        (PHI_BUCKET, chain.deidentify.url()),
        (DEID_BUCKET, chain.bq_load.url()),
    ];
    for (bucket, url) in targets {
        let objects = chain.list_exports(bucket).await.expect("list");
        assert!(!objects.is_empty(), "{bucket}");
        for (i, object) in objects.iter().enumerate() {
            let status = chain
                .redeliver_finalize(&url, bucket, object, &format!("replay-{bucket}-{i}"))
                .await
                .expect("redeliver");
            assert!((200..300).contains(&status), "{}: {status}", object.name);
        }
    }
}
