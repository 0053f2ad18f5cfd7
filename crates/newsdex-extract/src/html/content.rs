//! Finding the article's text in a page: a readability-style scoring over [`Dom`], a
//! climb that joins an article split into columns or cards, then a cleaning walk that
//! keeps the article's paragraphs and headings and drops what news pages wrap them in.
//!
//! 1. **Statistics**, bottom-up over the tree: each element's text length, the part of
//!    it inside links, its commas, and its *good* text (text outside links in blocks of
//!    40 characters or more that are under a third links). Subtrees that are never
//!    content count as empty: scripts, navigation, hidden elements, hover cards inside
//!    running text, galleries, and elements whose class or id says comments, share,
//!    related, newsletter… (unless they hold 30% of the page, as layout classes such as
//!    `container penci_sidebar` or an ASP.NET page's all-enclosing `<form>` do).
//! 2. **Scoring**: every paragraph-like element (`p`, `pre`, `td`, `blockquote`, or a
//!    `div`/`section`/`article`/`li` holding text itself) with 25 or more characters
//!    gives its parent `1 + commas + min(length/100, 3)`, its grandparent half, its
//!    great-grandparent a third. A container starts from a weight for its tag and for the
//!    words of its class and id (split at hyphens, underscores and camel-case humps, so
//!    `articleBody` says "article" and "body"); its final score is scaled by the share of
//!    its text that is not links. When no container scores 20, the block with the most
//!    good text of its own is taken (a short article between `<br>`s).
//! 3. **Climbing**: to the highest ancestor up to which at least half of the added text
//!    is paragraphs of the same kind as the container's own (same tag, class and parent
//!    class): the other columns of an article split around ad slots, cards of one story.
//!    Teasers and furniture are of another kind and stop the climb. Then the siblings that
//!    score well and read as paragraphs are added.
//! 4. **Text**: the chosen elements' paragraphs, headings and list items, skipping the
//!    title (`h1`), figures and captions, link-heavy blocks (related links, tag lists),
//!    ruby readings (`rt`), and the unlikely elements of step 1.
//!
//! When nothing stands out (a page of short items), the whole body's cleaned text is used.

use super::dom::{AttrName, Dom, Kind, NONE, Tag};
use super::entities;

/// Class and id words that mark what is never the article, whatever else they say.
const NEVER: &[&str] = &[
    "comment",
    "disqus",
    "share",
    "sharing",
    "sharer",
    "social",
    "related",
    "recommend",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "sidebar",
    "sidebars",
    "footer",
    "nav",
    "navbar",
    "navigation",
    "menu",
    "breadcrumb",
    "breadcrumbs",
    "cookie",
    "cookies",
    "popup",
    "modal",
    "promo",
    "advert",
    "advertisement",
    "advertising",
    "sponsor",
    "sponsored",
    "outbrain",
    "taboola",
    "trending",
    "popular",
    "mostread",
    "most-read",
    "pagination",
    "pager",
    "toolbar",
    "masthead",
    "banner",
    "skip",
    "jump",
    "login",
    "donate",
    "follow",
    "rating",
    "reactions",
    "tweet",
    "facebook",
    "whatsapp",
    "pinterest",
    "next",
    "prev",
    "previous",
    "nextprev",
    "prevnext",
];
/// Class values (whole, or their last hyphenated part) that name a gallery: photo
/// captions in bulk, never the article however much text they hold.
const GALLERY: &[&str] = &["gallery", "slideshow", "carousel", "legends", "lightbox", "slider"];
/// Words that mark what is probably not the article (bylines, captions, tag lists),
/// unless a positive word says it is.
const UNLIKELY: &[&str] = &[
    "meta",
    "header",
    "author",
    "byline",
    "caption",
    "credit",
    "credits",
    "tags",
    "tag",
    "topics",
    "keywords",
    "print",
    "hidden",
    "gallery",
    "slideshow",
    "lightbox",
    "video",
    "timestamp",
    "date",
    "dateline",
    "ad",
    "ads",
    "bio",
    "about",
    "inline-related",
    "newsletter-signup",
    "image",
    "images",
    "img",
    "photo",
    "photos",
    "picture",
    "media",
    "figure",
    "thumb",
    "thumbnail",
];
/// Words that mark a layout that holds the article's paragraphs as often as it holds
/// teasers: unlikely, unless what they hold reads as paragraphs.
const WEAK: &[&str] = &[
    "more",
    "also",
    "aside",
    "extra",
    "supplemental",
    "complementary",
    "teaser",
    "teasers",
    "card",
    "cards",
    "list",
    "listing",
    "feed",
    "hero",
    "top",
    "widget",
    "widgets",
    "recent",
];
/// Words that mark the article.
const LIKELY: &[&str] = &[
    "article",
    "articles",
    "body",
    "content",
    "contents",
    "entry",
    "main",
    "page",
    "post",
    "text",
    "blog",
    "story",
    "prose",
    "richtext",
    "paragraph",
    "paragraphs",
    "copy",
    "news",
    "detail",
    "details",
    "single",
    "td-post",
];

