//! The request and response of `content:deidentify`, as documented
//! (<https://cloud.google.com/sensitive-data-protection/docs/reference/rest/v2/projects.content/deidentify>).
//! The texts of one request are the rows of a one-column `table` item, so one request carries
//! many texts and the answer keeps their order.

use serde_json::{Value, json};

/// Built-in detectors asked for on every request: names, contact details, identifiers, dates,
/// locations. (The local stub accepts them and detects none: learned detection.)
pub const BUILT_IN: &[&str] = &[
    "PERSON_NAME",
    "FIRST_NAME",
    "LAST_NAME",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "LOCATION",
    "DATE",
    "DATE_OF_BIRTH",
    "AGE",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_HEALTHCARE_NPI",
    "MEDICAL_RECORD_NUMBER",
    "IP_ADDRESS",
    "URL",
];

/// The project's own regular expressions (custom infoTypes, applied by DLP and by the stub).
pub const PATTERNS: &[(&str, &str)] = &[
    (
        "STARVIT_DATE",
        r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}\b",
    ),
    (
        "STARVIT_PHONE",
        r"(?:\+1[-. ]?)?(?:\(\d{3}\)|\b\d{3})[-. ]?\d{3}[-. ]\d{4}\b",
    ),
    (
        "STARVIT_EMAIL",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    ),
    ("STARVIT_NUMBER", r"\b[A-Za-z]{0,4}-?\d[\d-]{4,}\d\b"),
    (
        "STARVIT_AGE_OVER_89",
        r"\b(?:9\d|1[0-4]\d)(?:[- ]year[- ]old|[- ]?(?:y/?o|yrs?|years))\b",
    ),
];

/// Name of the dictionary infoType of the record's people.
pub const PEOPLE: &str = "STARVIT_PERSON";

/// The request body for `texts` with the dictionary `words`.
#[must_use]
pub fn body(texts: &[&str], words: &[String]) -> Value {
    let mut custom: Vec<Value> = PATTERNS
        .iter()
        .map(|(name, pattern)| json!({"infoType": {"name": name}, "regex": {"pattern": pattern}}))
        .collect();
    if !words.is_empty() {
        custom.push(
            json!({"infoType": {"name": PEOPLE}, "dictionary": {"wordList": {"words": words}}}),
        );
    }
    let rows: Vec<Value> = texts
        .iter()
        .map(|t| json!({"values": [{"stringValue": t}]}))
        .collect();
    json!({
        "item": {"table": {"headers": [{"name": "text"}], "rows": rows}},
        "inspectConfig": {
            "infoTypes": BUILT_IN.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "customInfoTypes": custom,
            "minLikelihood": "POSSIBLE",
        },
        "deidentifyConfig": {"infoTypeTransformations": {"transformations": [
            {"primitiveTransformation": {"replaceWithInfoTypeConfig": {}}}
        ]}},
    })
}

/// Serialized size of one text as a table row (for batching).
#[must_use]
pub fn row_bytes(text: &str) -> usize {
    serde_json::to_string(text).map_or(usize::MAX, |s| s.len())
        + r#"{"values":[{"stringValue":}]},"#.len()
}

/// The `n` texts of a response, in order; `None` when the shape is not the documented one.
#[must_use]
pub fn texts(response: &Value, n: usize) -> Option<Vec<String>> {
    let rows = response["item"]["table"]["rows"].as_array()?;
    let out: Vec<String> = rows
        .iter()
        .map(|r| r["values"][0]["stringValue"].as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    (out.len() == n).then_some(out)
}
