//! Integration tests: the token cache in the operating system's secret store. Each test that
//! needs one runs its own private D-Bus session bus and gnome-keyring (a real Secret Service)
//! with a temporary HOME, so a developer's own keyring is never touched. Without
//! `gnome-keyring-daemon`, `dbus-daemon` and `secret-tool` those tests are skipped with a
//! message, unless `PRINTJOB_KEYRING_TESTS=1` (CI), where missing tools fail them.

use crate::harness::{emulator_env, example_bin, printjob_bin};
use printjob_emulator::Emulator;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCHEMA: &str = "io.github.printjob.TokenCache";
const TOOLS: [&str; 4] = [
    "dbus-daemon",
    "dbus-send",
    "gnome-keyring-daemon",
    "secret-tool",
];

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

/// Whether the Secret Service tools are here; when not, panics under `PRINTJOB_KEYRING_TESTS=1`
/// and otherwise says the test is skipped.
fn tools_present(test: &str) -> bool {
    let missing: Vec<&str> = TOOLS.into_iter().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("PRINTJOB_KEYRING_TESTS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PRINTJOB_KEYRING_TESTS=1 but {} missing (apt-get install gnome-keyring dbus-daemon libsecret-tools)",
        missing.join(", ")
    );
    eprintln!(
        "skipped {test}: {} not installed (apt-get install gnome-keyring dbus-daemon libsecret-tools; PRINTJOB_KEYRING_TESTS=1 makes this a failure)",
        missing.join(", ")
    );
    false
}

