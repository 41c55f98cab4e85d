//! The options every command takes (`--tenant`, `--json`, `-q`, …), shared by the dispatcher,
//! the factory and the commands: a leaf, so that a command never reaches up into `mod.rs`.

use clap::Args;
use std::path::PathBuf;

/// Options every command takes. Each can also come from the environment (read in [`super::env`], not
/// by clap: a value clap takes from the environment counts as given, and its usage errors then
/// print every such option as if it were required) or from the config file.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Tenant: GUID, domain (contoso.onmicrosoft.com) or `organizations` (default)
    /// [env: PRINTJOB_TENANT_ID, AZURE_TENANT_ID]
    #[arg(long, global = true, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Application (client) id of your public client app registration
    /// [env: PRINTJOB_CLIENT_ID, AZURE_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,
    /// Cloud: public (default), usgov, usgov-dod, china (sign-in only: no Universal Print)
    /// [env: PRINTJOB_CLOUD]
    #[arg(long, global = true, value_name = "CLOUD", ignore_case = true, value_parser = cloud_values())]
    pub cloud: Option<String>,
    /// Identity provider host, e.g. https://login.microsoftonline.com (overrides --cloud)
    /// [env: PRINTJOB_AUTHORITY]
    #[arg(long, global = true, value_name = "URL", value_hint = clap::ValueHint::Url)]
    pub authority: Option<String>,
    /// Microsoft Graph endpoint, e.g. https://graph.microsoft.com/v1.0 (overrides --cloud)
    /// [env: PRINTJOB_GRAPH_URL]
    #[arg(long, global = true, value_name = "URL", value_hint = clap::ValueHint::Url)]
    pub graph_url: Option<String>,
    /// Token cache file [env: PRINTJOB_CACHE]
    #[arg(long, global = true, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub cache: Option<PathBuf>,
    /// Where to keep the token cache: auto (the OS secret store when it answers, else the
    /// file), secret-service, or file [env: PRINTJOB_CACHE_STORE]
    #[arg(long, global = true, value_name = "STORE", ignore_case = true, value_parser = cache_store_values())]
    pub cache_store: Option<String>,
    /// Output JSON (stable schema, see docs/) instead of human text (not `completions`, `man`,
    /// `demo`)
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress and no notes on stderr (errors are still printed)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG also works
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The values of `--cloud` (completions offer them; the aliases the configuration accepts too).
fn cloud_values() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("public")
            .help("Microsoft's global cloud")
            .aliases(["global", "azurepublic"]),
        PossibleValue::new("usgov")
            .help("Azure US Government (L4)")
            .aliases(["usgovernment", "azureusgovernment"]),
        PossibleValue::new("usgov-dod")
            .help("Azure US Government, Department of Defense (L5)")
            .aliases(["usgovdod", "dod"]),
        PossibleValue::new("china")
            .help("Azure operated by 21Vianet (sign-in only)")
            .alias("azurechina"),
    ])
}

/// The values of `--cache-store`.
fn cache_store_values() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("auto").help("the OS secret store when it answers, else the file"),
        PossibleValue::new("secret-service")
            .help("the OS secret store (Secret Service, Keychain)")
            .aliases(["secretservice", "secret-store", "keyring", "keychain"]),
        PossibleValue::new("file")
            .help("a plain file readable by your user only")
            .alias("plain"),
    ])
}
