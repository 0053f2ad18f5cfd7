//! Running a query: filters, paging, hits with stored fields and snippets, within the
//! request's budgets ([`QueryLimits`]) and deadline ([`Deadline`]).

use std::ops::Range;

use newsdex_core::DocId;
use newsdex_query::{DateRange, Field as QField, Query as UserQuery, QueryLimits};
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::deadline::{Deadline, Timed};
use crate::facets::{self, Facets, Guessed, MonthCollector, NoOutlet};
use crate::order::{self, Sort};
use crate::query::{Expansion, Translator};
use crate::ranking::Ranking;
use crate::stories::{CountBy, DistinctFacets, StoryMap, StoryMembers};
use crate::{Result, SearchIndex};

/// What to search for and how much to return.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub query: &'a UserQuery,
    pub limit: usize,
    pub offset: usize,
    /// Keep only these languages (any of them).
    pub langs: Vec<String>,
    /// Keep only these outlets (any of them; matched word-wise, case-insensitively).
    pub outlets: Vec<String>,
    /// Keep only this publication window.
    pub published: Option<DateRange>,
    /// Keep only documents committed in these batches (inclusive; a watch's new
    /// documents since its watermark).
    pub batches: Option<(u64, u64)>,
    /// Longest snippet, in characters.
    pub snippet_chars: usize,
    /// Also count matches by language, outlet and month.
    pub facets: bool,
    /// With `facets`, count by period only: the language and outlet facets (and the count
    /// of matches without an outlet) come back empty. What a comparison needs: a story or
    /// outlet count then holds one (period, story or outlet) pair a match instead of three.
    pub periods_only: bool,
    /// Expand words to their stems, spelling variants and sound-alike spellings (off:
    /// every word as if marked `=`).
    pub expand: bool,
    /// Report each hit's other spellings (`Hit::matched`); off for deep rankings where
    /// only the order matters.
    pub matched: bool,
    /// Which documents are copies of one another (from the document store); none: every
    /// document is a story of its own.
    pub stories: Option<Arc<StoryMap>>,
    /// One hit per story: the best-ranked member, the other matching members in
    /// [`Hit::also`]. Paging counts stories.
    pub collapse: bool,
    /// What facet counts count.
    pub count: CountBy,
    /// The periods the time facet counts by.
    pub period: facets::Period,
    /// What the query may cost; over a limit it is refused before it runs.
    pub limits: QueryLimits,
    /// When to give up (checked while collecting and between phases).
    pub deadline: Deadline,
    /// Ranking weights.
    pub ranking: Ranking,
    /// The order of hits (relevance, or publication date with undated articles last).
    pub sort: Sort,
    /// Answer as of this batch: only documents added by batches up to it (`None`: every
    /// document).
    pub snapshot: Option<u64>,
}

impl<'a> SearchRequest<'a> {
    pub fn new(query: &'a UserQuery) -> SearchRequest<'a> {
        SearchRequest {
            query,
            limit: 10,
            offset: 0,
            langs: vec![],
            outlets: vec![],
            published: None,
            batches: None,
            snippet_chars: 240,
            facets: false,
            periods_only: false,
            expand: true,
            matched: true,
            stories: None,
            collapse: false,
            count: CountBy::Articles,
            period: facets::Period::Month,
            limits: QueryLimits::default(),
            deadline: Deadline::never(),
            ranking: Ranking::default(),
            sort: Sort::Relevance,
            snapshot: None,
        }
    }
}

/// A text fragment with the matched words marked (byte ranges into `text`, sorted and
/// never overlapping: CJK bigrams `维基 基新 新闻` come from tantivy as overlapping ranges
/// and are merged into one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The text in order as (piece, is a match) pairs. Tolerates any `highlights`
    /// (unsorted, overlapping, out of range, off a character boundary): a bad range is
    /// dropped rather than a panic.
    pub fn parts(&self) -> Vec<(&str, bool)> {
        let t = &self.text;
        let valid = self
            .highlights
            .iter()
            .filter(|r| r.start < r.end && r.end <= t.len() && t.is_char_boundary(r.start) && t.is_char_boundary(r.end))
            .cloned()
            .collect();
        let mut out = Vec::with_capacity(self.highlights.len() * 2 + 1);
        let mut at = 0;
        for r in merge(valid) {
            if r.start > at {
                out.push((&t[at..r.start], false));
            }
            out.push((&t[r.start..r.end], true));
            at = r.end;
        }
        if at < t.len() {
            out.push((&t[at..], false));
        }
        out
    }

    /// HTML with matches in `<b>`; everything escaped.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        for (piece, marked) in self.parts() {
            if marked {
                out.push_str("<b>");
            }
            escape_into(&mut out, piece);
            if marked {
                out.push_str("</b>");
            }
        }
        out
    }
}

/// Sort ranges and merge those that overlap or touch.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

fn escape_into(out: &mut String, s: &str) {
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
}

/// One result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    pub id: DocId,
    pub score: f32,
    pub title: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    /// As the source gave it (time zone kept), e.g. `2024-03-01T10:00:00+06:00`.
    pub published: Option<String>,
    pub lang: Option<String>,
    /// The input path or URL the document was read from.
    pub source: Option<String>,
    pub snippet: Snippet,
    /// Spellings in this document that the query's words were expanded to (`Uighur` for
    /// a search for `Uyghur`), as the document writes them.
    pub matched: Vec<String>,
    /// The story it belongs to (its canonical member's id; its own id for an article with
    /// no copies).
    pub story: DocId,
    /// In a collapsed search, the story's other members that match too, earliest first
    /// (at most [`ALSO_LISTED`]).
    pub also: Vec<Also>,
    /// How many other members match (`also` may list fewer).
    pub also_total: usize,
}

/// Most other members listed under a collapsed hit.
pub const ALSO_LISTED: usize = 50;

/// Another member of a hit's story.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Also {
    pub id: DocId,
    pub title: String,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub url: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchResults {
    /// Every matching document, not just this page.
    pub total: usize,
    /// How many the query matches with every word as typed (no expansion), when
    /// expansion searched anything else: the number to cite for the words themselves.
    pub total_as_typed: Option<usize>,
    /// Distinct stories among them (when the story grouping was given).
    pub stories: Option<usize>,
    /// Whether hits are one per story.
    pub collapsed: bool,
    pub hits: Vec<Hit>,
    /// When asked for.
    pub facets: Option<Facets>,
    /// What each expanded word also searched.
    pub expansions: Vec<Expansion>,
    /// The order of `hits`.
    pub sort: Sort,
    /// With a date order: how many matching articles have no publication date (they come
    /// after every dated one). `None` for relevance.
    pub undated: Option<usize>,
    /// The snapshot (committed batch number) it was answered from, as the engine names
    /// it; the index alone knows only one asked for.
    pub snapshot: Option<u64>,
    /// For a collection searched through shard servers: how many shards answered (fewer
    /// than all: the counts and hits are those of the shards that did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<ShardsAnswered>,
}

/// Which of a collection's shards an answer includes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShardsAnswered {
    pub total: u32,
    pub answered: u32,
    /// The shards that did not answer, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<(u32, String)>,
}

