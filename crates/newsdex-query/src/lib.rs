//! The newsdex query language.
//!
//! ```text
//! Tashkent                       a word (title and body)
//! "Foreign Policy"  "a b"~5      a phrase, optionally within 5 positions
//! a AND b   a OR b   NOT a       boolean operators (upper case; && || ! also work)
//! +a -b                          must / must not
//! (a OR b) c                     grouping; precedence NOT > AND > OR
//! title:x  outlet:"x y"  lang:ug  url:rfa.org  id:reuters-1   fields (also title:(a OR b))
//! published:2024  published:2024-03  published:[2020-01-01 TO 2021-06-30}  published:>=2024-02
//! uygh*                          prefix
//! =Uighur  ="a b"                exact: no spelling-variant expansion
//! ```
//!
//! Juxtaposed clauses use a caller-chosen [`DefaultOp`]. [`parse`] never panics; every
//! error is a [`ParseError`] with a byte offset and a message, and
//! [`ParseError::render`] shows it under the query with a caret. The AST ([`Node`]) is
//! normalised (single-clause groups unwrapped, same-meaning nesting flattened) and prints
//! back as a canonical query string ([`Query`]'s `Display`) that parses to the same AST.
//!
//! What a query may cost is set by [`QueryLimits`] (one struct, documented defaults): the
//! parser enforces length, nesting, clauses and slop; `newsdex-index` the rest, refusing
//! with a [`TooCostly`] that says what was too much.
//!
//! This crate knows nothing of indexes or analyzers: `newsdex-index` turns the AST into
//! engine queries.

mod ast;
mod date;
mod limits;
mod parse;

pub use ast::normalize;
pub use ast::{DateRange, Field, Node, Occur, Query, TermRef};
pub use date::resolve_date_bounds;
pub use limits::{Limit, MAX_CLAUSES, MAX_DEPTH, MAX_QUERY_BYTES, MAX_SLOP, QueryLimits, TooCostly};
pub use parse::{DefaultOp, ParseError, parse, parse_with_limits};

#[cfg(test)]
mod tests;
