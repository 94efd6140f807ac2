//! The engine's two ways through a line (the borrowed document with the streaming walk,
//! and the `serde_json::Value` tree with the in-place walk) give the same bytes, the same
//! summary and the same quarantine, on every input we have: the hand-written fixture,
//! synthesized exports (with the export's people, so the gate trips), the shared data sets
//! and lines crafted for the parser's edges.

mod common;

use chrono::NaiveDate;
use starvit_deid::gate::PeopleIndex;
use starvit_deid::{Engine, EngineOptions, MemoryQuarantine, Policy};

fn engine(profile: &str, fast_path: bool) -> Engine {
    let opts = EngineOptions {
        reference_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        fast_path,
        ..EngineOptions::default()
    };
    Engine::with_options(Policy::builtin(profile).unwrap(), &common::key(), opts)
}

/// Runs both ways over `input` under both profiles and asserts they agree.
fn same_both_ways(name: &str, input: &[u8], people: Option<&PeopleIndex>) {
    for profile in ["shifted", "safe-harbor"] {
        let run = |fast| {
            let mut out = Vec::new();
            let mut q = MemoryQuarantine::default();
            let summary = engine(profile, fast)
                .deid_stream(input, &mut out, &mut q, people)
                .unwrap();
            (out, summary, q.records)
        };
        let (fast, slow) = (run(true), run(false));
        if fast.0 != slow.0 {
            let f = String::from_utf8_lossy(&fast.0);
            let s = String::from_utf8_lossy(&slow.0);
            let (i, (a, b)) = f
                .lines()
                .zip(s.lines())
                .enumerate()
                .find(|(_, (a, b))| a != b)
                .expect("outputs differ in length only");
            panic!("{name} ({profile}): output line {i} differs:\nfast {a}\nslow {b}");
        }
        assert_eq!(fast.1, slow.1, "{name} ({profile}): summaries differ");
        assert_eq!(fast.2, slow.2, "{name} ({profile}): quarantines differ");
    }
}

#[test]
fn fixture_and_synthesized_exports() {
    same_both_ways("small.ndjson", common::SMALL.as_bytes(), None);
    for seed in [1] {
        let (resources, _) = starvit_synth::export_in_memory(seed, 25);
        let mut input = Vec::new();
        let mut people = PeopleIndex::builder();
        for r in &resources {
            serde_json::to_writer(&mut input, r).unwrap();
            input.push(b'\n');
            if starvit_deid::gate::PEOPLE_TYPES.contains(&r["resourceType"].as_str().unwrap_or(""))
            {
                people.add(r);
            }
        }
        same_both_ways("synth", &input, None);
        same_both_ways("synth with people", &input, Some(&people.build()));
    }
}

/// Every NDJSON file of `../shared/data`, and every JSON file as one line.
#[test]
fn shared_data_sets() {
    let Some(root) = common::shared_data() else {
        return;
    };
    let mut stack = vec![root];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let Ok(text) = std::fs::read(&path) else {
                continue;
            };
            let input = match ext {
                "ndjson" => text,
                // A JSON document on one line (newlines outside strings are whitespace).
                "json" => text
                    .iter()
                    .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
                    .collect(),
                _ => continue,
            };
            same_both_ways(&path.display().to_string(), &input, None);
            files += 1;
        }
    }
    assert!(files > 10, "only {files} files");
}

#[test]
fn crafted_edges() {
    let obs = |rest: &str| {
        format!(
            r#"{{"resourceType":"Observation","id":"o1","status":"final","subject":{{"reference":"Patient/p1"}},"code":{{"coding":[{{"system":"http://loinc.org","code":"8302-2","display":"Height"}}]}}{rest}}}"#
        )
    };
    let lines = [
        obs(r#","valueQuantity":{"value":1e2,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}"#),
        obs(r#","valueQuantity":{"value":-0,"unit":"cm"}"#),
        obs(r#","valueQuantity":{"value":170.50,"unit":"c\u006d"}"#),
        obs(r#","valueQuantity":{"value":12345678901234567890123,"unit":"cm"}"#),
        obs(r#","effectiveDateTime":"2020-01-02T10:00:00.123456Z","issued":"2020-01-02T10:00:00Z""#),
        obs(r#","status":"amended""#),
        obs(r#","note":[{"text":"line\nbreak \"quoted\" \u00e9\ud83d\ude00"}]"#),
        obs(r#","component":[{"code":{"coding":[]},"valueString":"x"},{"code":{}}]"#),
        obs(r##","subject":{"reference":"#missing"}"##),
        obs(r#","performer":[{"reference":"Practitioner/x"},{"reference":"https://h/Smith/1"},{"reference":"urn:uuid:abc"}]"#),
        obs(r#","valueQuantity":{"value":1e400}"#),
        obs(r#","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/x","valueString":"y"}]"#),
        r#"{"resourceType":"Observation","id":"age","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"30525-0"}]},"valueQuantity":{"value":60,"unit":"a","system":"http://unitsofmeasure.org","code":"a"},"effectiveDateTime":"1960-01-01"}"#.to_owned(),
        r#"{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},"onsetAge":{"value":95,"unit":"years","system":"http://unitsofmeasure.org","code":"a"},"recordedDate":"2020-01-01"}"#.to_owned(),
        r##"{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"contained":[{"resourceType":"Medication","id":"med1","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/rxnorm","code":"1049630"}]}}],"medicationReference":{"reference":"#med1"}}"##.to_owned(),
        r#"{"resourceType":"Patient","id":"p1","birthDate":"1930-05-01","gender":"female","name":[{"family":"Ünalçiçek","given":["Zoë"]}],"address":[{"state":"Georgia","postalCode":"03601"}],"meta":{"versionId":"3","lastUpdated":"2020-01-01T00:00:00Z"}}"#.to_owned(),
        r#"{"resourceType":"Patient","id":"p1","id":"p2","gender":"male"}"#.to_owned(),
        r#"{"resourceType":"Patient","id":"p1","gend\u0065r":"male"}"#.to_owned(),
        r#"  {"resourceType" : "Patient" ,"id":"p3" , "active" : true }  "#.to_owned(),
        r#"{"resourceType":"Patient","id":"p4","active":"yes","multipleBirthInteger":3}"#.to_owned(),
        r#"{"resourceType":"Patient","id":"bad id"}"#.to_owned(),
        r#"{"resourceType":"Smith","id":"x"}"#.to_owned(),
        r#"{"resourceType":"AuditEvent","id":"x"}"#.to_owned(),
        r#"{"resourceType":7,"id":"x"}"#.to_owned(),
        r#"[{"resourceType":"Patient","id":"x"}]"#.to_owned(),
        r#"{"resourceType":"Patient","id":"x"} trailing"#.to_owned(),
        "\u{feff}{\"resourceType\":\"Patient\",\"id\":\"bom\"}".to_owned(),
        String::new(),
        format!(r#"{{"resourceType":"Patient","id":"deep","extension":{}{}}}"#, "[".repeat(130), "]".repeat(130)),
    ];
    let input = lines.join("\n");
    same_both_ways("crafted", input.as_bytes(), None);
}
