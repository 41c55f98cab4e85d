//! The parts of the test harness that run the `printjob` binary (only this crate's integration
//! tests see `CARGO_BIN_EXE_printjob`); the rest (an emulator, tokens, clients, cache files) is
//! the workspace's one harness, `printjob-test-support`, re-exported here.
#![allow(dead_code)]

pub use printjob_test_support::{
    cache_json, expire_cached_access_tokens, repo_root, secrets_in_cache,
};

use std::path::PathBuf;

/// The built `printjob` binary.
pub fn printjob_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_printjob"))
}

/// An example binary built by `cargo test` (e.g. `robot_browser`), next to the test binary.
pub fn example_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let target_profile = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile> directory");
    let path = target_profile.join("examples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: examples are built by a plain `cargo test` (or `cargo build --examples`), \
         not by `cargo test --test it`",
        path.display()
    );
    path
}

/// The environment that points the `printjob` binary at `emulator`, with its home, config and
/// token cache inside `home` (no test reads or writes the user's own files). Works with
/// `std::process::Command::envs` and `tokio::process::Command::envs`.
pub fn emulator_env(
    emulator: &printjob_emulator::Emulator,
    home: &std::path::Path,
) -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("HOME", home.into()),
        ("XDG_CONFIG_HOME", home.join("config").into()),
        ("XDG_CACHE_HOME", home.join("cache").into()),
        ("PRINTJOB_AUTHORITY", emulator.base_url().into()),
        ("PRINTJOB_GRAPH_URL", emulator.graph_url().into()),
        ("PRINTJOB_TENANT_ID", "contoso.onmicrosoft.com".into()),
        (
            "PRINTJOB_CLIENT_ID",
            printjob_emulator::seed::PUBLIC_CLIENT_ID.into(),
        ),
        (
            "PRINTJOB_CACHE",
            home.join("cache").join("token_cache.json").into(),
        ),
        // the plain file: a developer's own keyring is never touched (tests/it/keyring.rs
        // runs a private Secret Service and sets the store itself)
        ("PRINTJOB_CACHE_STORE", "file".into()),
    ]
}

/// `printjob emulator …` started with its stdout piped, and the lines it prints after the first.
pub struct EmulatorProcess {
    /// The running process (the caller stops it).
    pub child: std::process::Child,
    /// The base URL from the first line, `None` if that line was not the listening line.
    pub base: Option<String>,
    /// The first line as printed (for failure messages).
    pub first_line: Option<String>,
    /// Everything printed after the first line.
    pub lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

/// Starts a prepared `printjob emulator` command (stdout is piped here) and reads its first line.
pub fn spawn_emulator(command: &mut std::process::Command) -> EmulatorProcess {
    use std::io::BufRead;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start printjob emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first_line = lines.next().map(|l| l.expect("utf-8"));
    let base = first_line
        .as_deref()
        .and_then(|l| l.strip_prefix("printjob emulator listening on "))
        .map(str::to_string);
    EmulatorProcess {
        child,
        base,
        first_line,
        lines,
    }
}

/// The exit code README.md's "Exit codes" table documents for a failure of this kind.
pub fn exit_code(kind: printjob::ErrorKind) -> i32 {
    use printjob::ErrorKind::*;
    match kind {
        Internal => 1,
        Usage => 2,
        SignIn => 3,
        SignInCancelled => 4,
        Permission => 5,
        NotFound => 6,
        PartialFailure => 7,
        Service => 8,
        NotAvailable => 9,
        UnresolvedName => 10,
    }
}
