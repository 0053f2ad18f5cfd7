//! The WARC record format (ISO 28500, WARC 1.0 and 1.1), as newsdex reads it: a record's
//! header block, the HTTP message inside a `response` record, its chunked transfer coding
//! and its content coding. Pure: bytes in, fields and payloads out, no IO, no panics on
//! any input. Used by `newsdex-ingest` (cutting records from a stream and deciding which
//! are pages) and by `newsdex-extract` (the page inside a record).
//!
//! Why our own and not a crate: `warc` 0.4 parses through nom into owned header maps with
//! old dependencies (uuid 0.8, libflate 1) and decompresses itself, while newsdex already
//! peels gzip and zstd layers on the fly in `newsdex-ingest` and needs each record's byte
//! range in the content for provenance and raw reads; `rust_warc` reads only and also owns
//! the stream. What a record needs here is small (a header block up to an empty line,
//! `Content-Length`, an HTTP status line and headers, chunked decoding), so it is written
//! here over byte slices, with every length checked against caps.

pub mod write;

use std::borrow::Cow;
use std::io::Read;

/// Largest header block read (WARC or HTTP): real ones are under 4 KiB.
pub const MAX_HEADER: usize = 64 * 1024;

/// Why a record or its payload cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarcError {
    #[error("not a WARC record: it does not start with \"WARC/\"")]
    NotWarc,
    #[error("the header block has no end (no empty line within {0} bytes)")]
    Unterminated(usize),
    #[error("header line {0} is not \"Name: value\"")]
    BadField(usize),
    #[error("the record has no Content-Length")]
    NoLength,
    #[error("Content-Length {0:?} is not a number")]
    BadLength(String),
    #[error("not an HTTP response: {0}")]
    BadHttp(String),
    #[error("bad chunked transfer coding: {0}")]
    BadChunked(&'static str),
    #[error("content coding {0}: {1}")]
    BadCoding(String, String),
    #[error("the decoded payload is over {0} bytes")]
    TooLarge(u64),
}

/// Header fields in order, names as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name` (case-insensitive), trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A WARC record's header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `WARC/1.0`, `WARC/1.1`.
    pub version: String,
    pub fields: Fields,
    /// Bytes of the header block, its empty line included: the content block starts here.
    pub len: usize,
}

impl Header {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    /// `WARC-Type`, lower-cased (`response`, `request`, …); `""` when absent.
    pub fn warc_type(&self) -> String {
        self.get("WARC-Type").unwrap_or("").to_ascii_lowercase()
    }

    /// The content block's length.
    pub fn content_length(&self) -> Result<u64, WarcError> {
        let v = self.get("Content-Length").ok_or(WarcError::NoLength)?;
        v.trim().parse::<u64>().map_err(|_| WarcError::BadLength(v.chars().take(40).collect()))
    }
}

/// Where the empty line ending a header block ends (`\r\n\r\n`, or bare `\n\n` as some
/// writers produce), if it is in `buf`.
pub fn header_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(nl) = buf[i..].iter().position(|&b| b == b'\n') {
        let at = i + nl + 1;
        match buf.get(at) {
            Some(b'\n') => return Some(at + 1),
            Some(b'\r') if buf.get(at + 1) == Some(&b'\n') => return Some(at + 2),
            Some(_) => i = at,
            None => return None,
        }
    }
    None
}

/// Parse `Name: value` lines (continuation lines starting with a space or tab join the
/// field before). `block` is the lines after the first, up to the empty line.
fn parse_fields(block: &[u8], first_line: usize) -> Result<Fields, WarcError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (n, line) in block.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if matches!(line[0], b' ' | b'\t') {
            if let Some((_, v)) = fields.last_mut() {
                v.push(' ');
                v.push_str(String::from_utf8_lossy(line).trim());
                continue;
            }
            return Err(WarcError::BadField(first_line + n));
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(WarcError::BadField(first_line + n));
        };
        let name = String::from_utf8_lossy(&line[..colon]).trim().to_string();
        if name.is_empty() {
            return Err(WarcError::BadField(first_line + n));
        }
        fields.push((name, String::from_utf8_lossy(&line[colon + 1..]).trim().to_string()));
    }
    Ok(Fields(fields))
}

