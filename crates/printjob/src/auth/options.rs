//! What a built credential runs with: the sign-in options ([`SignInOptions`], made by the
//! builder and never changed after) and the sign-in UI the library talks to the person through
//! ([`SignInUi`]; the library never prints).

use super::browser::{Browser, SystemBrowser};
use super::id_token::ClockSkew;
use super::interactive::ResponseMode;
use super::loopback::RedirectHost;
use super::token::DeviceCodePrompt;
use crate::clock::{Clock, SystemClock};
use crate::config::Cloud;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// How sign-in talks to the person: the library never prints, so a command line, a GUI or a
/// test supplies this. Every method has a do-nothing default.
pub trait SignInUi: Send + Sync {
    /// The sign-in page was opened in the browser.
    fn browser_opened(&self, _url: &Url) {}
    /// The user must open `url` themselves (`--no-browser`, or the browser could not be
    /// started: `browser_error` says why).
    fn show_url(&self, _url: &Url, _browser_error: Option<&str>) {}
    /// The device code to enter, and where.
    fn show_device_code(&self, _prompt: &DeviceCodePrompt) {}
    /// Waiting for the user (a spinner's message).
    fn waiting(&self, _message: &str) {}
    /// The wait is over (successfully or not).
    fn finished(&self) {}
    /// Something the user should know (e.g. an unreadable cache file was set aside).
    fn notice(&self, _message: &str) {}
    /// The ID token just received shows the identity provider's clock and this computer's
    /// more than five minutes apart; the sign-in or refresh was kept. Once per token received.
    /// The default passes the sentence to [`SignInUi::notice`].
    fn clock_skew(&self, skew: &ClockSkew) {
        self.notice(&skew.to_string());
    }
}

/// A [`SignInUi`] that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoUi;

impl SignInUi for NoUi {}

/// How a built credential signs in: the builder's run-time settings, fixed at `build()`.
#[derive(Clone)]
pub(crate) struct SignInOptions {
    /// The national cloud (which Graph resource the scopes are for).
    pub(crate) cloud: Cloud,
    /// How the browser is opened.
    pub(crate) browser: Arc<dyn Browser>,
    /// Where the person is told what happens.
    pub(crate) ui: Arc<dyn SignInUi>,
    /// Whether to open the browser (else the URL is shown).
    pub(crate) open_browser: bool,
    /// How the redirect carries the code.
    pub(crate) response_mode: ResponseMode,
    /// `login_hint` for the authorize request.
    pub(crate) login_hint: Option<String>,
    /// `domain_hint` for the authorize request.
    pub(crate) domain_hint: Option<String>,
    /// The loopback port (0: any free one).
    pub(crate) port: u16,
    /// The loopback redirect's host name.
    pub(crate) redirect_host: RedirectHost,
    /// How long the loopback listener waits for the redirect.
    pub(crate) timeout: Duration,
    /// Whether `token` may sign in interactively when silent acquisition fails.
    pub(crate) allow_interactive: bool,
    /// Sign in with the device code flow instead of the browser.
    pub(crate) device_code_sign_in: bool,
    /// The clock that decides token expiry.
    pub(crate) clock: Arc<dyn Clock>,
}

impl Default for SignInOptions {
    fn default() -> Self {
        Self {
            cloud: Cloud::default(),
            browser: Arc::new(SystemBrowser),
            ui: Arc::new(NoUi),
            open_browser: true,
            response_mode: ResponseMode::default(),
            login_hint: None,
            domain_hint: None,
            port: 0,
            redirect_host: RedirectHost::default(),
            timeout: Duration::from_secs(300),
            allow_interactive: true,
            device_code_sign_in: false,
            clock: Arc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for SignInOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInOptions")
            .field("cloud", &self.cloud)
            .field("open_browser", &self.open_browser)
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .field("allow_interactive", &self.allow_interactive)
            .field("device_code_sign_in", &self.device_code_sign_in)
            .finish_non_exhaustive()
    }
}
