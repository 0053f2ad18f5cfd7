//! Peeling compression layers and splitting into records.

use std::io::Read;

use crate::{Kind, Limits, RecordSpan, Reject, human_bytes, sniff};

/// A compression layer that was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Gzip,
    Zstd,
}

/// An input after decompression, with what it is and its records.
#[derive(Debug)]
pub struct Unpacked {
    /// The decompressed bytes (the input itself when it was not compressed).
    pub bytes: Vec<u8>,
    pub layers: Vec<Layer>,
    pub kind: Kind,
    pub records: Vec<RecordSpan>,
    /// Records that were refused before extraction (e.g. an over-long JSONL line), with
    /// their line.
    pub rejected: Vec<(RecordSpan, Reject)>,
}

const MAX_LAYERS: usize = 3;

/// Decompress `raw` (gzip and zstd, nested up to three deep), sniff its kind, and split it
/// into records. `name` is the file name, used only to break ties when sniffing.
pub fn unpack(raw: &[u8], name: &str, limits: &Limits) -> Result<Unpacked, Reject> {
    let mut bytes: Option<Vec<u8>> = None;
    let mut layers = Vec::new();
    loop {
        let cur: &[u8] = bytes.as_deref().unwrap_or(raw);
        let layer = if cur.starts_with(&[0x1f, 0x8b]) {
            Layer::Gzip
        } else if cur.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Layer::Zstd
        } else {
            break;
        };
        if layers.len() == MAX_LAYERS {
            return Err(Reject::new("bomb", format!("more than {MAX_LAYERS} nested compression layers")));
        }
        let out = decompress(cur, layer, limits.max_unpacked)?;
        layers.push(layer);
        bytes = Some(out);
    }
    let bytes = bytes.unwrap_or_else(|| raw.to_vec());
    let kind = sniff(&bytes, name)?;
    let mut records = Vec::new();
    let mut rejected = Vec::new();
    match kind {
        Kind::Jsonl if is_single_json_document(&bytes) => {
            if bytes.len() as u64 > limits.max_document {
                return Err(Reject::new(
                    "too-large",
                    format!(
                        "a single JSON document of {}, over the {} per-document limit",
                        human_bytes(bytes.len() as u64),
                        human_bytes(limits.max_document)
                    ),
                ));
            }
            records.push(RecordSpan { start: 0, end: bytes.len(), line: None });
        }
        Kind::Jsonl => split_lines(&bytes, limits, &mut records, &mut rejected),
        Kind::Text | Kind::Html => {
            if bytes.len() as u64 > limits.max_document {
                return Err(Reject::new(
                    "too-large",
                    format!(
                        "a single {} document of {}, over the {} per-document limit",
                        kind.name(),
                        human_bytes(bytes.len() as u64),
                        human_bytes(limits.max_document)
                    ),
                ));
            }
            records.push(RecordSpan { start: 0, end: bytes.len(), line: None });
        }
    }
    Ok(Unpacked { bytes, layers, kind, records, rejected })
}

/// A pretty-printed JSON object spans lines: its first line is not a JSON value on its
/// own, but the whole input is one. (JSON Lines has a complete value on every line.)
fn is_single_json_document(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    let first_end = bytes[start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| start + i);
    let valid = |b: &[u8]| serde_json::from_slice::<serde::de::IgnoredAny>(b).is_ok();
    !valid(&bytes[start..first_end]) && valid(bytes)
}

fn decompress(input: &[u8], layer: Layer, cap: u64) -> Result<Vec<u8>, Reject> {
    let mut out = Vec::new();
    let res = match layer {
        Layer::Gzip => flate2::read::MultiGzDecoder::new(input).take(cap + 1).read_to_end(&mut out),
        Layer::Zstd => match zstd::stream::read::Decoder::new(input) {
            Ok(d) => d.take(cap + 1).read_to_end(&mut out),
            Err(e) => Err(e),
        },
    };
    let (code, what) = match layer {
        Layer::Gzip => ("bad-gzip", "gzip"),
        Layer::Zstd => ("bad-zstd", "zstd"),
    };
    match res {
        Ok(_) if out.len() as u64 > cap => Err(Reject::new(
            "bomb",
            format!(
                "{what} data expands past {} (limit); refusing it as a possible decompression bomb",
                human_bytes(cap)
            ),
        )),
        Ok(_) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Reject::new(
            code,
            format!("truncated {what} stream: it ends after {} of output", human_bytes(out.len() as u64)),
        )),
        Err(e) => Err(Reject::new(code, format!("corrupt {what} data: {e}"))),
    }
}

