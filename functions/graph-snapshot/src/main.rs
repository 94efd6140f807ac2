//! `graph-snapshot` Cloud Run service: the runtime's one scaffold around
//! [`graph_snapshot::Context`].

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::service::main::<graph_snapshot::Context>()
}
