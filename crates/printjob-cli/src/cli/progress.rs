//! Progress where people wait: a spinner while a listing runs (and, through
//! [`super::signin_ui::CliUi`], while the browser sign-in is pending), the bar of a bulk cancel.
//! Shown only on a terminal and never with `--json`, so that scripts and logs see none of it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::future::Future;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

/// How often a spinner moves.
const TICK: Duration = Duration::from_millis(120);

/// Whether progress is shown: standard error is a terminal, the output is not `--json` and
/// `-q` was not given.
pub fn enabled(json: bool) -> bool {
    !json && !super::output::quiet() && std::io::stderr().is_terminal()
}

/// A spinner with a message on standard error, drawn at once; cleared when dropped.
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// Starts a spinner when `show`, else does nothing.
    pub fn start(show: bool, message: impl Into<String>) -> Self {
        if !show {
            return Spinner(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        let message = message.into();
        bar.set_message(message.clone());
        bar.tick();
        bar.enable_steady_tick(TICK);
        show_waits_on(&bar, &message);
        Spinner(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            stop_showing_waits_on(&bar);
            bar.finish_and_clear();
        }
    }
}

/// The spinner or bar on screen now and its own message: a retry's wait is added to it.
static ON_SCREEN: Mutex<Option<(ProgressBar, String)>> = Mutex::new(None);

/// Makes `bar` (whose message is `message`) the place where waits are said.
pub fn show_waits_on(bar: &ProgressBar, message: &str) {
    if let Ok(mut slot) = ON_SCREEN.lock() {
        *slot = Some((bar.clone(), message.to_owned()));
    }
}

/// Undoes [`show_waits_on`] (one spinner or bar is on screen at a time).
pub fn stop_showing_waits_on(_bar: &ProgressBar) {
    if let Ok(mut slot) = ON_SCREEN.lock() {
        *slot = None;
    }
}

/// The target of the library's retry event ("retrying a Graph request"), which carries
/// `status`, `code`, `host` and `delay_ms`.
pub const RETRY_TARGET: &str = "printjob::graph::request";

/// A tracing layer that says each retry's wait where the user is looking: on the spinner or
/// bar on screen ("Listing printers… (retrying in 5 s: 429 Too Many Requests)"), or, on a
/// terminal with nothing drawn, as a line of its own. Off a terminal it says nothing (the
/// retry is a log line at `-v`). The library only logs; this is the command line's choice.
pub struct RetryFeed;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RetryFeed {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut retry = RetryFields::default();
        event.record(&mut retry);
        if retry.message != "retrying a Graph request" {
            return;
        }
        let wait = retry.words();
        let on_screen = ON_SCREEN.lock().ok().and_then(|slot| slot.clone());
        match on_screen {
            Some((bar, message)) => bar.set_message(format!("{message} ({wait})")),
            None if std::io::stderr().is_terminal() => eprintln!("{wait}"),
            None => {}
        }
    }
}

/// The fields of the retry event.
#[derive(Debug, Default)]
struct RetryFields {
    message: String,
    code: String,
    host: String,
    status: u64,
    delay_ms: u64,
}

impl tracing::field::Visit for RetryFields {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        match field.name() {
            "status" => self.status = value,
            "delay_ms" => self.delay_ms = value,
            _ => {}
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "host" {
            self.host = value.to_owned();
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "code" => self.code = format!("{value:?}"),
            "host" => self.host = format!("{value:?}").trim_matches('"').to_owned(),
            _ => {}
        }
    }
}

impl RetryFields {
    /// `retrying in 5 s: 429 Too Many Requests`, `cannot connect to graph.microsoft.com,
    /// retrying in 4 s`.
    fn words(&self) -> String {
        retry_words(self.status, &self.code, &self.host, self.delay_ms)
    }
}

/// What a retry's wait is, in words (see [`RetryFeed`]). `status` 0 means no answer came.
pub fn retry_words(status: u64, code: &str, host: &str, delay_ms: u64) -> String {
    let seconds = delay_ms.div_ceil(1000).max(1);
    let host = if host.is_empty() { "the service" } else { host };
    match status {
        0 if code == "timeout" => format!("{host} did not answer in time, retrying in {seconds} s"),
        0 => format!("cannot connect to {host}, retrying in {seconds} s"),
        status => {
            let reason = match status {
                429 => " Too Many Requests",
                500 => " Internal Server Error",
                502 => " Bad Gateway",
                503 => " Service Unavailable",
                504 => " Gateway Timeout",
                _ => "",
            };
            format!("retrying in {seconds} s: {status}{reason}")
        }
    }
}

/// Runs `fut` with a spinner saying `message` (see [`enabled`]).
pub async fn while_waiting<T>(json: bool, message: &str, fut: impl Future<Output = T>) -> T {
    let _spinner = Spinner::start(enabled(json), message);
    fut.await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_is_worded_with_its_wait_and_its_cause() {
        assert_eq!(
            retry_words(429, "tooManyRequests", "graph.microsoft.com", 4200),
            "retrying in 5 s: 429 Too Many Requests"
        );
        assert_eq!(
            retry_words(0, "connectionFailed", "graph.microsoft.com", 4000),
            "cannot connect to graph.microsoft.com, retrying in 4 s"
        );
    }
}
