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
    /// A record read and deliberately not extracted (a WARC `request`, a `response` that
    /// is not an HTML page with status 200): counted by `kind` and `reason`, not a reject.
    Skipped { span: RecordSpan, kind: String, reason: String },
}

/// The layer a stream starts with, if any.
pub fn layer_of(head: &[u8]) -> Option<Layer> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Layer::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) || head.starts_with(&ZSTD_DICT_FRAME) {
        Some(Layer::Zstd)
    } else {
        None
    }
}

/// The skippable zstd frame (magic `0x184D2A5D`) that opens a `.warc.zst` file and holds
/// the dictionary its records' frames were compressed with (itself zstd-compressed or not).
const ZSTD_DICT_FRAME: [u8; 4] = [0x5d, 0x2a, 0x4d, 0x18];

/// Largest dictionary read from a `.warc.zst` file (they are about 100 KiB).
const MAX_DICT: u64 = 16 << 20;

fn decoder<'a>(layer: Layer, mut inner: Box<dyn Read + 'a>, members: &Shared) -> std::io::Result<Box<dyn Read + 'a>> {
    Ok(match layer {
        Layer::Gzip => Box::new(Members::new(inner, members.clone())),
        Layer::Zstd => {
            let mut magic = [0u8; 4];
            inner.read_exact(&mut magic)?;
            if magic != ZSTD_DICT_FRAME {
                let replay: Box<dyn Read + 'a> = Box::new(std::io::Cursor::new(magic).chain(inner));
                return Ok(Box::new(zstd::stream::read::Decoder::new(replay)?));
            }
            let mut size = [0u8; 4];
            inner.read_exact(&mut size)?;
            let size = u32::from_le_bytes(size) as u64;
            if size > MAX_DICT {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("a dictionary frame of {}, over {}", human_bytes(size), human_bytes(MAX_DICT)),
                ));
            }
            let mut dict = Vec::new();
            (&mut inner).take(size).read_to_end(&mut dict)?;
            if (dict.len() as u64) < size {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if dict.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                let mut plain = Vec::new();
                zstd::stream::read::Decoder::new(&dict[..])?.take(MAX_DICT + 1).read_to_end(&mut plain)?;
                if plain.len() as u64 > MAX_DICT {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the dictionary expands too much",
                    ));
                }
                dict = plain;
            }
            Box::new(zstd::stream::read::Decoder::with_dictionary(BufReader::new(inner), &dict)?)
        }
    })
}

/// What the outermost gzip layer's reader tells the record cutter: where each member
/// starts and ends, and where a damaged member was skipped.
#[derive(Debug, Default)]
struct MemberLog {
    /// When set (a WARC archive, whose members are independent records), a damaged member
    /// is logged in `breaks` and reading goes on at the next member; otherwise it is an
    /// error that ends the input.
    resync: bool,
    /// Members not yet consumed by the record cutter: content offset where each starts,
    /// its offset in the input as given, and its length there once it has ended.
    starts: std::collections::VecDeque<(u64, u64, Option<u64>)>,
    /// Damage skipped: content offset reached, input offset of the damaged member, why,
    /// and where reading went on (`None`: the input ended).
    breaks: std::collections::VecDeque<Break>,
}

#[derive(Debug, Clone)]
struct Break {
    /// Content offsets the damaged member gave out: from where it started to where it broke.
    from: u64,
    out: u64,
    member: u64,
    why: String,
    resumed: Option<u64>,
}

type Shared = std::rc::Rc<std::cell::RefCell<MemberLog>>;

/// Counts what is consumed of a buffered reader: exact offsets in the input as given.
struct Tracked<'a> {
    inner: BufReader<Box<dyn Read + 'a>>,
    pos: u64,
}

impl Read for Tracked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl std::io::BufRead for Tracked<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.pos += n as u64;
    }
}

/// Gzip members one after another (as `MultiGzDecoder`), knowing where each starts in the
/// input: one member per record is how WARC archives are written, and a reader that knows
/// the member of a record can name its offset and go on past a damaged one.
struct Members<'a> {
    src: Option<Tracked<'a>>,
    member: Option<flate2::bufread::GzDecoder<Tracked<'a>>>,
    log: Shared,
    /// Content bytes given out.
    out: u64,
    /// Where the current member starts in the input, and in the content.
    start: u64,
    from: u64,
}

