//! The ingest pipeline, shared by `ingest` (bytes from files) and `reindex` (bytes from
//! the raw store).
//!
//! Per input, in order: read (capped) → keep the bytes (pack append) → log the source →
//! unpack and split → for each record not seen before, queue it. Queued records are
//! extracted in parallel (rayon) when the queue is full, then added to the open batch and
//! the index writer. A batch commits when it is big or old enough: packs fsynced, then one
//! SQLite transaction, then the index commit with the batch number as payload.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newsdex_core::{DocId, Provenance, RawHash, Reject};
use newsdex_extract::{Hints, RecordKind, extract};
use newsdex_index::IndexWriter;
use newsdex_ingest::{Kind, Limits, ReadOutcome, read_input, unpack, walk};
use newsdex_store::{Batch, BlobLoc, DocDb, RawStore, RecordKind as PackKind, RejectRow, SourceRecord};
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
    /// Files and records refused, with reasons.
    pub rejected: Vec<RejectRow>,
    /// New documents carrying at least one warning (repairs, guesses).
    pub with_warnings: u64,
    /// Hidden files skipped inside directories.
    pub hidden_skipped: u64,
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
        self.new + self.duplicates + self.rejected.len() as u64
    }
}

/// A record waiting for extraction.
struct Work {
    id: DocId,
    bytes: Vec<u8>,
    kind: RecordKind,
    hints: Hints,
    provenance: Provenance,
}

/// Records queued before a parallel extraction round.
const QUEUE_RECORDS: usize = 2048;
const QUEUE_BYTES: usize = 64 << 20;

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
    seq: u64,
    last_commit: Instant,
    queue: Vec<Work>,
    queue_bytes: usize,
    learner: crate::learned::Learner,
    stories: Option<Stories>,
    report: IngestReport,
    /// Pack lengths to record instead of asking the raw store (reindex, which only reads).
    fixed_ends: Option<std::collections::BTreeMap<u32, u64>>,
    on_event: &'a mut dyn FnMut(IngestEvent<'_>),
}

/// The story grouper of a run, rebuilt from the store's story rows.
struct Stories {
    grouper: newsdex_dedupe::Grouper,
    /// Next ingest order number.
    ord: u64,
}

