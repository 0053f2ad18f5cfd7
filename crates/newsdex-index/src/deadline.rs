//! A wall-clock deadline for one search, and the collector wrapper that enforces it.
//!
//! tantivy has no timeout: `Searcher::search` runs every segment to the end. [`Timed`]
//! wraps any collector and drives each segment's scorer itself (what tantivy's default
//! `collect_segment` does through `Weight::for_each`), looking at the deadline every
//! [`CHECK_EVERY`] documents; past it, collection stops with an error that
//! [`SearchIndex::search`](crate::SearchIndex::search) reports as
//! [`IndexError::Timeout`]. Between its phases (building the query, collecting, collapsing,
//! snippets and stored fields of each hit) the search looks at the deadline too.
//!
//! What the deadline cannot interrupt is work inside one document's match (a phrase's
//! positions) or inside building a segment's scorer (a prefix reading every matching
//! word's postings); the query budgets ([`newsdex_query::QueryLimits`]) bound those before
//! the search starts.
//!
//! For tests, [`Deadline::after_checks`] passes after a number of looks instead of a
//! time, so a test of the deadline does not depend on the machine's speed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocSet, SegmentReader, TERMINATED, TantivyError};

use crate::{IndexError, Result};

/// Documents collected between two looks at the clock (a look costs tens of nanoseconds).
pub const CHECK_EVERY: u32 = 2048;

/// When a search must give up.
#[derive(Debug, Clone)]
pub struct Deadline(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    kind: Kind,
    /// Set once a look found the deadline passed.
    passed: AtomicBool,
}

#[derive(Debug)]
enum Kind {
    Never,
    At {
        at: Instant,
        limit: Duration,
    },
    /// Passes at the look after `left` reaches zero.
    Checks {
        left: AtomicU64,
    },
}

impl Default for Deadline {
    fn default() -> Deadline {
        Deadline::never()
    }
}

impl Deadline {
    fn new(kind: Kind) -> Deadline {
        Deadline(Arc::new(Inner { kind, passed: AtomicBool::new(false) }))
    }

    /// No deadline.
    pub fn never() -> Deadline {
        Deadline::new(Kind::Never)
    }

    /// `limit` from now (a zero limit has already passed).
    pub fn after(limit: Duration) -> Deadline {
        Deadline::new(Kind::At { at: Instant::now() + limit, limit })
    }

    /// Passes at the look after `looks` looks, whatever the time (for tests).
    pub fn after_checks(looks: u64) -> Deadline {
        Deadline::new(Kind::Checks { left: AtomicU64::new(looks) })
    }

    /// The time allowed, for messages (zero for a deadline counted in looks).
    pub fn limit(&self) -> Option<Duration> {
        match &self.0.kind {
            Kind::Never => None,
            Kind::At { limit, .. } => Some(*limit),
            Kind::Checks { .. } => Some(Duration::ZERO),
        }
    }

    /// Look: whether the deadline has passed (and remember that it has).
    pub fn passed(&self) -> bool {
        if self.0.passed.load(Ordering::Relaxed) {
            return true;
        }
        let passed = match &self.0.kind {
            Kind::Never => false,
            Kind::At { at, .. } => Instant::now() >= *at,
            Kind::Checks { left } => {
                left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_err()
            }
        };
        if passed {
            self.0.passed.store(true, Ordering::Relaxed);
        }
        passed
    }

    /// Whether a look has found the deadline passed (no new look).
    pub(crate) fn has_passed(&self) -> bool {
        self.0.passed.load(Ordering::Relaxed)
    }

    /// `Err(Timeout)` once the deadline has passed.
    pub fn check(&self) -> Result<()> {
        if self.passed() { Err(self.error()) } else { Ok(()) }
    }

    pub(crate) fn error(&self) -> IndexError {
        IndexError::Timeout { limit: self.limit().unwrap_or_default() }
    }

    fn check_tantivy(&self) -> tantivy::Result<()> {
        if self.passed() { Err(TantivyError::InternalError("the search deadline passed".into())) } else { Ok(()) }
    }

    /// An error from a search under this deadline: a timeout if the deadline stopped it.
    pub(crate) fn explain(&self, e: TantivyError) -> IndexError {
        if self.has_passed() { self.error() } else { IndexError::Tantivy(e) }
    }
}

/// `inner`, collected under `deadline`.
#[derive(Debug)]
pub(crate) struct Timed<C> {
    pub inner: C,
    pub deadline: Deadline,
}

impl<C> Timed<C> {
    pub fn new(inner: C, deadline: &Deadline) -> Timed<C> {
        Timed { inner, deadline: deadline.clone() }
    }
}

