//! `bulk-export` Cloud Run service: the runtime's one scaffold around [`bulk_export::Context`].

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::service::main::<bulk_export::Context>()
}
