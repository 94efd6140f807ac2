//! Classes 6 and 7 of issue 15.
//!
//! 6. A patient's numbers in another resource's SNOMED-shaped code or numeric value, a name in
//!    another Unicode case, values inside longer strings; and people whose names are also
//!    places or short words (their lines may cost a line, never the file).
//! 7. A byte-order mark before the first record, identifiers in input file names, an unknown
//!    `resourceType` that is a person's name, lines that are not resources.

use serde_json::{Value, json};

use super::dates::merge;
use super::person::Person;
use super::{Gen, InputFile};
use crate::plant::IdClass;

const SCT: &str = "http://snomed.info/sct";

impl Gen {
    fn gate_obs(&mut self, p: &Person, extra: Value) {
        let id = self.uuid();
        let mut o = json!({"resourceType": "Observation", "id": id, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
            "subject": {"reference": format!("Patient/{}", p.id)}, "effectiveDateTime": "2022-02-03T08:00:00Z"});
        merge(&mut o, extra);
        self.add(o);
    }

    /// Class 6: values the per-line gate cannot see, and names that are also places.
    pub fn leak_gate(&mut self, people: &[Person]) {
        let (p, q) = (&people[0], &people[1 % people.len()]);
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let phone: u64 = digits(&q.phone).parse().unwrap_or(0);
        let mrn: u64 = digits(&p.mrn).parse().unwrap_or(0);
        let cases = [
            json!({"code": {"coding": [{"system": SCT, "code": digits(&p.ssn)}]}}),
            json!({"valueQuantity": {"value": phone, "unit": "{count}", "system": "http://unitsofmeasure.org", "code": "{count}"}}),
            json!({"valueInteger": mrn}),
            json!({"code": {"coding": [{"system": "http://loinc.org", "code": format!("{}x", p.mrn)}]}}),
            json!({"code": {"coding": [{"system": SCT, "code": p.family.to_uppercase()}]}}),
            json!({"identifier": [{"system": format!("https://portal.example.org/u/{}{}", q.given, q.family).to_lowercase(), "value": "1"}]}),
        ];
        for c in cases {
            self.gate_obs(p, c);
        }
        for (given, state) in [
            ("Georgia", "GA"),
            ("Washington", "WA"),
            ("Dev", "CA"),
            ("Sid", "NY"),
        ] {
            let id = self.uuid();
            let place = if state == "GA" {
                "Georgia"
            } else if state == "WA" {
                "Washington"
            } else {
                state
            };
            let r = json!({"resourceType": "Patient", "id": id, "gender": "other", "birthDate": "1970-03-04",
                "name": [{"family": given, "given": [given]}],
                "address": [{"city": given, "state": place, "postalCode": "30301", "country": "US"}]});
            self.add(r);
        }
    }

    /// Class 7: post-processes the files: a BOM on the Patient file, identifiers in an input
    /// file name, a person's name as a `resourceType`, lines that are not resources.
    /// Returns the number of lines it added.
    pub fn input_hygiene(&mut self, people: &[Person], files: &mut [InputFile]) -> usize {
        let p = &people[0];
        let name = self.name_part();
        let typed = self.plant(
            IdClass::Name,
            "resourceType",
            super::person::ascii_name(&name),
        );
        for f in files.iter_mut() {
            if f.name == "Patient.ndjson" {
                f.bom = true;
                f.lines.push(
                    json!({"resourceType": typed, "id": self.uuid(), "gender": "male"}).to_string(),
                );
                f.lines.push(format!(
                    "{{\"resourceType\":\"Patient\",\"id\":\"x1\",\"name\":[{{\"family\":\"{}\"",
                    p.family
                ));
                f.lines.push(json!([p.family, p.mrn]).to_string());
            } else if f.name == "Condition.ndjson" {
                f.name = format!("Condition.{}_{}.ndjson", p.family, p.mrn);
            } else if f.name == "Encounter.ndjson" {
                f.name = format!("{}-{}-Encounter.ndjson", p.given, p.family);
            }
        }
        3
    }
}
