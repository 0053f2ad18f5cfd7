//! Spelling variants: groups of spellings of one name that a query for any of them also
//! searches (`Uyghur` → `Uighur`, `Уйгур`, `ئۇيغۇر`, `维吾尔`…).
//!
//! The groups are data, not code: `data/variants.txt` is compiled in, and a user's own
//! file (the data directory's `variants.txt`) adds to it. One group per line, spellings
//! separated by commas, `#` starts a comment. Spellings are compared after the text
//! analyzer (case, accents, script folds), so `ÜRÜMQI` and `Urumqi` are one spelling;
//! groups that share a spelling are merged.

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;

/// The file shipped with newsdex.
pub const BUILTIN: &str = include_str!("../../../data/variants.txt");

/// Groups of spellings, each spelling as its analyzed tokens.
#[derive(Debug, Clone, Default)]
pub struct Variants {
    /// Each group: its spellings as written, and as tokens.
    groups: Vec<Vec<(String, Vec<String>)>>,
    /// Analyzed spelling (tokens joined by a space) → group.
    by_form: HashMap<String, usize>,
}

/// A line that could not be used, for the user to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub reason: String,
}

fn tokens(analyzer: &mut TextAnalyzer, s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut st = analyzer.token_stream(s);
    while st.advance() {
        // Dictionary words share their first bigram's position: spellings compare by their
        // main tokens only.
        let t = st.token();
        if out.len() <= t.position {
            out.push(t.text.clone());
        }
    }
    out
}

impl Variants {
    /// Parse `files` (the builtin file first, then the user's) with `analyzer`. Lines that
    /// hold fewer than two usable spellings are reported, not fatal.
    pub fn parse(files: &[&str], analyzer: &mut TextAnalyzer) -> (Variants, Vec<BadLine>) {
        let mut v = Variants::default();
        let mut bad = Vec::new();
        for text in files {
            for (n, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let mut spellings: Vec<(String, Vec<String>)> = Vec::new();
                for s in line.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let t = tokens(analyzer, s);
                    if !t.is_empty() && !spellings.iter().any(|(_, o)| *o == t) {
                        spellings.push((s.to_string(), t));
                    }
                }
                if spellings.len() < 2 {
                    bad.push(BadLine { line: n + 1, reason: "a group needs two or more spellings".into() });
                    continue;
                }
                v.add(spellings);
            }
        }
        (v, bad)
    }

    fn add(&mut self, spellings: Vec<(String, Vec<String>)>) {
        // Merge with every group that shares a spelling.
        let mut into: Option<usize> = None;
        let mut merged = spellings;
        let mut others: Vec<usize> =
            merged.iter().filter_map(|(_, t)| self.by_form.get(&t.join(" ")).copied()).collect();
        others.sort_unstable();
        others.dedup();
        if let Some((&first, rest)) = others.split_first() {
            into = Some(first);
            for &g in rest {
                let moved = std::mem::take(&mut self.groups[g]);
                merged.extend(moved);
            }
        }
        let g = match into {
            Some(g) => g,
            None => {
                self.groups.push(Vec::new());
                self.groups.len() - 1
            }
        };
        for (s, t) in merged {
            if !self.groups[g].iter().any(|(_, o)| *o == t) {
                self.by_form.insert(t.join(" "), g);
                self.groups[g].push((s, t));
            }
        }
    }

    /// The other spellings of the analyzed word or phrase `tokens`: (as written, tokens).
    pub fn others(&self, tokens: &[String]) -> Vec<(&str, &[String])> {
        let Some(&g) = self.by_form.get(&tokens.join(" ")) else { return Vec::new() };
        self.groups[g].iter().filter(|(_, t)| t.as_slice() != tokens).map(|(s, t)| (s.as_str(), t.as_slice())).collect()
    }

    /// Groups in use.
    pub fn len(&self) -> usize {
        self.groups.iter().filter(|g| !g.is_empty()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> TextAnalyzer {
        crate::schema::text_analyzer()
    }

    /// The variants are read at every opening without jieba's dictionary (loading it was
    /// most of a one-word search's time); only the main tokens of each position count, so
    /// the groups are the same as with the full analyzer.
    #[test]
    fn the_variants_read_without_dictionary_words_are_the_same() {
        let (full, _) = Variants::parse(&[BUILTIN], &mut analyzer());
        let (main, _) = Variants::parse(&[BUILTIN], &mut crate::schema::main_tokens_analyzer());
        assert_eq!(full.groups, main.groups);
        assert_eq!(full.by_form, main.by_form);
        assert!(
            full.groups
                .iter()
                .flatten()
                .any(|(s, t)| s.chars().filter(|&c| crate::is_cjk(c)).count() >= 3 && t.len() >= 2)
        );
    }

    #[test]
    fn builtin_file_parses_cleanly() {
        let (v, bad) = Variants::parse(&[BUILTIN], &mut analyzer());
        assert!(bad.is_empty(), "{bad:?}");
        assert!(v.len() > 40);
        let others: Vec<&str> = v.others(&["uyghur".into()]).into_iter().map(|(s, _)| s).collect();
        for want in ["Uighur", "Уйгур", "ئۇيغۇر", "维吾尔"] {
            assert!(others.contains(&want), "{want} not in {others:?}");
        }
    }

    #[test]
    fn user_groups_merge_with_builtin_ones() {
        let user = "Uyghur, Weiwuer\nlonely\n";
        let (v, bad) = Variants::parse(&[BUILTIN, user], &mut analyzer());
        assert_eq!(bad, [BadLine { line: 2, reason: "a group needs two or more spellings".into() }]);
        let others: Vec<&str> = v.others(&["uighur".into()]).into_iter().map(|(s, _)| s).collect();
        assert!(others.contains(&"Weiwuer"), "{others:?}");
    }

    #[test]
    fn multi_word_spellings() {
        let (v, _) = Variants::parse(&[BUILTIN], &mut analyzer());
        let others: Vec<&str> = v.others(&["almaty".into()]).into_iter().map(|(s, _)| s).collect();
        assert!(others.contains(&"Alma-Ata"), "{others:?}");
    }
}
