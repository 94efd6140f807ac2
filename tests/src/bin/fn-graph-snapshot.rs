//! Hosts the `graph-snapshot` service as its own process for the emulator suite and the demo: the same
//! scaffold as its `main.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::service::main::<graph_snapshot::Context>()
}
