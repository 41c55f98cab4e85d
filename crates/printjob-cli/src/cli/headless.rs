//! Whether a browser can be opened on this machine. When none can, `printjob login` signs in
//! with the device code flow by itself (as `az login` does) and says why; `--no-browser`
//! still prints the sign-in URL for a browser elsewhere.
//!
//! The decision reads the environment through a function it is given, so that it is tested
//! without touching the process environment; [`no_browser_here`] gives it this process's.

/// The operating system family the rules differ by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Linux and the other Unix systems with X11 or Wayland desktops.
    Unix,
    /// macOS: a desktop session can always open a browser.
    Mac,
    /// Windows: a desktop session can always open a browser.
    Windows,
}

impl Os {
    /// The system this binary was built for.
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Os::Mac
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Unix
        }
    }
}

/// Why no browser can be opened, or `None` when one can. `var` reads an environment variable
/// (an empty value counts as unset).
///
/// - `$BROWSER` set: the user named a browser command, so it is used (as by git and gh).
/// - Unix: a browser needs a display, `DISPLAY` (X11) or `WAYLAND_DISPLAY`.
/// - An SSH session (`SSH_CONNECTION`, `SSH_CLIENT` or `SSH_TTY`) without a display: a browser
///   would open, if at all, on the remote machine's console, not in front of the user.
pub fn no_browser_reason(os: Os, var: impl Fn(&str) -> Option<String>) -> Option<&'static str> {
    let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
    if set("BROWSER") {
        return None;
    }
    let ssh = ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .iter()
        .any(|name| set(name));
    let display = set("DISPLAY") || set("WAYLAND_DISPLAY");
    match os {
        Os::Unix if !display && ssh => Some("an SSH session without a display"),
        Os::Unix if !display => Some("no display: DISPLAY and WAYLAND_DISPLAY are unset"),
        Os::Mac | Os::Windows if ssh => Some("an SSH session"),
        _ => None,
    }
}

/// The notice `printjob login` prints when it falls back to the device code flow.
pub fn fallback_notice(reason: &str) -> String {
    format!(
        "No browser can be opened here ({reason}), so sign-in uses a device code instead. \
         To sign in with a browser on another machine, run `printjob login --no-browser`."
    )
}

/// Why no browser can be opened on this machine (no display and no `$BROWSER`, an SSH
/// session), if that is so: sign-in then uses a device code, as `az login` does.
pub fn no_browser_here() -> Option<&'static str> {
    let os = Os::current();
    no_browser_reason(os, |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn linux_without_display_or_browser_has_no_browser() {
        assert!(no_browser_reason(Os::Unix, env(&[])).is_some());
    }

    #[test]
    fn linux_with_an_x11_or_wayland_display_has_a_browser() {
        assert_eq!(no_browser_reason(Os::Unix, env(&[("DISPLAY", ":0")])), None);
        assert_eq!(
            no_browser_reason(Os::Unix, env(&[("WAYLAND_DISPLAY", "wayland-0")])),
            None
        );
    }

    #[test]
    fn browser_variable_wins_even_over_ssh_without_display() {
        let vars = [
            ("BROWSER", "w3m"),
            ("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22"),
        ];
        assert_eq!(no_browser_reason(Os::Unix, env(&vars)), None);
    }

    #[test]
    fn ssh_session_without_display_is_named_as_the_reason() {
        let vars = [("SSH_TTY", "/dev/pts/3")];
        let reason = no_browser_reason(Os::Unix, env(&vars)).unwrap();
        assert!(reason.contains("SSH"), "{reason}");
    }

    #[test]
    fn ssh_with_forwarded_x11_display_has_a_browser() {
        let vars = [("SSH_CONNECTION", "a b c d"), ("DISPLAY", "localhost:10.0")];
        assert_eq!(no_browser_reason(Os::Unix, env(&vars)), None);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let vars = [("DISPLAY", ""), ("BROWSER", " ")];
        assert!(no_browser_reason(Os::Unix, env(&vars)).is_some());
    }

    #[test]
    fn macos_and_windows_need_no_display_but_not_over_ssh() {
        for os in [Os::Mac, Os::Windows] {
            assert_eq!(no_browser_reason(os, env(&[])), None);
            assert!(no_browser_reason(os, env(&[("SSH_CLIENT", "a b c")])).is_some());
        }
    }

    #[test]
    fn fallback_notice_says_device_code_and_how_to_keep_the_url() {
        let notice = fallback_notice("no display");
        assert!(notice.contains("device code"));
        assert!(notice.contains("--no-browser"));
    }
}
