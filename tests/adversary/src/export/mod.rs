//! The seeded generator: [`Suite::generate`] builds one adversarial FHIR R4 bulk export for
//! one attack class (plus the Safe Harbor baseline population), with every planted value
//! recorded.
//!
//! - [`person`]   people with every Safe Harbor identifier.
//! - `baseline`   their resources as Synthea/Medplum/Epic exports hold them.
//! - `dates`      classes 1 and 2: system timestamps, dates after the export, ages over 89.
//! - `kept`       classes 3 and 4: kept values carrying identifiers, reference URLs.
//! - `gate`       classes 6 and 7: cross-resource leaks, availability, input hygiene.

mod baseline;
mod dates;
mod gate;
mod kept;
pub mod person;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::plant::{Attack, IdClass, Planted};

/// One input file of the export.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// File name (normally `<Type>.ndjson`; class 7 plants identifiers in it).
    pub name: String,
    /// Starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// The NDJSON lines (class 7 adds an empty one).
    pub lines: Vec<String>,
    /// Lines ended by CRLF instead of LF.
    pub crlf: bool,
    /// Lines that are not UTF-8, written after `lines`.
    pub raw_lines: Vec<Vec<u8>>,
}

/// A generated export and what it planted.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The attack class it exercises.
    pub attack: Attack,
    /// The export ("load") time an attacker is assumed to know.
    pub export_time: DateTime<Utc>,
    /// The files to write on the PHI side.
    pub files: Vec<InputFile>,
    /// Every planted identifying value.
    pub planted: Vec<Planted>,
    /// System timestamps whose real value an outsider knows or bounds (instant strings).
    pub known_instants: Vec<String>,
    /// Lines the attack added: at most these may be quarantined (the baseline never).
    pub attack_lines: usize,
    /// Lines per resource type that may be quarantined (what the attack added, minus lines
    /// that hold no other person's value); baseline lines never may.
    pub quarantinable: BTreeMap<String, usize>,
    /// Well-formed lines per resource type (what the CLI must account for per type).
    pub types: BTreeMap<String, usize>,
}

/// Generator state: the seeded RNG, the resources built so far, what was planted.
#[derive(Debug)]
pub struct Gen {
    rng: ChaCha8Rng,
    attack: Attack,
    export_time: DateTime<Utc>,
    resources: BTreeMap<String, Vec<Value>>,
    planted: Vec<Planted>,
    known_instants: Vec<String>,
}

impl Gen {
    fn export_date(&self) -> NaiveDate {
        self.export_time.date_naive()
    }

    /// Records `value` as planted and returns it.
    pub fn plant(&mut self, class: IdClass, path: &'static str, value: String) -> String {
        self.planted.push(Planted {
            class,
            attack: self.attack,
            path,
            value: value.clone(),
        });
        value
    }

    /// Draws a value with `make` and plants it.
    pub fn plant_new(
        &mut self,
        class: IdClass,
        path: &'static str,
        make: impl FnOnce(&mut Self) -> String,
    ) -> String {
        let v = make(self);
        self.plant(class, path, v)
    }

