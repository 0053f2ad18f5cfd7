//! The "tantivy alone" baseline: the same documents and queries through tantivy with its
//! own defaults (default tokenizer, `QueryParser` with conjunction by default and the
//! title boosted ×2, top 10 by BM25, stored titles fetched, facets by a terms
//! aggregation and a 30-day date histogram; its parser has no single-word prefix, so
//! `word*` queries are refused and counted). What newsdex costs beyond it is what its
//! own work costs: the raw store, SQLite, language detection and clean-up at ingest;
//! parsing, CJK-aware analysis, snippets and calendar-month facets at query time.
//!
//! This is the one place outside `newsdex-index` that names tantivy, because measuring
//! tantivy without newsdex is its purpose.

use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use newsdex_query::{DefaultOp, Field as QField, Node, Occur};
use serde::Serialize;
use tantivy::aggregation::AggregationCollector;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use tantivy::schema::{FAST, Field, INDEXED, STORED, STRING, Schema, TEXT, Value};
use tantivy::{DateTime, Index, IndexReader, TantivyDocument, doc};

/// An index of the corpus in plain tantivy.
pub struct Plain {
    reader: IndexReader,
    title: Field,
    parser: QueryParser,
}

/// Values for records that name none.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub lang: Option<String>,
    pub outlet: Option<String>,
}

/// Ingest figures.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    pub docs: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub docs_per_s: f64,
    pub mb_per_s: f64,
    pub index_bytes: u64,
}

