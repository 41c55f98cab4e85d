//! `WWW-Authenticate` challenges on a Graph 401: Continuous Access Evaluation (CAE) asks the
//! client to get a new token carrying extra claims, e.g.
//! `Bearer realm="", authorization_uri="…", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsi…"`.
//!
//! The `claims` value is base64 of a JSON claims request; it is decoded and handed to the token
//! source, which re-runs sign-in with it (the client declares the `cp1` capability so the
//! service sends such challenges instead of refusing outright).

use crate::auth::cae::decode_claims_challenge;

/// A claims challenge read from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsChallenge {
    /// The `error` parameter (`insufficient_claims`).
    pub error: String,
    /// The claims request as JSON (decoded from base64 when it was encoded).
    pub claims: String,
}

/// Reads a claims challenge from a `WWW-Authenticate` value; `None` when the header is not a
/// Bearer challenge with both `error="insufficient_claims"` and `claims`.
pub fn parse_claims_challenge(header: &str) -> Option<ClaimsChallenge> {
    let params = header.trim().strip_prefix("Bearer")?;
    let params = auth_params(params);
    let error = params.iter().find(|(k, _)| k == "error")?.1.clone();
    if error != "insufficient_claims" {
        return None;
    }
    let raw = params.iter().find(|(k, _)| k == "claims")?.1.clone();
    if raw.is_empty() {
        return None;
    }
    Some(ClaimsChallenge {
        error,
        claims: decode_claims(&raw),
    })
}

/// The claims request as JSON, by the one claims-challenge decoder (`auth/cae.rs`); a value
/// that does not decode is handed on as it came, for the token source to refuse.
fn decode_claims(raw: &str) -> String {
    decode_claims_challenge(raw).unwrap_or_else(|_| raw.trim().to_string())
}

/// Splits `k1="v1", k2=v2` into pairs (keys lower-cased, quotes and `\` escapes removed).
fn auth_params(input: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.trim().is_empty() {
            return out;
        }
        let value = if chars.peek() == Some(&'"') {
            chars.next();
            quoted(&mut chars)
        } else {
            chars.by_ref().take_while(|c| *c != ',').collect::<String>()
        };
        out.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
}

fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.extend(chars.next()),
            '"' => break,
            other => value.push(other),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    const CLAIMS: &str = r#"{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}"#;

    #[test]
    fn base64_claims_are_decoded_to_json() {
        let header = format!(
            r#"Bearer realm="", authorization_uri="https://login.example/authorize", error="insufficient_claims", claims="{}""#,
            STANDARD.encode(CLAIMS)
        );
        let challenge = parse_claims_challenge(&header).unwrap();
        assert_eq!(challenge.error, "insufficient_claims");
        assert_eq!(challenge.claims, CLAIMS);
    }

    #[test]
    fn a_plain_bearer_challenge_is_not_a_claims_challenge() {
        assert_eq!(
            parse_claims_challenge(r#"Bearer realm="", error="invalid_token""#),
            None
        );
        assert_eq!(parse_claims_challenge("Basic realm=x"), None);
    }

    #[test]
    fn json_claims_are_kept_as_they_are() {
        let header = format!(
            r#"Bearer error="insufficient_claims", claims="{}""#,
            CLAIMS.replace('"', "\\\"")
        );
        assert_eq!(parse_claims_challenge(&header).unwrap().claims, CLAIMS);
    }
}