/// One shard's part of a search ([`SearchIndex::search_partial`]), to be merged with the
/// other shards' parts into the answer one index holding every document would give.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    /// The shard's own answer: its best `offset + limit` hits (offset 0), counts of its
    /// matches, facets with every outlet listed.
    pub results: SearchResults,
    /// With a date order, each hit's publication time (seconds; `None`: undated), the key
    /// hits are merged by.
    #[serde(default)]
    pub date_keys: Vec<Option<i64>>,
    /// Every story of two or more documents with matches here, and how many of its
    /// members match here (sorted by story).
    #[serde(default)]
    pub story_matches: Vec<(u64, u32)>,
    /// With facets, the matches by period (the period's number, as the time facet counts
    /// them), so that merged counts list every period between the first and the last.
    #[serde(default)]
    pub month_counts: Vec<(i64, u64)>,
}

/// A story's matching members in one shard ([`SearchIndex::members`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoryPart {
    pub story: u64,
    /// Members that match here.
    pub matching: usize,
    /// The first of them, earliest first.
    pub listed: Vec<Member>,
}

/// A listed member, with its publication time (seconds) to merge lists by.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub published: Option<i64>,
    pub also: Also,
}

/// A document's publication time in seconds, from the `published` fast field.
fn published_secs(searcher: &Searcher, a: DocAddress) -> Option<i64> {
    let col = searcher.segment_reader(a.segment_ord).fast_fields().date("published").ok()?;
    col.first(a.doc_id).map(|d| d.into_timestamp_secs())
}

/// The id of the document at `a` (its `doc` fast field).
fn doc_id(searcher: &Searcher, a: DocAddress) -> DocId {
    let ff = searcher.segment_reader(a.segment_ord).fast_fields();
    DocId::from_u64(ff.u64("doc").ok().and_then(|c| c.first(a.doc_id)).unwrap_or(0))
}

/// A translated query, with what it needs besides.
pub(crate) struct Built {
    pub(crate) query: Box<dyn Query>,
    pub(crate) expansions: Vec<Expansion>,
    widened: Vec<crate::query::Widened>,
    /// The language, outlet and date filters.
    filters: Vec<Box<dyn Query>>,
    /// The segments a shard server matches in (see [`SearchIndex::own_only`]).
    owned: Option<crate::union::Owned>,
}

/// `q` matching only in `owned` segments, when a shard server owns some.
fn restrict(owned: Option<&crate::union::Owned>, q: Box<dyn Query>) -> Box<dyn Query> {
    match owned {
        Some(owned) => crate::union::own_only(q, owned.clone()),
        None => q,
    }
}

/// The confident language guesses (≥ 0.8) of queries' words, by their text: a guess
/// depends on the words alone, not on the index, so it is kept across commits (unlike
/// [`crate::expand::WidenCache`]). Watches run the same saved queries after every commit,
/// and guessing a query's language took about a quarter of matching 10,000 of them
/// (fastText, in a profile); a server or collector runs them again and again. Never more
/// than [`QUERY_LANGS`] entries: it starts afresh when full.
#[derive(Debug, Default)]
pub(crate) struct QueryLangs(std::sync::Mutex<HashMap<String, Option<String>>>);

/// The most guesses a [`QueryLangs`] keeps.
const QUERY_LANGS: usize = 100_000;

impl QueryLangs {
    /// The language of `text` when newsdex-lang is confident of it, guessed once per text.
    pub(crate) fn guess(&self, text: &str) -> Option<String> {
        let known = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(text).cloned();
        if let Some(known) = known {
            return known;
        }
        // Guessed outside the lock: threads matching watches guess at once.
        let lang = newsdex_lang::identify(text).filter(|g| g.confidence >= 0.8).map(|g| g.lang);
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= QUERY_LANGS {
            map.clear();
        }
        map.insert(text.to_string(), lang.clone());
        lang
    }

    /// How many texts have a guess kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl SearchIndex {
    /// Run `req`: refused with [`IndexError::Refused`](crate::IndexError::Refused) before
    /// anything runs if it would cost more than `req.limits` allow, stopped with
    /// [`IndexError::Timeout`](crate::IndexError::Timeout) once `req.deadline` passes.
    pub fn search(&self, req: &SearchRequest<'_>) -> Result<SearchResults> {
        Ok(self.run(req, false)?.results)
    }

    /// Run `req` as one shard's part of a search over several (see [`Partial`]): the
    /// same hits from the documents this index matches, with what a merge needs besides.
    /// Hits of a collapsed search list no other members (the merge asks for them with
    /// [`SearchIndex::members`] once it knows the winners).
    pub fn search_partial(&self, req: &SearchRequest<'_>) -> Result<Partial> {
        self.run(req, true)
    }

