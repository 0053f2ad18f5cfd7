//! How precise and complete newsdex's query expansion is (issue #15), measured over an
//! archive of real news with a judge that shares nothing with the mechanism
//! ([`crate::judge`]) and gold data of its own ([`crate::gold`]).
//!
//! For every query word *q* of the gold files:
//!
//! * *q* is searched as typed (`expand: false`) and expanded (`expand: true`), every
//!   article (`collapse: false`), every hit (the limit is the archive's size), as a
//!   one-word phrase (`"q"`), so that nothing in it is read as an operator;
//! * **expansion-only hits** are the expanded hits the exact search did not return; one
//!   is right when its title or text contains an accepted form of *q* (a gold spelling or
//!   inflection) as a whole word; **precision** is the share that are right (all of them
//!   are judged, none sampled), overall, for names, for words and per language;
//! * **recall**: for each gold spelling *v* of *q* other than *q* itself, the documents an
//!   exact search for *v* returns and the judge confirms contain *v*; the share of them
//!   the expanded search for *q* returns. Micro (all documents of all spellings pooled)
//!   and macro (the mean over queries of each query's pooled share);
//! * **count ratio**: expanded ÷ exact matches per query: median, 90th percentile, max,
//!   and the queries expansion took from nothing to something; the worst listed with
//!   their counts and the spellings the engine says its wrong hits matched
//!   (`Hit::matched`; empty means a stem or sound key the hit does not spell out).
//!
//! The archive ([`Archive`]) is built through the real engine (`Engine::open_write` +
//! `ingest`) from `../shared/data`: Reuters-21578 (converted from its SGML, as
//! `bench/run` does), AG News (test split), the pages of the five extraction sets and the
//! Wikinews demo corpus; `inputs.json` beside it records what went in.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use anyhow::{Context, Result};
use newsdex_core::DocId;
use newsdex_engine::{Engine, IngestOptions, SearchOptions, SearchResults};
use serde::Serialize;

use crate::gold::{Gold, Kind, Resolved};
use crate::judge::{Spelling, Text};

/// The archive's inputs under `../shared/data`, in ingest order.
pub const EXTRACTION_SETS: &[&str] = &[
    "extraction-scrapinghub",
    "extraction-readability",
    "extraction-trafilatura",
    "extraction-newspaper4k",
    "extraction-goose3",
];
pub const DEMO_FILES: &[&str] = &["wikinews-en.jsonl", "wikinews-zh.jsonl", "wikinews-ja.jsonl"];

/// One input of the archive, as recorded in `inputs.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Input {
    pub name: String,
    /// Where it was read from (a folder of `../shared/data`).
    pub path: String,
    pub files: u64,
    pub new: u64,
    pub rejected: u64,
}

/// What `inputs.json` holds.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ArchiveInfo {
    pub newsdex: String,
    pub inputs: Vec<Input>,
    /// Inputs looked for and not found.
    pub absent: Vec<String>,
    pub documents: u64,
    pub build_seconds: f64,
}

/// The evaluation archive, opened for reading.
#[derive(Debug)]
pub struct Archive {
    pub engine: Engine,
    pub info: ArchiveInfo,
    /// Whether this run built it (false: reused).
    pub built: bool,
}

/// The data directory inside an archive directory.
pub fn data_dir(dir: &Path) -> PathBuf {
    dir.join("newsdex-data")
}

impl Archive {
    /// Reuse the archive in `dir` (one with `inputs.json`), or build it there from
    /// `shared` (`../shared/data`). An interrupted build is completed: ingesting the same
    /// bytes again adds nothing.
    pub fn open_or_build(dir: &Path, shared: &Path) -> Result<Archive> {
        let record = dir.join("inputs.json");
        if let Ok(text) = std::fs::read_to_string(&record) {
            let info: ArchiveInfo = serde_json::from_str(&text).with_context(|| format!("{}", record.display()))?;
            let engine = Engine::open_read(&data_dir(dir))?;
            return Ok(Archive { engine, info, built: false });
        }
        std::fs::create_dir_all(dir)?;
        let info = build(&data_dir(dir), shared)?;
        std::fs::write(&record, serde_json::to_string_pretty(&info)? + "\n")?;
        let engine = Engine::open_read(&data_dir(dir))?;
        Ok(Archive { engine, info, built: true })
    }
}

