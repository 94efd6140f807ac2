//! The Cloud DLP contract stub of a chain whose policy has a `[text]` section (issue 13):
//! started in this process on 127.0.0.1, its URL and the local project's parent passed to
//! `deidentify` (the only function that calls DLP), stopped with the chain.

use starvit_dlp_stub::Stub;

use crate::stack::Stack;

/// `deidentify`'s DLP settings on the local stack.
const ENDPOINT: &str = "STARVIT_DLP_ENDPOINT";
const PARENT: &str = "STARVIT_DLP_PARENT";

/// The stub and `deidentify`'s settings for it when `policy` (a name or a file) sends text to
/// DLP; `None` otherwise (no stub, no settings).
///
/// # Errors
/// The policy does not load, or the stub cannot bind a port.
pub(super) async fn start_for(
    stack: &Stack,
    policy: &str,
) -> anyhow::Result<Option<(Stub, Vec<(&'static str, String)>)>> {
    if starvit_deid::Policy::resolve(policy)?.name() != "shifted-text" {
        return Ok(None);
    }
    let stub = Stub::start()
        .await
        .map_err(|e| anyhow::anyhow!("starting the DLP stub: {e}"))?;
    let env = vec![
        (ENDPOINT, stub.url.clone()),
        (
            PARENT,
            format!("projects/{}/locations/global", stack.project()),
        ),
    ];
    Ok(Some((stub, env)))
}
