//! The delivery loops: pull, convert, POST, and ack only after a 2xx (at-least-once, like Eventarc).
//!
//! A failed delivery (non-2xx, connection refused, timeout) is retried in-process with exponential
//! backoff while the message's ack deadline is kept alive; after `max_attempts` it is acknowledged and
//! counted as given up (Eventarc gives up after 24 h). If the router itself dies, the emulator
//! redelivers the unacknowledged message after its deadline, as Pub/Sub would.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cloudevent::{self, BinaryEvent};
use crate::config::{Route, RouterConfig, Source};
use crate::pubsub::{Emulator, PubsubError, ReceivedMessage};

/// Ack deadline of the router's subscriptions; extended while a message is being retried.
const ACK_DEADLINE_SECS: u32 = 600;

/// Delivery counters (never payloads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events acknowledged after a 2xx (each counted once, whatever `duplicate` is).
    pub delivered: u64,
    /// HTTP POSTs made, duplicates and retries included.
    pub posts: u64,
    /// Deliveries that failed and were retried.
    pub failed_attempts: u64,
    /// Events given up after `max_attempts`.
    pub given_up: u64,
    /// Notifications that could not be turned into an event.
    pub malformed: u64,
    /// Events currently being delivered.
    pub in_flight: u64,
}

#[derive(Debug)]
struct Shared {
    stats: Stats,
    last_activity: Instant,
}

/// The local Eventarc. Create it, call [`Router::prepare`] before anything is published, then
/// [`Router::run`].
#[derive(Debug, Clone)]
pub struct Router {
    config: Arc<RouterConfig>,
    http: reqwest::Client,
    emulator: Emulator,
    shared: Arc<Mutex<Shared>>,
}

