//! A collection kept current for a long-lived reader (a shard server, a root): reopened
//! when a shard commits a batch (`newsdex --data COLL/shard-0001 ingest --shard 1/4 …` in
//! another process), is rebuilt into a new generation (`reindex`), or when the
//! collection's linked stories or spelling variants are rewritten (`collection link`, an
//! edited `variants.txt`).
//!
//! [`LiveCollection::current`] never touches the disk: it hands out the collection last
//! opened. [`LiveCollection::refresh`] (a server calls it every [`RECHECK`], off its async
//! runtime) compares what the disk holds with what that collection was opened on and, if
//! anything differs, opens the collection again; searches already running finish on the
//! collection they started with. So a server answers from batches at most about
//! [`RECHECK`] older than the newest, and two servers may, for that long, answer from
//! different batches.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::{Collection, Result, STORIES, VARIANTS};

/// How often a server looks for a change.
pub const RECHECK: Duration = Duration::from_secs(1);

/// What a collection was opened on: each shard's state and the collection's own files.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    /// Per shard: whether its data directory has switched generation since the handle
    /// was opened, and the last batch committed to its index.
    shards: Vec<(bool, u64)>,
    /// Length and modification time of `stories.json` and `variants.txt` (`None`: absent).
    files: [Option<(u64, SystemTime)>; 2],
}

impl Stamp {
    /// Read from the disk through `c`'s handles.
    fn of(c: &Collection) -> Result<Stamp> {
        let shards = c.shards.iter().map(|e| Ok((e.is_stale(), e.snapshot()?))).collect::<Result<_>>()?;
        let file = |name: &str| {
            std::fs::metadata(c.root.join(name)).ok().map(|m| (m.len(), m.modified().unwrap_or(SystemTime::UNIX_EPOCH)))
        };
        Ok(Stamp { shards, files: [file(STORIES), file(VARIANTS)] })
    }
}

/// A collection, reopened when what it was opened on changes.
pub struct LiveCollection {
    root: PathBuf,
    own: Option<Vec<u32>>,
    current: RwLock<(Arc<Collection>, Stamp)>,
    /// Held while reopening, so two refreshes never open it twice at once.
    reopening: Mutex<()>,
}

impl std::fmt::Debug for LiveCollection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveCollection").field("root", &self.root).field("own", &self.own).finish()
    }
}

impl LiveCollection {
    /// Open the collection at `root` (owning only `own`'s shards, for a shard server).
    pub fn open(root: &Path, own: Option<&[u32]>) -> Result<LiveCollection> {
        // The stamp is read before the collection it describes is opened, so the
        // collection holds at least what the stamp says: a batch committed in between is
        // seen as a change at the next refresh, never missed.
        let first = Collection::open_owning(root, own)?;
        let stamp = Stamp::of(&first)?;
        let coll = Collection::open_owning(root, own)?;
        Ok(LiveCollection {
            root: root.to_path_buf(),
            own: own.map(<[u32]>::to_vec),
            current: RwLock::new((Arc::new(coll), stamp)),
            reopening: Mutex::new(()),
        })
    }

    /// The collection as last opened.
    pub fn current(&self) -> Arc<Collection> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).0.clone()
    }

    /// Reopen the collection if a shard, its stories or its variants changed since it
    /// was opened (blocking: reads every shard's index metadata). `Ok(true)` when it was
    /// reopened; on an error the collection last opened stays in use.
    pub fn refresh(&self) -> Result<bool> {
        let Ok(_one) = self.reopening.try_lock() else { return Ok(false) };
        let (coll, old) = self.current.read().unwrap_or_else(|p| p.into_inner()).clone();
        let now = Stamp::of(&coll)?;
        if now == old {
            return Ok(false);
        }
        // `now` was read before the new handles were opened: they hold at least what it
        // says. (A shard that switched generation reads as switched in `now` and as not
        // switched through the new handles, so it is reopened once more at the next
        // refresh: harmless.)
        let fresh = Arc::new(Collection::open_owning(&self.root, self.own.as_deref())?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = (fresh, now);
        Ok(true)
    }
}
