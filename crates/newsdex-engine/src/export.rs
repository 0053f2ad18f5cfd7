//! Every match of a search, document by document, as of one snapshot: what exports read.
//!
//! [`Engine::export_plan`] pins the snapshot first (the last committed batch, or the one
//! asked for) and collects the ids of all matches from the index (8 bytes each) in the
//! order the store keeps them ([`Order::Stored`]: by batch, then by id; a stable order
//! whatever the segment layout, kept by a reindex); [`Engine::export_chunks`] then reads
//! the documents from the store [`CHUNK`] at a time on two threads, which also encode them,
//! and hands the chunks over in that order. Memory holds the ids and a few chunks, never
//! all the documents.
//!
//! Story fields are computed as of the snapshot, so a repeated export with its snapshot
//! is the same even after later ingests: a story's members are those its batches up to
//! the snapshot added, its id the earliest published of them (ties: first ingested), its
//! outlets the distinct outlets among them. A copy that arrives later and links two
//! stories of the snapshot (stories only merge) is the one case where the grouping of
//! the snapshot cannot be recovered from the current one; the two stories' members then
//! share the merged story's earliest member as of the snapshot.

use std::collections::HashMap;

use newsdex_core::DocId;
use newsdex_index::Deadline;
use newsdex_store::DocRow;

use crate::{Engine, EngineError, Result, SearchOptions};

/// Documents read from the store at a time.
pub const CHUNK: usize = 512;

/// Encoded chunks each reader may have waiting for the writer: enough to go on reading
/// while the writer spends a while on one (a Parquet row group is compressed and written
/// at once), few enough to keep memory small (a chunk of news is about a megabyte).
const QUEUED_CHUNKS: usize = 4;

/// The page cache of each of an export's reading connections, in MiB.
const READER_CACHE_MIB: u32 = 16;

/// One exported document with its story as of the snapshot.
#[derive(Debug, Clone)]
pub struct ExportDoc {
    pub row: DocRow,
    /// The story's id: its earliest published member as of the snapshot (ties: first
    /// ingested); the document's own id when it has no copies.
    pub story: DocId,
    /// Members of the story as of the snapshot (1 for a document without copies).
    pub story_size: usize,
    /// Distinct outlets among them (0 when none names one).
    pub story_outlets: usize,
}

/// The matches of an export, pinned to a snapshot ([`Engine::export`]).
#[derive(Debug)]
pub struct ExportPlan {
    /// The snapshot answered from (0 for a collection, which has none).
    pub snapshot: u64,
    ids: Vec<u64>,
}

impl ExportPlan {
    /// How many documents match.
    pub fn total(&self) -> usize {
        self.ids.len()
    }

    /// The matching ids, in the export's order ([`Order`]).
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }
}

/// Turns a chunk of an export's documents (in the plan's order) into the bytes written
/// for them, appended to the buffer: called on the threads that read the documents.
pub type Encode<'a> = dyn Fn(&[ExportDoc], &mut Vec<u8>) -> std::io::Result<()> + Sync + 'a;

/// What documents are exported from: one archive, or a collection's shards.
pub trait ExportSource {
    /// Hand every document of `plan` to `each`, in the plan's order; with
    /// `one_per_story`, only the first matching member of each story. Returns how many
    /// were handed over; an error from `each` stops the export.
    fn export_each(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        each: &mut dyn FnMut(&ExportDoc) -> std::io::Result<()>,
    ) -> Result<u64>;

    /// The same documents as [`ExportSource::export_each`], a chunk at a time: `encode`
    /// turns each chunk into bytes (where the source can, on the threads that read it),
    /// and `write` takes them in the plan's order. Returns how many documents were
    /// encoded.
    fn export_encoded(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        encode: &Encode<'_>,
        write: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
    ) -> Result<u64>;
}

/// `docs` encoded by `encode`, in a buffer sized for their texts and the other fields.
pub fn encode_chunk(encode: &Encode<'_>, docs: &[ExportDoc]) -> std::io::Result<Vec<u8>> {
    let mut out =
        Vec::with_capacity(docs.iter().map(|d| d.row.article.body.len() + d.row.article.title.len() + 512).sum());
    encode(docs, &mut out)?;
    Ok(out)
}

impl ExportSource for Engine {
    fn export_each(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        each: &mut dyn FnMut(&ExportDoc) -> std::io::Result<()>,
    ) -> Result<u64> {
        self.export(plan, one_per_story, each)
    }

    fn export_encoded(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        encode: &Encode<'_>,
        write: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
    ) -> Result<u64> {
        self.export_chunks(plan, one_per_story, |docs| encode_chunk(encode, &docs), write)
    }
}

