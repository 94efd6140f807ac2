//! The [`Function`] trait: what a function crate implements.

use std::future::Future;

use crate::input::Input;
use crate::{Classify, Outcome};

/// One Cloud Run function: a typed handler for one kind of [`Input`] (a CloudEvent
/// `Event<T>`, or a webhook).
///
/// Implement it on the function's `Context` (clients and config built once in `main`) by
/// delegating to a plain `handler::handle(&ctx, event)`, so the logic stays testable without HTTP.
///
/// # Contract
/// - `Input` is what a request becomes, e.g. `Event<StorageObjectData>`; a request that does not
///   decode into it never reaches `handle` (the runtime acks it and logs `malformed_event`).
/// - The handler must be idempotent: delivery is at least once.
/// - Errors say what to do through [`Classify`]: [`crate::Disposition::Retry`] for transient causes
///   (the event is redelivered), [`crate::Disposition::Drop`] for permanent ones (acked and logged).
/// - `Error`'s `Display` and `code` are logged, so they must never carry PHI or input values: write
///   messages from static text, counts and ids of operations only.
/// - Never panic; a panic is caught, logged as `handler_panic` and answered 500 (redelivered).
pub trait Function: Send + Sync + 'static {
    /// What this function accepts, e.g. `Event<StorageObjectData>`.
    type Input: Input;
    /// The function's error enum; each variant is classified Retry or Drop.
    type Error: std::error::Error + Classify + Send;

    /// Handle one event.
    fn handle(
        &self,
        input: Self::Input,
    ) -> impl Future<Output = Result<Outcome, Self::Error>> + Send;
}
