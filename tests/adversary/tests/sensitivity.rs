//! The scanner is sensitive: pointed at the raw (PHI) export instead of a de-identified one, it
//! finds a value of every Safe Harbor class and every structural attack. A scanner that found
//! nothing here would make every green adversarial test meaningless.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use starvit_adversary::scan::name_carryover;
use starvit_adversary::scan::structure::Context;
use starvit_adversary::{Attack, Check, IdClass, Scanner, Suite};

fn raw_findings(attack: Attack, shift_days: i64) -> Vec<starvit_adversary::Finding> {
    let now = Utc::now();
    let suite = Suite::generate(attack, 5, now);
    let dir = tempfile::tempdir().unwrap();
    suite.write(dir.path()).unwrap();
    // An attacker who knows the export time: a raw export read `shift_days` later looks shifted.
    let known: Vec<String> = suite
        .known_instants
        .iter()
        .map(|i| {
            let t = chrono::DateTime::parse_from_rfc3339(i).unwrap() - Duration::days(shift_days);
            t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        })
        .collect();
    let scanner = Scanner::new(&suite.planted, Context::new(now, &known));
    let names: Vec<String> = suite.files.iter().map(|f| f.name.clone()).collect();
    let types: Vec<&str> = suite.types.keys().map(String::as_str).collect();
    let mut found = scanner.dir(dir.path()).unwrap();
    found.extend(name_carryover(&names, &types, dir.path()).unwrap());
    found
}

#[test]
fn every_identifier_class_is_seen_in_the_raw_export() {
    let found: BTreeSet<IdClass> = raw_findings(Attack::Baseline, 0)
        .iter()
        .filter_map(|f| f.class)
        .collect();
    for class in IdClass::ALL.into_iter().filter(|c| *c != IdClass::Date) {
        assert!(found.contains(&class), "{class:?} planted but not seen");
    }
}

#[test]
fn every_structural_attack_is_seen_in_the_raw_export() {
    let checks =
        |a, shift| -> BTreeSet<Check> { raw_findings(a, shift).iter().map(|f| f.check).collect() };
    assert!(checks(Attack::Baseline, 0).contains(&Check::ZipTooFine));
    assert!(
        checks(Attack::AgesOver89, 0).is_superset(&[Check::AgeOver89, Check::YearShowsAge].into())
    );
    assert!(
        checks(Attack::DateReadback, 9)
            .is_superset(&[Check::AfterExport, Check::ShiftReadback].into())
    );
    assert!(
        checks(Attack::InputHygiene, 0)
            .is_superset(&[Check::ValueInFileName, Check::FileNameCarryover].into())
    );
}