/// The order of an export's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By the batch that stored each document, then by id: the order one archive's store
    /// keeps its texts in, so that reading them is nearly sequential. Batches keep their
    /// numbers through a reindex, so the order does too.
    Stored,
    /// By id (as a signed number): a collection's, whose shards number their batches
    /// each on their own.
    Id,
}

/// Every document of `index` that `query` and `opts`' filters match, for an export
/// (`snapshot`: the batch to answer as of, already resolved; `None`: everything, as a
/// collection does), in `order`. What [`Engine::export_plan`] does once it has pinned a
/// snapshot.
pub fn plan_in(
    index: &newsdex_index::SearchIndex,
    query: &str,
    opts: &SearchOptions,
    snapshot: Option<u64>,
    order: Order,
) -> Result<ExportPlan> {
    let (parsed, published) = crate::parse_for(query, opts)?;
    let mut req = crate::filtered_request(&parsed, published, opts);
    req.deadline = Deadline::never();
    req.snapshot = snapshot;
    let ids = match order {
        // Reading documents by id jumped between the store's pages at random: each of a
        // million documents read a page of its own (16 KiB) through the kernel, which was
        // a fifth of an export's CPU time. By batch, a chunk's documents lie in the few
        // megabytes its batch wrote.
        Order::Stored => index.matching_ids_by_batch(&req)?,
        Order::Id => {
            let mut ids = index.matching_ids(&req)?;
            ids.sort_unstable_by_key(|&id| id as i64);
            ids
        }
    };
    Ok(ExportPlan { snapshot: snapshot.unwrap_or(0), ids })
}

/// A story as of a snapshot: (id, members, distinct outlets).
type StoryThen = (DocId, usize, usize);

impl Engine {
    /// Every document `query` and `opts`' filters match as of `opts.snapshot` (the latest
    /// when none; a snapshot the archive lacks is [`EngineError::Snapshot`]). `opts`'
    /// limit, offset, order and collapsing are ignored; so is its timeout (an export runs
    /// to the end), but not its cost limits.
    pub fn export_plan(&self, query: &str, opts: &SearchOptions) -> Result<ExportPlan> {
        // A reader may lag a second behind the last commit: see the latest before pinning.
        self.index.reload()?;
        let snapshot = self.resolve_snapshot(opts.snapshot)?;
        plan_in(&self.index, query, opts, Some(snapshot), Order::Stored)
    }

    /// Hand every document of `plan` to `each`, in the plan's order (by id). With
    /// `one_per_story`, only the first matching member of each story (as of the snapshot).
    /// Returns how many were handed over. An error from `each` stops the export.
    pub fn export(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        mut each: impl FnMut(&ExportDoc) -> std::io::Result<()>,
    ) -> Result<u64> {
        self.export_chunks(plan, one_per_story, Ok, |docs| docs.iter().try_for_each(&mut each))
    }