/// Parse the header block at the start of `buf` (which holds at least the whole block).
pub fn parse_header(buf: &[u8]) -> Result<Header, WarcError> {
    if !buf.starts_with(b"WARC/") {
        return Err(WarcError::NotWarc);
    }
    let len = header_end(&buf[..buf.len().min(MAX_HEADER)]).ok_or(WarcError::Unterminated(MAX_HEADER))?;
    let block = &buf[..len];
    let first = block.iter().position(|&b| b == b'\n').unwrap_or(block.len());
    let version = String::from_utf8_lossy(&block[..first]).trim().to_string();
    let fields = parse_fields(&block[(first + 1).min(block.len())..], 2)?;
    Ok(Header { version, fields, len })
}

/// The header line of an ARC record (the Internet Archive's format before WARC):
/// `URL IP-address archive-date content-type length` (version 1), or version 2's longer
/// line, whose last field is also the length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArcHeader {
    pub url: String,
    /// `YYYYMMDDhhmmss`.
    pub date: String,
    pub content_type: String,
    pub length: u64,
    /// Bytes of the header line, its line end included.
    pub len: usize,
}

/// Parse the ARC header line at the start of `buf` (which holds the whole line).
pub fn parse_arc_header(buf: &[u8]) -> Result<ArcHeader, WarcError> {
    let end = buf.iter().take(MAX_HEADER).position(|&b| b == b'\n').ok_or(WarcError::Unterminated(MAX_HEADER))?;
    let line = String::from_utf8_lossy(&buf[..end]);
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 5 {
        return Err(WarcError::BadField(1));
    }
    let last = fields[fields.len() - 1];
    let length = last.parse::<u64>().map_err(|_| WarcError::BadLength(last.chars().take(40).collect()))?;
    Ok(ArcHeader {
        url: fields[0].to_string(),
        date: fields[2].to_string(),
        content_type: fields[3].to_string(),
        length,
        len: end + 1,
    })
}

/// An ARC date (`20240301120000`) as RFC 3339 (`2024-03-01T12:00:00Z`), if it is one.
pub fn arc_date_rfc3339(d: &str) -> Option<String> {
    let d = d.as_bytes();
    if d.len() < 14 || !d[..14].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let s = std::str::from_utf8(&d[..14]).ok()?;
    Some(format!("{}-{}-{}T{}:{}:{}Z", &s[0..4], &s[4..6], &s[6..8], &s[8..10], &s[10..12], &s[12..14]))
}

/// The status line and headers of an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHead {
    pub status: u16,
    pub headers: Fields,
    /// Bytes of the head, its empty line included: the body starts here.
    pub len: usize,
}

/// Parse the HTTP response head at the start of `block` (a `response` record's content).
pub fn parse_http_head(block: &[u8]) -> Result<HttpHead, WarcError> {
    if !block.starts_with(b"HTTP/") {
        let start: String = String::from_utf8_lossy(&block[..block.len().min(20)]).into();
        return Err(WarcError::BadHttp(format!("it starts with {start:?}, not HTTP/")));
    }
    let len = match header_end(&block[..block.len().min(MAX_HEADER)]) {
        Some(l) => l,
        // Headers only, without the empty line (a body-less response cut at its end).
        None if block.len() < MAX_HEADER => block.len(),
        None => return Err(WarcError::BadHttp(format!("no end of headers within {MAX_HEADER} bytes"))),
    };
    let first = block.iter().position(|&b| b == b'\n').unwrap_or(len).min(len);
    let status_line = String::from_utf8_lossy(&block[..first]);
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| WarcError::BadHttp(format!("bad status line {:?}", status_line.trim())))?;
    let headers = parse_fields(&block[(first + 1).min(len)..len], 2).map_err(|e| WarcError::BadHttp(e.to_string()))?;
    Ok(HttpHead { status, headers, len })
}

/// The `charset` parameter of a `Content-Type` value, lower-cased, unquoted.
pub fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim().to_ascii_lowercase();
        (!v.is_empty()).then_some(v)
    })
}

/// The media type of a `Content-Type` value, lower-cased, without parameters.
pub fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Whether a media type is a page newsdex extracts.
pub fn is_html_type(media: &str) -> bool {
    matches!(media, "text/html" | "application/xhtml+xml" | "text/xhtml")
}

/// What a `resource` record holds, when it is a document newsdex reads (as `newsdex
/// export-warc` writes them: a page, a text, one JSON Lines record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Html,
    Text,
    Json,
}

/// The kind of document a `resource` record with this `Content-Type` is, if any.
pub fn resource_kind(content_type: &str) -> Option<ResourceKind> {
    let media = media_type(content_type);
    if is_html_type(&media) {
        Some(ResourceKind::Html)
    } else if media == "text/plain" {
        Some(ResourceKind::Text)
    } else if media == "application/json" {
        Some(ResourceKind::Json)
    } else {
        None
    }
}

