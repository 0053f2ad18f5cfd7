//! Layout, format version, writer lock and generations of a data directory.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

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
        check_or_init_format(root, true)?;
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
            let non_empty = std::fs::read_dir(root).map_err(StoreError::io(root))?.next().is_some();
            if non_empty {
                return Err(StoreError::NotADataDir {
                    path: root.to_path_buf(),
                    reason: "it is not empty and has no FORMAT file; refusing to write into it".into(),
                });
            }
            atomic_write(&path, format!("{FORMAT_PREFIX}{FORMAT_VERSION}\n").as_bytes())
        }
        Err(e) => Err(StoreError::io(&path)(e)),
    }
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
}
