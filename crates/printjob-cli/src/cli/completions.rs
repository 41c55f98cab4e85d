//! `printjob completions SHELL` and `printjob man`: shell completions (clap_complete) and a man
//! page in roff (clap_mangen), both generated from the command definition in [`super::Cli`], so
//! they cannot drift from the flags the binary accepts. Both write to standard output, as
//! `rustup completions` and `gh completion` do; README.md's install section shows where to put
//! them.

use super::Cli;
use clap::{Args, CommandFactory};
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

/// The completion script for `shell`.
pub fn completion_script(shell: Shell) -> Result<String, Error> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "printjob", &mut script);
    String::from_utf8(script).map_err(|e| internal("the completion script", &e))
}

/// The man page `printjob(1)` in roff: the synopsis, the global options, then a section per
/// subcommand (`PRINTJOB LOGIN`…) with its own synopsis and options. One page, rather than
/// clap_mangen's list of `printjob-login(1)`… pages that nobody installs.
pub fn man_page() -> Result<String, Error> {
    let command = Cli::command();
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
        man.render_version_section(&mut roff)
    })();
    rendered.map_err(|e| internal("the man page", &e))?;
    let roff = String::from_utf8(roff).map_err(|e| internal("the man page", &e))?;
    Ok(define_aq_once(&roff))
}

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

/// Runs `printjob completions SHELL`.
pub fn completions(args: CompletionsArgs) -> Result<(), Error> {
    super::output::write_stdout(&completion_script(args.shell)?, false);
    Ok(())
}

/// Runs `printjob man`.
pub fn man(_args: ManArgs) -> Result<(), Error> {
    super::output::write_stdout(&man_page()?, false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_page_has_a_section_for_every_subcommand_of_the_definition() {
        let man = man_page().unwrap();
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
            let script = completion_script(shell).unwrap();
            assert!(script.contains("printjob"), "{shell}");
            assert!(
                script.contains("completions"),
                "{shell} knows the completions command"
            );
        }
    }
}
