//! The JSON wire format, in one place: what `/api/*` returns and what `newsdex search
//! --json` prints. Conventions (errors: see [`crate::error`]):
//! snake_case fields; ids are 16 hex digits; dates are RFC 3339 (or `YYYY-MM-DD` for a
//! date-only source); absent values are `null`, never omitted; snippets are HTML with the
//! text escaped and matches in `<b>`.

use newsdex_engine::{DocRow, Facets, Hit, IngestReport, SearchResults, StoryView};
use serde::Serialize;
use utoipa::ToSchema;

/// One search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitView {
    /// Document id.
    #[schema(example = "2828a9e1eb96ab63")]
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    /// As the source gave it, time zone kept.
    pub published: Option<String>,
    /// ISO 639-1 (or 639-3) code.
    pub lang: Option<String>,
    /// BM25 score (a title match weighs 1.5 times a body match), whatever the order.
    pub score: f32,
    /// HTML: escaped text with the matched words in `<b>`.
    pub snippet: String,
    /// Input path or name the document was read from.
    pub source: Option<String>,
    /// Other spellings of the query's words that this document matched, as it writes
    /// them (`Uighur` for a search for `Uyghur`).
    pub matched: Vec<String>,
    /// The story it belongs to (the id of its earliest published copy; its own id when
    /// nothing else copies it). `GET /api/stories/{story}` lists every copy.
    pub story: String,
    /// In a collapsed search, how many other copies in the same story match too.
    pub more: usize,
    /// Those copies, earliest first (at most 50).
    pub also: Vec<AlsoView>,
}

/// Another copy of a hit's story.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlsoView {
    pub id: String,
    pub title: String,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub url: Option<String>,
}

/// A collapsed hit's other copies in words, for people (the CLI and the web page):
/// "and 4 more from Reuters, AP, AFP and 1 other outlet" ("…" when not all are listed).
pub fn also_line(h: &Hit) -> String {
    let mut outlets: Vec<&str> = Vec::new();
    for a in &h.also {
        let o = a.outlet.as_deref().unwrap_or("no outlet");
        if !outlets.contains(&o) {
            outlets.push(o);
        }
    }
    let listed = outlets.len().min(3);
    let mut names = outlets[..listed].join(", ");
    let unlisted = outlets.len() - listed;
    if unlisted > 0 {
        names.push_str(&format!(" and {unlisted} other outlet{}", if unlisted == 1 { "" } else { "s" }));
    }
    if h.also.len() < h.also_total {
        names.push_str(" …");
    }
    format!("and {} more from {names}", h.also_total)
}

/// What one query word was also searched as (none of it with `expand=false` or `=word`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpansionView {
    /// The word as typed.
    #[schema(example = "Uyghur")]
    pub term: String,
    /// Whether it was taken for a name (typed with a capital, or written as one in most
    /// documents that hold it): names are not widened to other words' forms.
    pub name: bool,
    /// Other spellings: from the variants file, the place names of the gazetteer
    /// (`Germany` → `Deutschland`, `Германия`), a Chinese word in the other script.
    pub variants: Vec<String>,
    /// Names of the place the archive also holds that were not searched (a place with
    /// more names in the archive than one word may search).
    pub left_out: usize,
    /// For a name: its transliteration, searched in the other cased scripts (`putin`
    /// finds `Путин`).
    pub key: Option<String>,
    /// Word forms searched, each only in documents of its language.
    pub forms: Vec<FormsView>,
    /// Documents matched only by these other spellings, not by the word as typed.
    pub added: u64,
}

/// A word's forms in one language.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormsView {
    #[schema(example = "en")]
    pub lang: String,
    pub words: Vec<String>,
}

/// One facet value.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketView {
    pub value: String,
    pub count: u64,
}

/// Counts over all matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetsView {
    /// By language, most first (at most 100).
    pub lang: Vec<BucketView>,
    /// The counts of the languages not listed in `lang`, summed (0 when none is cut).
    pub lang_other: u64,
    /// By outlet, most first (at most 50).
    pub outlet: Vec<BucketView>,
    /// The counts of the outlets not listed in `outlet`, summed (0 when none is cut).
    pub outlet_other: u64,
    /// Matches without an outlet, counted as the rest (`counted`): articles, their
    /// stories, or 1 (as one outlet) when there are any.
    pub no_outlet: u64,
    /// Publication months `YYYY-MM` in time order, empty months included.
    pub month: Vec<BucketView>,
    /// Matches without a publication date.
    pub undated: u64,
    /// Matching articles whose date was guessed (from their first lines, the latest date
    /// their text writes, or a page's address or text) rather than read from metadata;
    /// always articles, whatever `counted` says.
    pub dates_guessed: u64,
    /// What the counts count: `articles`, `stories` (copies of one article once) or
    /// `outlets` (distinct outlets).
    #[schema(example = "articles")]
    pub counted: String,
}

