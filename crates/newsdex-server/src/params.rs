//! Search parameters from a URL query string, shared by the API and the web pages.
//! Parsed by hand because `lang` and `outlet` repeat (`?lang=en&lang=ru`), which
//! `serde_urlencoded` cannot express.

use newsdex_engine::{CountBy, DefaultOp, SearchOptions, Sort};

use crate::error::ApiError;

/// Largest page.
pub const MAX_LIMIT: usize = 100;
/// Deepest page offset (paging further is what an export is for).
pub const MAX_OFFSET: usize = 100_000;

/// The parameters `/api/search` and the search page take.
pub const SEARCH_PARAMS: &[&str] = &[
    "q", "limit", "offset", "lang", "outlet", "from", "to", "op", "facets", "expand", "collapse", "count", "sort",
    "snapshot",
];

/// The parameters `/api/export` takes: the search's filters, and what to write.
pub const EXPORT_PARAMS: &[&str] =
    &["q", "lang", "outlet", "from", "to", "op", "expand", "snapshot", "format", "fields", "stories", "bom"];

/// The parameters `POST /api/ingest` takes.
pub const INGEST_PARAMS: &[&str] = &["outlet", "lang"];

/// A query parameter `known` does not list: what it was (cut to 64 and 80 characters for
/// showing), and the likeliest one meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub name: String,
    pub value: String,
    pub meant: Option<&'static str>,
}

