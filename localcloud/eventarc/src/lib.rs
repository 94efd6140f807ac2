//! A local Eventarc for the emulator stack.
//!
//! Nothing local produces Eventarc CloudEvents, so this crate plays Eventarc's part: it pulls from the
//! Pub/Sub emulator and POSTs CloudEvents in **binary mode** to the function bound to a bucket or a
//! topic, exactly as Eventarc delivers them on Cloud Run, and redelivers with backoff on any non-2xx
//! answer (the HTTP status is the retry policy).
//!
//! Module map:
//! - [`config`]     routes (bucket or topic -> function URL), backoff and delivery settings.
//! - [`pubsub`]     the few Pub/Sub emulator REST calls used (create subscription, pull, ack, nack).
//! - [`cloudevent`] turns a GCS notification or a Pub/Sub message into Eventarc's CloudEvent.
//! - [`router`]     one pull loop per route, delivery, redelivery with backoff, counters.
//!
//! fake-gcs-server publishes every object finalize of every bucket to a single notification topic;
//! each bucket route has its own subscription on that topic and ignores other buckets (Eventarc
//! filters on the `bucket` attribute the same way).

pub mod cloudevent;
pub mod config;
pub mod pubsub;
pub mod router;

pub use config::{Route, RouterConfig, Source};
pub use router::{Router, Stats};
