//! Article metadata from a page, each field from the most reliable source present:
//!
//! | field | sources, best first |
//! |---|---|
//! | title | `og:title`, JSON-LD `headline`, the first `<h1>`, `<title>`; a site name part (" – RFA", "The Guardian \| ") removed |
//! | authors | JSON-LD `author`, `<meta name=author>` and kin, a byline element (`rel=author`, `itemprop=author`, class "byline"/"author") |
//! | published | JSON-LD `datePublished`, `article:published_time` and kin, `<time datetime>`, the URL, a date written near the top |
//! | modified | JSON-LD `dateModified`, `article:modified_time`, `og:updated_time` |
//! | outlet | JSON-LD `publisher.name` (any nesting, `@graph`, `@id` references), `og:site_name`, JSON-LD `WebSite`, `application-name`, the site part of `<title>`; a name that agrees with the registrable domain wins; handles and addresses are never names; else the registrable domain (see [`crate::outlet`]) |
//! | url | `<link rel=canonical>`, `og:url`, JSON-LD `url`, the given address |
//! | description | `og:description`, `<meta name=description>`, JSON-LD `description` |
//! | language | `<html lang>`, `content-language`, `og:locale`, JSON-LD `inLanguage` |
//! | images | `og:image`, `twitter:image`, JSON-LD `image` |

use std::collections::HashMap;

use newsdex_core::Published;
use serde_json::Value;

use super::dates;
use super::dom::{AttrName, Dom, Tag};
use super::entities;
use crate::outlet;

/// What the page says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub published: Option<Published>,
    /// Where the publication date came from (`json-ld`, `meta`, `time`, `url`, `text`).
    pub published_from: Option<&'static str>,
    pub modified: Option<Published>,
    /// The site's own name for itself, or else its registrable domain.
    pub site_name: Option<String>,
    /// The registrable domain of the page's address (`bbc.co.uk`), archives unwrapped.
    pub site: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub lang: Option<String>,
    pub images: Vec<String>,
}

fn clean(s: &str) -> String {
    super::collapse_ws(&entities::decode(s))
}

/// `<meta>` values by lower-case `name`/`property`/`itemprop`, first one wins.
fn meta_tags(dom: &Dom<'_>) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for id in dom.find_all(Tag::Meta) {
        let Some(content) = dom.attr(id, AttrName::Content) else { continue };
        let content = clean(content);
        if content.is_empty() {
            continue;
        }
        for key in [AttrName::Property, AttrName::Name, AttrName::Itemprop, AttrName::HttpEquiv] {
            if let Some(k) = dom.attr(id, key) {
                m.entry(k.trim().to_ascii_lowercase()).or_insert_with(|| content.clone());
            }
        }
    }
    m
}

/// The JSON-LD objects of the page, flattened (`@graph` and arrays opened).
fn json_ld(dom: &Dom<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for id in dom.find_all(Tag::Script) {
        let Some(text) = dom.children(id).find_map(|c| dom.raw_text(c)) else { continue };
        let text = text.trim().trim_start_matches("<!--").trim_end_matches("-->").trim();
        // Raw line breaks inside strings are invalid JSON that pages ship anyway: outside
        // strings they are white space, inside they become spaces.
        let Ok(v) = serde_json::from_str::<Value>(text)
            .or_else(|_| serde_json::from_str::<Value>(&text.replace(['\n', '\r', '\t'], " ")))
        else {
            continue;
        };
        let mut queue = vec![v];
        while let Some(v) = queue.pop() {
            match v {
                Value::Array(a) => queue.extend(a),
                Value::Object(mut o) => {
                    if let Some(g) = o.remove("@graph") {
                        queue.push(g);
                    }
                    out.push(Value::Object(o));
                }
                _ => {}
            }
        }
    }
    out
}

