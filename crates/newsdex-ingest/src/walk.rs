//! Expanding paths into inputs and opening them.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use newsdex_core::RawHash;

use crate::{Limits, Reject, human_bytes, layer_of};

/// One input to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// Size on disk when walked (0 for a pipe).
    pub size: u64,
}

/// What walking found besides inputs.
#[derive(Debug, Default)]
pub struct WalkReport {
    pub inputs: Vec<Input>,
    /// Paths that could not be walked (missing, permission denied) or are not files
    /// (devices, sockets), with the reason.
    pub errors: Vec<(PathBuf, Reject)>,
    /// Hidden files and directories skipped inside the given directories.
    pub hidden_skipped: u64,
}

/// What a path is, when it is neither a file nor a directory.
fn not_a_file(ft: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_char_device() || ft.is_block_device() {
        Some("a device, not a file")
    } else if ft.is_socket() {
        Some("a socket, not a file")
    } else {
        None
    }
}

fn is_fifo(ft: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    ft.is_fifo()
}

/// Expand `paths`: files (and named pipes) as given, directories recursively in name
/// order. Hidden entries (names starting with `.`) inside directories are skipped;
/// symlinks given explicitly are followed, symlinks inside directories are not (no loops,
/// no escaping the tree). Devices and sockets are refused by name, never read.
pub fn walk(paths: &[PathBuf]) -> WalkReport {
    let mut report = WalkReport::default();
    let refuse = |r: &mut WalkReport, p: PathBuf, why: &str| {
        r.errors.push((p, Reject::new("not-a-file", format!("{why}; newsdex reads files, directories and pipes"))))
    };
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                report.errors.push((root.clone(), Reject::new("unreadable", e.to_string())));
                continue;
            }
        };
        let ft = meta.file_type();
        if meta.is_file() || is_fifo(&ft) {
            report.inputs.push(Input { path: root.clone(), size: meta.len() });
            continue;
        }
        if let Some(why) = not_a_file(&ft) {
            refuse(&mut report, root.clone(), why);
            continue;
        }
        let mut it = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let p = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    report.errors.push((p, Reject::new("unreadable", e.to_string())));
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
            let ft = entry.file_type();
            if ft.is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                report.inputs.push(Input { path: entry.into_path(), size });
            } else if is_fifo(&ft) {
                refuse(
                    &mut report,
                    entry.into_path(),
                    "a named pipe inside a directory (name it on its own to read it)",
                );
            } else if let Some(why) = not_a_file(&ft) {
                refuse(&mut report, entry.into_path(), why);
            }
        }
    }
    report
}

/// The name an input is recorded under: its absolute path. A path that is not UTF-8 keeps
/// every byte: each byte of an invalid sequence is written `\xHH` and a backslash `\\`,
/// so two different names never become the same source.
pub fn source_name(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let bytes = abs.as_os_str().as_bytes();
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&chunk.valid().replace('\\', "\\\\"));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// An input opened for reading.
#[derive(Debug)]
pub enum Opened {
    /// A small plain file, read whole.
    Whole(Vec<u8>),
    /// A large or compressed file, or a pipe: to be read as a stream.
    Stream(StreamInput),
    /// Not read (too large, unreadable); the reason.
    Refused(Reject),
}

/// An input to read as a stream, at most [`Limits::max_file`] bytes of it.
#[derive(Debug)]
pub struct StreamInput {
    file: File,
    /// Size on disk (`None` for a pipe).
    pub size: Option<u64>,
}

impl StreamInput {
    /// The BLAKE3 hash of a file's bytes, read once before they are copied so that a file
    /// already kept is not copied again (`None` for a pipe, which can be read only once).
    pub fn prehash(&mut self) -> Option<std::io::Result<RawHash>> {
        self.size?;
        let mut h = blake3::Hasher::new();
        let res = std::io::copy(&mut (&self.file), &mut h).and_then(|_| self.file.rewind());
        Some(res.map(|()| RawHash(*h.finalize().as_bytes())))
    }

    /// The bytes, from the start.
    pub fn reader(&mut self) -> &mut dyn Read {
        &mut self.file
    }
}

