//! Every match of a search, document by document, as of one snapshot: what exports read.
//!
//! [`Engine::export`] pins the snapshot first (the last committed batch, or the one asked
//! for), collects the ids of all matches from the index (8 bytes each, sorted by id:
//! a stable order whatever the segment layout), then reads the documents from the store
//! [`CHUNK`] at a time and hands them over one by one. Memory holds the ids and one chunk,
//! never all the documents.
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

    /// The matching ids, in the store's order (by id as a signed number).
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }
}

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
}

/// Every document of `index` that `query` and `opts`' filters match, for an export
/// (`snapshot`: the batch to answer as of, already resolved; `None`: everything, as a
/// collection does). What [`Engine::export_plan`] does once it has pinned a snapshot.
pub fn plan_in(
    index: &newsdex_index::SearchIndex,
    query: &str,
    opts: &SearchOptions,
    snapshot: Option<u64>,
) -> Result<ExportPlan> {
    let (parsed, published) = crate::parse_for(query, opts)?;
    let mut req = crate::filtered_request(&parsed, published, opts);
    req.deadline = Deadline::never();
    req.snapshot = snapshot;
    let mut ids = index.matching_ids(&req)?;
    // The store's order (its primary key is the id as a signed number), so chunks are
    // read in the order SQLite keeps them.
    ids.sort_unstable_by_key(|&id| id as i64);
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
        plan_in(&self.index, query, opts, Some(snapshot))
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
        let map = self.story_map()?;
        // The store is read on threads of their own, each a chunk ahead of the writing,
        // taking the chunks in turn: reading (SQLite, the kernel's copies of its pages,
        // decompressing the texts) was the thread a profile of an export of a million
        // documents waited on (71 % of its samples; writing and hashing the rest), so a
        // second reader with a connection of its own takes half of it. Memory holds at
        // most two chunks per reader and the one being written.
        let second = match newsdex_store::DocDb::open_read(&self.dir.db_path()) {
            Ok(db) if plan.ids.len() > CHUNK => Some(db),
            // One chunk or less, or the store cannot be opened twice: one reader.
            _ => None,
        };
        let readers = 1 + usize::from(second.is_some());
        let chunks: Vec<&[u64]> = plan.ids.chunks(CHUNK).collect();
        std::thread::scope(|scope| {
            let mut rxs = Vec::with_capacity(readers);
            for (k, own) in [None, second].into_iter().enumerate().take(readers) {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<ExportDoc>>>(1);
                rxs.push(rx);
                let (chunks, map) = (&chunks, &map);
                scope.spawn(move || {
                    let mut stories: HashMap<u64, StoryThen> = HashMap::new();
                    for chunk in chunks.iter().skip(k).step_by(readers) {
                        let docs = match &own {
                            Some(db) => export_chunk(db, chunk, map, &mut stories, plan.snapshot),
                            None => export_chunk(&self.db(), chunk, map, &mut stories, plan.snapshot),
                        };
                        let failed = docs.is_err();
                        // The writer gone (it failed, or the client left): stop reading.
                        if tx.send(docs).is_err() || failed {
                            return;
                        }
                    }
                });
            }
            let mut seen_stories: std::collections::HashSet<u64> = Default::default();
            let mut n = 0u64;
            // Chunk i comes from reader i mod readers: the plan's order.
            for i in 0..chunks.len() {
                let Ok(docs) = rxs[i % readers].recv() else {
                    // A reader stops early only after sending its error.
                    return Err(EngineError::Write(std::io::Error::other("an export reader stopped early")));
                };
                for d in &docs? {
                    if one_per_story && !seen_stories.insert(d.story.as_u64()) {
                        continue;
                    }
                    each(d).map_err(EngineError::Write)?;
                    n += 1;
                }
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
