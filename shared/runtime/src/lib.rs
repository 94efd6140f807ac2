//! `starvit-runtime`: the Cloud Functions Framework contract, for Rust.
//!
//! Google ships no Functions Framework for Rust, so this crate reproduces its contract on axum and
//! the CloudEvents SDK. A function crate is a thin `main.rs` plus a plain handler:
//!
//! ```no_run
//! use starvit_runtime::payload::StorageObjectData;
//! use starvit_runtime::vars::Vars;
//! use starvit_runtime::{Classify, Disposition, Event, Function, Outcome, Service, Setting};
//!
//! #[derive(Debug, thiserror::Error)]
//! enum Error {
//!     #[error("storage unavailable")]
//!     Unavailable,
//! }
//! impl Classify for Error {
//!     fn disposition(&self) -> Disposition { Disposition::Retry }
//!     fn code(&self) -> &'static str { "storage_unavailable" }
//! }
//!
//! #[derive(Debug)]
//! struct Context { bucket: String }
//! impl Function for Context {
//!     type Input = Event<StorageObjectData>;
//!     type Error = Error;
//!     async fn handle(&self, event: Event<StorageObjectData>) -> Result<Outcome, Error> {
//!         let _ = (&self.bucket, event.data.generation);
//!         Ok(Outcome::done())
//!     }
//! }
//! const BUCKET: Setting = Setting::required("MY_BUCKET", "a bucket name", "what is read");
//! impl Service for Context {
//!     const NAME: &'static str = "my-function";
//!     const SETTINGS: &'static [Setting] = &[BUCKET];
//!     async fn build(vars: Vars) -> Result<Self, Box<dyn std::error::Error>> {
//!         Ok(Self { bucket: vars.required(BUCKET.name)? })
//!     }
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     starvit_runtime::service::main::<Context>()
//! }
//! ```
//!
//! # Module map
//! - [`config`]: [`RuntimeConfig`], parsed once from `(key, value)` pairs (`PORT`, `LOG_FORMAT`, ...).
//! - [`service`]: the one scaffold of a function binary: [`Service`] (name, settings, how the
//!   context is built) and `service::main` (settings, telemetry, clients, serve).
//! - [`settings`]: [`Setting`], a function's settings as data (required/default, format,
//!   description, local value), and the settings several functions share.
//! - [`function`]: the [`Function`] trait a function crate implements on its context.
//! - [`input`]: [`Input`], what a request becomes: a CloudEvent [`Event<T>`] or a webhook.
//! - [`event`]: [`Event<T>`], the CloudEvent attributes plus typed `data`, and how a raw
//!   CloudEvent becomes one.
//! - [`trace`]: [`TraceContext`], the W3C `traceparent` carried by events.
//! - [`payload`]: typed event payloads ([`payload::StorageObjectData`],
//!   [`payload::MessagePublishedData`]) proven by JSON fixtures.
//! - [`disposition`]: [`Disposition`], [`Classify`] and [`Outcome`]: what a handler says happened.
//! - [`dispatch`]: the one place where outcomes and errors become HTTP statuses and log lines,
//!   for every kind of input.
//! - [`server`]: [`app`] (the axum `Router`) and [`serve`] (listen on `$PORT`, graceful shutdown).
//! - [`telemetry`]: one [`telemetry::init`]; Cloud Logging JSON on Cloud Run, text locally.
//! - [`vars`]: [`vars::Vars`], the common part of every function's typed `Config::from_vars`.
//!
//! # The HTTP contract
//! Eventarc and Pub/Sub push redeliver anything that is not a 2xx for up to 24 hours, so the status
//! *is* the retry policy. Only [`dispatch`] maps to HTTP:
//!
//! | what happened | status | log |
//! |---|---|---|
//! | `Ok(Outcome::Done)` | 200 | INFO `event done` |
//! | `Ok(Outcome::Skipped)` | 204 | INFO `event skipped` with the static reason |
//! | `Err(e)`, `e.disposition() == Drop` | 200 | ERROR with `e.code()` |
//! | malformed event (SDK rejects it, data does not fit `T`) | 200 | ERROR `malformed_event` |
//! | body over the limit | 200 | ERROR `body_too_large` |
//! | `Err(e)`, `e.disposition() == Retry` | 503 | ERROR with `e.code()` |
//! | the handler panicked | 500 | ERROR `handler_panic` |
//!
//! A webhook input (not a CloudEvent; the relay's signed notification) goes through the same
//! dispatch with three differences its [`Input`] declares or its errors classify: `Skipped` is
//! 200, a body over the limit is 413, and `Err(e)` with `e.disposition() == Refuse` (a
//! signature that does not verify) is 401. A CloudEvent function never returns a 4xx.
//!
//! A request body is never logged.

pub mod config;
pub mod dispatch;
pub mod disposition;
pub mod event;
pub mod function;
pub mod input;
pub mod payload;
pub mod server;
pub mod service;
pub mod settings;
pub mod telemetry;
pub mod trace;
pub mod vars;

pub use config::{ConfigError, LogFormat, RuntimeConfig};
pub use disposition::{Classify, Disposition, Outcome};
pub use event::Event;
pub use function::Function;
pub use input::Input;
pub use server::{app, run_service, serve, serve_with_shutdown, shutdown_signal};
pub use service::Service;
pub use settings::Setting;
pub use trace::TraceContext;
