//! [`Compact`]: the matcher of a large, long-lived [`NeedleSet`] (the people index) in a
//! fraction of an Aho-Corasick automaton's memory, answering exactly what it answers.
//!
//! - Needles of [`MIN_WALK`]..=[`MAX_WALK`] bytes (all of them in practice) go into one
//!   FST (the `fst` crate: a minimal acyclic automaton over the sorted needles, prefixes and
//!   suffixes shared; its output is the needle's kind). A search walks it from each start
//!   of the hay until no transition (miss) or a final state (hit); a walk is at most
//!   [`MAX_WALK`] bytes, and a start whose first [`MIN_WALK`] bytes begin no needle (a bit
//!   of [`Starts`]) is not walked.
//! - Longer (and shorter) needles go into an Aho-Corasick automaton, linear in the hay.
//!
//! Answer: the kind of the needle that ends first in the hay, the longest of those ending
//! there (what `aho_corasick`'s standard match semantics report), or `None`.
//!
//! Cost: building ([`CompactBuilder`]) is O(n log n) for n needles; a search is linear in
//! the hay whatever the number of needles: at most [`STEP_ALLOWANCE`] + [`STEPS_PER_BYTE`] ×
//! hay FST steps. On real values a start is rarely walked (under one FST step per byte of a
//! synthesized export's values: as fast as the automaton). A walk from every start could take
//! up to [`MAX_WALK`] steps per byte on a crafted hay (needles `aaaaab`, `aaaaaab`, ... up to
//! 64 bytes and a hay of `aaaa...`: 2.8 s per MiB against the automaton's 17 ms, ~22 s at the
//! engine's 8 MiB line limit); a search that spends its budget stops and answers
//! [`ValueKind::Unchecked`]: fail closed, the line is quarantined as unchecked. Only then does
//! the answer differ from the automaton's.

use aho_corasick::AhoCorasick;
use fst::raw::{Fst, Node};

use super::ValueKind;
pub(crate) use super::compact_build::CompactBuilder;
#[cfg(test)]
use super::needles::NeedleSet;

/// Longest needle (bytes) in the FST: the bound of one walk.
pub(crate) const MAX_WALK: usize = 64;
/// FST steps a search may take per byte of its hay (beyond [`STEP_ALLOWANCE`]).
pub(crate) const STEPS_PER_BYTE: usize = 8;
/// FST steps any search may take, so a short hay is never cut short.
pub(crate) const STEP_ALLOWANCE: usize = 4096;

/// A search spent its step budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exhausted;
/// Shortest needle (bytes) in the FST: the length of the [`Starts`] key. Every needle is at
/// least this long (a core of [`super::SUBSTRING_MIN_CHARS`] matched anywhere, or of
/// [`super::MIN_VALUE_CHARS`] between two spaces); a shorter one goes to the automaton.
pub(super) const MIN_WALK: usize = 5;

/// Every kind, in the order of the FST's outputs.
pub(crate) const KINDS: [ValueKind; 10] = [
    ValueKind::Name,
    ValueKind::Identifier,
    ValueKind::Telecom,
    ValueKind::Address,
    ValueKind::BirthDate,
    ValueKind::ExtensionValue,
    ValueKind::FreeText,
    ValueKind::Display,
    ValueKind::ResourceId,
    ValueKind::Unchecked,
];

pub(super) fn code(kind: ValueKind) -> u64 {
    KINDS
        .iter()
        .position(|&k| k == kind)
        .unwrap_or(KINDS.len() - 1) as u64
}

fn kind(code: u64) -> ValueKind {
    // An output out of range cannot come from `code`; fail closed if it did.
    usize::try_from(code)
        .ok()
        .and_then(|c| KINDS.get(c))
        .copied()
        .unwrap_or(ValueKind::Unchecked)
}

/// The automaton of the needles outside the FST's lengths and their kinds, if any.
pub(super) type Long = Option<(AhoCorasick, Vec<ValueKind>)>;

/// The FST of the walkable needles, the automaton of the others, and their kinds.
pub(crate) struct Compact {
    fst: Fst<Vec<u8>>,
    starts: Starts,
    long: Long,
    len: usize,
}

impl std::fmt::Debug for Compact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compact")
            .field("len", &self.len)
            .field("fst_bytes", &self.fst.size())
            .field("long", &self.long.as_ref().map(|(_, k)| k.len()))
            .finish_non_exhaustive()
    }
}

impl Compact {
    /// The matcher of every needle of `set`; `None` when the FST or the automaton cannot be
    /// built (the caller fails closed).
    #[cfg(test)]
    pub(crate) fn build(set: &NeedleSet) -> Option<Self> {
        Self::build_with(set, MAX_WALK)
    }

