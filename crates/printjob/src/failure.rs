//! What kind of failure an error is and what would fix it, as data: the leaves every error type
//! of the library uses (so that `error.rs`, which gathers those types, is imported by none of
//! them).

use crate::ids::Scope;

/// What kind of failure an error is; callers branch on it (the command line turns each into
/// its own exit code, documented in README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input was wrong: flags, ids, configuration. Fix the command and run it again.
    Usage,
    /// Sign-in failed or is needed (no account, expired refresh token, provider error).
    SignIn,
    /// The user cancelled sign-in (declined consent, closed the flow, Ctrl-C).
    SignInCancelled,
    /// The token lacks a permission, is app-only, or the user may not touch that job.
    Permission,
    /// A printer, share or job does not exist (or is not visible to the user).
    NotFound,
    /// Some of the requested jobs were not cancelled.
    PartialFailure,
    /// The service could not be reached or kept failing after the retries.
    Service,
    /// A capability this build does not offer yet.
    NotAvailable,
    /// A printer or share name matched none, or several, of those the user can see.
    UnresolvedName,
    /// Anything unexpected (a bug, an I/O failure).
    Internal,
}

/// What would fix a failure, as data. The library names no command, flag or environment
/// variable of any front end: a caller words the remedy in its own terms (the command line names
/// its commands and flags).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// Sign in again interactively.
    SignIn,
    /// Sign in again, waiting longer for the browser's redirect.
    SignInWaitingLonger,
    /// Sign in again asking for these scopes (and accept the consent page; permissions ending
    /// in `.All` need an administrator's consent first).
    SignInWithScopes(Vec<Scope>),
    /// Sign in with the browser (authorization code flow) instead of the device code flow.
    SignInWithBrowser,
    /// Sign in again asking for the response in the query string (the identity provider does
    /// not support `response_mode=form_post`).
    SignInWithQueryResponse,
    /// Check these settings (as given by whatever configured them).
    CheckSettings(Vec<Setting>),
    /// Copy the ids exactly as the service lists them (printers, shares, jobs).
    CopyListedIds,
    /// List the printer shares instead of the printers (no administrator permission needed).
    ListShares,
    /// Let the sign-in listener use another port (or any free one).
    ChooseAnotherPort,
}

/// A setting a [`Remedy`] asks to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The tenant (GUID, verified domain or `organizations`).
    Tenant,
    /// The application (client) id.
    ClientId,
    /// The national cloud.
    Cloud,
    /// The identity provider's base URL (the authority).
    Authority,
    /// The Microsoft Graph base URL.
    GraphUrl,
    /// The token cache file.
    Cache,
    /// Where the token cache is kept (`auto`, the secret store, or the file).
    CacheStore,
    /// The requested scopes.
    Scopes,
    /// Whether an id names a printer share rather than a printer.
    Share,
}
