//! A collection: one archive's documents spread over N shard archives, built apart (on
//! one machine or one task each on a cluster) and searched as one.
//!
//! ```text
//! COLL/
//!   collection.json     manifest: format, shard count, how documents are assigned (by
//!                       id, or by date with the range bounds and the shard of undated
//!                       documents), the shards' directories
//!   shard-0000/ …       each an ordinary data directory whose SHARD file says `i/N`
//!                       (`newsdex --data COLL/shard-0000 ingest --shard 0/4 INPUTS…`)
//!   stories.json        stories linked across shards (`newsdex collection link`), with
//!                       each shard's last batch at the time, so a stale link is noticed
//!   variants.txt        the collection's own spelling variants (optional)
//! ```
//!
//! **Assignment.** By id, a document belongs to shard `id mod N` ([`newsdex_core::Shard`]):
//! the same record lands in the same shard whoever reads it, never in two. By date
//! ([`newsdex_core::DateRanges`], `collection init --by-date`), shard `i` holds a range of
//! publication days and one shard the undated documents: old ranges stop changing, and a
//! range can be searched, copied or retired whole. The date is the one extraction gives,
//! so every shard extracts every record to learn it (N times the extraction work of
//! assigning by id), and a reindex whose extraction dates a document anew moves it: the
//! reindex counts what left and came ([`newsdex_engine::IngestReport::moved_out`]), the
//! other shards pick it up or drop it when they are reindexed too (each keeps every
//! input), and [`link`] refuses a collection where one document is in two shards.
//!
//! **Same answers as one archive.** [`Collection::search`] reads the shards' indexes as
//! one ([`newsdex_index::UnionDirectory`]): BM25's statistics and query widening's reads
//! are the collection's, so scores, totals, facets and order are those of one archive
//! holding every document, which the tests check against a single archive built from the
//! same inputs. Stories are linked across shards by grouping every shard's documents
//! again in one grouper ([`link`]), in the shards' ingest order interleaved.
//!
//! **Shard servers.** [`Collection::open_owning`] matches only some shards' documents
//! while reading the whole collection's statistics; [`fanout`] has what they answer and
//! how a root puts the answers back together (query then fetch: top hits in the order
//! asked, totals and facets summed, stories collapsed across shards, a shard that does
//! not answer said in [`newsdex_engine::ShardsAnswered`]); [`live`] keeps a server's
//! collection current while the shards are ingested into.
//! What differs from one archive is said where it differs: a collection has no single
//! snapshot (each shard numbers its own batches), and a story's id among undated copies in
//! different shards is the first in the interleaved order rather than the first ingested.

mod export;
pub mod fanout;
pub mod live;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use newsdex_core::{DateRanges, DocId, IdPrefix, Partition, Shard, ShardRule};
use newsdex_engine::{
    DocRow, Engine, EngineError, IdMatch, MemberRef, SearchOptions, SearchResults, StoryMap, StoryView,
};
use newsdex_index::SearchIndex;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The manifest's file name.
pub const MANIFEST: &str = "collection.json";
/// The manifest's format line.
pub const FORMAT: &str = "newsdex-collection 1";
/// Stories linked across shards.
pub const STORIES: &str = "stories.json";
/// The collection's spelling variants.
pub const VARIANTS: &str = "variants.txt";

/// What went wrong with a collection.
#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    #[error("{path}: {reason}")]
    Manifest { path: PathBuf, reason: String },
    #[error("shard {shard} ({path}): {reason}")]
    Shard { shard: Shard, path: PathBuf, reason: String },
    #[error("{0}")]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Index(#[from] newsdex_index::IndexError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Refused(String),
}

pub type Result<T, E = CollectionError> = std::result::Result<T, E>;

/// `collection.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// How many shards.
    pub shards: u32,
    /// How documents are assigned to shards: `id` (document id mod the shard count) or
    /// `date` (publication days, split at `bounds`).
    pub assign: String,
    /// By date: the first day of each shard but the first (`YYYY-MM-DD`, increasing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bounds: Vec<String>,
    /// By date: the shard of documents without a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undated: Option<u32>,
    /// Each shard's data directory, relative to the collection's.
    pub dirs: Vec<String>,
    /// `assign`, `bounds` and `undated` read.
    #[serde(skip)]
    partition: Partition,
}

