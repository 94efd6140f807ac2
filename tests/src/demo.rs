//! `make demo` as a person sees it.
//!
//! Module map:
//! - [`progress`] one line per stage while it runs (live on a terminal, plain otherwise).
//! - [`watch`]    following the chain for those lines; diagnosis only when a stage fails.
//! - [`summary`]  the closing summary: `summary.json` and aligned tables.
//! - [`table`]    the aligned text tables.

pub mod progress;
pub mod summary;
pub mod table;
pub mod watch;

pub use progress::{Line, Progress};
pub use summary::Summary;
