//! An independent scanner for identifying fields, used to check the planted list.
//!
//! It knows FHIR shapes (HumanName, Address, ContactPoint, Identifier, ...) and free-text fields,
//! not the generator's code paths, so a field the generator forgets to plant shows up here.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::Value;
use starvit_synth::refs::{RefForm, parse};
use starvit_synth::{BASE_URL, Planted, PlantedKind};

/// `(resourceType, id, value)`.
pub type Found = (String, String, String);

fn g<'a>(m: &'a serde_json::Map<String, Value>, k: &str) -> &'a Value {
    m.get(k).unwrap_or(&Value::Null)
}

fn geo(lat: &Value, lon: &Value) -> Option<String> {
    Some(format!("{},{}", lat.as_f64()?, lon.as_f64()?))
}

fn push_str(out: &mut BTreeSet<String>, v: &Value) {
    if let Some(s) = v.as_str() {
        out.insert(s.to_owned());
    }
}

/// Structured identifying values anywhere inside `v`.
fn structured(v: &Value, out: &mut BTreeSet<String>, texts: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("family") || m.contains_key("given") {
                push_str(out, g(m, "family"));
                m.get("given")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .for_each(|g| push_str(out, g));
            }
            if m.contains_key("city") || m.contains_key("line") || m.contains_key("postalCode") {
                m.get("line")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .for_each(|l| push_str(out, l));
                push_str(out, g(m, "city"));
                push_str(out, g(m, "postalCode"));
            }
            if matches!(
                m.get("system").and_then(Value::as_str),
                Some("phone" | "email" | "fax" | "sms" | "url")
            ) {
                push_str(out, g(m, "value"));
            }
            for key in ["birthDate", "deceasedDateTime"] {
                push_str(out, &m.get(key).cloned().unwrap_or_default());
            }
            if let Some(ids) = m.get("identifier") {
                let list = ids.as_array().cloned().unwrap_or_else(|| vec![ids.clone()]);
                list.iter().for_each(|i| push_str(out, &i["value"]));
            }
            if let Some(url) = m.get("url").and_then(Value::as_str) {
                if url.ends_with("patient-mothersMaidenName") {
                    push_str(out, g(m, "valueString"));
                }
                if url.ends_with("/geolocation") {
                    let sub = g(m, "extension").as_array().cloned().unwrap_or_default();
                    let get = |k: &str| {
                        sub.iter()
                            .find(|e| e["url"] == k)
                            .map(|e| e["valueDecimal"].clone())
                    };
                    if let (Some(lat), Some(lon)) = (get("latitude"), get("longitude")) {
                        out.extend(geo(&lat, &lon));
                    }
                }
            }
            if let Some(p) = m.get("position") {
                out.extend(geo(&p["latitude"], &p["longitude"]));
            }
            if let Some(r) = m.get("reference").and_then(Value::as_str) {
                if m.contains_key("display") {
                    push_str(out, g(m, "display"));
                }
                if let Some(RefForm::Conditional { value, .. }) = parse(r, BASE_URL) {
                    out.insert(value.to_owned());
                }
            }
            for (k, child) in m {
                match (k.as_str(), child) {
                    ("conclusion" | "description", Value::String(s)) => texts.push(s.clone()),
                    ("note", Value::Array(notes)) => {
                        notes.iter().for_each(|n| push_str_vec(texts, &n["text"]));
                    }
                    ("attachment", Value::Object(a)) => {
                        if let Some(d) = a.get("data").and_then(Value::as_str) {
                            let bytes = base64::engine::general_purpose::STANDARD
                                .decode(d)
                                .expect("base64");
                            texts.push(String::from_utf8(bytes).expect("utf-8 note"));
                        }
                    }
                    _ => {}
                }
                structured(child, out, texts);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| structured(i, out, texts)),
        _ => {}
    }
}

fn push_str_vec(texts: &mut Vec<String>, v: &Value) {
    if let Some(s) = v.as_str() {
        texts.push(s.to_owned());
    }
}

fn word_at(text: &str, start: usize, len: usize) -> bool {
    let before = text[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric());
    let after = text[start + len..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric());
    before && after
}

/// Identifying fragments of free text: known person values (names, MRNs, phones, addresses) as
/// whole words, ISO dates, ages > 89.
fn free_text(text: &str, known: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    for value in known {
        if text
            .match_indices(value.as_str())
            .any(|(i, _)| word_at(text, i, value.len()))
        {
            out.insert(value.clone());
        }
    }
    let b = text.as_bytes();
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    for i in 0..b.len() {
        let date = (0..4).all(|k| d(i + k))
            && b.get(i + 4) == Some(&b'-')
            && d(i + 5)
            && d(i + 6)
            && b.get(i + 7) == Some(&b'-')
            && d(i + 8)
            && d(i + 9);
        if date && (i == 0 || !d(i - 1)) {
            out.insert(text[i..i + 10].to_owned());
        }
    }
    for (i, _) in text.match_indices("-year-old") {
        let digits: String = text[..i]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        let n: u32 = digits
            .chars()
            .rev()
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        if n > 89 {
            out.insert(format!("{n}-year-old"));
        }
    }
}

/// Every identifying value found in `resources`, with its holder.
pub fn scan(resources: &[Value], planted: &[Planted]) -> BTreeSet<Found> {
    use PlantedKind as K;
    let person = |p: &&Planted| {
        matches!(p.resource_type.as_str(), "Patient" | "Practitioner")
            && matches!(
                p.kind,
                K::Name
                    | K::PractitionerName
                    | K::Mrn
                    | K::Phone
                    | K::BirthDate
                    | K::AddressLine
                    | K::City
                    | K::PostalCode
            )
    };
    let known: BTreeSet<String> = planted
        .iter()
        .filter(person)
        .map(|p| p.value.clone())
        .collect();
    let mut found = BTreeSet::new();
    for r in resources {
        let (t, id) = (
            r["resourceType"].as_str().unwrap(),
            r["id"].as_str().unwrap(),
        );
        let mut values = BTreeSet::new();
        let mut texts = Vec::new();
        structured(r, &mut values, &mut texts);
        for text in &texts {
            free_text(text, &known, &mut values);
        }
        found.extend(values.into_iter().map(|v| (t.to_owned(), id.to_owned(), v)));
    }
    found
}
