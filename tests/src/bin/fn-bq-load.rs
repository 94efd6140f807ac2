//! Hosts the `bq-load` service as its own process for the emulator suite and the demo.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(bq_load::run())
}
