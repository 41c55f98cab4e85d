//! Output helpers: every write to stdout and stderr (the `cli` module's `println!` family),
//! notes that `-q` hides, errors, JSON and tables that fit the terminal.

use printjob::{Error, GraphError, Remedy, Setting};
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set once from `-q/--quiet`: no progress and no notes on stderr (errors and warnings stay).
static QUIET: AtomicBool = AtomicBool::new(false);

/// Records whether `-q/--quiet` was given (once, before the command runs).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q/--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A note for a person on stderr (what the command chose to do and why); `-q` hides it.
pub fn note(text: &str) {
    if !quiet() {
        eprintln!("{text}");
    }
}

/// Prints an error for a person on stderr: what happened (the library's words) and, when the
/// library knows a remedy, what to do in this command line's terms.
pub fn print_error(error: &Error) {
    eprintln!("error: {}", error_text(error));
}

/// An error in one sentence with one remedy: the library's words, and this command line's
/// advice when the library knows a remedy (a Graph error's own hint is left out then: it says
/// the same in the library's terms).
pub fn error_text(error: &Error) -> String {
    let advice = error.remedy().and_then(|r| advice(&r));
    let said = match error {
        Error::Graph(graph) => graph_text(graph, advice.is_none()),
        other => other.to_string(),
    };
    match advice {
        Some(advice) => format!("{}; {advice}", trim_stop(&said)),
        None => said,
    }
}

/// A Graph error for a person: what failed, Graph's status, code and message, the hint when
/// `with_hint`, then the request ids support asks for. `list jobs of printer P failed: 404
/// itemNotFound: The printer 'P' was not found (request-id …, client-request-id …)`.
pub fn graph_text(error: &GraphError, with_hint: bool) -> String {
    let mut text = format!("{} failed: ", error.operation);
    if let Some(status) = error.status {
        text.push_str(&format!("{status} "));
    }
    text.push_str(&format!("{}: {}", error.code, trim_stop(&error.message)));
    if let Some(hint) = error.hint.as_deref().filter(|_| with_hint) {
        text.push_str(&format!("; {}", trim_stop(hint)));
    }
    let ids = support_ids(error);
    if !ids.is_empty() {
        text.push_str(&format!(" ({})", ids.join(", ")));
    }
    text
}

/// `text` without a final full stop, so that a clause can follow it (`…was not found; check…`,
/// not `…was not found.; check…`).
pub fn trim_stop(text: &str) -> &str {
    let text = text.trim_end();
    text.strip_suffix('.').unwrap_or(text)
}

/// A library [`Remedy`] worded as advice naming this command line's commands, flags and
/// environment variables.
pub fn advice(remedy: &Remedy) -> Option<String> {
    let text = match remedy {
        Remedy::SignIn => "run `printjob login` to sign in again".to_string(),
        Remedy::SignInWaitingLonger => {
            "run `printjob login` again (use --timeout to wait longer)".to_string()
        }
        Remedy::SignInWithScopes(scopes) => {
            let flags: Vec<String> = scopes.iter().map(|s| format!("--scope {s}")).collect();
            let admin: Vec<&str> = scopes
                .iter()
                .map(|s| s.as_str())
                .filter(|s| printjob::needs_admin_consent(s))
                .collect();
            let note = if admin.is_empty() {
                String::new()
            } else {
                format!(
                    " (an administrator must consent to {} first)",
                    admin.join(" and ")
                )
            };
            format!("run `printjob login {}`{note}", flags.join(" "))
        }
        Remedy::SignInWithBrowser => {
            "sign in with the browser instead (`printjob login` without --device-code)".to_string()
        }
        Remedy::SignInWithQueryResponse => "run `printjob login --response-mode query`".to_string(),
        Remedy::CheckSettings(settings) => {
            let named: Vec<&str> = settings.iter().map(|s| setting(*s)).collect();
            format!("check {}", named.join(" and "))
        }
        Remedy::CopyListedIds => "copy the id exactly as `printjob printers` or `printjob jobs \
             PRINTER` lists it (use --share for a printer share id)"
            .to_string(),
        Remedy::ListShares => {
            "list the shares you print to with `printjob printers --shares`".to_string()
        }
        Remedy::ChooseAnotherPort => {
            "pick another --port or omit it to use a free port".to_string()
        }
        _ => return None,
    };
    Some(text)
}

