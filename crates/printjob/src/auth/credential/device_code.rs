//! The device code flow, for machines without a browser: the code shown through the sign-in
//! UI, the token endpoint polled until the user finishes, the tokens stored.

use super::DelegatedCredential;
use crate::auth::{AuthError, GrantedToken};
use crate::ids::Scope;

impl DelegatedCredential {
    /// Signs in with the device code flow (for machines without a browser): shows the code
    /// through [`SignInUi::show_device_code`](crate::SignInUi::show_device_code) and polls until
    /// the user finishes.
    pub async fn login_device_code(&self, scopes: &[Scope]) -> Result<GrantedToken, AuthError> {
        let scopes = self.wire_scopes(&self.scopes_or_default(scopes));
        let client = self.token_client().await?;
        self.inner.cache.check_writable().await?;
        let flow = client.start_device_code(&scopes).await?;
        let ui = &self.inner.options.ui;
        ui.show_device_code(flow.prompt());
        ui.waiting("waiting for you to enter the code");
        let result = client.poll_device_code(flow).await;
        ui.finished();
        let set = result?;
        let authority = self.authority().await?;
        let skew = crate::auth::id_token::validate_refreshed(
            set.id_token.as_ref(),
            authority,
            &self.inner.client_id,
            self.now(),
        )?;
        self.report_clock_skew(skew);
        self.store(&set, "urn:ietf:params:oauth:grant-type:device_code")
            .await
    }
}
