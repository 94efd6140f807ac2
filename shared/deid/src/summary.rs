//! Per-file and per-run counts (types and numbers only: safe to log).

use std::collections::BTreeMap;

use crate::quarantine::QuarantineReason;
use crate::text::TextCounts;

/// Counts for one resource type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypeCounts {
    /// Lines read of this type (including dropped and quarantined).
    pub input: u64,
    /// Resources written.
    pub output: u64,
    /// Dropped by policy (type not kept).
    pub dropped: u64,
    /// Quarantined.
    pub quarantined: u64,
}

/// Bucket for lines whose type could not be read, or is no FHIR R4 resource type (a type
/// name is never printed unless it is one: a "type" may be anything an input says).
pub const UNKNOWN_TYPE: &str = "<unparsed>";

/// What the engine did with one input (or several, merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Version of the policy applied.
    pub policy_version: String,
    /// Lines read (every line, blank ones included).
    pub lines: u64,
    /// Lines whose output passed the leak gate.
    pub leak_checked: u64,
    /// Counts per resource type (unparseable lines under [`UNKNOWN_TYPE`]).
    pub by_type: BTreeMap<String, TypeCounts>,
    /// Quarantined lines per reason.
    pub quarantine_reasons: BTreeMap<QuarantineReason, u64>,
    /// Free-text elements of a `[text]` profile: kept, dropped per reason.
    pub texts: TextCounts,
}

impl Summary {
    /// Totals over all types.
    #[must_use]
    pub fn totals(&self) -> TypeCounts {
        self.by_type
            .values()
            .fold(TypeCounts::default(), |a, c| TypeCounts {
                input: a.input + c.input,
                output: a.output + c.output,
                dropped: a.dropped + c.dropped,
                quarantined: a.quarantined + c.quarantined,
            })
    }

    /// Adds another summary (same policy) into this one.
    pub fn merge(&mut self, other: &Summary) {
        if self.policy_version.is_empty() {
            self.policy_version.clone_from(&other.policy_version);
        }
        self.lines += other.lines;
        self.leak_checked += other.leak_checked;
        for (t, c) in &other.by_type {
            let e = self.by_type.entry(t.clone()).or_default();
            e.input += c.input;
            e.output += c.output;
            e.dropped += c.dropped;
            e.quarantined += c.quarantined;
        }
        for (r, n) in &other.quarantine_reasons {
            *self.quarantine_reasons.entry(*r).or_default() += n;
        }
        self.texts.add(&other.texts);
    }

    /// Checks that every line read is accounted for: written + dropped by policy +
    /// quarantined = read.
    ///
    /// # Errors
    /// A message with the four counts when they do not add up.
    pub fn check_accounting(&self) -> Result<(), String> {
        let t = self.totals();
        if t.output + t.dropped + t.quarantined == self.lines && t.input == self.lines {
            Ok(())
        } else {
            Err(format!(
                "lines do not add up: read {}, written {}, dropped {}, quarantined {}",
                self.lines, t.output, t.dropped, t.quarantined
            ))
        }
    }

    /// Counts one quarantined input line of `resource_type` for `reason`.
    pub(crate) fn count_quarantined(&mut self, resource_type: &str, reason: QuarantineReason) {
        let e = self.entry(resource_type);
        e.input += 1;
        e.quarantined += 1;
        *self.quarantine_reasons.entry(reason).or_default() += 1;
    }

    pub(crate) fn entry(&mut self, resource_type: &str) -> &mut TypeCounts {
        // Look up first: allocate the key only the first time a type is seen.
        if !self.by_type.contains_key(resource_type) {
            self.by_type
                .insert(resource_type.to_owned(), TypeCounts::default());
        }
        self.by_type
            .get_mut(resource_type)
            .unwrap_or_else(|| unreachable!("inserted above"))
    }
}

/// True for a FHIR R4 resource type name (the only type names a summary shows).
#[must_use]
pub fn is_fhir_type(name: &str) -> bool {
    starvit_fhir::is_resource_type(name)
}
