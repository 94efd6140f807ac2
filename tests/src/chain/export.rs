//! Sealing an export the way `bulk-export` does: `exports/<id>/_manifest.json` written after
//! every file landed ([`starvit_lineage::manifest`], the one home of its format). `deidentify`
//! answers Retry for the files of an export until its manifest is there, so uploads made by the
//! suite go through the production path.

use starvit_gcp::storage::WriteAttrs;
use starvit_lineage::manifest::{ExportManifest, ManifestFile, manifest_name};
use starvit_lineage::{ExportJobId, ExportTime, Lineage, PipelineName, StageName};

use super::{Chain, PHI_BUCKET};

/// The lineage `bulk-export` stamps on an export's objects.
pub(super) fn export_lineage(export_id: &str, transaction_time: &str) -> anyhow::Result<Lineage> {
    let mut lineage = Lineage::new(StageName::new("bulk-export")?);
    lineage.export_job_id = Some(ExportJobId::new(export_id)?);
    lineage.export_time = Some(ExportTime::new(transaction_time)?);
    lineage.pipeline = Some(PipelineName::new("fhir-batch")?);
    Ok(lineage)
}

/// The `transactionTime` of the exports the harness uploads, unless a test gives one.
pub const TRANSACTION_TIME: &str = "2026-01-01T00:00:00Z";

impl Chain {
    /// Writes the manifest of export `export_id`: every `*.ndjson` object now in
    /// `exports/<export_id>/` of the PHI bucket, its type being the first dot-separated part of
    /// its base name. Call it after the last file of the export is uploaded (as `bulk-export`
    /// does); returns the number of files it names.
    ///
    /// # Errors
    /// Listing or upload failures (a second seal of one export is refused: create-only).
    pub async fn seal_export(&self, export_id: &str) -> anyhow::Result<usize> {
        self.seal_export_at(export_id, TRANSACTION_TIME).await
    }

    /// [`Chain::seal_export`] of an export whose `transactionTime` is `transaction_time`.
    ///
    /// # Errors
    /// As [`Chain::seal_export`].
    pub async fn seal_export_at(
        &self,
        export_id: &str,
        transaction_time: &str,
    ) -> anyhow::Result<usize> {
        let prefix = format!("exports/{export_id}/");
        let files: Vec<ManifestFile> = self
            .list(PHI_BUCKET)
            .await?
            .into_iter()
            .filter(|o| o.name.starts_with(&prefix) && o.name.ends_with(".ndjson"))
            .map(|o| {
                let base = &o.name[prefix.len()..];
                ManifestFile {
                    ty: base.split('.').next().unwrap_or_default().to_owned(),
                    bytes: o.size.parse().ok(),
                    object: o.name,
                    count: None,
                    part: None,
                }
            })
            .collect();
        let mut types: Vec<String> = files.iter().map(|f| f.ty.clone()).collect();
        types.sort();
        types.dedup();
        let manifest = ExportManifest {
            export_id: export_id.to_owned(),
            transaction_time: transaction_time.to_owned(),
            since: None,
            types,
            files,
            skipped_types: Vec::new(),
            error_files: 0,
        };
        let attrs = WriteAttrs {
            content_type: Some("application/json".into()),
            metadata: export_lineage(export_id, transaction_time)?.to_object_metadata(),
        };
        let body = serde_json::to_vec_pretty(&manifest)?;
        let outcome = self
            .storage
            .write_bytes_create_only(PHI_BUCKET, &manifest_name(export_id), body.into(), &attrs)
            .await?;
        anyhow::ensure!(
            matches!(outcome, starvit_gcp::storage::WriteOutcome::Created(_)),
            "export {export_id} was sealed already"
        );
        Ok(manifest.files.len())
    }
}