/// `GET /api/search` (and `newsdex search --json`, which has no `facets`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// Every matching article, not only this page.
    pub total: usize,
    /// How many match with every word as typed, when expansion searched anything else
    /// (the number to cite for the words themselves); absent when nothing was expanded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_as_typed: Option<usize>,
    /// Distinct stories among them (copies of one article count once).
    pub stories: usize,
    /// Whether hits are one per story (`collapse=true`, the default).
    pub collapsed: bool,
    /// The order of `hits`: `relevance`, `newest` or `oldest` (by publication date).
    #[schema(example = "relevance")]
    pub sort: String,
    /// With `sort=newest` or `oldest`: how many matching articles have no publication
    /// date. They are listed last, after every dated one. `null` with `sort=relevance`.
    pub undated_last: Option<usize>,
    pub hits: Vec<HitView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<FacetsView>,
    /// How the query's words were expanded; empty when nothing was.
    pub expansions: Vec<ExpansionView>,
    /// The snapshot it was answered from: the number of the last batch committed then.
    /// `snapshot=N` (or `--snapshot N`) answers as of that batch again, after later
    /// ingests and after a reindex.
    pub snapshot: u64,
    /// Only from a collection's root (`newsdex serve --shard-servers`): how many of the
    /// collection's shards the answer includes. With `answered` below `total`, every count
    /// and hit above leaves out the shards in `missing` (and says why): the answer is
    /// partial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<ShardsView>,
}

/// Which of a collection's shards an answer includes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShardsView {
    pub total: u32,
    pub answered: u32,
    /// The shards left out, and why (their server did not answer, or none serves them).
    pub missing: Vec<MissingShard>,
}

/// A shard an answer leaves out.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingShard {
    pub shard: u32,
    pub reason: String,
}

fn buckets(b: &[newsdex_engine::Bucket]) -> Vec<BucketView> {
    b.iter().map(|b| BucketView { value: b.value.clone(), count: b.count }).collect()
}

impl From<&Facets> for FacetsView {
    fn from(f: &Facets) -> FacetsView {
        FacetsView {
            lang: buckets(&f.lang),
            lang_other: f.lang_other,
            outlet: buckets(&f.outlet),
            outlet_other: f.outlet_other,
            no_outlet: f.no_outlet,
            month: buckets(&f.month),
            undated: f.undated,
            dates_guessed: f.dates_guessed,
            counted: f.counted.as_str().to_string(),
        }
    }
}

impl From<&SearchResults> for SearchResponse {
    fn from(r: &SearchResults) -> SearchResponse {
        SearchResponse {
            total: r.total,
            total_as_typed: r.total_as_typed,
            stories: r.stories.unwrap_or(r.total),
            collapsed: r.collapsed,
            sort: r.sort.as_str().to_string(),
            undated_last: r.undated,
            snapshot: r.snapshot.unwrap_or(0),
            shards: r.shards.as_ref().map(|s| ShardsView {
                total: s.total,
                answered: s.answered,
                missing: s
                    .missing
                    .iter()
                    .map(|(shard, reason)| MissingShard { shard: *shard, reason: reason.clone() })
                    .collect(),
            }),
            hits: r
                .hits
                .iter()
                .map(|h| HitView {
                    id: h.id.to_string(),
                    title: h.title.clone(),
                    url: h.url.clone(),
                    outlet: h.outlet.clone(),
                    published: h.published.clone(),
                    lang: h.lang.clone(),
                    score: h.score,
                    snippet: h.snippet.to_html(),
                    source: h.source.clone(),
                    matched: h.matched.clone(),
                    story: h.story.to_string(),
                    more: h.also_total,
                    also: h
                        .also
                        .iter()
                        .map(|a| AlsoView {
                            id: a.id.to_string(),
                            title: a.title.clone(),
                            outlet: a.outlet.clone(),
                            published: a.published.clone(),
                            url: a.url.clone(),
                        })
                        .collect(),
                })
                .collect(),
            facets: r.facets.as_ref().map(FacetsView::from),
            expansions: expansion_views(&r.expansions),
        }
    }
}

