//! `make demo KEEP=1`: the stack stays up after the run. The demo process keeps the functions,
//! the local Eventarc and the emulators running, records what it runs in `target/demo/keep/`
//! (its PID, the functions' PIDs, the stack's state dir) for `make demo-down`, prints commands
//! that work against the running stack, and stops everything on SIGTERM or Ctrl-C.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::chain::{
    Chain, DEID_BUCKET, DEID_EVENTS_TAP, EXPORT_TRIGGER_TOPIC, GOVERNANCE_DATASET, PHI_BUCKET,
    RELAY_SECRET,
};

/// Where the kept run is recorded (`make demo-down` reads it).
#[must_use]
pub fn dir() -> PathBuf {
    crate::repo_root().join("target/demo/keep")
}

/// The `bq` CLI's version line when it is installed (`bq version`), else `None`.
#[must_use]
pub fn bq_version() -> Option<String> {
    let out = Command::new("bq").arg("version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status
        .success()
        .then(|| text.lines().last().unwrap_or_default().trim().to_owned())
}

/// Copy-paste commands against the running stack: (what, command).
#[must_use]
pub fn commands(chain: &Chain, bq: Option<&str>) -> Vec<(String, String)> {
    let project = chain.stack.project();
    let gcs = chain.stack.var("GCS_ENDPOINT");
    let pubsub = chain.stack.var("PUBSUB_ENDPOINT");
    let bigquery = chain.stack.var("BIGQUERY_ENDPOINT");
    let lineage = format!("`{project}.{GOVERNANCE_DATASET}.lineage`");
    let mut out = Vec::new();
    let mut add = |what: &str, cmd: String| out.push((what.to_owned(), cmd));
    let query = |sql: &str| match bq {
        Some(_) => format!(
            "bq --api {bigquery} --project_id {project} --oauth_access_token=local query --nouse_legacy_sql '{sql}'"
        ),
        None => format!(
            "curl -sS -X POST {bigquery}/bigquery/v2/projects/{project}/queries -H 'content-type: application/json' \
             -d '{{\"useLegacySql\": false, \"timeoutMs\": 50000, \"query\": \"{}\"}}' | jq -c '.rows[].f | map(.v)'",
            sql.replace('"', "\\\"")
        ),
    };
    match bq {
        Some(_) => add(
            "BigQuery: the datasets",
            format!("bq --api {bigquery} --project_id {project} --oauth_access_token=local ls"),
        ),
        None => add(
            "BigQuery: the datasets",
            format!(
                "curl -sS {bigquery}/bigquery/v2/projects/{project}/datasets | jq -r '.datasets[].id'"
            ),
        ),
    }
    add(
        "BigQuery: lineage rows per export and stage",
        query(&format!(
            "SELECT export_job_id, stage, COUNT(*) AS n FROM {lineage} GROUP BY export_job_id, stage ORDER BY 1, 2"
        )),
    );
    add(
        "BigQuery: body weights from the patients view",
        query(&format!(
            "SELECT o.patient_id, o.value_quantity, o.unit FROM `{project}.deid_views.observations` AS o \
             WHERE o.code = \"29463-7\" LIMIT 5"
        )),
    );
    add(
        "GCS: the buckets",
        format!("curl -sS {gcs}/storage/v1/b | jq -r '.items[].name'"),
    );
    add(
        "GCS: the de-identified objects",
        format!(
            "curl -sS '{gcs}/storage/v1/b/{DEID_BUCKET}/o?prefix=exports/' | jq -r '.items[].name'"
        ),
    );
    add(
        "Pattern A: another full export (as Cloud Scheduler); its files appear in the PHI bucket, then down the chain",
        format!(
            "curl -sS -X POST {pubsub}/v1/projects/{project}/topics/{EXPORT_TRIGGER_TOPIC}:publish \
             -H 'content-type: application/json' -d '{{\"messages\": [{{\"data\": \"e30=\"}}]}}' \
             && sleep 20 && curl -sS '{gcs}/storage/v1/b/{PHI_BUCKET}/o?prefix=exports/_runs/' | jq -r '.items[].name'"
        ),
    );
    if let Some(relay) = &chain.relay {
        add(
            "Pattern B: a signed Subscription notification (an Observation of the export) to subscription-relay",
            format!(
                "body=\"$(head -n 1 target/demo/export/Observation.ndjson)\" && curl -sS -o /dev/null -w '%{{http_code}}\\n' \
                 -X POST {url} -H 'content-type: application/fhir+json' \
                 -H \"X-Signature: $(printf %s \"$body\" | openssl dgst -sha256 -hmac '{RELAY_SECRET}' -r | cut -d' ' -f1)\" \
                 --data-binary \"$body\"",
                url = relay.url()
            ),
        );
        add(
            "Pattern B: the de-identified event it published (attributes)",
            format!(
                "curl -sS -X POST {pubsub}/v1/projects/{project}/subscriptions/{DEID_EVENTS_TAP}:pull \
                 -H 'content-type: application/json' -d '{{\"maxMessages\": 10}}' | jq '.receivedMessages[].message.attributes'"
            ),
        );
    }
    out
}

/// The commands as text for a person: what, then the command, then a blank line.
#[must_use]
pub fn render(commands: &[(String, String)], bq: Option<&str>) -> String {
    let mut s = String::from(
        "The stack is still running (make demo KEEP=1). Commands that work against it:\n",
    );
    match bq {
        Some(version) => {
            let _ = writeln!(
                s,
                "(BigQuery through the bq CLI, {version}, with --api pointed at local-bigquery)"
            );
        }
        None => s.push_str(
            "(BigQuery through curl on the REST API: the bq CLI is not installed here)\n",
        ),
    }
    s.push('\n');
    for (what, cmd) in commands {
        let _ = writeln!(s, "# {what}\n{cmd}\n");
    }
    s.push_str("Stop everything: make demo-down\n");
    s
}

/// Records the kept run for `make demo-down`: `demo.pid`, `pids` (`name pid` per function),
/// `stack_dir`, `commands.sh`; `ready` last.
///
/// # Errors
/// File failures.
pub fn record(chain: &Chain, dir: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("demo.pid"), format!("{}\n", std::process::id()))?;
    let mut pids = String::new();
    let mut services = vec![&chain.deidentify, &chain.bq_load];
    services.extend(chain.graph.as_ref().map(|g| &g.service));
    services.extend(chain.bulk_export.as_ref());
    services.extend(chain.relay.as_ref());
    for service in services {
        if let Some(pid) = service.pid() {
            let _ = writeln!(pids, "{} {pid}", service.name());
        }
    }
    std::fs::write(dir.join("pids"), pids)?;
    std::fs::write(
        dir.join("stack_dir"),
        format!("{}\n", chain.stack.dir().display()),
    )?;
    std::fs::write(dir.join("commands.sh"), text)?;
    std::fs::write(dir.join("ready"), "")?;
    Ok(())
}

/// Waits for SIGTERM (`make demo-down`) or Ctrl-C.
///
/// # Errors
/// When the signal handler cannot be installed.
pub async fn until_stopped() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
