//! Authorization codes, refresh tokens, consents, device codes and sign-ins in progress.
//!
//! Everything is kept in memory and keyed by the raw secret values (the emulator is the party
//! that issued them); `Debug` prints counts only, never a code or a token.

use std::collections::{BTreeSet, HashMap};

/// How long an authorization code can be redeemed (seconds), as Entra documents (10 minutes).
pub const CODE_LIFETIME_SECS: i64 = 600;
/// How long a rotated-out refresh token is still honoured after its successor was issued, in
/// [`RefreshPolicy::Grace`] (an emulator choice between Entra's and the strict rule, kept for
/// tests that exercise it; see docs/emulator.md).
pub const REFRESH_GRACE_SECS: i64 = 30;
/// Refresh tokens expire after 90 days without use.
pub const REFRESH_LIFETIME_SECS: i64 = 90 * 24 * 3600;
/// Lifetime of a device code (`expires_in` of the device code response).
pub const DEVICE_CODE_LIFETIME_SECS: i64 = 900;
/// Default polling interval of the device code flow, as Entra sends it.
pub const DEFAULT_DEVICE_CODE_INTERVAL_SECS: u64 = 5;
/// How long a sign-in page stays usable.
pub const FLOW_LIFETIME_SECS: i64 = 3600;

/// How the authorization response goes back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// `302` to the redirect URI with the parameters in the query.
    Query,
    /// An auto-submitting HTML form that POSTs the parameters to the redirect URI.
    FormPost,
}

/// The parameters of an `/authorize` request that are needed after sign-in.
#[derive(Clone)]
pub struct AuthorizeRequest {
    /// The redirect URI exactly as sent.
    pub redirect_uri: String,
    /// Query or form_post.
    pub response_mode: ResponseMode,
    /// `state`, echoed as received.
    pub state: Option<String>,
    /// `nonce`, copied into the ID token.
    pub nonce: Option<String>,
    /// The S256 `code_challenge` (None only for confidential clients that sent none).
    pub code_challenge: Option<String>,
    /// The `claims` request parameter (JSON), recorded on the code.
    pub claims: Option<String>,
    /// `prompt=consent`: show the consent page even if everything was consented.
    pub force_consent: bool,
    /// The Graph resource the requested scopes name (the access token's audience).
    pub resource: String,
}

/// What a sign-in in progress will produce.
#[derive(Clone)]
pub enum FlowKind {
    /// An authorization code for the redirect URI.
    Authorize(AuthorizeRequest),
    /// Approval of a device code.
    Device {
        /// The device code being approved.
        device_code: String,
    },
}

/// A sign-in in progress: created by `/authorize` (or the device login page), advanced by the
/// sign-in and consent forms.
#[derive(Clone)]
pub struct Flow {
    /// Random id carried in the forms' hidden `flow` field.
    pub id: String,
    /// Random value that must come back both in the hidden `csrf` field and in the cookie.
    pub csrf: String,
    /// The tenant segment of the authorize URL (`organizations`, a domain, a GUID).
    pub tenant_path: String,
    /// The application.
    pub client_id: String,
    /// Normalised requested scopes.
    pub scopes: Vec<String>,
    /// `login_hint`, prefilled on the sign-in page.
    pub login_hint: Option<String>,
    /// Code or device approval.
    pub kind: FlowKind,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// The signed-in user's object id, once the password was accepted.
    pub user_oid: Option<String>,
}

