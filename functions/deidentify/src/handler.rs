//! The handler: PHI object finalized → de-identified object in the de-ID bucket.

use std::io::{BufReader, BufWriter, Write as _};
use std::sync::Arc;

use starvit_approval::ApprovalCheck;
use starvit_deid::gate::PeopleIndex;
use starvit_deid::{Engine, NdjsonQuarantine, Summary};
use starvit_dlp::{DlpClient, DlpConfig};
use starvit_gcp::storage::{StorageClient, WriteAttrs, WriteOutcome};
use starvit_gcp::{GcpConfig, GcpError};
use starvit_lineage::{
    DeidRunId, Generation, Lineage, PipelineName, PolicyVersion, SourceBucket, SourceObject,
    StageName,
};
use starvit_runtime::disposition::Counts;
use starvit_runtime::payload::StorageObjectData;
use starvit_runtime::vars::Vars;
use starvit_runtime::{Event, Function, Outcome, Service, Setting};
use tokio_util::io::SyncIoBridge;

use crate::config::{Config, SERVICE, SETTINGS};
use crate::error::Error;
use crate::naming;
use crate::people::{ExportPeople, PeopleCache};

/// What the function holds between events: settings, the compiled engine, the storage client.
#[derive(Debug)]
pub struct Context {
    phi_bucket: String,
    deid_bucket: String,
    quarantine_bucket: String,
    pipeline: String,
    spool_dir: Option<std::path::PathBuf>,
    engine: Arc<Engine>,
    storage: StorageClient,
    people: PeopleCache,
    approval: ApprovalCheck,
    /// Cloud DLP for the free text of a `[text]` policy (`None`: no text elements).
    dlp: Option<Arc<DlpClient>>,
}

impl Context {
    /// Builds the context once at start-up.
    ///
    /// # Errors
    /// When the storage client cannot be built.
    pub async fn new(config: Config, gcp: &GcpConfig) -> Result<Self, GcpError> {
        let storage = StorageClient::new(gcp).await?;
        let Config {
            phi_bucket,
            deid_bucket,
            quarantine_bucket,
            policy,
            key,
            approval_bucket,
            dlp,
            pipeline,
            spool_dir,
        } = config;
        let dlp = dlp.map(|target| {
            let mut config = DlpConfig::new(target.endpoint.clone(), target.parent.clone());
            config.metadata_token = target.is_google();
            Arc::new(DlpClient::new(config))
        });
        let approval = ApprovalCheck::new(approval_bucket, policy.version());
        let engine = Arc::new(Engine::new(policy, &key));
        Ok(Self {
            phi_bucket,
            deid_bucket,
            quarantine_bucket,
            pipeline,
            spool_dir,
            engine,
            storage,
            people: PeopleCache::new(dlp.is_some()),
            approval,
            dlp,
        })
    }

    /// The policy version stamped on everything this context writes.
    #[must_use]
    pub fn policy_version(&self) -> &str {
        self.engine.policy().version()
    }
}

impl Service for Context {
    const NAME: &'static str = SERVICE;
    const SETTINGS: &'static [Setting] = SETTINGS;

    async fn build(vars: Vars) -> Result<Self, Box<dyn std::error::Error>> {
        let config = Config::from_vars(vars.pairs())?;
        let gcp = GcpConfig::from_vars(vars.pairs())?;
        let context = Self::new(config, &gcp).await?;
        tracing::info!(
            policy_version = context.policy_version(),
            "deidentify ready"
        );
        Ok(context)
    }
}

impl Function for Context {
    type Input = Event<StorageObjectData>;
    type Error = Error;

    fn handle(
        &self,
        event: Event<StorageObjectData>,
    ) -> impl std::future::Future<Output = Result<Outcome, Error>> + Send {
        handle(self, event)
    }
}

