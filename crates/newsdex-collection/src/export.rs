//! Every match of a search over a collection, document by document: what `newsdex
//! export` on a collection's directory reads.
//!
//! The matches are found in the shards' indexes read as one (the collection's statistics
//! widen the query as one archive's would), then each chunk of ids is read from every
//! shard (a shard returns the ones it holds: by id or by date, no lookup of which shard
//! holds what). A collection has no single snapshot, so an export is of what the shards
//! hold now, and a story's fields are the collection's linked stories (`collection
//! link`): its id, its members, the distinct outlets among them, read once per story.

use std::collections::{HashMap, HashSet};

use newsdex_core::DocId;
use newsdex_engine::SearchOptions;
use newsdex_engine::export::{CHUNK, Encode, ExportDoc, ExportPlan, ExportSource, encode_chunk};

use crate::{Collection, CollectionError, Result};

impl Collection {
    /// Every document `query` and `opts`' filters match in the collection (a shard
    /// server's collection: in its own shards). `opts.snapshot` is refused.
    pub fn export_plan(&self, query: &str, opts: &SearchOptions) -> Result<ExportPlan> {
        if opts.snapshot.is_some() {
            return Err(CollectionError::Refused(
                "a collection has no single snapshot (each shard numbers its own batches); export without one".into(),
            ));
        }
        Ok(newsdex_engine::export::plan_in(&self.index, query, opts, None, newsdex_engine::export::Order::Id)?)
    }

    /// A linked story's id, size and distinct outlets.
    fn story_fields(&self, story: u64) -> newsdex_engine::Result<(DocId, usize, usize)> {
        let members = self.story_members(DocId::from_u64(story));
        let outlets: HashSet<String> = self.member_refs(&members)?.into_iter().filter_map(|(_, o, _)| o).collect();
        Ok((DocId::from_u64(story), members.len().max(1), outlets.len()))
    }
}

impl ExportSource for Collection {
    fn export_each(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        each: &mut dyn FnMut(&ExportDoc) -> std::io::Result<()>,
    ) -> newsdex_engine::Result<u64> {
        self.export_chunks(plan, one_per_story, &mut |docs| docs.iter().try_for_each(&mut *each))
    }

    /// Each chunk is read from every shard and encoded on the calling thread.
    fn export_encoded(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        encode: &Encode<'_>,
        write: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
    ) -> newsdex_engine::Result<u64> {
        self.export_chunks(plan, one_per_story, &mut |docs| write(encode_chunk(encode, &docs)?))
    }
}

impl Collection {
    /// Every document of `plan` (with `one_per_story`, the first of each linked story) to
    /// `each`, a chunk of the plan at a time, in the plan's order. Returns how many.
    fn export_chunks(
        &self,
        plan: &ExportPlan,
        one_per_story: bool,
        each: &mut dyn FnMut(Vec<ExportDoc>) -> std::io::Result<()>,
    ) -> newsdex_engine::Result<u64> {
        let mut stories: HashMap<u64, (DocId, usize, usize)> = HashMap::new();
        let mut seen_stories: HashSet<u64> = HashSet::new();
        let mut n = 0u64;
        for chunk in plan.ids().chunks(CHUNK) {
            let ids: Vec<DocId> = chunk.iter().map(|&i| DocId::from_u64(i)).collect();
            let mut rows = Vec::with_capacity(ids.len());
            for e in &self.shards {
                rows.extend(e.documents(&ids)?);
            }
            rows.sort_unstable_by_key(|r| r.article.id.as_u64() as i64);
            let mut docs = Vec::with_capacity(rows.len());
            for row in rows {
                let id = row.article.id;
                let (story, story_size, story_outlets) = match self.stories.get(&id.as_u64()) {
                    None => (id, 1, usize::from(row.article.outlet.is_some())),
                    Some(&s) => match stories.get(&s) {
                        Some(f) => *f,
                        None => {
                            let f = self.story_fields(s)?;
                            stories.insert(s, f);
                            f
                        }
                    },
                };
                if one_per_story && !seen_stories.insert(story.as_u64()) {
                    continue;
                }
                docs.push(ExportDoc { row, story, story_size, story_outlets });
            }
            n += docs.len() as u64;
            each(docs).map_err(newsdex_engine::EngineError::Write)?;
        }
        Ok(n)
    }
}