/// An issued authorization code.
#[derive(Clone)]
pub struct CodeGrant {
    /// The application the code was issued to.
    pub client_id: String,
    /// The redirect URI of the authorize request.
    pub redirect_uri: String,
    /// The S256 challenge.
    pub code_challenge: Option<String>,
    /// The user.
    pub user_oid: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The Graph resource the scopes name (the access token's audience).
    pub resource: String,
    /// Nonce for the ID token.
    pub nonce: Option<String>,
    /// The `claims` parameter of the authorize request.
    pub claims: Option<String>,
    /// Issue time.
    pub issued_at: i64,
    /// Whether it was already exchanged.
    pub redeemed: bool,
}

/// What happens to a refresh token once it has been rotated out (its successor issued).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefreshPolicy {
    /// As Entra documents (the default): "The Microsoft identity platform doesn't revoke old
    /// refresh tokens when used to fetch new access tokens." (Entra docs, "Refresh tokens in the
    /// Microsoft identity platform"), so a rotated-out token stays valid for its lifetime.
    #[default]
    Entra,
    /// Rotated-out tokens are honoured for [`REFRESH_GRACE_SECS`], then refused (no revocation).
    Grace,
    /// As stricter OpenID providers do, per RFC 9700 §4.14.2 (refresh token rotation): a
    /// rotated-out token presented again is a reuse; the whole family is revoked, grace 0.
    Strict,
}

/// Why a code could not be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Never issued.
    Unknown,
    /// Already exchanged (its refresh tokens are now revoked).
    Reused,
    /// Older than [`CODE_LIFETIME_SECS`].
    Expired,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub struct RefreshRecord {
    /// The family: every token rotated from the same sign-in shares it.
    pub family: u64,
    /// The application.
    pub client_id: String,
    /// The user.
    pub user_oid: String,
    /// Scopes of the sign-in that started the family.
    pub scopes: Vec<String>,
    /// The Graph resource of those scopes (a refresh without `scope` is for it).
    pub resource: String,
    /// Issue time.
    pub issued_at: i64,
    /// When its successor was issued.
    pub superseded_at: Option<i64>,
    /// Revoked (reused code, …).
    pub revoked: bool,
    /// The code the family was started from.
    pub from_code: Option<String>,
}

/// Why a refresh token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshError {
    /// Never issued, or revoked.
    Unknown,
    /// Rotated out more than [`REFRESH_GRACE_SECS`] ago.
    Superseded,
    /// Unused for [`REFRESH_LIFETIME_SECS`].
    Expired,
    /// Issued to another application.
    WrongClient,
    /// A rotated-out token presented again in [`RefreshPolicy::Strict`]: the family is revoked.
    Reused,
}

/// Where a device code stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    /// The user has not finished yet.
    Pending,
    /// The user signed in and consented.
    Approved {
        /// The user.
        user_oid: String,
    },
    /// The user cancelled or could not consent; the AADSTS code and text.
    Declined {
        /// AADSTS number.
        code: u32,
        /// Explanation.
        message: String,
    },
}

/// An issued device code.
#[derive(Debug, Clone)]
pub struct DeviceGrant {
    /// The short code the user types.
    pub user_code: String,
    /// The application.
    pub client_id: String,
    /// The tenant segment of the devicecode request.
    pub tenant_path: String,
    /// Normalised requested scopes.
    pub scopes: Vec<String>,
    /// The Graph resource the scopes name (the access token's audience).
    pub resource: String,
    /// Issue time.
    pub issued_at: i64,
    /// Last poll time.
    pub last_poll: Option<i64>,
    /// Current polling interval (grows by 5 s on each `slow_down`, as RFC 8628 asks).
    pub interval: u64,
    /// Progress.
    pub status: DeviceStatus,
}

/// What the identity routes remember between requests.
pub struct IdentityStore {
    flows: HashMap<String, Flow>,
    codes: HashMap<String, CodeGrant>,
    refresh: HashMap<String, RefreshRecord>,
    next_family: u64,
    consents: HashMap<(String, String), BTreeSet<String>>,
    devices: HashMap<String, DeviceGrant>,
    device_interval: u64,
    refresh_policy: RefreshPolicy,
}

impl Default for IdentityStore {
    fn default() -> Self {
        Self::with_device_interval(DEFAULT_DEVICE_CODE_INTERVAL_SECS)
    }
}

