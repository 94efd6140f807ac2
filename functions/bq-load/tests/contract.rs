//! Contract test: the exact `jobs.insert` bodies production sends to BigQuery for an object's
//! load job and MERGE job. local-bigquery accepts more than BigQuery does (and lacks partition
//! decorators), so the body is pinned here against the REST API's documented shape.
//!
//! The body is the official client's `Job` message serialised with serde, built the way
//! `starvit_gcp::bigquery::BigQueryClient::insert_job` builds it (job reference with the
//! project, the deterministic job id and the optional location, plus our configuration).

use std::collections::BTreeMap;

use bq_load::Config;
use bq_load::handler::{raw_jobs, stage_lineage};
use bq_load::naming::ObjectKey;
use bq_load::staging::Partitions;
use google_cloud_bigquery_v2::model::{Job, JobReference};
use serde_json::{Value, json};

const POLICY: &str = "sha256:ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
const NAME: &str = "exports/job-42/Observation.g1762078530123456.pab12cd34.ndjson";

fn config() -> Config {
    Config::from_vars([
        ("GOOGLE_CLOUD_PROJECT", "starvit-prod"),
        ("STARVIT_DEID_BUCKET", "starvit-deid"),
        ("STARVIT_LOAD_COMPLETE_TOPIC", "load-complete"),
        ("STARVIT_ENV", "prod"),
        ("STARVIT_OWNER", "data-platform"),
        ("BIGQUERY_LOCATION", "EU"),
    ])
    .unwrap()
}

