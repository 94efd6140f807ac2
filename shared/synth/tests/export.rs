//! End-to-end properties of a written export.

mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use starvit_synth::refs::{RefForm, for_each_reference, parse};
use starvit_synth::{
    BASE_URL, Growth, Manifest, PlantedKind, PlantedList, RefIndex, SynthConfig, generate,
};

const PATIENTS: u64 = 24;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn write(
    patients: u64,
    seed: u64,
    threads: usize,
) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SynthConfig {
        threads,
        ..SynthConfig::new(patients, seed)
    };
    let summary = generate(&cfg, dir.path()).unwrap();
    assert_eq!(summary.patients, patients);
    let f = files(dir.path());
    (dir, f)
}

/// All resources by file, checking each line's type matches its file.
fn resources(files: &BTreeMap<String, Vec<u8>>) -> Vec<Value> {
    let mut all = Vec::new();
    for (name, bytes) in files {
        let Some(t) = name.strip_suffix(".ndjson") else {
            continue;
        };
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let v: Value = serde_json::from_slice(line).unwrap();
            assert_eq!(v["resourceType"], t, "{name}");
            all.push(v);
        }
    }
    all
}

#[test]
fn same_seed_is_byte_identical_and_thread_independent_other_seed_differs() {
    let (_a, a) = write(PATIENTS, 42, 1);
    let (_b, b) = write(PATIENTS, 42, 2);
    let (_c, c) = write(PATIENTS, 43, 1);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(b[name] == *bytes, "{name} differs between runs");
        if name.ends_with(".ndjson") {
            assert!(c[name] != *bytes, "{name} does not depend on the seed");
        }
    }
    let (_d, d) = write(PATIENTS + 3, 42, 1);
    let prefix = &d["Patient.ndjson"][..a["Patient.ndjson"].len()];
    assert!(
        prefix == a["Patient.ndjson"].as_slice(),
        "patient i depends on the patient count"
    );
}

#[test]
fn export_is_well_formed_and_every_reference_resolves() {
    let (dir, f) = write(PATIENTS, 7, 1);
    let (forms, total) = check_well_formed(dir.path(), &f);
    assert_eq!(forms.len(), 5, "reference forms seen: {forms:?}");
    assert!(total > 1000);
}

/// Unique ids, every type present, the manifest matches the files, every reference resolves;
/// returns the reference forms seen and the number of references.
fn check_well_formed(
    dir: &Path,
    f: &BTreeMap<String, Vec<u8>>,
) -> (BTreeMap<&'static str, usize>, usize) {
    let all = resources(f);
    let mut ids: BTreeSet<(String, String)> = BTreeSet::new();
    for r in &all {
        let key = (
            r["resourceType"].as_str().unwrap().to_owned(),
            r["id"].as_str().expect("id").to_owned(),
        );
        assert!(ids.insert(key.clone()), "duplicate id {key:?}");
    }
    for t in starvit_synth::writer::RESOURCE_TYPES {
        assert!(all.iter().any(|r| r["resourceType"] == t), "no {t}");
    }

    let manifest = Manifest::read(&dir.join("manifest.json")).unwrap();
    assert!(!manifest.requires_access_token && manifest.error.is_empty());
    let ndjson = f.keys().filter(|k| k.ends_with(".ndjson")).count();
    assert_eq!(manifest.output.len(), ndjson);
    for o in &manifest.output {
        let lines = f[&o.url].iter().filter(|b| **b == b'\n').count() as u64;
        assert_eq!(o.count, lines, "{}", o.url);
        assert_eq!(o.url, format!("{}.ndjson", o.resource_type));
    }

    let mut index = RefIndex::new(BASE_URL);
    all.iter().for_each(|r| index.add(r));
    let mut forms = BTreeMap::<&str, usize>::new();
    let mut total = 0;
    for r in &all {
        for_each_reference(r, &mut |reference| {
            index
                .resolve(reference, r)
                .unwrap_or_else(|e| panic!("{reference} in {}: {e}", r["id"]));
            let form = match parse(reference, BASE_URL).unwrap() {
                RefForm::Relative { .. } => "relative",
                RefForm::Absolute { .. } => "absolute",
                RefForm::UrnUuid { .. } => "urn:uuid",
                RefForm::Contained { .. } => "contained",
                RefForm::Conditional { .. } => "conditional",
            };
            *forms.entry(form).or_default() += 1;
            total += 1;
        });
    }
    (forms, total)
}