    fn run(&self, req: &SearchRequest<'_>, partial: bool) -> Result<Partial> {
        let deadline = &req.deadline;
        deadline.check()?;
        let searcher = self.reader.searcher();
        let mut built = self.build(req, &searcher, req.expand)?;
        deadline.check()?;
        let total_as_typed = self.count_added(req, &searcher, &mut built)?;
        let query = built.query.box_clone();
        let expansions = std::mem::take(&mut built.expansions);
        // Nothing ranks deeper than the index holds (tantivy reserves room for the whole
        // depth in every segment up front).
        let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX).max(1);
        let limit = req.limit.max(1).min(docs);
        let offset = req.offset.min(docs);
        let map = req.stories.clone().unwrap_or_default();
        // Collapsing fetches ranked articles until a page of distinct stories is full.
        let mut fetch = if req.collapse {
            offset.saturating_add(limit).saturating_mul(3).saturating_add(10).min(docs)
        } else {
            limit
        };
        let top_docs = |n: usize, offset: usize| order::ranking(req.sort, n, offset);
        let first = top_docs(fetch, if req.collapse { 0 } else { offset });
        let members = StoryMembers(map.clone());
        let mut month_counts = Vec::new();
        let (total, ranked, facets, found) = if req.facets {
            let f;
            let (total, top, found);
            if req.count == CountBy::Articles && req.periods_only {
                let ((t, tp, fd), (months, guessed)) = searcher
                    .search(
                        &query,
                        &Timed::new(((Count, first, members), (MonthCollector(req.period), Guessed)), deadline),
                    )
                    .map_err(|e| facets::explain(e, deadline, &req.limits))?;
                (total, top, found) = (t, tp, fd);
                if partial {
                    month_counts = months.counts.iter().map(|(k, n)| (*k, *n)).collect();
                }
                f = Facets {
                    month: facets::month_buckets(&months, req.period)?,
                    period: req.period,
                    undated: months.undated,
                    dates_guessed: guessed,
                    counted: req.count,
                    ..Facets::default()
                };
            } else if req.count == CountBy::Articles {
                let terms = facets::terms_collector(&req.limits);
                let ((t, tp, fd), (terms, months, no_outlet, guessed)) = searcher
                    .search(
                        &query,
                        &Timed::new(
                            ((Count, first, members), (terms, MonthCollector(req.period), NoOutlet, Guessed)),
                            deadline,
                        ),
                    )
                    .map_err(|e| facets::explain(e, deadline, &req.limits))?;
                (total, top, found) = (t, tp, fd);
                if partial {
                    month_counts = months.counts.iter().map(|(k, n)| (*k, *n)).collect();
                }
                let (outlet, outlet_other) = facets::buckets(&terms, "outlet");
                let (lang, lang_other) = facets::buckets(&terms, "lang");
                f = Facets {
                    lang,
                    lang_other,
                    outlet,
                    outlet_other,
                    no_outlet,
                    month: facets::month_buckets(&months, req.period)?,
                    period: req.period,
                    undated: months.undated,
                    dates_guessed: guessed,
                    counted: req.count,
                };
            } else {
                let distinct = DistinctFacets::new(req.count, req.period, req.periods_only, map, &req.limits);
                let (t, tp, fd, (distinct, guessed)) = searcher
                    .search(&query, &Timed::new((Count, first, members, (distinct, Guessed)), deadline))
                    .map_err(|e| deadline.explain(e))?;
                (total, top, found) = (t, tp, fd);
                let distinct = distinct.within(&req.limits)?;
                let months = distinct.months();
                if partial {
                    month_counts = months.counts.iter().map(|(k, n)| (*k, *n)).collect();
                }
                let (outlet, outlet_other) = distinct.outlet(req.limits.facet_outlets);
                let (lang, lang_other) = distinct.lang();
                f = Facets {
                    lang,
                    lang_other,
                    outlet,
                    outlet_other,
                    no_outlet: distinct.no_outlet(),
                    month: facets::month_buckets(&months, req.period)?,
                    period: req.period,
                    undated: months.undated,
                    dates_guessed: guessed,
                    counted: req.count,
                };
            }
            (total, top, Some(f), found)
        } else {
            let (total, top, found) = searcher
                .search(&query, &Timed::new((Count, first, members), deadline))
                .map_err(|e| deadline.explain(e))?;
            (total, top, None, found)
        };
        let undated = ranked.undated.map(|n| n as usize);
        let mut top = ranked.hits;
        let story_of: HashMap<DocAddress, u64> =
            found.iter().flat_map(|(s, addrs)| addrs.iter().map(move |a| (*a, *s))).collect();
        let stories = req.stories.as_ref().map(|_| total - found.values().map(|v| v.len() - 1).sum::<usize>());
        // Collapse: the first member of each story in the order asked (the best-ranked, or
        // the newest or oldest), in that order. The order is total, so the stories of a
        // prefix of the ranking are a prefix of the stories of the whole: pages agree.
        if req.collapse {
            let groups = loop {
                deadline.check()?;
                let mut seen = HashSet::new();
                let groups: Vec<(f32, DocAddress)> =
                    top.iter().copied().filter(|(_, a)| story_of.get(a).is_none_or(|s| seen.insert(*s))).collect();
                if groups.len() >= offset + limit || top.len() < fetch || fetch >= total {
                    break groups;
                }
                // Never deeper than every match.
                fetch = fetch.saturating_mul(4).min(total);
                top = searcher
                    .search(&query, &Timed::new(top_docs(fetch, 0), deadline))
                    .map_err(|e| deadline.explain(e))?
                    .hits;
            };
            top = groups.into_iter().skip(offset).take(limit).collect();
        }
        let mut top = if req.limit == 0 { Vec::new() } else { top };
        deadline.check()?;
        if req.sort.by_date() {
            order::scores(&searcher, &*query, &mut top)?;
        }
        let date_keys = if partial && req.sort.by_date() {
            top.iter().map(|(_, a)| published_secs(&searcher, *a)).collect()
        } else {
            Vec::new()
        };
        let mut snippets = SnippetGenerator::create(&searcher, &*query, self.fields.body)?;
        snippets.set_max_num_chars(req.snippet_chars);
        let spellings = if req.matched { Spellings::of(&expansions, req.query) } else { Spellings::none() };
        let addrs: Vec<DocAddress> = top.iter().map(|(_, a)| *a).collect();
        let bodies = self.texts_of(&searcher, &addrs)?;
        let hits = top
            .into_iter()
            .zip(bodies)
            .map(|((score, addr), body)| {
                deadline.check()?;
                let mut hit = self.hit(&searcher, addr, score, body, &snippets, req.snippet_chars, &spellings)?;
                if let Some(&s) = story_of.get(&addr) {
                    hit.story = DocId::from_u64(s);
                    if req.collapse && !partial {
                        let others: Vec<DocAddress> = found[&s].iter().copied().filter(|a| *a != addr).collect();
                        hit.also_total = others.len();
                        hit.also = self.also(&searcher, &others)?;
                    }
                }
                Ok(hit)
            })
            .collect::<Result<_>>()?;
        let story_matches = if partial {
            let mut m: Vec<(u64, u32)> = found.iter().map(|(s, a)| (*s, a.len() as u32)).collect();
            m.sort_unstable();
            m
        } else {
            Vec::new()
        };
        let results = SearchResults {
            total,
            total_as_typed,
            stories,
            collapsed: req.collapse,
            hits,
            facets,
            expansions,
            sort: req.sort,
            undated,
            snapshot: req.snapshot,
            shards: None,
        };
        Ok(Partial { results, date_keys, story_matches, month_counts })
    }

    /// The members of `stories` that match `req` (its query and filters), each story's
    /// earliest first (undated last, ties by id), at most [`ALSO_LISTED`] + 1 of them, with
    /// how many match in all: a shard's part of the lists under collapsed hits.
    pub fn members(&self, req: &SearchRequest<'_>, stories: &[u64]) -> Result<Vec<StoryPart>> {
        let deadline = &req.deadline;
        let searcher = self.reader.searcher();
        let built = self.build(req, &searcher, req.expand)?;
        let map = req.stories.clone().unwrap_or_default();
        let found =
            searcher.search(&built.query, &Timed::new(StoryMembers(map), deadline)).map_err(|e| deadline.explain(e))?;
        let mut out = Vec::new();
        for s in stories {
            let Some(addrs) = found.get(s) else { continue };
            let listed = self.members_listed(&searcher, addrs, ALSO_LISTED + 1)?;
            out.push(StoryPart { story: *s, matching: addrs.len(), listed });
        }
        Ok(out)
    }

    /// The other members of a story, earliest first, at most [`ALSO_LISTED`].
    fn also(&self, searcher: &Searcher, addrs: &[DocAddress]) -> Result<Vec<Also>> {
        Ok(self.members_listed(searcher, addrs, ALSO_LISTED)?.into_iter().map(|m| m.also).collect())
    }

    /// The first `n` of `addrs`, earliest first (undated last, ties by document id, so the
    /// order is the same in every segment layout and shards' lists merge).
    fn members_listed(&self, searcher: &Searcher, addrs: &[DocAddress], n: usize) -> Result<Vec<Member>> {
        let f = &self.fields;
        let mut by_date: Vec<(Option<i64>, u64, DocAddress)> = Vec::with_capacity(addrs.len());
        for &a in addrs {
            let id = doc_id(searcher, a).as_u64();
            by_date.push((published_secs(searcher, a), id, a));
        }
        by_date.sort_by_key(|(d, id, _)| (d.unwrap_or(i64::MAX), *id));
        let mut out = Vec::with_capacity(by_date.len().min(n));
        for (secs, _, a) in by_date.into_iter().take(n) {
            let doc: TantivyDocument = searcher.doc(a)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            let title = match text(f.title).filter(|t| !t.is_empty()) {
                Some(t) => t,
                // Taken from the text: read it (rare, so one at a time).
                None => shown_title(None, &self.texts_of(searcher, &[a])?.pop().flatten().unwrap_or_default()),
            };
            let also = Also {
                id: doc.get_first(f.doc).and_then(|v| v.as_u64()).map(DocId::from_u64).unwrap_or(DocId([0; 8])),
                title,
                outlet: text(f.outlet),
                published: text(f.published_text),
                url: text(f.url),
            };
            out.push(Member { published: secs, also });
        }
        Ok(out)
    }

    /// Languages of the documents in the index.
    pub(crate) fn langs(&self, searcher: &Searcher) -> Result<Vec<String>> {
        let mut out = BTreeSet::new();
        for seg in searcher.segment_readers() {
            let inverted = seg.inverted_index(self.fields.lang)?;
            let mut terms =
                inverted.terms().stream().map_err(|e| crate::IndexError::Io("the language terms".into(), e))?;
            while terms.advance() {
                out.insert(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The query's language, when its words say so clearly (twelve letters or more, a
    /// confident guess) and the index holds documents in it: word forms are then searched
    /// in that language only.
    fn query_lang(&self, text: &str, searcher: &Searcher) -> Result<Option<String>> {
        if text.chars().filter(|c| c.is_alphabetic()).count() < 12 {
            return Ok(None);
        }
        let Some(lang) = self.query_langs.guess(text) else { return Ok(None) };
        let held = searcher.doc_freq(&tantivy::Term::from_field_text(self.fields.lang, &lang))? > 0;
        Ok(held.then_some(lang))
    }

    /// The query to run, with its filters; `expand` as asked or off (for the total as
    /// typed).
    pub(crate) fn build(&self, req: &SearchRequest<'_>, searcher: &Searcher, expand: bool) -> Result<Built> {
        let words = searched_words(req.query);
        let query_lang = if expand { self.query_lang(&words, searcher)? } else { None };
        let mut tr = Translator::new(self, searcher, expand, query_lang, &req.limits)?;
        tr.ranking = req.ranking;
        tr.in_capitals = crate::key::in_capitals(&words);
        let main = match (tr.translate(&req.query.root)?, tr.proximity(&req.query.root)?) {
            (Some(q), Some(near)) => {
                Some(Box::new(BooleanQuery::new(vec![(Occur::Must, q), (Occur::Should, near)])) as Box<dyn Query>)
            }
            (q, _) => q,
        }
        .map(|q| crate::ranking::with_length(q, req.ranking.length));
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        if !req.langs.is_empty() {
            filters.push(tr.filter_any(QField::Lang, &req.langs)?);
        }
        if !req.outlets.is_empty() {
            filters.push(tr.filter_any(QField::Outlet, &req.outlets)?);
        }
        if let Some(r) = &req.published {
            filters.push(tr.date_range(r));
        }
        if let Some((first, last)) = req.batches {
            filters.push(tr.batch_range(first, last));
        }
        if let Some(n) = req.snapshot {
            filters.push(tr.batch_range(0, n));
        }
        let expansions = std::mem::take(&mut tr.expansions);
        let widened = std::mem::take(&mut tr.widened);
        let query: Box<dyn Query> = match main {
            None => Box::new(tantivy::query::EmptyQuery),
            Some(q) if filters.is_empty() => q,
            Some(q) => Box::new(BooleanQuery::new(
                std::iter::once((Occur::Must, q)).chain(filters.iter().map(|f| (Occur::Must, f.box_clone()))).collect(),
            )),
        };
        let owned = self.owned_segments()?;
        Ok(Built { query: restrict(owned.as_ref(), query), expansions, widened, filters, owned })
    }

    /// What expansion added: the total as typed, and per expanded word the documents only
    /// its other spellings matched (with the search's filters).
    fn count_added(&self, req: &SearchRequest<'_>, searcher: &Searcher, built: &mut Built) -> Result<Option<usize>> {
        if built.expansions.is_empty() {
            return Ok(None);
        }
        let deadline = &req.deadline;
        // Counted, never scored: proximity's optional clause would be opened for nothing.
        let mut counted = req.clone();
        counted.ranking.proximity = 0.0;
        let exact = self.build(&counted, searcher, false)?;
        let as_typed = searcher.search(&exact.query, &Timed::new(Count, deadline)).map_err(|e| deadline.explain(e))?;
        for (e, w) in built.expansions.iter_mut().zip(&built.widened) {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Must, w.others.box_clone()), (Occur::MustNot, w.exact.box_clone())];
            clauses.extend(built.filters.iter().map(|f| (Occur::Must, f.box_clone())));
            let q = restrict(built.owned.as_ref(), Box::new(BooleanQuery::new(clauses)));
            e.added = searcher.search(&*q, &Timed::new(Count, deadline)).map_err(|e| deadline.explain(e))? as u64;
        }
        Ok(Some(as_typed))
    }

    /// The texts of the documents at `addrs`, as indexed ([`crate::indexed_body`]), from
    /// the [`crate::Texts`] set (`None` for a document it does not hold, or every one when
    /// none is set).
    pub(crate) fn texts_of(&self, searcher: &Searcher, addrs: &[DocAddress]) -> Result<Vec<Option<String>>> {
        let Some(texts) = &self.texts else { return Ok(vec![None; addrs.len()]) };
        let ids: Vec<DocId> = addrs.iter().map(|a| doc_id(searcher, *a)).collect();
        let got = texts.bodies(&ids).map_err(crate::IndexError::Texts)?;
        Ok(got
            .into_iter()
            .map(|b| {
                b.map(|mut b| {
                    b.truncate(crate::indexed_body(&b).len());
                    b
                })
            })
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn hit(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        score: f32,
        body: Option<String>,
        snippets: &SnippetGenerator,
        max_chars: usize,
        spellings: &Spellings,
    ) -> Result<Hit> {
        let f = &self.fields;
        let doc: TantivyDocument = searcher.doc(addr)?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
        let id = doc.get_first(f.doc).and_then(|v| v.as_u64()).map(DocId::from_u64).unwrap_or(DocId([0; 8]));
        let body = body.unwrap_or_default();
        let title = shown_title(text(f.title), &body);
        let s = snippets.snippet(&body);
        let snippet = if s.highlighted().is_empty() {
            lead(&body, max_chars)
        } else {
            excerpt(&body, s.fragment_range(), s.highlighted())
        };
        let mut matched =
            if spellings.worth_reading(searcher, addr, f)? { spellings.found(&[&title, &body]) } else { Vec::new() };
        spellings.folded(&title, &snippet, &mut matched);
        Ok(Hit {
            id,
            score,
            title,
            url: text(f.url),
            outlet: text(f.outlet),
            published: text(f.published_text),
            lang: text(f.lang),
            source: text(f.source),
            matched,
            snippet,
            story: id,
            also: Vec::new(),
            also_total: 0,
        })
    }
}

/// The title to show: the indexed one, or for an article indexed without one (a record
/// that gave none, [`newsdex_core::TITLE_FROM_BODY`]) the opening of its text, as the
/// article itself holds it.
fn shown_title(indexed: Option<String>, body: &str) -> String {
    match indexed {
        Some(t) if !t.is_empty() => t,
        _ => newsdex_core::stand_in_title(body),
    }
}

/// The opening of `body` up to `max` characters, cut at a word boundary.
fn lead(body: &str, max: usize) -> Snippet {
    let cut = match body.char_indices().nth(max) {
        None => body.len(),
        Some((limit, _)) => body[..limit].rfind(char::is_whitespace).filter(|&i| i > 0).unwrap_or(limit),
    };
    let mut text = flatten(&body[..cut]);
    if cut < body.len() {
        text.push('…');
    }
    Snippet { text, highlights: Vec::new() }
}

/// The fragment `range` of `body` with its highlights (relative to the fragment), marked with `…` where it was cut.
fn excerpt(body: &str, range: Range<usize>, highlights: &[Range<usize>]) -> Snippet {
    let cut_start = range.start > 0;
    let cut_end = range.end < body.len();
    let shift = if cut_start { '…'.len_utf8() } else { 0 };
    let mut text = String::with_capacity(range.len() + 6);
    if cut_start {
        text.push('…');
    }
    text.push_str(&flatten(&body[range.clone()]));
    if cut_end {
        text.push('…');
    }
    let highlights = merge(highlights.iter().map(|h| h.start + shift..h.end + shift).collect());
    Snippet { text, highlights }
}

/// Line breaks to spaces, byte for byte, so highlight ranges stay valid.
fn flatten(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// The spellings a search was expanded to, for telling which a hit contains.
struct Spellings {
    /// Analyzed one-word spellings from the variants file, and word forms.
    words: BTreeSet<String>,
    /// Spellings in a script written without spaces that the analyzer cuts into several
    /// tokens in running text (`ドイツ` inside `ワールドカップドイツ大会`, Thai `เยอรมนี`),
    /// with their tokens: found in a text as written, since no one token is the word.
    unspaced: Vec<(String, Vec<String>)>,
    /// Keys of names searched in other scripts (`c:putin`).
    keys: BTreeSet<String>,
    /// The query's own words, analyzed: never reported as other spellings.
    own: BTreeSet<String>,
    /// The query's words as typed (lower case, NFC), to tell a match written with other
    /// letters that the index folds together ("puțin" for "Putin", "São" for "Sao").
    typed: BTreeSet<String>,
}

/// A letter of a script written without spaces between words (Han, kana, Thai, Lao,
/// Khmer, Myanmar), where a name is found in running text as a run of characters.
fn written_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // hiragana, katakana
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF // Han
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFF66..=0xFF9F
        | 0x20000..=0x2FA1F)
}

/// Words of `text` as written, lower case, NFC: what "as typed" compares.
fn as_written(text: &str) -> impl Iterator<Item = String> + '_ {
    use unicode_normalization::UnicodeNormalization;
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.nfc().collect::<String>().to_lowercase())
}

