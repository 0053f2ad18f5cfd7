//! The search index. This is the only crate that names tantivy: everything tantivy-shaped
//! (schema, analyzers, commit payloads, collectors, snippets) stays behind the plain types
//! exported here, so the rest of newsdex could move to another engine by rewriting this
//! crate alone.
//!
//! * [`schema`]: fields and analyzers, with the layout version.
//! * [`SearchIndex`]: open/create, the committed batch number, readers.
//! * [`IndexWriter`]: add articles, commit with the batch number as payload (so the engine
//!   can tell after a crash which batches the index already holds), drop batches.
//! * [`search`](SearchIndex::search): run a parsed [`newsdex_query::Query`] with filters,
//!   paging and snippets, returning [`SearchResults`]; refused before it runs when it
//!   would cost more than its [`newsdex_query::QueryLimits`] allow (`query`'s module doc
//!   has why sloppy phrases are budgeted as they are), stopped at its [`Deadline`].

pub mod analysis;
mod deadline;
mod error;
pub mod expand;
mod export;
mod facets;
pub mod gazetteer;
mod guard;
mod hanzi;
mod highlight;
pub mod key;
mod order;
mod percolate;
mod query;
mod ranking;
mod schema;
mod search;
mod stories;
#[cfg(test)]
mod testdata;
mod texts;
mod tokenizer;
mod union;
pub mod variants;
mod writer;

pub use deadline::{CHECK_EVERY, Deadline};
pub use error::IndexError;
pub use facets::{Bucket, Facets, LANG_FACET_SIZE, Period, period_buckets};
pub use hanzi::{is_han, other_script, preload_hanzi_tables, to_hong_kong, to_simplified, to_taiwan, to_traditional};
pub use highlight::Marks;
pub use order::Sort;
pub use percolate::BatchDocs;
pub use query::{Expansion, PROXIMITY_SLOP, PROXIMITY_WEIGHT};
pub use ranking::Ranking;
pub use schema::{Fields, INDEX_LAYOUT};
pub use search::{
    ALSO_LISTED, Also, Hit, Member, Partial, SearchRequest, SearchResults, ShardsAnswered, Snippet, StoryPart,
};
pub use stories::{CountBy, StoryMap};
pub use texts::{Texts, TextsInMemory};
pub use tokenizer::{WordTokenizer, is_cjk, words};
pub use union::UnionDirectory;
pub use variants::Variants;
pub use writer::{IndexWriter, MAX_INDEXED_BODY, indexed_body};

use std::path::Path;

use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, ReloadPolicy};

/// Result type of this crate.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;

/// An opened index directory.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    /// Spelling variants: the builtin file and the user's.
    variants: Variants,
    /// What query widening read from the current view of the index.
    widen: expand::WidenCache,
    /// Languages guessed for queries' words, kept across views of the index.
    query_langs: search::QueryLangs,
    /// For a collection read as one ([`SearchIndex::open_union`]): its shards' indexes.
    union: Option<UnionDirectory>,
    /// The shards (positions in the union) whose documents this handle matches; `None`:
    /// all ([`SearchIndex::own_only`]).
    own: Option<Vec<usize>>,
    /// Where hits' texts are read from (the index stores none; [`SearchIndex::set_texts`]).
    texts: Option<std::sync::Arc<dyn Texts>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("docs", &self.num_docs()).finish()
    }
}

impl SearchIndex {
    /// Open the index in `dir`, creating it when absent.
    pub fn open_or_create(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(|e| IndexError::Io(dir.display().to_string(), e))?;
        let mmap = MmapDirectory::open(dir).map_err(|e| IndexError::Open(dir.display().to_string(), e.to_string()))?;
        let (schema, fields) = schema::build();
        let index = Index::open_or_create(mmap, schema)
            .map_err(|e| IndexError::Open(dir.display().to_string(), e.to_string()))?;
        Self::finish(index, fields)
    }

    /// Open an existing index for searching.
    pub fn open_read(dir: &Path) -> Result<SearchIndex> {
        let index = Index::open_in_dir(dir).map_err(|e| IndexError::Open(dir.display().to_string(), e.to_string()))?;
        let fields = Fields::from_schema(&index.schema())?;
        Self::finish(index, fields)
    }

