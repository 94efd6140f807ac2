//! [`MessagePublishedData`]: the `data` of `google.cloud.pubsub.topic.v1.messagePublished`.
//!
//! Google's payloads carry some keys twice, camelCase and snake_case (`messageId` and
//! `message_id`, `publishTime` and `publish_time`). A plain `#[serde(alias)]` would fail with
//! "duplicate field", so the message is read through a raw struct that accepts both spellings and
//! rejects only a real conflict (both present and different).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};

/// The CloudEvent type of a Pub/Sub message published through Eventarc.
pub const MESSAGE_PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";

/// A Pub/Sub delivery: the message and the subscription that delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MessagePublishedData {
    /// The message.
    pub message: PubsubMessage,
    /// `projects/{project}/subscriptions/{subscription}`.
    #[serde(default)]
    pub subscription: String,
}

/// A Pub/Sub message. Idempotency key: `message_id`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "RawMessage")]
pub struct PubsubMessage {
    /// Payload, base64-decoded.
    #[serde(serialize_with = "ser_base64")]
    pub data: Vec<u8>,
    /// Attributes. Starvit lineage travels here.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Server-assigned id, unique per topic.
    #[serde(rename = "messageId")]
    pub message_id: String,
    /// When the server received the message.
    #[serde(rename = "publishTime", skip_serializing_if = "Option::is_none")]
    pub publish_time: Option<DateTime<Utc>>,
    /// Ordering key, if the publisher set one.
    #[serde(rename = "orderingKey", skip_serializing_if = "Option::is_none")]
    pub ordering_key: Option<String>,
}

/// Why a Pub/Sub message payload is rejected. Never quotes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// `data` is not standard base64.
    #[error("message data is not valid base64")]
    Base64,
    /// Neither `messageId` nor `message_id` is present.
    #[error("message has no messageId")]
    MissingMessageId,
    /// The camelCase and snake_case copies of a key disagree.
    #[error("message has conflicting duplicated key {0}")]
    Conflict(&'static str),
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    attributes: Option<BTreeMap<String, String>>,
    #[serde(default, rename = "messageId")]
    message_id_camel: Option<String>,
    #[serde(default, rename = "message_id")]
    message_id_snake: Option<String>,
    #[serde(default, rename = "publishTime")]
    publish_time_camel: Option<DateTime<Utc>>,
    #[serde(default, rename = "publish_time")]
    publish_time_snake: Option<DateTime<Utc>>,
    #[serde(default, rename = "orderingKey")]
    ordering_key_camel: Option<String>,
    #[serde(default, rename = "ordering_key")]
    ordering_key_snake: Option<String>,
}

/// Merge the two spellings of a key: either alone, or both when equal.
fn merge<T: PartialEq>(
    camel: Option<T>,
    snake: Option<T>,
    key: &'static str,
) -> Result<Option<T>, MessageError> {
    match (camel, snake) {
        (Some(c), Some(s)) if c != s => Err(MessageError::Conflict(key)),
        (Some(v), _) | (None, Some(v)) => Ok(Some(v)),
        (None, None) => Ok(None),
    }
}

impl TryFrom<RawMessage> for PubsubMessage {
    type Error = MessageError;

    fn try_from(raw: RawMessage) -> Result<Self, Self::Error> {
        let data = match raw.data {
            Some(b64) => STANDARD
                .decode(b64.as_bytes())
                .map_err(|_| MessageError::Base64)?,
            None => Vec::new(),
        };
        Ok(Self {
            data,
            attributes: raw.attributes.unwrap_or_default(),
            message_id: merge(raw.message_id_camel, raw.message_id_snake, "messageId")?
                .ok_or(MessageError::MissingMessageId)?,
            publish_time: merge(
                raw.publish_time_camel,
                raw.publish_time_snake,
                "publishTime",
            )?,
            ordering_key: merge(
                raw.ordering_key_camel,
                raw.ordering_key_snake,
                "orderingKey",
            )?
            .filter(|k| !k.is_empty()),
        })
    }
}

fn ser_base64<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&STANDARD.encode(data))
}