impl std::fmt::Debug for IdentityStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityStore")
            .field("flows", &self.flows.len())
            .field("codes", &self.codes.len())
            .field("refresh_tokens", &self.refresh.len())
            .field("refresh_families", &self.next_family)
            .field("devices", &self.devices.len())
            .finish_non_exhaustive()
    }
}

/// A random URL-safe string of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

impl IdentityStore {
    /// An empty store whose device codes ask clients to poll every `interval` seconds.
    pub fn with_device_interval(interval: u64) -> Self {
        Self {
            flows: HashMap::new(),
            codes: HashMap::new(),
            refresh: HashMap::new(),
            next_family: 0,
            consents: HashMap::new(),
            devices: HashMap::new(),
            device_interval: interval.max(1),
            refresh_policy: RefreshPolicy::default(),
        }
    }

    /// The polling interval given to new device codes.
    pub fn device_interval(&self) -> u64 {
        self.device_interval
    }

    /// Remembers a sign-in in progress.
    pub fn insert_flow(&mut self, flow: Flow) {
        self.flows.insert(flow.id.clone(), flow);
    }

    /// A sign-in in progress, if it exists and is younger than [`FLOW_LIFETIME_SECS`].
    pub fn flow(&self, id: &str, now: i64) -> Option<&Flow> {
        self.flows
            .get(id)
            .filter(|f| now - f.created_at < FLOW_LIFETIME_SECS)
    }

    /// Records the signed-in user of a flow.
    pub fn set_flow_user(&mut self, id: &str, user_oid: &str) {
        if let Some(flow) = self.flows.get_mut(id) {
            flow.user_oid = Some(user_oid.to_string());
        }
    }

    /// Ends a sign-in (after the code was issued or the user cancelled).
    pub fn remove_flow(&mut self, id: &str) -> Option<Flow> {
        self.flows.remove(id)
    }

    /// Stores a code and returns its value.
    pub fn issue_code(&mut self, grant: CodeGrant) -> String {
        let code = format!("1.{}", random_token(48));
        self.codes.insert(code.clone(), grant);
        code
    }

    /// The refresh-token rule in force.
    pub fn refresh_policy(&self) -> RefreshPolicy {
        self.refresh_policy
    }

    /// Chooses the refresh-token rule (tests of stricter providers use [`RefreshPolicy::Strict`]).
    pub fn set_refresh_policy(&mut self, policy: RefreshPolicy) {
        self.refresh_policy = policy;
    }

    /// Redeems a code once: looks it up, runs `check` (client, redirect URI, PKCE) and marks it
    /// redeemed, all in one critical section (the caller holds the store's lock), so two
    /// concurrent redemptions can never both succeed. A code is used up only when `check`
    /// passes; a second redemption revokes the refresh tokens issued from it.
    pub fn redeem_code<E>(
        &mut self,
        code: &str,
        now: i64,
        check: impl FnOnce(&CodeGrant) -> Result<(), E>,
    ) -> Result<Result<CodeGrant, E>, CodeError> {
        let grant = self.codes.get_mut(code).ok_or(CodeError::Unknown)?;
        if grant.redeemed {
            self.revoke_from_code(code);
            return Err(CodeError::Reused);
        }
        if now - grant.issued_at >= CODE_LIFETIME_SECS {
            return Err(CodeError::Expired);
        }
        if let Err(e) = check(grant) {
            return Ok(Err(e));
        }
        grant.redeemed = true;
        Ok(Ok(grant.clone()))
    }

    fn revoke_from_code(&mut self, code: &str) {
        let families: BTreeSet<u64> = self
            .refresh
            .values()
            .filter(|r| r.from_code.as_deref() == Some(code))
            .map(|r| r.family)
            .collect();
        for family in families {
            self.revoke_family(family);
        }
    }

    /// Revokes every refresh token of a family.
    pub fn revoke_family(&mut self, family: u64) {
        for record in self.refresh.values_mut().filter(|r| r.family == family) {
            record.revoked = true;
        }
    }

