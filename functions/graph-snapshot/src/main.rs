//! `graph-snapshot` Cloud Run service. Wiring lives in [`graph_snapshot::run`].

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(graph_snapshot::run())
}