#[test]
fn resolver_rejects_dangling_references() {
    let index = RefIndex::new(BASE_URL);
    let empty = serde_json::json!({});
    assert!(index.resolve("Patient/nope", &empty).is_err());
    assert!(index.resolve("#med1", &empty).is_err());
    assert!(
        index
            .resolve("https://elsewhere.example/fhir/Patient/x", &empty)
            .is_err()
    );
    assert!(
        index
            .resolve(
                "Patient?identifier=http://hospital.example.org/mrn|MRN0",
                &empty
            )
            .is_err()
    );
}

#[test]
fn planted_list_is_complete_and_exact() {
    let (dir, f) = write(PATIENTS, 11, 1);
    let planted = check_planted(dir.path(), &f, 11, PATIENTS);
    let kinds: BTreeSet<_> = planted.identifiers.iter().map(|p| p.kind).collect();
    assert!(kinds.len() >= 18, "kinds: {kinds:?}");
    // Every fragment of free text says what it is; notes name the patient, a relative and the
    // clinician, with MRN, phones, the address and dates.
    let fragments: Vec<_> = planted
        .identifiers
        .iter()
        .filter(|p| p.kind == PlantedKind::NoteFragment)
        .collect();
    assert!(fragments.iter().all(|p| p.part.is_some()));
    let parts: BTreeSet<_> = fragments
        .iter()
        .filter(|p| p.resource_type == "DocumentReference")
        .filter_map(|p| p.part)
        .collect();
    use PlantedKind as K;
    for part in [
        K::Name,
        K::PractitionerName,
        K::Mrn,
        K::Phone,
        K::BirthDate,
        K::Date,
        K::AddressLine,
        K::City,
        K::PostalCode,
    ] {
        assert!(parts.contains(&part), "no {part:?} in the notes: {parts:?}");
    }
}

/// The planted list names `seed` and `patients`, and every identifying value in the output is
/// in it with its holder, and nothing else.
fn check_planted(
    dir: &Path,
    f: &BTreeMap<String, Vec<u8>>,
    seed: u64,
    patients: u64,
) -> PlantedList {
    let all = resources(f);
    let planted = PlantedList::read(&dir.join("planted-identifiers.json")).unwrap();
    assert_eq!((planted.seed, planted.patients), (seed, patients));
    let listed: BTreeSet<scan::Found> = planted
        .identifiers
        .iter()
        .map(|p| (p.resource_type.clone(), p.id.clone(), p.value.clone()))
        .collect();
    let found = scan::scan(&all, &planted.identifiers);
    let missing: Vec<_> = found.difference(&listed).take(10).collect();
    assert!(
        missing.is_empty(),
        "found in the output but not planted: {missing:?}"
    );
    let absent: Vec<_> = listed.difference(&found).take(10).collect();
    assert!(
        absent.is_empty(),
        "planted but not found in the output: {absent:?}"
    );
    planted
}

