//! [`Compact`] answers exactly what the Aho-Corasick matcher answers, and both what the
//! naive definition answers: the kind of the needle ending first in the hay, the longest
//! of those ending there; built from one set or from shards of it.

use proptest::prelude::*;

use super::ValueKind;
use super::compact::{Compact, CompactBuilder, KINDS, MAX_WALK, STEP_ALLOWANCE, STEPS_PER_BYTE};
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
        shards in 1..5_usize,
    ) {
        let mut set = NeedleSet::default();
        for (k, raw) in &values {
            set.push(NEEDLE_KINDS[*k], raw);
        }
        // The same values in `shards` sets (a needle may be in several, with other kinds).
        let mut sharded = CompactBuilder::new(8);
        for chunk in values.chunks(values.len().div_ceil(shards).max(1)) {
            let mut part = NeedleSet::default();
            for (k, raw) in chunk {
                part.push(NEEDLE_KINDS[*k], raw);
            }
            sharded.add_set(&part);
        }
        let sharded = sharded.finish().expect("small sets build");
        prop_assert_eq!(sharded.len(), set.len());
        let automaton = Matcher::automaton(&set);
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
            for c in compacts.iter().chain([&sharded]) {
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
    let auto = Matcher::automaton(&set);
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
fn a_crafted_hay_spends_its_step_budget_and_is_unchecked() {
    // Needles a^k b (k = 5..63): a hay of a's walks up to 63 steps from every start.
    let mut set = NeedleSet::default();
    for k in 5..MAX_WALK {
        set.push(ValueKind::Name, &format!("{}b", "a".repeat(k)));
    }
    let c = Compact::build(&set).expect("builds");
    let auto = Matcher::automaton(&set);
    // Short: inside the allowance, the exact answer (no needle ends in a's alone).
    let short = vec![b'a'; STEP_ALLOWANCE / MAX_WALK];
    assert_eq!(c.find(&short), None);
    assert_eq!(c.find(&short), auto.find(&set, &short));
    // Long: the budget is spent; fail closed instead of ~60 steps per byte.
    let long = vec![b'a'; 64 << 10];
    assert_eq!(auto.find(&set, &long), None);
    assert_eq!(c.find(&long), Some(ValueKind::Unchecked));
    // A hit the walk reaches within its budget is still reported as itself.
    let mut hit = vec![b'a'; 8];
    hit.push(b'b');
    assert_eq!(c.find(&hit), Some(ValueKind::Name));
}

#[test]
fn long_ordinary_text_stays_within_the_budget() {
    // Needles that share long prefixes with the text's words: every start of those words is
    // walked, for up to a dozen steps, and no needle ends there.
    let mut set = NeedleSet::default();
    for needle in [
        "the patient was seen by dr quill",
        "patient was seen in clinic zz",
        "clinic and tolerated nothing",
        "tolerated the visit poorly",
        "visit well done",
    ] {
        set.push(ValueKind::Name, needle);
    }
    let c = Compact::build(&set).expect("builds");
    let prose: Vec<u8> = "the patient was seen in clinic and tolerated the visit well; "
        .repeat(20_000)
        .into_bytes();
    assert!(prose.len() * STEPS_PER_BYTE > 100 * STEP_ALLOWANCE);
    assert_eq!(c.find(&prose), None);
    let mut with_hit = prose;
    with_hit.extend_from_slice(b"visit well done");
    assert_eq!(c.find(&with_hit), Some(ValueKind::Name));
}

#[test]
fn an_empty_set_finds_nothing() {
    let set = NeedleSet::default();
    let c = Compact::build(&set).expect("builds");
    assert_eq!(c.len(), 0);
    assert_eq!(c.find(b"\x02 anything \x03"), None);
}

/// A person of the sharded test: distinct identifier, phone and names.
fn person(i: usize) -> serde_json::Value {
    let name = |j: usize| -> String {
        let mut s = String::from("N");
        let mut j = j;
        while j > 0 {
            s.push(char::from(b"aeioubdklmnrst"[j % 14]));
            j /= 14;
        }
        s
    };
    serde_json::json!({"resourceType": "Patient", "id": format!("p{i}"),
        "identifier": [{"value": format!("MRN{i:08}")}],
        "telecom": [{"value": format!("555-{:03}-{:04}", i / 10_000, i % 10_000)}],
        "name": [{"family": name(i), "given": [name(i * 7 + 3)]}],
        "address": [{"line": [format!("{} {} Street", i % 500, name(i % 997))], "city": name(i % 50)}]})
}

#[test]
fn a_sharded_people_index_answers_what_one_set_answers() {
    use super::needles::BirthDates;
    let people: Vec<serde_json::Value> = (0..9_000).map(person).collect();
    let mut builder = super::PeopleIndex::builder();
    let mut whole = NeedleSet::default();
    whole.birth = BirthDates::Skip;
    for p in &people {
        builder.add(p);
        super::extract::extract(p, &mut whole);
    }
    assert!(
        whole.len() > 1 << 16,
        "more than one shard: {}",
        whole.len()
    );
    let index = builder.build();
    let one = Compact::build(&whole).expect("builds");
    assert_eq!(index.len(), whole.len());
    let mut open = super::OpenValues::new();
    for i in (0..9_500).step_by(7) {
        let p = person(i % 9_000);
        for s in [
            format!("see MRN{i:08} and {}", p["name"][0]["family"]),
            format!("{} {}", p["name"][0]["given"][0], p["telecom"][0]["value"]),
            format!("x{}y", p["address"][0]["line"][0]),
            format!("Nothing {i} here"),
        ] {
            open.clear();
            open.push_str(&s);
            for hay in open.hays() {
                assert_eq!(index.find(hay), one.find(hay), "{s}");
            }
        }
    }
    open.clear();
    open.push_str("see MRN00000042 there");
    assert_eq!(
        open.hays().find_map(|h| index.find(h)),
        Some(ValueKind::Identifier)
    );
}
