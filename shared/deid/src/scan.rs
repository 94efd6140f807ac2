//! Standalone leak scan over directories: collect identifying values from every resource
//! of every PHI NDJSON file (see [`crate::gate`] for what counts), then check every string
//! and number of every de-identified line, with the gate's folding and matching (Unicode
//! case and diacritics, substrings for names/identifiers/telecoms, digits-only forms). Hits
//! are reported as (file, line, kind), never with the value.
//!
//! Dates of birth are matched only as the value of a `birthDate` field: across many
//! patients a shifted clinical date of one person may equal another person's birthday,
//! which is not a leak; a real DOB leak shows up as a birthDate.
//!
//! Cost: linear in the bytes read (one automaton over all PHI values, built once; one
//! search per output value).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::DeidError;
use crate::gate::{self, PeopleIndex, ValueKind};
use crate::linereader::{Line, read_bounded};

/// One hit: where, and what kind of value. Never the value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanHit {
    /// De-identified file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: u64,
    /// Kind of the leaked value.
    pub kind: ValueKind,
}

/// Outcome of [`leakscan`].
#[derive(Debug, Default)]
pub struct ScanReport {
    /// PHI files read.
    pub phi_files: usize,
    /// Distinct identifying values collected.
    pub values: usize,
    /// De-identified files scanned.
    pub deid_files: usize,
    /// De-identified lines scanned.
    pub deid_lines: u64,
    /// Hits (deduplicated per file, line and kind).
    pub hits: Vec<ScanHit>,
}

/// Every `*.ndjson` under `dir` (recursively), or `dir` itself when it is a file; sorted.
///
/// # Errors
/// I/O errors while listing.
pub fn ndjson_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if dir.is_file() {
        out.push(dir.to_owned());
        return Ok(out);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "ndjson") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

const SCAN_LINE_LIMIT: usize = 64 << 20;

fn for_each_line(path: &Path, mut f: impl FnMut(u64, &[u8])) -> Result<(), DeidError> {
    let mut r = std::io::BufReader::with_capacity(256 << 10, std::fs::File::open(path)?);
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        n += 1;
        match read_bounded(&mut r, &mut buf, SCAN_LINE_LIMIT)? {
            Line::Eof => return Ok(()),
            Line::TooLong => {}
            Line::Ok => f(n, &buf),
        }
    }
}

/// Scans `deid` for identifying values found in `phi`.
///
/// # Errors
/// I/O errors. Unparseable PHI lines are skipped (they were quarantined, never published);
/// an unparseable de-identified line is reported as an [`ValueKind::Unchecked`] hit.
pub fn leakscan(phi: &Path, deid: &Path) -> Result<ScanReport, DeidError> {
    let mut report = ScanReport::default();
    let mut index = PeopleIndex::scan_builder();
    for file in ndjson_files(phi)? {
        report.phi_files += 1;
        for_each_line(&file, |_, bytes| {
            if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
                index.add(&v);
            }
        })?;
    }
    let index = index.build();
    report.values = index.len();
    let mut hits = BTreeSet::new();
    for file in ndjson_files(deid)? {
        report.deid_files += 1;
        for_each_line(&file, |line, bytes| {
            report.deid_lines += 1;
            let mut hit = |kind| {
                hits.insert(ScanHit {
                    file: file.clone(),
                    line,
                    kind,
                });
            };
            match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => gate::hits_in(&index, &v, hit),
                Err(_) if bytes.trim_ascii().is_empty() => {}
                Err(_) => hit(ValueKind::Unchecked),
            }
        })?;
    }
    report.hits = hits.into_iter().collect();
    Ok(report)
}
