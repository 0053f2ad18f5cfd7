//! The article record that extraction produces and every later stage consumes.

use serde::{Deserialize, Serialize};

use crate::{DocId, Published, RawHash};

/// How a record's bytes were interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// Plain text: first non-empty line is the title.
    Text,
    /// An HTML page.
    Html,
    /// One line of a JSON Lines file holding one article.
    Jsonl,
}

impl SourceFormat {
    /// Stable lower-case name, as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceFormat::Text => "text",
            SourceFormat::Html => "html",
            SourceFormat::Jsonl => "jsonl",
        }
    }

    /// Inverse of [`SourceFormat::as_str`].
    pub fn from_name(s: &str) -> Option<SourceFormat> {
        match s {
            "text" => Some(SourceFormat::Text),
            "html" => Some(SourceFormat::Html),
            "jsonl" => Some(SourceFormat::Jsonl),
            _ => None,
        }
    }
}

/// Something extraction repaired, guessed or doubted, kept on the document so users can
/// see it (`newsdex show`, the API) and count it (`newsdex stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable machine-readable code, e.g. `decoded-as`, `title-repeats-collapsed`.
    pub code: String,
    /// What happened, for a person.
    pub message: String,
    /// How many times it happened (e.g. replaced byte sequences); 1 if not countable.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u64,
}

fn one() -> u64 {
    1
}

fn is_one(n: &u64) -> bool {
    *n == 1
}

impl Warning {
    /// A warning that happened once.
    pub fn new(code: &str, message: impl Into<String>) -> Warning {
        Warning { code: code.to_string(), message: message.into(), count: 1 }
    }

    /// A warning that happened `count` times.
    pub fn counted(code: &str, message: impl Into<String>, count: u64) -> Warning {
        Warning { code: code.to_string(), message: message.into(), count }
    }
}

/// One extracted news article.
///
/// `body` is clean text whose paragraphs are separated by one blank line (`"\n\n"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: DocId,
    pub format: SourceFormat,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    /// ISO 639-1 code where one exists, else ISO 639-3.
    pub lang: Option<String>,
    pub published: Option<Published>,
    pub authors: Vec<String>,
    /// Input fields newsdex does not interpret (JSONL), kept as given.
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub warnings: Vec<Warning>,
    /// Lines removed from the body as boilerplate (navigation, share prompts, sign-offs),
    /// kept here so nothing is lost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

/// Warning code of a record that gave no title: the opening of its text stands in for one
/// ([`stand_in_title`]).
pub const TITLE_FROM_BODY: &str = "title-from-body";

/// The title shown for a record that gave none: the first line of its text, at most 200
/// characters.
pub fn stand_in_title(body: &str) -> String {
    body.lines().next().unwrap_or_default().chars().take(200).collect()
}

impl Article {
    /// Whether the title was not given but taken from the text ([`TITLE_FROM_BODY`]): it
    /// is shown, not searched as a title (its words are the text's own).
    pub fn title_from_body(&self) -> bool {
        self.warnings.iter().any(|w| w.code == TITLE_FROM_BODY)
    }
}

/// Where a document came from: enough to find its exact input bytes again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The path or URL the input was read from, as given to `ingest`.
    pub source: String,
    /// The blob in the raw store holding the input's bytes as read (before decompression).
    pub raw: RawHash,
    /// 1-based line number for a JSONL record; `None` when the record is the whole input.
    pub line: Option<u64>,
    /// Byte range of the record inside the decompressed input.
    pub start: u64,
    pub end: u64,
    /// When it was ingested, RFC 3339 UTC.
    pub ingested_at: String,
}
