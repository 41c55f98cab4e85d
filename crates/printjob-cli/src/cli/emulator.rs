//! `printjob emulator` and `printjob demo`.

use super::global::GlobalArgs;
use clap::Args;
use printjob::{Error, ErrorKind};
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::seed::Seed;
use printjob_emulator::throttle::ThrottleSpec;
use printjob_emulator::Emulator;
use std::io::Write;
use std::path::PathBuf;

/// `printjob emulator`
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// JSON seed file with tenants, users, apps, printers and jobs (see docs/emulator.md)
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Faults to inject, e.g. 429=0.1,503=0.05,drop=0.02,latency=200ms,retry-after=1
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Throttle Graph with a token bucket per application and tenant, e.g. 100/s,burst=200
    /// or 600/m (requests over it get 429 with Retry-After; see docs/emulator.md)
    #[arg(long, value_name = "RATE")]
    pub throttle: Option<String>,
    /// Serve https with a certificate from a CA generated at start; its PEM is written to
    /// --ca-file (default: a new private directory under the temporary directory)
    #[arg(long)]
    pub tls: bool,
    /// Where --tls writes the CA certificate (PEM) that clients must trust (SSL_CERT_FILE)
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub ca_file: Option<PathBuf>,
}

fn usage(message: String) -> Error {
    Error::other(ErrorKind::Usage, message)
}

fn load_seed(path: &PathBuf) -> Result<Seed, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(format!(
            "cannot read the seed file {}: {e}; pass a JSON file in the format of docs/emulator.md",
            path.display()
        ))
    })?;
    Seed::from_json(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}

/// Runs `printjob emulator`: starts the service, prints its settings, serves until Ctrl-C.
/// `--cloud` is the cloud the emulator stands in for (its tokens' Graph audience).
pub async fn emulator(global: &GlobalArgs, args: EmulatorArgs) -> Result<(), Error> {
    let cloud = match &global.cloud {
        Some(name) => printjob::Cloud::parse(name)?,
        None => printjob::Cloud::Public,
    };
    let mut builder = Emulator::builder()
        .port(args.port)
        .tls(args.tls)
        .cloud(cloud);
    let seed = match &args.seed {
        Some(path) => load_seed(path)?,
        None => Seed::default(),
    };
    builder = builder.seed(seed.clone());
    if let Some(spec) = &args.faults {
        builder =
            builder.faults(FaultConfig::parse(spec).map_err(|e| usage(format!("--faults: {e}")))?);
    }
    if let Some(spec) = &args.throttle {
        builder = builder
            .throttle(ThrottleSpec::parse(spec).map_err(|e| usage(format!("--throttle: {e}")))?);
    }
    // A start fails, in practice, on a --port that cannot be bound (taken, or privileged): a
    // mistake in the command, exit 2 (the message says which step failed).
    let emulator = builder
        .start()
        .await
        .map_err(|e| usage(format!("{e}; choose another --port, or 0 for a free one")))?;
    let ca_file = match emulator.ca_pem() {
        Some(pem) => Some(write_ca(args.ca_file.as_deref(), pem)?),
        None => None,
    };
    // Register the Ctrl-C handler (first poll) before announcing readiness, so a Ctrl-C right
    // after the settings appear stops the emulator cleanly instead of killing the process.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let early = futures::poll!(&mut ctrl_c);
    print_settings(global.json, &emulator, &seed, ca_file.as_deref());
    let waited = match early {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending => ctrl_c.await,
    };
    waited
        .map_err(|e| Error::other(ErrorKind::Internal, format!("cannot wait for Ctrl-C: {e}")))?;
    emulator.shutdown();
    eprintln!("emulator stopped");
    Ok(())
}

