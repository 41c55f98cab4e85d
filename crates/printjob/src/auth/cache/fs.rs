//! The file-system work of the file and secret-store persistences: read with its stamp (device, inode, size, times) so an unchanged file
//! is neither read nor parsed again, a cross-process lock on a sidecar `.lock` file (bounded
//! wait, holder named), atomic writes (temporary file, fsync, rename, fsync of the directory),
//! mode 0600, the location check (no directory writable by others), the schema check, and an
//! unreadable file set aside (`….corrupt-<unix time>`), never overwritten.

use super::document::{parse, CacheData, Loaded, SCHEMA_VERSION};
use crate::auth::AuthError;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reports about the cache the caller should pass on to the user (a file set aside).
pub type CacheNotices = Arc<std::sync::Mutex<Vec<String>>>;

/// Runs file work on the blocking pool.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthError::Cache(format!("the token cache task failed: {e}")))?
}

/// How long after its last change a file's stamp is not trusted alone. File timestamps are
/// coarse (a kernel tick, 1–10 ms on Linux; a whole second on ext4 with 128-byte inodes, HFS+
/// and others; 2 s on FAT), and an atomic rename can reuse a freed inode number, so two writes
/// within one tick can leave the same device, inode, size and modification time. Git calls
/// such an index entry "racily clean" and compares contents; so does [`TokenCache::read`]
/// while the file is younger than this.
pub(super) const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(2);

/// What identifies one version of the cache file without reading it: device, inode, size,
/// modification and status-change times with nanoseconds. Every write printjob makes is a
/// rename of a new file (a new inode); an in-place write (msal-extensions) changes the size or
/// the times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileStamp {
    pub(super) dev: u64,
    pub(super) ino: u64,
    pub(super) size: u64,
    pub(super) mtime: (i64, i64),
    pub(super) ctime: (i64, i64),
}

impl FileStamp {
    #[cfg(unix)]
    pub(super) fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    #[cfg(not(unix))]
    pub(super) fn of(meta: &std::fs::Metadata) -> Self {
        let since_epoch = |t: std::io::Result<std::time::SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or((0, 0), |d| {
                    (d.as_secs() as i64, i64::from(d.subsec_nanos()))
                })
        };
        Self {
            dev: 0,
            ino: 0,
            size: meta.len(),
            mtime: since_epoch(meta.modified()),
            ctime: since_epoch(meta.created()),
        }
    }

    /// Whether the file's last change is older than [`RACY_WINDOW`] (so any later write has a
    /// later modification time): then the stamp alone tells whether the file changed.
    pub(super) fn settled(&self) -> bool {
        let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) else {
            return false;
        };
        let (secs, nanos) = self.mtime;
        let Ok(secs) = u64::try_from(secs) else {
            return false;
        };
        let mtime = std::time::Duration::new(secs, u32::try_from(nanos).unwrap_or(0));
        now.checked_sub(mtime).is_some_and(|age| age > RACY_WINDOW)
    }
}

/// The last document read from the file, kept so that an unchanged file is neither read nor
/// parsed again (the silent-token path of a long-running process).
pub(super) struct Memo {
    pub(super) stamp: FileStamp,
    /// The stamp alone decides (see [`FileStamp::settled`]); otherwise the bytes are compared.
    pub(super) settled: bool,
    /// The file's bytes (secrets: never shown), compared while the stamp is not settled.
    pub(super) bytes: Vec<u8>,
    pub(super) data: Arc<CacheData>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("stamp", &self.stamp)
            .field("settled", &self.settled)
            .finish_non_exhaustive()
    }
}

/// Reads the plain cache file to move it into the secret store: `None` when there is none
/// (or it was unreadable JSON, which is set aside as a file cache's would be).
pub(super) fn read_plain_for_migration(
    path: &Path,
    notices: &CacheNotices,
) -> Result<Option<Loaded>, AuthError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("read", path, &e)),
    };
    match parse(&bytes) {
        Ok(loaded) => Ok(Some(loaded)),
        Err(e) => {
            set_aside(path, &e, notices)?;
            Ok(None)
        }
    }
}

