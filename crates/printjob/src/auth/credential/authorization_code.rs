//! The authorization code flow with PKCE through the loopback redirect: the authorize request,
//! the browser (or the URL shown), the one redirect awaited, the code exchanged, the ID token
//! checked (OpenID Connect Core §3.1.3.7), the tokens stored.

use super::DelegatedCredential;
use crate::auth::authority::Authority;
use crate::auth::interactive::{AuthorizationParams, PendingAuthorization, ResponseMode};
use crate::auth::loopback::{LoopbackListener, LoopbackOptions};
use crate::auth::token::TokenSet;
use crate::auth::{AuthError, GrantedToken};
use crate::ids::Scope;
use url::Url;

impl DelegatedCredential {
    /// Signs in interactively in the browser (authorization code + PKCE through the loopback
    /// listener), whatever the cache holds, and stores the tokens.
    pub async fn login(&self, scopes: &[Scope]) -> Result<GrantedToken, AuthError> {
        let scopes = self.scopes_or_default(scopes);
        self.interactive(&scopes, None).await
    }

    pub(super) async fn interactive(
        &self,
        scopes: &[Scope],
        claims: Option<&str>,
    ) -> Result<GrantedToken, AuthError> {
        let options = &self.inner.options;
        if options.device_code_sign_in && claims.is_none() {
            return self.login_device_code(scopes).await;
        }
        let authority = self.authority().await?.clone();
        // Before the browser opens: a sign-in whose tokens cannot be saved is lost.
        self.inner.cache.check_writable().await?;
        let listener = LoopbackListener::bind(&LoopbackOptions {
            port: options.port,
            host: options.redirect_host,
            timeout: options.timeout,
            ..LoopbackOptions::default()
        })?;
        let scopes = &self.wire_scopes(scopes);
        let mut params = AuthorizationParams::new(
            authority.authorization_endpoint.clone(),
            self.inner.client_id.clone(),
            listener.redirect_uri(),
            scopes.to_vec(),
        );
        params.response_mode = response_mode_for(options.response_mode, &authority);
        params.login_hint = options.login_hint.clone();
        params.domain_hint = options.domain_hint.clone();
        params.claims = claims.map(str::to_owned);
        let pending = PendingAuthorization::new(params);
        self.present(pending.url());
        options
            .ui
            .waiting("waiting for you to sign in in the browser");
        let (state, mode) = (pending.state().to_owned(), pending.response_mode());
        let redirect = listener.wait(&state, mode).await;
        options.ui.finished();
        let redirect = redirect?;
        crate::auth::interactive::check_response_issuer(
            redirect.iss.as_deref(),
            &authority.issuer,
            authority.authorization_response_iss_parameter_supported,
        )?;
        let grant = pending.finish(redirect)?;
        let client = self.token_client().await?;
        let set = client
            .exchange_code(
                &grant.code,
                &grant.verifier,
                &grant.redirect_uri,
                scopes,
                claims,
            )
            .await?;
        self.validate_id_token(&set, &authority, Some(&grant.nonce))?;
        self.store(&set, "authorization_code").await
    }

    /// OpenID Connect Core §3.1.3.7 on the code flow's ID token, which is required: an OpenID
    /// provider must return one for a request with the `openid` scope.
    pub(super) fn validate_id_token(
        &self,
        set: &TokenSet,
        authority: &Authority,
        nonce: Option<&str>,
    ) -> Result<(), AuthError> {
        let token = set.id_token.as_ref().ok_or_else(|| {
            AuthError::IdToken(
                "the identity provider returned no ID token for an OpenID Connect sign-in, so the signed-in user cannot be known; check the authority URL".into(),
            )
        })?;
        let valid = crate::auth::id_token::validate(
            token,
            &crate::auth::id_token::Expected {
                issuer: &authority.issuer,
                client_id: self.inner.client_id.as_str(),
                nonce,
                now: self.now(),
            },
        )?;
        self.report_clock_skew(valid.clock_skew);
        Ok(())
    }

    pub(super) fn present(&self, url: &Url) {
        let options = &self.inner.options;
        if !options.open_browser {
            options.ui.show_url(url, None);
            return;
        }
        match options.browser.open(url) {
            Ok(()) => options.ui.browser_opened(url),
            Err(e) => options.ui.show_url(url, Some(&e)),
        }
    }
}

/// The response mode to request: the configured one, except that `form_post` becomes `query`
/// when the provider's discovery document lists its response modes without `form_post` (a
/// standards-compliant provider that cannot POST to the redirect URI; PKCE still protects the
/// code). A provider that lists nothing is asked for what was configured.
fn response_mode_for(configured: ResponseMode, authority: &Authority) -> ResponseMode {
    let lacks_form_post = authority
        .response_modes_supported
        .as_ref()
        .is_some_and(|modes| !modes.iter().any(|m| m == "form_post"));
    if configured == ResponseMode::FormPost && lacks_form_post {
        tracing::debug!("the provider does not list form_post; asking for response_mode=query");
        return ResponseMode::Query;
    }
    configured
}
