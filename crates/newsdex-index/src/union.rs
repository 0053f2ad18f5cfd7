//! Several shards' indexes read as one ([`SearchIndex::open_union`]).
//!
//! A collection's shards are archives with indexes of the same layout. Read through a
//! [`UnionDirectory`], their segments are the segments of one index: every statistic BM25
//! reads (documents, a word's document frequency, a field's tokens) and every read query
//! widening makes (which languages hold a word, its forms in the term dictionary) is the
//! collection's, so a search answers exactly as one index holding every document would
//! (ties in order are broken by document id, not by position, so where a document sits
//! does not matter).
//!
//! A shard server scores only its own shards ([`SearchIndex::own_only`]): the union
//! still supplies the collection's statistics and query translation, and documents of the
//! other shards are never matched, counted or read. Merging the servers' answers then
//! gives the single index's answer (this is Elasticsearch's `dfs_query_then_fetch`, with
//! the statistics read from the shards' term dictionaries, as Quickwit's searchers read
//! splits on shared storage, instead of a round trip per query).
//!
//! Ours because tantivy 0.27 has no multi-index searcher; its `Directory` trait makes
//! one small: segment files are named by segment id, so each is found in its shard, and
//! `meta.json` is the shards' segment lists joined, made afresh at every read so that a
//! reload sees every shard's newest commit.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};
use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, Score, SegmentReader, Term};

use crate::{IndexError, Result};

const META: &str = "meta.json";

/// The indexes of several shards as one read-only tantivy directory.
#[derive(Clone)]
pub struct UnionDirectory {
    parts: Arc<Vec<(PathBuf, MmapDirectory)>>,
}

impl std::fmt::Debug for UnionDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.parts.iter().map(|(p, _)| p)).finish()
    }
}

impl UnionDirectory {
    /// The indexes in `dirs`, in that order. Each must exist and hold a committed index.
    pub fn open(dirs: &[PathBuf]) -> Result<UnionDirectory> {
        if dirs.is_empty() {
            return Err(IndexError::Open("a collection".into(), "it names no shards".into()));
        }
        let mut parts = Vec::with_capacity(dirs.len());
        for d in dirs {
            let m = MmapDirectory::open(d).map_err(|e| IndexError::Open(d.display().to_string(), e.to_string()))?;
            parts.push((d.clone(), m));
        }
        let u = UnionDirectory { parts: Arc::new(parts) };
        u.joined_meta().map_err(|e| IndexError::Open("the collection's shards".into(), e.to_string()))?;
        Ok(u)
    }

    /// How many shards.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Never: a union has at least one shard.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Which shard (position in the list given) holds each segment, by segment id as
    /// files name them (32 hex digits).
    pub(crate) fn owners(&self) -> io::Result<HashMap<String, usize>> {
        let mut out = HashMap::new();
        for (i, (_, d)) in self.parts.iter().enumerate() {
            for seg in segments(&read_meta(d)?)? {
                out.insert(seg, i);
            }
        }
        Ok(out)
    }

    /// The shards' `meta.json` joined: their segments in shard order, the first shard's
    /// settings, the largest operation stamp, no payload (each shard has its own batch
    /// numbers). Shards whose schema or settings differ are refused.
    fn joined_meta(&self) -> io::Result<Vec<u8>> {
        let mut joined: Option<serde_json::Value> = None;
        for (path, d) in self.parts.iter() {
            let meta = read_meta(d)?;
            let Some(j) = joined.as_mut() else {
                let mut first = meta;
                first["payload"] = serde_json::Value::Null;
                joined = Some(first);
                continue;
            };
            for key in ["schema", "index_settings"] {
                if meta[key] != j[key] {
                    return Err(io::Error::other(format!(
                        "{} has another index {key} than the first shard: rebuild the shards with one newsdex version (`newsdex reindex`)",
                        path.display()
                    )));
                }
            }
            let more = meta["segments"].as_array().cloned().unwrap_or_default();
            j["segments"].as_array_mut().ok_or_else(|| io::Error::other("meta.json without segments"))?.extend(more);
            let stamp = meta["opstamp"].as_u64().unwrap_or(0).max(j["opstamp"].as_u64().unwrap_or(0));
            j["opstamp"] = stamp.into();
        }
        let joined = joined.ok_or_else(|| io::Error::other("no shards"))?;
        serde_json::to_vec(&joined).map_err(io::Error::other)
    }

