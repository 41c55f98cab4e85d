//! The commands shown in README.md and docs/ are run here (or by `.ci/run`), so the
//! documentation cannot go stale: concrete commands run against the emulator and must succeed,
//! synopsis lines may name only flags that `--help` knows.

use crate::harness::{emulator_env, example_bin, printjob_bin, spawn_emulator};
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::seed::Seed;
use printjob_test_support::start_emulator;
use std::path::Path;
use std::process::{Command, Stdio};

/// Every line of a ```sh / ```bash / ``` block in README.md and docs/*.md that starts with
/// `printjob` or `cargo`, without its trailing `# comment`: (file, command).
fn documented_commands() -> Vec<(String, String)> {
    let root = crate::harness::repo_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut commands = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read doc");
        let mut fence: Option<String> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(lang) = trimmed.strip_prefix("```") {
                fence = match fence {
                    Some(_) => None,
                    None => Some(lang.to_string()),
                };
                continue;
            }
            let shell = matches!(fence.as_deref(), Some("" | "sh" | "bash" | "console"));
            if shell && (trimmed.starts_with("printjob ") || trimmed.starts_with("cargo ")) {
                let command = trimmed.split(" # ").next().unwrap_or(trimmed).trim();
                let name = file.file_name().unwrap().to_string_lossy().to_string();
                commands.push((name, command.to_string()));
            }
        }
    }
    commands
}

/// A usage line (`printjob jobs PRINTER [--share] [--state S]…`) rather than a command.
fn is_synopsis(command: &str) -> bool {
    command.contains('[') || command.contains('…') || command.contains('|')
}

fn help_of(subcommand: &str) -> String {
    let out = Command::new(printjob_bin())
        .args([subcommand, "--help"])
        .output()
        .expect("printjob --help");
    assert!(out.status.success(), "printjob {subcommand} --help failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn documented_cargo_commands_are_the_ones_ci_runs() {
    let ci = std::fs::read_to_string(crate::harness::repo_root().join(".ci/run")).expect(".ci/run");
    let cargo: Vec<_> = documented_commands()
        .into_iter()
        .filter(|(_, c)| c.starts_with("cargo "))
        .collect();
    assert!(
        cargo
            .iter()
            .any(|(f, c)| f == "README.md" && c.starts_with("cargo test")),
        "README shows the test command"
    );
    for (file, command) in cargo {
        assert!(
            ci.lines().any(|l| l.trim() == command),
            "{file}: `{command}` is not run by .ci/run"
        );
    }
}

#[test]
fn documented_synopsis_lines_name_only_real_flags() {
    let synopses: Vec<_> = documented_commands()
        .into_iter()
        .filter(|(_, c)| c.starts_with("printjob ") && is_synopsis(c))
        .collect();
    for (file, line) in synopses {
        let subcommand = line.split_whitespace().nth(1).expect("a subcommand");
        let help = help_of(subcommand);
        for flag in line
            .split(|c: char| c.is_whitespace() || "[]|…,".contains(c))
            .filter(|w| w.starts_with("--"))
        {
            assert!(
                help.contains(flag),
                "{file}: `{line}` names {flag}, which `printjob {subcommand} --help` does not know"
            );
        }
    }
}

/// Runs `printjob emulator …` as documented (any fixed port replaced by 0), reads its first
/// line and stops it.
fn run_emulator_command(args: &[String], dir: &Path) {
    let mut args = args.to_vec();
    if let Some(i) = args.iter().position(|a| a == "--port") {
        args[i + 1] = "0".into();
    }
    let mut emulator = spawn_emulator(
        Command::new(printjob_bin())
            .args(&args)
            .current_dir(dir)
            .stderr(Stdio::piped()),
    );
    let _ = emulator.child.kill();
    let out = emulator.child.wait_with_output().expect("wait");
    assert!(
        emulator
            .base
            .as_deref()
            .is_some_and(|b| b.starts_with("http://127.0.0.1:")),
        "`printjob {}` did not start: {:?} {}",
        args.join(" "),
        emulator.first_line,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Splits a documented command into words, honouring single quotes.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '\'' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_commands_run_against_the_emulator() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().expect("temp dir");
    let seed_json = serde_json::to_string_pretty(&Seed::default()).expect("seed JSON");
    std::fs::write(home.path().join("my-seed.json"), seed_json).expect("seed file");
    let robot = example_bin("robot_browser");
    let commands: Vec<_> = documented_commands()
        .into_iter()
        .filter(|(_, c)| c.starts_with("printjob ") && !is_synopsis(c))
        .collect();
    assert!(commands.len() >= 8, "{commands:#?}");
    for (file, command) in commands {
        let command = command
            .replace("<printer-id>", LOBBY_PRINTER)
            .replace("<job-id>", "102");
        let args = words(&command)[1..].to_vec();
        if args.first().map(String::as_str) == Some("emulator") {
            run_emulator_command(&args, home.path());
            continue;
        }
        let out = tokio::task::spawn_blocking({
            let (args, home, env, robot) = (
                args.clone(),
                home.path().to_path_buf(),
                emulator_env(&emulator, home.path()),
                robot.clone(),
            );
            move || {
                Command::new(printjob_bin())
                    .args(&args)
                    .current_dir(&home)
                    .envs(env)
                    .env("BROWSER", robot)
                    .stdin(Stdio::null())
                    .output()
                    .expect("run printjob")
            }
        })
        .await
        .expect("join");
        assert!(
            out.status.success(),
            "{file}: `{command}` exited {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let state = emulator.state().print().job_state(LOBBY_PRINTER, "102");
    assert_eq!(
        state.map(|s| s.as_str().to_string()).as_deref(),
        Some("canceled"),
        "README's `printjob cancel <printer-id> <job-id>` cancelled the job"
    );
}
