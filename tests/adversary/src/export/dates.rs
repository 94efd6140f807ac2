//! Classes 1 and 2 of issue 15.
//!
//! 1. Values an outsider can know or bound: `meta.lastUpdated` (set on every resource of this
//!    suite by [`Gen::meta`], and on a contained resource), `Provenance.recorded`,
//!    `Observation.issued` at load time; recent clinical dates a shift could push past the
//!    export; dates after the export time. Record times (`recordedDate`, `Attachment.creation`)
//!    stamped at load time are [`Attack::RecordTimes`](crate::plant::Attack::RecordTimes).
//! 2. Ages over 89 outside `birthDate`: LOINC age-coded Observations (`valueQuantity`,
//!    `valueInteger`, components), `onsetAge` whose unit and code disagree, years that alone
//!    show 90+, `onsetAge` + `recordedDate`.

use chrono::{Datelike, Days};
use serde_json::{Value, json};

use super::Gen;
use super::person::Person;

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
/// LOINC codes whose value is a person's age.
pub const AGE_CODES: [&str; 6] = [
    "30525-0", "21612-7", "29553-5", "21611-9", "63900-5", "35659-2",
];

fn subject(p: &Person) -> Value {
    json!({"reference": format!("Patient/{}", p.id)})
}

impl Gen {
    /// Class 1: system timestamps near the export, recent dates, dates after the export.
    pub fn date_readback(&mut self, people: &[Person]) {
        self.contained_stamp(&people[0]);
        for p in people {
            let (prov, meta, recorded) = (self.uuid(), self.meta(), self.system_instant());
            let r = json!({"resourceType": "Provenance", "id": prov, "meta": meta,
                "target": [{"reference": format!("Patient/{}", p.id)}], "recorded": recorded,
                "agent": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "author"}]},
                           "who": {"reference": format!("Patient/{}", p.id)}}]});
            self.add(r);
            let (obs, meta, issued, days) = (
                self.uuid(),
                self.meta(),
                self.system_instant(),
                self.rng_days(0, 3),
            );
            let effective = self.clinical(days);
            let r = json!({"resourceType": "Observation", "id": obs, "meta": meta, "status": "final",
                "code": {"coding": [{"system": LOINC, "code": "2339-0"}]}, "subject": subject(p),
                "effectiveDateTime": effective, "issued": issued,
                "valueQuantity": {"value": 101, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"}});
            self.add(r);
            let (enc, meta, days) = (self.uuid(), self.meta(), self.rng_days(1, 20));
            let start = self.clinical(days);
            let r = json!({"resourceType": "Encounter", "id": enc, "meta": meta, "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                "subject": subject(p), "period": {"start": start, "end": start}});
            self.add(r);
            let future = |d: u64| {
                (self.export_time + Days::new(d))
                    .format("%Y-%m-%d")
                    .to_string()
            };
            let (follow_up, plan_end) = (future(21), future(180));
            let (sr, cp, m1, m2) = (self.uuid(), self.uuid(), self.meta(), self.meta());
            let r = json!({"resourceType": "ServiceRequest", "id": sr, "meta": m1, "status": "active",
                "intent": "order", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "390906007"}]},
                "subject": subject(p), "occurrenceDateTime": follow_up, "authoredOn": start});
            self.add(r);
            let r = json!({"resourceType": "CarePlan", "id": cp, "meta": m2, "status": "active",
                "intent": "plan", "subject": subject(p), "period": {"start": start, "end": plan_end}});
            self.add(r);
        }
    }

    /// Class 1 (contained): a contained resource's own `meta.lastUpdated`.
    pub fn contained_stamp(&mut self, p: &Person) {
        let (id, meta, stamp) = (self.uuid(), self.meta(), self.system_instant());
        let r = json!({"resourceType": "Condition", "id": id, "meta": meta, "subject": subject(p),
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
            "contained": [{"resourceType": "Practitioner", "id": "pr1", "meta": {"lastUpdated": stamp}, "gender": "female"}],
            "asserter": {"reference": "#pr1"}});
        self.add(r);
    }

    /// Class 1 (record times): values FHIR describes as when the record was made, often
    /// system-generated, stamped at load time: `Condition.recordedDate`,
    /// `AllergyIntolerance.recordedDate`, `Attachment.creation`.
    pub fn record_stamps(&mut self, people: &[Person]) {
        for p in people {
            let (c, a, d) = (self.uuid(), self.uuid(), self.uuid());
            let (s1, s2, s3) = (
                self.system_instant(),
                self.system_instant(),
                self.system_instant(),
            );
            let r = json!({"resourceType": "Condition", "id": c, "subject": subject(p), "recordedDate": s1,
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}});
            self.add(r);
            let r = json!({"resourceType": "AllergyIntolerance", "id": a, "patient": subject(p), "recordedDate": s2,
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91936005"}]}});
            self.add(r);
            let r = json!({"resourceType": "DocumentReference", "id": d, "status": "current", "subject": subject(p),
                "content": [{"attachment": {"contentType": "text/plain", "creation": s3}}]});
            self.add(r);
        }
    }

    /// Class 2: ages over 89 in every place that is not `Patient.birthDate` or `Age`.
    pub fn ages_over_89(&mut self, people: &[Person]) {
        let year = self.export_time.year();
        for (i, code) in AGE_CODES.iter().enumerate() {
            let p = &people[i % people.len()];
            let age = 91 + self.rng_days(0, 15);
            let value = match i % 3 {
                0 => {
                    json!({"valueQuantity": {"value": age, "unit": "years", "system": UCUM, "code": "a"}})
                }
                1 => json!({"valueInteger": age}),
                _ => {
                    json!({"valueQuantity": {"value": age * 12 + 5, "unit": "mo", "system": UCUM, "code": "mo"}})
                }
            };
            self.age_observation(p, code, value);
            let component = json!({"code": {"coding": [{"system": LOINC, "code": code}]},
                "valueQuantity": {"value": age, "unit": "a", "system": UCUM, "code": "a"}});
            self.age_observation(p, "89050-1", json!({"component": [component]}));
        }
        let p = &people[0];
        let onsets = [
            json!({"onsetAge": {"value": 95, "unit": "years", "system": UCUM, "code": "d"}}),
            json!({"onsetAge": {"value": 34_700, "unit": "d", "system": UCUM, "code": "d"}}),
            json!({"abatementAge": {"value": 93, "unit": "a", "system": UCUM, "code": "a"}, "onsetDateTime": "2019-01-01"}),
            json!({"onsetDateTime": format!("{}-05-01", year - 93)}),
            json!({"onsetRange": {"low": {"value": 93, "unit": "a", "system": UCUM, "code": "a"}}}),
            json!({"onsetAge": {"value": 60, "unit": "years", "system": UCUM, "code": "a"},
                   "recordedDate": format!("{}-03-02", year - 35)}),
        ];
        for extra in onsets {
            self.condition(p, extra);
        }
        self.age_observation(
            p,
            "30525-0",
            json!({"valueRange": {"low": {"value": 95, "unit": "a", "system": UCUM, "code": "a"}}}),
        );
        self.age_observation(
            p,
            "21612-7",
            json!({"valueQuantity": {"value": 96, "unit": "yr"}}),
        );
        let (imm, meta) = (self.uuid(), self.meta());
        let r = json!({"resourceType": "Immunization", "id": imm, "meta": meta, "status": "completed",
            "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}]},
            "patient": subject(p), "occurrenceDateTime": format!("{}-05-01", year - 93)});
        self.add(r);
        self.age_observation(
            p,
            "21112-8",
            json!({"valueDateTime": format!("{}-04-02", year - 95)}),
        );
        let (id, meta) = (self.uuid(), self.meta());
        let born = (self.export_time - Days::new(95 * 365 + 40))
            .format("%Y-%m-%d")
            .to_string();
        let r = json!({"resourceType": "Patient", "id": id, "meta": meta, "gender": "female", "birthDate": born});
        self.add(r);
    }

    fn age_observation(&mut self, p: &Person, code: &str, value: Value) {
        let (id, meta, days) = (self.uuid(), self.meta(), self.rng_days(800, 2000));
        let mut obs = json!({"resourceType": "Observation", "id": id, "meta": meta, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]}, "subject": subject(p),
            "effectiveDateTime": self.clinical(days)});
        merge(&mut obs, value);
        self.add(obs);
    }

    fn condition(&mut self, p: &Person, extra: Value) {
        let (id, meta) = (self.uuid(), self.meta());
        let mut c = json!({"resourceType": "Condition", "id": id, "meta": meta,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "230690007"}]},
            "subject": subject(p)});
        merge(&mut c, extra);
        self.add(c);
    }
}

/// Copies the members of `extra` into `into` (both objects).
pub fn merge(into: &mut Value, extra: Value) {
    if let (Some(o), Value::Object(e)) = (into.as_object_mut(), extra) {
        o.extend(e);
    }
}
