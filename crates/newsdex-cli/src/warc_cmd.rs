//! `newsdex export-warc [QUERY…] OUT.warc.gz`: the kept bytes of every matching document
//! as a WARC 1.1 file (one gzip member per record; plain `.warc` when the name does not
//! end in `.gz`), written by `newsdex_warc::write`, streamed document by document (memory
//! holds the matches' ids and one document's bytes).
//!
//! The file opens with a `warcinfo` record (software, format, the query, its filters and
//! the snapshot). Then, per document, by where it came from ([`newsdex_engine::Kept`]):
//!
//! * **a WARC record**: re-emitted with its own type (`response`, or `resource`), block
//!   byte for byte, and every field as archived (`WARC-Target-URI`, `WARC-Date`,
//!   `WARC-Record-ID`, `WARC-Concurrent-To`, `WARC-IP-Address`, …) except those that
//!   describe the file it was in or that the writer computes: `Content-Length`,
//!   `WARC-Block-Digest` and `WARC-Payload-Digest` (SHA-1, recomputed), `WARC-Warcinfo-ID`
//!   (this file's), `WARC-Filename`. The original `WARC-Record-ID` is kept, not replaced
//!   with a new id and a `WARC-Refers-To`: the record is the same capture with the same
//!   block, which is what a record id names (WARC 1.1 §5.2: an id is unique to a record,
//!   not to a file); tools that copy records between files (warcio's `extract`, CDX
//!   subsets of Common Crawl) keep it; `WARC-Refers-To` is defined for `revisit`,
//!   `conversion` and `metadata` records pointing at another record, and on a `response`
//!   would tell readers this record is derived from another; and the `request` and
//!   `metadata` records of the original archive that name it with `WARC-Concurrent-To`
//!   still do. A body stored with its chunked transfer coding keeps it, and its payload
//!   digest covers the bytes as stored (as warcio checks it).
//! * **an ARC record**: a `response` record of its HTTP response, its address and date
//!   from the ARC header line, a new record id.
//! * **a page `newsdex collect` fetched**: a `request` and a `response` record, as close to
//!   the exchange as the collector kept it. Kept: method, address, the request headers
//!   newsdex set (User-Agent, Accept, Accept-Encoding, validators), status, every response
//!   header as the HTTP library gave it (names lower-cased), the fetch time, and the body
//!   byte for byte as received (compressed when it came so), the response's HTTP version
//!   (HTTP/1.x in the status line; HTTP/2 and 3 as an HTTP/1.1 message with `WARC-Protocol:
//!   h2` or `h3`, the form the IIPC proposal gives), its reason phrase as sent, and the
//!   server's IP address (`WARC-IP-Address`). Exchanges kept before version, reason and
//!   address were recorded are written as `HTTP/1.1` with the standard reason phrase and
//!   no address. Not kept, so not written: headers the HTTP library added to the request
//!   itself except `Host` (written from the address, as it is sent). The body
//!   was kept with its chunked transfer coding already undone: a `Transfer-Encoding`
//!   header is written as `X-Newsdex-Original-Transfer-Encoding`, so the message is
//!   what was kept and readers do not de-chunk a body that is not chunked.
//! * **a file or a record of one** (HTML, text, one JSON Lines record): a `resource`
//!   record of the bytes the document was extracted from (decompressed), `Content-Type`
//!   `text/html`, `text/plain` or `application/json` by what the input was, dated when it
//!   was ingested, `WARC-Target-URI` the document's address when it has an `http(s)`
//!   one, else a `file:` URI (an absolute path) or `urn:newsdex:source:` (any other
//!   name), with `#line=N` for a JSON Lines record.
//!
//! Every record of a document carries `WARC-Newsdex-Document` (its id), so that ingesting
//! the file into the archive it came from adds nothing; ingested into another archive,
//! `resource` records become documents like `response` ones.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use newsdex_engine::DocRow;
use newsdex_engine::{Engine, Kept, SearchOptions};
use newsdex_warc::write::{DOC_FIELD, Payload, WarcWriter};

use crate::{Done, MatchArgs};

#[derive(Args, Debug)]
pub struct ExportWarcArgs {
    /// The query as `search` takes it (none: every document), then the file to write
    /// (`.warc.gz`: a gzip member per record; `.warc`: uncompressed).
    #[arg(required = true, num_args = 1.., value_name = "QUERY… OUT")]
    args: Vec<String>,
    /// As of this snapshot (default: the latest).
    #[arg(long)]
    snapshot: Option<u64>,
    #[command(flatten)]
    filters: MatchArgs,
}

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub documents: u64,
    pub records: u64,
    pub bytes: u64,
}