    /// A random RFC 4122 v4 UUID string from the seeded RNG.
    pub fn uuid(&mut self) -> String {
        let b: [u8; 16] = self.rng.random();
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    pub(crate) fn line_count(&self) -> usize {
        self.resources.values().map(Vec::len).sum()
    }

    fn counts(&self) -> BTreeMap<String, usize> {
        self.resources
            .iter()
            .map(|(t, rs)| (t.clone(), rs.len()))
            .collect()
    }

    /// Adds a resource to its type's file.
    pub fn add(&mut self, resource: Value) {
        let t = resource["resourceType"]
            .as_str()
            .unwrap_or("Unknown")
            .to_owned();
        self.resources.entry(t).or_default().push(resource);
    }

    /// A system timestamp on the export day before the export time, with a distinctive
    /// millisecond part; recorded as known to an outsider.
    pub fn system_instant(&mut self) -> String {
        let back = self.rng.random_range(60..6 * 3600);
        let t = self.export_time - chrono::Duration::seconds(back);
        let t = if t.date_naive() == self.export_date() {
            t
        } else {
            self.export_time
        };
        let s = format!(
            "{}.{:03}Z",
            t.format("%Y-%m-%dT%H:%M:%S"),
            self.rng.random_range(1..1000)
        );
        self.known_instants.push(s.clone());
        s
    }

    /// A clinical dateTime `days_ago` days before the export, whole seconds, `+00:00`.
    pub fn clinical(&mut self, days_ago: u64) -> String {
        let d = self.export_date() - chrono::Days::new(days_ago);
        format!(
            "{}T{:02}:{:02}:00+00:00",
            d.format("%Y-%m-%d"),
            self.rng.random_range(7..19),
            self.rng.random_range(0..60)
        )
    }
}

impl Suite {
    /// Generates the export for `attack` from `seed`, relative to `export_time`.
    #[must_use]
    pub fn generate(attack: Attack, seed: u64, export_time: DateTime<Utc>) -> Self {
        let mut g = Gen {
            rng: ChaCha8Rng::seed_from_u64(seed ^ (attack as u64) << 32),
            attack,
            export_time,
            resources: BTreeMap::new(),
            planted: Vec::new(),
            known_instants: Vec::new(),
        };
        let people = g.population(3);
        let before = g.counts();
        let mut leak_lines = None;
        match attack {
            Attack::DateReadback => g.date_readback(&people),
            Attack::RecordTimes => g.record_stamps(&people),
            Attack::AgesOver89 => g.ages_over_89(&people),
            Attack::KeptValues => g.kept_values(&people),
            Attack::ReferenceUrls => g.reference_urls(&people),
            Attack::LeakGate => leak_lines = Some(g.leak_gate(&people)),
            Attack::Baseline | Attack::ProfileLinkage | Attack::InputHygiene => {}
        }
        let types = g.counts();
        let quarantinable: BTreeMap<String, usize> = match leak_lines {
            Some(n) => [("Observation".to_owned(), n)].into(),
            None => types
                .iter()
                .map(|(t, n)| (t.clone(), n - before.get(t).unwrap_or(&0)))
                .collect(),
        };
        let mut attack_lines = quarantinable.values().sum();
        let mut files: Vec<InputFile> = g
            .resources
            .iter()
            .map(|(t, rs)| InputFile {
                name: format!("{t}.ndjson"),
                bom: false,
                lines: rs.iter().map(Value::to_string).collect(),
                crlf: false,
                raw_lines: Vec::new(),
            })
            .collect();
        if attack == Attack::InputHygiene {
            attack_lines += g.input_hygiene(&people, &mut files);
        }
        Self {
            attack,
            export_time,
            files,
            planted: g.planted,
            known_instants: g.known_instants,
            attack_lines,
            quarantinable,
            types,
        }
    }

    /// Number of input lines in all files.
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.files
            .iter()
            .map(|f| f.lines.len() + f.raw_lines.len())
            .sum()
    }

    /// Writes the files into `dir` (PHI side).
    ///
    /// # Errors
    /// I/O errors of the writes.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for f in &self.files {
            let end: &[u8] = if f.crlf { b"\r\n" } else { b"\n" };
            let mut body = if f.bom {
                "\u{FEFF}".as_bytes().to_vec()
            } else {
                Vec::new()
            };
            for l in f
                .lines
                .iter()
                .map(String::as_bytes)
                .chain(f.raw_lines.iter().map(Vec::as_slice))
            {
                body.extend_from_slice(l);
                body.extend_from_slice(end);
            }
            std::fs::write(dir.join(&f.name), body)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plant::IdClass;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn seeded_and_deterministic() {
        let a = Suite::generate(Attack::LeakGate, 7, now());
        let b = Suite::generate(Attack::LeakGate, 7, now());
        let c = Suite::generate(Attack::LeakGate, 8, now());
        assert_eq!(
            a.files.iter().map(|f| &f.lines).collect::<Vec<_>>(),
            b.files.iter().map(|f| &f.lines).collect::<Vec<_>>()
        );
        assert_ne!(a.planted, c.planted);
    }

    #[test]
    fn every_safe_harbor_class_is_planted() {
        let s = Suite::generate(Attack::Baseline, 1, now());
        for class in IdClass::ALL.into_iter().filter(|c| *c != IdClass::Date) {
            assert!(
                s.planted.iter().any(|p| p.class == class),
                "{class:?} not planted"
            );
        }
        for f in &s.files {
            for l in &f.lines {
                let v: Value = serde_json::from_str(l).unwrap();
                assert!(v["resourceType"].is_string() && v["id"].is_string());
            }
        }
    }
}
