//! `subscription-relay`: Pattern B. Medplum POSTs every change matched by a rest-hook
//! Subscription (the resource as the body, `X-Signature` = hex HMAC-SHA256 of the raw body with the
//! subscription's secret). The relay checks the signature in constant time over the raw bytes,
//! de-identifies the one resource with the same policy and key as `deidentify` (so pseudonyms
//! match the batch path), and publishes a de-identified event to Pub/Sub. Pattern A's scheduled
//! incremental export reconciles whatever this path misses.
//!
//! Module map:
//! - [`config`]     typed settings (secret, de-ID key and policy, topic, quarantine bucket).
//! - [`signature`]  `X-Signature` verification.
//! - [`event`]      the de-identified event: what is published, and its deterministic id.
//! - [`error`]      the error enum and its Retry/Drop classification.
//! - [`handler`]    [`Context`] and `handle(&Context, Delivery) -> Result<Outcome, Error>`.
//! - [`http`]       the webhook endpoint: status codes from the classification, in one place.

pub mod config;
pub mod error;
pub mod event;
pub mod handler;
pub mod http;
pub mod signature;

pub use config::Config;
pub use error::Error;
pub use handler::{Context, Delivery, handle};

/// The service: settings from the environment, clients built once, serve until SIGTERM.
///
/// # Errors
/// Invalid settings, a client that cannot be built, or a failure to bind the port.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = starvit_runtime::RuntimeConfig::from_env()?;
    starvit_runtime::telemetry::init(&runtime)?;
    let config = Config::from_vars(std::env::vars())?;
    let context = std::sync::Arc::new(Context::connect(config).await?);
    let listener = tokio::net::TcpListener::bind(std::net::SocketAddr::from((
        std::net::Ipv4Addr::UNSPECIFIED,
        runtime.port,
    )))
    .await?;
    starvit_runtime::serve_with_shutdown(
        listener,
        http::router(context, runtime.body_limit),
        starvit_runtime::shutdown_signal(),
    )
    .await?;
    Ok(())
}
