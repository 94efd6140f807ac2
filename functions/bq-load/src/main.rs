//! `bq-load` Cloud Run service: the runtime's one scaffold around [`bq_load::Context`].

fn main() -> Result<(), Box<dyn std::error::Error>> {
    starvit_runtime::service::main::<bq_load::Context>()
}