/// How a setting is given to this command line.
fn setting(setting: Setting) -> &'static str {
    match setting {
        Setting::Tenant => "the tenant (--tenant / PRINTJOB_TENANT_ID)",
        Setting::ClientId => "the client id (--client-id / PRINTJOB_CLIENT_ID)",
        Setting::Cloud => "--cloud (PRINTJOB_CLOUD)",
        Setting::Authority => "--authority (PRINTJOB_AUTHORITY)",
        Setting::GraphUrl => "--graph-url (PRINTJOB_GRAPH_URL)",
        Setting::Cache => "the token cache (--cache / PRINTJOB_CACHE)",
        Setting::CacheStore => {
            "the token cache store (--cache-store / PRINTJOB_CACHE_STORE / cache_store in the config file: auto, secret-service or file)"
        }
        Setting::Scopes => "the --scope values",
        Setting::Share => "--share",
        _ => "the configuration",
    }
}

/// Prints a value as pretty JSON on stdout, streamed: serialized straight into a buffered,
/// locked stdout, never held whole in memory (a 10,000-job report is about 0.6 MB of text; as
/// one string, and its terminal-safe copy, it was the largest allocation of an
/// `--all-printers` run). Write errors are recorded as [`write_stdout`]'s are.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Error> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::BufWriter::with_capacity(JSON_BUFFER, std::io::stdout().lock());
    let written = write_json(&mut out, value).and_then(|()| {
        out.write_all(b"\n")
            .and_then(|()| out.flush())
            .map_err(serde_json::Error::io)
    });
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.is_io() => {
            record_stdout_error(&std::io::Error::from(e));
            Ok(())
        }
        Err(e) => Err(Error::other(
            printjob::ErrorKind::Internal,
            format!("cannot write JSON output: {e}"),
        )),
    }
}

/// The items of a long JSON array serialized one by one, as they come, into a temporary file
/// (memory when none can be made), then printed inside their document by
/// [`JsonSpool::print_in`]: the output is byte for byte the document serialized whole, but no
/// more than one item is ever held (`cancel --all-printers --json` spools its printers'
/// sections: a run over a whole tenant need not keep every job's result). Nothing reaches
/// stdout until the document is printed, so a run that fails prints no partial JSON.
pub struct JsonSpool {
    out: std::io::BufWriter<SpoolFile>,
    items: usize,
    failed: Option<serde_json::Error>,
}

/// Where a [`JsonSpool`] keeps its items.
enum SpoolFile {
    File(std::fs::File),
    Memory(std::io::Cursor<Vec<u8>>),
}

impl Write for SpoolFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            SpoolFile::File(f) => f.write(buf),
            SpoolFile::Memory(m) => m.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            SpoolFile::File(f) => f.flush(),
            SpoolFile::Memory(m) => m.flush(),
        }
    }
}

/// The indentation of an item of a top-level key's array in pretty JSON.
const ITEM_INDENT: &[u8] = b"    ";

impl JsonSpool {
    /// An empty spool.
    pub fn new() -> Self {
        let file = tempfile::tempfile()
            .map(SpoolFile::File)
            .unwrap_or_else(|_| SpoolFile::Memory(Default::default()));
        Self {
            out: std::io::BufWriter::with_capacity(JSON_BUFFER, file),
            items: 0,
            failed: None,
        }
    }

    /// Adds `item` (serialized now, indented as an item of a top-level key's array).
    pub fn push<T: Serialize>(&mut self, item: &T) {
        if self.failed.is_some() {
            return;
        }
        let separator = if self.items == 0 { &b""[..] } else { b",\n" };
        let written = self
            .out
            .write_all(separator)
            .map_err(serde_json::Error::io)
            .and_then(|()| {
                write_json(
                    Indented {
                        out: &mut self.out,
                        line_start: true,
                    },
                    item,
                )
            });
        self.items += 1;
        if let Err(e) = written {
            self.failed = Some(e);
        }
    }

