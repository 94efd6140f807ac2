//! Landing a finished export: every wanted file of the manifest streamed into the PHI bucket in
//! parts ([`crate::parts`]: each uploaded create-only as soon as it is sealed, so one part is on
//! disk at a time), each file resumed after the parts earlier deliveries landed
//! ([`crate::resume`]), within the delivery's landing budget; then `_manifest.json` (what
//! landed, one entry per part, without URLs) and the cursor.

use std::time::Instant;

use bytes::Bytes;
use starvit_gcp::storage::{WriteAttrs, WriteOutcome};
use starvit_lineage::manifest::{ExportManifest, ManifestFile, PartBytes, PartOf, manifest_name};
use starvit_lineage::{ExportJobId, ExportTime, Lineage, PipelineName, StageName};
use starvit_runtime::Outcome;
use starvit_runtime::disposition::Counts;

use crate::config::SERVICE;
use crate::context::Context;
use crate::error::Error;
use crate::fhir::{Download, Manifest, OutputFile};
use crate::parts::{Part, Splitter};
use crate::record::{self, RunRecord};
use crate::resume::{self, Boundary};

/// Stream every wanted file of the manifest into the PHI bucket, then write `_manifest.json`.
/// Parts are landed until `deadline`, then at the next part boundary the delivery answers
/// Retry ([`Error::LandBudget`]) and the redelivery resumes there ([`crate::resume`]).
pub(crate) async fn land(
    ctx: &Context,
    run: &RunRecord,
    manifest: &Manifest,
    deadline: Instant,
) -> Result<Outcome, Error> {
    let mut lineage = Lineage::new(StageName::new(SERVICE)?);
    lineage.export_job_id = Some(ExportJobId::new(run.export_id.as_str())?);
    lineage.export_time = Some(ExportTime::new(manifest.transaction_time.as_str())?);
    lineage.pipeline = Some(PipelineName::new(ctx.config.pipeline.as_str())?);
    let mut landing = Landing {
        ctx,
        run,
        with_token: manifest.requires_access_token,
        deadline,
        attrs: WriteAttrs {
            content_type: Some("application/x-ndjson".to_owned()),
            metadata: lineage.to_object_metadata(),
        },
        tally: Tally::default(),
    };
    let (planned, skipped) = record::plan(manifest, run);
    let mut files = Vec::new();
    for (source_file, file) in planned {
        files.extend(landing.file(file, &source_file).await?);
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
    finish(ctx, run, manifest, &landed, &lineage, &landing.tally).await
}

/// Parts landed by one delivery.
#[derive(Debug, Default)]
struct Tally {
    created: u64,
    existing: u64,
    /// Parts found landed by earlier deliveries (not fetched again).
    resumed: u64,
    bytes: u64,
    /// Body bytes received from the FHIR server.
    downloaded: u64,
}

/// One delivery landing the files of an export.
struct Landing<'a> {
    ctx: &'a Context,
    run: &'a RunRecord,
    with_token: bool,
    deadline: Instant,
    attrs: WriteAttrs,
    tally: Tally,
}

