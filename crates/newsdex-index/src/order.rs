//! The order of hits: by relevance (tantivy's top-score collector, BM25) or by publication
//! date, newest or oldest first.
//!
//! Date orders are ranked by [`ByDate`], a top-k collector over the `published` and `doc`
//! fast fields (tantivy's `TopNComputer` per segment, merged across segments), never by
//! sorting matches in memory:
//!
//! * articles without a publication date come after every dated one, in both orders, and
//!   are counted ([`Ranked::undated`]) so that results can say so;
//! * ties on equal dates (and among the undated) are broken by the document id, which is
//!   derived from the record's bytes: the order is total and the same in every segment
//!   layout, after merges, reopenings and a reindex, so consecutive pages of one search
//!   never overlap or skip a hit.
//!
//! Relevance is ranked by [`ByScore`], tantivy's `TopNComputer` keyed by the score and then
//! the document id, for the same reason: equal scores (a word's matches in documents of
//! one length, a filter-only query) come in one order whatever the segment layout, so a
//! collection searched through its shards ranks exactly as one archive holding the same
//! documents (tantivy's own collector breaks ties by position in the index).
//!
//! Collapsing (one hit per story) keeps the first member of each story in this order, as
//! it does for relevance; see [`SearchIndex::search`](crate::SearchIndex::search).

use tantivy::DocSet;
use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{Collector, SegmentCollector, TopNComputer};
use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Query, Scorer};
use tantivy::{DateTime, DocAddress, DocId, Score, Searcher, SegmentReader};

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first (BM25).
    #[default]
    Relevance,
    /// Latest publication first; undated articles last.
    Newest,
    /// Earliest publication first; undated articles last.
    Oldest,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Relevance, Sort::Newest, Sort::Oldest];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether hits are ordered by publication date.
    pub fn by_date(self) -> bool {
        self != Sort::Relevance
    }
}

/// Hits in order, and (for a date order) how many matches have no date.
#[derive(Debug)]
pub(crate) struct Ranked {
    /// (BM25 score, or 0 for a date order, where scores are not computed while ranking),
    /// best first.
    pub hits: Vec<(Score, DocAddress)>,
    /// Matches without a publication date, counted by a date order.
    pub undated: Option<u64>,
}

/// The collector that ranks `limit` hits after `offset` in the order `sort`.
pub(crate) fn ranking(
    sort: Sort,
    limit: usize,
    offset: usize,
) -> Ranking<impl Collector<Fruit = Vec<(Score, DocAddress)>>> {
    match sort {
        Sort::Relevance => Ranking::Score(ByScore { limit, offset }),
        Sort::Newest | Sort::Oldest => Ranking::Date(ByDate { newest: sort == Sort::Newest, limit, offset }),
    }
}

/// BM25 scores of hits ranked without them (a date order), for what results report: the
/// query's scorer in each segment, moved forward to each hit in document order (tantivy's
/// `explain` seeks backwards on a fresh scorer and asserts in debug builds).
pub(crate) fn scores(searcher: &Searcher, query: &dyn Query, hits: &mut [(Score, DocAddress)]) -> crate::Result<()> {
    if hits.is_empty() {
        return Ok(());
    }
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut by_address: Vec<usize> = (0..hits.len()).collect();
    by_address.sort_by_key(|&i| hits[i].1);
    let mut current: Option<(u32, Box<dyn Scorer>)> = None;
    for i in by_address {
        let addr = hits[i].1;
        if current.as_ref().is_none_or(|(segment, _)| *segment != addr.segment_ord) {
            current = Some((addr.segment_ord, weight.scorer(searcher.segment_reader(addr.segment_ord), 1.0)?));
        }
        let Some((_, scorer)) = current.as_mut() else { continue };
        let mut doc = scorer.doc();
        if doc < addr.doc_id {
            doc = scorer.seek(addr.doc_id);
        }
        hits[i].0 = if doc == addr.doc_id { scorer.score() } else { 0.0 };
    }
    Ok(())
}

/// Ranks by relevance (`R`, tantivy's top-score collector) or by date.
pub(crate) enum Ranking<R> {
    Score(R),
    Date(ByDate),
}

pub(crate) enum RankingSegment<S> {
    Score(S),
    Date(Box<ByDateSegment>),
}

pub(crate) enum RankingFruit<F> {
    Score(F),
    Date(DateFruit),
}

