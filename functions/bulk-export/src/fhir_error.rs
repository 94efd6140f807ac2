//! [`FhirError`]: what went wrong talking to the FHIR server, and how an HTTP status or a
//! transport error becomes one (Retry: connection failures, timeouts, 5xx, 429, 408; Drop:
//! other 4xx). Never carries a URL, body or header: presigned URLs are credentials.

/// What went wrong talking to the FHIR server.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// Transient: retry later.
    #[error("fhir {operation}: unavailable (status {status:?})")]
    Unavailable {
        /// Which call.
        operation: &'static str,
        /// HTTP status, if any.
        status: Option<u16>,
    },
    /// Permanent for this request.
    #[error("fhir {operation}: rejected (status {status:?}): {reason}")]
    Rejected {
        /// Which call.
        operation: &'static str,
        /// HTTP status, if any.
        status: Option<u16>,
        /// Why, in our words.
        reason: &'static str,
    },
    /// The server reports the export failed (terminal; a new trigger starts a new export).
    #[error("fhir export failed on the server (status {status})")]
    ExportFailed {
        /// HTTP status of the status endpoint.
        status: u16,
    },
    /// A manifest URL is not on the FHIR server's origin.
    #[error("fhir manifest names a file outside the server's origin")]
    ForeignUrl,
    /// A file changed since an earlier delivery landed its first parts: it is shorter than
    /// they are, or its bytes at their end differ ([`crate::resume`]). Fail closed: its parts
    /// cannot be completed from the new bytes; a new trigger starts a new export.
    #[error("fhir export file changed since its first parts landed")]
    FileChanged,
    /// Writing the downloaded file locally.
    #[error("spooling a downloaded file: {0}")]
    Spool(#[source] std::io::Error),
}

impl FhirError {
    /// Retry (true) or Drop.
    pub fn is_transient(&self) -> bool {
        matches!(self, FhirError::Unavailable { .. } | FhirError::Spool(_))
    }
}

/// The error of an unexpected HTTP status.
pub(crate) fn classify(operation: &'static str, status: reqwest::StatusCode) -> FhirError {
    let code = status.as_u16();
    if status.is_server_error() || code == 429 || code == 408 {
        FhirError::Unavailable {
            operation,
            status: Some(code),
        }
    } else {
        FhirError::Rejected {
            operation,
            status: Some(code),
            reason: "unexpected status",
        }
    }
}

/// The error of a request that could not be sent.
pub(crate) fn send_error(operation: &'static str, e: &reqwest::Error) -> FhirError {
    if e.is_builder() {
        FhirError::Rejected {
            operation,
            status: None,
            reason: "request cannot be built for this URL",
        }
    } else {
        FhirError::Unavailable {
            operation,
            status: None,
        }
    }
}
