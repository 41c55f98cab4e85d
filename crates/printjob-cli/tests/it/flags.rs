//! The command line's parsing and wiring as a person meets it: flags that cannot apply together,
//! ranges, `--json` where it means something, input checked before any sign-in, help, man page,
//! completions, exit codes (Ctrl-C included) and `-q`.

use crate::harness::{emulator_env, example_bin, printjob_bin};
use printjob_emulator::graph::seed::LOBBY_PRINTER as LOBBY;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `printjob ARGS` with no account, an identity provider and Graph nobody listens on, and a
/// private home: whatever it does, it ends quickly and touches nothing of the user's.
fn offline(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(printjob_bin());
    c.args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("PRINTJOB_TENANT_ID", "contoso.onmicrosoft.com")
        .env(
            "PRINTJOB_CLIENT_ID",
            printjob_emulator::seed::PUBLIC_CLIENT_ID,
        )
        .env("PRINTJOB_AUTHORITY", "http://127.0.0.1:9")
        .env("PRINTJOB_GRAPH_URL", "http://127.0.0.1:9/v1.0")
        .env(
            "PRINTJOB_CACHE",
            home.join("cache").join("token_cache.json"),
        )
        .env("PRINTJOB_CACHE_STORE", "file")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run_offline(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    offline(home.path(), args).output().expect("run printjob")
}

/// A home signed in as Adele (PrintJob.ReadWriteBasic) through the robot browser.
struct SignedIn {
    emulator: printjob_emulator::Emulator,
    home: tempfile::TempDir,
}

impl SignedIn {
    async fn start() -> Self {
        let emulator = printjob_test_support::start_emulator().await;
        let home = tempfile::tempdir().unwrap();
        let s = Self { emulator, home };
        let out = s.command(&["login"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        s
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(printjob_bin());
        c.args(args)
            .env_clear()
            .envs(emulator_env(&self.emulator, self.home.path()))
            .env("BROWSER", example_bin("robot_browser"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn cache(&self) -> std::path::PathBuf {
        self.home.path().join("cache").join("token_cache.json")
    }
}

// ---- item 4: flags that cannot apply together ----

#[test]
fn selection_flags_with_job_ids_are_refused_with_the_reason() {
    for flag in [
        &["--owner", "x"][..],
        &["--state", "completed"],
        &["--mine"],
    ] {
        let mut args = vec!["cancel", LOBBY, "101"];
        args.extend_from_slice(flag);
        args.push("--dry-run");
        let out = run_offline(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = stderr(&out);
        assert!(err.contains("cannot be used with"), "{err}");
        assert!(err.contains("choose among every job"), "{err}");
    }
}

#[test]
fn selection_flags_without_all_still_ask_for_all() {
    let out = run_offline(&["cancel", LOBBY, "--owner", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("--all"), "{}", text(&out));
}

#[test]
fn json_is_a_usage_error_for_commands_that_cannot_speak_it() {
    for args in [
        &["completions", "bash", "--json"][..],
        &["man", "--json"],
        &["demo", "--json"],
    ] {
        let out = run_offline(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            stderr(&out).contains("--json does not apply"),
            "{}",
            text(&out)
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out));
    }
}

// ---- item 3: ranges instead of panics ----

#[test]
fn durations_beyond_a_day_are_usage_errors_not_panics() {
    for args in [
        &[
            "cancel",
            LOBBY,
            "101",
            "--wait",
            "--wait-timeout",
            "18446744073709551615",
        ][..],
        &["cancel", LOBBY, "101", "--wait", "--wait-timeout", "0"],
        &["login", "--no-browser", "--timeout", "18446744073709551615"],
        &["login", "--no-browser", "--timeout", "86401"],
    ] {
        let out = run_offline(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(stderr(&out).contains("86400"), "{}", text(&out));
    }
}

#[test]
fn a_cache_lock_timeout_out_of_range_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let out = offline(home.path(), &["status"])
        .env("PRINTJOB_CACHE_LOCK_TIMEOUT", "1e300")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", text(&out));
}

/// Every command's flags with extreme and malformed values: never exit 101, never "panicked".
/// `PROPTEST_CASES` sets the number of cases (default 24, each at most a few seconds).
#[test]
fn no_flag_value_makes_any_command_panic() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let value = prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("1".to_owned()),
        Just("65535".to_owned()),
        Just("65536".to_owned()),
        Just("86400".to_owned()),
        Just("4294967296".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("1e300".to_owned()),
        Just("NaN".to_owned()),
        Just("".to_owned()),
        Just("-".to_owned()),
        Just("0f3c5a2e-9b1d-4c7e-8a6f-1d2e3f4a5b6".to_owned()),
        Just("9".repeat(400)),
        "\\PC{0,12}",
    ];
    let template = prop_oneof![
        Just("cancel P 101 --dry-run --wait --wait-timeout V --concurrency V"),
        Just("cancel P --all --dry-run --yes --state V --concurrency V"),
        Just("cancel V V --dry-run"),
        Just("jobs V --state V"),
        Just("login --no-browser --timeout V --port V"),
        Just("login --device-code --timeout V"),
        Just("token --claims V --scope V"),
        Just("logout --account V"),
        Just("status --cache-store V --cloud V"),
        Just("printers --shares --tenant V"),
        Just("emulator --port V --faults V"),
        Just("completions V"),
        Just("env PRINTJOB_CACHE_LOCK_TIMEOUT=V status"),
    ];
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let home = tempfile::tempdir().unwrap();
    runner
        .run(
            &(template, proptest::collection::vec(value, 4)),
            |(template, values)| {
                let mut values = values.into_iter();
                let mut env = Vec::new();
                let mut args = Vec::new();
                for word in template.split(' ') {
                    let word = if word.contains('V') && word != "--wait" {
                        word.replace('V', &values.next().unwrap_or_default())
                    } else {
                        word.replace('P', LOBBY)
                    };
                    args.push(word);
                }
                if args[0] == "env" {
                    env.push(
                        args[1]
                            .split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.to_owned())),
                    );
                    args.drain(..2);
                }
                let mut command = offline(home.path(), &[]);
                command.args(&args);
                for (k, v) in env.into_iter().flatten() {
                    command.env(k, v);
                }
                let mut child = command.spawn().unwrap();
                let started = Instant::now();
                let status = loop {
                    if let Some(status) = child.try_wait().unwrap() {
                        break Some(status);
                    }
                    if started.elapsed() > Duration::from_secs(3) {
                        let _ = child.kill();
                        break None; // still running (serving, waiting for a browser): no panic
                    }
                    std::thread::sleep(Duration::from_millis(20));
                };
                let out = child.wait_with_output().unwrap();
                let err = stderr(&out);
                prop_assert!(
                    status.is_none_or(|s| s.code() != Some(101)) && !err.contains("panicked"),
                    "{args:?}: {}",
                    text(&out)
                );
                Ok(())
            },
        )
        .unwrap();
}

// ---- item 5: input checked before any sign-in; lookups stay silent ----

#[test]
fn a_guid_one_digit_short_is_a_usage_error_naming_it_before_any_sign_in() {
    let short = "0f3c5a2e-9b1d-4c7e-8a6f-1d2e3f4a5b6";
    for args in [&["jobs", short][..], &["cancel", short, "101"]] {
        let out = run_offline(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = stderr(&out);
        assert!(err.contains(short) && err.contains("not a GUID"), "{err}");
        assert!(!err.contains("AADSTS") && !err.contains("sign"), "{err}");
    }
}

/// On a terminal (`script` gives the command one), a name that matches nothing is looked up
/// with the token the user has; the browser is never started, and the error names the
/// permission that would allow the lookup and who can grant it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_lookup_on_a_terminal_never_starts_a_sign_in() {
    let s = SignedIn::start().await;
    let marker = s.home.path().join("browser-was-opened");
    let browser = s.home.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut c = s.command(&[]);
    let envs: Vec<(std::ffi::OsString, std::ffi::OsString)> = c
        .get_envs()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned())))
        .collect();
    c = Command::new("timeout");
    c.args(["20", "script", "-qec"])
        .arg(format!("'{}' jobs nope", printjob_bin().display()))
        .arg("/dev/null")
        .env_clear()
        .envs(envs)
        .env("BROWSER", &browser)
        .env("TERM", "dumb")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = c.output().unwrap();
    let all = text(&out);
    assert!(!marker.exists(), "a sign-in was started: {all}");
    assert_ne!(
        out.status.code(),
        Some(124),
        "it waited for a sign-in: {all}"
    );
    assert!(all.contains("PrinterShare.ReadBasic.All"), "{all}");
    assert!(all.contains("consent to yourself"), "{all}");
}

// ---- item 9: help ----

#[test]
fn usage_errors_do_not_list_environment_set_globals() {
    let out = run_offline(&["jobs"]);
    assert_eq!(out.status.code(), Some(2));
    let usage = stderr(&out)
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .map(str::to_owned);
    assert_eq!(
        usage.as_deref(),
        Some("Usage: printjob jobs <PRINTER>"),
        "{}",
        text(&out)
    );
}

#[test]
fn help_puts_global_options_under_their_own_heading_and_shows_examples() {
    for sub in [
        "login",
        "status",
        "token",
        "logout",
        "printers",
        "jobs",
        "cancel",
        "emulator",
        "demo",
        "completions",
        "man",
    ] {
        let out = run_offline(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let (own, global) = help
            .split_once("Global options:")
            .unwrap_or_else(|| panic!("{sub}: no Global options heading:\n{help}"));
        assert!(!own.contains("--tenant"), "{sub}:\n{help}");
        assert!(
            global.contains("--tenant") && global.contains("--quiet"),
            "{sub}"
        );
        assert!(help.contains("Examples:\n  "), "{sub}:\n{help}");
        assert!(help.contains(&format!("printjob {sub}")), "{sub}");
    }
}

// ---- item 10: man page, completions, status, dry run, ports, logout, quiet ----

#[test]
fn man_page_has_examples_exit_status_environment_and_files() {
    let out = run_offline(&["man"]);
    let man = String::from_utf8_lossy(&out.stdout);
    for section in [
        ".SH EXAMPLES",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
    ] {
        assert!(man.contains(section), "{section}");
    }
    assert!(man.contains("PRINTJOB_CACHE_LOCK_TIMEOUT"));
    assert!(man.contains(".TP\n130\n"));
}

#[test]
fn completions_offer_the_values_of_enumerated_flags() {
    let out = run_offline(&["completions", "bash"]);
    let script = String::from_utf8_lossy(&out.stdout);
    for values in [
        "pending processing paused",
        "public usgov usgov-dod china",
        "auto secret-service file",
    ] {
        assert!(script.contains(values), "{values}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_sets_a_corrupt_cache_aside_and_says_so() {
    let s = SignedIn::start().await;
    std::fs::write(s.cache(), "{not json").unwrap();
    let out = s.command(&["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(stderr(&out).contains("it was moved to"), "{}", text(&out));
    let set_aside = std::fs::read_dir(s.cache().parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains(".corrupt-"));
    assert!(set_aside, "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_that_could_read_its_jobs_exits_0_and_says_what_would_happen() {
    let s = SignedIn::start().await;
    // 102 is pending, 105 completed: one would be cancelled, one left as is.
    let out = s
        .command(&["cancel", LOBBY, "102", "105", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 job would be canceled, 1 job already finished and would be left as is; nothing was sent"),
        "{}",
        text(&out)
    );
    assert!(!stderr(&out).contains("error"), "{}", text(&out));
}

#[test]
fn a_busy_port_is_a_usage_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run_offline(&["emulator", "--port", &port]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_on_a_busy_port_is_a_usage_error() {
    let s = SignedIn::start().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = s
        .command(&["login", "--port", &port, "--redirect-host", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_of_an_account_not_signed_in_fails_and_names_who_is() {
    let s = SignedIn::start().await;
    let out = s
        .command(&["logout", "--account", "nobody@x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("not signed in as \"nobody@x\""), "{err}");
    assert!(err.contains(printjob_emulator::seed::ADELE), "{err}");
    let still = s.command(&["status"]).output().unwrap();
    assert_eq!(still.status.code(), Some(0), "nothing was signed out");
}

// ---- item 4: JSON documents ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_token_and_logout_speak_camel_case_json_with_a_schema_version() {
    let s = SignedIn::start().await;
    let json = |args: &[&str]| -> serde_json::Value {
        let out = s.command(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
    };
    let login = json(&["login", "--json"]);
    assert_eq!(login["schemaVersion"], 1);
    assert_eq!(login["signedIn"], true);
    assert!(
        login["expiresOn"].is_string() && login.get("expires_on").is_none(),
        "{login}"
    );
    let token = json(&["token", "--json"]);
    assert_eq!(token["schemaVersion"], 1);
    assert!(
        token["accessToken"].as_str().is_some_and(|t| t.len() > 20),
        "{token}"
    );
    assert!(token["expiresOn"].is_string(), "{token}");
    assert_eq!(token["account"], printjob_emulator::seed::ADELE);
    assert!(token["scopes"]
        .as_array()
        .is_some_and(|s| s.iter().any(|s| s == "PrintJob.ReadWriteBasic")));
    let logout = json(&["logout", "--json"]);
    assert_eq!(logout["schemaVersion"], 1);
    assert_eq!(
        logout["signedOut"],
        serde_json::json!([printjob_emulator::seed::ADELE])
    );
}

// ---- item 2: Ctrl-C ----

/// Starts `command` (stderr piped), waits until stderr shows `ready`, sends SIGINT and returns
/// the exit status with everything printed on stderr.
fn interrupt_when(mut command: Command, ready: &str) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains(ready) {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
    }
    assert!(seen.contains(ready), "never printed {ready:?}: {seen}");
    std::thread::sleep(Duration::from_millis(200));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{seen}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = reader.read_to_string(&mut seen);
    (status.code(), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_login_exits_130() {
    let s = SignedIn::start().await;
    let mut c = s.command(&["login", "--no-browser"]);
    c.stdout(Stdio::null());
    let (code, err) = interrupt_when(c, "/oauth2/v2.0/authorize?");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_sign_in_inside_token_exits_130() {
    let s = SignedIn::start().await;
    let mut c = s.command(&[
        "token",
        "--interactive",
        "--scope",
        "PrinterShare.ReadBasic.All",
    ]);
    c.env("BROWSER", "true").stdout(Stdio::null());
    let (code, err) = interrupt_when(c, "sign");
    assert_eq!(code, Some(130), "{err}");
}

#[test]
fn a_declined_sign_in_keeps_exit_4() {
    assert_eq!(
        crate::harness::exit_code(printjob::ErrorKind::SignInCancelled),
        4
    );
    let readme = std::fs::read_to_string(crate::harness::repo_root().join("README.md")).unwrap();
    assert!(readme.contains("| 130 |"), "README's exit table names 130");
    assert!(
        readme.contains("| 4 | sign-in declined"),
        "README's exit table keeps 4"
    );
}

// ---- item 10: -q ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hides_notes_but_keeps_what_the_user_must_act_on() {
    let s = SignedIn::start().await;
    for (quiet, expect_note) in [(false, true), (true, false)] {
        let mut args = vec!["login", "--no-browser"];
        if quiet {
            args.push("-q");
        }
        let mut c = s.command(&args);
        c.stdout(Stdio::null());
        let (_, err) = interrupt_when(c, "/oauth2/v2.0/authorize?");
        assert!(err.contains("Open this URL"), "{err}");
        assert_eq!(
            err.contains("waiting for"),
            expect_note,
            "quiet {quiet}: {err}"
        );
    }
}
