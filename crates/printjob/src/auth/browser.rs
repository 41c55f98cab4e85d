//! Opening the sign-in page: the [`Browser`] trait (injected, so tests open nothing) and
//! [`SystemBrowser`], which honours `$BROWSER` (a list of commands, `%s` for the URL, as
//! Python's `webbrowser` reads it) and else asks the system opener (the `open` crate). A
//! command that exits with failure within [`BROWSER_CHECK`] did not open the page.

use std::ffi::OsString;
use std::process::{Command, Stdio};

/// How the sign-in URL is presented to the user.
pub trait Browser: Send + Sync {
    /// Opens `url`. `Err` says the browser could not be launched; the caller then shows the
    /// URL and keeps waiting for the redirect.
    fn open(&self, url: &url::Url) -> Result<(), String>;
}

/// The user's browser: `$BROWSER` when set (like git and gh), else the platform's openers
/// (the `open` crate's commands: `xdg-open`, `gio open`, … on Linux, `open` on macOS). A
/// command counts as having opened the page only if it exits successfully, or is still running
/// (a browser that stays in the foreground) after `BROWSER_CHECK`; a command that exits with
/// a failure status within that time did not open anything (`BROWSER=false`), and the next
/// one is tried.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

/// How long a browser command is watched for a failing exit status before it is taken to be a
/// browser that stays running. Openers (`xdg-open`, `open`, a remote-control `firefox URL`)
/// exit within a few milliseconds; the wait ends as soon as the command exits.
pub const BROWSER_CHECK: std::time::Duration = std::time::Duration::from_millis(500);

impl Browser for SystemBrowser {
    fn open(&self, url: &url::Url) -> Result<(), String> {
        tracing::debug!("opening the sign-in page");
        match std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
            Some(browser) => open_with_browser_variable(&browser, url.as_str()),
            None => open_with_system_opener(url.as_str()),
        }
    }
}

/// Tries the platform's openers in turn; the first that succeeds wins.
fn open_with_system_opener(url: &str) -> Result<(), String> {
    let mut failures = Vec::new();
    for command in open::commands(url) {
        let program = command.get_program().to_string_lossy().into_owned();
        match run_checked(command) {
            Ok(()) => return Ok(()),
            Err(e) => failures.push(format!("`{program}` {e}")),
        }
    }
    if failures.is_empty() {
        return Err("this system has no command that opens a browser".into());
    }
    Err(format!(
        "no system browser opened ({})",
        failures.join("; ")
    ))
}

/// The separator between commands in `$BROWSER` (the platform's path-list separator).
const BROWSER_LIST_SEPARATOR: char = if cfg!(windows) { ';' } else { ':' };

/// Tries each command of `$BROWSER` in turn; the first that starts wins.
fn open_with_browser_variable(browser: &OsString, url: &str) -> Result<(), String> {
    let value = browser.to_string_lossy();
    let commands = browser_commands(&value, url);
    if commands.is_empty() {
        return Err("$BROWSER is set but names no command; open the URL yourself".into());
    }
    let mut failures = Vec::new();
    for argv in commands {
        match spawn_detached(&argv) {
            Ok(()) => return Ok(()),
            Err(e) => failures.push(format!("`{}`: {e}", argv[0])),
        }
    }
    Err(format!(
        "could not start the browser named in $BROWSER ({}); open the URL yourself or fix $BROWSER",
        failures.join("; ")
    ))
}

/// The commands `$BROWSER` names, each as argv with the URL in place: `%s` is replaced by the
/// URL (and `%%` by `%`); without `%s` the URL is appended as the last argument. Commands are
/// separated by `:` (`;` on Windows); words by white space, with `'…'`, `"…"` and `\` quoting.
pub fn browser_commands(value: &str, url: &str) -> Vec<Vec<String>> {
    value
        .split(BROWSER_LIST_SEPARATOR)
        .map(split_words)
        .filter(|words| !words.is_empty())
        .map(|words| substitute_url(words, url))
        .collect()
}

