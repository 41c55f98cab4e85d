//! Printers and shares by display name: people know "Second floor", not a GUID.
//!
//! A GUID is used as an id as it is. Anything else is a display name, looked up through the
//! documented listings the user may call, least privilege first: `GET /print/shares` needs only
//! `PrinterShare.ReadBasic.All` (`print-list-shares.md`), and only when no share carries the
//! name, `GET /print/printers` (`Printer.Read.All`, and the signed-in user must be a Printer
//! Administrator: `print-list-printers.md`). Names match exactly, ignoring case and surrounding
//! white space; no `$filter` is sent (the listings document none for `displayName`). Only `id`
//! and `displayName` are read, the properties `print-list-shares.md` promises even in the
//! limited response a user who is not a Printer Administrator gets.

use super::{PrintClient, PrintTarget};
use crate::error::{Error, ErrorKind, Remedy};
use crate::ids::{is_guid, Scope};
use serde::Deserialize;
use std::fmt;

/// The longest display name looked up (*ours*: a bound, not a documented Graph limit).
pub const MAX_NAME_CHARS: usize = 256;

/// How many candidates an error lists before saying how many more there are.
const SHOWN_CANDIDATES: usize = 20;

/// The least permission that lists the shares a name may belong to (`print-list-shares.md`).
const LISTING_SCOPE: &str = "PrinterShare.ReadBasic.All";

/// `id` and `displayName` of a listed printer or share.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Named {
    /// The id.
    pub id: String,
    /// The display name (empty when the service left it out).
    #[serde(default)]
    pub display_name: String,
}

/// Printer or share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedKind {
    /// A printer (`/print/printers`).
    Printer,
    /// A printer share (`/print/shares`).
    Share,
}

/// One printer or share a name could mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Printer or share.
    pub kind: NamedKind,
    /// Its id and display name.
    pub named: Named,
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            NamedKind::Printer => "printer",
            NamedKind::Share => "share",
        };
        write!(
            f,
            "{kind} {:?} (id {})",
            self.named.display_name, self.named.id
        )
    }
}

/// What a name matched among candidates of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    /// Exactly one: its id.
    One(String),
    /// Several carry the name.
    Several(Vec<Named>),
    /// None does.
    None,
}

/// Exact match ignoring case and surrounding white space.
pub fn matches(name: &str, listed: &[Named]) -> Matched {
    let wanted = name.trim().to_lowercase();
    let found: Vec<Named> = listed
        .iter()
        .filter(|n| n.display_name.trim().to_lowercase() == wanted)
        .cloned()
        .collect();
    match found.len() {
        0 => Matched::None,
        1 => Matched::One(found[0].id.clone()),
        _ => Matched::Several(found),
    }
}

/// Whether `text` is shaped like a GUID without being one: only hex digits and dashes, 30 to 40
/// characters, four dashes (an id with a digit missing, one too many, or a dash misplaced).
/// Such a text is a mistyped id, not a display name: looking it up would only fail later, after
/// a sign-in, with a message about names (*ours*: Graph documents no shape for display names).
pub fn is_broken_guid(text: &str) -> bool {
    let text = text.trim();
    (30..=40).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && text.matches('-').count() == 4
        && !is_guid(text)
}

/// Refuses what cannot be a display name before any request: empty, too long, control
/// characters, a mistyped GUID (`is_broken_guid`).
pub fn check_name(name: &str) -> Result<(), Error> {
    let usage = |why: &str| Err(Error::other(ErrorKind::Usage, why.to_owned()));
    if is_broken_guid(name) {
        return usage(&format!(
            "the printer or share {:?} looks like an id but is not a GUID (8-4-4-4-12 hex digits, \
             36 characters; this one has {}); copy the id exactly as it is listed",
            name.trim(),
            name.trim().len()
        ));
    }
    if name.trim().is_empty() {
        return usage("the printer or share is empty; give its id (a GUID) or its display name");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return usage(&format!(
            "a printer or share name is at most {MAX_NAME_CHARS} characters; give its id (a GUID) instead"
        ));
    }
    if name.chars().any(char::is_control) {
        return usage("a printer or share name cannot contain control characters");
    }
    Ok(())
}

