//! From an input's bytes, as a stream, to its records.
//!
//! Every input goes through here, a page of 2 KB or a JSON Lines dump of 20 GB, from a
//! file or from the raw store: gzip and zstd layers are peeled while reading (detected by
//! magic bytes, nested up to [`MAX_LAYERS`] deep), what the content is is sniffed from its
//! first 64 KiB, and records are cut from the stream one by one, each with its byte range
//! in the decompressed content and, for JSON Lines, its line. Memory holds one record (at
//! most [`Limits::max_document`]) and a read buffer, whatever the input's size; a
//! decompression bomb is stopped by its ratio ([`Limits::bomb_ratio`] past
//! [`Limits::bomb_floor`] bytes of output), and a record over the document limit is
//! refused by its line number without being held.

use std::io::{BufReader, Read};

use crate::{Kind, Limits, RecordSpan, Reject, human_bytes, sniff};

/// A compression layer that was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Gzip,
    Zstd,
}

/// Most compression layers peeled (gzip in zstd in gzip…).
pub const MAX_LAYERS: usize = 3;

/// Bytes sniffed to decide what an input is.
const HEAD: usize = 64 * 1024;

/// Bytes read from the stream at a time.
const READ: usize = 1 << 20;

/// One item of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A record to extract: its bytes and place.
    Record { span: RecordSpan, bytes: Vec<u8> },
    /// A record refused before extraction (a line over the document limit), by place.
    Refused { span: RecordSpan, reject: Reject },
}

/// The layer a stream starts with, if any.
pub fn layer_of(head: &[u8]) -> Option<Layer> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Layer::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Layer::Zstd)
    } else {
        None
    }
}

fn decoder<'a>(layer: Layer, inner: Box<dyn Read + 'a>) -> std::io::Result<Box<dyn Read + 'a>> {
    Ok(match layer {
        Layer::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(inner))),
        Layer::Zstd => Box::new(zstd::stream::read::Decoder::new(inner)?),
    })
}

/// Counts bytes read through it.
struct Counting<'a> {
    inner: Box<dyn Read + 'a>,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

fn io_reject(layers: &[Layer], e: &std::io::Error) -> Reject {
    match layers.last() {
        Some(Layer::Gzip) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Reject::new("bad-gzip", "truncated gzip stream: it ends before its end marker")
        }
        Some(Layer::Gzip) => Reject::new("bad-gzip", format!("corrupt gzip data: {e}")),
        Some(Layer::Zstd) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Reject::new("bad-zstd", "truncated zstd stream: it ends before its end marker")
        }
        Some(Layer::Zstd) => Reject::new("bad-zstd", format!("corrupt zstd data: {e}")),
        None => Reject::new("unreadable", format!("read failed: {e}")),
    }
}

/// The content of a stream with its compression layers peeled off, and the first bytes
/// of that content already read.
pub struct Peeled<'a> {
    reader: Box<dyn Read + 'a>,
    pub layers: Vec<Layer>,
    /// The first bytes of the content (up to 64 KiB; fewer only at its end).
    pub head: Vec<u8>,
    /// Bytes read from the stream as given (compressed), for the bomb check.
    compressed: std::rc::Rc<std::cell::Cell<u64>>,
}

impl std::fmt::Debug for Peeled<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peeled").field("layers", &self.layers).field("head", &self.head.len()).finish()
    }
}

/// Peel gzip/zstd layers off `input`, looking at each level's first bytes.
pub fn peel<'a>(input: Box<dyn Read + 'a>) -> Result<Peeled<'a>, Reject> {
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut reader: Box<dyn Read + 'a> = Box::new(Counting { inner: input, count: count.clone() });
    let mut layers = Vec::new();
    let mut head = read_up_to(&mut reader, HEAD).map_err(|e| io_reject(&layers, &e))?;
    while let Some(layer) = layer_of(&head) {
        if layers.len() == MAX_LAYERS {
            return Err(Reject::new("bomb", format!("more than {MAX_LAYERS} nested compression layers")));
        }
        let replay: Box<dyn Read + 'a> = Box::new(std::io::Cursor::new(head).chain(reader));
        reader = decoder(layer, replay).map_err(|e| io_reject(&layers, &e))?;
        layers.push(layer);
        head = read_up_to(&mut reader, HEAD).map_err(|e| io_reject(&layers, &e))?;
    }
    Ok(Peeled { reader, layers, head, compressed: count })
}

