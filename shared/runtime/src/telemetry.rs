//! Logging: one [`init`]; Cloud Logging JSON lines on Cloud Run, plain text locally.
//!
//! JSON lines carry `severity`, `time`, the fields of the enclosing spans (outermost first), the
//! event's own fields, then `message`. When the event span has a trace id and the project is known,
//! `logging.googleapis.com/trace`, `.../spanId` and `.../trace_sampled` link the line to Cloud
//! Trace. Policy: fields first, message last; counts after loops, never per record; never a body,
//! a resource or an identifier of a person.

use std::fmt;
use std::io;

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::{LogFormat, RuntimeConfig};

/// Telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `RUST_LOG` does not parse as filter directives.
    #[error("RUST_LOG is not a valid filter")]
    Filter(#[source] tracing_subscriber::filter::ParseError),
    /// A global subscriber was already installed.
    #[error("a global tracing subscriber is already set")]
    AlreadySet(#[source] tracing::subscriber::SetGlobalDefaultError),
}

/// Install the global subscriber writing to stdout, and a panic hook that logs only the panic's
/// location (a panic message can quote data). Call once, first thing in `main`.
///
/// # Errors
/// [`TelemetryError`] on a bad filter or a second call.
pub fn init(config: &RuntimeConfig) -> Result<(), TelemetryError> {
    let subscriber = subscriber(config, io::stdout)?;
    tracing::subscriber::set_global_default(subscriber).map_err(TelemetryError::AlreadySet)?;
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        tracing::error!(
            code = "panic",
            location = location.as_deref().unwrap_or("unknown"),
            "panic (message suppressed)"
        );
    }));
    Ok(())
}

/// Build (without installing) the subscriber [`init`] would install, writing to `writer`.
/// Tests pass an in-memory writer and use `tracing::subscriber::set_default`.
///
/// # Errors
/// [`TelemetryError::Filter`] when `config.log_filter` does not parse.
pub fn subscriber<W>(
    config: &RuntimeConfig,
    writer: W,
) -> Result<Box<dyn Subscriber + Send + Sync>, TelemetryError>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&config.log_filter).map_err(TelemetryError::Filter)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    Ok(match config.log_format {
        LogFormat::Json => Box::new(
            builder
                .fmt_fields(JsonFields::new())
                .event_format(CloudLogging {
                    project_id: config.project_id.clone(),
                    service: config.service.clone(),
                })
                .finish(),
        ),
        LogFormat::Text => Box::new(builder.with_ansi(false).finish()),
    })
}

/// Formats events as Cloud Logging structured JSON lines.
#[derive(Debug, Clone)]
pub struct CloudLogging {
    project_id: Option<String>,
    service: Option<String>,
}

fn severity(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        _ => "DEBUG",
    }
}

impl<S, N> FormatEvent<S, N> for CloudLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert("severity".into(), severity(*meta.level()).into());
        line.insert(
            "time".into(),
            Utc::now()
                .to_rfc3339_opts(SecondsFormat::Micros, true)
                .into(),
        );
        line.insert("target".into(), meta.target().into());
        if let Some(service) = &self.service {
            line.insert("service".into(), service.as_str().into());
        }
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                let Some(fields) = extensions.get::<FormattedFields<N>>() else {
                    continue;
                };
                if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(fields.as_str()) {
                    line.extend(map);
                }
            }
        }
        let mut visitor = JsonVisitor {
            fields: &mut line,
            message: None,
        };
        event.record(&mut visitor);
        let message = visitor.message.take().unwrap_or_default();
        self.add_trace(&mut line);
        line.insert("message".into(), message.into());
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

impl CloudLogging {
    fn add_trace(&self, line: &mut Map<String, Value>) {
        let Some(project) = &self.project_id else {
            return;
        };
        let Some(Value::String(trace_id)) = line.get("trace_id") else {
            return;
        };
        let trace = format!("projects/{project}/traces/{trace_id}");
        line.insert("logging.googleapis.com/trace".into(), trace.into());
        if let Some(span_id) = line.get("span_id").cloned() {
            line.insert("logging.googleapis.com/spanId".into(), span_id);
        }
        if let Some(sampled) = line.get("trace_sampled").cloned() {
            line.insert("logging.googleapis.com/trace_sampled".into(), sampled);
        }
    }
}

/// Records an event's fields into a JSON map; `message` is kept aside to be written last.
struct JsonVisitor<'a> {
    fields: &'a mut Map<String, Value>,
    message: Option<String>,
}

impl Visit for JsonVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = Some(text);
        } else {
            self.fields.insert(field.name().into(), text.into());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            self.fields.insert(field.name().into(), value.into());
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name().into(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.fields.insert(field.name().into(), value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.fields
            .insert(field.name().into(), value.to_string().into());
    }
}
