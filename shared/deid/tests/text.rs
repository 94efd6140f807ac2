//! The `[text]` treatment (profile `shifted-text`): text elements leave the walk as
//! placeholders with their texts pending; `fill` puts clean results in and removes every
//! other placeholder with its element; without DLP the texts are dropped; the default
//! profiles drop free text as before.

mod common;

use base64::Engine as _;
use serde_json::{Value, json};
use starvit_deid::text::{TextCounts, TextLine, fill};
use starvit_deid::{MemoryQuarantine, Summary};

const NOTE: &str = "Patient: Quill, Ada  MRN: MRN-77731  seen on 2021-03-04.";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn input() -> String {
    let doc = |id: &str, ct: &str| {
        json!({"resourceType": "DocumentReference", "id": id, "status": "current",
            "subject": {"reference": "Patient/p1"},
            "content": [{"attachment": {"contentType": ct, "size": 57, "data": b64(NOTE)}}]})
    };
    let obs = json!({"resourceType": "Observation", "id": "o1", "status": "final",
        "subject": {"reference": "Patient/p1"}, "valueString": "Ada Quill feels better"});
    [
        doc("d1", "text/plain; charset=utf-8"),
        doc("d2", "application/pdf"),
        obs,
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n")
}

/// An output line, its pending texts, and the line filled with the texts' lengths.
type Got = (Vec<u8>, Vec<String>, Value);

/// Every output line of `profile` with its pending texts.
fn lines(profile: &str) -> (Vec<Got>, Summary) {
    let mut got = Vec::new();
    let summary = common::engine(profile)
        .deid_stream_with(
            input().as_bytes(),
            &mut |l: TextLine<'_>| {
                let texts = l.texts.iter().map(|t| t.text.clone()).collect();
                let filled = if l.texts.is_empty() {
                    l.output.to_vec()
                } else {
                    let results: Vec<Option<String>> = l
                        .texts
                        .iter()
                        .map(|t| Some(t.text.len().to_string()))
                        .collect();
                    fill(l.output, &l.texts, &results)?
                };
                let v: Value = serde_json::from_slice(&filled).unwrap();
                got.push((l.output.to_vec(), texts, v));
                assert!(
                    std::str::from_utf8(l.input)
                        .unwrap()
                        .contains("resourceType")
                );
                Ok(())
            },
            &mut MemoryQuarantine::default(),
            None,
        )
        .unwrap();
    (got, summary)
}

#[test]
fn text_elements_become_placeholders_and_fill_puts_results_in() {
    let (got, _) = lines("shifted-text");
    assert_eq!(got.len(), 3);
    for (output, _, _) in &got {
        let out = String::from_utf8_lossy(output);
        assert!(!out.contains("Quill") && !out.contains(&b64(NOTE)), "{out}");
    }
    let (_, texts, d1) = &got[0];
    assert_eq!(texts, &[NOTE.to_owned()]);
    let att = &d1["content"][0]["attachment"];
    assert_eq!(att["data"], json!(b64(&NOTE.len().to_string())));
    assert_eq!(att["size"], json!(2), "size follows the new body");
    let (_, texts, d2) = &got[1];
    assert!(texts.is_empty(), "a pdf body is not text");
    assert!(d2["content"][0]["attachment"].get("data").is_none());
    let (_, texts, o1) = &got[2];
    assert_eq!(texts, &["Ada Quill feels better".to_owned()]);
    assert_eq!(o1["valueString"], json!("22"));
}

#[test]
fn unfilled_placeholders_leave_with_their_element_and_empty_parents() {
    let (got, _) = lines("shifted-text");
    let (output, texts, _) = &got[0];
    assert_eq!(texts.len(), 1);
    let dropped: Value = serde_json::from_slice(&fill(output, &[], &[]).unwrap()).unwrap();
    let att = &dropped["content"][0]["attachment"];
    assert!(att.get("data").is_none() && att["contentType"] == json!("text/plain"));
    let o1: Value = serde_json::from_slice(&fill(&got[2].0, &[], &[None]).unwrap()).unwrap();
    assert!(o1.get("valueString").is_none() && o1["status"] == json!("final"));
    let nested = br#"{"a":[{"b":"\u0001starvit-text:0"}],"c":{"d":"\u0001starvit-text:9"},"e":1}"#;
    assert_eq!(fill(nested, &[], &[]).unwrap(), br#"{"e":1}"#);
}

#[test]
fn without_dlp_texts_are_dropped_and_the_default_profiles_never_send_any() {
    let mut out = Vec::new();
    let summary = common::engine("shifted-text")
        .deid_ndjson(
            input().as_bytes(),
            &mut out,
            &mut MemoryQuarantine::default(),
        )
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        !text.contains("starvit-text") && !text.contains("\"data\""),
        "{text}"
    );
    assert!(!text.contains("valueString"));
    assert_eq!(
        summary.texts,
        TextCounts {
            dropped_no_dlp: 2,
            ..TextCounts::default()
        }
    );
    for profile in ["shifted", "safe-harbor"] {
        let (got, summary) = lines(profile);
        assert!(
            got.iter().all(|(_, texts, _)| texts.is_empty()),
            "{profile}"
        );
        assert_eq!(summary.texts, TextCounts::default());
    }
    let resource: Value = serde_json::from_str(input().lines().next().unwrap()).unwrap();
    let event = common::engine("shifted-text")
        .deid_resource(resource)
        .unwrap()
        .unwrap();
    assert!(event["content"][0]["attachment"].get("data").is_none());
}

#[test]
fn an_unreadable_text_body_is_dropped_and_counted() {
    let line = json!({"resourceType": "DocumentReference", "id": "d9", "status": "current",
        "content": [{"attachment": {"contentType": "text/plain", "data": "@@not base64@@"}}]});
    let mut out = Vec::new();
    let summary = common::engine("shifted-text")
        .deid_ndjson(
            line.to_string().as_bytes(),
            &mut out,
            &mut MemoryQuarantine::default(),
        )
        .unwrap();
    assert_eq!(summary.texts.dropped_unreadable, 1);
    assert!(!String::from_utf8(out).unwrap().contains("not base64"));
}

#[test]
fn shifted_text_derives_the_pseudonyms_and_shifts_of_shifted() {
    let input = [
        json!({"resourceType": "Patient", "id": "p1", "birthDate": "1970-05-06", "gender": "female"}),
        json!({"resourceType": "Encounter", "id": "e1", "status": "finished",
            "subject": {"reference": "Patient/p1"},
            "period": {"start": "2021-03-04T10:00:00Z", "end": "2021-03-04T11:00:00Z"}}),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");
    let run = |profile: &str| {
        let (mut lines, _) = common::run(&common::engine(profile), &input);
        for l in &mut lines {
            l.as_object_mut().unwrap().remove("meta");
        }
        lines
    };
    let shifted = run("shifted");
    assert!(shifted[1]["period"]["start"].is_string() && shifted[0]["birthDate"].is_string());
    assert_eq!(run("shifted-text"), shifted, "same ids, same dates");
    let safe = run("safe-harbor");
    assert_ne!(
        safe[0]["id"], shifted[0]["id"],
        "safe-harbor keeps its own key"
    );
}