/// Ingest every input found under `shared` into the data directory `data`.
pub fn build(data: &Path, shared: &Path) -> Result<ArchiveInfo> {
    let started = Instant::now();
    let mut engine = Engine::open_write(data)?;
    let mut inputs = Vec::new();
    let mut absent = Vec::new();
    let opts = IngestOptions::default();
    let mut record = |name: &str, path: &Path, r: newsdex_engine::IngestReport| {
        inputs.push(Input {
            name: name.to_string(),
            path: path.display().to_string(),
            files: r.files,
            new: r.new,
            rejected: r.rejected_count,
        })
    };
    let reuters = shared.join("news-reuters21578/original");
    if reuters.is_dir() {
        let bytes = newsdex_testkit::reuters::jsonl(&reuters)?;
        let o = IngestOptions { outlet: Some("Reuters".into()), ..IngestOptions::default() };
        let r = engine.ingest_bytes(
            "reuters21578.jsonl (from news-reuters21578/original SGML)",
            &bytes,
            &o,
            &mut |_| {},
        )?;
        record("Reuters-21578", &reuters, r);
    } else {
        absent.push(reuters.display().to_string());
    }
    let ag = shared.join("news-agnews-test/agnews-test.jsonl");
    if ag.is_file() {
        let r = engine.ingest(std::slice::from_ref(&ag), &opts, &mut |_| {})?;
        record("AG News (test)", &ag, r);
    } else {
        absent.push(ag.display().to_string());
    }
    for set in EXTRACTION_SETS {
        let dir = shared.join(set);
        if !dir.is_dir() {
            absent.push(dir.display().to_string());
            continue;
        }
        let d = crate::datasets::Dataset::load(&dir)?;
        let paths: Vec<PathBuf> = d.cases.iter().map(|c| c.html.clone()).filter(|p| p.is_file()).collect();
        let r = engine.ingest(&paths, &opts, &mut |_| {})?;
        record(set, &dir, r);
    }
    for f in DEMO_FILES {
        let p = shared.join("demo-news").join(f);
        if p.is_file() {
            let r = engine.ingest(std::slice::from_ref(&p), &opts, &mut |_| {})?;
            record(&format!("demo {f}"), &p, r);
        } else {
            absent.push(p.display().to_string());
        }
    }
    anyhow::ensure!(!inputs.is_empty(), "no input of the evaluation archive under {}", shared.display());
    let documents = engine.num_docs();
    Ok(ArchiveInfo {
        newsdex: env!("CARGO_PKG_VERSION").to_string(),
        inputs,
        absent,
        documents,
        build_seconds: started.elapsed().as_secs_f64(),
    })
}

/// A word typed as a one-word phrase, so that nothing in it is read as query syntax.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Search options for "every article, every hit".
pub fn all_hits(engine: &Engine, expand: bool, matched: bool) -> SearchOptions {
    SearchOptions {
        limit: usize::try_from(engine.num_docs()).unwrap_or(usize::MAX).max(1),
        expand,
        matched,
        collapse: false,
        snippet_chars: 0,
        timeout: None,
        ..SearchOptions::default()
    }
}

/// Every hit of `query`: counted first, then fetched with a limit of that count (a
/// limit of the archive's size makes every search reserve room for all of it).
pub fn search_all(engine: &Engine, query: &str, expand: bool, matched: bool) -> newsdex_engine::Result<SearchResults> {
    let mut opts = all_hits(engine, expand, false);
    opts.limit = 1;
    let first = engine.search(query, &opts)?;
    if first.total <= first.hits.len() && !matched {
        return Ok(first);
    }
    opts.limit = first.total.max(1);
    opts.matched = matched;
    engine.search(query, &opts)
}

/// Judges documents and remembers what it read.
#[derive(Debug)]
pub struct Judge<'e> {
    engine: &'e Engine,
    texts: HashMap<u64, Rc<Text>>,
    /// Exact search for a spelling → the documents the judge confirms contain it.
    spelled: HashMap<String, Rc<Vec<u64>>>,
}

/// Texts kept at once before the cache is emptied (memory, not speed).
const TEXTS_KEPT: usize = 20_000;

impl<'e> Judge<'e> {
    pub fn new(engine: &'e Engine) -> Judge<'e> {
        Judge { engine, texts: HashMap::new(), spelled: HashMap::new() }
    }

    /// A document's title and text, prepared.
    pub fn text(&mut self, id: u64) -> Result<Rc<Text>> {
        if let Some(t) = self.texts.get(&id) {
            return Ok(t.clone());
        }
        if self.texts.len() >= TEXTS_KEPT {
            self.texts.clear();
        }
        let row = self.engine.document(DocId::from_u64(id))?.with_context(|| format!("document {id:016x} is gone"))?;
        let t = Rc::new(Text::new(&format!("{}\n{}", row.article.title, row.article.body)));
        self.texts.insert(id, t.clone());
        Ok(t)
    }

    /// Documents an exact search for `spelling` returns that contain it (judged).
    pub fn documents_with(&mut self, spelling: &str) -> Result<Rc<Vec<u64>>> {
        let Some(sp) = Spelling::new(spelling) else { return Ok(Rc::default()) };
        let key = sp.key();
        if let Some(d) = self.spelled.get(&key) {
            return Ok(d.clone());
        }
        let found = match search_all(self.engine, &quoted(spelling), false, false) {
            Ok(r) => r.hits.iter().map(|h| h.id.as_u64()).collect(),
            // A spelling the engine refuses (nothing to search in it) has no documents.
            Err(newsdex_engine::EngineError::Query(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let mut kept = Vec::new();
        for id in found {
            if self.text(id)?.contains(&sp) {
                kept.push(id);
            }
        }
        let kept = Rc::new(kept);
        self.spelled.insert(key, kept.clone());
        Ok(kept)
    }
}

/// Recall of one gold spelling.
#[derive(Debug, Clone, Serialize)]
pub struct SpellingRecall {
    pub spelling: String,
    /// Documents with it (exact search, confirmed by the judge).
    pub documents: usize,
    /// Of those, returned by the expanded search.
    pub found: usize,
}

/// One wrong expansion-only hit.
#[derive(Debug, Clone, Serialize)]
pub struct WrongHit {
    pub id: String,
    pub title: String,
    /// Spellings the engine reports this hit matched (`Hit::matched`).
    pub matched: Vec<String>,
}

/// Everything measured for one query.
#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    pub query: String,
    pub lang: Option<String>,
    pub kind: Kind,
    pub set: Option<String>,
    pub groups: Vec<String>,
    pub exact: usize,
    pub expanded: usize,
    /// Exact hits the expanded search did not return (should be 0).
    pub exact_missing: usize,
    pub expansion_only: usize,
    pub correct: usize,
    /// expanded ÷ exact (`None` when exact is 0).
    pub ratio: Option<f64>,
    /// What the engine says it expanded the word to.
    pub expansions: Vec<String>,
    /// Among wrong hits: each spelling the engine reports they matched, with how many
    /// (`(stem or sound key)` for hits it names none for); most first.
    pub wrong_from: Vec<(String, usize)>,
    /// Some wrong hits (the first few in the engine's order).
    pub wrong_examples: Vec<WrongHit>,
    pub recall: Vec<SpellingRecall>,
    /// Accepted forms (spellings and inflections) the judge looked for.
    pub accepted_forms: usize,
    /// Why the query could not be run, if so.
    pub error: Option<String>,
}

/// A share with its counts.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Share {
    pub hits: usize,
    pub of: usize,
    /// `hits / of` (`None` for 0 of 0).
    pub value: Option<f64>,
}

impl Share {
    fn add(&mut self, hits: usize, of: usize) {
        self.hits += hits;
        self.of += of;
        self.value = (self.of > 0).then(|| self.hits as f64 / self.of as f64);
    }
}

/// Recall, pooled and per query.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Recall {
    pub micro: Share,
    /// Mean over queries (with at least one document of a gold spelling) of their share.
    pub macro_: Option<f64>,
    pub queries: usize,
}

/// Counts ratios over queries with exact matches.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ratios {
    pub queries: usize,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<f64>,
    /// Queries with no exact match that expansion gave matches.
    pub from_nothing: usize,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub engine: String,
    pub archive: ArchiveInfo,
    pub archive_reused: bool,
    pub gold_files: Vec<(String, usize, usize)>,
    pub tables: Vec<(String, usize)>,
    pub queries: usize,
    pub queries_by_lang: BTreeMap<String, (usize, usize)>,
    pub precision: Share,
    pub precision_names: Share,
    pub precision_words: Share,
    pub precision_by_lang: BTreeMap<String, Share>,
    /// Expansion-only hits judged (all of them: nothing is sampled).
    pub sampled: bool,
    pub recall: Recall,
    pub recall_names: Recall,
    pub recall_words: Recall,
    pub ratios: Ratios,
    /// The worst queries by ratio (no exact match first, by expanded count).
    pub worst: Vec<QueryReport>,
    pub per_query: Vec<QueryReport>,
    pub seconds: f64,
}