impl Landing<'_> {
    /// One manifest file: resumed after its landed parts ([`resume::landed`]), the rest
    /// streamed through the [`Splitter`]; each sealed part uploaded create-only before the
    /// download goes on. Returns the manifest entries of all its parts.
    async fn file(
        &mut self,
        file: &OutputFile,
        source_file: &str,
    ) -> Result<Vec<ManifestFile>, Error> {
        let landed = resume::landed(self.ctx, self.run, file, source_file).await?;
        self.tally.resumed += landed.entries.len() as u64;
        let mut entries = landed.entries;
        if landed.complete {
            return Ok(entries);
        }
        self.check_budget()?;
        let (tail, digest) = landed.tail.unwrap_or_default();
        let from = landed.offset - tail;
        let mut download = self.ctx.fhir.open(file, self.with_token, from).await?;
        let config = &self.ctx.config;
        let splitter = Splitter::new(config.part_bytes, config.spool_dir.as_deref()).starting_at(
            landed.next_index,
            landed.next_line,
            landed.offset,
        );
        let boundary = Boundary::new(tail, digest);
        let result = self
            .stream(
                file,
                source_file,
                &mut download,
                boundary,
                splitter,
                &mut entries,
            )
            .await;
        self.tally.downloaded += download.received();
        tracing::info!(
            source_file,
            from_byte = from,
            resumed_parts = landed.next_index,
            ranged = download.ranged(),
            received = download.received(),
            landed = result.is_ok(),
            "file download ended"
        );
        result.map(|()| entries)
    }

    /// The rest of a file: checked against the boundary, cut, each part uploaded as it is
    /// sealed; stops at a part boundary once the budget is spent.
    async fn stream(
        &mut self,
        file: &OutputFile,
        source_file: &str,
        download: &mut Download,
        mut boundary: Boundary,
        mut splitter: Splitter,
        entries: &mut Vec<ManifestFile>,
    ) -> Result<(), Error> {
        while let Some(chunk) = download.chunk().await? {
            for part in splitter
                .push(boundary.take(&chunk)?)
                .map_err(Error::Spool)?
            {
                entries.push(self.upload(file, source_file, part).await?);
                self.check_budget()?;
            }
        }
        boundary.finish()?;
        if let Some(part) = splitter.finish().map_err(Error::Spool)? {
            entries.push(self.upload(file, source_file, part).await?);
        }
        Ok(())
    }

    /// Retry once the budget is spent and this delivery landed a part (so every delivery
    /// moves on).
    fn check_budget(&self) -> Result<(), Error> {
        if self.tally.created + self.tally.existing > 0 && Instant::now() >= self.deadline {
            return Err(Error::LandBudget);
        }
        Ok(())
    }

    /// One sealed part into the PHI bucket, create-only (412 = landed by an earlier delivery),
    /// with its part lineage in the metadata.
    async fn upload(
        &mut self,
        file: &OutputFile,
        source_file: &str,
        part: Part,
    ) -> Result<ManifestFile, Error> {
        let object = record::part_name(&self.run.export_id, source_file, part.index);
        let of = PartOf {
            source_file: source_file.to_owned(),
            index: part.index,
            first_line: part.first_line,
            last_line: part.last_line,
            bytes: Some(PartBytes {
                first: part.first_byte,
                last: part.first_byte + part.bytes - 1,
                tail_sha256: resume::tail_sha256(part.spool.path(), part.bytes)
                    .map_err(Error::Spool)?,
                end_of_file: part.end_of_file,
            }),
        };
        let mut attrs = self.attrs.clone();
        attrs.metadata.extend(of.to_object_metadata());
        let ctx = self.ctx;
        let outcome = ctx
            .storage
            .write_file_create_only(&ctx.config.phi_bucket, &object, part.spool.path(), &attrs)
            .await
            .map_err(Error::Storage)?;
        match outcome {
            WriteOutcome::Created(_) => self.tally.created += 1,
            WriteOutcome::AlreadyExists => self.tally.existing += 1,
        }
        self.tally.bytes += part.bytes;
        Ok(ManifestFile {
            ty: file.ty.clone(),
            object,
            bytes: Some(part.bytes),
            count: file.count,
            part: Some(of),
        })
    }
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
        resumed = tally.resumed,
        bytes = tally.bytes,
        downloaded = tally.downloaded,
        cursor_moved = moved,
        "export landed in the PHI bucket"
    );
    Ok(Outcome::done_with(
        Counts::new()
            .with("files_created", tally.created)
            .with("files_existing", tally.existing)
            .with("parts_resumed", tally.resumed)
            .with("bytes", tally.bytes)
            .with("bytes_downloaded", tally.downloaded)
            .with("skipped_files", landed.skipped_types.len() as u64)
            .with("error_files", manifest.error.len() as u64),
    ))
}
