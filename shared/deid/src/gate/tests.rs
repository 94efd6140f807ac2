//! The gate's properties, one test each; then the automaton against a naive definition.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::fold;
use super::matcher::Matcher;
use super::needles::{Class, DIGITS_MIN, NeedleSet};
use super::*;

fn patient() -> Value {
    json!({"resourceType":"Patient","id":"0123456789abcdef0123",
        "name":[{"family":"Ünalçiçek","given":["Ayşe"]},{"family":"Smith","given":["John","Q"]}],
        "identifier":[{"system":"urn:oid:1.2.3","value":"E4471902"},{"value":"123-45-6789"}],
        "telecom":[{"system":"phone","value":"555-371-7336"},{"system":"email","value":"jq@mail.example"}],
        "address":[{"line":["12 Elm St"],"city":"Springfield","state":"Georgia","postalCode":"02134"}],
        "birthDate":"1996-03-13",
        "extension":[{"url":"x","valueString":"Kari Bradtke"}]})
}

fn hit(line: &LineValues, output: &Value) -> Option<ValueKind> {
    check_value(line, None, output)
}

#[test]
fn unicode_case_and_diacritics_are_one_value() {
    let line = LineValues::of(&patient());
    for s in ["ÜNALÇIÇEK", "unalcicek", "Unalçıçek", "x/ünalçiçek"] {
        assert_eq!(hit(&line, &json!({"a": s})), Some(ValueKind::Name), "{s}");
    }
    assert_eq!(hit(&line, &json!({"a": "AYSE"})), Some(ValueKind::Name));
}

#[test]
fn long_names_and_identifiers_match_inside_words() {
    let line = LineValues::of(&patient());
    for s in [
        "https://social.example/u/johnsmith",
        "SMITHJOHN",
        "E4471902x",
        "mrn:e4471902",
        "jq@mail.example.org",
    ] {
        assert!(hit(&line, &json!([s])).is_some(), "{s}");
    }
    // "Q" is too short to be a value; "Smith" is long enough to match inside a word.
    assert_eq!(hit(&line, &json!(["Q"])), None);
    assert_eq!(hit(&line, &json!(["blacksmiths"])), Some(ValueKind::Name));
}

#[test]
fn short_values_match_whole_words_only() {
    let p = json!({"resourceType":"Patient","name":[{"family":"Ward","given":["Eve"]}],
        "address":[{"city":"Rome"}]});
    let line = LineValues::of(&p);
    assert_eq!(hit(&line, &json!(["Mrs. Eve WARD"])), Some(ValueKind::Name));
    assert_eq!(hit(&line, &json!(["forward", "evening", "Romeo"])), None);
    assert_eq!(hit(&line, &json!(["via rome"])), Some(ValueKind::Address));
}

#[test]
fn digits_only_forms_of_numbers_and_formatted_numbers() {
    let line = LineValues::of(&patient());
    assert_eq!(
        hit(&line, &json!({"v": 5_553_717_336_u64})),
        Some(ValueKind::Telecom)
    );
    assert_eq!(
        hit(&line, &json!({"v": 123_456_789})),
        Some(ValueKind::Identifier)
    );
    assert_eq!(
        hit(&line, &json!({"v": 4471.902})),
        Some(ValueKind::Identifier)
    );
    assert_eq!(
        hit(&line, &json!(["(555) 371 7336"])),
        Some(ValueKind::Telecom)
    );
    assert_eq!(hit(&line, &json!(["5553717336"])), Some(ValueKind::Telecom));
    assert_eq!(hit(&line, &json!(["19960313"])), Some(ValueKind::BirthDate));
    // Short numbers and date-shaped strings are not digit needles' business.
    assert_eq!(
        hit(&line, &json!({"v": 2134, "d": "2023-05-12", "t": 10.5})),
        None
    );
}

#[test]
fn short_fragments_match_the_whole_string_only() {
    let r = json!({"resourceType":"Observation","note":[{"text":"Physical"}],
        "extension":[{"url":"x","valueString":"Kari Bradtke"}]});
    let line = LineValues::of(&r);
    assert_eq!(hit(&line, &json!(["History and Physical"])), None);
    assert_eq!(
        hit(&line, &json!([" physical "])),
        Some(ValueKind::FreeText)
    );
    assert_eq!(
        hit(&line, &json!(["KARI-BRADTKE"])),
        Some(ValueKind::ExtensionValue)
    );
}

