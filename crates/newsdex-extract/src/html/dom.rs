//! A fast, forgiving HTML parser into an arena tree, made for text extraction.
//!
//! Why not html5ever (through dom_smoothie, the foundation's extractor): tokenizing and
//! tree building were more than half of extraction time, and extraction was a third of
//! trafilatura's speed short of the 20× the project aims for. This parser makes one pass
//! over the text with `memchr`, keeps text as ranges of the source, keeps only the
//! attributes extraction reads, and never recurses:
//!
//! * Implied end tags the way browsers close them where it matters for text: a block
//!   start closes an open `<p>`; `<li>`, `<dt>`/`<dd>`, `<tr>`, `<td>`/`<th>`, `<option>`
//!   close their open siblings; an end tag closes everything opened after its match, and
//!   an end tag without a match is ignored.
//! * Raw text elements (`script`, `style`, `textarea`, `title`, `noscript`, `iframe`,
//!   `template`, `xmp`, `noembed`, `noframes`) end only at their own end tag; JSON-LD
//!   scripts and the title are kept, other raw text is not.
//! * Depth is capped at [`MAX_DEPTH`]: deeper elements are attached flat, so a page of a
//!   million nested `<div>`s costs memory for its nodes and nothing more. Pages over
//!   [`MAX_NODES`] nodes stop growing (the rest of the text is dropped and counted).
//!
//! What it does not model (text extraction does not need it): foster parenting of text
//! inside tables, adoption-agency reparenting of misnested formatting tags, and the
//! `<select>`/`<frameset>` insertion modes.

use memchr::memchr;

/// Deepest element nesting kept; deeper elements become siblings.
pub const MAX_DEPTH: usize = 512;
/// Most nodes kept for one page.
pub const MAX_NODES: usize = 2_000_000;

/// No node.
pub const NONE: u32 = u32::MAX;

/// The elements extraction tells apart; everything else is [`Tag::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Tag {
    Html,
    Head,
    Body,
    Title,
    Meta,
    Link,
    Base,
    Script,
    Style,
    Noscript,
    Template,
    Svg,
    Math,
    Iframe,
    Textarea,
    Xmp,
    Noembed,
    Noframes,
    Object,
    Embed,
    Canvas,
    Video,
    Audio,
    Picture,
    Source,
    Img,
    P,
    Div,
    Span,
    A,
    Article,
    Section,
    Main,
    Header,
    Footer,
    Nav,
    Aside,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Ul,
    Ol,
    Li,
    Dl,
    Dt,
    Dd,
    Table,
    Thead,
    Tbody,
    Tfoot,
    Tr,
    Td,
    Th,
    Caption,
    Blockquote,
    Pre,
    Code,
    Figure,
    Figcaption,
    Br,
    Hr,
    Wbr,
    Form,
    Input,
    Button,
    Select,
    Option,
    Optgroup,
    Label,
    Fieldset,
    Legend,
    Time,
    Em,
    Strong,
    B,
    I,
    U,
    S,
    Small,
    Sub,
    Sup,
    Address,
    Details,
    Summary,
    Center,
    Font,
    Menu,
    Dialog,
    Ins,
    Del,
    Mark,
    Q,
    Cite,
    Abbr,
    Area,
    Col,
    Colgroup,
    Param,
    Track,
    Ruby,
    Rt,
    Rp,
    Other,
}

