//! Test data for this crate's unit tests: articles written into a real index.

use newsdex_core::{Article, DocId, SourceFormat};

use crate::{SearchIndex, StoryMap};

/// 70 reports: five publication dates shared by many (ties), nine undated; every seventh
/// joined with the next into a story of two; nine without an outlet (one story of two
/// among them). Ids are what ingest would give.
pub(crate) fn reports() -> (Vec<Article>, StoryMap) {
    let dates = ["2024-03-01", "2023-11-30T23:00:00Z", "2024-03-01", "1987-02-26", "2024-03-02T09:30:00+06:00"];
    let articles: Vec<Article> = (0..70)
        .map(|i| Article {
            id: DocId::of_record(format!("report {i}").as_bytes()),
            format: SourceFormat::Jsonl,
            title: format!("Report {i}"),
            body: format!("Report number {i} on the harvest{}.", " and the harvest".repeat(i % 4)),
            url: None,
            outlet: (i % 10 != 9 && !(63..=64).contains(&i)).then(|| format!("Outlet {}", i % 3)),
            lang: Some("en".into()),
            published: if i % 8 == 5 { None } else { newsdex_core::parse_date(dates[i % dates.len()]) },
            authors: vec![],
            extra: Default::default(),
            warnings: vec![],
            removed: vec![],
        })
        .collect();
    let mut stories = StoryMap::default();
    for i in (0..69).step_by(7) {
        let (a, b) = (articles[i].id.as_u64(), articles[i + 1].id.as_u64());
        stories.insert(a, a);
        stories.insert(b, a);
    }
    (articles, stories)
}

/// An index of `articles` added in that order, in commits of 20 (several segments).
pub(crate) fn index(dir: &std::path::Path, articles: &[Article]) -> SearchIndex {
    let mut index = SearchIndex::open_or_create(dir).unwrap();
    let texts = articles.iter().map(|a| (a.id, a.body.clone())).collect();
    index.set_texts(std::sync::Arc::new(crate::TextsInMemory(texts)));
    let mut w = index.writer(1, 15_000_000).unwrap();
    for (n, chunk) in articles.chunks(20).enumerate() {
        for a in chunk {
            w.add(a, "reports.jsonl", n as u64 + 1).unwrap();
        }
        w.commit(n as u64 + 1).unwrap();
    }
    w.wait_merging_threads().unwrap();
    index.reload().unwrap();
    index
}
