//! The parser: recursive descent straight over the characters (the grammar is small and
//! context-sensitive around fields and ranges, so a separate lexer would not pay).
//!
//! ```text
//! query    := or_expr EOF
//! or_expr  := and_expr ( ("OR" | "||") and_expr )*
//! and_expr := clause ( ("AND" | "&&")? clause )*
//! clause   := ("+" | "-" | "!" | "NOT") clause | atom
//! atom     := "(" or_expr ")" | field ":" value | value
//! value    := "="? ( phrase ("~" N)? | word | word "*" | "*" )
//! ```

use std::fmt;

use crate::ast::normalize;
use crate::date::{bad_date, check, period};
use crate::{DateRange, Field, Node, Occur, Query, QueryLimits};

/// Parentheses deeper than this many times the depth limit are refused while parsing,
/// before any AST exists (a guard for the recursion; normalisation can only make nesting
/// shallower, and the limit itself is checked on the normalised AST).
const PAREN_DEPTH_FACTOR: usize = 3;
/// Slop is carried in a byte by tantivy's phrase matching.
const SLOP_CEILING: u32 = 255;

/// How juxtaposed clauses (`a b`) combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultOp {
    /// All must match (what people expect from a news search box).
    #[default]
    And,
    /// Any may match, ranked by how many do (for long natural-language queries).
    Or,
}