/// The parameters of `query` that are not in `known`, in order, each once.
pub fn unknown(query: Option<&str>, known: &[&'static str]) -> Vec<Unknown> {
    let mut out: Vec<Unknown> = Vec::new();
    for (name, value) in pairs(query) {
        if known.contains(&name.as_str()) || out.iter().any(|u| u.name == name) {
            continue;
        }
        let meant = known
            .iter()
            .map(|k| (edit_distance(&name.to_lowercase(), k), *k))
            .filter(|(d, k)| *d <= 1 || (*d == 2 && k.len() >= 6))
            .min()
            .map(|(_, k)| k);
        let cut = |s: &str, n: usize| {
            if s.chars().count() > n { s.chars().take(n).chain(['…']).collect() } else { s.to_string() }
        };
        out.push(Unknown { name: cut(&name, 64), value: cut(&value, 80), meant });
    }
    out
}

/// Refuse a request with a parameter `endpoint` does not take (a typo such as `lnag=ru`
/// would otherwise be a search without the filter the client meant): 400 `bad_request`
/// naming it, the likeliest one meant, and those the endpoint takes.
pub fn refuse_unknown(endpoint: &str, query: Option<&str>, known: &[&'static str]) -> Result<(), ApiError> {
    let Some(u) = unknown(query, known).into_iter().next() else { return Ok(()) };
    let meant = u.meant.map(|m| format!(" (did you mean `{m}`?)")).unwrap_or_default();
    let takes = if known.is_empty() {
        "no query parameters".to_string()
    } else {
        known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    };
    Err(ApiError::bad_request(format!("unknown parameter `{}`{meant}; {endpoint} takes {takes}", u.name)))
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment:
/// `lnag` is one edit from `lang`), for parameter names of a few bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().take(64).collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j - 1] + cost).min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Parsed search parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchParams {
    pub q: String,
    pub limit: usize,
    pub offset: usize,
    pub langs: Vec<String>,
    pub outlets: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub op_or: bool,
    pub facets: bool,
    /// `expand=false`: search each word only as written (no variants, stems or sound key).
    pub exact: bool,
    /// `collapse=false`: every article, not one hit per story.
    pub all: bool,
    /// `count=`: what facet counts count.
    pub count: CountBy,
    /// `sort=`: the order of hits.
    pub sort: Sort,
    /// `snapshot=`: answer as of this batch (the engine refuses one the archive lacks).
    pub snapshot: Option<u64>,
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Key/value pairs of a query string, decoded.
pub fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Encode a value for a query string.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn flag(what: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_request(format!("{what} must be true or false, not {v:?}"))),
    }
}

impl SearchParams {
    /// Parse; `require_q` is false for the web page, where no `q` shows the home page.
    pub fn parse(query: Option<&str>, require_q: bool, default_limit: usize) -> Result<SearchParams, ApiError> {
        let mut p = SearchParams { limit: default_limit, facets: true, ..SearchParams::default() };
        let mut saw_q = false;
        for (k, v) in pairs(query) {
            let number = |what: &str, max: usize| -> Result<usize, ApiError> {
                v.trim().parse::<usize>().ok().filter(|n| *n <= max).ok_or_else(|| {
                    ApiError::bad_request(format!("{what} must be a whole number from 0 to {max}, not {v:?}"))
                })
            };
            match k.as_str() {
                "q" => {
                    saw_q = true;
                    p.q = v;
                }
                "limit" => p.limit = number("limit", MAX_LIMIT)?,
                "offset" => p.offset = number("offset", MAX_OFFSET)?,
                "lang" if !v.trim().is_empty() => p.langs.push(
                    newsdex_core::normalize_lang(&v)
                        .ok_or_else(|| ApiError::bad_request(format!("lang {:?} is not a language code", v.trim())))?,
                ),
                "outlet" if !v.trim().is_empty() => p.outlets.push(v.trim().to_string()),
                "from" if !v.trim().is_empty() => p.from = Some(v.trim().to_string()),
                "to" if !v.trim().is_empty() => p.to = Some(v.trim().to_string()),
                "op" => {
                    p.op_or = match v.as_str() {
                        "and" | "" => false,
                        "or" => true,
                        _ => return Err(ApiError::bad_request(format!("op must be `and` or `or`, not {v:?}"))),
                    }
                }
                "snapshot" if !v.trim().is_empty() => {
                    p.snapshot = Some(v.trim().parse::<u64>().map_err(|_| {
                        ApiError::bad_request(format!("snapshot must be a batch number (a whole number), not {v:?}"))
                    })?)
                }
                "facets" => p.facets = flag("facets", &v)?,
                "expand" => p.exact = !flag("expand", &v)?,
                "collapse" => p.all = !flag("collapse", &v)?,
                "count" => {
                    p.count = CountBy::parse(v.trim()).ok_or_else(|| {
                        ApiError::bad_request(format!("count must be `articles`, `stories` or `outlets`, not {v:?}"))
                    })?
                }
                "sort" => {
                    p.sort = Sort::parse(v.trim()).ok_or_else(|| {
                        ApiError::bad_request(format!("sort must be `relevance`, `newest` or `oldest`, not {v:?}"))
                    })?
                }
                // Unknown parameters: the API refuses them before parsing
                // ([`refuse_unknown`]); the pages show what they ignored.
                _ => {}
            }
        }
        if require_q && (!saw_q || p.q.trim().is_empty()) {
            return Err(ApiError::bad_request("the query parameter `q` is required (use q=* for everything)"));
        }
        Ok(p)
    }

    pub fn options(&self) -> SearchOptions {
        SearchOptions {
            limit: self.limit,
            offset: self.offset,
            langs: self.langs.clone(),
            outlets: self.outlets.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            default_op: if self.op_or { DefaultOp::Or } else { DefaultOp::And },
            facets: self.facets,
            expand: !self.exact,
            collapse: !self.all,
            count: self.count,
            sort: self.sort,
            snapshot: self.snapshot,
            ..SearchOptions::default()
        }
    }

    /// The query string for these parameters (for links), without paging.
    pub fn to_query_string(&self) -> String {
        let mut parts = vec![format!("q={}", encode(&self.q))];
        parts.extend(self.langs.iter().map(|l| format!("lang={}", encode(l))));
        parts.extend(self.outlets.iter().map(|o| format!("outlet={}", encode(o))));
        if let Some(f) = &self.from {
            parts.push(format!("from={}", encode(f)));
        }
        if let Some(t) = &self.to {
            parts.push(format!("to={}", encode(t)));
        }
        if self.op_or {
            parts.push("op=or".into());
        }
        if self.exact {
            parts.push("expand=false".into());
        }
        if self.all {
            parts.push("collapse=false".into());
        }
        if self.count != CountBy::Articles {
            parts.push(format!("count={}", self.count.as_str()));
        }
        if self.sort != Sort::Relevance {
            parts.push(format!("sort={}", self.sort.as_str()));
        }
        if let Some(n) = self.snapshot {
            parts.push(format!("snapshot={n}"));
        }
        parts.join("&")
    }
}

/// A write's JSON body: at most `max` bytes (413 past it), parsed as `T` (400 saying the
/// shape expected, `shape`, and what was wrong).
pub async fn json_body<T: serde::de::DeserializeOwned>(
    body: axum::body::Body,
    max: usize,
    shape: &str,
) -> Result<T, ApiError> {
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is over {} KiB", max >> 10),
        )
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the body must be a JSON object {shape}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_encoded_parameters() {
        let p = SearchParams::parse(
            Some("q=%22Foreign+Policy%22&lang=en&lang=ru&outlet=Radio%20Free%20Asia&limit=5&collapse=false&count=outlets&sort=oldest&snapshot=3"),
            true,
            10,
        )
        .unwrap();
        assert_eq!(p.q, "\"Foreign Policy\"");
        assert_eq!(p.langs, ["en", "ru"]);
        assert_eq!(p.outlets, ["Radio Free Asia"]);
        assert_eq!(p.limit, 5);
        assert!(p.all);
        assert_eq!(p.count, CountBy::Outlets);
        assert_eq!(p.sort, Sort::Oldest);
        assert_eq!(p.snapshot, Some(3));
        assert_eq!(SearchParams::parse(Some(&p.to_query_string()), true, 5).unwrap(), p);
        let u = SearchParams::parse(Some("q=%E7%BB%B4%E5%90%BE%E5%B0%94"), true, 10).unwrap();
        assert_eq!(u.q, "维吾尔");
    }

    #[test]
    fn unknown_parameters_are_named_with_the_one_meant() {
        let e = refuse_unknown("/api/search", Some("q=a&lnag=ru&LANG=en"), SEARCH_PARAMS).unwrap_err();
        assert_eq!(e.code, "bad_request");
        assert!(
            e.message.starts_with("unknown parameter `lnag` (did you mean `lang`?); /api/search takes `q`, `limit`,")
        );
        assert!(e.message.ends_with("`count`, `sort`, `snapshot`"), "{}", e.message);
        let u = unknown(Some("q=a&LANG=en&utm_source=x&rank=2&rank=3"), SEARCH_PARAMS);
        let names: Vec<(&str, Option<&str>)> = u.iter().map(|u| (u.name.as_str(), u.meant)).collect();
        assert_eq!(names, [("LANG", Some("lang")), ("utm_source", None), ("rank", None)]);
        let e = refuse_unknown("/api/articles/{id}", Some("x=1"), &[]).unwrap_err();
        assert_eq!(e.message, "unknown parameter `x`; /api/articles/{id} takes no query parameters");
        assert!(refuse_unknown("/api/search", Some("q=a&lang=ru&sort=newest"), SEARCH_PARAMS).is_ok());
        assert!(refuse_unknown("/api/raw/{id}", None, &[]).is_ok());
        // A name is shown at most 64 characters long.
        let long = format!("{}=1", "x".repeat(5000));
        assert!(refuse_unknown("/api/search", Some(&long), SEARCH_PARAMS).unwrap_err().message.len() < 400);
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = SearchParams::parse(Some("q=a&limit=1000"), true, 10).unwrap_err();
        assert_eq!(e.message, "limit must be a whole number from 0 to 100, not \"1000\"");
        let e = SearchParams::parse(Some("q=a&count=words"), true, 10).unwrap_err();
        assert_eq!(e.message, "count must be `articles`, `stories` or `outlets`, not \"words\"");
        let e = SearchParams::parse(Some("q=a&sort=date"), true, 10).unwrap_err();
        assert_eq!(e.message, "sort must be `relevance`, `newest` or `oldest`, not \"date\"");
        let e = SearchParams::parse(Some("q=a&snapshot=latest"), true, 10).unwrap_err();
        assert_eq!(e.message, "snapshot must be a batch number (a whole number), not \"latest\"");
        let e = SearchParams::parse(Some("limit=5"), true, 10).unwrap_err();
        assert!(e.message.contains("`q` is required"));
        assert!(SearchParams::parse(None, false, 10).is_ok());
        // A broken escape is kept literally, not a crash.
        assert_eq!(SearchParams::parse(Some("q=100%"), true, 10).unwrap().q, "100%");
        assert_eq!(SearchParams::parse(Some("q=%zz"), true, 10).unwrap().q, "%zz");
    }
}
