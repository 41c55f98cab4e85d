//! Secret values: tokens, authorization codes and PKCE verifiers.
//!
//! Every secret is a newtype whose `Debug` and `Display` print `[redacted]`; the raw value is
//! only reachable through an explicit [`AccessToken::secret`]-style call, so a secret cannot end
//! up in a log line, an error message or a panic by accident.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! secret_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a raw secret value.
            // Not every secret is built from a raw string by this crate (some only by serde).
            #[allow(dead_code)]
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The raw secret. Call this only where the value is sent to the service that
            /// issued it (or handed to the caller who asked for it), never to format a message.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }
    };
}

secret_newtype!(
    /// An OAuth 2.0 access token (a bearer credential for Microsoft Graph).
    AccessToken
);
secret_newtype!(
    /// An OAuth 2.0 refresh token.
    RefreshToken
);
secret_newtype!(
    /// An OpenID Connect ID token.
    IdToken
);
secret_newtype!(
    /// An authorization code returned to the redirect URI.
    AuthorizationCode
);
secret_newtype!(
    /// A PKCE code verifier (RFC 7636).
    PkceVerifier
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let token = AccessToken::new("eyJ.secret-value.sig");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        assert_eq!(format!("{token}"), "[redacted]");
        assert_eq!(token.secret(), "eyJ.secret-value.sig");
        let wrapped = Some(RefreshToken::new("rt-value"));
        assert!(!format!("{wrapped:?}").contains("rt-value"));
    }

    #[test]
    fn serializes_as_the_plain_string_for_the_cache() {
        let token = RefreshToken::new("abc");
        assert_eq!(serde_json::to_string(&token).unwrap(), "\"abc\"");
    }
}