/// Undo HTTP chunked transfer coding. Trailers are dropped; a body cut before its last
/// chunk keeps what arrived (and says so in the error only when nothing was whole).
pub fn dechunk(body: &[u8], cap: u64) -> Result<Vec<u8>, WarcError> {
    let mut out = Vec::with_capacity(body.len().min(cap as usize));
    let mut i = 0;
    loop {
        let Some(nl) = body[i..].iter().position(|&b| b == b'\n') else {
            if out.is_empty() {
                return Err(WarcError::BadChunked("a chunk size line has no end"));
            }
            return Ok(out);
        };
        let line = String::from_utf8_lossy(&body[i..i + nl]);
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = u64::from_str_radix(size_hex, 16) else {
            return Err(WarcError::BadChunked("a chunk size is not a hexadecimal number"));
        };
        i += nl + 1;
        if size == 0 {
            return Ok(out);
        }
        if out.len() as u64 + size > cap {
            return Err(WarcError::TooLarge(cap));
        }
        let end = i.saturating_add(size as usize).min(body.len());
        out.extend_from_slice(&body[i..end]);
        if end < i + size as usize {
            return Ok(out);
        }
        i = end;
        // The CRLF after the chunk's data.
        if body[i..].starts_with(b"\r\n") {
            i += 2;
        } else if body[i..].starts_with(b"\n") {
            i += 1;
        }
        if i >= body.len() {
            return Ok(out);
        }
    }
}

/// Undo an HTTP content coding (`gzip`, `x-gzip`, `deflate` zlib-wrapped or raw,
/// `identity`), reading at most `cap` bytes of output.
pub fn decode_content(body: &[u8], coding: &str, cap: u64) -> Result<Vec<u8>, WarcError> {
    let coding = coding.trim().to_ascii_lowercase();
    let read_capped = |r: &mut dyn Read| -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        r.take(cap + 1).read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    };
    let out = match coding.as_str() {
        "" | "identity" | "none" => return Ok(body.to_vec()),
        "gzip" | "x-gzip" => read_capped(&mut flate2::read::MultiGzDecoder::new(body)),
        "deflate" => read_capped(&mut flate2::read::ZlibDecoder::new(body))
            .or_else(|_| read_capped(&mut flate2::read::DeflateDecoder::new(body))),
        other => return Err(WarcError::BadCoding(other.to_string(), "not supported".into())),
    }
    .map_err(|e| WarcError::BadCoding(coding.clone(), e))?;
    if out.len() as u64 > cap {
        return Err(WarcError::TooLarge(cap));
    }
    Ok(out)
}

/// The page inside a `response` record's content block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload<'a> {
    pub status: u16,
    /// The response's `Content-Type`, as sent.
    pub content_type: Option<String>,
    /// Its `charset`.
    pub charset: Option<String>,
    /// The entity body with transfer and content codings undone.
    pub body: Cow<'a, [u8]>,
    /// Codings undone, in order (`chunked`, `gzip`), for warnings.
    pub undone: Vec<String>,
}

/// The HTTP payload of a `response` record's content `block`, decoded, at most `cap` bytes.
pub fn http_payload(block: &[u8], cap: u64) -> Result<Payload<'_>, WarcError> {
    let head = parse_http_head(block)?;
    let mut body: Cow<'_, [u8]> = Cow::Borrowed(&block[head.len..]);
    let mut undone = Vec::new();
    let chunked = head
        .headers
        .get("Transfer-Encoding")
        .is_some_and(|t| t.split(',').any(|c| c.trim().eq_ignore_ascii_case("chunked")));
    // Archives often store the body already de-chunked while keeping the header: only
    // undo it when the body looks chunked.
    if chunked && looks_chunked(&body) {
        body = Cow::Owned(dechunk(&body, cap)?);
        undone.push("chunked".to_string());
    }
    if let Some(coding) = head.headers.get("Content-Encoding") {
        for c in coding.split(',').rev() {
            let c = c.trim().to_ascii_lowercase();
            if c.is_empty() || c == "identity" {
                continue;
            }
            // Stored decoded already (some crawlers do): leave it.
            if (c == "gzip" || c == "x-gzip") && !body.starts_with(&[0x1f, 0x8b]) {
                continue;
            }
            body = Cow::Owned(decode_content(&body, &c, cap)?);
            undone.push(c);
        }
    }
    if body.len() as u64 > cap {
        return Err(WarcError::TooLarge(cap));
    }
    let content_type = head.headers.get("Content-Type").map(str::to_string);
    let charset = content_type.as_deref().and_then(charset);
    Ok(Payload { status: head.status, content_type, charset, body, undone })
}

