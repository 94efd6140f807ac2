//! The export's people: the leak gate's index of the identifying values of every person of the
//! export (Patient, RelatedPerson, Practitioner, PractitionerRole, Person), so a line of any
//! file that holds a person's value (a patient's MRN as another resource's code or number) is
//! quarantined even when that person is not on the line.
//!
//! The export is known from its manifest `exports/<id>/_manifest.json`
//! ([`starvit_lineage::manifest`]), which `bulk-export` writes after every file landed. No
//! manifest yet = the export is still landing: [`Error::ExportNotLanded`] (Retry; Eventarc
//! redelivers with backoff until it is there). The people files it names are streamed line by
//! line (the engine's line limit) into one [`PeopleIndex`].
//!
//! Memory bound: the index is linear in the identifying values of the export's people: an FST
//! of their folded forms, ~10 bytes per distinct value (~150 bytes per synthesized person);
//! while reading, the builder holds a bounded set of values (a few MB), FST shards of the
//! rest and the tokens, and building merges the shards into the index: a peak of a few MB +
//! about twice the index ([`PeopleIndex::memory_bytes`], logged as `index_bytes`). Nothing
//! else is held but one line and one read buffer. The cache keeps the index of the last
//! export only (keyed by export and manifest generation), so the files of one
//! export build it once per process; an index still used by an in-flight event of an earlier
//! export lives until that event ends.
//!
//! Under a `[text]` policy the same pass also keeps each person's values as written
//! ([`PeopleWords`], linear in the same values): the DLP dictionary of each record.

use std::io::BufReader;
use std::sync::Arc;

use starvit_deid::gate::{PEOPLE_TYPES, PeopleIndex};
use starvit_dlp::PeopleWords;
use starvit_gcp::storage::StorageClient;
use starvit_lineage::manifest::{ExportManifest, manifest_name};
use tokio::sync::Mutex;
use tokio_util::io::SyncIoBridge;

use crate::error::Error;

/// Largest manifest read (tens of thousands of files fit; anything bigger is not ours).
const MANIFEST_MAX_BYTES: usize = 16 << 20;

/// The cache key: export id and the generation of its manifest.
type ExportKey = (String, i64);

/// The people of one export: the gate's index and, under a `[text]` policy, their words.
#[derive(Debug)]
pub struct ExportPeople {
    /// The leak gate's index.
    pub index: PeopleIndex,
    /// The DLP dictionaries (`None` without a `[text]` policy).
    pub words: Option<PeopleWords>,
}

/// The last export's people, keyed by [`ExportKey`].
#[derive(Debug, Default)]
pub struct PeopleCache {
    last: Mutex<Option<(ExportKey, Arc<ExportPeople>)>>,
    /// Also keep the people's words (a `[text]` policy).
    words: bool,
}

impl PeopleCache {
    /// A cache that also keeps the people's words when `words` (a `[text]` policy).
    #[must_use]
    pub fn new(words: bool) -> Self {
        Self {
            last: Mutex::default(),
            words,
        }
    }

    /// The people index of `export_id` in `bucket`: cached, or built from the manifest's people
    /// files. Concurrent events of one export wait for one build.
    ///
    /// # Errors
    /// [`Error::ExportNotLanded`] without a manifest, [`Error::ExportManifest`] when it is not
    /// one, storage and I/O errors reading the files.
    pub async fn index(
        &self,
        storage: &StorageClient,
        bucket: &str,
        export_id: &str,
    ) -> Result<Arc<ExportPeople>, Error> {
        let mut reader = match storage.read_live(bucket, &manifest_name(export_id)).await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Err(Error::ExportNotLanded),
            Err(e) => return Err(e.into()),
        };
        let key = (export_id.to_owned(), reader.generation());
        let mut last = self.last.lock().await;
        if let Some((k, index)) = last.as_ref()
            && *k == key
        {
            return Ok(Arc::clone(index));
        }
        *last = None;
        let mut body = Vec::new();
        while let Some(chunk) = reader.next_chunk().await {
            body.extend_from_slice(&chunk?);
            if body.len() > MANIFEST_MAX_BYTES {
                return Err(Error::ExportManifest);
            }
        }
        let manifest: ExportManifest =
            serde_json::from_slice(&body).map_err(|_| Error::ExportManifest)?;
        if manifest.export_id != export_id {
            return Err(Error::ExportManifest);
        }
        let index = Arc::new(build(storage, bucket, &manifest, self.words).await?);
        *last = Some((key, Arc::clone(&index)));
        Ok(index)
    }
}

/// Streams every people file of the manifest into one index.
async fn build(
    storage: &StorageClient,
    bucket: &str,
    manifest: &ExportManifest,
    keep_words: bool,
) -> Result<ExportPeople, Error> {
    let started = std::time::Instant::now();
    let mut builder = PeopleIndex::builder();
    let mut words = keep_words.then(PeopleWords::new);
    let mut files = 0_u64;
    for file in manifest.files_of(PEOPLE_TYPES) {
        let reader = storage.read_live(bucket, &file.object).await?;
        let source = SyncIoBridge::new(reader.into_async_read());
        (builder, words) = tokio::task::spawn_blocking(move || {
            let mut input = BufReader::with_capacity(256 << 10, source);
            let mut buf = Vec::with_capacity(64 << 10);
            starvit_deid::export::each_resource(&mut input, &mut buf, |v| {
                builder.add(v);
                if let Some(w) = words.as_mut() {
                    w.add(v);
                }
            })
            .map(|()| (builder, words))
            .map_err(|_| Error::Io { line: 0 })
        })
        .await
        .map_err(|_| Error::Task)??;
        files += 1;
    }
    let people = builder.people();
    let index = tokio::task::spawn_blocking(move || builder.build())
        .await
        .map_err(|_| Error::Task)?;
    tracing::info!(
        export_id = manifest.export_id,
        files,
        people,
        values = index.len(),
        index_bytes = index.memory_bytes(),
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "export people index built"
    );
    Ok(ExportPeople { index, words })
}
