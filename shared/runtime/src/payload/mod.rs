//! Typed CloudEvent payloads, one module per event source.
//!
//! Each type follows Google's published JSON (`google-cloudevents` data schemas) and is proven by
//! round-tripping the fixtures in `tests/fixtures/`.

pub mod int64;
pub mod pubsub;
pub mod storage;

pub use pubsub::{MessagePublishedData, PubsubMessage};
pub use storage::{CustomerEncryption, StorageObjectData};
