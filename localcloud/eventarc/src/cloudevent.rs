//! Eventarc's CloudEvents, binary mode: `ce-*` headers plus the JSON data as the body.
//!
//! Storage events carry a `StorageObjectData` body whose int64 fields (`generation`, `size`,
//! `metageneration`) are JSON strings, as production sends them. Pub/Sub events carry
//! `{message:{data, attributes, messageId, message_id, publishTime, publish_time}, subscription}`,
//! duplicated snake_case keys included, as Eventarc sends them.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::pubsub::PubsubMessage;

/// Event type of a GCS object finalize.
pub const STORAGE_FINALIZED: &str = "google.cloud.storage.object.v1.finalized";
/// Event type of a Pub/Sub message.
pub const PUBSUB_PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";

/// A CloudEvent ready to POST in binary mode.
#[derive(Debug, Clone)]
pub struct BinaryEvent {
    /// `ce-id`, used for logs and duplicate counting.
    pub id: String,
    /// All headers, `content-type` included.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// Why a pulled message could not become an event (it is acknowledged and counted, never retried).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConvertError {
    /// The notification lacks `bucketId`/`objectId` or its data is not a JSON object.
    #[error("malformed GCS notification")]
    MalformedNotification,
}

/// Which bucket a GCS notification is for, and whether it is a finalize.
#[must_use]
pub fn notification_bucket(msg: &PubsubMessage) -> Option<&str> {
    let finalize = msg
        .attributes
        .get("eventType")
        .is_none_or(|t| t == "OBJECT_FINALIZE");
    finalize
        .then(|| msg.attributes.get("bucketId").map(String::as_str))
        .flatten()
}

/// Builds the `object.v1.finalized` event for a fake-gcs (GCS JSON_API_V1) notification.
///
/// # Errors
/// [`ConvertError::MalformedNotification`] when the message names no object.
pub fn storage_finalized(msg: &PubsubMessage) -> Result<BinaryEvent, ConvertError> {
    let bucket = msg
        .attributes
        .get("bucketId")
        .ok_or(ConvertError::MalformedNotification)?;
    let name = msg
        .attributes
        .get("objectId")
        .ok_or(ConvertError::MalformedNotification)?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(msg.data.as_bytes())
        .map_err(|_| ConvertError::MalformedNotification)?;
    let mut object: Map<String, Value> = if raw.is_empty() {
        Map::new()
    } else {
        match serde_json::from_slice(&raw) {
            Ok(Value::Object(map)) => map,
            _ => return Err(ConvertError::MalformedNotification),
        }
    };
    object.insert("kind".into(), json!("storage#object"));
    object.insert("bucket".into(), json!(bucket));
    object.insert("name".into(), json!(name));
    if let Some(generation) = msg.attributes.get("objectGeneration") {
        object
            .entry("generation")
            .or_insert_with(|| json!(generation));
    }
    for key in ["generation", "metageneration", "size"] {
        if let Some(Value::Number(n)) = object.get(key) {
            let text = n.to_string();
            object.insert(key.into(), Value::String(text));
        }
    }
    let generation = object
        .get("generation")
        .and_then(Value::as_str)
        .unwrap_or("0")
        .to_owned();
    object
        .entry("id")
        .or_insert_with(|| json!(format!("{bucket}/{name}/{generation}")));
    let time = object
        .get("timeCreated")
        .and_then(Value::as_str)
        .map_or_else(|| msg.publish_time.clone(), str::to_owned);
    let body = serde_json::to_vec(&Value::Object(object)).unwrap_or_default();
    let headers = vec![
        ("ce-specversion", "1.0".to_owned()),
        ("ce-id", msg.message_id.clone()),
        ("ce-source", format!("//storage.googleapis.com/projects/_/buckets/{bucket}")),
        ("ce-type", STORAGE_FINALIZED.to_owned()),
        ("ce-subject", format!("objects/{}", percent_encode(name))),
        ("ce-time", time),
        ("ce-bucket", bucket.clone()),
        (
            "ce-dataschema",
            "https://googleapis.github.io/google-cloudevents/jsonschema/google/events/cloud/storage/v1/StorageObjectData.json"
                .to_owned(),
        ),
        ("content-type", "application/json; charset=utf-8".to_owned()),
        ("traceparent", traceparent()),
    ];
    Ok(BinaryEvent {
        id: msg.message_id.clone(),
        headers,
        body,
    })
}

