//! Test support: the local cloud started by `localcloud/up.sh`, stopped on drop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use starvit_gcp::GcpConfig;

/// A running local cloud. Dropping it runs `localcloud/down.sh`, also when the test panics.
pub struct Stack {
    dir: Option<tempfile::TempDir>,
    pub env: HashMap<String, String>,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack").field("env", &self.env).finish()
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether emulator tests must run (CI) or may be skipped when the stack cannot be installed.
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

impl Stack {
    /// Installs (idempotent) and starts the stack. Returns `None`, after printing why, when
    /// the emulators cannot be installed here and `CI` is not `true`; panics under CI.
    pub fn start_or_skip(test: &str) -> Option<Self> {
        let root = repo_root();
        if std::env::var("STARVIT_SKIP_EMULATORS").is_ok_and(|v| v == "1") && !required() {
            eprintln!("SKIPPED {test}: STARVIT_SKIP_EMULATORS=1");
            return None;
        }
        let install = Command::new(root.join("localcloud/install.sh"))
            .output()
            .expect("run localcloud/install.sh");
        if !install.status.success() {
            let why = String::from_utf8_lossy(&install.stderr);
            assert!(
                !required(),
                "CI=true and localcloud/install.sh failed:\n{why}"
            );
            eprintln!(
                "SKIPPED {test}: the local cloud is not installable here (set CI=true to make \
                 this a failure):\n{why}"
            );
            return None;
        }
        let parent = root.join("target/localcloud");
        std::fs::create_dir_all(&parent).expect("create target/localcloud");
        let dir = tempfile::Builder::new()
            .prefix(&format!("{test}-"))
            .tempdir_in(&parent)
            .expect("temp state dir");
        // From here on the guard exists, so a failed start is cleaned up too.
        let mut stack = Self {
            dir: Some(dir),
            env: HashMap::new(),
        };
        let up = Command::new(root.join("localcloud/up.sh"))
            .arg(stack.path())
            // If this process dies without unwinding (abort), up.sh's watchdog stops the stack.
            .env("LOCALCLOUD_OWNER_PID", std::process::id().to_string())
            .output()
            .expect("run localcloud/up.sh");
        assert!(
            up.status.success(),
            "localcloud/up.sh failed:\n{}",
            String::from_utf8_lossy(&up.stderr)
        );
        stack.env = parse_env(&std::fs::read_to_string(stack.path().join("env")).expect("env"));
        Some(stack)
    }

    fn path(&self) -> &Path {
        self.dir.as_ref().expect("state dir").path()
    }

    pub fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .map_or_else(|| panic!("{key} missing in env"), String::as_str)
    }

    pub fn config(&self) -> GcpConfig {
        GcpConfig::from_vars([
            ("GOOGLE_CLOUD_PROJECT", self.get("LOCALCLOUD_PROJECT")),
            ("STORAGE_EMULATOR_HOST", self.get("GCS_ENDPOINT")),
            ("PUBSUB_EMULATOR_HOST", self.get("PUBSUB_EMULATOR_HOST")),
            ("BIGQUERY_EMULATOR_HOST", self.get("BIGQUERY_ENDPOINT")),
        ])
        .expect("config")
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let Some(dir) = self.dir.take() else { return };
        let status = Command::new(repo_root().join("localcloud/down.sh"))
            .arg(dir.path())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!(
                "localcloud/down.sh {} failed: {status:?}",
                dir.path().display()
            );
        }
        if std::thread::panicking() {
            // Keep the logs of a failed run.
            let kept = dir.keep();
            eprintln!("emulator logs kept in {}", kept.display());
        }
    }
}

fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

/// Creates a bucket through the JSON API (bucket creation is gRPC-only in the Rust client).
pub async fn create_bucket(stack: &Stack, bucket: &str) {
    let url = format!(
        "{}/storage/v1/b?project={}",
        stack.get("GCS_ENDPOINT"),
        stack.get("LOCALCLOUD_PROJECT")
    );
    let response = reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({ "name": bucket }))
        .send()
        .await
        .expect("create bucket");
    assert!(
        response.status().is_success(),
        "create bucket: {}",
        response.status()
    );
}

/// Object metadata through the JSON API (metadata reads are gRPC-only in the Rust client).
pub async fn object_metadata(stack: &Stack, bucket: &str, name: &str) -> serde_json::Value {
    let name = name.replace('/', "%2F");
    let url = format!(
        "{}/storage/v1/b/{bucket}/o/{name}",
        stack.get("GCS_ENDPOINT")
    );
    reqwest::get(url)
        .await
        .expect("get object")
        .json()
        .await
        .expect("json")
}

/// Rows of a finished query job (`jobs.getQueryResults`), as the REST API returns them.
pub async fn query_rows(stack: &Stack, job_id: &str) -> serde_json::Value {
    let url = format!(
        "{}/bigquery/v2/projects/{}/queries/{job_id}",
        stack.get("BIGQUERY_ENDPOINT"),
        stack.get("LOCALCLOUD_PROJECT")
    );
    let body: serde_json::Value = reqwest::get(url)
        .await
        .expect("query results")
        .json()
        .await
        .expect("json");
    body["rows"].clone()
}
