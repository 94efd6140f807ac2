//! Cloud Storage: read one object generation as a stream, write create-only, read an object's
//! size and metadata.
//!
//! Contracts:
//! - Reads name an exact generation (the one in the CloudEvent), so a replayed event reads the
//!   bytes it was about, never a newer object. A generation that no longer exists is a 404:
//!   [`GcpError::is_not_found`], permanent.
//! - Writes are create-only (`ifGenerationMatch=0`). The service answers 412 when the object
//!   exists, which [`StorageClient::write_create_only`] returns as
//!   [`WriteOutcome::AlreadyExists`]: with deterministic output names that means "already
//!   done", so the write is idempotent.
//! - Uploads are always single-shot `uploadType=multipart` requests with a known length,
//!   streamed from the payload (never buffered whole in memory): the resumable threshold is
//!   set to `usize::MAX`. Reasons: fake-gcs-server enforces `ifGenerationMatch=0` on multipart
//!   uploads only, and the client's resumable uploads lose a non-default port in the `Host`
//!   header and can hang against emulators. The cost is that a failed upload restarts from
//!   byte 0 (the client seeks the payload back), which is fine for objects of a few hundred MB
//!   on Cloud Run's network; for larger outputs, write to a temp file first and use
//!   [`StorageClient::write_file_create_only`].
//! - CRC32C is computed before the upload (one extra read of the payload) and sent in the
//!   metadata part: the service verifies it, and fake-gcs-server, which would store the
//!   client's default trailing checksum part as object content, stays correct.

use futures::FutureExt;
use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use futures::Stream;
use google_cloud_storage::client::Storage;
use google_cloud_storage::read_object::ReadObjectResponse;
use google_cloud_storage::streaming_source::{Payload, Seek, StreamingSource};
use tokio::io::AsyncRead;

use crate::config::{GcpConfig, credentials_for};
use crate::error::{Disposition, GcpError, Service};

/// Content type and custom metadata of an object to write. Custom metadata arrives in the next
/// hop's CloudEvent as `data.metadata`: put lineage there, never PHI.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteAttrs {
    /// `Content-Type` of the object, e.g. `application/x-ndjson`.
    pub content_type: Option<String>,
    /// Custom metadata (`x-goog-meta-*`).
    pub metadata: BTreeMap<String, String>,
}

/// Identity of a written object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Bucket id (without `projects/_/buckets/`).
    pub bucket: String,
    /// Object name.
    pub name: String,
    /// Generation assigned by the service.
    pub generation: i64,
    /// Size in bytes.
    pub size: i64,
}

/// Size and custom metadata of an object ([`StorageClient::head`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectHead {
    /// Size in bytes, when the service says (`x-goog-stored-content-length`: Cloud Storage
    /// does, fake-gcs-server does not).
    pub size: Option<u64>,
    /// Custom metadata.
    pub metadata: std::collections::HashMap<String, String>,
}

/// Result of a create-only write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The object was created.
    Created(ObjectInfo),
    /// An object with that name already existed (412): nothing was written. With
    /// deterministic names this means the work was already done.
    AlreadyExists,
}

/// Cloud Storage client. Cheap to clone; build once per process.
#[derive(Clone, Debug)]
pub struct StorageClient {
    client: Storage,
}

fn bucket_path(bucket: &str) -> String {
    format!("projects/_/buckets/{bucket}")
}

impl StorageClient {
    /// Builds the client: production with ADC, or `config.storage_endpoint` with anonymous
    /// credentials.
    ///
    /// # Errors
    /// [`GcpError::Setup`] when the client cannot be built.
    pub async fn new(config: &GcpConfig) -> Result<Self, GcpError> {
        let mut builder = Storage::builder().with_resumable_upload_threshold(usize::MAX);
        if let Some(endpoint) = &config.storage_endpoint {
            builder = builder.with_endpoint(endpoint.clone());
        }
        if let Some(credentials) = credentials_for(config.storage_endpoint.as_ref()) {
            builder = builder.with_credentials(credentials);
        }
        let client = builder.build().boxed().await.map_err(|e| GcpError::Setup {
            service: Service::Storage,
            detail: e.to_string(),
        })?;
        Ok(Self { client })
    }

