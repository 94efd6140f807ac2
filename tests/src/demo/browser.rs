//! Headless Chromium for the report test: the pinned Debian package (`scripts/chromium.sh`
//! installs it), rendering a page and returning its DOM after its scripts ran.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// The Chromium binary, installed on first use by `scripts/chromium.sh`. `None` (after printing
/// why) when it cannot be installed here and `CI` is not `true`.
///
/// # Panics
/// Under `CI=true` when it cannot be installed.
#[must_use]
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let script = crate::repo_root().join("scripts/chromium.sh");
    let result = Command::new(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(anyhow::Error::from)
        .and_then(|out| {
            if out.status.success() {
                Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
            } else {
                bail!("{}", String::from_utf8_lossy(&out.stderr).trim())
            }
        });
    match result {
        Ok(path) => Some(path),
        Err(err) if !crate::required() => {
            eprintln!(
                "SKIPPED {test}: headless Chromium cannot be installed here ({err:#}); CI=true makes this a failure"
            );
            None
        }
        Err(err) => panic!("CI=true and scripts/chromium.sh failed: {err:#}"),
    }
}

/// Loads `page` in headless Chromium and returns the DOM after its scripts ran.
///
/// # Errors
/// Chromium fails or takes over 90 s.
pub fn dump_dom(chromium: &Path, page: &Path) -> anyhow::Result<String> {
    let profile = tempfile::tempdir()?;
    let out = tempfile::NamedTempFile::new()?;
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", page.canonicalize()?.display()))
        .stdin(Stdio::null())
        .stdout(out.reopen()?)
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", chromium.display()))?;
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    anyhow::ensure!(status.success(), "chromium exited with {status}");
    Ok(std::fs::read_to_string(out.path())?)
}
