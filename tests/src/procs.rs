//! Function services as real child processes on 127.0.0.1, like separate Cloud Run services.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// A running function service. Dropping it kills the process.
#[derive(Debug)]
pub struct FunctionProcess {
    name: String,
    binary: PathBuf,
    env: Vec<(String, String)>,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl FunctionProcess {
    /// Starts `binary` with `env` plus `PORT` on a free port, logging to `log_dir/<name>.log`,
    /// and waits until `/healthz` answers.
    ///
    /// # Errors
    /// When it cannot start or does not become healthy within 60 s.
    pub async fn start(
        name: &str,
        binary: &Path,
        env: Vec<(String, String)>,
        log_dir: &Path,
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut process = Self {
            name: name.to_owned(),
            binary: binary.to_path_buf(),
            env,
            port,
            log: log_dir.join(format!("{name}.log")),
            child: None,
        };
        process.spawn().await?;
        Ok(process)
    }

    /// The URL Eventarc posts to.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// SIGKILLs the process (a crash: no graceful shutdown, work in flight is lost).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same port (after [`FunctionProcess::kill`]).
    ///
    /// # Errors
    /// As [`FunctionProcess::start`].
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn().await
    }

    /// The process id, while it runs.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The service name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The log file of the process.
    #[must_use]
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TMPDIR", std::env::temp_dir())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PORT", self.port.to_string())
            .env("STARVIT_LISTEN_ADDR", "127.0.0.1")
            .env("K_SERVICE", &self.name)
            // As the function image sets it (Dockerfile: capped malloc arenas).
            .env("MALLOC_ARENA_MAX", "2")
            .env(
                "RUST_LOG",
                std::env::var("STARVIT_E2E_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        let health = format!("http://127.0.0.1:{}/healthz", self.port);
        let client = reqwest::Client::new();
        loop {
            if client
                .get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                bail!(
                    "{} exited during start-up ({status}); log: {}",
                    self.name,
                    self.log.display()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not become healthy; log: {}",
                    self.name,
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
