//! Continuous Access Evaluation claims: the one decoder of a claims challenge, the `claims`
//! value a resource's `WWW-Authenticate` header carries (base64 of a JSON claims request) or
//! that a caller hands in as JSON. The Graph client reads the header with it; the credential
//! decodes what it is handed with it before redeeming a refresh token or signing in.

use super::AuthError;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// Reads a claims challenge as a `WWW-Authenticate` header carries it (`claims="…"`: base64,
/// standard or URL-safe, padded or not) or as the JSON itself, and returns the JSON text.
/// Anything that does not decode to a JSON object is refused.
pub fn decode_claims_challenge(value: &str) -> Result<String, AuthError> {
    let value = value.trim().trim_matches('"');
    let is_object =
        |text: &str| serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.is_object());
    if is_object(value) {
        return Ok(value.to_owned());
    }
    let decoded = [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(value).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| is_object(text));
    decoded.ok_or_else(|| {
        AuthError::Usage(
            "the claims challenge is neither a JSON object nor base64-encoded JSON; pass the \
             `claims` value of the WWW-Authenticate header as it is"
                .into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_challenge_is_read_from_base64_or_json() {
        let json = r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}"#;
        let header_value =
            "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNjA0MTA2NjUxIn19fQ==";
        assert_eq!(decode_claims_challenge(header_value).unwrap(), json);
        assert_eq!(
            decode_claims_challenge(header_value.trim_end_matches('=')).unwrap(),
            json
        );
        assert_eq!(decode_claims_challenge(json).unwrap(), json);
        let err = decode_claims_challenge("not a challenge").unwrap_err();
        assert!(err.to_string().contains("WWW-Authenticate"), "{err}");
    }
}