#[test]
fn birth_date_of_the_line_but_not_a_shifted_date() {
    let line = LineValues::of(&patient());
    assert_eq!(hit(&line, &json!({"birthDate": "1996-03-14"})), None);
    assert_eq!(
        hit(&line, &json!({"x": "born 1996-03-13"})),
        Some(ValueKind::BirthDate)
    );
}

#[test]
fn people_index_finds_a_patient_mrn_in_another_resource() {
    let mut b = PeopleIndex::builder();
    b.add(&patient());
    b.add(&json!({"resourceType":"Observation","id":"o1","note":[{"text":"Not a person's"}]}));
    let people = b.build();
    assert!(!people.is_empty());
    let obs = json!({"resourceType":"Observation","id":"o2",
        "code":{"coding":[{"system":"urn:oid:9.9","code":"E4471902"}]}});
    let line = LineValues::of(&obs);
    let out = json!({"code":{"coding":[{"system":"urn:oid:9.9","code":"E4471902"}]}});
    assert_eq!(check_value(&line, None, &out), None);
    assert_eq!(
        check_value(&line, Some(&people), &out),
        Some(ValueKind::Identifier)
    );
    let mut open = OpenValues::new();
    open.push_str("urn:oid:9.9");
    assert_eq!(check(&line, Some(&people), &open), None);
    open.push_str("e4471902");
    assert_eq!(
        check(&line, Some(&people), &open),
        Some(ValueKind::Identifier)
    );
    // Dates of birth are not in the index: another patient's shifted date may equal one.
    assert_eq!(
        check_value(&line, Some(&people), &json!(["1996-03-13"])),
        None
    );
    fn shareable<T: Send + Sync>(_: &T) {}
    shareable(&people);
}

#[test]
fn contained_people_are_indexed() {
    let mut b = PeopleIndex::builder();
    b.add(&json!({"resourceType":"Claim","contained":[
        {"resourceType":"RelatedPerson","id":"r","identifier":[{"value":"ZX-99-7781"}]}]}));
    assert_eq!(b.people(), 1);
    let people = b.build();
    let line = LineValues::new();
    assert_eq!(
        check_value(&line, Some(&people), &json!(["ZX 99 7782"])),
        None
    );
    for s in ["ZX 99 7781", "zx997781"] {
        let found = check_value(&line, Some(&people), &json!([s]));
        assert_eq!(found, Some(ValueKind::Identifier), "{s}");
    }
}

#[test]
fn engine_constants_and_terminology_uris_never_hit() {
    let p = json!({"resourceType":"Patient","name":[
        {"given":["Dev","Sid","Loinc"],"family":"Value"},{"given":["Snomed"],"family":"Starvit"}]});
    let line = LineValues::of(&p);
    let mut people = PeopleIndex::builder();
    people.add(&p);
    let people = people.build();
    let out = json!({"meta":{"tag":[
            {"system": crate::POLICY_VERSION_SYSTEM, "code": "x"},
            {"system": crate::POLICY_PROFILE_SYSTEM, "code": "shifted"}],
        "security":[{"system": crate::SECURITY_SYSTEM, "code": "PSEUDED"}]},
        "identifier":[{"system":"http://hl7.org/fhir/sid/us-ssn"}],
        "code":{"coding":[{"system":"http://loinc.org","code":"8302-2"},
            {"system":"http://snomed.info/sct","code":"44054006"},
            {"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue"}]}});
    assert_eq!(check_value(&line, Some(&people), &out), None);
    // Their digits are still checked: an MRN hidden in a terminology path is a hit.
    let mrn = LineValues::of(&json!({"identifier":[{"value":"MRN-4471902"}]}));
    assert_eq!(
        hit(&mrn, &json!(["http://hl7.org/fhir/sid/4471902"])),
        Some(ValueKind::Identifier)
    );
    assert!(!is_vocabulary_uri("http://hl7.org/fhir/sid?name=dev"));
}

