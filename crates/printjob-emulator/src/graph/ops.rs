//! One request to the Graph print API, from path to reply: the single code path both the
//! HTTP routes and `$batch` run.

use super::auth::{self, Caller, Grant};
use super::error::{error_body, GraphFailure, RequestIds};
use super::query;
use super::store::{printer_model, share_model, CancelRefused, JobRecord, Owner};
use crate::state::EmulatorState;
use crate::throttle::ThrottleKey;
use axum::http::{Method, StatusCode};
use percent_encoding::percent_decode_str;
use printjob::is_guid;
use printjob::model::{Collection, Entity, PrintJob, PrintJobProcessingState, UserIdentity};
use serde::Serialize;
use serde_json::Value;

/// Route templates, as the request counters name them.
pub mod templates {
    /// `GET /v1.0/print/printers`.
    pub const PRINTERS: &str = "/v1.0/print/printers";
    /// `GET /v1.0/print/printers/{printerId}`.
    pub const PRINTER: &str = "/v1.0/print/printers/{printerId}";
    /// `GET /v1.0/print/printers/{printerId}/jobs`.
    pub const PRINTER_JOBS: &str = "/v1.0/print/printers/{printerId}/jobs";
    /// `GET /v1.0/print/printers/{printerId}/jobs/{printJobId}`.
    pub const PRINTER_JOB: &str = "/v1.0/print/printers/{printerId}/jobs/{printJobId}";
    /// `POST /v1.0/print/printers/{printerId}/jobs/{printJobId}/cancel`.
    pub const PRINTER_JOB_CANCEL: &str =
        "/v1.0/print/printers/{printerId}/jobs/{printJobId}/cancel";
    /// `GET /v1.0/print/shares`.
    pub const SHARES: &str = "/v1.0/print/shares";
    /// `GET /v1.0/print/shares/{printerShareId}`.
    pub const SHARE: &str = "/v1.0/print/shares/{printerShareId}";
    /// `GET /v1.0/print/shares/{printerShareId}/jobs`.
    pub const SHARE_JOBS: &str = "/v1.0/print/shares/{printerShareId}/jobs";
    /// `GET /v1.0/print/shares/{printerShareId}/jobs/{printJobId}`.
    pub const SHARE_JOB: &str = "/v1.0/print/shares/{printerShareId}/jobs/{printJobId}";
    /// `POST /v1.0/print/shares/{printerShareId}/jobs/{printJobId}/cancel`.
    pub const SHARE_JOB_CANCEL: &str =
        "/v1.0/print/shares/{printerShareId}/jobs/{printJobId}/cancel";
    /// `POST /v1.0/$batch`.
    pub const BATCH: &str = "/v1.0/$batch";
    /// Any other path under `/v1.0` (answered with Graph's "Resource not found" error).
    pub const OTHER: &str = "/v1.0/{*rest}";
}

/// One request: method, path below `/v1.0`, decoded query pairs, headers that matter.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method.
    pub method: Method,
    /// Path below `/v1.0`, starting with `/` (still percent-encoded).
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// Whether the request had a body.
    pub has_body: bool,
}

impl Call {
    /// A call from a path-and-query such as `/print/printers?$top=5`.
    pub fn new(
        method: Method,
        path_and_query: &str,
        authorization: Option<String>,
        has_body: bool,
    ) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Self {
            method,
            path: path.to_string(),
            query: url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            authorization,
            has_body,
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A reply before it is rendered (as an HTTP response or a `$batch` item).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers beyond `request-id` / `client-request-id`.
    pub headers: Vec<(&'static str, String)>,
    /// JSON body (`None` for 204).
    pub body: Option<Value>,
}

impl Reply {
    fn json<T: Serialize>(value: &T) -> Self {
        Self {
            status: StatusCode::OK,
            headers: vec![("content-type", "application/json".into())],
            body: Some(serde_json::to_value(value).unwrap_or(Value::Null)),
        }
    }

    fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            headers: Vec::new(),
            body: None,
        }
    }

    /// The reply for a refused request.
    pub fn failure(failure: GraphFailure, ids: &RequestIds) -> Self {
        let mut headers = vec![("content-type", "application/json".to_string())];
        headers.extend(failure.headers);
        Self {
            status: failure.status,
            headers,
            body: Some(error_body(failure.code, &failure.message, ids)),
        }
    }
}

