//! OData query options on job lists: `$filter` (on `status/state` and
//! `createdBy/userPrincipalName`), `$orderby`, `$top` and keyset paging with an opaque
//! `$skiptoken`.

use super::error::GraphFailure;
use super::store::JobRecord;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use printjob::model::PrintJobProcessingState;

/// Page size when `$top` is absent.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The largest `$top` accepted.
pub const MAX_PAGE_SIZE: usize = 999;

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `status/state eq|ne '…'`.
    State(bool, PrintJobProcessingState),
    /// `createdBy/userPrincipalName eq|ne '…'` (case-insensitive).
    Owner(bool, String),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
}

impl Filter {
    /// Whether `job` matches.
    pub fn matches(&self, job: &JobRecord) -> bool {
        match self {
            Filter::State(eq, s) => (job.state == *s) == *eq,
            Filter::Owner(eq, upn) => job.owner.eq_ignore_ascii_case(upn) == *eq,
            Filter::And(a, b) => a.matches(job) && b.matches(job),
            Filter::Or(a, b) => a.matches(job) || b.matches(job),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
}

fn invalid(reason: &str) -> GraphFailure {
    GraphFailure::bad_request(format!("Invalid filter clause: {reason}"))
}

fn tokenize(input: &str) -> Result<Vec<Token>, GraphFailure> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some('\'') => break,
                        Some(ch) => text.push(ch),
                        None => return Err(invalid("unterminated string literal")),
                    }
                }
                tokens.push(Token::Text(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || ch == '(' || ch == ')' || ch == '\'' {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn or_expr(&mut self) -> Result<Filter, GraphFailure> {
        let mut left = self.and_expr()?;
        while self.peek_keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and_expr()?));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, GraphFailure> {
        let mut left = self.atom()?;
        while self.peek_keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Filter, GraphFailure> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or_expr()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(invalid("missing ')'")),
                }
            }
            Some(Token::Word(property)) => self.comparison(&property),
            _ => Err(invalid("expected a property such as status/state")),
        }
    }

    fn comparison(&mut self, property: &str) -> Result<Filter, GraphFailure> {
        let eq = match self.next() {
            Some(Token::Word(op)) if op.eq_ignore_ascii_case("eq") => true,
            Some(Token::Word(op)) if op.eq_ignore_ascii_case("ne") => false,
            _ => return Err(invalid("only the eq and ne operators are supported")),
        };
        let Some(Token::Text(value)) = self.next() else {
            return Err(invalid("expected a quoted string after the operator"));
        };
        if property.eq_ignore_ascii_case("status/state") {
            let state = PrintJobProcessingState::from_wire(&value);
            if matches!(state, PrintJobProcessingState::Unrecognized(_)) {
                return Err(GraphFailure::bad_request(format!(
                    "The string '{value}' is not a valid enumeration type constant for printJobProcessingState."
                )));
            }
            return Ok(Filter::State(eq, state));
        }
        if property.eq_ignore_ascii_case("createdBy/userPrincipalName") {
            return Ok(Filter::Owner(eq, value));
        }
        Err(invalid(&format!(
            "filtering on '{property}' is not supported; use status/state or createdBy/userPrincipalName"
        )))
    }
}

/// Parses a job list's `$filter`: only the one the reference pages document,
/// `createdBy/userPrincipalName eq '{upn}'` (graph-conformance: E2). Anything else — state
/// clauses, `ne`, `and`/`or` — is Graph's `400 BadRequest`, so the client cannot come to
/// depend on it.
pub fn parse_documented_filter(input: &str) -> Result<Filter, GraphFailure> {
    match parse_filter(input) {
        Ok(filter @ Filter::Owner(true, _)) => Ok(filter),
        Ok(_) => Err(GraphFailure::bad_request(format!(
            "Invalid filter clause: only createdBy/userPrincipalName eq '{{upn}}' is supported on print jobs, not '{input}'."
        ))),
        Err(e) => Err(e),
    }
}