    /// Every document of `plan` (with `one_per_story`, the first matching member of each
    /// story), a chunk at a time: `encode` turns each chunk into what is written, on the
    /// thread that read it, and `write` takes the encoded chunks in the plan's order.
    /// Returns how many documents were encoded. An error from either stops the export.
    ///
    /// The store is read on two threads of their own, taking the chunks in turn, each up
    /// to [`QUEUED_CHUNKS`] ahead of the writing; encoding (JSON or CSV escaping, a Parquet
    /// chunk's values) happens there too, so the writing thread only writes: a profile of
    /// an export of a million documents had reading waiting on its own thread (71 % of the
    /// samples) before the second reader, and the writing thread's escaping and hashing
    /// the busier side after it. Memory holds, per reader, the chunk being read and those
    /// queued, and the one being written.
    pub fn export_chunks<T: Send>(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        encode: impl Fn(Vec<ExportDoc>) -> std::io::Result<T> + Sync,
        mut write: impl FnMut(T) -> std::io::Result<()>,
    ) -> Result<u64> {
        let map = self.story_map()?;
        // The first matching member of each story, chosen before anything is read: a
        // story as of the snapshot is a function of the current story (its id is one of
        // the current story's members), so the current story names it.
        let kept: Vec<u64>;
        let ids = if one_per_story {
            let mut seen: std::collections::HashSet<u64> = Default::default();
            kept = plan.ids.iter().copied().filter(|id| seen.insert(map.get(id).copied().unwrap_or(*id))).collect();
            &kept[..]
        } else {
            &plan.ids[..]
        };
        // Each reader has a connection of its own whose page cache holds a batch's pages
        // (a batch writes at most 5,000 documents, a few MiB compressed); one chunk or
        // less, or a store that cannot be opened again, is read on the engine's own.
        let own = || match newsdex_store::DocDb::open_for_scan(&self.dir.db_path(), READER_CACHE_MIB) {
            Ok(db) if ids.len() > CHUNK => Some(db),
            _ => None,
        };
        let dbs: Vec<Option<newsdex_store::DocDb>> = match (own(), own()) {
            (Some(a), Some(b)) => vec![Some(a), Some(b)],
            (Some(a), None) | (None, Some(a)) => vec![Some(a)],
            (None, None) => vec![None],
        };
        let readers = dbs.len();
        let chunks: Vec<&[u64]> = ids.chunks(CHUNK).collect();
        let encode = &encode;
        std::thread::scope(|scope| {
            let mut rxs = Vec::with_capacity(readers);
            for (k, own) in dbs.into_iter().enumerate() {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(usize, T)>>(QUEUED_CHUNKS);
                rxs.push(rx);
                let (chunks, map) = (&chunks, &map);
                scope.spawn(move || {
                    let mut stories: HashMap<u64, StoryThen> = HashMap::new();
                    for chunk in chunks.iter().skip(k).step_by(readers) {
                        let docs = match &own {
                            Some(db) => export_chunk(db, chunk, map, &mut stories, plan.snapshot),
                            None => export_chunk(&self.db(), chunk, map, &mut stories, plan.snapshot),
                        };
                        let encoded = docs.and_then(|docs| {
                            let n = docs.len();
                            encode(docs).map(|t| (n, t)).map_err(EngineError::Write)
                        });
                        let failed = encoded.is_err();
                        // The writer gone (it failed, or the client left): stop reading.
                        if tx.send(encoded).is_err() || failed {
                            return;
                        }
                    }
                });
            }
            let mut n = 0u64;
            // Chunk i comes from reader i mod readers: the plan's order.
            for i in 0..chunks.len() {
                let Ok(encoded) = rxs[i % readers].recv() else {
                    // A reader stops early only after sending its error.
                    return Err(EngineError::Write(std::io::Error::other("an export reader stopped early")));
                };
                let (rows, t) = encoded?;
                write(t).map_err(EngineError::Write)?;
                n += rows as u64;
            }
            Ok(n)
        })
    }

    /// The documents of `ids` this archive holds, in the order given (a collection
    /// reads each chunk of an export from every shard).
    pub fn documents(&self, ids: &[DocId]) -> Result<Vec<DocRow>> {
        Ok(self.db().docs(ids)?)
    }

    /// The outlets and dates of the documents of `ids` this archive holds, without their
    /// texts, in the order given.
    pub fn member_refs(&self, ids: &[DocId]) -> Result<Vec<crate::MemberRef>> {
        Ok(self.db().member_refs(ids)?)
    }
}

/// One chunk of an export's documents read from `db`, with their stories as of
/// `snapshot`.
fn export_chunk(
    db: &newsdex_store::DocDb,
    chunk: &[u64],
    map: &crate::StoryMap,
    stories: &mut HashMap<u64, StoryThen>,
    snapshot: u64,
) -> Result<Vec<ExportDoc>> {
    let ids: Vec<DocId> = chunk.iter().map(|&i| DocId::from_u64(i)).collect();
    let mut docs = Vec::with_capacity(ids.len());
    for row in db.docs(&ids)? {
        let id = row.article.id.as_u64();
        let (story, story_size, story_outlets) = match map.get(&id) {
            // A document without copies.
            None => (row.article.id, 1, usize::from(row.article.outlet.is_some())),
            Some(&current) => match stories.get(&current) {
                Some(s) => *s,
                None => {
                    let s = story_then(&db.story_members_through(DocId::from_u64(current), snapshot)?).unwrap_or((
                        row.article.id,
                        1,
                        usize::from(row.article.outlet.is_some()),
                    ));
                    stories.insert(current, s);
                    s
                }
            },
        };
        docs.push(ExportDoc { row, story, story_size, story_outlets });
    }
    Ok(docs)
}

/// A story's id, size and distinct outlets from its members as of a snapshot; `None` when
/// it had none then.
fn story_then(members: &[newsdex_store::SnapshotMember]) -> Option<StoryThen> {
    let first = members.iter().min_by_key(|m| (m.published.unwrap_or(i64::MAX), m.ord, m.id.as_u64()))?;
    let mut outlets: Vec<&str> = members.iter().filter_map(|m| m.outlet.as_deref()).collect();
    outlets.sort_unstable();
    outlets.dedup();
    Some((first.id, members.len(), outlets.len()))
}
