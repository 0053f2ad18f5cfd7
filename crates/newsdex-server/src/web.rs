//! Server-rendered pages: search (with facets, chart and paging), article and story. askama
//! escapes every value; the only raw HTML inserted is what newsdex itself built from
//! escaped text (snippets, the chart).

use std::ops::Range;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use newsdex_core::DocId;
use newsdex_engine::{CountBy, DocRow, IdPrefix, SearchResults, Sort, StoryView};

use crate::api::parse_id;
use crate::display::{is_subheading, marked_html, paragraphs, url_for_display};
use crate::error::ApiError;
use crate::params::{SEARCH_PARAMS, SearchParams, pairs, unknown};
use crate::state::AppState;

const PAGE_SIZE: usize = 10;

/// Escape text for HTML (for strings we build outside templates).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Right-to-left scripts' languages get `dir="rtl"`; others `auto` (the browser decides
/// from the first strong character).
fn direction(lang: Option<&str>) -> &'static str {
    match lang {
        Some("ar" | "fa" | "ur" | "ug" | "he" | "ps" | "yi" | "sd" | "ckb" | "dv") => "rtl",
        _ => "auto",
    }
}

/// What the header's search box (with its filters) and the footer need.
#[derive(Debug)]
pub struct Form {
    pub q: String,
    /// Settings carried over to the next search without a field of their own.
    pub hidden: Vec<(String, String)>,
    pub documents: u64,
    pub wikinews: bool,
    /// Credit Wikipedia's "In the news" blurbs (CC BY-SA 3.0).
    pub itn: bool,
    /// Query parameters the page does not take and ignored, shown so that a typo
    /// (`lnag=ru`) does not pass for a search with that filter.
    pub ignored: Vec<crate::params::Unknown>,
    /// The filter fields: published from and to, as typed.
    pub from: String,
    pub to: String,
    /// One language menu per language filtered by (one, set to any, when none).
    pub lang_fields: Vec<String>,
    /// The archive's languages: (code, "Russian (ru)").
    pub lang_options: Vec<(String, String)>,
    /// One outlet field per outlet filtered by (one, empty, when none).
    pub outlet_fields: Vec<String>,
    /// Outlets to suggest (the current results' outlet facet).
    pub outlet_options: Vec<String>,
    pub sort: &'static str,
    pub sort_options: [&'static str; 3],
    /// The filters, in words, when any is set ("English · 2024-01 – 2024-03"); the
    /// filters are then shown open, so that none carries over to a new search unseen.
    pub filters_set: Option<String>,
}

impl Form {
    pub(crate) fn new(st: &AppState, params: Option<&SearchParams>) -> Form {
        let (languages, documents) = st.corpus_facts();
        let mut hidden = Vec::new();
        let mut set: Vec<String> = Vec::new();
        if let Some(p) = params {
            if p.op_or {
                hidden.push(("op".into(), "or".into()));
            }
            if p.exact {
                hidden.push(("expand".into(), "false".into()));
            }
            set.extend(p.langs.iter().map(|l| lang_label(l)));
            set.extend(p.outlets.iter().cloned());
            match (&p.from, &p.to) {
                (Some(f), Some(t)) if f == t => set.push(f.clone()),
                (None, None) => {}
                (f, t) => set.push(format!("{} – {}", f.as_deref().unwrap_or("…"), t.as_deref().unwrap_or("…"))),
            }
            if p.sort != Sort::Relevance {
                set.push(format!("{} first", p.sort.as_str()));
            }
        }
        let mut lang_options: Vec<(String, String)> =
            languages.into_iter().map(|l| (l.clone(), lang_label(&l))).collect();
        let langs = params.map(|p| p.langs.clone()).unwrap_or_default();
        for l in &langs {
            if !lang_options.iter().any(|(c, _)| c == l) {
                lang_options.push((l.clone(), lang_label(l)));
            }
        }
        lang_options.sort_by(|a, b| a.1.cmp(&b.1));
        let or_one = |v: Vec<String>| if v.is_empty() { vec![String::new()] } else { v };
        Form {
            q: params.map(|p| p.q.clone()).unwrap_or_default(),
            hidden,
            documents,
            wikinews: st.wikinews(),
            itn: st.itn(),
            ignored: Vec::new(),
            from: params.and_then(|p| p.from.clone()).unwrap_or_default(),
            to: params.and_then(|p| p.to.clone()).unwrap_or_default(),
            lang_fields: or_one(langs),
            lang_options,
            outlet_fields: or_one(params.map(|p| p.outlets.clone()).unwrap_or_default()),
            outlet_options: Vec::new(),
            sort: params.map_or(Sort::Relevance, |p| p.sort).as_str(),
            sort_options: Sort::ALL.map(Sort::as_str),
            filters_set: (!set.is_empty()).then(|| set.join(" · ")),
        }
    }
}

/// An address a page may link to: http or https only.
fn web_url(url: Option<&str>) -> Option<String> {
    url.filter(|u| u.starts_with("http://") || u.starts_with("https://")).map(str::to_string)
}

/// "Russian (ru)", or the code for a language without a name.
fn lang_label(code: &str) -> String {
    newsdex_core::lang_name(code).map(|n| format!("{} ({code})", capitalize(n))).unwrap_or_else(|| code.to_string())
}

/// What the article page takes: the search it was reached from, and the hit's rank.
const ARTICLE_PARAMS: &[&str] = &[
    "q", "limit", "offset", "lang", "outlet", "from", "to", "op", "facets", "expand", "collapse", "count", "sort",
    "rank",
];

#[derive(Debug)]
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

#[derive(Debug)]
pub struct ActiveFilter {
    pub label: String,
    pub href: String,
}

#[derive(Debug)]
pub struct HitRow {
    pub title: String,
    pub href: String,
    pub url: Option<String>,
    /// `url` for reading ([`crate::display::url_for_display`]).
    pub url_shown: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    pub dir: &'static str,
    pub snippet: String,
    /// Other spellings of the query's words this article matched.
    pub matched: Vec<String>,
    /// "and 2 more from Reuters, AP", for a collapsed hit with other matching copies.
    pub also: Option<String>,
    /// The hit's story page (none on a collection's root, which has no story pages).
    pub story_href: Option<String>,
}

/// One choice of a switch: a link, or the current choice (not a link).
#[derive(Debug)]
pub struct SwitchLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// One query word and what else it was searched as.
#[derive(Debug)]
pub struct ExpansionNote {
    pub term: String,
    pub also: Vec<String>,
    /// Documents only these other spellings matched.
    pub added: u64,
}

#[derive(Debug)]
pub struct PageLink {
    pub label: usize,
    pub href: String,
    pub current: bool,
}

#[derive(Template, Debug)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub form: Form,
    /// The watches page with this search (its words, languages and outlets) ready to
    /// watch.
    pub watch_href: String,
    pub has_query: bool,
    pub error: Option<String>,
    pub total: usize,
    /// The total with every word as typed, when expansion added to it.
    pub total_as_typed: Option<usize>,
    /// On a collection's root, when some shards did not answer: "1 of 4 shards answered
    /// …", with each missing shard and why.
    pub partial: Option<String>,
    /// Distinct stories among the matches, when fewer than the matches.
    pub stories: Option<usize>,
    pub shown_from: usize,
    pub shown_to: usize,
    pub undated: u64,
    /// Matching articles whose date was guessed, said under the chart.
    pub dates_guessed: u64,
    pub hits: Vec<HitRow>,
    pub langs: Vec<FacetLink>,
    /// Counted in languages not listed ("and N more").
    pub langs_other: u64,
    pub outlets: Vec<FacetLink>,
    /// Counted in outlets not listed ("and N more").
    pub outlets_other: u64,
    /// Counted without an outlet.
    pub no_outlet: u64,
    pub months: Vec<FacetLink>,
    pub active: Vec<ActiveFilter>,
    pub chart: String,
    pub pages: Vec<PageLink>,
    pub prev_page: Option<String>,
    pub next_page: Option<String>,
    /// Words searched under other spellings too.
    pub expansions: Vec<ExpansionNote>,
    /// Spellings only as written (`expand=false`).
    pub exact: bool,
    /// The same search with expansion switched the other way.
    pub toggle_expand: String,
    /// One hit per story | every article.
    pub collapse_switch: Vec<SwitchLink>,
    /// What facet and chart counts count: articles | stories | outlets.
    pub count_switch: Vec<SwitchLink>,
    /// The order of hits: relevance | newest | oldest.
    pub sort_switch: Vec<SwitchLink>,
    /// For a date order: "newest first; 3 without a date come last".
    pub sort_note: Option<String>,
    /// The counted unit, capitalized for headings ("Stories").
    pub counted: String,
    /// The counted unit, lower case ("stories").
    pub counted_lower: &'static str,
    /// The snapshot the results were answered from (0 before any search).
    pub snapshot: u64,
    /// The compare page with this search as its first query.
    pub compare_href: String,
    /// Every match as CSV and as JSON Lines, as of that snapshot (`/api/export`).
    pub export_csv: String,
    pub export_jsonl: String,
}