/// Which collection a job belongs to: a printer or a share.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parent {
    Printer(String),
    Share(String),
}

/// A recognised operation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    ListPrinters,
    GetPrinter(String),
    ListShares,
    GetShare(String),
    ListJobs(Parent),
    GetJob(Parent, String),
    Cancel(Parent, String),
}

impl Op {
    fn template(&self) -> &'static str {
        use templates::*;
        match self {
            Op::ListPrinters => PRINTERS,
            Op::GetPrinter(_) => PRINTER,
            Op::ListShares => SHARES,
            Op::GetShare(_) => SHARE,
            Op::ListJobs(Parent::Printer(_)) => PRINTER_JOBS,
            Op::ListJobs(Parent::Share(_)) => SHARE_JOBS,
            Op::GetJob(Parent::Printer(_), _) => PRINTER_JOB,
            Op::GetJob(Parent::Share(_), _) => SHARE_JOB,
            Op::Cancel(Parent::Printer(_), _) => PRINTER_JOB_CANCEL,
            Op::Cancel(Parent::Share(_), _) => SHARE_JOB_CANCEL,
        }
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

fn parse_op(method: &Method, path: &str) -> Result<Op, GraphFailure> {
    let segs = segments(path);
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let parent = |kind: &str, id: &str| match kind {
        "printers" => Parent::Printer(id.to_string()),
        _ => Parent::Share(id.to_string()),
    };
    let op = match s.as_slice() {
        ["print", "printers"] => Op::ListPrinters,
        ["print", "printers", id] => Op::GetPrinter(id.to_string()),
        ["print", "shares"] => Op::ListShares,
        ["print", "shares", id] => Op::GetShare(id.to_string()),
        ["print", kind @ ("printers" | "shares"), id, "jobs"] => Op::ListJobs(parent(kind, id)),
        ["print", kind @ ("printers" | "shares"), id, "jobs", job] => {
            Op::GetJob(parent(kind, id), job.to_string())
        }
        // graph-conformance: E3 — `printjob-cancel.md` documents cancel on the printers path
        // only; the shares path answers Graph's "Resource not found for the segment" 400.
        ["print", "printers", id, "jobs", job, "cancel"] => {
            Op::Cancel(parent("printers", id), job.to_string())
        }
        _ => {
            return Err(GraphFailure::new(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!(
                    "Resource not found for the segment '{}'.",
                    unknown_segment(&s)
                ),
            ))
        }
    };
    let expected = if matches!(op, Op::Cancel(..)) {
        Method::POST
    } else {
        Method::GET
    };
    if *method != expected {
        return Err(method_not_allowed(method, &expected));
    }
    Ok(op)
}

/// The first segment of a path that names no print resource (what Graph's message quotes).
fn unknown_segment<'a>(s: &[&'a str]) -> &'a str {
    match s {
        [first, ..] if *first != "print" => first,
        [_, second, ..] if !matches!(*second, "printers" | "shares") => second,
        [_, _, _, fourth, ..] if *fourth != "jobs" => fourth,
        [.., last] => last,
        [] => "",
    }
}

/// `405` with Graph's error body: `method` is not allowed where only `expected` is.
pub fn method_not_allowed(method: &Method, expected: &Method) -> GraphFailure {
    GraphFailure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "BadRequest",
        format!("The HTTP method '{method}' is not allowed on this resource; use {expected}."),
    )
    .with_header("allow", expected.to_string())
}

/// The counter template of a path (for `$batch` inner counters), if it is a print route.
pub fn template_of(method: &Method, path: &str) -> Option<&'static str> {
    parse_op(method, path).ok().map(|op| op.template())
}