    /// The shard holding a segment file (named by its segment id: 32 hex digits). Other
    /// files (a writer's `.managed.json`, locks) are no reader's business.
    fn part_of(&self, path: &Path) -> Option<&MmapDirectory> {
        let name = path.file_name()?.to_str()?;
        let id = name.split('.').next()?;
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        // Few shards per process: asking the file system which one has the file is
        // cheaper than keeping their segment lists level with their commits.
        self.parts.iter().map(|(_, d)| d).find(|d| d.exists(Path::new(name)).unwrap_or(false))
    }
}

fn read_meta(d: &MmapDirectory) -> io::Result<serde_json::Value> {
    let bytes = d.atomic_read(Path::new(META)).map_err(|e| io::Error::other(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(io::Error::other)
}

/// Segment ids of a `meta.json`, as files name them.
fn segments(meta: &serde_json::Value) -> io::Result<Vec<String>> {
    let segs = meta["segments"].as_array().ok_or_else(|| io::Error::other("meta.json without segments"))?;
    Ok(segs.iter().filter_map(|s| s["segment_id"].as_str()).map(|s| s.replace('-', "")).collect())
}

fn read_only(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{}: a collection is read through its shards", path.display()),
    )
}

impl Directory for UnionDirectory {
    fn get_file_handle(&self, path: &Path) -> std::result::Result<Arc<dyn FileHandle>, OpenReadError> {
        self.part_of(path).ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))?.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> std::result::Result<(), DeleteError> {
        Err(DeleteError::IoError { io_error: Arc::new(read_only(path)), filepath: path.to_path_buf() })
    }

    fn exists(&self, path: &Path) -> std::result::Result<bool, OpenReadError> {
        Ok(path == Path::new(META) || self.part_of(path).is_some())
    }

    fn open_write(&self, path: &Path) -> std::result::Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::wrap_io_error(read_only(path), path.to_path_buf()))
    }

    fn atomic_read(&self, path: &Path) -> std::result::Result<Vec<u8>, OpenReadError> {
        if path == Path::new(META) {
            return self.joined_meta().map_err(|e| OpenReadError::wrap_io_error(e, path.to_path_buf()));
        }
        // `.managed.json` (the writer's list of files it made) and the like: a reader
        // never needs them.
        self.part_of(path).ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))?.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only(path))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, _lock: &Lock) -> std::result::Result<DirectoryLock, LockError> {
        // Readers take tantivy's meta lock to read `meta.json` whole; the joined one is
        // made in memory at each read, and each shard's own is written atomically.
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _cb: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}

/// Segments a shard server scores: those of its own shards (segment ids as files name
/// them). Shared by every search of one view of the index.
pub(crate) type Owned = Arc<std::collections::HashSet<String>>;

/// `inner`, matching only in the segments of `owned` (see [`SearchIndex::own_only`]).
pub(crate) fn own_only(inner: Box<dyn Query>, owned: Owned) -> Box<dyn Query> {
    Box::new(OwnSegments { inner, owned })
}

#[derive(Debug)]
struct OwnSegments {
    inner: Box<dyn Query>,
    owned: Owned,
}

impl Clone for OwnSegments {
    fn clone(&self) -> OwnSegments {
        OwnSegments { inner: self.inner.box_clone(), owned: self.owned.clone() }
    }
}

impl Query for OwnSegments {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(OwnWeight { inner: self.inner.weight(scoring)?, owned: self.owned.clone() }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor)
    }
}

struct OwnWeight {
    inner: Box<dyn Weight>,
    owned: Owned,
}

impl OwnWeight {
    fn owns(&self, reader: &SegmentReader) -> bool {
        self.owned.contains(&reader.segment_id().uuid_string())
    }
}

impl Weight for OwnWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if self.owns(reader) { self.inner.scorer(reader, boost) } else { Ok(Box::new(EmptyScorer)) }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.owns(reader) {
            self.inner.explain(reader, doc)
        } else {
            Err(tantivy::TantivyError::InvalidArgument("the document is in another shard's segment".into()))
        }
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        if self.owns(reader) { self.inner.count(reader) } else { Ok(0) }
    }

    fn for_each(&self, reader: &SegmentReader, callback: &mut dyn FnMut(DocId, Score)) -> tantivy::Result<()> {
        if self.owns(reader) { self.inner.for_each(reader, callback) } else { Ok(()) }
    }

    fn for_each_no_score(&self, reader: &SegmentReader, callback: &mut dyn FnMut(&[DocId])) -> tantivy::Result<()> {
        if self.owns(reader) { self.inner.for_each_no_score(reader, callback) } else { Ok(()) }
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        if self.owns(reader) { self.inner.for_each_pruning(threshold, reader, callback) } else { Ok(()) }
    }
}
