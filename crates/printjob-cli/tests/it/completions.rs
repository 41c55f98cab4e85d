//! Integration tests: `printjob completions SHELL` and `printjob man`, generated from the CLI
//! definition. The bash script is sourced and driven by a real bash; the man page is checked
//! against the subcommands the binary itself lists in `--help` (clap's own list).

use crate::harness::printjob_bin;
use std::process::{Command, Output};

fn printjob(args: &[&str]) -> Output {
    Command::new(printjob_bin())
        .args(args)
        .env_clear()
        .output()
        .expect("run printjob")
}

fn stdout(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// Runs `script` in a non-interactive bash with `$PRINTJOB` naming the binary.
fn bash(script: &str) -> Output {
    Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .env("PRINTJOB", printjob_bin())
        .output()
        .expect("run bash")
}

/// The subcommands `printjob --help` lists under `Commands:` (clap's list, not ours).
fn subcommands_from_help() -> Vec<String> {
    let help = stdout(&printjob(&["--help"]));
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // a wrapped description continues on a line indented further than the names
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|name| name != "help")
        .collect()
}

#[test]
fn bash_sources_the_completion_and_registers_it_for_printjob() {
    let out = bash(r#"source <("$PRINTJOB" completions bash) && complete -p printjob"#);
    let text = stdout(&out);
    assert!(text.contains("-F _printjob"), "{text}");
    assert!(text.trim_end().ends_with(" printjob"), "{text}");
}

#[test]
fn bash_completes_ca_to_cancel_through_the_completion_function() {
    // What bash does on `printjob ca<TAB>`: it sets COMP_WORDS/COMP_CWORD and calls the
    // function `complete -p` names with (command, word being completed, previous word).
    let out = bash(
        r#"source <("$PRINTJOB" completions bash) || exit 3
        function=$(complete -p printjob | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
        COMP_WORDS=(printjob ca); COMP_CWORD=1; COMP_LINE="printjob ca"; COMP_POINT=${#COMP_LINE}
        "$function" printjob ca printjob
        printf '%s\n' "${COMPREPLY[@]}""#,
    );
    let offered: Vec<String> = stdout(&out).lines().map(|l| l.trim().to_owned()).collect();
    assert_eq!(offered, ["cancel"], "only `cancel` starts with `ca`");
}

#[test]
fn bash_completes_the_flags_of_cancel() {
    let out = bash(
        r#"source <("$PRINTJOB" completions bash) || exit 3
        COMP_WORDS=(printjob cancel --dr); COMP_CWORD=2; COMP_LINE="printjob cancel --dr"; COMP_POINT=${#COMP_LINE}
        _printjob printjob --dr cancel
        printf '%s\n' "${COMPREPLY[@]}""#,
    );
    let offered: Vec<String> = stdout(&out).lines().map(|l| l.trim().to_owned()).collect();
    assert_eq!(offered, ["--dry-run"]);
}

#[test]
fn every_shell_gets_a_script_for_printjob() {
    for (shell, marker) in [
        ("bash", "-F _printjob"),
        ("zsh", "#compdef printjob"),
        ("fish", "complete -c printjob"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[printjob]"),
    ] {
        let script = stdout(&printjob(&["completions", shell]));
        assert!(
            script.contains(marker),
            "{shell}: no {marker:?} in\n{script}"
        );
        assert!(script.contains("cancel"), "{shell} does not know `cancel`");
    }
}

#[test]
fn unknown_shell_is_a_usage_error_listing_the_shells() {
    let out = printjob(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(stderr.contains(shell), "{stderr}");
    }
}

#[test]
fn man_page_names_every_subcommand_with_a_section_of_its_own() {
    let names = subcommands_from_help();
    assert!(names.len() >= 10, "parsed {names:?} from --help");
    let man = stdout(&printjob(&["man"]));
    assert!(man.contains(".TH printjob 1"), "{man}");
    assert!(
        !man.contains("printjob\\-login(1)"),
        "no references to per-subcommand pages that are not installed"
    );
    for name in &names {
        let heading = format!(".SH \"PRINTJOB {}\"", name.to_uppercase());
        assert!(man.contains(&heading), "no {heading} in the man page");
        let synopsis = format!("\\fBprintjob {}\\fR", name.replace('-', "\\-"));
        assert!(man.contains(&synopsis), "no synopsis {synopsis} for {name}");
    }
}

#[test]
fn man_page_renders_with_man_when_man_is_installed() {
    let Ok(which) = Command::new("sh").args(["-c", "command -v man"]).output() else {
        return;
    };
    if !which.status.success() {
        eprintln!("man is not installed; skipped");
        return;
    }
    let out = bash(
        r#""$PRINTJOB" man > "${TMPDIR:-/tmp}/printjob-man-$$.1" && MANWIDTH=100 man -l "${TMPDIR:-/tmp}/printjob-man-$$.1" 2>&1; rm -f "${TMPDIR:-/tmp}/printjob-man-$$.1""#,
    );
    let text = stdout(&out);
    assert!(text.contains("PRINTJOB CANCEL"), "{text}");
}
