//! Layout, format version, writer lock and generations of a data directory.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use newsdex_core::ShardRule;

use crate::{Result, StoreError};

/// Layout version written to `FORMAT`. Bump when the layout or pack format changes.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_PREFIX: &str = "newsdex-data ";

/// An opened data directory. Holding one with [`DataDir::open_write`] holds the writer lock.
#[derive(Debug)]
pub struct DataDir {
    root: PathBuf,
    generation: u64,
    /// Whether `gen/CURRENT` names this generation (false for a directory being created).
    published: bool,
    _lock: Option<File>,
}

impl DataDir {
    /// Open for writing, creating the directory if needed, and take the writer lock.
    pub fn open_write(root: &Path) -> Result<DataDir> {
        std::fs::create_dir_all(root).map_err(StoreError::io(root))?;
        // The lock is taken before the format is checked or written, so two first writers
        // racing on a new directory cannot see each other's half-made files: the second
        // is told the directory is in use.
        if !root.join("FORMAT").exists() {
            refuse_foreign(root)?;
        }
        let lock_path = root.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(StoreError::io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(root.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::io(&lock_path)(e)),
        }
        check_or_init_format(root, true)?;
        std::fs::create_dir_all(root.join("raw")).map_err(StoreError::io(root.join("raw")))?;
        // A new directory's generation is published (gen/CURRENT) only once its store and
        // index exist (see `publish`), so a reader never finds half a data directory.
        let (generation, published) = match read_current(root)? {
            Some(g) => (g, true),
            None => (1, false),
        };
        let dd = DataDir { root: root.to_path_buf(), generation, published, _lock: Some(lock) };
        std::fs::create_dir_all(dd.gen_dir()).map_err(StoreError::io(dd.gen_dir()))?;
        Ok(dd)
    }

    /// Make a new data directory visible to readers, once its generation is complete.
    /// Does nothing for a directory that is already published.
    pub fn publish(&mut self) -> Result<()> {
        if !self.published {
            write_current(&self.root, self.generation)?;
            self.published = true;
        }
        Ok(())
    }

    /// Open an existing data directory for reading. No lock is taken.
    pub fn open_read(root: &Path) -> Result<DataDir> {
        if !root.join("FORMAT").exists() {
            return Err(StoreError::Missing(root.to_path_buf()));
        }
        check_or_init_format(root, false)?;
        let generation = read_current(root)?.ok_or_else(|| StoreError::Missing(root.to_path_buf()))?;
        Ok(DataDir { root: root.to_path_buf(), generation, published: true, _lock: None })
    }

    /// The live generation of the data directory at `root`, read now (`None` before the
    /// first writer published it).
    pub fn current_generation(root: &Path) -> Result<Option<u64>> {
        read_current(root)
    }