    /// Starts a new refresh-token family.
    pub fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    /// Stores a refresh token and returns its value.
    pub fn issue_refresh(&mut self, record: RefreshRecord) -> String {
        let token = format!("0.{}", random_token(96));
        self.refresh.insert(token.clone(), record);
        token
    }

    /// Checks a refresh token without using it up (a refused grant must not rotate it).
    pub fn check_refresh(
        &self,
        token: &str,
        client_id: &str,
        now: i64,
    ) -> Result<RefreshRecord, RefreshError> {
        let record = self.refresh.get(token).ok_or(RefreshError::Unknown)?;
        if record.revoked {
            return Err(RefreshError::Unknown);
        }
        if record.client_id != client_id {
            return Err(RefreshError::WrongClient);
        }
        if now - record.issued_at >= REFRESH_LIFETIME_SECS {
            return Err(RefreshError::Expired);
        }
        match (self.refresh_policy, record.superseded_at) {
            (RefreshPolicy::Grace, Some(at)) if now - at > REFRESH_GRACE_SECS => {
                Err(RefreshError::Superseded)
            }
            (RefreshPolicy::Strict, Some(_)) => Err(RefreshError::Reused),
            _ => Ok(record.clone()),
        }
    }

    /// Uses a refresh token: checks it and marks it rotated out, in one critical section. In
    /// [`RefreshPolicy::Strict`] a rotated-out token presented again revokes its whole family.
    pub fn use_refresh(
        &mut self,
        token: &str,
        client_id: &str,
        now: i64,
    ) -> Result<RefreshRecord, RefreshError> {
        let record = match self.check_refresh(token, client_id, now) {
            Err(RefreshError::Reused) => {
                if let Some(family) = self.family_of(token) {
                    self.revoke_family(family);
                }
                return Err(RefreshError::Reused);
            }
            other => other?,
        };
        if let Some(stored) = self.refresh.get_mut(token) {
            stored.superseded_at.get_or_insert(now);
        }
        Ok(record)
    }

    /// How many refresh-token families were started (one per sign-in with `offline_access`).
    pub fn refresh_family_count(&self) -> usize {
        self.next_family as usize
    }

    /// How many refresh tokens of `family` exist (rotations + 1).
    pub fn refresh_tokens_in_family(&self, family: u64) -> usize {
        self.refresh.values().filter(|r| r.family == family).count()
    }

    /// The family of a refresh token.
    pub fn family_of(&self, token: &str) -> Option<u64> {
        self.refresh.get(token).map(|r| r.family)
    }