pub fn export_warc(data: &Path, args: ExportWarcArgs, quiet: bool) -> anyhow::Result<Done> {
    let mut words = args.args.clone();
    let out = PathBuf::from(words.pop().expect("clap requires one argument"));
    let query = if words.is_empty() { "*".to_string() } else { words.join(" ") };
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !name.ends_with(".warc") && !name.ends_with(".warc.gz") {
        anyhow::bail!("{}: the file to write must end in .warc or .warc.gz (the last argument)", out.display());
    }
    let engine = Engine::open_read(data)?;
    let opts = args.filters.options(SearchOptions { snapshot: args.snapshot, ..SearchOptions::default() });
    let plan = engine.export_plan(&query, &opts)?;
    let file = std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
    let info = Info { query: &query, filters: &args.filters, snapshot: plan.snapshot, filename: &name };
    let gzip = name.ends_with(".gz");
    let res =
        write(&engine, &plan, &info, std::io::BufWriter::with_capacity(1 << 20, file), gzip).and_then(|(w, file)| {
            file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            Ok(w)
        });
    let written = match res {
        Ok(w) => w,
        Err(e) => {
            // No half file is left looking like a whole one.
            let _ = std::fs::remove_file(&out);
            return Err(e.context(format!("writing {}", out.display())));
        }
    };
    if !quiet {
        eprintln!(
            "wrote {} documents in {} WARC records ({} bytes) to {} as of snapshot {}; `--snapshot {}` repeats it",
            written.documents,
            written.records,
            written.bytes,
            out.display(),
            plan.snapshot,
            plan.snapshot
        );
    }
    Ok(Done::Ok)
}

/// What the `warcinfo` record says.
struct Info<'a> {
    query: &'a str,
    filters: &'a MatchArgs,
    snapshot: u64,
    filename: &'a str,
}

/// Write the export to `out`: the `warcinfo` record, then each document's records.
fn write<W: Write>(
    engine: &Engine,
    plan: &newsdex_engine::export::ExportPlan,
    info: &Info<'_>,
    out: W,
    gzip: bool,
) -> anyhow::Result<(Written, W)> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut w = WarcWriter::new(out, gzip);
    let warcinfo_id = newsdex_warc::write::record_id(
        format!("warcinfo {now} {} {} {}", info.filename, info.snapshot, info.query).as_bytes(),
    );
    let f = info.filters;
    let list = |v: &[String]| v.join(", ");
    let software = format!("newsdex/{}", env!("CARGO_PKG_VERSION"));
    let snapshot = info.snapshot.to_string();
    let (langs, outlets) = (list(&f.lang), list(&f.outlet));
    let mut fields: Vec<(&str, &str)> = vec![
        ("software", software.as_str()),
        ("format", "WARC File Format 1.1"),
        ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
        ("description", "documents of a newsdex archive, as kept: the records they were read from"),
        ("newsdex-query", info.query),
        ("newsdex-snapshot", snapshot.as_str()),
        ("newsdex-default-op", f.default_op.as_str()),
        ("newsdex-exact", if f.exact { "true" } else { "false" }),
    ];
    for (name, v) in [("newsdex-lang", &langs), ("newsdex-outlet", &outlets)] {
        if !v.is_empty() {
            fields.push((name, v.as_str()));
        }
    }
    for (name, v) in [("newsdex-from", &f.from), ("newsdex-to", &f.to)] {
        if let Some(v) = v {
            fields.push((name, v.as_str()));
        }
    }
    let block = newsdex_warc::write::warc_fields(&fields);
    w.write(
        &[
            ("WARC-Type", "warcinfo"),
            ("WARC-Record-ID", warcinfo_id.as_str()),
            ("WARC-Date", now.as_str()),
            ("WARC-Filename", info.filename),
            ("Content-Type", "application/warc-fields"),
        ],
        &block,
        Payload::None,
    )?;
    let exchanges = engine.exchanges()?;
    let mut documents = 0u64;
    let mut failed: Option<anyhow::Error> = None;
    engine
        .export(plan, false, |d| {
            let res = engine
                .kept(&d.row, &exchanges)
                .map_err(anyhow::Error::new)
                .and_then(|kept| write_document(&mut w, &d.row, kept, warcinfo_id.as_str()));
            match res {
                Ok(()) => {
                    documents += 1;
                    Ok(())
                }
                Err(e) => {
                    let msg = format!("document {}: {e:#}", d.row.article.id);
                    failed = Some(e.context(format!("document {}", d.row.article.id)));
                    Err(std::io::Error::other(msg))
                }
            }
        })
        .map_err(|e| failed.take().unwrap_or_else(|| anyhow::Error::new(e)))?;
    let written = Written { documents, records: w.records(), bytes: w.written() };
    Ok((written, w.finish()?))
}

