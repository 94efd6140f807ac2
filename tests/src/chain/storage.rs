//! The chain's buckets: uploads as `bulk-export` makes them, and reads through the fake-gcs
//! JSON API (the official client lists over gRPC only).

use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;
use starvit_gcp::storage::WriteAttrs;

use super::{Chain, ObjectMeta, PHI_BUCKET};

impl Chain {
    /// Uploads every `*.ndjson` of `dir` to the PHI bucket under `exports/<export_id>/`, with the
    /// export's lineage in the object metadata, then seals the export with its manifest
    /// ([`Chain::seal_export`]), as `bulk-export` does.
    ///
    /// # Errors
    /// Upload failures.
    pub async fn upload_export(&self, dir: &Path, export_id: &str) -> anyhow::Result<Vec<String>> {
        self.upload_export_at(dir, export_id, super::export::TRANSACTION_TIME)
            .await
    }

    /// [`Chain::upload_export`] of an export whose `transactionTime` is `transaction_time`.
    ///
    /// # Errors
    /// As [`Chain::upload_export`].
    pub async fn upload_export_at(
        &self,
        dir: &Path,
        export_id: &str,
        transaction_time: &str,
    ) -> anyhow::Result<Vec<String>> {
        let attrs = WriteAttrs {
            content_type: Some("application/x-ndjson".into()),
            metadata: super::export::export_lineage(export_id, transaction_time)?
                .to_object_metadata(),
        };
        let mut names = Vec::new();
        for path in starvit_deid::scan::ndjson_files(dir)? {
            let file = path
                .file_name()
                .context("file name")?
                .to_string_lossy()
                .into_owned();
            let name = format!("exports/{export_id}/{file}");
            self.storage
                .write_file_create_only(PHI_BUCKET, &name, &path, &attrs)
                .await?;
            names.push(name);
        }
        self.seal_export_at(export_id, transaction_time).await?;
        Ok(names)
    }

    /// Uploads raw bytes to the PHI bucket (e.g. a poison file). Under `exports/<id>/`,
    /// `deidentify` waits (Retry) until the test seals that export ([`Chain::seal_export`]).
    ///
    /// # Errors
    /// Upload failures.
    pub async fn upload_bytes(&self, name: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let attrs = WriteAttrs {
            content_type: Some("application/x-ndjson".into()),
            ..WriteAttrs::default()
        };
        self.storage
            .write_bytes_create_only(PHI_BUCKET, name, bytes.into(), &attrs)
            .await?;
        Ok(())
    }

    /// Lists a bucket through the fake-gcs JSON API (the official client lists over gRPC only).
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn list(&self, bucket: &str) -> anyhow::Result<Vec<ObjectMeta>> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            items: Vec<ObjectMeta>,
        }
        let page: Page = self
            .http
            .get(format!("{}/storage/v1/b/{bucket}/o", self.gcs_endpoint))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut items = page.items;
        items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(items)
    }

    /// [`Chain::list`] restricted to exported data (`exports/`), leaving out `bq-load`'s staging.
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn list_exports(&self, bucket: &str) -> anyhow::Result<Vec<ObjectMeta>> {
        let mut items = self.list(bucket).await?;
        items.retain(|o| o.name.starts_with("exports/"));
        Ok(items)
    }

    /// Reads an object's bytes through the JSON API.
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn read(&self, bucket: &str, name: &str) -> anyhow::Result<Vec<u8>> {
        let url = format!(
            "{}/storage/v1/b/{bucket}/o/{}?alt=media",
            self.gcs_endpoint,
            encode(name)
        );
        Ok(self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?
            .to_vec())
    }

    /// Downloads every object of `bucket` under `prefix` whose name ends with `suffix` into `dir`
    /// (flat names).
    ///
    /// # Errors
    /// HTTP or file failures.
    pub async fn download(
        &self,
        bucket: &str,
        prefix: &str,
        suffix: &str,
        dir: &Path,
    ) -> anyhow::Result<usize> {
        std::fs::create_dir_all(dir)?;
        let mut n = 0;
        for object in self.list(bucket).await? {
            if object.name.starts_with(prefix) && object.name.ends_with(suffix) {
                let bytes = self.read(bucket, &object.name).await?;
                std::fs::write(dir.join(object.name.replace('/', "__")), bytes)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Downloads every object under `prefix` of `bucket` (fake-gcs JSON API).
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn objects_under(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> anyhow::Result<Vec<(String, bytes::Bytes)>> {
        let mut out = Vec::new();
        for meta in self.list(bucket).await? {
            if !meta.name.starts_with(prefix) {
                continue;
            }
            let data = bytes::Bytes::from(self.read(bucket, &meta.name).await?);
            out.push((meta.name, data));
        }
        Ok(out)
    }
}

fn encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The resource type of a file [`Chain::download`] wrote: the object name with `/` as `__`, whose
/// last part starts with the type (`exports__<id>__<Type>.<...>.ndjson`).
#[must_use]
pub fn downloaded_type(file_name: &str) -> &str {
    file_name
        .rsplit("__")
        .next()
        .and_then(|f| f.split('.').next())
        .unwrap_or_default()
}