/// A query that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Byte offset in the query where the problem is.
    pub offset: usize,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, offset: usize) -> ParseError {
        ParseError { message: message.into(), offset }
    }

    /// The message, then the query with a caret under the problem.
    pub fn render(&self, query: &str) -> String {
        if query.len() > 200 || query.contains('\n') {
            return format!("{} (at byte {})", self.message, self.offset);
        }
        let at = self.offset.min(query.len());
        let col = query.get(..at).map_or(at, |p| p.chars().count());
        format!("{}\n  {}\n  {}^", self.message, query, " ".repeat(col))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parse `input` within the default [`QueryLimits`].
pub fn parse(input: &str, default_op: DefaultOp) -> Result<Query, ParseError> {
    parse_with_limits(input, default_op, &QueryLimits::default())
}

/// Parse `input`, refusing a query longer, deeper, with more clauses or a larger slop
/// than `limits` allow (the limits that need the index are checked by `newsdex-index`).
pub fn parse_with_limits(input: &str, default_op: DefaultOp, limits: &QueryLimits) -> Result<Query, ParseError> {
    let max_bytes = limits.max_bytes;
    if input.len() > max_bytes {
        return Err(ParseError::new(format!("the query is longer than {max_bytes} bytes"), max_bytes));
    }
    let mut p = Parser {
        s: input,
        pos: 0,
        depth: 0,
        clauses: 0,
        op: default_op,
        max_paren_depth: PAREN_DEPTH_FACTOR.saturating_mul(limits.max_depth),
        max_clauses: limits.max_clauses,
        max_slop: limits.max_slop.min(SLOP_CEILING),
    };
    p.skip_ws();
    if p.at_end() {
        return Err(ParseError::new("empty query", 0));
    }
    let root = p.or_expr(None)?;
    p.skip_ws();
    if !p.at_end() {
        return Err(match p.peek() {
            Some(')') => ParseError::new("unbalanced parenthesis: this ')' has no '('", p.pos),
            _ => ParseError::new("unexpected text", p.pos),
        });
    }
    let root = normalize(root);
    if nesting(&root) > limits.max_depth {
        return Err(ParseError::new(format!("the query nests deeper than {} levels", limits.max_depth), 0));
    }
    Ok(Query { root })
}

/// How many groups deep `node` is (a lone word is 0).
fn nesting(node: &Node) -> usize {
    match node {
        Node::Bool(cs) => 1 + cs.iter().map(|(_, c)| nesting(c)).max().unwrap_or(0),
        _ => 0,
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
    clauses: usize,
    op: DefaultOp,
    max_paren_depth: usize,
    max_clauses: usize,
    max_slop: u32,
}

fn is_word_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// The bare word at the cursor (up to whitespace, parenthesis or quote), not consumed.
    fn peek_word(&self) -> &'a str {
        let r = self.rest();
        &r[..r.find(is_word_end).unwrap_or(r.len())]
    }

    /// An operator keyword at the cursor, as a whole word.
    fn peek_op(&self) -> Option<&'static str> {
        match self.peek_word() {
            "AND" | "&&" => Some("AND"),
            "OR" | "||" => Some("OR"),
            "NOT" => Some("NOT"),
            _ => None,
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > self.max_paren_depth {
            return Err(ParseError::new(
                format!("the query nests deeper than {} levels", self.max_paren_depth),
                self.pos,
            ));
        }
        Ok(())
    }

    fn count_clause(&mut self) -> Result<(), ParseError> {
        self.clauses += 1;
        if self.clauses > self.max_clauses {
            return Err(ParseError::new(format!("the query has more than {} terms", self.max_clauses), self.pos));
        }
        Ok(())
    }

    fn or_expr(&mut self, field: Option<Field>) -> Result<Node, ParseError> {
        let mut alts = vec![self.and_expr(field)?];
        loop {
            self.skip_ws();
            if self.peek_op() != Some("OR") {
                break;
            }
            let at = self.pos;
            self.pos += self.peek_word().len();
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') || matches!(self.peek_op(), Some("OR" | "AND")) {
                return Err(ParseError::new("OR needs a clause after it", at));
            }
            alts.push(self.and_expr(field)?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().expect("one alternative")
        } else {
            Node::Bool(alts.into_iter().map(|a| (Occur::Should, a)).collect())
        })
    }

    fn and_expr(&mut self, field: Option<Field>) -> Result<Node, ParseError> {
        let mut items: Vec<(Option<Occur>, Node)> = Vec::new();
        let mut explicit_and = false;
        loop {
            self.skip_ws();
            match self.peek() {
                None | Some(')') => break,
                _ => {}
            }
            match self.peek_op() {
                Some("OR") => {
                    if items.is_empty() {
                        return Err(ParseError::new("OR needs a clause before it", self.pos));
                    }
                    break;
                }
                Some("AND") => {
                    let at = self.pos;
                    if items.is_empty() {
                        return Err(ParseError::new("AND needs a clause before it", at));
                    }
                    self.pos += self.peek_word().len();
                    self.skip_ws();
                    if self.at_end() || self.peek() == Some(')') || matches!(self.peek_op(), Some("OR" | "AND")) {
                        return Err(ParseError::new("AND needs a clause after it", at));
                    }
                    explicit_and = true;
                    continue;
                }
                _ => {}
            }
            items.push(self.clause(field)?);
        }
        if items.is_empty() {
            return Err(ParseError::new("empty group", self.pos));
        }
        let unmarked = if explicit_and || self.op == DefaultOp::And { Occur::Must } else { Occur::Should };
        if items.len() == 1 && items[0].0.is_none() {
            return Ok(items.pop().expect("one item").1);
        }
        Ok(Node::Bool(items.into_iter().map(|(o, n)| (o.unwrap_or(unmarked), n)).collect()))
    }

    /// One clause with its optional `+`, `-`, `!` or `NOT` markers. A chain of markers is
    /// read in a loop (no recursion, so `------x` cannot exhaust the stack); negations
    /// cancel in pairs, and `+` only matters when nothing negates.
    fn clause(&mut self, field: Option<Field>) -> Result<(Option<Occur>, Node), ParseError> {
        let mut negations = 0usize;
        let mut marked = false;
        loop {
            let at = self.pos;
            match self.peek() {
                Some(c @ ('+' | '-' | '!')) => {
                    self.bump();
                    if self.peek().is_none_or(|c| c.is_whitespace() || c == ')') {
                        return Err(ParseError::new(
                            format!("'{c}' must be followed directly by a word, phrase or group"),
                            at,
                        ));
                    }
                    negations += usize::from(c != '+');
                }
                _ if self.peek_op() == Some("NOT") => {
                    self.pos += 3;
                    self.skip_ws();
                    if self.at_end() || self.peek() == Some(')') || self.peek_op().is_some_and(|o| o != "NOT") {
                        return Err(ParseError::new("NOT needs a clause after it", at));
                    }
                    negations += 1;
                }
                _ => break,
            }
            marked = true;
        }
        if let Some(op @ ("AND" | "OR")) = self.peek_op() {
            return Err(ParseError::new(
                format!("{op} is an operator here; to search for the word, quote it: \"{}\"", self.peek_word()),
                self.pos,
            ));
        }
        let node = self.atom(field)?;
        let occur = if negations % 2 == 1 {
            Some(Occur::MustNot)
        } else if marked {
            Some(Occur::Must)
        } else {
            None
        };
        Ok((occur, node))
    }

    fn atom(&mut self, field: Option<Field>) -> Result<Node, ParseError> {
        let at = self.pos;
        if self.peek() == Some('(') {
            return self.group(field);
        }
        // A field prefix: identifier then ':' (but not a URL's "http://").
        let word = self.peek_word();
        if let Some(colon) = word.find(':') {
            let name = &word[..colon];
            let after = &word[colon + 1..];
            let identifier = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
            if identifier && !after.starts_with('/') {
                let f = Field::from_name(name).ok_or_else(|| {
                    ParseError::new(
                        format!(
                            "unknown field '{name}' (fields: {}); to search for the text itself, put it in quotes: \"{word}\"",
                            Field::NAMES
                        ),
                        at,
                    )
                })?;
                self.pos += colon + 1;
                if self.peek().is_none_or(char::is_whitespace) || self.peek() == Some(')') {
                    return Err(ParseError::new(format!("{}: needs a value", f.name()), at));
                }
                if f == Field::Published {
                    return self.date_value(at);
                }
                return self.value(Some(f));
            }
        }
        self.value(field)
    }

    fn group(&mut self, field: Option<Field>) -> Result<Node, ParseError> {
        let open = self.pos;
        self.bump();
        self.enter()?;
        self.skip_ws();
        if self.peek() == Some(')') {
            return Err(ParseError::new("empty group: '()' has nothing in it", open));
        }
        if self.at_end() {
            return Err(ParseError::new("unbalanced parenthesis: this '(' is never closed", open));
        }
        let inner = self.or_expr(field)?;
        self.skip_ws();
        if self.bump() != Some(')') {
            return Err(ParseError::new("unbalanced parenthesis: this '(' is never closed", open));
        }
        self.depth -= 1;
        // Keep the group a group so `-(a b)` negates the whole.
        Ok(match inner {
            Node::Bool(_) => inner,
            other => Node::Bool(vec![(Occur::Must, other)]),
        })
    }

    /// A word, phrase, prefix or `*`, with an optional `=`.
    fn value(&mut self, field: Option<Field>) -> Result<Node, ParseError> {
        let at = self.pos;
        if field.is_some() && self.peek() == Some('(') {
            return self.group(field);
        }
        let exact = self.peek() == Some('=');
        if exact {
            self.bump();
        }
        if self.peek() == Some('"') {
            return self.phrase(field, exact);
        }
        let word = self.peek_word();
        if word.is_empty() {
            return Err(ParseError::new(
                if exact { "'=' must be followed by a word or phrase" } else { "expected a word" },
                at,
            ));
        }
        self.pos += word.len();
        self.count_clause()?;
        if word == "*" && !exact && field.is_none() {
            return Ok(Node::All);
        }
        if let Some(stem) = word.strip_suffix('*') {
            if stem.contains('*') {
                return Err(ParseError::new("'*' may only end a word (uygh*)", at));
            }
            if exact {
                return Err(ParseError::new("an exact term (=) cannot be a prefix", at));
            }
            if stem.chars().count() < 2 {
                return Err(ParseError::new("a prefix needs at least 2 characters before '*'", at));
            }
            return Ok(Node::Prefix { field, text: stem.to_string() });
        }
        if word.contains('*') {
            return Err(ParseError::new("'*' may only end a word (uygh*)", at));
        }
        if word.starts_with(['[', '{']) {
            return Err(ParseError::new("ranges are only for published: (published:[2020 TO 2021])", at));
        }
        Ok(Node::Term { field, text: word.to_string(), exact })
    }

    fn phrase(&mut self, field: Option<Field>, exact: bool) -> Result<Node, ParseError> {
        let open = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(ParseError::new("unclosed quote", open)),
                Some('"') => break,
                Some('\\') => match self.bump() {
                    Some(c) => text.push(c),
                    None => return Err(ParseError::new("unclosed quote", open)),
                },
                Some(c) => text.push(c),
            }
        }
        self.count_clause()?;
        let mut slop = 0;
        if self.peek() == Some('~') {
            let at = self.pos;
            self.bump();
            let digits = self.peek_word();
            let max = self.max_slop;
            slop = digits.parse::<u32>().ok().filter(|n| *n <= max).ok_or_else(|| {
                ParseError::new(format!("proximity after a phrase is a number from 0 to {max}: \"a b\"~5"), at)
            })?;
            self.pos += digits.len();
        }
        if text.trim().is_empty() {
            return Err(ParseError::new("empty phrase", open));
        }
        Ok(Node::Phrase { field, text, exact, slop })
    }

    /// After `published:`: a range, a comparison or a period.
    fn date_value(&mut self, at: usize) -> Result<Node, ParseError> {
        self.count_clause()?;
        let start = self.pos;
        match self.peek() {
            Some(open @ ('[' | '{')) => {
                self.bump();
                let close_at = self.rest().find([']', '}']).ok_or_else(|| {
                    ParseError::new("unclosed date range: published:[2020-01-01 TO 2020-12-31]", start)
                })?;
                let inside = &self.rest()[..close_at];
                let inner_at = self.pos;
                self.pos += close_at;
                let close = self.bump().expect("found above");
                let parts: Vec<&str> = inside.split_whitespace().collect();
                let [lo, to, hi] = parts.as_slice() else {
                    return Err(ParseError::new(
                        "a date range is [FROM TO UNTIL], e.g. published:[2020-01 TO 2020-06]",
                        start,
                    ));
                };
                if *to != "TO" {
                    return Err(ParseError::new(
                        "a date range is [FROM TO UNTIL], e.g. published:[2020-01 TO 2020-06]",
                        start,
                    ));
                }
                let resolve = |s: &str| -> Result<Option<crate::date::Period>, ParseError> {
                    if s == "*" {
                        return Ok(None);
                    }
                    let off = inner_at + inside.find(s).unwrap_or(0);
                    period(s).map(Some).ok_or_else(|| bad_date(s, off))
                };
                // [A … includes A's period; {A … starts after it. … B] runs through B's
                // period; … B} stops before it.
                let lo = resolve(lo)?.map(|p| if open == '[' { p.start } else { p.end });
                let hi = resolve(hi)?.map(|p| if close == ']' { p.end } else { p.start });
                Ok(Node::DateRange(check(DateRange { start: lo, end: hi }, at)?))
            }
            _ => {
                let word = self.peek_word();
                self.pos += word.len();
                let (op, rest) = [">=", "<=", ">", "<"]
                    .iter()
                    .find_map(|op| word.strip_prefix(op).map(|r| (*op, r)))
                    .unwrap_or(("", word));
                let p = period(rest).ok_or_else(|| bad_date(rest, start + op.len()))?;
                let r = match op {
                    ">=" => DateRange { start: Some(p.start), end: None },
                    ">" => DateRange { start: Some(p.end), end: None },
                    "<=" => DateRange { start: None, end: Some(p.end) },
                    "<" => DateRange { start: None, end: Some(p.start) },
                    _ => DateRange { start: Some(p.start), end: Some(p.end) },
                };
                Ok(Node::DateRange(check(r, at)?))
            }
        }
    }
}
