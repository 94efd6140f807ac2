//! Pub/Sub: publish with attributes, plus set-up and pull helpers for local stacks and tests.
//!
//! Contracts:
//! - [`TopicPublisher::publish`] resolves once the service has stored the message and returns
//!   its message id. Pub/Sub is at-least-once: a retried handler may publish the same logical
//!   message twice, so consumers dedupe on a lineage attribute (e.g. the load job id), not on
//!   the message id.
//! - Attributes are visible to every subscriber: lineage ids and counts only, never PHI.
//! - With an ordering key, a failed publish pauses that key; the wrapper resumes it and
//!   returns a transient error, so the caller's retry keeps the order.
//! - Production functions receive messages by push (Eventarc); [`PubSubClient::pull`] is for
//!   tests and local tools.

use futures::FutureExt;
use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use google_cloud_pubsub::client::{
    BasePublisher, Publisher, Subscriber, SubscriptionAdmin, TopicAdmin,
};
use google_cloud_pubsub::error::PublishError;
use google_cloud_pubsub::model::Message;

use crate::config::{GcpConfig, credentials_for};
use crate::error::{Disposition, GcpError, Service};

/// A message to publish.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// Payload.
    pub data: Bytes,
    /// Attributes (lineage, routing). No PHI.
    pub attributes: BTreeMap<String, String>,
    /// Ordering key; requires a subscription with message ordering to have an effect.
    pub ordering_key: Option<String>,
}

/// A message received by [`PubSubClient::pull`] (already acknowledged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// Server-assigned id.
    pub message_id: String,
    /// Payload.
    pub data: Bytes,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Ordering key, empty when none.
    pub ordering_key: String,
}

/// Pub/Sub client for one project. Build once per process; cheap to clone.
#[derive(Clone, Debug)]
pub struct PubSubClient {
    project_id: String,
    endpoint: Option<String>,
    base: BasePublisher,
}

/// Publishes to one topic, batching concurrent publishes. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TopicPublisher {
    publisher: Publisher,
}

fn setup_error(e: &impl std::fmt::Display) -> GcpError {
    GcpError::Setup {
        service: Service::PubSub,
        detail: e.to_string(),
    }
}

/// Applies the endpoint and, for an emulator, anonymous credentials to any client builder of
/// the pubsub crate (they share no trait, hence a macro).
macro_rules! configure {
    ($builder:expr, $endpoint:expr) => {{
        let mut builder = $builder;
        if let Some(endpoint) = $endpoint {
            builder = builder.with_endpoint(endpoint.clone());
        }
        if let Some(credentials) = credentials_for($endpoint) {
            builder = builder.with_credentials(credentials);
        }
        builder
    }};
}

impl PubSubClient {
    /// Builds the client: production with ADC, or `config.pubsub_endpoint` (gRPC, e.g.
    /// `http://127.0.0.1:8085`) with anonymous credentials.
    ///
    /// # Errors
    /// [`GcpError::Setup`] when the client cannot be built.
    pub async fn new(config: &GcpConfig) -> Result<Self, GcpError> {
        let endpoint = config.pubsub_endpoint.clone();
        let base = configure!(BasePublisher::builder(), endpoint.as_ref())
            .build()
            .boxed()
            .await
            .map_err(|e| setup_error(&e))?;
        Ok(Self {
            project_id: config.project_id.clone(),
            endpoint,
            base,
        })
    }

    /// `projects/{project}/topics/{topic}`.
    pub fn topic_path(&self, topic: &str) -> String {
        format!("projects/{}/topics/{topic}", self.project_id)
    }

    /// `projects/{project}/subscriptions/{subscription}`.
    pub fn subscription_path(&self, subscription: &str) -> String {
        format!("projects/{}/subscriptions/{subscription}", self.project_id)
    }

    /// A publisher for `topic` (short name). Messages are sent with a small batching delay;
    /// each [`TopicPublisher::publish`] still resolves individually.
    pub fn publisher(&self, topic: &str) -> TopicPublisher {
        let publisher = self
            .base
            .publisher(self.topic_path(topic))
            .set_delay_threshold(Duration::from_millis(10))
            .build();
        TopicPublisher { publisher }
    }

