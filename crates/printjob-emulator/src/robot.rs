//! A robot browser for the emulator's sign-in pages: used by tests, by `printjob demo --auto`
//! and (through `examples/robot_browser.rs`) as a test `$BROWSER`.
//!
//! It does what a person with a browser would do: loads the authorize URL, fills in the
//! sign-in form, accepts or cancels the consent page, submits the `form_post` auto-submit form
//! (as the page's script would), follows every redirect by hand (with its own cookie jar), and
//! finally delivers the redirect to the loopback redirect URI, returning that page. It reads
//! the emulator's own markup only (forms found by `id`), it is not a general HTML engine.
//!
//! It never logs anything, and its errors never contain a URL (a redirect URL carries the
//! authorization code).
//!
//! ```no_run
//! # async fn demo(authorize_url: url::Url) -> Result<(), printjob_emulator::robot::RobotError> {
//! use printjob_emulator::robot::{self, Consent, RobotUser};
//! let user = RobotUser::new("adele@contoso.onmicrosoft.com", "Passw0rd!");
//! let outcome = robot::sign_in(&authorize_url, &user, Consent::Accept).await?;
//! assert_eq!(outcome.status, 200);
//! # Ok(()) }
//! ```

use reqwest::header::{HeaderValue, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use url::Url;

/// The most pages and redirects one sign-in may take.
const MAX_STEPS: usize = 30;

/// Who the robot signs in as.
#[derive(Clone)]
pub struct RobotUser {
    /// User principal name typed into the sign-in form.
    pub username: String,
    password: String,
}

impl RobotUser {
    /// A user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl std::fmt::Debug for RobotUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotUser")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What the robot answers on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Click Accept.
    Accept,
    /// Click Cancel (the client gets `error=access_denied`).
    Cancel,
}

/// The last page the robot reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotOutcome {
    /// HTTP status of the last page.
    pub status: u16,
    /// Its body (the loopback listener's page, or the emulator's device-flow "done" page).
    pub body: String,
    /// `scheme://host:port` of the last page (never its path or query).
    pub origin: String,
}

/// Why the robot stopped before delivering the redirect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RobotError {
    /// A request failed (connection refused, timeout…).
    #[error("request failed: {0}")]
    Http(String),
    /// The sign-in page came back with an error (wrong password, personal account…).
    #[error("sign-in refused: {0}")]
    SignInRefused(String),
    /// The emulator showed an error page (bad client, redirect URI mismatch…).
    #[error("the identity provider showed an error page: {0}")]
    ErrorPage(String),
    /// A page the robot does not know how to handle.
    #[error("unexpected page (HTTP {status}): {summary}")]
    UnexpectedPage {
        /// HTTP status.
        status: u16,
        /// The page's title or first characters.
        summary: String,
    },
    /// More than the allowed number of pages and redirects.
    #[error("gave up after {MAX_STEPS} pages and redirects")]
    TooManySteps,
}

/// Signs in through an authorize URL: sign-in page, consent page, form_post, redirect to the
/// loopback redirect URI. Returns the redirect URI's page.
pub async fn sign_in(
    authorize_url: &Url,
    user: &RobotUser,
    consent: Consent,
) -> Result<RobotOutcome, RobotError> {
    let mut browser = Browser::new()?;
    let page = browser.load(Step::Get(authorize_url.clone())).await?;
    drive(&mut browser, page, user, consent, None).await
}

/// [`sign_in`] for callers without an async runtime (a `$BROWSER` process, a browser thread):
/// runs it on a single-threaded runtime of its own.
pub fn sign_in_blocking(
    authorize_url: &Url,
    user: &RobotUser,
    consent: Consent,
) -> Result<RobotOutcome, RobotError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| RobotError::Http(format!("cannot start a runtime: {e}")))?
        .block_on(sign_in(authorize_url, user, consent))
}

/// Completes a device code sign-in: opens `verification_uri`, types `user_code`, signs in and
/// answers the consent page. Returns the final "you may close this window" page.
pub async fn device_login(
    verification_uri: &Url,
    user_code: &str,
    user: &RobotUser,
    consent: Consent,
) -> Result<RobotOutcome, RobotError> {
    let mut browser = Browser::new()?;
    let page = browser.load(Step::Get(verification_uri.clone())).await?;
    drive(&mut browser, page, user, consent, Some(user_code)).await
}

