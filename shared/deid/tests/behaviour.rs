//! Behaviour of the engine over the small fixture: fail-closed, references, dates,
//! generalisations, quarantine, leak gate.

mod common;

use serde_json::Value;
use starvit_deid::{DeidError, MemoryQuarantine, Policy, QuarantineReason, ValueKind};

fn by_type<'a>(out: &'a [Value], t: &str) -> Vec<&'a Value> {
    out.iter().filter(|v| v["resourceType"] == t).collect()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

#[test]
fn fail_closed_types_elements_extensions() {
    let (out, summary) = common::run(&common::engine("shifted"), common::SMALL);
    for t in ["ClientApplication", "Subscription", "Foo"] {
        assert!(by_type(&out, t).is_empty(), "{t} must be dropped");
    }
    assert_eq!(summary.by_type["Subscription"].dropped, 1);
    // Types that are no FHIR R4 resource type are never echoed in the summary.
    assert!(
        !summary.by_type.contains_key("Foo") && !summary.by_type.contains_key("ClientApplication")
    );
    assert_eq!(
        summary.by_type[starvit_deid::summary::UNKNOWN_TYPE].dropped,
        2
    );
    let text = out.iter().map(Value::to_string).collect::<String>();
    for secret in [
        "super-secret",
        "hook-secret",
        "mauve",
        "favouriteColour",
        "Vendor Secret",
        "vendor.example",
        "Quillfeather",
        "AAAA",
        "SUB-778899",
    ] {
        assert!(!text.contains(secret), "{secret} survived");
    }
    let pat = by_type(&out, "Patient")[0];
    // Allow-listed extension kept with its coded part, its free-text part dropped.
    let ext = pat["extension"].as_array().unwrap();
    assert_eq!(ext.len(), 1);
    assert_eq!(ext[0]["extension"].as_array().unwrap().len(), 1);
    assert_eq!(ext[0]["extension"][0]["valueCoding"]["code"], "2106-3");
    assert!(
        ext[0]["extension"][0]["valueCoding"]
            .get("display")
            .is_none()
    );
    assert!(pat.get("name").is_none() && pat.get("telecom").is_none() && pat.get("text").is_none());
    assert!(pat["identifier"][0].get("value").is_none());
    // Contained Binary dropped, contained Coverage kept.
    let eob = by_type(&out, "ExplanationOfBenefit")[0];
    assert_eq!(eob["contained"].as_array().unwrap().len(), 1);
}

#[test]
fn every_reference_form_points_to_the_patient_pseudonym() {
    let (out, _) = common::run(&common::engine("shifted"), common::SMALL);
    let pid = s(&by_type(&out, "Patient")[0]["id"]).to_owned();
    assert_ne!(pid, "pat-old-0001");
    let obs = by_type(&out, "Observation");
    assert_eq!(
        s(&obs[0]["subject"]["reference"]),
        format!("Patient/{pid}"),
        "absolute URL made relative"
    );
    assert_eq!(
        s(&obs[1]["subject"]["reference"]),
        format!("urn:uuid:{pid}"),
        "urn:uuid resolves to the same id"
    );
    assert_eq!(
        s(&by_type(&out, "Encounter")[0]["subject"]["reference"]),
        format!("Patient/{pid}")
    );
    assert!(
        by_type(&out, "Encounter")[0]["subject"]
            .get("display")
            .is_none()
    );
    // _history dropped, target pseudonym equals the Encounter's id.
    let eid = s(&by_type(&out, "Encounter")[0]["id"]);
    assert_eq!(
        s(&obs[0]["encounter"]["reference"]),
        format!("Encounter/{eid}")
    );
    // Conditional reference dropped entirely.
    assert!(obs[1].get("performer").is_none());
    // Contained: #cov rewritten consistently with the contained id.
    let eob = by_type(&out, "ExplanationOfBenefit")[0];
    let local = s(&eob["contained"][0]["id"]);
    assert_eq!(
        s(&eob["insurance"][0]["coverage"]["reference"]),
        format!("#{local}")
    );
    assert_eq!(
        s(&eob["contained"][0]["beneficiary"]["reference"]),
        format!("Patient/{pid}")
    );
}

