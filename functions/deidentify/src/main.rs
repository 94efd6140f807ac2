//! `deidentify` Cloud Run service. Wiring lives in [`deidentify::run`]; the logic in `handler.rs`.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    deidentify::run().await
}
