//! `deidentify` Cloud Run service: wiring only; the logic is in `handler.rs`.

use std::sync::Arc;

use deidentify::{Config, Context};
use starvit_gcp::GcpConfig;
use starvit_runtime::RuntimeConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = RuntimeConfig::from_env()?;
    starvit_runtime::telemetry::init(&runtime)?;
    let config = Config::from_vars(std::env::vars())?;
    let gcp = GcpConfig::from_vars(std::env::vars())?;
    let context = Context::new(config, &gcp).await?;
    tracing::info!(
        policy_version = context.policy_version(),
        "deidentify ready"
    );
    starvit_runtime::serve(Arc::new(context), &runtime).await?;
    Ok(())
}