async fn drive(
    browser: &mut Browser,
    mut page: Page,
    user: &RobotUser,
    consent: Consent,
    user_code: Option<&str>,
) -> Result<RobotOutcome, RobotError> {
    let home = page.url.origin();
    let mut signed_in = false;
    let mut code_typed = false;
    for _ in 0..MAX_STEPS {
        if page.url.origin() != home {
            return Ok(page.outcome());
        }
        let forms = html::forms(&page.body);
        let form = |id: &str| forms.iter().find(|f| f.id == id);
        let next = if let Some(f) = form("form_post") {
            f.submit(&page.url, &[])
        } else if let Some(f) = form("signin") {
            if signed_in {
                return Err(RobotError::SignInRefused(page.message("error")));
            }
            signed_in = true;
            f.submit(
                &page.url,
                &[("login", &user.username), ("passwd", &user.password)],
            )
        } else if let Some(f) = form("consent") {
            let decision = match consent {
                Consent::Accept => "accept",
                Consent::Cancel => "cancel",
            };
            f.submit(&page.url, &[("decision", decision)])
        } else if let (Some(f), Some(code)) = (form("devicecode"), user_code) {
            if code_typed {
                return Err(RobotError::SignInRefused(page.message("error")));
            }
            code_typed = true;
            f.submit(&page.url, &[("otc", code)])
        } else if html::element_text(&page.body, "done").is_some() {
            return Ok(page.outcome());
        } else if html::element_text(&page.body, "error").is_some() {
            return Err(RobotError::ErrorPage(page.message("error")));
        } else {
            return Err(RobotError::UnexpectedPage {
                status: page.status,
                summary: page.summary(),
            });
        };
        page = browser.load(next?).await?;
    }
    Err(RobotError::TooManySteps)
}

/// One request the browser makes.
#[derive(Debug)]
enum Step {
    Get(Url),
    Post(Url, Vec<(String, String)>),
}

#[derive(Debug)]
struct Page {
    url: Url,
    status: u16,
    body: String,
}

impl Page {
    fn outcome(self) -> RobotOutcome {
        RobotOutcome {
            status: self.status,
            origin: self.url.origin().ascii_serialization(),
            body: self.body,
        }
    }

    fn message(&self, id: &str) -> String {
        html::element_text(&self.body, id).unwrap_or_else(|| self.summary())
    }

    fn summary(&self) -> String {
        html::element_text(&self.body, "").unwrap_or_else(|| self.body.chars().take(200).collect())
    }
}

/// A reqwest client that follows redirects by hand and keeps cookies per host and port.
struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, BTreeMap<String, String>>,
}

fn http_error(e: reqwest::Error) -> RobotError {
    RobotError::Http(e.without_url().to_string())
}

fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

impl Browser {
    fn new() -> Result<Self, RobotError> {
        let http = printjob::http_client(&printjob::HttpClientSettings {
            request_timeout: Duration::from_secs(30),
            ..Default::default()
        })
        .map_err(|e| RobotError::Http(e.to_string()))?;
        Ok(Self {
            http,
            cookies: HashMap::new(),
        })
    }

    /// Sends `step`, then follows redirects, returning the first non-redirect page.
    async fn load(&mut self, mut step: Step) -> Result<Page, RobotError> {
        for _ in 0..MAX_STEPS {
            let url = match &step {
                Step::Get(u) | Step::Post(u, _) => u.clone(),
            };
            let mut request = match step {
                Step::Get(u) => self.http.get(u),
                Step::Post(u, fields) => self.http.post(u).form(&fields),
            };
            if let Some(cookie) = self.cookie_header(&url) {
                request = request.header(COOKIE, cookie);
            }
            let response = request.send().await.map_err(http_error)?;
            self.store_cookies(&url, response.headers().get_all(SET_COOKIE).iter());
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok())
                    .ok_or_else(|| RobotError::UnexpectedPage {
                        status: status.as_u16(),
                        summary: "a redirect without a usable Location header".into(),
                    })?;
                step = Step::Get(location);
                continue;
            }
            let is_text = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.starts_with("text/") || v.contains("json"));
            let body = if is_text {
                response.text().await.map_err(http_error)?
            } else {
                String::new()
            };
            return Ok(Page {
                url,
                status: status.as_u16(),
                body,
            });
        }
        Err(RobotError::TooManySteps)
    }

    fn cookie_header(&self, url: &Url) -> Option<String> {
        let jar = self.cookies.get(&host_key(url))?;
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn store_cookies<'a>(&mut self, url: &Url, headers: impl Iterator<Item = &'a HeaderValue>) {
        for value in headers.filter_map(|v| v.to_str().ok()) {
            let first = value.split(';').next().unwrap_or("");
            if let Some((name, val)) = first.split_once('=') {
                self.cookies
                    .entry(host_key(url))
                    .or_default()
                    .insert(name.trim().to_string(), val.trim().to_string());
            }
        }
    }
}

/// Just enough HTML reading for the emulator's own pages: forms with their inputs and buttons,
/// and the text of an element by `id`.
mod html {
    use super::{RobotError, Step};
    use url::Url;

    /// A start or end tag with its decoded attributes.
    #[derive(Debug)]
    pub(super) struct Tag {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub end: usize,
    }

