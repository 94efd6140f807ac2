//! Every encoding, proven: lossless round-trips (metadata, attributes, row) and always-valid
//! labels as properties over arbitrary valid lineage; malformed input for each decoder.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;
use starvit_lineage::labels::{MAX_LABELS, is_valid_key, is_valid_value, sanitize_value};
use starvit_lineage::row::TABLE_SCHEMA;
use starvit_lineage::*;

const ID: &str = "[A-Za-z0-9._/:=-]{1,64}";

fn opt<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

prop_compose! {
    fn lineage()(
        stage in "[a-z0-9_-]{1,63}",
        pipeline in opt("[a-z0-9_-]{1,63}"),
        export in opt(ID),
        bucket in opt("[a-z0-9._-]{1,63}"),
        object in opt("[A-Za-z0-9._/:=-]{1,300}"),
        generation in opt(1..=i64::MAX),
        policy in opt("[0-9a-f]{64}"),
        run in opt(ID),
        load in opt(ID),
        table in opt("[A-Za-z0-9._:-]{1,100}"),
        partition in opt("[A-Za-z0-9_]{1,32}"),
        graph in opt(ID),
    ) -> Lineage {
        let mut l = Lineage::new(StageName::new(stage).unwrap());
        l.pipeline = pipeline.map(|v| PipelineName::new(v).unwrap());
        l.export_job_id = export.map(|v| ExportJobId::new(v).unwrap());
        l.source_bucket = bucket.map(|v| SourceBucket::new(v).unwrap());
        l.source_object = object.map(|v| SourceObject::new(v).unwrap());
        l.source_generation = generation.map(|v| Generation::new(v).unwrap());
        l.deid_policy_version = policy.map(|v| PolicyVersion::new(v).unwrap());
        l.deid_run_id = run.map(|v| DeidRunId::new(v).unwrap());
        l.load_job_id = load.map(|v| LoadJobId::new(v).unwrap());
        l.destination_table = table.map(|v| DestinationTable::new(v).unwrap());
        l.destination_partition = partition.map(|v| DestinationPartition::new(v).unwrap());
        l.graph_version = graph.map(|v| GraphVersion::new(v).unwrap());
        l
    }
}

fn governance() -> JobLabels {
    JobLabels::new("bq-load", "data-platform", "dev", "fhir-batch", "analytics").unwrap()
}

proptest! {
    #[test]
    fn object_metadata_round_trips(l in lineage()) {
        let encoded = l.to_object_metadata();
        prop_assert!(encoded.keys().all(|k| k.starts_with("starvit-") && !k.contains('_')));
        prop_assert_eq!(Lineage::from_object_metadata(&encoded).unwrap(), l);
    }

    #[test]
    fn pubsub_attributes_round_trip(l in lineage()) {
        let encoded = l.to_pubsub_attributes();
        prop_assert!(encoded.keys().all(|k| k.starts_with("starvit_")));
        prop_assert!(encoded.values().all(|v| v.len() <= 1024));
        prop_assert_eq!(Lineage::from_pubsub_attributes(&encoded).unwrap(), l);
    }

    #[test]
    fn row_round_trips(l in lineage()) {
        let row = l.to_row();
        let text = serde_json::to_string(&row).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(Lineage::from_row(&back).unwrap(), l);
    }

    #[test]
    fn job_labels_are_always_valid(l in lineage()) {
        let labels = governance().with_lineage(&l);
        prop_assert!(labels.len() <= MAX_LABELS);
        for (k, v) in &labels {
            prop_assert!(is_valid_key(k), "key {}", k);
            prop_assert!(is_valid_value(v), "value {}", v);
        }
        for key in ["service", "owner", "env", "pipeline", "purpose", "starvit_stage"] {
            prop_assert!(labels.contains_key(key), "missing {}", key);
        }
    }

    #[test]
    fn sanitize_always_yields_a_valid_value(s in any::<String>()) {
        let v = sanitize_value(&s);
        prop_assert!(is_valid_value(&v), "{}", v);
        if is_valid_value(&s) {
            prop_assert_eq!(v, s);
        }
    }
}

fn sample() -> Lineage {
    let mut l = Lineage::new(StageName::new("bq-load").unwrap());
    l.export_job_id = Some(ExportJobId::new("job-42").unwrap());
    l.source_object = Some(SourceObject::new("deid/job-42/Patient.ndjson").unwrap());
    l.source_generation = Some(Generation::new(1_762_078_561_500_000).unwrap());
    l.deid_policy_version =
        Some(PolicyVersion::new(format!("sha256:{}", "ab".repeat(32))).unwrap());
    l.destination_table = Some(DestinationTable::new("starvit-dev.fhir.Patient").unwrap());
    l
}

#[test]
fn encodings_look_as_documented() {
    let l = sample();
    let md = l.to_object_metadata();
    assert_eq!(md["starvit-export-job-id"], "job-42");
    assert_eq!(md["starvit-source-generation"], "1762078561500000");
    assert_eq!(
        md["starvit-deid-policy-version"],
        format!("sha256:{}", "ab".repeat(32))
    );
    assert_eq!(l.to_pubsub_attributes()["starvit_stage"], "bq-load");
    let row = l.to_row();
    assert_eq!(row["source_generation"], "1762078561500000");
    assert_eq!(row["graph_version"], serde_json::Value::Null);
    let labels = l.to_job_labels();
    assert_eq!(labels["starvit_export_job_id"], "job-42");
    // Not a valid label value as is (uppercase, dots, slashes): sanitized with a hash suffix.
    let object = &labels["starvit_source_object"];
    assert!(
        object.starts_with("deid_job-42_patient_ndjson-"),
        "{object}"
    );
    assert_eq!(object.len(), "deid_job-42_patient_ndjson-".len() + 8);
}

