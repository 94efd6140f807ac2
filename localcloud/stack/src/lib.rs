//! `starvit-localcloud`: the one guard around the local cloud started by `localcloud/up.sh DIR`
//! and stopped by `localcloud/down.sh DIR` on drop (also when a test panics). The emulator
//! suite (`tests/`) and `starvit-gcp`'s emulator tests use it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// The repository root: the checkout whose `target/` holds the running binary (found by
/// walking up from it), else the checkout this crate was compiled in. The first answer keeps
/// a target directory copied between checkouts (worktrees, CI caches) from running another
/// checkout's scripts, views and models.
#[must_use]
pub fn repo_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| {
                    dir.join("localcloud/up.sh").is_file() && dir.join("Cargo.lock").is_file()
                })
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Whether emulator tests must run (CI) rather than skip when the stack cannot be installed.
#[must_use]
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A running stack. Dropping it stops every emulator it started, also when a test panics.
#[derive(Debug)]
pub struct Stack {
    dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    /// Variables from `DIR/env` (endpoints, ports, PIDs, project).
    pub env: HashMap<String, String>,
}

impl Stack {
    /// Installs (idempotent) and starts a stack in a fresh state dir under `target/localcloud/`.
    ///
    /// # Errors
    /// When the install or start fails; the message says what to install.
    pub fn start(name: &str) -> anyhow::Result<Self> {
        Self::start_with(name, &[])
    }

    /// [`Stack::start`] with extra `up.sh` settings, e.g. `LOCALCLOUD_FHIR=1` for the FHIR server.
    ///
    /// # Errors
    /// As [`Stack::start`].
    pub fn start_with(name: &str, settings: &[(&str, &str)]) -> anyhow::Result<Self> {
        install()?;
        let parent = repo_root().join("target/localcloud");
        std::fs::create_dir_all(&parent)?;
        let temp = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir_in(&parent)?;
        let mut stack = Self {
            dir: temp.path().to_path_buf(),
            _temp: Some(temp),
            env: HashMap::new(),
        };
        let up = Command::new(repo_root().join("localcloud/up.sh"))
            .arg(&stack.dir)
            .env("LOCALCLOUD_OWNER_PID", std::process::id().to_string())
            .envs(settings.iter().copied())
            .output()
            .context("running localcloud/up.sh")?;
        if !up.status.success() {
            bail!(
                "localcloud/up.sh failed:\n{}",
                String::from_utf8_lossy(&up.stderr)
            );
        }
        stack.env = parse_env(&std::fs::read_to_string(stack.dir.join("env"))?);
        Ok(stack)
    }

    /// [`Stack::start`], or `None` after printing why when the stack cannot run here and `CI`
    /// is not `true` (under CI a failure is a failure).
    ///
    /// # Panics
    /// Under `CI=true` when the stack cannot start.
    #[must_use]
    pub fn start_or_skip(name: &str) -> Option<Self> {
        Self::start_or_skip_with(name, &[])
    }

    /// [`Stack::start_or_skip`] with extra `up.sh` settings.
    ///
    /// # Panics
    /// Under `CI=true` when the stack cannot start.
    #[must_use]
    pub fn start_or_skip_with(name: &str, settings: &[(&str, &str)]) -> Option<Self> {
        if std::env::var("STARVIT_SKIP_EMULATORS").is_ok_and(|v| v == "1") && !required() {
            eprintln!("SKIPPED {name}: STARVIT_SKIP_EMULATORS=1");
            return None;
        }
        match Self::start_with(name, settings) {
            Ok(stack) => Some(stack),
            Err(err) if !required() => {
                eprintln!(
                    "SKIPPED {name}: the local cloud cannot run here ({err:#}); CI=true makes this a failure"
                );
                None
            }
            Err(err) => panic!("CI=true and the local cloud failed to start: {err:#}"),
        }
    }

    /// A variable of the stack's env file.
    ///
    /// # Panics
    /// When `up.sh` did not write it.
    #[must_use]
    pub fn var(&self, key: &str) -> &str {
        self.env.get(key).map_or_else(
            || panic!("{key} missing from the stack env"),
            String::as_str,
        )
    }

    /// The project id of the emulators.
    #[must_use]
    pub fn project(&self) -> &str {
        self.var("LOCALCLOUD_PROJECT")
    }

    /// The variables `starvit_gcp::GcpConfig::from_vars` takes to reach the emulators.
    #[must_use]
    pub fn gcp_vars(&self) -> [(&'static str, &str); 4] {
        [
            ("GOOGLE_CLOUD_PROJECT", self.project()),
            ("STORAGE_EMULATOR_HOST", self.var("GCS_ENDPOINT")),
            ("PUBSUB_EMULATOR_HOST", self.var("PUBSUB_EMULATOR_HOST")),
            ("BIGQUERY_EMULATOR_HOST", self.var("BIGQUERY_ENDPOINT")),
        ]
    }

    /// Creates a bucket through the fake-gcs JSON API (bucket creation is gRPC-only in the
    /// official client); an existing bucket is fine.
    ///
    /// # Errors
    /// HTTP failures, or when the emulator refuses.
    pub async fn create_bucket(&self, http: &reqwest::Client, bucket: &str) -> anyhow::Result<()> {
        let url = format!(
            "{}/storage/v1/b?project={}",
            self.var("GCS_ENDPOINT"),
            self.project()
        );
        let body = format!("{{\"name\":\"{bucket}\"}}");
        let resp = http
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        if !resp.status().is_success() && resp.status() != reqwest::StatusCode::CONFLICT {
            bail!("creating bucket {bucket}: {}", resp.status());
        }
        Ok(())
    }

    /// The state dir (logs, env, pids).
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops one service (`pubsub`, `gcs`, `bigquery`) and keeps the others running.
    ///
    /// # Errors
    /// When the script fails.
    pub fn stop_service(&self, service: &str) -> anyhow::Result<()> {
        run_script(
            "service.sh",
            &[self.dir.to_string_lossy().as_ref(), "stop", service],
        )
    }

    /// Starts one stopped service again on the same port and data dir.
    ///
    /// # Errors
    /// When the script fails.
    pub fn start_service(&self, service: &str) -> anyhow::Result<()> {
        run_script(
            "service.sh",
            &[self.dir.to_string_lossy().as_ref(), "start", service],
        )
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("localcloud/down.sh"))
            .arg(&self.dir)
            .output();
        let keep = std::thread::panicking() || std::env::var_os("STARVIT_KEEP_STACK").is_some();
        if keep && let Some(temp) = self._temp.take() {
            let kept = temp.keep();
            eprintln!("stack logs kept: {}", kept.display());
        }
    }
}

/// Runs `localcloud/install.sh` (idempotent, about a second when installed).
///
/// # Errors
/// The script's message (it names what to install).
pub fn install() -> anyhow::Result<()> {
    run_script("install.sh", &[])
}

fn run_script(script: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(repo_root().join("localcloud").join(script))
        .args(args)
        .output()
        .with_context(|| format!("running localcloud/{script}"))?;
    if !out.status.success() {
        bail!(
            "localcloud/{script} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('\'').to_owned()))
        .collect()
}
