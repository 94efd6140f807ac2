//! Properties over synthesized patients (`starvit-synth`, several seeds, both profiles):
//! no planted identifier survives, every output reference resolves inside the output,
//! clinical content (Observation quantities, codings) is kept, and the directory leak scan
//! finds nothing.

mod common;

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use starvit_deid::pseudonym::Pseudonymizer;
use starvit_deid::{FileJob, MemoryQuarantine};
use starvit_synth::refs::for_each_reference;
use starvit_synth::{Planted, PlantedKind, SynthConfig};

const SEEDS: [u64; 3] = [1, 2, 2024];
const PATIENTS: u64 = 8;

/// `needle` occurs in `hay` with no ASCII letter or digit on either side.
fn contains_word(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let mut from = 0;
    while let Some(off) = hay[from..].find(needle) {
        let (start, end) = (from + off, from + off + n.len());
        let before = start == 0 || !h[start - 1].is_ascii_alphanumeric();
        let after = end == h.len() || !h[end].is_ascii_alphanumeric();
        if before && after {
            return true;
        }
        from = start + 1;
    }
    false
}

/// Dates (also date fragments of notes) are checked on their holder's own output only: a shifted date of one patient may
/// equal another patient's birthday, which is not a leak. Everything else of at least
/// 4 characters is checked as a whole word over the entire output; shorter values (a
/// 3-letter given name, a 2-digit age fragment) only on the holder, since they also occur
/// as ordinary codes and numbers elsewhere.
fn global(p: &Planted) -> bool {
    let b = p.value.as_bytes();
    let date_like = b.len() >= 7 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
    !matches!(p.kind, PlantedKind::BirthDate | PlantedKind::DeceasedDate)
        && !date_like
        && p.value.len() >= 4
}

fn deid_lines(profile: &str, input: &str) -> Vec<Value> {
    let engine = common::engine(profile);
    let mut out = Vec::new();
    engine
        .deid_ndjson(input.as_bytes(), &mut out, &mut MemoryQuarantine::default())
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn count_codings(v: &Value) -> usize {
    match v {
        Value::Object(o) => o
            .iter()
            .map(|(k, x)| match (k.as_str(), x) {
                ("coding", Value::Array(a)) => a.len() + a.iter().map(count_codings).sum::<usize>(),
                _ => count_codings(x),
            })
            .sum(),
        Value::Array(a) => a.iter().map(count_codings).sum(),
        _ => 0,
    }
}

fn check_no_planted(
    profile: &str,
    seed: u64,
    planted: &[Planted],
    out: &[Value],
    pseudo: &Pseudonymizer,
) {
    let text: String = out.iter().map(|v| v.to_string() + "\n").collect();
    let holders: HashMap<&str, String> = out
        .iter()
        .filter_map(|v| Some((v["id"].as_str()?, v.to_string())))
        .collect();
    for p in planted {
        let ctx = format!("{profile} seed {seed}: {:?} of {}", p.kind, p.resource_type);
        if let Some(line) = holders.get(pseudo.id(&p.id).as_str()) {
            // On its holder: not even as a substring (a date must not survive at all).
            let hit = if p.value.len() >= 6 {
                line.contains(&p.value)
            } else {
                contains_word(line, &p.value)
            };
            assert!(!hit, "{ctx}: planted value survived in its holder");
        }
        if global(p) {
            assert!(
                !contains_word(&text, &p.value),
                "{ctx}: planted value {:?} survived",
                p.value
            );
        }
    }
}

/// Every reference resolves: `Type/id` and `urn:uuid:id` to an output resource, `#id` to a
/// resource in the referring resource's `contained`, `#` to the container.
fn check_references(profile: &str, out: &[Value]) {
    let by_type_id: HashSet<(&str, &str)> = out
        .iter()
        .filter_map(|v| Some((v["resourceType"].as_str()?, v["id"].as_str()?)))
        .collect();
    let ids: HashSet<&str> = by_type_id.iter().map(|(_, id)| *id).collect();
    let mut checked = 0;
    for v in out {
        for_each_reference(v, &mut |r: &str| {
            checked += 1;
            let ok = if let Some(local) = r.strip_prefix('#') {
                local.is_empty()
                    || v["contained"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|x| x["id"] == local))
            } else if let Some(id) = r.strip_prefix("urn:uuid:") {
                ids.contains(id)
            } else {
                r.split_once('/')
                    .is_some_and(|(t, id)| !id.contains('/') && by_type_id.contains(&(t, id)))
            };
            assert!(
                ok,
                "{profile}: reference {r} of a {} does not resolve",
                v["resourceType"]
            );
        });
    }
    assert!(checked > 100, "{profile}: only {checked} references");
}