fn substitute_url(words: Vec<String>, url: &str) -> Vec<String> {
    if !words.iter().any(|w| w.contains("%s")) {
        let mut words = words;
        words.push(url.to_owned());
        return words;
    }
    words
        .into_iter()
        .map(|w| {
            w.split("%%")
                .map(|part| part.replace("%s", url))
                .collect::<Vec<_>>()
                .join("%")
        })
        .collect()
}

/// Splits a command line into words, honouring single quotes, double quotes and backslashes.
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                word.extend(chars.next());
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Starts `argv` without a shell (see [`run_checked`]).
fn spawn_detached(argv: &[String]) -> Result<(), String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let mut command = Command::new(program);
    command.args(args);
    run_checked(command)
}

/// Starts `command` with stdin and stdout closed (a browser's chatter must not end up in
/// printjob's output) and watches it for [`BROWSER_CHECK`]: an exit with a failure status in
/// that time is an error; a successful exit, or a command still running then, is success. A
/// command still running is reaped on a background thread without waiting for it.
fn run_checked(mut command: Command) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not be started ({e})"))?;
    let started = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("failed ({status})")),
            Ok(None) if started.elapsed() >= BROWSER_CHECK => break,
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(e) => return Err(format!("could not be watched ({e})")),
        }
    }
    std::thread::spawn(move || match child.wait() {
        Ok(status) => tracing::debug!(%status, "browser command exited"),
        Err(e) => tracing::debug!(error = %e, "could not wait for the browser"),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_command_gets_the_url_appended() {
        assert_eq!(
            browser_commands("firefox --new-tab", "http://x/?a=1&b=2"),
            [vec!["firefox", "--new-tab", "http://x/?a=1&b=2"]]
        );
    }

    #[test]
    fn browser_command_substitutes_percent_s() {
        assert_eq!(
            browser_commands("my-browser --url=%s --x 100%%", "http://x/"),
            [vec!["my-browser", "--url=http://x/", "--x", "100%"]]
        );
    }

    #[test]
    #[cfg(not(windows))]
    fn browser_variable_is_a_colon_separated_list() {
        assert_eq!(
            browser_commands("missing-browser:w3m::'/opt/my browser/run' -x", "u"),
            [
                vec!["missing-browser", "u"],
                vec!["w3m", "u"],
                vec!["/opt/my browser/run", "-x", "u"],
            ]
        );
    }

    #[test]
    fn browser_words_honour_quotes_and_backslashes() {
        assert_eq!(
            split_words(r#"a "b c" 'd e' f\ g "h\"i" ''"#),
            ["a", "b c", "d e", "f g", "h\"i", ""]
        );
    }

    #[test]
    #[cfg(unix)]
    fn browser_list_falls_back_to_the_next_command() {
        let result = open_with_browser_variable(
            &OsString::from("/nonexistent/browser-one:true"),
            "http://localhost:1/",
        );
        assert_eq!(result, Ok(()));
    }

    #[test]
    #[cfg(unix)]
    fn browser_command_that_exits_with_failure_did_not_open_the_page() {
        let err = open_with_browser_variable(&OsString::from("false"), "http://localhost:1/")
            .unwrap_err();
        assert!(err.contains("`false`: failed (exit status: 1)"), "{err}");
    }

    #[test]
    #[cfg(unix)]
    fn browser_command_still_running_after_the_check_counts_as_opened() {
        let started = std::time::Instant::now();
        // a shell that ignores the URL (its `$0`) and stays running, as a text-mode browser does
        let result = open_with_browser_variable(
            &OsString::from("sh -c 'sleep 3' browser"),
            "http://localhost:1/",
        );
        assert_eq!(result, Ok(()));
        let waited = started.elapsed();
        assert!(waited >= BROWSER_CHECK, "{waited:?}");
        assert!(waited < std::time::Duration::from_secs(3), "{waited:?}");
    }

    #[test]
    #[cfg(unix)]
    fn browser_that_cannot_start_is_reported() {
        let err = open_with_browser_variable(
            &OsString::from("/nonexistent/browser-one"),
            "http://localhost:1/",
        )
        .unwrap_err();
        assert!(err.contains("/nonexistent/browser-one"), "{err}");
    }
}