impl Plain {
    /// Index the JSON Lines file `input` (fields `title`, `text`, `lang`, `outlet`,
    /// `published`) into `dir`.
    pub fn build(input: &Path, defaults: &Defaults, dir: &Path) -> anyhow::Result<(Plain, Built)> {
        let mut sb = Schema::builder();
        let title = sb.add_text_field("title", TEXT | STORED);
        let body = sb.add_text_field("body", TEXT);
        let lang = sb.add_text_field("lang", STRING | FAST);
        let outlet = sb.add_text_field("outlet", STRING | FAST);
        let published = sb.add_date_field("published", INDEXED | FAST);
        let schema = sb.build();
        std::fs::create_dir_all(dir)?;
        let index = Index::create_in_dir(dir, schema)?;
        let started = Instant::now();
        let mut writer = index.writer::<TantivyDocument>(256 << 20)?;
        let file = std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
        let (mut docs, mut bytes) = (0u64, 0u64);
        for line in std::io::BufReader::with_capacity(1 << 20, file).lines() {
            let line = line?;
            bytes += line.len() as u64 + 1;
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let text = if v["text"].is_string() { s("text") } else { s("body") };
            if text.is_empty() && s("title").is_empty() {
                continue;
            }
            let mut d = doc!(title => s("title"), body => text);
            if let Some(l) = v["lang"].as_str().or(defaults.lang.as_deref()) {
                d.add_text(lang, l);
            }
            if let Some(o) = v["outlet"].as_str().or(defaults.outlet.as_deref()) {
                d.add_text(outlet, o);
            }
            if let Some(p) = v["published"].as_str().and_then(newsdex_core::parse_date) {
                d.add_date(published, DateTime::from_timestamp_secs(p.timestamp()));
            }
            writer.add_document(d)?;
            docs += 1;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let seconds = started.elapsed().as_secs_f64();
        let reader = index.reader()?;
        let mut parser = QueryParser::for_index(&index, vec![title, body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(title, 2.0);
        let built = Built {
            docs,
            bytes,
            seconds,
            docs_per_s: docs as f64 / seconds,
            mb_per_s: bytes as f64 / 1e6 / seconds,
            index_bytes: crate::measure::dir_size(dir),
        };
        Ok((Plain { reader, title, parser }, built))
    }

    /// Top 10 with stored titles, and (if `facets`) counts by language, outlet and 30-day
    /// bucket. `false` if tantivy's parser refuses the translated query.
    pub fn search(&self, query: &str, facets: bool) -> bool {
        let Some(q) = to_tantivy_syntax(query) else { return false };
        let Ok(q) = self.parser.parse_query(&q) else { return false };
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(10).order_by_score();
        let hits = if facets {
            let Ok((_, hits, aggs)) = searcher.search(&q, &(Count, top, facet_collector())) else { return false };
            std::hint::black_box(aggs);
            hits
        } else {
            let Ok((_, hits)) = searcher.search(&q, &(Count, top)) else { return false };
            hits
        };
        for (_, addr) in hits {
            let Ok(d) = searcher.doc::<TantivyDocument>(addr) else { return false };
            std::hint::black_box(d.get_first(self.title).and_then(|v| v.as_str()).map(str::len));
        }
        true
    }
}

fn facet_collector() -> AggregationCollector {
    let req: Aggregations = serde_json::from_value(serde_json::json!({
        "lang": { "terms": { "field": "lang", "size": 100 } },
        "outlet": { "terms": { "field": "outlet", "size": 50 } },
        "month": { "date_histogram": { "field": "published", "fixed_interval": "30d" } },
    }))
    .expect("a valid aggregation request");
    AggregationCollector::from_aggs(req, Default::default())
}

/// The newsdex query in tantivy `QueryParser` syntax (`None` for what it cannot say).
pub fn to_tantivy_syntax(query: &str) -> Option<String> {
    let q = newsdex_query::parse(query, DefaultOp::And).ok()?;
    print(&q.root)
}

fn field_prefix(f: Option<QField>) -> Option<&'static str> {
    match f {
        None => Some(""),
        Some(QField::Title) => Some("title:"),
        Some(QField::Body) => Some("body:"),
        Some(QField::Lang) => Some("lang:"),
        Some(QField::Outlet) => Some("outlet:"),
        Some(_) => None,
    }
}

fn print(n: &Node) -> Option<String> {
    Some(match n {
        Node::All => "*".into(),
        Node::Term { field, text, .. } => format!("{}\"{}\"", field_prefix(*field)?, text.replace('"', "")),
        Node::Phrase { field, text, slop, .. } => {
            let s = if *slop > 0 { format!("~{slop}") } else { String::new() };
            format!("{}\"{}\"{s}", field_prefix(*field)?, text.replace('"', ""))
        }
        // tantivy's parser takes `*` only after a phrase of two or more words; `word*`
        // would silently search the word itself, so it is refused (and counted).
        Node::Prefix { .. } => return None,
        Node::DateRange(r) => {
            let lo = r.start.map_or("*".to_string(), crate::synth::rfc3339);
            let hi = r.end.map_or("*".to_string(), crate::synth::rfc3339);
            format!("published:[{lo} TO {hi}}}")
        }
        Node::Bool(cs) => {
            if cs.iter().all(|(o, _)| *o == Occur::Should) {
                let parts: Option<Vec<String>> = cs.iter().map(|(_, c)| print(c)).collect();
                format!("({})", parts?.join(" OR "))
            } else {
                let mut parts = Vec::new();
                for (o, c) in cs {
                    let sign = match o {
                        Occur::Must => "+",
                        Occur::MustNot => "-",
                        Occur::Should => "",
                    };
                    parts.push(format!("{sign}{}", print(c)?));
                }
                format!("({})", parts.join(" "))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translations_of_the_query_log_shapes() {
        let t = |q: &str| to_tantivy_syntax(q).unwrap();
        assert_eq!(t("cocoa"), "\"cocoa\"");
        assert_eq!(t("cocoa prices"), "(+\"cocoa\" +\"prices\")");
        assert_eq!(t("a OR b"), "(\"a\" OR \"b\")");
        assert_eq!(t("congress -put"), "(+\"congress\" -\"put\")");
        assert_eq!(t("title:bond"), "title:\"bond\"");
        assert_eq!(t("\"traders say\""), "\"traders say\"");
        assert_eq!(to_tantivy_syntax("decla*"), None);
        assert_eq!(t("oil published:1987-03"), "(+\"oil\" +published:[1987-03-01T00:00:00Z TO 1987-04-01T00:00:00Z})");
    }

    #[test]
    fn tantivy_parses_and_runs_them() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(
            &input,
            concat!(
                r#"{"title":"Cocoa review","text":"Showers continued in the Bahia cocoa zone.","published":"1987-03-02T10:00:00Z","outlet":"Reuters","lang":"en"}"#,
                "\n",
                r#"{"title":"Oil prices","text":"OPEC output declined.","published":"1987-04-02"}"#,
                "\n"
            ),
        )
        .unwrap();
        let (p, built) = Plain::build(&input, &Defaults::default(), &dir.path().join("idx")).unwrap();
        assert_eq!(built.docs, 2);
        for q in ["cocoa", "cocoa published:1987-03", "\"cocoa zone\"", "oil OR cocoa", "opec -cocoa", "title:oil"] {
            assert!(p.search(q, true), "{q}");
        }
        assert!(!p.search("coc*", true), "prefixes are refused, not run wrongly");
        let count = |q: &str| {
            let parsed = p.parser.parse_query(&to_tantivy_syntax(q).unwrap()).unwrap();
            p.reader.searcher().search(&parsed, &Count).unwrap()
        };
        assert_eq!(count("cocoa published:1987-03"), 1);
        assert_eq!(count("cocoa published:1987-04"), 0);
        assert_eq!(count("oil OR cocoa"), 2);
    }
}
