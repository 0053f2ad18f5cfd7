//! Large JSON Lines inputs, read as a stream of parts.
//!
//! A news archive export is often one JSON Lines file of gigabytes (a million articles is
//! about 2 GB). Reading it whole would need that much memory and would hit
//! [`Limits::max_file`]. Instead, an input over [`Limits::stream_min`] bytes on disk whose
//! content (after peeling gzip/zstd layers, streamed) is JSON Lines is cut at line ends into
//! parts of about [`Limits::stream_part`] bytes. Each part is then kept, logged and split
//! like a small input of its own, remembering the line its first record is on, so records
//! keep their place in the whole file. Cutting is deterministic, so the same file always
//! gives the same parts (and re-ingesting it adds nothing).
//!
//! The parts hold the decompressed bytes: for a plain file their concatenation is the
//! file; for a compressed one it is the file's content (every record byte is kept, the
//! container is not). A decompression bomb is refused once the output passes 1 GiB at
//! more than 1,000 times the compressed bytes read; a single line over
//! [`Limits::max_document`] is refused (and skipped) without being held in memory.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::{Kind, Layer, Limits, Reject, human_bytes, sniff};

/// One part of a streamed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// 0-based position among the input's parts.
    pub index: u32,
    /// Whole lines (the last may lack its newline at the end of the input).
    pub bytes: Vec<u8>,
    /// 1-based line number, in the whole input, of the part's first line.
    pub first_line: u64,
}

/// What a streamed input yields: parts, and lines refused on the way (too long), named by
/// their line number.
#[derive(Debug)]
pub enum Piece {
    Part(Part),
    RefusedLine { line: u64, reject: Reject },
}

/// Counts the bytes read from the file (compressed), for the bomb check.
struct Counting<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A streamed input being cut into parts.
pub struct Parts {
    reader: Box<dyn Read>,
    compressed_read: std::rc::Rc<std::cell::Cell<u64>>,
    layers: Vec<Layer>,
    limits: Limits,
    /// Bytes read but not yet given out (starts on a line start).
    buf: Vec<u8>,
    /// Line number of `buf`'s first line.
    line: u64,
    index: u32,
    out_bytes: u64,
    eof: bool,
    failed: bool,
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("layers", &self.layers)
            .field("line", &self.line)
            .field("index", &self.index)
            .finish()
    }
}

const MAX_LAYERS: usize = 3;
/// Output past which the compression ratio is checked.
const BOMB_FLOOR: u64 = 1 << 30;
const BOMB_RATIO: u64 = 1000;

fn decoder(layer: Layer, inner: Box<dyn Read>) -> std::io::Result<Box<dyn Read>> {
    Ok(match layer {
        Layer::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(inner))),
        Layer::Zstd => Box::new(zstd::stream::read::Decoder::new(inner)?),
    })
}

fn layer_of(head: &[u8]) -> Option<Layer> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Layer::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Layer::Zstd)
    } else {
        None
    }
}

/// Read up to `n` bytes (fewer only at the end of the stream).
fn read_up_to(r: &mut dyn Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut out)?;
    Ok(out)
}

fn io_reject(layers: &[Layer], e: &std::io::Error) -> Reject {
    match layers.last() {
        Some(Layer::Gzip) => Reject::new("bad-gzip", format!("corrupt or truncated gzip data: {e}")),
        Some(Layer::Zstd) => Reject::new("bad-zstd", format!("corrupt or truncated zstd data: {e}")),
        None => Reject::new("unreadable", format!("read failed: {e}")),
    }
}

