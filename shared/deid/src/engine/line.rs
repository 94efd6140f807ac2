//! One line through the engine: the checks every line passes ([`admit`]), then the fast
//! way (borrowed document, streaming walk) or, when that bails, the `Value` way; then the
//! leak gate and the counts.

use serde_json::Value;

use super::Engine;
use crate::error::DeidError;
use crate::gate::{self, LineValues, OpenValues, PeopleIndex};
use crate::json::{Bail, DocBuf, Json};
use crate::quarantine::{QuarantineReason, QuarantineRecord, QuarantineSink};
use crate::reference;
use crate::summary::{Summary, UNKNOWN_TYPE};
use crate::transform::Transformer;

fn valid_type_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_uppercase()
        && b.iter().all(u8::is_ascii_alphanumeric)
}

/// The summary bucket of a resource type: the type itself when it is a FHIR R4 resource
/// type, else [`UNKNOWN_TYPE`] (an input's "type" is never echoed).
fn summary_type(rt: &str) -> &'static str {
    starvit_fhir::resource_type_index(rt)
        .map_or(UNKNOWN_TYPE, |i| starvit_fhir::R4_RESOURCE_TYPES[i])
}

/// The checks every line passes before the walk: its summary type, or why it is
/// quarantined and under which type it is counted.
fn admit<'v>(root: impl Json<'v>) -> Result<&'static str, Verdict> {
    let quarantined = |reason, ty| Err(Verdict::Quarantined(reason, ty));
    if !root.is_object() {
        return quarantined(QuarantineReason::NotAnObject, UNKNOWN_TYPE);
    }
    let Some(rt) = root.get("resourceType").and_then(Json::as_str) else {
        return quarantined(QuarantineReason::MissingResourceType, UNKNOWN_TYPE);
    };
    if !valid_type_name(rt) {
        return quarantined(QuarantineReason::InvalidResourceType, UNKNOWN_TYPE);
    }
    let rt = summary_type(rt);
    if !root
        .get("id")
        .and_then(Json::as_str)
        .is_some_and(reference::is_id)
    {
        return quarantined(QuarantineReason::MissingId, rt);
    }
    Ok(rt)
}

/// Per-stream state reused across lines (no allocation per line once warm).
pub(super) struct Scratch<'e> {
    pub(super) tx: Transformer<'e>,
    pub(super) line: LineValues,
    pub(super) open: OpenValues,
    pub(super) people: Option<&'e PeopleIndex>,
    /// The output line.
    pub(super) out: Vec<u8>,
}

/// What becomes of one line, and the type it is counted under.
enum Verdict {
    /// Written: the output is in `Scratch::out`.
    Out(&'static str),
    Dropped(&'static str),
    Quarantined(QuarantineReason, &'static str),
}

impl Engine {
    /// Judges one line (checks, policy, walk, gate) and counts it. `true`: written, its
    /// output is in `scratch.out`.
    pub(super) fn line(
        &self,
        scratch: &mut Scratch<'_>,
        doc: &mut DocBuf,
        line_no: u64,
        bytes: &[u8],
        summary: &mut Summary,
        q: &mut dyn QuarantineSink,
    ) -> Result<bool, DeidError> {
        let verdict = match std::str::from_utf8(bytes) {
            Err(_) => Verdict::Quarantined(QuarantineReason::InvalidUtf8, UNKNOWN_TYPE),
            Ok(text) => match self.fast(scratch, doc, text) {
                Ok(v) => v,
                Err(Bail) => self.slow(scratch, text, line_no)?,
            },
        };
        let written = match verdict {
            Verdict::Out(ty) => {
                if self.options.leak_gate {
                    summary.leak_checked += 1;
                }
                let counts = summary.entry(ty);
                counts.output += 1;
                counts.input += 1;
                true
            }
            Verdict::Dropped(ty) => {
                let counts = summary.entry(ty);
                counts.dropped += 1;
                counts.input += 1;
                false
            }
            Verdict::Quarantined(reason, ty) => {
                q.quarantine(&QuarantineRecord {
                    line: line_no,
                    reason,
                    raw: Some(bytes),
                })?;
                summary.count_quarantined(ty, reason);
                return Ok(false);
            }
        };
        Ok(written)
    }

    /// A line through the borrowed document and the streaming walk.
    fn fast(&self, s: &mut Scratch<'_>, doc: &mut DocBuf, text: &str) -> Result<Verdict, Bail> {
        if !self.options.fast_path {
            return Err(Bail);
        }
        doc.parse(text)?;
        let root = doc.doc(text).root();
        let rt = match self.admit_line(root) {
            Ok(rt) => rt,
            Err(verdict) => return Ok(verdict),
        };
        s.out.clear();
        let kept = s.tx.resource_doc(root, &mut s.open, &mut s.out)?;
        // The line's values are read after the walk (the input is still there, unchanged),
        // only when the output copied an open value (else the gate has nothing to check),
        // and only those that can fit in the hays the gate will search.
        if self.options.leak_gate && kept && !s.open.is_empty() {
            s.line.fill_for(root, &s.open);
        }
        Ok(self.gate(rt, kept, s))
    }

    /// A line through a `serde_json::Value` and the in-place walk.
    fn slow(&self, s: &mut Scratch<'_>, text: &str, line_no: u64) -> Result<Verdict, DeidError> {
        let Ok(mut value) = serde_json::from_str::<Value>(text) else {
            return Ok(Verdict::Quarantined(
                QuarantineReason::InvalidJson,
                UNKNOWN_TYPE,
            ));
        };
        let rt = match self.admit_line(&value) {
            Ok(rt) => rt,
            Err(verdict) => return Ok(verdict),
        };
        // The walk changes the tree in place: the line's values are read before it.
        if self.options.leak_gate {
            s.line.fill_from(&value);
        }
        let kept = s.tx.resource(&mut value, &mut s.open);
        if kept {
            s.out.clear();
            serde_json::to_writer(&mut s.out, &value)
                .map_err(|_| DeidError::Serialize { line: line_no })?;
        }
        Ok(self.gate(rt, kept, s))
    }

    /// [`admit`], then the policy's type list.
    fn admit_line<'v>(&self, root: impl Json<'v>) -> Result<&'static str, Verdict> {
        let rt = admit(root)?;
        if !self.policy.keeps_type(rt) {
            return Err(Verdict::Dropped(rt));
        }
        Ok(rt)
    }

    /// After the walk: dropped, or written unless the leak gate finds a value of the line
    /// or of the export's people in the output's open values.
    fn gate(&self, rt: &'static str, kept: bool, s: &Scratch<'_>) -> Verdict {
        if !kept {
            return Verdict::Dropped(rt);
        }
        if self.options.leak_gate
            && let Some(kind) = gate::check(&s.line, s.people, &s.open)
        {
            return Verdict::Quarantined(QuarantineReason::LeakGate(kind), rt);
        }
        Verdict::Out(rt)
    }
}