#[derive(Template, Debug)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub form: Form,
    pub title: String,
    /// The title as HTML: escaped, the search's words in `<mark>`.
    pub title_html: String,
    pub lang: Option<String>,
    pub dir: &'static str,
    pub meta: Vec<(String, String)>,
    pub url: Option<String>,
    /// `url` for reading ([`crate::display::url_for_display`]).
    pub url_shown: Option<String>,
    pub credit: Option<String>,
    /// The text: paragraphs and sub-headings, as HTML (escaped, the search's words in
    /// `<mark>`).
    pub blocks: Vec<Block>,
    /// How many places the search's words are marked (title and text).
    pub marks: usize,
    pub provenance: Vec<(String, String)>,
    pub warnings: Vec<(String, String)>,
    pub removed: Vec<String>,
    pub raw_href: String,
    pub json_href: String,
    pub back: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The story page and how many articles it has, when this one has copies.
    pub story: Option<(String, usize)>,
}

/// A paragraph of an article, or a sub-heading ([`crate::display::is_subheading`]).
#[derive(Debug)]
pub struct Block {
    pub heading: bool,
    pub html: String,
}

/// One article of a story, as the story page shows it.
#[derive(Debug)]
pub struct MemberRow {
    pub id: String,
    pub title: String,
    pub href: String,
    pub url: Option<String>,
    pub url_shown: Option<String>,
    pub meta: Vec<String>,
    pub lang: Option<String>,
    pub dir: &'static str,
    pub words: usize,
    /// The first copy, its date deciding it (earliest published).
    pub canonical: bool,
    /// The first copy without a date deciding it (first ingested).
    pub first_seen: bool,
    /// "12 paragraphs the same, 1 added, 2 cut, 1 edited, reordered" (none for the first).
    pub summary: Option<String>,
    pub added: Vec<String>,
    pub cut: Vec<String>,
    /// Edited paragraphs word by word: (0 same, 1 cut, 2 added; the words).
    pub edited: Vec<Vec<(u8, String)>>,
}

