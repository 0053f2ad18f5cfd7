//! The ingest pipeline, shared by `ingest` (bytes from files) and `reindex` (bytes from
//! the raw store).
//!
//! Per input, in order: open (a small file read whole, anything else streamed) → keep the
//! bytes (pack append; a large input is streamed into the pack, never held whole) → log
//! the source → read its records as a stream (from memory, or back from the pack) → for
//! each record not seen before, queue it. Queued records are extracted in parallel (rayon)
//! when the queue is full, then added to the open batch and the index writer. A batch
//! commits when it is big (documents, text bytes or rejects) or old enough: packs fsynced,
//! then one SQLite transaction, then the index commit with the batch number as payload.
//! Memory is bounded by the queue, the batch and one record, never by an input's size or
//! by how many records are rejected.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newsdex_core::{DocId, Provenance, RawHash, Reject};
use newsdex_extract::{Hints, RecordKind, extract};
use newsdex_index::IndexWriter;
use newsdex_ingest::{Input, Item, Kind, Limits, Opened, open_input, walk};
use newsdex_store::{Batch, BlobLoc, DocDb, RawStore, RecordKind as PackKind, RejectRow, SourceRecord, StreamError};
use rayon::prelude::*;

use crate::{Engine, INDEX_WRITER_MEMORY, Result};

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub limits: Limits,
    /// Outlet for records that name none.
    pub outlet: Option<String>,
    /// Language for records that name none (skips detection).
    pub lang: Option<String>,
    /// Commit after this many new documents…
    pub batch_docs: usize,
    /// …or this long since the last commit.
    pub batch_interval: Duration,
    /// Index writer threads.
    pub index_threads: usize,
    /// Group copies into stories (on; off only to measure what it costs).
    pub stories: bool,
    /// Estimated shingle Jaccard similarity from which two articles are copies; unset:
    /// the value this archive was last grouped with, else 0.5. Links already made stay.
    pub story_threshold: Option<f64>,
    /// Also join reports of one event whose headlines share this many words within two
    /// days (0: off); unset: as this archive was last grouped, else off. See BENCHMARKS.md
    /// for how precise it is.
    pub story_headline_terms: Option<usize>,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            limits: Limits::default(),
            outlet: None,
            lang: None,
            batch_docs: 5000,
            batch_interval: Duration::from_secs(10),
            index_threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            stories: true,
            story_threshold: None,
            story_headline_terms: None,
        }
    }
}

/// One HTTP response a collector received ([`Engine::keep_fetched`]).
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The address it came from (the document's source).
    pub source: String,
    /// The body, byte for byte as received (compressed if it came compressed).
    pub body: Vec<u8>,
    /// The exchange: request and response headers, status, time.
    pub http: Option<serde_json::Value>,
    /// An article to extract (else kept for the record only).
    pub document: bool,
    pub outlet: Option<String>,
    pub lang: Option<String>,
    /// What the feed said about the item.
    pub feed: Option<newsdex_store::FeedHints>,
    /// The charset the response's `Content-Type` names.
    pub charset: Option<String>,
}

/// Progress, for a progress bar.
#[derive(Debug)]
pub enum IngestEvent<'a> {
    /// The walk is done: this many files and bytes to read.
    Planned { files: u64, bytes: u64 },
    /// One input was read and queued.
    Read { path: &'a str, bytes: u64 },
    /// Something was rejected.
    Rejected(&'a RejectRow),
    /// A batch is durable.
    Committed { seq: u64, documents: u64 },
}

/// What an ingest did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IngestReport {
    /// Input files read (or refused).
    pub files: u64,
    pub bytes: u64,
    /// Documents added.
    pub new: u64,
    /// Records already in the store (same bytes).
    pub duplicates: u64,
    /// Files and records refused, with reasons: the first [`REPORT_REJECTS`] of them (all
    /// are stored, see `newsdex stats`).
    pub rejected: Vec<RejectRow>,
    /// How many were refused in all.
    pub rejected_count: u64,
    /// New documents carrying at least one warning (repairs, guesses).
    pub with_warnings: u64,
    /// Hidden files skipped inside directories.
    pub hidden_skipped: u64,
    /// Records read and deliberately not extracted, by kind and reason (`request: not a
    /// response`, `response: status 404`, `response: not HTML`: WARC archives).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub skipped: std::collections::BTreeMap<String, u64>,
    /// Records left to the other shards of a collection (a shard reads every input it is
    /// given, keeps it whole, and extracts only the records it owns, see
    /// [`newsdex_core::Shard`]; a time-partitioned shard extracts every record and keeps
    /// those its dates assign to it).
    #[serde(skip_serializing_if = "is_zero")]
    pub other_shards: u64,
    /// Reindex of a time-partitioned shard: documents it held before that the dates
    /// extraction now gives assign to another shard. They are no longer here; the other
    /// shard stores them when it is reindexed too (every shard keeps every input).
    #[serde(skip_serializing_if = "is_zero")]
    pub moved_out: u64,
    /// Reindex of a time-partitioned shard: documents it did not hold before that its
    /// range now takes: moved from another shard by a new date (which drops them when
    /// reindexed too), or records extraction refused before.
    #[serde(skip_serializing_if = "is_zero")]
    pub moved_in: u64,
    /// New documents found to be a copy of another (they joined a story).
    pub copies: u64,
    /// Seconds spent grouping stories (hashing texts, on all threads, and linking).
    pub story_secs: f64,
    /// Memory the story grouper held at the end (bytes, approximate): it grows with the
    /// archive, see `newsdex_dedupe`'s module documentation.
    pub story_bytes: u64,
    /// Ids of the documents added, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<DocId>,
    pub elapsed_secs: f64,
}

