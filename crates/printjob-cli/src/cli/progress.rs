//! Progress where people wait: a spinner while a listing runs (and, through
//! [`super::signin::CliUi`], while the browser sign-in is pending), the bar of a bulk cancel.
//! Shown only on a terminal and never with `--json`, so that scripts and logs see none of it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::future::Future;
use std::io::IsTerminal;
use std::time::Duration;

/// How often a spinner moves.
const TICK: Duration = Duration::from_millis(120);

/// Whether progress is shown: standard error is a terminal, the output is not `--json` and
/// `-q` was not given.
pub fn enabled(json: bool) -> bool {
    !json && !super::quiet() && std::io::stderr().is_terminal()
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
        bar.set_message(message.into());
        bar.tick();
        bar.enable_steady_tick(TICK);
        Spinner(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

/// Runs `fut` with a spinner saying `message` (see [`enabled`]).
pub async fn while_waiting<T>(json: bool, message: &str, fut: impl Future<Output = T>) -> T {
    let _spinner = Spinner::start(enabled(json), message);
    fut.await
}