/// Tags whose subtrees are never article text.
fn junk(tag: Tag) -> bool {
    use Tag::*;
    matches!(
        tag,
        Head | Script
            | Style
            | Noscript
            | Template
            | Svg
            | Math
            | Iframe
            | Select
            | Option
            | Optgroup
            | Button
            | Textarea
            | Input
            | Canvas
            | Object
            | Embed
            | Video
            | Audio
            | Nav
            | Label
            | Dialog
            | Menu
            | Rt
            | Rp
    )
}

/// Which of the word lists `w` (any case) is in: a bit set of [`NEVER_BIT`] and the others.
fn word_flags(w: &str) -> u8 {
    let mut buf = [0u8; 32];
    if w.len() > buf.len() || w.is_empty() {
        return 0;
    }
    for (b, c) in buf.iter_mut().zip(w.bytes()) {
        *b = c.to_ascii_lowercase();
    }
    let lw = &buf[..w.len()];
    // "commentlist", "comments-area", "commentsBlock"; "commentary" is an opinion piece.
    if lw.starts_with(b"comment") && lw != b"commentary" {
        return NEVER_BIT;
    }
    let table = word_table();
    let mut slot = fnv(lw) as usize & (table.len() - 1);
    // Open addressing, linear probing; an empty slot ends the search.
    loop {
        match table[slot] {
            (Some(k), bits) if k.as_bytes() == lw => return bits,
            (Some(_), _) => slot = (slot + 1) & (table.len() - 1),
            (None, _) => return 0,
        }
    }
}

fn fnv(b: &[u8]) -> u32 {
    b.iter().fold(0x811c_9dc5u32, |h, &c| (h ^ u32::from(c)).wrapping_mul(0x0100_0193))
}

/// All the list words in a hash table (a few hundred slots, a quarter full), built once:
/// class attributes are many and long on today's pages, and most of their words are in
/// no list, so a miss must be cheap.
fn word_table() -> &'static [(Option<&'static str>, u8)] {
    static TABLE: std::sync::OnceLock<Vec<(Option<&'static str>, u8)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(Option<&'static str>, u8)> = vec![(None, 0); 1024];
        for (list, bit) in [(NEVER, NEVER_BIT), (UNLIKELY, UNLIKELY_BIT), (WEAK, WEAK_BIT), (LIKELY, LIKELY_BIT)] {
            for w in list {
                let mut slot = fnv(w.as_bytes()) as usize & 1023;
                loop {
                    match &mut t[slot] {
                        (Some(k), bits) if k == w => {
                            *bits |= bit;
                            break;
                        }
                        (Some(_), _) => slot = (slot + 1) & 1023,
                        e @ (None, _) => {
                            *e = (Some(w), bit);
                            break;
                        }
                    }
                }
            }
        }
        t
    })
}
const NEVER_BIT: u8 = 1;
const UNLIKELY_BIT: u8 = 2;
const WEAK_BIT: u8 = 4;
const LIKELY_BIT: u8 = 8;