/// Open `path`: read a small plain file whole (at most [`Limits::stream_min`] bytes);
/// hand anything else over as a stream. A file larger than [`Limits::max_file`] is
/// refused without being read (a pipe is cut off by the reader of the stream).
pub fn open_input(path: &Path, limits: &Limits) -> Opened {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return Opened::Refused(Reject::new("unreadable", format!("cannot open: {e}"))),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return Opened::Refused(Reject::new("unreadable", format!("cannot read its size: {e}"))),
    };
    if !meta.is_file() {
        return Opened::Stream(StreamInput { file, size: None });
    }
    if meta.len() > limits.max_file {
        return Opened::Refused(too_large(meta.len(), limits));
    }
    if meta.len() > limits.stream_min {
        return Opened::Stream(StreamInput { file, size: Some(meta.len()) });
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    // The file may have grown since: read no more than would still be read whole.
    match (&mut file).take(limits.stream_min.saturating_add(1)).read_to_end(&mut buf) {
        Err(e) => Opened::Refused(Reject::new("unreadable", format!("read failed: {e}"))),
        Ok(_) if buf.len() as u64 > limits.stream_min || layer_of(&buf).is_some() => match file.rewind() {
            Ok(()) => Opened::Stream(StreamInput { file, size: Some(meta.len().max(buf.len() as u64)) }),
            Err(e) => Opened::Refused(Reject::new("unreadable", format!("cannot rewind: {e}"))),
        },
        Ok(_) => Opened::Whole(buf),
    }
}

/// The refusal of an input over [`Limits::max_file`].
pub fn too_large(size: u64, limits: &Limits) -> Reject {
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
        match open_input(&p, &limits) {
            Opened::Refused(r) => {
                assert_eq!(r.code, "too-large");
                assert_eq!(r.reason, "file is 2.0 KiB (at least), over the 1000 B limit (--max-file-size)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn small_plain_files_are_read_whole_and_the_rest_streamed() {
        let d = tempfile::tempdir().unwrap();
        let limits = Limits { stream_min: 100, ..Limits::default() };
        let small = d.path().join("a.txt");
        std::fs::write(&small, "Title\n\nText.").unwrap();
        assert!(matches!(open_input(&small, &limits), Opened::Whole(b) if b == b"Title\n\nText."));
        let big = d.path().join("b.txt");
        std::fs::write(&big, vec![b'a'; 101]).unwrap();
        let Opened::Stream(mut s) = open_input(&big, &limits) else { panic!("streamed") };
        assert_eq!(s.prehash().unwrap().unwrap(), RawHash::of(&[b'a'; 101]));
        let mut back = Vec::new();
        s.reader().read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 101, "the hash pass rewinds");
        let gz = d.path().join("c");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0]).unwrap();
        assert!(matches!(open_input(&gz, &limits), Opened::Stream(_)), "compressed input is streamed");
    }

    #[test]
    fn regression_two_names_that_are_not_utf8_stay_two_sources() {
        use std::os::unix::ffi::OsStrExt;
        let a = source_name(Path::new(std::ffi::OsStr::from_bytes(b"/in/caf\xe9.txt")));
        let b = source_name(Path::new(std::ffi::OsStr::from_bytes(b"/in/caf\xe8.txt")));
        assert_eq!(a, "/in/caf\\xE9.txt");
        assert_ne!(a, b);
        let c = source_name(Path::new(std::ffi::OsStr::from_bytes(b"/in/a\\b\xff")));
        assert_eq!(c, "/in/a\\\\b\\xFF");
        assert_eq!(source_name(Path::new("/in/ok \u{1F447}.txt")), "/in/ok \u{1F447}.txt");
    }

    #[test]
    fn devices_are_refused_by_name_and_pipes_are_inputs() {
        let r = walk(&[PathBuf::from("/dev/zero"), PathBuf::from("/dev/null")]);
        assert!(r.inputs.is_empty());
        assert_eq!(r.errors.len(), 2);
        assert_eq!(r.errors[0].1.code, "not-a-file");
        assert!(r.errors[0].1.reason.starts_with("a device, not a file"), "{}", r.errors[0].1.reason);
    }
}