/// Meta keys of the settings an archive is grouped with.
const STORY_THRESHOLD_META: &str = "story_threshold";
const STORY_HEADLINES_META: &str = "story_headline_terms";

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
        let (mut bad, mut ord) = (0u64, 0u64);
        db.story_rows(|s| {
            ord = ord.max(s.row.ord + 1);
            let Some(p) = newsdex_dedupe::Prepared::from_parts(s.row.exact, &s.row.sig) else {
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
            seq,
            last_commit: Instant::now(),
            queue: Vec::new(),
            queue_bytes: 0,
            learner: Default::default(),
            stories,
            report: IngestReport::default(),
            fixed_ends: None,
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
        self.batch.rejects.push(row.clone());
        self.report.rejected.push(row);
    }

    /// Keep `bytes` in the raw store unless already there.
    fn keep_blob(&mut self, hash: RawHash, bytes: &[u8]) -> Result<()> {
        if self.blobs_in_batch.contains_key(&hash) || self.db.blob(&hash)?.is_some() {
            return Ok(());
        }
        let loc = self.raw.append_blob(hash, bytes)?;
        self.blobs_in_batch.insert(hash, loc);
        self.batch.blobs.push((hash, loc));
        Ok(())
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

    /// Unpack a kept input and queue its unseen records.
    fn process(&mut self, rec: &SourceRecord, hash: RawHash, bytes: &[u8]) -> Result<()> {
        let unpacked = match unpack(bytes, &rec.source, &self.opts.limits) {
            Ok(u) => u,
            Err(r) => {
                self.reject(&rec.source, Some(hash), None, r);
                return Ok(());
            }
        };
        for (span, r) in unpacked.rejected.clone() {
            let line = span.line.map(|l| l + rec.first_line.unwrap_or(1) - 1);
            self.reject(&rec.source, Some(hash), line, r);
        }
        let kind = match unpacked.kind {
            Kind::Text => RecordKind::Text,
            Kind::Html => RecordKind::Html,
            Kind::Jsonl => RecordKind::Jsonl,
        };
        let hints = Hints { outlet: rec.outlet.clone(), lang: rec.lang.clone() };
        // Lines of a streamed part are numbered in the whole input.
        let line_of = |l: Option<u64>| l.map(|l| l + rec.first_line.unwrap_or(1) - 1);
        for span in &unpacked.records {
            let record = &unpacked.bytes[span.start..span.end];
            let id = DocId::of_record(record);
            if !self.known.insert(id) {
                self.report.duplicates += 1;
                continue;
            }
            self.queue_bytes += record.len();
            self.queue.push(Work {
                id,
                bytes: record.to_vec(),
                kind,
                hints: hints.clone(),
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
        Ok(())
    }

    /// Extract the queue in parallel, add results to the batch, commit if due.
    fn drain(&mut self) -> Result<()> {
        let queue = std::mem::take(&mut self.queue);
        self.queue_bytes = 0;
        let results: Vec<_> =
            queue.into_par_iter().map(|w| (w.id, extract(&w.bytes, w.kind, &w.hints), w.provenance)).collect();
        let mut docs = Vec::with_capacity(results.len());
        for (id, res, prov) in results {
            match res {
                Ok(article) => docs.push((article, prov)),
                Err(r) => {
                    // Not stored, so not a duplicate next time: the same bytes are
                    // rejected again, with their own place.
                    self.known.remove(&id);
                    self.reject(&prov.source, Some(prov.raw), prov.line, r);
                }
            }
        }
        self.learner.apply(self.db, &mut docs)?;
        self.group(&docs);
        for (article, prov) in docs {
            self.writer.add(&article, &prov.source, self.seq)?;
            self.report.new += 1;
            self.report.added.push(article.id);
            if !article.warnings.is_empty() {
                self.report.with_warnings += 1;
            }
            self.batch.docs.push((article, prov));
        }
        if self.batch.docs.len() >= self.opts.batch_docs || self.last_commit.elapsed() >= self.opts.batch_interval {
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
        self.seq += 1;
        self.last_commit = Instant::now();
        Ok(())
    }

    /// A large JSON Lines input, part by part: each part is kept, logged (with its place
    /// in the input) and processed like an input of its own, so memory stays bounded.
    fn ingest_parts(&mut self, source: &str, parts: newsdex_ingest::Parts) -> Result<()> {
        for piece in parts {
            match piece {
                Ok(newsdex_ingest::Piece::Part(p)) => {
                    self.report.bytes += p.bytes.len() as u64;
                    let hash = RawHash::of(&p.bytes);
                    self.keep_blob(hash, &p.bytes)?;
                    let rec = SourceRecord {
                        source: source.to_string(),
                        raw: Some(hash),
                        size: p.bytes.len() as u64,
                        ingested_at: now(),
                        refused: None,
                        outlet: self.opts.outlet.clone(),
                        lang: self.opts.lang.clone(),
                        part: Some(p.index),
                        first_line: Some(p.first_line),
                    };
                    self.log_source(rec.clone())?;
                    self.process(&rec, hash, &p.bytes)?;
                }
                Ok(newsdex_ingest::Piece::RefusedLine { line, reject }) => {
                    self.reject(source, None, Some(line), reject);
                }
                Err(r) => self.reject(source, None, None, r),
            }
        }
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
        self.require_writable()?;
        let started = Instant::now();
        let walked = walk(paths);
        let bytes: u64 = walked.inputs.iter().map(|i| i.size).sum();
        on_event(IngestEvent::Planned { files: walked.inputs.len() as u64, bytes });
        let writer = self.index.writer(opts.index_threads, INDEX_WRITER_MEMORY)?;
        let mut run =
            Run::new(self.db.get_mut().unwrap_or_else(|p| p.into_inner()), &mut self.raw, writer, opts, on_event)?;
        run.report.hidden_skipped = walked.hidden_skipped;
        for (path, err) in walked.errors {
            run.reject(&display(&path), None, None, Reject::new("unreadable", err));
        }
        for input in walked.inputs {
            let source = display(&input.path);
            run.report.files += 1;
            match newsdex_ingest::stream_parts(&input.path, &source, &opts.limits) {
                Ok(Some(parts)) => {
                    run.ingest_parts(&source, parts)?;
                    (run.on_event)(IngestEvent::Read { path: &source, bytes: input.size });
                    continue;
                }
                Ok(None) => {}
                Err(r) => {
                    run.reject(&source, None, None, r);
                    (run.on_event)(IngestEvent::Read { path: &source, bytes: input.size });
                    continue;
                }
            }
            match read_input(&input.path, &opts.limits) {
                ReadOutcome::Refused(r) => {
                    run.log_source(SourceRecord {
                        source: source.clone(),
                        raw: None,
                        size: input.size,
                        ingested_at: now(),
                        refused: Some(r.reason.clone()),
                        outlet: opts.outlet.clone(),
                        lang: opts.lang.clone(),
                        part: None,
                        first_line: None,
                    })?;
                    run.reject(&source, None, None, r);
                }
                ReadOutcome::Bytes(bytes) => {
                    run.report.bytes += bytes.len() as u64;
                    let hash = RawHash::of(&bytes);
                    run.keep_blob(hash, &bytes)?;
                    let rec = SourceRecord {
                        source: source.clone(),
                        raw: Some(hash),
                        size: bytes.len() as u64,
                        ingested_at: now(),
                        refused: None,
                        outlet: opts.outlet.clone(),
                        lang: opts.lang.clone(),
                        part: None,
                        first_line: None,
                    };
                    run.log_source(rec.clone())?;
                    run.process(&rec, hash, &bytes)?;
                }
            }
            (run.on_event)(IngestEvent::Read { path: &source, bytes: input.size });
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
        self.require_writable()?;
        let started = Instant::now();
        let writer = self.index.writer(opts.index_threads, INDEX_WRITER_MEMORY)?;
        let mut run =
            Run::new(self.db.get_mut().unwrap_or_else(|p| p.into_inner()), &mut self.raw, writer, opts, on_event)?;
        run.report.files = 1;
        run.report.bytes = bytes.len() as u64;
        let hash = RawHash::of(bytes);
        run.keep_blob(hash, bytes)?;
        let rec = SourceRecord {
            source: name.to_string(),
            raw: Some(hash),
            size: bytes.len() as u64,
            ingested_at: now(),
            refused: None,
            outlet: opts.outlet.clone(),
            lang: opts.lang.clone(),
            part: None,
            first_line: None,
        };
        run.log_source(rec.clone())?;
        run.process(&rec, hash, bytes)?;
        let mut report = run.finish()?;
        self.index.reload()?;
        report.elapsed_secs = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Rebuild documents and index from the raw store alone, into a new generation, then
    /// switch to it. Rejects are re-derived too. The old generation is deleted after the
    /// switch; an interrupted reindex leaves the old one live and untouched.
    pub fn reindex(&mut self, opts: &IngestOptions, on_event: &mut dyn FnMut(IngestEvent<'_>)) -> Result<IngestReport> {
        self.require_writable()?;
        let started = Instant::now();
        let (generation, gen_dir) = self.dir.begin_generation()?;
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
        let mut last_blob: Option<(RawHash, Vec<u8>)> = None;
        let mut ends = std::collections::BTreeMap::new();
        let mut run = Run::new(&mut db, &mut raw, writer, opts, on_event)?;
        for rec in scan_raw.scan()? {
            let rec = rec?;
            ends.insert(rec.loc.pack, rec.loc.end());
            match rec.kind {
                PackKind::Blob => {
                    locs.insert(rec.hash, rec.loc);
                    run.batch.blobs.push((rec.hash, rec.loc));
                    last_blob = Some((rec.hash, rec.data));
                }
                PackKind::Source => {
                    let src: SourceRecord = serde_json::from_slice(&rec.data)
                        .map_err(|e| crate::EngineError::Damaged(format!("ingest log entry at {:?}: {e}", rec.loc)))?;
                    run.report.files += 1;
                    run.batch.sources.push(src.clone());
                    match (src.raw, &src.refused) {
                        (Some(h), _) => {
                            let bytes = match &last_blob {
                                Some((lh, b)) if *lh == h => b.clone(),
                                _ => {
                                    let loc = locs.get(&h).ok_or_else(|| {
                                        crate::EngineError::Damaged(format!(
                                            "ingest log names blob {h}, which is not in the packs"
                                        ))
                                    })?;
                                    scan_raw.read(loc)?
                                }
                            };
                            run.report.bytes += bytes.len() as u64;
                            run.process(&src, h, &bytes)?;
                        }
                        (None, Some(reason)) => {
                            let code = if reason.contains("limit") { "too-large" } else { "unreadable" };
                            run.reject(&src.source, None, None, Reject::new(code, reason.clone()));
                        }
                        (None, None) => {}
                    }
                    (run.on_event)(IngestEvent::Read { path: &src.source, bytes: src.size });
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
        self.raw = RawStore::open_write(&self.dir.raw_dir(), db.pack_ends()?)?;
        self.db = std::sync::Mutex::new(db);
        self.stories = Default::default();
        self.index = crate::with_user_variants(
            newsdex_index::SearchIndex::open_or_create(&self.dir.index_dir())?,
            self.dir.root(),
        );
        let mut report = report;
        report.elapsed_secs = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

fn display(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}
