//! Classes 6 and 7 of issue 15.
//!
//! 6. A patient's numbers in another resource's SNOMED-shaped code (with a valid check digit),
//!    LOINC-shaped code, or numeric value (integer, decimal, exponent form), a name in
//!    another Unicode case, values inside longer strings; and people whose names are also
//!    places or short words (their lines may cost a line, never the file).
//! 7. A byte-order mark before the first record, identifiers in input file names, an unknown
//!    `resourceType` that is a person's name, lines that are not resources, CRLF line ends, an
//!    empty line and a line that is not UTF-8 (each must still be accounted for).

use serde_json::{Value, json};

use super::dates::merge;
use super::person::Person;
use super::{Gen, InputFile};
use crate::plant::IdClass;

const SCT: &str = "http://snomed.info/sct";
const UCUM: &str = "http://unitsofmeasure.org";

/// A JSON number parsed from its decimal text (0 if it does not parse).
fn decimal(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|_| Value::from(0))
}

/// Multiplication in the dihedral group D5 (Verhoeff's scheme), from its definition: 0-4 are
/// rotations, 5-9 reflections.
fn d5(j: u8, k: u8) -> u8 {
    match (j < 5, k < 5) {
        (true, true) => (j + k) % 5,
        (true, false) => 5 + (j + k - 5) % 5,
        (false, true) => 5 + (j + 5 - k) % 5,
        (false, false) => (j + 5 - k) % 5,
    }
}

/// The Verhoeff check digit of `n` (SNOMED CT identifiers end with one), computed from the
/// group and the permutation `(0 1 5 8 9 4 2 7)(3 6)` applied `i` times to the `i`-th digit.
fn verhoeff(n: &str) -> u8 {
    const P1: [u8; 10] = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4];
    let perm = |i: usize, x: u8| (0..i % 8).fold(x, |x, _| P1[usize::from(x)]);
    let c = n
        .bytes()
        .rev()
        .enumerate()
        .fold(0, |c, (i, b)| d5(c, perm(i + 1, b - b'0')));
    (0..10).find(|k| d5(c, *k) == 0).unwrap_or(0)
}

/// The LOINC (mod 10) check digit of `n`.
fn mod10(n: &str) -> u8 {
    let sum: u32 = n
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let x = u32::from(b - b'0');
            if i % 2 == 0 {
                (2 * x) / 10 + (2 * x) % 10
            } else {
                x
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

/// `n` followed by its check digit.
fn with_check(n: &str, check: fn(&str) -> u8) -> String {
    format!("{n}{}", check(n))
}

impl Gen {
    fn gate_obs(&mut self, p: &Person, extra: Value) {
        let id = self.uuid();
        let mut o = json!({"resourceType": "Observation", "id": id, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
            "subject": {"reference": format!("Patient/{}", p.id)}, "effectiveDateTime": "2022-02-03T08:00:00Z"});
        merge(&mut o, extra);
        self.add(o);
    }

    /// Class 6: values the per-line gate cannot see, and names that are also places. Returns
    /// the number of lines that may be quarantined (the leaking ones only).
    pub fn leak_gate(&mut self, people: &[Person]) -> usize {
        let before = self.line_count();
        let (p, q) = (&people[0], &people[1 % people.len()]);
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let ph = digits(&q.phone);
        let phone: u64 = ph.parse().unwrap_or(0);
        let mrn: u64 = digits(&p.mrn).parse().unwrap_or(0);
        let cases = [
            json!({"code": {"coding": [{"system": SCT, "code": digits(&p.ssn)}]}}),
            json!({"valueQuantity": {"value": phone, "unit": "{count}", "system": "http://unitsofmeasure.org", "code": "{count}"}}),
            json!({"valueInteger": mrn}),
            json!({"code": {"coding": [{"system": "http://loinc.org", "code": format!("{}x", p.mrn)}]}}),
            json!({"code": {"coding": [{"system": SCT, "code": p.family.to_uppercase()}]}}),
            json!({"identifier": [{"system": format!("https://portal.example.org/u/{}{}", q.given, q.family).to_lowercase(), "value": "1"}]}),
            json!({"code": {"coding": [{"system": SCT, "code": with_check(&format!("{}10", digits(&p.ssn)), verhoeff)}]}}),
            json!({"code": {"coding": [{"system": "http://loinc.org", "code": format!("{}-{}", digits(&p.mrn), mod10(&digits(&p.mrn)))}]}}),
            json!({"valueQuantity": {"value": decimal(&format!("0.{}", digits(&p.ssn))), "unit": "mg", "system": UCUM, "code": "mg"}}),
            json!({"valueQuantity": {"value": decimal(&format!("{}.{}", &ph[..6], &ph[6..])), "unit": "mg", "system": UCUM, "code": "mg"}}),
            json!({"valueQuantity": {"value": decimal(&format!("{}.{}e9", &ph[..1], &ph[1..])), "unit": "mg", "system": UCUM, "code": "mg"}}),
        ];
        for c in cases {
            self.gate_obs(p, c);
        }
        let leak_lines = self.line_count() - before;
        self.name_is_a_place_or_word();
        leak_lines
    }

    /// People whose names are also states, cities, short words or terminology names, each with
    /// an Observation: none of these lines holds another person's value, so none may be lost.
    fn name_is_a_place_or_word(&mut self) {
        let people = [
            ("Georgia", "Georgia", "Georgia"),
            ("Washington", "Washington", "Washington"),
            ("Dev", "Dev", "CA"),
            ("Sid", "Sid", "NY"),
            ("Loinc", "Snomed", "MA"),
        ];
        for (given, family, state) in people {
            let (id, obs) = (self.uuid(), self.uuid());
            let r = json!({"resourceType": "Patient", "id": id, "gender": "other", "birthDate": "1970-03-04",
                "name": [{"family": family, "given": [given]}],
                "address": [{"city": given, "state": state, "postalCode": "30301", "country": "US"}]});
            self.add(r);
            let r = json!({"resourceType": "Observation", "id": obs, "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "subject": {"reference": format!("Patient/{id}")}, "effectiveDateTime": "2022-02-03T08:00:00Z",
                "valueQuantity": {"value": 72, "unit": "/min", "system": UCUM, "code": "/min"}});
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
                f.crlf = true;
                f.lines.insert(1, String::new());
                let mut bad = format!(
                    "{{\"resourceType\":\"Encounter\",\"id\":\"{}\",\"status\":\"fin",
                    p.family
                )
                .into_bytes();
                bad.extend_from_slice(b"\xffished\"}");
                f.raw_lines.push(bad);
            }
        }
        5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_real_codes() {
        assert_eq!(with_check("27164900", verhoeff), "271649006"); // SNOMED CT
        assert_eq!(with_check("4405400", verhoeff), "44054006");
        assert_eq!(with_check("18534900", verhoeff), "185349003");
        assert_eq!(with_check("23069000", verhoeff), "230690007");
        assert_eq!(mod10("8867"), 4); // LOINC 8867-4
        assert_eq!(mod10("2345"), 7); // LOINC 2345-7
    }
}
