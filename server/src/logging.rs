//! The log: text or JSON lines on stderr, each naming the request it was written for.
//!
//! The request's id is read from the task that writes the line ([`request_id::current`])
//! when a line is written, rather than kept in a tracing span opened for every request: a
//! span costs its allocation and the formatting of its fields on each request, and most
//! requests write no line at all.

use std::fmt;

use depot_app::api::request_id;
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// Logs at `default_level` unless `RUST_LOG` says otherwise.
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Text => builder
            .event_format(NamingTheRequest(format::format().with_ansi(ansi)))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .event_format(NamingTheRequest(format::format().json()))
            .try_init(),
    };
}

/// A line as `F` writes it, plus the id of the request being answered, if any: appended as
/// `request_id=…` to a text line, as the first field of a JSON one.
struct NamingTheRequest<F>(F);

impl<S, N, F> FormatEvent<S, N> for NamingTheRequest<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(id) = request_id::current() else {
            return self.0.format_event(context, writer, event);
        };
        let mut line = String::new();
        self.0
            .format_event(context, Writer::new(&mut line), event)?;
        let line = line.trim_end_matches('\n');
        // Ids are letters, digits, '-', '_' and '.' only (`request_id::of`): nothing to escape.
        match line.strip_prefix('{') {
            Some(fields) => writeln!(writer, "{{\"request_id\":\"{id}\",{fields}"),
            None => writeln!(writer, "{line} request_id={id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Lines logged by `log` with the text format, inside the request `id` when given.
    async fn text_lines(id: Option<&str>) -> String {
        let written = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = written.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || WriteTo(sink.clone()))
            .with_ansi(false)
            .event_format(NamingTheRequest(format::format().with_ansi(false)))
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let log = async { tracing::warn!(error = "gone", "readiness check failed") };
        match id {
            Some(id) => request_id::scope(id.to_string(), log).await,
            None => log.await,
        }
        let text = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        text
    }

    struct WriteTo(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for WriteTo {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_text_line_ends_with_the_id_of_its_request() {
        let line = text_lines(Some("r-42")).await;
        assert!(
            line.ends_with("readiness check failed error=\"gone\" request_id=r-42\n"),
            "{line:?}"
        );
        let outside = text_lines(None).await;
        assert!(
            outside.ends_with("readiness check failed error=\"gone\"\n"),
            "{outside:?}"
        );
    }
}