/// De-identifies the object named by the event.
///
/// Skips objects of other buckets, non-NDJSON objects and objects outside an export directory
/// `exports/<id>/` (only an export has a manifest naming its people, which the leak gate
/// needs). Idempotent: see the crate docs.
///
/// # Errors
/// [`Error`], classified Retry (storage 5xx/429, I/O, export still landing, policy version not
/// approved) or Drop (poison, gone, bad manifest).
pub async fn handle(ctx: &Context, event: Event<StorageObjectData>) -> Result<Outcome, Error> {
    let object = event.data;
    if object.bucket != ctx.phi_bucket {
        return Ok(Outcome::skipped("foreign_bucket"));
    }
    if !naming::is_ndjson(&object.name) {
        return Ok(Outcome::skipped("not_ndjson"));
    }
    let Some(export_id) = starvit_lineage::manifest::export_of(&object.name) else {
        return Ok(Outcome::skipped("outside_export"));
    };
    // Nothing is read or written under a policy version nobody approved (Retry until it is).
    ctx.approval.require(&ctx.storage).await?;
    let people = ctx
        .people
        .index(&ctx.storage, &object.bucket, export_id)
        .await?;
    let version = ctx.policy_version().to_owned();
    let lineage = lineage_for(ctx, &object, &version)?;
    let output_name = naming::output_name(&object.name, object.generation, &version);

    let spooled = run_engine(ctx, &object, &version, people).await?;
    let totals = spooled.summary.totals();
    let texts = spooled.summary.texts;
    let created = upload(ctx, &object, &version, &output_name, &lineage, &spooled).await?;
    tracing::info!(
        object = %object.name,
        generation = object.generation,
        lines = spooled.summary.lines,
        output = totals.output,
        dropped = totals.dropped,
        quarantined = totals.quarantined,
        texts_kept = texts.kept,
        texts_dropped = texts.dropped(),
        created,
        "de-identified"
    );
    Ok(Outcome::done_with(
        Counts::new()
            .with("lines", spooled.summary.lines)
            .with("output", totals.output)
            .with("dropped", totals.dropped)
            .with("quarantined", totals.quarantined)
            .with("texts_kept", texts.kept)
            .with("texts_dropped", texts.dropped())
            .with("created", created),
    ))
}

/// Streams exactly the event's generation through the engine on a blocking thread into spool
/// files; a leak gate or serialisation failure is recorded as a rejection first.
async fn run_engine(
    ctx: &Context,
    object: &StorageObjectData,
    version: &str,
    people: Arc<ExportPeople>,
) -> Result<Spooled, Error> {
    let reader = ctx
        .storage
        .read_at_generation(&object.bucket, &object.name, object.generation)
        .await?;
    let source = SyncIoBridge::new(reader.into_async_read());
    let engine = Arc::clone(&ctx.engine);
    let spool_dir = ctx.spool_dir.clone();
    let run = match &ctx.dlp {
        Some(dlp) => crate::text::deidentify_with_dlp(engine, people, dlp, source, spool_dir).await,
        None => tokio::task::spawn_blocking(move || {
            deidentify_to_spool(&engine, &people.index, source, spool_dir.as_deref())
        })
        .await
        .map_err(|_| Error::Task)?,
    };
    match run {
        Ok(spooled) => Ok(spooled),
        Err(err) => {
            if matches!(err, Error::LeakGate { .. } | Error::Serialize { .. }) {
                record_rejection(ctx, object, version, &err).await?;
            }
            Err(err)
        }
    }
}

/// Uploads the quarantine (PHI side) and the output (de-ID bucket), create-only; returns 1 when
/// the output was created now, 0 when it existed or was empty.
async fn upload(
    ctx: &Context,
    object: &StorageObjectData,
    version: &str,
    output_name: &str,
    lineage: &Lineage,
    spooled: &Spooled,
) -> Result<u64, Error> {
    let totals = spooled.summary.totals();
    let attrs = WriteAttrs {
        content_type: Some("application/x-ndjson".into()),
        metadata: lineage.to_object_metadata(),
    };
    if totals.quarantined > 0 {
        let name = naming::quarantine_name(&object.name, object.generation, version);
        ctx.storage
            .write_file_create_only(
                &ctx.quarantine_bucket,
                &name,
                spooled.quarantine.path(),
                &attrs,
            )
            .await?;
    }
    if totals.output == 0 {
        return Ok(0);
    }
    let outcome = ctx
        .storage
        .write_file_create_only(&ctx.deid_bucket, output_name, spooled.output.path(), &attrs)
        .await?;
    Ok(u64::from(matches!(outcome, WriteOutcome::Created(_))))
}