/// graph-conformance: E4 — the query options each call's reference page documents (plus the
/// generally documented `$skiptoken` paging, and `$top`/`$select`, marked *assumption*).
fn check_documented_options(op: &Op, call: &Call) -> Result<(), GraphFailure> {
    let allowed: &[&str] = match op {
        Op::ListJobs(_) => &["$filter", "$expand", "$skiptoken", "$top", "$select"],
        Op::GetJob(..) | Op::GetShare(_) | Op::GetPrinter(_) => &["$expand", "$select"],
        Op::ListPrinters | Op::ListShares => &["$filter", "$skiptoken", "$top", "$select"],
        Op::Cancel(..) => &[],
    };
    for (key, _) in &call.query {
        if key.starts_with('$') && !allowed.iter().any(|a| a.eq_ignore_ascii_case(key)) {
            return Err(GraphFailure::bad_request(format!(
                "Query option '{key}' is not supported on this resource."
            )));
        }
    }
    if let (Op::ListJobs(_), Some(expand)) = (op, call.param("$expand")) {
        if expand != "documents" {
            return Err(GraphFailure::bad_request(format!(
                "Query option '$expand={expand}' is not supported on print jobs; only $expand=documents is."
            )));
        }
    }
    if let (Op::GetShare(_), Some(expand)) = (op, call.param("$expand")) {
        if expand != "printer" && expand != "allowedUsers" && expand != "allowedGroups" {
            return Err(GraphFailure::bad_request(format!(
                "Could not find a property named '{expand}' on type 'microsoft.graph.printerShare'."
            )));
        }
    }
    Ok(())
}

fn check_query_options(call: &Call) -> Result<(), GraphFailure> {
    const SUPPORTED: [&str; 6] = [
        "$top",
        "$skiptoken",
        "$filter",
        "$orderby",
        "$select",
        "$expand",
    ];
    for (key, _) in &call.query {
        if key.starts_with('$') && !SUPPORTED.iter().any(|s| s.eq_ignore_ascii_case(key)) {
            return Err(GraphFailure::bad_request(format!(
                "Query option '{key}' is not supported on print resources (unsupported: $count, $search)."
            )));
        }
    }
    Ok(())
}

/// Runs one call: authorization, lookup, state change. Never panics; every refusal is a
/// Graph error reply.
pub fn execute(state: &EmulatorState, call: &Call, ids: &RequestIds) -> Reply {
    match run(state, call) {
        Ok(reply) => reply,
        Err(failure) => Reply::failure(failure, ids),
    }
}

/// graph-conformance: ET1 — with `--throttle`, every authenticated Graph request takes one
/// token from its application's bucket in its tenant, a request inside a `$batch` included
/// (the batch runs each through here, in order; the envelope takes none). An empty bucket
/// refuses it `429 TooManyRequests` with a whole-second `Retry-After`: `concepts/throttling.md`
/// — "When throttling occurs, Microsoft Graph returns HTTP status code 429 (Too many
/// requests), and the requests fail. A suggested wait time is returned in the response header
/// of the failed request." Inside a batch, that inner `429` makes the batch `424` (E14).
fn take_throttle_token(state: &EmulatorState, caller: &Caller) -> Result<(), GraphFailure> {
    let Some(throttle) = &state.throttle else {
        return Ok(());
    };
    let key = ThrottleKey::new(caller.app_id.as_str(), caller.tid.as_str());
    throttle
        .admit(&key, std::time::Instant::now())
        .map_err(|wait| {
            GraphFailure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests. Retry after the interval in the Retry-After header.",
            )
            .with_header("retry-after", wait.header_value())
        })
}

fn run(state: &EmulatorState, call: &Call) -> Result<Reply, GraphFailure> {
    let op = parse_op(&call.method, &call.path)?;
    let caller = auth::authenticate(state, call.authorization.as_deref())?;
    take_throttle_token(state, &caller)?;
    check_query_options(call)?;
    check_documented_options(&op, call)?;
    match op {
        Op::ListPrinters => list_printers(state, &caller),
        Op::GetPrinter(id) => get_printer(state, &caller, &id),
        Op::ListShares => list_shares(state, &caller),
        Op::GetShare(id) => get_share(
            state,
            &caller,
            &id,
            call.param("$expand") == Some("printer"),
        ),
        Op::ListJobs(parent) => list_jobs(state, &caller, &parent, call),
        Op::GetJob(parent, job) => get_job(state, &caller, &parent, &job),
        Op::Cancel(parent, job) => {
            if call.has_body {
                return Err(GraphFailure::new(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "printJob: cancel takes no request body; send the POST without one.",
                ));
            }
            cancel(state, &caller, &parent, &job)
        }
    }
}

