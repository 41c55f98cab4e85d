//! The emulator's token signing key (ES256, generated at start) and access-token verification.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::{Deserialize, Serialize};

/// The audience of Microsoft Graph access tokens.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";

/// Claims of the tokens the emulator issues (access and ID tokens share this shape; absent
/// claims are omitted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedClaims {
    /// Audience: Graph for access tokens, the client id for ID tokens.
    pub aud: String,
    /// Issuer: `{base}/{tenant-guid}/v2.0`.
    pub iss: String,
    /// Tenant GUID.
    pub tid: String,
    /// Object id of the user or service principal.
    pub oid: String,
    /// Subject.
    pub sub: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// Client (application) id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Delegated scopes, space separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// Application roles (app-only tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// `app` for app-only tokens, `user` for delegated ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    /// The user's sign-in name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// The user's display name (ID tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The nonce sent in the authorization request (ID tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Token version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ver: Option<String>,
    /// Unique token id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uti: Option<String>,
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a JWT signed by this emulator.
    InvalidSignature,
    /// Unreadable.
    Malformed,
    /// `exp` has passed.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// Issued for another audience.
    WrongAudience,
}

/// The emulator's signing key.
pub struct SigningKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public_point: Vec<u8>,
    /// Claims of tokens whose signature was already checked, by the token's SHA-256 (a `$batch`
    /// of 20 carries one token 21 times; an ES256 check costs ~0.1 ms, a hash ~1 µs). Only the
    /// signature is remembered: audience and validity window are checked on every call.
    verified: std::sync::Mutex<std::collections::HashMap<[u8; 32], IssuedClaims>>,
}

/// At most this many remembered signatures (cleared when full: tokens are few and long-lived).
const VERIFIED_CAPACITY: usize = 1024;

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// Generates a fresh P-256 key pair.
    pub fn generate() -> Result<Self, String> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "could not generate the emulator signing key".to_string())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| "could not load the emulator signing key".to_string())?;
        let public_point = pair.public_key().as_ref().to_vec();
        let kid = URL_SAFE_NO_PAD
            .encode(&ring::digest::digest(&ring::digest::SHA256, &public_point).as_ref()[..12]);
        Ok(Self {
            kid,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            decoding: DecodingKey::from_ec_der(&public_point),
            public_point,
            verified: Default::default(),
        })
    }

    /// Signs claims as a compact JWT.
    pub fn sign(&self, claims: &IssuedClaims) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        // Signing with a valid in-memory key over serializable claims cannot fail.
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }

    /// Verifies signature, audience and validity window at `now` (Unix seconds).
    pub fn verify(
        &self,
        token: &str,
        audience: &str,
        now: i64,
    ) -> Result<IssuedClaims, VerifyError> {
        let claims = self.signed_claims(token)?;
        if claims.aud != audience {
            return Err(VerifyError::WrongAudience);
        }
        if claims.exp <= now {
            return Err(VerifyError::Expired);
        }
        if claims.nbf > now + 300 {
            return Err(VerifyError::NotYetValid);
        }
        Ok(claims)
    }

    /// The claims of a token this emulator signed (the signature checked once per token).
    fn signed_claims(&self, token: &str) -> Result<IssuedClaims, VerifyError> {
        let key: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
            .as_ref()
            .try_into()
            .map_err(|_| VerifyError::Malformed)?;
        if let Some(claims) = self.verified.lock().ok().and_then(|v| v.get(&key).cloned()) {
            return Ok(claims);
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<IssuedClaims>(token, &self.decoding, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature
                | jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => {
                    VerifyError::InvalidSignature
                }
                _ => VerifyError::Malformed,
            })?
            .claims;
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
            verified.insert(key, claims.clone());
        }
        Ok(claims)
    }

    /// The JSON Web Key Set document (`jwks_uri`).
    pub fn jwks(&self) -> serde_json::Value {
        let (x, y) = self.public_point[1..].split_at(32);
        serde_json::json!({"keys": [{
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
        }]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> IssuedClaims {
        IssuedClaims {
            aud: GRAPH_AUDIENCE.into(),
            exp,
            scp: Some("PrintJob.ReadWriteBasic".into()),
            ..Default::default()
        }
    }

    #[test]
    fn signed_token_verifies_and_expires() {
        let keys = SigningKeys::generate().unwrap();
        let token = keys.sign(&claims(1000));
        assert_eq!(
            keys.verify(&token, GRAPH_AUDIENCE, 999)
                .unwrap()
                .scp
                .as_deref(),
            Some("PrintJob.ReadWriteBasic")
        );
        assert_eq!(
            keys.verify(&token, GRAPH_AUDIENCE, 1000),
            Err(VerifyError::Expired)
        );
        assert_eq!(
            keys.verify(&token, "api://other", 999),
            Err(VerifyError::WrongAudience)
        );
    }

    #[test]
    fn token_from_another_key_is_refused() {
        let a = SigningKeys::generate().unwrap();
        let b = SigningKeys::generate().unwrap();
        let token = a.sign(&claims(1000));
        assert_eq!(
            b.verify(&token, GRAPH_AUDIENCE, 1),
            Err(VerifyError::InvalidSignature)
        );
        assert_eq!(
            a.verify("garbage", GRAPH_AUDIENCE, 1),
            Err(VerifyError::Malformed)
        );
    }

    /// The remembered signature is the whole token's: a copy with another payload or signature
    /// is checked afresh (and refused), and the validity window is checked on every call.
    #[test]
    fn a_remembered_signature_covers_only_that_exact_token() {
        let keys = SigningKeys::generate().unwrap();
        let token = keys.sign(&claims(1000));
        assert!(keys.verify(&token, GRAPH_AUDIENCE, 1).is_ok());
        assert!(keys.verify(&token, GRAPH_AUDIENCE, 2).is_ok(), "remembered");
        assert_eq!(
            keys.verify(&token, GRAPH_AUDIENCE, 1000),
            Err(VerifyError::Expired)
        );
        let (head_payload, signature) = token.rsplit_once('.').unwrap();
        // The first character, not the last: the last carries padding bits, and another value
        // there can be undecodable (Malformed) rather than a wrong signature.
        let first = if signature.starts_with('A') { "B" } else { "A" };
        let forged_signature = format!("{first}{}", &signature[1..]);
        assert_eq!(
            keys.verify(
                &format!("{head_payload}.{forged_signature}"),
                GRAPH_AUDIENCE,
                1
            ),
            Err(VerifyError::InvalidSignature)
        );
        let other = keys.sign(&IssuedClaims {
            scp: Some("PrintJob.ReadWrite.All".into()),
            ..claims(1000)
        });
        let (_, other_signature) = other.rsplit_once('.').unwrap();
        assert_eq!(
            keys.verify(
                &format!("{head_payload}.{other_signature}"),
                GRAPH_AUDIENCE,
                1
            ),
            Err(VerifyError::InvalidSignature),
            "a known payload with another token's signature"
        );
    }
}
