//! A robot "browser" for tests: set `BROWSER=path/to/robot_browser` and printjob's interactive
//! sign-in against the emulator completes without a person.
//!
//! ```text
//! robot_browser <URL>
//!   PRINTJOB_ROBOT_USER       user to sign in as (default adele@contoso.onmicrosoft.com)
//!   PRINTJOB_ROBOT_PASSWORD   password (default Passw0rd!)
//!   PRINTJOB_ROBOT_CONSENT    accept | cancel (default accept)
//! ```
//!
//! Exits 0 once the final page (the redirect URI's page) was delivered, non-zero with a message
//! otherwise. It never prints the URL it was given nor any URL it visits (they carry codes).

use std::process::ExitCode;

#[cfg(feature = "emulator")]
fn main() -> ExitCode {
    use printjob_emulator::robot::{self, Consent, RobotUser};

    let Some(arg) = std::env::args().nth(1) else {
        eprintln!("usage: robot_browser <URL>");
        return ExitCode::from(2);
    };
    let Ok(url) = url::Url::parse(&arg) else {
        eprintln!("robot_browser: the argument is not a URL");
        return ExitCode::from(2);
    };
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let user = RobotUser::new(
        env("PRINTJOB_ROBOT_USER", printjob_emulator::seed::ADELE),
        env(
            "PRINTJOB_ROBOT_PASSWORD",
            printjob_emulator::seed::DEFAULT_PASSWORD,
        ),
    );
    let consent = match env("PRINTJOB_ROBOT_CONSENT", "accept").as_str() {
        "accept" => Consent::Accept,
        "cancel" => Consent::Cancel,
        other => {
            eprintln!(
                "robot_browser: PRINTJOB_ROBOT_CONSENT must be accept or cancel, not {other:?}"
            );
            return ExitCode::from(2);
        }
    };
    match robot::sign_in_blocking(&url, &user, consent) {
        Ok(outcome) => {
            eprintln!(
                "robot_browser: delivered to {} (HTTP {})",
                outcome.origin, outcome.status
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("robot_browser: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "emulator"))]
fn main() -> ExitCode {
    eprintln!("robot_browser needs the `emulator` feature");
    ExitCode::FAILURE
}
