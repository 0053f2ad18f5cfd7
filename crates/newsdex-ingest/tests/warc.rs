//! WARC archives read as streams of records: CC-NEWS's layout around real pages, in every
//! packing, and damaged files whose damage is named by offset while the rest is read.

use newsdex_ingest::{Item, Kind, Limits, records};
use newsdex_testkit::warc::{Packing, Page, cc_news_records, pack, record, scrapinghub_pages};

fn read(bytes: &[u8], limits: &Limits) -> (Kind, Vec<Result<Item, newsdex_ingest::Reject>>) {
    let r = records(Box::new(bytes), "x.warc.gz", limits).expect("opens");
    (r.kind, r.collect())
}

/// (pages, skipped as "kind: reason", refused as "code: reason").
fn summary(items: &[Result<Item, newsdex_ingest::Reject>]) -> (usize, Vec<String>, Vec<String>) {
    let (mut pages, mut skipped, mut refused) = (0, Vec::new(), Vec::new());
    for i in items {
        match i {
            Ok(Item::Record { .. }) => pages += 1,
            Ok(Item::Skipped { kind, reason, .. }) => skipped.push(format!("{kind}: {reason}")),
            Ok(Item::Refused { reject, .. }) => refused.push(format!("{}: {}", reject.code, reject.reason)),
            Err(r) => refused.push(format!("error {}: {}", r.code, r.reason)),
        }
    }
    (pages, skipped, refused)
}

fn with_extras(pages: &[Page]) -> Vec<Vec<u8>> {
    let mut recs = cc_news_records(pages);
    let http = |status: &str, ctype: &str, body: &[u8]| {
        let mut b = format!("HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n\r\n").into_bytes();
        b.extend_from_slice(body);
        b
    };
    recs.push(record(
        "response",
        Some("https://example.com/gone"),
        900,
        "application/http",
        &http("404 Not Found", "text/html", b"<html>gone</html>"),
    ));
    recs.push(record(
        "response",
        Some("https://example.com/a.png"),
        901,
        "application/http",
        &http("200 OK", "image/png", b"\x89PNG\r\n\x1a\n\0\0"),
    ));
    recs.push(record("revisit", Some("https://example.com/"), 902, "application/http", b"HTTP/1.1 200 OK\r\n\r\n"));
    recs.push(record("metadata", Some("https://example.com/"), 903, "application/warc-fields", b"fetchTimeMs: 12\r\n"));
    recs
}

#[test]
fn cc_news_layout_is_read_in_every_packing() {
    let Some(pages) = scrapinghub_pages(20) else { return };
    let recs = with_extras(&pages);
    let plain = pack(&recs, Packing::Plain);
    for packing in [Packing::Plain, Packing::GzipPerRecord, Packing::GzipWhole] {
        let file = pack(&recs, packing);
        let (kind, items) = read(&file, &Limits::default());
        assert_eq!(kind, Kind::Warc);
        let (n, mut skipped, refused) = summary(&items);
        assert_eq!(n, 20, "{packing:?}");
        assert!(refused.is_empty(), "{refused:?}");
        skipped.sort();
        skipped.dedup_by(|a, b| a == b);
        assert_eq!(
            skipped,
            [
                "metadata: not a response",
                "request: not a response",
                "response: not HTML",
                "response: status 404",
                "revisit: not a response",
                "warcinfo: not a response"
            ],
            "{packing:?}"
        );
        // Each page record is one whole record, at its place in the content, and where
        // the file has it on its own (uncompressed, or its own gzip member) its place in
        // the file is known: the bytes there unpack to the record.
        for item in &items {
            if let Ok(Item::Record { span, bytes }) = item {
                assert_eq!(&plain[span.start..span.end], &bytes[..]);
                assert!(bytes.starts_with(b"WARC/1.0\r\nWARC-Type: response"));
                let place = span.packed.map(|(o, l)| &file[o as usize..(o + l) as usize]);
                match packing {
                    Packing::Plain => assert_eq!(place, Some(&bytes[..])),
                    Packing::GzipPerRecord => {
                        let mut out = Vec::new();
                        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(place.unwrap()), &mut out)
                            .unwrap();
                        assert_eq!(&out[..bytes.len()], &bytes[..]);
                        assert_eq!(&out[bytes.len()..], b"\r\n\r\n");
                    }
                    Packing::GzipWhole => assert_eq!(place, None),
                }
            }
        }
    }
}

