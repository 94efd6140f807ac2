//! Unit tests of the walk: contained resources and local references.

use super::*;
use crate::key::Key;
use serde_json::json;

/// De-identifies one resource with the builtin `shifted` policy.
fn run(input: Value) -> (Value, Pseudonymizer) {
    let policy = Policy::builtin("shifted").unwrap();
    let pseudo = Pseudonymizer::new(&Key::from_bytes(b"transform-unit-test-key".to_vec()).unwrap());
    let meta = MetaParts::new(&policy);
    let reference_date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut v = input;
    let mut open = crate::gate::OpenValues::new();
    assert!(Transformer::new(&policy, &pseudo, reference_date, &meta).resource(&mut v, &mut open));
    (v, pseudo)
}

fn security(v: &Value) -> Vec<&str> {
    v["meta"]["security"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect()
}

#[test]
fn contained_of_a_dropped_type_takes_its_references_with_it() {
    // Specimen is not kept by the rules; Observation is. Every Reference to `#sp` goes
    // whole (its `type` too), an array left empty goes, a parent left empty goes.
    let (out, p) = run(json!({
        "resourceType": "DiagnosticReport",
        "id": "dr-1",
        "contained": [
            {"resourceType": "Specimen", "id": "sp", "accessionIdentifier": {"value": "ACC-1"}},
            {"resourceType": "Observation", "id": "o1", "status": "final",
             "specimen": {"reference": "#sp", "type": "Specimen"},
             "hasMember": [{"reference": "#o1"}, {"reference": "#"}]}
        ],
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "specimen": [{"reference": "#sp", "type": "Specimen", "display": "blood"}],
        "result": [{"reference": "#sp", "type": "Specimen"}, {"reference": "#o1", "type": "Observation"}],
        "media": [{"link": {"reference": "#sp", "type": "Specimen"}}]
    }));
    let contained = out["contained"].as_array().unwrap();
    assert_eq!(contained.len(), 1, "{out}");
    let o1 = format!("#{}", p.local_id("o1"));
    assert_eq!(contained[0]["resourceType"], "Observation");
    assert_eq!(contained[0]["id"], p.local_id("o1"));
    assert!(out.get("specimen").is_none(), "{out}");
    assert_eq!(
        out["result"],
        json!([{"reference": o1, "type": "Observation"}])
    );
    assert!(
        out.get("media").is_none(),
        "parent emptied by the drop is pruned: {out}"
    );
    // Inside a kept contained resource the same rule holds; `#` and siblings resolve.
    assert!(contained[0].get("specimen").is_none(), "{out}");
    assert_eq!(
        contained[0]["hasMember"],
        json!([{"reference": o1}, {"reference": "#"}])
    );
    assert!(!out.to_string().contains("ACC-1"));
    assert!(security(&out).contains(&"REDACTED"));
}

#[test]
fn local_reference_without_a_kept_target_is_dropped() {
    // No `contained` at all, an invalid contained id, a contained resource with no id,
    // and a container whose rules do not keep `contained` (Device).
    let (out, _) = run(json!({
        "resourceType": "MedicationRequest",
        "id": "mr-1",
        "contained": [
            {"resourceType": "Medication", "code": {"coding": [{"code": "1"}]}},
            {"resourceType": "Medication", "id": "bad id", "code": {"coding": [{"code": "2"}]}}
        ],
        "status": "active",
        "medicationReference": {"reference": "#bad id", "type": "Medication"},
        "reasonReference": [{"reference": "#gone"}],
        "subject": {"reference": "Patient/p1"}
    }));
    assert!(out.get("contained").is_none(), "{out}");
    assert!(out.get("medicationReference").is_none(), "{out}");
    assert!(out.get("reasonReference").is_none(), "{out}");
    assert!(
        out["subject"]["reference"]
            .as_str()
            .unwrap()
            .starts_with("Patient/")
    );
    let (dev, _) = run(json!({
        "resourceType": "Device",
        "id": "dev-1",
        "contained": [{"resourceType": "Organization", "id": "org"}],
        "owner": {"reference": "#org", "type": "Organization"},
        "status": "active"
    }));
    assert!(
        dev.get("contained").is_none() && dev.get("owner").is_none(),
        "{dev}"
    );
}

#[test]
fn contained_medication_keeps_its_codes_and_loses_identifiers() {
    let (out, p) = run(json!({
        "resourceType": "MedicationRequest",
        "id": "mr-2",
        "contained": [{
            "resourceType": "Medication",
            "id": "med1",
            "meta": {"source": "#pharmacy-feed"},
            "text": {"status": "generated", "div": "<div>Amoxicillin for J. Doe</div>"},
            "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "308182", "display": "Amoxicillin 250 MG"}], "text": "amox"},
            "status": "active",
            "manufacturer": {"reference": "Organization/mfr-1", "display": "Acme Pharma"},
            "form": {"coding": [{"system": "http://snomed.info/sct", "code": "385055001"}]},
            "amount": {"numerator": {"value": 30, "unit": "tablet"}, "denominator": {"value": 1}},
            "ingredient": [{
                "itemCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "723"}]},
                "isActive": true,
                "strength": {"numerator": {"value": 250, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
                             "denominator": {"value": 1, "unit": "TAB"}}
            }],
            "batch": {"lotNumber": "LOT-7781-X", "expirationDate": "2027-03-31"},
            "contained": [{"resourceType": "Organization", "id": "nested"}]
        }],
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "#med1", "display": "Amoxicillin"},
        "subject": {"reference": "Patient/p1"}
    }));
    let med = &out["contained"][0];
    assert_eq!(
        out["medicationReference"],
        json!({"reference": format!("#{}", p.local_id("med1"))})
    );
    assert_eq!(med["id"], p.local_id("med1"));
    assert_eq!(
        med["code"],
        json!({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "308182"}]})
    );
    assert_eq!(med["status"], "active");
    assert_eq!(med["form"]["coding"][0]["code"], "385055001");
    assert_eq!(med["amount"]["numerator"]["value"], 30);
    assert_eq!(
        med["ingredient"][0]["itemCodeableConcept"]["coding"][0]["code"],
        "723"
    );
    assert_eq!(med["ingredient"][0]["isActive"], true);
    assert_eq!(med["ingredient"][0]["strength"]["numerator"]["value"], 250);
    assert_eq!(
        med["manufacturer"],
        json!({"reference": format!("Organization/{}", p.id("mfr-1"))})
    );
    for gone in ["batch", "meta", "text", "contained"] {
        assert!(med.get(gone).is_none(), "{gone}: {med}");
    }
    let text = out.to_string();
    for secret in [
        "LOT-7781-X",
        "2027-03-31",
        "Acme",
        "Doe",
        "pharmacy-feed",
        "nested",
    ] {
        assert!(!text.contains(secret), "{secret} survived: {text}");
    }
}
