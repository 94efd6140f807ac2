//! `deidentify` Cloud Run service: the runtime's one scaffold around [`deidentify::Context`].

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::service::main::<deidentify::Context>()
}