#[test]
fn damage_is_named_by_offset_and_the_rest_is_read() {
    let Some(pages) = scrapinghub_pages(4) else { return };
    let recs = cc_news_records(&pages);
    // Garbage between records, a bad length, then the rest.
    let mut file = recs[..3].concat();
    let garbage_at = file.len();
    file.extend_from_slice(b"this line is not a record\r\n<html>nor this</html>\r\n");
    file.extend_from_slice(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: twelve\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
    file.extend_from_slice(&recs[3..].concat());
    let (_, items) = read(&file, &Limits::default());
    let (n, _, refused) = summary(&items);
    assert_eq!(n, 4);
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0].starts_with(&format!("warc-garbage: 50 B at offset {garbage_at} that are not a WARC record")),
        "{refused:?}"
    );
    assert!(refused[1].starts_with("warc-bad-length: the WARC record (no WARC-Record-ID) at offset"), "{refused:?}");
    assert!(refused[1].contains("Content-Length \"twelve\" is not a number"), "{refused:?}");

    // A record cut in half: the ones before it are read, its cut is named.
    let whole = recs.concat();
    let last = recs.last().unwrap().len();
    let cut = &whole[..whole.len() - last / 2];
    let (_, items) = read(cut, &Limits::default());
    let (n, _, refused) = summary(&items);
    assert_eq!(n, 3);
    assert_eq!(refused.len(), 1);
    assert!(refused[0].starts_with("warc-truncated: the WARC record <urn:uuid:"), "{refused:?}");
    assert!(refused[0].contains(&format!("at offset {} is cut short", whole.len() - last)), "{refused:?}");

    // A header claiming 4 GB: counted to the end of the input, never held.
    let mut file = recs[..3].concat();
    let at = file.len();
    file.extend_from_slice(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:x>\r\nContent-Length: 4294967296\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html>");
    file.extend_from_slice(&recs[3..].concat());
    let (_, items) = read(&pack(&[file], Packing::GzipPerRecord), &Limits::default());
    let (n, _, refused) = summary(&items);
    assert_eq!(n, 1, "the page before it");
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].starts_with(&format!(
            "warc-truncated: the WARC record <urn:x> at offset {at} is cut short: its length is 4294967296"
        )),
        "{refused:?}"
    );
}

#[test]
fn a_gzip_bomb_member_is_stopped() {
    let Some(pages) = scrapinghub_pages(2) else { return };
    let mut recs = cc_news_records(&pages);
    let bomb = vec![b' '; 40 << 20];
    recs.insert(1, record("metadata", None, 77, "text/plain", &bomb));
    let file = pack(&recs, Packing::GzipPerRecord);
    assert!(file.len() < 1 << 20);
    let limits = Limits { bomb_floor: 8 << 20, ..Limits::default() };
    let (_, items) = read(&file, &limits);
    let (_, _, refused) = summary(&items);
    assert!(
        refused.iter().any(|r| r.starts_with("error bomb: compressed data expands more than 250 times")),
        "{refused:?}"
    );
}

#[test]
fn a_damaged_gzip_member_is_named_by_offset_and_the_next_members_are_read() {
    let Some(pages) = scrapinghub_pages(6) else { return };
    let recs = cc_news_records(&pages);
    let members: Vec<Vec<u8>> = recs.iter().map(|r| newsdex_testkit::warc::gzip(r)).collect();
    // The response of page 3 (record 6): its deflate data overwritten in the middle.
    let mut file = Vec::new();
    let mut damaged_at = 0;
    for (i, m) in members.iter().enumerate() {
        let mut m = m.clone();
        if i == 6 {
            damaged_at = file.len();
            let mid = m.len() / 2;
            m[mid..mid + 64].fill(0xff);
        }
        file.extend_from_slice(&m);
    }
    let (_, items) = read(&file, &Limits::default());
    let (n, _, refused) = summary(&items);
    assert_eq!(n, 5, "every page but the damaged one: {refused:?}");
    assert_eq!(refused.len(), 1, "{refused:?}");
    let next = damaged_at + members[6].len();
    assert!(
        refused[0].starts_with("bad-gzip: the WARC record <urn:uuid:00000000-0000-4000-8000-000000000006> at offset"),
        "{refused:?}"
    );
    assert!(refused[0].contains(&format!("(at input offset {damaged_at}: ")), "{refused:?}");
    assert!(
        refused[0].ends_with(&format!("reading went on at the next member, at input offset {next}")),
        "{refused:?}"
    );

    // Cut in the middle of a member at the end: the pages before it are read.
    let (_, items) = read(&file[..next + members[7].len() / 2], &Limits::default());
    let (n, _, refused) = summary(&items);
    assert_eq!(n, 2, "{refused:?}");
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused[1].contains("it ends before its end marker); no member follows it"), "{refused:?}");
}

/// `.warc.zst` as the IIPC proposal writes it: a skippable frame holding the dictionary
/// (here zstd-compressed, as allowed), then one zstd frame per record made with it.
fn warc_zst(recs: &[Vec<u8>], dict: &[u8], compress_dict: bool) -> Vec<u8> {
    let stored = if compress_dict { zstd::encode_all(dict, 3).unwrap() } else { dict.to_vec() };
    let mut out = vec![0x5d, 0x2a, 0x4d, 0x18];
    out.extend_from_slice(&(stored.len() as u32).to_le_bytes());
    out.extend_from_slice(&stored);
    for r in recs {
        let mut c = zstd::bulk::Compressor::with_dictionary(3, dict).unwrap();
        out.extend_from_slice(&c.compress(r).unwrap());
    }
    out
}

