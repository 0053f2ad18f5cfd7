//! HTML pages: the article's text and metadata, by newsdex's own parser and extractor.
//!
//! * [`dom`]: a fast, forgiving parser into an arena tree (one pass, no recursion,
//!   depth- and size-capped);
//! * [`content`]: readability-style scoring to find the article's container, then a
//!   cleaning walk that keeps paragraphs, headings and list items and drops figures,
//!   captions, link lists, share bars and the like;
//! * [`meta`] and [`dates`]: title, authors, dates, outlet, canonical URL, description,
//!   language and images from JSON-LD, `<meta>`, `<time>`, the URL and the visible text;
//! * [`entities`]: character references.
//!
//! Written here rather than taken from dom_smoothie (the foundation's extractor, a port
//! of Mozilla's Readability over html5ever): on the ScrapingHub benchmark it reached F1
//! 0.950 at 534 pages/s, under the project's goals of 0.96 and 20× trafilatura's speed,
//! and its time went mostly to html5ever's spec-complete tree building, which text
//! extraction does not need. BENCHMARKS.md has the numbers of both.

pub mod content;
pub mod dates;
pub mod dom;
pub mod entities;
pub mod meta;

use newsdex_core::{Article, DocId, Published, SourceFormat, Warning, normalize_lang};

use crate::repair_text;

/// What a page yielded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub site_name: Option<String>,
    /// The registrable domain of the page's address (`bbc.co.uk`).
    pub site: Option<String>,
    pub lang: Option<String>,
    pub published: Option<Published>,
    pub modified: Option<Published>,
    pub authors: Vec<String>,
    pub description: Option<String>,
    pub images: Vec<String>,
}

impl Page {
    pub fn into_article(self, id: DocId) -> Article {
        let mut extra = serde_json::Map::new();
        if let Some(d) = self.description {
            extra.insert("description".into(), d.into());
        }
        if let Some(m) = self.modified {
            extra.insert("modified".into(), m.display().into());
        }
        if let Some(s) = self.site {
            extra.insert("site".into(), s.into());
        }
        if !self.images.is_empty() {
            extra.insert("images".into(), self.images.into());
        }
        Article {
            id,
            format: SourceFormat::Html,
            title: self.title,
            body: self.body,
            url: self.url,
            outlet: self.site_name,
            lang: self.lang,
            published: self.published,
            authors: self.authors,
            extra,
            warnings: Vec::new(),
            removed: Vec::new(),
        }
    }
}

/// Runs of whitespace to one space (newlines kept as one newline), trimmed.
pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Option<char> = None;
    for c in s.chars() {
        if c.is_whitespace() {
            if c == '\n' {
                pending = Some('\n');
            } else if pending.is_none() {
                pending = Some(' ');
            }
        } else {
            if let Some(p) = pending.take()
                && !out.is_empty()
            {
                out.push(p);
            }
            out.push(c);
        }
    }
    out
}

/// Extract the article from `html`. `url` is the page's address when known.
pub fn extract(html: &str, url: Option<&str>, warnings: &mut Vec<Warning>) -> Page {
    let dom = dom::Dom::parse(html);
    if dom.truncated > 0 {
        warnings.push(Warning::new(
            "page-truncated",
            format!(
                "the page has more than {} elements; {} bytes of text after them were not read",
                dom::MAX_NODES,
                dom.truncated
            ),
        ));
    }
    let m = meta::read(&dom, url);
    let (paragraphs, found) = content::article_text(&dom, m.title.as_deref());
    if !found {
        warnings.push(Warning::new("no-main-content", "no main content found; indexed the page's whole text"));
    }
    if let Some(from) = m.published_from
        && matches!(from, "url" | "text")
    {
        warnings.push(Warning::new(
            "date-guessed",
            format!("publication date taken from the {}", if from == "url" { "address" } else { "page's text" }),
        ));
    }
    let body = repair_text(&paragraphs.join("\n\n"), warnings);
    let title = m.title.as_deref().map(|t| repair_text(t, &mut Vec::new()).replace('\n', " ")).unwrap_or_default();
    Page {
        title,
        body,
        url: m.url,
        site_name: m.site_name,
        site: m.site,
        lang: m.lang.as_deref().and_then(normalize_lang),
        published: m.published,
        modified: m.modified,
        authors: m.authors,
        description: m.description,
        images: m.images,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_page() {
        let body = "<p>Uyghurs from the United States, Australia and Europe have become more interested in visiting Uzbekistan, and some are planning to visit Tashkent this summer.</p>".repeat(4);
        let html = format!(
            "<html lang='en-GB'><head><title>Risks of visits - RFA</title>\
             <meta property='og:site_name' content='RFA'>\
             <meta property='article:published_time' content='2024-03-01T10:00:00+06:00'></head>\
             <body><nav><a href='/'>Home</a> <a href='/x'>World</a></nav><article><h1>Risks of visits</h1>{body}\
             <div class='share-bar'><a href='#'>Facebook</a> <a href='#'>Twitter</a></div>\
             <figure><img src='a.jpg'><figcaption>A market in Tashkent.</figcaption></figure></article>\
             <footer>Copyright 2024</footer></body></html>"
        );
        let mut w = Vec::new();
        let p = extract(&html, None, &mut w);
        assert!(p.body.contains("planning to visit Tashkent"), "{}", p.body);
        assert_eq!(p.body.matches("Uyghurs from").count(), 4, "{}", p.body);
        for junk in ["Copyright", "Home", "Facebook", "A market in Tashkent", "Risks of visits"] {
            assert!(!p.body.contains(junk), "{junk} in {}", p.body);
        }
        assert_eq!(p.title, "Risks of visits");
        assert_eq!(p.site_name.as_deref(), Some("RFA"));
        assert_eq!(p.lang.as_deref(), Some("en"));
        assert_eq!(p.published.unwrap().display(), "2024-03-01T10:00:00+06:00");
    }

    #[test]
    fn whitespace() {
        assert_eq!(collapse_ws("  a \t b\n\n c  "), "a b\nc");
    }
}