fn types(v: &Value) -> Vec<String> {
    match &v["@type"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn is_article(v: &Value) -> bool {
    types(v)
        .iter()
        .any(|t| t.ends_with("Article") || matches!(t.as_str(), "BlogPosting" | "Report" | "LiveBlogPosting"))
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(clean(s)).filter(|s| !s.is_empty()),
        Value::Object(o) => o.get("name").or_else(|| o.get("url")).or_else(|| o.get("@id")).and_then(string),
        Value::Array(a) => a.iter().find_map(string),
        _ => None,
    }
}

fn names(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().flat_map(names).collect(),
        Value::Object(o) => o.get("name").and_then(string).into_iter().collect(),
        Value::String(s) => split_authors(&clean(s)),
        _ => Vec::new(),
    }
}

fn urls(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.trim().to_string()],
        Value::Array(a) => a.iter().flat_map(urls).collect(),
        Value::Object(o) => o.get("url").or_else(|| o.get("contentUrl")).map(urls).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// "By Jane Doe and John Roe" → ["Jane Doe", "John Roe"]; URLs and e-mail addresses are
/// not names.
fn split_authors(s: &str) -> Vec<String> {
    let s = s.trim();
    if s.contains("://") || s.starts_with("www.") {
        return Vec::new();
    }
    let lower = s.to_lowercase();
    let s = ["by ", "von ", "par ", "por ", "di ", "door ", "автор: ", "автор "]
        .iter()
        .find(|p| lower.starts_with(**p))
        .map_or(s, |p| &s[p.len()..]);
    s.split([',', ';', '|', '/'])
        .flat_map(|p| {
            p.split(" and ").flat_map(|q| q.split(" & ")).flat_map(|q| q.split(" und ")).flat_map(|q| q.split(" et "))
        })
        .map(|p| p.trim().trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|p| {
            !p.is_empty()
                && p.chars().count() <= 60
                && !p.contains("://")
                && !p.contains('@')
                && p.chars().any(char::is_alphabetic)
                && p.split_whitespace().count() <= 6
        })
        .collect()
}

/// The host of an absolute URL, without `www.`.
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#', ':']).next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty() && host.contains('.')).then_some(host)
}

/// Remove a site name from a page title: " | RFA", "RFA – ", " - The Guardian".
pub fn strip_site(title: &str, site: Option<&str>, host: Option<&str>) -> String {
    // "标题-新华网": a known name glued on with a bare dash or bar.
    if let Some(s) = site.filter(|s| s.chars().count() >= 2) {
        for sep in ["-", "_", "|", "－", "–", "—"] {
            if let Some(head) = title.trim_end().strip_suffix(s).and_then(|h| h.trim_end().strip_suffix(sep)) {
                let head = head.trim();
                if head.chars().count() >= 4 {
                    return head.to_string();
                }
            }
        }
    }
    const SEPS: [&str; 7] = [" | ", " - ", " – ", " — ", " :: ", " » ", " · "];
    for sep in SEPS {
        let parts: Vec<&str> = title.split(sep).collect();
        if parts.len() < 2 {
            continue;
        }
        let norm = |s: &str| s.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect::<String>();
        // A part names the site when it is the site's name or host, or a short phrase
        // holding one ("The Guardian", "RFA News"); a headline that mentions the site
        // ("How we designed Dropbox's ATF") is not.
        let is_site = |p: &str| {
            let n = norm(p);
            let short = p.split_whitespace().count() <= 4;
            !n.is_empty()
                && (site.is_some_and(|s| {
                    let sn = norm(s);
                    !sn.is_empty() && (n == sn || sn.contains(&n) || (short && n.contains(&sn)))
                }) || host.is_some_and(|h| {
                    let hn = norm(h.split('.').next().unwrap_or(h));
                    !hn.is_empty() && (n == hn || (short && n.contains(&hn)))
                }))
        };
        let first = parts[0];
        let last = parts[parts.len() - 1];
        if is_site(last) {
            return parts[..parts.len() - 1].join(sep);
        }
        if is_site(first) {
            return parts[1..].join(sep);
        }
        // No known site name: a short last part after a long title is usually one.
        if parts.len() == 2 && last.split_whitespace().count() <= 3 && first.split_whitespace().count() >= 4 {
            return first.to_string();
        }
    }
    title.to_string()
}

