//! Writing WARC 1.1 files: records in, bytes out to any [`Write`]. Pure (no files, no
//! clock: dates and record ids are the caller's), streamed (one record at a time, nothing
//! kept between records but counters), each record its own gzip member when compressed,
//! as Common Crawl and every web archive tool write them, so a reader can seek to any
//! record by its offset.
//!
//! Digests are SHA-1 in base32 (`sha1:` + RFC 4648 base32, upper case, padded), as
//! warcio, wget and Heritrix write them. `WARC-Block-Digest` covers the whole content
//! block. `WARC-Payload-Digest` covers, for an `application/http` block, the bytes after
//! the HTTP head as written (for a `resource` record, the whole block): this is what
//! warcio checks and what crawlers write; WARC 1.1 (§6.3.3) speaks of the entity body
//! after transfer decoding, a difference only for bodies stored with their chunked
//! transfer coding, which is noted where such a record is re-emitted (the writer never
//! chunks anything itself).

use std::io::{self, Write};

use sha1::{Digest, Sha1};

/// The version line every record written starts with.
pub const VERSION: &str = "WARC/1.1";

/// The extension field naming the newsdex document a record was exported from: a
/// re-ingest into the archive that holds it adds nothing (the claim is only ever used to
/// skip a record as a duplicate of a document already stored, never to name a new one).
pub const DOC_FIELD: &str = "WARC-Newsdex-Document";

/// `sha1:` and the base32 SHA-1 of `bytes`, as a WARC digest field holds it.
pub fn sha1_digest(bytes: &[u8]) -> String {
    format!("sha1:{}", data_encoding::BASE32.encode(&Sha1::digest(bytes)))
}

