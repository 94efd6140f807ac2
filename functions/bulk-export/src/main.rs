//! `bulk-export` Cloud Run service. Wiring lives in [`bulk_export::run`]; the logic in `handler.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(bulk_export::run())
}
