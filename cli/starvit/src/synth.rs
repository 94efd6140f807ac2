//! `starvit synth` (placeholder, owned by the synth work).

/// Arguments of `starvit synth`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: &Args) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("not built yet")
}