/// The lists that the words of a class or id value are in: each whitespace- or
/// underscore-separated token whole, and its parts split at hyphens and at camel-case
/// humps (`articleBody` → `article`, `body`).
fn flags(v: &str) -> u8 {
    let mut f = 0;
    for token in v.split(|c: char| c.is_ascii_whitespace() || c == '_').filter(|w| !w.is_empty()) {
        f |= word_flags(token);
        let b = token.as_bytes();
        let mut start = 0;
        let mut parts = 0;
        let mut part_flags = 0;
        for i in 0..=b.len() {
            let boundary = i == b.len()
                || b[i] == b'-'
                || (i > 0 && b[i].is_ascii_uppercase() && (b[i - 1].is_ascii_lowercase() || b[i - 1].is_ascii_digit()));
            if boundary {
                if i > start {
                    parts += 1;
                    part_flags |= word_flags(&token[start..i]);
                }
                start = if i < b.len() && b[i] == b'-' { i + 1 } else { i };
            }
        }
        if parts > 1 {
            f |= part_flags;
        }
    }
    f
}

/// How an element's class and id speak of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Never,
    /// Never, whatever its size.
    Gallery,
    Unlikely,
    Weak,
    Likely,
    Neutral,
}

fn verdict(dom: &Dom<'_>, id: u32) -> Verdict {
    let class = dom.attr(id, AttrName::Class).unwrap_or("");
    let ident = dom.attr(id, AttrName::Id).unwrap_or("");
    let role = dom.attr(id, AttrName::Role).unwrap_or("");
    if matches!(
        role.to_ascii_lowercase().as_str(),
        "navigation" | "complementary" | "contentinfo" | "banner" | "menu" | "menubar" | "dialog" | "alert" | "search"
    ) {
        return Verdict::Never;
    }
    if class.is_empty() && ident.is_empty() {
        return Verdict::Neutral;
    }
    // `photo-gallery`, `full-gallery`; not a state or taxonomy class
    // (`penci-enable-lightbox`, `category-slider`, `has-gallery`).
    let gallery = class.split_ascii_whitespace().chain(std::iter::once(ident)).any(|v| {
        let mut parts = v.split(['-', '_']);
        let last = parts.next_back().unwrap_or("");
        GALLERY.iter().any(|g| g.eq_ignore_ascii_case(last))
            && !parts.any(|p| {
                ["category", "tag", "tags", "has", "with", "is", "enable", "enabled", "format", "no", "post", "type"]
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(p))
            })
    });
    if gallery {
        return Verdict::Gallery;
    }
    let f = flags(class) | flags(ident);
    if f & NEVER_BIT != 0 {
        return Verdict::Never;
    }
    let likely = f & LIKELY_BIT != 0;
    if f & UNLIKELY_BIT != 0 && !likely {
        return Verdict::Unlikely;
    }
    if f & WEAK_BIT != 0 && !likely {
        return Verdict::Weak;
    }
    if likely { Verdict::Likely } else { Verdict::Neutral }
}

