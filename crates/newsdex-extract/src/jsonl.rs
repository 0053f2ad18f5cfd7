//! One JSON Lines record: an object with the article's fields.
//!
//! Recognised fields (first match wins): `title`/`headline`; `text`/`body`/`content`;
//! `html`; `url`/`link`; `published`/`date`/`published_at`/`pubdate`/`datePublished`;
//! `outlet`/`site_name`/`publisher`/`media_name`; `lang`/`language`; `authors`/`author`/
//! `byline`. Every other field (and any recognised one we could not use) is kept in
//! `extra`, unchanged, so nothing the user gave is lost.

use newsdex_core::{Article, DocId, Reject, SourceFormat, Warning, normalize_lang, parse_date};
use serde_json::{Map, Value};

use crate::repair_text;
use crate::text::collapse_repeats;

const TITLE: &[&str] = &["title", "headline"];
const TEXT: &[&str] = &["text", "body", "content"];
const HTML: &[&str] = &["html"];
const URL: &[&str] = &["url", "link"];
const PUBLISHED: &[&str] = &["published", "date", "published_at", "pubdate", "datePublished"];
const OUTLET: &[&str] = &["outlet", "site_name", "publisher", "media_name"];
const LANG: &[&str] = &["lang", "language"];
const AUTHORS: &[&str] = &["authors", "author", "byline"];

/// Parse one record.
pub fn parse(record: &[u8], id: DocId, warnings: &mut Vec<Warning>) -> Result<Article, Reject> {
    let value: Value = serde_json::from_slice(record).map_err(|e| {
        let what = if e.is_eof() { "truncated JSON" } else { "invalid JSON" };
        Reject::new("bad-json", format!("{what}: {e}"))
    })?;
    let Value::Object(mut obj) = value else {
        return Err(Reject::new("bad-json", "a JSON value that is not an object"));
    };
    let title = take_string(&mut obj, TITLE, warnings);
    let text = take_string(&mut obj, TEXT, warnings);
    let html = take_string(&mut obj, HTML, warnings);
    let url = take_string(&mut obj, URL, warnings);
    let published_raw = take_string(&mut obj, PUBLISHED, warnings);
    let outlet = take_string(&mut obj, OUTLET, warnings);
    let lang_raw = take_string(&mut obj, LANG, warnings);
    let authors = take_authors(&mut obj, warnings);

    let (mut article, from_html) = match (&html, &text) {
        (Some(h), _) if !h.trim().is_empty() => {
            let page = crate::html::extract(h, url.as_deref(), warnings);
            let mut a = page.into_article(id);
            a.format = SourceFormat::Jsonl;
            (a, true)
        }
        _ => {
            let body = text.as_deref().map(|t| repair_text(t, warnings)).unwrap_or_default();
            (crate::blank(id, SourceFormat::Jsonl, String::new(), body), false)
        }
    };
    if let Some(t) = title {
        let mut title_warnings = Vec::new();
        let t = repair_text(&t, &mut title_warnings).replace('\n', " ");
        // The title's decoded references are repairs the user should see too.
        for mut w in title_warnings {
            if w.code == "entities-decoded" || w.code == "escaped-markup-removed" {
                w.message = format!("title: {}", w.message);
                warnings.push(w);
            }
        }
        let (t, copies) = collapse_repeats(&t);
        if copies > 1 {
            warnings.push(Warning::counted(
                "title-repeats-collapsed",
                format!("the title repeated {copies} times; kept once"),
                copies as u64,
            ));
        }
        if !t.is_empty() {
            article.title = t;
        }
    }
    if article.title.is_empty() && article.body.is_empty() {
        return Err(Reject::new(
            "no-text",
            if from_html {
                "the html field has no readable text"
            } else {
                "no `title`, `text` or `html` field with text"
            },
        ));
    }
    if article.title.is_empty() {
        // Headline-less records: the first line of the body stands in, as for plain text.
        article.title = newsdex_core::stand_in_title(&article.body);
        warnings.push(Warning::new(newsdex_core::TITLE_FROM_BODY, "no title given; used the first line of the text"));
    }
    if url.is_some() {
        article.url = url;
    }
    if outlet.is_some() {
        article.outlet = outlet;
    }
    if let Some(p) = published_raw {
        match parse_date(&p) {
            Some(d) => article.published = Some(d),
            None => {
                warnings
                    .push(Warning::new("unparsed-date", format!("published date {p:?} not understood; kept in extra")));
                obj.insert("published_raw".into(), p.into());
            }
        }
    }
    if let Some(l) = lang_raw {
        match normalize_lang(&l) {
            Some(code) => article.lang = Some(code),
            None => {
                warnings
                    .push(Warning::new("bad-lang", format!("language {l:?} is not a language code; detected instead")));
                obj.insert("lang_raw".into(), l.into());
            }
        }
    }
    if !authors.is_empty() {
        article.authors = authors;
    }
    article.extra.extend(obj);
    Ok(article)
}