impl Router {
    /// Builds a router; no I/O.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: RouterConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.delivery_timeout)
            .build()?;
        let control = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let emulator = Emulator::new(control, &config.pubsub_endpoint, &config.project);
        Ok(Self {
            config: Arc::new(config),
            http,
            emulator,
            shared: Arc::new(Mutex::new(Shared {
                stats: Stats::default(),
                last_activity: Instant::now(),
            })),
        })
    }

    /// Creates the topics and one subscription per route. Messages published before this are not
    /// seen (Pub/Sub semantics), so call it before the first upload.
    ///
    /// # Errors
    /// When the emulator is unreachable or refuses.
    pub async fn prepare(&self) -> Result<(), PubsubError> {
        for (index, route) in self.config.routes.iter().enumerate() {
            let topic = self.topic_of(route);
            self.emulator.ensure_topic(&topic).await?;
            self.emulator
                .ensure_subscription(
                    &self.subscription_of(index, route),
                    &topic,
                    ACK_DEADLINE_SECS,
                )
                .await?;
        }
        Ok(())
    }

    /// A snapshot of the counters.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.lock().stats
    }

    /// Waits until nothing is in flight and nothing was pulled for `quiet`; false on `timeout`.
    pub async fn wait_idle(&self, quiet: Duration, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let shared = self.lock();
                if shared.stats.in_flight == 0 && shared.last_activity.elapsed() >= quiet {
                    return true;
                }
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs every route until `shutdown` completes. Emulator errors are logged and retried.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()> + Send) {
        let mut loops = JoinSet::new();
        for (index, route) in self.config.routes.iter().enumerate() {
            let this = self.clone();
            let route = route.clone();
            loops.spawn(async move { this.route_loop(index, route).await });
        }
        shutdown.await;
        loops.abort_all();
        while loops.join_next().await.is_some() {}
    }

    async fn route_loop(&self, index: usize, route: Route) {
        let subscription = self.subscription_of(index, &route);
        let topic = self.topic_of(&route);
        let permits = Arc::new(Semaphore::new(self.config.max_in_flight.max(1)));
        let mut tasks = JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            let Ok(permit_count) = u32::try_from(permits.available_permits()) else {
                continue;
            };
            if permit_count == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            let pulled = match self.emulator.pull(&subscription, permit_count).await {
                Ok(pulled) => pulled,
                Err(err) => {
                    tracing::warn!(route = index, error = %err, "pull failed; retrying");
                    tokio::time::sleep(self.config.backoff_min).await;
                    continue;
                }
            };
            if pulled.is_empty() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            self.lock().last_activity = Instant::now();
            for received in pulled {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    return;
                };
                let this = self.clone();
                let (route, topic, subscription) =
                    (route.clone(), topic.clone(), subscription.clone());
                tasks.spawn(async move {
                    this.handle(&route, &topic, &subscription, received).await;
                    drop(permit);
                });
            }
        }
    }

    async fn handle(&self, route: &Route, topic: &str, subscription: &str, rx: ReceivedMessage) {
        let event = match &route.source {
            Source::Bucket(bucket) => {
                if cloudevent::notification_bucket(&rx.message) != Some(bucket.as_str()) {
                    self.ack(subscription, &rx.ack_id).await;
                    return;
                }
                match cloudevent::storage_finalized(&rx.message) {
                    Ok(event) => event,
                    Err(err) => {
                        tracing::error!(error = %err, message_id = %rx.message.message_id, "dropping notification");
                        self.lock().stats.malformed += 1;
                        self.ack(subscription, &rx.ack_id).await;
                        return;
                    }
                }
            }
            Source::Topic(_) => {
                cloudevent::pubsub_published(&rx.message, &self.config.project, topic, subscription)
            }
        };
        self.update(|s| s.in_flight += 1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if self.deliver(&route.target, &event).await {
                self.update(|s| s.delivered += 1);
                break;
            }
            self.update(|s| s.failed_attempts += 1);
            if attempt >= self.config.max_attempts {
                tracing::error!(event_id = %event.id, attempt, "giving up on event");
                self.update(|s| s.given_up += 1);
                break;
            }
            let delay = self.config.backoff(attempt);
            tracing::warn!(event_id = %event.id, attempt, delay_ms = delay.as_millis() as u64, "delivery failed; will redeliver");
            let _ = self
                .emulator
                .modify_ack_deadline(
                    subscription,
                    std::slice::from_ref(&rx.ack_id),
                    ACK_DEADLINE_SECS,
                )
                .await;
            tokio::time::sleep(delay).await;
        }
        self.ack(subscription, &rx.ack_id).await;
        self.update(|s| s.in_flight -= 1);
    }

    /// POSTs the event `duplicate` times concurrently; true when every answer was 2xx.
    async fn deliver(&self, target: &str, event: &BinaryEvent) -> bool {
        let copies = self.config.duplicate.max(1);
        let mut posts = JoinSet::new();
        for _ in 0..copies {
            let mut request = self.http.post(target).body(event.body.clone());
            for (name, value) in &event.headers {
                request = request.header(*name, value);
            }
            posts.spawn(request.send());
        }
        self.update(|s| s.posts += u64::from(copies));
        let mut all_ok = true;
        while let Some(result) = posts.join_next().await {
            let ok = matches!(result, Ok(Ok(ref resp)) if resp.status().is_success());
            all_ok &= ok;
        }
        all_ok
    }

    async fn ack(&self, subscription: &str, ack_id: &str) {
        if let Err(err) = self.emulator.ack(subscription, &[ack_id.to_owned()]).await {
            tracing::warn!(error = %err, "ack failed; the emulator will redeliver");
        }
    }

    fn topic_of(&self, route: &Route) -> String {
        match &route.source {
            Source::Bucket(_) => self.config.gcs_notification_topic.clone(),
            Source::Topic(topic) => topic.clone(),
        }
    }

    fn subscription_of(&self, index: usize, route: &Route) -> String {
        let name = match &route.source {
            Source::Bucket(b) | Source::Topic(b) => b,
        };
        let clean: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("{}-{index}-{clean}", self.config.subscription_prefix)
    }

    fn update(&self, f: impl FnOnce(&mut Stats)) {
        let mut shared = self.lock();
        f(&mut shared.stats);
        shared.last_activity = Instant::now();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
