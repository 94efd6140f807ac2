//! [`LineValues`]: the identifying values of one input resource and their matcher.

use serde_json::Value;

use super::extract::extract;
use super::matcher::Matcher;
use super::needles::{Fits, NeedleSet};
use super::{OpenValues, ValueKind};

/// The identifying values of one input resource (see [`super::extract`] for where they are
/// looked for), folded, deduplicated, in every form they match in, with their matcher.
///
/// Reusable: [`LineValues::fill`] clears it and keeps its buffers, so a warm instance does
/// not allocate per line. Bounds, for a resource of n bytes: O(n) values; filling is
/// O(n) expected time (one walk, one fold and one keyed hash per form, one automaton built
/// in O(total needle bytes)); memory O(n).
#[derive(Debug, Default)]
pub struct LineValues {
    pub(crate) set: NeedleSet,
    pub(crate) matcher: Matcher,
    /// The buffer [`super::check_value`] reuses across calls.
    pub(crate) scratch: std::cell::RefCell<super::OpenValues>,
}

impl LineValues {
    /// An empty set (checks find nothing).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The values of `resource`.
    #[must_use]
    pub fn of(resource: &Value) -> Self {
        let mut line = Self::new();
        line.fill(resource);
        line
    }

    /// Replaces the content with the values of `resource` and builds the matcher.
    pub fn fill(&mut self, resource: &Value) {
        self.fill_from(resource);
    }

    /// [`LineValues::fill`] from any view of the resource (the engine's parsed line).
    pub(crate) fn fill_from<'v>(&mut self, resource: impl crate::json::Json<'v>) {
        self.fill_within(resource, None);
    }

    /// [`LineValues::fill_from`] for the checks of `open` only: the needles longer than its
    /// longest searched hay cannot occur in it and are left out, and so are the opaque
    /// tokens when it holds none. Finds what `fill_from` would in `open`.
    pub(crate) fn fill_for<'v>(&mut self, resource: impl crate::json::Json<'v>, open: &OpenValues) {
        self.fill_within(resource, Some(open.fits()));
    }

    fn fill_within<'v>(&mut self, resource: impl crate::json::Json<'v>, fits: Option<Fits>) {
        self.set.clear();
        self.set.fits = fits;
        extract(resource, &mut self.set);
        self.matcher = Matcher::build(&self.set);
    }

    /// Empties the set, keeping its buffers.
    pub fn clear(&mut self) {
        self.set.clear();
        self.matcher = Matcher::Empty;
    }

    /// Number of distinct needles (a value counts once per form: text, digits-only,
    /// concatenation).
    #[must_use]
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// True when the resource holds no identifying value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.set.len() == 0
    }

    /// Heap bytes held by the needles and the matcher.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.set.memory_bytes() + self.matcher.memory_bytes()
    }

    /// Kind of a value of this line found in one hay.
    pub(crate) fn find(&self, hay: &[u8]) -> Option<ValueKind> {
        self.matcher.find(&self.set, hay)
    }
}