impl Tag {
    pub fn from_name(name: &[u8]) -> Tag {
        use Tag::*;
        // Lower-case ASCII names only reach here.
        match name {
            b"html" => Html,
            b"head" => Head,
            b"body" => Body,
            b"title" => Title,
            b"meta" => Meta,
            b"link" => Link,
            b"base" => Base,
            b"script" => Script,
            b"style" => Style,
            b"noscript" => Noscript,
            b"template" => Template,
            b"svg" => Svg,
            b"math" => Math,
            b"iframe" => Iframe,
            b"textarea" => Textarea,
            b"xmp" => Xmp,
            b"noembed" => Noembed,
            b"noframes" => Noframes,
            b"object" => Object,
            b"embed" => Embed,
            b"canvas" => Canvas,
            b"video" => Video,
            b"audio" => Audio,
            b"picture" => Picture,
            b"source" => Source,
            b"img" => Img,
            b"p" => P,
            b"div" => Div,
            b"span" => Span,
            b"a" => A,
            b"article" => Article,
            b"section" => Section,
            b"main" => Main,
            b"header" => Header,
            b"footer" => Footer,
            b"nav" => Nav,
            b"aside" => Aside,
            b"h1" => H1,
            b"h2" => H2,
            b"h3" => H3,
            b"h4" => H4,
            b"h5" => H5,
            b"h6" => H6,
            b"ul" => Ul,
            b"ol" => Ol,
            b"li" => Li,
            b"dl" => Dl,
            b"dt" => Dt,
            b"dd" => Dd,
            b"table" => Table,
            b"thead" => Thead,
            b"tbody" => Tbody,
            b"tfoot" => Tfoot,
            b"tr" => Tr,
            b"td" => Td,
            b"th" => Th,
            b"caption" => Caption,
            b"blockquote" => Blockquote,
            b"pre" => Pre,
            b"code" => Code,
            b"figure" => Figure,
            b"figcaption" => Figcaption,
            b"br" => Br,
            b"hr" => Hr,
            b"wbr" => Wbr,
            b"form" => Form,
            b"input" => Input,
            b"button" => Button,
            b"select" => Select,
            b"option" => Option,
            b"optgroup" => Optgroup,
            b"label" => Label,
            b"fieldset" => Fieldset,
            b"legend" => Legend,
            b"time" => Time,
            b"em" => Em,
            b"strong" => Strong,
            b"b" => B,
            b"i" => I,
            b"u" => U,
            b"s" => S,
            b"small" => Small,
            b"sub" => Sub,
            b"sup" => Sup,
            b"address" => Address,
            b"details" => Details,
            b"summary" => Summary,
            b"center" => Center,
            b"font" => Font,
            b"menu" => Menu,
            b"dialog" => Dialog,
            b"ins" => Ins,
            b"del" => Del,
            b"mark" => Mark,
            b"q" => Q,
            b"cite" => Cite,
            b"abbr" => Abbr,
            b"area" => Area,
            b"col" => Col,
            b"colgroup" => Colgroup,
            b"param" => Param,
            b"track" => Track,
            b"ruby" => Ruby,
            b"rt" => Rt,
            b"rp" => Rp,
            _ => Other,
        }
    }

    /// Elements without content.
    pub fn is_void(self) -> bool {
        use Tag::*;
        matches!(self, Area | Base | Br | Col | Embed | Hr | Img | Input | Link | Meta | Param | Source | Track | Wbr)
    }

    /// Elements whose content is raw text up to their end tag.
    pub fn is_raw_text(self) -> bool {
        use Tag::*;
        matches!(self, Script | Style | Textarea | Title | Noscript | Iframe | Template | Xmp | Noembed | Noframes)
    }

    /// Elements that start a new block of text.
    pub fn is_block(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Html | Body
                | P
                | Div
                | Article
                | Section
                | Main
                | Header
                | Footer
                | Nav
                | Aside
                | H1
                | H2
                | H3
                | H4
                | H5
                | H6
                | Ul
                | Ol
                | Li
                | Dl
                | Dt
                | Dd
                | Table
                | Thead
                | Tbody
                | Tfoot
                | Tr
                | Td
                | Th
                | Caption
                | Blockquote
                | Pre
                | Figure
                | Figcaption
                | Hr
                | Form
                | Fieldset
                | Legend
                | Address
                | Details
                | Summary
                | Center
                | Menu
                | Dialog
                | Option
                | Select
                | Textarea
                | Iframe
                | Video
                | Audio
                | Canvas
                | Object
                | Picture
        )
    }

    /// Block starts that close an open `<p>`.
    fn closes_p(self) -> bool {
        use Tag::*;
        matches!(
            self,
            P | Div
                | Article
                | Section
                | Main
                | Header
                | Footer
                | Nav
                | Aside
                | H1
                | H2
                | H3
                | H4
                | H5
                | H6
                | Ul
                | Ol
                | Dl
                | Table
                | Blockquote
                | Pre
                | Figure
                | Figcaption
                | Hr
                | Form
                | Fieldset
                | Address
                | Details
                | Center
                | Menu
                | Dialog
        )
    }

    pub fn is_heading(self) -> bool {
        matches!(self, Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6)
    }
}

/// The attributes extraction reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum AttrName {
    Class,
    Id,
    Style,
    Hidden,
    AriaHidden,
    Role,
    Itemprop,
    Itemtype,
    Href,
    Src,
    DataSrc,
    Lang,
    Datetime,
    Content,
    Name,
    Property,
    Rel,
    Type,
    HttpEquiv,
    Charset,
    Srcset,
    Alt,
}

