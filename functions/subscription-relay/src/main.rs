//! `subscription-relay` Cloud Run service. Wiring lives in [`subscription_relay::run`]; the logic
//! in `handler.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::run_service(subscription_relay::run())
}