#[derive(Template, Debug)]
#[template(path = "story.html")]
pub struct StoryPage {
    pub form: Form,
    pub title: String,
    pub id: String,
    pub size: usize,
    pub outlets: Vec<(String, u64)>,
    pub span: Option<String>,
    pub members: Vec<MemberRow>,
    /// Members not listed (the engine lists at most a few hundred).
    pub unlisted: usize,
    pub json_href: String,
}

#[derive(Template, Debug)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub form: Form,
    pub heading: String,
    pub message: String,
    /// Documents to choose from (an ambiguous id prefix).
    pub choices: Vec<Choice>,
}

/// A document to choose.
#[derive(Debug)]
pub struct Choice {
    pub href: String,
    pub id: String,
    pub title: String,
}

/// HTML with our page headers: no framing, no inline script, no third-party anything.
pub(crate) fn page(status: StatusCode, html: String) -> Response {
    let mut resp = (status, Html(html)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    resp
}

pub(crate) fn render(t: &impl Template) -> Result<String, ApiError> {
    t.render().map_err(ApiError::internal)
}

/// The search link for `params` with one filter changed, back to page 1.
fn link(params: &SearchParams, change: impl FnOnce(&mut SearchParams)) -> String {
    let mut p = params.clone();
    p.offset = 0;
    change(&mut p);
    format!("/search?{}", p.to_query_string())
}

/// `GET /` and `GET /search`.
pub async fn search_page(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let mut params = match SearchParams::parse(query.as_deref(), false, PAGE_SIZE) {
        Ok(p) => p,
        Err(e) => return error_page(&st, StatusCode::BAD_REQUEST, "Bad request", &e.message),
    };
    params.limit = PAGE_SIZE;
    params.facets = true;
    let has_query = !params.q.trim().is_empty();
    let (results, error) = if has_query {
        match st.search(&params.q, &params.options()).await {
            Ok(r) => (Some(r), None),
            Err(e) if e.code == "bad_query" => (None, Some(e.message)),
            Err(e) => return Err(e),
        }
    } else {
        (None, None)
    };
    let mut view = search_view(&st, &params, has_query, results.as_ref(), error);
    view.form.ignored = unknown(query.as_deref(), SEARCH_PARAMS);
    let status = if view.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(page(status, render(&view)?))
}

fn search_view(
    st: &AppState,
    params: &SearchParams,
    has_query: bool,
    results: Option<&SearchResults>,
    error: Option<String>,
) -> SearchPage {
    let mut view = SearchPage {
        form: Form::new(st, Some(params)),
        watch_href: {
            let mut q = format!("/watches?q={}", crate::params::encode(&params.q));
            for l in &params.langs {
                q.push_str(&format!("&lang={}", crate::params::encode(l)));
            }
            for o in &params.outlets {
                q.push_str(&format!("&outlet={}", crate::params::encode(o)));
            }
            q
        },
        has_query,
        error,
        total: 0,
        total_as_typed: None,
        partial: None,
        shown_from: 0,
        shown_to: 0,
        undated: 0,
        dates_guessed: 0,
        hits: Vec::new(),
        langs: Vec::new(),
        langs_other: 0,
        outlets: Vec::new(),
        outlets_other: 0,
        no_outlet: 0,
        months: Vec::new(),
        active: Vec::new(),
        chart: String::new(),
        pages: Vec::new(),
        prev_page: None,
        next_page: None,
        expansions: Vec::new(),
        exact: params.exact,
        toggle_expand: link(params, |p| p.exact = !p.exact),
        stories: None,
        collapse_switch: vec![
            SwitchLink { label: "one per story", href: link(params, |p| p.all = false), current: !params.all },
            SwitchLink { label: "every article", href: link(params, |p| p.all = true), current: params.all },
        ],
        count_switch: [CountBy::Articles, CountBy::Stories, CountBy::Outlets]
            .into_iter()
            .map(|c| SwitchLink { label: c.as_str(), href: link(params, |p| p.count = c), current: params.count == c })
            .collect(),
        counted: capitalize(params.count.as_str()),
        counted_lower: params.count.as_str(),
        snapshot: 0,
        compare_href: String::new(),
        export_csv: String::new(),
        export_jsonl: String::new(),
        sort_switch: Sort::ALL
            .into_iter()
            .map(|o| SwitchLink { label: o.as_str(), href: link(params, |p| p.sort = o), current: params.sort == o })
            .collect(),
        sort_note: None,
    };
    for l in &params.langs {
        view.active
            .push(ActiveFilter { label: format!("language: {l}"), href: link(params, |p| p.langs.retain(|x| x != l)) });
    }
    for o in &params.outlets {
        view.active
            .push(ActiveFilter { label: format!("outlet: {o}"), href: link(params, |p| p.outlets.retain(|x| x != o)) });
    }
    if params.from.is_some() || params.to.is_some() {
        let label = match (&params.from, &params.to) {
            (Some(f), Some(t)) if f == t => format!("published: {f}"),
            (f, t) => format!("published: {} – {}", f.as_deref().unwrap_or("…"), t.as_deref().unwrap_or("…")),
        };
        view.active.push(ActiveFilter {
            label,
            href: link(params, |p| {
                p.from = None;
                p.to = None;
            }),
        });
    }
    let Some(r) = results else { return view };
    view.total = r.total;
    view.snapshot = r.snapshot.unwrap_or(0);
    view.export_csv = export_href(params, view.snapshot, "csv");
    view.compare_href = format!("/compare?{}", compare_query(params));
    view.export_jsonl = export_href(params, view.snapshot, "jsonl");
    view.total_as_typed = r.total_as_typed.filter(|t| *t != r.total);
    view.partial = r.shards.as_ref().filter(|s| s.answered < s.total).map(|s| {
        let missing: Vec<String> = s.missing.iter().map(|(i, why)| format!("shard {i}: {why}")).collect();
        format!(
            "Partial answer: {} of {} shards answered, so every count and chart here leaves out the documents of the others ({}).",
            s.answered,
            s.total,
            missing.join("; ")
        )
    });
    view.stories = r.stories.filter(|n| *n != r.total);
    view.sort_note = sort_note(r.sort, r.undated.unwrap_or(0));
    if let Some(f) = &r.facets {
        view.counted = capitalize(f.counted.as_str());
        view.counted_lower = f.counted.as_str();
    }
    view.shown_from = if r.hits.is_empty() { 0 } else { params.offset + 1 };
    view.shown_to = params.offset + r.hits.len();
    let base = params.to_query_string();
    view.hits = r
        .hits
        .iter()
        .enumerate()
        .map(|(i, h)| HitRow {
            title: if h.title.is_empty() { "(untitled)".into() } else { h.title.clone() },
            href: format!("/articles/{}?{base}&rank={}", h.id, params.offset + i + 1),
            url: web_url(h.url.as_deref()),
            url_shown: web_url(h.url.as_deref()).map(|u| url_for_display(&u)),
            outlet: h.outlet.clone(),
            published: h.published.clone(),
            lang: h.lang.clone(),
            dir: direction(h.lang.as_deref()),
            snippet: h.snippet.to_html(),
            matched: h.matched.clone(),
            also: (r.collapsed && h.also_total > 0).then(|| crate::wire::also_line(h)),
            story_href: Some(format!("/stories/{}", h.story)),
        })
        .collect();
    view.expansions = r
        .expansions
        .iter()
        .map(|e| {
            let mut also = e.spellings();
            also.extend(e.key.as_ref().map(|k| format!("“{k}” in other scripts")));
            if e.left_out > 0 {
                also.push(format!("not {} more names of the place", e.left_out));
            }
            ExpansionNote { term: e.term.clone(), also, added: e.added }
        })
        .filter(|n| !n.also.is_empty())
        .collect();
    if let Some(f) = &r.facets {
        view.undated = f.undated;
        view.dates_guessed = f.dates_guessed;
        (view.langs_other, view.outlets_other, view.no_outlet) = (f.lang_other, f.outlet_other, f.no_outlet);
        view.langs = f
            .lang
            .iter()
            .map(|b| {
                let active = params.langs.contains(&b.value);
                let name = newsdex_core::lang_name(&b.value).map(|n| format!("{} ({})", capitalize(n), b.value));
                FacetLink {
                    label: name.unwrap_or_else(|| b.value.clone()),
                    count: b.count,
                    active,
                    href: link(params, |p| {
                        if !active {
                            p.langs.push(b.value.clone())
                        }
                    }),
                }
            })
            .collect();
        view.form.outlet_options = f.outlet.iter().map(|b| b.value.clone()).collect();
        view.outlets = f
            .outlet
            .iter()
            .map(|b| {
                let active = params.outlets.contains(&b.value);
                FacetLink {
                    label: b.value.clone(),
                    count: b.count,
                    active,
                    href: link(params, |p| {
                        if !active {
                            p.outlets.push(b.value.clone())
                        }
                    }),
                }
            })
            .collect();
        let month_href = |m: &str| {
            link(params, |p| {
                p.from = Some(m.to_string());
                p.to = Some(m.to_string());
            })
        };
        view.chart = crate::chart::months_svg(&f.month, month_href);
        view.months = f
            .month
            .iter()
            .rev()
            .filter(|b| b.count > 0)
            .map(|b| FacetLink { label: b.value.clone(), count: b.count, active: false, href: month_href(&b.value) })
            .collect();
    }
    // Collapsed results page through stories, not articles.
    let shown_total = if r.collapsed { r.stories.unwrap_or(r.total) } else { r.total };
    let pages = shown_total.div_ceil(PAGE_SIZE).min(crate::params::MAX_OFFSET / PAGE_SIZE);
    if pages > 1 {
        let current = params.offset / PAGE_SIZE;
        let at = |n: usize| {
            let mut p = params.clone();
            p.offset = n * PAGE_SIZE;
            format!("/search?{}&offset={}", p.to_query_string(), p.offset)
        };
        let first = current.saturating_sub(4);
        let last = (first + 9).min(pages - 1);
        view.pages = (first..=last).map(|n| PageLink { label: n + 1, href: at(n), current: n == current }).collect();
        view.prev_page = (current > 0).then(|| at(current - 1));
        view.next_page = (current + 1 < pages).then(|| at(current + 1));
    }
    view
}

/// "newest first; 3 without a date come last" (none for relevance).
fn sort_note(sort: Sort, undated: usize) -> Option<String> {
    let order = match sort {
        Sort::Relevance => return None,
        Sort::Newest => "newest first",
        Sort::Oldest => "oldest first",
    };
    Some(match undated {
        0 => order.to_string(),
        1 => format!("{order}; 1 without a date comes last"),
        n => format!("{order}; {n} without a date come last"),
    })
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// `GET /articles/{id}`: the article, with links to the previous and next result when
/// reached from a search (`rank` and the search's parameters in the query string).
pub async fn article_page(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let Ok(prefix) = parse_id(&id) else {
        return error_page(&st, StatusCode::NOT_FOUND, "Not found", "There is no article with that id.");
    };
    let docs = st.documents()?;
    let id = match found(&docs, prefix).await? {
        Ok(id) => id,
        Err(e) => return id_error_page(&st, e, "article", query.as_deref()),
    };
    let rank: Option<usize> = pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "rank")
        .and_then(|(_, v)| v.parse().ok())
        .filter(|r| *r >= 1);
    let params = SearchParams::parse(query.as_deref(), false, 3).ok().filter(|p| !p.q.trim().is_empty());
    let (d, p) = (docs.clone(), params.clone());
    let (row, story, marks) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let e = d.engine_of(id)?;
        let row = e.document(id)?;
        // Story pages need one archive (a collection's root links none).
        let story = if row.is_some() { d.story_size(id)?.filter(|(_, n)| *n > 1) } else { None };
        // The search's words, marked where they are (none for a query that fails).
        let marks = match (&p, &row) {
            (Some(p), Some(row)) => e.highlights(&p.q, &p.options(), &row.article).unwrap_or_default(),
            _ => Default::default(),
        };
        Ok((row, story, marks))
    })
    .await??;
    let neighbours = match (&params, rank) {
        (Some(p), Some(r)) => {
            let mut opts = p.options();
            opts.facets = false;
            opts.offset = r.saturating_sub(2);
            opts.limit = 3;
            st.search(&p.q, &opts).await.ok().map(|res| (p.clone(), r, res))
        }
        _ => None,
    };
    let Some(row) = row else {
        return error_page(&st, StatusCode::NOT_FOUND, "Not found", "There is no article with that id.");
    };
    let mut view = article_view(&st, &row, (&marks.0, &marks.1));
    view.story = story.map(|(s, n)| (format!("/stories/{s}"), n));
    if let Some((p, r, res)) = neighbours {
        let base = p.to_query_string();
        let at = |rank: usize| {
            res.hits.get(rank - 1 - r.saturating_sub(2)).map(|h| format!("/articles/{}?{base}&rank={rank}", h.id))
        };
        view.prev = if r > 1 { at(r - 1) } else { None };
        view.next = if r < res.total { at(r + 1) } else { None };
        let page_offset = (r - 1) / PAGE_SIZE * PAGE_SIZE;
        view.back = Some(format!("/search?{base}&offset={page_offset}"));
        view.form = Form::new(&st, Some(&p));
    }
    view.form.ignored = unknown(query.as_deref(), ARTICLE_PARAMS);
    Ok(page(StatusCode::OK, render(&view)?))
}

