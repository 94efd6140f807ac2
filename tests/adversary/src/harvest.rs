//! Real exports (`../shared/data`): the identifying values of the people in them and the
//! system timestamps an outsider can align with, read independently of the engine; and the
//! share of clinical resources and coded concepts a profile keeps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::plant::{Attack, IdClass, Planted};

/// The shared test data folder `../shared/data` (from the repo root), `None` (skip, with a
/// message) when absent; panics when absent under `CI=true`.
#[must_use]
pub fn shared_data(repo_root: &Path) -> Option<PathBuf> {
    let p = repo_root.join("../shared/data");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {} is missing",
        p.display()
    );
    eprintln!("skipping: {} not found", p.display());
    None
}

/// Every resource of every `*.ndjson` file under `dir`.
///
/// # Errors
/// I/O errors reading the directory.
pub fn resources(dir: &Path) -> std::io::Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    files.sort_by_key(std::fs::DirEntry::file_name);
    for f in files
        .iter()
        .filter(|f| f.file_name().to_string_lossy().ends_with(".ndjson"))
    {
        let text = std::fs::read_to_string(f.path())?;
        out.extend(
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok()),
        );
    }
    Ok(out)
}

fn push(out: &mut Vec<Planted>, class: IdClass, path: &'static str, v: &Value) {
    if let Some(s) = v.as_str() {
        out.push(Planted {
            class,
            attack: Attack::Baseline,
            path,
            value: s.to_owned(),
        });
    }
}

/// The identifying values of the people (patients, relatives, practitioners) in `resources`.
#[must_use]
pub fn identifying_values(resources: &[Value]) -> Vec<Planted> {
    let mut out = Vec::new();
    let people = ["Patient", "RelatedPerson", "Practitioner", "Person"];
    for r in resources
        .iter()
        .filter(|r| people.contains(&r["resourceType"].as_str().unwrap_or("")))
    {
        for n in r["name"].as_array().into_iter().flatten() {
            push(&mut out, IdClass::Name, "name.family", &n["family"]);
            for g in n["given"].as_array().into_iter().flatten() {
                push(&mut out, IdClass::Name, "name.given", g);
            }
        }
        for t in r["telecom"].as_array().into_iter().flatten() {
            push(&mut out, IdClass::Phone, "telecom.value", &t["value"]);
        }
        for i in r["identifier"].as_array().into_iter().flatten() {
            push(
                &mut out,
                IdClass::OtherCode,
                "identifier.value",
                &i["value"],
            );
        }
        for a in r["address"].as_array().into_iter().flatten() {
            for l in a["line"].as_array().into_iter().flatten() {
                push(&mut out, IdClass::Geography, "address.line", l);
            }
            push(&mut out, IdClass::Geography, "address.city", &a["city"]);
        }
        push(&mut out, IdClass::OtherCode, "id", &r["id"]);
    }
    out
}

/// Every `meta.lastUpdated` (the system timestamps an outsider can bound by the export time).
#[must_use]
pub fn known_instants(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .filter_map(|r| r["meta"]["lastUpdated"].as_str().map(str::to_owned))
        .collect()
}

/// Resource types that describe people and places, not care.
const NOT_CLINICAL: [&str; 7] = [
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "RelatedPerson",
    "Person",
];

fn codings(v: &Value, into: &mut BTreeMap<String, u64>) {
    match v {
        Value::Object(o) => {
            if let (Some(s), Some(c)) = (
                o.get("system").and_then(Value::as_str),
                o.get("code").and_then(Value::as_str),
            ) {
                *into.entry(format!("{s}|{c}")).or_default() += 1;
            }
            o.values().for_each(|x| codings(x, into));
        }
        Value::Array(a) => a.iter().for_each(|x| codings(x, into)),
        _ => {}
    }
}

/// Clinical resources and coded concepts (`system|code`, counted with multiplicity) of an
/// export.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Clinical resources.
    pub resources: u64,
    /// Codings per `system|code`.
    pub codings: BTreeMap<String, u64>,
}

impl Content {
    /// Reads the clinical content of `resources`.
    #[must_use]
    pub fn of(resources: &[Value]) -> Self {
        let mut c = Self::default();
        for r in resources
            .iter()
            .filter(|r| !NOT_CLINICAL.contains(&r["resourceType"].as_str().unwrap_or("")))
        {
            c.resources += 1;
            codings(r, &mut c.codings);
        }
        c
    }

    /// Share of this (input) content kept in `out`: (resources, coded concepts), in 0..=1.
    #[must_use]
    pub fn kept_in(&self, out: &Self) -> (f64, f64) {
        let total: u64 = self.codings.values().sum();
        let kept: u64 = self
            .codings
            .iter()
            .map(|(k, n)| (*n).min(out.codings.get(k).copied().unwrap_or(0)))
            .sum();
        #[allow(clippy::cast_precision_loss)]
        let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        (
            ratio(out.resources.min(self.resources), self.resources),
            ratio(kept, total),
        )
    }
}