impl<'a> Members<'a> {
    fn new(inner: Box<dyn Read + 'a>, log: Shared) -> Members<'a> {
        Members {
            src: Some(Tracked { inner: BufReader::with_capacity(256 << 10, inner), pos: 0 }),
            member: None,
            log,
            out: 0,
            start: 0,
            from: 0,
        }
    }

    /// Skip to the next gzip member header (`1f 8b 08`); false at the end of the input.
    fn seek_member(src: &mut Tracked<'a>) -> std::io::Result<bool> {
        use std::io::BufRead;
        loop {
            let buf = src.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            if let Some(i) = buf.windows(3).position(|w| w == [0x1f, 0x8b, 0x08]) {
                src.consume(i);
                return Ok(true);
            }
            // The last two bytes are kept for the next look, unless that is all there is
            // (a header split exactly there is missed: the next one is found instead).
            let n = if buf.len() < 3 { buf.len() } else { buf.len() - 2 };
            src.consume(n);
        }
    }
}

impl Read for Members<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::BufRead;
        loop {
            if self.member.is_none() {
                let Some(mut src) = self.src.take() else { return Ok(0) };
                if src.fill_buf()?.is_empty() {
                    return Ok(0);
                }
                self.start = src.pos;
                self.from = self.out;
                let mut log = self.log.borrow_mut();
                // Kept only for a WARC archive's record cutter, which takes them as it goes.
                if !log.resync && log.starts.len() >= 4096 {
                    log.starts.pop_front();
                }
                log.starts.push_back((self.out, self.start, None));
                drop(log);
                self.member = Some(flate2::bufread::GzDecoder::new(src));
            }
            let member = self.member.as_mut().expect("a member is open");
            match member.read(buf) {
                Ok(0) if !buf.is_empty() => {
                    let src = self.member.take().expect("a member is open").into_inner();
                    let len = src.pos - self.start;
                    if let Some(last) = self.log.borrow_mut().starts.back_mut() {
                        last.2 = Some(len);
                    }
                    self.src = Some(src);
                }
                Ok(n) => {
                    self.out += n as u64;
                    return Ok(n);
                }
                Err(e) => {
                    if !self.log.borrow().resync {
                        return Err(e);
                    }
                    let mut src = self.member.take().expect("a member is open").into_inner();
                    let why = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        "it ends before its end marker".to_string()
                    } else {
                        e.to_string()
                    };
                    // Past this member's header, then to the next one.
                    if src.pos == self.start {
                        let n = src.fill_buf()?.len().min(1);
                        src.consume(n);
                    }
                    let found = Self::seek_member(&mut src)?;
                    let resumed = found.then_some(src.pos);
                    self.log.borrow_mut().breaks.push_back(Break {
                        from: self.from,
                        out: self.out,
                        member: self.start,
                        why,
                        resumed,
                    });
                    if found {
                        self.src = Some(src);
                    } else {
                        return Ok(0);
                    }
                }
            }
        }
    }
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
    /// The outermost gzip layer's members.
    members: Shared,
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
    let members = Shared::default();
    let mut head = read_up_to(&mut reader, HEAD).map_err(|e| io_reject(&layers, &e))?;
    while let Some(layer) = layer_of(&head) {
        if layers.len() == MAX_LAYERS {
            return Err(Reject::new("bomb", format!("more than {MAX_LAYERS} nested compression layers")));
        }
        let replay: Box<dyn Read + 'a> = Box::new(std::io::Cursor::new(head).chain(reader));
        // Only the outermost gzip layer's members are places in the input as given.
        let log = if layers.is_empty() { members.clone() } else { Shared::default() };
        reader = decoder(layer, replay, &log).map_err(|e| io_reject(&layers, &e))?;
        layers.push(layer);
        head = read_up_to(&mut reader, HEAD).map_err(|e| io_reject(&layers, &e))?;
    }
    Ok(Peeled { reader, layers, head, compressed: count, members })
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
    members: Shared,
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
        members: peeled.members,
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
        whole: !matches!(kind, Kind::Jsonl | Kind::Warc | Kind::Arc),
    };
    if kind == Kind::Jsonl {
        r.whole = r.single_json_document()?;
    }
    if matches!(kind, Kind::Warc | Kind::Arc) {
        r.members.borrow_mut().resync = true;
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
            // Read straight into the buffer's tail (no chunk copied in).
            let old = self.buf.len();
            let got = (&mut self.reader)
                .take(READ as u64)
                .read_to_end(&mut self.buf)
                .map_err(|e| io_reject(&self.layers, &e))?;
            debug_assert_eq!(self.buf.len(), old + got);
            if got == 0 {
                self.eof = true;
            }
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
        Ok(Item::Record { span: RecordSpan { start: 0, end: bytes.len(), line: None, packed: None }, bytes })
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
                    let span = RecordSpan {
                        start: start as usize,
                        end: (start + len) as usize,
                        line: Some(line),
                        packed: None,
                    };
                    return Ok(Some(Item::Refused { span, reject: long_line(line, len, self.limits.max_document) }));
                }
            };
            let mut content = &self.buf[self.at..self.at + len];
            if content.last() == Some(&b'\r') {
                content = &content[..content.len() - 1];
            }
            let span = RecordSpan {
                start: start as usize,
                end: start as usize + content.len(),
                line: Some(line),
                packed: None,
            };
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

