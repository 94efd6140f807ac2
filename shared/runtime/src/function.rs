//! The [`Function`] trait: what a function crate implements.

use std::future::Future;

use serde::de::DeserializeOwned;

use crate::{Classify, Event, Outcome};

/// One Cloud Run function: a typed handler for one kind of CloudEvent.
///
/// Implement it on the function's `Context` (clients and config built once in `main`) by
/// delegating to a plain `handler::handle(&ctx, event)`, so the logic stays testable without HTTP.
///
/// # Contract
/// - `Data` is the event payload; an event whose `data` does not deserialize into it never reaches
///   `handle` (the runtime acks it and logs `malformed_event`).
/// - The handler must be idempotent: delivery is at least once.
/// - Errors say what to do through [`Classify`]: [`crate::Disposition::Retry`] for transient causes
///   (the event is redelivered), [`crate::Disposition::Drop`] for permanent ones (acked and logged).
/// - `Error`'s `Display` and `code` are logged, so they must never carry PHI or input values: write
///   messages from static text, counts and ids of operations only.
/// - Never panic; a panic is caught, logged as `handler_panic` and answered 500 (redelivered).
pub trait Function: Send + Sync + 'static {
    /// The typed `data` of the events this function accepts.
    type Data: DeserializeOwned + Send;
    /// The function's error enum; each variant is classified Retry or Drop.
    type Error: std::error::Error + Classify + Send;

    /// Handle one event.
    fn handle(
        &self,
        event: Event<Self::Data>,
    ) -> impl Future<Output = Result<Outcome, Self::Error>> + Send;
}
