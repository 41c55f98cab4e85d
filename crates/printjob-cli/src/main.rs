//! The `printjob` command line: a thin `main` around [`cli::run`], which owns stdout, stderr
//! and the exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
