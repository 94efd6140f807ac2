//! What the functions' own logs say about a run (they log no PHI): per function, the events
//! done, the seconds spent in handlers (sum and the longest delivery: Eventarc's limit is ~10
//! minutes), and deidentify's people index (`export people index built`: people, values,
//! `index_bytes`, build ms). Reads the text format (`key=value`) and the JSON one.

use std::path::Path;

use serde_json::{Value, json};

/// The integer after `key=` or `"key":` on `line`.
fn field(line: &str, key: &str) -> Option<u64> {
    [format!(" {key}="), format!("\"{key}\":")]
        .iter()
        .find_map(|k| line.find(k.as_str()).map(|at| &line[at + k.len()..]))
        .and_then(|rest| {
            let digits: String = rest
                .trim_start_matches('"')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
}

/// Events done, handler seconds (sum, max) of one function's log.
pub fn handlers(log: &Path) -> Value {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let ms: Vec<u64> = text
        .lines()
        .filter(|l| l.contains("event done"))
        .filter_map(|l| field(l, "elapsed_ms"))
        .collect();
    json!({
        "events_done": ms.len(),
        "handler_seconds": ms.iter().sum::<u64>() as f64 / 1e3,
        "longest_event_seconds": ms.iter().copied().max().unwrap_or(0) as f64 / 1e3,
    })
}

/// deidentify's people index (the last one built), with bytes per person.
pub fn people_index(log: &Path) -> Value {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let Some(line) = text
        .lines()
        .rfind(|l| l.contains("export people index built"))
    else {
        return Value::Null;
    };
    let people = field(line, "people").unwrap_or(0);
    let bytes = field(line, "index_bytes").unwrap_or(0);
    json!({
        "people": people,
        "values": field(line, "values"),
        "index_bytes": bytes,
        "bytes_per_person": if people == 0 { 0.0 } else { bytes as f64 / people as f64 },
        "build_ms": field(line, "ms"),
        "builds": text.lines().filter(|l| l.contains("export people index built")).count(),
    })
}
