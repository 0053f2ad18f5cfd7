//! Comparisons: `GET /api/compare` (JSON or CSV) and the `/compare` page (one line chart,
//! its legend, the same numbers as a table under it, and each query's key words).
//! The engine counts ([`newsdex_engine::Engine::compare`] and `keywords`); this module
//! parses parameters and renders.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsdex_compare::table::{Measure, format_share};
use newsdex_compare::{KeynessOptions, Split};
use newsdex_engine::{CompareRequest, CountBy, Period, SearchOptions};

use crate::api::blocking;
use crate::error::{ApiError, ErrorEnvelope};
use crate::params::{SearchParams, encode, pairs, refuse_unknown, unknown};
use crate::state::AppState;
use crate::web::{Form, page, render};
use crate::wire::CompareResponse;

/// The parameters `/api/compare` takes.
pub const COMPARE_PARAMS: &[&str] = &[
    "q",
    "by",
    "normalize",
    "split",
    "lang",
    "outlet",
    "from",
    "to",
    "op",
    "expand",
    "snapshot",
    "format",
    "keywords",
    "top",
    "min_freq",
];

/// The one parameter the page takes beyond the API's: what its chart draws.
const PAGE_ONLY: &str = "count";

/// Parsed comparison parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareParams {
    /// The queries, in order, blank ones left out.
    pub queries: Vec<String>,
    pub by: Period,
    pub normalize: bool,
    pub split: Option<Split>,
    /// The filters every series shares (lang, outlet, from, to, op, expand, snapshot).
    pub filters: SearchParams,
    /// `format=csv` (the API only; JSON otherwise).
    pub csv: bool,
    pub keywords: bool,
    pub top: usize,
    pub min_freq: u64,
    /// What the page's chart draws (articles unless asked; the share with `normalize`).
    pub count: CountBy,
}

impl CompareParams {
    /// Parse; `page` is true for the page, where no query shows the form, keywords are on
    /// unless `keywords=false`, and `format` is not taken.
    pub fn parse(query: Option<&str>, page: bool) -> Result<CompareParams, ApiError> {
        let mut filters = SearchParams::parse(query, false, 0)?;
        // What the search page orders and counts by is not a comparison's: `count` here is
        // what the chart draws.
        filters.count = CountBy::Articles;
        filters.sort = newsdex_engine::Sort::Relevance;
        filters.all = false;
        let mut p = CompareParams {
            queries: Vec::new(),
            by: Period::Month,
            normalize: false,
            split: None,
            filters,
            csv: false,
            keywords: page,
            top: KeynessOptions::default().top,
            min_freq: KeynessOptions::default().min_freq,
            count: CountBy::Articles,
        };
        let flag = |what: &str, v: &str| match v {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(ApiError::bad_request(format!("{what} must be true or false, not {v:?}"))),
        };
        for (k, v) in pairs(query) {
            let number = |what: &str, min: u64, max: u64| -> Result<u64, ApiError> {
                v.trim().parse::<u64>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
                    ApiError::bad_request(format!("{what} must be a whole number from {min} to {max}, not {v:?}"))
                })
            };
            match k.as_str() {
                "q" if !v.trim().is_empty() => p.queries.push(v.trim().to_string()),
                "by" => {
                    p.by = Period::parse(v.trim()).ok_or_else(|| {
                        ApiError::bad_request(format!("by must be `day`, `week` or `month`, not {v:?}"))
                    })?
                }
                "normalize" => p.normalize = flag("normalize", &v)?,
                "split" if !v.trim().is_empty() => {
                    p.split = Some(Split::parse(v.trim()).map_err(|e| ApiError::bad_request(e.to_string()))?)
                }
                "format" if !page => {
                    p.csv = match v.trim() {
                        "json" | "" => false,
                        "csv" => true,
                        _ => {
                            return Err(ApiError::bad_request(format!(
                                "format must be `json` or `csv`, not {v:?} (these are offered)"
                            )));
                        }
                    }
                }
                "keywords" => p.keywords = flag("keywords", &v)?,
                "top" => p.top = number("top", 1, 100)? as usize,
                "min_freq" => p.min_freq = number("min_freq", 1, 1_000_000)?,
                "count" => {
                    p.count = CountBy::parse(v.trim()).ok_or_else(|| {
                        ApiError::bad_request(format!("count must be `articles`, `stories` or `outlets`, not {v:?}"))
                    })?
                }
                _ => {}
            }
        }
        if p.csv && p.keywords {
            return Err(ApiError::bad_request(
                "keywords are given in JSON only: ask for format=json, or leave keywords out of the CSV",
            ));
        }
        Ok(p)
    }

    /// The search options every series shares.
    pub fn options(&self) -> SearchOptions {
        SearchOptions { facets: true, limit: 0, ..self.filters.options() }
    }

    pub fn request(&self) -> CompareRequest {
        CompareRequest {
            queries: self.queries.clone(),
            split: self.split.clone(),
            period: self.by,
            opts: self.options(),
        }
    }

    pub fn keyness(&self) -> KeynessOptions {
        KeynessOptions { top: self.top, min_freq: self.min_freq, ..KeynessOptions::default() }
    }

    /// These parameters as a query string (for links), with `extra` appended.
    pub fn to_query_string(&self, extra: &str) -> String {
        let mut parts: Vec<String> = self.queries.iter().map(|q| format!("q={}", encode(q))).collect();
        let filters = self.filters.to_query_string();
        // The search's own string starts with its (empty) `q`.
        parts.extend(filters.split('&').filter(|s| !s.starts_with("q=")).map(str::to_string));
        if self.by != Period::Month {
            parts.push(format!("by={}", self.by.as_str()));
        }
        if self.normalize {
            parts.push("normalize=true".into());
        }
        if self.count != CountBy::Articles {
            parts.push(format!("count={}", self.count.as_str()));
        }
        if let Some(s) = &self.split {
            let by = match s.by {
                newsdex_compare::SplitBy::Outlet => "outlet",
                newsdex_compare::SplitBy::Lang => "lang",
            };
            parts.push(format!("split={}", encode(&format!("{by}={}", s.values.join(",")))));
        }
        if !extra.is_empty() {
            parts.push(extra.to_string());
        }
        parts.join("&")
    }
}