/// What each expanded word also searched, as the wire gives it.
pub fn expansion_views(expansions: &[newsdex_engine::Expansion]) -> Vec<ExpansionView> {
    expansions
        .iter()
        .map(|e| ExpansionView {
            term: e.term.clone(),
            name: e.name,
            variants: e.variants.clone(),
            left_out: e.left_out,
            key: e.key.clone(),
            forms: e.forms.iter().map(|f| FormsView { lang: f.lang.clone(), words: f.words.clone() }).collect(),
            added: e.added,
        })
        .collect()
}

/// One period of one series of a comparison.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointView {
    /// The period: `YYYY-MM-DD` (a day, or the Monday of a week) or `YYYY-MM`; `null` for
    /// the undated.
    pub period: Option<String>,
    /// Matching articles.
    pub articles: u64,
    /// Distinct stories among them (copies of one article once).
    pub stories: u64,
    /// Distinct outlets among them (articles without an outlet count as one).
    pub outlets: u64,
    /// Every article of the archive in the period under the series' filters: the
    /// denominator of `share`.
    pub all_articles: u64,
    /// `articles ÷ all_articles` (the share of coverage); `null` when the period has no
    /// article at all.
    pub share: Option<f64>,
}

/// One series of a comparison: a query, or one outlet or language of a split.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesView {
    /// Its name on the chart: the query, or the outlet or language of a split.
    pub name: String,
    pub query: String,
    /// The outlet or language a split kept; `null` for a plain query.
    pub filter: Option<String>,
    /// Every matching article, dated or not.
    pub total: u64,
    /// Distinct stories among them.
    pub total_stories: u64,
    /// Matches with every word as typed, when expansion searched anything else.
    pub total_as_typed: Option<usize>,
    /// How the query's words were expanded; empty when nothing was.
    pub expansions: Vec<ExpansionView>,
    /// One per period of `periods`, in that order.
    pub points: Vec<PointView>,
    /// The matches without a publication date (counted here, never dropped).
    pub undated: PointView,
}

/// A key word or phrase of a query's matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeywordView {
    pub term: String,
    /// Uses in the matches.
    pub target: u64,
    /// Uses in the rest of the archive (same language).
    pub reference: u64,
    /// Log-likelihood G² (10.83 is p < 0.001).
    pub g2: f64,
    /// log2 of how many times more frequent in the matches than in the rest.
    pub log_ratio: f64,
}

/// Key terms of a query's matches in one language.
#[derive(Debug, Serialize, ToSchema)]
pub struct LangKeywordsView {
    #[schema(example = "en")]
    pub lang: String,
    /// Matching documents in the language, and the others of the archive in it.
    pub target_docs: u64,
    pub reference_docs: u64,
    /// Words counted (stop words left out) in each.
    pub target_words: u64,
    pub reference_words: u64,
    pub words: Vec<KeywordView>,
    /// Two adjacent words.
    pub phrases: Vec<KeywordView>,
    /// Whether the language's stop words were left out (there is a list for it).
    pub stop_words: bool,
    /// Whether terms went uncounted at the vocabulary limit.
    pub truncated: bool,
}

/// The key terms of one query.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeywordsView {
    pub query: String,
    /// Matching documents.
    pub total: usize,
    pub langs: Vec<LangKeywordsView>,
}

/// `GET /api/compare` (and `newsdex compare --format json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CompareResponse {
    /// The snapshot every count was answered from.
    pub snapshot: u64,
    /// `day`, `week` (named by its Monday) or `month`.
    #[schema(example = "month")]
    pub by: String,
    /// The periods, in time order: every period any series or denominator has, the
    /// empty ones between them included.
    pub periods: Vec<String>,
    pub series: Vec<SeriesView>,
    /// Key words and phrases per query (`keywords=true`), by log-likelihood G² against
    /// the rest of the archive in the same language; `null` when not asked for.
    pub keywords: Option<Vec<KeywordsView>>,
    /// How keyness was measured, in words.
    #[schema(
        example = "log-likelihood G² against the rest of the archive in the same language, with log ratio as effect size"
    )]
    pub keyness: String,
}