impl<R> Collector for Ranking<R>
where
    R: Collector<Fruit = Vec<(Score, DocAddress)>>,
{
    type Fruit = Ranked;
    type Child = RankingSegment<R::Child>;

    fn check_schema(&self, schema: &tantivy::schema::Schema) -> tantivy::Result<()> {
        match self {
            Ranking::Score(r) => r.check_schema(schema),
            Ranking::Date(_) => Ok(()),
        }
    }

    fn for_segment(&self, ord: u32, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(match self {
            Ranking::Score(r) => RankingSegment::Score(r.for_segment(ord, segment)?),
            Ranking::Date(d) => RankingSegment::Date(Box::new(d.for_segment(ord, segment)?)),
        })
    }

    fn requires_scoring(&self) -> bool {
        match self {
            Ranking::Score(r) => r.requires_scoring(),
            Ranking::Date(_) => false,
        }
    }

    fn merge_fruits(
        &self,
        fruits: Vec<RankingFruit<<R::Child as SegmentCollector>::Fruit>>,
    ) -> tantivy::Result<Ranked> {
        match self {
            Ranking::Score(r) => {
                let fruits = fruits
                    .into_iter()
                    .filter_map(|f| match f {
                        RankingFruit::Score(f) => Some(f),
                        RankingFruit::Date(_) => None,
                    })
                    .collect();
                Ok(Ranked { hits: r.merge_fruits(fruits)?, undated: None })
            }
            Ranking::Date(d) => {
                let fruits = fruits
                    .into_iter()
                    .filter_map(|f| match f {
                        RankingFruit::Date(f) => Some(f),
                        RankingFruit::Score(_) => None,
                    })
                    .collect();
                d.merge(fruits)
            }
        }
    }
}

impl<S: SegmentCollector> SegmentCollector for RankingSegment<S> {
    type Fruit = RankingFruit<S::Fruit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        match self {
            RankingSegment::Score(s) => s.collect(doc, score),
            RankingSegment::Date(d) => d.collect(doc, score),
        }
    }

    fn harvest(self) -> Self::Fruit {
        match self {
            RankingSegment::Score(s) => RankingFruit::Score(s.harvest()),
            RankingSegment::Date(d) => RankingFruit::Date(d.harvest()),
        }
    }
}

/// The top `offset + limit` matches by score, ties broken by document id (smaller
/// first), then `limit` of them after `offset`.
pub(crate) struct ByScore {
    limit: usize,
    offset: usize,
}

/// What ranks first is greater: (the score, mapped onto unsigned integers in order; the
/// document id reversed).
type ScoreKey = (u32, u64);

fn score_key(score: Score, doc: u64) -> ScoreKey {
    let bits = score.to_bits();
    let ordered = if bits & (1 << 31) != 0 { !bits } else { bits | (1 << 31) };
    (ordered, !doc)
}

/// The score a [`ScoreKey`] was made from.
fn key_score(key: ScoreKey) -> Score {
    let o = key.0;
    Score::from_bits(if o & (1 << 31) != 0 { o & !(1 << 31) } else { !o })
}

pub(crate) struct ByScoreSegment {
    doc: Column<u64>,
    segment: u32,
    top: TopNComputer<ScoreKey, DocId, NaturalComparator>,
}

impl Collector for ByScore {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = ByScoreSegment;

    fn for_segment(&self, ord: u32, segment: &SegmentReader) -> tantivy::Result<ByScoreSegment> {
        let depth = self.offset.saturating_add(self.limit).max(1);
        Ok(ByScoreSegment {
            doc: segment.fast_fields().u64("doc")?,
            segment: ord,
            top: TopNComputer::new_with_comparator(depth, NaturalComparator),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(ScoreKey, DocAddress)>>) -> tantivy::Result<Self::Fruit> {
        let depth = self.offset.saturating_add(self.limit).max(1);
        let mut top = TopNComputer::new_with_comparator(depth, NaturalComparator);
        for (k, addr) in fruits.into_iter().flatten() {
            top.push(k, addr);
        }
        Ok(top
            .into_sorted_vec()
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|c| (key_score(c.sort_key), c.doc))
            .collect())
    }
}

impl SegmentCollector for ByScoreSegment {
    type Fruit = Vec<(ScoreKey, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        // A score below the current cut-off's cannot rank whatever its id: the id is read
        // only for a score that can.
        if self.top.threshold.is_some_and(|t| score_key(score, u64::MAX).0 < t.0) {
            return;
        }
        // Every document has its id; a missing one (never written so) ranks as id 0.
        let id = self.doc.first(doc).unwrap_or(0);
        self.top.push(score_key(score, id), doc);
    }

