//! Hosts the `subscription-relay` service as its own process for the emulator suite.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(subscription_relay::run())
}
