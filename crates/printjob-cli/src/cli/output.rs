//! Output helpers: every write to stdout and stderr (the `cli` module's `println!` family),
//! notes that `-q` hides, errors, JSON and tables that fit the terminal.

use printjob::{Error, GraphError, Remedy, Setting};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set once from `-q/--quiet`: no progress and no notes on stderr (errors and warnings stay).
static QUIET: AtomicBool = AtomicBool::new(false);

/// Records whether `-q/--quiet` was given (once, before the command runs).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q/--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A note for a person on stderr (what the command chose to do and why); `-q` hides it.
pub fn note(text: &str) {
    if !quiet() {
        eprintln!("{text}");
    }
}

/// Prints an error for a person on stderr: what happened (the library's words) and, when the
/// library knows a remedy, what to do in this command line's terms.
pub fn print_error(error: &Error) {
    eprintln!("error: {}", error_text(error));
}

/// An error in one sentence with one remedy: the library's words, and this command line's
/// advice when the library knows a remedy (a Graph error's own hint is left out then: it says
/// the same in the library's terms).
pub fn error_text(error: &Error) -> String {
    let advice = error.remedy().and_then(|r| advice(&r));
    let said = match error {
        Error::Graph(graph) => graph_text(graph, advice.is_none()),
        other => other.to_string(),
    };
    match advice {
        Some(advice) => format!("{}; {advice}", trim_stop(&said)),
        None => said,
    }
}

/// A Graph error for a person: what failed, Graph's status, code and message, the hint when
/// `with_hint`, then the request ids support asks for. `list jobs of printer P failed: 404
/// itemNotFound: The printer 'P' was not found (request-id …, client-request-id …)`.
pub fn graph_text(error: &GraphError, with_hint: bool) -> String {
    let mut text = format!("{} failed: ", error.operation);
    if let Some(status) = error.status {
        text.push_str(&format!("{status} "));
    }
    text.push_str(&format!("{}: {}", error.code, trim_stop(&error.message)));
    if let Some(hint) = error.hint.as_deref().filter(|_| with_hint) {
        text.push_str(&format!("; {}", trim_stop(hint)));
    }
    let ids: Vec<String> = [
        error
            .request_id
            .as_deref()
            .map(|id| format!("request-id {id}")),
        error
            .client_request_id
            .as_deref()
            .map(|id| format!("client-request-id {id}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !ids.is_empty() {
        text.push_str(&format!(" ({})", ids.join(", ")));
    }
    text
}

/// `text` without a final full stop, so that a clause can follow it (`…was not found; check…`,
/// not `…was not found.; check…`).
pub fn trim_stop(text: &str) -> &str {
    let text = text.trim_end();
    text.strip_suffix('.').unwrap_or(text)
}

/// A library [`Remedy`] worded as advice naming this command line's commands, flags and
/// environment variables.
pub fn advice(remedy: &Remedy) -> Option<String> {
    let text = match remedy {
        Remedy::SignIn => "run `printjob login` to sign in again".to_string(),
        Remedy::SignInWaitingLonger => {
            "run `printjob login` again (use --timeout to wait longer)".to_string()
        }
        Remedy::SignInWithScopes(scopes) => {
            let flags: Vec<String> = scopes.iter().map(|s| format!("--scope {s}")).collect();
            let admin: Vec<&str> = scopes
                .iter()
                .map(|s| s.as_str())
                .filter(|s| printjob::needs_admin_consent(s))
                .collect();
            let note = if admin.is_empty() {
                String::new()
            } else {
                format!(
                    " (an administrator must consent to {} first)",
                    admin.join(" and ")
                )
            };
            format!("run `printjob login {}`{note}", flags.join(" "))
        }
        Remedy::SignInWithBrowser => {
            "sign in with the browser instead (`printjob login` without --device-code)".to_string()
        }
        Remedy::SignInWithQueryResponse => "run `printjob login --response-mode query`".to_string(),
        Remedy::CheckSettings(settings) => {
            let named: Vec<&str> = settings.iter().map(|s| setting(*s)).collect();
            format!("check {}", named.join(" and "))
        }
        Remedy::CopyListedIds => "copy the id exactly as `printjob printers` or `printjob jobs \
             PRINTER` lists it (use --share for a printer share id)"
            .to_string(),
        Remedy::ListShares => {
            "list the shares you print to with `printjob printers --shares`".to_string()
        }
        Remedy::ChooseAnotherPort => {
            "pick another --port or omit it to use a free port".to_string()
        }
        _ => return None,
    };
    Some(text)
}

/// How a setting is given to this command line.
fn setting(setting: Setting) -> &'static str {
    match setting {
        Setting::Tenant => "the tenant (--tenant / PRINTJOB_TENANT_ID)",
        Setting::ClientId => "the client id (--client-id / PRINTJOB_CLIENT_ID)",
        Setting::Cloud => "--cloud (PRINTJOB_CLOUD)",
        Setting::Authority => "--authority (PRINTJOB_AUTHORITY)",
        Setting::GraphUrl => "--graph-url (PRINTJOB_GRAPH_URL)",
        Setting::Cache => "the token cache (--cache / PRINTJOB_CACHE)",
        Setting::CacheStore => {
            "the token cache store (--cache-store / PRINTJOB_CACHE_STORE / cache_store in the config file: auto, secret-service or file)"
        }
        Setting::Scopes => "the --scope values",
        Setting::Share => "--share",
        _ => "the configuration",
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| {
        Error::other(
            printjob::ErrorKind::Internal,
            format!("cannot write JSON output: {e}"),
        )
    })?;
    write_stdout(&json_terminal_safe(&text), false);
    write_stdout("\n", false);
    Ok(())
}

/// How a table column behaves when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never shortened: ids and user names must stay whole to be copied.
    Keep,
    /// Free text (a name, a detail) shortened with `…` to fit.
    Shorten,
}