fn describe(r: &SearchResults) -> Vec<String> {
    let mut out = Vec::new();
    for e in &r.expansions {
        for v in &e.variants {
            out.push(format!("variant {v}"));
        }
        for f in &e.forms {
            out.push(format!("{} forms {}", f.lang, f.words.join(" ")));
        }
        if let Some(k) = &e.key {
            out.push(format!("transliteration {k}"));
        }
    }
    out
}

/// Wrong hits listed per query.
const WRONG_EXAMPLES: usize = 5;

/// Measure one query.
pub fn run_query(engine: &Engine, judge: &mut Judge<'_>, r: &Resolved) -> Result<QueryReport> {
    let q = &r.query;
    let mut rep = QueryReport {
        query: q.query.clone(),
        lang: q.lang.clone(),
        kind: q.kind,
        set: q.set.clone(),
        groups: q.groups.clone(),
        exact: 0,
        expanded: 0,
        exact_missing: 0,
        expansion_only: 0,
        correct: 0,
        ratio: None,
        expansions: Vec::new(),
        wrong_from: Vec::new(),
        wrong_examples: Vec::new(),
        recall: Vec::new(),
        accepted_forms: r.accept.len(),
        error: None,
    };
    let typed = quoted(&q.query);
    let exact = match search_all(engine, &typed, false, false) {
        Ok(x) => x,
        Err(newsdex_engine::EngineError::Query(m)) => {
            rep.error = Some(m);
            return Ok(rep);
        }
        Err(e) => return Err(e.into()),
    };
    let expanded = match search_all(engine, &typed, true, true) {
        Ok(x) => x,
        Err(newsdex_engine::EngineError::Query(m)) => {
            rep.error = Some(m);
            return Ok(rep);
        }
        Err(e) => return Err(e.into()),
    };
    let exact_ids: HashSet<u64> = exact.hits.iter().map(|h| h.id.as_u64()).collect();
    let expanded_ids: HashSet<u64> = expanded.hits.iter().map(|h| h.id.as_u64()).collect();
    rep.exact = exact_ids.len();
    rep.expanded = expanded_ids.len();
    rep.exact_missing = exact_ids.difference(&expanded_ids).count();
    rep.ratio = (rep.exact > 0).then(|| rep.expanded as f64 / rep.exact as f64);
    rep.expansions = describe(&expanded);
    let mut from: HashMap<String, usize> = HashMap::new();
    for h in &expanded.hits {
        let id = h.id.as_u64();
        if exact_ids.contains(&id) {
            continue;
        }
        rep.expansion_only += 1;
        if judge.text(id)?.first_of(&r.accept).is_some() {
            rep.correct += 1;
            continue;
        }
        if h.matched.is_empty() {
            *from.entry("(stem or sound key)".into()).or_default() += 1;
        }
        for m in &h.matched {
            *from.entry(m.clone()).or_default() += 1;
        }
        if rep.wrong_examples.len() < WRONG_EXAMPLES {
            rep.wrong_examples.push(WrongHit {
                id: h.id.to_string(),
                title: h.title.chars().take(100).collect(),
                matched: h.matched.clone(),
            });
        }
    }
    let mut from: Vec<(String, usize)> = from.into_iter().collect();
    from.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rep.wrong_from = from;
    let own = Spelling::new(&q.query);
    for v in &r.spellings {
        if Spelling::new(v) == own {
            continue;
        }
        let docs = judge.documents_with(v)?;
        if docs.is_empty() {
            continue;
        }
        let found = docs.iter().filter(|d| expanded_ids.contains(d)).count();
        rep.recall.push(SpellingRecall { spelling: v.clone(), documents: docs.len(), found });
    }
    Ok(rep)
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank.
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn recall_of<'a>(reports: impl Iterator<Item = &'a QueryReport>) -> Recall {
    let mut out = Recall::default();
    let mut shares = Vec::new();
    for r in reports {
        let (found, docs) = r.recall.iter().fold((0, 0), |(f, d), s| (f + s.found, d + s.documents));
        if docs > 0 {
            out.micro.add(found, docs);
            shares.push(found as f64 / docs as f64);
        }
    }
    out.queries = shares.len();
    out.macro_ = (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64);
    out
}