/// A record id (`<urn:uuid:…>`) that is a function of `name`: an RFC 9562 version 5
/// (SHA-1, name-based) UUID in newsdex's own namespace, so an export repeated gives the
/// same ids and two different names never share one.
pub fn record_id(name: &[u8]) -> String {
    // The namespace: the version 5 UUID of "newsdex" in the URL namespace of RFC 9562
    // (python3: uuid.uuid5(uuid.NAMESPACE_URL, "newsdex")).
    const NAMESPACE: [u8; 16] =
        [0x5d, 0xe4, 0x66, 0x0c, 0x85, 0xec, 0x5d, 0xd5, 0x99, 0x32, 0x89, 0x30, 0x15, 0xeb, 0xab, 0x76];
    let mut h = Sha1::new();
    h.update(NAMESPACE);
    h.update(name);
    let d = h.finalize();
    let mut u = [0u8; 16];
    u.copy_from_slice(&d[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    let hex: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!("<urn:uuid:{}-{}-{}-{}-{}>", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Unix seconds as a WARC date (`2024-03-01T12:00:00Z`, W3C-ISO8601 at second precision).
pub fn warc_date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, (secs / 60) % 60, secs % 60)
}

/// A field value with line ends made spaces (a value must never forge another field).
fn clean_value(v: &str) -> String {
    v.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect()
}

/// Whether `name` can be a field name: a non-empty HTTP token.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The `application/warc-fields` block of a `warcinfo` record.
pub fn warc_fields(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (n, v) in fields {
        out.push_str(n);
        out.push_str(": ");
        out.push_str(&clean_value(v));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// An HTTP/1.1 request head (`GET /path HTTP/1.1` and headers), the block of a `request`
/// record whose request had no body.
pub fn http_request(method: &str, target: &str, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {}\r\n", clean_value(v)));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// An HTTP response message: status line, headers, empty line, `body` as given. The
/// status line's reason phrase is `reason` when given (line ends in it become spaces),
/// else the usual one for `status`.
pub fn http_response(
    version: &str,
    status: u16,
    reason: Option<&str>,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let reason = reason.map_or_else(|| reason_phrase(status).to_string(), clean_value);
    let mut out = format!("{version} {status} {reason}\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {}\r\n", clean_value(v)));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// The usual reason phrase of a status (RFC 9110), `""` for one without.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// What a record's payload digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// No payload digest (`warcinfo`, `request` records).
    None,
    /// The whole block (`resource` records).
    Block,
    /// The block after its HTTP head (`response` records): the head's length is found in
    /// the block; a block that is not an HTTP message gets no payload digest.
    AfterHttpHead,
}

/// Writes records to `out`, one gzip member each when `gzip` is set.
#[derive(Debug)]
pub struct WarcWriter<W: Write> {
    out: W,
    gzip: bool,
    records: u64,
    /// Bytes handed to `out` (compressed when gzip).
    written: u64,
    /// Record bytes before compression.
    plain: u64,
}

impl<W: Write> WarcWriter<W> {
    pub fn new(out: W, gzip: bool) -> WarcWriter<W> {
        WarcWriter { out, gzip, records: 0, written: 0, plain: 0 }
    }

    /// Records written.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Bytes written to the output (compressed size when gzip).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Record bytes before compression.
    pub fn plain_bytes(&self) -> u64 {
        self.plain
    }

    /// Write one record: the version line, `fields` in order (a field whose name is not a
    /// token is refused; `Content-Length` and the digest fields are the writer's and are
    /// dropped if given), `WARC-Block-Digest`, `WARC-Payload-Digest` as `payload` says,
    /// `Content-Length`, the empty line, `block`, the two line ends closing the record.
    /// Returns the record's offset in the output and its length there.
    pub fn write(&mut self, fields: &[(&str, &str)], block: &[u8], payload: Payload) -> io::Result<(u64, u64)> {
        let head = record_head(fields, block, payload)?;
        let offset = self.written;
        let len = if self.gzip {
            let mut counter = Counting { inner: &mut self.out, n: 0 };
            let mut gz = flate2::write::GzEncoder::new(&mut counter, flate2::Compression::new(6));
            gz.write_all(&head)?;
            gz.write_all(block)?;
            gz.write_all(b"\r\n\r\n")?;
            gz.finish()?;
            counter.n
        } else {
            self.out.write_all(&head)?;
            self.out.write_all(block)?;
            self.out.write_all(b"\r\n\r\n")?;
            (head.len() + block.len() + 4) as u64
        };
        self.written += len;
        self.plain += (head.len() + block.len() + 4) as u64;
        self.records += 1;
        Ok((offset, len))
    }

    /// Flush and hand back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A record's header block, its empty line included.
pub fn record_head(fields: &[(&str, &str)], block: &[u8], payload: Payload) -> io::Result<Vec<u8>> {
    let mut head = String::with_capacity(512);
    head.push_str(VERSION);
    head.push_str("\r\n");
    for (n, v) in fields {
        if !is_token(n) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{n:?} is not a WARC field name")));
        }
        if ["content-length", "warc-block-digest", "warc-payload-digest"].iter().any(|o| n.eq_ignore_ascii_case(o)) {
            continue;
        }
        head.push_str(n);
        head.push_str(": ");
        head.push_str(&clean_value(v));
        head.push_str("\r\n");
    }
    head.push_str("WARC-Block-Digest: ");
    head.push_str(&sha1_digest(block));
    head.push_str("\r\n");
    let payload = match payload {
        Payload::None => None,
        Payload::Block => Some(block),
        Payload::AfterHttpHead => crate::parse_http_head(block).ok().map(|h| &block[h.len.min(block.len())..]),
    };
    if let Some(p) = payload {
        head.push_str("WARC-Payload-Digest: ");
        head.push_str(&sha1_digest(p));
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", block.len()));
    Ok(head.into_bytes())
}

/// Counts what passes to the inner writer.
struct Counting<'a, W: Write> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_independent_values() {
        // python3 -c "import hashlib,base64;print(base64.b32encode(hashlib.sha1(b'abc').digest()).decode())"
        assert_eq!(sha1_digest(b"abc"), "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
        // The empty string: SHA-1 da39a3ee5e6b4b0d3255bfef95601890afd80709.
        assert_eq!(sha1_digest(b""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
    }

    #[test]
    fn record_ids_are_version_5_uuids() {
        let a = record_id(b"doc 1");
        assert_eq!(a, record_id(b"doc 1"));
        assert_ne!(a, record_id(b"doc 2"));
        assert_eq!(a.len(), "<urn:uuid:>".len() + 36);
        // python3: uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "newsdex"), "doc 1")
        assert_eq!(a, format!("<urn:uuid:{}>", "aceac87f-cdae-572d-8aa8-493e69e281ba"));
        assert_eq!(&a[24..25], "5", "{a}");
        assert!(matches!(&a[29..30], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn dates() {
        assert_eq!(warc_date(0), "1970-01-01T00:00:00Z");
        // date -u -d @1709294400 +%FT%TZ
        assert_eq!(warc_date(1_709_294_400), "2024-03-01T12:00:00Z");
        assert_eq!(warc_date(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(warc_date(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn a_response_record_has_both_digests_and_reads_back() {
        let block = http_response("HTTP/1.1", 200, None, &[("Content-Type".into(), "text/html".into())], b"abc");
        let mut w = WarcWriter::new(Vec::new(), false);
        let (off, len) = w
            .write(
                &[
                    ("WARC-Type", "response"),
                    ("Content-Length", "999"),
                    ("WARC-Target-URI", "http://a.example/\r\nX: y"),
                ],
                &block,
                Payload::AfterHttpHead,
            )
            .unwrap();
        let out = w.finish().unwrap();
        assert_eq!((off, len), (0, out.len() as u64));
        let h = crate::parse_header(&out).unwrap();
        assert_eq!(h.version, "WARC/1.1");
        assert_eq!(h.content_length(), Ok(block.len() as u64));
        assert_eq!(h.get("WARC-Payload-Digest"), Some("sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5"));
        assert_eq!(h.get("WARC-Block-Digest").map(str::to_string), Some(sha1_digest(&block)));
        assert_eq!(h.get("WARC-Target-URI"), Some("http://a.example/  X: y"));
        assert_eq!(h.fields.0.iter().filter(|(n, _)| n == "Content-Length").count(), 1);
        assert_eq!(crate::content_block(&out).unwrap(), &block[..]);
        assert!(w_refuses_bad_names());
    }

    fn w_refuses_bad_names() -> bool {
        let mut w = WarcWriter::new(Vec::new(), false);
        w.write(&[("Bad: name", "x")], b"", Payload::None).is_err() && w.records() == 0
    }

    #[test]
    fn a_response_keeps_the_reason_phrase_it_was_sent_with() {
        let h = |b: &[u8]| String::from_utf8_lossy(&b[..b.iter().position(|&c| c == b'\n').unwrap() + 1]).into_owned();
        assert_eq!(h(&http_response("HTTP/1.0", 200, Some("Fine Thanks"), &[], b"")), "HTTP/1.0 200 Fine Thanks\r\n");
        assert_eq!(h(&http_response("HTTP/1.1", 404, None, &[], b"")), "HTTP/1.1 404 Not Found\r\n");
        // Sent empty stays empty; a line end cannot end the status line early.
        assert_eq!(h(&http_response("HTTP/1.1", 200, Some(""), &[], b"")), "HTTP/1.1 200 \r\n");
        assert_eq!(h(&http_response("HTTP/1.1", 200, Some("A\r\nX: y"), &[], b"")), "HTTP/1.1 200 A  X: y\r\n");
    }

    #[test]
    fn gzip_members_are_one_per_record() {
        let mut w = WarcWriter::new(Vec::new(), true);
        let a = w.write(&[("WARC-Type", "resource")], b"first", Payload::Block).unwrap();
        let b = w.write(&[("WARC-Type", "resource")], b"second", Payload::Block).unwrap();
        let out = w.finish().unwrap();
        assert_eq!(a.0, 0);
        assert_eq!(b.0, a.1);
        assert_eq!(b.0 + b.1, out.len() as u64);
        for (off, len) in [a, b] {
            let member = &out[off as usize..(off + len) as usize];
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(member), &mut plain).unwrap();
            assert!(plain.starts_with(b"WARC/1.1\r\n"));
            assert!(plain.ends_with(b"\r\n\r\n"));
        }
    }
}
