//! The handler: one trigger message -> (start or resume) an `$export` -> every NDJSON file of its
//! manifest in the PHI staging bucket.
//!
//! Trigger: `google.cloud.pubsub.topic.v1.messagePublished` (Cloud Scheduler publishes to the
//! trigger topic). The message data is `{}` (a full export of the configured types),
//! `{"incremental": true}` (`_since` the cursor, [`crate::cursor`]) or `{"since": "<FHIR
//! instant>"}`. `_since` is inclusive, so the same resource version can arrive twice: `bq-load`
//! dedupes on id + versionId. After the last file has landed the cursor moves to the export's
//! `transactionTime`.
//!
//! Idempotency and long exports: the first delivery kicks off the export and records its status
//! URL create-only ([`crate::record`]); every delivery (the first included) follows that export
//! for at most `STARVIT_EXPORT_POLL_BUDGET_SECS`, then answers Retry (`export_in_progress`) so
//! Eventarc redelivers and the next delivery resumes. Files are written create-only under names
//! fixed by the export id and the manifest order, so a redelivery after a crash writes only what
//! is missing. Landing has a budget too (`STARVIT_EXPORT_LAND_BUDGET_SECS` from the delivery's
//! start): then the delivery stops after the part in hand and answers Retry (`export_landing`),
//! and the redelivery resumes each file after its landed parts with a `Range` request
//! ([`crate::resume`]), so a file of any size lands over as many deliveries as it needs. A server-side failure is Drop (`export_failed`): the next trigger starts afresh.
//!
//! Files are streamed to a spool file and uploaded from it (the storage client needs a seekable
//! payload of known size); memory stays bounded whatever the file size. The manifest's
//! `OperationOutcome` files are counted, not copied.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Deserialize;
use starvit_gcp::storage::{WriteAttrs, WriteOutcome};
use starvit_runtime::payload::MessagePublishedData;
use starvit_runtime::payload::pubsub::MESSAGE_PUBLISHED;
use starvit_runtime::{Event, Function, Outcome};
use url::Url;

use crate::context::Context;
use crate::error::Error;
use crate::fhir::{Manifest, Status};
use crate::record::{self, RunRecord};

impl Function for Context {
    type Input = Event<MessagePublishedData>;
    type Error = Error;

    async fn handle(&self, event: Event<MessagePublishedData>) -> Result<Outcome, Error> {
        handle(self, event).await
    }
}

/// The trigger message's data.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trigger {
    /// `_since` of an incremental export.
    #[serde(default)]
    since: Option<String>,
    /// Export `_since` the cursor.
    #[serde(default)]
    incremental: bool,
}

/// A FHIR instant: `YYYY-MM-DDThh:mm:ss[.fff]` followed by `Z` or `±hh:mm`.
fn instant_ok(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        && s.len() <= 35
        && s.as_bytes().get(10) == Some(&b'T')
}

impl Trigger {
    fn parse(data: &[u8]) -> Result<Self, Error> {
        if data.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let trigger: Trigger = serde_json::from_slice(data)
            .map_err(|_| Error::Trigger("data is not a trigger request"))?;
        if trigger.since.as_deref().is_some_and(|s| !instant_ok(s)) {
            return Err(Error::Trigger("since is not a FHIR instant"));
        }
        if trigger.incremental && trigger.since.is_some() {
            return Err(Error::Trigger("since and incremental exclude each other"));
        }
        Ok(trigger)
    }
}