    /// Scopes `user_oid` has consented to for `client_id`.
    pub fn consented(&self, user_oid: &str, client_id: &str) -> BTreeSet<String> {
        self.consents
            .get(&(user_oid.to_string(), client_id.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// Records consent to `scopes`.
    pub fn add_consent(&mut self, user_oid: &str, client_id: &str, scopes: &[String]) {
        self.consents
            .entry((user_oid.to_string(), client_id.to_string()))
            .or_default()
            .extend(scopes.iter().cloned());
    }

    /// Stores a device code and returns its value.
    pub fn insert_device(&mut self, grant: DeviceGrant) -> String {
        let device_code = format!("DAQ.{}", random_token(48));
        self.devices.insert(device_code.clone(), grant);
        device_code
    }

    /// The device code whose user code is `user_code` (case-insensitive, dashes ignored).
    pub fn device_by_user_code(&self, user_code: &str, now: i64) -> Option<(String, DeviceGrant)> {
        let wanted: String = user_code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        self.devices
            .iter()
            .find(|(_, g)| {
                g.user_code == wanted
                    && g.status == DeviceStatus::Pending
                    && now - g.issued_at < DEVICE_CODE_LIFETIME_SECS
            })
            .map(|(k, g)| (k.clone(), g.clone()))
    }

    /// A device code, for polling.
    pub fn device_mut(&mut self, device_code: &str) -> Option<&mut DeviceGrant> {
        self.devices.get_mut(device_code)
    }

    /// Forgets a device code (after its tokens were issued).
    pub fn remove_device(&mut self, device_code: &str) {
        self.devices.remove(device_code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(at: i64) -> CodeGrant {
        CodeGrant {
            client_id: "c".into(),
            redirect_uri: "http://localhost".into(),
            code_challenge: None,
            user_oid: "u".into(),
            scopes: vec![],
            resource: String::new(),
            nonce: None,
            claims: None,
            issued_at: at,
            redeemed: false,
        }
    }

    fn refresh(family: u64, at: i64) -> RefreshRecord {
        RefreshRecord {
            family,
            client_id: "c".into(),
            user_oid: "u".into(),
            scopes: vec![],
            resource: String::new(),
            issued_at: at,
            superseded_at: None,
            revoked: false,
            from_code: None,
        }
    }

    #[test]
    fn code_expires_after_ten_minutes() {
        let mut store = IdentityStore::default();
        let ok = |_: &CodeGrant| Ok::<(), ()>(());
        let code = store.issue_code(grant(1000));
        assert!(store.redeem_code(&code, 1000 + 599, ok).is_ok());
        let late = store.issue_code(grant(1000));
        assert!(matches!(
            store.redeem_code(&late, 1000 + 600, ok),
            Err(CodeError::Expired)
        ));
    }

    #[test]
    fn code_is_used_up_only_when_its_checks_pass_and_then_only_once() {
        let mut store = IdentityStore::default();
        let code = store.issue_code(grant(0));
        assert!(matches!(
            store.redeem_code(&code, 1, |_| Err("pkce")),
            Ok(Err("pkce"))
        ));
        assert!(matches!(
            store.redeem_code(&code, 1, |_| Ok::<(), ()>(())),
            Ok(Ok(_))
        ));
        assert!(matches!(
            store.redeem_code(&code, 1, |_| Ok::<(), ()>(())),
            Err(CodeError::Reused)
        ));
    }

    #[test]
    fn entra_policy_keeps_rotated_out_refresh_tokens_valid() {
        let mut store = IdentityStore::default();
        let family = store.new_family();
        let token = store.issue_refresh(refresh(family, 0));
        assert!(store.use_refresh(&token, "c", 10).is_ok());
        assert!(store.use_refresh(&token, "c", 10 + 86_400).is_ok());
    }

    #[test]
    fn strict_policy_revokes_the_family_when_a_rotated_out_token_is_reused() {
        let mut store = IdentityStore::default();
        store.set_refresh_policy(RefreshPolicy::Strict);
        let family = store.new_family();
        let old = store.issue_refresh(refresh(family, 0));
        assert!(store.use_refresh(&old, "c", 10).is_ok());
        let new = store.issue_refresh(refresh(family, 10));
        assert_eq!(
            store.use_refresh(&old, "c", 10).err(),
            Some(RefreshError::Reused)
        );
        assert_eq!(
            store.check_refresh(&new, "c", 11).err(),
            Some(RefreshError::Unknown)
        );
    }

    #[test]
    fn rotated_refresh_token_is_honoured_only_within_the_grace_window() {
        let mut store = IdentityStore::default();
        store.set_refresh_policy(RefreshPolicy::Grace);
        let family = store.new_family();
        let token = store.issue_refresh(refresh(family, 0));
        assert!(store.use_refresh(&token, "c", 10).is_ok());
        assert!(store
            .use_refresh(&token, "c", 10 + REFRESH_GRACE_SECS)
            .is_ok());
        assert_eq!(
            store
                .use_refresh(&token, "c", 11 + REFRESH_GRACE_SECS)
                .err(),
            Some(RefreshError::Superseded)
        );
    }

    #[test]
    fn debug_shows_counts_not_secrets() {
        let mut store = IdentityStore::default();
        let code = store.issue_code(grant(0));
        assert!(!format!("{store:?}").contains(&code));
    }
}
