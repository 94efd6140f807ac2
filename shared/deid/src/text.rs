//! Free text a profile sends to Cloud DLP (its `[text]` section): the engine's side.
//!
//! The walk writes a placeholder where a text element was (a control character, a fixed
//! word and an index: it holds nothing of the input) and keeps the raw text in a per-line
//! list of [`PendingText`]s (PHI side, memory only). A caller with DLP gets each output line
//! with its pending texts and the input line ([`TextLine`], through
//! [`crate::Engine::deid_stream_with`]), de-identifies the texts, and calls [`fill`] with one
//! result per text: a clean result replaces its placeholder, anything else removes the
//! element (the resource stays; a parent left empty goes too). No placeholder ever leaves:
//! [`fill`] removes every one it does not fill. A caller without DLP ([`crate::Engine::deid_stream`],
//! `deid_resource`) fills with nothing: the texts are dropped, as under a profile without
//! `[text]` (fail closed).

use base64::Engine as _;
use serde_json::Value;

use crate::error::DeidError;

/// Starts every placeholder (never a valid kept value: kept strings have checked shapes).
const PLACEHOLDER: &str = "\u{1}starvit-text:";

/// One text element's raw value (PHI) and how it is written back.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingText {
    /// The text to de-identify (decoded when the element is base64).
    pub text: String,
    pub(crate) base64: bool,
}

impl std::fmt::Debug for PendingText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PendingText({} bytes)", self.text.len())
    }
}

/// An output line that holds placeholders, its pending texts and the input line (PHI: for
/// the DLP dictionary and the leak gate over the results).
#[derive(Debug)]
pub struct TextLine<'a> {
    /// The de-identified line with placeholders (no newline).
    pub output: &'a [u8],
    /// One per placeholder, in placeholder order.
    pub texts: Vec<PendingText>,
    /// The input line (UTF-8: the engine walked it; read it only for a line with texts).
    pub input: &'a [u8],
}

/// What became of the texts (counts only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextCounts {
    /// Filled with a DLP result that passed the gate.
    pub kept: u64,
    /// Dropped: no DLP on this route (`starvit deid`, the relay).
    pub dropped_no_dlp: u64,
    /// Dropped: too large for one DLP request.
    pub dropped_too_large: u64,
    /// Dropped: the gate found an identifying value in DLP's result.
    pub dropped_leak: u64,
    /// Dropped: DLP refused the request (not a retryable error).
    pub dropped_rejected: u64,
    /// Dropped: a `base64-text` body that is not base64 of UTF-8.
    pub dropped_unreadable: u64,
}

impl TextCounts {
    /// Adds `other` into this.
    pub fn add(&mut self, other: &Self) {
        self.kept += other.kept;
        self.dropped_no_dlp += other.dropped_no_dlp;
        self.dropped_too_large += other.dropped_too_large;
        self.dropped_leak += other.dropped_leak;
        self.dropped_rejected += other.dropped_rejected;
        self.dropped_unreadable += other.dropped_unreadable;
    }

    /// Texts dropped for any reason.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped_no_dlp
            + self.dropped_too_large
            + self.dropped_leak
            + self.dropped_rejected
            + self.dropped_unreadable
    }
}

/// The placeholder of the `i`th text of a line.
pub(crate) fn placeholder(i: usize) -> String {
    format!("{PLACEHOLDER}{i}")
}

/// The text of a base64 body, `None` when it is not base64 of UTF-8.
pub(crate) fn decode(data: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// A filled text: the value to write, and the byte size of an attachment body.
type Filled = Option<(Value, Option<usize>)>;

/// Replaces the placeholders of `output` with `results` (one per text; `None` = drop the
/// element) and removes any other placeholder. An attachment whose body is filled gets the
/// new body's `size`. Returns the line to write.
///
/// # Errors
/// [`DeidError::Serialize`] when `output` is not JSON (never for an engine line).
pub fn fill(
    output: &[u8],
    texts: &[PendingText],
    results: &[Option<String>],
) -> Result<Vec<u8>, DeidError> {
    let mut v: Value =
        serde_json::from_slice(output).map_err(|_| DeidError::Serialize { line: 0 })?;
    let fill = |s: &str| -> Filled {
        let i: usize = s.strip_prefix(PLACEHOLDER)?.parse().ok()?;
        let result = results.get(i)?.as_ref()?;
        Some(if texts.get(i)?.base64 {
            let body = base64::engine::general_purpose::STANDARD.encode(result);
            (Value::String(body), Some(result.len()))
        } else {
            (Value::String(result.clone()), None)
        })
    };
    fill_value(&mut v, &fill);
    serde_json::to_vec(&v).map_err(|_| DeidError::Serialize { line: 0 })
}

/// What became of one member or item: kept (filled or untouched), or removed.
enum Step {
    Keep,
    Filled(Option<usize>),
    Remove,
}

/// Fills one member or item, descending into objects and arrays; `changed` is set when
/// something under it was removed.
fn step(v: &mut Value, fill: &impl Fn(&str) -> Filled, changed: &mut bool) -> Step {
    if let Some(p) = v.as_str().filter(|s| s.starts_with(PLACEHOLDER)) {
        return match fill(p) {
            Some((new, size)) => {
                *v = new;
                Step::Filled(size)
            }
            None => {
                *changed = true;
                Step::Remove
            }
        };
    }
    let inner = fill_value(v, fill);
    *changed |= inner;
    let empty = match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if inner && empty {
        Step::Remove
    } else {
        Step::Keep
    }
}

/// Fills the placeholders under one value; true when something under it was removed.
fn fill_value(v: &mut Value, fill: &impl Fn(&str) -> Filled) -> bool {
    let mut changed = false;
    match v {
        Value::Object(map) => {
            let mut size = None;
            map.retain(|_, val| match step(val, fill, &mut changed) {
                Step::Keep => true,
                Step::Filled(s) => {
                    size = size.or(s);
                    true
                }
                Step::Remove => false,
            });
            if let (Some(n), Some(slot)) = (size, map.get_mut("size")) {
                *slot = Value::from(n);
            }
        }
        Value::Array(items) => {
            items.retain_mut(|it| !matches!(step(it, fill, &mut changed), Step::Remove));
        }
        _ => {}
    }
    changed
}

/// Removes every placeholder of a resource (the event path, which has no DLP).
pub(crate) fn drop_all(v: &mut Value) {
    fill_value(v, &|_| None);
}
