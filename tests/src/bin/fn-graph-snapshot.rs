//! Hosts the `graph-snapshot` service as its own process for the emulator suite and the demo.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(graph_snapshot::run())
}