#[test]
fn contained_medication_kept_and_references_to_dropped_contained_removed() {
    let (out, _) = common::run(&common::engine("shifted"), common::SMALL);
    let pid = s(&by_type(&out, "Patient")[0]["id"]).to_owned();
    // MedicationRequest: the contained Medication keeps its RxNorm code, the reference
    // resolves, lot number / expiry / manufacturer display are gone.
    let mr = by_type(&out, "MedicationRequest")[0];
    let med = &mr["contained"][0];
    assert_eq!(med["resourceType"], "Medication");
    assert_eq!(
        s(&mr["medicationReference"]["reference"]),
        format!("#{}", s(&med["id"]))
    );
    assert_eq!(
        med["code"],
        serde_json::json!({"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"308182"}]})
    );
    assert_eq!(med["ingredient"][0]["strength"]["numerator"]["value"], 250);
    assert!(med.get("batch").is_none() && med["manufacturer"].get("display").is_none());
    // DiagnosticReport: Specimen is not a kept type, so it and every Reference to it go
    // (top level and inside the kept contained Observation); `#hb` still resolves.
    let dr = by_type(&out, "DiagnosticReport")[0];
    let contained = dr["contained"].as_array().unwrap();
    assert_eq!(contained.len(), 1);
    assert_eq!(contained[0]["resourceType"], "Observation");
    assert_eq!(
        s(&contained[0]["subject"]["reference"]),
        format!("Patient/{pid}")
    );
    assert!(contained[0].get("specimen").is_none());
    assert!(dr.get("specimen").is_none());
    assert_eq!(
        s(&dr["result"][0]["reference"]),
        format!("#{}", s(&contained[0]["id"]))
    );
    let text = out.iter().map(Value::to_string).collect::<String>();
    for secret in [
        "LOT-55A-7781",
        "ACC-2020-0042",
        "Quillfeather",
        "2021-06-30",
    ] {
        assert!(!text.contains(secret), "{secret} survived");
    }
}

fn day(v: &Value) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(&s(v)[..10], "%Y-%m-%d").unwrap()
}

#[test]
fn date_shift_is_per_patient_and_keeps_intervals() {
    let (out, _) = common::run(&common::engine("shifted"), common::SMALL);
    let enc = by_type(&out, "Encounter")[0];
    let obs = by_type(&out, "Observation");
    let orig = chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap();
    let shift_old = (day(&enc["period"]["start"]) - orig).num_days();
    assert_ne!(shift_old, 0);
    assert!(shift_old.abs() <= 365);
    // Same patient, other resources (absolute-URL and urn:uuid references): same shift.
    assert_eq!(
        (day(&obs[0]["effectiveDateTime"]) - orig).num_days(),
        shift_old
    );
    assert_eq!(
        (day(&obs[1]["effectiveDateTime"]) - chrono::NaiveDate::from_ymd_opt(2020, 3, 4).unwrap())
            .num_days(),
        shift_old
    );
    // Time of day and interval survive.
    assert!(s(&enc["period"]["start"]).ends_with("T10:00:00-05:00"));
    assert!(s(&enc["period"]["end"]).ends_with("T11:30:00-05:00"));
    // Another patient: another shift.
    let shift_young = (day(&obs[2]["effectiveDateTime"]) - orig).num_days();
    assert_ne!(shift_young, shift_old);
    // Stable across runs.
    let (again, _) = common::run(&common::engine("shifted"), common::SMALL);
    assert_eq!(again, out);
}

#[test]
fn generalisations_zip_age_birthdate() {
    let (out, _) = common::run(&common::engine("shifted"), common::SMALL);
    let pats = by_type(&out, "Patient");
    assert_eq!(
        pats[0]["address"][0]["postalCode"], "000",
        "036 is restricted"
    );
    assert!(
        pats[0]["address"][0].get("line").is_none() && pats[0]["address"][0].get("city").is_none()
    );
    assert_eq!(pats[1]["address"][0]["postalCode"], "021");
    assert_eq!(
        by_type(&out, "Practitioner")[0]["address"][0]["postalCode"],
        "000",
        "893 is restricted"
    );
    // Born 1930, 95 at the reference date 2026-01-01: year 1936 reads 90.
    assert_eq!(pats[0]["birthDate"], "1936");
    assert_ne!(pats[1]["birthDate"], "1980-05-06");
    assert_eq!(s(&pats[1]["birthDate"]).len(), 10);
    let cond = by_type(&out, "Condition")[0];
    assert_eq!(cond["onsetAge"]["value"], 90);
    assert_eq!(cond["abatementAge"]["value"], 50);
    let codes: Vec<&str> = pats[0]["meta"]["security"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["code"]))
        .collect();
    // Born 1930: no date left to shift (`meta.lastUpdated` is dropped, never shifted).
    assert_eq!(codes, ["PSEUDED", "ABSTRED", "REDACTED"]);
}

#[test]
fn safe_harbor_keeps_years_only() {
    let (out, _) = common::run(&common::engine("safe-harbor"), common::SMALL);
    let enc = by_type(&out, "Encounter")[0];
    assert_eq!(enc["period"]["start"], "2020");
    assert_eq!(by_type(&out, "Patient")[1]["birthDate"], "1980");
    assert_eq!(by_type(&out, "Patient")[1]["deceasedDateTime"], "2020");
    assert_eq!(by_type(&out, "Patient")[0]["birthDate"], "1936");
    assert!(
        by_type(&out, "Patient")[0]["meta"]
            .get("lastUpdated")
            .is_none()
    );
}

