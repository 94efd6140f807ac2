//! The streaming NDJSON engine: one line in, at most one line out, constant memory.
//!
//! Each line is independent: read with a bounded reader, parsed, checked to be a FHIR
//! resource (else quarantined with its line number and a reason code), transformed by the
//! policy (or dropped when its type is not kept), checked by the leak gate, and written.
//! A leak-gate hit quarantines that line (`leak_gate:<kind>`) and the file goes on.
//! Every line is accounted for: written + dropped by policy + quarantined = read (blank
//! lines are quarantined as `empty_line`), checked at the end of every stream. A UTF-8
//! byte-order mark before the first line is skipped.
//!
//! Two ways through a line, one result: a line is parsed into a borrowed flat document
//! ([`crate::json`]) and walked by the transform that writes its output as it goes (no
//! tree, nothing allocated for what the policy drops); a line that parser or walk does not
//! vouch for ([`Bail`]: duplicate keys, contained resources, ages implied by dates, ...)
//! goes through a `serde_json::Value` tree and the in-place walk. The line checks, the
//! gate's extraction and every value decision are shared code, and a test holds both ways
//! to the same bytes (`tests/fast_path.rs`).

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use serde_json::Value;

use crate::error::DeidError;
mod line;

use crate::gate::{self, LineValues, OpenValues, PeopleIndex};
use crate::json::DocBuf;
use crate::key::Key;
use crate::linereader::{Line, read_bounded};
use crate::policy::Policy;
use crate::pseudonym::Pseudonymizer;
use crate::quarantine::{
    MemoryQuarantine, NdjsonQuarantine, QuarantineReason, QuarantineRecord, QuarantineSink,
};
use crate::summary::{Summary, UNKNOWN_TYPE};
use crate::text::{self, TextLine};
use crate::transform::{MetaParts, Transformer};
use line::Scratch;

/// Default line limit: 8 MiB (a parsed line costs a few times its size in memory).
pub const DEFAULT_MAX_LINE_BYTES: usize = 8 << 20;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Lines longer than this are quarantined unread ([`QuarantineReason::LineTooLong`]).
    pub max_line_bytes: usize,
    /// The export day: ages are computed at it (over the cap: generalised), dates 90+
    /// years before it read as the cut-off year, and no output date may lie after it.
    /// Defaults to today; `deidentify` sets the day the source object was written.
    pub reference_date: NaiveDate,
    /// Run the per-line leak gate (on by default; only tests turn it off).
    pub leak_gate: bool,
    /// Take lines through the borrowed document and streaming walk where they can (on by
    /// default; off, every line goes through a `serde_json::Value`: the same output, slower;
    /// tests compare the two).
    pub fast_path: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            reference_date: chrono::Utc::now().date_naive(),
            leak_gate: true,
            fast_path: true,
        }
    }
}

/// A policy bound to a key: the de-identification engine. Cheap to share across threads.
#[derive(Debug)]
pub struct Engine {
    policy: Policy,
    pseudo: Pseudonymizer,
    options: EngineOptions,
    meta: MetaParts,
}

/// One file for [`Engine::deid_files`].
#[derive(Debug, Clone)]
pub struct FileJob {
    /// NDJSON input (PHI side).
    pub input: PathBuf,
    /// Final output path; written as `<output>.partial` and renamed only on success.
    pub output: PathBuf,
    /// Optional quarantine file (PHI side), NDJSON of `{line, reason, raw}`.
    pub quarantine: Option<PathBuf>,
}

/// Result of one [`FileJob`].
#[derive(Debug)]
pub struct FileReport {
    /// The job's input path.
    pub input: PathBuf,
    /// Summary, or the error that made the file fail (its output was removed).
    pub result: Result<Summary, DeidError>,
}

impl Engine {
    /// Binds a policy and a key with default options.
    #[must_use]
    pub fn new(policy: Policy, key: &Key) -> Self {
        Self::with_options(policy, key, EngineOptions::default())
    }

