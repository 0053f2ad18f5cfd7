//! Any bytes written as a `resource` record read back identical through the reader, plain
//! and in a gzip member, with a digest that is the SHA-1 of exactly those bytes.

use std::io::Read;

use newsdex_warc::write::{Payload, WarcWriter, sha1_digest};
use proptest::prelude::*;

fn read_back(record: &[u8]) -> (newsdex_warc::Header, Vec<u8>) {
    let h = newsdex_warc::parse_header(record).expect("a header");
    let block = newsdex_warc::content_block(record).expect("a block").to_vec();
    assert_eq!(&record[h.len + block.len()..], b"\r\n\r\n");
    (h, block)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resource_bytes_read_back(block in proptest::collection::vec(any::<u8>(), 0..4096), uri in "[ -~]{0,80}", gzip: bool) {
        let mut w = WarcWriter::new(Vec::new(), gzip);
        let fields = [("WARC-Type", "resource"), ("WARC-Target-URI", uri.as_str()), ("Content-Type", "application/octet-stream")];
        w.write(&fields, &block, Payload::Block).unwrap();
        let out = w.finish().unwrap();
        let plain = if gzip {
            let mut p = Vec::new();
            flate2::read::GzDecoder::new(&out[..]).read_to_end(&mut p).unwrap();
            p
        } else {
            out
        };
        let (h, got) = read_back(&plain);
        prop_assert_eq!(&got, &block);
        prop_assert_eq!(h.get("WARC-Target-URI"), Some(uri.trim()));
        let digest = sha1_digest(&block);
        prop_assert_eq!(h.get("WARC-Block-Digest"), Some(digest.as_str()));
        prop_assert_eq!(h.get("WARC-Payload-Digest"), Some(digest.as_str()));
    }
}