/// Run a comparison (and keyness when asked) off the runtime.
async fn run(
    st: &AppState,
    p: &CompareParams,
) -> Result<(newsdex_engine::Comparison, Option<Vec<newsdex_engine::Keywords>>), ApiError> {
    let engine = st.engine()?;
    let p = p.clone();
    blocking(move || {
        let c = engine.compare(&p.request())?;
        let k = if p.keywords {
            // Keyness of each query with the shared filters, as of the comparison's snapshot.
            let mut opts = p.options();
            opts.snapshot = Some(c.snapshot);
            Some(engine.keywords(&p.queries, &opts, &p.keyness())?)
        } else {
            None
        };
        Ok((c, k))
    })
    .await
}

/// Several queries, or one query across outlets or languages, over time.
#[utoipa::path(
    get,
    path = "/api/compare",
    params(
        ("q" = Vec<String>, Query, min_items = 1, description = "The queries, as `/api/search` takes them (repeat `q` for each; `*` for everything); at most 12. With `split`, exactly one"),
        ("by" = Option<String>, Query, pattern = "^(day|week|month)$", description = "The periods counted by: `day`, `week` (ISO, named by its Monday) or `month` (default), UTC"),
        ("normalize" = Option<bool>, Query, description = "Accepted for the page's sake: `share` (matches ÷ all articles of the period, with `all_articles` the denominator) is always given"),
        ("split" = Option<String>, Query, example = "outlet=reuters.com,apnews.com", description = "One query across outlets (`outlet=A,B`) or languages (`lang=en,fr`): a series per value, each normalised by all articles of its outlet or language"),
        ("lang" = Option<Vec<String>>, Query, description = "Only these languages (repeatable), for every series and its denominator"),
        ("outlet" = Option<Vec<String>>, Query, description = "Only these outlets (repeatable)"),
        ("from" = Option<String>, Query, example = "2024-03", description = "Published on or after"),
        ("to" = Option<String>, Query, example = "2024-06", description = "Published on or before (through the end of the period named)"),
        ("op" = Option<String>, Query, pattern = "^(and|or)?$", description = "`and` (default): all words must match; `or`: any"),
        ("expand" = Option<bool>, Query, description = "Also search other spellings and word forms (default true); each series says what it added"),
        ("snapshot" = Option<u64>, Query, minimum = 1, description = "As of this snapshot (default the latest; the answer names it)"),
        ("format" = Option<String>, Query, pattern = "^(json|csv)$", description = "`json` (default) or `csv` (one row per series and period, the undated last; RFC 4180)"),
        ("keywords" = Option<bool>, Query, description = "Also the key words and phrases of each query's matches against the rest of the archive, per language (log-likelihood G², JSON only; reads the whole archive)"),
        ("top" = Option<usize>, Query, minimum = 1, maximum = 100, description = "Key words and phrases listed per language (default 20)"),
        ("min_freq" = Option<u64>, Query, minimum = 1, maximum = 1000000, description = "Fewest uses in the matches for a key term (default 5)"),
    ),
    responses(
        (status = 200, description = "Counts per period per series, with the denominator and share; the undated counted apart. JSON, or with `format=csv` one row per series and period (header `series,query,filter,period,articles,stories,outlets,all_articles,share`; `X-Newsdex-Snapshot` names the snapshot)", content((CompareResponse = "application/json"), ("text/csv"))),
        (status = 400, description = "Bad or unknown parameter (`bad_request`), a bad query (`bad_query`), or a snapshot the archive does not have (`bad_snapshot`)", body = ErrorEnvelope),
        (status = 503, description = "A search ran past its time limit (`timeout`)", body = ErrorEnvelope),
    )
)]
pub async fn compare_api(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    refuse_unknown("/api/compare", query.as_deref(), COMPARE_PARAMS)?;
    let p = CompareParams::parse(query.as_deref(), false)?;
    if p.queries.is_empty() {
        return Err(ApiError::bad_request("the query parameter `q` is required (repeat it for each query)"));
    }
    let (c, k) = run(&st, &p).await?;
    if p.csv {
        let mut resp = c.table.to_csv().into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
        h.insert("x-newsdex-snapshot", HeaderValue::from(c.snapshot));
        return Ok(resp);
    }
    Ok(Json(CompareResponse::new(&c, k.as_deref())).into_response())
}