fn hidden(dom: &Dom<'_>, id: u32) -> bool {
    if dom.attr(id, AttrName::Hidden).is_some() {
        return true;
    }
    if dom.attr(id, AttrName::AriaHidden).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return true;
    }
    dom.attr(id, AttrName::Style).is_some_and(|s| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Per-node figures, indexed by node id.
struct Stats {
    text: Vec<u32>,
    links: Vec<u32>,
    commas: Vec<u16>,
    /// Text in paragraph-like blocks: blocks of 40 characters or more, under a third
    /// links, counting the text outside links.
    good: Vec<u32>,
    /// For text nodes: the nearest block element holding them.
    block: Vec<u32>,
    /// The node is in a subtree that is never content.
    skipped: Vec<bool>,
    verdict: Vec<Verdict>,
}

/// Characters of text, whitespace runs counting one, and its commas.
fn measure(raw: &str) -> (u32, u16) {
    let mut n = 0u32;
    let mut commas = 0u16;
    let mut space = true;
    if raw.is_ascii() {
        for &b in raw.as_bytes() {
            if b.is_ascii_whitespace() {
                n += u32::from(!space);
                space = true;
            } else {
                n += 1;
                space = false;
                commas = commas.saturating_add(u16::from(b == b','));
            }
        }
        return (n, commas);
    }
    for c in raw.chars() {
        if c.is_whitespace() {
            if !space {
                n += 1;
            }
            space = true;
        } else {
            n += 1;
            space = false;
            if matches!(c, ',' | '，' | '、' | '،') {
                commas = commas.saturating_add(1);
            }
        }
    }
    (n, commas)
}

/// Sum text, link text and commas bottom-up over the nodes not in `skipped` subtrees.
fn sums(dom: &Dom<'_>, s: &mut Stats) {
    s.text.iter_mut().for_each(|v| *v = 0);
    s.links.iter_mut().for_each(|v| *v = 0);
    s.commas.iter_mut().for_each(|v| *v = 0);
    let mut order = Vec::with_capacity(dom.nodes.len());
    let mut it = dom.descendants(0);
    while let Some(id) = it.next() {
        if s.skipped[id as usize] {
            it.skip_subtree(id);
            continue;
        }
        order.push(id);
    }
    for &id in order.iter().rev() {
        let i = id as usize;
        if let Some(t) = dom.raw_text(id) {
            let (n, c) = measure(t);
            s.text[i] = n;
            s.commas[i] = c;
        }
        if dom.tag(id) == Some(Tag::A) {
            s.links[i] = s.text[i];
        }
        let p = dom.node(id).parent;
        if p != NONE {
            s.text[p as usize] += s.text[i];
            s.links[p as usize] += s.links[i];
            s.commas[p as usize] = s.commas[p as usize].saturating_add(s.commas[i]);
        }
    }
}

/// Per-node figures. Subtrees that are never content are skipped: junk tags and hidden
/// elements always; elements whose class or id says comments/share/sidebar/… unless
/// they hold a large part of the page's text (then the words describe a layout, as in
/// `class="container penci_sidebar"` around the article, not a sidebar).
fn stats(dom: &Dom<'_>) -> Stats {
    let len = dom.nodes.len();
    let mut s = Stats {
        text: vec![0; len],
        links: vec![0; len],
        commas: vec![0; len],
        good: vec![0; len],
        block: Vec::new(),
        skipped: vec![false; len],
        verdict: vec![Verdict::Neutral; len],
    };
    for id in 0..len as u32 {
        if let Some(tag) = dom.tag(id) {
            s.verdict[id as usize] = verdict(dom, id);
            if junk(tag) || hidden(dom, id) {
                s.skipped[id as usize] = true;
            }
        }
    }
    sums(dom, &mut s);
    let page = s.text[0].max(1);
    let mut changed = false;
    for id in 0..len as u32 {
        let i = id as usize;
        // A form is search boxes and sign-ups, unless it wraps the page (ASP.NET pages put
        // the whole body in one).
        let never = s.verdict[i] == Verdict::Never || dom.tag(id) == Some(Tag::Form);
        if s.skipped[i] || matches!(dom.tag(id), Some(Tag::Body | Tag::Html)) {
            continue;
        }
        if popup(dom, &s, id) || s.verdict[i] == Verdict::Gallery {
            s.skipped[i] = true;
            changed = true;
            continue;
        }
        if !never {
            continue;
        }
        if (s.text[i] as f32) < 0.3 * page as f32 {
            s.skipped[i] = true;
            changed = true;
        } else {
            s.verdict[i] = Verdict::Neutral;
        }
    }
    if changed {
        sums(dom, &mut s);
    }
    good_text(dom, &mut s);
    s
}

/// Fill [`Stats::good`]: each text node outside links counts as good when its nearest
/// block ancestor is paragraph-like (40 characters or more, under a third links).
fn good_text(dom: &Dom<'_>, s: &mut Stats) {
    let len = dom.nodes.len();
    // Nearest block ancestor and whether a link is on the way, per node, top-down.
    let mut block = vec![NONE; len];
    let mut in_link = vec![false; len];
    let mut order = Vec::with_capacity(len);
    let mut it = dom.descendants(0);
    while let Some(id) = it.next() {
        let i = id as usize;
        if s.skipped[i] {
            it.skip_subtree(id);
            continue;
        }
        order.push(id);
        let p = dom.node(id).parent;
        let (pb, pl) = if p == NONE { (NONE, false) } else { (block[p as usize], in_link[p as usize]) };
        match dom.tag(id) {
            Some(t) if t.is_block() => {
                block[i] = id;
                in_link[i] = pl;
            }
            Some(Tag::A) => {
                block[i] = pb;
                in_link[i] = true;
            }
            _ => {
                block[i] = pb;
                in_link[i] = pl;
            }
        }
    }
    for &id in order.iter().rev() {
        let i = id as usize;
        if dom.tag(id).is_none() && !in_link[i] {
            let b = block[i];
            if b != NONE && s.text[b as usize] >= 40 && link_density(s, b) < 0.34 {
                s.good[i] = s.text[i];
            }
        }
        let p = dom.node(id).parent;
        if p != NONE {
            s.good[p as usize] += s.good[i];
        }
    }
    s.block = block;
}

/// A hover card inside running text: an inline element holding mostly links, with
/// an image or several links (a person's latest stories beside their name). When a
/// card sits in another (the name's link and its card, wrapped together), only the
/// inner one is the card.
fn popup(dom: &Dom<'_>, s: &Stats, id: u32) -> bool {
    looks_like_card(dom, s, id) && !dom.children(id).any(|c| looks_like_card(dom, s, c))
}

fn looks_like_card(dom: &Dom<'_>, s: &Stats, id: u32) -> bool {
    let i = id as usize;
    if !matches!(dom.tag(id), Some(Tag::Span)) || s.text[i] < 100 || link_density(s, id) < 0.6 {
        return false;
    }
    let mut links = 0;
    // A bounded look: nested spans must not make this quadratic.
    for d in dom.descendants(id).take(200) {
        match dom.tag(d) {
            Some(Tag::Img) => return true,
            Some(Tag::A) => links += 1,
            _ => {}
        }
    }
    links >= 3
}

fn link_density(s: &Stats, id: u32) -> f32 {
    let t = s.text[id as usize];
    if t == 0 { 0.0 } else { s.links[id as usize] as f32 / t as f32 }
}

fn tag_weight(tag: Tag) -> f32 {
    use Tag::*;
    match tag {
        Article => 10.0,
        Div | Main => 5.0,
        Section | Pre | Td | Blockquote => 3.0,
        Address | Ol | Ul | Dl | Dd | Dt | Li | Form => -3.0,
        H1 | H2 | H3 | H4 | H5 | H6 | Th | Header | Footer | Aside => -5.0,
        _ => 0.0,
    }
}

fn class_weight(v: Verdict) -> f32 {
    match v {
        Verdict::Likely => 25.0,
        Verdict::Unlikely | Verdict::Weak => -25.0,
        Verdict::Never | Verdict::Gallery => -50.0,
        Verdict::Neutral => 0.0,
    }
}

/// Length of the text directly inside `id` (not in child elements other than inline ones).
fn own_text(dom: &Dom<'_>, s: &Stats, id: u32) -> u32 {
    dom.children(id)
        .filter(|&c| !s.skipped[c as usize])
        .map(|c| match dom.tag(c) {
            None => s.text[c as usize],
            Some(t) if !t.is_block() => s.text[c as usize],
            _ => 0,
        })
        .sum()
}

/// Scores of the containers, best first, for explaining a choice: (node, final score,
/// description).
pub fn explain(dom: &Dom<'_>, n: usize) -> Vec<(u32, f32, String)> {
    let s = stats(dom);
    let score = scores(dom, &s);
    let mut v: Vec<(u32, f32)> = (0..dom.nodes.len() as u32)
        .filter(|&i| !score[i as usize].is_nan())
        .map(|i| (i, score[i as usize] * (1.0 - link_density(&s, i))))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.into_iter()
        .take(n)
        .map(|(i, f)| {
            let d = format!(
                "{:?} class={:?} id={:?} text={} links={:.2} verdict={:?} parent={}",
                dom.tag(i),
                dom.attr(i, AttrName::Class).unwrap_or(""),
                dom.attr(i, AttrName::Id).unwrap_or(""),
                s.text[i as usize],
                link_density(&s, i),
                s.verdict[i as usize],
                dom.node(i).parent
            );
            (i, f, d)
        })
        .collect()
}

/// Raw container scores (NaN: not a container).
fn scores(dom: &Dom<'_>, s: &Stats) -> Vec<f32> {
    let len = dom.nodes.len();
    let mut score = vec![f32::NAN; len];
    let init = |score: &mut [f32], id: u32| {
        let i = id as usize;
        if score[i].is_nan() {
            let tag = dom.tag(id).unwrap_or(Tag::Other);
            score[i] = tag_weight(tag) + class_weight(s.verdict[i]);
        }
    };
    for id in 0..len as u32 {
        let i = id as usize;
        if s.skipped[i] {
            continue;
        }
        let Some(tag) = dom.tag(id) else { continue };
        let paragraph = match tag {
            Tag::P | Tag::Pre | Tag::Td | Tag::Blockquote => true,
            Tag::Div | Tag::Section | Tag::Article | Tag::Li | Tag::Dd => own_text(dom, s, id) >= 25,
            _ => false,
        };
        if !paragraph || s.text[i] < 25 || matches!(s.verdict[i], Verdict::Unlikely | Verdict::Weak) {
            continue;
        }
        let add = 1.0 + f32::from(s.commas[i]) + (s.text[i] as f32 / 100.0).min(3.0);
        let mut anc = dom.node(id).parent;
        let mut level = 0;
        while anc != NONE && anc != 0 && level < 3 {
            if dom.tag(anc).is_some_and(|t| matches!(t, Tag::Html)) {
                break;
            }
            init(&mut score, anc);
            let share = match level {
                0 => 1.0,
                1 => 0.5,
                _ => 1.0 / (level as f32 * 3.0),
            };
            score[anc as usize] += add * share;
            anc = dom.node(anc).parent;
            level += 1;
        }
    }
    score
}

/// A paragraph's kind: its tag and class, and its parent's class.
type Signature<'a> = (Tag, &'a str, &'a str);

/// Good text (outside links) per kind of paragraph in the subtree of `root`, leaving
/// out the subtree of `except`.
fn signatures<'a>(dom: &Dom<'a>, s: &Stats, root: u32, except: u32) -> std::collections::HashMap<Signature<'a>, u32> {
    let mut out = std::collections::HashMap::new();
    let mut it = dom.descendants(root);
    while let Some(id) = it.next() {
        let i = id as usize;
        if id == except || s.skipped[i] || s.good[i] == 0 {
            it.skip_subtree(id);
            continue;
        }
        // Each good text node counts once, for the block it is written in.
        if dom.tag(id).is_none() && s.block[i] != NONE {
            let b = s.block[i];
            let parent = dom.node(b).parent;
            let key = (
                dom.tag(b).unwrap_or(Tag::Other),
                dom.attr(b, AttrName::Class).unwrap_or(""),
                if parent == NONE { "" } else { dom.attr(parent, AttrName::Class).unwrap_or("") },
            );
            *out.entry(key).or_insert(0) += s.good[i];
        }
    }
    out
}