#[test]
fn sanitize_keeps_distinct_values_distinct_and_fits() {
    assert_ne!(sanitize_value("Patient"), sanitize_value("patient"));
    assert_ne!(sanitize_value("a.b"), sanitize_value("a/b"));
    let long = "x".repeat(500);
    let v = sanitize_value(&long);
    assert_eq!(v.len(), 63);
    assert_ne!(v, sanitize_value(&"x".repeat(501)));
}

#[test]
fn row_schema_matches_row_columns() {
    let row = sample().to_row();
    let columns: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let schema: Vec<&str> = TABLE_SCHEMA.iter().map(|f| f.name).collect();
    assert_eq!(columns, schema);
    assert_eq!(TABLE_SCHEMA[0].mode, "REQUIRED");
    assert!(
        TABLE_SCHEMA
            .iter()
            .all(|f| matches!(f.field_type, "STRING" | "INT64"))
    );
}

#[test]
fn row_accepts_generation_as_number_and_ignores_extra_columns() {
    let mut row = sample().to_row();
    row["source_generation"] = json!(1_762_078_561_500_000_i64);
    row["recorded_at"] = json!("2026-11-02T10:00:00Z");
    assert_eq!(Lineage::from_row(&row).unwrap(), sample());
}

fn invalid(field: &'static str) -> impl Fn(&LineageError) -> bool {
    move |e| matches!(e, LineageError::Invalid { field: f, .. } if *f == field)
}

#[test]
fn metadata_decoder_rejects_malformed_values_naming_the_field() {
    let planted = "Jane Doe";
    let mut md = sample().to_object_metadata();
    md.insert("starvit-source-object".into(), planted.into());
    let err = Lineage::from_object_metadata(&md).unwrap_err();
    assert!(invalid("source_object")(&err), "{err:?}");
    assert!(!err.to_string().contains("Jane"));

    let mut md = sample().to_object_metadata();
    md.insert("starvit-source-generation".into(), "-3".into());
    assert!(invalid("source_generation")(
        &Lineage::from_object_metadata(&md).unwrap_err()
    ));

    let mut md = sample().to_object_metadata();
    md.remove("starvit-stage");
    assert_eq!(
        Lineage::from_object_metadata(&md).unwrap_err(),
        LineageError::Missing { field: "stage" }
    );

    // Foreign keys and unknown lineage keys are ignored.
    let mut md = sample().to_object_metadata();
    md.insert("content-owner".into(), "anything at all".into());
    md.insert("starvit-future-field".into(), "v".into());
    assert_eq!(Lineage::from_object_metadata(&md).unwrap(), sample());
}

#[test]
fn attribute_decoder_rejects_malformed_values_naming_the_field() {
    let mut attrs = sample().to_pubsub_attributes();
    attrs.insert("starvit_deid_policy_version".into(), "sha256:xyz".into());
    assert!(invalid("deid_policy_version")(
        &Lineage::from_pubsub_attributes(&attrs).unwrap_err()
    ));

    let mut attrs = sample().to_pubsub_attributes();
    attrs.insert("starvit_stage".into(), "Bq Load".into());
    assert!(invalid("stage")(
        &Lineage::from_pubsub_attributes(&attrs).unwrap_err()
    ));

    assert_eq!(
        Lineage::from_pubsub_attributes(&BTreeMap::new()).unwrap_err(),
        LineageError::Missing { field: "stage" }
    );
}

#[test]
fn row_decoder_rejects_malformed_rows_naming_the_field() {
    assert!(invalid("row")(&Lineage::from_row(&json!([1])).unwrap_err()));
    let mut row = sample().to_row();
    row["destination_partition"] = json!("2026-11-02");
    assert!(invalid("destination_partition")(
        &Lineage::from_row(&row).unwrap_err()
    ));
    let mut row = sample().to_row();
    row["export_job_id"] = json!(42);
    assert!(invalid("export_job_id")(
        &Lineage::from_row(&row).unwrap_err()
    ));
    let mut row = sample().to_row();
    row["source_generation"] = json!(1.5);
    assert!(invalid("source_generation")(
        &Lineage::from_row(&row).unwrap_err()
    ));
    let mut row = sample().to_row();
    row["stage"] = json!(null);
    assert_eq!(
        Lineage::from_row(&row).unwrap_err(),
        LineageError::Missing { field: "stage" }
    );
}

#[test]
fn job_labels_validate_governance_values() {
    let ok = governance();
    assert_eq!(ok.as_map().len(), 5);
    let err = JobLabels::new("bq-load", "Data Platform", "dev", "fhir", "analytics").unwrap_err();
    assert!(invalid("owner")(&err));
    assert!(!err.to_string().contains("Data"));
    assert!(invalid("env")(
        &JobLabels::new("s", "o", "", "p", "x").unwrap_err()
    ));
    let long = "a".repeat(64);
    assert!(invalid("purpose")(
        &JobLabels::new("s", "o", "e", "p", &long).unwrap_err()
    ));
    // Governance `pipeline` and lineage `starvit_pipeline` do not collide.
    let mut l = sample();
    l.pipeline = Some(PipelineName::new("other").unwrap());
    let labels = ok.with_lineage(&l);
    assert_eq!(labels["pipeline"], "fhir-batch");
    assert_eq!(labels["starvit_pipeline"], "other");
}
