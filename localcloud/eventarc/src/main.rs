//! `starvit-eventarc CONFIG.json`: runs the local Eventarc until SIGTERM or Ctrl-C.

use anyhow::Context as _;
use starvit_local_eventarc::{Router, RouterConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let path = std::env::args()
        .nth(1)
        .context("usage: starvit-eventarc CONFIG.json")?;
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let config: RouterConfig = serde_json::from_str(&text).context("parsing router config")?;
    let router = Router::new(config)?;
    router
        .prepare()
        .await
        .context("creating subscriptions on the Pub/Sub emulator")?;
    tracing::info!("local eventarc ready");
    router.run(shutdown()).await;
    let stats = router.stats();
    tracing::info!(
        delivered = stats.delivered,
        given_up = stats.given_up,
        "local eventarc stopped"
    );
    Ok(())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = ctrl_c => {},
            () = async { if let Some(t) = term.as_mut() { t.recv().await; } else { std::future::pending::<()>().await } } => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
