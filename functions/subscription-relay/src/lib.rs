//! `subscription-relay`: Pattern B. Medplum POSTs every change matched by a rest-hook
//! Subscription (the resource as the body, `X-Signature` = hex HMAC-SHA256 of the raw body with the
//! subscription's secret). The relay checks the signature in constant time over the raw bytes,
//! de-identifies the one resource with the same policy and key as `deidentify` (so pseudonyms
//! match the batch path), and publishes a de-identified event to Pub/Sub. Pattern A's scheduled
//! incremental export reconciles whatever this path misses.
//!
//! Free text: the relay never calls Cloud DLP (one call per event would spend the quota on
//! single resources and put DLP's latency on Medplum's webhook). Under every profile,
//! including one with a `[text]` section, it drops every free-text element
//! (`Engine::deid_resource` fills no placeholder); the batch export brings the de-identified
//! text through `deidentify`.
//!
//! Module map:
//! - [`config`]     typed settings (secret, de-ID key and policy, topic, quarantine bucket).
//! - [`signature`]  `X-Signature` verification.
//! - [`event`]      the de-identified event: what is published, and its deterministic id.
//! - [`error`]      the error enum and its Retry/Drop classification.
//! - [`handler`]    [`Context`], [`Delivery`] (the webhook input of the runtime's one dispatch)
//!   and `handle(&Context, Delivery) -> Result<Outcome, Error>`.

pub mod config;
pub mod error;
pub mod event;
pub mod handler;
pub mod signature;

pub use config::Config;
pub use error::Error;
pub use handler::{Context, Delivery, handle};