    fn harvest(self) -> Self::Fruit {
        let segment = self.segment;
        self.top.into_vec().into_iter().map(|c| (c.sort_key, DocAddress::new(segment, c.doc))).collect()
    }
}

/// What ranks first is greater: (dated, the date in the order asked, the document id
/// reversed so that the smaller id wins a tie).
type Key = (bool, u64, u64);

fn key(newest: bool, date: Option<DateTime>, doc: u64) -> Key {
    match date {
        Some(d) => {
            // Order-preserving map of a signed time onto unsigned integers.
            let t = (d.into_timestamp_nanos() as u64) ^ (1 << 63);
            (true, if newest { t } else { !t }, !doc)
        }
        None => (false, 0, !doc),
    }
}

/// The top `offset + limit` matches by date (see the module doc), then `limit` of them
/// after `offset`.
pub(crate) struct ByDate {
    newest: bool,
    limit: usize,
    offset: usize,
}

pub(crate) struct ByDateSegment {
    newest: bool,
    date: Option<Column<DateTime>>,
    doc: Column<u64>,
    segment: u32,
    top: TopNComputer<Key, DocId, NaturalComparator>,
    undated: u64,
}

/// One segment's best matches with their keys, and its undated matches.
pub(crate) struct DateFruit {
    top: Vec<(Key, DocAddress)>,
    undated: u64,
}

impl ByDate {
    fn depth(&self) -> usize {
        self.offset.saturating_add(self.limit).max(1)
    }

    fn for_segment(&self, ord: u32, segment: &SegmentReader) -> tantivy::Result<ByDateSegment> {
        let ff = segment.fast_fields();
        Ok(ByDateSegment {
            newest: self.newest,
            // A segment of documents none of which has a date has no column.
            date: ff.date("published").ok(),
            doc: ff.u64("doc")?,
            segment: ord,
            top: TopNComputer::new_with_comparator(self.depth(), NaturalComparator),
            undated: 0,
        })
    }

    fn merge(&self, fruits: Vec<DateFruit>) -> tantivy::Result<Ranked> {
        let mut top = TopNComputer::new_with_comparator(self.depth(), NaturalComparator);
        let mut undated = 0;
        for f in fruits {
            undated += f.undated;
            for (k, addr) in f.top {
                top.push(k, addr);
            }
        }
        let hits = top.into_sorted_vec().into_iter().skip(self.offset).take(self.limit).map(|c| (0.0, c.doc)).collect();
        Ok(Ranked { hits, undated: Some(undated) })
    }
}

impl SegmentCollector for ByDateSegment {
    type Fruit = DateFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let date = self.date.as_ref().and_then(|c| c.first(doc));
        if date.is_none() {
            self.undated += 1;
        }
        // Every document has its id; a missing one (never written so) ranks as id 0.
        let id = self.doc.first(doc).unwrap_or(0);
        self.top.push(key(self.newest, date, id), doc);
    }

