//! The HTML pages: sign-in, consent, error, the form_post auto-submit form, the device login
//! pages. Every value a page echoes goes through [`esc`], so no request parameter can inject
//! markup or script.
//!
//! The markup is stable on purpose: the robot browser (`emulator::robot`) finds the forms by
//! their `id` (`signin`, `consent`, `form_post`, `devicecode`) and messages by `id="error"` and
//! `id="done"`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn esc(text: &str) -> String {
    html_escape::encode_safe(text).into_owned()
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n{body}\n\
         <p><small>Microsoft identity platform emulator (printjob)</small></p>\n</body></html>\n",
        title = esc(title)
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        esc(name),
        esc(value)
    )
}

/// Answers with a page; every page forbids framing and caching.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let mut response = (status, Html(layout(title, body))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    response
}

/// The error page shown when the request cannot be sent back to the client.
pub fn error_page(message: &str) -> Response {
    let body = format!(
        "<p>Sorry, but we're having trouble signing you in.</p>\n<div id=\"error\">{}</div>",
        esc(message)
    );
    page(StatusCode::BAD_REQUEST, "Sign in", &body)
}

/// What the sign-in page needs.
#[derive(Debug, Clone)]
pub struct SignIn<'a> {
    /// Form target (`/{tenant}/login`).
    pub action: &'a str,
    /// Flow id.
    pub flow: &'a str,
    /// CSRF value.
    pub csrf: &'a str,
    /// Prefilled user name (`login_hint`, or what was typed).
    pub username: &'a str,
    /// The application's display name.
    pub app: &'a str,
    /// An error from the previous attempt (`AADSTS50126: …`).
    pub error: Option<&'a str>,
}

/// The sign-in page (user name + password).
pub fn sign_in(p: &SignIn<'_>) -> Response {
    let error = p
        .error
        .map(|e| format!("<div id=\"error\" role=\"alert\">{}</div>\n", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<p>to continue to {app}</p>\n{error}<form id=\"signin\" method=\"post\" action=\"{action}\">\n\
         {flow}{csrf}<label>Email or phone <input type=\"email\" name=\"login\" value=\"{user}\" \
         autocomplete=\"username\" required></label>\n\
         <label>Password <input type=\"password\" name=\"passwd\" autocomplete=\"current-password\" \
         required></label>\n<button type=\"submit\">Sign in</button>\n</form>",
        app = esc(p.app),
        action = esc(p.action),
        flow = hidden("flow", p.flow),
        csrf = hidden("csrf", p.csrf),
        user = esc(p.username),
    );
    page(StatusCode::OK, "Sign in", &body)
}

/// The consent page: the application, the signed-in user, the permissions; Accept / Cancel.
pub fn consent(
    action: &str,
    flow: &str,
    csrf: &str,
    app: &str,
    user: &str,
    scopes: &[String],
) -> Response {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li><span class=\"scope\">{}</span>: {}</li>\n",
                esc(s),
                esc(super::scopes::describe(s))
            )
        })
        .collect();
    let body = format!(
        "<p>{user}</p>\n<p>{app} would like to:</p>\n<ul id=\"scopes\">\n{items}</ul>\n\
         <form id=\"consent\" method=\"post\" action=\"{action}\">\n{flow}{csrf}\
         <button type=\"submit\" name=\"decision\" value=\"accept\">Accept</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n</form>",
        user = esc(user),
        app = esc(app),
        action = esc(action),
        flow = hidden("flow", flow),
        csrf = hidden("csrf", csrf),
    );
    page(StatusCode::OK, "Permissions requested", &body)
}

/// The `response_mode=form_post` page: a form that POSTs `params` to the redirect URI and
/// submits itself.
pub fn form_post(redirect_uri: &str, params: &[(String, String)]) -> Response {
    let fields: String = params.iter().map(|(k, v)| hidden(k, v)).collect();
    let body = format!(
        "<form id=\"form_post\" method=\"post\" action=\"{action}\">\n{fields}\
         <noscript><p>Script is disabled. Click Submit to continue.</p>\
         <button type=\"submit\">Submit</button></noscript>\n</form>\n\
         <script>document.getElementById('form_post').submit();</script>",
        action = esc(redirect_uri),
    );
    page(StatusCode::OK, "Working...", &body)
}

/// The device login page: enter the code shown on the device.
pub fn device_code_entry(error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!("<div id=\"error\" role=\"alert\">{}</div>\n", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<p>Enter the code displayed on your app or device.</p>\n{error}\
         <form id=\"devicecode\" method=\"post\" action=\"/devicelogin\">\n\
         <label>Code <input type=\"text\" name=\"otc\" autocomplete=\"off\" required></label>\n\
         <button type=\"submit\">Next</button>\n</form>"
    );
    page(StatusCode::OK, "Enter code", &body)
}

/// The last page of the device flow (approved or declined).
pub fn device_done(message: &str) -> Response {
    let body = format!("<div id=\"done\">{}</div>", esc(message));
    page(StatusCode::OK, "Device sign-in", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_in_attributes_and_text() {
        assert_eq!(
            esc("\"><script>alert(1)</script>"),
            "&quot;&gt;&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"
        );
        assert_eq!(esc("a'b"), "a&#x27;b");
    }
}