    /// Writes `payload` to `bucket/name` only if no object of that name exists.
    ///
    /// The payload must know its size (bytes, a `tokio::fs::File`, or any
    /// [`StreamingSource`] whose `size_hint` has an upper bound) and be seekable, so a
    /// transient failure can be retried by the client from byte 0. The client retries
    /// transient failures itself (the precondition makes the request idempotent); an error
    /// returned here has exhausted those retries.
    ///
    /// # Errors
    /// [`GcpError::Call`] classified transient (5xx, 429, I/O) or permanent (other 4xx).
    pub async fn write_create_only<T, P>(
        &self,
        bucket: &str,
        name: &str,
        payload: T,
        attrs: &WriteAttrs,
    ) -> Result<WriteOutcome, GcpError>
    where
        T: Into<Payload<P>>,
        P: StreamingSource + Seek + Send + Sync + 'static,
        <P as StreamingSource>::Error: std::error::Error + Send + Sync + 'static,
        <P as Seek>::Error: std::error::Error + Send + Sync + 'static,
    {
        self.write_if_generation(bucket, name, payload, attrs, 0)
            .await
    }

    /// Writes `payload` to `bucket/name` only if the live generation is `generation` (0: no
    /// live object), the compare-and-swap of small state objects. A failed precondition is
    /// [`WriteOutcome::AlreadyExists`]: someone else wrote first.
    ///
    /// # Errors
    /// As [`write_create_only`](Self::write_create_only).
    pub async fn write_if_generation<T, P>(
        &self,
        bucket: &str,
        name: &str,
        payload: T,
        attrs: &WriteAttrs,
        generation: i64,
    ) -> Result<WriteOutcome, GcpError>
    where
        T: Into<Payload<P>>,
        P: StreamingSource + Seek + Send + Sync + 'static,
        <P as StreamingSource>::Error: std::error::Error + Send + Sync + 'static,
        <P as Seek>::Error: std::error::Error + Send + Sync + 'static,
    {
        let mut request = self
            .client
            .write_object(bucket_path(bucket), name, payload)
            .set_if_generation_match(generation)
            .set_metadata(attrs.metadata.clone());
        if let Some(content_type) = &attrs.content_type {
            request = request.set_content_type(content_type.clone());
        }
        // Checksums go in the metadata part, computed by one extra pass over the (seekable)
        // payload. Without this the client streams a third, trailing "checksums" part, which
        // real GCS understands but fake-gcs-server appends to the object's content. Upfront
        // checksums also let GCS reject a corrupted upload before it is finalized.
        #[allow(deprecated)] // "redundant" for real GCS only; see above.
        let request = Box::pin(request.precompute_checksums())
            .await
            .map_err(|e| GcpError::from_client(Service::Storage, "checksum_payload", &e))?;
        match Box::pin(request.send_unbuffered()).await {
            Ok(object) => Ok(WriteOutcome::Created(ObjectInfo {
                bucket: bucket.to_owned(),
                name: object.name,
                generation: object.generation,
                size: object.size,
            })),
            Err(e) if e.http_status_code() == Some(412) => Ok(WriteOutcome::AlreadyExists),
            Err(e) => Err(GcpError::from_client(Service::Storage, "write_object", &e)),
        }
    }

    /// [`write_create_only`](Self::write_create_only) with in-memory bytes.
    ///
    /// # Errors
    /// As [`write_create_only`](Self::write_create_only).
    pub async fn write_bytes_create_only(
        &self,
        bucket: &str,
        name: &str,
        bytes: Bytes,
        attrs: &WriteAttrs,
    ) -> Result<WriteOutcome, GcpError> {
        self.write_create_only(bucket, name, bytes, attrs).await
    }