impl Manifest {
    /// A manifest for `shards` shards in `shard-0000`, `shard-0001`, …, assigned by
    /// `partition`.
    pub fn new(shards: u32, partition: Partition) -> Manifest {
        let (assign, bounds, undated) = match &partition {
            Partition::Id => ("id", Vec::new(), None),
            Partition::Date(r) => ("date", r.bounds().iter().map(ToString::to_string).collect(), Some(r.undated())),
        };
        Manifest {
            format: FORMAT.into(),
            shards,
            assign: assign.into(),
            bounds,
            undated,
            dirs: (0..shards).map(|i| format!("shard-{i:04}")).collect(),
            partition,
        }
    }

    /// How documents are assigned to the shards.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }

    /// Shard `i` and the partition: what its archive's `SHARD` file must say.
    pub fn rule(&self, i: u32) -> ShardRule {
        ShardRule { shard: Shard { index: i, of: self.shards }, partition: self.partition.clone() }
    }

    /// Read and check the manifest of the collection at `root`.
    pub fn read(root: &Path) -> Result<Manifest> {
        let path = root.join(MANIFEST);
        let bad = |reason: String| CollectionError::Manifest { path: path.clone(), reason };
        let text = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
        let mut m: Manifest =
            serde_json::from_slice(&text).map_err(|e| bad(format!("not a collection manifest: {e}")))?;
        if m.format != FORMAT {
            return Err(bad(format!("format {:?}; this newsdex reads {FORMAT:?}", m.format)));
        }
        if m.shards == 0 || m.dirs.len() != m.shards as usize {
            return Err(bad(format!("{} shards but {} directories", m.shards, m.dirs.len())));
        }
        m.partition = match m.assign.as_str() {
            "id" if m.bounds.is_empty() && m.undated.is_none() => Partition::Id,
            "id" => return Err(bad("documents assigned by id, but date bounds are given".into())),
            "date" => Partition::Date(DateRanges::parse(&m.bounds.join(","), m.shards, m.undated).map_err(bad)?),
            other => {
                return Err(bad(format!("documents assigned by {other:?}; this newsdex assigns by id or by date")));
            }
        };
        for d in &m.dirs {
            // Shard directories are inside the collection: a manifest never sends a
            // reader elsewhere on the file system.
            let p = Path::new(d);
            if d.is_empty() || p.is_absolute() || p.components().any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(bad(format!("shard directory {d:?} is not a plain name inside the collection")));
            }
        }
        Ok(m)
    }

    /// The data directory of shard `i`.
    pub fn shard_dir(&self, root: &Path, i: u32) -> PathBuf {
        root.join(&self.dirs[i as usize])
    }
}

/// Whether `root` holds a collection (a manifest) rather than one archive.
pub fn is_collection(root: &Path) -> bool {
    root.join(MANIFEST).is_file()
}

/// Make `root` a collection of `shards` shards (its manifest), or check that it is one
/// already with that many. The shards themselves are made by ingesting into their
/// directories with `--shard`.
pub fn init(root: &Path, shards: u32, partition: Partition) -> Result<Manifest> {
    if shards == 0 {
        return Err(CollectionError::Refused("a collection needs at least one shard".into()));
    }
    if is_collection(root) {
        let m = Manifest::read(root)?;
        let refuse = |reason: String| CollectionError::Manifest { path: root.join(MANIFEST), reason };
        if m.shards != shards {
            return Err(refuse(format!(
                "the collection has {} shards, not {shards}: re-sharding means building anew",
                m.shards
            )));
        }
        if m.partition != partition {
            return Err(refuse(format!(
                "the collection assigns documents {}, not {}: re-partitioning means building anew",
                describe(&m.partition),
                describe(&partition)
            )));
        }
        return Ok(m);
    }
    let m = Manifest::new(shards, partition);
    std::fs::create_dir_all(root).map_err(|e| CollectionError::Io { path: root.into(), source: e })?;
    let json = serde_json::to_vec_pretty(&m).map_err(|e| CollectionError::Refused(e.to_string()))?;
    write_atomic(&root.join(MANIFEST), &json)?;
    Ok(m)
}

