//! `bq-load` Cloud Run service. Wiring lives in [`bq_load::run`]; the logic in `handler.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(bq_load::run())
}