impl<'a> Peeled<'a> {
    /// The whole content as a reader (the head first). No bomb check: for reading a
    /// known record's bytes, not for reading an input whole.
    pub fn into_reader(self) -> Box<dyn Read + 'a> {
        Box::new(std::io::Cursor::new(self.head).chain(self.reader))
    }
}

/// Read up to `n` bytes (fewer only at the end of the stream).
fn read_up_to(r: &mut dyn Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n.min(READ));
    r.take(n as u64).read_to_end(&mut out)?;
    Ok(out)
}

/// The records of one input, read as a stream.
pub struct Records<'a> {
    reader: Box<dyn Read + 'a>,
    compressed: std::rc::Rc<std::cell::Cell<u64>>,
    pub layers: Vec<Layer>,
    pub kind: Kind,
    limits: Limits,
    /// Bytes read but not given out yet: `buf[at..]` starts at content offset `base + at`.
    buf: Vec<u8>,
    at: usize,
    base: u64,
    eof: bool,
    /// Lines given out so far (JSON Lines).
    line: u64,
    done: bool,
    /// A single document (text, HTML, one pretty-printed JSON object) instead of lines.
    whole: bool,
}

impl std::fmt::Debug for Records<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").field("layers", &self.layers).field("kind", &self.kind).finish()
    }
}

/// Open `input` for reading its records: peel its layers and sniff its kind. `name` is the
/// file name, used only to break ties when sniffing. An input that cannot be read at all
/// (empty, binary, corrupt from the start) is one [`Reject`].
pub fn records<'a>(input: Box<dyn Read + 'a>, name: &str, limits: &Limits) -> Result<Records<'a>, Reject> {
    let peeled = peel(input)?;
    let kind = sniff(&peeled.head, name)?;
    let mut r = Records {
        reader: peeled.reader,
        compressed: peeled.compressed,
        layers: peeled.layers,
        kind,
        limits: *limits,
        base: 0,
        eof: false,
        at: 0,
        buf: peeled.head,
        line: 0,
        done: false,
        whole: kind != Kind::Jsonl,
    };
    if kind == Kind::Jsonl {
        r.whole = r.single_json_document()?;
    }
    Ok(r)
}