/// How a partition assigns documents, in words.
pub fn describe(p: &Partition) -> String {
    match p {
        Partition::Id => "by id".into(),
        Partition::Date(r) => {
            format!("by date split at {}, undated in shard {}", r.bounds_joined(", "), r.undated())
        }
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e| CollectionError::Io { path: path.into(), source: e };
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Whether the stories linked across shards are level with the shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Linked {
    /// Linked after every shard's last batch.
    Current,
    /// These shards took batches since the link: their new documents are grouped only
    /// within their shard until `newsdex collection link` runs again.
    Stale { shards: Vec<u32> },
    /// Never linked: stories are each shard's own.
    Never,
}

/// `stories.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LinkedStories {
    /// Each shard's (generation, last batch) when linked.
    shards: Vec<(u64, u64)>,
    /// (document, story) for every document in a story of two or more.
    pairs: Vec<(u64, u64)>,
    /// Sites named apart in different shards ([`LinkReport::outlets_named_apart`]).
    #[serde(default)]
    outlets_named_apart: Vec<(String, Vec<String>)>,
}

/// An opened collection.
pub struct Collection {
    root: PathBuf,
    manifest: Manifest,
    shards: Vec<Engine>,
    index: SearchIndex,
    stories: Arc<StoryMap>,
    linked: Linked,
    /// Sites whose outlet name differs between shards, as the last link found them.
    outlets_named_apart: Vec<(String, Vec<String>)>,
    /// The shards a shard server answers for (`None`: every shard).
    own: Option<Vec<u32>>,
    /// Story → its members, from `stories`, made on first use.
    members: OnceLock<HashMap<u64, Vec<u64>>>,
}

impl std::fmt::Debug for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collection").field("root", &self.root).field("shards", &self.manifest.shards).finish()
    }
}

impl Collection {
    /// Open the collection at `root` for searching every shard.
    pub fn open(root: &Path) -> Result<Collection> {
        Self::open_owning(root, None)
    }

