//! Hosts the `deidentify` service as its own process for the emulator suite and the demo.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    deidentify::run().await
}
