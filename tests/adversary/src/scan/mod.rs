//! The independent scanner: planted values in output contents, output file names and the CLI's
//! stdout/stderr, plus structural checks. It shares no code with the engine.
//!
//! - [`fold`]      Unicode case/diacritic folding, digits-only forms.
//! - [`needles`]   planted values and how they are matched (text, digits, base64).
//! - [`structure`] ages, years, dates after the export, system timestamps carrying the shift.
//! - [`linkage`]   pseudonyms shared between the outputs of two profiles.

pub mod fold;
pub mod linkage;
pub mod needles;
pub mod structure;

use std::path::Path;

use serde_json::Value;

use crate::plant::{IdClass, Planted};
use needles::Needles;
use structure::Context;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// A planted value in an output file's contents.
    ValueInOutput,
    /// A planted value in an output file's name.
    ValueInFileName,
    /// A planted value on the CLI's stdout or stderr.
    ValueOnConsole,
    /// An output file name carries a part of an input file name other than a resource type.
    FileNameCarryover,
    /// An age over 89 (or an age implied over 89).
    AgeOver89,
    /// A year that alone shows an age of 90+.
    YearShowsAge,
    /// A postal code finer than 3 digits, or a sparse 3-digit area.
    ZipTooFine,
    /// A date with more than its year under Safe Harbor.
    DateFinerThanYear,
    /// A date later than the export time.
    AfterExport,
    /// A system timestamp whose real value is known carries the shift.
    ShiftReadback,
    /// A pseudonym common to the outputs of two profiles.
    SharedPseudonym,
    /// An output line that is not a JSON resource.
    NotAResource,
    /// Lines not accounted for, lost records, or a whole file lost to one line.
    Accounting,
}

/// One finding. Carries where and what kind, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check that fired.
    pub check: Check,
    /// The Safe Harbor class of the planted value, when a value was found.
    pub class: Option<IdClass>,
    /// Where: the output (file index, line, JSON path) or the stream, and the planted path.
    pub place: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.class {
            Some(c) => write!(f, "{:?} [{c:?}] at {}", self.check, self.place),
            None => write!(f, "{:?} at {}", self.check, self.place),
        }
    }
}

fn name_tokens(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(fold::fold)
}

/// Output file names must carry nothing of the input file names beyond the resource types
/// (`types`) and the extension: any other token of an input name found in an output name is a
/// finding (the name itself is never printed).
///
/// # Errors
/// I/O errors reading the directory.
pub fn name_carryover(
    inputs: &[String],
    types: &[&str],
    dir: &Path,
) -> std::io::Result<Vec<Finding>> {
    let allowed: std::collections::BTreeSet<String> = types
        .iter()
        .map(|t| fold::fold(t))
        .chain(["ndjson".to_owned()])
        .collect();
    let carried: std::collections::BTreeSet<String> = inputs
        .iter()
        .flat_map(|n| name_tokens(n))
        .filter(|t| !allowed.contains(t))
        .collect();
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names
        .iter()
        .enumerate()
        .filter(|(_, n)| name_tokens(n).any(|t| carried.contains(&t)))
        .map(|(i, _)| Finding {
            check: Check::FileNameCarryover,
            class: None,
            place: format!("output file #{i}"),
        })
        .collect())
}

/// A scanner for one export's planted values and context.
#[derive(Debug)]
pub struct Scanner<'p> {
    needles: Needles<'p>,
    ctx: Context,
}

fn value_finding(check: Check, p: &Planted, at: &str) -> Finding {
    Finding {
        check,
        class: Some(p.class),
        place: format!("{at} (planted as {}, {:?})", p.path, p.attack),
    }
}

impl<'p> Scanner<'p> {
    /// A scanner for `planted` in `ctx`.
    #[must_use]
    pub fn new(planted: &'p [Planted], ctx: Context) -> Self {
        Self {
            needles: Needles::new(planted),
            ctx,
        }
    }

    /// Scans a console stream (`name` is `stdout` or `stderr`).
    #[must_use]
    pub fn console(&self, name: &str, text: &str) -> Vec<Finding> {
        self.text(Check::ValueOnConsole, name, text)
    }

    fn text(&self, check: Check, name: &str, text: &str) -> Vec<Finding> {
        text.lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let p = self.needles.find(l)?;
                Some(value_finding(check, p, &format!("{name} line {}", i + 1)))
            })
            .collect()
    }

    /// Scans every file of an output directory: names, then contents (NDJSON resource by
    /// resource with the structural checks; any other file as text).
    ///
    /// # Errors
    /// I/O errors reading the directory.
    pub fn dir(&self, dir: &Path) -> std::io::Result<Vec<Finding>> {
        let mut out = Vec::new();
        let mut names: Vec<_> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        names.sort();
        for (n, name) in names.iter().enumerate() {
            let at = format!("output file #{n}");
            if let Some(p) = self.needles.find(name) {
                out.push(value_finding(Check::ValueInFileName, p, &at));
            }
            let text = String::from_utf8_lossy(&std::fs::read(dir.join(name))?).into_owned();
            if name.ends_with(".ndjson") {
                self.file(&at, &text, &mut out);
            } else {
                out.extend(self.text(Check::ValueInOutput, &at, &text));
            }
        }
        Ok(out)
    }

    fn file(&self, at: &str, text: &str, out: &mut Vec<Finding>) {
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let at = format!("{at} line {}", i + 1);
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                out.push(Finding {
                    check: Check::NotAResource,
                    class: None,
                    place: at,
                });
                continue;
            };
            self.strings(&v, &mut String::new(), &at, out);
            structure::check(&self.ctx, &v, &mut |check, path| {
                out.push(Finding {
                    check,
                    class: None,
                    place: format!("{at} {path}"),
                });
            });
        }
    }

    fn strings(&self, v: &Value, path: &mut String, at: &str, out: &mut Vec<Finding>) {
        let hit = match v {
            Value::String(s) => self.needles.find(s),
            Value::Number(n) => self.needles.find(&n.to_string()),
            Value::Object(o) => {
                for (k, x) in o {
                    let len = path.len();
                    if let Some(p) = self.needles.find(k) {
                        out.push(value_finding(
                            Check::ValueInOutput,
                            p,
                            &format!("{at} key {path}"),
                        ));
                    }
                    path.push('.');
                    path.push_str(k);
                    self.strings(x, path, at, out);
                    path.truncate(len);
                }
                None
            }
            Value::Array(a) => {
                a.iter().for_each(|x| self.strings(x, path, at, out));
                None
            }
            Value::Bool(_) | Value::Null => None,
        };
        if let Some(p) = hit {
            out.push(value_finding(
                Check::ValueInOutput,
                p,
                &format!("{at} {path}"),
            ));
        }
    }
}
