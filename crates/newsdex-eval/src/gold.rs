//! Gold data for judging query expansion: variant groups, inflection tables and query
//! lists, in the formats described in `data/eval/expansion/PROVENANCE.md` (and below).
//!
//! **Gold files** are JSON Lines (UTF-8; blank lines and lines starting with `#` are
//! skipped). A line is either a *group* or a *query*:
//!
//! ```text
//! {"group": "hand:putin", "kind": "person", "names": ["Putin", {"name": "Путин", "langs": ["ru"]}]}
//! {"query": "Putin", "lang": "en", "kind": "name", "group": "hand:putin"}
//! {"query": "Sudan", "lang": "en", "kind": "name", "group": "cldr:territory:SD", "variants": ["Soudan"]}
//! {"query": "sued", "lang": "en", "kind": "word", "lemmas": ["sue"]}
//! ```
//!
//! * a group has `group` (its id) and `names` (strings, or objects with `name` and
//!   optional `langs`); `kind`, `source`, `note`, `dropped` and anything else are kept
//!   for people and ignored by the judge;
//! * a query has `query` (what is typed), `lang` (ISO 639-1; needed for words), `kind`
//!   (`name` or `word`; default `name` when it names a group or variants, else `word`),
//!   and optionally `group` (an id or a list of ids, from any gold file loaded),
//!   `variants` (more spellings of the same thing), `lemmas` (for a word: its lemmas in
//!   `lang`; looked up in the inflection tables when absent), `inflections` (forms to
//!   accept as they are), `set` (`test`/`dev`, informational).
//!
//! **Inflection tables** are TSV files named `…-LANG.tsv` or `…-LANG.tsv.zst`
//! (`ud-ru.tsv.zst`, `michmech-en.tsv.zst`): `lemma<TAB>form<TAB>upos` per line, `#`
//! comments, `_` for an unknown part of speech.
//!
//! **What a query's gold is.** Its *spellings* are the query itself, every name of its
//! groups and its `variants` (for a word: the query and every form of its lemmas); these
//! are what recall is measured on. Its *accepted forms* are the spellings plus their
//! inflections plus `inflections`: for a name, in every language's table, the forms of a
//! lemma (PROPN, NOUN, ADJ or unknown) written like a spelling, and the forms of the
//! PROPN lemmas a spelling is a form of (`России` → `Россия` → `Россией`…); for a word,
//! the forms of its lemmas (any part of speech but PROPN) in its own language's tables,
//! and in any other language's tables where the query is a word too (`fan`: Italian and
//! English). A query with Han characters also accepts its Simplified, Traditional, Taiwan
//! and Hong Kong spellings by OpenCC's tables (the `hanconv` crate's converter). These two
//! were added after the first run on the reworked mechanism showed the judge calling
//! `fans` wrong for the Italian query `fan` and `組織` wrong for `组织`.
//! Matching folds case and accents (see [`crate::judge`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::judge::{Spelling, fold};

/// Parts of speech whose lemmas give a name's inflections (`_`: not given).
const NAME_UPOS: &[&str] = &["PROPN", "NOUN", "ADJ", "_"];

/// A variant group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub kind: String,
    /// `(name, langs)`; `langs` may be empty.
    pub names: Vec<(String, Vec<String>)>,
}

/// Whether a query is a name or a common word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Name,
    Word,
}

/// One query as written in a gold file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub query: String,
    pub lang: Option<String>,
    pub kind: Kind,
    pub groups: Vec<String>,
    pub variants: Vec<String>,
    pub lemmas: Vec<String>,
    pub inflections: Vec<String>,
    pub set: Option<String>,
    /// `file:line`, for messages.
    pub origin: String,
}

/// Lemma ↔ form tables of every language loaded.
#[derive(Debug, Default)]
pub struct Tables {
    /// `(lang, folded lemma)` → `(form, upos)`.
    by_lemma: HashMap<(String, String), Vec<(String, String)>>,
    /// `(lang, folded form)` → `(lemma, upos)`.
    by_form: HashMap<(String, String), Vec<(String, String)>>,
    langs: BTreeSet<String>,
    /// Rows per language as given: `(lemma, form, upos)`.
    rows: HashMap<String, Vec<(String, String, String)>>,
    /// `(file, rows)` loaded.
    pub files: Vec<(String, usize)>,
}