    /// [`write_create_only`](Self::write_create_only) streaming a local file (e.g. a temp file
    /// the handler wrote its output to). The file is read in 256 KiB chunks.
    ///
    /// # Errors
    /// As [`write_create_only`](Self::write_create_only); failing to open the file is
    /// transient (local I/O).
    pub async fn write_file_create_only(
        &self,
        bucket: &str,
        name: &str,
        path: &Path,
        attrs: &WriteAttrs,
    ) -> Result<WriteOutcome, GcpError> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| GcpError::Call {
                service: Service::Storage,
                operation: "open_local_file",
                status: None,
                disposition: Disposition::Retry,
                detail: e.to_string(),
            })?;
        self.write_create_only(bucket, name, file, attrs).await
    }

    /// Opens the live generation of `bucket/name` for streaming reads (for small state objects
    /// the caller wrote create-only; event handlers read the exact generation instead).
    ///
    /// # Errors
    /// 404 when there is no such object ([`GcpError::is_not_found`], permanent); otherwise as
    /// classified by [`GcpError`].
    pub async fn read_live(&self, bucket: &str, name: &str) -> Result<ObjectReader, GcpError> {
        let request = self.client.read_object(bucket_path(bucket), name);
        let response = Box::pin(request.send())
            .await
            .map_err(|e| GcpError::from_client(Service::Storage, "read_object", &e))?;
        Ok(ObjectReader { response })
    }

    /// The size and custom metadata of the live generation of `bucket/name`; `None` when there
    /// is no such object. Reads the object's first byte (the data-plane client has no
    /// metadata-only call, and listing goes over gRPC, which the emulator does not serve), so
    /// the object must not be empty.
    ///
    /// # Errors
    /// As classified by [`GcpError`].
    pub async fn head(&self, bucket: &str, name: &str) -> Result<Option<ObjectHead>, GcpError> {
        let request = self
            .client
            .read_object(bucket_path(bucket), name)
            .set_read_range(google_cloud_storage::model_ext::ReadRange::head(1));
        match Box::pin(request.send()).await {
            Ok(response) => {
                let object = response.object();
                Ok(Some(ObjectHead {
                    size: u64::try_from(object.size).ok().filter(|&n| n > 0),
                    metadata: object.metadata,
                }))
            }
            Err(e) => {
                let e = GcpError::from_client(Service::Storage, "read_object", &e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    /// Opens `bucket/name` at exactly `generation` for streaming reads.
    ///
    /// # Errors
    /// 404 when that generation does not exist ([`GcpError::is_not_found`], permanent);
    /// otherwise as classified by [`GcpError`].
    pub async fn read_at_generation(
        &self,
        bucket: &str,
        name: &str,
        generation: i64,
    ) -> Result<ObjectReader, GcpError> {
        let request = self
            .client
            .read_object(bucket_path(bucket), name)
            .set_generation(generation);
        let response = Box::pin(request.send())
            .await
            .map_err(|e| GcpError::from_client(Service::Storage, "read_object", &e))?;
        Ok(ObjectReader { response })
    }
}

/// An object being read. Consume it chunk by chunk, as a [`Stream`], or as an [`AsyncRead`];
/// nothing holds the whole object in memory. Checksums are verified by the client at the end
/// of the stream (a mismatch surfaces as an error on the last chunk).
#[derive(Debug)]
pub struct ObjectReader {
    response: ReadObjectResponse,
}

impl ObjectReader {
    /// Generation being read.
    pub fn generation(&self) -> i64 {
        self.response.object().generation
    }

    /// Object size in bytes as reported by the service.
    pub fn size(&self) -> i64 {
        self.response.object().size
    }

    /// The next chunk, `None` at the end.
    ///
    /// # Errors
    /// Transient or permanent [`GcpError`] (a broken connection is transient; the client
    /// resumes reads itself before giving up).
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, GcpError>> {
        Box::pin(self.response.next())
            .await
            .map(|r| r.map_err(|e| GcpError::from_client(Service::Storage, "read_object", &e)))
    }

    /// The object as a stream of chunks.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, GcpError>> + Send + Unpin {
        Box::pin(futures::stream::unfold(self, |mut reader| async move {
            reader.next_chunk().await.map(|item| (item, reader))
        }))
    }

    /// The object as an [`AsyncRead`] (e.g. to wrap in a `BufReader` and read NDJSON lines).
    /// A read error becomes an `io::Error` whose inner error is the [`GcpError`]: recover it
    /// with `err.get_ref().and_then(|e| e.downcast_ref::<GcpError>())`.
    pub fn into_async_read(self) -> impl AsyncRead + Send + Unpin {
        use futures::TryStreamExt;
        tokio_util::io::StreamReader::new(self.into_stream().map_err(std::io::Error::other))
    }
}