    /// Open the collection at `root`; with `own`, searches match only those shards'
    /// documents (a shard server), reading the whole collection's statistics.
    pub fn open_owning(root: &Path, own: Option<&[u32]>) -> Result<Collection> {
        let manifest = Manifest::read(root)?;
        let mut shards = Vec::with_capacity(manifest.shards as usize);
        for i in 0..manifest.shards {
            let rule = manifest.rule(i);
            let shard = rule.shard;
            let path = manifest.shard_dir(root, i);
            let engine = Engine::open_read(&path).map_err(|e| CollectionError::Shard {
                shard,
                path: path.clone(),
                reason: format!("{e} (build it with `newsdex --data {} {}`)", path.display(), ingest_command(&rule)),
            })?;
            match engine.shard()? {
                Some(s) if s == rule => {}
                other => {
                    return Err(CollectionError::Shard {
                        shard,
                        path,
                        reason: match other {
                            Some(s) if s.shard == shard => format!(
                                "this archive is shard {s}, but the collection assigns documents {}",
                                describe(&manifest.partition)
                            ),
                            Some(s) => format!("this archive is shard {s}"),
                            None => "this archive is not a shard (it was not built with --shard)".into(),
                        },
                    });
                }
            }
            shards.push(engine);
        }
        let dirs: Vec<PathBuf> = shards.iter().map(Engine::index_dir).collect();
        let mut index = SearchIndex::open_union(&dirs)?;
        index.set_texts(Arc::new(ShardTexts(shards.iter().map(Engine::texts).collect())));
        if let Ok(text) = std::fs::read_to_string(root.join(VARIANTS)) {
            for bad in index.add_variants(&text) {
                tracing::warn!("{}:{}: {}", root.join(VARIANTS).display(), bad.line, bad.reason);
            }
        }
        if let Some(own) = own {
            let own: Vec<usize> = own.iter().map(|s| *s as usize).collect();
            index.own_only(&own)?;
        }
        let (stories, linked, outlets_named_apart) = read_stories(root, &shards)?;
        let own = own.map(<[u32]>::to_vec);
        Ok(Collection {
            root: root.to_path_buf(),
            manifest,
            shards,
            index,
            stories,
            linked,
            outlets_named_apart,
            own,
            members: OnceLock::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether stories are linked across shards up to the shards' last batches.
    pub fn linked(&self) -> &Linked {
        &self.linked
    }

    /// Sites whose pages got different outlet names in different shards, with the names,
    /// as the last `link` found them: outlet counts of those names differ from one
    /// archive's.
    pub fn outlets_named_apart(&self) -> &[(String, Vec<String>)] {
        &self.outlets_named_apart
    }

    /// Documents in all shards.
    pub fn num_docs(&self) -> u64 {
        self.shards.iter().map(Engine::num_docs).sum()
    }

    /// Search every shard as one archive (or, for a shard server, its own shards with the
    /// collection's statistics). A collection has no single snapshot: `opts.snapshot`
    /// is refused, and the answer names none.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<SearchResults> {
        if opts.snapshot.is_some() {
            return Err(CollectionError::Refused(
                "a collection has no single snapshot (each shard numbers its own batches); search without one".into(),
            ));
        }
        Ok(newsdex_engine::search_in(&self.index, self.stories.clone(), query, opts)?)
    }

    /// The shard a document with this id belongs to, where its id alone says (by id);
    /// `None` for a time-partitioned collection, whose documents go by their dates.
    pub fn shard_of(&self, id: DocId) -> Option<Shard> {
        match self.manifest.partition {
            Partition::Id => Some(Shard::of_doc(id, self.manifest.shards)),
            Partition::Date(_) => None,
        }
    }

    /// The shard that holds document `id`, if one does: looked up in its shard by id, in
    /// each shard by date.
    pub fn shard_holding(&self, id: DocId) -> Result<Option<u32>> {
        Ok(self.locate(id)?.map(|(i, _)| i))
    }

    /// Document `id` and the shard that holds it.
    fn locate(&self, id: DocId) -> newsdex_engine::Result<Option<(u32, DocRow)>> {
        let candidates = match self.shard_of(id) {
            Some(s) => s.index..s.index + 1,
            None => 0..self.manifest.shards,
        };
        for i in candidates {
            if let Some(row) = self.shards[i as usize].document(id)? {
                return Ok(Some((i, row)));
            }
        }
        Ok(None)
    }

    /// The document an id, or its first digits, names: a whole id is looked up in its
    /// shard (by id), a prefix, or any id by date, in every shard, the candidates of all
    /// of them counted and listed together (the first
    /// [`newsdex_engine::ID_CANDIDATES_LISTED`] by id).
    pub fn find_id(&self, prefix: &IdPrefix) -> Result<IdMatch> {
        if let Some(s) = prefix.whole().and_then(|id| self.shard_of(id)) {
            return Ok(self.shards[s.index as usize].find_id(prefix)?);
        }
        let (mut total, mut listed, mut ones) = (0, Vec::new(), Vec::new());
        for e in &self.shards {
            match e.find_id(prefix)? {
                IdMatch::None => {}
                IdMatch::One(id) => ones.push(id),
                IdMatch::Many { total: t, listed: l } => {
                    total += t;
                    listed.extend(l);
                }
            }
        }
        if let ([id], 0) = (ones.as_slice(), total) {
            return Ok(IdMatch::One(*id));
        }
        if ones.is_empty() && total == 0 {
            return Ok(IdMatch::None);
        }
        for id in ones {
            total += 1;
            listed.push((id, self.document(id)?.map(|r| r.article.title).unwrap_or_default()));
        }
        listed.sort();
        listed.truncate(newsdex_engine::ID_CANDIDATES_LISTED);
        Ok(IdMatch::Many { total, listed })
    }

    /// A document, read from its shard (by date: from the shard that has it).
    pub fn document(&self, id: DocId) -> Result<Option<DocRow>> {
        Ok(self.locate(id)?.map(|(_, row)| row))
    }

    /// The collection's story grouping (document → story, for documents in stories of
    /// two or more).
    pub fn stories(&self) -> Arc<StoryMap> {
        self.stories.clone()
    }

    /// The story document `id` belongs to, its members read from their shards, shown as
    /// one archive shows it ([`newsdex_engine::story_view`]): the same members, size,
    /// outlets, dates and differences from the canonical copy. Members with the same date
    /// (or none) are listed by id, where one archive lists them in ingest order. `None` if
    /// no shard holds `id`.
    pub fn story(&self, id: DocId) -> Result<Option<StoryView>> {
        if self.shard_holding(id)?.is_none() {
            return Ok(None);
        }
        let story = self.story_of(id);
        let mut ids = self.story_members(story);
        for d in [story, id] {
            if !ids.contains(&d) {
                ids.push(d);
            }
        }
        // Outlets and dates of every member from each shard at once; texts only for the
        // members listed.
        let mut index = self.member_refs(&ids)?;
        index.sort_by_key(|(d, _, p)| (p.is_none(), p.map(|p| p.timestamp()), *d));
        let listed = newsdex_engine::story_listed(story, &index);
        let mut found: HashMap<DocId, DocRow> = HashMap::with_capacity(listed.len());
        for e in &self.shards {
            found.extend(e.documents(&listed)?.into_iter().map(|r| (r.article.id, r)));
        }
        let rows = listed.iter().filter_map(|m| found.remove(m)).collect();
        Ok(Some(newsdex_engine::story_view(story, &index, rows)))
    }

    /// How many documents the story `id` belongs to holds, and the story's id; `None` if
    /// no shard holds `id`.
    pub fn story_size(&self, id: DocId) -> Result<Option<(DocId, usize)>> {
        if self.shard_holding(id)?.is_none() {
            return Ok(None);
        }
        let story = self.story_of(id);
        Ok(Some((story, self.story_members(story).len().max(1))))
    }

    /// The story document `id` belongs to in the collection's story map (itself when it
    /// has no copies).
    fn story_of(&self, id: DocId) -> DocId {
        self.stories.get(&id.as_u64()).map_or(id, |s| DocId::from_u64(*s))
    }

    /// The outlets and dates of the documents of `ids`, from every shard that holds them.
    fn member_refs(&self, ids: &[DocId]) -> newsdex_engine::Result<Vec<MemberRef>> {
        let mut refs = Vec::with_capacity(ids.len());
        for e in &self.shards {
            refs.extend(e.member_refs(ids)?);
        }
        Ok(refs)
    }

    /// The members the story map gives story `story` (itself among them when it has
    /// others).
    fn story_members(&self, story: DocId) -> Vec<DocId> {
        let by_story = self.members.get_or_init(|| {
            let mut by: HashMap<u64, Vec<u64>> = HashMap::new();
            for (d, s) in self.stories.iter() {
                by.entry(*s).or_default().push(*d);
            }
            by
        });
        by_story.get(&story.as_u64()).map(|v| v.iter().map(|d| DocId::from_u64(*d)).collect()).unwrap_or_default()
    }

    /// The shards' archives, in order.
    pub fn shards(&self) -> &[Engine] {
        &self.shards
    }
}

/// The command that builds shard `rule` (for messages).
pub fn ingest_command(rule: &ShardRule) -> String {
    match &rule.partition {
        Partition::Id => format!("ingest --shard {} INPUTS…", rule.shard),
        Partition::Date(r) => format!(
            "ingest --shard {} --by-date {} --undated-shard {} INPUTS…",
            rule.shard,
            r.bounds_joined(","),
            r.undated()
        ),
    }
}

/// Each shard's generation and last batch.
fn shard_marks(shards: &[Engine]) -> Result<Vec<(u64, u64)>> {
    shards.iter().map(|e| Ok((e.generation(), e.last_batch()?))).collect()
}

/// The collection's story grouping: linked across shards if it was, else each shard's.
type Stories = (Arc<StoryMap>, Linked, Vec<(String, Vec<String>)>);

fn read_stories(root: &Path, shards: &[Engine]) -> Result<Stories> {
    let path = root.join(STORIES);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut map = StoryMap::default();
            for e in shards {
                map.extend(e.stories()?.iter());
            }
            return Ok((Arc::new(map), Linked::Never, Vec::new()));
        }
        Err(e) => return Err(CollectionError::Io { path, source: e }),
    };
    let linked: LinkedStories = serde_json::from_slice(&bytes)
        .map_err(|e| CollectionError::Manifest { path: path.clone(), reason: format!("not linked stories: {e}") })?;
    let marks = shard_marks(shards)?;
    let stale: Vec<u32> =
        (0..shards.len()).filter(|i| linked.shards.get(*i) != Some(&marks[*i])).map(|i| i as u32).collect();
    let mut map = StoryMap::default();
    map.reserve(linked.pairs.len());
    if !stale.is_empty() {
        // Documents a stale shard took since are grouped within it; the linked stories
        // win where both know a document.
        for &i in &stale {
            map.extend(shards[i as usize].stories()?.iter());
        }
    }
    map.extend(linked.pairs.iter().copied());
    let state = if stale.is_empty() { Linked::Current } else { Linked::Stale { shards: stale } };
    Ok((Arc::new(map), state, linked.outlets_named_apart))
}

