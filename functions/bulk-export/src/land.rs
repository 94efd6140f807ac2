//! Landing a finished export: every wanted file of the manifest streamed into the PHI bucket in
//! parts ([`crate::parts`]: each uploaded create-only as soon as it is sealed, so one part is on
//! disk at a time), then `_manifest.json` (what landed, one entry per part, without URLs) and the
//! cursor.

use bytes::Bytes;
use starvit_gcp::storage::{WriteAttrs, WriteOutcome};
use starvit_lineage::manifest::{ExportManifest, ManifestFile, PartOf, manifest_name};
use starvit_lineage::{ExportJobId, ExportTime, Lineage, PipelineName, StageName};
use starvit_runtime::Outcome;
use starvit_runtime::disposition::Counts;

use crate::config::SERVICE;
use crate::context::Context;
use crate::error::Error;
use crate::fhir::{Manifest, OutputFile};
use crate::parts::{Part, Splitter};
use crate::record::{self, RunRecord};

/// Stream every wanted file of the manifest into the PHI bucket, then write `_manifest.json`.
pub(crate) async fn land(
    ctx: &Context,
    run: &RunRecord,
    manifest: &Manifest,
) -> Result<Outcome, Error> {
    let mut lineage = Lineage::new(StageName::new(SERVICE)?);
    lineage.export_job_id = Some(ExportJobId::new(run.export_id.as_str())?);
    lineage.export_time = Some(ExportTime::new(manifest.transaction_time.as_str())?);
    lineage.pipeline = Some(PipelineName::new(ctx.config.pipeline.as_str())?);
    let attrs = WriteAttrs {
        content_type: Some("application/x-ndjson".to_owned()),
        metadata: lineage.to_object_metadata(),
    };
    let (planned, skipped) = record::plan(manifest, run);
    let mut files = Vec::new();
    let mut tally = Tally::default();
    for (source_file, file) in planned {
        let parts = copy_file(ctx, manifest, run, file, &source_file, &attrs, &mut tally).await?;
        files.extend(parts);
    }
    if !skipped.is_empty() {
        tracing::warn!(
            files = skipped.len(),
            "the manifest names types that were not asked for; not copied"
        );
    }
    if !manifest.error.is_empty() {
        tracing::warn!(
            error_files = manifest.error.len(),
            "the export reports OperationOutcome files"
        );
    }
    let landed = ExportManifest {
        export_id: run.export_id.clone(),
        transaction_time: manifest.transaction_time.clone(),
        since: run.since.clone(),
        types: run.types.clone(),
        files,
        skipped_types: skipped.clone(),
        error_files: manifest.error.len(),
    };
    finish(ctx, run, manifest, &landed, &lineage, &tally).await
}

/// Files landed by one delivery.
#[derive(Debug, Default)]
struct Tally {
    created: u64,
    existing: u64,
    bytes: u64,
}

/// One manifest file: streamed through the [`Splitter`]; each sealed part uploaded create-only
/// before the download goes on. Returns the manifest entries of its parts.
async fn copy_file(
    ctx: &Context,
    manifest: &Manifest,
    run: &RunRecord,
    file: &OutputFile,
    source_file: &str,
    attrs: &WriteAttrs,
    tally: &mut Tally,
) -> Result<Vec<ManifestFile>, Error> {
    let mut download = ctx.fhir.open(file, manifest.requires_access_token).await?;
    let mut splitter = Splitter::new(ctx.config.part_bytes, ctx.config.spool_dir.as_deref());
    let mut landed = Vec::new();
    while let Some(chunk) = download.chunk().await? {
        for part in splitter.push(&chunk).map_err(Error::Spool)? {
            landed.push(upload_part(ctx, run, file, source_file, part, attrs, tally).await?);
        }
    }
    if let Some(part) = splitter.finish().map_err(Error::Spool)? {
        landed.push(upload_part(ctx, run, file, source_file, part, attrs, tally).await?);
    }
    Ok(landed)
}

/// One sealed part into the PHI bucket, create-only (412 = landed by an earlier delivery), with
/// its part lineage in the metadata.
async fn upload_part(
    ctx: &Context,
    run: &RunRecord,
    file: &OutputFile,
    source_file: &str,
    part: Part,
    attrs: &WriteAttrs,
    tally: &mut Tally,
) -> Result<ManifestFile, Error> {
    let object = record::part_name(&run.export_id, source_file, part.index);
    let of = PartOf {
        source_file: source_file.to_owned(),
        index: part.index,
        first_line: part.first_line,
        last_line: part.last_line,
    };
    let mut attrs = attrs.clone();
    attrs.metadata.extend(of.to_object_metadata());
    let outcome = ctx
        .storage
        .write_file_create_only(&ctx.config.phi_bucket, &object, part.spool.path(), &attrs)
        .await
        .map_err(Error::Storage)?;
    match outcome {
        WriteOutcome::Created(_) => tally.created += 1,
        WriteOutcome::AlreadyExists => tally.existing += 1,
    }
    tally.bytes += part.bytes;
    Ok(ManifestFile {
        ty: file.ty.clone(),
        object,
        bytes: Some(part.bytes),
        count: file.count,
        part: Some(of),
    })
}

/// `_manifest.json`, then the cursor; the outcome's counts.
async fn finish(
    ctx: &Context,
    run: &RunRecord,
    manifest: &Manifest,
    landed: &ExportManifest,
    lineage: &Lineage,
    tally: &Tally,
) -> Result<Outcome, Error> {
    let body = serde_json::to_vec_pretty(landed).map_err(|_| Error::RunRecord)?;
    ctx.storage
        .write_bytes_create_only(
            &ctx.config.phi_bucket,
            &manifest_name(&run.export_id),
            Bytes::from(body),
            &WriteAttrs {
                content_type: Some("application/json".to_owned()),
                metadata: lineage.to_object_metadata(),
            },
        )
        .await
        .map_err(Error::Storage)?;
    let moved = crate::cursor::advance(
        &ctx.storage,
        &ctx.config.phi_bucket,
        &crate::cursor::Cursor {
            transaction_time: manifest.transaction_time.clone(),
            export_id: run.export_id.clone(),
        },
    )
    .await?;
    tracing::info!(
        export_id = run.export_id,
        created = tally.created,
        existing = tally.existing,
        bytes = tally.bytes,
        cursor_moved = moved,
        "export landed in the PHI bucket"
    );
    Ok(Outcome::done_with(
        Counts::new()
            .with("files_created", tally.created)
            .with("files_existing", tally.existing)
            .with("bytes", tally.bytes)
            .with("skipped_files", landed.skipped_types.len() as u64)
            .with("error_files", manifest.error.len() as u64),
    ))
}
