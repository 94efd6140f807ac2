//! `subscription-relay` Cloud Run service: the runtime's one scaffold around [`subscription_relay::Context`].

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::service::main::<subscription_relay::Context>()
}