#[test]
fn clinical_content_and_policy_version_survive() {
    let engine = common::engine("shifted");
    let (out, _) = common::run(&engine, common::SMALL);
    let obs = by_type(&out, "Observation");
    assert_eq!(
        obs[0]["valueQuantity"],
        serde_json::json!({"value":162.5,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"})
    );
    assert_eq!(
        obs[0]["code"],
        serde_json::json!({"coding":[{"system":"http://loinc.org","code":"8302-2"}]})
    );
    assert_eq!(obs[1]["component"][0]["valueQuantity"]["value"], 120);
    for v in &out {
        assert_eq!(v["meta"]["tag"][0]["code"], engine.policy().version());
    }
}

#[test]
fn malformed_lines_are_quarantined_and_the_rest_is_processed() {
    let engine = starvit_deid::Engine::with_options(
        Policy::builtin("shifted").unwrap(),
        &common::key(),
        starvit_deid::EngineOptions {
            max_line_bytes: 4096,
            ..Default::default()
        },
    );
    let good = r#"{"resourceType":"Observation","id":"o1","status":"final"}"#;
    let mut input = Vec::new();
    input.extend_from_slice(format!("{good}\n").as_bytes()); // 1
    input.extend_from_slice(b"{not json\n"); // 2
    input.extend_from_slice(b"{\"resourceType\":\"Patient\",\"id\":\"p\xff\"}\n"); // 3 invalid utf-8
    input.extend_from_slice(b"[1,2,3]\n"); // 4
    input.extend_from_slice(b"{\"id\":\"x\"}\n"); // 5
    input.extend_from_slice(b"{\"resourceType\":\"Patient\"}\n"); // 6
    input.extend_from_slice(b"{\"resourceType\":\"not a type\",\"id\":\"x\"}\n"); // 7
    input.extend_from_slice(
        format!(
            "{{\"resourceType\":\"Patient\",\"id\":\"big\",\"x\":\"{}\"}}\n",
            "a".repeat(10_000)
        )
        .as_bytes(),
    ); // 8
    input.extend_from_slice(b"\n"); // 9 blank
    input.extend_from_slice(format!("{}\r\n", good.replace("o1", "o2")).as_bytes()); // 10
    let mut out = Vec::new();
    let mut q = MemoryQuarantine::default();
    let summary = engine.deid_ndjson(&input[..], &mut out, &mut q).unwrap();
    assert_eq!(
        q.records,
        vec![
            (2, QuarantineReason::InvalidJson),
            (3, QuarantineReason::InvalidUtf8),
            (4, QuarantineReason::NotAnObject),
            (5, QuarantineReason::MissingResourceType),
            (6, QuarantineReason::MissingId),
            (7, QuarantineReason::InvalidResourceType),
            (8, QuarantineReason::LineTooLong),
            (9, QuarantineReason::EmptyLine),
        ]
    );
    assert_eq!(summary.by_type["Observation"].output, 2);
    assert_eq!(summary.totals().quarantined, 8);
    assert_eq!(summary.lines, 10, "every line is accounted for");
    summary.check_accounting().unwrap();
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
}

#[test]
fn a_name_in_a_shape_valid_code_is_quarantined_by_the_gate_and_the_file_goes_on() {
    // "Oldfield" is a valid token-shaped code of an HL7 code system: shape checks pass,
    // the leak gate must stop the line, and only that line.
    let engine = common::engine("shifted");
    let leaky = r#"{"resourceType":"Patient","id":"p-leak","name":[{"family":"Oldfield"}],"maritalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"Oldfield"}]}}"#;
    let input = format!("{leaky}\n{}", common::SMALL);
    let mut out = Vec::new();
    let mut q = MemoryQuarantine::default();
    let summary = engine
        .deid_ndjson(input.as_bytes(), &mut out, &mut q)
        .unwrap();
    assert_eq!(
        q.records,
        vec![(1, QuarantineReason::LeakGate(ValueKind::Name))]
    );
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("Oldfield"));
    assert_eq!(
        text.lines().count() as u64,
        summary.totals().output,
        "the rest of the file is written"
    );
    assert!(summary.totals().output > 5);
    summary.check_accounting().unwrap();
}

#[test]
fn a_single_resource_leak_is_an_error_without_phi() {
    let engine = common::engine("shifted");
    let leaky: Value = serde_json::from_str(r#"{"resourceType":"Patient","id":"p-leak","name":[{"family":"Oldfield"}],"maritalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"Oldfield"}]}}"#).unwrap();
    let err = engine.deid_resource(leaky).unwrap_err();
    assert!(
        matches!(
            err,
            DeidError::Leak {
                kind: ValueKind::Name,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("Oldfield"), "no PHI in errors");
}

#[test]
fn deid_files_fails_closed_and_removes_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ndjson");
    std::fs::write(&good, common::SMALL).unwrap();
    let engine = common::engine("shifted");
    let jobs = vec![starvit_deid::FileJob {
        input: good,
        output: dir.path().join("out.ndjson"),
        quarantine: None,
    }];
    let reports = engine.deid_files(&jobs, 2, None);
    assert!(reports[0].result.is_ok());
    assert!(dir.path().join("out.ndjson").exists());
    assert!(!dir.path().join("out.ndjson.partial").exists());
}

#[test]
fn key_debug_is_redacted() {
    assert_eq!(format!("{:?}", common::key()), "Key(<redacted>)");
}