/// The block whose own good text (not in child blocks) is largest, if 100 characters
/// or more.
fn densest_block(dom: &Dom<'_>, s: &Stats) -> Option<u32> {
    let mut own = vec![0u32; dom.nodes.len()];
    for (i, &b) in s.block.iter().enumerate() {
        if b != NONE && dom.tag(i as u32).is_none() && !s.skipped[i] {
            own[b as usize] += s.good[i];
        }
    }
    let (id, most) = own.iter().enumerate().max_by_key(|&(i, &g)| (g, std::cmp::Reverse(i)))?;
    (*most >= 100).then_some(id as u32)
}

/// The elements whose text makes the article, in document order; `None` when no
/// container stands out.
fn choose(dom: &Dom<'_>, s: &Stats) -> Option<(Vec<u32>, u32)> {
    let len = dom.nodes.len();
    let score = scores(dom, s);
    let final_score = |id: u32| score[id as usize] * (1.0 - link_density(s, id));
    let mut top = NONE;
    let mut best = f32::MIN;
    for id in 0..len as u32 {
        if score[id as usize].is_nan() {
            continue;
        }
        let f = final_score(id);
        if f > best {
            best = f;
            top = id;
        }
    }
    if top == NONE || best < 20.0 {
        // No container stands out: a short article, often one run of text between
        // `<br>`s. Take the block holding the most paragraph text itself, if any.
        top = densest_block(dom, s)?;
        best = if score[top as usize].is_nan() { 0.0 } else { final_score(top) };
    }
    // Climb while the parent holds the article too (a wrapper splitting it in two).
    loop {
        let p = dom.node(top).parent;
        if p == NONE || p == 0 || matches!(dom.tag(p), Some(Tag::Body | Tag::Html)) || score[p as usize].is_nan() {
            break;
        }
        if final_score(p) >= best * 0.9 && s.text[p as usize] as f32 <= s.text[top as usize] as f32 * 1.6 {
            top = p;
            best = best.max(final_score(p));
        } else {
            break;
        }
    }
    // Climb while what the parent adds is mostly paragraphs like the container's own (an
    // article split into columns or cards), not furniture or teasers.
    // Looking past a level that adds only an ad slot: the highest ancestor up to which
    // the paragraphs like the container's own are at least half of what was added.
    let own = signatures(dom, s, top, NONE);
    let (origin, mut below, mut alike) = (top, top, 0u32);
    let mut anc = dom.node(top).parent;
    while anc != NONE && anc != 0 && !matches!(dom.tag(anc), Some(Tag::Body | Tag::Html)) {
        let added = s.text[anc as usize] - s.text[origin as usize];
        if s.text[anc as usize] > s.text[below as usize] {
            alike +=
                signatures(dom, s, anc, below).iter().filter(|(k, _)| own.contains_key(k)).map(|(_, v)| v).sum::<u32>();
        }
        if alike >= added.saturating_sub(alike) {
            top = anc;
            best = best.max(final_score(anc));
        }
        below = anc;
        anc = dom.node(anc).parent;
    }
    let parent = dom.node(top).parent;
    if parent == NONE {
        return Some((vec![top], top));
    }
    let threshold = (best * 0.2).max(10.0);
    let mut chosen = Vec::new();
    for sib in dom.children(parent) {
        if sib == top {
            chosen.push(sib);
            continue;
        }
        let i = sib as usize;
        if s.skipped[i] || dom.tag(sib).is_none() {
            continue;
        }
        if !score[i].is_nan()
            && final_score(sib) >= threshold
            && link_density(s, sib) < 0.25
            && s.good[i] * 2 >= s.text[i]
        {
            chosen.push(sib);
        } else if dom.tag(sib) == Some(Tag::P) {
            let ld = link_density(s, sib);
            let t = s.text[i];
            let text = dom.text_of(sib);
            if (t > 80 && ld < 0.25) || (t > 0 && t <= 80 && ld == 0.0 && text.ends_with(['.', '!', '?', '。'])) {
                chosen.push(sib);
            }
        }
    }
    Some((chosen, top))
}