    /// Prints `document` as [`print_json`] would, with the items in place of the empty array
    /// it has at the top-level `key`. Write errors on stdout are recorded as [`write_stdout`]'s
    /// are.
    pub fn print_in<T: Serialize>(self, document: &T, key: &str) -> Result<(), Error> {
        if STDOUT_CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut stdout = std::io::BufWriter::with_capacity(JSON_BUFFER, std::io::stdout().lock());
        if let Err(e) = self.write_in(document, key, &mut stdout)? {
            record_stdout_error(&e);
        }
        Ok(())
    }

    /// [`JsonSpool::print_in`] to `out`: `Err` when the document or an item could not be
    /// serialized or spooled, `Ok(Err)` when writing to `out` failed.
    fn write_in<T: Serialize, W: Write>(
        self,
        document: &T,
        key: &str,
        out: &mut W,
    ) -> Result<std::io::Result<()>, Error> {
        let failed = |e: &dyn std::fmt::Display| {
            Error::other(
                printjob::ErrorKind::Internal,
                format!("cannot write JSON output: {e}"),
            )
        };
        if let Some(e) = self.failed {
            return Err(failed(&e));
        }
        let mut text = Vec::new();
        write_json(&mut text, document).map_err(|e| failed(&e))?;
        let needle = format!("\n  \"{key}\": []");
        let at = text
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .ok_or_else(|| failed(&format!("no empty {key:?} array to fill")))?;
        // The `]` of the empty array.
        let close = at + needle.len() - 1;
        let mut items = self.out.into_inner().map_err(|e| failed(&e.into_error()))?;
        let written = (|| {
            if self.items == 0 {
                out.write_all(&text)?;
            } else {
                out.write_all(&text[..close])?;
                out.write_all(b"\n")?;
                match &mut items {
                    SpoolFile::File(file) => {
                        use std::io::Seek;
                        file.seek(std::io::SeekFrom::Start(0))?;
                        std::io::copy(file, out)?;
                    }
                    SpoolFile::Memory(memory) => out.write_all(memory.get_ref())?,
                }
                out.write_all(b"\n  ]")?;
                out.write_all(&text[close + 1..])?;
            }
            out.write_all(b"\n")?;
            out.flush()
        })();
        Ok(written)
    }
}

impl Default for JsonSpool {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes through to `out`, with [`ITEM_INDENT`] at the start of every line (pretty JSON has
/// no line break inside a string: it escapes them).
struct Indented<'a, W: Write> {
    out: &'a mut W,
    line_start: bool,
}

impl<W: Write> Write for Indented<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for piece in buf.split_inclusive(|b| *b == b'\n') {
            if self.line_start && !piece.is_empty() {
                self.out.write_all(ITEM_INDENT)?;
            }
            self.out.write_all(piece)?;
            self.line_start = piece.ends_with(b"\n");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The buffer between the JSON serializer and stdout.
const JSON_BUFFER: usize = 16 * 1024;

/// `value` as pretty JSON (two-space indent, as `serde_json::to_string_pretty`) with the
/// characters a terminal would interpret that JSON leaves raw (DEL, C1 controls, bidirectional
/// overrides; serde_json already escapes C0) written as `\uXXXX` escapes: the same JSON value,
/// safe on a terminal. They can only occur inside strings, which is where the formatter
/// escapes them.
fn write_json<W: Write, T: Serialize>(out: W, value: &T) -> serde_json::Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(out, TerminalSafe(PrettyFormatter::new()));
    value.serialize(&mut serializer)
}

/// A pretty formatter whose string fragments are terminal-safe ([`write_json`]).
struct TerminalSafe<'a>(PrettyFormatter<'a>);