/// A table column: its heading and how it fits.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The heading (upper case by convention).
    pub title: &'a str,
    /// Whether it may be shortened.
    pub fit: Fit,
}

impl<'a> Column<'a> {
    /// A column that is never shortened.
    pub const fn keep(title: &'a str) -> Self {
        Column {
            title,
            fit: Fit::Keep,
        }
    }
    /// A free-text column shortened with `…` when the table is too wide.
    pub const fn shorten(title: &'a str) -> Self {
        Column {
            title,
            fit: Fit::Shorten,
        }
    }
}

/// The narrowest a shortened column becomes.
const MIN_SHORTENED: usize = 8;

/// Prints rows as a left-aligned table with a header row on stdout. A column with no text in
/// any row is left out. On a terminal the table fits its width: [`Fit::Shorten`] columns are
/// cut with `…`, widest first; piped output is never cut (a script reads every character).
pub fn print_table(columns: &[Column<'_>], rows: &[Vec<String>]) {
    for line in table_lines(columns, rows, stdout_width()) {
        println!("{line}");
    }
}

/// The width of the terminal standard output is, if it is one.
fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

/// The lines of [`print_table`], fitted to `width` when given.
pub fn table_lines(
    columns: &[Column<'_>],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> Vec<String> {
    let cell = |row: &Vec<String>, i: usize| -> String {
        row.get(i)
            .map(|c| escape_controls(c, Keep::Nothing).into_owned())
            .unwrap_or_default()
    };
    let shown: Vec<usize> = (0..columns.len())
        .filter(|&i| rows.is_empty() || rows.iter().any(|r| !cell(r, i).is_empty()))
        .collect();
    let header: Vec<String> = shown.iter().map(|&i| columns[i].title.to_owned()).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| shown.iter().map(|&i| cell(r, i)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &body {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    if let Some(width) = width {
        let fits: Vec<Fit> = shown.iter().map(|&i| columns[i].fit).collect();
        shrink(&mut widths, &fits, width);
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{:<w$}", shorten(c, w)))
            .collect();
        parts.join("  ").trim_end().to_owned()
    };
    std::iter::once(line(&header))
        .chain(body.iter().map(|r| line(r)))
        .collect()
}

/// Narrows the widest [`Fit::Shorten`] column, one character at a time, until the table
/// (columns and two-space gaps) fits `width` or every such column is [`MIN_SHORTENED`] wide.
fn shrink(widths: &mut [usize], fits: &[Fit], width: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while total(widths) > width {
        let widest = widths
            .iter()
            .zip(fits)
            .enumerate()
            .filter(|(_, (w, f))| **f == Fit::Shorten && **w > MIN_SHORTENED)
            .max_by_key(|(_, (w, _))| **w)
            .map(|(i, _)| i);
        match widest {
            Some(i) => widths[i] -= 1,
            None => return,
        }
    }
}

/// `text` cut to `width` characters, the last one `…`, when longer.
fn shorten(text: &str, width: usize) -> Cow<'_, str> {
    if text.chars().count() <= width {
        return Cow::Borrowed(text);
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    Cow::Owned(format!("{kept}…"))
}

/// `n` and the noun, singular or plural: `1 job`, `3 jobs`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// What happened to standard output: still open, closed by the reader (a broken pipe: `| head`),
/// or failed otherwise (a full disk), with the first error.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDOUT_FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// Writes to standard output (the `println!`/`print!` of the `cli` module). Never panics: once
/// the reader has gone (`EPIPE`) or a write failed, later output is dropped and
/// [`stdout_failure`] tells `main` what happened. `escape` escapes control characters (human
/// output); JSON is written by [`print_json`] with `escape` off.
pub fn write_stdout(text: &str, escape: bool) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let text = if escape {
        escape_controls(text, Keep::LineBreaks)
    } else {
        Cow::Borrowed(text)
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()) {
        record_stdout_error(&e);
    }
}

/// Writes to standard error with control characters escaped; errors are ignored (there is
/// nowhere left to report them).
pub fn write_stderr(text: &str) {
    let text = escape_controls(text, Keep::LineBreaks);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn record_stdout_error(e: &std::io::Error) {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return;
    }
    if let Ok(mut failure) = STDOUT_FAILURE.lock() {
        failure.get_or_insert_with(|| e.to_string());
    }
}

/// Flushes standard output and returns the first write error other than a closed pipe
/// (`None` when all output was written or the reader closed the pipe, as `head` does).
pub fn stdout_failure() -> Option<String> {
    if !STDOUT_CLOSED.load(Ordering::Relaxed) {
        if let Err(e) = std::io::stdout().lock().flush() {
            record_stdout_error(&e);
        }
    }
    STDOUT_FAILURE.lock().ok().and_then(|f| f.clone())
}

/// Which whitespace controls [`escape_controls`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Keep `\n` and `\t` (whole messages and lines printed by printjob).
    LineBreaks,
    /// Escape everything (a table cell: one line).
    Nothing,
}

/// Escapes what a terminal would interpret in text that came from a service: C0 controls
/// (ESC starts colour, cursor and title sequences; CR rewrites the line), DEL, C1 controls
/// (U+009B is a one-character CSI) and the bidirectional overrides that reorder what is
/// shown. Each becomes `\xNN` or `\u{NNNN}`, so the text stays readable and nothing is lost.
pub fn escape_controls(text: &str, keep: Keep) -> Cow<'_, str> {
    let needs = |c: char| match c {
        '\n' | '\t' => keep == Keep::Nothing,
        _ => is_dangerous(c),
    };
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !needs(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

fn is_dangerous(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// JSON text with the characters a terminal would interpret that JSON leaves raw (DEL, C1
/// controls, bidirectional overrides; serde_json already escapes C0) written as `\uXXXX`
/// escapes: the same JSON value, safe on a terminal. They can only occur inside strings.
fn json_terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_dangerous(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use printjob::Scope;

    #[test]
    fn remedies_are_worded_with_this_command_lines_commands_and_flags() {
        let scope = Scope::new("PrinterShare.ReadBasic.All").unwrap();
        assert_eq!(
            advice(&Remedy::SignInWithScopes(vec![scope])).unwrap(),
            "run `printjob login --scope PrinterShare.ReadBasic.All`"
        );
        let admin = Scope::new("Printer.Read.All").unwrap();
        assert_eq!(
            advice(&Remedy::SignInWithScopes(vec![admin])).unwrap(),
            "run `printjob login --scope Printer.Read.All` (an administrator must consent to Printer.Read.All first)"
        );
        assert_eq!(
            advice(&Remedy::SignIn).unwrap(),
            "run `printjob login` to sign in again"
        );
        let check = advice(&Remedy::CheckSettings(vec![
            Setting::ClientId,
            Setting::Tenant,
        ]))
        .unwrap();
        assert!(check.contains("PRINTJOB_CLIENT_ID"), "{check}");
        assert!(check.contains("--tenant"), "{check}");
    }

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_table_fits_the_terminal_by_shortening_free_text_only() {
        let long = "x".repeat(200);
        let lines = table_lines(
            &[
                Column::keep("JOB ID"),
                Column::keep("OWNER"),
                Column::shorten("DETAIL"),
            ],
            &rows(&[&["101", "adele@contoso.onmicrosoft.com", &long]]),
            Some(80),
        );
        for line in &lines {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(
            lines[1].starts_with("101     adele@contoso.onmicrosoft.com  xxx"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with('…'), "{}", lines[1]);
    }

    #[test]
    fn a_table_off_a_terminal_is_never_shortened() {
        let long = "x".repeat(200);
        let lines = table_lines(
            &[Column::keep("ID"), Column::shorten("DETAIL")],
            &rows(&[&["1", &long]]),
            None,
        );
        assert!(lines[1].ends_with(&long));
    }

    #[test]
    fn a_column_empty_in_every_row_is_left_out() {
        let lines = table_lines(
            &[
                Column::keep("SHARE ID"),
                Column::shorten("NAME"),
                Column::keep("STATE"),
            ],
            &rows(&[&["s1", "Lobby", ""], &["s2", "Finance", ""]]),
            None,
        );
        assert_eq!(lines[0], "SHARE ID  NAME");
    }

    #[test]
    fn a_graph_error_with_a_remedy_says_the_remedy_once() {
        let error: Error = GraphError::from_response(
            "cancel job 999 on printer P",
            404,
            br#"{"error":{"code":"itemNotFound","message":"The print job '999' was not found."}}"#,
            (Some("r1".into()), None),
        )
        .into();
        let text = error_text(&error);
        assert_eq!(
            text,
            "cancel job 999 on printer P failed: 404 itemNotFound: The print job '999' was not found \
             (request-id r1); copy the id exactly as `printjob printers` or `printjob jobs PRINTER` \
             lists it (use --share for a printer share id)"
        );
    }
}