impl IngestReport {
    /// Every record considered: new + duplicates + rejected.
    pub fn total(&self) -> u64 {
        self.new + self.duplicates + self.rejected_count
    }

    /// Add another run's report (the demo corpus is several ingests).
    pub fn absorb(&mut self, other: IngestReport) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.new += other.new;
        self.duplicates += other.duplicates;
        let room = REPORT_REJECTS.saturating_sub(self.rejected.len());
        self.rejected.extend(other.rejected.into_iter().take(room));
        self.rejected_count += other.rejected_count;
        self.with_warnings += other.with_warnings;
        self.hidden_skipped += other.hidden_skipped;
        for (k, n) in other.skipped {
            *self.skipped.entry(k).or_default() += n;
        }
        self.other_shards += other.other_shards;
        self.moved_out += other.moved_out;
        self.moved_in += other.moved_in;
        self.copies += other.copies;
        self.story_secs += other.story_secs;
        self.story_bytes = other.story_bytes;
        self.added.extend(other.added);
        self.elapsed_secs += other.elapsed_secs;
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Most rejects an [`IngestReport`] lists; all are counted, stored and printed as they
/// happen, so four million bad records cost no memory.
pub const REPORT_REJECTS: usize = 1000;

/// A record waiting for extraction.
struct Work {
    id: DocId,
    bytes: Vec<u8>,
    kind: RecordKind,
    hints: Hints,
    provenance: Provenance,
    /// Where a WARC record is in the archive as given (offset, length).
    packed: Option<(u64, u64)>,
}

/// Records queued before a parallel extraction round.
const QUEUE_RECORDS: usize = 2048;
const QUEUE_BYTES: usize = 64 << 20;
/// A batch also commits once its documents hold this much text…
const BATCH_BYTES: usize = 64 << 20;
/// …or once it holds this many rejects.
const BATCH_REJECTS: usize = 10_000;

/// The state of one ingest or reindex run.
struct Run<'a> {
    db: &'a mut DocDb,
    raw: &'a mut RawStore,
    writer: IndexWriter,
    opts: &'a IngestOptions,
    known: HashSet<DocId>,
    blobs_in_batch: HashMap<RawHash, BlobLoc>,
    sources_in_batch: HashSet<(String, Option<RawHash>)>,
    batch: Batch,
    /// Text bytes of the documents in `batch`.
    batch_bytes: usize,
    seq: u64,
    last_commit: Instant,
    queue: Vec<Work>,
    queue_bytes: usize,
    learner: crate::learned::Learner,
    /// One outlet name per site (see [`crate::outlets`]).
    namer: crate::outlets::Namer,
    stories: Option<Stories>,
    report: IngestReport,
    /// Pack lengths to record instead of asking the raw store (reindex, which only reads).
    fixed_ends: Option<std::collections::BTreeMap<u32, u64>>,
    /// Batch numbers of the generation a reindex replaces, kept by the documents it
    /// stores again, so that snapshots answer as before.
    earlier_seq: HashMap<DocId, u64>,
    /// The shard of a collection this archive is: records it does not own are counted
    /// and left alone.
    shard: Option<newsdex_core::ShardRule>,
    /// Records a time-partitioned shard extracted in this run and found dated for another
    /// shard (not extracted again when met again).
    elsewhere: HashSet<DocId>,
    /// A reindex (which compares with the generation it replaces).
    rebuilding: bool,
    on_event: &'a mut dyn FnMut(IngestEvent<'_>),
}

/// The story grouper of a run, rebuilt from the store's story rows.
struct Stories {
    grouper: newsdex_dedupe::Grouper,
    /// Next ingest order number.
    ord: u64,
}

/// Meta keys of the settings an archive is grouped with.
pub(crate) const STORY_THRESHOLD_META: &str = "story_threshold";
pub(crate) const STORY_HEADLINES_META: &str = "story_headline_terms";