/// What the emulator loaded (from `--seed`, or the built-in seed): users, printers, shares.
/// A password is shown only when it is the documented built-in one.
fn loaded(seed: &Seed) -> serde_json::Value {
    use printjob_emulator::seed::DEFAULT_PASSWORD;
    let users: Vec<serde_json::Value> = seed
        .directory
        .users
        .iter()
        .map(|u| {
            serde_json::json!({
                "userPrincipalName": u.user_principal_name,
                "roles": u.roles,
                "password": (u.password == DEFAULT_PASSWORD).then_some(DEFAULT_PASSWORD),
            })
        })
        .collect();
    let printers: Vec<serde_json::Value> = seed
        .print
        .printers
        .iter()
        .map(|p| serde_json::json!({"id": p.id, "displayName": p.display_name}))
        .collect();
    let shares: Vec<serde_json::Value> = seed
        .print
        .shares
        .iter()
        .map(|s| {
            serde_json::json!({"id": s.id, "displayName": s.display_name, "printerId": s.printer_id})
        })
        .collect();
    serde_json::json!({"users": users, "printers": printers, "shares": shares})
}

fn print_loaded(out: &mut impl Write, loaded: &serde_json::Value) {
    let list = |key: &str| loaded[key].as_array().cloned().unwrap_or_default();
    let _ = writeln!(out, "Users:");
    for u in list("users") {
        let roles = u["roles"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let password = u["password"]
            .as_str()
            .map(|p| format!("password {p}"))
            .unwrap_or_else(|| "password as in the seed file".into());
        let roles = if roles.is_empty() {
            String::new()
        } else {
            format!(", {roles}")
        };
        let _ = writeln!(
            out,
            "  {} ({password}{roles})",
            u["userPrincipalName"].as_str().unwrap_or_default()
        );
    }
    let _ = writeln!(out, "Printers (try `printjob jobs PRINTER_ID`):");
    for p in list("printers") {
        let _ = writeln!(
            out,
            "  {}  {}",
            p["id"].as_str().unwrap_or_default(),
            p["displayName"].as_str().unwrap_or_default()
        );
    }
    let _ = writeln!(out, "Shares (try `printjob jobs --share SHARE_ID`):");
    for s in list("shares") {
        let _ = writeln!(
            out,
            "  {}  {} (printer {})",
            s["id"].as_str().unwrap_or_default(),
            s["displayName"].as_str().unwrap_or_default(),
            s["printerId"].as_str().unwrap_or_default()
        );
    }
}

/// Writes the CA's PEM to `path`, or to a new private directory under the temporary directory.
fn write_ca(path: Option<&std::path::Path>, pem: &str) -> Result<PathBuf, Error> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => tempfile::Builder::new()
            .prefix("printjob-emulator-")
            .tempdir()
            .map_err(|e| {
                Error::other(
                    ErrorKind::Internal,
                    format!("cannot create a directory for the CA file: {e}"),
                )
            })?
            .keep()
            .join("ca.pem"),
    };
    std::fs::write(&path, pem).map_err(|e| {
        usage(format!(
            "cannot write the CA certificate to {}: {e}; choose another --ca-file",
            path.display()
        ))
    })?;
    Ok(path)
}

fn print_settings(json: bool, emulator: &Emulator, seed: &Seed, ca_file: Option<&std::path::Path>) {
    let loaded = loaded(seed);
    let mut out = std::io::stdout().lock();
    if json {
        let settings: serde_json::Map<String, serde_json::Value> = emulator
            .settings()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect();
        let doc = serde_json::json!({
            "baseUrl": emulator.base_url(),
            "graphUrl": emulator.graph_url(),
            "settings": settings,
            "loaded": loaded,
            "caFile": ca_file,
        });
        let _ = writeln!(out, "{doc}");
    } else {
        let _ = writeln!(
            out,
            "printjob emulator listening on {}",
            emulator.base_url()
        );
        let _ = writeln!(out, "Graph endpoint: {}", emulator.graph_url());
        let _ = writeln!(out, "Settings for a client (environment variables):");
        for line in emulator.settings().lines() {
            let _ = writeln!(out, "  export {line}");
        }
        if let Some(path) = ca_file {
            let _ = writeln!(out, "  export SSL_CERT_FILE={}", path.display());
            let _ = writeln!(
                out,
                "CA certificate (trust it with SSL_CERT_FILE or the system store): {}",
                path.display()
            );
        }
        print_loaded(&mut out, &loaded);
        let _ = writeln!(out, "The seed format is in docs/emulator.md.");
        let _ = writeln!(out, "Press Ctrl-C to stop.");
    }
    let _ = out.flush();
}
