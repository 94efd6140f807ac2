//! `starvit-dlp-stub`: a contract stub of Cloud DLP `content:deidentify` (no emulator exists).
//!
//! `POST /v2/projects/{project}/locations/{location}/content:deidentify` (and the form without
//! `locations/{location}`), the documented request and response, nothing else:
//! - **item**: `{"value": text}` or `{"table": {"headers": [{"name"}], "rows": [{"values":
//!   [{"stringValue"}]}]}}`; the answer has the same shape.
//! - **inspectConfig**: `infoTypes` (built-in detectors, by name), `customInfoTypes` (each
//!   `{"infoType": {"name"}, "dictionary": {"wordList": {"words"}}}` or `{"infoType", "regex":
//!   {"pattern"}}`), `minLikelihood`.
//! - **deidentifyConfig**: exactly `infoTypeTransformations` with one
//!   `primitiveTransformation.replaceWithInfoTypeConfig`: a finding becomes `[INFO_TYPE]`.
//! - **overview**: `transformedBytes` and one `transformationSummaries` entry per infoType found.
//!
//! What it applies: the custom dictionaries (case-insensitive, whole words, as DLP documents)
//! and the custom regular expressions it is sent; overlapping findings: the longest wins.
//! **What it cannot do**: DLP's built-in detectors (`PERSON_NAME`, `STREET_ADDRESS`,
//! `LOCATION`, ... learned from context, and its pattern detectors with checksums and context
//! rules). It accepts the built-in names in [`BUILT_IN`] so the production request runs
//! unchanged, and applies none of them: locally, a name is removed only when the request's
//! dictionary holds it. Anything else is an error as DLP gives it (`{"error": {"code",
//! "message", "status"}}`): 400 `INVALID_ARGUMENT` for an unknown field, infoType or
//! transformation, a bad pattern, or a request over [`MAX_REQUEST_BYTES`]; 404 for another path.
//! [`Stub::fail_next`] answers the next N requests with a status (429, 503) to test retries.

mod apply;
mod server;

pub use server::{Stats, Stub};

/// DLP's request size limit for `content:deidentify` (0.5 MB).
pub const MAX_REQUEST_BYTES: usize = 524_288;

/// Built-in infoType names the stub accepts (and does not detect).
pub const BUILT_IN: &[&str] = &[
    "PERSON_NAME",
    "FIRST_NAME",
    "LAST_NAME",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "LOCATION",
    "DATE",
    "DATE_OF_BIRTH",
    "AGE",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_HEALTHCARE_NPI",
    "MEDICAL_RECORD_NUMBER",
    "IP_ADDRESS",
    "URL",
];
