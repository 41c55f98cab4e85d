//! `printjob emulator --tls`: a certificate authority generated at start, and a server
//! certificate it signs for `127.0.0.1` and `localhost`.
//!
//! The CA's PEM is what a client must trust (`SSL_CERT_FILE`, the system store, msal-python's
//! `verify=`, azure_core's `REQUESTS_CA_BUNDLE`): nothing is trusted by default, so the trust
//! tests see the same "unknown issuer" a TLS-inspecting proxy causes.

use std::sync::Arc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The generated CA (PEM) and an acceptor serving its server certificate.
#[derive(Clone)]
pub struct TlsSetup {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// Accepts TLS connections with the server certificate.
    pub acceptor: tokio_rustls::TlsAcceptor,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup").finish_non_exhaustive()
    }
}

/// Generates a CA and a server certificate for `127.0.0.1` and `localhost`, valid from an
/// hour ago for 30 days.
pub fn generate() -> Result<TlsSetup, String> {
    fn err(what: &'static str) -> impl Fn(rcgen::Error) -> String {
        move |e| format!("cannot generate the {what}: {e}")
    }
    let now = time::OffsetDateTime::now_utc();
    let (not_before, not_after) = (
        now - time::Duration::hours(1),
        now + time::Duration::days(30),
    );
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(err("CA"))?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "printjob emulator test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_key = rcgen::KeyPair::generate().map_err(err("CA key"))?;
    let ca = ca_params.self_signed(&ca_key).map_err(err("CA"))?;

    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(err("server certificate"))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "127.0.0.1");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = not_before;
    params.not_after = not_after;
    let key = rcgen::KeyPair::generate().map_err(err("server key"))?;
    let cert = params
        .signed_by(&key, &ca, &ca_key)
        .map_err(err("server certificate"))?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| format!("cannot configure TLS: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        ca_pem: ca.pem(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    })
}
