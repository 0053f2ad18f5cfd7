//! Every match of a search, for exports: the ids of all matching documents (filters and
//! snapshot applied), sorted, with no cap. Memory is 8 bytes per match (8 MB for a
//! million); the documents themselves are read afterwards from the store in chunks.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentReader};

use crate::deadline::Timed;
use crate::search::SearchRequest;
use crate::{Result, SearchIndex};

/// Collects the `doc` fast field (the document id) of every match.
struct MatchIds;

struct MatchIdsSegment {
    col: Column<u64>,
    ids: Vec<u64>,
}

impl Collector for MatchIds {
    type Fruit = Vec<u64>;
    type Child = MatchIdsSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<MatchIdsSegment> {
        Ok(MatchIdsSegment { col: segment.fast_fields().u64("doc")?, ids: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for MatchIdsSegment {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.col.first(doc) {
            self.ids.push(id);
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.ids
    }
}

impl SearchIndex {
    /// The ids of every document `req` matches (its filters and snapshot applied; its
    /// limit, offset, collapsing and order ignored), sorted by id and without repeats.
    pub fn matching_ids(&self, req: &SearchRequest<'_>) -> Result<Vec<u64>> {
        let searcher = self.reader.searcher();
        let built = self.build(req, &searcher, req.expand)?;
        let deadline = &req.deadline;
        let mut ids =
            searcher.search(&*built.query, &Timed::new(MatchIds, deadline)).map_err(|e| deadline.explain(e))?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}