#[test]
fn a_line_of_180000_values_is_checked_in_one_pass() {
    // About 8 MB: 180,000 identifiers; the output repeats every one of them once (the old
    // gate compared each output string with each value: 3.2e10 comparisons). No timing
    // assertion (speed is `make bench`'s); this proves the shape stays linear enough to run.
    let ids: Vec<Value> = (0..180_000)
        .map(|i| json!({"system":"http://h.example/id","value": format!("V{i:07}-{:08x}", i * 7919)}))
        .collect();
    let r = json!({"resourceType":"Observation","id":"big","identifier": ids});
    assert!(r.to_string().len() > 7_500_000);
    let line = LineValues::of(&r);
    assert!(line.len() >= 180_000);
    let clean: Vec<Value> = (0..180_000)
        .map(|i| json!({"value": format!("p{i:x}")}))
        .collect();
    assert_eq!(hit(&line, &json!({"identifier": clean})), None);
    let mut leaky = clean;
    leaky.push(json!({"value": format!("v{:07}-{:08X}", 179_999, 179_999 * 7919)}));
    assert_eq!(
        hit(&line, &json!({"identifier": leaky})),
        Some(ValueKind::Identifier)
    );
}

#[test]
fn opaque_tokens_are_compared_whole() {
    // 300,000 digit needles: scanning random hex pseudonyms for them would find chance
    // substrings; tokens are compared whole, so only a copied id hits.
    let ids: Vec<Value> = (0..100_000)
        .map(|i| json!({"value": format!("{:09}", i * 7_919)}))
        .collect();
    let input_id = "7d3c1a9e-4b2f-4c6d-8e0a-1f2b3c4d5e6f";
    let r = json!({"resourceType":"Observation","id": input_id,"identifier": ids});
    let line = LineValues::of(&r);
    let pseudonyms: Vec<String> = (0..50_000u64)
        .map(|i| {
            format!(
                "{:016x}{:016x}",
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                i.wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
            )
        })
        .collect();
    assert_eq!(hit(&line, &json!({"ids": pseudonyms})), None);
    let copied = json!({"subject": {"reference": format!("Patient/{}", input_id.to_uppercase())}});
    assert_eq!(hit(&line, &copied), Some(ValueKind::ResourceId));
    assert_eq!(
        hit(&line, &json!({"text": format!("see {input_id}")})),
        Some(ValueKind::ResourceId)
    );
}

// ---- The matcher against a naive definition -------------------------------------------

/// Needles of one raw value as the module doc defines them (class, core), naively.
fn naive_needles(kind: ValueKind, raw: &str) -> Vec<(Class, String)> {
    let mut c = String::new();
    fold::push_core(raw, &mut c);
    let chars = c.chars().count();
    let min = if kind == ValueKind::ResourceId {
        MIN_ID_CHARS
    } else {
        MIN_VALUE_CHARS
    };
    if chars < min {
        return vec![];
    }
    let fragment = matches!(
        kind,
        ValueKind::FreeText | ValueKind::Display | ValueKind::ExtensionValue
    );
    let url = kind == ValueKind::Telecom && raw.trim().starts_with("http");
    let sub_kind = matches!(
        kind,
        ValueKind::Name | ValueKind::Identifier | ValueKind::Telecom | ValueKind::ResourceId
    );
    let digits: String = c.chars().filter(char::is_ascii_digit).collect();
    let all_digits = digits.len() == c.len();
    let class = if (fragment && chars < MIN_FRAGMENT_CHARS) || url {
        Class::Whole
    } else if sub_kind && chars >= SUBSTRING_MIN_CHARS && (!all_digits || chars >= DIGITS_MIN) {
        Class::Sub
    } else {
        Class::Word
    };
    let mut out = vec![(class, c.clone())];
    let digit_kind = matches!(
        kind,
        ValueKind::Identifier | ValueKind::Telecom | ValueKind::BirthDate
    );
    if (digit_kind || fold::number_like(raw, DIGITS_MIN)) && digits.len() >= DIGITS_MIN {
        out.push((Class::Sub, digits));
    }
    let joined: String = c.chars().filter(|&x| x != ' ').collect();
    if kind == ValueKind::Name && joined != c && joined.chars().count() >= SUBSTRING_MIN_CHARS {
        out.push((Class::Sub, joined));
    }
    out
}

/// The lower-cased opaque token of a raw value, if it is one.
fn token(raw: &str) -> Option<String> {
    fold::opaque_token(raw).map(str::to_ascii_lowercase)
}