    fn finish(index: Index, fields: Fields) -> Result<SearchIndex> {
        Self::with_reader(index, fields, ReloadPolicy::OnCommitWithDelay, None)
    }

    fn with_reader(
        index: Index,
        fields: Fields,
        reload: ReloadPolicy,
        union: Option<UnionDirectory>,
    ) -> Result<SearchIndex> {
        schema::register_analyzers(&index);
        let reader = index.reader_builder().reload_policy(reload).try_into()?;
        let (variants, bad) = Variants::parse(&[variants::BUILTIN], &mut schema::main_tokens_analyzer());
        debug_assert!(bad.is_empty(), "builtin variants file: {bad:?}");
        Ok(SearchIndex {
            index,
            fields,
            reader,
            variants,
            widen: expand::WidenCache::default(),
            query_langs: search::QueryLangs::default(),
            union,
            own: None,
            texts: None,
        })
    }

    /// The indexes of a collection's shards (`dirs`, each a shard's index directory),
    /// read as one index ([`UnionDirectory`]): searches answer as one index holding
    /// every shard's documents would. Read-only; [`SearchIndex::reload`] sees the shards'
    /// newest commits.
    pub fn open_union(dirs: &[std::path::PathBuf]) -> Result<SearchIndex> {
        let union = UnionDirectory::open(dirs)?;
        let index = Index::open(union.clone()).map_err(|e| IndexError::Open("the collection".into(), e.to_string()))?;
        let fields = Fields::from_schema(&index.schema())?;
        // Shards commit on their own: a reader sees them when told to reload.
        Self::with_reader(index, fields, ReloadPolicy::Manual, Some(union))
    }

    /// Match only the documents of these shards (positions in the list given to
    /// [`SearchIndex::open_union`]) while reading the whole collection's statistics and
    /// translating queries against all of it: a shard server's view. Scores equal the
    /// whole collection's, so the servers' answers merge into its answer.
    pub fn own_only(&mut self, shards: &[usize]) -> Result<()> {
        let Some(u) = &self.union else {
            return Err(IndexError::Open("an index".into(), "only a collection's union has shards to own".into()));
        };
        if let Some(bad) = shards.iter().find(|s| **s >= u.len()) {
            return Err(IndexError::Open("the collection".into(), format!("it has no shard {bad}")));
        }
        self.own = Some(shards.to_vec());
        Ok(())
    }

    /// Read hits' texts (snippets, spellings found, titles taken from the text) from
    /// `texts`: the index stores none ([`texts`]'s module doc).
    pub fn set_texts(&mut self, texts: std::sync::Arc<dyn Texts>) {
        self.texts = Some(texts);
    }

    /// What hits' texts are read from, once set.
    pub fn texts(&self) -> Option<std::sync::Arc<dyn Texts>> {
        self.texts.clone()
    }

    /// The segments this handle matches in, when it owns only some shards.
    pub(crate) fn owned_segments(&self) -> Result<Option<union::Owned>> {
        let (Some(u), Some(own)) = (&self.union, &self.own) else { return Ok(None) };
        let owners = u.owners().map_err(|e| IndexError::Io("the collection's shards".into(), e))?;
        Ok(Some(std::sync::Arc::new(owners.into_iter().filter(|(_, s)| own.contains(s)).map(|(seg, _)| seg).collect())))
    }

    /// Add the user's spelling variants (the text of their `variants.txt`) to the
    /// builtin ones. Returns the lines that could not be used.
    pub fn add_variants(&mut self, text: &str) -> Vec<variants::BadLine> {
        let (v, bad) = Variants::parse(&[variants::BUILTIN, text], &mut schema::main_tokens_analyzer());
        self.variants = v;
        bad
    }

    /// The last batch number committed to the index (0 when none).
    pub fn committed_seq(&self) -> Result<u64> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.as_deref().and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// A writer. Only one may exist at a time (tantivy holds a lock file); the engine holds
    /// the data directory's writer lock before asking for one.
    pub fn writer(&self, threads: usize, memory_bytes: usize) -> Result<IndexWriter> {
        IndexWriter::new(&self.index, self.fields, threads, memory_bytes)
    }

    /// The language codes of the documents in the index, in order.
    pub fn languages(&self) -> Result<Vec<String>> {
        self.langs(&self.reader.searcher())
    }

    /// Documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Make the latest commit visible to this handle's searches now.
    pub fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }
}