/// Distinct `WARC-Type` values counted by name; others (a hostile file can make up any
/// number) are counted as `other`.
const KNOWN_WARC_TYPES: [&str; 8] =
    ["warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation"];

impl Records<'_> {
    /// Skip the line ends between records (a record ends with two; some writers add
    /// more), reading on until a byte that is not one, or the end.
    fn skip_line_ends(&mut self) -> Result<(), Reject> {
        loop {
            self.fill(1)?;
            while self.at < self.buf.len() && matches!(self.buf[self.at], b'\r' | b'\n') {
                self.at += 1;
            }
            if self.at < self.buf.len() || self.eof {
                return Ok(());
            }
        }
    }

    /// The next WARC record: a page to extract, a record skipped by kind and reason, or
    /// damage (bytes between records that are not a record, a bad header or length, a
    /// record cut short) refused with its offset in the content, after which reading goes
    /// on at the next record.
    fn next_warc(&mut self) -> Result<Option<Item>, Reject> {
        self.skip_line_ends()?;
        let start = self.base + self.at as u64;
        if let Some(b) = self.take_break(start + 1) {
            // What is left of a damaged member is skipped.
            let upto = b.out.max(start);
            let here = &self.buf[self.at..(upto - self.base) as usize];
            let id = newsdex_warc::parse_header(here).ok().and_then(|h| h.get("WARC-Record-ID").map(str::to_string));
            let reason = describe_break(&b, id.as_deref().map(|id| (id, start)));
            self.at = (upto - self.base) as usize;
            return Ok(Some(self.warc_refused(start, upto - start, "bad-gzip", reason)));
        }
        if self.at == self.buf.len() {
            return Ok(None);
        }
        self.fill(5)?;
        if !self.buf[self.at..].starts_with(b"WARC/") {
            let len = self.skip_to_next_warc()?;
            return Ok(Some(self.warc_refused(
                start,
                len,
                "warc-garbage",
                format!(
                    "{} at offset {start} that are not a WARC record; skipped to the next record",
                    human_bytes(len)
                ),
            )));
        }
        self.fill(newsdex_warc::MAX_HEADER)?;
        let header = match newsdex_warc::parse_header(&self.buf[self.at..]) {
            Ok(h) => h,
            Err(e) => {
                // Step past "WARC/" so the search for the next record moves on.
                self.at += 5;
                let len = 5 + self.skip_to_next_warc()?;
                return Ok(Some(self.warc_refused(
                    start,
                    len,
                    "warc-bad-header",
                    format!("the WARC record at offset {start} has a bad header ({e}); skipped to the next record"),
                )));
            }
        };
        let id = header.get("WARC-Record-ID").unwrap_or("(no WARC-Record-ID)").to_string();
        let length = match header.content_length() {
            Ok(l) => l,
            Err(e) => {
                self.at += header.len;
                let len = header.len as u64 + self.skip_to_next_warc()?;
                return Ok(Some(self.warc_refused(
                    start,
                    len,
                    "warc-bad-length",
                    format!("the WARC record {id} at offset {start}: {e}; skipped to the next record"),
                )));
            }
        };
        let total = header.len as u64 + length;
        if length > self.limits.max_document {
            // Not held: counted to its end (or to the end of the input). What it is, is
            // judged from its first bytes: a large video is skipped, not refused.
            let seen = &self.buf[(self.at + header.len).min(self.buf.len())..];
            let skip = classify(&header, &seen[..seen.len().min(newsdex_warc::MAX_HEADER)]);
            self.at += header.len;
            let skipped = header.len as u64 + self.skip_bytes(length)?;
            if let Some((kind, reason)) = skip.filter(|_| skipped == total) {
                let span =
                    RecordSpan { start: start as usize, end: (start + total) as usize, line: None, packed: None };
                return Ok(Some(Item::Skipped { span, kind, reason }));
            }
            let (code, reason) = if skipped < total {
                ("warc-truncated", self.cut_short(&id, start, length, skipped - header.len as u64))
            } else {
                (
                    "too-large",
                    format!(
                        "the WARC record {id} at offset {start} holds {}, over the {} per-document limit",
                        human_bytes(length),
                        human_bytes(self.limits.max_document)
                    ),
                )
            };
            return Ok(Some(self.warc_refused(start, skipped, code, reason)));
        }
        self.fill(total as usize)?;
        if let Some(b) = self.take_break(start + total) {
            // The record runs into damage: what came of its member up to the damage.
            let upto = b.out.max(start);
            self.at = (upto - self.base) as usize;
            let reason = describe_break(&b, Some((&id, start)));
            return Ok(Some(self.warc_refused(start, upto - start, "bad-gzip", reason)));
        }
        let have = (self.buf.len() - self.at) as u64;
        if have < total {
            let reason = self.cut_short(&id, start, length, have.saturating_sub(header.len as u64));
            self.at = self.buf.len();
            return Ok(Some(self.warc_refused(start, have, "warc-truncated", reason)));
        }
        let end = self.at + total as usize;
        let packed = self.packed_place(start, total);
        let span = RecordSpan { start: start as usize, end: start as usize + total as usize, line: None, packed };
        let item = match classify(&header, &self.buf[self.at + header.len..end]) {
            Some((kind, reason)) => Item::Skipped { span, kind, reason },
            None => Item::Record { span, bytes: self.buf[self.at..end].to_vec() },
        };
        self.at = end;
        Ok(Some(item))
    }

    /// The first damaged member that started before content offset `before`: everything
    /// it gave out is suspect.
    fn take_break(&mut self, before: u64) -> Option<Break> {
        let mut log = self.members.borrow_mut();
        if log.breaks.front().is_some_and(|b| b.from < before) { log.breaks.pop_front() } else { None }
    }

    /// Where the record at content offset `start` is in the input as given: itself in an
    /// uncompressed archive; the gzip member it starts, when it starts one.
    fn packed_place(&mut self, start: u64, total: u64) -> Option<(u64, u64)> {
        if self.layers.is_empty() {
            return Some((start, total));
        }
        if self.layers != [Layer::Gzip] {
            return None;
        }
        let mut log = self.members.borrow_mut();
        while log.starts.len() > 1 && log.starts[1].0 <= start {
            log.starts.pop_front();
        }
        match log.starts.front() {
            Some(&(content, offset, len)) if content == start => {
                log.starts.pop_front();
                // Its length once the member has ended, else up to the next member.
                let len = len.or_else(|| log.starts.front().map(|n| n.1 - offset));
                len.map(|l| (offset, l))
            }
            _ => None,
        }
    }

    /// The next ARC record, judged as a WARC `response` would be (its `filedesc://`
    /// record counted as `filedesc`); damage as in [`Records::next_warc`], the next record
    /// found after a line end.
    fn next_arc(&mut self) -> Result<Option<Item>, Reject> {
        self.skip_line_ends()?;
        let start = self.base + self.at as u64;
        if let Some(b) = self.take_break(start + 1) {
            let upto = b.out.max(start);
            self.at = (upto - self.base) as usize;
            return Ok(Some(self.warc_refused(start, upto - start, "bad-gzip", describe_break(&b, None))));
        }
        if self.at == self.buf.len() {
            return Ok(None);
        }
        self.fill(newsdex_warc::MAX_HEADER)?;
        let header = match newsdex_warc::parse_arc_header(&self.buf[self.at..]) {
            Ok(h) => h,
            Err(e) => {
                // Skip the line and go on at the next.
                let line =
                    self.buf[self.at..].iter().position(|&b| b == b'\n').map_or(self.buf.len() - self.at, |i| i + 1);
                self.at += line;
                return Ok(Some(self.warc_refused(
                    start,
                    line as u64,
                    "arc-bad-header",
                    format!("the line at offset {start} is not an ARC record header ({e}); skipped"),
                )));
            }
        };
        let total = header.len as u64 + header.length;
        if header.length > self.limits.max_document {
            self.at += header.len;
            let skipped = header.len as u64 + self.skip_bytes(header.length)?;
            let url = header.url.clone();
            let (code, reason) = if skipped < total {
                ("arc-truncated", self.cut_short(&url, start, header.length, skipped - header.len as u64))
            } else {
                (
                    "too-large",
                    format!(
                        "the ARC record {url} at offset {start} holds {}, over the {} per-document limit",
                        human_bytes(header.length),
                        human_bytes(self.limits.max_document)
                    ),
                )
            };
            return Ok(Some(self.warc_refused(start, skipped, code, reason)));
        }
        self.fill(total as usize)?;
        if let Some(b) = self.take_break(start + total) {
            let upto = b.out.max(start);
            self.at = (upto - self.base) as usize;
            let reason = describe_break(&b, Some((&header.url, start)));
            return Ok(Some(self.warc_refused(start, upto - start, "bad-gzip", reason)));
        }
        let have = (self.buf.len() - self.at) as u64;
        if have < total {
            let reason = self.cut_short(&header.url, start, header.length, have.saturating_sub(header.len as u64));
            self.at = self.buf.len();
            return Ok(Some(self.warc_refused(start, have, "arc-truncated", reason)));
        }
        let end = self.at + total as usize;
        let packed = self.packed_place(start, total);
        let span = RecordSpan { start: start as usize, end: start as usize + total as usize, line: None, packed };
        let block = &self.buf[self.at + header.len..end];
        let skip = |kind: &str, reason: &str| Some(Item::Skipped { span, kind: kind.into(), reason: reason.into() });
        let item = if header.url.starts_with("filedesc://") {
            skip("filedesc", "not a response")
        } else if !(header.url.starts_with("http://") || header.url.starts_with("https://")) {
            skip("response", "not an HTTP response")
        } else {
            match newsdex_warc::parse_http_head(block) {
                Err(_) => skip("response", "not an HTTP response"),
                Ok(h) if h.status != 200 => skip("response", &status_class(h.status)),
                Ok(h) => {
                    let media = h.headers.get("Content-Type").map(newsdex_warc::media_type);
                    let html = match &media {
                        Some(m) => newsdex_warc::is_html_type(m),
                        None => newsdex_warc::is_html_type(&newsdex_warc::media_type(&header.content_type)),
                    };
                    if html {
                        Some(Item::Record { span, bytes: self.buf[self.at..end].to_vec() })
                    } else {
                        skip("response", "not HTML")
                    }
                }
            }
        };
        self.at = end;
        Ok(item)
    }

    fn cut_short(&self, id: &str, start: u64, length: u64, have: u64) -> String {
        format!(
            "the {} record {id} at offset {start} is cut short: its length is {length} but only {have} bytes follow its header{}",
            if self.kind == Kind::Arc { "ARC" } else { "WARC" },
            if self.eof { " before the end of the input" } else { "" }
        )
    }

    fn warc_refused(&self, start: u64, len: u64, code: &'static str, reason: String) -> Item {
        Item::Refused {
            span: RecordSpan { start: start as usize, end: (start + len) as usize, line: None, packed: None },
            reject: Reject::new(code, reason),
        }
    }

    /// Consume bytes up to the next line starting with `WARC/1.` (or the end), returning
    /// how many were consumed. Holds at most a read buffer.
    fn skip_to_next_warc(&mut self) -> Result<u64, Reject> {
        const MARK: &[u8] = b"\nWARC/1.";
        let mut skipped = 0u64;
        loop {
            let hay = &self.buf[self.at..];
            if let Some(i) = hay.windows(MARK.len()).position(|w| w == MARK) {
                self.at += i + 1;
                return Ok(skipped + i as u64 + 1);
            }
            if self.eof {
                skipped += hay.len() as u64;
                self.at = self.buf.len();
                return Ok(skipped);
            }
            // Keep a tail that may hold the start of the mark.
            let keep = hay.len().min(MARK.len() - 1);
            let drop = hay.len() - keep;
            skipped += drop as u64;
            self.at += drop;
            let unread = self.buf.len() - self.at;
            self.fill(unread + READ)?;
        }
    }

    /// Consume `n` bytes (fewer at the end of the input) without holding them.
    fn skip_bytes(&mut self, n: u64) -> Result<u64, Reject> {
        let mut left = n;
        loop {
            let unread = (self.buf.len() - self.at) as u64;
            let take = unread.min(left);
            self.at += take as usize;
            left -= take;
            if left == 0 || self.eof {
                return Ok(n - left);
            }
            self.base += self.buf.len() as u64;
            self.buf.clear();
            self.at = 0;
            self.fill(READ.min(left as usize))?;
        }
    }
}

