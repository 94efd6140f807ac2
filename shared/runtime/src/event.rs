//! [`Event<T>`]: the CloudEvent attributes a handler may use, plus its typed `data`.

use chrono::{DateTime, Utc};
use cloudevents::AttributesReader;
use cloudevents::event::{Data, ExtensionValue};
use serde::de::DeserializeOwned;

use crate::TraceContext;

/// One CloudEvent with its `data` deserialized into `T`.
///
/// `id`, `ty` and `source` are required by the CloudEvents spec (the SDK rejects events without
/// them). For storage events take the object name from `data.name`, never from `subject`: Eventarc
/// percent-encodes it there.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<T> {
    /// `ce-id`: unique per event from a given source; the idempotency key of Pub/Sub deliveries.
    pub id: String,
    /// `ce-type`, e.g. `google.cloud.storage.object.v1.finalized`.
    pub ty: String,
    /// `ce-source`, e.g. `//storage.googleapis.com/projects/_/buckets/my-bucket`.
    pub source: String,
    /// `ce-subject`, e.g. `objects/path%2Fto%2Ffile.ndjson`.
    pub subject: Option<String>,
    /// `ce-time`: when the occurrence happened.
    pub time: Option<DateTime<Utc>>,
    /// W3C trace context from the `traceparent` extension, else the HTTP `traceparent` header.
    pub traceparent: Option<TraceContext>,
    /// The typed payload.
    pub data: T,
}

/// Why a CloudEvent could not become an [`Event<T>`]. All of these are answered 2xx and logged
/// as `malformed_event` with [`DecodeError::reason`]; the body and serde's message (which can
/// quote input) are never logged.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The CloudEvents SDK rejected the request (bad spec version, missing required attribute,
    /// unknown content mode, invalid JSON in structured mode, ...).
    #[error("not a valid CloudEvent")]
    Rejected(#[source] cloudevents::message::Error),
    /// `data` does not deserialize into the function's payload type.
    #[error("event data does not match the expected payload")]
    DataMismatch(#[source] serde_json::Error),
}

impl DecodeError {
    /// Static, PHI-free sub-reason for the log line.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::Rejected(_) => "not_a_cloudevent",
            DecodeError::DataMismatch(_) => "data_mismatch",
        }
    }
}

impl<T: DeserializeOwned> Event<T> {
    /// Convert an SDK event. `http_traceparent` is the HTTP header value, used when the event
    /// carries no `traceparent` extension. An unparsable trace context is ignored, not an error.
    ///
    /// Data is read from JSON (structured mode), or from bytes/string (binary mode); an event
    /// without data deserializes `T` from JSON `null` (so `T = ()` or `Option<_>` accept it).
    ///
    /// # Errors
    /// [`DecodeError::DataMismatch`] when `data` does not fit `T`.
    pub fn from_cloudevent(
        mut event: cloudevents::Event,
        http_traceparent: Option<&str>,
    ) -> Result<Self, DecodeError> {
        let (_, _, data) = event.take_data();
        let data = match data {
            Some(Data::Json(value)) => serde_json::from_value(value),
            Some(Data::Binary(bytes)) => serde_json::from_slice(&bytes),
            Some(Data::String(text)) => serde_json::from_str(&text),
            None => serde_json::from_value(serde_json::Value::Null),
        }
        .map_err(DecodeError::DataMismatch)?;
        let traceparent = match event.extension("traceparent") {
            Some(ExtensionValue::String(s)) => Some(s.as_str()),
            _ => http_traceparent,
        }
        .and_then(|s| s.parse().ok());
        Ok(Event {
            id: event.id().to_owned(),
            ty: event.ty().to_owned(),
            source: event.source().clone(),
            subject: event.subject().map(str::to_owned),
            time: event.time().copied(),
            traceparent,
            data,
        })
    }
}

/// Decode an HTTP request (headers + body) into an [`Event<T>`], binary or structured mode.
///
/// # Errors
/// [`DecodeError`] when the request is not a CloudEvent or its data does not fit `T`.
pub fn decode<T: DeserializeOwned>(
    headers: &http::HeaderMap,
    body: Vec<u8>,
) -> Result<Event<T>, DecodeError> {
    let event =
        cloudevents::binding::http::to_event(headers, body).map_err(DecodeError::Rejected)?;
    let http_traceparent = headers.get("traceparent").and_then(|v| v.to_str().ok());
    Event::from_cloudevent(event, http_traceparent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn binary_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("ce-specversion", "1.0".parse().unwrap());
        h.insert("ce-id", "1".parse().unwrap());
        h.insert("ce-type", "t".parse().unwrap());
        h.insert("ce-source", "//s".parse().unwrap());
        h.insert("content-type", "application/json".parse().unwrap());
        h
    }

    #[test]
    fn http_traceparent_is_the_fallback() {
        let mut h = binary_headers();
        h.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                .parse()
                .unwrap(),
        );
        let e: Event<u32> = decode(&h, b"7".to_vec()).unwrap();
        assert_eq!(e.data, 7);
        assert_eq!(e.traceparent.unwrap().span_id(), "00f067aa0ba902b7");
    }

    #[test]
    fn extension_wins_over_header_and_garbage_is_ignored() {
        let mut h = binary_headers();
        h.insert("traceparent", "garbage".parse().unwrap());
        let e: Event<u32> = decode(&h, b"7".to_vec()).unwrap();
        assert!(e.traceparent.is_none());
        h.insert(
            "ce-traceparent",
            "00-11111111111111111111111111111111-2222222222222222-00"
                .parse()
                .unwrap(),
        );
        let e: Event<u32> = decode(&h, b"7".to_vec()).unwrap();
        assert_eq!(
            e.traceparent.unwrap().trace_id(),
            "11111111111111111111111111111111"
        );
    }

    #[test]
    fn no_data_is_null() {
        let e: Event<Option<u32>> = decode(&binary_headers(), Vec::new()).unwrap();
        assert_eq!(e.data, None);
        let err = decode::<u32>(&binary_headers(), Vec::new()).unwrap_err();
        assert_eq!(err.reason(), "data_mismatch");
    }
}