    /// [`Self::build`] with walks of at most `max_walk` bytes (tests use short ones).
    #[cfg(test)]
    pub(crate) fn build_with(set: &NeedleSet, max_walk: usize) -> Option<Self> {
        let mut b = CompactBuilder::new(max_walk);
        b.add_set(set);
        b.finish()
    }

    /// The matcher of `fst` (with its `starts`) and of the `long` needles.
    pub(super) fn new(fst: Fst<Vec<u8>>, starts: Starts, long: Long) -> Self {
        let len = fst.len() + long.as_ref().map_or(0, |(_, k)| k.len());
        Self {
            fst,
            starts,
            long,
            len,
        }
    }

    /// Distinct needles.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.fst.as_inner().capacity()
            + self.starts.bytes()
            + self
                .long
                .as_ref()
                .map_or(0, |(ac, k)| ac.memory_usage() + k.capacity())
    }

    /// The kind of the needle that ends first in `hay` (the longest of those), if any.
    pub(crate) fn find(&self, hay: &[u8]) -> Option<ValueKind> {
        let long = self
            .long
            .as_ref()
            .and_then(|(ac, kinds)| ac.find(hay).map(|m| (m.end(), kinds[m.pattern()])));
        // A needle of the FST wins only by ending strictly earlier (at the same end, a long
        // needle is the longer one).
        let bound = long.map_or(hay.len(), |(end, _)| end.saturating_sub(1));
        let budget = STEP_ALLOWANCE.saturating_add(STEPS_PER_BYTE.saturating_mul(hay.len()));
        match self.walk(hay, bound, budget) {
            Err(Exhausted) => Some(ValueKind::Unchecked),
            Ok(walked) => walked.map(|(_, k)| k).or(long.map(|(_, k)| k)),
        }
    }

    /// The first end (≤ `bound`) of an FST needle in `hay` and the kind of the longest one
    /// ending there, in at most `budget` FST steps.
    fn walk(
        &self,
        hay: &[u8],
        mut bound: usize,
        mut budget: usize,
    ) -> Result<Option<(usize, ValueKind)>, Exhausted> {
        let mut best = None;
        let root = self.fst.root();
        let mut start = 0;
        // A needle ending at or before `bound` starts at least MIN_WALK bytes before it.
        while start + MIN_WALK <= bound {
            if self.starts.contains(&hay[start..])
                && let Some(hit) = self.walk_from(root, &hay[start..bound], &mut budget)?
            {
                best = Some((start + hit.0, hit.1));
                // Later starts must end strictly earlier to win.
                bound = start + hit.0 - 1;
            }
            start += 1;
        }
        Ok(best)
    }

    /// The shortest needle that `hay` starts with: its length and kind; each step taken from
    /// `budget`.
    fn walk_from(
        &self,
        root: Node<'_>,
        hay: &[u8],
        budget: &mut usize,
    ) -> Result<Option<(usize, ValueKind)>, Exhausted> {
        let mut node = root;
        let mut out = 0_u64;
        for (i, &b) in hay.iter().enumerate() {
            let Some(at) = node.find_input(b) else {
                return Ok(None);
            };
            *budget = budget.checked_sub(1).ok_or(Exhausted)?;
            let t = node.transition(at);
            out = out.wrapping_add(t.out.value());
            node = self.fst.node(t.addr);
            if node.is_final() {
                return Ok(Some((
                    i + 1,
                    kind(out.wrapping_add(node.final_output().value())),
                )));
            }
        }
        Ok(None)
    }
}

/// A bit per hash of the first [`MIN_WALK`] bytes of the FST's needles, about
/// [`Starts::BITS_PER_NEEDLE`] bits per needle: a start whose bit is clear begins no
/// needle. A chance set bit only costs a walk.
#[derive(Debug)]
pub(super) struct Starts {
    bits: Box<[u64]>,
    /// log2 of the number of bits.
    log: u32,
}

impl Starts {
    const BITS_PER_NEEDLE: usize = 8;

    pub(super) fn new(needles: usize) -> Self {
        let log = (needles * Self::BITS_PER_NEEDLE)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(12, 32);
        Self {
            bits: vec![0; 1 << (log - 6)].into_boxed_slice(),
            log,
        }
    }

    fn bytes(&self) -> usize {
        self.bits.len() * 8
    }

    fn slot(&self, key: &[u8]) -> Option<usize> {
        let k = key.get(..MIN_WALK)?;
        let x = k.iter().fold(0_u64, |x, &b| x << 8 | u64::from(b));
        // Multiplicative hash: the top `log` bits.
        usize::try_from(x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.log)).ok()
    }

    pub(super) fn insert(&mut self, needle: &[u8]) {
        if let Some(s) = self.slot(needle) {
            self.bits[s / 64] |= 1 << (s % 64);
        }
    }

    fn contains(&self, hay: &[u8]) -> bool {
        self.slot(hay)
            .is_some_and(|s| self.bits[s / 64] & (1 << (s % 64)) != 0)
    }
}