/// Open `path` as a stream of parts if it is over [`Limits::stream_min`] bytes and holds
/// JSON Lines; `Ok(None)` if it is small or something else (read it whole instead).
pub fn stream_parts(path: &Path, name: &str, limits: &Limits) -> Result<Option<Parts>, Reject> {
    let file = File::open(path).map_err(|e| Reject::new("unreadable", format!("cannot open: {e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size <= limits.stream_min {
        return Ok(None);
    }
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut reader: Box<dyn Read> =
        Box::new(Counting { inner: BufReader::with_capacity(1 << 20, file), count: count.clone() });
    let mut layers = Vec::new();
    // Peel layers: look at the first bytes of each level through a chain that replays them.
    let mut head = read_up_to(&mut reader, 64 * 1024).map_err(|e| io_reject(&layers, &e))?;
    while let Some(layer) = layer_of(&head) {
        if layers.len() == MAX_LAYERS {
            return Err(Reject::new("bomb", format!("more than {MAX_LAYERS} nested compression layers")));
        }
        let replay: Box<dyn Read> = Box::new(std::io::Cursor::new(head).chain(reader));
        reader = decoder(layer, replay).map_err(|e| io_reject(&layers, &e))?;
        layers.push(layer);
        head = read_up_to(&mut reader, 64 * 1024).map_err(|e| io_reject(&layers, &e))?;
    }
    if sniff(&head, name)? != Kind::Jsonl {
        return Ok(None);
    }
    let out_bytes = head.len() as u64;
    Ok(Some(Parts {
        reader,
        compressed_read: count,
        layers,
        limits: *limits,
        buf: head,
        line: 1,
        index: 0,
        out_bytes,
        eof: false,
        failed: false,
    }))
}

impl Parts {
    /// The compression layers removed.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Read until `buf` holds a full part's worth or the input ends.
    fn fill(&mut self, want: usize) -> Result<(), Reject> {
        while !self.eof && self.buf.len() < want {
            let chunk = read_up_to(&mut self.reader, (want - self.buf.len()).max(1 << 20))
                .map_err(|e| io_reject(&self.layers, &e))?;
            if chunk.is_empty() {
                self.eof = true;
            }
            self.out_bytes += chunk.len() as u64;
            self.buf.extend_from_slice(&chunk);
            let compressed = self.compressed_read.get().max(1);
            if !self.layers.is_empty() && self.out_bytes > BOMB_FLOOR && self.out_bytes / compressed > BOMB_RATIO {
                return Err(Reject::new(
                    "bomb",
                    format!(
                        "compressed data expands more than {BOMB_RATIO} times (to {} so far); refusing the rest as a possible decompression bomb",
                        human_bytes(self.out_bytes)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Drop an over-long first line of `buf` without holding it: read and discard until
    /// its newline. Returns its length.
    fn skip_long_line(&mut self) -> Result<u64, Reject> {
        if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
            self.buf.drain(..=i);
            return Ok(i as u64);
        }
        let mut len = self.buf.len() as u64;
        self.buf.clear();
        loop {
            let chunk = read_up_to(&mut self.reader, 1 << 20).map_err(|e| io_reject(&self.layers, &e))?;
            if chunk.is_empty() {
                self.eof = true;
                return Ok(len);
            }
            self.out_bytes += chunk.len() as u64;
            if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
                len += i as u64;
                self.buf.extend_from_slice(&chunk[i + 1..]);
                return Ok(len);
            }
            len += chunk.len() as u64;
        }
    }

    fn next_piece(&mut self) -> Result<Option<Piece>, Reject> {
        let part = self.limits.stream_part.max(1);
        self.fill(part)?;
        if self.buf.is_empty() {
            return Ok(None);
        }
        // Cut after the last newline within the part's size; with none there, the first
        // line is longer than a part and is kept whole if it fits a document.
        let cut = match self.buf[..self.buf.len().min(part)].iter().rposition(|&b| b == b'\n') {
            Some(i) => i + 1,
            None if self.eof && self.buf.len() <= part => self.buf.len(),
            None => {
                let max_line = self.limits.max_document as usize + 1;
                self.fill(max_line + 1)?;
                match self.buf.iter().take(max_line + 1).position(|&b| b == b'\n') {
                    Some(i) if i <= self.limits.max_document as usize => i + 1,
                    None if self.eof && self.buf.len() as u64 <= self.limits.max_document => self.buf.len(),
                    _ => {
                        let line = self.line;
                        let len = self.skip_long_line()?;
                        self.line += 1;
                        return Ok(Some(Piece::RefusedLine {
                            line,
                            reject: Reject::new(
                                "too-large",
                                format!(
                                    "line {line} is {}, over the {} per-document limit",
                                    human_bytes(len),
                                    human_bytes(self.limits.max_document)
                                ),
                            ),
                        }));
                    }
                }
            }
        };
        let rest = self.buf.split_off(cut);
        let bytes = std::mem::replace(&mut self.buf, rest);
        let first_line = self.line;
        self.line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        let index = self.index;
        self.index += 1;
        Ok(Some(Piece::Part(Part { index, bytes, first_line })))
    }
}

impl Iterator for Parts {
    type Item = Result<Piece, Reject>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_piece() {
            Ok(p) => p.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn small() -> Limits {
        Limits { stream_min: 100, stream_part: 64, max_document: 40, ..Limits::default() }
    }

    fn jsonl(n: usize) -> Vec<u8> {
        (0..n).flat_map(|i| format!("{{\"title\":\"t{i}\",\"text\":\"x\"}}\n").into_bytes()).collect()
    }

    fn parts(bytes: &[u8], limits: &Limits) -> Vec<Piece> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("in.jsonl");
        std::fs::write(&p, bytes).unwrap();
        stream_parts(&p, "in.jsonl", limits).unwrap().expect("streamed").map(Result::unwrap).collect()
    }

    #[test]
    fn parts_are_whole_lines_and_rebuild_the_input() {
        let input = jsonl(40);
        let pieces = parts(&input, &small());
        let mut rebuilt = Vec::new();
        let mut line = 1;
        for (i, p) in pieces.iter().enumerate() {
            let Piece::Part(p) = p else { panic!("{p:?}") };
            assert_eq!(p.index as usize, i);
            assert_eq!(p.first_line, line, "part {i}");
            assert!(p.bytes.ends_with(b"\n"));
            line += p.bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            rebuilt.extend_from_slice(&p.bytes);
        }
        assert!(pieces.len() > 5);
        assert_eq!(rebuilt, input);
        // Deterministic: the same input, the same parts.
        let again = parts(&input, &small());
        assert_eq!(format!("{again:?}"), format!("{pieces:?}"));
    }

    #[test]
    fn compressed_input_streams_its_content() {
        let input = jsonl(30);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&input).unwrap();
        let gz = zstd::encode_all(&e.finish().unwrap()[..], 3).unwrap();
        let limits = Limits { stream_min: 10, ..small() };
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("in.bin");
        std::fs::write(&p, &gz).unwrap();
        let s = stream_parts(&p, "in.bin", &limits).unwrap().unwrap();
        assert_eq!(s.layers(), [Layer::Zstd, Layer::Gzip]);
        let rebuilt: Vec<u8> = s
            .flat_map(|p| match p.unwrap() {
                Piece::Part(p) => p.bytes,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(rebuilt, input);
    }

    #[test]
    fn small_or_non_jsonl_inputs_are_read_whole() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.txt");
        std::fs::write(&p, "A title\n\nSome text.\n".repeat(20)).unwrap();
        assert!(stream_parts(&p, "a.txt", &small()).unwrap().is_none());
        std::fs::write(&p, jsonl(2)).unwrap();
        assert!(stream_parts(&p, "a.txt", &Limits::default()).unwrap().is_none(), "under stream_min");
    }

    #[test]
    fn an_over_long_line_is_refused_by_number_and_the_rest_goes_on() {
        let mut input = jsonl(3);
        input.extend_from_slice(format!("{{\"text\":\"{}\"}}\n", "y".repeat(500)).as_bytes());
        input.extend_from_slice(&jsonl(3));
        let pieces = parts(&input, &small());
        let refused: Vec<u64> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::RefusedLine { line, .. } => Some(*line),
                _ => None,
            })
            .collect();
        assert_eq!(refused, [4]);
        let kept: usize = pieces
            .iter()
            .map(|p| match p {
                Piece::Part(p) => p.bytes.iter().filter(|&&b| b == b'\n').count(),
                _ => 0,
            })
            .sum();
        assert_eq!(kept, 6);
        let last_first_line = pieces
            .iter()
            .rev()
            .find_map(|p| match p {
                Piece::Part(p) => Some(p.first_line),
                _ => None,
            })
            .unwrap();
        assert!(last_first_line >= 5, "lines after the refused one keep their numbers");
    }

    #[test]
    fn truncated_compressed_stream_is_an_error_not_a_panic() {
        let input = jsonl(200);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&input).unwrap();
        let gz = e.finish().unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("in.gz");
        std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
        let limits = Limits { stream_min: 10, ..small() };
        let err = match stream_parts(&p, "in.gz", &limits) {
            Err(e) => e,
            Ok(s) => s.unwrap().find_map(Result::err).expect("an error"),
        };
        assert_eq!(err.code, "bad-gzip");
    }
}