fn check_clinical(profile: &str, input: &[Value], out: &[Value], pseudo: &Pseudonymizer) {
    let out_by_id: HashMap<&str, &Value> = out
        .iter()
        .filter_map(|v| Some((v["id"].as_str()?, v)))
        .collect();
    let mut quantities = 0;
    for obs in input.iter().filter(|v| v["resourceType"] == "Observation") {
        let id = pseudo.id(obs["id"].as_str().unwrap());
        let o = out_by_id
            .get(id.as_str())
            .unwrap_or_else(|| panic!("{profile}: Observation dropped"));
        if let Some(q) = obs.get("valueQuantity") {
            quantities += 1;
            assert_eq!(o["valueQuantity"]["value"], q["value"], "{profile}");
            assert_eq!(o["valueQuantity"]["unit"], q["unit"], "{profile}");
        }
        assert_eq!(count_codings(o), count_codings(obs), "{profile}: codings");
    }
    assert!(quantities > 10, "{profile}: only {quantities} quantities");
    // The medication code survives whether it sits in `medicationCodeableConcept` or in a
    // contained Medication (RxNorm code + form).
    let mut contained = 0;
    for mr in input
        .iter()
        .filter(|v| v["resourceType"] == "MedicationRequest")
    {
        let id = pseudo.id(mr["id"].as_str().unwrap());
        let o = out_by_id
            .get(id.as_str())
            .unwrap_or_else(|| panic!("{profile}: MedicationRequest dropped"));
        if let Some(c) = mr["contained"].as_array() {
            contained += 1;
            assert_eq!(
                o["contained"].as_array().map(Vec::len),
                Some(c.len()),
                "{profile}: contained Medication kept"
            );
            assert_eq!(
                o["contained"][0]["code"]["coding"][0]["code"], c[0]["code"]["coding"][0]["code"],
                "{profile}: contained Medication code"
            );
        }
        assert_eq!(
            count_codings(o),
            count_codings(mr),
            "{profile}: MedicationRequest codings"
        );
    }
    assert!(
        contained > 0,
        "{profile}: no contained Medication exercised"
    );
}

#[test]
fn planted_identifiers_references_and_clinical_content() {
    for seed in SEEDS {
        let (resources, planted) = starvit_synth::export_in_memory(seed, PATIENTS);
        assert!(planted.len() > 100);
        let input: String = resources.iter().map(|v| v.to_string() + "\n").collect();
        for profile in ["shifted", "safe-harbor"] {
            let pseudo = Pseudonymizer::for_profile(&common::key(), profile);
            let out = deid_lines(profile, &input);
            assert_eq!(
                out.len(),
                resources.len(),
                "{profile}: a resource was dropped"
            );
            check_no_planted(profile, seed, &planted, &out, &pseudo);
            check_references(profile, &out);
            check_clinical(profile, &resources, &out, &pseudo);
        }
    }
}

#[test]
fn leakscan_of_a_deidentified_export_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (phi, deid) = (dir.path().join("phi"), dir.path().join("deid"));
    starvit_synth::generate(&SynthConfig::new(6, 7), &phi).unwrap();
    std::fs::create_dir_all(&deid).unwrap();
    for profile in ["shifted", "safe-harbor"] {
        let jobs: Vec<FileJob> = starvit_deid::scan::ndjson_files(&phi)
            .unwrap()
            .into_iter()
            .map(|input| FileJob {
                output: deid.join(input.file_name().unwrap()),
                input,
                quarantine: None,
            })
            .collect();
        for r in common::engine(profile).deid_files(&jobs, 2, None) {
            r.result.unwrap();
        }
        let report = starvit_deid::leakscan(&phi, &deid).unwrap();
        assert!(report.values > 100 && report.deid_lines > 100, "{profile}");
        assert!(report.hits.is_empty(), "{profile}: {:?}", report.hits);
    }
}