    impl Tag {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// Every tag of `html`, in order (comments and doctype skipped).
    pub(super) fn tags(html: &str) -> Vec<Tag> {
        let bytes = html.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(offset) = html[i..].find('<') {
            let start = i + offset + 1;
            let closing = bytes.get(start) == Some(&b'/');
            let name_start = if closing { start + 1 } else { start };
            if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
                i = start;
                continue;
            }
            let (tag, end) = parse_tag(html, name_start, closing);
            out.push(tag);
            i = end;
        }
        out
    }

    fn parse_tag(html: &str, name_start: usize, closing: bool) -> (Tag, usize) {
        let bytes = html.as_bytes();
        let mut i = name_start;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric()) {
            i += 1;
        }
        let mut name = html[name_start..i].to_ascii_lowercase();
        if closing {
            name.insert(0, '/');
        }
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let key_start = i;
            while i < bytes.len()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
                && !bytes[i].is_ascii_whitespace()
            {
                i += 1;
            }
            let key = html[key_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') {
                i += 1;
                let (v, next) = attr_value(html, i);
                value = v;
                i = next;
            }
            attrs.push((key, value));
        }
        let end = (i + 1).min(bytes.len());
        (Tag { name, attrs, end }, end)
    }

    fn attr_value(html: &str, i: usize) -> (String, usize) {
        let bytes = html.as_bytes();
        let decode = |s: &str| html_escape::decode_html_entities(s).into_owned();
        match bytes.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let rest = &html[i + 1..];
                let len = rest.find(q as char).unwrap_or(rest.len());
                (decode(&rest[..len]), (i + 1 + len + 1).min(bytes.len()))
            }
            _ => {
                let rest = &html[i..];
                let len = rest
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(rest.len());
                (decode(&rest[..len]), i + len)
            }
        }
    }

    /// A form: its id, method, action and the name/value pairs it would submit.
    #[derive(Debug, Default)]
    pub(super) struct Form {
        pub id: String,
        pub method: String,
        pub action: String,
        pub fields: Vec<(String, String)>,
    }

    impl Form {
        /// The request submitting this form, with `overrides` replacing or adding fields.
        pub fn submit(&self, base: &Url, overrides: &[(&str, &str)]) -> Result<Step, RobotError> {
            let action = base
                .join(&self.action)
                .map_err(|_| RobotError::UnexpectedPage {
                    status: 200,
                    summary: format!("form {:?} has an unusable action", self.id),
                })?;
            let mut fields: Vec<(String, String)> = self
                .fields
                .iter()
                .filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k))
                .cloned()
                .collect();
            fields.extend(
                overrides
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
            if self.method.eq_ignore_ascii_case("post") {
                return Ok(Step::Post(action, fields));
            }
            let mut url = action;
            url.query_pairs_mut().extend_pairs(fields);
            Ok(Step::Get(url))
        }
    }

    /// The forms of a page; `<input>`s with a name contribute their value (buttons do not: the
    /// robot picks the button it clicks through `overrides`).
    pub(super) fn forms(html: &str) -> Vec<Form> {
        let mut out: Vec<Form> = Vec::new();
        let mut open = false;
        for tag in tags(html) {
            match tag.name.as_str() {
                "form" => {
                    out.push(Form {
                        id: tag.attr("id").unwrap_or("").to_string(),
                        method: tag.attr("method").unwrap_or("get").to_string(),
                        action: tag.attr("action").unwrap_or("").to_string(),
                        fields: Vec::new(),
                    });
                    open = true;
                }
                "/form" => open = false,
                "input" if open => {
                    if let (Some(form), Some(name)) = (out.last_mut(), tag.attr("name")) {
                        let value = tag.attr("value").unwrap_or("").to_string();
                        form.fields.push((name.to_string(), value));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The text right inside the element whose `id` is `id` (or of `<title>` when `id` is empty).
    pub(super) fn element_text(html: &str, id: &str) -> Option<String> {
        let tag = tags(html).into_iter().find(|t| {
            if id.is_empty() {
                t.name == "title"
            } else {
                t.attr("id") == Some(id)
            }
        })?;
        let rest = &html[tag.end..];
        let text = &rest[..rest.find('<').unwrap_or(rest.len())];
        Some(html_escape::decode_html_entities(text.trim()).into_owned())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn reads_forms_and_decodes_attribute_values() {
            let page = r#"<form id="signin" method="post" action="/t/login">
                <input type="hidden" name="flow" value="a&amp;b&quot;c">
                <input type=email name=login value=''><button name="x">Go</button></form>
                <div id="error" role="alert">AADSTS50126: bad &lt;password&gt;</div>"#;
            let forms = forms(page);
            assert_eq!(forms.len(), 1);
            assert_eq!(forms[0].id, "signin");
            assert_eq!(
                forms[0].fields,
                [
                    ("flow".into(), "a&b\"c".into()),
                    ("login".into(), String::new())
                ]
            );
            assert_eq!(
                element_text(page, "error").unwrap(),
                "AADSTS50126: bad <password>"
            );
        }
    }
}
