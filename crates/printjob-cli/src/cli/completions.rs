//! `printjob completions SHELL` and `printjob man`: shell completions (clap_complete) and a man
//! page in roff (clap_mangen), both generated from the command definition (`super::Cli`, which the
//! dispatcher hands down as a [`clap::Command`]), so they cannot drift from the flags the binary
//! accepts. Both write to standard output, as
//! `rustup completions` and `gh completion` do; README.md's install section shows where to put
//! them.

use clap::Args;
use clap_complete::Shell;
use printjob::{Error, ErrorKind};

/// `printjob completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish, powershell or elvish
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// `printjob man`.
#[derive(Debug, Args)]
pub struct ManArgs {}

/// The completion script for `shell` of the command line `command`.
pub fn completion_script(shell: Shell, mut command: clap::Command) -> Result<String, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "printjob", &mut script);
    String::from_utf8(script).map_err(|e| internal("the completion script", &e))
}

/// The man page `printjob(1)` of the command line `command`, in roff: the synopsis, the global options, then a section per
/// subcommand (`PRINTJOB LOGIN`…) with its own synopsis and options. One page, rather than
/// clap_mangen's list of `printjob-login(1)`… pages that nobody installs.
pub fn man_page(command: clap::Command) -> Result<String, Error> {
    let man = clap_mangen::Man::new(command.clone());
    let mut roff = Vec::new();
    let rendered = (|| -> std::io::Result<()> {
        man.render_title(&mut roff)?;
        man.render_name_section(&mut roff)?;
        man.render_synopsis_section(&mut roff)?;
        man.render_description_section(&mut roff)?;
        man.render_options_section(&mut roff)?;
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            render_subcommand_section(sub, &mut roff)?;
        }
        roff.extend_from_slice(extra_sections(&command).as_bytes());
        man.render_version_section(&mut roff)
    })();
    rendered.map_err(|e| internal("the man page", &e))?;
    let roff = String::from_utf8(roff).map_err(|e| internal("the man page", &e))?;
    Ok(define_aq_once(&roff))
}

/// EXAMPLES (every command's, from its help), EXIT STATUS (README.md's table), ENVIRONMENT
/// and FILES: the sections clap_mangen does not render.
fn extra_sections(command: &clap::Command) -> String {
    let mut out = String::from(".SH EXAMPLES\n");
    let mut examples = vec![command.get_after_help().map(|h| h.to_string())];
    examples.extend(
        command
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_after_help().map(|h| h.to_string())),
    );
    for text in examples.into_iter().flatten() {
        for line in text.lines().filter(|l| l.starts_with("  ")) {
            out.push_str(&format!(".nf\n{}\n.fi\n", roff_escape(line.trim())));
        }
    }
    out.push_str(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_STATUS {
        out.push_str(&format!(".TP\n{code}\n{}\n", roff_escape(meaning)));
    }
    out.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in ENVIRONMENT {
        out.push_str(&format!(".TP\n\\fB{name}\\fR\n{}\n", roff_escape(meaning)));
    }
    out.push_str(".SH FILES\n");
    for (path, meaning) in FILES {
        out.push_str(&format!(
            ".TP\n\\fI{}\\fR\n{}\n",
            roff_escape(path),
            roff_escape(meaning)
        ));
    }
    out
}

/// A line of text as roff shows it: backslashes doubled, a leading `.` or `'` kept literal.
fn roff_escape(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}

/// The exit codes (README.md, "Exit codes").
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "success (for cancel: every requested job ended canceled; a dry run that could read every job)"),
    ("1", "unexpected error (a bug or an I/O failure)"),
    ("2", "usage error: bad flags, ids or configuration, or a --port in use"),
    ("3", "sign-in failed or is required (run printjob login); logout --account of an account not signed in"),
    ("4", "sign-in declined by the user or the provider (consent refused, access_denied, authorization_declined)"),
    ("5", "permission denied (missing scope, app-only token, someone else's job)"),
    ("6", "not found (printer, share or job)"),
    ("7", "partial failure: some jobs were not canceled (see the report)"),
    ("8", "the service could not be reached or kept failing after retries"),
    ("9", "not available in this build, or here (a secret store that does not answer)"),
    ("10", "a printer or share name matched none, or several, of those you can see"),
    ("130", "interrupted with Ctrl-C (128 + SIGINT), in every command but emulator, which Ctrl-C stops (0)"),
];