impl AttrName {
    fn from_name(name: &[u8]) -> Option<AttrName> {
        use AttrName::*;
        Some(match name {
            b"class" => Class,
            b"id" => Id,
            b"style" => Style,
            b"hidden" => Hidden,
            b"aria-hidden" => AriaHidden,
            b"role" => Role,
            b"itemprop" => Itemprop,
            b"itemtype" => Itemtype,
            b"href" => Href,
            b"src" => Src,
            b"data-src" => DataSrc,
            b"lang" => Lang,
            b"datetime" => Datetime,
            b"content" => Content,
            b"name" => Name,
            b"property" => Property,
            b"rel" => Rel,
            b"type" => Type,
            b"http-equiv" => HttpEquiv,
            b"charset" => Charset,
            b"srcset" => Srcset,
            b"alt" => Alt,
            _ => return None,
        })
    }
}

/// A kept attribute: its value is a range of the source, entities undecoded.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    pub name: AttrName,
    pub start: u32,
    pub end: u32,
}

/// What a node is.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Root,
    Element {
        tag: Tag,
        attrs: u32,
        n_attrs: u16,
    },
    /// Source range, entities undecoded.
    Text {
        start: u32,
        end: u32,
    },
}

/// One node of the arena.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub kind: Kind,
    pub parent: u32,
    pub first_child: u32,
    pub last_child: u32,
    pub next: u32,
}

/// A parsed page.
#[derive(Debug)]
pub struct Dom<'a> {
    pub src: &'a str,
    pub nodes: Vec<Node>,
    pub attrs: Vec<Attr>,
    /// Bytes of text dropped because the page had more than [`MAX_NODES`] nodes.
    pub truncated: usize,
}

