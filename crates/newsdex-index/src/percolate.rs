//! Matching many saved searches against the documents of a few new batches (watches).
//!
//! A watch asks "which documents of batches `first..=last` does my search match?". Run as
//! an ordinary search with a batch-range filter, each of N watches would open every
//! segment of the archive and scan the `seq` column of each: the cost grows with the
//! archive, not with the batch. Here the batch's documents are found once per run
//! ([`SearchIndex::batch_docs`]: one pass over the `seq` column of the segments whose
//! range of batch numbers reaches the batch; older segments are skipped by the column's
//! min/max), as a sorted list per segment. Each watch's query is then run only on those
//! segments, its documents intersected with the list by leapfrogging (seek), so a
//! watch whose words are common in the archive costs no more than one whose words are
//! rare: at most as many seeks as the batch has documents.
//!
//! The query itself is translated exactly as a search translates it (same expansion,
//! against the whole archive's dictionary), so a watch matches what the same search,
//! restricted to the batch, would find; `tests` checks this against
//! [`SearchIndex::matching_ids`] with a batch filter.

use tantivy::columnar::Column;
use tantivy::query::EnableScoring;
use tantivy::{DocId, DocSet, Searcher, TERMINATED};

use crate::search::SearchRequest;
use crate::{Result, SearchIndex};

/// The documents of a range of batches, per segment, on one searcher (one view of the
/// archive: documents committed later are not in it).
pub struct BatchDocs {
    searcher: Searcher,
    /// (segment ordinal, its live documents in the range in order, its `doc` id column).
    segments: Vec<(u32, Vec<DocId>, Column<u64>)>,
    len: usize,
}

impl BatchDocs {
    /// How many documents the batches hold (deleted ones excluded).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl std::fmt::Debug for BatchDocs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchDocs").field("segments", &self.segments.len()).field("len", &self.len).finish()
    }
}

impl SearchIndex {
    /// The documents committed in batches `first..=last`, found once for many
    /// [`SearchIndex::matching_ids_in`] calls.
    pub fn batch_docs(&self, first: u64, last: u64) -> Result<BatchDocs> {
        let searcher = self.reader.searcher();
        let mut segments = Vec::new();
        let mut len = 0;
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let seq: Column<u64> = seg.fast_fields().u64("seq")?;
            if seg.num_docs() == 0 || seq.max_value() < first || seq.min_value() > last {
                continue;
            }
            let alive = seg.alive_bitset();
            let docs: Vec<DocId> = (0..seg.max_doc())
                .filter(|&doc| alive.is_none_or(|a| a.is_alive(doc)))
                .filter(|&doc| seq.first(doc).is_some_and(|s| (first..=last).contains(&s)))
                .collect();
            if !docs.is_empty() {
                len += docs.len();
                segments.push((ord as u32, docs, seg.fast_fields().u64("doc")?));
            }
        }
        Ok(BatchDocs { searcher, segments, len })
    }

    /// The ids of the documents of `docs` that `req` matches (its language, outlet and
    /// date filters applied; its batch range and snapshot ignored: `docs` is the range),
    /// sorted, without repeats. Never scores.
    pub fn matching_ids_in(&self, req: &SearchRequest<'_>, docs: &BatchDocs) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        if docs.is_empty() {
            return Ok(ids);
        }
        let mut req = req.clone();
        (req.batches, req.snapshot) = (None, None);
        // Proximity only scores: without scores its clause is opened for nothing.
        req.ranking.proximity = 0.0;
        let built = self.build(&req, &docs.searcher, req.expand)?;
        let weight = built.query.weight(EnableScoring::disabled_from_searcher(&docs.searcher))?;
        for (ord, batch, id_col) in &docs.segments {
            let mut scorer = weight.scorer(docs.searcher.segment_reader(*ord), 1.0)?;
            // Leapfrog: the scorer and the batch's list each jump to the other's next
            // document; a document both reach is a match.
            let mut at = 0;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                at += batch[at..].partition_point(|&b| b < doc);
                let Some(&b) = batch.get(at) else { break };
                if b == doc {
                    ids.extend(id_col.first(doc));
                    doc = scorer.advance();
                } else {
                    doc = scorer.seek(b);
                }
            }
            req.deadline.check()?;
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}