/// The environment variables (docs/configuration.md).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PRINTJOB_TENANT_ID",
        "tenant GUID or domain (also AZURE_TENANT_ID); --tenant wins",
    ),
    (
        "PRINTJOB_CLIENT_ID",
        "your app registration's client id (also AZURE_CLIENT_ID); --client-id wins",
    ),
    (
        "PRINTJOB_CLOUD",
        "public, usgov, usgov-dod or china; --cloud wins",
    ),
    (
        "PRINTJOB_AUTHORITY",
        "identity provider host; --authority wins",
    ),
    (
        "PRINTJOB_GRAPH_URL",
        "Microsoft Graph endpoint; --graph-url wins",
    ),
    ("PRINTJOB_CACHE", "token cache file; --cache wins"),
    (
        "PRINTJOB_CACHE_STORE",
        "auto, secret-service or file; --cache-store wins",
    ),
    (
        "PRINTJOB_CACHE_LOCK_TIMEOUT",
        "seconds (0 to 3600) to wait for another process holding the cache lock; default 30",
    ),
    (
        "PRINTJOB_CONFIG",
        "the config file to read instead of the default one",
    ),
    ("BROWSER", "the command that opens the sign-in page"),
    ("RUST_LOG", "log filter on stderr (overrides -v)"),
];

/// The files (docs/configuration.md, docs/token-cache.md).
pub const FILES: &[(&str, &str)] = &[
    (
        "$XDG_CONFIG_HOME/printjob/config.toml",
        "the config file (~/.config/printjob/config.toml; PRINTJOB_CONFIG names another)",
    ),
    (
        "$XDG_CACHE_HOME/printjob/token_cache.json",
        "the token cache when kept in a file (~/.cache/printjob/token_cache.json), mode 0600",
    ),
];

/// clap_mangen starts every part it renders with the definition of the `\*(Aq` string (two
/// lines); the page needs it once, at the top.
fn define_aq_once(roff: &str) -> String {
    let is_aq = |l: &str| l.starts_with(".ie \\n(.g .ds Aq") || l.starts_with(".el .ds Aq");
    let mut seen = 0;
    let mut out = String::with_capacity(roff.len());
    for line in roff.lines() {
        if is_aq(line) {
            seen += 1;
            if seen > 2 {
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A `.SH "PRINTJOB LOGIN"` section: the subcommand's synopsis, description and options.
fn render_subcommand_section(sub: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let name = format!("printjob {}", sub.get_name());
    let sub = sub
        .clone()
        .display_name(name.clone())
        .bin_name(name.clone());
    let man = clap_mangen::Man::new(sub);
    let mut section = Vec::new();
    man.render_name_section(&mut section)?;
    man.render_synopsis_section(&mut section)?;
    man.render_description_section(&mut section)?;
    man.render_options_section(&mut section)?;
    // Each part starts with `.SH NAME`, `.SH SYNOPSIS`…: demote them under one heading.
    let text = String::from_utf8_lossy(&section).replace(".SH ", ".SS ");
    out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn internal(what: &str, e: &dyn std::fmt::Display) -> Error {
    Error::other(ErrorKind::Internal, format!("cannot generate {what}: {e}"))
}

/// Runs `printjob completions SHELL` for the command line `command`.
pub fn completions(args: CompletionsArgs, command: clap::Command) -> Result<(), Error> {
    super::output::write_stdout(&completion_script(args.shell, command)?, false);
    Ok(())
}

/// Runs `printjob man` for the command line `command`.
pub fn man(_args: ManArgs, command: clap::Command) -> Result<(), Error> {
    super::output::write_stdout(&man_page(command)?, false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    #[test]
    fn man_page_has_a_section_for_every_subcommand_of_the_definition() {
        let man = man_page(Cli::command()).unwrap();
        let command = Cli::command();
        let names: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
        assert!(
            names.contains(&"cancel") && names.contains(&"man"),
            "{names:?}"
        );
        for name in names {
            let heading = format!(".SH \"PRINTJOB {}\"", name.to_uppercase());
            assert!(man.contains(&heading), "no {heading}");
        }
        assert_eq!(
            man.matches(".ds Aq").count(),
            2,
            "the Aq string is defined once"
        );
    }

    #[test]
    fn every_shell_script_registers_the_printjob_command() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            let script = completion_script(shell, Cli::command()).unwrap();
            assert!(script.contains("printjob"), "{shell}");
            assert!(
                script.contains("completions"),
                "{shell} knows the completions command"
            );
        }
    }
}
