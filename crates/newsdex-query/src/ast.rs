//! The query AST and its canonical printing.

use std::fmt;

/// A searchable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Body,
    Outlet,
    Lang,
    Url,
    Id,
    Published,
}

impl Field {
    /// The canonical name.
    pub fn name(&self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Body => "body",
            Field::Outlet => "outlet",
            Field::Lang => "lang",
            Field::Url => "url",
            Field::Id => "id",
            Field::Published => "published",
        }
    }

    /// Parse a field name or alias, case-insensitively.
    pub fn from_name(s: &str) -> Option<Field> {
        Some(match s.to_ascii_lowercase().as_str() {
            "title" | "headline" => Field::Title,
            "body" | "text" => Field::Body,
            "outlet" | "source" | "site" => Field::Outlet,
            "lang" | "language" => Field::Lang,
            "url" => Field::Url,
            "id" => Field::Id,
            "published" | "date" => Field::Published,
            _ => return None,
        })
    }

    /// All canonical names, for error messages.
    pub const NAMES: &'static str = "title, body, outlet, lang, url, id, published";
}

/// How a clause combines with its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Occur {
    Must,
    Should,
    MustNot,
}

/// A half-open publication window `[start, end)` in Unix seconds (UTC); `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DateRange {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// A node of the query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// Every document (`*`).
    All,
    /// A word. `field: None` searches title and body. `exact` turns off variant expansion.
    Term { field: Option<Field>, text: String, exact: bool },
    /// Words in order, at most `slop` positions apart in total.
    Phrase { field: Option<Field>, text: String, exact: bool, slop: u32 },
    /// Words starting with `text`.
    Prefix { field: Option<Field>, text: String },
    /// Publication window.
    DateRange(DateRange),
    /// Clauses. A group of only `MustNot` clauses means "everything except": the executor
    /// adds a match-all clause.
    Bool(Vec<(Occur, Node)>),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub root: Node,
}

/// A positive word or phrase of a query (one not under a NOT), for highlighting and
/// spelling-variant expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRef<'a> {
    pub field: Option<Field>,
    pub text: &'a str,
    pub exact: bool,
    pub phrase: bool,
}

impl Query {
    /// Words and phrases that must or may match (not those under NOT).
    pub fn positive_terms(&self) -> Vec<TermRef<'_>> {
        fn walk<'a>(n: &'a Node, out: &mut Vec<TermRef<'a>>) {
            match n {
                Node::Term { field, text, exact } => {
                    out.push(TermRef { field: *field, text, exact: *exact, phrase: false })
                }
                Node::Phrase { field, text, exact, .. } => {
                    out.push(TermRef { field: *field, text, exact: *exact, phrase: true })
                }
                Node::Bool(cs) => cs.iter().filter(|(o, _)| *o != Occur::MustNot).for_each(|(_, c)| walk(c, out)),
                Node::All | Node::Prefix { .. } | Node::DateRange(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

/// Normalise a node: unwrap single positive clauses, flatten nested groups that mean
/// the same, drop empty groups. The parser's output is always normalised.
pub fn normalize(node: Node) -> Node {
    let Node::Bool(clauses) = node else { return node };
    let mut out: Vec<(Occur, Node)> = Vec::new();
    for (occur, child) in clauses {
        let child = normalize(child);
        match (occur, child) {
            (_, Node::Bool(inner)) if inner.is_empty() => {}
            // +(a b) inside a conjunction, or (a OR b) inside a disjunction: same meaning.
            (Occur::Must, Node::Bool(inner)) if inner.iter().all(|(o, _)| *o != Occur::Should) => out.extend(inner),
            (Occur::Should, Node::Bool(inner)) if inner.iter().all(|(o, _)| *o == Occur::Should) => out.extend(inner),
            (o, c) => out.push((o, c)),
        }
    }
    if out.len() == 1 && out[0].0 != Occur::MustNot {
        return out.pop().expect("one clause").1;
    }
    Node::Bool(out)
}

fn field_prefix(f: &Option<Field>) -> String {
    f.map(|f| format!("{}:", f.name())).unwrap_or_default()
}

fn quote(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, true)
    }
}

impl Node {
    fn write(&self, f: &mut fmt::Formatter<'_>, top: bool) -> fmt::Result {
        match self {
            Node::All => f.write_str("*"),
            Node::Term { field, text, exact } => {
                write!(f, "{}{}{}", field_prefix(field), if *exact { "=" } else { "" }, text)
            }
            Node::Phrase { field, text, exact, slop } => {
                write!(f, "{}{}{}", field_prefix(field), if *exact { "=" } else { "" }, quote(text))?;
                if *slop > 0 {
                    write!(f, "~{slop}")?;
                }
                Ok(())
            }
            Node::Prefix { field, text } => write!(f, "{}{}*", field_prefix(field), text),
            Node::DateRange(r) => write!(
                f,
                "published:[{} TO {}}}",
                r.start.map_or("*".to_string(), rfc3339),
                r.end.map_or("*".to_string(), rfc3339)
            ),
            Node::Bool(clauses) => {
                if !top {
                    f.write_str("(")?;
                }
                let only_should = clauses.iter().all(|(o, _)| *o == Occur::Should);
                for (i, (occur, child)) in clauses.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if only_should { " OR " } else { " " })?;
                    }
                    match occur {
                        Occur::Must => f.write_str("+")?,
                        Occur::MustNot => f.write_str("-")?,
                        Occur::Should => {}
                    }
                    child.write(f, false)?;
                }
                if clauses.is_empty() {
                    f.write_str("()")?;
                }
                if !top {
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Query {
    /// A canonical query string: `parse(q.to_string(), op) == q` for the operator that
    /// produced `q` (groups mixing `+` with optional clauses only arise, and only print
    /// back faithfully, under [`crate::DefaultOp::Or`]). Printing spells operators out, so
    /// the canonical form can be longer than the input; the round trip holds when it is
    /// within [`crate::MAX_QUERY_BYTES`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.write(f, true)
    }
}