/// How often `text` occurs in `field` of the document at `addr` (its postings).
fn term_freq(searcher: &Searcher, addr: DocAddress, field: tantivy::schema::Field, text: &str) -> Result<u32> {
    use tantivy::DocSet;
    use tantivy::postings::Postings;
    let inverted = searcher.segment_reader(addr.segment_ord).inverted_index(field)?;
    let term = tantivy::Term::from_field_text(field, text);
    let postings = inverted
        .read_postings(&term, tantivy::schema::IndexRecordOption::WithFreqs)
        .map_err(|e| crate::IndexError::Io("reading postings".into(), e))?;
    let Some(mut p) = postings else { return Ok(0) };
    // A fresh postings list stands on its first document; `seek` only moves forward.
    Ok(if p.doc() <= addr.doc_id && p.seek(addr.doc_id) == addr.doc_id { p.term_freq() } else { 0 })
}

impl Spellings {
    fn of(expansions: &[Expansion], query: &UserQuery) -> Spellings {
        let mut analyzer = crate::schema::text_analyzer();
        let mut words = |text: &str| {
            let mut out = Vec::new();
            let mut st = analyzer.token_stream(text);
            while st.advance() {
                out.push(st.token().text.clone());
            }
            out
        };
        let mut s = Spellings::none();
        for t in query.positive_terms() {
            s.own.extend(words(t.text));
            s.typed.extend(as_written(t.text));
        }
        for e in expansions {
            for v in &e.variants {
                // One word, or a dictionary word spanning the whole spelling beside its
                // bigrams (`スーダン`: スー, スーダン, ーダ, ダン).
                let toks = words(v);
                let whole = match toks.as_slice() {
                    [one] => Some(one),
                    many => many.iter().find(|t| t.chars().count() == v.chars().count()),
                };
                s.words.extend(whole.cloned());
                if toks.len() > 1 && !v.chars().any(char::is_whitespace) && v.chars().all(written_unspaced) {
                    // Running text holds the pieces, not always the dictionary word spanning
                    // them (`イスラマバードドイツ大使館` has ドイ and イツ but no ドイツ).
                    let n = v.chars().count();
                    let pieces: Vec<String> = toks.iter().filter(|t| t.chars().count() < n).cloned().collect();
                    s.unspaced.push((v.clone(), if pieces.is_empty() { toks } else { pieces }));
                }
            }
            for f in &e.forms {
                s.words.extend(f.words.iter().cloned());
            }
            if e.key.is_some() {
                for own in words(&e.term) {
                    s.keys.extend(crate::key::other_script_keys(&own));
                }
            }
        }
        s
    }