impl Tables {
    /// Add one table; its language is the file name's last `-` part.
    pub fn load(&mut self, path: &Path) -> Result<()> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let stem = name.trim_end_matches(".zst").trim_end_matches(".tsv");
        let Some((_, lang)) = stem.rsplit_once('-') else {
            bail!("{}: an inflection table is named …-LANG.tsv[.zst]", path.display())
        };
        let text = read_text(path)?;
        let mut rows = 0;
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut f = line.split('\t');
            let (Some(lemma), Some(form)) = (f.next(), f.next()) else { continue };
            let upos = f.next().unwrap_or("_").trim().to_string();
            self.add(lang, lemma.trim(), form.trim(), &upos);
            rows += 1;
        }
        self.files.push((name, rows));
        Ok(())
    }

    /// Add one row.
    pub fn add(&mut self, lang: &str, lemma: &str, form: &str, upos: &str) {
        if lemma.is_empty() || form.is_empty() {
            return;
        }
        self.langs.insert(lang.to_string());
        self.rows.entry(lang.to_string()).or_default().push((lemma.to_string(), form.to_string(), upos.to_string()));
        self.by_lemma.entry((lang.to_string(), fold(lemma))).or_default().push((form.to_string(), upos.to_string()));
        self.by_form.entry((lang.to_string(), fold(form))).or_default().push((lemma.to_string(), upos.to_string()));
    }

    /// Lemmas that `form` is a form of in `lang`, with their parts of speech.
    pub fn lemmas_of(&self, lang: &str, form: &str) -> &[(String, String)] {
        self.by_form.get(&(lang.to_string(), fold(form))).map_or(&[], Vec::as_slice)
    }

    /// Forms of `lemma` in `lang`, with their parts of speech.
    pub fn forms_of(&self, lang: &str, lemma: &str) -> &[(String, String)] {
        self.by_lemma.get(&(lang.to_string(), fold(lemma))).map_or(&[], Vec::as_slice)
    }

    /// Every row of `lang`'s tables: `(lemma, form, upos)`.
    pub fn rows(&self, lang: &str) -> &[(String, String, String)] {
        self.rows.get(lang).map_or(&[], Vec::as_slice)
    }

    pub fn langs(&self) -> impl Iterator<Item = &str> {
        self.langs.iter().map(String::as_str)
    }

    /// A name's inflections in every language (see the module docs).
    pub fn name_forms(&self, name: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for lang in self.langs() {
            for (form, upos) in self.forms_of(lang, name) {
                if NAME_UPOS.contains(&upos.as_str()) {
                    out.insert(form.clone());
                }
            }
            for (lemma, upos) in self.lemmas_of(lang, name) {
                if upos == "PROPN" {
                    out.insert(lemma.clone());
                    out.extend(self.forms_of(lang, lemma).iter().filter(|(_, u)| u == "PROPN").map(|(f, _)| f.clone()));
                }
            }
        }
        out
    }

    /// A common word's lemmas in `lang` (any part of speech but PROPN).
    pub fn word_lemmas(&self, lang: &str, word: &str) -> BTreeSet<String> {
        self.lemmas_of(lang, word).iter().filter(|(_, u)| u != "PROPN").map(|(l, _)| l.clone()).collect()
    }

    /// Every form of a common word's lemma in `lang`.
    pub fn word_forms(&self, lang: &str, lemma: &str) -> BTreeSet<String> {
        let mut out: BTreeSet<String> =
            self.forms_of(lang, lemma).iter().filter(|(_, u)| u != "PROPN").map(|(f, _)| f.clone()).collect();
        out.insert(lemma.to_string());
        out
    }
}

/// Groups, queries and tables loaded from gold files.
#[derive(Debug, Default)]
pub struct Gold {
    pub groups: HashMap<String, Group>,
    pub queries: Vec<Query>,
    pub tables: Tables,
    /// Files read, with how many groups and queries each held.
    pub files: Vec<(String, usize, usize)>,
}

/// A query with its gold worked out.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub query: Query,
    /// Spellings whose documents the expanded search should find (recall), deduplicated
    /// by their folded form; the query itself first.
    pub spellings: Vec<String>,
    /// What an expansion-only hit must contain to be right.
    pub accept: Vec<Spelling>,
    /// Lemmas used (words).
    pub lemmas: Vec<String>,
}

