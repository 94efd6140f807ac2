//! Hosts the `subscription-relay` service as its own process for the emulator suite and the demo: the same
//! scaffold as its `main.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::service::main::<subscription_relay::Context>()
}