#[test]
fn population_has_elderly_and_deceased_patients_and_restricted_zips() {
    let (all, _) = starvit_synth::export_in_memory(3, PATIENTS);
    let patients: Vec<&Value> = all
        .iter()
        .filter(|r| r["resourceType"] == "Patient")
        .collect();
    let year = |s: &str| s[..4].parse::<i64>().unwrap();
    assert!(
        patients
            .iter()
            .any(|p| year(p["birthDate"].as_str().unwrap()) <= 2025 - 91)
    );
    assert!(patients.iter().any(|p| p.get("deceasedDateTime").is_some()));
    let restricted = [
        "036", "059", "063", "102", "203", "205", "369", "556", "692", "790", "821", "823", "830",
        "831", "878", "879", "884", "890", "893",
    ];
    let (big, _) = starvit_synth::export_in_memory(3, 120);
    let zips: Vec<String> = big
        .iter()
        .filter(|r| r["resourceType"] == "Patient")
        .map(|p| p["address"][0]["postalCode"].as_str().unwrap().to_owned())
        .collect();
    assert!(zips.iter().any(|z| restricted.contains(&&z[..3])));
}

#[test]
fn in_memory_patient_matches_written_patient() {
    let (_d, f) = write(3, 5, 1);
    let rec = starvit_synth::patient_bundle(5, 2);
    let line = serde_json::to_string(&rec.resources[0]).unwrap();
    let text = String::from_utf8(f["Patient.ndjson"].clone()).unwrap();
    assert_eq!(text.lines().nth(2), Some(line.as_str()));
}

#[test]
fn target_size_mode_stops_once_reached() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SynthConfig {
        target_bytes: Some(2_000_000),
        threads: 2,
        ..SynthConfig::new(0, 9)
    };
    let s = generate(&cfg, dir.path()).unwrap();
    assert!(s.ndjson_bytes >= 2_000_000 && s.patients > 0);
    let cfg1 = SynthConfig { threads: 1, ..cfg };
    let dir1 = tempfile::tempdir().unwrap();
    assert_eq!(generate(&cfg1, dir1.path()).unwrap(), s);
    assert_eq!(files(dir.path()), files(dir1.path()));
}

#[test]
fn history_growth_keeps_the_population_and_reaches_the_size() {
    const P: u64 = 4;
    let target = 1_500_000;
    let cfg = SynthConfig {
        target_bytes: Some(target),
        growth: Growth::History,
        threads: 2,
        ..SynthConfig::new(P, 21)
    };
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&cfg, dir.path()).unwrap();
    assert!(s.ndjson_bytes >= target && s.patients == P, "{s:?}");
    let dir1 = tempfile::tempdir().unwrap();
    let cfg1 = SynthConfig { threads: 1, ..cfg };
    assert_eq!(generate(&cfg1, dir1.path()).unwrap(), s);
    let f = files(dir.path());
    assert_eq!(f, files(dir1.path()), "not deterministic");

    // The people are the plain export's, written once; its files are a byte prefix (round 0).
    let (_p, plain) = write(P, 21, 1);
    assert_eq!(f["Patient.ndjson"], plain["Patient.ndjson"]);
    let plain_bytes: usize = plain
        .iter()
        .filter(|(n, _)| n.ends_with(".ndjson"))
        .map(|(_, b)| b.len())
        .sum();
    assert!(
        s.ndjson_bytes as usize > 2 * plain_bytes,
        "fewer than 2 more chapters"
    );
    for (name, bytes) in plain.iter().filter(|(n, _)| n.ends_with(".ndjson")) {
        assert!(
            f[name].starts_with(bytes),
            "{name}: round 0 is not the plain export"
        );
    }
    // More years: encounters reach further back than the plain export's 12.
    let earliest = |f: &BTreeMap<String, Vec<u8>>| {
        resources(f)
            .iter()
            .filter(|r| r["resourceType"] == "Encounter")
            .map(|r| r["period"]["start"].as_str().unwrap()[..4].to_owned())
            .min()
            .unwrap()
    };
    assert!(earliest(&f) < earliest(&plain));

    let (forms, _) = check_well_formed(dir.path(), &f);
    assert_eq!(forms.len(), 5, "reference forms seen: {forms:?}");
    check_planted(dir.path(), &f, 21, P);
}
