//! `starvit leakscan` (placeholder, owned by the leakscan work).

/// Arguments of `starvit leakscan`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: &Args) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("not built yet")
}
