//! [`PeopleIndex`]: the identifying values of every person of an export, so a patient's
//! MRN copied into another resource's code is caught on that resource's line. The standalone
//! scan builds the same index over every resource of a PHI directory
//! ([`PeopleIndex::scan_builder`]).

use serde_json::Value;

use super::ValueKind;
use super::compact::{Compact, CompactBuilder, MAX_WALK};
use super::extract::extract;
use super::needles::{BirthDates, NeedleSet, TOKEN_BYTE, Tokens};

/// Resource types whose identifying values are a person's.
pub const PEOPLE_TYPES: &[&str] = &[
    "Patient",
    "RelatedPerson",
    "Practitioner",
    "PractitionerRole",
    "Person",
];

/// The identifying values of the people of an export in one FST (`gate::compact`).
/// Immutable once built and shareable across threads.
///
/// What it holds: the values [`super::LineValues`] would extract from each Patient,
/// RelatedPerson, Practitioner, PractitionerRole and Person (top level or contained),
/// except dates of birth (one person's shifted date may equal another's birthday; the
/// line's own date of birth is checked by its [`super::LineValues`]).
///
/// Bounds: collecting is O(total bytes of the values) expected time (and O(n log n) sorts).
/// The builder holds one set of at most `SHARD_NEEDLES` needles or `SHARD_BYTES` of
/// their text (its encoded needles + ~18 bytes each for deduplication: a few MB), the tokens,
/// and one FST per full set (a shard, `CompactBuilder`); [`PeopleIndexBuilder::build`]
/// streams the union of the shards into the final FST: the peak of the index's life is the
/// bounded set, the shards and the final FST (about twice the index) + the FST builder's
/// fixed-size registry. Measured (`examples/people_index.rs` on `starvit synth`, release):
/// 15,024 people, 222,316 values: index 146 B per person (10 B per value; the Aho-Corasick
/// automaton it replaced: 1,423), builder 384 B per person, process peak 12.4 MB (85 MB
/// before). [`PeopleIndex::memory_bytes`] reports the figure. A search is O(hay) whatever
/// the number of people: at most 64 FST steps per byte of the hay (`compact::MAX_WALK`), in
/// practice under one.
#[derive(Debug)]
pub struct PeopleIndex {
    /// `None`: the index could not be built, every value is a hit (fail closed).
    matcher: Option<Compact>,
    tokens: Tokens,
}

/// A builder's needles go into an FST shard ([`CompactBuilder`]) at this many needles or
/// [`SHARD_BYTES`] of their text, whichever comes first: the builder holds one bounded set.
const SHARD_NEEDLES: usize = 1 << 16;
/// See [`SHARD_NEEDLES`].
const SHARD_BYTES: usize = 2 << 20;

/// Feeds resources one at a time into a [`PeopleIndex`].
#[derive(Debug)]
pub struct PeopleIndexBuilder {
    /// The needles since the last shard (and every token).
    set: NeedleSet,
    shards: CompactBuilder,
    people: usize,
    /// Every resource's values, not only people's (the standalone scan).
    everyone: bool,
}

impl PeopleIndex {
    /// A builder; feed it every resource of the export (non-people are ignored).
    #[must_use]
    pub fn builder() -> PeopleIndexBuilder {
        Self::builder_of(false, BirthDates::Skip)
    }

    /// A builder of the standalone scan's index: the values of every resource, dates of birth
    /// matched only as the whole value of a `birthDate` field.
    pub(crate) fn scan_builder() -> PeopleIndexBuilder {
        Self::builder_of(true, BirthDates::FieldOnly)
    }

    fn builder_of(everyone: bool, birth: BirthDates) -> PeopleIndexBuilder {
        let mut set = NeedleSet::default();
        set.birth = birth;
        PeopleIndexBuilder {
            set,
            shards: CompactBuilder::new(MAX_WALK),
            people: 0,
            everyone,
        }
    }

    /// Distinct needles.
    #[must_use]
    pub fn len(&self) -> usize {
        self.matcher.as_ref().map_or(0, Compact::len)
    }

    /// True when no person value was collected.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.len() == 0) && self.tokens.is_empty()
    }

    /// Heap bytes held (FST, automaton of any long needle, tokens).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.matcher.as_ref().map_or(0, Compact::memory_bytes) + self.tokens.memory_bytes()
    }

    pub(crate) fn find(&self, hay: &[u8]) -> Option<ValueKind> {
        match hay.split_first() {
            Some((&b, token)) if b == TOKEN_BYTE => self.tokens.find(token),
            _ => match &self.matcher {
                Some(m) => m.find(hay),
                None => Some(ValueKind::Unchecked),
            },
        }
    }
}

impl PeopleIndexBuilder {
    /// Adds the values of `resource` when it is a person, and those of the people it
    /// contains.
    pub fn add(&mut self, resource: &Value) {
        if self.everyone {
            extract(resource, &mut self.set);
        } else if is_person(resource) {
            self.people += 1;
            extract(resource, &mut self.set);
        } else if let Some(Value::Array(contained)) = resource.get("contained") {
            for c in contained.iter().filter(|c| is_person(c)) {
                self.people += 1;
                extract(c, &mut self.set);
            }
        }
        if self.set.len() >= SHARD_NEEDLES || self.set.text_bytes() >= SHARD_BYTES {
            self.shards.add_set(&self.set);
            // The set's buffers are kept for the next shard; the tokens stay in it.
            let tokens = std::mem::take(&mut self.set.tokens);
            self.set.clear();
            self.set.tokens = tokens;
        }
    }

    /// People added so far.
    #[must_use]
    pub fn people(&self) -> usize {
        self.people
    }

    /// Needles so far (distinct within a shard: one in two shards counts twice).
    #[must_use]
    pub fn len(&self) -> usize {
        self.set.len() + self.shards.len()
    }

    /// True when nothing was collected yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.set.tokens.is_empty()
    }

    /// Heap bytes held by the builder (its set, tokens and shards).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.set.memory_bytes() + self.set.tokens.memory_bytes() + self.shards.memory_bytes()
    }

    /// Builds the index. When it cannot be built (an automaton beyond its limits) the index
    /// reports every value as [`ValueKind::Unchecked`] (fail closed).
    #[must_use]
    pub fn build(self) -> PeopleIndex {
        let Self {
            mut set,
            mut shards,
            ..
        } = self;
        // The deduplication table is not needed any more: free it before the last shard.
        set.seal();
        shards.add_set(&set);
        let mut tokens = std::mem::take(&mut set.tokens);
        tokens.shrink_to_fit();
        // Freed before the shards' union, the peak of the index's life.
        drop(set);
        PeopleIndex {
            matcher: shards.finish(),
            tokens,
        }
    }
}

fn is_person(v: &Value) -> bool {
    v.get("resourceType")
        .and_then(Value::as_str)
        .is_some_and(|t| PEOPLE_TYPES.contains(&t))
}
