//! The far end of a sign-in: a one-shot loopback receiver standing in for an application's
//! redirect URI, and the authorization URL of a PKCE sign-in against the emulator.

use printjob_emulator::{seed, Emulator};
use std::collections::HashMap;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// RFC 7636 Appendix B's code verifier.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// RFC 7636 Appendix B's S256 challenge of [`VERIFIER`].
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// The scopes [`authorize_url`] asks for.
pub const SCOPES: &str =
    "openid profile offline_access https://graph.microsoft.com/PrintJob.ReadWriteBasic";

/// What the loopback receiver got.
#[derive(Debug)]
pub struct Captured {
    /// `GET` (query response mode) or `POST` (form_post).
    pub method: String,
    /// The query or form parameters.
    pub params: HashMap<String, String>,
}

/// A one-shot loopback redirect receiver: accepts one request, answers a small page.
pub struct Receiver {
    /// `http://127.0.0.1:{port}`.
    pub redirect_uri: String,
    task: tokio::task::JoinHandle<Captured>,
}

impl Receiver {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("local address").port();
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let captured = read_request(&mut stream).await;
            let page = "<html><body>Signed in. You can close this window.</body></html>";
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            stream.write_all(response.as_bytes()).await.expect("answer");
            captured
        });
        Self {
            redirect_uri: format!("http://127.0.0.1:{port}"),
            task,
        }
    }

    /// What arrived (waits up to 10 s).
    pub async fn captured(self) -> Captured {
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the redirect arrived")
            .expect("the receiver ran")
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Captured {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.expect("read");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        assert!(n > 0, "connection closed before the headers ended");
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("a length"))
        })
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0);
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut request_line = head.lines().next().expect("request line").split(' ');
    let method = request_line.next().expect("method").to_string();
    let target = request_line.next().expect("target").to_string();
    let raw = if method == "POST" {
        buf[header_end..header_end + length].to_vec()
    } else {
        target
            .split_once('?')
            .map(|(_, q)| q.as_bytes().to_vec())
            .unwrap_or_default()
    };
    Captured {
        method,
        params: form_map(&raw),
    }
}

/// An `application/x-www-form-urlencoded` body (or query) as a map.
pub fn form_map(raw: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw)
        .expect("form encoded")
        .into_iter()
        .collect()
}

/// The emulator's authorize URL for the seeded public client with PKCE S256 ([`CHALLENGE`]),
/// `state=st-123`, `nonce=n-456` and [`SCOPES`]; `extra` replaces or adds parameters (an empty
/// value removes one).
pub fn authorize_url(em: &Emulator, redirect_uri: &str, extra: &[(&str, &str)]) -> Url {
    let mut url = Url::parse(&format!(
        "{}/organizations/oauth2/v2.0/authorize",
        em.base_url()
    ))
    .expect("emulator URL");
    let mut params: Vec<(&str, &str)> = vec![
        ("client_id", seed::PUBLIC_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", redirect_uri),
        ("scope", SCOPES),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    url.query_pairs_mut().extend_pairs(params);
    url
}
