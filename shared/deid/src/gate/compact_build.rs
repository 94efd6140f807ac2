//! [`CompactBuilder`]: a [`Compact`] from needle sets added one after another (shards of one
//! large set), so the caller holds one bounded set at a time, not every needle.
//!
//! Each set becomes one FST (its walkable needles sorted: 4 bytes per needle, O(n log n)
//! compares) and a copy of its other needles; [`CompactBuilder::finish`] streams the union of
//! the FSTs (a k-way merge) into the final one. A needle in several sets keeps the kind of
//! its first set, as a set keeps the kind of its first push. Peak: the FSTs of the sets + the
//! final FST (about their size) + the FST builder's fixed-size registry (a few MB).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use fst::Streamer;
use fst::raw::{Builder, Fst, OpBuilder};

use super::ValueKind;
use super::compact::{Compact, Long, MIN_WALK, Starts, code};
use super::needles::NeedleSet;

/// Builds a [`Compact`] shard by shard.
#[derive(Default)]
pub(crate) struct CompactBuilder {
    max_walk: usize,
    shards: Vec<Fst<Vec<u8>>>,
    /// The needles outside the FST's lengths: bytes, end offsets, kinds.
    long: (Vec<u8>, Vec<usize>, Vec<ValueKind>),
    /// False once a shard could not be built: [`Self::finish`] fails (closed).
    failed: bool,
}

impl std::fmt::Debug for CompactBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompactBuilder")
            .field("shards", &self.shards.len())
            .field("bytes", &self.memory_bytes())
            .finish_non_exhaustive()
    }
}

impl CompactBuilder {
    /// A builder whose FST holds needles of at most `max_walk` bytes.
    pub(crate) fn new(max_walk: usize) -> Self {
        Self {
            max_walk,
            ..Self::default()
        }
    }

    /// Needles added (one in two sets counts twice).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(Fst::len).sum::<usize>() + self.long.2.len()
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        let (text, ends, kinds) = &self.long;
        self.shards
            .iter()
            .map(|f| f.as_inner().capacity())
            .sum::<usize>()
            + text.capacity()
            + ends.capacity() * 8
            + kinds.capacity()
    }

    /// Adds every needle of `set` (deduplicated: each needle once).
    pub(crate) fn add_set(&mut self, set: &NeedleSet) {
        let walkable = |i: usize| (MIN_WALK..=self.max_walk).contains(&set.pattern(i).len());
        let Ok(n) = u32::try_from(set.len()) else {
            self.failed = true;
            return;
        };
        let mut order: Vec<u32> = (0..n).filter(|&i| walkable(i as usize)).collect();
        order.sort_unstable_by(|&a, &b| set.pattern(a as usize).cmp(set.pattern(b as usize)));
        let mut builder = Builder::memory();
        let built = order
            .iter()
            .try_for_each(|&i| builder.insert(set.pattern(i as usize), code(set.kind(i as usize))));
        drop(order);
        match built
            .and_then(|()| builder.into_inner())
            .map(shrunk)
            .map(Fst::new)
        {
            Ok(Ok(fst)) => self.shards.push(fst),
            _ => self.failed = true,
        }
        let (text, ends, kinds) = &mut self.long;
        for i in (0..set.len()).filter(|&i| !walkable(i)) {
            text.extend_from_slice(set.pattern(i));
            ends.push(text.len());
            kinds.push(set.kind(i));
        }
    }

    /// The matcher of every needle added; `None` when any part could not be built.
    pub(crate) fn finish(self) -> Option<Compact> {
        if self.failed {
            return None;
        }
        let long = long_automaton(&self.long)?;
        let fst = union(self.shards)?;
        let starts = starts_of(&fst);
        Some(Compact::new(fst, starts, long))
    }
}

fn shrunk(mut v: Vec<u8>) -> Vec<u8> {
    v.shrink_to_fit();
    v
}

/// One FST of the keys of `shards` (the first shard's output for a key in several). Its
/// buffer is reserved at the shards' total size (the union's is about that), so it does not
/// grow by doubling.
fn union(mut shards: Vec<Fst<Vec<u8>>>) -> Option<Fst<Vec<u8>>> {
    if shards.len() <= 1 {
        return match shards.pop() {
            Some(fst) => Some(fst),
            None => Fst::new(Builder::memory().into_inner().ok()?).ok(),
        };
    }
    let total = shards.iter().map(|f| f.as_bytes().len()).sum();
    let mut op = OpBuilder::new();
    for s in &shards {
        op.push(s);
    }
    let mut merged = op.union();
    let mut builder = Builder::new(Vec::with_capacity(total)).ok()?;
    while let Some((key, values)) = merged.next() {
        let first = values.iter().min_by_key(|v| v.index)?;
        builder.insert(key, first.value).ok()?;
    }
    drop(merged);
    drop(shards);
    Fst::new(shrunk(builder.into_inner().ok()?)).ok()
}

/// The [`Starts`] of the keys of `fst`.
fn starts_of(fst: &Fst<Vec<u8>>) -> Starts {
    let mut starts = Starts::new(fst.len());
    let mut keys = fst.stream();
    while let Some((key, _)) = keys.next() {
        starts.insert(key);
    }
    starts
}

/// The automaton of the needles outside the FST (deduplicated, the first one's kind), or
/// `None` inside when there are none; `None` when it cannot be built.
fn long_automaton((text, ends, kinds): &(Vec<u8>, Vec<usize>, Vec<ValueKind>)) -> Option<Long> {
    if kinds.is_empty() {
        return Some(None);
    }
    let at = |i: usize| &text[if i == 0 { 0 } else { ends[i - 1] }..ends[i]];
    let mut order: Vec<usize> = (0..kinds.len()).collect();
    // Stable: of equal needles, the first one's kind.
    order.sort_by(|&a, &b| at(a).cmp(at(b)));
    order.dedup_by(|a, b| at(*a) == at(*b));
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(order.iter().map(|&i| at(i)))
        .ok()?;
    Some(Some((ac, order.iter().map(|&i| kinds[i]).collect())))
}
