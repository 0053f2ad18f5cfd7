//! Expanding paths into files and reading them with a size cap.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{Limits, Reject, human_bytes};

/// One file to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// Size on disk when walked.
    pub size: u64,
}

/// What walking found besides files.
#[derive(Debug, Default)]
pub struct WalkReport {
    pub inputs: Vec<Input>,
    /// Paths that could not be walked (missing, permission denied), with the reason.
    pub errors: Vec<(PathBuf, String)>,
    /// Hidden files and directories skipped inside the given directories.
    pub hidden_skipped: u64,
}

/// Expand `paths`: files as given, directories recursively in name order. Hidden entries
/// (names starting with `.`) inside directories are skipped; symlinks given explicitly are
/// followed, symlinks inside directories are not (no loops, no escaping the tree).
pub fn walk(paths: &[PathBuf]) -> WalkReport {
    let mut report = WalkReport::default();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                report.errors.push((root.clone(), e.to_string()));
                continue;
            }
        };
        if meta.is_file() {
            report.inputs.push(Input { path: root.clone(), size: meta.len() });
            continue;
        }
        let mut it = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let p = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    report.errors.push((p, e.to_string()));
                    continue;
                }
            };
            if entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.') {
                report.hidden_skipped += 1;
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                continue;
            }
            if entry.file_type().is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                report.inputs.push(Input { path: entry.into_path(), size });
            }
        }
    }
    report
}

/// Result of reading one file.
#[derive(Debug)]
pub enum ReadOutcome {
    /// The bytes, exactly as on disk.
    Bytes(Vec<u8>),
    /// Not read: too large, or unreadable. The bytes are not kept.
    Refused(Reject),
}

/// Read `path` unless it is larger than `limits.max_file`. Reads at most `max_file + 1`
/// bytes, so a huge or endless file (a FIFO, `/dev/zero`) cannot exhaust memory.
pub fn read_input(path: &Path, limits: &Limits) -> ReadOutcome {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return ReadOutcome::Refused(Reject::new("unreadable", format!("cannot open: {e}"))),
    };
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    if hint > limits.max_file {
        return ReadOutcome::Refused(too_large(hint, limits));
    }
    let mut buf = Vec::with_capacity(hint.min(limits.max_file) as usize);
    match file.take(limits.max_file + 1).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > limits.max_file => ReadOutcome::Refused(too_large(buf.len() as u64, limits)),
        Ok(_) => ReadOutcome::Bytes(buf),
        Err(e) => ReadOutcome::Refused(Reject::new("unreadable", format!("read failed: {e}"))),
    }
}

fn too_large(size: u64, limits: &Limits) -> Reject {
    Reject::new(
        "too-large",
        format!(
            "file is {} (at least), over the {} limit (--max-file-size)",
            human_bytes(size),
            human_bytes(limits.max_file)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_recursively_in_order_and_skips_hidden() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b/.git")).unwrap();
        std::fs::write(d.path().join("b/.git/config"), "x").unwrap();
        std::fs::write(d.path().join("b/2.txt"), "x").unwrap();
        std::fs::write(d.path().join("a.txt"), "x").unwrap();
        std::fs::write(d.path().join(".hidden"), "x").unwrap();
        let r = walk(&[d.path().to_path_buf(), d.path().join("missing")]);
        let names: Vec<_> = r.inputs.iter().map(|i| i.path.strip_prefix(d.path()).unwrap().to_path_buf()).collect();
        assert_eq!(names, [PathBuf::from("a.txt"), PathBuf::from("b/2.txt")]);
        assert_eq!(r.hidden_skipped, 2);
        assert_eq!(r.errors.len(), 1);
    }

    #[test]
    fn refuses_files_over_the_cap_without_reading_them() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big.txt");
        std::fs::write(&p, vec![b'a'; 2000]).unwrap();
        let limits = Limits { max_file: 1000, ..Limits::default() };
        match read_input(&p, &limits) {
            ReadOutcome::Refused(r) => {
                assert_eq!(r.code, "too-large");
                assert_eq!(r.reason, "file is 2.0 KiB (at least), over the 1000 B limit (--max-file-size)");
            }
            other => panic!("{other:?}"),
        }
    }
}