impl Formatter for TerminalSafe<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_dangerous(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// How a table column behaves when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never shortened: ids and user names must stay whole to be copied.
    Keep,
    /// Free text (a name, a detail) shortened with `…` to fit.
    Shorten,
}

/// A table column: its heading and how it fits.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The heading (upper case by convention).
    pub title: &'a str,
    /// Whether it may be shortened.
    pub fit: Fit,
}

impl<'a> Column<'a> {
    /// A column that is never shortened.
    pub const fn keep(title: &'a str) -> Self {
        Column {
            title,
            fit: Fit::Keep,
        }
    }
    /// A free-text column shortened with `…` when the table is too wide.
    pub const fn shorten(title: &'a str) -> Self {
        Column {
            title,
            fit: Fit::Shorten,
        }
    }
}

/// The narrowest a shortened column becomes.
const MIN_SHORTENED: usize = 8;

/// Prints rows as a left-aligned table with a header row on stdout. A column with no text in
/// any row is left out. On a terminal the table fits its width: [`Fit::Shorten`] columns are
/// cut with `…`, widest first; piped output is never cut (a script reads every character).
pub fn print_table(columns: &[Column<'_>], rows: &[Vec<String>]) {
    for line in table_lines(columns, rows, stdout_width()) {
        println!("{line}");
    }
}

/// The width of the terminal standard output is, if it is one.
fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

/// The lines of [`print_table`], fitted to `width` when given.
pub fn table_lines(
    columns: &[Column<'_>],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> Vec<String> {
    let cell = |row: &Vec<String>, i: usize| -> String {
        row.get(i)
            .map(|c| escape_controls(c, Keep::Nothing).into_owned())
            .unwrap_or_default()
    };
    let shown: Vec<usize> = (0..columns.len())
        .filter(|&i| rows.is_empty() || rows.iter().any(|r| !cell(r, i).is_empty()))
        .collect();
    let header: Vec<String> = shown.iter().map(|&i| columns[i].title.to_owned()).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| shown.iter().map(|&i| cell(r, i)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &body {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    if let Some(width) = width {
        let fits: Vec<Fit> = shown.iter().map(|&i| columns[i].fit).collect();
        shrink(&mut widths, &fits, width);
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{:<w$}", shorten(c, w)))
            .collect();
        parts.join("  ").trim_end().to_owned()
    };
    std::iter::once(line(&header))
        .chain(body.iter().map(|r| line(r)))
        .collect()
}

/// Narrows the widest [`Fit::Shorten`] column, one character at a time, until the table
/// (columns and two-space gaps) fits `width` or every such column is [`MIN_SHORTENED`] wide.
fn shrink(widths: &mut [usize], fits: &[Fit], width: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while total(widths) > width {
        let widest = widths
            .iter()
            .zip(fits)
            .enumerate()
            .filter(|(_, (w, f))| **f == Fit::Shorten && **w > MIN_SHORTENED)
            .max_by_key(|(_, (w, _))| **w)
            .map(|(i, _)| i);
        match widest {
            Some(i) => widths[i] -= 1,
            None => return,
        }
    }
}

/// `text` cut to `width` characters, the last one `…`, when longer.
fn shorten(text: &str, width: usize) -> Cow<'_, str> {
    if text.chars().count() <= width {
        return Cow::Borrowed(text);
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    Cow::Owned(format!("{kept}…"))
}

/// `n` and the noun, singular or plural: `1 job`, `3 jobs`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// What happened to standard output: still open, closed by the reader (a broken pipe: `| head`),
/// or failed otherwise (a full disk), with the first error.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDOUT_FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// Writes to standard output (the `println!`/`print!` of the `cli` module). Never panics: once
/// the reader has gone (`EPIPE`) or a write failed, later output is dropped and
/// [`stdout_failure`] tells `main` what happened. `escape` escapes control characters (human
/// output); JSON is written by [`print_json`] with `escape` off.
pub fn write_stdout(text: &str, escape: bool) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let text = if escape {
        escape_controls(text, Keep::LineBreaks)
    } else {
        Cow::Borrowed(text)
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()) {
        record_stdout_error(&e);
    }
}

/// Writes to standard error with control characters escaped; errors are ignored (there is
/// nowhere left to report them).
pub fn write_stderr(text: &str) {
    let text = escape_controls(text, Keep::LineBreaks);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn record_stdout_error(e: &std::io::Error) {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return;
    }
    if let Ok(mut failure) = STDOUT_FAILURE.lock() {
        failure.get_or_insert_with(|| e.to_string());
    }
}

/// Flushes standard output and returns the first write error other than a closed pipe
/// (`None` when all output was written or the reader closed the pipe, as `head` does).
pub fn stdout_failure() -> Option<String> {
    if !STDOUT_CLOSED.load(Ordering::Relaxed) {
        if let Err(e) = std::io::stdout().lock().flush() {
            record_stdout_error(&e);
        }
    }
    STDOUT_FAILURE.lock().ok().and_then(|f| f.clone())
}

/// Which whitespace controls [`escape_controls`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Keep `\n` and `\t` (whole messages and lines printed by printjob).
    LineBreaks,
    /// Escape everything (a table cell: one line).
    Nothing,
}

/// Escapes what a terminal would interpret in text that came from a service: C0 controls
/// (ESC starts colour, cursor and title sequences; CR rewrites the line), DEL, C1 controls
/// (U+009B is a one-character CSI) and the bidirectional overrides that reorder what is
/// shown. Each becomes `\xNN` or `\u{NNNN}`, so the text stays readable and nothing is lost.
pub fn escape_controls(text: &str, keep: Keep) -> Cow<'_, str> {
    let needs = |c: char| match c {
        '\n' | '\t' => keep == Keep::Nothing,
        _ => is_dangerous(c),
    };
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !needs(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

fn is_dangerous(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// JSON text with the characters a terminal would interpret that JSON leaves raw written as
/// `\uXXXX` escapes: how [`print_json`] made its output safe before it streamed, kept as the
/// streamed output's reference.
#[cfg(test)]
fn json_terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_dangerous(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The ids support asks for (`request-id …`, `client-request-id …`), those the error carries.
pub fn support_ids(error: &GraphError) -> Vec<String> {
    [
        error
            .request_id
            .as_deref()
            .map(|id| format!("request-id {id}")),
        error
            .client_request_id
            .as_deref()
            .map(|id| format!("client-request-id {id}")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use printjob::Scope;

    #[test]
    fn remedies_are_worded_with_this_command_lines_commands_and_flags() {
        let scope = Scope::new("PrinterShare.ReadBasic.All").unwrap();
        assert_eq!(
            advice(&Remedy::SignInWithScopes(vec![scope])).unwrap(),
            "run `printjob login --scope PrinterShare.ReadBasic.All`"
        );
        let admin = Scope::new("Printer.Read.All").unwrap();
        assert_eq!(
            advice(&Remedy::SignInWithScopes(vec![admin])).unwrap(),
            "run `printjob login --scope Printer.Read.All` (an administrator must consent to Printer.Read.All first)"
        );
        assert_eq!(
            advice(&Remedy::SignIn).unwrap(),
            "run `printjob login` to sign in again"
        );
        let check = advice(&Remedy::CheckSettings(vec![
            Setting::ClientId,
            Setting::Tenant,
        ]))
        .unwrap();
        assert!(check.contains("PRINTJOB_CLIENT_ID"), "{check}");
        assert!(check.contains("--tenant"), "{check}");
    }

    /// The streamed JSON is byte for byte what the whole-string output was (pretty, then made
    /// terminal-safe), for a report whose strings carry every kind of character it escapes.
    #[test]
    fn streamed_json_is_the_whole_string_output_byte_for_byte() {
        let hostile = "a\u{7f}b\u{9b}31m\u{202e}txt\u{2066}\n\t\u{1b}[2J é 😀";
        let value = serde_json::json!({
            "schemaVersion": 1,
            "results": [
                {"jobId": "1", "outcome": "canceled"},
                {"jobId": "2", "outcome": "failed", "error": {"message": hostile, "status": 500}},
            ],
            hostile: [],
            "leftOut": {},
            "nested": {"empty": {}, "list": [1, [2, []]], "none": null, "yes": true},
        });
        let mut streamed = Vec::new();
        write_json(&mut streamed, &value).unwrap();
        let streamed = String::from_utf8(streamed).unwrap();
        let whole = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(streamed, json_terminal_safe(&whole));
        assert!(
            streamed.contains(r"a\u007fb\u009b31m\u202etxt\u2066"),
            "{streamed}"
        );
        assert!(!streamed.chars().any(|c| is_dangerous(c) && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&streamed).unwrap();
        assert_eq!(back, value);
    }

    /// A document printed through a spool is byte for byte the document serialized whole,
    /// with no item, one, or several (nested objects, arrays, hostile strings in them).
    #[test]
    fn a_spooled_array_prints_as_the_whole_document_would() {
        let item = |n: u32| {
            serde_json::json!({
                "printerId": format!("p{n}"),
                "displayName": format!("Hall \u{202e}{n}\n"),
                "results": (0..n).map(|j| serde_json::json!({"jobId": j.to_string(), "outcome": "canceled"})).collect::<Vec<_>>(),
                "totals": {"requested": n},
                "leftOut": {},
            })
        };
        let document = |items: Vec<serde_json::Value>| {
            serde_json::json!({
                "schemaVersion": 2,
                "dryRun": false,
                "interrupted": false,
                "printers": items,
                "totals": {"requested": 3, "canceled": 3},
                "printersRefused": 0,
            })
        };
        for n in [0, 1, 3] {
            let items: Vec<serde_json::Value> = (0..n).map(item).collect();
            let mut spool = JsonSpool::new();
            for item in &items {
                spool.push(item);
            }
            let mut streamed = Vec::new();
            spool
                .write_in(&document(Vec::new()), "printers", &mut streamed)
                .unwrap()
                .unwrap();
            let mut whole = Vec::new();
            write_json(&mut whole, &document(items)).unwrap();
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{n} items"
            );
        }
    }

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_table_fits_the_terminal_by_shortening_free_text_only() {
        let long = "x".repeat(200);
        let lines = table_lines(
            &[
                Column::keep("JOB ID"),
                Column::keep("OWNER"),
                Column::shorten("DETAIL"),
            ],
            &rows(&[&["101", "adele@contoso.onmicrosoft.com", &long]]),
            Some(80),
        );
        for line in &lines {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(
            lines[1].starts_with("101     adele@contoso.onmicrosoft.com  xxx"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with('…'), "{}", lines[1]);
    }

    #[test]
    fn a_table_off_a_terminal_is_never_shortened() {
        let long = "x".repeat(200);
        let lines = table_lines(
            &[Column::keep("ID"), Column::shorten("DETAIL")],
            &rows(&[&["1", &long]]),
            None,
        );
        assert!(lines[1].ends_with(&long));
    }

    #[test]
    fn a_column_empty_in_every_row_is_left_out() {
        let lines = table_lines(
            &[
                Column::keep("SHARE ID"),
                Column::shorten("NAME"),
                Column::keep("STATE"),
            ],
            &rows(&[&["s1", "Lobby", ""], &["s2", "Finance", ""]]),
            None,
        );
        assert_eq!(lines[0], "SHARE ID  NAME");
    }

    #[test]
    fn a_graph_error_with_a_remedy_says_the_remedy_once() {
        let error: Error = GraphError::from_response(
            "cancel job 999 on printer P",
            404,
            br#"{"error":{"code":"itemNotFound","message":"The print job '999' was not found."}}"#,
            (Some("r1".into()), None),
        )
        .into();
        let text = error_text(&error);
        assert_eq!(
            text,
            "cancel job 999 on printer P failed: 404 itemNotFound: The print job '999' was not found \
             (request-id r1); copy the id exactly as `printjob printers` or `printjob jobs PRINTER` \
             lists it (use --share for a printer share id)"
        );
    }
}
