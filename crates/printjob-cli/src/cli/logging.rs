//! Logging set-up: `-v` and `RUST_LOG` choose what is logged on stderr, and Graph's retry
//! events also feed the progress on screen ([`super::progress`]).

use super::progress::{RetryFeed, RETRY_TARGET};

/// Logs go to stderr. Without `-v` nothing is logged: what a person must know reaches them
/// once, as a `warning:` or `error:` line (the library's notices and errors), never twice.
/// `-v` logs printjob's own events at info level, among them one line per identity and Graph
/// request (method, path, status, milliseconds, request ids); `-vv` printjob's debug events;
/// `-vvv` everything, the HTTP libraries' internals included. `RUST_LOG` overrides the level.
/// Colour only when stderr is a terminal. Whatever the level, Graph's retry events also feed
/// the spinner or bar on screen ([`RetryFeed`]).
pub fn init_logging(verbose: u8) {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_filter(verbose)));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(verbose >= 3)
        .with_filter(filter);
    let feed = RetryFeed.with_filter(
        tracing_subscriber::filter::Targets::new().with_target(RETRY_TARGET, tracing::Level::INFO),
    );
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(feed)
        .try_init();
}

/// The `EnvFilter` directive for `-v` counted `verbose` times.
pub fn log_filter(verbose: u8) -> &'static str {
    match verbose {
        0 => "off",
        1 => "printjob=info,printjob_cli=info",
        2 => "printjob=debug,printjob_cli=debug",
        _ => "trace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_zero_logs_nothing_and_only_three_vs_log_the_http_libraries() {
        assert_eq!(log_filter(0), "off");
        assert!(!log_filter(1).contains("hyper") && !log_filter(2).contains("trace"));
        assert_eq!(log_filter(3), "trace");
    }
}