fn context(state: &EmulatorState, fragment: &str) -> Option<String> {
    Some(format!("{}/v1.0/$metadata#{fragment}", state.base_url))
}

fn check_guid(kind: &str, id: &str) -> Result<(), GraphFailure> {
    if is_guid(id) {
        Ok(())
    } else {
        Err(GraphFailure::new(
            StatusCode::BAD_REQUEST,
            "invalidRequest",
            format!("The {kind} id '{id}' is not valid; it must be a GUID."),
        ))
    }
}

fn list_printers(state: &EmulatorState, caller: &Caller) -> Result<Reply, GraphFailure> {
    auth::require(caller, &auth::LIST_PRINTERS)?;
    // print-list-printers.md: "The signed in user must be a Printer Administrator."
    if !caller.is_app_only() && !caller.is_printer_admin {
        return Err(GraphFailure::access_denied(
            "List printers requires the signed-in user to be a Printer Administrator.",
        ));
    }
    let store = state.print();
    let value = store
        .printers_in(&caller.tid)
        .into_iter()
        .map(|p| printer_model(p, store.is_shared(&p.id)))
        .collect();
    Ok(Reply::json(&Collection {
        context: context(state, "print/printers"),
        value,
        next_link: None,
    }))
}

fn get_printer(state: &EmulatorState, caller: &Caller, id: &str) -> Result<Reply, GraphFailure> {
    auth::require(caller, &auth::GET_PRINTER)?;
    if !caller.is_app_only() && !caller.is_printer_admin {
        return Err(GraphFailure::access_denied(
            "Get printer requires the signed-in user to be a Printer Administrator.",
        ));
    }
    check_guid("printer", id)?;
    let store = state.print();
    let printer = store
        .printer(id)
        .filter(|p| p.tenant_id.eq_ignore_ascii_case(&caller.tid))
        .ok_or_else(|| GraphFailure::not_found(format!("The printer '{id}' was not found.")))?;
    Ok(Reply::json(&Entity {
        context: context(state, "print/printers/$entity"),
        entity: printer_model(printer, store.is_shared(&printer.id)),
    }))
}

fn share_visible(caller: &Caller, share: &super::seed::SeedShare) -> bool {
    caller.is_printer_admin
        || share.allow_all_users
        || share.allowed_users.iter().any(|u| caller.owns(u))
}

fn list_shares(state: &EmulatorState, caller: &Caller) -> Result<Reply, GraphFailure> {
    auth::require(caller, &auth::READ_SHARES)?;
    let store = state.print();
    let value = store
        .shares()
        .into_iter()
        .filter(|(s, p)| p.tenant_id.eq_ignore_ascii_case(&caller.tid) && share_visible(caller, s))
        .map(|(s, p)| listed_share(caller, share_model(s, p)))
        .collect();
    Ok(Reply::json(&Collection {
        context: context(state, "print/shares"),
        value,
        next_link: None,
    }))
}

/// The properties `print-list-shares.md` promises when the caller is not a Printer
/// Administrator: "response will contain limited set of properties
/// (id,displayName,manufacturer,model,location)".
const LIMITED_SHARE_PROPERTIES: [&str; 5] =
    ["id", "displayName", "manufacturer", "model", "location"];

/// A share as listed to `caller`: every property for a Printer Administrator, the limited set
/// otherwise.
fn listed_share(caller: &Caller, share: printjob::model::PrinterShare) -> Value {
    let mut value = serde_json::to_value(share).unwrap_or(Value::Null);
    if !caller.is_printer_admin {
        if let Value::Object(map) = &mut value {
            map.retain(|key, _| LIMITED_SHARE_PROPERTIES.contains(&key.as_str()));
        }
    }
    value
}