/// Remove the first present field of `names` from `obj` as a string. Numbers and booleans
/// are written out; arrays and objects are left in place (so they stay in `extra`) with a
/// warning.
fn take_string(obj: &mut Map<String, Value>, names: &[&str], warnings: &mut Vec<Warning>) -> Option<String> {
    let name = names.iter().find(|n| obj.get(**n).is_some_and(|v| !v.is_null()))?;
    match obj.get(*name)? {
        Value::String(_) => obj.remove(*name).and_then(|v| v.as_str().map(str::to_string)),
        Value::Number(n) => {
            let s = n.to_string();
            obj.remove(*name);
            Some(s)
        }
        Value::Bool(b) => {
            let s = b.to_string();
            obj.remove(*name);
            Some(s)
        }
        _ => {
            warnings.push(Warning::new("ignored-field", format!("field `{name}` is not a string; kept in extra")));
            None
        }
    }
}

fn take_authors(obj: &mut Map<String, Value>, warnings: &mut Vec<Warning>) -> Vec<String> {
    let Some(name) = AUTHORS.iter().find(|n| obj.get(**n).is_some_and(|v| !v.is_null())) else {
        return Vec::new();
    };
    match obj.get(*name) {
        Some(Value::String(s)) => {
            let s = s.trim().to_string();
            obj.remove(*name);
            if s.is_empty() { Vec::new() } else { vec![s] }
        }
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            let v = items
                .iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            obj.remove(*name);
            v
        }
        _ => {
            warnings.push(Warning::new(
                "ignored-field",
                format!("field `{name}` is not a name or a list of names; kept in extra"),
            ));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Article, Reject> {
        let mut w = Vec::new();
        let mut a = parse(s.as_bytes(), DocId::of_record(s.as_bytes()), &mut w)?;
        a.warnings = w;
        Ok(a)
    }

    #[test]
    fn fields_and_unknown_fields_are_kept() {
        let a = p(r#"{"id":"reuters-1","title":"BAHIA COCOA REVIEW","text":"Showers continued\nthroughout the week.","published":"26-FEB-1987 15:01:01.79","lang":"en","topics":["cocoa"],"outlet":"Reuters","author":"Staff"}"#).unwrap();
        assert_eq!(a.title, "BAHIA COCOA REVIEW");
        assert_eq!(a.body, "Showers continued\nthroughout the week.");
        assert_eq!(a.published.unwrap().display(), "1987-02-26T15:01:01");
        assert_eq!(a.lang.as_deref(), Some("en"));
        assert_eq!(a.outlet.as_deref(), Some("Reuters"));
        assert_eq!(a.authors, ["Staff"]);
        assert_eq!(serde_json::to_string(&a.extra).unwrap(), r#"{"id":"reuters-1","topics":["cocoa"]}"#);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn html_field_is_extracted_and_given_fields_win() {
        let html = "<html><head><title>Page title</title></head><body><article><p>".to_string()
            + &"Tashkent is the capital of Uzbekistan and its largest city. ".repeat(12)
            + "</p></article></body></html>";
        let rec = serde_json::json!({"html": html, "title": "Given title", "url": "https://example.org/a"}).to_string();
        let a = p(&rec).unwrap();
        assert_eq!(a.title, "Given title");
        assert!(a.body.starts_with("Tashkent is the capital"), "{}", a.body);
        assert_eq!(a.url.as_deref(), Some("https://example.org/a"));
        assert_eq!(a.format, SourceFormat::Jsonl);
    }

    #[test]
    fn bad_records_are_rejected_with_reasons() {
        assert_eq!(
            p("{\"title\": \"x\"").unwrap_err().reason,
            "truncated JSON: EOF while parsing an object at line 1 column 13"
        );
        assert_eq!(p("{title: 1}").unwrap_err().code, "bad-json");
        assert_eq!(p("[1,2]").unwrap_err().reason, "a JSON value that is not an object");
        assert_eq!(p(r#"{"url":"https://x"}"#).unwrap_err().reason, "no `title`, `text` or `html` field with text");
    }

    #[test]
    fn odd_values_warn_and_are_kept() {
        let a =
            p(r#"{"title":{"en":"x"},"text":"Body text here.","published":"last week","lang":"klingon!!"}"#).unwrap();
        assert_eq!(a.title, "Body text here.");
        let codes: Vec<_> = a.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(codes, ["ignored-field", "title-from-body", "unparsed-date", "bad-lang"]);
        assert_eq!(a.extra["published_raw"], "last week");
        assert_eq!(a.extra["title"], serde_json::json!({"en":"x"}));
    }
}