/// `marks`: where the search's words are in the title and the body (byte ranges).
fn article_view(st: &AppState, row: &DocRow, marks: (&[Range<usize>], &[Range<usize>])) -> ArticlePage {
    let a = &row.article;
    let p = &row.provenance;
    let mut meta = Vec::new();
    if let Some(o) = &a.outlet {
        meta.push(("outlet".into(), o.clone()));
    }
    // Where a republished text says it comes from (issue #16), apart from the outlet.
    if let Some(o) = a.extra.get("origin").and_then(|v| v.as_str()) {
        meta.push(("origin".into(), o.to_string()));
    }
    if let Some(d) = &a.published {
        meta.push(("published".into(), d.display()));
    }
    if let Some(l) = &a.lang {
        let name = newsdex_core::lang_name(l).map(|n| format!("{} ({l})", capitalize(n))).unwrap_or_else(|| l.clone());
        meta.push(("language".into(), name));
    }
    if !a.authors.is_empty() {
        meta.push(("by".into(), a.authors.join("; ")));
    }
    meta.push(("id".into(), a.id.to_string()));
    let extra = |k: &str| a.extra.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let credit = match (extra("attribution"), extra("license")) {
        (Some(at), Some(l)) => Some(format!("{at} Licence: {l}.")),
        (Some(at), None) => Some(at),
        (None, Some(l)) => Some(format!("Licence: {l}.")),
        (None, None) => None,
    };
    let mut provenance = vec![("source".to_string(), p.source.clone())];
    if let Some(l) = p.line {
        provenance.push(("line".into(), l.to_string()));
    }
    provenance.push(("raw blob".into(), format!("{} (bytes {}–{})", p.raw, p.start, p.end)));
    provenance.push(("format".into(), a.format.as_str().to_string()));
    provenance.push(("ingested".into(), p.ingested_at.clone()));
    let title = if a.title.is_empty() { "(untitled)".to_string() } else { a.title.clone() };
    let (title_marks, body_marks) = marks;
    let mut first = true;
    let title_html = if a.title.is_empty() { escape(&title) } else { marked_html(&title, title_marks, &mut first) };
    let paras = paragraphs(&a.body);
    let texts: Vec<&str> = paras.iter().map(|(_, t)| *t).collect();
    let blocks = paras
        .iter()
        .enumerate()
        .map(|(i, (range, text))| {
            // The marks within this paragraph, from its start.
            let inside: Vec<std::ops::Range<usize>> = body_marks
                .iter()
                .filter(|m| m.start >= range.start && m.end <= range.end)
                .map(|m| m.start - range.start..m.end - range.start)
                .collect();
            Block { heading: is_subheading(&texts, i), html: marked_html(text, &inside, &mut first) }
        })
        .collect();
    ArticlePage {
        form: Form::new(st, None),
        title,
        title_html,
        lang: a.lang.clone(),
        dir: direction(a.lang.as_deref()),
        meta,
        url: web_url(a.url.as_deref()),
        url_shown: web_url(a.url.as_deref()).map(|u| url_for_display(&u)),
        credit,
        blocks,
        marks: title_marks.len() + body_marks.len(),
        provenance,
        warnings: a.warnings.iter().map(|w| (w.code.clone(), w.message.clone())).collect(),
        removed: a.removed.clone(),
        raw_href: format!("/api/raw/{}", a.id),
        json_href: format!("/api/articles/{}", a.id),
        back: None,
        prev: None,
        next: None,
        story: None,
    }
}

