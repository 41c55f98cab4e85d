//! The sign-in UI on stderr ([`printjob::SignInUi`]): the sign-in URL, the device code, a
//! spinner while the browser sign-in is pending (plain lines off a terminal) and the library's
//! notices. The factory gives it to every command that signs in, and `printjob demo` wraps it.

use indicatif::{ProgressBar, ProgressStyle};
use printjob::{DeviceCodePrompt, SignInUi};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// Shows sign-in progress on stderr: a spinner on a terminal, plain lines otherwise.
pub struct CliUi {
    tty: bool,
    spinner: Mutex<Option<ProgressBar>>,
}

impl CliUi {
    /// The sign-in UI of a command (and of `printjob demo`): no spinner with `--json` or off a
    /// terminal.
    pub fn for_output(json: bool) -> Arc<Self> {
        Arc::new(Self {
            tty: super::progress::enabled(json),
            spinner: Mutex::new(None),
        })
    }
}

impl SignInUi for CliUi {
    fn browser_opened(&self, url: &Url) {
        // the URL every time (as gh and az print it): a person can copy it into another browser
        eprintln!("Opened the sign-in page in your browser. If it did not appear, open this URL:");
        eprintln!("{url}");
    }

    fn show_url(&self, url: &Url, browser_error: Option<&str>) {
        if let Some(e) = browser_error {
            eprintln!("Could not open a browser: {e}");
        }
        eprintln!("Open this URL in a browser to sign in:");
        eprintln!("{url}");
    }

    fn show_device_code(&self, prompt: &DeviceCodePrompt) {
        match &prompt.message {
            Some(message) => eprintln!("{message}"),
            None => eprintln!(
                "To sign in, open {} and enter the code {}",
                prompt.verification_uri, prompt.user_code
            ),
        }
    }

    fn waiting(&self, message: &str) {
        if !self.tty {
            super::output::note(&format!("{message}…"));
            return;
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} (Ctrl-C to cancel)") {
            bar.set_style(style);
        }
        bar.set_message(message.to_owned());
        bar.tick();
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut slot) = self.spinner.lock() {
            *slot = Some(bar);
        }
    }

    fn finished(&self) {
        if let Some(bar) = self.spinner.lock().ok().and_then(|mut s| s.take()) {
            bar.finish_and_clear();
        }
    }

    fn notice(&self, message: &str) {
        eprintln!("warning: {message}");
    }
}