/// The part of a title, split at its separators, that is one of the page's headings:
/// the first part ("Headline | Site"), or a later one longer than the rest ("Site |
/// Headline"); a short last part that is a heading is more often the site's logo.
fn headline_part(title: &str, headings: &[String]) -> Option<String> {
    const SEPS: [&str; 8] = [" | ", " - ", " – ", " — ", " :: ", " » ", " « ", " · "];
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let total = title.chars().count();
    SEPS.iter().filter(|sep| title.contains(*sep)).find_map(|sep| {
        title
            .split(sep)
            .map(str::trim)
            .enumerate()
            .find(|(i, part)| {
                let n = part.chars().count();
                (*i == 0 || n * 2 > total) && headings.iter().any(|h| norm(h) == norm(part))
            })
            .map(|(_, part)| part.to_string())
    })
}

/// Whether `h1`, found inside the title `t`, is its headline rather than the site's
/// name beside it: what is left of the title is shorter than the h1.
fn h1_is_the_headline(t: &str, h1: &str) -> bool {
    let (tl, hl) = (t.to_lowercase(), h1.to_lowercase());
    let rest = tl.replacen(&hl, "", 1);
    let rest = rest.trim_matches(|c: char| c.is_whitespace() || "|-–—:·»_".contains(c));
    rest.chars().count() < hl.chars().count()
}