fn split_lines(bytes: &[u8], limits: &Limits, records: &mut Vec<RecordSpan>, rejected: &mut Vec<(RecordSpan, Reject)>) {
    let mut start = 0;
    let mut line = 0u64;
    while start < bytes.len() {
        line += 1;
        let end = memchr_newline(&bytes[start..]).map(|i| start + i).unwrap_or(bytes.len());
        let mut e = end;
        if e > start && bytes[e - 1] == b'\r' {
            e -= 1;
        }
        let span = RecordSpan { start, end: e, line: Some(line) };
        let content = &bytes[start..e];
        if content.iter().any(|b| !b.is_ascii_whitespace()) {
            if (e - start) as u64 > limits.max_document {
                rejected.push((
                    span,
                    Reject::new(
                        "too-large",
                        format!(
                            "line {line} is {}, over the {} per-document limit",
                            human_bytes((e - start) as u64),
                            human_bytes(limits.max_document)
                        ),
                    ),
                ));
            } else {
                records.push(span);
            }
        }
        start = end + 1;
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
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

    #[test]
    fn gzip_and_zstd_are_detected_by_content_and_nested() {
        let inner = b"{\"title\":\"a\",\"text\":\"b\"}\n\n{\"title\":\"c\",\"text\":\"d\"}\r\n";
        let packed = zstd::encode_all(&gz(inner)[..], 3).unwrap();
        let u = unpack(&packed, "archive.bin", &Limits::default()).unwrap();
        assert_eq!(u.layers, [Layer::Zstd, Layer::Gzip]);
        assert_eq!(u.kind, Kind::Jsonl);
        let lines: Vec<_> = u.records.iter().map(|r| (r.line.unwrap(), &u.bytes[r.start..r.end])).collect();
        assert_eq!(lines, [(1, &inner[..24]), (3, &inner[26..50])]);
    }

    #[test]
    fn pretty_printed_json_is_one_document() {
        let pretty = b"{\n  \"title\": \"One article\",\n  \"text\": \"Spread over lines.\"\n}\n";
        let u = unpack(pretty, "a.json", &Limits::default()).unwrap();
        assert_eq!(u.kind, Kind::Jsonl);
        assert_eq!(u.records, [RecordSpan { start: 0, end: pretty.len(), line: None }]);
        // Broken pretty JSON still goes line by line, so each bad line is named.
        let broken = b"{\n  \"title\": \n";
        assert_eq!(unpack(broken, "a.json", &Limits::default()).unwrap().records.len(), 2);
    }

    #[test]
    fn truncated_gzip_is_named() {
        let g = gz(&vec![b'x'; 100_000]);
        let r = unpack(&g[..g.len() / 2], "a.txt.gz", &Limits::default()).unwrap_err();
        assert_eq!(r.code, "bad-gzip");
        assert!(r.reason.starts_with("truncated gzip stream"), "{}", r.reason);
    }

    #[test]
    fn decompression_bomb_is_capped() {
        let g = gz(&vec![b'a'; 10 << 20]);
        assert!(g.len() < 20_000);
        let limits = Limits { max_unpacked: 1 << 20, ..Limits::default() };
        let r = unpack(&g, "bomb.gz", &limits).unwrap_err();
        assert_eq!(r.code, "bomb");
    }

    #[test]
    fn oversized_documents_and_lines_are_refused() {
        let limits = Limits { max_document: 10, ..Limits::default() };
        let r = unpack(b"a text document longer than ten bytes", "a.txt", &limits).unwrap_err();
        assert_eq!(r.code, "too-large");
        let u = unpack(b"{\"a\":1}\n{\"a\":\"a long line\"}\n", "a.jsonl", &limits).unwrap();
        assert_eq!(u.records.len(), 1);
        assert_eq!(u.rejected.len(), 1);
        assert_eq!(u.rejected[0].1.reason, "line 2 is 19 B, over the 10 B per-document limit");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = unpack(&bytes, "x", &Limits::default());
            let _ = unpack(&gz(&bytes), "x", &Limits::default());
        }
    }
}
