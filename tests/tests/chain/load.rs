//! De-identified objects land in BigQuery with lineage and labels, once.

use std::time::Duration;

use starvit_e2e::chain::ChainOptions;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_lands_in_bigquery_with_lineage_labels_and_no_duplicates_on_replay() {
    use starvit_e2e::chain::{GOVERNANCE_DATASET, RAW_DATASET};
    let Some(chain) = started("chain-bq", &ChainOptions::default()).await else {
        return;
    };
    // A raw table created before `export_time` existed: bq-load adds the column it lacks.
    let patients = chain.table(RAW_DATASET, "Patient");
    let (project, dataset) = (chain.stack.project(), RAW_DATASET);
    chain
        .query(&format!(
            "CREATE SCHEMA IF NOT EXISTS `{project}.{dataset}`"
        ))
        .await
        .expect("raw dataset");
    let raw = starvit_gcp::bigquery::spec::TableRef {
        project_id: project.to_owned(),
        dataset_id: dataset.to_owned(),
        table_id: "Patient".to_owned(),
    };
    let ddl = starvit_warehouse::sql::create_table(&raw, &starvit_warehouse::tables::RAW);
    chain.query(&ddl).await.expect("raw table");
    chain
        .query(&format!("ALTER TABLE {patients} DROP COLUMN export_time"))
        .await
        .expect("an older raw table");
    let export = synth(6, 17);
    let uploaded = chain
        .upload_export(export.path(), "job-bq")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-bq", uploaded.len(), Duration::from_secs(300))
            .await,
        "chain did not go idle"
    );
    let expected = assert_tables_equal_deid_bucket(&chain, "after the load").await;
    assert!(expected.len() >= 10, "{expected:?}");
    let unstamped = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {patients} WHERE export_time IS NULL"
        ))
        .await
        .expect("the older raw table gained export_time");
    assert_eq!(
        unstamped, 0,
        "every loaded Patient row carries its export_time"
    );

    // Lineage joins from every loaded row back to its export.
    for ty in expected.keys() {
        let orphans = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {raw} r LEFT JOIN {lin} l ON l.stage = 'bq-load' AND l.source_object = r.source_object \
                 AND l.deid_run_id = r.deid_run_id WHERE l.export_job_id IS NULL OR l.export_job_id != 'job-bq'",
                raw = chain.table(RAW_DATASET, ty),
                lin = chain.table(GOVERNANCE_DATASET, "lineage"),
            ))
            .await
            .expect("join");
        assert_eq!(orphans, 0, "rows of {ty} without lineage to the export");
    }
    let policies = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {}",
            chain.table(GOVERNANCE_DATASET, "deid_policy_versions")
        ))
        .await
        .expect("policies");
    assert_eq!(policies, 1, "the policy version is written once");
    // One lineage row per stage per object: deidentify (from the object metadata) and bq-load.
    for stage in ["deidentify", "bq-load"] {
        let rows = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {} WHERE stage = '{stage}' AND export_job_id = 'job-bq'",
                chain.table(GOVERNANCE_DATASET, "lineage")
            ))
            .await
            .expect("lineage rows");
        assert_eq!(rows, uploaded.len() as u64, "lineage rows of stage {stage}");
    }

    // Every job carries the five governance labels.
    let jobs = chain.jobs().await.expect("jobs");
    assert!(jobs.len() >= uploaded.len(), "jobs: {}", jobs.len());
    for job in &jobs {
        let labels = job["configuration"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for key in ["service", "owner", "env", "pipeline", "purpose"] {
            assert!(
                labels.contains_key(key),
                "job {} lacks label {key}: {labels:?}",
                job["id"]
            );
        }
    }

    // Replaying the whole export (a second export of the same resource versions) adds no rows.
    chain
        .upload_export(export.path(), "job-bq-replay")
        .await
        .expect("replay");
    assert!(
        chain
            .wait_loaded("job-bq-replay", uploaded.len(), Duration::from_secs(300))
            .await,
        "replay did not go idle"
    );
    assert_tables_equal_deid_bucket(&chain, "after replay").await;
}