/// Read the page's metadata. `page_url` is the address it was fetched from, if known.
pub fn read(dom: &Dom<'_>, page_url: Option<&str>) -> Meta {
    let m = meta_tags(dom);
    let get = |keys: &[&str]| keys.iter().find_map(|k| m.get(*k).cloned());
    let ld = json_ld(dom);
    let article = ld.iter().find(|v| is_article(v));
    let ld_any = |key: &str| article.and_then(|a| a.get(key)).or_else(|| ld.iter().find_map(|v| v.get(key)));
    // URL and outlet first: the title's clean-up needs them.
    let url = dom
        .find_all(Tag::Link)
        .find(|&l| dom.attr(l, AttrName::Rel).is_some_and(|r| r.eq_ignore_ascii_case("canonical")))
        .and_then(|l| dom.attr_text(l, AttrName::Href))
        .filter(|u| u.starts_with("http"))
        .or_else(|| get(&["og:url"]).filter(|u| u.starts_with("http")))
        .or_else(|| ld_any("url").and_then(string).filter(|u| u.starts_with("http")))
        .or_else(|| page_url.map(str::to_string));
    let mut meta = Meta { url, ..Meta::default() };
    let host = meta.url.as_deref().and_then(host).or_else(|| page_url.and_then(host));
    let site = meta.url.as_deref().and_then(outlet::site_of).or_else(|| page_url.and_then(outlet::site_of));
    let title_tag = dom.find_all(Tag::Title).next().map(|t| dom.text_of(t)).filter(|t| !t.is_empty());
    let og_title = get(&["og:title", "twitter:title"]);
    meta.site_name = site_name(dom, &m, &ld, article, title_tag.as_deref(), og_title.as_deref(), site.as_deref());
    meta.site = site;

    // Title.
    let h1 = dom.find_all(Tag::H1).map(|h| dom.text_of(h)).find(|t| !t.is_empty());
    // Headings that may be the headline part of a "Headline | Site" title.
    let headings: Vec<String> = dom
        .descendants(0)
        .filter(|&d| matches!(dom.tag(d), Some(Tag::H1 | Tag::H2)))
        .take(12)
        .map(|h| dom.text_of(h))
        .filter(|t| t.chars().count() >= 3)
        .collect();
    let site = meta.site_name.as_deref();
    let strip = |t: String| headline_part(&t, &headings).unwrap_or_else(|| strip_site(&t, site, host.as_deref()));
    meta.title = og_title
        .map(strip)
        .or_else(|| title_tag.clone().map(strip))
        .or_else(|| article.and_then(|a| a.get("headline")).and_then(string))
        .or_else(|| h1.clone());
    // An h1 that the title contains is the cleaner form ("Headline" in "Headline | Site"),
    // unless it is the site's name (a logo in an h1).
    if let (Some(t), Some(h)) = (&meta.title, &h1)
        && t != h
        && h.chars().count() >= 10
        && t.to_lowercase().contains(&h.to_lowercase())
        && strip_site(&format!("x | {h}"), site, host.as_deref()) != "x"
        && h1_is_the_headline(t, h)
    {
        meta.title = Some(h.clone());
    }

    // Authors.
    meta.authors = article.and_then(|a| a.get("author")).map(names).unwrap_or_default();
    if meta.authors.is_empty() {
        meta.authors = get(&[
            "author",
            "article:author",
            "parsely-author",
            "sailthru.author",
            "dc.creator",
            "byl",
            "dcterms.creator",
        ])
        .filter(|a| !a.starts_with("http"))
        .map(|a| split_authors(&a))
        .unwrap_or_default();
    }
    if meta.authors.is_empty() {
        meta.authors = byline(dom);
    }
    meta.authors.dedup();

    // Dates.
    let ld_date = |k: &str| ld_any(k).and_then(Value::as_str).and_then(dates::machine);
    let meta_date = |keys: &[&str]| keys.iter().find_map(|k| m.get(*k).and_then(|v| dates::machine(v)));
    if let Some((p, from)) = dates::published(dom, meta.url.as_deref().or(page_url)) {
        meta.published = Some(p);
        meta.published_from = Some(from);
    }
    meta.modified = ld_date("dateModified").or_else(|| {
        meta_date(&[
            "article:modified_time",
            "og:updated_time",
            "datemodified",
            "last-modified",
            "dc.date.modified",
            "dcterms.modified",
        ])
    });

    meta.description = get(&["og:description", "description", "twitter:description"])
        .or_else(|| ld_any("description").and_then(string));
    meta.lang = dom
        .find_all(Tag::Html)
        .next()
        .and_then(|h| dom.attr_text(h, AttrName::Lang))
        .filter(|l| !l.is_empty())
        .or_else(|| get(&["content-language", "language", "dc.language"]))
        .or_else(|| get(&["og:locale"]).map(|l| l.replace('_', "-")))
        .or_else(|| ld_any("inLanguage").and_then(string));
    let mut images: Vec<String> =
        get(&["og:image", "og:image:url", "twitter:image", "twitter:image:src"]).into_iter().collect();
    if let Some(i) = ld_any("image") {
        images.extend(urls(i));
    }
    images.retain(|u| u.starts_with("http") || u.starts_with("//"));
    images.dedup();
    images.truncate(10);
    meta.images = images;
    meta
}

