//! The Pub/Sub emulator REST calls the router needs. The emulator speaks the v1 REST surface.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

/// A failed call to the emulator.
#[derive(Debug, thiserror::Error)]
pub enum PubsubError {
    /// Transport failure (emulator down, timeout).
    #[error("pubsub emulator unreachable: {0}")]
    Transport(#[from] reqwest::Error),
    /// The emulator answered with an unexpected status.
    #[error("pubsub emulator answered {status} to {call}")]
    Status {
        /// The call that failed.
        call: &'static str,
        /// HTTP status.
        status: u16,
    },
}

/// A message as the v1 REST API returns it (data still base64).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PubsubMessage {
    /// Base64 payload.
    #[serde(default)]
    pub data: String,
    /// Attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Server-assigned id.
    pub message_id: String,
    /// RFC 3339 publish time.
    #[serde(default)]
    pub publish_time: String,
}

/// One pulled message and the handle to ack it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMessage {
    /// Ack handle.
    pub ack_id: String,
    /// The message.
    pub message: PubsubMessage,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PullResponse {
    #[serde(default)]
    received_messages: Vec<ReceivedMessage>,
}

/// A minimal REST client for one emulator project.
#[derive(Debug, Clone)]
pub struct Emulator {
    http: reqwest::Client,
    base: String,
    project: String,
}

impl Emulator {
    /// A client for `base` (e.g. `http://127.0.0.1:8085`) and `project`.
    #[must_use]
    pub fn new(http: reqwest::Client, base: &str, project: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            project: project.to_owned(),
        }
    }

    /// Full subscription name.
    #[must_use]
    pub fn subscription_path(&self, subscription: &str) -> String {
        format!("projects/{}/subscriptions/{subscription}", self.project)
    }

    /// Creates the topic; an existing topic is fine.
    ///
    /// # Errors
    /// Transport errors and statuses other than 200/409.
    pub async fn ensure_topic(&self, topic: &str) -> Result<(), PubsubError> {
        let url = format!("{}/v1/projects/{}/topics/{topic}", self.base, self.project);
        let resp = self.http.put(url).json(&json!({})).send().await?;
        ok_or_conflict("create topic", resp.status())
    }

    /// Creates a pull subscription on `topic`; an existing one is fine.
    ///
    /// # Errors
    /// Transport errors and statuses other than 200/409.
    pub async fn ensure_subscription(
        &self,
        subscription: &str,
        topic: &str,
        ack_deadline_secs: u32,
    ) -> Result<(), PubsubError> {
        let url = format!("{}/v1/{}", self.base, self.subscription_path(subscription));
        let body = json!({
            "topic": format!("projects/{}/topics/{topic}", self.project),
            "ackDeadlineSeconds": ack_deadline_secs,
        });
        let resp = self.http.put(url).json(&body).send().await?;
        ok_or_conflict("create subscription", resp.status())
    }

    /// Pulls up to `max` messages without waiting.
    ///
    /// # Errors
    /// Transport errors and non-2xx statuses.
    pub async fn pull(
        &self,
        subscription: &str,
        max: u32,
    ) -> Result<Vec<ReceivedMessage>, PubsubError> {
        let url = format!(
            "{}/v1/{}:pull",
            self.base,
            self.subscription_path(subscription)
        );
        let body = json!({ "maxMessages": max, "returnImmediately": true });
        let resp = self.http.post(url).json(&body).send().await?;
        if !resp.status().is_success() {
            return Err(PubsubError::Status {
                call: "pull",
                status: resp.status().as_u16(),
            });
        }
        Ok(resp.json::<PullResponse>().await?.received_messages)
    }

    /// Acknowledges messages.
    ///
    /// # Errors
    /// Transport errors and non-2xx statuses.
    pub async fn ack(&self, subscription: &str, ack_ids: &[String]) -> Result<(), PubsubError> {
        let url = format!(
            "{}/v1/{}:acknowledge",
            self.base,
            self.subscription_path(subscription)
        );
        let resp = self
            .http
            .post(url)
            .json(&json!({ "ackIds": ack_ids }))
            .send()
            .await?;
        status_ok("acknowledge", resp.status())
    }

    /// Sets the ack deadline of messages (0 = redeliver now; n = redeliver after n seconds).
    ///
    /// # Errors
    /// Transport errors and non-2xx statuses.
    pub async fn modify_ack_deadline(
        &self,
        subscription: &str,
        ack_ids: &[String],
        seconds: u32,
    ) -> Result<(), PubsubError> {
        let url = format!(
            "{}/v1/{}:modifyAckDeadline",
            self.base,
            self.subscription_path(subscription)
        );
        let body = json!({ "ackIds": ack_ids, "ackDeadlineSeconds": seconds });
        let resp = self.http.post(url).json(&body).send().await?;
        status_ok("modifyAckDeadline", resp.status())
    }
}

fn ok_or_conflict(call: &'static str, status: reqwest::StatusCode) -> Result<(), PubsubError> {
    if status.is_success() || status == reqwest::StatusCode::CONFLICT {
        Ok(())
    } else {
        Err(PubsubError::Status {
            call,
            status: status.as_u16(),
        })
    }
}

fn status_ok(call: &'static str, status: reqwest::StatusCode) -> Result<(), PubsubError> {
    if status.is_success() {
        Ok(())
    } else {
        Err(PubsubError::Status {
            call,
            status: status.as_u16(),
        })
    }
}