fn metadata() -> BTreeMap<String, String> {
    [
        ("starvit-stage", "deidentify"),
        ("starvit-pipeline", "fhir-batch"),
        ("starvit-export-job-id", "job-42"),
        ("starvit-source-bucket", "starvit-phi-staging"),
        ("starvit-source-object", "exports/job-42/Observation.ndjson"),
        ("starvit-source-generation", "1762078530123456"),
        ("starvit-deid-policy-version", POLICY),
        ("starvit-deid-run-id", "deid-0123456789abcdef01234567"),
        ("unrelated", "ignored"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn body(
    config: &Config,
    job_id: &str,
    configuration: google_cloud_bigquery_v2::model::JobConfiguration,
) -> Value {
    let mut reference = JobReference::new()
        .set_project_id(config.gcp.project_id.clone())
        .set_job_id(job_id);
    if let Some(location) = &config.location {
        reference = reference.set_location(location.clone());
    }
    let job = Job::new()
        .set_job_reference(reference)
        .set_configuration(configuration);
    serde_json::to_value(&job).unwrap()
}

#[test]
fn load_and_merge_job_bodies() {
    let config = config();
    let key = ObjectKey::new("starvit-deid", NAME, 1_762_078_600_000_001);
    let raw = config.table(&config.raw_dataset, "Observation");
    let lineage = stage_lineage(&config, &metadata(), &key, &raw).unwrap();
    let mut partitions = Partitions::default();
    for date in [Some("2020-01-31"), Some("2020-02-01"), None] {
        partitions.add(date);
    }
    let [load, merge] =
        raw_jobs(&config, "starvit-deid", &key, &raw, &lineage, &partitions).unwrap();
    let k = key.as_str();
    let load_id = format!("bqload_{k}_load");
    assert_eq!(load.job_id, load_id);
    assert_eq!(merge.job_id, format!("bqload_{k}_merge"));

    let labels = |purpose: &str| {
        json!({
            "service": "bq-load",
            "owner": "data-platform",
            "env": "prod",
            "pipeline": "fhir-batch",
            "purpose": purpose,
            "starvit_stage": "bq-load",
            "starvit_pipeline": "fhir-batch",
            "starvit_export_job_id": "job-42",
            "starvit_source_bucket": "starvit-phi-staging",
            "starvit_source_object": "exports_job-42_observation_ndjson-4cd32035",
            "starvit_source_generation": "1762078530123456",
            "starvit_deid_policy_version": "sha256_ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef5-413d4d6f",
            "starvit_deid_run_id": "deid-0123456789abcdef01234567",
            "starvit_load_job_id": load_id,
            "starvit_destination_table": "starvit-prod_deid_raw_observation-a99e15e4",
        })
    };
    let field = |name: &str, ty: &str, mode: &str| json!({"name": name, "type": ty, "mode": mode});

    assert_eq!(
        body(&config, &load.job_id, load.configuration),
        json!({
            "jobReference": {"projectId": "starvit-prod", "jobId": load_id, "location": "EU"},
            "configuration": {
                "load": {
                    "sourceUris": [format!("gs://starvit-deid/_bqload/{k}.ndjson")],
                    "sourceFormat": "NEWLINE_DELIMITED_JSON",
                    "schema": {"fields": [
                        field("id", "STRING", "REQUIRED"),
                        field("version_id", "STRING", "NULLABLE"),
                        field("patient_id", "STRING", "NULLABLE"),
                        field("event_time", "TIMESTAMP", "NULLABLE"),
                        field("partition_date", "DATE", "NULLABLE"),
                        field("last_updated", "TIMESTAMP", "NULLABLE"),
                        field("ingested_at", "TIMESTAMP", "REQUIRED"),
                        field("code", "STRING", "NULLABLE"),
                        field("export_job_id", "STRING", "NULLABLE"),
                        field("source_object", "STRING", "NULLABLE"),
                        field("source_generation", "INT64", "NULLABLE"),
                        field("deid_policy_version", "STRING", "NULLABLE"),
                        field("deid_run_id", "STRING", "NULLABLE"),
                        field("load_job_id", "STRING", "NULLABLE"),
                        field("resource", "JSON", "NULLABLE"),
                        field("export_time", "TIMESTAMP", "NULLABLE"),
                    ]},
                    "destinationTable": {
                        "projectId": "starvit-prod",
                        "datasetId": "deid_staging",
                        "tableId": format!("stg_{k}"),
                    },
                    "createDisposition": "CREATE_IF_NEEDED",
                    "writeDisposition": "WRITE_TRUNCATE",
                },
                "labels": labels("load"),
            },
        })
    );

    let cols = "id, version_id, patient_id, event_time, partition_date, last_updated, \
                ingested_at, code, export_job_id, source_object, source_generation, \
                deid_policy_version, deid_run_id, load_job_id, resource, export_time";
    let s_cols = cols
        .split(", ")
        .map(|c| format!("S.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "MERGE `starvit-prod.deid_raw.Observation` AS T\n\
         USING (\n  SELECT {cols}\n  FROM `starvit-prod.deid_staging.stg_{k}`\n  WHERE TRUE\n  \
         QUALIFY ROW_NUMBER() OVER (PARTITION BY id, version_id ORDER BY ingested_at) = 1\n\
         ) AS S\n\
         ON T.id = S.id AND T.version_id IS NOT DISTINCT FROM S.version_id\n  \
         AND T.partition_date IS NOT DISTINCT FROM S.partition_date\n  \
         AND ((T.partition_date >= DATE '2020-01-01' AND T.partition_date < DATE '2020-03-01') \
         OR (T.partition_date IS NULL))\n\
         WHEN NOT MATCHED THEN\n  INSERT ({cols})\n  VALUES ({s_cols})"
    );
    assert_eq!(
        body(&config, &merge.job_id, merge.configuration),
        json!({
            "jobReference": {
                "projectId": "starvit-prod",
                "jobId": format!("bqload_{k}_merge"),
                "location": "EU",
            },
            "configuration": {
                "query": {"query": sql, "useLegacySql": false},
                "labels": labels("merge"),
            },
        })
    );
}

#[test]
fn job_ids_follow_the_event_not_the_delivery() {
    let config = config();
    let raw = config.table(&config.raw_dataset, "Observation");
    let ids = |generation: i64| {
        let key = ObjectKey::new("starvit-deid", NAME, generation);
        let lineage = stage_lineage(&config, &metadata(), &key, &raw).unwrap();
        raw_jobs(
            &config,
            "starvit-deid",
            &key,
            &raw,
            &lineage,
            &Partitions::default(),
        )
        .unwrap()
        .map(|j| j.job_id)
    };
    assert_eq!(ids(5), ids(5));
    assert_ne!(ids(5), ids(6));
    for id in ids(5) {
        assert!(id.len() <= 1024);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}

#[test]
fn incomplete_lineage_is_rejected() {
    let config = config();
    let key = ObjectKey::new("starvit-deid", NAME, 5);
    let raw = config.table(&config.raw_dataset, "Observation");
    let mut metadata = metadata();
    metadata.remove("starvit-deid-run-id");
    let err = stage_lineage(&config, &metadata, &key, &raw).unwrap_err();
    assert_eq!(starvit_runtime::Classify::code(&err), "lineage_incomplete");
    let mut metadata = self::metadata();
    metadata.insert("starvit-source-generation".into(), "-1".into());
    let err = stage_lineage(&config, &metadata, &key, &raw).unwrap_err();
    assert_eq!(starvit_runtime::Classify::code(&err), "lineage_invalid");
}
