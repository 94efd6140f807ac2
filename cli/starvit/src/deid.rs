//! `starvit deid` (placeholder, owned by the deid work).

/// Arguments of `starvit deid`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: &Args) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("not built yet")
}