fn read_text(path: &Path) -> Result<String> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "zst") {
        let mut s = String::new();
        zstd::stream::read::Decoder::new(&raw[..])?
            .read_to_string(&mut s)
            .with_context(|| format!("{}: bad zstd or not UTF-8", path.display()))?;
        Ok(s)
    } else {
        String::from_utf8(raw).with_context(|| format!("{}: not UTF-8", path.display()))
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

impl Gold {
    /// Read one gold file (groups and/or queries).
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let text = read_text(path)?;
        let (mut groups, mut queries) = (0, 0);
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let origin = format!("{}:{}", path.display(), i + 1);
            let v: Value = serde_json::from_str(line).with_context(|| format!("{origin}: not JSON"))?;
            if let Some(q) = v.get("query") {
                let query =
                    q.as_str().with_context(|| format!("{origin}: `query` is not a string"))?.trim().to_string();
                anyhow::ensure!(!query.is_empty(), "{origin}: empty query");
                let groups = strings(&v, "group");
                let variants = strings(&v, "variants");
                let kind = match v.get("kind").and_then(Value::as_str) {
                    Some("name") => Kind::Name,
                    Some("word") => Kind::Word,
                    Some(other) => bail!("{origin}: kind {other:?} (name or word)"),
                    None if !groups.is_empty() || !variants.is_empty() => Kind::Name,
                    None => Kind::Word,
                };
                let lang = v.get("lang").and_then(Value::as_str).map(|s| s.trim().to_lowercase());
                anyhow::ensure!(kind == Kind::Name || lang.is_some(), "{origin}: a word needs its `lang`");
                self.queries.push(Query {
                    query,
                    lang,
                    kind,
                    groups,
                    variants,
                    lemmas: strings(&v, "lemmas"),
                    inflections: strings(&v, "inflections"),
                    set: v.get("set").and_then(Value::as_str).map(str::to_string),
                    origin,
                });
                queries += 1;
            } else if let Some(id) = v.get("group").and_then(Value::as_str) {
                let names = v
                    .get("names")
                    .and_then(Value::as_array)
                    .with_context(|| format!("{origin}: a group needs `names`"))?
                    .iter()
                    .filter_map(|n| match n {
                        Value::String(s) => Some((s.clone(), Vec::new())),
                        Value::Object(_) => Some((n.get("name")?.as_str()?.to_string(), strings(n, "langs"))),
                        _ => None,
                    })
                    .filter(|(n, _)| !n.trim().is_empty())
                    .collect();
                let kind = v.get("kind").and_then(Value::as_str).unwrap_or("name").to_string();
                let g = Group { id: id.to_string(), kind, names };
                match self.groups.get_mut(id) {
                    // The same id in two files: its names are added together.
                    Some(old) => old.names.extend(g.names),
                    None => {
                        self.groups.insert(id.to_string(), g);
                    }
                }
                groups += 1;
            } else {
                bail!("{origin}: neither a query (`query`) nor a group (`group` and `names`)");
            }
        }
        self.files.push((path.display().to_string(), groups, queries));
        Ok(())
    }

    /// The gold of one query.
    pub fn resolve(&self, q: &Query) -> Result<Resolved> {
        let mut spellings: Vec<String> = vec![q.query.clone()];
        let mut lemmas = Vec::new();
        match q.kind {
            Kind::Name => {
                for id in &q.groups {
                    let g = self.groups.get(id).with_context(|| format!("{}: no group {id:?} loaded", q.origin))?;
                    spellings.extend(g.names.iter().map(|(n, _)| n.clone()));
                }
                spellings.extend(q.variants.iter().cloned());
            }
            Kind::Word => {
                let lang = q.lang.as_deref().unwrap_or_default();
                lemmas = if q.lemmas.is_empty() {
                    self.tables.word_lemmas(lang, &q.query).into_iter().collect()
                } else {
                    q.lemmas.clone()
                };
                for l in &lemmas {
                    spellings.extend(self.tables.word_forms(lang, l));
                }
                spellings.extend(q.variants.iter().cloned());
            }
        }
        let mut seen = HashSet::new();
        spellings.retain(|s| Spelling::new(s).is_some_and(|sp| seen.insert(sp)));
        let mut accept: Vec<String> = spellings.clone();
        if q.kind == Kind::Name {
            for s in &spellings {
                accept.extend(self.tables.name_forms(s));
            }
        }
        accept.extend(q.inflections.iter().cloned());
        if q.kind == Kind::Word {
            // The same string can be a word of several languages (`fan` in Italian and
            // English): its inflections in each of them are inflections of what was typed.
            let own = q.lang.as_deref().unwrap_or_default();
            let langs: Vec<String> = self.tables.langs().filter(|l| *l != own).map(str::to_string).collect();
            for lang in langs {
                let mut lemmas = self.tables.word_lemmas(&lang, &q.query);
                if !self.tables.forms_of(&lang, &q.query).is_empty() {
                    lemmas.insert(q.query.clone());
                }
                for l in lemmas {
                    accept.extend(self.tables.word_forms(&lang, &l));
                }
            }
        }
        if q.query.chars().any(crate::judge::is_unspaced) {
            // Simplified and Traditional spellings of a Chinese word, by OpenCC's tables
            // through hanconv's own converter (newsdex-index has its own).
            for s in [hanconv::s2t(&q.query), hanconv::t2s(&q.query), hanconv::s2tw(&q.query), hanconv::s2hk(&q.query)]
            {
                accept.push(s);
            }
        }
        let mut seen = HashSet::new();
        let accept = accept.iter().filter_map(|s| Spelling::new(s)).filter(|s| seen.insert(s.clone())).collect();
        Ok(Resolved { query: q.clone(), spellings, accept, lemmas })
    }
}

