//! Runs `starvit deid` as a black box and reads its summary table (`TOTAL in out dropped
//! quarantined` and one row per resource type).

use std::path::{Path, PathBuf};
use std::process::Command;

/// One run of the CLI.
#[derive(Debug)]
pub struct CliRun {
    /// Exit status code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Captured stdout (de-ID side: it is scanned).
    pub stdout: String,
    /// Captured stderr (scanned too).
    pub stderr: String,
    /// The output directory.
    pub output: PathBuf,
    /// The quarantine directory (PHI side).
    pub quarantine: PathBuf,
}

/// Paths of one run.
#[derive(Debug, Clone, Copy)]
pub struct RunPaths<'a> {
    /// The `starvit` binary.
    pub bin: &'a Path,
    /// The key file.
    pub key_file: &'a Path,
    /// Input directory (PHI side).
    pub input: &'a Path,
    /// Output directory (de-ID side).
    pub output: &'a Path,
    /// Quarantine directory (PHI side; never scanned).
    pub quarantine: &'a Path,
}

/// Counts of one summary row: in, out, dropped, quarantined.
pub type Row = [u64; 4];

impl CliRun {
    /// Runs `starvit deid --policy <policy>` over `paths`.
    ///
    /// # Errors
    /// The binary could not be started.
    pub fn deid(paths: RunPaths<'_>, policy: &str) -> std::io::Result<Self> {
        let out = Command::new(paths.bin)
            .args(["deid", "--policy", policy, "--threads", "1"])
            .arg("--input")
            .arg(paths.input)
            .arg("--output")
            .arg(paths.output)
            .arg("--quarantine")
            .arg(paths.quarantine)
            .arg("--key-file")
            .arg(paths.key_file)
            .env_remove("STARVIT_DEID_KEY")
            .output()?;
        Ok(Self {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            output: paths.output.to_owned(),
            quarantine: paths.quarantine.to_owned(),
        })
    }

    /// The summary row named `name` (`TOTAL` or a resource type).
    #[must_use]
    pub fn row(&self, name: &str) -> Option<Row> {
        self.stdout.lines().find_map(|l| {
            let mut f = l.split_whitespace();
            (f.next()? == name).then_some(())?;
            let n: Vec<u64> = f.map_while(|x| x.parse().ok()).collect();
            (n.len() >= 4).then(|| [n[0], n[1], n[2], n[3]])
        })
    }
}
