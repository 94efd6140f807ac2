//! The t2dm example computed in Rust from the de-identified NDJSON, sharing nothing with the dbt
//! models: the rows `t2dm_dataset` must hold (issue 11's definition). Dates are UTC calendar
//! dates of the de-identified times; a partial birth date reads as its first day.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::FeatureRow;

const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";

/// What one patient's resources contribute.
#[derive(Debug, Default)]
struct Patient {
    birth: Option<NaiveDate>,
    t2dm_onsets: Vec<NaiveDate>,
    encounter_starts: Vec<NaiveDate>,
    /// (time, observation id, value) of each HbA1c.
    hba1c: Vec<(DateTime<Utc>, String, Option<f64>)>,
}

/// The expected rows from a directory of de-identified NDJSON (names ending in
/// `<Type>....ndjson` after the last `__`, as `Chain::download` writes them), by patient.
///
/// # Errors
/// Unreadable files, bad JSON or a time that does not parse.
pub fn t2dm_rows(dir: &Path) -> anyhow::Result<Vec<FeatureRow>> {
    let mut patients: BTreeMap<String, Patient> = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let ty = crate::chain::downloaded_type(&name).to_owned();
        for line in std::fs::read_to_string(&path)?.lines() {
            if !line.trim().is_empty() {
                add(&mut patients, &ty, &serde_json::from_str(line)?)?;
            }
        }
    }
    let mut rows = Vec::new();
    for (id, p) in &patients {
        let (Some(index), Some(birth)) = (p.t2dm_onsets.iter().min(), p.birth) else {
            continue;
        };
        let window_start = *index - chrono::Days::new(365);
        let last = p
            .hba1c
            .iter()
            .filter(|(t, _, _)| t.date_naive() <= *index)
            .max_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        rows.push(FeatureRow {
            patient_id: id.clone(),
            index_date: index.to_string(),
            encounters_365d: p
                .encounter_starts
                .iter()
                .filter(|d| **d > window_start && *d <= index)
                .count() as u64,
            last_hba1c: last.and_then(|(_, _, v)| *v),
            age_at_index: age(birth, *index),
            split: split(id).to_owned(),
        });
    }
    Ok(rows)
}

fn add(patients: &mut BTreeMap<String, Patient>, ty: &str, r: &Value) -> anyhow::Result<()> {
    let subject = || -> Option<String> {
        let reference = r["subject"]["reference"].as_str()?;
        Some(reference.rsplit_once("Patient/")?.1.to_owned())
    };
    match ty {
        "Patient" => {
            let id = r["id"].as_str().context("patient without id")?;
            let birth = r["birthDate"].as_str().map(birth_date).transpose()?;
            patients.entry(id.to_owned()).or_default().birth = birth;
        }
        "Condition" if has_code(r, SNOMED, "44054006") => {
            if let (Some(p), Some(onset)) = (subject(), r["onsetDateTime"].as_str()) {
                let day = utc(onset)?.date_naive();
                patients.entry(p).or_default().t2dm_onsets.push(day);
            }
        }
        "Encounter" => {
            if let (Some(p), Some(start)) = (subject(), r["period"]["start"].as_str()) {
                let day = utc(start)?.date_naive();
                patients.entry(p).or_default().encounter_starts.push(day);
            }
        }
        "Observation" if has_code(r, LOINC, "4548-4") => {
            if let (Some(p), Some(time)) = (subject(), r["effectiveDateTime"].as_str()) {
                let id = r["id"].as_str().unwrap_or_default().to_owned();
                let value = r["valueQuantity"]["value"].as_f64();
                patients
                    .entry(p)
                    .or_default()
                    .hba1c
                    .push((utc(time)?, id, value));
            }
        }
        _ => {}
    }
    Ok(())
}

fn has_code(r: &Value, system: &str, code: &str) -> bool {
    r["code"]["coding"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["system"] == system && c["code"] == code))
}

/// A FHIR dateTime as an instant: a full time with its offset, or a date at UTC midnight.
fn utc(text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| "unparsable time")?;
    Ok(day.and_hms_opt(0, 0, 0).context("midnight")?.and_utc())
}

/// A FHIR date; `YYYY` and `YYYY-MM` read as their first day.
fn birth_date(text: &str) -> anyhow::Result<NaiveDate> {
    let full = match text.len() {
        4 => format!("{text}-01-01"),
        7 => format!("{text}-01"),
        _ => text.get(..10).unwrap_or(text).to_owned(),
    };
    NaiveDate::parse_from_str(&full, "%Y-%m-%d").context("unparsable birth date")
}

/// Whole years from `born` to `at`, 90 for 90 and over.
fn age(born: NaiveDate, at: NaiveDate) -> u32 {
    let years = at.years_since(born).unwrap_or(0);
    years.min(90)
}

/// The split of a pseudonym: the first 16 bits of SHA-256("starvit-split-v1:" + id), scaled
/// to 0..99; under 80 train, under 90 validation, else test.
#[must_use]
pub fn split(patient_id: &str) -> &'static str {
    let digest = Sha256::digest(format!("starvit-split-v1:{patient_id}").as_bytes());
    let bucket = u32::from(u16::from_be_bytes([digest[0], digest[1]])) * 100 / 65536;
    match bucket {
        0..80 => "train",
        80..90 => "validation",
        _ => "test",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_whole_years_capped_at_90() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(age(d("1980-06-15"), d("2020-06-14")), 39);
        assert_eq!(age(d("1980-06-15"), d("2020-06-15")), 40);
        assert_eq!(age(d("1900-01-01"), d("2020-01-01")), 90);
    }

    #[test]
    fn times_read_as_utc_dates() {
        let t = utc("2019-03-04T00:30:00+01:00").unwrap();
        assert_eq!(t.date_naive().to_string(), "2019-03-03");
        assert_eq!(birth_date("1950").unwrap().to_string(), "1950-01-01");
    }

    #[test]
    fn splits_are_about_80_10_10() {
        let mut n = BTreeMap::new();
        for i in 0..10_000 {
            *n.entry(split(&format!("p{i}"))).or_insert(0) += 1;
        }
        assert!((7700..8300).contains(&n["train"]), "{n:?}");
        assert!((800..1200).contains(&n["validation"]), "{n:?}");
        assert!((800..1200).contains(&n["test"]), "{n:?}");
    }
}