/// The site's name for itself, best first: JSON-LD `publisher.name` (resolving `@id`
/// references), `og:site_name`, the name of a JSON-LD `WebSite` or news organisation,
/// `application-name`; of these, one that agrees with the registrable domain `site`
/// (see [`outlet::name_agrees`]) wins over the order. A site part of the `<title>`
/// ("Headline | Site", "标题-新华网") is used when it agrees with the domain, or when no
/// metadata names the site and the page repeats the name elsewhere. Without any, the
/// registrable domain. Handles (`twitter:site`, "@taz") are never read.
fn site_name(
    dom: &Dom<'_>,
    m: &HashMap<String, String>,
    ld: &[Value],
    article: Option<&Value>,
    title: Option<&str>,
    og_title: Option<&str>,
    site: Option<&str>,
) -> Option<String> {
    let by_id = |id: &str| ld.iter().find(|v| v.get("@id").and_then(Value::as_str) == Some(id));
    let name_of = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(clean(s)),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(clean).or_else(|| {
                o.get("@id").and_then(Value::as_str).and_then(by_id).and_then(|n| n.get("name")?.as_str().map(clean))
            }),
            Value::Array(a) => a.iter().find_map(|x| match x {
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(clean),
                _ => None,
            }),
            _ => None,
        }
    };
    let mut candidates: Vec<String> = Vec::new();
    let publisher = article
        .and_then(|a| a.get("publisher"))
        .or_else(|| ld.iter().find_map(|v| v.get("publisher")))
        .and_then(name_of);
    candidates.extend(publisher);
    candidates.extend(m.get("og:site_name").cloned());
    for kind in ["WebSite", "NewsMediaOrganization", "Organization"] {
        candidates.extend(
            ld.iter()
                .filter(|v| types(v).iter().any(|t| t == kind))
                .find_map(|v| v.get("name").and_then(Value::as_str))
                .map(clean),
        );
    }
    candidates.extend(m.get("application-name").cloned());
    // A "site name" that is the page's own title is its headline ("Ehezoff der Pochers
    // eskaliert" in og:site_name), unless the site's address says otherwise.
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    candidates.retain(|c| {
        outlet::plausible_name(c)
            && (site.is_some_and(|s| outlet::name_agrees(c, s))
                || !(title.is_some_and(|t| same(t, c)) || og_title.is_some_and(|t| same(t, c))))
    });
    if let Some(site) = site
        && let Some(c) = candidates.iter().find(|c| outlet::name_agrees(c, site))
    {
        return Some(c.clone());
    }
    let parts = title.map(|t| title_site_parts(t, og_title)).unwrap_or_default();
    if let Some(site) = site
        && let Some(p) = parts.iter().find(|p| outlet::name_agrees(p, site))
    {
        return Some(p.clone());
    }
    if let Some(c) = candidates.into_iter().next() {
        return Some(c);
    }
    // A title part the page names itself by elsewhere too (its logo, its footer).
    if let Some(p) = parts.into_iter().find(|p| dom.src.matches(p.as_str()).count() >= 2) {
        return Some(p);
    }
    site.map(str::to_string)
}

