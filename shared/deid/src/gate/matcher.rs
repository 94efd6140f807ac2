//! The matcher over a [`NeedleSet`]: nothing, a per-needle scan for a few needles, or one
//! Aho-Corasick automaton. Every match of any needle is a hit (the match classes are encoded
//! in the needles), so a search stops at the first match.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::ValueKind;
use super::needles::{NeedleSet, TOKEN_BYTE};

/// Up to this many needles a per-needle scan (cost ≤ `FEW` × [`SHORT_NEEDLE`] × hay) is
/// cheaper than building an automaton.
const FEW: usize = 64;

/// Needles up to this long are searched by their first byte and a compare (fast on short
/// hays, O(hay × this) at worst); longer ones by `memmem` (two-way, O(hay + needle)).
const SHORT_NEEDLE: usize = 64;

/// True when `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, _)) = needle.split_first() else {
        return true;
    };
    if needle.len() > hay.len() {
        return false;
    }
    if needle.len() > SHORT_NEEDLE {
        return memchr::memmem::find(hay, needle).is_some();
    }
    let last = hay.len() - needle.len();
    let mut at = 0;
    while let Some(off) = memchr::memchr(first, &hay[at..=last]) {
        if hay[at + off..].starts_with(needle) {
            return true;
        }
        at += off + 1;
    }
    false
}

/// The matcher over a [`NeedleSet`]: nothing, a per-needle scan for a few needles, or one
/// Aho-Corasick automaton (built in O(total needle bytes); a search is O(hay) and stops at
/// the first match, since every match is a hit).
#[derive(Debug, Default)]
pub(crate) enum Matcher {
    #[default]
    Empty,
    Few,
    Automaton(AhoCorasick),
    /// The automaton could not be built (beyond its state limit): every value is a hit.
    Broken,
}

impl Matcher {
    /// Builds the matcher for `set`: nothing, the per-needle scan, or the automaton.
    pub(crate) fn build(set: &NeedleSet) -> Self {
        match set.len() {
            0 => Self::Empty,
            n if n <= FEW => Self::Few,
            _ => Self::automaton(set),
        }
    }

    /// The automaton of `set`, whatever its number of needles (also the reference the people
    /// index's FST is tested against).
    pub(crate) fn automaton(set: &NeedleSet) -> Self {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build((0..set.len()).map(|i| set.pattern(i)))
            .map_or(Self::Broken, Self::Automaton)
    }

    /// Kind of a needle found in `hay`, if any. `set` must be the set it was built from.
    pub(crate) fn find(&self, set: &NeedleSet, hay: &[u8]) -> Option<ValueKind> {
        if let Some((&TOKEN_BYTE, token)) = hay.split_first() {
            return set.tokens.find(token);
        }
        match self {
            Self::Empty => None,
            Self::Few => (0..set.len())
                .find(|&i| contains(hay, set.pattern(i)))
                .map(|i| set.kind(i)),
            Self::Automaton(ac) => ac.find(hay).map(|m| set.kind(m.pattern().as_usize())),
            Self::Broken => Some(ValueKind::Unchecked),
        }
    }

    /// Heap bytes of the automaton.
    pub(crate) fn memory_bytes(&self) -> usize {
        match self {
            Self::Automaton(ac) => ac.memory_usage(),
            _ => 0,
        }
    }
}