/// Handle one trigger delivery.
///
/// # Errors
/// [`Error`], classified Retry/Drop.
pub async fn handle(ctx: &Context, event: Event<MessagePublishedData>) -> Result<Outcome, Error> {
    let started = Instant::now();
    if event.ty != MESSAGE_PUBLISHED {
        return Ok(Outcome::skipped("not_a_message_published_event"));
    }
    let message = &event.data.message;
    let trigger = Trigger::parse(&message.data)?;
    let record_name = record::record_name(&message.message_id);
    let run = match load_record(ctx, &record_name).await? {
        Some(run) => run,
        None => {
            let since = if trigger.incremental {
                crate::cursor::read(&ctx.storage, &ctx.config.phi_bucket)
                    .await?
                    .map(|(c, _)| c.transaction_time)
            } else {
                trigger.since
            };
            start(ctx, &record_name, since).await?
        }
    };
    let status_url = Url::parse(&run.status_url).map_err(|_| Error::RunRecord)?;
    let manifest = follow(ctx, &status_url).await?;
    crate::land::land(ctx, &run, &manifest, started + ctx.config.land_budget).await
}

async fn load_record(ctx: &Context, name: &str) -> Result<Option<RunRecord>, Error> {
    Ok(
        record::read_state(&ctx.storage, &ctx.config.phi_bucket, name)
            .await?
            .map(|(run, _)| run),
    )
}

/// Kick off the export and record it; a concurrent duplicate that recorded first wins.
async fn start(
    ctx: &Context,
    record_name: &str,
    since: Option<String>,
) -> Result<RunRecord, Error> {
    let status_url = ctx
        .fhir
        .kickoff(&ctx.config.types, since.as_deref())
        .await?;
    let run = RunRecord {
        status_url: status_url.to_string(),
        export_id: record::export_id(&status_url),
        types: ctx.config.types.clone(),
        since,
    };
    let body = serde_json::to_vec(&run).map_err(|_| Error::RunRecord)?;
    let attrs = WriteAttrs {
        content_type: Some("application/json".to_owned()),
        metadata: BTreeMap::new(),
    };
    match ctx
        .storage
        .write_bytes_create_only(
            &ctx.config.phi_bucket,
            record_name,
            Bytes::from(body),
            &attrs,
        )
        .await
        .map_err(Error::Storage)?
    {
        WriteOutcome::Created(_) => {
            tracing::info!(
                export_id = run.export_id,
                types = run.types.len(),
                "export kicked off"
            );
            Ok(run)
        }
        WriteOutcome::AlreadyExists => {
            tracing::warn!("a concurrent delivery started this trigger's export; cancelling ours");
            ctx.fhir.cancel(&status_url).await;
            load_record(ctx, record_name).await?.ok_or(Error::RunRecord)
        }
    }
}

/// Poll until the manifest, within this delivery's budget.
async fn follow(ctx: &Context, status_url: &Url) -> Result<Manifest, Error> {
    let deadline = Instant::now() + ctx.config.poll_budget;
    let mut backoff = Duration::from_secs(1);
    loop {
        match ctx.fhir.status(status_url).await? {
            Status::Complete(manifest) => return Ok(manifest),
            Status::Running(retry_after) => {
                let pause = retry_after.unwrap_or(backoff).min(ctx.config.poll_max);
                if Instant::now() + pause > deadline {
                    return Err(Error::InProgress);
                }
                tokio::time::sleep(pause).await;
                backoff = (backoff * 2).min(ctx.config.poll_max);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers() {
        assert!(Trigger::parse(b"").unwrap().since.is_none());
        assert!(Trigger::parse(b"  \n").unwrap().since.is_none());
        assert!(
            Trigger::parse(b"{\"incremental\":true}")
                .unwrap()
                .incremental
        );
        assert_eq!(
            Trigger::parse(br#"{"since":"2026-11-24T02:19:27.875Z"}"#)
                .unwrap()
                .since
                .as_deref(),
            Some("2026-11-24T02:19:27.875Z")
        );
        for bad in [
            &br#"{"since":"yesterday"}"#[..],
            br#"{"since":"2026-11-24"}"#,
            br#"{"types":["ClientApplication"]}"#,
            br#"{"incremental":true,"since":"2026-11-24T02:19:27.875Z"}"#,
            b"not json",
        ] {
            assert!(Trigger::parse(bad).is_err());
        }
    }
}
