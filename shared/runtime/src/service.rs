//! The one scaffold of a function binary: settings from variables, telemetry, the function's
//! clients (built once), serve until SIGTERM. A function crate implements [`Service`] on its
//! context and its `main.rs` is one line:
//!
//! ```ignore
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     starvit_runtime::service::main::<bq_load::Context>()
//! }
//! ```
//!
//! `<binary> --settings` prints the function's [`Service::SETTINGS`] as JSON and exits (the
//! list Terraform's env is checked against).

use std::error::Error;
use std::future::Future;
use std::sync::Arc;

use crate::settings::{self, Setting};
use crate::vars::Vars;
use crate::{Function, RuntimeConfig, run_service, serve, telemetry};

/// A deployable function: its name, its settings as data, how its context is built.
pub trait Service: Function + Sized {
    /// The service name: the `service` job label and the lineage stage.
    const NAME: &'static str;
    /// Every variable the function reads, besides the runtime's own (`PORT`, `LOG_FORMAT`,
    /// `RUST_LOG`, `K_SERVICE`, `STARVIT_BODY_LIMIT_BYTES`, `STARVIT_LISTEN_ADDR`: see
    /// [`RuntimeConfig`]).
    const SETTINGS: &'static [Setting];

    /// Parse the settings and build the clients, once per process; fail fast.
    fn build(vars: Vars) -> impl Future<Output = Result<Self, Box<dyn Error>>>;
}

/// `main` of a function binary: `--settings` prints [`Service::SETTINGS`] as JSON; otherwise
/// [`run`] on a runtime with large worker stacks ([`run_service`]).
///
/// # Errors
/// Invalid settings, a client that cannot be built, or a failure to bind the port.
pub fn main<S: Service>() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).as_deref() == Some("--settings") {
        println!(
            "{}",
            serde_json::to_string_pretty(&settings::to_json(S::SETTINGS))?
        );
        return Ok(());
    }
    run_service(run::<S>())
}

/// The service: runtime settings and telemetry from the process environment, the function's
/// context from the same variables, serve until SIGTERM. The only place a function reads the
/// process environment.
///
/// # Errors
/// As [`main`].
pub async fn run<S: Service>() -> Result<(), Box<dyn Error>> {
    let runtime = RuntimeConfig::from_env()?;
    telemetry::init(&runtime)?;
    let context = S::build(Vars::new(std::env::vars())).await?;
    tracing::info!(service = S::NAME, "ready");
    serve(Arc::new(context), &runtime).await?;
    Ok(())
}