/// The aggregates of [`Report`].
#[derive(Debug, Clone)]
pub struct Summary {
    pub precision: Share,
    pub precision_names: Share,
    pub precision_words: Share,
    pub precision_by_lang: BTreeMap<String, Share>,
    pub recall: Recall,
    pub recall_names: Recall,
    pub recall_words: Recall,
    pub ratios: Ratios,
    pub worst: Vec<QueryReport>,
}

/// Aggregate per-query reports.
pub fn summarize(per_query: &[QueryReport], worst: usize) -> Summary {
    let (mut all, mut names, mut words) = (Share::default(), Share::default(), Share::default());
    let mut by_lang: BTreeMap<String, Share> = BTreeMap::new();
    for r in per_query {
        all.add(r.correct, r.expansion_only);
        match r.kind {
            Kind::Name => names.add(r.correct, r.expansion_only),
            Kind::Word => words.add(r.correct, r.expansion_only),
        }
        by_lang.entry(r.lang.clone().unwrap_or_else(|| "?".into())).or_default().add(r.correct, r.expansion_only);
    }
    let recall = recall_of(per_query.iter());
    let recall_names = recall_of(per_query.iter().filter(|r| r.kind == Kind::Name));
    let recall_words = recall_of(per_query.iter().filter(|r| r.kind == Kind::Word));
    let mut ratios: Vec<f64> = per_query.iter().filter_map(|r| r.ratio).collect();
    ratios.sort_by(f64::total_cmp);
    let r = Ratios {
        queries: ratios.len(),
        median: percentile(&ratios, 0.5),
        p90: percentile(&ratios, 0.9),
        max: ratios.last().copied(),
        from_nothing: per_query.iter().filter(|r| r.exact == 0 && r.expanded > 0).count(),
    };
    let mut order: Vec<&QueryReport> = per_query.iter().filter(|r| r.expanded > r.exact).collect();
    order.sort_by(|a, b| {
        let key = |r: &QueryReport| r.ratio.unwrap_or(f64::INFINITY);
        key(b).total_cmp(&key(a)).then_with(|| b.expanded.cmp(&a.expanded)).then_with(|| a.query.cmp(&b.query))
    });
    let worst = order.into_iter().take(worst).cloned().collect();
    Summary {
        precision: all,
        precision_names: names,
        precision_words: words,
        precision_by_lang: by_lang,
        recall,
        recall_names,
        recall_words,
        ratios: r,
        worst,
    }
}