fn lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// Case-insensitive search for `</name` from `from`; returns the index of `<`.
fn find_end_tag(src: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(k) = memchr(b'<', &src[i..]) {
        let at = i + k;
        let rest = &src[at + 1..];
        if rest.first() == Some(&b'/')
            && rest.len() > name.len()
            && rest[1..=name.len()].iter().zip(name).all(|(a, b)| lower(*a) == *b)
            && rest.get(name.len() + 1).is_none_or(|&c| is_space(c) || c == b'>' || c == b'/')
        {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

impl<'a> Dom<'a> {
    /// Parse `src`.
    pub fn parse(src: &'a str) -> Dom<'a> {
        let mut dom = Dom {
            src,
            nodes: Vec::with_capacity(src.len() / 40 + 16),
            attrs: Vec::with_capacity(src.len() / 100 + 16),
            truncated: 0,
        };
        dom.nodes.push(Node { kind: Kind::Root, parent: NONE, first_child: NONE, last_child: NONE, next: NONE });
        let b = src.as_bytes();
        // Open elements: (node, tag). The root is never popped.
        let mut stack: Vec<(u32, Tag)> = vec![(0, Tag::Other)];
        // Elements past MAX_DEPTH are attached to this parent and never pushed.
        let mut i = 0;
        let n = b.len();
        while i < n {
            let Some(k) = memchr(b'<', &b[i..]) else {
                dom.text(&stack, i, n);
                break;
            };
            let lt = i + k;
            if lt > i {
                dom.text(&stack, i, lt);
            }
            i = lt;
            let next = b.get(i + 1).copied().unwrap_or(0);
            if next == b'!' {
                if b[i..].starts_with(b"<!--") {
                    i = find(b, i + 4, b"-->").map_or(n, |e| e + 3);
                } else if b[i..].starts_with(b"<![CDATA[") {
                    let end = find(b, i + 9, b"]]>").unwrap_or(n);
                    dom.text(&stack, i + 9, end);
                    i = (end + 3).min(n);
                } else {
                    i = memchr(b'>', &b[i..]).map_or(n, |e| i + e + 1);
                }
                continue;
            }
            if next == b'?' {
                i = memchr(b'>', &b[i..]).map_or(n, |e| i + e + 1);
                continue;
            }
            if next == b'/' {
                let (name_end, tag) = read_name(b, i + 2);
                i = memchr(b'>', &b[name_end..]).map_or(n, |e| name_end + e + 1);
                if name_end == i + 2 && tag == Tag::Other {
                    continue;
                }
                dom.end_tag(&mut stack, tag, b);
                continue;
            }
            if !next.is_ascii_alphabetic() {
                // A lone `<`: text.
                dom.text(&stack, i, i + 1);
                i += 1;
                continue;
            }
            // A start tag.
            let (name_end, tag) = read_name(b, i + 1);
            let attrs_start = dom.attrs.len() as u32;
            let (after, self_closing) = dom.read_attrs(b, name_end);
            let n_attrs = (dom.attrs.len() as u32 - attrs_start).min(u16::MAX as u32) as u16;
            i = after;
            dom.implied_ends(&mut stack, tag);
            let parent = stack.last().expect("the root").0;
            let node = dom.push_node(parent, Kind::Element { tag, attrs: attrs_start, n_attrs });
            if node == NONE {
                continue;
            }
            if tag.is_raw_text() {
                let end = find_end_tag(b, i, raw_name(tag)).unwrap_or(n);
                // Keep the title and JSON-LD; drop other raw text (scripts, styles…).
                let keep = tag == Tag::Title
                    || (tag == Tag::Script
                        && dom
                            .attr(node, AttrName::Type)
                            .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json")));
                if keep && end > i {
                    dom.push_node(node, Kind::Text { start: i as u32, end: end as u32 });
                }
                i = memchr(b'>', &b[end.min(n)..]).map_or(n, |e| end + e + 1);
                continue;
            }
            if tag.is_void() || self_closing && tag == Tag::Other {
                continue;
            }
            if stack.len() < MAX_DEPTH {
                stack.push((node, tag));
            }
        }
        dom
    }

    fn push_node(&mut self, parent: u32, kind: Kind) -> u32 {
        if self.nodes.len() >= MAX_NODES {
            if let Kind::Text { start, end } = kind {
                self.truncated += (end - start) as usize;
            }
            return NONE;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(Node { kind, parent, first_child: NONE, last_child: NONE, next: NONE });
        let p = &mut self.nodes[parent as usize];
        if p.first_child == NONE {
            p.first_child = id;
        } else {
            let last = p.last_child;
            p.last_child = id;
            self.nodes[last as usize].next = id;
            return id;
        }
        p.last_child = id;
        id
    }

    fn text(&mut self, stack: &[(u32, Tag)], start: usize, end: usize) {
        let parent = stack.last().expect("the root").0;
        self.push_node(parent, Kind::Text { start: start as u32, end: end as u32 });
    }

    /// Read attributes from `at` up to `>`; keep the ones extraction reads. Returns the
    /// index after `>` and whether the tag ended with `/>`.
    fn read_attrs(&mut self, b: &[u8], mut at: usize) -> (usize, bool) {
        let n = b.len();
        loop {
            while at < n && is_space(b[at]) {
                at += 1;
            }
            if at >= n {
                return (n, false);
            }
            match b[at] {
                b'>' => return (at + 1, false),
                b'/' => {
                    if b.get(at + 1) == Some(&b'>') {
                        return (at + 2, true);
                    }
                    at += 1;
                    continue;
                }
                _ => {}
            }
            let name_start = at;
            while at < n && !is_space(b[at]) && !matches!(b[at], b'=' | b'>' | b'/') {
                at += 1;
            }
            let name_end = at;
            while at < n && is_space(b[at]) {
                at += 1;
            }
            let (vs, ve) = if at < n && b[at] == b'=' {
                at += 1;
                while at < n && is_space(b[at]) {
                    at += 1;
                }
                match b.get(at) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let vs = at + 1;
                        let ve = memchr(q, &b[vs..]).map_or(n, |e| vs + e);
                        at = (ve + 1).min(n);
                        (vs, ve)
                    }
                    _ => {
                        let vs = at;
                        while at < n && !is_space(b[at]) && b[at] != b'>' {
                            at += 1;
                        }
                        (vs, at)
                    }
                }
            } else {
                (name_end, name_end)
            };
            if name_end > name_start && name_end - name_start <= 12 {
                let mut name = [0u8; 12];
                for (d, s) in name.iter_mut().zip(&b[name_start..name_end]) {
                    *d = lower(*s);
                }
                if let Some(a) = AttrName::from_name(&name[..name_end - name_start]) {
                    self.attrs.push(Attr { name: a, start: vs as u32, end: ve as u32 });
                }
            }
        }
    }

    /// Close what a start tag of `tag` implies is closed.
    fn implied_ends(&self, stack: &mut Vec<(u32, Tag)>, tag: Tag) {
        use Tag::*;
        let close_until = |stack: &mut Vec<(u32, Tag)>, targets: &[Tag], barriers: &[Tag]| {
            for k in (1..stack.len()).rev() {
                let t = stack[k].1;
                if barriers.contains(&t) {
                    return;
                }
                if targets.contains(&t) {
                    stack.truncate(k);
                    return;
                }
            }
        };
        if tag.closes_p() {
            close_until(stack, &[P], &[Table, Td, Th, Button, Li, Dd, Dt, Blockquote, Article, Section, Div]);
        }
        match tag {
            Li => close_until(stack, &[Li], &[Ul, Ol, Menu, Table]),
            Dt | Dd => close_until(stack, &[Dt, Dd], &[Dl, Table]),
            Tr => close_until(stack, &[Tr], &[Table]),
            Td | Th => close_until(stack, &[Td, Th], &[Tr, Table]),
            Option => close_until(stack, &[Option], &[Select, Optgroup]),
            Thead | Tbody | Tfoot => close_until(stack, &[Thead, Tbody, Tfoot], &[Table]),
            _ => {}
        }
    }

    fn end_tag(&mut self, stack: &mut Vec<(u32, Tag)>, tag: Tag, _b: &[u8]) {
        if tag == Tag::Br {
            // `</br>` is a line break, as browsers read it.
            let parent = stack.last().expect("the root").0;
            self.push_node(parent, Kind::Element { tag: Tag::Br, attrs: self.attrs.len() as u32, n_attrs: 0 });
            return;
        }
        // Close the nearest open element of this tag, within reason; an end tag with no
        // open match is ignored (an unknown tag matches the nearest unknown one).
        let lowest = stack.len().saturating_sub(128).max(1);
        for k in (lowest..stack.len()).rev() {
            if stack[k].1 == tag {
                stack.truncate(k);
                return;
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // Reading the tree.

    pub fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn tag(&self, id: u32) -> Option<Tag> {
        match self.nodes[id as usize].kind {
            Kind::Element { tag, .. } => Some(tag),
            _ => None,
        }
    }

    /// The raw (entity-encoded) value of an attribute.
    pub fn attr(&self, id: u32, name: AttrName) -> Option<&'a str> {
        let Kind::Element { attrs, n_attrs, .. } = self.nodes[id as usize].kind else { return None };
        self.attrs[attrs as usize..attrs as usize + n_attrs as usize]
            .iter()
            .find(|a| a.name == name)
            .map(|a| &self.src[a.start as usize..a.end as usize])
    }

    /// An attribute's value with entities decoded and whitespace trimmed.
    pub fn attr_text(&self, id: u32, name: AttrName) -> Option<String> {
        self.attr(id, name).map(|v| super::entities::decode(v).trim().to_string())
    }

    /// Children of `id`.
    pub fn children(&self, id: u32) -> Children<'_, 'a> {
        Children { dom: self, next: self.nodes[id as usize].first_child }
    }

    /// All nodes under `id` (not `id` itself), in document order, without recursion.
    pub fn descendants(&self, id: u32) -> Descendants<'_, 'a> {
        Descendants { dom: self, root: id, next: self.nodes[id as usize].first_child }
    }

    /// The raw text of a text node.
    pub fn raw_text(&self, id: u32) -> Option<&'a str> {
        match self.nodes[id as usize].kind {
            Kind::Text { start, end } => Some(&self.src[start as usize..end as usize]),
            _ => None,
        }
    }

    /// Decoded text of everything under `id`, whitespace collapsed (no structure).
    pub fn text_of(&self, id: u32) -> String {
        let mut out = String::new();
        for d in self.descendants(id) {
            if let Some(t) = self.raw_text(d) {
                out.push_str(&super::entities::decode(t));
            } else if self.tag(d).is_some_and(|t| t.is_block() || t == Tag::Br) {
                out.push(' ');
            }
        }
        super::collapse_ws(&out)
    }

    /// Elements of a tag, in document order.
    pub fn find_all(&self, tag: Tag) -> impl Iterator<Item = u32> + '_ {
        (0..self.nodes.len() as u32).filter(move |&i| self.tag(i) == Some(tag))
    }
}

/// Iterator over children.
#[derive(Debug)]
pub struct Children<'d, 'a> {
    dom: &'d Dom<'a>,
    next: u32,
}

impl Iterator for Children<'_, '_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.dom.nodes[id as usize].next;
        Some(id)
    }
}

/// Iterator over descendants in document order.
#[derive(Debug)]
pub struct Descendants<'d, 'a> {
    dom: &'d Dom<'a>,
    root: u32,
    next: u32,
}

impl Descendants<'_, '_> {
    /// Skip the subtree of the node last returned.
    pub fn skip_subtree(&mut self, of: u32) {
        self.next = self.after(of);
    }

    /// The node after `id`'s subtree, within the root.
    fn after(&self, mut id: u32) -> u32 {
        loop {
            if id == self.root {
                return NONE;
            }
            let n = &self.dom.nodes[id as usize];
            if n.next != NONE {
                return n.next;
            }
            id = n.parent;
            if id == NONE {
                return NONE;
            }
        }
    }
}

impl Iterator for Descendants<'_, '_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        let n = &self.dom.nodes[id as usize];
        self.next = if n.first_child != NONE { n.first_child } else { self.after(id) };
        Some(id)
    }
}