impl Records<'_> {
    /// Bytes of content read so far.
    fn out(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Read more, at least until `want` unread bytes are buffered or the stream ends.
    fn fill(&mut self, want: usize) -> Result<(), Reject> {
        while !self.eof && self.buf.len() - self.at < want {
            if self.at > 0 && self.at * 2 >= self.buf.len() {
                self.buf.drain(..self.at);
                self.base += self.at as u64;
                self.at = 0;
            }
            let chunk = read_up_to(&mut self.reader, READ).map_err(|e| io_reject(&self.layers, &e))?;
            if chunk.is_empty() {
                self.eof = true;
            }
            self.buf.extend_from_slice(&chunk);
            self.check_bomb()?;
        }
        Ok(())
    }

    fn check_bomb(&self) -> Result<(), Reject> {
        let (out, read) = (self.out(), self.compressed.get().max(1));
        if !self.layers.is_empty() && out > self.limits.bomb_floor && out / read > self.limits.bomb_ratio {
            return Err(Reject::new(
                "bomb",
                format!(
                    "compressed data expands more than {} times (to {} so far); refusing the rest as a possible decompression bomb",
                    self.limits.bomb_ratio,
                    human_bytes(out)
                ),
            ));
        }
        Ok(())
    }

    /// Read and drop the rest of the stream, returning how many bytes it had.
    fn drain_rest(&mut self) -> Result<u64, Reject> {
        let mut n = (self.buf.len() - self.at) as u64;
        self.base += self.buf.len() as u64;
        self.buf.clear();
        self.at = 0;
        let mut scratch = vec![0u8; READ];
        loop {
            let k = self.reader.read(&mut scratch).map_err(|e| io_reject(&self.layers, &e))?;
            if k == 0 {
                self.eof = true;
                return Ok(n);
            }
            n += k as u64;
            self.base += k as u64;
            self.check_bomb()?;
        }
    }

    /// JSON whose first line is not a JSON value on its own but whose whole is one object
    /// (pretty-printed) is a single document; JSON Lines has a value on every line.
    fn single_json_document(&mut self) -> Result<bool, Reject> {
        let valid = |b: &[u8]| serde_json::from_slice::<serde::de::IgnoredAny>(b).is_ok();
        let start = self.buf.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        let first_end = self.buf[start..].iter().position(|&b| b == b'\n').map(|i| start + i);
        if let Some(end) = first_end
            && valid(&self.buf[start..end])
        {
            return Ok(false);
        }
        let cap = self.limits.max_document as usize;
        self.fill(cap.saturating_add(1))?;
        if first_end.is_none() && !self.eof {
            // A first line longer than a document: lines, and it is refused.
            return Ok(false);
        }
        Ok(self.eof && self.buf.len() <= cap && valid(&self.buf))
    }

    /// The one document of a text, HTML or pretty JSON input.
    fn whole_document(&mut self) -> Result<Item, Reject> {
        let cap = self.limits.max_document;
        self.fill(cap as usize + 1)?;
        if self.buf.len() as u64 > cap {
            let size = self.drain_rest()?;
            let what = if self.kind == Kind::Jsonl { "JSON".to_string() } else { self.kind.name().to_string() };
            return Err(Reject::new(
                "too-large",
                format!(
                    "a single {what} document of {}, over the {} per-document limit",
                    human_bytes(size),
                    human_bytes(cap)
                ),
            ));
        }
        let bytes = std::mem::take(&mut self.buf);
        Ok(Item::Record { span: RecordSpan { start: 0, end: bytes.len(), line: None }, bytes })
    }

    /// The next non-blank line, or `None` at the end.
    fn next_line(&mut self) -> Result<Option<Item>, Reject> {
        let cap = self.limits.max_document as usize;
        loop {
            // Find the line's end within what a document may hold.
            let mut scanned = 0;
            let newline = loop {
                let unread = self.buf.len() - self.at;
                if let Some(i) = memchr_from(&self.buf[self.at..], scanned) {
                    break Some(i);
                }
                scanned = unread;
                if self.eof || unread > cap + 1 {
                    break None;
                }
                self.fill(unread + READ)?;
            };
            let unread = self.buf.len() - self.at;
            if unread == 0 && self.eof {
                return Ok(None);
            }
            let start = self.base + self.at as u64;
            self.line += 1;
            let line = self.line;
            let (len, next) = match newline {
                Some(i) => (i, self.at + i + 1),
                None if self.eof => (unread, self.buf.len()),
                None => {
                    // Longer than a document: count it to its end without holding it.
                    let mut len = unread as u64;
                    self.base += self.buf.len() as u64;
                    self.buf.clear();
                    self.at = 0;
                    loop {
                        self.fill(1)?;
                        if self.buf.is_empty() {
                            break;
                        }
                        if let Some(i) = memchr_from(&self.buf, 0) {
                            len += i as u64;
                            self.at = i + 1;
                            break;
                        }
                        len += self.buf.len() as u64;
                        self.base += self.buf.len() as u64;
                        self.buf.clear();
                    }
                    let span = RecordSpan { start: start as usize, end: (start + len) as usize, line: Some(line) };
                    return Ok(Some(Item::Refused { span, reject: long_line(line, len, self.limits.max_document) }));
                }
            };
            let mut content = &self.buf[self.at..self.at + len];
            if content.last() == Some(&b'\r') {
                content = &content[..content.len() - 1];
            }
            let span = RecordSpan { start: start as usize, end: start as usize + content.len(), line: Some(line) };
            let blank = content.iter().all(u8::is_ascii_whitespace);
            let item = if blank {
                None
            } else if content.len() > cap {
                Some(Item::Refused { span, reject: long_line(line, content.len() as u64, self.limits.max_document) })
            } else {
                Some(Item::Record { span, bytes: content.to_vec() })
            };
            self.at = next;
            if let Some(item) = item {
                return Ok(Some(item));
            }
        }
    }
}