/// Rendering: paragraphs of the subtrees at `roots`.
struct Render<'d, 'a> {
    dom: &'d Dom<'a>,
    s: &'d Stats,
    /// Text of all the chosen elements.
    total: u32,
    title: Option<String>,
    /// The main container, kept whatever its tag or class.
    keep: u32,
    out: Vec<String>,
    cur: String,
}

impl Render<'_, '_> {
    fn flush(&mut self) {
        let p = super::collapse_ws(&self.cur);
        self.cur.clear();
        if !p.is_empty() {
            self.out.push(p);
        }
    }

    /// Whether a block inside the article is furniture rather than text.
    fn drop_block(&self, id: u32, tag: Tag) -> bool {
        use Tag::*;
        let i = id as usize;
        if self.s.skipped[i] {
            return true;
        }
        if matches!(tag, Figure | Figcaption | Aside | Footer | Header | Caption) {
            return true;
        }
        // Bylines, captions, tag lists; but not a "card" of the article's own paragraphs.
        let minor = (self.s.text[i] as f32) < 0.3 * self.total as f32;
        match self.s.verdict[i] {
            Verdict::Unlikely if minor => return true,
            Verdict::Weak if minor && (self.s.text[i] < 40 || self.s.good[i] * 2 < self.s.text[i]) => return true,
            _ => {}
        }
        if tag == H1 {
            return true;
        }
        if tag.is_heading()
            && let Some(t) = &self.title
            && self.dom.text_of(id).eq_ignore_ascii_case(t)
        {
            return true;
        }
        // Link lists: related stories, tags, "read more".
        let t = self.s.text[i];
        let ld = link_density(self.s, id);
        if matches!(tag, Div | Ul | Ol | Li | P | Section | Table | Dl | Other) && t < 400 && ld > 0.5 {
            return true;
        }
        false
    }