fn point(p: &newsdex_compare::Point) -> PointView {
    PointView {
        period: p.period.clone(),
        articles: p.articles,
        stories: p.stories,
        outlets: p.outlets,
        all_articles: p.all_articles,
        share: p.share,
    }
}

/// How keyness is measured, as the wire says it.
pub const KEYNESS: &str = "log-likelihood G2 of each word and pair of adjacent words in the matches against the rest of the archive in the same language (stop words left out); ranked by G2, kept when used more in the matches, at least min_freq times, with G2 >= 10.83 (p < 0.001); log_ratio = log2 of how many times more frequent in the matches";

fn keyword(k: &newsdex_compare::Keyword) -> KeywordView {
    KeywordView { term: k.term.clone(), target: k.target, reference: k.reference, g2: k.g2, log_ratio: k.log_ratio }
}

impl CompareResponse {
    pub fn new(c: &newsdex_engine::Comparison, keywords: Option<&[newsdex_engine::Keywords]>) -> CompareResponse {
        CompareResponse {
            snapshot: c.snapshot,
            by: c.table.period.clone(),
            periods: c.table.periods.clone(),
            series: c
                .table
                .series
                .iter()
                .zip(&c.notes)
                .map(|(s, n)| SeriesView {
                    name: s.name.clone(),
                    query: s.query.clone(),
                    filter: s.filter.clone(),
                    total: s.total,
                    total_stories: s.total_stories,
                    total_as_typed: n.total_as_typed,
                    expansions: expansion_views(&n.expansions),
                    points: s.points.iter().map(point).collect(),
                    undated: point(&s.undated),
                })
                .collect(),
            keywords: keywords.map(|ks| {
                ks.iter()
                    .map(|k| KeywordsView {
                        query: k.query.clone(),
                        total: k.total,
                        langs: k
                            .langs
                            .iter()
                            .map(|l| LangKeywordsView {
                                lang: l.lang.clone(),
                                target_docs: l.target_docs,
                                reference_docs: l.reference_docs,
                                target_words: l.target_words,
                                reference_words: l.reference_words,
                                words: l.words.iter().map(keyword).collect(),
                                phrases: l.phrases.iter().map(keyword).collect(),
                                stop_words: l.stop_words,
                                truncated: l.truncated,
                            })
                            .collect(),
                    })
                    .collect()
            }),
            keyness: KEYNESS.to_string(),
        }
    }
}

/// A run of words of an edited paragraph: in both copies (`same`), only the first
/// (`cut`) or only this one (`added`).
#[derive(Debug, Serialize, ToSchema)]
pub struct WordRunView {
    /// `same`, `cut` or `added`.
    pub change: String,
    pub text: String,
}

/// How one copy differs from the story's first copy, paragraph by paragraph.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffView {
    /// Paragraphs in both.
    pub same: usize,
    /// Paragraphs this copy has and the canonical one lacks (a republisher's additions).
    pub added: Vec<String>,
    /// Paragraphs of the canonical copy this one lacks.
    pub cut: Vec<String>,
    /// Paragraphs changed, as pairs `[first copy, this copy]`.
    pub edited: Vec<[String; 2]>,
    /// Each of `edited` word by word, in the same order: runs of words kept, cut and
    /// added (the `same` and `cut` runs make the first copy's paragraph, the `same` and
    /// `added` runs this copy's).
    pub edited_words: Vec<Vec<WordRunView>>,
    /// Whether the paragraphs both have come in another order.
    pub reordered: bool,
}

/// One copy in a story.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryMemberView {
    pub id: String,
    pub title: String,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    pub source: String,
    /// Length of the body in words; a Chinese, Japanese or Thai character counts as one.
    pub words: usize,
    /// Whether this is the canonical copy: the earliest published (ties: first
    /// ingested), decided by a publication date. False for a first copy without a date
    /// (see `first_seen`).
    pub canonical: bool,
    /// Whether this is the first copy without a date deciding it: the first ingested,
    /// the one the others are compared with, not known to be the original.
    pub first_seen: bool,
    /// How it differs from the first copy; `null` for the first copy.
    pub diff: Option<DiffView>,
}

/// An outlet of a story and how many of its copies it ran.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryOutletView {
    pub outlet: String,
    pub articles: u64,
}

/// `GET /api/stories/{id}` (and `newsdex story ID --json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryResponse {
    /// The story id: its first copy's document id (the canonical copy if dated).
    pub id: String,
    /// Copies, the first one included.
    pub size: usize,
    pub outlets: Vec<StoryOutletView>,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    /// The first copy (canonical or first seen), then the others by publication time (at
    /// most 500).
    pub members: Vec<StoryMemberView>,
}

