//! Golden test: a de-identified Observation file -> the exact load-ready rows.
//! To regenerate after an intended change, run with `BQ_LOAD_BLESS=1` and review the diff.

use bq_load::extract::RowLineage;
use bq_load::staging::transform;
use starvit_fhir::time as fhirtime;

const INPUT: &str = include_str!("fixtures/Observation.deid.ndjson");
const EXPECTED: &str = "tests/fixtures/Observation.rows.ndjson";

#[tokio::test]
async fn observation_rows() {
    let lineage = RowLineage {
        export_job_id: Some("job-42".into()),
        source_object: Some("exports/job-42/Observation.ndjson".into()),
        source_generation: Some("1762078530123456".into()),
        deid_policy_version: Some(format!("sha256:{}", "ab".repeat(32))),
        deid_run_id: Some("deid-0123456789abcdef01234567".into()),
        load_job_id: Some("bqload_0123456789abcdef01234567_load".into()),
        export_time: Some("2026-11-02T09:00:00.000000Z".into()),
    };
    let ingested_at = fhirtime::parse("2026-11-02T10:15:30.5Z").unwrap();
    let mut out = Vec::new();
    let counts = transform(
        INPUT.as_bytes(),
        &mut out,
        "Observation",
        &lineage,
        ingested_at,
    )
    .await
    .unwrap();
    assert_eq!(counts.rows, 4);
    assert_eq!(counts.without_event_time, 1);
    assert_eq!(counts.without_patient, 1);
    let actual = String::from_utf8(out).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED);
    if std::env::var_os("BQ_LOAD_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(actual, expected);
    // Every row is one JSON object with the columns in schema order.
    for line in actual.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let want: Vec<&str> = bq_load::columns::RAW.column_names().collect();
        assert_eq!(keys, want);
    }
}
