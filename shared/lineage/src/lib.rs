//! `starvit-lineage`: the [`Lineage`] record that travels along the chain, and its encodings.
//!
//! Lineage = export job id (and its transaction time) -> source object + generation -> de-ID
//! policy version (content hash) -> de-ID run id -> load job id -> destination table/partition
//! -> graph version.
//!
//! # PHI by construction
//! Every field is a validated newtype ([`field`]): a bounded token from a narrow charset (ids of
//! operations, hashes, names of objects Starvit creates). Spaces, newlines, `@`, non-ASCII and
//! over-long values cannot enter, so free text such as a person's name cannot ride along in
//! metadata, attributes, labels or the lineage table. Errors name the field, never the value.
//! (A single token could still be chosen badly by a caller; names of objects we create must not
//! embed identifiers, which the de-ID design already forbids.)
//!
//! # Module map
//! - [`field`]: the newtypes and [`LineageError`].
//! - [`kv`]: GCS object custom metadata and Pub/Sub attributes (lossless).
//! - [`labels`]: BigQuery job labels (lossy, always valid) and [`JobLabels`] governance labels.
//! - [`row`]: the lineage table row (lossless) and its BigQuery schema.
//! - [`manifest`]: the export manifest `exports/<id>/_manifest.json` (written by `bulk-export`
//!   when an export has landed; read by `deidentify`).

pub mod field;
pub mod kv;
pub mod labels;
pub mod manifest;
pub mod row;

pub use field::{
    DeidRunId, DestinationPartition, DestinationTable, ExportJobId, ExportTime, GraphVersion,
    LineageError, LoadJobId, PipelineName, PolicyVersion, SourceBucket, SourceObject, StageName,
};
pub use labels::JobLabels;

/// Lineage of one piece of data at one stage. `stage` is required (every hop knows who it is);
/// everything else is filled in as the chain progresses.
///
/// Construct with [`Lineage::new`] and set the public fields; their types guarantee validity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lineage {
    /// Stage that wrote this record, e.g. `deidentify`.
    pub stage: StageName,
    /// Pipeline the data flows through, e.g. `fhir-batch`.
    pub pipeline: Option<PipelineName>,
    /// FHIR `$export` job id.
    pub export_job_id: Option<ExportJobId>,
    /// Bucket of the source object.
    pub source_bucket: Option<SourceBucket>,
    /// Name of the source object.
    pub source_object: Option<SourceObject>,
    /// Generation of the source object (positive int64).
    pub source_generation: Option<Generation>,
    /// Content hash of the de-ID policy that was applied.
    pub deid_policy_version: Option<PolicyVersion>,
    /// De-identification run id.
    pub deid_run_id: Option<DeidRunId>,
    /// BigQuery load job id.
    pub load_job_id: Option<LoadJobId>,
    /// Destination table.
    pub destination_table: Option<DestinationTable>,
    /// Destination partition.
    pub destination_partition: Option<DestinationPartition>,
    /// Graph snapshot version.
    pub graph_version: Option<GraphVersion>,
    /// The export's `transactionTime` (orders a resource's versions across exports).
    pub export_time: Option<ExportTime>,
}

/// A GCS object generation: a positive int64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Generation(i64);

impl Generation {
    /// Field name used in errors and encodings.
    pub const FIELD: &'static str = "source_generation";

    /// Validate and wrap.
    ///
    /// # Errors
    /// [`LineageError::Invalid`] unless `value > 0`.
    pub fn new(value: i64) -> Result<Self, LineageError> {
        if value > 0 {
            Ok(Self(value))
        } else {
            Err(LineageError::Invalid {
                field: Self::FIELD,
                rule: "must be a positive int64",
            })
        }
    }

