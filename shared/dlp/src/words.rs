//! The dictionary of a record: the identifying values of its people.
//!
//! [`PeopleWords`] keeps, per person of the export (`Patient`, `RelatedPerson`, `Practitioner`,
//! `Person`, by `Type/id`), the values DLP's dictionary should replace: name parts, the name
//! written both ways, identifier and telecom values, address lines, city and postal code. A
//! patient's relatives are listed under the patient: those of `Patient.contact` (name, telecom,
//! address) and every `RelatedPerson` of the patient. A record's dictionary
//! ([`PeopleWords::for_record`]) is the values of every person it references (its subject,
//! authors, performers, in any reference form that ends in `Type/id`) and of their relatives.
//! The leak gate's `PeopleIndex` holds the same people folded for matching; this keeps them
//! as written, per person, because a DLP dictionary is plain words.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

/// Words shorter than this are not sent (an initial would replace every such letter).
const MIN_CHARS: usize = 2;

/// Identifying values per person (`Type/id`).
#[derive(Debug, Default)]
pub struct PeopleWords {
    by_ref: HashMap<String, BTreeSet<String>>,
}

impl PeopleWords {
    /// No people.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one person resource (others are ignored).
    pub fn add(&mut self, person: &Value) {
        let ty = person["resourceType"].as_str().unwrap_or_default();
        if !matches!(ty, "Patient" | "RelatedPerson" | "Practitioner" | "Person") {
            return;
        }
        let Some(id) = person["id"].as_str() else {
            return;
        };
        let mut words = BTreeSet::new();
        collect(person, &mut words);
        if ty == "RelatedPerson"
            && let Some(patient) = person["patient"]["reference"].as_str().and_then(type_id)
        {
            self.by_ref
                .entry(patient)
                .or_default()
                .extend(words.iter().cloned());
        }
        self.by_ref
            .entry(format!("{ty}/{id}"))
            .or_default()
            .extend(words);
    }

    /// Number of people.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_ref.len()
    }

    /// True without people.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_ref.is_empty()
    }

    /// The dictionary of `record`: the words of every person it references, sorted.
    #[must_use]
    pub fn for_record(&self, record: &Value) -> Vec<String> {
        let mut refs = BTreeSet::new();
        references(record, &mut refs);
        let mut words = BTreeSet::new();
        for r in refs {
            if let Some(w) = self.by_ref.get(&r) {
                words.extend(w.iter().cloned());
            }
        }
        words.into_iter().collect()
    }
}

fn push(words: &mut BTreeSet<String>, s: &str) {
    let s = s.trim();
    if s.chars().count() >= MIN_CHARS {
        words.insert(s.to_owned());
    }
}

/// `v`'s items when it is an array, else `v` itself when it is an object (`Patient.contact`'s
/// `name` and `address` are single values).
fn each(v: &Value) -> impl Iterator<Item = &Value> {
    let one = v.is_object().then_some(v);
    v.as_array().into_iter().flatten().chain(one)
}

/// The values of a person, and of the relatives a Patient lists in `contact` (their name,
/// telecom and address).
fn collect(person: &Value, words: &mut BTreeSet<String>) {
    collect_one(person, words);
    for contact in each(&person["contact"]) {
        collect_one(contact, words);
    }
}

fn collect_one(person: &Value, words: &mut BTreeSet<String>) {
    for name in each(&person["name"]) {
        let given: Vec<&str> = name["given"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let family = name["family"].as_str().unwrap_or_default();
        for g in &given {
            push(words, g);
            if !family.is_empty() {
                push(words, &format!("{g} {family}"));
                push(words, &format!("{family}, {g}"));
                push(words, &format!("{family} {g}"));
            }
        }
        push(words, family);
        push(words, name["text"].as_str().unwrap_or_default());
    }
    for list in ["identifier", "telecom"] {
        for item in each(&person[list]) {
            push(words, item["value"].as_str().unwrap_or_default());
        }
    }
    for address in each(&person["address"]) {
        for line in address["line"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            push(words, line);
        }
        for part in ["city", "postalCode", "text", "district"] {
            push(words, address[part].as_str().unwrap_or_default());
        }
    }
}

/// `Type/id` of a reference in any form ending in it (relative, absolute URL).
fn type_id(reference: &str) -> Option<String> {
    let mut parts = reference.rsplit('/');
    let id = parts.next()?;
    let ty = parts.next()?;
    (ty.starts_with(|c: char| c.is_ascii_uppercase()) && !id.is_empty())
        .then(|| format!("{ty}/{id}"))
}

fn references(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "reference"
                    && let Some(r) = child.as_str().and_then(type_id)
                {
                    out.insert(r);
                }
                references(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_gets_its_people_and_their_relatives() {
        let mut w = PeopleWords::new();
        w.add(&json!({"resourceType": "Patient", "id": "p1", "name": [{"given": ["Ann"], "family": "Lee"}],
            "identifier": [{"value": "MRN-0042"}], "telecom": [{"value": "555-0100"}],
            "address": [{"line": ["1 Main St"], "city": "Springfield", "postalCode": "12345"}],
            "contact": [{"name": {"given": ["Cy"], "family": "Park"}, "telecom": [{"value": "555-0199"}],
                "address": {"line": ["9 Elm Rd"]}}]}));
        w.add(&json!({"resourceType": "RelatedPerson", "id": "r1", "patient": {"reference": "Patient/p1"},
            "name": [{"given": ["Bo"], "family": "Lee"}]}));
        w.add(&json!({"resourceType": "Practitioner", "id": "d1", "name": [{"family": "Osler"}]}));
        let note = json!({"resourceType": "DocumentReference", "subject": {"reference": "Patient/p1"},
            "author": [{"reference": "https://fhir.example/Practitioner/d1"}]});
        let words = w.for_record(&note);
        for expected in [
            "Ann",
            "Lee",
            "Ann Lee",
            "Lee, Ann",
            "MRN-0042",
            "555-0100",
            "1 Main St",
            "Springfield",
            "12345",
            "Bo",
            "Bo Lee",
            "Cy Park",
            "Park, Cy",
            "555-0199",
            "9 Elm Rd",
            "Osler",
        ] {
            assert!(words.iter().any(|x| x == expected), "{expected}: {words:?}");
        }
        assert!(
            w.for_record(&json!({"resourceType": "Observation"}))
                .is_empty()
        );
    }
}
