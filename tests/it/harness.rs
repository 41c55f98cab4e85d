//! Shared test helpers.
#![allow(dead_code)]

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
