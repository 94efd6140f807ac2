//! The per-line leak gate's first API, kept as thin wrappers over [`crate::gate`] until
//! the engine calls [`crate::gate::check`] with the output's open values.

use serde_json::Value;

use crate::gate::{self, LineValues};
pub use crate::gate::{MIN_FRAGMENT_CHARS, MIN_ID_CHARS, MIN_VALUE_CHARS, ValueKind};

/// The identifying values of one input resource: [`gate::LineValues`].
pub type Needles = LineValues;

/// Collects the identifying values of one input resource.
#[must_use]
pub fn extract(resource: &Value) -> Needles {
    LineValues::of(resource)
}

/// [`extract`] into a reused set: no allocation once its buffers are warm.
pub fn extract_into(resource: &Value, n: &mut Needles) {
    n.fill(resource);
}

/// [`gate::check_value`] without a people index: the kind of a value of the input found in
/// any string or number of `output`.
#[must_use]
pub fn check(needles: &Needles, output: &Value) -> Option<ValueKind> {
    gate::check_value(needles, None, output)
}