fn get_share(
    state: &EmulatorState,
    caller: &Caller,
    id: &str,
    expand_printer: bool,
) -> Result<Reply, GraphFailure> {
    auth::require(caller, &auth::READ_SHARES)?;
    check_guid("printer share", id)?;
    let store = state.print();
    let (share, printer) = store
        .shares()
        .into_iter()
        .find(|(s, p)| {
            s.id.eq_ignore_ascii_case(id)
                && p.tenant_id.eq_ignore_ascii_case(&caller.tid)
                && share_visible(caller, s)
        })
        .ok_or_else(|| {
            GraphFailure::not_found(format!("The printer share '{id}' was not found."))
        })?;
    let mut entity = share_model(share, printer);
    if expand_printer {
        // graph-conformance: E6 — the `printer` navigation of printerShare (v1.0 metadata),
        // expanded with the share's own scopes: an *assumption* (not documented).
        entity.printer = Some(Box::new(printer_model(printer, true)));
    }
    Ok(Reply::json(&Entity {
        context: context(state, "print/shares/$entity"),
        entity,
    }))
}

/// Resolves a printer or share to the printer id whose jobs it holds.
fn resolve_parent(
    state: &EmulatorState,
    caller: &Caller,
    parent: &Parent,
) -> Result<String, GraphFailure> {
    let store = state.print();
    match parent {
        Parent::Printer(id) => {
            check_guid("printer", id)?;
            store
                .printer(id)
                .filter(|p| p.tenant_id.eq_ignore_ascii_case(&caller.tid))
                .map(|p| p.id.clone())
                .ok_or_else(|| {
                    GraphFailure::not_found(format!("The printer '{id}' was not found."))
                })
        }
        Parent::Share(id) => {
            check_guid("printer share", id)?;
            store
                .shares()
                .into_iter()
                .find(|(s, p)| {
                    s.id.eq_ignore_ascii_case(id)
                        && p.tenant_id.eq_ignore_ascii_case(&caller.tid)
                        && (caller.is_app_only() || share_visible(caller, s))
                })
                .map(|(_, p)| p.id.clone())
                .ok_or_else(|| {
                    GraphFailure::not_found(format!("The printer share '{id}' was not found."))
                })
        }
    }
}

/// graph-conformance: E5 — `printershare-list-jobs.md`: the caller needs "a permission that
/// grants Get printerShare access" as well as a PrintJob permission (delegated callers).
fn require_share_scope(caller: &Caller, parent: &Parent) -> Result<(), GraphFailure> {
    if matches!(parent, Parent::Share(_)) && !caller.is_app_only() {
        auth::require(caller, &auth::READ_SHARES)?;
    }
    Ok(())
}

fn parent_fragment(parent: &Parent) -> String {
    match parent {
        Parent::Printer(id) => format!("print/printers('{id}')/jobs"),
        Parent::Share(id) => format!("print/shares('{id}')/jobs"),
    }
}

fn owners(state: &EmulatorState, jobs: &[JobRecord]) -> Vec<Owner> {
    let directory = state.directory();
    jobs.iter()
        .map(|j| match directory.user_by_upn(&j.owner) {
            Some(u) => Owner {
                id: Some(u.id.clone()),
                display_name: Some(u.display_name.clone()),
            },
            None => Owner::default(),
        })
        .collect()
}

/// `job` as Graph shows it: on a printer seeded with `emptyCreatedBy`, `"createdBy": {}`
/// (the `printjob-get.md` and `printershare-list-jobs.md` examples).
fn job_model(state: &EmulatorState, job: &JobRecord, owner: &Owner) -> PrintJob {
    let mut model = job.to_model(owner);
    let empty = state
        .print()
        .printer(&job.printer_id)
        .is_some_and(|p| p.empty_created_by);
    if empty {
        model.created_by = Some(UserIdentity::default());
    }
    model
}

fn visible(caller: &Caller, grant: Grant, job: &JobRecord) -> bool {
    grant.tenant_wide || caller.owns(&job.owner)
}