/// Overwrites the file with zeros (flushed), then removes it.
pub(super) fn remove_zeroed(path: &Path) -> Result<(), AuthError> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.is_file() {
            if let Ok(mut file) = std::fs::OpenOptions::new().write(true).open(path) {
                let zeros = vec![0u8; usize::try_from(meta.len()).unwrap_or(0)];
                let _ = file.write_all(&zeros).and_then(|()| file.sync_all());
            }
        }
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("remove the moved", path, &e)),
    }
}

/// Reads a file with its stamp on the blocking pool; `None` when it does not exist.
pub(super) async fn read_stamped(path: PathBuf) -> Result<Option<ReadFile>, AuthError> {
    blocking(move || {
        check_location(&path)?;
        match read_with_stamp(&path) {
            Ok(read) => Ok(Some(read)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("read", &path, &e)),
        }
    })
    .await
}

/// The cache file as read, with the stamp taken before reading it.
pub(super) struct ReadFile {
    pub(super) stamp: FileStamp,
    /// [`FileStamp::settled`], decided when the stamp was taken.
    pub(super) settled: bool,
    pub(super) bytes: Vec<u8>,
}

/// Reads the file with the stamp of what is read (`fstat` of the open file, before reading:
/// printjob replaces the file by renaming, so the bytes belong to that inode; a writer in
/// place changes the times after the stamp was taken, so the next call reads again).
pub(super) fn read_with_stamp(path: &Path) -> std::io::Result<ReadFile> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let stamp = FileStamp::of(&meta);
    let settled = stamp.settled();
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(ReadFile {
        stamp,
        settled,
        bytes,
    })
}

pub(super) fn io_error(action: &str, path: &Path, e: &std::io::Error) -> AuthError {
    AuthError::Cache(format!(
        "cannot {action} the token cache {}: {e}; check its permissions or use another token cache file",
        path.display()
    ))
}

pub(super) fn check_schema(path: &Path, data: &CacheData) -> Result<(), AuthError> {
    if data.printjob_schema_version > SCHEMA_VERSION {
        return Err(AuthError::Cache(format!(
            "the token cache {} was written by a newer printjob (schema {}, this one reads {SCHEMA_VERSION}); upgrade printjob, or use another token cache file (or delete this one and sign in again)",
            path.display(),
            data.printjob_schema_version
        )));
    }
    Ok(())
}

pub(super) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

pub(super) fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

pub(super) fn ensure_dir(path: &Path) -> Result<(), AuthError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| io_error("create the directory of", path, &e))
}