/// Parses a `$filter` value (the general grammar; job lists accept only
/// [`parse_documented_filter`]).
pub fn parse_filter(input: &str) -> Result<Filter, GraphFailure> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        at: 0,
    };
    let filter = parser.or_expr()?;
    if parser.at != parser.tokens.len() {
        return Err(invalid("unexpected text after the expression"));
    }
    Ok(filter)
}

/// Sort order of a job list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// Sort by `createdDateTime` (else by numeric id).
    pub by_created: bool,
    /// Descending.
    pub descending: bool,
}

/// Parses `$orderby` (`id` or `createdDateTime`, optional `asc`/`desc`).
pub fn parse_orderby(input: Option<&str>) -> Result<Order, GraphFailure> {
    let Some(input) = input else {
        return Ok(Order {
            by_created: false,
            descending: false,
        });
    };
    let mut words = input.split_whitespace();
    let property = words.next().unwrap_or_default();
    let descending = match words.next() {
        None => false,
        Some(d) if d.eq_ignore_ascii_case("asc") => false,
        Some(d) if d.eq_ignore_ascii_case("desc") => true,
        Some(other) => {
            return Err(GraphFailure::bad_request(format!(
                "Invalid $orderby direction '{other}'; use asc or desc."
            )))
        }
    };
    let by_created = match property {
        "createdDateTime" => true,
        "id" => false,
        other => {
            return Err(GraphFailure::bad_request(format!(
                "$orderby on '{other}' is not supported; use id or createdDateTime."
            )))
        }
    };
    if words.next().is_some() {
        return Err(GraphFailure::bad_request(
            "Only one $orderby property is supported.",
        ));
    }
    Ok(Order {
        by_created,
        descending,
    })
}

/// The total sort key of a job under `order`.
pub fn sort_key(job: &JobRecord, order: Order) -> (i128, u64, String) {
    let primary = if order.by_created {
        job.created_date_time.unix_timestamp_nanos()
    } else {
        0
    };
    (primary, job.numeric_id(), job.id.clone())
}

/// Encodes the key of the last item of a page as an opaque `$skiptoken`.
pub fn skiptoken(key: &(i128, u64, String)) -> String {
    URL_SAFE_NO_PAD.encode(format!("pj1|{}|{}", key.0, key.2))
}

/// Decodes a `$skiptoken` into the key after which the next page starts.
pub fn parse_skiptoken(token: &str) -> Result<(i128, u64, String), GraphFailure> {
    let bad = || {
        GraphFailure::bad_request(
            "The $skiptoken is not valid; follow @odata.nextLink exactly as returned.",
        )
    };
    let text = URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let mut parts = text.splitn(3, '|');
    if parts.next() != Some("pj1") {
        return Err(bad());
    }
    let primary = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let id = parts.next().ok_or_else(bad)?.to_string();
    Ok((primary, id.parse().unwrap_or(u64::MAX), id))
}

/// Parses `$top`.
pub fn parse_top(input: Option<&str>) -> Result<usize, GraphFailure> {
    match input {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                GraphFailure::bad_request(format!(
                    "Invalid page size specified: '{text}'. Must be between 1 and {MAX_PAGE_SIZE} inclusive."
                ))
            }),
    }
}

const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Builds a query string (`$top=…&$filter=…`), percent-encoding the values.
pub fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY_VALUE),
                utf8_percent_encode(v, QUERY_VALUE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_parses_or_of_states_and_owner() {
        let f = parse_filter(
            "createdBy/userPrincipalName eq 'a@b' and (status/state eq 'pending' or status/state eq 'paused')",
        )
        .unwrap();
        assert!(matches!(f, Filter::And(_, _)));
    }

    #[test]
    fn filter_with_unknown_state_is_refused() {
        let err = parse_filter("status/state eq 'sleeping'").unwrap_err();
        assert_eq!(err.code, "BadRequest");
    }

    #[test]
    fn skiptoken_round_trips() {
        let key = (5, 42, "42".to_string());
        assert_eq!(parse_skiptoken(&skiptoken(&key)).unwrap(), key);
        assert!(parse_skiptoken("garbage").is_err());
    }
}