impl Stories {
    fn open(db: &DocDb, threshold: Option<f64>, headline_terms: Option<usize>) -> Result<Stories> {
        let defaults = newsdex_dedupe::Config::default();
        let stored = db.meta(STORY_THRESHOLD_META)?.and_then(|v| v.parse::<f64>().ok());
        let threshold = threshold.or(stored).unwrap_or(defaults.threshold);
        if stored != Some(threshold) {
            db.set_meta(STORY_THRESHOLD_META, &threshold.to_string())?;
        }
        let stored = db.meta(STORY_HEADLINES_META)?.and_then(|v| v.parse::<usize>().ok());
        let headline_terms = headline_terms.or(stored).unwrap_or(defaults.headline_terms);
        if stored != Some(headline_terms) {
            db.set_meta(STORY_HEADLINES_META, &headline_terms.to_string())?;
        }
        let mut grouper =
            newsdex_dedupe::Grouper::new(newsdex_dedupe::Config { threshold, headline_terms, ..defaults });
        grouper.reserve(db.story_row_count()? as usize);
        let config = grouper.config().clone();
        let (mut bad, mut ord) = (0u64, 0u64);
        db.story_rows(|s| {
            ord = ord.max(s.row.ord + 1);
            let Some(p) = newsdex_dedupe::Prepared::from_parts(s.row.exact, &s.row.sig, &config) else {
                bad += 1;
                return;
            };
            let item = newsdex_dedupe::Item {
                key: s.row.doc.as_u64(),
                title: &s.title,
                body: "",
                published: s.published,
                seq: s.row.ord,
            };
            grouper.restore(&item, &p, s.row.story.as_u64());
        })?;
        if bad > 0 {
            tracing::warn!(
                rows = bad,
                "story rows with a damaged signature were skipped (`newsdex reindex` rebuilds them)"
            );
        }
        Ok(Stories { grouper, ord })
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl<'a> Run<'a> {
    fn new(
        db: &'a mut DocDb,
        raw: &'a mut RawStore,
        writer: IndexWriter,
        opts: &'a IngestOptions,
        on_event: &'a mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<Run<'a>> {
        let known = db.doc_ids()?.into_iter().collect();
        let seq = db.last_seq()? + 1;
        let stories =
            if opts.stories { Some(Stories::open(db, opts.story_threshold, opts.story_headline_terms)?) } else { None };
        let mut run = Run {
            db,
            raw,
            writer,
            opts,
            known,
            blobs_in_batch: HashMap::new(),
            sources_in_batch: HashSet::new(),
            batch: Batch::default(),
            batch_bytes: 0,
            seq,
            last_commit: Instant::now(),
            queue: Vec::new(),
            queue_bytes: 0,
            learner: Default::default(),
            namer: Default::default(),
            stories,
            report: IngestReport::default(),
            fixed_ends: None,
            earlier_seq: HashMap::new(),
            shard: None,
            elsewhere: HashSet::new(),
            rebuilding: false,
            on_event,
        };
        // Documents stored before stories existed are grouped now, in their commit order.
        if run.stories.is_some() {
            let old = run.db.docs_without_story()?;
            if !old.is_empty() {
                tracing::info!(documents = old.len(), "grouping documents stored without a story");
                let docs: Vec<_> = old.into_iter().map(|r| (r.article, r.provenance)).collect();
                run.group(&docs);
                run.commit_always()?;
            }
        }
        Ok(run)
    }

    /// Assign stories to new documents (recorded in the open batch).
    fn group(&mut self, docs: &[(newsdex_core::Article, Provenance)]) {
        let Some(st) = &mut self.stories else { return };
        let started = Instant::now();
        let preparer = st.grouper.preparer();
        let prepared: Vec<newsdex_dedupe::Prepared> =
            docs.par_iter().map(|(a, _)| preparer.prepare(&a.title, &a.body)).collect();
        for ((a, _), p) in docs.iter().zip(prepared) {
            let item = newsdex_dedupe::Item {
                key: a.id.as_u64(),
                title: &a.title,
                body: &a.body,
                published: a.published.as_ref().map(|p| p.timestamp()),
                seq: st.ord,
            };
            let added = st.grouper.insert(&item, &p);
            let story = DocId::from_u64(added.story);
            if !added.links.is_empty() {
                self.report.copies += 1;
            }
            self.batch.stories.push(newsdex_store::StoryRow {
                doc: a.id,
                story,
                ord: st.ord,
                exact: p.exact,
                sig: p.signature_bytes(),
            });
            self.batch.moved.extend(added.moved.into_iter().map(|m| (DocId::from_u64(m), story)));
            st.ord += 1;
        }
        self.report.story_secs += started.elapsed().as_secs_f64();
    }

    fn reject(&mut self, source: &str, raw: Option<RawHash>, line: Option<u64>, r: Reject) {
        let row =
            RejectRow { source: source.to_string(), raw, line, code: r.code.to_string(), reason: r.reason, at: now() };
        (self.on_event)(IngestEvent::Rejected(&row));
        self.report.rejected_count += 1;
        if self.report.rejected.len() < REPORT_REJECTS {
            self.report.rejected.push(row.clone());
        }
        self.batch.rejects.push(row);
    }

    /// Keep `bytes` in the raw store unless already there.
    fn keep_blob(&mut self, hash: RawHash, bytes: &[u8]) -> Result<()> {
        if self.blob_loc(&hash)?.is_some() {
            return Ok(());
        }
        let loc = self.raw.append_blob(hash, bytes)?;
        self.blobs_in_batch.insert(hash, loc);
        self.batch.blobs.push((hash, loc));
        Ok(())
    }

    /// Where a kept blob is, if it is kept.
    fn blob_loc(&self, hash: &RawHash) -> Result<Option<BlobLoc>> {
        match self.blobs_in_batch.get(hash) {
            Some(loc) => Ok(Some(*loc)),
            None => Ok(self.db.blob(hash)?),
        }
    }

    /// Log a source unless this (path, blob) pair is already logged.
    fn log_source(&mut self, rec: SourceRecord) -> Result<()> {
        let key = (rec.source.clone(), rec.raw);
        if self.sources_in_batch.contains(&key) || self.db.has_source(&rec.source, rec.raw.as_ref())? {
            return Ok(());
        }
        self.raw.append_source(&rec)?;
        self.sources_in_batch.insert(key);
        self.batch.sources.push(rec);
        Ok(())
    }

    fn source_record(&self, source: &str, raw: Option<RawHash>, size: u64) -> SourceRecord {
        SourceRecord {
            source: source.to_string(),
            raw,
            size,
            ingested_at: now(),
            refused: None,
            refused_code: None,
            outlet: self.opts.outlet.clone(),
            lang: self.opts.lang.clone(),
            part: None,
            first_line: None,
            ..Default::default()
        }
    }

    /// An input refused before its bytes were kept: logged (so `reindex` refuses it again,
    /// with the same reason) and rejected.
    fn refuse(&mut self, source: &str, size: u64, r: Reject) -> Result<()> {
        let rec = SourceRecord {
            refused: Some(r.reason.clone()),
            refused_code: Some(r.code.to_string()),
            ..self.source_record(source, None, size)
        };
        self.log_source(rec)?;
        if self.records_unassigned() {
            self.reject(source, None, None, r);
        }
        Ok(())
    }

    /// Read one input given to `ingest`: keep its bytes, log it, queue its records.
    fn ingest_input(&mut self, source: &str, input: &Input) -> Result<()> {
        match open_input(&input.path, &self.opts.limits) {
            Opened::Refused(r) => self.refuse(source, input.size, r),
            Opened::Whole(bytes) => self.ingest_bytes(source, bytes),
            Opened::Stream(mut s) => {
                let pre = match s.prehash() {
                    Some(Ok(h)) => Some(h),
                    Some(Err(e)) => {
                        let r = Reject::new("unreadable", format!("read failed: {e}"));
                        return self.refuse(source, input.size, r);
                    }
                    None => None,
                };
                let kept = match pre {
                    Some(h) => self.blob_loc(&h)?.map(|loc| (h, loc)),
                    None => None,
                };
                let (hash, loc) = match kept {
                    Some(k) => k,
                    None => match self.raw.append_blob_stream(s.reader(), self.opts.limits.max_file) {
                        Ok(b) => match self.blob_loc(&b.hash)? {
                            Some(loc) => {
                                self.raw.unappend(&b.loc)?;
                                (b.hash, loc)
                            }
                            None => {
                                self.blobs_in_batch.insert(b.hash, b.loc);
                                self.batch.blobs.push((b.hash, b.loc));
                                (b.hash, b.loc)
                            }
                        },
                        Err(StreamError::TooLarge { read }) => {
                            return self.refuse(source, read, newsdex_ingest::too_large(read, &self.opts.limits));
                        }
                        Err(StreamError::Read(e)) => {
                            let r = Reject::new("unreadable", format!("read failed: {e}"));
                            return self.refuse(source, input.size, r);
                        }
                        Err(StreamError::Store(e)) => return Err(e.into()),
                    },
                };
                self.report.bytes += loc.len;
                let rec = self.source_record(source, Some(hash), loc.len);
                self.log_source(rec.clone())?;
                let reader = self.raw.open_blob(&loc)?;
                self.process(&rec, hash, Box::new(reader))
            }
        }
    }

    /// Keep, log and process bytes held in memory (a small file, an API body).
    fn ingest_bytes(&mut self, source: &str, bytes: Vec<u8>) -> Result<()> {
        self.report.bytes += bytes.len() as u64;
        let hash = RawHash::of(&bytes);
        self.keep_blob(hash, &bytes)?;
        let rec = self.source_record(source, Some(hash), bytes.len() as u64);
        self.log_source(rec.clone())?;
        self.process(&rec, hash, Box::new(std::io::Cursor::new(bytes)))
    }

    /// Keep one HTTP exchange (always logged, even when its body was kept before: the
    /// log is the fetch history) and, for an article page, extract it.
    fn keep_fetched(&mut self, f: Fetched) -> Result<()> {
        let raw = if f.body.is_empty() {
            None
        } else {
            let hash = RawHash::of(&f.body);
            self.keep_blob(hash, &f.body)?;
            Some(hash)
        };
        self.report.files += 1;
        self.report.bytes += f.body.len() as u64;
        let rec = SourceRecord {
            http: f.http,
            record_only: !f.document,
            feed: f.feed,
            charset: f.charset,
            outlet: f.outlet,
            lang: f.lang,
            ..self.source_record(&f.source, raw, f.body.len() as u64)
        };
        self.raw.append_source(&rec)?;
        self.batch.sources.push(rec.clone());
        match raw {
            Some(hash) if f.document => self.process(&rec, hash, Box::new(std::io::Cursor::new(f.body))),
            _ => Ok(()),
        }
    }

    /// Whether this archive records what belongs to no document (refused inputs and
    /// records, skipped archive records): any archive but the shards of a collection
    /// after the first.
    fn records_unassigned(&self) -> bool {
        self.shard.as_ref().is_none_or(|s| s.shard.index == 0)
    }

    /// Read a kept input's records from `input` (its bytes, from memory or the raw
    /// store) and queue the unseen ones.
    fn process(&mut self, rec: &SourceRecord, hash: RawHash, input: Box<dyn Read + '_>) -> Result<()> {
        let items = match newsdex_ingest::records(input, &rec.source, &self.opts.limits) {
            Ok(r) => r,
            Err(r) => {
                if self.records_unassigned() {
                    self.reject(&rec.source, Some(hash), None, r);
                }
                return Ok(());
            }
        };
        let kind = match items.kind {
            Kind::Text => RecordKind::Text,
            Kind::Html => RecordKind::Html,
            Kind::Jsonl => RecordKind::Jsonl,
            Kind::Warc => RecordKind::Warc,
            Kind::Arc => RecordKind::Arc,
        };
        let feed = rec.feed.clone().unwrap_or_default();
        let hints = Hints {
            outlet: rec.outlet.clone(),
            lang: rec.lang.clone(),
            title: feed.title,
            published: feed.published,
            authors: feed.authors,
            url: feed.url,
            feed_lang: feed.lang,
            charset: rec.charset.clone(),
        };
        // Lines of a part (archives written before inputs were kept whole) are numbered in
        // the whole input.
        let line_of = |l: Option<u64>| l.map(|l| l + rec.first_line.unwrap_or(1) - 1);
        let mut skipped: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
        for item in items {
            match item {
                Ok(Item::Record { span, bytes }) => {
                    let id = DocId::of_record(&bytes);
                    let elsewhere = match &self.shard {
                        Some(s) => s.owns_id(id) == Some(false) || self.elsewhere.contains(&id),
                        None => false,
                    };
                    if elsewhere {
                        self.report.other_shards += 1;
                        continue;
                    }
                    if self.known.contains(&id) || (kind == RecordKind::Warc && self.exported_known(&bytes)) {
                        self.report.duplicates += 1;
                        continue;
                    }
                    self.known.insert(id);
                    self.queue_bytes += bytes.len();
                    self.queue.push(Work {
                        id,
                        bytes,
                        kind,
                        hints: hints.clone(),
                        packed: span.packed.filter(|_| matches!(kind, RecordKind::Warc | RecordKind::Arc)),
                        provenance: Provenance {
                            source: rec.source.clone(),
                            raw: hash,
                            line: line_of(span.line),
                            start: span.start as u64,
                            end: span.end as u64,
                            ingested_at: rec.ingested_at.clone(),
                        },
                    });
                    if self.queue.len() >= QUEUE_RECORDS.min(self.opts.batch_docs) || self.queue_bytes >= QUEUE_BYTES {
                        self.drain()?;
                    }
                }
                // What is not a document has no id to assign it by: the collection's first
                // shard records it, so that the shards' counts add up.
                Ok(Item::Refused { span, reject }) if self.records_unassigned() => {
                    self.reject(&rec.source, Some(hash), line_of(span.line), reject)
                }
                Ok(Item::Skipped { kind, reason, .. }) if self.records_unassigned() => {
                    *skipped.entry(format!("{kind}: {reason}")).or_default() += 1;
                }
                Err(r) if self.records_unassigned() => self.reject(&rec.source, Some(hash), None, r),
                Ok(Item::Refused { .. } | Item::Skipped { .. }) | Err(_) => {}
            }
            if self.batch.rejects.len() >= BATCH_REJECTS {
                self.commit()?;
            }
        }
        // Counted once the input was read to its end (a run killed before then counts
        // them when the input is read again); stored per input, so re-reading replaces.
        for (what, n) in skipped {
            *self.report.skipped.entry(what.clone()).or_default() += n;
            self.batch.skipped.push((hash, what, n));
        }
        Ok(())
    }

    /// Whether a WARC record is one `newsdex export-warc` wrote from a document this
    /// archive holds (its [`newsdex_warc::write::DOC_FIELD`] names a stored id): a re-ingest
    /// of an export adds nothing. The claim only ever skips a record, never names a new
    /// document, so a forged one costs nothing but that record.
    fn exported_known(&self, record: &[u8]) -> bool {
        let Ok(header) = newsdex_warc::parse_header(record) else { return false };
        header
            .get(newsdex_warc::write::DOC_FIELD)
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .is_some_and(|d| self.known.contains(&DocId::from_u64(d)))
    }

    /// Extract the queue in parallel, add results to the batch, commit if due.
    fn drain(&mut self) -> Result<()> {
        let queue = std::mem::take(&mut self.queue);
        self.queue_bytes = 0;
        let results: Vec<_> = queue
            .into_par_iter()
            .map(|w| {
                let mut res = extract(&w.bytes, w.kind, &w.hints);
                if let (Ok(a), Some((offset, length))) = (&mut res, w.packed) {
                    a.extra.insert("warc_offset".into(), offset.into());
                    a.extra.insert("warc_length".into(), length.into());
                }
                (w.id, res, w.provenance)
            })
            .collect();
        let mut docs = Vec::with_capacity(results.len());
        for (id, res, prov) in results {
            match res {
                // A time-partitioned shard keeps the documents its dates assign to it.
                Ok(article) if self.shard.as_ref().is_some_and(|s| !s.owns(id, article.published.as_ref())) => {
                    self.known.remove(&id);
                    self.elsewhere.insert(id);
                    self.report.other_shards += 1;
                    if self.earlier_seq.contains_key(&id) {
                        self.report.moved_out += 1;
                    }
                }
                Ok(article) => {
                    if self.rebuilding
                        && self.shard.as_ref().is_some_and(|s| s.owns_id(id).is_none())
                        && !self.earlier_seq.contains_key(&id)
                    {
                        self.report.moved_in += 1;
                    }
                    docs.push((article, prov))
                }
                Err(r) => {
                    // Not stored, so not a duplicate next time: the same bytes are
                    // rejected again, with their own place.
                    self.known.remove(&id);
                    // What no date assigns is recorded by one shard: by id, the record's
                    // own; by date, the shard of undated documents.
                    if self.shard.as_ref().is_none_or(newsdex_core::ShardRule::takes_undated) {
                        self.reject(&prov.source, Some(prov.raw), prov.line, r);
                    } else {
                        self.elsewhere.insert(id);
                    }
                }
            }
        }
        self.namer.apply(&mut docs);
        self.learner.apply(self.db, &mut docs)?;
        for (a, _) in &mut docs {
            if a.body.len() > newsdex_index::MAX_INDEXED_BODY {
                a.warnings.push(newsdex_core::Warning {
                    code: "index-truncated".into(),
                    message: format!(
                        "the text is {}; only its first {} are searchable (all of it is kept and shown)",
                        newsdex_ingest::human_bytes(a.body.len() as u64),
                        newsdex_ingest::human_bytes(newsdex_index::MAX_INDEXED_BODY as u64)
                    ),
                    count: 1,
                });
            }
        }
        self.group(&docs);
        for (article, prov) in docs {
            let seq = match self.earlier_seq.get(&article.id) {
                Some(&earlier) => {
                    self.batch.earlier_seq.insert(article.id, earlier);
                    earlier
                }
                None => self.seq,
            };
            self.writer.add(&article, &prov.source, seq)?;
            self.batch_bytes += article.body.len() + article.title.len();
            self.report.new += 1;
            self.report.added.push(article.id);
            if !article.warnings.is_empty() {
                self.report.with_warnings += 1;
            }
            self.batch.docs.push((article, prov));
        }
        if self.batch.docs.len() >= self.opts.batch_docs
            || self.batch_bytes >= BATCH_BYTES
            || self.last_commit.elapsed() >= self.opts.batch_interval
        {
            self.commit()?;
        }
        Ok(())
    }

    /// Make the open batch durable: packs, then documents, then index.
    fn commit(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.commit_always()
    }

    /// Commit even an empty batch (to record pack lengths).
    fn commit_always(&mut self) -> Result<()> {
        let ends = match &self.fixed_ends {
            Some(e) => e.clone(),
            None => self.raw.sync()?,
        };
        self.batch.line_stats = self.learner.take_touched();
        let batch = std::mem::take(&mut self.batch);
        self.db.commit(self.seq, &batch, &ends)?;
        self.writer.commit(self.seq)?;
        (self.on_event)(IngestEvent::Committed { seq: self.seq, documents: batch.docs.len() as u64 });
        self.blobs_in_batch.clear();
        self.sources_in_batch.clear();
        self.batch_bytes = 0;
        self.seq += 1;
        self.last_commit = Instant::now();
        Ok(())
    }

    fn finish(mut self) -> Result<IngestReport> {
        self.drain()?;
        self.commit()?;
        if let Some(st) = &self.stories {
            self.report.story_bytes = st.grouper.heap_bytes() as u64;
        }
        self.writer.wait_merging_threads()?;
        Ok(self.report)
    }
}

impl Engine {
    /// Ingest files and directories.
    pub fn ingest(
        &mut self,
        paths: &[PathBuf],
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<IngestReport> {
        self.ingest_paths(paths, opts, on_event).map_err(|e| self.explain(e))
    }

    fn ingest_paths(
        &mut self,
        paths: &[PathBuf],
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<IngestReport> {
        self.require_writable()?;
        let started = Instant::now();
        let walked = walk(paths);
        let bytes: u64 = walked.inputs.iter().map(|i| i.size).sum();
        on_event(IngestEvent::Planned { files: walked.inputs.len() as u64, bytes });
        let writer = self.index.writer(opts.index_threads, INDEX_WRITER_MEMORY)?;
        let namer = crate::outlets::Namer::load(self.dir.root());
        let shard = self.dir.shard()?;
        let mut run =
            Run::new(self.db.get_mut().unwrap_or_else(|p| p.into_inner()), &mut self.raw, writer, opts, on_event)?;
        run.namer = namer;
        run.shard = shard;
        run.report.hidden_skipped = walked.hidden_skipped;
        for (path, r) in walked.errors {
            run.refuse(&display(&path), 0, r)?;
        }
        for input in walked.inputs {
            let source = display(&input.path);
            run.report.files += 1;
            run.ingest_input(&source, &input)?;
            (run.on_event)(IngestEvent::Read { path: &source, bytes: input.size });
            if run.batch.rejects.len() >= BATCH_REJECTS {
                run.commit()?;
            }
        }
        let mut report = run.finish()?;
        self.index.reload()?;
        report.elapsed_secs = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Ingest bytes that did not come from a file (the HTTP API): kept and logged under
    /// `name` like any input.
    pub fn ingest_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<IngestReport> {
        self.ingest_body(name, bytes, opts, on_event).map_err(|e| self.explain(e))
    }

    fn ingest_body(
        &mut self,
        name: &str,
        bytes: &[u8],
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<IngestReport> {
        self.in_one_run(opts, on_event, |run| {
            run.report.files = 1;
            run.ingest_bytes(name, bytes.to_vec())
        })
    }

    /// One writing run: open the writer, let `work` add to it, finish (commit) and make
    /// the result searchable.
    fn in_one_run(
        &mut self,
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
        work: impl FnOnce(&mut Run<'_>) -> Result<()>,
    ) -> Result<IngestReport> {
        self.require_writable()?;
        let started = Instant::now();
        let writer = self.index.writer(opts.index_threads, INDEX_WRITER_MEMORY)?;
        let namer = crate::outlets::Namer::load(self.dir.root());
        let shard = self.dir.shard()?;
        let mut run =
            Run::new(self.db.get_mut().unwrap_or_else(|p| p.into_inner()), &mut self.raw, writer, opts, on_event)?;
        run.namer = namer;
        run.shard = shard;
        work(&mut run)?;
        let mut report = run.finish()?;
        self.index.reload()?;
        report.elapsed_secs = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Keep what a collector fetched: every HTTP exchange in the raw store with its
    /// headers, article pages extracted like any HTML (the feed's fields filling what a
    /// page lacks), all in one run (batched commits as for `ingest`).
    pub fn keep_fetched(
        &mut self,
        fetched: Vec<Fetched>,
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<IngestReport> {
        self.keep_fetched_inner(fetched, opts, on_event).map_err(|e| self.explain(e))
    }

    fn keep_fetched_inner(
        &mut self,
        fetched: Vec<Fetched>,
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<IngestReport> {
        self.in_one_run(opts, on_event, |run| fetched.into_iter().try_for_each(|f| run.keep_fetched(f)))
    }

    /// Rebuild documents and index from the raw store alone, into a new generation, then
    /// switch to it. Rejects are re-derived too. The old generation is deleted after the
    /// switch; an interrupted reindex leaves the old one live and untouched.
    pub fn reindex(&mut self, opts: &IngestOptions, on_event: &mut dyn FnMut(IngestEvent<'_>)) -> Result<IngestReport> {
        self.require_writable()?;
        let (generation, gen_dir) = self.dir.begin_generation()?;
        // Explained before the half-written generation goes: removing it frees the space
        // that ran out.
        let res = self.rebuild(generation, &gen_dir, opts, on_event).map_err(|e| self.explain(e));
        if res.is_err() && self.dir.generation() != generation {
            // The live generation is untouched; what was half written goes.
            self.dir.abandon_generation(generation);
        }
        res
    }

    fn rebuild(
        &mut self,
        generation: u64,
        gen_dir: &Path,
        opts: &IngestOptions,
        on_event: &mut dyn FnMut(IngestEvent<'_>),
    ) -> Result<IngestReport> {
        let started = Instant::now();
        let mut db = DocDb::open(&gen_dir.join("docs.sqlite"))?;
        db.set_meta("index_layout", &newsdex_index::INDEX_LAYOUT.to_string())?;
        // The new generation groups stories as the old one did unless told otherwise.
        for key in [STORY_THRESHOLD_META, STORY_HEADLINES_META] {
            if let Some(v) = self.db.get_mut().unwrap_or_else(|p| p.into_inner()).meta(key)? {
                db.set_meta(key, &v)?;
            }
        }
        let index = newsdex_index::SearchIndex::open_or_create(&gen_dir.join("index"))?;
        let writer = index.writer(opts.index_threads, INDEX_WRITER_MEMORY)?;
        // The new generation reads packs but never appends to them, so a read handle is
        // enough; the pack ends it records are those the scan found.
        let mut raw = RawStore::open_read(&self.dir.raw_dir());
        let scan_raw = RawStore::open_read(&self.dir.raw_dir());
        let mut locs: HashMap<RawHash, BlobLoc> = HashMap::new();
        let mut ends = std::collections::BTreeMap::new();
        // Snapshots survive: every document keeps the batch number it had, and the new
        // generation's own batches are numbered after the old one's last.
        let (earlier_seq, last_seq) = {
            let old = self.db.get_mut().unwrap_or_else(|p| p.into_inner());
            (old.doc_seqs()?.into_iter().collect::<HashMap<_, _>>(), old.last_seq()?)
        };
        let shard = self.dir.shard()?;
        let mut run = Run::new(&mut db, &mut raw, writer, opts, on_event)?;
        run.namer = crate::outlets::Namer::load(self.dir.root());
        run.shard = shard;
        run.earlier_seq = earlier_seq;
        run.rebuilding = true;
        run.seq = run.seq.max(last_seq + 1);
        for rec in scan_raw.scan()? {
            let rec = rec?;
            ends.insert(rec.loc.pack, rec.loc.end());
            match rec.kind {
                PackKind::Blob => {
                    locs.insert(rec.hash, rec.loc);
                    run.batch.blobs.push((rec.hash, rec.loc));
                }
                PackKind::Source => {
                    let src: SourceRecord = serde_json::from_slice(&rec.data)
                        .map_err(|e| crate::EngineError::Damaged(format!("ingest log entry at {:?}: {e}", rec.loc)))?;
                    run.report.files += 1;
                    run.batch.sources.push(src.clone());
                    match (src.raw, &src.refused) {
                        // An HTTP exchange kept for the record (a feed, robots.txt, an
                        // error page): its bytes are kept, nothing is extracted.
                        (Some(_), _) if src.record_only => {}
                        (Some(h), _) => {
                            let loc = locs.get(&h).ok_or_else(|| {
                                crate::EngineError::Damaged(format!(
                                    "ingest log names blob {h}, which is not in the packs"
                                ))
                            })?;
                            run.report.bytes += loc.len;
                            let reader = scan_raw.open_blob(loc)?;
                            run.process(&src, h, Box::new(reader))?;
                        }
                        (None, Some(reason)) => {
                            // Entries written before refusals kept their code.
                            let code = match src.refused_code.as_deref() {
                                Some("too-large") => "too-large",
                                Some("not-a-file") => "not-a-file",
                                Some(_) => "unreadable",
                                None if reason.contains("limit") => "too-large",
                                None => "unreadable",
                            };
                            if run.records_unassigned() {
                                run.reject(&src.source, None, None, Reject::new(code, reason.clone()));
                            }
                        }
                        (None, None) => {}
                    }
                    (run.on_event)(IngestEvent::Read { path: &src.source, bytes: src.size });
                    if run.batch.rejects.len() >= BATCH_REJECTS {
                        run.commit()?;
                    }
                }
            }
        }
        run.drain()?;
        // The last commit records the pack lengths the scan found, so the new generation
        // agrees with the packs exactly as they are.
        run.fixed_ends = Some(ends);
        run.commit_always()?;
        let report = run.finish()?;
        drop(index);
        drop(db);
        self.dir.switch_generation(generation)?;
        let db = DocDb::open(&self.dir.db_path())?;
        self.raw = crate::open_raw(&self.dir, &db)?;
        self.db = std::sync::Mutex::new(db);
        self.stories = Default::default();
        self.index = crate::ready(newsdex_index::SearchIndex::open_or_create(&self.dir.index_dir())?, &self.dir)?;
        let mut report = report;
        report.elapsed_secs = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

fn display(path: &Path) -> String {
    newsdex_ingest::source_name(path)
}
