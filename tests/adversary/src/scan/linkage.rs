//! Profile linkage: the outputs of two profiles of the same input must share no pseudonym
//! (resource ids, version ids, reference targets, identifier values), or one output's years would bound the
//! other's shifts.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::{Check, Finding};

fn collect(v: &Value, key: &str, into: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => o.iter().for_each(|(k, x)| collect(x, k, into)),
        Value::Array(a) => a.iter().for_each(|x| collect(x, key, into)),
        Value::String(s)
            if matches!(key, "id" | "reference" | "value" | "fullUrl" | "versionId") =>
        {
            let last = s.rsplit(['/', '#', ':']).next().unwrap_or(s);
            if last.len() >= 8 {
                into.insert(last.to_owned());
            }
        }
        _ => {}
    }
}

/// Every pseudonym-like token (ids, reference targets, identifier values) of an output dir.
///
/// # Errors
/// I/O errors reading the directory.
pub fn pseudonyms(dir: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut set = BTreeSet::new();
    for e in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(e?.path())?;
        for v in text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        {
            collect(&v, "", &mut set);
        }
    }
    Ok(set)
}

/// Findings for the pseudonyms two output directories share (counted, never printed).
///
/// # Errors
/// I/O errors reading the directories.
pub fn shared(a: &Path, b: &Path) -> std::io::Result<Vec<Finding>> {
    let (x, y) = (pseudonyms(a)?, pseudonyms(b)?);
    let n = x.intersection(&y).count();
    Ok(if n == 0 {
        Vec::new()
    } else {
        vec![Finding {
            check: Check::SharedPseudonym,
            class: None,
            place: format!(
                "{n} of {} pseudonyms appear in both profiles' outputs",
                x.len()
            ),
        }]
    })
}