impl<C: Collector> Collector for Timed<C> {
    type Fruit = C::Fruit;
    type Child = C::Child;

    fn check_schema(&self, schema: &tantivy::schema::Schema) -> tantivy::Result<()> {
        self.inner.check_schema(schema)
    }

    fn for_segment(&self, ord: u32, segment: &SegmentReader) -> tantivy::Result<C::Child> {
        self.inner.for_segment(ord, segment)
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(&self, fruits: Vec<<C::Child as SegmentCollector>::Fruit>) -> tantivy::Result<C::Fruit> {
        self.inner.merge_fruits(fruits)
    }

    /// tantivy's default (`Weight::for_each` / `for_each_no_score` into the segment
    /// collector), with a look at the deadline every [`CHECK_EVERY`] documents.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
        self.deadline.check_tantivy()?;
        let mut child = self.inner.for_segment(ord, reader)?;
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        if self.inner.requires_scoring() {
            let mut doc = scorer.doc();
            let mut since_look = 0u32;
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    child.collect(doc, scorer.score());
                }
                since_look += 1;
                if since_look == CHECK_EVERY {
                    since_look = 0;
                    self.deadline.check_tantivy()?;
                }
                doc = scorer.advance();
            }
        } else {
            let mut buffer = [0; COLLECT_BLOCK_BUFFER_LEN];
            let mut since_look = 0u32;
            loop {
                let n = scorer.fill_buffer(&mut buffer);
                match alive {
                    None => child.collect_block(&buffer[..n]),
                    Some(a) => buffer[..n].iter().filter(|d| a.is_alive(**d)).for_each(|d| child.collect(*d, 0.0)),
                }
                if n < buffer.len() {
                    break;
                }
                since_look += n as u32;
                if since_look >= CHECK_EVERY {
                    since_look = 0;
                    self.deadline.check_tantivy()?;
                }
            }
        }
        Ok(child.harvest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_pass_by_time_or_by_looks() {
        assert!(!Deadline::never().passed());
        assert!(Deadline::after(Duration::ZERO).passed(), "a zero deadline has passed at once");
        assert!(!Deadline::after(Duration::from_secs(3600)).passed());
        let d = Deadline::after_checks(2);
        assert!(!d.passed());
        assert!(!d.passed());
        assert!(d.passed());
        assert!(d.passed(), "stays passed");
        assert!(d.clone().has_passed(), "clones share the state");
        assert!(
            matches!(Deadline::after(Duration::ZERO).check(), Err(IndexError::Timeout { limit }) if limit.is_zero())
        );
    }

    /// 5,000 one-word documents in one segment.
    fn index() -> tantivy::Index {
        use tantivy::schema::{Schema, TEXT};
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = tantivy::Index::create_in_ram(schema.build());
        let mut w: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..5000 {
            w.add_document(tantivy::doc!(text => if i % 2 == 0 { "even word" } else { "odd word" })).unwrap();
        }
        w.commit().unwrap();
        index
    }

    /// The deadline is looked at while a segment is collected, not only before: counted in
    /// looks, so the test does not depend on the machine's speed.
    #[test]
    fn collection_stops_within_a_segment_once_the_deadline_passes() {
        use tantivy::collector::{Count, TopDocs};
        use tantivy::query::{AllQuery, QueryParser};
        let index = index();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let field = index.schema().get_field("text").unwrap();
        let word = QueryParser::for_index(&index, vec![field]).parse_query("word").unwrap();
        // One look before the segment, then one every CHECK_EVERY documents: 5,000
        // documents take three looks in all.
        for (query, scored) in [(&AllQuery as &dyn tantivy::query::Query, false), (&*word, true)] {
            let count = searcher.search(query, &Timed::new(Count, &Deadline::after_checks(3))).unwrap();
            assert_eq!(count, 5000);
            let d = Deadline::after_checks(2);
            let e = searcher.search(query, &Timed::new(Count, &d)).unwrap_err();
            assert!(d.has_passed(), "stopped by the deadline: {e}");
            assert!(matches!(d.explain(e), IndexError::Timeout { .. }));
            if scored {
                let top = TopDocs::with_limit(3).order_by_score();
                let d = Deadline::after_checks(1);
                assert!(searcher.search(query, &Timed::new(top, &d)).is_err());
            }
        }
        // A deadline that never passes changes nothing.
        let even = QueryParser::for_index(&index, vec![field]).parse_query("even").unwrap();
        assert_eq!(searcher.search(&*even, &Timed::new(Count, &Deadline::never())).unwrap(), 2500);
    }
}
