//! One manifest file's download, from its start or from a byte offset.
//!
//! From an offset `N` the request carries `Range: bytes=N-` (RFC 9110 section 14), and:
//! - 206 must carry `Content-Range: bytes N-<last>/<length or *>`: the body is the file from `N`.
//!   A 206 for another range is [`FhirError::Rejected`] (Drop: the server does not do what it
//!   says).
//! - 200 means the server ignores `Range` (sekmet-fhir does): the body is the whole file and its
//!   first `N` bytes are skipped here, as they arrive. Correct, only slower.
//! - 416 means the file is now shorter than `N`: it changed under us, [`FhirError::FileChanged`]
//!   (Drop); a body that ends before `N` is the same.
//! - anything else is classified like every other call ([`crate::fhir_error::classify`]).

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::fhir_error::{FhirError, classify};

const OP: &str = "download";

/// An open file download, positioned at the offset it was asked for.
#[derive(Debug)]
pub struct Download {
    response: reqwest::Response,
    /// Body bytes still to drop before the asked offset (a 200 to a ranged request).
    skip: u64,
    /// Body bytes received over the wire.
    received: u64,
    /// Whether the server answered the range (206).
    ranged: bool,
}

impl Download {
    /// The download of a response to a request for the file from byte `offset`.
    ///
    /// # Errors
    /// As described in the module documentation.
    pub(crate) fn new(response: reqwest::Response, offset: u64) -> Result<Self, FhirError> {
        let status = response.status();
        let ranged = match status {
            StatusCode::OK => false,
            StatusCode::PARTIAL_CONTENT if offset > 0 => {
                if content_range_start(response.headers()) != Some(offset) {
                    return Err(FhirError::Rejected {
                        operation: OP,
                        status: Some(206),
                        reason: "Content-Range does not start at the requested offset",
                    });
                }
                true
            }
            StatusCode::RANGE_NOT_SATISFIABLE if offset > 0 => return Err(FhirError::FileChanged),
            _ => return Err(classify(OP, status)),
        };
        Ok(Self {
            response,
            skip: if ranged { 0 } else { offset },
            received: 0,
            ranged,
        })
    }

    /// The next chunk of the file from the asked offset on, `None` at its end.
    ///
    /// # Errors
    /// [`FhirError::Unavailable`] when the stream breaks (Retry); [`FhirError::FileChanged`]
    /// when the file ends before the asked offset.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, FhirError> {
        loop {
            let chunk = self
                .response
                .chunk()
                .await
                .map_err(|_| FhirError::Unavailable {
                    operation: OP,
                    status: None,
                })?;
            let Some(mut chunk) = chunk else {
                return if self.skip > 0 {
                    Err(FhirError::FileChanged)
                } else {
                    Ok(None)
                };
            };
            self.received += chunk.len() as u64;
            if self.skip >= chunk.len() as u64 {
                self.skip -= chunk.len() as u64;
                continue;
            }
            // `skip` is below this chunk's length, so it fits a usize.
            let skip = usize::try_from(std::mem::take(&mut self.skip)).unwrap_or(0);
            return Ok(Some(chunk.split_off(skip)));
        }
    }

    /// Body bytes received over the wire so far (skipped ones included).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Whether the server sent only the asked range (206) rather than the whole file (200).
    pub fn ranged(&self) -> bool {
        self.ranged
    }
}

/// The first byte of `Content-Range: bytes <first>-<last>/<length or *>`.
fn content_range_start(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    let (first, rest) = value.strip_prefix("bytes ")?.split_once('-')?;
    let (last, length) = rest.split_once('/')?;
    let (first, last) = (first.parse::<u64>().ok()?, last.parse::<u64>().ok()?);
    let length_ok = length == "*" || length.parse::<u64>().is_ok_and(|n| n > last);
    (first <= last && length_ok).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range() {
        let start = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(reqwest::header::CONTENT_RANGE, v.parse().unwrap());
            content_range_start(&h)
        };
        assert_eq!(start("bytes 100-199/200"), Some(100));
        assert_eq!(start("bytes 100-199/*"), Some(100));
        assert_eq!(start("bytes 100-199/150"), None);
        assert_eq!(start("bytes 200-100/300"), None);
        assert_eq!(start("bytes */200"), None);
        assert_eq!(start("items 0-1/2"), None);
        assert_eq!(content_range_start(&HeaderMap::new()), None);
    }
}