    fn harvest(self) -> DateFruit {
        let segment = self.segment;
        let top = self.top.into_vec().into_iter().map(|c| (c.sort_key, DocAddress::new(segment, c.doc))).collect();
        DateFruit { top, undated: self.undated }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::Arc;

    use newsdex_core::Article;

    use super::*;
    use crate::testdata::{index, reports};
    use crate::{SearchIndex, SearchRequest, StoryMap};

    fn ids(
        index: &SearchIndex,
        query: &str,
        stories: &Arc<StoryMap>,
        sort: Sort,
        collapse: bool,
        limit: usize,
        offset: usize,
    ) -> (Vec<u64>, Option<usize>) {
        let q = newsdex_query::parse(query, newsdex_query::DefaultOp::And).unwrap();
        let mut req = SearchRequest::new(&q);
        (req.sort, req.collapse, req.limit, req.offset, req.stories) =
            (sort, collapse, limit, offset, Some(stories.clone()));
        let r = index.search(&req).unwrap();
        assert_eq!(r.sort, sort);
        (r.hits.iter().map(|h| h.id.as_u64()).collect(), r.undated)
    }

    #[test]
    fn score_keys_order_as_scores_then_smaller_ids_and_give_the_score_back() {
        let scores = [-3.5f32, -0.0, 0.0, 1e-30, 0.5, 1.0, 7.25, 1e30];
        for (i, &a) in scores.iter().enumerate() {
            assert_eq!(key_score(score_key(a, 9)).to_bits(), a.to_bits());
            for &b in &scores[i + 1..] {
                if a < b {
                    assert!(score_key(a, 1) < score_key(b, 2), "{a} {b}");
                }
            }
            assert!(score_key(a, 1) > score_key(a, 2), "the smaller id ranks first");
        }
    }

    /// Regression test for deep paging under every order: pages 1..N of 7 hits
    /// concatenated are the one page of 100, with and without collapsing stories; date
    /// orders put the undated last and break ties on a date by id, whatever the order the
    /// documents were added in (so whatever their addresses in the segments).
    #[test]
    fn pages_concatenated_are_the_whole_ranking_in_every_order() {
        let (articles, stories) = reports();
        let stories = Arc::new(stories);
        let tmp = tempfile::tempdir().unwrap();
        let forward = index(&tmp.path().join("forward"), &articles);
        let reversed: Vec<Article> = articles.iter().rev().cloned().collect();
        let backward = index(&tmp.path().join("backward"), &reversed);
        let undated = articles.iter().filter(|a| a.published.is_none()).count();
        assert_eq!(undated, 9);
        for query in ["*", "harvest"] {
            for sort in Sort::ALL {
                for collapse in [false, true] {
                    let (whole, count) = ids(&forward, query, &stories, sort, collapse, 100, 0);
                    let expected_len = if collapse { 70 - 10 } else { 70 };
                    assert_eq!(whole.len(), expected_len, "{query} {sort:?} collapse={collapse}");
                    assert_eq!(count, sort.by_date().then_some(undated), "{sort:?}");
                    let mut paged = Vec::new();
                    for page in 0.. {
                        let (hits, _) = ids(&forward, query, &stories, sort, collapse, 7, page * 7);
                        if hits.is_empty() {
                            break;
                        }
                        paged.extend(hits);
                    }
                    assert_eq!(paged, whole, "{query} {sort:?} collapse={collapse}");
                    assert_eq!(whole.iter().collect::<HashSet<_>>().len(), whole.len(), "a hit shown twice");
                    if !sort.by_date() {
                        // Regression: equal scores ("*" scores every document alike) came
                        // in index order, so an index holding the same documents in
                        // another order (a collection's shards) ranked them otherwise.
                        assert_eq!(ids(&backward, query, &stories, sort, collapse, 100, 0).0, whole, "{query}");
                        continue;
                    }
                    // The order expected from the articles themselves.
                    let mut all: Vec<&Article> = articles.iter().collect();
                    all.sort_by_key(|a| {
                        let t = a.published.map(|p| if sort == Sort::Newest { -p.timestamp() } else { p.timestamp() });
                        (t.is_none(), t, a.id.as_u64())
                    });
                    let mut seen = HashSet::new();
                    let story = |a: &Article| stories.get(&a.id.as_u64()).copied().unwrap_or(a.id.as_u64());
                    let expected: Vec<u64> =
                        all.iter().filter(|a| !collapse || seen.insert(story(a))).map(|a| a.id.as_u64()).collect();
                    assert_eq!(whole, expected, "{query} {sort:?} collapse={collapse}");
                    // The same order from an index whose documents were added the other way round.
                    assert_eq!(ids(&backward, query, &stories, sort, collapse, 100, 0).0, whole, "{sort:?}");
                }
            }
        }
        // Hits ranked by date still report their BM25 scores, the same as by relevance.
        let q = newsdex_query::parse("harvest OR \"report number\"", newsdex_query::DefaultOp::And).unwrap();
        let scored = |sort: Sort| -> HashMap<u64, f32> {
            let mut req = SearchRequest::new(&q);
            (req.sort, req.limit) = (sort, 100);
            forward.search(&req).unwrap().hits.iter().map(|h| (h.id.as_u64(), h.score)).collect()
        };
        let relevance = scored(Sort::Relevance);
        assert_eq!(relevance.len(), 70);
        assert!(relevance.values().all(|s| *s > 0.0), "{relevance:?}");
        for sort in [Sort::Newest, Sort::Oldest] {
            assert_eq!(scored(sort), relevance, "{sort:?}");
        }
        // The last dated hit is followed by the undated ones only.
        let (newest, _) = ids(&forward, "*", &stories, Sort::Newest, false, 100, 0);
        let dated: HashMap<u64, bool> = articles.iter().map(|a| (a.id.as_u64(), a.published.is_some())).collect();
        assert!(
            newest[70 - undated..].iter().all(|id| !dated[id]) && newest[..70 - undated].iter().all(|id| dated[id])
        );
    }

    #[test]
    fn keys_order_dated_before_undated_and_ties_by_id() {
        let d = |s: i64| Some(DateTime::from_timestamp_secs(s));
        for newest in [true, false] {
            let mut docs = [(None, 5), (d(100), 9), (d(-100), 1), (d(100), 2), (None, 3), (d(0), 7)];
            docs.sort_by_key(|(date, id)| std::cmp::Reverse(key(newest, *date, *id)));
            let order: Vec<u64> = docs.iter().map(|(_, id)| *id).collect();
            if newest {
                assert_eq!(order, [2, 9, 7, 1, 3, 5]);
            } else {
                assert_eq!(order, [1, 7, 2, 9, 3, 5]);
            }
        }
        assert_eq!(Sort::parse("newest"), Some(Sort::Newest));
        assert_eq!(Sort::parse("Newest"), None);
        assert!(Sort::ALL.iter().all(|s| Sort::parse(s.as_str()) == Some(*s)));
    }
}