/// Refuses a cache (and its lock) in a directory that other users can write to, as OpenSSH's
/// `StrictModes` refuses such a `~/.ssh`: another user could replace the file with tokens of
/// their own choosing, or a symlink.
pub(super) fn check_location(path: &Path) -> Result<(), AuthError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = parent_dir(path);
        let mode = match std::fs::metadata(dir) {
            Ok(m) => m.permissions().mode(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error("inspect the directory of", path, &e)),
        };
        if mode & 0o022 != 0 {
            return Err(AuthError::Cache(format!(
                "the token cache {} is in the directory {}, which other users can write to (mode {:o}), so another user could replace it; refused (as OpenSSH's StrictModes refuses such a directory). Run `chmod go-w {}` or keep the token cache in a private directory",
                path.display(),
                dir.display(),
                mode & 0o7777,
                dir.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Opens (creating it `0600`) the lock file, refusing to follow a symlink (`O_NOFOLLOW`): a
/// dangling `.lock` symlink planted by someone else must not make printjob create its target.
pub(super) fn open_lock_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Takes the lock, waiting at most `timeout`; then records who holds it (`pid program`, as
/// msal-extensions' `CrossPlatLock` writes) so a waiting process can name the holder.
pub(super) fn acquire(
    lock: &mut std::fs::File,
    lock_file: &Path,
    timeout: std::time::Duration,
) -> Result<(), AuthError> {
    use std::io::{Read, Seek};
    let started = std::time::Instant::now();
    loop {
        match fs4::fs_std::FileExt::try_lock_exclusive(&*lock) {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => return Err(io_error("lock", lock_file, &e)),
        }
        if started.elapsed() >= timeout {
            let mut holder = String::new();
            let _ = lock.read_to_string(&mut holder);
            let holder = holder.split_whitespace().next().map_or_else(String::new, |pid| {
                format!(" (held by process {pid}; a printjob stopped with Ctrl-Z holds it until it is resumed with `fg` or ended)")
            });
            return Err(AuthError::Cache(format!(
                "the token cache is locked by another process: waited {} s for {}{holder}; try again, or end that process",
                timeout.as_secs(),
                lock_file.display()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let program = std::env::args()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let _ = lock
        .set_len(0)
        .and_then(|()| lock.rewind())
        .and_then(|()| lock.write_all(format!("{} {program}", std::process::id()).as_bytes()));
    Ok(())
}

pub(super) fn lock_file(
    path: &Path,
    notices: &CacheNotices,
    timeout: std::time::Duration,
) -> Result<(std::fs::File, Loaded), AuthError> {
    ensure_dir(path)?;
    check_location(path)?;
    let lock_file = lock_path(path);
    let mut lock =
        open_lock_file(&lock_file).map_err(|e| io_error("open the lock file of", path, &e))?;
    acquire(&mut lock, &lock_file, timeout)?;
    let loaded = match std::fs::read(path) {
        Ok(bytes) => match parse(&bytes) {
            Ok(loaded) => loaded,
            Err(e) => Loaded {
                data: set_aside(path, &e, notices)?,
                skipped: Vec::new(),
            },
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Loaded::default(),
        Err(e) => return Err(io_error("read", path, &e)),
    };
    check_schema(path, &loaded.data)?;
    Ok((lock, loaded))
}

/// Where an unreadable cache is kept: `….corrupt-<unix time>` beside it (the file), or the
/// secret named by that path (the secret store).
pub(super) fn aside_name(path: &Path) -> PathBuf {
    let stamp = crate::clock::Clock::unix_now(&crate::clock::SystemClock);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{stamp}"));
    path.with_file_name(name)
}

pub(super) fn set_aside(
    path: &Path,
    error: &serde_json::Error,
    notices: &CacheNotices,
) -> Result<CacheData, AuthError> {
    let aside = aside_name(path);
    std::fs::rename(path, &aside).map_err(|e| io_error("set aside the unreadable", path, &e))?;
    let what = if error.is_data() {
        "valid JSON but not a token cache (not a JSON object)".to_owned()
    } else {
        format!(
            "not valid JSON ({} at line {})",
            describe(error),
            error.line()
        )
    };
    let message = format!(
        "the token cache {} was {what}; it was moved to {} and you may need to sign in again",
        path.display(),
        aside.display()
    );
    tracing::warn!("{message}");
    if let Ok(mut n) = notices.lock() {
        n.push(message);
    }
    Ok(CacheData::default())
}

pub(super) fn describe(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "an I/O error",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "it ends early",
    }
}

/// Writes `data` to `path` atomically: a temporary file in the same directory (0600), fsync,
/// rename over the old file, fsync of the directory.
pub fn write_atomically(path: &Path, data: &CacheData) -> Result<(), AuthError> {
    ensure_dir(path)?;
    check_location(path)?;
    let dir = parent_dir(path);
    let text = serde_json::to_vec_pretty(data)
        .map_err(|e| AuthError::Cache(format!("cannot encode the token cache: {e}")))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".token_cache")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error("create a temporary file next to", path, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_error("set permissions on", path, &e))?;
    }
    temp.write_all(&text)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| io_error("write", path, &e))?;
    temp.persist(path)
        .map_err(|e| io_error("replace", path, &e.error))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Checks, before a sign-in, that a cache at `path` can be written: its directory can be
/// created, is not writable by others, and a file can be created in it; when `file`, an existing
/// cache file can be opened for writing.
pub(super) async fn check_writable_at(path: PathBuf, file: bool) -> Result<(), AuthError> {
    blocking(move || {
        ensure_dir(&path)?;
        check_location(&path)?;
        let dir = parent_dir(&path);
        tempfile::Builder::new()
            .prefix(".token_cache")
            .suffix(".probe")
            .tempfile_in(dir)
            .map_err(|e| io_error("create a file next to", &path, &e))?;
        if file && path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| io_error("write", &path, &e))?;
        }
        Ok(())
    })
    .await
}
