//! The request's custom infoTypes as matchers, and their application to one string.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

/// One custom detector.
pub(crate) struct Detector {
    pub name: String,
    matcher: Regex,
}

/// A request error: the message DLP would give with 400 `INVALID_ARGUMENT`.
pub(crate) type Invalid = String;

/// Builds the detectors of `customInfoTypes`.
pub(crate) fn detectors(custom: &[Value]) -> Result<Vec<Detector>, Invalid> {
    let mut out = Vec::new();
    for c in custom {
        let obj = c.as_object().ok_or("customInfoTypes[] must be objects")?;
        for key in obj.keys() {
            if !matches!(
                key.as_str(),
                "infoType" | "dictionary" | "regex" | "likelihood"
            ) {
                return Err(format!("customInfoTypes: unsupported field {key}"));
            }
        }
        let name = c["infoType"]["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or("customInfoTypes[].infoType.name is required")?
            .to_owned();
        let matcher = match (c.get("dictionary"), c.get("regex")) {
            (Some(d), None) => dictionary(d)?,
            (None, Some(r)) => {
                let pattern = r["pattern"].as_str().ok_or("regex.pattern is required")?;
                Regex::new(pattern).map_err(|_| format!("invalid regex for {name}"))?
            }
            _ => {
                return Err(format!(
                    "{name}: exactly one of dictionary or regex is supported"
                ));
            }
        };
        out.push(Detector { name, matcher });
    }
    Ok(out)
}

/// A dictionary as one case-insensitive alternation at word boundaries (DLP: dictionary words
/// match case-insensitively, on word boundaries).
fn dictionary(d: &Value) -> Result<Regex, Invalid> {
    let words = d["wordList"]["words"]
        .as_array()
        .ok_or("dictionary.wordList.words is required (cloudStoragePath is not supported)")?;
    let mut alternatives: Vec<String> = words
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    if alternatives.is_empty() {
        return Err("dictionary.wordList.words is empty".into());
    }
    alternatives.sort_by_key(|w| std::cmp::Reverse(w.len()));
    Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives.join("|")))
        .map_err(|_| "dictionary too large".into())
}

/// Replaces every finding in `text` by `[NAME]`; counts findings and bytes per infoType.
pub(crate) fn apply(
    detectors: &[Detector],
    text: &str,
    summary: &mut BTreeMap<String, (u64, u64)>,
) -> String {
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
    for (i, d) in detectors.iter().enumerate() {
        found.extend(
            d.matcher
                .find_iter(text)
                .filter(|m| !m.is_empty())
                .map(|m| (m.start(), m.end(), i)),
        );
    }
    // Longest first, then leftmost; keep what does not overlap a kept finding.
    found.sort_by_key(|&(s, e, _)| (std::cmp::Reverse(e - s), s));
    let mut kept: Vec<(usize, usize, usize)> = Vec::new();
    for f in found {
        if kept.iter().all(|k| f.1 <= k.0 || f.0 >= k.1) {
            kept.push(f);
        }
    }
    kept.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e, i) in kept {
        let name = &detectors[i].name;
        out.push_str(&text[at..s]);
        out.push('[');
        out.push_str(name);
        out.push(']');
        let entry = summary.entry(name.clone()).or_default();
        entry.0 += 1;
        entry.1 += (e - s) as u64;
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dictionaries_match_whole_words_case_insensitively_and_the_longest_wins() {
        let d = detectors(&[
            json!({"infoType": {"name": "PATIENT"}, "dictionary": {"wordList": {"words": ["Ann Lee", "Lee"]}}}),
            json!({"infoType": {"name": "MRN"}, "regex": {"pattern": "MRN-[0-9]{4}"}}),
        ])
        .unwrap();
        let mut summary = BTreeMap::new();
        let out = apply(
            &d,
            "ANN LEE (MRN-1234) met Leeds staff; lee left.",
            &mut summary,
        );
        assert_eq!(out, "[PATIENT] ([MRN]) met Leeds staff; [PATIENT] left.");
        assert_eq!(summary["PATIENT"].0, 2);
        assert!(
            detectors(&[json!({"infoType": {"name": "X"}, "regex": {"pattern": "("}})]).is_err()
        );
        assert!(detectors(&[json!({"infoType": {"name": "X"}, "surrogateType": {}})]).is_err());
    }
}
