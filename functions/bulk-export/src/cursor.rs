//! The incremental cursor `exports/_cursor.json` (PHI bucket): the `transactionTime` of the
//! newest export that landed completely. An `{"incremental": true}` trigger exports `_since` it
//! (a full export when there is none yet). The cursor moves only after every file of an export
//! has landed, only forwards, and by a generation-matched write, so two exports finishing
//! together cannot move it backwards. `_since` is inclusive: the boundary version can arrive
//! twice, and `bq-load` dedupes it on id + versionId.

use bytes::Bytes;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use starvit_gcp::storage::{StorageClient, WriteAttrs, WriteOutcome};

use crate::error::Error;

/// Object name of the cursor.
pub const CURSOR_OBJECT: &str = "exports/_cursor.json";

/// The cursor's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// `transactionTime` of the export.
    pub transaction_time: String,
    /// The export it came from.
    pub export_id: String,
}

fn time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// The cursor and its generation, if there is one.
///
/// # Errors
/// Storage failures; a cursor that does not parse is [`Error::RunRecord`] (Drop: a person must
/// look at it rather than an export silently starting from nothing).
pub async fn read(storage: &StorageClient, bucket: &str) -> Result<Option<(Cursor, i64)>, Error> {
    let Some((cursor, generation)) =
        crate::record::read_state::<Cursor>(storage, bucket, CURSOR_OBJECT).await?
    else {
        return Ok(None);
    };
    if time(&cursor.transaction_time).is_none() {
        return Err(Error::RunRecord);
    }
    Ok(Some((cursor, generation)))
}

/// Move the cursor to `next` if it is newer than the live one. Returns whether it moved.
///
/// # Errors
/// Storage failures.
pub async fn advance(storage: &StorageClient, bucket: &str, next: &Cursor) -> Result<bool, Error> {
    let Some(next_time) = time(&next.transaction_time) else {
        return Ok(false);
    };
    for _ in 0..3 {
        let current = read(storage, bucket).await?;
        let generation = match &current {
            Some((c, _)) if time(&c.transaction_time).is_some_and(|t| t >= next_time) => {
                return Ok(false);
            }
            Some((_, g)) => *g,
            None => 0,
        };
        let body = serde_json::to_vec(next).map_err(|_| Error::RunRecord)?;
        let attrs = WriteAttrs {
            content_type: Some("application/json".to_owned()),
            ..WriteAttrs::default()
        };
        match storage
            .write_if_generation(bucket, CURSOR_OBJECT, Bytes::from(body), &attrs, generation)
            .await
            .map_err(Error::Storage)?
        {
            WriteOutcome::Created(_) => return Ok(true),
            // Someone moved it meanwhile: look again.
            WriteOutcome::AlreadyExists => {}
        }
    }
    Ok(false)
}