/// The spooled results of one run: output and quarantine files (deleted on drop).
#[derive(Debug)]
pub struct Spooled {
    /// What the engine did.
    pub summary: Summary,
    /// The de-identified NDJSON.
    pub output: tempfile::NamedTempFile,
    /// The quarantined lines (PHI side).
    pub quarantine: tempfile::NamedTempFile,
}

/// The two spool files (output, quarantine) of one run.
pub(crate) fn spool_files(
    spool_dir: Option<&std::path::Path>,
) -> Result<(tempfile::NamedTempFile, tempfile::NamedTempFile), Error> {
    let spool = || match spool_dir {
        Some(dir) => tempfile::NamedTempFile::new_in(dir),
        None => tempfile::NamedTempFile::new(),
    };
    let output = spool().map_err(|_| Error::Io { line: 0 })?;
    let quarantine = spool().map_err(|_| Error::Io { line: 0 })?;
    Ok((output, quarantine))
}

/// Runs the engine on a blocking thread: source stream → spool files. Constant memory beyond
/// the export's people index.
fn deidentify_to_spool(
    engine: &Engine,
    people: &PeopleIndex,
    source: impl std::io::Read,
    spool_dir: Option<&std::path::Path>,
) -> Result<Spooled, Error> {
    let (output, quarantine) = spool_files(spool_dir)?;
    let input = BufReader::with_capacity(256 << 10, source);
    let out = BufWriter::with_capacity(
        256 << 10,
        output.reopen().map_err(|_| Error::Io { line: 0 })?,
    );
    let mut q = NdjsonQuarantine::new(BufWriter::new(
        quarantine.reopen().map_err(|_| Error::Io { line: 0 })?,
    ));
    let summary = engine
        .deid_stream(input, out, &mut q, Some(people))
        .map_err(|e| Error::from_deid(&e, 0))?;
    q.into_inner().flush().map_err(|_| Error::Io {
        line: summary.lines,
    })?;
    Ok(Spooled {
        summary,
        output,
        quarantine,
    })
}

/// The lineage stamped on the outputs: source lineage (export job id) plus this stage's ids.
fn lineage_for(ctx: &Context, object: &StorageObjectData, version: &str) -> Result<Lineage, Error> {
    let source = if object
        .metadata
        .keys()
        .any(|k| k.starts_with(starvit_lineage::kv::METADATA_PREFIX))
    {
        Some(Lineage::from_object_metadata(&object.metadata)?)
    } else {
        None
    };
    let mut lineage = Lineage::new(StageName::new(SERVICE)?);
    let (export_job_id, export_time) =
        source.map_or((None, None), |s| (s.export_job_id, s.export_time));
    lineage.export_job_id = export_job_id;
    lineage.export_time = export_time;
    lineage.pipeline = Some(PipelineName::new(ctx.pipeline.clone())?);
    lineage.source_bucket = Some(SourceBucket::new(object.bucket.clone())?);
    lineage.source_object = Some(SourceObject::new(object.name.clone())?);
    lineage.source_generation = Some(Generation::new(object.generation)?);
    lineage.deid_policy_version = Some(PolicyVersion::new(version)?);
    lineage.deid_run_id = Some(DeidRunId::new(naming::run_id(
        &object.bucket,
        &object.name,
        object.generation,
        version,
    ))?);
    Ok(lineage)
}

/// Records, on the PHI side, that a file failed closed. Reason and position only, no content.
async fn record_rejection(
    ctx: &Context,
    object: &StorageObjectData,
    version: &str,
    err: &Error,
) -> Result<(), Error> {
    let record = format!(
        "{{\"source_object\":{:?},\"generation\":{},\"policy_version\":{:?},\"reason\":{:?},\"detail\":{:?}}}\n",
        object.name,
        object.generation,
        version,
        starvit_runtime::Classify::code(err),
        err.to_string(),
    );
    let name = naming::rejection_name(&object.name, object.generation, version);
    let attrs = WriteAttrs {
        content_type: Some("application/json".into()),
        ..WriteAttrs::default()
    };
    ctx.storage
        .write_bytes_create_only(&ctx.quarantine_bucket, &name, record.into(), &attrs)
        .await?;
    Ok(())
}