fn list_jobs(
    state: &EmulatorState,
    caller: &Caller,
    parent: &Parent,
    call: &Call,
) -> Result<Reply, GraphFailure> {
    let grant = auth::require(caller, &auth::READ_JOBS)?;
    require_share_scope(caller, parent)?;
    let printer_id = resolve_parent(state, caller, parent)?;
    if state
        .print()
        .printer(&printer_id)
        .is_some_and(|p| p.refuse_job_listing)
    {
        return Err(GraphFailure::access_denied(format!(
            "Listing the jobs of printer '{printer_id}' is not allowed for the signed-in user."
        )));
    }
    let top = query::parse_top(call.param("$top"))?;
    let order = query::parse_orderby(call.param("$orderby"))?;
    let filter = call
        .param("$filter")
        .map(query::parse_documented_filter)
        .transpose()?;
    let after = call
        .param("$skiptoken")
        .map(query::parse_skiptoken)
        .transpose()?;
    let mut jobs: Vec<JobRecord> = state
        .print()
        .jobs_of(&printer_id)
        .into_iter()
        .filter(|j| visible(caller, grant, j))
        .filter(|j| filter.as_ref().is_none_or(|f| f.matches(j)))
        .cloned()
        .collect();
    jobs.sort_by_key(|j| query::sort_key(j, order));
    if order.descending {
        jobs.reverse();
    }
    if let Some(after) = after {
        jobs.retain(|j| {
            let key = query::sort_key(j, order);
            if order.descending {
                key < after
            } else {
                key > after
            }
        });
    }
    let more = jobs.len() > top;
    jobs.truncate(top);
    let next_link = match (more, jobs.last()) {
        (true, Some(last)) => Some(next_link(state, call, &query::sort_key(last, order))),
        _ => None,
    };
    let owners = owners(state, &jobs);
    let value = jobs
        .iter()
        .zip(&owners)
        .map(|(j, o)| job_model(state, j, o))
        .collect();
    Ok(Reply::json(&Collection {
        context: context(state, &parent_fragment(parent)),
        value,
        next_link,
    }))
}

fn next_link(state: &EmulatorState, call: &Call, last: &(i128, u64, String)) -> String {
    let mut pairs: Vec<(String, String)> = call
        .query
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
        .cloned()
        .collect();
    pairs.push(("$skiptoken".into(), query::skiptoken(last)));
    format!(
        "{}/v1.0{}?{}",
        state.base_url,
        call.path,
        query::query_string(&pairs)
    )
}

fn find_job(
    state: &EmulatorState,
    caller: &Caller,
    grant: Grant,
    printer_id: &str,
    job_id: &str,
) -> Result<JobRecord, GraphFailure> {
    let job = state
        .print()
        .job(printer_id, job_id)
        .cloned()
        .ok_or_else(|| {
            GraphFailure::not_found(format!("The print job '{job_id}' was not found."))
        })?;
    if !visible(caller, grant, &job) {
        return Err(GraphFailure::access_denied(format!(
            "The print job '{job_id}' belongs to another user. Acting on other users' jobs needs a PrintJob .All scope and the Printer Administrator role."
        )));
    }
    Ok(job)
}

fn get_job(
    state: &EmulatorState,
    caller: &Caller,
    parent: &Parent,
    job_id: &str,
) -> Result<Reply, GraphFailure> {
    let grant = auth::require(caller, &auth::READ_JOBS)?;
    require_share_scope(caller, parent)?;
    let printer_id = resolve_parent(state, caller, parent)?;
    let job = find_job(state, caller, grant, &printer_id, job_id)?;
    let owner = owners(state, std::slice::from_ref(&job))
        .pop()
        .unwrap_or_default();
    Ok(Reply::json(&Entity {
        context: context(state, &format!("{}/$entity", parent_fragment(parent))),
        entity: job_model(state, &job, &owner),
    }))
}

fn finished(state: PrintJobProcessingState) -> GraphFailure {
    GraphFailure::new(
        StatusCode::CONFLICT,
        "notAllowed",
        format!("The print job is already {state} and can no longer be canceled."),
    )
}

fn cancel(
    state: &EmulatorState,
    caller: &Caller,
    parent: &Parent,
    job_id: &str,
) -> Result<Reply, GraphFailure> {
    let grant = auth::require(caller, &auth::CANCEL_JOB)?;
    let printer_id = resolve_parent(state, caller, parent)?;
    find_job(state, caller, grant, &printer_id, job_id)?;
    match state.print().cancel(&printer_id, job_id) {
        Ok(()) => {
            state.counters.bump("print:canceled");
            Ok(Reply::no_content())
        }
        Err(CancelRefused::NotFound) => Err(GraphFailure::not_found(format!(
            "The print job '{job_id}' was not found."
        ))),
        Err(CancelRefused::Finished(s)) => Err(finished(s)),
    }
}