/// Builds the `messagePublished` event for a message pulled from `topic` via `subscription`.
#[must_use]
pub fn pubsub_published(
    msg: &PubsubMessage,
    project: &str,
    topic: &str,
    subscription: &str,
) -> BinaryEvent {
    let body = json!({
        "message": {
            "attributes": msg.attributes,
            "data": msg.data,
            "messageId": msg.message_id,
            "message_id": msg.message_id,
            "publishTime": msg.publish_time,
            "publish_time": msg.publish_time,
        },
        "subscription": format!("projects/{project}/subscriptions/{subscription}"),
    });
    let headers = vec![
        ("ce-specversion", "1.0".to_owned()),
        ("ce-id", msg.message_id.clone()),
        ("ce-source", format!("//pubsub.googleapis.com/projects/{project}/topics/{topic}")),
        ("ce-type", PUBSUB_PUBLISHED.to_owned()),
        ("ce-time", msg.publish_time.clone()),
        (
            "ce-dataschema",
            "https://googleapis.github.io/google-cloudevents/jsonschema/google/events/cloud/pubsub/v1/MessagePublishedData.json"
                .to_owned(),
        ),
        ("content-type", "application/json; charset=utf-8".to_owned()),
        ("traceparent", traceparent()),
    ];
    BinaryEvent {
        id: msg.message_id.clone(),
        headers,
        body: serde_json::to_vec(&body).unwrap_or_default(),
    }
}

/// W3C trace context with a fresh trace id, as Eventarc adds one per delivery chain.
fn traceparent() -> String {
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let span = &uuid::Uuid::new_v4().simple().to_string()[..16];
    format!("00-{trace}-{span}-01")
}

/// Percent-encodes what may not stand in a header value or a subject.
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn notification(data: &Value) -> PubsubMessage {
        PubsubMessage {
            data: base64::engine::general_purpose::STANDARD.encode(data.to_string()),
            attributes: BTreeMap::from([
                ("bucketId".to_owned(), "phi".to_owned()),
                ("objectId".to_owned(), "export/1/Patient.ndjson".to_owned()),
                ("objectGeneration".to_owned(), "1700000000000001".to_owned()),
                ("eventType".to_owned(), "OBJECT_FINALIZE".to_owned()),
            ]),
            message_id: "42".to_owned(),
            publish_time: "2026-11-24T00:00:00Z".to_owned(),
        }
    }

    fn header<'a>(ev: &'a BinaryEvent, name: &str) -> &'a str {
        ev.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    #[test]
    fn storage_event_has_eventarc_shape_with_string_int64() {
        let msg = notification(&json!({"size": 12, "generation": 1_700_000_000_000_001_u64,
            "contentType": "application/x-ndjson", "timeCreated": "2026-11-24T00:00:01Z"}));
        let ev = storage_finalized(&msg).expect("converts");
        assert_eq!(header(&ev, "ce-type"), STORAGE_FINALIZED);
        assert_eq!(
            header(&ev, "ce-source"),
            "//storage.googleapis.com/projects/_/buckets/phi"
        );
        assert_eq!(header(&ev, "ce-subject"), "objects/export/1/Patient.ndjson");
        assert_eq!(header(&ev, "ce-time"), "2026-11-24T00:00:01Z");
        assert!(header(&ev, "traceparent").starts_with("00-"));
        let body: Value = serde_json::from_slice(&ev.body).expect("json");
        assert_eq!(body["size"], json!("12"));
        assert_eq!(body["generation"], json!("1700000000000001"));
        assert_eq!(body["name"], json!("export/1/Patient.ndjson"));
        assert_eq!(body["bucket"], json!("phi"));
    }

    #[test]
    fn other_event_types_are_not_finalizes() {
        let mut msg = notification(&json!({}));
        assert_eq!(notification_bucket(&msg), Some("phi"));
        msg.attributes
            .insert("eventType".into(), "OBJECT_DELETE".into());
        assert_eq!(notification_bucket(&msg), None);
    }

    #[test]
    fn malformed_notifications_are_rejected() {
        let mut msg = notification(&json!({}));
        msg.data = base64::engine::general_purpose::STANDARD.encode("[1,2]");
        assert_eq!(
            storage_finalized(&msg).unwrap_err(),
            ConvertError::MalformedNotification
        );
        msg.attributes.remove("objectId");
        assert_eq!(
            storage_finalized(&msg).unwrap_err(),
            ConvertError::MalformedNotification
        );
    }

    #[test]
    fn subject_is_percent_encoded() {
        assert_eq!(percent_encode("a b/ü.ndjson"), "a%20b/%C3%BC.ndjson");
    }

    #[test]
    fn pubsub_event_duplicates_snake_case_keys() {
        let msg = PubsubMessage {
            data: "aGk=".into(),
            attributes: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
            message_id: "7".into(),
            publish_time: "2026-11-24T00:00:00Z".into(),
        };
        let ev = pubsub_published(&msg, "p", "load-complete", "s");
        assert_eq!(
            header(&ev, "ce-source"),
            "//pubsub.googleapis.com/projects/p/topics/load-complete"
        );
        let body: Value = serde_json::from_slice(&ev.body).expect("json");
        assert_eq!(body["message"]["messageId"], json!("7"));
        assert_eq!(body["message"]["message_id"], json!("7"));
        assert_eq!(body["message"]["data"], json!("aGk="));
        assert_eq!(body["subscription"], json!("projects/p/subscriptions/s"));
    }
}
