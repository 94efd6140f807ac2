//! Classes 3 and 4 of issue 15: identifying values in elements a policy keeps (codes of local
//! systems, units, systems, reference types, content-type parameters, status, versions, state
//! and country, sampled data, the time part of a dateTime) and reference URLs that are not
//! `[base]/Type/id`.

use serde_json::{Value, json};

use super::Gen;
use super::dates::merge;
use super::person::{Person, ascii_name};
use crate::plant::IdClass;

const UCUM: &str = "http://unitsofmeasure.org";

fn obs(id: &str, p: &Person, extra: Value) -> Value {
    let mut o = json!({"resourceType": "Observation", "id": id, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
        "subject": {"reference": format!("Patient/{}", p.id)}, "effectiveDateTime": "2021-06-01T10:00:00Z"});
    merge(&mut o, extra);
    o
}

/// Every byte outside ASCII letters and digits as `%XX`.
fn percent_encoded(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Gen {
    fn obs_with(&mut self, p: &Person, extra: Value) {
        let id = self.uuid();
        self.add(obs(&id, p, extra));
    }

    /// Class 3: one kept element (or element id) per resource, each carrying a planted value.
    pub fn kept_values(&mut self, people: &[Person]) {
        let p = &people[0];
        let ssn_digits: String = p.ssn.chars().filter(char::is_ascii_digit).collect();
        let epic = "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.0";
        let cases = [
            json!({"code": {"coding": [{"system": epic, "code": p.mrn}]}}),
            json!({"code": {"coding": [{"system": "urn:oid:2.16.840.1.113883.19.5.99999", "code": p.ssn}]}}),
            json!({"valueQuantity": {"value": 5, "unit": format!("mg per Dr {}", p.family), "system": UCUM, "code": "mg"}}),
            json!({"identifier": [{"system": format!("https://portal.example.org/patients/{}", p.mrn), "value": "1"}]}),
            json!({"subject": {"reference": format!("Patient/{}", p.id), "type": p.family}}),
            json!({"status": p.email}),
            json!({"code": {"coding": [{"system": "http://snomed.info/sct", "version": p.phone, "code": "271649006"}]}}),
            json!({"valueSampledData": {"origin": {"value": 0, "unit": "mV", "system": UCUM, "code": "mV"},
                "period": 10, "dimensions": 1, "data": format!("12 {} 13", p.given)}}),
            json!({"valueSampledData": {"origin": {"value": 0, "unit": "mV", "system": UCUM, "code": "mV"},
                "period": 10, "dimensions": 1, "data": format!("12 {ssn_digits} 13")}}),
            json!({"effectiveDateTime": format!("2021-06-01T10:15:30.{ssn_digits}Z")}),
            json!({"valueQuantity": {"value": 5, "unit": "mg", "system": format!("http://{}/units", p.ip), "code": "mg"}}),
            json!({"valueQuantity": {"value": 5, "unit": format!("{{{}}}", ascii_name(&p.family)), "system": UCUM,
                "code": format!("{{{}}}", ascii_name(&p.family))}}),
            json!({"identifier": [{"system": format!("urn:oid:2.16.840.1.113883.19.5.{ssn_digits}"), "value": "1"}]}),
            json!({"code": {"coding": [{"system": format!("urn:oid:1.2.3.{ssn_digits}"), "code": "A"}]}}),
            json!({"code": {"coding": [{"system": "http://snomed.info/sct", "code": "271649006",
                "version": format!("http://snomed.info/sct/731000124108/version/{ssn_digits}")}]}}),
            json!({"effectiveTiming": {"repeat": {"timeOfDay": [format!("10:15:30.{ssn_digits}")]}}}),
            json!({"code": {"id": ssn_digits, "coding": [{"id": p.given, "system": "http://loinc.org", "code": "8310-5"}]},
                "valueQuantity": {"id": p.mrn, "value": 5, "unit": "mg", "system": UCUM, "code": "mg"}}),
        ];
        for c in cases {
            self.obs_with(p, c);
        }
        self.kept_elsewhere(p);
    }

    /// Class 3 outside Observation: attachment parameters and language, a location's state and
    /// country, a patient's extension codes.
    fn kept_elsewhere(&mut self, p: &Person) {
        let tag: String = ascii_name(&p.family)
            .to_lowercase()
            .chars()
            .take(8)
            .collect();
        let tag = self.plant(IdClass::Name, "BCP-47 private use subtag", tag);
        let (doc, loc, pat) = (self.uuid(), self.uuid(), self.uuid());
        let r = json!({"resourceType": "DocumentReference", "id": doc, "status": "current",
            "subject": {"reference": format!("Patient/{}", p.id)},
            "content": [{"attachment": {"contentType": format!("text/plain; charset=utf-8; name=\"{}_{}.txt\"", p.family, p.ssn),
                "language": format!("en-x-{tag}")}}]});
        self.add(r);
        let r = json!({"resourceType": "Patient", "id": pat, "gender": "male", "extension": [
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": p.mrn},
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "extension": [
                {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": p.ssn}}]}],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": format!("en-x-{tag}")}]}}]});
        self.add(r);
        let r = json!({"resourceType": "Location", "id": loc, "status": "active",
            "address": {"line": [p.street], "city": p.city, "state": p.city, "country": p.street}});
        self.add(r);
    }

    /// Class 4: references whose URL is not `[base]/Type/id`.
    pub fn reference_urls(&mut self, people: &[Person]) {
        let p = &people[1 % people.len()];
        let family = self.plant(IdClass::Name, "reference URL path", ascii_name(&p.family));
        let given = ascii_name(&p.given);
        let handle = self.plant(
            IdClass::Url,
            "profile URL",
            format!("{given}{family}").to_lowercase(),
        );
        let ssn_digits: String = p.ssn.chars().filter(char::is_ascii_digit).collect();
        let refs = [
            format!("https://portal.example.org/{family}/1"),
            format!("https://portal.example.org/{family}/{}", p.mrn),
            format!("https://portal.example.org/u/{handle}"),
            format!("http://{}/patients/{}", p.ip, p.mrn),
            format!(
                "https://{}.example.org/fhir/Patient/{}",
                p.family.to_lowercase(),
                p.id
            ),
            format!(
                "Patient?identifier=http://hl7.org/fhir/sid/us-ssn|{}",
                p.ssn
            ),
            format!("urn:oid:2.16.840.1.113883.19.5.{ssn_digits}"),
            format!("Patient/{}/_history/2", p.mrn),
            format!(
                "https://ehr.example.org/fhir/Patient/{}?name={}",
                p.id, p.family
            ),
            format!(
                "https://portal.example.org/{}/1",
                percent_encoded(&p.family)
            ),
            format!("Patient/{}#{}", p.id, family.to_lowercase()),
        ];
        for r in refs {
            self.obs_with(p, json!({"performer": [{"reference": r}]}));
        }
        let id = self.uuid();
        self.add(obs(
            &id,
            p,
            json!({
            "contained": [{"resourceType": "Practitioner", "id": p.family, "gender": "male"}],
            "performer": [{"reference": format!("#{}", p.family)}]}),
        ));
    }
}