/// The short edge parts of a title split at a separator, which may name the site:
/// "Headline | POLITICA | EL COMERCIO PERÚ" → ["EL COMERCIO PERÚ", ...]; "标题-新华网" →
/// ["新华网"]. The part equal to `og_title` (the headline) is not one.
fn title_site_parts(title: &str, og_title: Option<&str>) -> Vec<String> {
    const SEPS: [&str; 14] =
        [" | ", " - ", " – ", " — ", " :: ", " » ", " « ", " › ", " ‹ ", " · ", "|", "-", "_", "－"];
    let mut out = Vec::new();
    for sep in SEPS {
        // Separators without spaces only in titles without spaces around them (CJK).
        if (sep.len() == 1 || sep == "－")
            && title.split_whitespace().count() > 3
            && !title.chars().any(|c| ('\u{3000}'..='\u{9fff}').contains(&c))
        {
            continue;
        }
        let parts: Vec<&str> = title.split(sep).map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.len() < 2 {
            continue;
        }
        for p in [parts[parts.len() - 1], parts[0]] {
            // Site names are shorter than the headline beside them.
            let short = p.split_whitespace().count() <= 5
                && p.chars().count() <= 40
                && p.chars().count() * 2 < title.chars().count();
            if short && og_title.is_none_or(|o| o.trim() != p) && !out.iter().any(|x: &String| x == p) {
                out.push(p.to_string());
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    out.retain(|p| outlet::plausible_name(p));
    out
}

/// A byline element's names.
fn byline(dom: &Dom<'_>) -> Vec<String> {
    for id in 0..dom.nodes.len() as u32 {
        let Some(tag) = dom.tag(id) else { continue };
        if matches!(tag, Tag::Meta | Tag::Link | Tag::Script | Tag::Style) {
            continue;
        }
        let rel = dom.attr(id, AttrName::Rel).is_some_and(|r| r.eq_ignore_ascii_case("author"));
        let prop = dom.attr(id, AttrName::Itemprop).is_some_and(|r| r.eq_ignore_ascii_case("author"));
        let class = dom.attr(id, AttrName::Class).is_some_and(|c| {
            c.split_whitespace().any(|w| {
                let w = w.to_ascii_lowercase();
                matches!(
                    w.as_str(),
                    "byline" | "author" | "author-name" | "byline__name" | "article-author" | "author_name"
                )
            })
        });
        if rel || prop || class {
            // itemprop=author often wraps an itemprop=name.
            let text = dom.text_of(id);
            if text.is_empty() || text.chars().count() > 100 {
                continue;
            }
            let names = split_authors(&text);
            if !names.is_empty() {
                return names;
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names_leave_titles() {
        assert_eq!(
            strip_site("Risks of visits to Central Asia | RFA", Some("RFA"), None),
            "Risks of visits to Central Asia"
        );
        assert_eq!(
            strip_site("The Guardian - Climate talks collapse in Bonn", Some("The Guardian"), None),
            "Climate talks collapse in Bonn"
        );
        assert_eq!(
            strip_site("Doobie Brothers to reunite - cleveland.com", None, Some("cleveland.com")),
            "Doobie Brothers to reunite"
        );
        assert_eq!(
            strip_site("Left - right: a history of politics", None, None),
            "Left - right: a history of politics"
        );
    }

    #[test]
    fn authors_from_bylines() {
        assert_eq!(split_authors("By Jane Doe and John Roe"), ["Jane Doe", "John Roe"]);
        assert_eq!(split_authors("https://facebook.com/someone"), Vec::<String>::new());
        assert_eq!(split_authors("Von Anna Müller, Berlin"), ["Anna Müller", "Berlin"]);
    }

    #[test]
    fn everything_from_a_page() {
        let html = r#"<html lang="en-GB"><head><title>Risks of visits | RFA</title>
            <meta property="og:site_name" content="RFA">
            <link rel="canonical" href="https://www.rfa.org/english/news/uyghur/visits-03012024.html">
            <meta name="description" content="Why visits are risky &amp; how.">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","headline":"Risks of visits","datePublished":"2024-03-01T10:00:00+06:00","author":[{"@type":"Person","name":"Jane Doe"}],"image":{"url":"https://www.rfa.org/a.jpg"}}]}</script>
            </head><body><h1>Risks of visits</h1></body></html>"#;
        let dom = Dom::parse(html);
        let m = read(&dom, None);
        assert_eq!(m.title.as_deref(), Some("Risks of visits"));
        assert_eq!(m.authors, ["Jane Doe"]);
        assert_eq!(m.published.unwrap().display(), "2024-03-01T10:00:00+06:00");
        assert_eq!(m.published_from, Some("json-ld"));
        assert_eq!(m.site_name.as_deref(), Some("RFA"));
        assert_eq!(m.url.as_deref(), Some("https://www.rfa.org/english/news/uyghur/visits-03012024.html"));
        assert_eq!(m.description.as_deref(), Some("Why visits are risky & how."));
        assert_eq!(m.lang.as_deref(), Some("en-GB"));
        assert_eq!(m.images, ["https://www.rfa.org/a.jpg"]);
        // Without JSON-LD or meta, the date comes from the URL, and the outlet is the host.
        let dom = Dom::parse(
            r#"<link rel="canonical" href="https://www.cleveland.com/news/2019/11/19/x.html"><h1>Doobie Brothers to reunite</h1>"#,
        );
        let m = read(&dom, None);
        assert_eq!(m.published.unwrap().display(), "2019-11-19");
        assert_eq!(m.site_name.as_deref(), Some("cleveland.com"));
    }
}