/// Most query fields the page's form shows.
const FORM_QUERIES: usize = 6;

#[derive(Template, Debug)]
#[template(path = "compare.html")]
pub struct ComparePage {
    pub form: Form,
    /// One field per query given, and an empty one (at most [`FORM_QUERIES`]).
    pub query_fields: Vec<String>,
    pub by: &'static str,
    pub normalize: bool,
    pub split: String,
    pub error: Option<String>,
    pub snapshot: u64,
    pub series: Vec<SeriesRow>,
    /// What the chart and the table's first column draw ("articles", "share of all articles").
    pub measure: String,
    pub chart: String,
    /// Table headings: one per series.
    pub periods: Vec<PeriodRow>,
    pub csv_href: String,
    pub json_href: String,
    pub keywords: Vec<KeywordsBlock>,
    /// The same with each measure drawn.
    pub count_switch: Vec<(String, String, bool)>,
}

/// A series as the page shows it.
#[derive(Debug)]
pub struct SeriesRow {
    pub name: String,
    pub color: &'static str,
    pub swatch: String,
    pub total: u64,
    pub total_stories: u64,
    pub undated: u64,
    pub undated_share: String,
    /// "Uyghur also searched as Uighur (+3)".
    pub notes: Vec<String>,
    pub search_href: String,
}

/// One row of the table: the period and per series (articles, stories, outlets, all, share).
#[derive(Debug)]
pub struct PeriodRow {
    pub period: String,
    pub cells: Vec<[String; 5]>,
}

#[derive(Debug)]
pub struct KeywordsBlock {
    pub query: String,
    pub total: usize,
    pub langs: Vec<LangBlock>,
}

