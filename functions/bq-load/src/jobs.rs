//! The BigQuery jobs of one object: their `configuration` bodies, and [`run`], which hands them
//! to the one job runner of `starvit-gcp` ([`starvit_gcp::bigquery::runner`]: deterministic
//! ids, backend failures retried under attempt ids `_r1`.., `MAX_ATTEMPTS` once).

use google_cloud_bigquery_v2::model::{Job, JobConfiguration};
use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::{
    Field, LoadSpec, QuerySpec, SourceFormat, TableRef, WriteDisposition,
};
use starvit_gcp::labels::Labels;
use starvit_lineage::{JobLabels, Lineage};

use crate::error::Error;

/// The labels of a job: the five governance labels plus the lineage labels.
pub fn labels(governance: &JobLabels, lineage: &Lineage) -> Labels {
    governance.with_lineage(lineage).into_iter().collect()
}

/// A load of one NDJSON object into `destination`, replacing it (`WRITE_TRUNCATE`), with an
/// explicit schema (so `resource` is `JSON`, not autodetected).
pub fn load(
    source_uri: String,
    destination: TableRef,
    schema: Vec<Field>,
    labels: Labels,
) -> JobConfiguration {
    LoadSpec {
        source_uris: vec![source_uri],
        format: SourceFormat::NewlineDelimitedJson,
        destination,
        schema: Some(schema),
        write: WriteDisposition::Truncate,
        labels,
    }
    .to_configuration()
}

/// A standard-SQL query job.
pub fn query(sql: String, labels: Labels) -> JobConfiguration {
    QuerySpec { sql, labels }.to_configuration()
}

/// Make sure the job `base_id` has run successfully (see [`starvit_gcp::bigquery::runner`]).
///
/// # Errors
/// [`Error::BigQuery`], classified by [`starvit_gcp::GcpError::disposition`].
pub async fn run(
    bigquery: &BigQueryClient,
    location: Option<&str>,
    base_id: &str,
    configuration: JobConfiguration,
) -> Result<Job, Error> {
    let ran = Box::pin(bigquery.run_attempts(base_id, location, configuration))
        .await
        .map_err(Error::gcp)?;
    Ok(ran.job)
}
