//! What a handler says happened: [`Outcome`] on success, a [`Classify`]-ed error otherwise.

use std::fmt;

/// What the delivery system should do with an event whose handler failed.
///
/// This is the whole retry policy: the runtime turns it into the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Transient cause (dependency 5xx/429, timeout, IO): answer 503 so the event is redelivered.
    Retry,
    /// Permanent cause (poison input, already done, malformed): answer 2xx so it is not redelivered.
    /// The runtime logs it at ERROR with the error's code; quarantine is the handler's job.
    Drop,
    /// The request is not authentic (a webhook whose signature does not verify): answered 401,
    /// nothing parsed or stored. Never for a CloudEvent: Eventarc would retry a 4xx for a day,
    /// and events are authenticated by Cloud Run's IAM before they reach the handler.
    Refuse,
}

/// Classification of a handler error.
///
/// # Contract
/// Implementors are PHI-free by construction: `code` is a stable snake_case identifier (used in
/// log-based metrics and alerts, so never rename one), and the type's `Display`, which the runtime
/// also logs, is written from static text, counts and ids of operations only, never from input.
pub trait Classify {
    /// Retry or drop.
    fn disposition(&self) -> Disposition;
    /// Stable snake_case error code, e.g. `"bucket_unavailable"`.
    fn code(&self) -> &'static str;
}

/// Successful handling of an event. Carries only static text and counts, never data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The event was processed. Answered 200.
    Done {
        /// Counts worth logging once per event (e.g. `resources=120`).
        detail: Counts,
    },
    /// The event was deliberately ignored (not ours, already done, ...). Answered 204.
    Skipped {
        /// Static, PHI-free reason, e.g. `"not_an_ndjson_object"`.
        reason: &'static str,
    },
}

impl Outcome {
    /// `Done` with no counts.
    pub fn done() -> Self {
        Outcome::Done {
            detail: Counts::default(),
        }
    }

    /// `Done` with counts.
    pub fn done_with(detail: Counts) -> Self {
        Outcome::Done { detail }
    }

    /// `Skipped` for a static reason.
    pub fn skipped(reason: &'static str) -> Self {
        Outcome::Skipped { reason }
    }
}

/// Named counts reported once per event, after the loop (never per record).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(Vec<(&'static str, u64)>);

impl Counts {
    /// No counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a named count (builder style).
    #[must_use]
    pub fn with(mut self, name: &'static str, count: u64) -> Self {
        self.0.push((name, count));
        self
    }

    /// The counts in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.0.iter().copied()
    }
}

/// Renders as `name=count name=count`.
impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, count)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={count}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_render_in_order() {
        let c = Counts::new().with("resources", 3).with("dropped", 1);
        assert_eq!(c.to_string(), "resources=3 dropped=1");
        assert_eq!(Counts::new().to_string(), "");
    }
}