    /// Binds a policy and a key.
    #[must_use]
    pub fn with_options(policy: Policy, key: &Key, options: EngineOptions) -> Self {
        Self {
            meta: MetaParts::new(&policy),
            pseudo: Pseudonymizer::for_profile(key, policy.pseudonym_domain()),
            options,
            policy,
        }
    }

    /// The policy (its [`Policy::version`] is stamped on every output).
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// A transformer for one stream (it memoises digests across lines).
    fn transformer(&self) -> Transformer<'_> {
        Transformer::new(
            &self.policy,
            &self.pseudo,
            self.options.reference_date,
            &self.meta,
        )
    }

    /// De-identifies one parsed resource (the event path). `Ok(None)` = dropped by policy
    /// or not a resource.
    ///
    /// # Errors
    /// [`DeidError::Leak`] (line 0) when the leak gate trips.
    pub fn deid_resource(&self, mut resource: Value) -> Result<Option<Value>, DeidError> {
        let line = if self.options.leak_gate {
            LineValues::of(&resource)
        } else {
            LineValues::new()
        };
        let mut open = OpenValues::new();
        let tx = self.transformer();
        if !tx.resource(&mut resource, &mut open) {
            return Ok(None);
        }
        // No DLP on the event path: a `[text]` profile's texts are dropped.
        if !tx.take_pending().texts.is_empty() {
            text::drop_all(&mut resource);
        }
        if let Some(kind) = gate::check(&line, None, &open) {
            return Err(DeidError::Leak { line: 0, kind });
        }
        Ok(Some(resource))
    }

    /// De-identifies an NDJSON stream. Every line is accounted for in the summary.
    ///
    /// # Errors
    /// I/O errors; [`DeidError::Accounting`] if the counts do not add up (never expected).
    pub fn deid_ndjson<R: BufRead, W: Write>(
        &self,
        input: R,
        output: W,
        quarantine: &mut dyn QuarantineSink,
    ) -> Result<Summary, DeidError> {
        self.deid_stream(input, output, quarantine, None)
    }

    /// [`Engine::deid_ndjson`] with the identifying values of the export's people: the gate
    /// then stops a line that holds any person's value, not only its own.
    ///
    /// # Errors
    /// As [`Engine::deid_ndjson`].
    pub fn deid_stream<R: BufRead, W: Write>(
        &self,
        input: R,
        output: W,
        quarantine: &mut dyn QuarantineSink,
        people: Option<&PeopleIndex>,
    ) -> Result<Summary, DeidError> {
        let mut out = BufWriter::with_capacity(256 << 10, output);
        let mut no_dlp = 0;
        let mut write = |line: TextLine<'_>| -> Result<(), DeidError> {
            if line.texts.is_empty() {
                out.write_all(line.output)?;
            } else {
                // No DLP here: a `[text]` profile's texts are dropped (fail closed).
                no_dlp += line.texts.len() as u64;
                out.write_all(&text::fill(line.output, &line.texts, &[])?)?;
            }
            out.write_all(b"\n")?;
            Ok(())
        };
        let mut summary = self.deid_stream_with(input, &mut write, quarantine, people)?;
        out.flush()?;
        summary.texts.dropped_no_dlp += no_dlp;
        Ok(summary)
    }

    /// The engine's loop: every written line goes to `on_line` (no newline) with its
    /// pending texts and its input line (see [`crate::text`]); the caller de-identifies the
    /// texts, [`text::fill`]s and writes. Lines arrive in input order.
    ///
    /// # Errors
    /// As [`Engine::deid_ndjson`], and any error of `on_line`.
    pub fn deid_stream_with<R: BufRead>(
        &self,
        mut input: R,
        on_line: &mut dyn FnMut(TextLine<'_>) -> Result<(), DeidError>,
        quarantine: &mut dyn QuarantineSink,
        people: Option<&PeopleIndex>,
    ) -> Result<Summary, DeidError> {
        let mut summary = Summary {
            policy_version: self.policy.version().to_owned(),
            ..Summary::default()
        };
        let mut buf = Vec::with_capacity(64 << 10);
        let mut scratch = Scratch {
            tx: self.transformer(),
            line: LineValues::new(),
            open: OpenValues::new(),
            people,
            out: Vec::with_capacity(64 << 10),
        };
        let mut doc = DocBuf::default();
        let mut line_no = 0u64;
        loop {
            let read = read_bounded(&mut input, &mut buf, self.options.max_line_bytes)?;
            line_no += 1;
            match read {
                Line::Eof => break,
                Line::TooLong => {
                    summary.lines += 1;
                    quarantine.quarantine(&QuarantineRecord {
                        line: line_no,
                        reason: QuarantineReason::LineTooLong,
                        raw: None,
                    })?;
                    summary.count_quarantined(UNKNOWN_TYPE, QuarantineReason::LineTooLong);
                }
                Line::Ok => {
                    let mut bytes = buf.strip_suffix(b"\r").unwrap_or(&buf);
                    if line_no == 1 {
                        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                    }
                    summary.lines += 1;
                    if bytes.trim_ascii().is_empty() {
                        quarantine.quarantine(&QuarantineRecord {
                            line: line_no,
                            reason: QuarantineReason::EmptyLine,
                            raw: None,
                        })?;
                        summary.count_quarantined(UNKNOWN_TYPE, QuarantineReason::EmptyLine);
                        continue;
                    }
                    let written = self.line(
                        &mut scratch,
                        &mut doc,
                        line_no,
                        bytes,
                        &mut summary,
                        quarantine,
                    )?;
                    let pending = scratch.tx.take_pending();
                    summary.texts.dropped_unreadable += pending.unreadable;
                    if written {
                        on_line(TextLine {
                            output: &scratch.out,
                            texts: pending.texts,
                            input: bytes,
                        })?;
                    }
                }
            }
        }
        summary.check_accounting().map_err(DeidError::Accounting)?;
        Ok(summary)
    }

    /// De-identifies one file through a `.partial` staging file, renamed on success and
    /// removed on any error (fail closed).
    ///
    /// # Errors
    /// As [`Engine::deid_ndjson`], plus file I/O.
    pub fn deid_file(
        &self,
        job: &FileJob,
        people: Option<&PeopleIndex>,
    ) -> Result<Summary, DeidError> {
        let staging = partial_path(&job.output);
        let result = (|| {
            let input =
                std::io::BufReader::with_capacity(256 << 10, std::fs::File::open(&job.input)?);
            let out = std::fs::File::create(&staging)?;
            let summary = match &job.quarantine {
                Some(qpath) => {
                    let mut q =
                        NdjsonQuarantine::new(BufWriter::new(std::fs::File::create(qpath)?));
                    let s = self.deid_stream(input, out, &mut q, people)?;
                    q.into_inner().flush()?;
                    s
                }
                None => self.deid_stream(input, out, &mut MemoryQuarantine::default(), people)?,
            };
            std::fs::rename(&staging, &job.output)?;
            Ok(summary)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&staging);
        }
        result
    }

    /// De-identifies several files on up to `threads` threads (one file per thread at a
    /// time). Reports come back in job order.
    #[must_use]
    pub fn deid_files(
        &self,
        jobs: &[FileJob],
        threads: usize,
        people: Option<&PeopleIndex>,
    ) -> Vec<FileReport> {
        let next = AtomicUsize::new(0);
        let workers = threads.clamp(1, jobs.len().max(1));
        let mut done: Vec<(usize, FileReport)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    s.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(job) = jobs.get(i) else { break };
                            mine.push((
                                i,
                                FileReport {
                                    input: job.input.clone(),
                                    result: self.deid_file(job, people),
                                },
                            ));
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, r)| r).collect()
    }
}

fn partial_path(output: &Path) -> PathBuf {
    let mut name = output
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(".partial");
    output.with_file_name(name)
}