impl From<&StoryView> for StoryResponse {
    fn from(s: &StoryView) -> StoryResponse {
        StoryResponse {
            id: s.id.to_string(),
            size: s.size,
            outlets: s.outlets.iter().map(|(o, n)| StoryOutletView { outlet: o.clone(), articles: *n }).collect(),
            first_published: s.first_published.clone(),
            last_published: s.last_published.clone(),
            members: s
                .members
                .iter()
                .map(|m| StoryMemberView {
                    id: m.id.to_string(),
                    title: m.title.clone(),
                    outlet: m.outlet.clone(),
                    url: m.url.clone(),
                    published: m.published.clone(),
                    lang: m.lang.clone(),
                    source: m.source.clone(),
                    words: m.words,
                    canonical: m.diff.is_none() && s.canonical,
                    first_seen: m.diff.is_none() && !s.canonical,
                    diff: m.diff.as_ref().map(|d| DiffView {
                        same: d.same,
                        added: d.added.clone(),
                        cut: d.cut.clone(),
                        edited: d.edited.iter().map(|(a, b)| [a.clone(), b.clone()]).collect(),
                        edited_words: d
                            .edited_words
                            .iter()
                            .map(|runs| {
                                runs.iter()
                                    .map(|r| WordRunView { change: change_name(r.change).into(), text: r.text.clone() })
                                    .collect()
                            })
                            .collect(),
                        reordered: d.reordered,
                    }),
                })
                .collect(),
        }
    }
}

/// A repair, guess or doubt recorded on a document.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub code: String,
    pub message: String,
    pub count: u64,
}

/// Where a document came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvenanceView {
    /// Input path, or `api/…` / `demo/…` for bytes that did not come from a file.
    pub source: String,
    /// BLAKE3 of the input's bytes as kept in the raw store.
    pub raw: String,
    /// JSON Lines line number, when the document is one line of a file.
    pub line: Option<u64>,
    /// Byte range of the record in the decompressed input.
    pub start: u64,
    pub end: u64,
    pub ingested_at: String,
}

/// `GET /api/articles/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleView {
    pub id: String,
    pub title: String,
    /// Clean text; paragraphs separated by a blank line.
    pub body: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    pub authors: Vec<String>,
    /// `text`, `html` or `jsonl`.
    pub format: String,
    /// Fields of the input newsdex does not interpret, as given.
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub warnings: Vec<WarningView>,
    /// Lines removed from the body as boilerplate (navigation, share prompts, sign-offs);
    /// not indexed, kept here.
    pub removed_lines: Vec<String>,
    pub provenance: ProvenanceView,
    /// Where the original bytes can be downloaded.
    #[schema(example = "/api/raw/2828a9e1eb96ab63")]
    pub raw_url: String,
}

impl From<&DocRow> for ArticleView {
    fn from(row: &DocRow) -> ArticleView {
        let a = &row.article;
        let p = &row.provenance;
        ArticleView {
            id: a.id.to_string(),
            title: a.title.clone(),
            body: a.body.clone(),
            url: a.url.clone(),
            outlet: a.outlet.clone(),
            published: a.published.map(|d| d.display()),
            lang: a.lang.clone(),
            authors: a.authors.clone(),
            format: a.format.as_str().to_string(),
            extra: a.extra.clone(),
            warnings: a
                .warnings
                .iter()
                .map(|w| WarningView { code: w.code.clone(), message: w.message.clone(), count: w.count })
                .collect(),
            removed_lines: a.removed.clone(),
            provenance: ProvenanceView {
                source: p.source.clone(),
                raw: p.raw.to_string(),
                line: p.line,
                start: p.start,
                end: p.end,
                ingested_at: p.ingested_at.clone(),
            },
            raw_url: format!("/api/raw/{}", a.id),
        }
    }
}

/// A rejected record of an ingest.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectView {
    pub source: String,
    pub line: Option<u64>,
    pub code: String,
    pub reason: String,
}

/// `POST /api/ingest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResponse {
    /// Records considered: new + duplicates + rejected.
    pub ingested: u64,
    pub new: u64,
    pub duplicates: u64,
    /// The rejected records (the first 1,000; `rejected_count` counts them all).
    pub rejected: Vec<RejectView>,
    pub rejected_count: u64,
    /// Ids of the documents added.
    pub ids: Vec<String>,
    /// What the watches found in them (absent when there are no watches or nothing new).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watches: Option<crate::watches::WatchRun>,
}