#[derive(Debug)]
pub struct LangBlock {
    pub lang: String,
    pub target_docs: u64,
    pub reference_docs: u64,
    pub stop_words: bool,
    /// ("Words", rows) and ("Phrases", rows); a row: term, uses in the matches, uses
    /// elsewhere, G², log ratio.
    pub tables: Vec<(&'static str, Vec<[String; 5]>)>,
}

fn keyword_row(k: &newsdex_compare::Keyword) -> [String; 5] {
    [
        k.term.clone(),
        k.target.to_string(),
        k.reference.to_string(),
        format!("{:.1}", k.g2),
        format!("{:.2}", k.log_ratio),
    ]
}

/// `GET /compare`.
pub async fn compare_page(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let p = match CompareParams::parse(query.as_deref(), true) {
        Ok(p) => p,
        Err(e) => return crate::web::error_page(&st, StatusCode::BAD_REQUEST, "Bad request", &e.message),
    };
    // A collection's root has no one archive to compare in.
    st.engine()?;
    let (result, error) = if p.queries.is_empty() {
        (None, None)
    } else {
        match run(&st, &p).await {
            Ok(r) => (Some(r), None),
            Err(e) if e.status == StatusCode::BAD_REQUEST => (None, Some(e.message)),
            Err(e) => return Err(e),
        }
    };
    let mut form = Form::new(&st, Some(&p.filters));
    form.q = p.queries.first().cloned().unwrap_or_default();
    form.ignored = unknown(query.as_deref(), COMPARE_PARAMS).into_iter().filter(|u| u.name != PAGE_ONLY).collect();
    let mut query_fields = p.queries.clone();
    if query_fields.len() < FORM_QUERIES {
        query_fields.push(String::new());
    }
    if query_fields.len() < 2 {
        query_fields.push(String::new());
    }
    let measure = if p.normalize { Measure::Share } else { measure_of(p.count) };
    // The API takes no `count` (it gives every measure).
    let api = CompareParams { count: CountBy::Articles, ..p.clone() };
    let mut view = ComparePage {
        form,
        query_fields,
        by: p.by.as_str(),
        normalize: p.normalize,
        split: p
            .split
            .as_ref()
            .map(|s| {
                let by = if s.by == newsdex_compare::SplitBy::Outlet { "outlet" } else { "lang" };
                format!("{by}={}", s.values.join(","))
            })
            .unwrap_or_default(),
        error,
        snapshot: 0,
        series: Vec::new(),
        measure: measure_words(measure).to_string(),
        chart: String::new(),
        periods: Vec::new(),
        csv_href: format!("/api/compare?{}", api.to_query_string("format=csv")),
        json_href: format!("/api/compare?{}", api.to_query_string("keywords=true")),
        keywords: Vec::new(),
        count_switch: [CountBy::Articles, CountBy::Stories, CountBy::Outlets]
            .into_iter()
            .map(|c| {
                let mut q = p.clone();
                (q.normalize, q.count) = (false, c);
                (c.as_str().to_string(), format!("/compare?{}", q.to_query_string("")), !p.normalize && p.count == c)
            })
            .chain(std::iter::once({
                let mut q = p.clone();
                (q.normalize, q.count) = (true, CountBy::Articles);
                ("share of all articles".to_string(), format!("/compare?{}", q.to_query_string("")), p.normalize)
            }))
            .collect(),
    };
    if let Some((c, k)) = &result {
        let wire = CompareResponse::new(c, k.as_deref());
        view.snapshot = wire.snapshot;
        view.chart = crate::chart::lines_svg(&c.table, measure);
        view.series = c
            .table
            .series
            .iter()
            .zip(&wire.series)
            .enumerate()
            .map(|(i, (s, w))| {
                let (color, _) = crate::chart::style(i);
                let mut notes = Vec::new();
                for e in &w.expansions {
                    let mut also: Vec<String> = e.variants.clone();
                    for f in &e.forms {
                        also.push(format!("{} ({})", f.words.join(", "), f.lang));
                    }
                    if let Some(k) = &e.key {
                        also.push(format!("“{k}” in other scripts"));
                    }
                    if !also.is_empty() {
                        notes.push(format!("{} also searched as {}: +{} articles", e.term, also.join(", "), e.added));
                    }
                }
                if let Some(t) = w.total_as_typed.filter(|t| *t as u64 != s.total) {
                    notes.push(format!("{t} as typed"));
                }
                let mut search = p.filters.clone();
                search.q = s.query.clone();
                if let (Some(f), Some(split)) = (&s.filter, &p.split) {
                    match split.by {
                        newsdex_compare::SplitBy::Outlet => search.outlets = vec![f.clone()],
                        newsdex_compare::SplitBy::Lang => search.langs = vec![f.clone()],
                    }
                }
                SeriesRow {
                    name: s.name.clone(),
                    color,
                    swatch: crate::chart::swatch(i),
                    total: s.total,
                    total_stories: s.total_stories,
                    undated: s.undated.articles,
                    undated_share: s.undated.share.map(format_share).unwrap_or_else(|| "–".into()),
                    notes,
                    search_href: format!("/search?{}", search.to_query_string()),
                }
            })
            .collect();
        let cells = |pt: &newsdex_compare::Point| {
            [
                pt.articles.to_string(),
                pt.stories.to_string(),
                pt.outlets.to_string(),
                pt.all_articles.to_string(),
                pt.share.map(format_share).unwrap_or_else(|| "–".into()),
            ]
        };
        view.periods = c
            .table
            .periods
            .iter()
            .enumerate()
            .map(|(i, period)| PeriodRow {
                period: period.clone(),
                cells: c.table.series.iter().map(|s| cells(&s.points[i])).collect(),
            })
            .chain(std::iter::once(PeriodRow {
                period: "undated".into(),
                cells: c.table.series.iter().map(|s| cells(&s.undated)).collect(),
            }))
            .collect();
        view.keywords = k
            .iter()
            .flatten()
            .map(|k| KeywordsBlock {
                query: k.query.clone(),
                total: k.total,
                langs: k
                    .langs
                    .iter()
                    .map(|l| LangBlock {
                        lang: l.lang.clone(),
                        target_docs: l.target_docs,
                        reference_docs: l.reference_docs,
                        stop_words: l.stop_words,
                        tables: vec![
                            ("Words", l.words.iter().map(keyword_row).collect()),
                            ("Phrases", l.phrases.iter().map(keyword_row).collect()),
                        ],
                    })
                    .collect(),
            })
            .collect();
    }
    let status = if view.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(page(status, render(&view)?))
}

fn measure_of(c: CountBy) -> Measure {
    match c {
        CountBy::Articles => Measure::Articles,
        CountBy::Stories => Measure::Stories,
        CountBy::Outlets => Measure::Outlets,
    }
}

/// What a chart of `m` shows, in words.
pub fn measure_words(m: Measure) -> &'static str {
    match m {
        Measure::Articles => "matching articles",
        Measure::Stories => "matching stories (copies once)",
        Measure::Outlets => "outlets with a match",
        Measure::Share => "share of all articles of the period",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip_and_bad_ones_are_named() {
        let q = "q=oil&q=%22crude+oil%22&by=week&normalize=true&split=outlet%3Da.com%2Cb.com&lang=en&count=stories";
        let p = CompareParams::parse(Some(q), true).unwrap();
        assert_eq!(p.queries, ["oil", "\"crude oil\""]);
        assert_eq!(p.by, Period::Week);
        assert!(p.normalize && p.keywords);
        assert_eq!(p.split.as_ref().unwrap().values, ["a.com", "b.com"]);
        assert_eq!(p.filters.langs, ["en"]);
        assert_eq!(p.count, CountBy::Stories);
        assert_eq!(CompareParams::parse(Some(&p.to_query_string("")), true).unwrap(), p);
        assert!(!CompareParams::parse(Some("q=oil"), false).unwrap().keywords, "the API's keywords are asked for");
        for (bad, says) in [
            ("q=a&by=year", "by must be"),
            ("q=a&format=xml", "format must be"),
            ("q=a&split=site%3Dx", "bad split"),
            ("q=a&top=0", "top must be"),
            ("q=a&normalize=yes", "normalize must be"),
            ("q=a&format=csv&keywords=true", "JSON only"),
        ] {
            let e = CompareParams::parse(Some(bad), false).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn the_chart_draws_a_line_per_series_and_escapes_names() {
        let counts = |name: &str, n: u64| newsdex_compare::SeriesCounts {
            name: name.into(),
            query: name.into(),
            articles: vec![("2024-01".into(), n), ("2024-02".into(), 2 * n)],
            all_articles: vec![("2024-01".into(), 10), ("2024-02".into(), 10)],
            ..Default::default()
        };
        let t = newsdex_compare::table::align("month", &[counts("<oil>", 1), counts("gas", 3)]);
        let svg = crate::chart::lines_svg(&t, Measure::Share);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("&lt;oil&gt;") && !svg.contains("<oil>"));
        // The largest share, 6 of 10, labels the axis.
        assert!(svg.contains(">0.6</text>"), "{svg}");
        assert!(crate::chart::lines_svg(&newsdex_compare::table::align("month", &[]), Measure::Articles).is_empty());
    }
}