/// Run every query of `gold` over `archive`.
pub fn evaluate(
    archive: &Archive,
    gold: &Gold,
    worst: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report> {
    let started = Instant::now();
    let engine = &archive.engine;
    let mut judge = Judge::new(engine);
    let mut per_query = Vec::new();
    let mut queries_by_lang: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, q) in gold.queries.iter().enumerate() {
        progress(i, gold.queries.len());
        let r = gold.resolve(q)?;
        let e = queries_by_lang.entry(q.lang.clone().unwrap_or_else(|| "?".into())).or_default();
        match q.kind {
            Kind::Name => e.0 += 1,
            Kind::Word => e.1 += 1,
        }
        per_query.push(run_query(engine, &mut judge, &r)?);
    }
    let Summary {
        precision,
        precision_names,
        precision_words,
        precision_by_lang,
        recall,
        recall_names,
        recall_words,
        ratios,
        worst,
    } = summarize(&per_query, worst);
    Ok(Report {
        engine: format!("newsdex {}", env!("CARGO_PKG_VERSION")),
        archive: archive.info.clone(),
        archive_reused: !archive.built,
        gold_files: gold.files.clone(),
        tables: gold.tables.files.clone(),
        queries: per_query.len(),
        queries_by_lang,
        precision,
        precision_names,
        precision_words,
        precision_by_lang,
        sampled: false,
        recall,
        recall_names,
        recall_words,
        ratios,
        worst,
        per_query,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn share(s: &Share) -> String {
    match s.value {
        Some(v) => format!("{v:.3} ({}/{})", s.hits, s.of),
        None => "– (0/0)".into(),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.2}"))
}

/// The report as text.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let a = &r.archive;
    s += &format!(
        "{}: query expansion over {} documents ({} archive; {} queries from {} gold file(s))\n",
        r.engine,
        a.documents,
        if r.archive_reused { "reused" } else { "built" },
        r.queries,
        r.gold_files.iter().filter(|f| f.2 > 0).count()
    );
    for i in &a.inputs {
        s += &format!("  input  {:<36} {:>6} new, {:>5} rejected  ({})\n", i.name, i.new, i.rejected, i.path);
    }
    for x in &a.absent {
        s += &format!("  ABSENT {x}\n");
    }
    let langs: Vec<String> = r.queries_by_lang.iter().map(|(l, (n, w))| format!("{l} {n}+{w}")).collect();
    s += &format!("  queries by language (names+words): {}\n", langs.join(", "));
    s += &format!("precision of expansion-only hits (all judged, none sampled): {}\n", share(&r.precision));
    s += &format!("  names {}   words {}\n", share(&r.precision_names), share(&r.precision_words));
    let per: Vec<String> = r.precision_by_lang.iter().map(|(l, x)| format!("{l} {}", share(x))).collect();
    s += &format!("  by language: {}\n", per.join(", "));
    for (what, x) in [("all", &r.recall), ("names", &r.recall_names), ("words", &r.recall_words)] {
        s += &format!(
            "recall of gold spellings ({what}): micro {}  macro {} over {} queries\n",
            share(&x.micro),
            opt(x.macro_),
            x.queries
        );
    }
    let t = &r.ratios;
    s += &format!(
        "count ratio expanded/exact over {} queries with exact matches: median {}  p90 {}  max {}; {} queries matched nothing exactly but something expanded\n",
        t.queries,
        opt(t.median),
        opt(t.p90),
        opt(t.max),
        t.from_nothing
    );
    s += &format!("worst {} by ratio:\n", r.worst.len());
    for q in &r.worst {
        let from: Vec<String> = q.wrong_from.iter().take(6).map(|(m, n)| format!("{m} ×{n}")).collect();
        s += &format!(
            "  {:<24} {:<3} {:<4} exact {:>5}  expanded {:>5}  ratio {:>7}  wrong {}/{}  from: {}\n",
            q.query,
            q.lang.as_deref().unwrap_or("?"),
            match q.kind {
                Kind::Name => "name",
                Kind::Word => "word",
            },
            q.exact,
            q.expanded,
            q.ratio.map_or_else(|| "∞".into(), |v| format!("{v:.1}")),
            q.expansion_only - q.correct,
            q.expansion_only,
            from.join(", ")
        );
    }
    let errors: Vec<&QueryReport> = r.per_query.iter().filter(|q| q.error.is_some()).collect();
    if !errors.is_empty() {
        s += &format!("{} queries refused by the engine:\n", errors.len());
        for q in errors {
            s += &format!("  {}: {}\n", q.query, q.error.as_deref().unwrap_or_default());
        }
    }
    s += &format!("({:.1} s)\n", r.seconds);
    s
}

// ---------------------------------------------------------------------------------------
// Drawing the query lists.

/// Languages the query lists are drawn for.
pub const DRAW_LANGS: &[&str] = &["en", "de", "fr", "es", "it", "pt", "ru", "ar", "zh", "ja"];

/// FNV-1a, 64 bits: which list (dev or test) a group or lemma falls in.
pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64, for seeded shuffles.
#[derive(Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Whether a group or lemma key belongs to the dev list (one in five, by hash).
pub fn is_dev(key: &str) -> bool {
    fnv1a(key).is_multiple_of(5)
}

/// The script a language is written in, as a test on a name.
fn in_script(lang: &str, name: &str) -> bool {
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return false;
    }
    let all = |f: &dyn Fn(char) -> bool| letters.iter().all(|&c| f(c));
    match lang {
        "ru" => all(&|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
        "ar" => all(&|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "zh" => all(&|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)),
        "ja" => {
            all(&|c| crate::judge::is_unspaced(c) && !('\u{AC00}'..='\u{D7AF}').contains(&c))
                && letters.iter().any(|&c| ('\u{3040}'..='\u{30FF}').contains(&c))
        }
        _ => all(&|c| (c as u32) < 0x250 || ('\u{1E00}'..='\u{1EFF}').contains(&c)),
    }
}

/// A locale or language tag's language (`zh_Hant` → `zh`, `zh-Hant` → `zh`).
fn base_lang(tag: &str) -> &str {
    tag.split(['_', '-']).next().unwrap_or(tag)
}

/// Parts of speech of common words drawn; a word that is ever one of `FUNCTION` is not drawn.
const CONTENT_UPOS: &[&str] = &["NOUN", "VERB", "ADJ"];
const FUNCTION_UPOS: &[&str] = &["DET", "PRON", "ADP", "AUX", "CCONJ", "SCONJ", "PART", "INTJ", "NUM", "PROPN"];

/// How many queries to draw.
#[derive(Debug, Clone, Copy)]
pub struct DrawSizes {
    pub test_per_lang: usize,
    pub dev_per_lang: usize,
    pub seed: u64,
    /// Candidate common words kept per language (the most frequent).
    pub word_pool: usize,
}

/// One drawn query line.
#[derive(Debug, Clone, Serialize)]
pub struct Drawn {
    pub query: String,
    pub lang: String,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lemmas: Vec<String>,
    pub set: String,
    /// Documents of the language containing it (when drawn).
    pub df: usize,
}

/// Draw the test and dev query lists (see `data/eval/expansion/PROVENANCE.md` for the
/// rule, which this function is).
pub fn draw(archive: &Archive, gold: &Gold, sizes: DrawSizes) -> Result<(Vec<Drawn>, Vec<Drawn>)> {
    let engine = &archive.engine;
    let mut judge = Judge::new(engine);
    // Every group name, folded, so that common words are not names.
    let name_keys: HashSet<String> = gold
        .groups
        .values()
        .flat_map(|g| g.names.iter())
        .filter_map(|(n, _)| Spelling::new(n).map(|s| s.key()))
        .collect();
    let mut groups: Vec<&crate::gold::Group> =
        gold.groups.values().filter(|g| !g.id.starts_with("cldr:language:")).collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    let mut occurs: HashMap<String, bool> = HashMap::new();
    let mut test = Vec::new();
    let mut dev = Vec::new();
    let mut spare_names: Vec<Drawn> = Vec::new();
    let mut spare_words: Vec<Drawn> = Vec::new();
    for &lang in DRAW_LANGS {
        let lang_docs: Vec<u64> = engine
            .search(&format!("lang:{lang}"), &all_hits(engine, false, false))?
            .hits
            .iter()
            .map(|h| h.id.as_u64())
            .collect();
        // Words of the language's documents: folded key → (document frequency, surface
        // forms lower-cased as written, with counts).
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut surface: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for &id in &lang_docs {
            let row = engine.document(DocId::from_u64(id))?.context("document gone")?;
            let lower = format!("{}\n{}", row.article.title, row.article.body).to_lowercase();
            let mut seen = HashSet::new();
            for w in crate::judge::words(&lower) {
                let k = crate::judge::fold(w);
                *surface.entry(k.clone()).or_default().entry(w.to_string()).or_default() += 1;
                if seen.insert(k.clone()) {
                    *df.entry(k).or_default() += 1;
                }
            }
        }
        let in_lang: HashSet<u64> = lang_docs.iter().copied().collect();
        // Documents of the language containing a spelling: a single word from the
        // counts, anything else from an exact search confirmed by the judge.
        let df_of = |judge: &mut Judge<'_>, s: &Spelling, written: &str| -> Result<usize> {
            Ok(match s {
                Spelling::Words(w) if w.len() == 1 => df.get(&w[0]).copied().unwrap_or(0),
                Spelling::Words(w) if w.iter().any(|x| !df.contains_key(x)) => 0,
                _ => judge.documents_with(written)?.iter().filter(|d| in_lang.contains(d)).count(),
            })
        };
        // Names.
        let mut names: Vec<Drawn> = Vec::new();
        for g in &groups {
            let tagged = g.names.iter().any(|(_, l)| !l.is_empty());
            let mut best: Option<(usize, String)> = None;
            for (n, langs) in &g.names {
                let eligible = if tagged { langs.iter().any(|l| base_lang(l) == lang) } else { in_script(lang, n) };
                let Some(sp) = Spelling::new(n).filter(|_| eligible) else { continue };
                // A name that is also a common word of the language (Russian `Того`,
                // Togo and "of that") is not drawn.
                if gold.tables.lemmas_of(lang, n).iter().any(|(_, u)| u != "PROPN") {
                    continue;
                }
                let d = df_of(&mut judge, &sp, n)?;
                if !tagged && d == 0 {
                    continue;
                }
                let better = match &best {
                    None => true,
                    Some((bd, bn)) => d > *bd || (d == *bd && (n.chars().count(), n) < (bn.chars().count(), bn)),
                };
                if better {
                    best = Some((d, n.clone()));
                }
            }
            let Some((d, n)) = best else { continue };
            let occurring = match occurs.get(&g.id) {
                Some(&o) => o,
                None => {
                    let mut o = false;
                    for (name, _) in &g.names {
                        if !judge.documents_with(name)?.is_empty() {
                            o = true;
                            break;
                        }
                    }
                    occurs.insert(g.id.clone(), o);
                    o
                }
            };
            if occurring {
                names.push(Drawn {
                    query: n,
                    lang: lang.into(),
                    kind: Kind::Name,
                    group: Some(g.id.clone()),
                    lemmas: Vec::new(),
                    set: if is_dev(&g.id) { "dev" } else { "test" }.into(),
                    df: d,
                });
            }
        }
        // Common words.
        let min_df = if lang_docs.len() >= 100 { 2 } else { 1 };
        let mut cands: Vec<(usize, String, Vec<String>)> = Vec::new();
        let unspaced = matches!(lang, "zh" | "ja");
        if unspaced {
            let mut forms: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (lemma, f, upos) in gold.tables.rows(lang) {
                if CONTENT_UPOS.contains(&upos.as_str())
                    && f.chars().count() >= 2
                    && f.chars().all(crate::judge::is_unspaced)
                {
                    forms.entry(f.clone()).or_default().push(lemma.clone());
                }
            }
            for (f, lemmas) in forms {
                let Some(sp) = Spelling::new(&f) else { continue };
                if name_keys.contains(&sp.key()) {
                    continue;
                }
                let d = df_of(&mut judge, &sp, &f)?;
                if d >= min_df {
                    cands.push((d, f, lemmas));
                }
            }
        } else {
            for (k, &d) in &df {
                if d < min_df || k.chars().count() < 3 || !k.chars().all(char::is_alphabetic) || name_keys.contains(k) {
                    continue;
                }
                let entries = gold.tables.lemmas_of(lang, k);
                if entries.is_empty()
                    || entries.iter().any(|(_, u)| FUNCTION_UPOS.contains(&u.as_str()))
                    || !entries.iter().any(|(_, u)| CONTENT_UPOS.contains(&u.as_str()))
                {
                    continue;
                }
                let written =
                    surface[k].iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))).map(|(w, _)| w.clone());
                let lemmas: Vec<String> = entries
                    .iter()
                    .map(|(l, _)| l.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                cands.push((d, written.unwrap_or_else(|| k.clone()), lemmas));
            }
        }
        cands.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        cands.truncate(sizes.word_pool);
        let mut seen_lemmas = HashSet::new();
        let mut words: Vec<Drawn> = Vec::new();
        for (d, w, lemmas) in cands {
            let key = format!("{lang}:{}", crate::judge::fold(lemmas.first().unwrap_or(&w)));
            if !seen_lemmas.insert(key.clone()) {
                continue;
            }
            words.push(Drawn {
                query: w,
                lang: lang.into(),
                kind: Kind::Word,
                group: None,
                lemmas,
                set: if is_dev(&key) { "dev" } else { "test" }.into(),
                df: d,
            });
        }
        let mut rng = SplitMix::new(sizes.seed ^ fnv1a(lang));
        for (pool, spare) in [(names, &mut spare_names), (words, &mut spare_words)] {
            // Names found in the language's own documents come first, in random order.
            let (mut here, mut elsewhere): (Vec<Drawn>, Vec<Drawn>) = pool.into_iter().partition(|d| d.df > 0);
            rng.shuffle(&mut here);
            rng.shuffle(&mut elsewhere);
            let ordered: Vec<Drawn> = here.into_iter().chain(elsewhere).collect();
            let (t, d): (Vec<Drawn>, Vec<Drawn>) = ordered.into_iter().partition(|x| x.set == "test");
            let mut t = t.into_iter();
            test.extend(t.by_ref().take(sizes.test_per_lang));
            spare.extend(t);
            dev.extend(d.into_iter().take(sizes.dev_per_lang));
        }
    }
    // Languages with too few candidates leave a shortfall: filled from the spare
    // candidates of the languages in DRAW_LANGS order (English first).
    let want = sizes.test_per_lang * DRAW_LANGS.len();
    for (kind, spare) in [(Kind::Name, spare_names), (Kind::Word, spare_words)] {
        let have = test.iter().filter(|d: &&Drawn| d.kind == kind).count();
        test.extend(spare.into_iter().take(want.saturating_sub(have)));
    }
    Ok((test, dev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gold::Gold;

    fn toy_archive(dir: &Path) -> Archive {
        let data = data_dir(dir);
        drop(Engine::open_write(&data).unwrap());
        // A deliberately wrong spelling variant, so that expansion surely adds a wrong hit
        // whatever newsdex's own expansion does by then (it reads the data directory's
        // variants.txt; the judge never does).
        std::fs::write(data.join("variants.txt"), "Sudan, Soudan, sues\n").unwrap();
        let docs = [
            ("d1", "Sudan talks resume", "Talks on Sudan resumed in Khartoum on Monday, officials said."),
            ("d2", "Le Soudan et ses voisins", "Le Soudan et ses voisins ont signé un accord à Khartoum."),
            ("d3", "Company sues supplier", "The company sues its supplier over a broken contract."),
            ("d4", "Rain expected", "Heavy rain is expected in the north of the country on Friday."),
            ("d5", "Minister briefs reporters", "The minister talked to reporters after the meeting."),
        ];
        let mut jsonl = String::new();
        for (id, title, text) in docs {
            jsonl +=
                &serde_json::json!({"id": id, "url": format!("toy:{id}"), "title": title, "text": text}).to_string();
            jsonl.push('\n');
        }
        let mut engine = Engine::open_write(&data).unwrap();
        let r = engine.ingest_bytes("toy.jsonl", jsonl.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
        assert_eq!(r.new, 5);
        drop(engine);
        let info = ArchiveInfo {
            newsdex: "test".into(),
            inputs: Vec::new(),
            absent: Vec::new(),
            documents: 5,
            build_seconds: 0.0,
        };
        Archive { engine: Engine::open_read(&data).unwrap(), info, built: true }
    }

    fn toy_gold(dir: &Path) -> Gold {
        let p = dir.join("gold.jsonl");
        std::fs::write(
            &p,
            concat!(
                "{\"group\": \"toy:sd\", \"names\": [\"Sudan\", {\"name\": \"Soudan\", \"langs\": [\"fr\"]}]}\n",
                "{\"query\": \"Sudan\", \"lang\": \"en\", \"kind\": \"name\", \"group\": \"toy:sd\"}\n",
                "{\"query\": \"talks\", \"lang\": \"en\", \"kind\": \"word\", \"lemmas\": [\"talk\"]}\n",
            ),
        )
        .unwrap();
        let mut g = Gold::default();
        g.load_file(&p).unwrap();
        for f in ["talk", "talks", "talked", "talking"] {
            g.tables.add("en", "talk", f, "VERB");
        }
        g
    }

    /// The metrics worked out by hand on five documents: `Sudan` is found exactly in d1;
    /// expansion adds d2 (`Soudan`, a gold spelling: right) and d3 (`sues`: wrong).
    #[test]
    fn metrics_by_hand_on_a_toy_archive() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = toy_archive(tmp.path());
        let gold = toy_gold(tmp.path());
        let report = evaluate(&archive, &gold, 20, &mut |_, _| {}).unwrap();
        let sudan = &report.per_query[0];
        assert_eq!(sudan.query, "Sudan");
        assert_eq!((sudan.exact, sudan.expanded, sudan.exact_missing), (1, 3, 0), "{sudan:?}");
        assert_eq!((sudan.expansion_only, sudan.correct), (2, 1), "{sudan:?}");
        assert_eq!(sudan.ratio, Some(3.0));
        assert_eq!(sudan.wrong_examples.len(), 1);
        assert_eq!(sudan.wrong_examples[0].title, "Company sues supplier");
        assert!(sudan.wrong_from.iter().any(|(m, n)| m.eq_ignore_ascii_case("sues") && *n == 1), "{sudan:?}");
        // Recall: the one document with `Soudan` is found by the expanded search.
        assert_eq!(sudan.recall.len(), 1);
        assert_eq!((sudan.recall[0].documents, sudan.recall[0].found), (1, 1));
        assert_eq!(report.precision_names.value, Some(0.5));
        assert_eq!((report.recall_names.micro.hits, report.recall_names.micro.of), (1, 1));
        // `talks`: whatever expansion adds among these documents can only be d5
        // (`talked`), an inflection: right. d1 has `talks` itself, so it is exact.
        let talks = &report.per_query[1];
        assert!(talks.exact >= 1, "{talks:?}");
        assert_eq!(talks.correct, talks.expansion_only, "{talks:?}");
        assert!(talks.expansion_only <= 1, "{talks:?}");
        // Overall: 1 of 2 for Sudan plus talks' (all right).
        assert_eq!(report.precision.of, 2 + talks.expansion_only);
        assert_eq!(report.precision.hits, 1 + talks.expansion_only);
        // The worst list starts with the query whose ratio is highest.
        assert_eq!(report.worst[0].query, "Sudan");
        assert!(render(&report).contains("Sudan"));
    }

    #[test]
    fn summary_ratios_by_hand() {
        let q = |name: &str, exact: usize, expanded: usize| QueryReport {
            query: name.into(),
            lang: Some("en".into()),
            kind: Kind::Name,
            set: None,
            groups: Vec::new(),
            exact,
            expanded,
            exact_missing: 0,
            expansion_only: expanded - exact,
            correct: 0,
            ratio: (exact > 0).then(|| expanded as f64 / exact as f64),
            expansions: Vec::new(),
            wrong_from: Vec::new(),
            wrong_examples: Vec::new(),
            recall: vec![SpellingRecall { spelling: "x".into(), documents: 4, found: exact.min(4) }],
            accepted_forms: 1,
            error: None,
        };
        let per = vec![q("a", 10, 10), q("b", 10, 20), q("c", 10, 40), q("d", 0, 5), q("e", 2, 3)];
        let Summary { precision: p, recall, ratios, worst, .. } = summarize(&per, 3);
        // Expansion-only hits: 0 + 10 + 30 + 5 + 1.
        assert_eq!((p.hits, p.of), (0, 46));
        // Ratios 1, 1.5, 2, 4: median (nearest rank) 1.5, p90 4, max 4; d from nothing.
        assert_eq!((ratios.queries, ratios.median, ratios.p90, ratios.max), (4, Some(1.5), Some(4.0), Some(4.0)));
        assert_eq!(ratios.from_nothing, 1);
        let names: Vec<&str> = worst.iter().map(|w| w.query.as_str()).collect();
        assert_eq!(names, ["d", "c", "b"]);
        // Recall: found 4, 4, 4, 0, 2 of 4 each: micro 14/20, macro the same mean.
        assert_eq!((recall.micro.hits, recall.micro.of), (14, 20));
        assert!((recall.macro_.unwrap() - 0.7).abs() < 1e-12);
    }

    #[test]
    fn queries_are_quoted_as_phrases() {
        assert_eq!(quoted("Sudan"), "\"Sudan\"");
        assert_eq!(quoted("a \"b\\"), "\"a \\\"b\\\\\"");
    }

    #[test]
    fn seeded_shuffle_and_split_are_fixed() {
        let mut v: Vec<u32> = (0..10).collect();
        SplitMix::new(15).shuffle(&mut v);
        let mut w: Vec<u32> = (0..10).collect();
        SplitMix::new(15).shuffle(&mut w);
        assert_eq!(v, w);
        assert_ne!(v, (0..10).collect::<Vec<_>>());
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }

    /// The shipped lists: they load with the shipped groups, every group they name
    /// exists, and the test list shares no query, group or lemma with the dev list.
    #[test]
    fn test_and_dev_lists_are_disjoint_and_resolve() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/eval/expansion");
        let mut g = Gold::default();
        for f in crate::gold::jsonl_files(&dir.join("groups")).unwrap() {
            g.load_file(&f).unwrap();
        }
        let mut lists = Vec::new();
        for name in ["queries-test.jsonl", "queries-dev.jsonl"] {
            let mut one = Gold::default();
            one.load_file(&dir.join(name)).unwrap();
            for q in &one.queries {
                for id in &q.groups {
                    assert!(g.groups.contains_key(id), "{}: no group {id}", q.origin);
                }
            }
            lists.push(one.queries);
        }
        let (test, dev) = (&lists[0], &lists[1]);
        assert!(test.len() >= 300, "{}", test.len());
        let names = test.iter().filter(|q| q.kind == Kind::Name).count();
        assert!(names * 2 >= test.len() - 10 && names * 2 <= test.len() + 10, "{names} of {}", test.len());
        let langs: HashSet<&str> = test.iter().filter_map(|q| q.lang.as_deref()).collect();
        assert!(langs.len() >= 8, "{langs:?}");
        let keys = |qs: &[crate::gold::Query]| -> HashSet<String> {
            qs.iter()
                .flat_map(|q| {
                    let lang = q.lang.clone().unwrap_or_default();
                    let mut k = vec![format!("query:{lang}:{}", crate::judge::fold(&q.query))];
                    k.extend(q.groups.iter().map(|g| format!("group:{g}")));
                    k.extend(q.lemmas.iter().map(|l| format!("lemma:{lang}:{}", crate::judge::fold(l))));
                    k
                })
                .collect()
        };
        let shared: Vec<String> = keys(test).intersection(&keys(dev)).cloned().collect();
        assert!(shared.is_empty(), "{shared:?}");
        assert!(test.iter().all(|q| q.set.as_deref() == Some("test")));
        assert!(dev.iter().all(|q| q.set.as_deref() == Some("dev")));
    }
}
