//! The Cloud DLP contract stub of a chain whose policy has a `[text]` section (issue 13):
//! started in this process on 127.0.0.1, its URL and the local project's parent passed to
//! `deidentify` (the only function that calls DLP), stopped with the chain.

use starvit_dlp_stub::Stub;
use starvit_runtime::settings::common::{DLP_ENDPOINT, DLP_PARENT};

use crate::stack::Stack;

/// The stub and `deidentify`'s settings for it when `policy` (a name or a file) sends text to
/// DLP; `None` otherwise (no stub, no settings).
///
/// # Errors
/// The policy does not load, or the stub cannot bind a port.
pub(super) async fn start_for(
    stack: &Stack,
    policy: &str,
) -> anyhow::Result<Option<(Stub, Vec<(&'static str, String)>)>> {
    if !starvit_deid::Policy::resolve(policy)?.has_text() {
        return Ok(None);
    }
    let stub = Stub::start()
        .await
        .map_err(|e| anyhow::anyhow!("starting the DLP stub: {e}"))?;
    let env = vec![
        (DLP_ENDPOINT.name, stub.url.clone()),
        (
            DLP_PARENT.name,
            format!("projects/{}/locations/global", stack.project()),
        ),
    ];
    Ok(Some((stub, env)))
}
