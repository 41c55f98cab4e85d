//! Output helpers: logging set-up, errors, JSON and simple tables.

use printjob::{Error, Remedy, Setting};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Logs go to stderr; `-v` raises the level, `RUST_LOG` overrides it.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Prints an error for a person on stderr: what happened (the library's words) and, when the
/// library knows a remedy, what to do in this command line's terms.
pub fn print_error(error: &Error) {
    match error.remedy().and_then(|r| advice(&r)) {
        Some(advice) => eprintln!("error: {error}; {advice}"),
        None => eprintln!("error: {error}"),
    }
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
            format!(
                "run `printjob login {}` (an administrator may have to consent)",
                flags.join(" ")
            )
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

/// Prints rows as a left-aligned table with a header row.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| escape_controls(cell, Keep::Nothing).into_owned())
                .collect()
        })
        .collect();
    let rows = &rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
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
            "run `printjob login --scope PrinterShare.ReadBasic.All` (an administrator may have to consent)"
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
}