/// A session bus in `dir` with no service directories, so nothing is started on demand (the
/// standard session configuration would activate a second gnome-keyring for
/// org.freedesktop.secrets beside the one a test runs). Returns the bus and its address.
fn private_bus(dir: &Path) -> (Child, String) {
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            dir.join("bus").display()
        ),
    )
    .expect("bus config");
    let mut bus = Command::new("dbus-daemon")
        .args(["--nofork", "--nopidfile", "--print-address=1"])
        .arg(format!("--config-file={}", config.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dbus-daemon");
    let mut address = String::new();
    std::io::BufReader::new(bus.stdout.take().expect("stdout"))
        .read_line(&mut address)
        .expect("bus address");
    (bus, address.trim().to_owned())
}

/// A private session bus with gnome-keyring on it (unlocked `login` keyring), and a temporary
/// HOME whose XDG directories hold the keyring files. Dropping it stops the bus, and
/// gnome-keyring with it.
struct PrivateKeyring {
    home: tempfile::TempDir,
    bus: Child,
    keyring: Option<Child>,
    address: String,
}

impl PrivateKeyring {
    fn start() -> Self {
        let home = tempfile::tempdir().expect("temp dir");
        let run = home.path().join("run");
        std::fs::create_dir_all(&run).expect("runtime dir");
        let (bus, address) = private_bus(&run);
        let mut keyring = Self {
            address,
            home,
            bus,
            keyring: None,
        };
        keyring.start_gnome_keyring();
        keyring
    }

    /// `gnome-keyring-daemon --unlock` reads the login keyring's password on standard input
    /// (an empty one creates no keyring). It runs in the foreground as this test's child, so
    /// the process that answers on the bus is the one the test started and stops (once in CI,
    /// with `--daemonize` on a bus that could activate another daemon, the first call of a
    /// sign-in was answered NoReply: the recipient had left the bus).
    fn start_gnome_keyring(&mut self) {
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets", "--foreground"])
            .env_clear()
            .envs(self.env())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gnome-keyring-daemon");
        daemon
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"test-keyring-password")
            .expect("password");
        let started = Instant::now();
        while !self.has_default_collection() {
            let exited = daemon.try_wait().expect("wait");
            assert!(
                exited.is_none(),
                "gnome-keyring-daemon exited before it served the login keyring: {exited:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "gnome-keyring-daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.keyring = Some(daemon);
    }

    /// Whether the Secret Service has its `default` collection (the unlocked login keyring).
    fn has_default_collection(&self) -> bool {
        Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.ReadAlias",
                "string:default",
            ])
            .env_clear()
            .envs(self.env())
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("/collection/"))
    }

    /// The variables that point a process at this bus and HOME.
    fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        let home = self.home.path();
        vec![
            ("PATH", std::env::var_os("PATH").unwrap_or_default()),
            ("HOME", home.into()),
            ("XDG_RUNTIME_DIR", home.join("run").into()),
            ("XDG_DATA_HOME", home.join("data").into()),
            ("XDG_CONFIG_HOME", home.join("config").into()),
            ("XDG_CACHE_HOME", home.join("cache").into()),
            ("DBUS_SESSION_BUS_ADDRESS", self.address.clone().into()),
        ]
    }

    /// `secret-tool` (libsecret, the library msal-extensions uses) with these arguments.
    fn secret_tool(&self, args: &[&str]) -> Output {
        Command::new("secret-tool")
            .args(args)
            .env_clear()
            .envs(self.env())
            .stdin(Stdio::null())
            .output()
            .expect("run secret-tool")
    }

    /// The stored document, looked up by libsecret with the schema and the cache attribute.
    fn stored_document(&self, cache: &Path) -> Option<serde_json::Value> {
        let out = self.secret_tool(&[
            "lookup",
            "xdg:schema",
            SCHEMA,
            "cache",
            &cache.display().to_string(),
        ]);
        if !out.status.success() || out.stdout.is_empty() {
            return None;
        }
        Some(serde_json::from_slice(&out.stdout).expect("the secret is the JSON cache document"))
    }

    /// What `secret-tool search --all` finds for printjob's schema.
    fn items(&self) -> String {
        let out = self.secret_tool(&["search", "--all", "xdg:schema", SCHEMA]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        if let Some(mut daemon) = self.keyring.take() {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// An emulator, and `printjob` runs whose HOME and caches are in `home`.
struct Setup {
    emulator: Emulator,
    home: PathBuf,
}

impl Setup {
    async fn start(home: &Path) -> Self {
        Self {
            emulator: Emulator::builder().start().await.expect("emulator"),
            home: home.to_owned(),
        }
    }

    fn cache(&self) -> PathBuf {
        self.home.join("cache").join("token_cache.json")
    }

    /// `printjob args…` against the emulator with `store`, on `keyring`'s bus (or none).
    async fn run(&self, keyring: Option<&PrivateKeyring>, store: &str, args: &[&str]) -> Output {
        let mut c = tokio::process::Command::new(printjob_bin());
        c.args(args)
            .env_clear()
            .envs(emulator_env(&self.emulator, &self.home))
            .env("BROWSER", example_bin("robot_browser"))
            .env("PRINTJOB_CACHE_STORE", store)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(k) = keyring {
            c.envs(k.env());
        }
        c.output().await.expect("run printjob")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Every secret of the document (access, refresh and ID tokens).
fn secrets_of(document: &serde_json::Value) -> Vec<String> {
    ["AccessToken", "RefreshToken", "IdToken"]
        .iter()
        .filter_map(|section| document[section].as_object())
        .flat_map(|entries| entries.values())
        .filter_map(|e| e["secret"].as_str().map(str::to_owned))
        .collect()
}

/// Files under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test]
async fn sign_in_keeps_no_token_on_disk_and_status_names_the_secret_store() {
    if !tools_present("sign_in_keeps_no_token_on_disk_and_status_names_the_secret_store") {
        return;
    }
    let keyring = PrivateKeyring::start();
    let s = Setup::start(keyring.home.path()).await;
    assert_success(&s.run(Some(&keyring), "auto", &["login"]).await);

    let document = keyring
        .stored_document(&s.cache())
        .expect("the cache document is one secret in the Secret Service");
    let secrets = secrets_of(&document);
    assert!(
        secrets.len() >= 2,
        "access and refresh tokens stored: {secrets:?}"
    );
    assert!(!s.cache().exists(), "no plain cache file");
    for secret in &secrets {
        let found = files_containing(keyring.home.path(), secret.as_bytes());
        assert!(found.is_empty(), "a token in clear in {found:?}");
    }

    let status = s.run(Some(&keyring), "auto", &["status"]).await;
    assert_success(&status);
    assert!(
        text(&status.stdout).contains("Token cache: the Secret Service (D-Bus)"),
        "{}",
        text(&status.stdout)
    );
    let json = s.run(Some(&keyring), "auto", &["status", "--json"]).await;
    assert_success(&json);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(json["cacheStore"]["kind"], "secret-service");
    assert_eq!(
        json["cacheStore"]["changeMarker"],
        format!("{}.changed", s.cache().display())
    );
}

#[tokio::test]
async fn silent_token_in_a_second_process_comes_from_the_secret_store() {
    if !tools_present("silent_token_in_a_second_process_comes_from_the_secret_store") {
        return;
    }
    let keyring = PrivateKeyring::start();
    let s = Setup::start(keyring.home.path()).await;
    assert_success(&s.run(Some(&keyring), "secret-service", &["login"]).await);
    let authorizations = s.emulator.counters().get("code:issued").copied();

    let out = s.run(Some(&keyring), "secret-service", &["token"]).await;
    assert_success(&out);
    let token = text(&out.stdout).trim().to_owned();
    let document = keyring.stored_document(&s.cache()).expect("stored");
    assert!(
        secrets_of(&document).contains(&token),
        "the token printed is the one stored in the Secret Service"
    );
    assert_eq!(
        s.emulator.counters().get("code:issued").copied(),
        authorizations,
        "no new sign-in"
    );
}

#[tokio::test]
async fn logout_all_deletes_the_secret_item() {
    if !tools_present("logout_all_deletes_the_secret_item") {
        return;
    }
    let keyring = PrivateKeyring::start();
    let s = Setup::start(keyring.home.path()).await;
    assert_success(&s.run(Some(&keyring), "auto", &["login"]).await);
    assert!(keyring.items().contains(SCHEMA), "{}", keyring.items());

    let out = s.run(Some(&keyring), "auto", &["logout", "--all"]).await;
    assert_success(&out);
    assert!(
        keyring.stored_document(&s.cache()).is_none(),
        "the item is gone"
    );
    assert!(
        !keyring.items().contains(SCHEMA),
        "secret-tool finds no printjob item: {}",
        keyring.items()
    );
    let status = s.run(Some(&keyring), "auto", &["status"]).await;
    assert!(
        text(&status.stdout).contains("Not signed in"),
        "{}",
        text(&status.stdout)
    );
}

#[tokio::test]
async fn an_existing_file_cache_is_moved_into_the_secret_store_with_a_notice() {
    if !tools_present("an_existing_file_cache_is_moved_into_the_secret_store_with_a_notice") {
        return;
    }
    let keyring = PrivateKeyring::start();
    let s = Setup::start(keyring.home.path()).await;
    assert_success(&s.run(Some(&keyring), "file", &["login"]).await);
    let before = crate::harness::cache_json(&s.cache());
    let refresh = secrets_of(&serde_json::json!({ "RefreshToken": before["RefreshToken"] }));
    assert_eq!(refresh.len(), 1);

    let out = s.run(Some(&keyring), "auto", &["status"]).await;
    assert_success(&out);
    assert!(
        text(&out.stderr).contains("was moved into the Secret Service (D-Bus) and removed"),
        "{}",
        text(&out.stderr)
    );
    assert!(!s.cache().exists(), "the plain file is removed");
    let document = keyring.stored_document(&s.cache()).expect("moved in");
    assert!(secrets_of(&document).contains(&refresh[0]));
    let found = files_containing(keyring.home.path(), refresh[0].as_bytes());
    assert!(
        found.is_empty(),
        "the refresh token left in clear in {found:?}"
    );

    let token = s.run(Some(&keyring), "auto", &["token"]).await;
    assert_success(&token);
    let again = s.run(Some(&keyring), "auto", &["status"]).await;
    assert!(
        !text(&again.stderr).contains("moved"),
        "one notice: {}",
        text(&again.stderr)
    );
}

/// No session bus at all (the variable unset and nothing at `$XDG_RUNTIME_DIR/bus`): `auto`
/// keeps the plain file and says why; an explicit secret store is an error of its own exit code
/// (9) naming the setting. Neither waits long.
#[tokio::test]
async fn without_a_session_bus_auto_uses_the_file_with_a_notice_and_secret_service_fails() {
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(home.path().join("run")).expect("run dir");
    let s = Setup::start(home.path()).await;
    let no_bus = |c: &mut tokio::process::Command| {
        c.env("XDG_RUNTIME_DIR", home.path().join("run"));
    };

    let started = Instant::now();
    let mut login = tokio::process::Command::new(printjob_bin());
    login
        .arg("login")
        .env_clear()
        .envs(emulator_env(&s.emulator, home.path()))
        .env("BROWSER", example_bin("robot_browser"))
        .env("PRINTJOB_CACHE_STORE", "auto")
        .stdin(Stdio::null());
    no_bus(&mut login);
    let out = login.output().await.expect("run printjob");
    assert_success(&out);
    assert!(
        text(&out.stderr).contains("no secret store answered"),
        "{}",
        text(&out.stderr)
    );
    assert!(s.cache().is_file(), "the plain file is the fallback");
    let status = {
        let mut c = tokio::process::Command::new(printjob_bin());
        c.args(["status", "--json"])
            .env_clear()
            .envs(emulator_env(&s.emulator, home.path()))
            .env("PRINTJOB_CACHE_STORE", "auto");
        no_bus(&mut c);
        c.output().await.expect("run printjob")
    };
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(json["cacheStore"]["kind"], "file");
    assert!(
        json["cacheStore"]["fallback"]
            .as_str()
            .is_some_and(|r| r.contains("no secret store answered")),
        "{json}"
    );

    // After sign-in said it once, a command that only reads the cache does not say it again:
    // on a machine without a session bus the file is the normal state, not news every time.
    let mut silent = tokio::process::Command::new(printjob_bin());
    silent
        .arg("token")
        .env_clear()
        .envs(emulator_env(&s.emulator, home.path()))
        .env("PRINTJOB_CACHE_STORE", "auto")
        .stdin(Stdio::null());
    no_bus(&mut silent);
    let out = silent.output().await.expect("run printjob");
    assert_success(&out);
    assert!(
        !text(&out.stderr).contains("secret store"),
        "{}",
        text(&out.stderr)
    );

    let mut explicit = tokio::process::Command::new(printjob_bin());
    explicit
        .arg("token")
        .env_clear()
        .envs(emulator_env(&s.emulator, home.path()))
        .env("PRINTJOB_CACHE_STORE", "secret-service")
        .stdin(Stdio::null());
    no_bus(&mut explicit);
    let out = explicit.output().await.expect("run printjob");
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("secret store, the Secret Service (D-Bus), cannot be used")
            && err.contains("PRINTJOB_CACHE_STORE"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded: {:?}",
        started.elapsed()
    );

    // The flag wins over the variable; an unknown value is a usage error naming the setting.
    let flag = |value: &str| {
        let mut c = tokio::process::Command::new(printjob_bin());
        c.args(["token", "--cache-store", value])
            .env_clear()
            .envs(emulator_env(&s.emulator, home.path()))
            .stdin(Stdio::null());
        no_bus(&mut c);
        c
    };
    let out = flag("secret-service").output().await.expect("run printjob");
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    let out = flag("vault").output().await.expect("run printjob");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("invalid value 'vault' for '--cache-store <STORE>'")
            && text(&out.stderr).contains("auto, secret-service, file"),
        "{}",
        text(&out.stderr)
    );
}

/// A session bus without a Secret Service on it: `auto` falls back within the probe's bound.
#[tokio::test]
async fn a_bus_without_a_secret_service_falls_back_to_the_file() {
    if !tools_present("a_bus_without_a_secret_service_falls_back_to_the_file") {
        return;
    }
    let home = tempfile::tempdir().expect("temp dir");
    let (mut bus, address) = private_bus(home.path());
    let s = Setup::start(home.path()).await;
    let started = Instant::now();
    let out = tokio::process::Command::new(printjob_bin())
        .arg("login")
        .env_clear()
        .envs(emulator_env(&s.emulator, home.path()))
        .env("BROWSER", example_bin("robot_browser"))
        .env("PRINTJOB_CACHE_STORE", "auto")
        .env("DBUS_SESSION_BUS_ADDRESS", address.trim())
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run printjob");
    let _ = bus.kill();
    let _ = bus.wait();
    assert_success(&out);
    assert!(
        text(&out.stderr).contains("no secret store answered"),
        "{}",
        text(&out.stderr)
    );
    assert!(s.cache().is_file());
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// The in-memory fast path over a real Secret Service, in two caches of one process (as two
/// long-running processes would be): after a read, an unchanged change marker serves the kept
/// document without any D-Bus call (the bus is stopped with SIGSTOP meanwhile, so a call would
/// hang), and a write through the other cache is seen by the next read at once. The library
/// reads the bus address from the environment, so this runs in a child process of this test
/// binary (`secret_store_fast_path_in_a_child`) with the private bus's environment.
#[tokio::test]
async fn unchanged_marker_needs_no_dbus_call_and_another_writer_is_seen_at_once() {
    if !tools_present("unchanged_marker_needs_no_dbus_call_and_another_writer_is_seen_at_once") {
        return;
    }
    let keyring = PrivateKeyring::start();
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "keyring::secret_store_fast_path_in_a_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .envs(keyring.env())
        .env(
            "PRINTJOB_KEYRING_CHILD_BUS_PID",
            keyring.bus.id().to_string(),
        )
        .output()
        .expect("run the child test");
    let _ = Command::new("kill")
        .args(["-CONT", &keyring.bus.id().to_string()])
        .status();
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("1 passed"),
        "the child ran the test: {report}"
    );
}

/// Run by the test above in a child process (ignored otherwise).
#[tokio::test]
#[ignore = "run by unchanged_marker_needs_no_dbus_call_and_another_writer_is_seen_at_once"]
async fn secret_store_fast_path_in_a_child() {
    use printjob::test_support::{AccessTokenEntry, CacheData, TokenCache};
    use printjob::CacheStore;
    let Ok(bus_pid) = std::env::var("PRINTJOB_KEYRING_CHILD_BUS_PID") else {
        eprintln!("skipped: runs only as the child of its parent test");
        return;
    };
    let signal = |sig: &str| {
        let status = Command::new("kill")
            .args([sig, &bus_pid])
            .status()
            .expect("kill");
        assert!(status.success());
    };
    let home = std::env::var("HOME").expect("HOME");
    let path = Path::new(&home).join("cache").join("token_cache.json");
    let writer = TokenCache::with_store(&path, CacheStore::SecretStore);
    let reader = TokenCache::with_store(&path, CacheStore::SecretStore);
    let write = |value: &'static str| {
        let writer = writer.clone();
        async move {
            let mut guard = writer.lock().await.expect("lock");
            let entry = AccessTokenEntry {
                credential_type: "AccessToken".into(),
                secret: printjob::AccessToken::new(value),
                home_account_id: "oid.tid".into(),
                environment: "login.example".into(),
                client_id: "client".into(),
                realm: "organizations".into(),
                target: "PrintJob.ReadWriteBasic".into(),
                token_type: "Bearer".into(),
                cached_at: "0".into(),
                expires_on: "99999999999".into(),
                extended_expires_on: None,
                refresh_on: None,
                graph_resource: None,
                extra: Default::default(),
            };
            guard.data_mut().access_tokens.insert("key".into(), entry);
            guard.save().await.expect("save");
        }
    };
    let secret = |data: &CacheData| {
        data.access_tokens
            .values()
            .next()
            .map(|e| e.secret.secret().to_owned())
            .unwrap_or_default()
    };

    write("at-one").await;
    assert!(!path.exists(), "no plain file");
    assert!(path.with_file_name("token_cache.json.changed").is_file());
    assert_eq!(secret(&reader.read().await.expect("read")), "at-one");

    signal("-STOP");
    let started = Instant::now();
    let kept = reader.read().await;
    let elapsed = started.elapsed();
    signal("-CONT");
    assert_eq!(secret(&kept.expect("read from memory")), "at-one");
    assert!(
        elapsed < Duration::from_secs(2),
        "no D-Bus call: {elapsed:?}"
    );

    write("at-two").await;
    assert_eq!(
        secret(&reader.read().await.expect("read")),
        "at-two",
        "another writer is seen at once"
    );

    // A writer that stores through libsecret and only touches the marker (its bytes unchanged),
    // as msal-extensions' LibsecretPersistence does, is seen at once too.
    let marker = path.with_file_name("token_cache.json.changed");
    let before = std::fs::read(&marker).expect("marker");
    let stored = Command::new("secret-tool")
        .args([
            "lookup",
            "xdg:schema",
            SCHEMA,
            "cache",
            &path.display().to_string(),
        ])
        .output()
        .expect("secret-tool lookup");
    let replaced = String::from_utf8_lossy(&stored.stdout).replace("at-two", "at-three");
    let mut store = Command::new("secret-tool")
        .args([
            "store",
            "--label=msal-extensions",
            "xdg:schema",
            SCHEMA,
            "cache",
        ])
        .arg(path.display().to_string())
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool store");
    store
        .stdin
        .take()
        .expect("stdin")
        .write_all(replaced.as_bytes())
        .expect("write");
    assert!(store.wait().expect("wait").success());
    std::thread::sleep(Duration::from_millis(20));
    let touched = std::fs::File::options()
        .write(true)
        .open(&marker)
        .expect("marker");
    touched
        .set_modified(std::time::SystemTime::now())
        .expect("touch");
    assert_eq!(std::fs::read(&marker).expect("marker"), before);
    assert_eq!(
        secret(&reader.read().await.expect("read")),
        "at-three",
        "a touched marker is a change"
    );
}

/// msal-extensions (Python, `LibsecretPersistence` with printjob's schema name and `cache`
/// attribute) reads the document printjob stored, msal's cache finds the account and the
/// refresh token, and after it saves the document back through libsecret, printjob still
/// serves a silent token from it. Needs `PRINTJOB_MSAL_EXTENSIONS_PYTHON` (a Python with
/// msal-extensions and PyGObject's libsecret bindings; `.ci/run` makes one); skipped without it
/// unless `PRINTJOB_KEYRING_TESTS=1`.
#[tokio::test]
async fn msal_extensions_libsecret_persistence_reads_and_writes_printjobs_item() {
    let name = "msal_extensions_libsecret_persistence_reads_and_writes_printjobs_item";
    if !tools_present(name) {
        return;
    }
    let Some(python) = std::env::var_os("PRINTJOB_MSAL_EXTENSIONS_PYTHON") else {
        assert!(
            !std::env::var("PRINTJOB_KEYRING_TESTS").is_ok_and(|v| v == "1"),
            "PRINTJOB_KEYRING_TESTS=1 but PRINTJOB_MSAL_EXTENSIONS_PYTHON is not set"
        );
        eprintln!("skipped {name}: PRINTJOB_MSAL_EXTENSIONS_PYTHON is not set");
        return;
    };
    let keyring = PrivateKeyring::start();
    let s = Setup::start(keyring.home.path()).await;
    assert_success(&s.run(Some(&keyring), "auto", &["login"]).await);
    let stored = keyring.stored_document(&s.cache()).expect("stored");

    let script = crate::harness::repo_root()
        .join("crates/printjob-cli/tests/it/msal/extensions_libsecret.py");
    let marker = format!("{}.changed", s.cache().display());
    let out = Command::new(python)
        .arg(script)
        .args([marker.as_str(), SCHEMA, &s.cache().display().to_string()])
        .env_clear()
        .envs(keyring.env())
        .output()
        .expect("run python");
    assert_success(&out);
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json line");
    let refresh = secrets_of(&serde_json::json!({ "RefreshToken": stored["RefreshToken"] }));
    assert_eq!(seen["refresh_token_secrets"], serde_json::json!(refresh));
    assert_eq!(seen["accounts"].as_array().map(Vec::len), Some(1), "{seen}");

    assert_eq!(
        keyring.items().matches("label = ").count(),
        1,
        "libsecret replaced printjob's item, not added one: {}",
        keyring.items()
    );

    let token = s.run(Some(&keyring), "auto", &["token"]).await;
    assert_success(&token);
    assert!(secrets_of(&stored).contains(&text(&token.stdout).trim().to_owned()));
}

/// A session bus that accepts the connection and then never answers (a hung daemon): `auto`
/// gives up after the probe's bound (5 s) and uses the file, with the notice; it never hangs.
#[tokio::test]
async fn a_bus_that_never_answers_is_given_up_on_within_the_bound() {
    let home = tempfile::tempdir().expect("temp dir");
    let socket = home.path().join("silent-bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream); // accepted, never read or written
        }
    });
    let s = Setup::start(home.path()).await;
    let started = Instant::now();
    let out = tokio::process::Command::new(printjob_bin())
        .arg("status")
        .env_clear()
        .envs(emulator_env(&s.emulator, home.path()))
        .env("PRINTJOB_CACHE_STORE", "auto")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", socket.display()),
        )
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run printjob");
    let elapsed = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(3),
        "not signed in: {}",
        text(&out.stderr)
    );
    // `status` names the fallback and its reason where people look for it (stdout), and no
    // command warns about it on stderr (only `login`, where tokens are written, does).
    assert!(
        text(&out.stdout).contains("Token cache: the file")
            && text(&out.stdout).contains("no secret store answered")
            && text(&out.stdout).contains("no answer within 5 s"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stderr).contains("no secret store answered"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        elapsed >= Duration::from_secs(4) && elapsed < Duration::from_secs(20),
        "gave up after the bound: {elapsed:?}"
    );
}