/// Every `*.tsv` / `*.tsv.zst` under `dir`, sorted.
pub fn table_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_str().is_some_and(|s| s.ends_with(".tsv") || s.ends_with(".tsv.zst")))
        .collect();
    out.sort();
    Ok(out)
}

/// Every `*.jsonl` / `*.jsonl.zst` under `dir`, sorted.
pub fn jsonl_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_str().is_some_and(|s| s.ends_with(".jsonl") || s.ends_with(".jsonl.zst")))
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(lines: &str) -> Gold {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.jsonl");
        std::fs::write(&p, lines).unwrap();
        let mut g = Gold::default();
        g.load_file(&p).unwrap();
        g
    }

    #[test]
    fn groups_queries_and_inflections() {
        let mut g = gold(concat!(
            "# a comment\n",
            "{\"group\": \"g:ru\", \"names\": [\"Russia\", {\"name\": \"Россия\", \"langs\": [\"ru\"]}]}\n",
            "{\"query\": \"России\", \"lang\": \"ru\", \"group\": \"g:ru\"}\n",
            "{\"query\": \"sued\", \"lang\": \"en\"}\n",
            "{\"query\": \"Annan\", \"variants\": [\"Аннан\"], \"inflections\": [\"Аннану\"]}\n",
        ));
        for (l, f, u) in
            [("Россия", "России", "PROPN"), ("Россия", "Россией", "PROPN"), ("россиянин", "россиянина", "NOUN")]
        {
            g.tables.add("ru", l, f, u);
        }
        for (l, f, u) in [("sue", "sued", "VERB"), ("sue", "sues", "VERB"), ("Sue", "Sue", "PROPN")] {
            g.tables.add("en", l, f, u);
        }
        assert_eq!(g.queries.len(), 3);
        assert_eq!(g.queries[0].kind, Kind::Name);
        assert_eq!(g.queries[1].kind, Kind::Word);
        let r = g.resolve(&g.queries[0]).unwrap();
        assert_eq!(r.spellings, ["России", "Russia", "Россия"]);
        let keys: Vec<String> = r.accept.iter().map(Spelling::key).collect();
        assert!(keys.contains(&"россией".to_string()), "{keys:?}");
        assert!(!keys.contains(&"россиянина".to_string()), "{keys:?}");
        let r = g.resolve(&g.queries[1]).unwrap();
        assert_eq!(r.lemmas, ["sue"]);
        let keys: Vec<String> = r.accept.iter().map(Spelling::key).collect();
        assert_eq!(keys, ["sued", "sue", "sues"]);
        let r = g.resolve(&g.queries[2]).unwrap();
        let keys: Vec<String> = r.accept.iter().map(Spelling::key).collect();
        assert_eq!(keys, ["annan", "аннан", "аннану"]);
    }

    #[test]
    fn an_unknown_group_is_an_error() {
        let g = gold("{\"query\": \"X\", \"group\": \"nope\"}\n");
        assert!(g.resolve(&g.queries[0]).is_err());
    }
}