/// `GET /stories/{id}`: every copy of an article, `id` being any of them, with what each
/// added, cut or edited compared with the first copy (canonical if a date decides it).
pub async fn story_page(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let Ok(prefix) = parse_id(&id) else {
        return error_page(&st, StatusCode::NOT_FOUND, "Not found", "There is no story with that id.");
    };
    let docs = st.documents()?;
    let id = match found(&docs, prefix).await? {
        Ok(id) => id,
        Err(e) => return id_error_page(&st, e, "story", None),
    };
    let story = tokio::task::spawn_blocking(move || docs.story(id)).await??;
    let Some(story) = story else {
        return error_page(&st, StatusCode::NOT_FOUND, "Not found", "There is no story with that id.");
    };
    let mut view = story_view(&st, &story);
    view.form.ignored = unknown(query.as_deref(), &[]);
    Ok(page(StatusCode::OK, render(&view)?))
}

fn story_view(st: &AppState, s: &StoryView) -> StoryPage {
    let untitled = |t: &str| if t.is_empty() { "(untitled)".to_string() } else { t.to_string() };
    let members: Vec<MemberRow> = s
        .members
        .iter()
        .map(|m| {
            let mut meta: Vec<String> = Vec::new();
            meta.extend(m.outlet.clone());
            meta.extend(m.published.clone());
            meta.extend(m.lang.as_deref().map(|l| {
                newsdex_core::lang_name(l).map(|n| format!("{} ({l})", capitalize(n))).unwrap_or_else(|| l.to_string())
            }));
            let summary = m.diff.as_ref().map(|d| d.summary());
            MemberRow {
                id: m.id.to_string(),
                title: untitled(&m.title),
                href: format!("/articles/{}", m.id),
                url: web_url(m.url.as_deref()),
                url_shown: web_url(m.url.as_deref()).map(|u| url_for_display(&u)),
                meta,
                lang: m.lang.clone(),
                dir: direction(m.lang.as_deref()),
                words: m.words,
                canonical: m.diff.is_none() && m.id == s.id && s.canonical,
                first_seen: m.diff.is_none() && m.id == s.id && !s.canonical,
                summary,
                added: m.diff.as_ref().map(|d| d.added.clone()).unwrap_or_default(),
                cut: m.diff.as_ref().map(|d| d.cut.clone()).unwrap_or_default(),
                edited: m
                    .diff
                    .as_ref()
                    .map(|d| {
                        d.edited_words
                            .iter()
                            .map(|runs| {
                                runs.iter()
                                    .map(|r| {
                                        let k = match r.change {
                                            newsdex_engine::Change::Same => 0,
                                            newsdex_engine::Change::Cut => 1,
                                            newsdex_engine::Change::Added => 2,
                                        };
                                        (k, r.text.clone())
                                    })
                                    .collect()
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let span = match (&s.first_published, &s.last_published) {
        (Some(a), Some(b)) if a != b => Some(format!("{a} – {b}")),
        (Some(a), _) | (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    };
    StoryPage {
        form: Form::new(st, None),
        title: untitled(s.members.first().map(|m| m.title.as_str()).unwrap_or("")),
        id: s.id.to_string(),
        size: s.size,
        outlets: s.outlets.clone(),
        span,
        unlisted: s.size.saturating_sub(members.len()),
        members,
        json_href: format!("/api/stories/{}", s.id),
    }
}

pub(crate) fn error_page(
    st: &AppState,
    status: StatusCode,
    heading: &str,
    message: &str,
) -> Result<Response, ApiError> {
    let view =
        ErrorPage { form: Form::new(st, None), heading: heading.into(), message: message.into(), choices: Vec::new() };
    Ok(page(status, render(&view)?))
}

/// The document an id or id prefix names, looked up off the runtime. The outer error is a
/// fault; the inner one says that the id names none (404) or several (409).
async fn found(docs: &crate::Documents, prefix: IdPrefix) -> Result<Result<DocId, ApiError>, ApiError> {
    let d = docs.clone();
    match tokio::task::spawn_blocking(move || d.find_id(&prefix)).await? {
        Ok(id) => Ok(Ok(id)),
        Err(e) if e.status == StatusCode::NOT_FOUND || e.code == "ambiguous_id" => Ok(Err(e)),
        Err(e) => Err(e),
    }
}

/// The page for an id that names no document (404), or several (409: which one?, each a
/// link keeping the query string, e.g. the search an article was reached from).
fn id_error_page(st: &AppState, e: ApiError, what: &str, query: Option<&str>) -> Result<Response, ApiError> {
    let Some(candidates) = e.candidates else {
        return error_page(st, StatusCode::NOT_FOUND, "Not found", &format!("There is no {what} with that id."));
    };
    let base = if what == "story" { "/stories" } else { "/articles" };
    let query = query.filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
    let view = ErrorPage {
        form: Form::new(st, None),
        heading: "Which one?".into(),
        message: format!("{}. Choose:", capitalize(&e.message)),
        choices: candidates
            .into_iter()
            .map(|c| Choice {
                href: format!("{base}/{}{query}", c.id),
                title: if c.title.is_empty() { "(untitled)".into() } else { c.title },
                id: c.id,
            })
            .collect(),
    };
    Ok(page(StatusCode::CONFLICT, render(&view)?))
}

/// A page for an error the framework produced (a wrong method, a request too large, a
/// timeout, a handler's JSON error): the status's name and `message`, escaped. Without
/// a readable archive, a bare page (escaped too).
pub(crate) fn status_page(st: &AppState, status: StatusCode, message: &str) -> Response {
    let heading = status.canonical_reason().unwrap_or("Error");
    error_page(st, status, heading, message).unwrap_or_else(|_| {
        let html = format!(
            "<!doctype html><meta charset=\"utf-8\"><title>{h}</title><h1>{h}</h1><p>{m}</p>",
            h = escape(heading),
            m = escape(message)
        );
        page(status, html)
    })
}

/// Unknown pages.
pub async fn not_found(State(st): State<Arc<AppState>>) -> Result<Response, ApiError> {
    error_page(&st, StatusCode::NOT_FOUND, "Not found", "There is no page at this address.")
}

/// `GET /static/…`: the two assets, compiled in.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, ctype) = match name.as_str() {
        "style.css" => (include_str!("../static/style.css"), "text/css; charset=utf-8"),
        "app.js" => (include_str!("../static/app.js"), "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    resp
}

/// The compare page's query string for the search `params` describes: its query and
/// filters (not its paging, order or counting).
fn compare_query(params: &SearchParams) -> String {
    let filters = SearchParams {
        q: params.q.clone(),
        langs: params.langs.clone(),
        outlets: params.outlets.clone(),
        from: params.from.clone(),
        to: params.to.clone(),
        op_or: params.op_or,
        exact: params.exact,
        ..SearchParams::default()
    };
    filters.to_query_string()
}

/// `/api/export` for every match of the search `params` describes, as of `snapshot`:
/// its query and filters only (paging, order and counting do not change what is exported).
fn export_href(params: &SearchParams, snapshot: u64, format: &str) -> String {
    let filters = SearchParams {
        q: params.q.clone(),
        langs: params.langs.clone(),
        outlets: params.outlets.clone(),
        from: params.from.clone(),
        to: params.to.clone(),
        op_or: params.op_or,
        exact: params.exact,
        snapshot: Some(snapshot),
        ..SearchParams::default()
    };
    format!("/api/export?{}&format={format}", filters.to_query_string())
}