/// The fields of an archived record carried over as they are (all but these).
const NOT_CARRIED: [&str; 6] = [
    "content-length",
    "warc-block-digest",
    "warc-payload-digest",
    "warc-warcinfo-id",
    "warc-filename",
    "warc-newsdex-document",
];

fn write_document<W: Write>(w: &mut WarcWriter<W>, row: &DocRow, kept: Kept, warcinfo: &str) -> anyhow::Result<()> {
    let id = row.article.id;
    let doc = id.to_string();
    match kept {
        Kept::Warc(record) => {
            let header = newsdex_warc::parse_header(&record)?;
            let block = newsdex_warc::content_block(&record)?;
            let mut fields: Vec<(&str, &str)> = header
                .fields
                .0
                .iter()
                .filter(|(n, _)| !NOT_CARRIED.iter().any(|o| n.eq_ignore_ascii_case(o)))
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            fields.push(("WARC-Warcinfo-ID", warcinfo));
            fields.push((DOC_FIELD, doc.as_str()));
            let payload = if header.warc_type() == "resource" { Payload::Block } else { Payload::AfterHttpHead };
            w.write(&fields, block, payload)?;
        }
        Kept::Arc(record) => {
            let header = newsdex_warc::parse_arc_header(&record)?;
            let block = &record[header.len..];
            let block = &block[..block.len().min(header.length as usize)];
            let date =
                newsdex_warc::arc_date_rfc3339(&header.date).unwrap_or_else(|| row.provenance.ingested_at.clone());
            let rid = newsdex_warc::write::record_id(format!("arc {doc}").as_bytes());
            w.write(
                &[
                    ("WARC-Type", "response"),
                    ("WARC-Record-ID", rid.as_str()),
                    ("WARC-Date", date.as_str()),
                    ("WARC-Target-URI", header.url.as_str()),
                    ("WARC-Warcinfo-ID", warcinfo),
                    ("Content-Type", "application/http; msgtype=response"),
                    (DOC_FIELD, doc.as_str()),
                ],
                block,
                Payload::AfterHttpHead,
            )?;
        }
        Kept::Fetched { exchange, body } => write_exchange(w, &doc, &exchange, &body, warcinfo)?,
        Kept::File(bytes) => {
            let (content_type, line) = match row.article.format {
                newsdex_core::SourceFormat::Html => ("text/html", None),
                newsdex_core::SourceFormat::Text => ("text/plain", None),
                newsdex_core::SourceFormat::Jsonl => ("application/json", row.provenance.line),
            };
            let uri = match row.article.url.as_deref().filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            {
                Some(u) => u.to_string(),
                None => source_uri(&row.provenance.source, line),
            };
            let rid = newsdex_warc::write::record_id(format!("resource {doc}").as_bytes());
            let mut fields = vec![
                ("WARC-Type", "resource"),
                ("WARC-Record-ID", rid.as_str()),
                ("WARC-Date", row.provenance.ingested_at.as_str()),
                ("WARC-Target-URI", uri.as_str()),
                ("WARC-Warcinfo-ID", warcinfo),
                ("Content-Type", content_type),
                (DOC_FIELD, doc.as_str()),
            ];
            let source = row.provenance.source.clone();
            fields.push(("WARC-Newsdex-Source", source.as_str()));
            w.write(&fields, &bytes, Payload::Block)?;
        }
    }
    Ok(())
}