fn describe_break(b: &Break, record: Option<(&str, u64)>) -> String {
    let what = match record {
        Some((id, start)) => format!("the WARC record {id} at offset {start} is in a damaged gzip member"),
        None => "a damaged gzip member".to_string(),
    };
    let then = match b.resumed {
        Some(r) => format!("reading went on at the next member, at input offset {r}"),
        None => "no member follows it".to_string(),
    };
    format!("{what} (at input offset {}: {}); {then}", b.member, b.why)
}

/// Why a WARC record is not a page (its kind, counted by name when known, and the
/// reason), or `None` for a page: a `response` with status 200 and an HTML type (or no
/// type and a body that starts like markup), or a `resource` whose `Content-Type` is a
/// page, plain text or JSON ([`newsdex_warc::resource_kind`]). `block` is its content block or its start.
fn classify(header: &newsdex_warc::Header, block: &[u8]) -> Option<(String, String)> {
    let kind = header.warc_type();
    let skip = |reason: &str| {
        let kind = if KNOWN_WARC_TYPES.contains(&kind.as_str()) { kind.clone() } else { "other".to_string() };
        Some((kind, reason.to_string()))
    };
    if kind == "resource" {
        // A page, a text or a JSON record kept as it was (what `newsdex export-warc` writes
        // for documents that came from files).
        return match header.get("Content-Type").and_then(newsdex_warc::resource_kind) {
            Some(_) => None,
            None => skip("not a document type"),
        };
    }
    if kind != "response" {
        return skip("not a response");
    }
    match newsdex_warc::parse_http_head(block) {
        Err(_) => skip("not an HTTP response"),
        Ok(h) if h.status != 200 => skip(&status_class(h.status)),
        Ok(h) => {
            let html = match h.headers.get("Content-Type").map(newsdex_warc::media_type) {
                Some(m) => newsdex_warc::is_html_type(&m),
                // No type given: a page if its body starts like one.
                None => block[h.len..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'),
            };
            if html { None } else { skip("not HTML") }
        }
    }
}

/// `status 404`, `status 3xx` (redirects are many and alike), `status 5xx`.
fn status_class(status: u16) -> String {
    match status {
        300..=399 => "status 3xx".to_string(),
        500..=599 => "status 5xx".to_string(),
        100..=599 => format!("status {status}"),
        _ => "status invalid".to_string(),
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
        let res = if self.kind == Kind::Warc {
            self.next_warc()
        } else if self.kind == Kind::Arc {
            self.next_arc()
        } else if self.whole {
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
                Ok(Item::Skipped { span, kind, reason }) => (span.line, format!("skipped: {kind}: {reason}")),
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
            [Ok(Item::Record {
                span: RecordSpan { start: 0, end: pretty.len(), line: None, packed: None },
                bytes: pretty.to_vec()
            })]
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
                        Ok(Item::Refused { span, .. }) | Ok(Item::Skipped { span, .. }) => proptest::prop_assert!(span.end <= text.len()),
                        Err(_) => {}
                    }
                }
            }
        }
    }
}