    fn render(&mut self, root: u32) {
        // An explicit stack of (node, leaving) keeps deep pages safe.
        let mut stack = vec![(root, false)];
        while let Some((id, leaving)) = stack.pop() {
            let node = self.dom.node(id);
            match node.kind {
                Kind::Text { .. } => {
                    if let Some(t) = self.dom.raw_text(id) {
                        self.cur.push_str(&entities::decode(t));
                    }
                }
                Kind::Element { tag, .. } => {
                    if leaving {
                        if tag.is_block() {
                            self.flush();
                        }
                        continue;
                    }
                    if id != self.keep && self.drop_block(id, tag) {
                        if tag.is_block() {
                            self.flush();
                        }
                        continue;
                    }
                    match tag {
                        Tag::Br => {
                            self.cur.push('\n');
                            continue;
                        }
                        Tag::Img | Tag::Hr | Tag::Wbr => continue,
                        t if t.is_block() => self.flush(),
                        _ => {}
                    }
                    stack.push((id, true));
                    let kids: Vec<u32> = self.dom.children(id).collect();
                    for &k in kids.iter().rev() {
                        stack.push((k, false));
                    }
                }
                Kind::Root => {
                    let kids: Vec<u32> = self.dom.children(id).collect();
                    for &k in kids.iter().rev() {
                        stack.push((k, false));
                    }
                }
            }
        }
        self.flush();
    }
}

/// The article's paragraphs, and whether a main container was found (`false`: the whole
/// body's text).
pub fn article_text(dom: &Dom<'_>, title: Option<&str>) -> (Vec<String>, bool) {
    let s = stats(dom);
    let (roots, keep, found) = match choose(dom, &s) {
        Some((r, top)) => (r, top, true),
        None => {
            let body = dom.find_all(Tag::Body).next().unwrap_or(0);
            (vec![body], body, false)
        }
    };
    let total = roots.iter().map(|&r| s.text[r as usize]).sum();
    let mut r =
        Render { dom, s: &s, total, title: title.map(str::to_string), keep, out: Vec::new(), cur: String::new() };
    for root in roots {
        r.render(root);
    }
    (r.out, found)
}
