//! Router settings: which bucket or topic goes to which function, and how redelivery backs off.

use std::time::Duration;

use serde::Deserialize;

/// Where events for a route come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `google.cloud.storage.object.v1.finalized` for objects of this bucket.
    Bucket(String),
    /// `google.cloud.pubsub.topic.v1.messagePublished` for messages on this topic.
    Topic(String),
}

/// One trigger: events from `source` are POSTed to `target` (the function's `/`).
#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    /// The event source.
    pub source: Source,
    /// The function URL, e.g. `http://127.0.0.1:8081/`.
    pub target: String,
}

/// Settings of the local Eventarc.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RouterConfig {
    /// Pub/Sub emulator base URL, e.g. `http://127.0.0.1:8085`.
    pub pubsub_endpoint: String,
    /// Project of the emulator topics and subscriptions.
    pub project: String,
    /// The topic fake-gcs-server publishes object notifications to.
    pub gcs_notification_topic: String,
    /// Triggers.
    pub routes: Vec<Route>,
    /// First redelivery delay after a failed delivery.
    #[serde(with = "millis")]
    pub backoff_min: Duration,
    /// Largest redelivery delay.
    #[serde(with = "millis")]
    pub backoff_max: Duration,
    /// Deliveries of one message before it is given up (Eventarc: 24 h of retries).
    pub max_attempts: u32,
    /// How long one delivery may take before it counts as failed (Eventarc: the push deadline).
    #[serde(with = "millis")]
    pub delivery_timeout: Duration,
    /// Deliver every event this many times (at-least-once testing); 1 in normal use.
    pub duplicate: u32,
    /// Prefix of the subscriptions the router creates (unique per router instance).
    pub subscription_prefix: String,
    /// Deliveries in flight per route at once (16; the scale bench sets a function's Cloud Run
    /// concurrency, so one local process holds what one instance would).
    pub max_in_flight: usize,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            pubsub_endpoint: "http://127.0.0.1:8085".to_owned(),
            project: "starvit-local".to_owned(),
            gcs_notification_topic: "gcs-notifications".to_owned(),
            routes: Vec::new(),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
            max_attempts: 200,
            delivery_timeout: Duration::from_secs(600),
            duplicate: 1,
            subscription_prefix: "eventarc".to_owned(),
            max_in_flight: 16,
        }
    }
}

impl RouterConfig {
    /// Delay before redelivery number `attempt` (1-based): exponential, capped.
    #[must_use]
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.backoff_min
            .saturating_mul(factor)
            .min(self.backoff_max)
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let cfg = RouterConfig {
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_millis(700),
            ..RouterConfig::default()
        };
        assert_eq!(cfg.backoff(1), Duration::from_millis(100));
        assert_eq!(cfg.backoff(2), Duration::from_millis(200));
        assert_eq!(cfg.backoff(3), Duration::from_millis(400));
        assert_eq!(cfg.backoff(4), Duration::from_millis(700));
        assert_eq!(cfg.backoff(60), Duration::from_millis(700));
    }

    #[test]
    fn parses_routes_from_json() {
        let cfg: RouterConfig = serde_json::from_str(
            r#"{"project":"p","routes":[{"source":{"bucket":"phi"},"target":"http://127.0.0.1:1/"},
                {"source":{"topic":"load-complete"},"target":"http://127.0.0.1:2/"}],"backoff_min":50}"#,
        )
        .expect("valid config");
        assert_eq!(cfg.routes.len(), 2);
        assert_eq!(cfg.routes[0].source, Source::Bucket("phi".into()));
        assert_eq!(cfg.routes[1].source, Source::Topic("load-complete".into()));
        assert_eq!(cfg.backoff_min, Duration::from_millis(50));
        assert_eq!(cfg.duplicate, 1);
    }
}