#[test]
fn warc_zst_with_its_dictionary_in_the_file_is_read() {
    let Some(pages) = scrapinghub_pages(40) else { return };
    let recs = cc_news_records(&pages);
    let dict = zstd::dict::from_samples(&recs, 32 << 10).expect("a dictionary");
    for compress_dict in [false, true] {
        let file = warc_zst(&recs, &dict, compress_dict);
        let (kind, items) = read(&file, &Limits::default());
        assert_eq!(kind, Kind::Warc);
        let (n, skipped, refused) = summary(&items);
        assert_eq!((n, skipped.len()), (40, 41), "{refused:?}");
        assert!(refused.is_empty(), "{refused:?}");
    }
    // Without its dictionary frame the records cannot be read, and that is said.
    let file = warc_zst(&recs, &dict, false);
    let frames = &file[8 + dict.len()..];
    let r = newsdex_ingest::records(Box::new(frames), "x.warc.zst", &Limits::default());
    let err = match r {
        Err(e) => e,
        Ok(r) => r.filter_map(Result::err).next().expect("an error"),
    };
    assert_eq!(err.code, "bad-zstd", "{}", err.reason);
}

/// An ARC (version 1) file around `pages`: its `filedesc://` record, then per page a
/// record whose header line ends in its length.
fn arc_file(pages: &[Page]) -> Vec<Vec<u8>> {
    let desc = b"1 0 newsdex-testkit\nURL IP-address Archive-date Content-type Archive-length\n";
    let mut recs = vec![
        [
            format!("filedesc://test.arc 0.0.0.0 20240301120000 text/plain {}\n", desc.len()).into_bytes(),
            desc.to_vec(),
            b"\n".to_vec(),
        ]
        .concat(),
    ];
    for (i, p) in pages.iter().enumerate() {
        let mut block = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n".to_vec();
        block.extend_from_slice(&p.html);
        let head = format!("{} 192.0.2.{} 202403011200{:02} text/html {}\n", p.url, i % 250, i % 60, block.len());
        recs.push([head.into_bytes(), block, b"\n".to_vec()].concat());
    }
    recs.push(
        b"http://example.com/x.gif 192.0.2.1 20240301120000 image/gif 23\nHTTP/1.0 200 OK\r\n\r\nGIF8\n".to_vec(),
    );
    recs
}

#[test]
fn arc_gz_is_read_like_warc() {
    let Some(pages) = scrapinghub_pages(10) else { return };
    let recs = arc_file(&pages);
    let file = pack(&recs, Packing::GzipPerRecord);
    let r = records(Box::new(&file[..]), "x.arc.gz", &Limits::default()).unwrap();
    assert_eq!(r.kind, Kind::Arc);
    let items: Vec<_> = r.collect();
    let (n, skipped, refused) = summary(&items);
    assert_eq!(n, 10, "{refused:?}");
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(skipped, ["filedesc: not a response", "response: not HTML"]);
    let Ok(Item::Record { span, bytes }) = &items[1] else { panic!("{:?}", items[1]) };
    assert_eq!(bytes[..], recs[1][..recs[1].len() - 1]);
    let (o, l) = span.packed.unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&file[o as usize..(o + l) as usize]), &mut out)
        .unwrap();
    assert_eq!(out, recs[1]);
    // And extraction takes the page's address and date from the header line.
    let a = newsdex_extract_check(bytes);
    assert_eq!(a.0, pages[0].url);
    assert_eq!(a.1, "2024-03-01T12:00:00Z");
}

/// The address and fetch date an ARC record's page is extracted with.
fn newsdex_extract_check(record: &[u8]) -> (String, String) {
    let a = newsdex_extract::extract(record, newsdex_extract::RecordKind::Arc, &Default::default()).expect("a page");
    let get = |k: &str| a.extra.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    (get("warc_target_uri"), get("warc_date"))
}

#[test]
fn a_record_over_the_document_limit_is_skipped_when_it_is_no_page_and_refused_when_it_is() {
    let http = |ctype: &str, n: usize| {
        let mut b = format!("HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n\r\n").into_bytes();
        b.extend(std::iter::repeat_n(b'x', n));
        b
    };
    let recs = [
        record("response", Some("https://example.com/film.mp4"), 1, "application/http", &http("video/mp4", 5000)),
        record("response", Some("https://example.com/long.html"), 2, "application/http", &http("text/html", 5000)),
        record("response", Some("https://example.com/a.html"), 3, "application/http", &http("text/html", 10)),
    ];
    let limits = Limits { max_document: 1000, ..Limits::default() };
    let (_, items) = read(&pack(&recs, Packing::GzipPerRecord), &limits);
    let (n, skipped, refused) = summary(&items);
    assert_eq!(n, 1);
    assert_eq!(skipped, ["response: not HTML"]);
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].starts_with("too-large: the WARC record <urn:uuid:00000000-0000-4000-8000-000000000002> at offset"),
        "{refused:?}"
    );
}