fn long_line(line: u64, len: u64, max: u64) -> Reject {
    Reject::new(
        "too-large",
        format!("line {line} is {}, over the {} per-document limit", human_bytes(len), human_bytes(max)),
    )
}

fn memchr_from(b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?.iter().position(|&c| c == b'\n').map(|i| from + i)
}

impl Iterator for Records<'_> {
    /// A record, a refused record, or an error that ends the input (what came before it
    /// stands).
    type Item = Result<Item, Reject>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let res = if self.whole {
            self.done = true;
            self.whole_document().map(Some)
        } else {
            self.next_line()
        };
        match res {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    type Read = (Kind, Vec<Layer>, Vec<Result<Item, Reject>>);

    fn all(bytes: &[u8], name: &str, limits: &Limits) -> Result<Read, Reject> {
        let r = records(Box::new(bytes), name, limits)?;
        let (kind, layers) = (r.kind, r.layers.clone());
        Ok((kind, layers, r.collect()))
    }

    fn spans(items: &[Result<Item, Reject>]) -> Vec<(Option<u64>, String)> {
        items
            .iter()
            .map(|i| match i {
                Ok(Item::Record { span, bytes }) => (span.line, String::from_utf8_lossy(bytes).into_owned()),
                Ok(Item::Refused { span, reject }) => (span.line, format!("refused: {}", reject.reason)),
                Err(r) => (None, format!("error: {}", r.reason)),
            })
            .collect()
    }

    #[test]
    fn gzip_and_zstd_are_detected_by_content_and_nested() {
        let inner = b"{\"title\":\"a\",\"text\":\"b\"}\n\n{\"title\":\"c\",\"text\":\"d\"}\r\n";
        let packed = zstd::encode_all(&gz(inner)[..], 3).unwrap();
        let (kind, layers, items) = all(&packed, "archive.bin", &Limits::default()).unwrap();
        assert_eq!(layers, [Layer::Zstd, Layer::Gzip]);
        assert_eq!(kind, Kind::Jsonl);
        assert_eq!(
            spans(&items),
            [
                (Some(1), String::from_utf8_lossy(&inner[..24]).into()),
                (Some(3), String::from_utf8_lossy(&inner[26..50]).into())
            ]
        );
        // Spans are places in the decompressed content.
        let Ok(Item::Record { span, .. }) = &items[1] else { panic!() };
        assert_eq!((span.start, span.end), (26, 50));
    }

    #[test]
    fn pretty_printed_json_is_one_document() {
        let pretty = b"{\n  \"title\": \"One article\",\n  \"text\": \"Spread over lines.\"\n}\n";
        let (_, _, items) = all(pretty, "a.json", &Limits::default()).unwrap();
        assert_eq!(
            items,
            [Ok(Item::Record { span: RecordSpan { start: 0, end: pretty.len(), line: None }, bytes: pretty.to_vec() })]
        );
        // Broken pretty JSON still goes line by line, so each bad line is named.
        let broken = b"{\n  \"title\": \n";
        assert_eq!(all(broken, "a.json", &Limits::default()).unwrap().2.len(), 2);
    }

    #[test]
    fn truncated_gzip_is_named_after_the_records_before_it() {
        let lines: Vec<u8> =
            (0..20_000).flat_map(|i| format!("{{\"title\":\"t{i}\",\"text\":\"x\"}}\n").into_bytes()).collect();
        let g = gz(&lines);
        let (_, _, items) = all(&g[..g.len() / 2], "a.jsonl.gz", &Limits::default()).unwrap();
        let last = items.last().unwrap().as_ref().unwrap_err();
        assert_eq!(last.code, "bad-gzip");
        assert!(last.reason.starts_with("truncated gzip stream"), "{}", last.reason);
        assert!(items.len() > 1000, "the records before the damage are read");
    }

    #[test]
    fn decompression_bombs_are_stopped_by_their_ratio() {
        let g = gz(&vec![b'a'; 10 << 20]);
        assert!(g.len() < 20_000);
        let limits = Limits { bomb_floor: 1 << 20, bomb_ratio: 100, ..Limits::default() };
        let r = all(&g, "bomb.gz", &limits).unwrap().2.pop().unwrap().unwrap_err();
        assert_eq!(r.code, "bomb");
        // Nested: the ratio is to the bytes given, whatever the layers.
        let nested = zstd::encode_all(&gz(&vec![b'{'; 20 << 20])[..], 19).unwrap();
        // (Found while telling one pretty JSON document from lines, or while reading lines.)
        let r = match all(&nested, "bomb.zst", &limits) {
            Err(r) => r,
            Ok((_, _, mut items)) => items.pop().unwrap().unwrap_err(),
        };
        assert_eq!(r.code, "bomb");
        let deep = gz(&gz(&gz(&gz(b"hello"))));
        assert_eq!(all(&deep, "deep.gz", &limits).unwrap_err().code, "bomb");
    }

    #[test]
    fn oversized_documents_and_lines_are_refused_and_the_rest_goes_on() {
        let limits = Limits { max_document: 10, ..Limits::default() };
        let r = all(b"a text document longer than ten bytes", "a.txt", &limits).unwrap().2.pop().unwrap().unwrap_err();
        assert_eq!(r.code, "too-large");
        assert_eq!(r.reason, "a single text document of 37 B, over the 10 B per-document limit");
        let (_, _, items) = all(b"{\"a\":1}\n{\"a\":\"a long line\"}\n{\"b\":2}", "a.jsonl", &limits).unwrap();
        assert_eq!(
            spans(&items),
            [
                (Some(1), "{\"a\":1}".into()),
                (Some(2), "refused: line 2 is 19 B, over the 10 B per-document limit".into()),
                (Some(3), "{\"b\":2}".into())
            ]
        );
        // Longer than the read buffer: counted without being held, numbers kept.
        let long = format!("{{\"a\":1}}\n{{\"x\":\"{}\"}}\n{{\"b\":2}}\n", "y".repeat(3 * READ));
        let limits = Limits { max_document: 1000, ..Limits::default() };
        let (_, _, items) = all(long.as_bytes(), "a.jsonl", &limits).unwrap();
        let got = spans(&items);
        assert_eq!(got[1].0, Some(2));
        assert!(got[1].1.starts_with("refused: line 2 is 3.0 MiB"), "{got:?}");
        assert_eq!(got[2], (Some(3), "{\"b\":2}".into()));
        let Ok(Item::Record { span, .. }) = &items[2] else { panic!() };
        assert_eq!(&long.as_bytes()[span.start..span.end], b"{\"b\":2}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_spans_point_at_their_bytes(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            lines in proptest::collection::vec("[{}a-z\" \r]{0,30}", 0..20),
        ) {
            let limits = Limits { max_document: 16, ..Limits::default() };
            let _ = all(&bytes, "x", &limits).map(|r| r.2);
            let _ = all(&gz(&bytes), "x", &limits).map(|r| r.2);
            let text = format!("{{{}", lines.join("\n"));
            if let Ok((_, _, items)) = all(text.as_bytes(), "x.jsonl", &limits) {
                for item in items {
                    match item {
                        Ok(Item::Record { span, bytes }) => proptest::prop_assert_eq!(&text.as_bytes()[span.start..span.end], &bytes[..]),
                        Ok(Item::Refused { span, .. }) => proptest::prop_assert!(span.end <= text.len()),
                        Err(_) => {}
                    }
                }
            }
        }
    }
}
