//! `printjob emulator` and `printjob demo`.

use super::GlobalArgs;
use clap::Args;
use printjob::emulator::faults::FaultConfig;
use printjob::emulator::seed::Seed;
use printjob::emulator::Emulator;
use printjob::{Error, ErrorKind};
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
pub async fn emulator(global: &GlobalArgs, args: EmulatorArgs) -> Result<(), Error> {
    let mut builder = Emulator::builder().port(args.port).tls(args.tls);
    if let Some(path) = &args.seed {
        builder = builder.seed(load_seed(path)?);
    }
    if let Some(spec) = &args.faults {
        builder =
            builder.faults(FaultConfig::parse(spec).map_err(|e| usage(format!("--faults: {e}")))?);
    }
    let emulator = builder.start().await.map_err(|e| {
        Error::other(
            ErrorKind::Service,
            format!("{e}; choose another --port, or 0 for a free one"),
        )
    })?;
    let ca_file = match emulator.ca_pem() {
        Some(pem) => Some(write_ca(args.ca_file.as_deref(), pem)?),
        None => None,
    };
    // Register the Ctrl-C handler (first poll) before announcing readiness, so a Ctrl-C right
    // after the settings appear stops the emulator cleanly instead of killing the process.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let early = futures::poll!(&mut ctrl_c);
    print_settings(global.json, &emulator, ca_file.as_deref());
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

fn print_settings(json: bool, emulator: &Emulator, ca_file: Option<&std::path::Path>) {
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
        let _ = writeln!(
            out,
            "Seeded users (password Passw0rd!): {}, {}, {} (Printer Administrator); see docs/emulator.md",
            printjob::emulator::seed::ADELE,
            printjob::emulator::seed::MEGAN,
            printjob::emulator::seed::ADMIN
        );
        let _ = writeln!(out, "Press Ctrl-C to stop.");
    }
    let _ = out.flush();
}