/// A collected page's exchange as a `request` and a `response` record.
fn write_exchange<W: Write>(
    w: &mut WarcWriter<W>,
    doc: &str,
    ex: &serde_json::Value,
    body: &[u8],
    warcinfo: &str,
) -> anyhow::Result<()> {
    let url = ex["url"].as_str().context("the recorded exchange has no address")?;
    let status =
        ex["status"].as_u64().and_then(|s| u16::try_from(s).ok()).context("the recorded exchange has no status")?;
    let method = ex["method"].as_str().unwrap_or("GET");
    let date = ex["fetched_at"]
        .as_i64()
        .map(newsdex_warc::write::warc_date)
        .context("the recorded exchange has no fetch time")?;
    let pairs = |v: &serde_json::Value| -> Vec<(String, String)> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| Some((p.get(0)?.as_str()?.to_string(), p.get(1)?.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (host, target) = split_url(url);
    let mut req_headers = vec![("Host".to_string(), host.to_string())];
    req_headers.extend(pairs(&ex["request_headers"]).into_iter().filter(|(n, _)| !n.eq_ignore_ascii_case("host")));
    let resp_headers: Vec<(String, String)> = pairs(&ex["response_headers"])
        .into_iter()
        .map(|(n, v)| {
            if n.eq_ignore_ascii_case("transfer-encoding") {
                ("X-Newsdex-Original-Transfer-Encoding".into(), v)
            } else {
                (n, v)
            }
        })
        .collect();
    let response_id = newsdex_warc::write::record_id(format!("response {doc}").as_bytes());
    let request_id = newsdex_warc::write::record_id(format!("request {doc}").as_bytes());
    let request = newsdex_warc::write::http_request(method, &target, &req_headers);
    w.write(
        &[
            ("WARC-Type", "request"),
            ("WARC-Record-ID", request_id.as_str()),
            ("WARC-Date", date.as_str()),
            ("WARC-Target-URI", url),
            ("WARC-Concurrent-To", response_id.as_str()),
            ("WARC-Warcinfo-ID", warcinfo),
            ("Content-Type", "application/http; msgtype=request"),
            (DOC_FIELD, doc),
        ],
        &request,
        Payload::None,
    )?;
    // WARC's `application/http` holds an HTTP/1 message, so an HTTP/2 or 3 exchange is
    // written with an HTTP/1.1 status line and its protocol in `WARC-Protocol` (IIPC
    // warc-specifications proposal 42, ALPN ids).
    let (version, protocol) = match ex["http_version"].as_str() {
        Some("HTTP/1.0") => ("HTTP/1.0", Some("http/1.0")),
        Some("HTTP/1.1") => ("HTTP/1.1", Some("http/1.1")),
        Some("HTTP/2.0") => ("HTTP/1.1", Some("h2")),
        Some("HTTP/3.0") => ("HTTP/1.1", Some("h3")),
        _ => ("HTTP/1.1", None),
    };
    // No reason recorded (HTTP/2 and 3, older exchanges): the standard one for the status.
    let response = newsdex_warc::write::http_response(version, status, ex["reason"].as_str(), &resp_headers, body);
    let mut fields = vec![
        ("WARC-Type", "response"),
        ("WARC-Record-ID", response_id.as_str()),
        ("WARC-Date", date.as_str()),
        ("WARC-Target-URI", url),
    ];
    if let Some(ip) = ex["ip"].as_str() {
        fields.push(("WARC-IP-Address", ip));
    }
    if let Some(p) = protocol {
        fields.push(("WARC-Protocol", p));
    }
    fields.extend([
        ("WARC-Warcinfo-ID", warcinfo),
        ("Content-Type", "application/http; msgtype=response"),
        (DOC_FIELD, doc),
    ]);
    w.write(&fields, &response, Payload::AfterHttpHead)?;
    Ok(())
}

/// `(host[:port], /path?query)` of an absolute http(s) address (the fragment dropped; an
/// address with a query but no path is requested as `/?query`).
fn split_url(url: &str) -> (&str, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or(rest);
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    }
}

/// A URI naming where a file's bytes came from: `file://` and the path for an absolute
/// path, else `urn:newsdex:source:` and the name; `#line=N` for a JSON Lines record.
fn source_uri(source: &str, line: Option<u64>) -> String {
    let mut uri = if source.starts_with('/') {
        format!("file://{}", pct(source, true))
    } else {
        format!("urn:newsdex:source:{}", pct(source, false))
    };
    if let Some(l) = line {
        uri.push_str(&format!("#line={l}"));
    }
    uri
}

/// Percent-encode what may not stand in a URI (`/` kept in paths).
fn pct(s: &str, path: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) || (path && b == b'/');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_host_and_target() {
        assert_eq!(split_url("https://a.example/x/y?q=1#f"), ("a.example", "/x/y?q=1".to_string()));
        assert_eq!(split_url("http://a.example:8080"), ("a.example:8080", "/".to_string()));
        assert_eq!(split_url("http://a.example?q"), ("a.example", "/?q".to_string()));
    }

    #[test]
    fn sources_become_uris() {
        assert_eq!(source_uri("/data/a b.html", None), "file:///data/a%20b.html");
        assert_eq!(source_uri("news.jsonl.gz", Some(3)), "urn:newsdex:source:news.jsonl.gz#line=3");
        assert_eq!(source_uri("../x/é", None), "urn:newsdex:source:..%2Fx%2F%C3%A9");
    }
}
