//! Quarantine: where lines that are not FHIR resources go, with their line number and a
//! reason code. Reasons never carry content; the raw line (when available) is handed to
//! the sink, which lives on the PHI side.

use std::io::Write;

/// Why a line was quarantined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QuarantineReason {
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// The line is not valid JSON.
    InvalidJson,
    /// The JSON is not an object.
    NotAnObject,
    /// No string `resourceType`.
    MissingResourceType,
    /// `resourceType` is not a FHIR type name (`[A-Z][A-Za-z0-9]{0,63}`).
    InvalidResourceType,
    /// No valid string `id`.
    MissingId,
    /// The line exceeds the engine's size limit (it was not buffered).
    LineTooLong,
    /// The line is empty or blank (counted, so every input line is accounted for).
    EmptyLine,
    /// The de-identified line still held an identifying value of this kind (the leak
    /// gate): the line is quarantined, the rest of the file goes on.
    LeakGate(crate::gate::kind::ValueKind),
}

impl QuarantineReason {
    /// Stable snake_case code for logs and summaries.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "invalid_utf8",
            Self::InvalidJson => "invalid_json",
            Self::NotAnObject => "not_an_object",
            Self::MissingResourceType => "missing_resource_type",
            Self::InvalidResourceType => "invalid_resource_type",
            Self::MissingId => "missing_id",
            Self::LineTooLong => "line_too_long",
            Self::EmptyLine => "empty_line",
            Self::LeakGate(kind) => kind.gate_code(),
        }
    }
}

impl std::fmt::Display for QuarantineReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One quarantined line.
#[derive(Debug, Clone, Copy)]
pub struct QuarantineRecord<'a> {
    /// 1-based line number in the input.
    pub line: u64,
    /// Why.
    pub reason: QuarantineReason,
    /// The raw line, `None` when it was too long to buffer.
    pub raw: Option<&'a [u8]>,
}

/// Receives quarantined lines. Implementations live on the PHI side.
pub trait QuarantineSink {
    /// Records one line. An error aborts the file (nothing may be lost silently).
    ///
    /// # Errors
    /// I/O errors of the sink.
    fn quarantine(&mut self, record: &QuarantineRecord<'_>) -> std::io::Result<()>;
}

/// Keeps `(line, reason)` pairs in memory, never the content (tests, summaries).
#[derive(Debug, Default)]
pub struct MemoryQuarantine {
    /// Recorded lines.
    pub records: Vec<(u64, QuarantineReason)>,
}

impl QuarantineSink for MemoryQuarantine {
    fn quarantine(&mut self, record: &QuarantineRecord<'_>) -> std::io::Result<()> {
        self.records.push((record.line, record.reason));
        Ok(())
    }
}

/// Writes one JSON line per record: `{"line":N,"reason":"code","raw":"<line or null>"}`.
/// PHI side only (the raw line is the original content).
#[derive(Debug)]
pub struct NdjsonQuarantine<W: Write> {
    out: W,
}

impl<W: Write> NdjsonQuarantine<W> {
    /// Wraps a writer.
    pub fn new(out: W) -> Self {
        Self { out }
    }

    /// Returns the writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> QuarantineSink for NdjsonQuarantine<W> {
    fn quarantine(&mut self, record: &QuarantineRecord<'_>) -> std::io::Result<()> {
        let raw = record.raw.map(|b| String::from_utf8_lossy(b).into_owned());
        let v =
            serde_json::json!({"line": record.line, "reason": record.reason.code(), "raw": raw});
        serde_json::to_writer(&mut self.out, &v)?;
        self.out.write_all(b"\n")
    }
}