/// The printer or share `text` names: a GUID as the id (a share's with `share`), anything
/// else as a display name looked up among the shares, then (unless `share`) the printers.
/// An unknown or ambiguous name is an [`ErrorKind::UnresolvedName`] error listing candidates.
pub async fn resolve(client: &PrintClient, text: &str, share: bool) -> Result<PrintTarget, Error> {
    if is_guid(text.trim()) {
        return Ok(PrintTarget::parse(text.trim(), share)?);
    }
    check_name(text)?;
    let shares = client.share_names().await;
    if let Ok(listed) = &shares {
        match matches(text, listed) {
            Matched::One(id) => return Ok(PrintTarget::parse(&id, true)?),
            Matched::Several(found) => return Err(ambiguous(text, NamedKind::Share, found)),
            Matched::None => {}
        }
    }
    let printers = if share {
        None
    } else {
        Some(client.printer_names().await)
    };
    if let Some(Ok(listed)) = &printers {
        match matches(text, listed) {
            Matched::One(id) => return Ok(PrintTarget::parse(&id, false)?),
            Matched::Several(found) => return Err(ambiguous(text, NamedKind::Printer, found)),
            Matched::None => {}
        }
    }
    Err(unknown(text, shares, printers))
}

fn ambiguous(name: &str, kind: NamedKind, found: Vec<Named>) -> Error {
    let candidates: Vec<Candidate> = found
        .into_iter()
        .map(|named| Candidate { kind, named })
        .collect();
    let message = format!(
        "{} {} carry the name {name:?}; give the id of the one you mean:\n{}",
        candidates.len(),
        match kind {
            NamedKind::Printer => "printers",
            NamedKind::Share => "printer shares",
        },
        list(&candidates)
    );
    unresolved(message, candidates.len())
}

/// An unresolved name; when the candidates were cut, the remedy is the full listing.
fn unresolved(message: String, candidates: usize) -> Error {
    if candidates > SHOWN_CANDIDATES {
        Error::other_with_remedy(ErrorKind::UnresolvedName, message, Remedy::ListShares)
    } else {
        Error::other(ErrorKind::UnresolvedName, message)
    }
}

fn unknown(
    name: &str,
    shares: Result<Vec<Named>, Error>,
    printers: Option<Result<Vec<Named>, Error>>,
) -> Error {
    let mut candidates = Vec::new();
    let mut unreadable = Vec::new();
    let mut first_failure = None;
    let mut take = |kind: NamedKind, result: Result<Vec<Named>, Error>| match result {
        Ok(listed) => candidates.extend(listed.into_iter().map(|named| Candidate { kind, named })),
        Err(e) => {
            let (what, scope) = match kind {
                NamedKind::Share => (
                    "shares",
                    "PrinterShare.ReadBasic.All, which you can consent to yourself",
                ),
                NamedKind::Printer => (
                    "printers",
                    "Printer.Read.All, which only an administrator can consent to, and only for \
                     Printer Administrators",
                ),
            };
            unreadable.push(format!("the {what} could not be listed ({scope}): {e}"));
            first_failure.get_or_insert(e.kind());
        }
    };
    take(NamedKind::Share, shares);
    if let Some(printers) = printers {
        take(NamedKind::Printer, printers);
    }
    let mut message = format!("no printer share or printer you can see is named {name:?}");
    if candidates.is_empty() {
        if let Some(kind) = first_failure {
            if unreadable.len() > 1 || kind != ErrorKind::NotFound {
                message.push_str(&format!(
                    ", and the names could not be looked up:\n{}\nGive the id (a GUID), or sign in with the permission {LISTING_SCOPE} \
                     (no administrator's consent needed)",
                    unreadable.join("\n")
                ));
                let remedy = Scope::new(LISTING_SCOPE).map(|s| Remedy::SignInWithScopes(vec![s]));
                return match remedy {
                    Ok(remedy) => Error::other_with_remedy(kind, message, remedy),
                    Err(_) => Error::other(kind, message),
                };
            }
        }
        message.push_str(" (none are visible to you)");
    } else {
        message.push_str(&format!("; the ones you can see:\n{}", list(&candidates)));
    }
    for note in &unreadable {
        message.push('\n');
        message.push_str(note);
    }
    unresolved(message, candidates.len())
}

