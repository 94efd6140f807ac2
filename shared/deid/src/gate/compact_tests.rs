//! [`Compact`] answers exactly what the Aho-Corasick matcher answers, and both what the
//! naive definition answers: the kind of the needle ending first in the hay, the longest
//! of those ending there.

use proptest::prelude::*;

use super::ValueKind;
use super::compact::{Compact, KINDS, MAX_WALK};
use super::matcher::Matcher;
use super::needles::{NeedleSet, TOKEN_BYTE};

/// Every kind a needle can have (the last one of [`KINDS`] is the gate's own).
const NEEDLE_KINDS: &[ValueKind] = KINDS.split_last().expect("kinds").1;

/// The naive definition over every needle of `set`.
fn naive(set: &NeedleSet, hay: &[u8]) -> Option<ValueKind> {
    (1..=hay.len()).find_map(|end| {
        (0..set.len())
            .filter(|&i| hay[..end].ends_with(set.pattern(i)))
            .max_by_key(|&i| set.pattern(i).len())
            .map(|i| set.kind(i))
    })
}

/// Text of letters (multi-byte ones too), digits and separators; long enough for free text
/// and for needles longer than a short walk.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            'a', 'B', 'c', 'ü', 'Ж', 'λ', '中', 'ß', '1', '2', '3', '0', ' ', '-', '.', '@',
        ]),
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// A hay from the needles' bytes: pieces of needles (whole, cut at any byte, overlapping
/// the next one) and junk around them, so needles sit at both edges and inside each other.
fn hay(set: &NeedleSet, recipe: &[(prop::sample::Index, u8, u8, Vec<u8>)]) -> Vec<u8> {
    let mut hay = Vec::new();
    for (i, cut_start, cut_end, junk) in recipe {
        hay.extend_from_slice(junk);
        if set.len() == 0 {
            continue;
        }
        let p = set.pattern(i.index(set.len()));
        let from = usize::from(*cut_start % 3).min(p.len());
        let to = p.len() - usize::from(*cut_end % 3).min(p.len() - from);
        hay.extend_from_slice(&p[from..to]);
    }
    hay
}

fn junk() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop::sample::select(vec![b' ', b'a', b'1', 2, 3, 5, 0xC3, 0xBC, b'x']),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]
    #[test]
    fn compact_answers_what_the_automaton_and_the_naive_scan_answer(
        values in proptest::collection::vec((0..NEEDLE_KINDS.len(), text()), 0..40),
        recipes in proptest::collection::vec(
            proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>(), junk()), 0..5),
            1..12),
    ) {
        let mut set = NeedleSet::default();
        for (k, raw) in &values {
            set.push(NEEDLE_KINDS[*k], raw);
        }
        let automaton = Matcher::build(&set, true);
        // Short walks put many needles in the automaton beside the FST.
        let compacts: Vec<Compact> = [5, 8, 16, MAX_WALK]
            .into_iter()
            .map(|w| Compact::build_with(&set, w).expect("small sets build"))
            .collect();
        for c in &compacts {
            prop_assert_eq!(c.len(), set.len());
        }
        for recipe in &recipes {
            let hay = hay(&set, recipe);
            if hay.first() == Some(&TOKEN_BYTE) {
                continue;
            }
            let expected = naive(&set, &hay);
            prop_assert_eq!(automaton.find(&set, &hay), expected, "automaton on {:?}", hay);
            for c in &compacts {
                prop_assert_eq!(c.find(&hay), expected, "compact on {:?}", hay);
            }
        }
    }
}

#[test]
fn long_and_short_needles_at_the_same_end() {
    let mut set = NeedleSet::default();
    // Sub needles "abcdefghij" (name) and "hij12" would both end at the end of a hay.
    set.push(ValueKind::Identifier, "hij12");
    set.push(ValueKind::Name, "abcdefghij12");
    let c = Compact::build_with(&set, 8).expect("builds");
    let auto = Matcher::build(&set, true);
    for hay in [
        &b"xxabcdefghij12yy"[..],
        b"hij12",
        b"abcdefghij1",
        b"zzhij1",
    ] {
        assert_eq!(c.find(hay), auto.find(&set, hay), "{hay:?}");
        assert_eq!(c.find(hay), naive(&set, hay), "{hay:?}");
    }
    assert_eq!(c.find(b"xxabcdefghij12yy"), Some(ValueKind::Name));
}

#[test]
fn an_empty_set_finds_nothing() {
    let set = NeedleSet::default();
    let c = Compact::build(&set).expect("builds");
    assert_eq!(c.len(), 0);
    assert_eq!(c.find(b"\x02 anything \x03"), None);
}