/// Whether a needle hits a string value, by definition (opaque tokens aside).
fn naive_hit(class: Class, needle: &str, s: &str) -> bool {
    let mut c = String::new();
    fold::push_core(s, &mut c);
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let number = fold::number_like(s, DIGITS_MIN);
    match class {
        _ if c.is_empty() && !number => false,
        Class::Sub => (!c.is_empty() && c.contains(needle)) || (number && digits.contains(needle)),
        Class::Word => !c.is_empty() && format!(" {c} ").contains(&format!(" {needle} ")),
        Class::Whole => c == needle,
        Class::BirthField => false,
    }
}

const KINDS: [ValueKind; 6] = [
    ValueKind::Name,
    ValueKind::Identifier,
    ValueKind::Telecom,
    ValueKind::Address,
    ValueKind::FreeText,
    ValueKind::BirthDate,
];

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            'a', 'B', 'ü', 'Ü', 'ç', 'ı', 'ß', '1', '2', '3', ' ', '-', '.', '@', '/',
        ]),
        0..14,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn matcher_agrees_with_the_naive_definition(
        values in proptest::collection::vec((0..KINDS.len(), text()), 0..30),
        pieces in proptest::collection::vec((any::<prop::sample::Index>(), text(), text(), any::<bool>()), 1..6),
    ) {
        // Hays are values of the set with random text around them (upper-cased or not), so
        // every class meets both hits and near misses.
        let hays: Vec<String> = pieces.iter().map(|(i, pre, post, upper)| {
            let v = values.get(i.index(values.len().max(1))).map_or("", |(_, v)| v.as_str());
            let v = if *upper { v.to_uppercase() } else { v.to_owned() };
            let (pre, post): (String, String) = (pre.chars().take(3).collect(), post.chars().take(3).collect());
            format!("{pre}{v}{post}")
        }).collect();
        let mut set = NeedleSet::default();
        let mut naive = Vec::new();
        for (k, raw) in &values {
            set.push(KINDS[*k], raw);
            naive.extend(naive_needles(KINDS[*k], raw).into_iter().map(|(c, n)| (KINDS[*k], c, n)));
        }
        let automaton = Matcher::automaton(&set);
        let few = if set.len() == 0 { Matcher::Empty } else { Matcher::Few };
        for s in &hays {
            let expected: Vec<ValueKind> = match token(s) {
                Some(t) => values.iter().filter(|(_, v)| token(v).as_ref() == Some(&t)).map(|(k, _)| KINDS[*k]).collect(),
                None => naive.iter().filter(|(_, c, n)| naive_hit(*c, n, s)).map(|(k, _, _)| *k).collect(),
            };
            let mut open = OpenValues::new();
            open.push_str(s);
            for m in [&automaton, &few] {
                let got = open.hays().find_map(|h| m.find(&set, h));
                match got {
                    None => prop_assert!(expected.is_empty(), "{s:?}: missed {expected:?}"),
                    Some(k) => prop_assert!(expected.contains(&k), "{s:?}: {k:?} not in {expected:?}"),
                }
            }
        }
    }

    #[test]
    fn a_set_filled_for_its_hays_finds_what_the_whole_set_finds(
        values in proptest::collection::vec((0..KINDS.len(), text()), 0..30),
        pieces in proptest::collection::vec((any::<prop::sample::Index>(), text(), text(), any::<bool>()), 1..6),
    ) {
        let mut whole = NeedleSet::default();
        for (k, raw) in &values {
            whole.push(KINDS[*k], raw);
        }
        let whole_m = Matcher::build(&whole);
        for (i, pre, post, upper) in &pieces {
            let v = values.get(i.index(values.len().max(1))).map_or("", |(_, v)| v.as_str());
            let v = if *upper { v.to_uppercase() } else { v.to_owned() };
            let mut open = OpenValues::new();
            open.push_str(&format!("{pre}{v}{post}"));
            open.push_str(&v);
            let mut fit = NeedleSet::default();
            fit.fits = Some(open.fits());
            for (k, raw) in &values {
                fit.push(KINDS[*k], raw);
            }
            let fit_m = Matcher::build(&fit);
            let a = open.hays().find_map(|h| whole_m.find(&whole, h));
            let b = open.hays().find_map(|h| fit_m.find(&fit, h));
            prop_assert_eq!(a.is_some(), b.is_some(), "{:?}", v);
        }
    }
}