/// What [`link`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkReport {
    pub documents: u64,
    /// Stories of two or more documents.
    pub stories: u64,
    /// Of those, stories with documents in more than one shard.
    pub across_shards: u64,
    /// Documents per shard.
    pub per_shard: Vec<u64>,
    /// Sites whose pages got different outlet names in different shards (each shard names
    /// a site by the most common name among the pages it saw), with the names: an
    /// `outlets.txt` in every shard's directory names them alike on the next reindex.
    pub outlets_named_apart: Vec<(String, Vec<String>)>,
    pub elapsed_secs: f64,
}

/// Group every shard's documents into stories as one archive would (the same grouper,
/// settings and texts; the shards' ingest orders interleaved), and write the result to
/// `stories.json`. Reads every document once; memory holds each document's signature
/// and headline (about 0.6 KB a document).
pub fn link(root: &Path) -> Result<LinkReport> {
    let started = std::time::Instant::now();
    let c = Collection::open(root)?;
    let n = c.shards.len() as u64;
    let config = c.shards[0].story_config()?;
    for (i, e) in c.shards.iter().enumerate().skip(1) {
        let other = e.story_config()?;
        if other.threshold != config.threshold || other.headline_terms != config.headline_terms {
            return Err(CollectionError::Refused(format!(
                "shard {i} groups stories with other settings than shard 0; ingest every shard with the same --story-threshold and --story-headlines"
            )));
        }
    }
    let marks = shard_marks(&c.shards)?;
    let preparer = newsdex_dedupe::Preparer::new(&config);
    struct Entry {
        key: u64,
        title: String,
        published: Option<i64>,
        order: (u64, u64),
        prepared: newsdex_dedupe::Prepared,
    }
    let mut entries: Vec<Entry> = Vec::new();
    let mut report = LinkReport::default();
    let mut shard_of: HashMap<u64, u32> = HashMap::new();
    // Documents found in two shards: (document, first shard, second shard).
    let mut in_two: Vec<(DocId, u32, u32)> = Vec::new();
    // site → name → the shards that gave its pages that name
    let mut names: BTreeMap<String, BTreeMap<String, std::collections::BTreeSet<usize>>> = BTreeMap::new();
    for (i, e) in c.shards.iter().enumerate() {
        let mut chunk = Vec::new();
        let mut count = 0u64;
        let flush = |chunk: &mut Vec<newsdex_engine::StoryInput>, entries: &mut Vec<Entry>| {
            let prepared: Vec<_> = chunk.par_iter().map(|d| preparer.prepare(&d.title, &d.body)).collect();
            for (d, p) in chunk.drain(..).zip(prepared) {
                entries.push(Entry {
                    key: d.id.as_u64(),
                    title: d.title,
                    published: d.published,
                    order: (d.ord, i as u64),
                    prepared: p,
                });
            }
        };
        e.for_each_story_input(|d| {
            if let Some(other) = shard_of.insert(d.id.as_u64(), i as u32) {
                in_two.push((d.id, other, i as u32));
            }
            if let (Some(site), Some(outlet)) = (&d.site, &d.outlet) {
                names.entry(site.clone()).or_default().entry(outlet.clone()).or_default().insert(i);
            }
            count += 1;
            chunk.push(d);
            if chunk.len() >= 4096 {
                flush(&mut chunk, &mut entries);
            }
        })?;
        flush(&mut chunk, &mut entries);
        report.per_shard.push(count);
    }
    if let Some((doc, a, b)) = in_two.first() {
        // Only by date, after a reindex dated a document anew in one shard but not yet
        // in the other: one archive would count it once, the shards twice.
        return Err(CollectionError::Refused(format!(
            "{} documents are in two shards (the first: {doc} in shards {a} and {b}): a time-partitioned shard was reindexed and moved them by their new dates; reindex every shard (`newsdex --data {}/shard-… reindex`), then link",
            in_two.len(),
            root.display()
        )));
    }
    entries.sort_by_key(|e| e.order);
    let mut grouper = newsdex_dedupe::Grouper::new(config);
    grouper.reserve(entries.len());
    for e in &entries {
        let item = newsdex_dedupe::Item {
            key: e.key,
            title: &e.title,
            body: "",
            published: e.published,
            seq: e.order.0 * n + e.order.1,
        };
        grouper.insert(&item, &e.prepared);
    }
    report.documents = entries.len() as u64;
    // A site named two ways within one shard is that shard's pages disagreeing (one
    // archive does the same); named apart across shards is the collection's doing.
    report.outlets_named_apart = names
        .into_iter()
        .filter(|(_, by)| by.len() > 1 && by.values().any(|shards| by.values().any(|other| other != shards)))
        .map(|(site, by)| (site, by.into_keys().collect()))
        .collect();
    drop(entries);
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    let mut spans: BTreeMap<u64, (u32, bool)> = BTreeMap::new();
    for (doc, story) in grouper.stories() {
        if doc != story {
            pairs.push((doc, story));
            let home = shard_of.get(&story).copied().unwrap_or(0);
            let s = spans.entry(story).or_insert((home, false));
            if shard_of.get(&doc).copied().unwrap_or(0) != s.0 {
                s.1 = true;
            }
        }
    }
    for story in spans.keys() {
        pairs.push((*story, *story));
    }
    pairs.sort_unstable();
    report.stories = spans.len() as u64;
    report.across_shards = spans.values().filter(|(_, across)| *across).count() as u64;
    let linked = LinkedStories { shards: marks, pairs, outlets_named_apart: report.outlets_named_apart.clone() };
    let json = serde_json::to_vec(&linked).map_err(|e| CollectionError::Refused(e.to_string()))?;
    write_atomic(&root.join(STORIES), &json)?;
    report.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The texts of a collection's documents for its hits, each read from the shard that
/// holds it: shards are asked in turn for the ids not yet found (by date an id names no
/// shard; a search page asks for a few).
struct ShardTexts(Vec<Arc<dyn newsdex_index::Texts>>);

impl newsdex_index::Texts for ShardTexts {
    fn bodies(&self, ids: &[DocId]) -> std::result::Result<Vec<Option<String>>, String> {
        let mut out = vec![None; ids.len()];
        for shard in &self.0 {
            let missing: Vec<usize> = (0..ids.len()).filter(|i| out[*i].is_none()).collect();
            if missing.is_empty() {
                break;
            }
            let wanted: Vec<DocId> = missing.iter().map(|i| ids[*i]).collect();
            for (i, body) in missing.into_iter().zip(shard.bodies(&wanted)?) {
                out[i] = body;
            }
        }
        Ok(out)
    }
}
