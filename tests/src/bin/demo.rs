//! `make demo` (placeholder until the chain test passes).
fn main() {}