    /// Creates `topic` if it does not exist. Idempotent; for local set-up and tests
    /// (production topics come from Terraform).
    ///
    /// # Errors
    /// [`GcpError`] other than "already exists".
    pub async fn ensure_topic(&self, topic: &str) -> Result<(), GcpError> {
        let admin = configure!(TopicAdmin::builder(), self.endpoint.as_ref())
            .build()
            .boxed()
            .await
            .map_err(|e| setup_error(&e))?;
        match admin
            .create_topic()
            .set_name(self.topic_path(topic))
            .send()
            .boxed()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                ignore_already_exists(GcpError::from_client(Service::PubSub, "create_topic", &e))
            }
        }
    }

    /// Creates pull `subscription` on `topic` if it does not exist. Idempotent; for local
    /// set-up and tests.
    ///
    /// # Errors
    /// [`GcpError`] other than "already exists".
    pub async fn ensure_subscription(
        &self,
        subscription: &str,
        topic: &str,
    ) -> Result<(), GcpError> {
        let admin = configure!(SubscriptionAdmin::builder(), self.endpoint.as_ref())
            .build()
            .boxed()
            .await
            .map_err(|e| setup_error(&e))?;
        let request = admin
            .create_subscription()
            .set_name(self.subscription_path(subscription))
            .set_topic(self.topic_path(topic))
            .set_ack_deadline_seconds(30);
        match Box::pin(request.send()).await {
            Ok(_) => Ok(()),
            Err(e) => ignore_already_exists(GcpError::from_client(
                Service::PubSub,
                "create_subscription",
                &e,
            )),
        }
    }

    /// Receives up to `max` messages from `subscription` within `wait`, acknowledging each.
    /// Returns early once `max` arrived. For tests and local tools only.
    ///
    /// # Errors
    /// [`GcpError`] from the streaming pull.
    pub async fn pull(
        &self,
        subscription: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, GcpError> {
        let subscriber = configure!(Subscriber::builder(), self.endpoint.as_ref())
            .build()
            .boxed()
            .await
            .map_err(|e| setup_error(&e))?;
        let mut stream = subscriber
            .subscribe(self.subscription_path(subscription))
            .build();
        let deadline = tokio::time::Instant::now() + wait;
        let mut received = Vec::new();
        while received.len() < max {
            let Ok(next) = tokio::time::timeout_at(deadline, Box::pin(stream.next())).await else {
                break;
            };
            let Some(next) = next else { break };
            let (message, handler) =
                next.map_err(|e| GcpError::from_client(Service::PubSub, "pull", &e))?;
            handler.ack();
            received.push(ReceivedMessage {
                message_id: message.message_id,
                data: message.data,
                attributes: message.attributes.into_iter().collect(),
                ordering_key: message.ordering_key,
            });
        }
        Ok(received)
    }
}

fn ignore_already_exists(err: GcpError) -> Result<(), GcpError> {
    if err.status() == Some(409) {
        Ok(())
    } else {
        Err(err)
    }
}

impl TopicPublisher {
    /// Publishes one message and waits until the service stored it.
    ///
    /// # Errors
    /// [`GcpError::Call`]: transient for RPC failures after the client's own retries, a paused
    /// ordering key, or a shut-down publisher; permanent for e.g. a missing topic (404) or an
    /// invalid message (400).
    pub async fn publish(&self, message: OutgoingMessage) -> Result<String, GcpError> {
        let ordering_key = message.ordering_key.clone().unwrap_or_default();
        let mut msg = Message::new()
            .set_data(message.data)
            .set_attributes(message.attributes);
        if !ordering_key.is_empty() {
            msg = msg.set_ordering_key(ordering_key.clone());
        }
        match self.publisher.publish(msg).await {
            Ok(id) => Ok(id),
            Err(PublishError::Rpc(e)) => {
                if !ordering_key.is_empty() {
                    self.publisher.resume_publish(ordering_key);
                }
                Err(GcpError::from_client(Service::PubSub, "publish", &e))
            }
            Err(e) => {
                if !ordering_key.is_empty() {
                    self.publisher.resume_publish(ordering_key);
                }
                Err(GcpError::Call {
                    service: Service::PubSub,
                    operation: "publish",
                    status: None,
                    disposition: Disposition::Retry,
                    detail: e.to_string(),
                })
            }
        }
    }

    /// Sends any batched messages now (call before shutting down).
    pub async fn flush(&self) {
        self.publisher.flush().await;
    }
}
