//! Standalone leak scan over directories: collect identifying values from every PHI
//! NDJSON file (see [`crate::leak`] for what counts), then scan every de-identified NDJSON
//! file with Aho-Corasick (ASCII case-insensitive, whole words). Hits are reported as
//! (file, line, kind), never with the value.
//!
//! Dates of birth are matched only as `"birthDate":"<dob>"`: across many patients a
//! shifted clinical date of one person may equal another person's birthday, which is not
//! a leak; a real DOB leak shows up as a birthDate.

use std::collections::{BTreeSet, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde_json::Value;

use crate::error::DeidError;
use crate::leak::{self, ValueKind};
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
/// I/O errors. Unparseable PHI lines are skipped (they were quarantined, never published).
pub fn leakscan(phi: &Path, deid: &Path) -> Result<ScanReport, DeidError> {
    let mut report = ScanReport::default();
    let mut values: HashMap<String, ValueKind> = HashMap::new();
    for file in ndjson_files(phi)? {
        report.phi_files += 1;
        for_each_line(&file, |_, bytes| {
            let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
                return;
            };
            for (n, value) in leak::extract(&v).iter() {
                let key = if n.kind == ValueKind::BirthDate {
                    format!("\"birthdate\":\"{value}\"")
                } else if n.exact {
                    // Whole JSON string value (a following ':' would make it a key).
                    format!("\"{value}\"")
                } else {
                    value.to_owned()
                };
                values.entry(key).or_insert(n.kind);
            }
        })?;
    }
    report.values = values.len();
    let (patterns, kinds): (Vec<String>, Vec<ValueKind>) = values.into_iter().unzip();
    let ac: Option<AhoCorasick> = if patterns.is_empty() {
        None
    } else {
        Some(
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .map_err(|_| {
                    DeidError::Io(std::io::Error::other("cannot build the scan automaton"))
                })?,
        )
    };
    let mut hits = BTreeSet::new();
    for file in ndjson_files(deid)? {
        report.deid_files += 1;
        for_each_line(&file, |line, bytes| {
            report.deid_lines += 1;
            let Some(ac) = &ac else { return };
            for m in ac.find_overlapping_iter(bytes) {
                let is_key = bytes.get(m.end()) == Some(&b':');
                if leak::word_boundary(bytes, m.start(), m.end()) && !is_key {
                    hits.insert(ScanHit {
                        file: file.clone(),
                        line,
                        kind: kinds[m.pattern().as_usize()],
                    });
                }
            }
        })?;
    }
    report.hits = hits.into_iter().collect();
    Ok(report)
}

/// Reads a `BufRead` fully through [`leak::extract`]; helper for callers holding streams.
///
/// # Errors
/// I/O errors.
pub fn collect_values<R: BufRead>(mut r: R) -> Result<Vec<(ValueKind, String)>, DeidError> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    while read_bounded(&mut r, &mut buf, SCAN_LINE_LIMIT)? != Line::Eof {
        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
            out.extend(
                leak::extract(&v)
                    .iter()
                    .map(|(n, value)| (n.kind, value.to_owned())),
            );
        }
    }
    Ok(out)
}
