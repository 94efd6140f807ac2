//! Typed payloads proven against the checked-in fixtures (written from Google's documented
//! formats) and against the awkward corners of the wire format.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use starvit_runtime::payload::{MessagePublishedData, StorageObjectData};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// value -> T -> JSON -> T must be the identity on T.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(value: Value) -> T {
    let typed: T = serde_json::from_value(value).unwrap();
    let again: T = serde_json::from_value(serde_json::to_value(&typed).unwrap()).unwrap();
    assert_eq!(typed, again);
    typed
}

#[test]
fn gcs_binary_fixture_round_trips_with_int64_strings() {
    let body = fixture("gcs_finalized_binary.json")["body"].clone();
    let data: StorageObjectData = round_trip(body.clone());
    assert_eq!(data.bucket, "starvit-phi-staging");
    assert_eq!(data.name, "exports/job-42/Patient.ndjson");
    assert_eq!(data.generation, 1_762_078_530_123_456);
    assert_eq!(data.metageneration, Some(1));
    assert_eq!(data.size, Some(52_428_800));
    assert_eq!(
        data.content_type.as_deref(),
        Some("application/fhir+ndjson")
    );
    assert_eq!(data.md5_hash.as_deref(), Some("XrY7u+Ae7tCTyyK7j1rNww=="));
    assert_eq!(data.crc32c.as_deref(), Some("mnG7TA=="));
    assert_eq!(data.metadata["starvit-export-job-id"], "job-42");
    assert_eq!(
        data.time_created.unwrap().to_rfc3339(),
        "2026-11-02T10:15:30.123+00:00"
    );
    // Serialization uses the production (proto3 JSON) form: int64 as strings.
    let out = serde_json::to_value(&data).unwrap();
    assert_eq!(out["generation"], body["generation"]);
    assert_eq!(out["size"], body["size"]);
    assert_eq!(out["metageneration"], body["metageneration"]);
}

#[test]
fn gcs_structured_fixture_round_trips_with_int64_numbers() {
    let data: StorageObjectData =
        round_trip(fixture("gcs_finalized_structured.json")["data"].clone());
    assert_eq!(data.generation, 1_762_078_561_500_000);
    assert_eq!(data.size, Some(1_048_576));
    assert_eq!(data.metageneration, Some(1));
    assert_eq!(data.component_count, Some(2));
    assert!(data.metadata.is_empty());
    assert_eq!(data.md5_hash, None);
}

#[test]
fn int64_string_and_number_are_the_same_value() {
    let s: StorageObjectData = serde_json::from_value(
        json!({"bucket":"b","name":"n","generation":"9007199254740993","size":"0","metageneration":"2"}),
    )
    .unwrap();
    let n: StorageObjectData = serde_json::from_value(
        json!({"bucket":"b","name":"n","generation":9_007_199_254_740_993_i64,"size":0,"metageneration":2}),
    )
    .unwrap();
    assert_eq!(s, n);
    assert_eq!(s.generation, 9_007_199_254_740_993); // above 2^53: no float on the way
}

#[test]
fn storage_rejects_bad_or_missing_required_fields() {
    for bad in [
        json!({"bucket":"b","name":"n"}),
        json!({"bucket":"b","generation":"1"}),
        json!({"bucket":"b","name":"n","generation":"one"}),
        json!({"bucket":"b","name":"n","generation":"1","size":"-1"}),
        json!({"bucket":"b","name":"n","generation":1.5}),
    ] {
        assert!(
            serde_json::from_value::<StorageObjectData>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn storage_ignores_unknown_and_duplicated_snake_keys() {
    let data: StorageObjectData = serde_json::from_value(json!({
        "bucket":"b","name":"n","generation":"3","content_type":"x","newGoogleField":{"a":1}
    }))
    .unwrap();
    assert_eq!(data.generation, 3);
    assert_eq!(data.content_type, None);
}

#[test]
fn pubsub_fixture_round_trips_with_duplicated_snake_keys() {
    let data: MessagePublishedData =
        round_trip(fixture("pubsub_message_published.json")["body"].clone());
    assert_eq!(data.message.data, br#"{"rows":120}"#);
    assert_eq!(data.message.message_id, "11223344556677");
    assert_eq!(data.message.ordering_key.as_deref(), Some("job-42"));
    assert_eq!(data.message.attributes["starvit_stage"], "bq-load");
    assert_eq!(
        data.message.publish_time.unwrap().to_rfc3339(),
        "2026-11-02T10:20:00.250+00:00"
    );
    assert!(data.subscription.ends_with("graph-snapshot-sub-123"));
    // Re-serialized with camelCase only and base64 data.
    let out = serde_json::to_value(&data).unwrap();
    assert_eq!(out["message"]["data"], "eyJyb3dzIjoxMjB9");
    assert_eq!(out["message"]["messageId"], "11223344556677");
    assert!(out["message"].get("message_id").is_none());
}

#[test]
fn pubsub_accepts_either_spelling_alone() {
    let snake: MessagePublishedData = serde_json::from_value(json!({
        "message": {"data": "aGk=", "message_id": "1", "publish_time": "2026-01-01T00:00:00Z"},
        "subscription": "s"
    }))
    .unwrap();
    let camel: MessagePublishedData = serde_json::from_value(json!({
        "message": {"data": "aGk=", "messageId": "1", "publishTime": "2026-01-01T00:00:00Z"},
        "subscription": "s"
    }))
    .unwrap();
    assert_eq!(snake, camel);
    assert_eq!(snake.message.data, b"hi");
    assert!(snake.message.attributes.is_empty());
}

#[test]
fn pubsub_base64_decoding() {
    let decode = |data: Value| {
        serde_json::from_value::<MessagePublishedData>(json!({
            "message": {"data": data, "messageId": "1"}
        }))
    };
    assert_eq!(
        decode(json!("AAEC/w==")).unwrap().message.data,
        [0, 1, 2, 255]
    );
    assert_eq!(decode(json!("")).unwrap().message.data, b"");
    assert!(decode(json!("not base64!")).is_err());
    assert!(
        decode(json!("aGk")).is_err(),
        "missing padding is not standard base64"
    );
    let no_data: MessagePublishedData =
        serde_json::from_value(json!({"message": {"messageId": "1"}})).unwrap();
    assert!(no_data.message.data.is_empty());
}

#[test]
fn pubsub_rejects_missing_id_and_conflicting_duplicates() {
    for bad in [
        json!({"message": {"data": "aGk="}}),
        json!({"message": {"messageId": "1", "message_id": "2"}}),
        json!({"message": {"messageId": "1", "publishTime": "2026-01-01T00:00:00Z",
                           "publish_time": "2026-01-01T00:00:01Z"}}),
        json!({"subscription": "s"}),
    ] {
        assert!(
            serde_json::from_value::<MessagePublishedData>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}