/// The lower-case name of a raw text element.
fn raw_name(tag: Tag) -> &'static [u8] {
    match tag {
        Tag::Script => b"script",
        Tag::Style => b"style",
        Tag::Textarea => b"textarea",
        Tag::Title => b"title",
        Tag::Noscript => b"noscript",
        Tag::Iframe => b"iframe",
        Tag::Template => b"template",
        Tag::Xmp => b"xmp",
        Tag::Noembed => b"noembed",
        _ => b"noframes",
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&hay[from.min(hay.len())..], needle).map(|k| from + k)
}

/// Read a tag name starting at `at`: its end, and the tag if it is one we know (names are
/// matched lower-cased by the caller when this returns `Other`).
fn read_name(b: &[u8], at: usize) -> (usize, Tag) {
    let mut end = at;
    while end < b.len() && !is_space(b[end]) && !matches!(b[end], b'>' | b'/') {
        end += 1;
    }
    if end - at <= 10 {
        let mut name = [0u8; 10];
        for (d, s) in name.iter_mut().zip(&b[at..end]) {
            *d = lower(*s);
        }
        (end, Tag::from_name(&name[..end - at]))
    } else {
        (end, Tag::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(dom: &Dom<'_>, id: u32, out: &mut String) {
        match dom.node(id).kind {
            Kind::Text { .. } => out.push_str(&format!("'{}'", dom.raw_text(id).unwrap())),
            Kind::Element { tag, .. } => {
                out.push_str(&format!("{tag:?}("));
                for c in dom.children(id) {
                    shape(dom, c, out);
                }
                out.push(')');
            }
            Kind::Root => {
                for c in dom.children(id) {
                    shape(dom, c, out);
                }
            }
        }
    }

    fn tree(s: &str) -> String {
        let d = Dom::parse(s);
        let mut out = String::new();
        shape(&d, 0, &mut out);
        out
    }

    #[test]
    fn implied_end_tags() {
        assert_eq!(tree("<p>a<p>b<div>c</div>"), "P('a')P('b')Div('c')");
        assert_eq!(tree("<ul><li>a<li>b</ul>x"), "Ul(Li('a')Li('b'))'x'");
        assert_eq!(tree("<table><tr><td>1<td>2<tr><td>3</table>"), "Table(Tr(Td('1')Td('2'))Tr(Td('3')))");
        assert_eq!(tree("<b>x</i>y</b>"), "B('x''y')");
        assert_eq!(tree("a<br>b</br>c"), "'a'Br()'b'Br()'c'");
    }

    #[test]
    fn raw_text_comments_and_attributes() {
        let s = "<!-- <p>no</p> --><script>if (a<b) {}</script><title>T &amp; U</title><div class=\"x y\" id=main data-foo='1'>t</div>";
        assert_eq!(tree(s), "Script()Title('T &amp; U')Div('t')");
        let d = Dom::parse(s);
        let div = d.find_all(Tag::Div).next().unwrap();
        assert_eq!(d.attr(div, AttrName::Class), Some("x y"));
        assert_eq!(d.attr(div, AttrName::Id), Some("main"));
        let ld = Dom::parse("<script type=\"application/ld+json\">{\"a\":1}</script>");
        let s = ld.find_all(Tag::Script).next().unwrap();
        assert_eq!(ld.text_of(s), "{\"a\":1}");
    }

    #[test]
    fn deep_and_broken_input_is_safe() {
        let deep = "<div>".repeat(1_000_000) + "x";
        let d = Dom::parse(&deep);
        assert_eq!(d.nodes.len(), 1_000_002);
        assert_eq!(d.descendants(0).count(), 1_000_001);
        for s in ["<", "<a", "<a href=", "<a href='x", "</", "<!--", "<![CDATA[", "<script>", "&", "<p>\u{0}é"] {
            let d = Dom::parse(s);
            let _ = d.text_of(0);
        }
    }
}
