//! The leak gate: identifying values of an input resource, or of any person of the export,
//! must not appear in the open values of its de-identified output.
//!
//! Files:
//! - `fold`    the one text normalisation (Unicode case + diacritic folding, separators,
//!   digits-only forms) shared by needles and haystacks.
//! - `extract` where identifying values live in a FHIR resource.
//! - `needles` the deduplicated needle set and the match classes. `matcher`: the scan.
//! - `compact` the people index's matcher: an FST, a fraction of an automaton's memory;
//!   `compact_build` builds it from shards.
//! - `line`    [`LineValues`] (one input resource). `people`: [`PeopleIndex`] (an export).
//! - `open`    [`OpenValues`] (what an output copied from its input).
//!
//! Matching, on folded text: names, identifiers and telecoms of at least
//! [`SUBSTRING_MIN_CHARS`] characters, concatenated names and digits-only forms (values
//! with at least [`DIGITS_MIN`] digits) anywhere, inside words too; shorter values, address
//! parts and dates of birth as whole words; short free text, displays, extension strings
//! and web sites as the whole string. A number, and a short formatted number, is also
//! checked by its digits-only form against the digits-only needles. Terminology URIs
//! ([`is_vocabulary_uri`]) are checked by their digits only.
//!
//! Cost: [`check`] is O(total bytes of the open values) whatever the number of needles (one
//! Aho-Corasick search of the line's needles per value and one walk of the people index's
//! FST, each stopping at the first match, since every match is a hit); with the fill of [`LineValues`] (linear) and a [`PeopleIndex`] built once, the gate
//! is linear in the size of its input. The engine fills a line's values after its walk, only
//! when the output has open values, and only what they can match (no needle longer than the
//! longest searched hay, no token unless one is open: `LineValues::fill_for`), which finds
//! what the whole set would. A hit is the concern of its line only: the engine
//! quarantines that line with the returned [`ValueKind`] as its reason.

mod compact;
mod compact_build;
#[cfg(test)]
mod compact_tests;
mod extract;
mod fold;
pub mod kind;
mod line;
mod matcher;
mod needles;
mod open;
mod people;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use kind::ValueKind;
pub use line::LineValues;
pub use needles::{
    DIGITS_MIN, MIN_FRAGMENT_CHARS, MIN_ID_CHARS, MIN_VALUE_CHARS, SUBSTRING_MIN_CHARS,
};
pub use open::{OpenValues, VOCABULARY_BASES, is_vocabulary_uri};
pub use people::{PEOPLE_TYPES, PeopleIndex, PeopleIndexBuilder};

/// The kind of an identifying value of `line` (its own input resource) or of `people` (any
/// person of the export) found in the output's open values, or `None`.
///
/// O(total bytes of `open`): one search of the line's matcher and one of the index per
/// stored value, each linear in the value and independent of the number of needles.
#[must_use]
pub fn check(
    line: &LineValues,
    people: Option<&PeopleIndex>,
    open: &OpenValues,
) -> Option<ValueKind> {
    if open.overflowed() {
        return Some(ValueKind::Unchecked);
    }
    open.hays()
        .find_map(|hay| line.find(hay).or_else(|| people.and_then(|p| p.find(hay))))
}

/// [`check`] over every string and number of a whole output resource (for a single
/// resource, such as the relay's, and for tests): the engine's own constants and
/// terminology URIs are vocabulary, checked by their digits only. Pseudonyms and shifted
/// dates are scanned too (they cannot match: the gate's needles are input values).
#[must_use]
pub fn check_value(
    line: &LineValues,
    people: Option<&PeopleIndex>,
    output: &Value,
) -> Option<ValueKind> {
    if line.is_empty() && people.is_none_or(PeopleIndex::is_empty) {
        return None;
    }
    // One value at a time through the line's reused buffer: stops at the first hit and
    // holds at most the largest value.
    let mut scratch = line.scratch.take();
    let mut found = None;
    open::each_leaf(output, &mut |leaf| {
        scratch.clear();
        scratch.push_leaf(leaf);
        found = check(line, people, &scratch);
        found.is_none()
    });
    line.scratch.replace(scratch);
    found
}

/// Every kind found in `output` (at most one per value), for the standalone scan.
pub(crate) fn hits_in(index: &PeopleIndex, output: &Value, mut f: impl FnMut(ValueKind)) {
    let mut open = OpenValues::with_capacity(1024);
    open::each_leaf(output, &mut |leaf| {
        open.clear();
        open.push_leaf(leaf);
        if open.overflowed() {
            f(ValueKind::Unchecked);
        }
        open.hays()
            .filter_map(|hay| index.find(hay))
            .for_each(&mut f);
        true
    });
}
