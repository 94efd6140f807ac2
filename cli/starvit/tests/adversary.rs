//! Issue 15's adversarial suite against the real CLI (`starvit deid`, black box): for each attack
//! class, exports generated from several seeds go through both profiles and the independent
//! scanner (`tests/adversary`) must find nothing. One test per class, so a failure names it.

use std::path::Path;

use starvit_adversary::{Attack, attack, harvest, real};

const SEEDS: [u64; 3] = [11, 2026, 0x5eed_0015];

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_starvit"))
}

fn assert_holds(class: Attack) {
    let mut report = Vec::new();
    for seed in SEEDS {
        let work = tempfile::tempdir().expect("temp dir");
        let findings = attack::run(bin(), work.path(), class, seed).expect("suite run");
        report.extend(findings.iter().map(|f| format!("seed {seed}: {f}")));
    }
    assert!(report.is_empty(), "issue 15 {class:?}: {}", shown(&report));
}

#[test]
fn safe_harbor_identifier_classes() {
    assert_holds(Attack::Baseline);
}

#[test]
fn class1_date_shift_cannot_be_read_back() {
    assert_holds(Attack::DateReadback);
}

#[test]
fn class1_record_times_cannot_be_read_back() {
    assert_holds(Attack::RecordTimes);
}

#[test]
fn class2_no_age_over_89() {
    assert_holds(Attack::AgesOver89);
}

#[test]
fn class3_kept_values_are_checked() {
    assert_holds(Attack::KeptValues);
}

#[test]
fn class4_reference_urls() {
    assert_holds(Attack::ReferenceUrls);
}

#[test]
fn class5_profiles_cannot_be_linked() {
    assert_holds(Attack::ProfileLinkage);
}

#[test]
fn class6_leak_gate() {
    assert_holds(Attack::LeakGate);
}

#[test]
fn class7_input_hygiene() {
    assert_holds(Attack::InputHygiene);
}

/// The findings, at most 40 of them (they name places and classes, never values).
fn shown(report: &[String]) -> String {
    let head: Vec<&str> = report.iter().take(40).map(String::as_str).collect();
    format!("{} finding(s)\n{}", report.len(), head.join("\n"))
}

fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn medplum_sample_gives_no_alignable_date() {
    let Some(data) = harvest::shared_data(repo_root()) else {
        return;
    };
    let sample = data.join("medplum-export-sample");
    let export =
        real::manifest_time(&sample.join("manifest-system.json")).expect("transactionTime");
    let work = tempfile::tempdir().expect("temp dir");
    let results = real::run(bin(), work.path(), &sample.join("ndjson"), export).expect("run");
    let report: Vec<String> = results
        .iter()
        .flat_map(|r| {
            r.findings
                .iter()
                .map(move |f| format!("{}: {f}", r.profile))
        })
        .collect();
    assert!(report.is_empty(), "Medplum sample: {}", shown(&report));
}

#[test]
fn synthea_keeps_clinical_content() {
    let Some(data) = harvest::shared_data(repo_root()) else {
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let input = data.join("synthea-bulk-data-server-6");
    let results = real::run(bin(), work.path(), &input, chrono::Utc::now()).expect("run");
    for r in &results {
        println!(
            "synthea-6 {}: clinical resources kept {:.1}%, coded concepts kept {:.1}%",
            r.profile,
            r.resources_kept * 100.0,
            r.concepts_kept * 100.0
        );
    }
    for r in &results {
        assert!(
            r.findings.is_empty(),
            "{}: {} finding(s)",
            r.profile,
            r.findings.len()
        );
        assert!(
            r.resources_kept >= 0.9 && r.concepts_kept >= 0.9,
            "{}: kept share under 90%",
            r.profile
        );
    }
}