    /// The generation number.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Field names in canonical order (also the lineage table's columns).
pub const FIELDS: [&str; 13] = [
    "stage",
    "pipeline",
    "export_job_id",
    "source_bucket",
    "source_object",
    "source_generation",
    "deid_policy_version",
    "deid_run_id",
    "load_job_id",
    "destination_table",
    "destination_partition",
    "graph_version",
    "export_time",
];

impl Lineage {
    /// A record with only the stage set.
    pub fn new(stage: StageName) -> Self {
        Self {
            stage,
            pipeline: None,
            export_job_id: None,
            source_bucket: None,
            source_object: None,
            source_generation: None,
            deid_policy_version: None,
            deid_run_id: None,
            load_job_id: None,
            destination_table: None,
            destination_partition: None,
            graph_version: None,
            export_time: None,
        }
    }

    /// The same lineage, handed to the next stage.
    #[must_use]
    pub fn at_stage(mut self, stage: StageName) -> Self {
        self.stage = stage;
        self
    }

    /// The set fields as `(field name, canonical string)`, in [`FIELDS`] order.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        fn put<T: ToString>(
            out: &mut Vec<(&'static str, String)>,
            name: &'static str,
            v: Option<&T>,
        ) {
            if let Some(v) = v {
                out.push((name, v.to_string()));
            }
        }
        let mut out = vec![("stage", self.stage.to_string())];
        put(&mut out, "pipeline", self.pipeline.as_ref());
        put(&mut out, "export_job_id", self.export_job_id.as_ref());
        put(&mut out, "source_bucket", self.source_bucket.as_ref());
        put(&mut out, "source_object", self.source_object.as_ref());
        put(
            &mut out,
            "source_generation",
            self.source_generation.map(Generation::get).as_ref(),
        );
        put(
            &mut out,
            "deid_policy_version",
            self.deid_policy_version.as_ref(),
        );
        put(&mut out, "deid_run_id", self.deid_run_id.as_ref());
        put(&mut out, "load_job_id", self.load_job_id.as_ref());
        put(
            &mut out,
            "destination_table",
            self.destination_table.as_ref(),
        );
        put(
            &mut out,
            "destination_partition",
            self.destination_partition.as_ref(),
        );
        put(&mut out, "graph_version", self.graph_version.as_ref());
        put(&mut out, "export_time", self.export_time.as_ref());
        out
    }

    /// Rebuild from `(field name, canonical string)` pairs, the inverse of [`Lineage::fields`].
    /// Unknown field names are ignored (a newer writer may add fields); a repeated field keeps
    /// the last value.
    ///
    /// # Errors
    /// [`LineageError::Invalid`] for a value that breaks its field's rule,
    /// [`LineageError::Missing`] when `stage` is absent.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, LineageError> {
        let mut stage = None;
        let mut l = Lineage::new(StageName::new("x")?);
        for (name, value) in fields {
            match name {
                "stage" => stage = Some(StageName::new(value)?),
                "pipeline" => l.pipeline = Some(PipelineName::new(value)?),
                "export_job_id" => l.export_job_id = Some(ExportJobId::new(value)?),
                "source_bucket" => l.source_bucket = Some(SourceBucket::new(value)?),
                "source_object" => l.source_object = Some(SourceObject::new(value)?),
                "source_generation" => {
                    l.source_generation = Some(Generation(field::parse_generation(value)?));
                }
                "deid_policy_version" => l.deid_policy_version = Some(PolicyVersion::new(value)?),
                "deid_run_id" => l.deid_run_id = Some(DeidRunId::new(value)?),
                "load_job_id" => l.load_job_id = Some(LoadJobId::new(value)?),
                "destination_table" => l.destination_table = Some(DestinationTable::new(value)?),
                "destination_partition" => {
                    l.destination_partition = Some(DestinationPartition::new(value)?);
                }
                "graph_version" => l.graph_version = Some(GraphVersion::new(value)?),
                "export_time" => l.export_time = Some(ExportTime::new(value)?),
                _ => {}
            }
        }
        l.stage = stage.ok_or(LineageError::Missing { field: "stage" })?;
        Ok(l)
    }
}
