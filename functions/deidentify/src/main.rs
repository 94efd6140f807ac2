//! `deidentify` Cloud Run service. Wiring lives in [`deidentify::run`]; the logic in `handler.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(deidentify::run())
}
