//! A real export (Medplum sample, Synthea) through both profiles: findings of the scanner with
//! the people's values harvested from the input, and the share of clinical content kept.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::attack::{PROFILES, deid_scanned};
use crate::harvest::{Content, identifying_values, known_instants, resources};
use crate::scan::structure::Context;
use crate::scan::{Check, Finding, Scanner};

/// What one profile did to a real export.
#[derive(Debug)]
pub struct ProfileResult {
    /// The profile.
    pub profile: &'static str,
    /// Scanner findings (values, structure, console) and a failed run.
    pub findings: Vec<Finding>,
    /// Share of clinical resources kept (0..=1).
    pub resources_kept: f64,
    /// Share of coded concepts (`system|code` with multiplicity) kept (0..=1).
    pub concepts_kept: f64,
}

/// The export time of a bulk export manifest (`transactionTime`), if it has one.
#[must_use]
pub fn manifest_time(manifest: &Path) -> Option<DateTime<Utc>> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(manifest).ok()?).ok()?;
    DateTime::parse_from_rfc3339(v["transactionTime"].as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// De-identifies `input` under both profiles in `work` and scans the outputs. `export_time`
/// is when the export was taken (no output date may be later).
///
/// # Errors
/// I/O errors.
pub fn run(
    bin: &Path,
    work: &Path,
    input: &Path,
    export_time: DateTime<Utc>,
) -> std::io::Result<Vec<ProfileResult>> {
    let rs = resources(input)?;
    let planted = identifying_values(&rs);
    let ctx = Context::new(export_time, &known_instants(&rs));
    let content = Content::of(&rs);
    let mut results = Vec::new();
    for profile in PROFILES {
        let scanner = Scanner::new(&planted, ctx.clone().for_profile(profile));
        let (run, mut findings) = deid_scanned(bin, work, input, profile, &scanner)?;
        if run.code != Some(0) {
            findings.push(Finding {
                check: Check::Accounting,
                class: None,
                place: format!("exit code {:?}", run.code),
            });
        }
        let (resources_kept, concepts_kept) =
            content.kept_in(&Content::of(&resources(&run.output)?));
        results.push(ProfileResult {
            profile,
            findings,
            resources_kept,
            concepts_kept,
        });
    }
    Ok(results)
}