    /// Whether another process holds the writer lock right now.
    pub fn is_locked(root: &Path) -> bool {
        let Ok(f) = OpenOptions::new().write(true).open(root.join("LOCK")) else {
            return false;
        };
        match f.try_lock() {
            Ok(()) => {
                let _ = f.unlock();
                false
            }
            Err(_) => true,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The shard of a collection this archive is and its collection's partition (its
    /// `SHARD` file: `2/4`, or `2/4 by date … undated 3`), if it is one.
    pub fn shard(&self) -> Result<Option<ShardRule>> {
        read_shard(&self.root)
    }

    /// Make this archive shard `shard` of a collection (writes `SHARD`). Only a writer
    /// may, and only for an archive that is not already another shard; `holds_documents`
    /// refuses to make a whole archive into a shard after the fact (its documents would
    /// belong to other shards).
    pub fn set_shard(&self, shard: &ShardRule, holds_documents: bool) -> Result<()> {
        let path = self.root.join(SHARD_FILE);
        let refuse = |reason: String| Err(StoreError::Shard { path: path.clone(), reason });
        match read_shard(&self.root)? {
            Some(s) if &s == shard => Ok(()),
            Some(s) if s.shard == shard.shard => refuse(format!(
                "this archive is shard {s}, not {shard}: its collection assigns documents otherwise (re-partitioning means building anew)"
            )),
            Some(s) => {
                refuse(format!("this archive is shard {s}, not {shard}: give each shard its own data directory"))
            }
            None if holds_documents => refuse(format!(
                "this archive already holds documents of every shard; build shard {shard} in a new data directory"
            )),
            None if self._lock.is_none() => refuse("only a writer can make an archive a shard".into()),
            None => atomic_write(&path, format!("{shard}\n").as_bytes()),
        }
    }

    pub fn raw_dir(&self) -> PathBuf {
        self.root.join("raw")
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Directory of the live generation of derived data.
    pub fn gen_dir(&self) -> PathBuf {
        self.gen_dir_of(self.generation)
    }

    pub fn gen_dir_of(&self, generation: u64) -> PathBuf {
        self.root.join("gen").join(generation.to_string())
    }

    pub fn db_path(&self) -> PathBuf {
        self.gen_dir().join("docs.sqlite")
    }

    pub fn index_dir(&self) -> PathBuf {
        self.gen_dir().join("index")
    }

    /// Prepare an empty directory for the next generation (used by reindex). Any leftover
    /// from an interrupted reindex is removed first.
    pub fn begin_generation(&self) -> Result<(u64, PathBuf)> {
        let next = self.generation + 1;
        let dir = self.gen_dir_of(next);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(StoreError::io(&dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        Ok((next, dir))
    }

    /// Remove what an interrupted or failed reindex wrote for `generation` (never the live
    /// one).
    pub fn abandon_generation(&self, generation: u64) {
        if generation == self.generation {
            return;
        }
        let dir = self.gen_dir_of(generation);
        if let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %dir.display(), error = %e, "could not remove an abandoned generation");
        }
    }

    /// Whether the disk holding the data directory is full: a small write there fails with
    /// "no space left" (or a quota). Used to explain a failure whose own message does not
    /// say (tantivy reports a failed writer thread as "An index writer was killed").
    pub fn out_of_space(&self) -> bool {
        let probe = self.root.join(".space-probe");
        let res = File::create(&probe).and_then(|mut f| {
            f.write_all(&[0u8; 64 << 10])?;
            f.sync_all()
        });
        let _ = std::fs::remove_file(&probe);
        matches!(res, Err(e) if is_out_of_space(&e))
    }

    /// Make `generation` the live one (atomic rename of `gen/CURRENT`), then delete the old.
    pub fn switch_generation(&mut self, generation: u64) -> Result<()> {
        let old = self.gen_dir();
        write_current(&self.root, generation)?;
        self.generation = generation;
        self.published = true;
        if let Err(e) = std::fs::remove_dir_all(&old) {
            tracing::warn!(dir = %old.display(), error = %e, "could not remove the previous generation");
        }
        Ok(())
    }
}

/// "No space left on device" or "disk quota exceeded".
pub fn is_out_of_space(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
}

fn check_or_init_format(root: &Path, create: bool) -> Result<()> {
    let path = root.join("FORMAT");
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            let v = s.trim().strip_prefix(FORMAT_PREFIX).and_then(|v| v.parse::<u32>().ok()).ok_or_else(|| {
                StoreError::NotADataDir { path: root.to_path_buf(), reason: format!("FORMAT says {:?}", s.trim()) }
            })?;
            if v > FORMAT_VERSION {
                return Err(StoreError::TooNew { path: root.to_path_buf(), found: v, supported: FORMAT_VERSION });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            refuse_foreign(root)?;
            atomic_write(&path, format!("{FORMAT_PREFIX}{FORMAT_VERSION}\n").as_bytes())
        }
        Err(e) => Err(StoreError::io(&path)(e)),
    }
}

/// Files a writer makes before `FORMAT` exists: the lock, and `FORMAT.tmp` left by a writer
/// killed before renaming it.
const OWN_BEFORE_FORMAT: [&str; 2] = ["LOCK", "FORMAT.tmp"];

/// A directory without `FORMAT` may only be written into if it holds nothing but what a
/// newsdex writer makes first: anything else is somebody else's folder.
fn refuse_foreign(root: &Path) -> Result<()> {
    for entry in std::fs::read_dir(root).map_err(StoreError::io(root))? {
        let name = entry.map_err(StoreError::io(root))?.file_name();
        if !OWN_BEFORE_FORMAT.iter().any(|own| name == *own) {
            // Another first writer may have written FORMAT (and begun its layout) since
            // the caller looked: then it is a data directory, checked under the lock.
            if root.join("FORMAT").exists() {
                return Ok(());
            }
            return Err(StoreError::NotADataDir {
                path: root.to_path_buf(),
                reason: format!(
                    "it is not empty (it holds {name:?}) and has no FORMAT file; refusing to write into it"
                ),
            });
        }
    }
    Ok(())
}

fn read_current(root: &Path) -> Result<Option<u64>> {
    let path = root.join("gen").join("CURRENT");
    match std::fs::read_to_string(&path) {
        Ok(s) => s.trim().parse().map(Some).map_err(|_| StoreError::Corrupt(format!("{}: {s:?}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(&path)(e)),
    }
}

fn write_current(root: &Path, generation: u64) -> Result<()> {
    let dir = root.join("gen");
    std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
    atomic_write(&dir.join("CURRENT"), format!("{generation}\n").as_bytes())
}

/// The file naming the shard an archive is.
pub const SHARD_FILE: &str = "SHARD";

fn read_shard(root: &Path) -> Result<Option<ShardRule>> {
    let path = root.join(SHARD_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => text
            .trim()
            .parse::<ShardRule>()
            .map(Some)
            .map_err(|e| StoreError::Shard { path: path.clone(), reason: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(&path)(e)),
    }
}

fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(StoreError::io(&tmp))?;
    f.write_all(bytes).map_err(StoreError::io(&tmp))?;
    f.sync_all().map_err(StoreError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(StoreError::io(path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsdex_core::Shard;

    #[test]
    fn an_archive_becomes_one_shard_and_stays_it() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::open_write(dir.path()).unwrap();
        assert_eq!(dd.shard().unwrap(), None);
        let s = ShardRule::by_id(Shard::new(1, 4).unwrap());
        dd.set_shard(&s, false).unwrap();
        dd.set_shard(&s, true).unwrap();
        assert_eq!(dd.shard().unwrap(), Some(s));
        let other = dd.set_shard(&ShardRule::by_id(Shard::new(2, 4).unwrap()), true).unwrap_err().to_string();
        assert!(other.contains("is shard 1/4, not 2/4"), "{other}");
        let by_date: ShardRule = "1/4 by date 2000-01-01,2010-01-01,2020-01-01 undated 3".parse().unwrap();
        let other = dd.set_shard(&by_date, true).unwrap_err().to_string();
        assert!(other.contains("assigns documents otherwise"), "{other}");
    }

    #[test]
    fn a_time_partitioned_shard_keeps_its_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::open_write(dir.path()).unwrap();
        let s: ShardRule = "0/2 by date 2010-01-01 undated 0".parse().unwrap();
        dd.set_shard(&s, false).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join(SHARD_FILE)).unwrap(), "0/2 by date 2010-01-01 undated 0\n");
        assert_eq!(dd.shard().unwrap(), Some(s));
    }

    #[test]
    fn a_whole_archive_is_not_made_a_shard_afterwards() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::open_write(dir.path()).unwrap();
        let e = dd.set_shard(&ShardRule::by_id(Shard::new(0, 2).unwrap()), true).unwrap_err().to_string();
        assert!(e.contains("already holds documents of every shard"), "{e}");
        std::fs::write(dir.path().join(SHARD_FILE), "5/2\n").unwrap();
        let e = dd.shard().unwrap_err().to_string();
        assert!(e.contains("SHARD") && e.contains("is not a shard"), "{e}");
    }

    #[test]
    fn second_writer_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let mut a = DataDir::open_write(&root).unwrap();
        assert!(DataDir::is_locked(&root));
        let e = DataDir::open_write(&root).unwrap_err();
        assert!(e.to_string().contains("in use by another newsdex process"), "{e}");
        // Until the writer publishes the new directory, readers find no data (not half of it).
        let e = DataDir::open_read(&root).unwrap_err();
        assert!(e.to_string().contains("run `newsdex ingest PATH` first"), "{e}");
        a.publish().unwrap();
        // Readers are never blocked.
        DataDir::open_read(&root).unwrap();
    }

    #[test]
    fn refuses_foreign_and_newer_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let e = DataDir::open_write(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not a newsdex data directory"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("FORMAT"), "newsdex-data 99\n").unwrap();
        let e = DataDir::open_write(dir.path()).unwrap_err();
        assert!(e.to_string().contains("newer than this newsdex"), "{e}");

        let e = DataDir::open_read(&dir.path().join("absent")).unwrap_err();
        assert!(e.to_string().contains("run `newsdex ingest PATH` first"), "{e}");
    }

    #[test]
    fn generations_switch_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = DataDir::open_write(dir.path()).unwrap();
        d.publish().unwrap();
        assert_eq!(d.generation(), 1);
        std::fs::write(d.db_path(), "old").unwrap();
        let (g, gdir) = d.begin_generation().unwrap();
        std::fs::write(gdir.join("docs.sqlite"), "new").unwrap();
        d.switch_generation(g).unwrap();
        assert_eq!(std::fs::read_to_string(d.db_path()).unwrap(), "new");
        assert!(!d.gen_dir_of(1).exists());
        drop(d);
        assert_eq!(DataDir::open_read(dir.path()).unwrap().generation(), 2);
    }

    #[test]
    fn regression_a_writer_killed_before_format_was_renamed_does_not_lock_the_directory_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("LOCK"), "").unwrap();
        std::fs::write(root.join("FORMAT.tmp"), "newsdex-data 1\n").unwrap();
        let mut d = DataDir::open_write(&root).unwrap();
        d.publish().unwrap();
        drop(d);
        DataDir::open_read(&root).unwrap();
    }

    #[test]
    fn regression_first_writers_racing_on_a_new_directory_are_told_it_is_in_use() {
        // 19 of 30 racing first ingests said "not a newsdex data directory": each saw the
        // other's LOCK or FORMAT.tmp before a FORMAT existed. Later (1 run in many), one
        // saw no FORMAT, then the FORMAT and layout another had just made.
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("data");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (root, barrier) = (root.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        DataDir::open_write(&root).map(|mut d| {
                            d.publish().unwrap();
                            // Hold the lock while the others try.
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        })
                    })
                })
                .collect();
            for h in handles {
                match h.join().unwrap() {
                    Ok(()) | Err(StoreError::Locked(_)) => {}
                    Err(e) => panic!("round {round}: {e}"),
                }
            }
            DataDir::open_write(&root).unwrap();
        }
    }
}