fn list(candidates: &[Candidate]) -> String {
    let mut lines: Vec<String> = candidates
        .iter()
        .take(SHOWN_CANDIDATES)
        .map(|c| format!("  {c}"))
        .collect();
    if candidates.len() > SHOWN_CANDIDATES {
        lines.push(format!(
            "  … and {} more",
            candidates.len() - SHOWN_CANDIDATES
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: &str, name: &str) -> Named {
        Named {
            id: id.into(),
            display_name: name.into(),
        }
    }

    #[test]
    fn names_match_exactly_ignoring_case_and_surrounding_space() {
        let listed = [named("a", "Second floor"), named("b", "Second floor east")];
        assert_eq!(matches(" second FLOOR ", &listed), Matched::One("a".into()));
        assert_eq!(matches("Second", &listed), Matched::None);
    }

    #[test]
    fn two_entries_with_one_name_are_ambiguous() {
        let listed = [named("a", "Lobby"), named("b", "lobby")];
        assert!(matches!(matches("Lobby", &listed), Matched::Several(v) if v.len() == 2));
    }

    #[test]
    fn empty_long_and_control_character_names_are_refused_as_usage() {
        for bad in ["", "  ", "a\u{1b}[2J", &"x".repeat(MAX_NAME_CHARS + 1)] {
            assert_eq!(
                check_name(bad).unwrap_err().kind(),
                ErrorKind::Usage,
                "{bad:?}"
            );
        }
        assert!(check_name("2nd floor / east").is_ok());
    }

    #[test]
    fn a_guid_one_digit_short_is_a_usage_error_not_a_name() {
        let short = "0f3c5a2e-9b1d-4c7e-8a6f-1d2e3f4a5b6";
        let error = check_name(short).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Usage);
        assert!(error.to_string().contains(short), "{error}");
        for broken in [
            "0f3c5a2e-9b1d-4c7e-8a6f-1d2e3f4a5b6c7",
            "0f3c5a2e9-b1d-4c7e-8a6f-1d2e3f4a5b6c",
            "0f3c5a2e-9b1d-4c7e-8a6f1-d2e3f4a5b6c",
        ] {
            assert!(is_broken_guid(broken), "{broken}");
        }
        for fine in [
            "0f3c5a2e-9b1d-4c7e-8a6f-1d2e3f4a5b6c",
            "Second floor",
            "cafe-bead-face-dead-beef",
            "0f3c5a2e-9b1d-4c7e-8a6f-1d2e3f4a5b6x",
        ] {
            assert!(!is_broken_guid(fine), "{fine}");
        }
    }

    #[test]
    fn unknown_name_lists_the_candidates_and_the_unreadable_listing() {
        let refused = Error::other(ErrorKind::Permission, "403");
        let error = unknown(
            "Second floor",
            Ok(vec![named("s1", "Lobby")]),
            Some(Err(refused)),
        );
        assert_eq!(error.kind(), ErrorKind::UnresolvedName);
        let text = error.to_string();
        assert!(text.contains("share \"Lobby\" (id s1)"), "{text}");
        assert!(text.contains("printers could not be listed"), "{text}");
    }

    #[test]
    fn unknown_name_when_nothing_could_be_listed_keeps_the_listing_failure_kind() {
        let error = unknown(
            "Lobby",
            Err(Error::other(ErrorKind::SignIn, "consent needed")),
            None,
        );
        assert_eq!(error.kind(), ErrorKind::SignIn);
        let text = error.to_string();
        assert!(text.contains("PrinterShare.ReadBasic.All"), "{text}");
        assert!(
            !text.contains("printjob ") && !text.contains("--"),
            "{text}"
        );
        assert_eq!(
            error.remedy(),
            Some(Remedy::SignInWithScopes(vec![Scope::new(
                "PrinterShare.ReadBasic.All"
            )
            .unwrap()]))
        );
    }

    #[test]
    fn long_candidate_lists_are_cut() {
        let many: Vec<Candidate> = (0..30)
            .map(|i| Candidate {
                kind: NamedKind::Share,
                named: named(&i.to_string(), "x"),
            })
            .collect();
        let text = list(&many);
        assert_eq!(text.lines().count(), SHOWN_CANDIDATES + 1);
        assert!(text.contains("10 more"), "{text}");
        assert!(
            !text.contains("printjob ") && !text.contains("--"),
            "{text}"
        );
        let error = unknown(
            "Lobby",
            Ok(many.into_iter().map(|c| c.named).collect()),
            None,
        );
        assert_eq!(error.remedy(), Some(Remedy::ListShares));
    }
}
