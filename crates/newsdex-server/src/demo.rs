//! The bundled demo corpus: Wikinews articles in English, Chinese and Japanese (CC BY 2.5),
//! Wikipedia "In the news" blurbs in 54 languages, all dated (CC BY-SA 3.0; see
//! `demo/README.md`) and the two seed articles, compiled into the binary so that
//! `newsdex serve --demo` works from a fresh clone with no other files.

use newsdex_engine::{Engine, IngestOptions, IngestReport, Result};

/// (name recorded as the source, bytes).
pub const FILES: &[(&str, &[u8])] = &[
    ("demo/wikinews-en.jsonl.zst", include_bytes!("../../../demo/wikinews-en.jsonl.zst")),
    ("demo/wikinews-zh.jsonl.zst", include_bytes!("../../../demo/wikinews-zh.jsonl.zst")),
    ("demo/wikinews-ja.jsonl.zst", include_bytes!("../../../demo/wikinews-ja.jsonl.zst")),
    ("demo/itn-wikipedia.jsonl.zst", include_bytes!("../../../demo/itn-wikipedia.jsonl.zst")),
    ("demo/seeds/000_0a7d4e7fb2c47564.txt", include_bytes!("../../../testdata/seeds/000_0a7d4e7fb2c47564.txt")),
    ("demo/seeds/004_28fc068abbfc2ab4.txt", include_bytes!("../../../testdata/seeds/004_28fc068abbfc2ab4.txt")),
];

/// Ingest the demo corpus (idempotent: a second run adds nothing).
pub fn ingest(engine: &mut Engine) -> Result<IngestReport> {
    let mut total = IngestReport::default();
    for (name, bytes) in FILES {
        total.absorb(engine.ingest_bytes(name, bytes, &IngestOptions::default(), &mut |_| {})?);
    }
    Ok(total)
}