impl From<&IngestReport> for IngestResponse {
    fn from(r: &IngestReport) -> IngestResponse {
        IngestResponse {
            ingested: r.total(),
            new: r.new,
            duplicates: r.duplicates,
            rejected: r
                .rejected
                .iter()
                .map(|x| RejectView {
                    source: x.source.clone(),
                    line: x.line,
                    code: x.code.clone(),
                    reason: x.reason.clone(),
                })
                .collect(),
            rejected_count: r.rejected_count,
            ids: r.added.iter().map(|i| i.to_string()).collect(),
            watches: None,
        }
    }
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    pub documents: u64,
}

/// The wire name of a word run's change.
pub fn change_name(c: newsdex_engine::Change) -> &'static str {
    match c {
        newsdex_engine::Change::Same => "same",
        newsdex_engine::Change::Cut => "cut",
        newsdex_engine::Change::Added => "added",
    }
}

/// A source the collector follows and how it is doing: the fields of `newsdex sources
/// list --json`. Times are Unix seconds (UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceView {
    /// The source's number (`DELETE /api/sources/{id}`, `newsdex sources remove ID`).
    #[schema(example = 1)]
    pub id: i64,
    /// The feed's address.
    #[schema(example = "https://example.org/feed.xml")]
    pub url: String,
    /// Outlet name for its articles when the page names none.
    pub outlet: Option<String>,
    /// Language for its articles when the page names none.
    pub lang: Option<String>,
    /// Title (from an OPML import).
    pub title: Option<String>,
    /// Category (from an OPML import).
    pub category: Option<String>,
    /// Interval the user set, in seconds, overriding the adaptive one.
    pub every_secs: Option<i64>,
    /// Not polled until resumed.
    pub paused: bool,
    pub added_at: i64,
    /// Last poll (successful or not).
    pub last_fetch: Option<i64>,
    /// HTTP status of the last poll (`null`: none yet, or no answer).
    pub last_status: Option<i64>,
    /// Last successful poll.
    pub last_ok: Option<i64>,
    pub last_unconditional: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Items seen in the feed so far.
    pub items_seen: i64,
    /// New items at the last successful poll.
    pub new_items: i64,
    /// Items seen again with new text (re-published versions, kept as new documents
    /// linked to the first in the collector's state).
    pub versions: i64,
    /// When the next poll is due.
    pub next_fetch: i64,
    /// The adaptive interval, in seconds.
    pub interval_secs: Option<i64>,
    /// Failed polls in a row.
    pub error_streak: i64,
    /// Why the last poll failed (kept until a poll succeeds).
    pub error: Option<String>,
    /// The address before a permanent redirect moved it.
    pub moved_from: Option<String>,
}

impl From<&newsdex_collect::Source> for SourceView {
    fn from(s: &newsdex_collect::Source) -> SourceView {
        SourceView {
            id: s.id,
            url: s.url.clone(),
            outlet: s.outlet.clone(),
            lang: s.lang.clone(),
            title: s.title.clone(),
            category: s.category.clone(),
            every_secs: s.every_secs,
            paused: s.paused,
            added_at: s.added_at,
            last_fetch: s.last_fetch,
            last_status: s.last_status,
            last_ok: s.last_ok,
            last_unconditional: s.last_unconditional,
            etag: s.etag.clone(),
            last_modified: s.last_modified.clone(),
            items_seen: s.items_seen,
            new_items: s.new_items,
            versions: s.versions,
            next_fetch: s.next_fetch,
            interval_secs: s.interval_secs,
            error_streak: s.error_streak,
            error: s.error.clone(),
            moved_from: s.moved_from.clone(),
        }
    }
}

/// `POST /api/sources`: a feed to follow.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSource {
    /// The feed's address: http or https.
    #[schema(example = "https://example.org/feed.xml")]
    pub url: String,
    /// Outlet name for its articles when the page names none.
    pub outlet: Option<String>,
    /// Poll this often (`15m`, `2h`, `1d`, or seconds) instead of from its publishing rate.
    #[schema(example = "2h")]
    pub every: Option<String>,
    /// Language (ISO 639 code) for its articles when the page names none.
    #[schema(example = "en")]
    pub lang: Option<String>,
}
