//! Thin wrappers over the official Google Cloud Rust clients, shaped for Starvit's functions.
//!
//! Module map:
//! - [`config`]: [`GcpConfig`], the project and per-service endpoints (`None` = production).
//!   An emulator endpoint is an ordinary setting and switches that client to anonymous
//!   credentials.
//! - [`error`]: [`GcpError`] and its [`Disposition`] (`Retry` vs `Drop`), the one place where a
//!   client failure is classified as transient or permanent.
//! - [`storage`]: read an object at an exact generation as a byte stream; write an object
//!   create-only (`ifGenerationMatch=0`) where "already exists" is a result, not an error.
//! - [`pubsub`]: publish with attributes (and an optional ordering key); topic/subscription
//!   set-up and a pull helper for local stacks and tests.
//! - [`bigquery`]: `jobs.insert` with a caller-chosen job id (409 = already submitted, poll it),
//!   bounded polling of `jobs.get`, and typed load / query job specs with labels.
//! - [`labels`]: BigQuery job labels, sanitized to `[a-z0-9_-]{0,63}`.
//!
//! Every wrapper is safe to call again with the same arguments: that is how at-least-once
//! delivery becomes exactly-once effect.

pub mod bigquery;
pub mod config;
pub mod error;
pub mod labels;
pub mod pubsub;
pub mod storage;

pub use config::GcpConfig;
pub use error::{Disposition, GcpError, Service};
pub use labels::Labels;