/// The payload of a `response` record's content `block` as WARC defines it (what
/// `WARC-Payload-Digest` is computed over): the entity body after the HTTP head, with the
/// chunked transfer coding undone and any content coding (gzip) kept as sent.
pub fn entity_body(block: &[u8], cap: u64) -> Result<Cow<'_, [u8]>, WarcError> {
    let head = parse_http_head(block)?;
    let body = &block[head.len..];
    let chunked = head
        .headers
        .get("Transfer-Encoding")
        .is_some_and(|t| t.split(',').any(|c| c.trim().eq_ignore_ascii_case("chunked")));
    if chunked && looks_chunked(body) { Ok(Cow::Owned(dechunk(body, cap)?)) } else { Ok(Cow::Borrowed(body)) }
}

/// The content block of a whole record (`record` starts with its header).
pub fn content_block(record: &[u8]) -> Result<&[u8], WarcError> {
    let h = parse_header(record)?;
    let len = h.content_length()?;
    let block = &record[h.len..];
    Ok(&block[..block.len().min(len as usize)])
}

fn looks_chunked(body: &[u8]) -> bool {
    let line_end = body.iter().take(20).position(|&b| b == b'\n');
    match line_end {
        Some(n) => {
            let line = String::from_utf8_lossy(&body[..n]);
            let size = line.split(';').next().unwrap_or("").trim();
            !size.is_empty() && size.chars().all(|c| c.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// Write one WARC 1.1 record (see [`write::WarcWriter`], which also adds digests and
/// gzip members): the version line, `fields` in order, `WARC-Block-Digest`,
/// `Content-Length`, the empty line, `block`, and the two line ends that close a record.
pub fn write_record(out: &mut dyn std::io::Write, fields: &[(&str, &str)], block: &[u8]) -> std::io::Result<()> {
    write::WarcWriter::new(out, false).write(fields, block, write::Payload::None).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &[u8] = b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.com/a\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: 99\r\n\r\n";

    #[test]
    fn header_fields_and_length() {
        let h = parse_header(RESPONSE).unwrap();
        assert_eq!(h.version, "WARC/1.0");
        assert_eq!(h.warc_type(), "response");
        assert_eq!(h.get("warc-target-uri"), Some("http://example.com/a"));
        assert_eq!(h.content_length(), Ok(99));
        assert_eq!(h.len, RESPONSE.len());
        let bad = b"WARC/1.0\r\nContent-Length: 4294967296000000000000\r\n\r\n";
        assert!(matches!(parse_header(bad).unwrap().content_length(), Err(WarcError::BadLength(_))));
        assert_eq!(parse_header(b"WARC/1.0\r\nno colon\r\n\r\n"), Err(WarcError::BadField(2)));
        assert_eq!(parse_header(b"GET / HTTP/1.1\r\n\r\n"), Err(WarcError::NotWarc));
    }

    #[test]
    fn chunked_and_gzip_payloads_are_undone() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"<html><body><p>Hello</p></body></html>").unwrap();
        let gz = gz.finish().unwrap();
        let mut chunked = Vec::new();
        for part in gz.chunks(10) {
            chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            chunked.extend_from_slice(part);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let mut block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"ISO-8859-1\"\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        block.extend_from_slice(&chunked);
        let p = http_payload(&block, 1 << 20).unwrap();
        assert_eq!(p.status, 200);
        assert_eq!(p.charset.as_deref(), Some("iso-8859-1"));
        assert_eq!(&p.body[..], b"<html><body><p>Hello</p></body></html>");
        assert_eq!(p.undone, ["chunked", "gzip"]);
        // A bomb is stopped at the cap.
        let mut big = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        big.write_all(&vec![b'a'; 1 << 20]).unwrap();
        let mut block = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        block.extend_from_slice(&big.finish().unwrap());
        assert_eq!(http_payload(&block, 1000), Err(WarcError::TooLarge(1000)));
    }

    #[test]
    fn written_records_read_back() {
        let mut out = Vec::new();
        write_record(&mut out, &[("WARC-Type", "resource"), ("WARC-Target-URI", "file:a\r\nX: y")], b"body").unwrap();
        let h = parse_header(&out).unwrap();
        assert_eq!(h.get("WARC-Target-URI"), Some("file:a  X: y"));
        assert_eq!(&out[h.len..h.len + 4], b"body");
        assert!(out.ends_with(b"body\r\n\r\n"));
    }
}
