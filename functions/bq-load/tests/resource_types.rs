//! A resource type end to end without the emulators: hand-made PHI resources through the
//! de-ID engine with the shipped policy, then into raw table rows. The type's knowledge comes
//! from one place (`starvit-fhir`); its de-ID rules from `policies/rules-r4.toml`.

use bq_load::extract::{RowLineage, row};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use starvit_deid::{Engine, Key, Policy};

fn engine(profile: &str) -> Engine {
    let key = Key::from_bytes(b"starvit-test-key-not-a-secret".to_vec()).unwrap();
    Engine::new(Policy::builtin(profile).unwrap(), &key)
}

fn deid(engine: &Engine, resource: Value) -> Value {
    engine
        .deid_resource(resource)
        .unwrap()
        .expect("the policy keeps the type")
}

fn lineage() -> RowLineage {
    RowLineage {
        export_job_id: None,
        source_object: None,
        source_generation: None,
        deid_policy_version: None,
        deid_run_id: None,
        load_job_id: None,
        export_time: None,
    }
}

fn service_request() -> Value {
    json!({
        "resourceType": "ServiceRequest", "id": "sr-1",
        "status": "active", "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "108252007"}]}],
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "26604007",
                             "display": "Complete blood count"}], "text": "CBC please"},
        "subject": {"reference": "Patient/pat-7", "display": "Jane Roe"},
        "encounter": {"reference": "Encounter/enc-7"},
        "authoredOn": "2024-03-05T09:30:00Z",
        "occurrencePeriod": {"start": "2024-03-06", "end": "2024-03-07"},
        "requester": {"reference": "Practitioner/dr-1"},
        "note": [{"text": "Patient Jane Roe prefers mornings"}],
        "patientInstruction": "Fast from midnight, call 555-0100"
    })
}

#[test]
fn a_service_request_becomes_a_row_keyed_like_the_rest_of_its_patient() {
    let engine = engine("shifted");
    let patient = deid(
        &engine,
        json!({"resourceType": "Patient", "id": "pat-7", "gender": "female"}),
    );
    // An Encounter of the same patient at the same clinical time: one patient, one date shift.
    let encounter = deid(
        &engine,
        json!({"resourceType": "Encounter", "id": "enc-7", "status": "finished",
               "subject": {"reference": "Patient/pat-7"},
               "period": {"start": "2024-03-05T09:30:00Z"}}),
    );
    let request = deid(&engine, service_request());

    let (l, now) = (
        lineage(),
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
    );
    let enc_row = row(&encounter, "Encounter", &l, now).unwrap();
    let sr_row = row(&request, "ServiceRequest", &l, now).unwrap();

    let pseudo_patient = patient["id"].as_str().unwrap();
    assert_ne!(pseudo_patient, "pat-7");
    assert_eq!(sr_row.patient_id, Some(pseudo_patient));
    assert_eq!(
        sr_row.code.as_deref(),
        Some("http://snomed.info/sct|26604007")
    );
    let event = sr_row.event_time.expect("authoredOn is the event time");
    assert_ne!(event, "2024-03-05T09:30:00.000000Z", "shifted");
    assert_eq!(Some(event), enc_row.event_time, "same patient, same shift");

    // The policy: codes, status, intent, category, dates and references kept; free text gone.
    for kept in [
        "status",
        "intent",
        "category",
        "code",
        "occurrencePeriod",
        "requester",
    ] {
        assert!(request.get(kept).is_some(), "{kept} kept");
    }
    for dropped in ["note", "patientInstruction"] {
        assert!(request.get(dropped).is_none(), "{dropped} dropped");
    }
    let text = request.to_string();
    for phi in [
        "Jane",
        "555-0100",
        "CBC please",
        "Complete blood count",
        "pat-7",
    ] {
        assert!(!text.contains(phi), "{phi} must not survive");
    }
}

#[test]
fn without_authored_on_the_occurrence_is_the_event_time() {
    let mut sr = service_request();
    sr.as_object_mut().unwrap().remove("authoredOn");
    let l = lineage();
    let r = row(&sr, "ServiceRequest", &l, Utc::now()).unwrap();
    assert_eq!(r.event_time.as_deref(), Some("2024-03-06T00:00:00.000000Z"));
}

#[test]
fn every_type_a_policy_keeps_is_a_type_the_project_knows() {
    for profile in ["shifted", "safe-harbor"] {
        let policy = Policy::builtin(profile).unwrap();
        let kept: Vec<&str> = starvit_fhir::R4_RESOURCE_TYPES
            .into_iter()
            .filter(|t| policy.keeps_type(t))
            .collect();
        assert!(kept.contains(&"ServiceRequest"), "{profile}");
        for ty in kept {
            assert!(
                starvit_fhir::resource_type_known(ty),
                "{profile} keeps {ty}: add it to starvit-fhir's table (shared/fhir/src/types.rs)"
            );
        }
    }
}