    /// Nothing to report.
    fn none() -> Spellings {
        Spellings {
            words: BTreeSet::new(),
            unspaced: Vec::new(),
            keys: BTreeSet::new(),
            own: BTreeSet::new(),
            typed: BTreeSet::new(),
        }
    }

    /// Whether the document can hold a spelling to report, judged from the index alone so
    /// that most hits are not re-read: one of the words is in its title or text, or a
    /// name key in its names.
    fn worth_reading(&self, searcher: &Searcher, addr: DocAddress, f: &crate::Fields) -> Result<bool> {
        for field in [f.title, f.body] {
            for w in &self.words {
                if term_freq(searcher, addr, field, w)? > 0 {
                    return Ok(true);
                }
            }
        }
        for k in &self.keys {
            if term_freq(searcher, addr, f.names, k)? > 0 {
                return Ok(true);
            }
        }
        for (_, toks) in &self.unspaced {
            for field in [f.title, f.body] {
                let mut all = true;
                for t in toks {
                    all = all && term_freq(searcher, addr, field, t)? > 0;
                }
                if all {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Words of the title and of the snippet that matched written otherwise than typed,
    /// beyond case, and not already in `matched` (at most eight in all): the index folds
    /// accents and script spellings, so "Putin" also finds Romanian "puțin"; the hit says
    /// so. A fold match only in the part of the text the snippet leaves out is not named.
    fn folded(&self, title: &str, snippet: &Snippet, matched: &mut Vec<String>) {
        if self.typed.is_empty() {
            return;
        }
        let mut analyzer = crate::schema::text_analyzer();
        let mut title_words = Vec::new();
        {
            let mut st = analyzer.token_stream(title);
            while st.advance() {
                let t = st.token();
                if self.own.contains(&t.text) {
                    title_words.push(&title[t.offset_from..t.offset_to]);
                }
            }
        }
        let highlighted = snippet.highlights.iter().filter_map(|h| snippet.text.get(h.clone()));
        for written in title_words.into_iter().chain(highlighted) {
            // A piece that is a query word once folded, but not as typed ("Uyghur's" is
            // "uyghur" as typed and an "s" that matched nothing).
            let differs = as_written(written).any(|w| {
                let mut st = analyzer.token_stream(&w);
                let mut own = false;
                while st.advance() {
                    own |= self.own.contains(&st.token().text);
                }
                own && !self.typed.contains(&w)
            });
            if differs && matched.len() < 8 && !matched.iter().any(|m| m.to_lowercase() == written.to_lowercase()) {
                matched.push(written.to_string());
            }
        }
    }

    /// The expanded spellings in `texts`, as written there (at most eight).
    fn found(&self, texts: &[&str]) -> Vec<String> {
        if self.words.is_empty() && self.keys.is_empty() && self.unspaced.is_empty() {
            return Vec::new();
        }
        let mut analyzer = crate::schema::text_analyzer();
        let mut out: Vec<String> = Vec::new();
        for (v, _) in &self.unspaced {
            if out.len() < 8 && !out.contains(v) && texts.iter().any(|t| t.contains(v.as_str())) {
                out.push(v.clone());
            }
        }
        // A text repeats its words: each distinct word is judged once.
        let mut judged: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        for text in texts {
            let mut st = analyzer.token_stream(text);
            while st.advance() && out.len() < 8 {
                let t = st.token();
                let hit = match judged.get(&t.text) {
                    Some(&h) => h,
                    None => {
                        let h = !self.own.contains(&t.text)
                            && (self.words.contains(&t.text)
                                || (!self.keys.is_empty()
                                    && crate::key::key(&t.text).is_some_and(|k| self.keys.contains(&k))));
                        judged.insert(t.text.clone(), h);
                        h
                    }
                };
                let written = &text[t.offset_from..t.offset_to];
                if hit && !out.iter().any(|o| o == written) {
                    out.push(written.to_string());
                }
            }
        }
        out
    }
}

/// The words a query looks for, as typed, joined by spaces: what its language and its
/// capitals are judged on.
fn searched_words(query: &UserQuery) -> String {
    let words: Vec<&str> = query.positive_terms().iter().map(|t| t.text).collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (TIME's 1963 queries, as a user types a headline in capitals):
    /// "SUPPRESSING BUDDHISTS" took every word for a name, and names get no word forms, so
    /// it found 12 of TIME's articles where "suppressing buddhists" found 26. In a query
    /// written in capitals the archive decides which words are names: the same
    /// expansions and matches as in lower case, and a name the archive writes as one
    /// ("Diem") still counts as one.
    #[test]
    fn regression_a_query_in_capitals_gets_the_word_forms_of_one_in_lower_case() {
        let tmp = tempfile::tempdir().unwrap();
        let articles = [
            untitled(1, "en", "Item 1", "Diem's police were suppressing the Buddhists of Hue.", vec![]),
            untitled(2, "en", "Item 2", "The regime suppressed a Buddhist protest in Saigon.", vec![]),
            untitled(3, "en", "Item 3", "Washington will suppress its doubts about Diem, aides said.", vec![]),
            untitled(4, "en", "Item 4", "A harvest report from the delta.", vec![]),
        ];
        let index = crate::testdata::index(tmp.path(), &articles);
        let run = |text: &str| {
            let q = newsdex_query::parse(text, newsdex_query::DefaultOp::Or).unwrap();
            let r = index.search(&SearchRequest::new(&q)).unwrap();
            let mut ids: Vec<u8> = r.hits.iter().map(|h| h.id.0[0]).collect();
            ids.sort();
            let forms: Vec<(String, bool, Vec<String>)> = r
                .expansions
                .iter()
                .map(|e| (e.term.to_lowercase(), e.name, e.forms.iter().flat_map(|f| f.words.clone()).collect()))
                .collect();
            (ids, forms)
        };
        let (lower_ids, lower_forms) = run("suppressing buddhists under diem");
        let (caps_ids, caps_forms) = run("SUPPRESSING BUDDHISTS UNDER DIEM");
        assert_eq!(lower_ids, vec![1, 2, 3], "{lower_forms:?}");
        assert_eq!(caps_ids, lower_ids, "{caps_forms:?}");
        let common = |f: &[(String, bool, Vec<String>)]| f.iter().filter(|e| !e.1).cloned().collect::<Vec<_>>();
        assert_eq!(common(&caps_forms), common(&lower_forms));
        assert!(caps_forms.iter().any(|e| e.0 == "suppressing" && !e.1 && e.2.contains(&"suppressed".to_string())));
        // Too short to tell: a word in capitals alone is still taken for a name.
        let (_, short) = run("HUE");
        assert!(short.iter().all(|e| e.1), "{short:?}");
    }

    /// Regression (the demo's Wikipedia items): "Putin" matched Romanian "puțin" (a
    /// little) through the accent fold, and the hit said nothing of it, so it passed for
    /// a match as typed. Now the hit names the spelling it matched; one as typed, or
    /// differing only in case or by a suffix that matched nothing, names none.
    #[test]
    fn regression_a_match_through_the_accent_fold_says_what_it_matched() {
        let article = |i: u8, lang: &str, title: &str, body: &str| untitled(i, lang, title, body, vec![]);
        let tmp = tempfile::tempdir().unwrap();
        let articles = [
            article(1, "en", "Item 1", "PUTIN met the press; Putin's aides stayed."),
            article(2, "ro", "Item 2", "A plouat puțin ieri la București."),
            // In the title only: the snippet (of the text) has nothing marked.
            article(3, "ro", "Puțin soare", "Vremea de mâine la munte."),
        ];
        let index = crate::testdata::index(tmp.path(), &articles);
        let q = newsdex_query::parse("Putin", newsdex_query::DefaultOp::And).unwrap();
        let r = index.search(&SearchRequest::new(&q)).unwrap();
        let matched: Vec<(u8, Vec<String>)> = r.hits.iter().map(|h| (h.id.0[0], h.matched.clone())).collect();
        assert!(matched.contains(&(1, vec![])), "{matched:?}");
        assert!(matched.contains(&(2, vec!["puțin".to_string()])), "{matched:?}");
        assert!(matched.contains(&(3, vec!["Puțin".to_string()])), "{matched:?}");
    }

    /// Regression (a Japanese Wikinews article, "2006 FIFAワールドカップドイツ大会"):
    /// `Germany` found it through the gazetteer's ドイツ, but the analyzer cuts the
    /// katakana run ワールドカップドイツ into bigrams with no token ドイツ, so the hit named
    /// nothing it matched and passed for a match as typed. A spelling in a script written
    /// without spaces is now found in the text as written.
    #[test]
    fn regression_a_name_inside_a_run_of_katakana_is_named() {
        let q = newsdex_query::parse("Germany", newsdex_query::DefaultOp::And).unwrap();
        let e = Expansion {
            term: "Germany".into(),
            name: true,
            variants: vec!["ドイツ".into(), "เยอรมนี".into(), "Deutschland".into()],
            left_out: 0,
            key: None,
            forms: vec![],
            added: 0,
        };
        let s = Spellings::of(&[e], &q);
        let ja = "2006 FIFAワールドカップドイツ大会・グループFの日本対ブラジル戦";
        assert_eq!(s.found(&["日本は敗れ", ja]), vec!["ドイツ".to_string()]);
        assert_eq!(s.found(&["ฟุตบอลโลกที่เยอรมนีปีนี้"]), vec!["เยอรมนี".to_string()]);
        // Latin spellings stay whole words: "Deutschlandfunk" is not "Deutschland".
        assert!(s.found(&["Sendung im Deutschlandfunk"]).is_empty());
        assert!(s.found(&["日本はブラジルに逆転負け"]).is_empty());
    }

    /// The index stores no text (the document store holds it once): its stored documents
    /// have no body, and a hit's snippet and its title taken from the text come from the
    /// [`crate::Texts`] set, whatever it holds. An id the texts lack gets an empty snippet,
    /// not another document's text.
    #[test]
    fn the_index_stores_no_text_and_hits_read_it_from_the_texts_set() {
        let tmp = tempfile::tempdir().unwrap();
        let from_body = vec![newsdex_core::Warning::new(newsdex_core::TITLE_FROM_BODY, "no title")];
        let articles = vec![
            untitled(1, "en", "Harvest report", "The harvest of rice rose in Assam.", vec![]),
            untitled(2, "en", "The harvest of wheat fell", "The harvest of wheat fell in Punjab.", from_body),
            untitled(3, "en", "Harvest notes", "A harvest note without a text in the store.", vec![]),
        ];
        let mut index = crate::testdata::index(tmp.path(), &articles);
        let searcher = index.reader.searcher();
        for seg in 0..searcher.segment_readers().len() as u32 {
            for doc in 0..searcher.segment_reader(seg).max_doc() {
                let d: TantivyDocument = searcher.doc(DocAddress::new(seg, doc)).unwrap();
                assert!(d.get_first(index.fields.body).is_none(), "a body is stored in the index");
                assert!(d.get_first(index.fields.title).is_some(), "titles stay stored");
            }
        }
        let mut texts = HashMap::new();
        texts.insert(articles[0].id, "Kept elsewhere: the harvest of rice rose in Assam.".to_string());
        texts.insert(articles[1].id, "Wheat elsewhere\nThe harvest of wheat fell in Punjab.".to_string());
        index.set_texts(Arc::new(crate::TextsInMemory(texts)));
        let q = newsdex_query::parse("harvest", newsdex_query::DefaultOp::And).unwrap();
        let r = index.search(&SearchRequest::new(&q)).unwrap();
        let hit = |i: usize| r.hits.iter().find(|h| h.id == articles[i].id).unwrap();
        assert!(hit(0).snippet.text.starts_with("Kept elsewhere"), "{:?}", hit(0).snippet);
        assert_eq!(hit(1).title, "Wheat elsewhere");
        assert_eq!(hit(2).snippet.text, "");
    }

    /// An article of the tests, with `warnings` (a `title-from-body` one makes it untitled).
    fn untitled(
        i: u8,
        lang: &str,
        title: &str,
        body: &str,
        warnings: Vec<newsdex_core::Warning>,
    ) -> newsdex_core::Article {
        newsdex_core::Article {
            id: newsdex_core::DocId([i; 8]),
            format: newsdex_core::SourceFormat::Jsonl,
            title: title.into(),
            body: body.into(),
            url: None,
            outlet: None,
            lang: Some(lang.into()),
            published: None,
            authors: vec![],
            extra: Default::default(),
            warnings,
            removed: vec![],
        }
    }

    /// A query's language is guessed once per text and kept across commits (watches run
    /// the same queries after each one), while whether the archive holds documents in it
    /// is asked of each view: a French query finds French word forms only once French
    /// documents arrive. Each text keeps its own guess.
    #[test]
    fn a_querys_language_is_guessed_once_and_its_presence_asked_of_each_view() {
        let tmp = tempfile::tempdir().unwrap();
        let articles = [
            untitled(1, "en", "Elections", "The government postponed the regional elections again.", vec![]),
            untitled(2, "de", "Wahlen", "Die Regierung hat die Landtagswahlen erneut verschoben.", vec![]),
        ];
        let index = crate::testdata::index(tmp.path(), &articles);
        let lang = |index: &crate::SearchIndex, text: &str| {
            let q = newsdex_query::parse(text, newsdex_query::DefaultOp::And).unwrap();
            index.query_lang(&searched_words(&q), &index.reader.searcher()).unwrap()
        };
        let (en, de, fr) = (
            "the government postponed the elections",
            "die Regierung hat die Wahlen verschoben",
            "le gouvernement a reporté les élections régionales",
        );
        assert_eq!(lang(&index, en).as_deref(), Some("en"));
        assert_eq!(lang(&index, de).as_deref(), Some("de"));
        // Confidently French, but the archive holds no French yet.
        assert_eq!(lang(&index, fr), None);
        // Under twelve letters: no guess is made, none kept.
        assert_eq!(lang(&index, "Wahlen"), None);
        assert_eq!(index.query_langs.len(), 3);
        let mut w = index.writer(1, 15_000_000).unwrap();
        let french = untitled(3, "fr", "Élections", "Le gouvernement a reporté les élections régionales.", vec![]);
        w.add(&french, "more.jsonl", 9).unwrap();
        w.commit(9).unwrap();
        w.wait_merging_threads().unwrap();
        index.reload().unwrap();
        assert_eq!(lang(&index, fr).as_deref(), Some("fr"));
        assert_eq!(lang(&index, de).as_deref(), Some("de"));
        assert_eq!(index.query_langs.len(), 3, "the new view guessed again");
    }

    fn hit_ids(index: &crate::SearchIndex, query: &str) -> Vec<u8> {
        let q = newsdex_query::parse(query, newsdex_query::DefaultOp::Or).unwrap();
        let mut ids: Vec<u8> = index.search(&SearchRequest::new(&q)).unwrap().hits.iter().map(|h| h.id.0[0]).collect();
        ids.sort_unstable();
        ids
    }

    /// The total as typed ("133 matches, 54 as typed") against the naive answer: the same
    /// query searched with expansion off. Articles spread over several segments, with
    /// word forms and spelling variants to expand to, with and without facets, NOT and a
    /// filter.
    #[test]
    fn the_total_as_typed_is_the_unexpanded_searchs_total() {
        let tmp = tempfile::tempdir().unwrap();
        let words = ["Uighur", "Uyghur", "flows", "flow", "flowing", "trade", "traders", "oil", "Sudan", "court"];
        let articles: Vec<newsdex_core::Article> = (0..90u8)
            .map(|i| {
                let pick = |k: usize| words[(i as usize * (k + 3) + k * k) % words.len()];
                let body = format!("{} and {} met {} near the {}.", pick(0), pick(1), pick(2), pick(3));
                untitled(i, if i % 3 == 0 { "fr" } else { "en" }, "", &body, vec![])
            })
            .collect();
        let index = crate::testdata::index(tmp.path(), &articles);
        let mut expanded = 0;
        for query in [
            "Uighur",
            "flows",
            "Uighur flows",
            "Uighur OR oil",
            "traders AND court",
            "\"Uighur and\"",
            "(flows OR trade) Sudan",
            "Uighur -oil",
            "flows NOT court",
            "-Sudan flows",
            "lang:fr flows",
        ] {
            let q = newsdex_query::parse(query, newsdex_query::DefaultOp::Or).unwrap();
            for facets in [false, true] {
                let mut req = SearchRequest::new(&q);
                req.facets = facets;
                let r = index.search(&req).unwrap();
                req.expand = false;
                let typed = index.search(&req).unwrap().total;
                match r.total_as_typed {
                    Some(n) => {
                        assert_eq!(n, typed, "{query} (facets {facets})");
                        expanded += 1;
                    }
                    None => assert_eq!(r.total, typed, "{query}: nothing expanded"),
                }
            }
        }
        assert!(expanded >= 12, "{expanded}");
    }

    /// In Vietnamese a mark makes another word: `má` (mother) is not `ma` (ghost). Folded
    /// away, 3,768 distinct words of XQuAD-R's Vietnamese became 2,740 and newsdex ranked
    /// below Lucene there (issue #15). A word typed with its marks finds that word; typed
    /// without, every spelling; a Vietnamese name typed with marks still finds it written
    /// without them outside Vietnamese text, and says so.
    #[test]
    fn regression_vietnamese_marks_make_other_words() {
        let tmp = tempfile::tempdir().unwrap();
        let articles = [
            untitled(1, "vi", "Gia đình", "Mẹ tôi gọi bà ngoại là má.", vec![]),
            untitled(2, "vi", "Chuyện làng", "Người ta nói có ma trong nhà.", vec![]),
            untitled(3, "en", "Hanoi talks", "Prime Minister Nguyen Xuan Phuc spoke.", vec![]),
            untitled(4, "vi", "Hà Nội", "Thủ tướng Nguyễn Xuân Phúc phát biểu.", vec![]),
        ];
        let index = crate::testdata::index(tmp.path(), &articles);
        assert_eq!(hit_ids(&index, "má"), [1]);
        assert_eq!(hit_ids(&index, "ma"), [1, 2]);
        assert_eq!(hit_ids(&index, "Nguyen"), [3, 4]);
        let q = newsdex_query::parse("Nguyễn", newsdex_query::DefaultOp::Or).unwrap();
        let r = index.search(&SearchRequest::new(&q)).unwrap();
        let mut ids: Vec<u8> = r.hits.iter().map(|h| h.id.0[0]).collect();
        ids.sort_unstable();
        assert_eq!(ids, [3, 4]);
        assert!(r.expansions.iter().any(|e| e.variants == ["Nguyen"]), "{:?}", r.expansions);
        assert_eq!(hit_ids(&index, "=Nguyễn"), [4], "exact: as typed");
    }

    /// A record without a title gets its text's first line as one (shown); searched as a
    /// title too, those words counted twice, with a short field's length normalisation:
    /// on TIME (untitled articles) newsdex ranked below Lucene (issue #15).
    #[test]
    fn regression_a_title_taken_from_the_text_is_shown_not_searched() {
        let tmp = tempfile::tempdir().unwrap();
        let standin = newsdex_core::Warning::new(newsdex_core::TITLE_FROM_BODY, "no title given");
        let body = "THE ALLIES AFTER NASSAU IN DECEMBER 1960\nTHE U.S. FIRST PROPOSED TO HELP NATO.";
        let articles = [
            untitled(1, "en", &newsdex_core::stand_in_title(body), body, vec![standin]),
            untitled(2, "en", "Nassau accord", "The accord was signed.", vec![]),
        ];
        let index = crate::testdata::index(tmp.path(), &articles);
        assert_eq!(hit_ids(&index, "title:nassau"), [2]);
        assert_eq!(hit_ids(&index, "nassau"), [1, 2]);
        let q = newsdex_query::parse("allies", newsdex_query::DefaultOp::Or).unwrap();
        let r = index.search(&SearchRequest::new(&q)).unwrap();
        assert_eq!(r.hits[0].title, "THE ALLIES AFTER NASSAU IN DECEMBER 1960");
    }

    #[test]
    fn lead_cuts_at_a_word() {
        assert_eq!(lead("Short body.", 50).text, "Short body.");
        assert_eq!(lead("One two three four", 9).text, "One two…");
        assert_eq!(lead("维吾尔族新闻报道", 3).text, "维吾尔…");
        assert_eq!(lead("Para one.\n\nPara two.", 100).text, "Para one.  Para two.");
    }

    #[test]
    fn excerpts_say_where_they_were_cut() {
        let body = "One. Two Tashkent three. Four.";
        // Highlights are relative to the fragment, as tantivy gives them.
        let s = excerpt(body, 5..24, std::slice::from_ref(&(4..12)));
        assert_eq!(s.text, "…Two Tashkent three.…");
        assert_eq!(&s.text[s.highlights[0].clone()], "Tashkent");
        let whole = excerpt(body, 0..body.len(), std::slice::from_ref(&(9..17)));
        assert_eq!(whole.text, body);
    }

    #[test]
    fn regression_overlapping_cjk_bigram_highlights_do_not_panic() {
        // 维基新闻 is searched as the bigrams 维基 基新 新闻; tantivy marks each, so the
        // ranges overlap. Rendering once sliced "begin > end" and took the server down.
        let body = "英文维基新闻在2006年";
        let (a, b, c) = (6..12, 9..15, 12..18);
        let s = excerpt(body, 0..body.len(), &[a, b, c]);
        assert_eq!(s.highlights, vec![6..18]);
        assert_eq!(s.to_html(), "英文<b>维基新闻</b>在2006年");
        // Whatever ranges a snippet holds, rendering never panics; bad ones are dropped.
        let backwards = |a: usize, b: usize| Range { start: a, end: b };
        let highlights = vec![backwards(4, 2), 1..3, 3..6, 0..99, backwards(6, 3)];
        let bad = Snippet { text: "维基新闻".into(), highlights };
        assert_eq!(bad.parts(), [("维", false), ("基", true), ("新闻", false)]);
    }

    proptest::proptest! {
        /// Against the naive model: the pieces always spell the text, and a character is
        /// marked exactly when it lies inside some valid highlight range.
        #[test]
        fn parts_spell_the_text_and_mark_what_the_ranges_cover(
            text in "[a-z维基新闻 ]{0,12}",
            ranges in proptest::collection::vec((0usize..40, 0usize..40), 0..6),
        ) {
            let highlights: Vec<Range<usize>> = ranges.iter().map(|&(a, b)| a..b).collect();
            let s = Snippet { text: text.clone(), highlights: highlights.clone() };
            let parts = s.parts();
            proptest::prop_assert_eq!(parts.iter().map(|(p, _)| *p).collect::<String>(), text.clone());
            for w in parts.windows(2) {
                proptest::prop_assert!(w[0].1 || w[1].1, "two unmarked pieces in a row");
            }
            let mut marked = Vec::new();
            for (p, m) in &parts {
                marked.extend(std::iter::repeat_n(*m, p.len()));
            }
            for (b, m) in marked.iter().enumerate() {
                let naive = highlights.iter().any(|r| {
                    r.start < r.end && r.end <= text.len() && text.is_char_boundary(r.start)
                        && text.is_char_boundary(r.end) && r.contains(&b)
                });
                proptest::prop_assert_eq!(*m, naive, "byte {}", b);
            }
            let html = s.to_html();
            proptest::prop_assert_eq!(html.matches("<b>").count(), parts.iter().filter(|p| p.1).count());
        }
    }

    #[test]
    fn snippet_html_is_escaped() {
        let s = Snippet { text: "<script> Tashkent & co".into(), highlights: std::iter::once(9..17).collect() };
        assert_eq!(s.to_html(), "&lt;script&gt; <b>Tashkent</b> &amp; co");
    }
}
