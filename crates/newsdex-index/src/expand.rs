//! How a query word is widened without losing precision (issue #15).
//!
//! Expansion once added a word's Snowball stems in every language of the archive and a
//! phonetic key in every script: `Sudan` found English lawsuits ("sues", "sued") and
//! Spanish "su", `Putin` found "put", `Annan` 1,544 documents where 11 have the word, and
//! of the hits only expansion added, 0.45 were a spelling, transliteration or inflection of
//! the word typed. Now a word is widened only by what can be shown to be one of those:
//!
//! * **Word forms, in the language of the documents** ([`Widener::forms`]): the forms of
//!   the archive's term dictionary that share the word's beginning, differ from it by an
//!   inflectional ending of a language ([`endings`]: `price`/`prices`/`priced`,
//!   `Россия`/`России`), and that the language's Snowball stemmer also takes for one word
//!   (so `organ` is not widened to `organization`, nor `new` to `news`; not in Turkish and
//!   Azerbaijani, whose stemmers need the marks the index drops). English irregular verbs
//!   add their base and past forms from a table (`held` → `hold`, `holds`, `holding`:
//!   `data/forms/irregular-en.txt`). Each form is
//!   searched only in documents of that language, and only for languages in which the word
//!   plausibly is one ([`Widener::languages`]: the languages of the documents that hold it,
//!   each with at least a fifth of them; or the query's language when it is clear): a
//!   Spanish ending never widens an English word.
//! * **Names are not inflected into common words.** A word is a name when it is typed with
//!   a capital, or when most documents that hold it write it as a name (the `names` field,
//!   see [`crate::key`]). A name gets only the endings a name takes in its language (case
//!   endings in Russian, Turkish, Finnish…, a genitive `s` in German; nothing in English),
//!   and only forms written as names themselves. A name is also searched in the other cased
//!   scripts by its transliteration (`Putin` → `Путин`), never in its own. In German,
//!   which capitalises nouns, a lower-case word's forms are those the archive does not
//!   write with a capital (`spielen` is not widened to `Spieler`).
//! * The variants file, the gazetteer of place names ([`crate::gazetteer`]: a name's
//!   spellings in other languages and scripts) and Simplified ↔ Traditional Chinese are
//!   applied by the translator.
//!
//! The ending tables are written here (a few dozen endings per language, in the
//! language's own spelling, folded like the index at first use): no crate offers
//! inflectional endings apart from full morphological analysers, which are large and
//! mostly not in Rust. Languages without a table get no word forms.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use tantivy::Searcher;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationLimitsGuard};
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Term};

use crate::analysis::stemmer_for;
use crate::{Fields, IndexError, Result};

/// Share of the documents holding a word that must be in a language for the word to be
/// taken as that language's.
pub const LANGUAGE_SHARE: f64 = 0.2;
/// Share of the documents holding a word that must write it as a name for the word to be
/// taken as a name when it is typed in lower case.
pub const NAME_SHARE: f64 = 0.5;
/// Most terms of the dictionary read for one word's forms (a short word's beginning can
/// start thousands of words; past this many, the word gets no forms in that language).
pub const PREFIX_TERMS: usize = 4096;
/// Most forms searched for one word in one language.
pub const MAX_FORMS: usize = 24;
/// Shortest common beginning of a word and its form, in characters.
const MIN_BASE: usize = 3;

/// Endings of common words (nouns, adjectives, verbs) by language, as the language spells
/// them; `""` (the bare base) is implied.
fn common_table(lang: &str) -> &'static [&'static str] {
    match lang {
        // No `er`: beside comparatives it makes agent nouns, other words (`provider`,
        // `reporter`, `worker`).
        "en" => &["s", "es", "ed", "d", "ing", "est", "y", "ies", "ied", "e"],
        "de" => &[
            "e", "en", "n", "er", "ern", "es", "s", "em", "st", "t", "et", "te", "ten", "tet", "test", "tes", "end",
            "ens",
        ],
        "nl" => &["en", "s", "e", "er", "ere", "st", "t", "te", "ten", "de", "den"],
        "fr" => &[
            "s", "x", "e", "es", "er", "ez", "ent", "ons", "ait", "aient", "ais", "é", "ée", "és", "ées", "a", "ai",
            "as", "ant", "it", "ir", "is", "ra", "rait", "ront",
        ],
        "es" => &[
            "s", "es", "a", "as", "o", "os", "ar", "er", "ir", "ado", "ada", "ados", "adas", "ido", "ida", "idos",
            "idas", "ando", "iendo", "an", "en", "amos", "emos", "imos", "ó", "ió", "aron", "ieron", "aba", "aban",
            "ía", "ían", "ará", "erá", "irá",
        ],
        "it" => &[
            "o", "a", "i", "e", "are", "ere", "ire", "ato", "ata", "ati", "ate", "ito", "ita", "iti", "ite", "uto",
            "uta", "uti", "ute", "ando", "endo", "ano", "ono", "ava", "avano", "erà", "irà", "ò",
        ],
        "pt" => &[
            "s", "es", "a", "as", "o", "os", "ar", "er", "ir", "ado", "ada", "ados", "adas", "ido", "ida", "idos",
            "idas", "am", "em", "ou", "eu", "iu", "ando", "endo", "indo", "ão", "ões", "ãos", "ães", "ava", "avam",
            "ia", "iam",
        ],
        "sv" => &[
            "en", "et", "er", "ar", "or", "na", "ne", "erna", "arna", "orna", "s", "ens", "ets", "t", "e", "de", "te",
            "r", "a",
        ],
        "da" | "nb" | "nn" | "no" => &["en", "et", "er", "ene", "ere", "e", "s", "t", "te", "de", "r"],
        "ru" => &[
            "а", "я", "у", "ю", "ом", "ем", "ём", "ой", "ей", "е", "и", "ы", "ов", "ев", "ам", "ям", "ами", "ями",
            "ах", "ях", "ь", "ью", "ия", "ии", "ию", "ией", "ый", "ий", "ая", "яя", "ое", "ее", "ые", "ие", "ого",
            "его", "ому", "ему", "ую", "юю", "ых", "их", "ым", "им", "ыми", "ими",
        ],
        "uk" => &[
            "а", "я", "у", "ю", "ом", "ем", "єм", "ою", "ею", "і", "и", "ї", "ів", "їв", "ам", "ям", "ами", "ями",
            "ах", "ях", "ові", "еві", "ий", "ій", "е", "ого", "ому", "ої", "их", "им", "ими",
        ],
        "pl" => &["a", "u", "owi", "em", "ie", "y", "i", "ów", "om", "ami", "ach", "ą", "ę", "o", "e"],
        "cs" => &["a", "u", "ovi", "em", "e", "ě", "y", "i", "ů", "ům", "ami", "ách", "ou", "o"],
        "tr" | "az" => &[
            "lar", "ler", "ı", "i", "u", "ü", "ın", "in", "un", "ün", "nın", "nin", "nun", "nün", "a", "e", "ya", "ye",
            "da", "de", "ta", "te", "dan", "den", "tan", "ten", "la", "le", "yla", "yle", "ları", "leri", "ların",
            "lerin", "larda", "lerde", "lardan", "lerden", "sı", "si", "su", "sü", "sını", "sini", "sının", "sinin",
            "sında", "sinde", "sına", "sine", "yı", "yi", "nı", "ni",
        ],
        "fi" => &[
            "n", "in", "a", "ä", "lla", "llä", "lle", "lta", "ltä", "ssa", "ssä", "sta", "stä", "an", "en", "ksi",
            "na", "nä", "t",
        ],
        "hu" => &[
            "t", "ot", "et", "öt", "at", "nak", "nek", "ban", "ben", "ba", "be", "ból", "ből", "ra", "re", "ról",
            "ről", "val", "vel", "tól", "től", "hoz", "hez", "höz", "on", "en", "ön", "k", "ok", "ek", "ök", "ak",
        ],
        "ro" => &["ul", "ului", "a", "ei", "ii", "i", "e", "le", "lor", "ilor", "elor"],
        "el" => &["ς", "ου", "ο", "α", "ας", "ες", "ων", "ους", "η", "ης", "οι"],
        _ => &[],
    }
}

/// Endings a name takes, by language (case endings; a German or Scandinavian genitive).
fn name_table(lang: &str) -> &'static [&'static str] {
    match lang {
        "de" | "nl" | "sv" | "da" | "nb" | "nn" | "no" => &["s"],
        "ru" => &[
            "а", "я", "у", "ю", "ом", "ем", "ой", "ей", "е", "и", "ы", "ым", "им", "ого", "его", "ому", "ему", "ая",
            "ую", "ых", "их", "ыми", "ими",
        ],
        "uk" => &["а", "я", "у", "ю", "ом", "ем", "ою", "ею", "і", "и", "ові", "еві", "ого", "ому", "ої", "ій"],
        "pl" | "cs" | "tr" | "az" | "fi" | "hu" | "ro" | "el" => common_table(lang),
        _ => &[],
    }
}

/// The cased script a language with an ending table is written in.
fn script_of_language(lang: &str) -> Option<crate::key::CasedScript> {
    use crate::key::CasedScript::*;
    Some(match lang {
        "ru" | "uk" => Cyrillic,
        "el" => Greek,
        "en" | "de" | "nl" | "fr" | "es" | "it" | "pt" | "sv" | "da" | "nb" | "nn" | "no" | "pl" | "cs" | "tr"
        | "az" | "fi" | "hu" | "ro" => Latin,
        _ => return None,
    })
}

/// What kind of word is widened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Common,
    Name,
}

/// The ending table of `lang` for `kind`, folded like the index's words, with `""`.
pub fn endings(lang: &str, kind: Kind) -> Option<&'static [String]> {
    static TABLES: OnceLock<HashMap<(String, bool), Vec<String>>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let mut t = HashMap::new();
        for lang in [
            "en", "de", "nl", "fr", "es", "it", "pt", "sv", "da", "nb", "nn", "no", "ru", "uk", "pl", "cs", "tr", "az",
            "fi", "hu", "ro", "el",
        ] {
            for (name, table) in [(false, common_table(lang)), (true, name_table(lang))] {
                if table.is_empty() {
                    continue;
                }
                let mut folded: Vec<String> =
                    std::iter::once(String::new()).chain(table.iter().map(|e| fold(e))).collect();
                folded.sort();
                folded.dedup();
                t.insert((lang.to_string(), name), folded);
            }
        }
        t
    });
    tables.get(&(lang.to_string(), kind == Kind::Name)).map(Vec::as_slice)
}

/// An ending as the index writes it: lower case, script folds, no Latin accents.
fn fold(s: &str) -> String {
    let lower = s.to_lowercase();
    crate::analysis::deaccent(&crate::analysis::fold_script(&lower)).into_owned()
}

/// The English irregular verbs (`data/forms/irregular-en.txt`), each as its base first
/// and its past forms, folded like the index's words.
const IRREGULAR_EN: &str = include_str!("../../../data/forms/irregular-en.txt");

/// The irregular verb `word` is a form of, in `lang`, when a common word: its base first,
/// then its past forms. Only English has a table.
pub fn irregular(lang: &str, kind: Kind, word: &str) -> Option<&'static [String]> {
    /// The verbs, and each form's verb.
    type Verbs = (Vec<Vec<String>>, HashMap<String, usize>);
    static VERBS: OnceLock<Verbs> = OnceLock::new();
    if lang != "en" || kind != Kind::Common {
        return None;
    }
    let (verbs, by_form) = VERBS.get_or_init(|| {
        let mut verbs: Vec<Vec<String>> = Vec::new();
        let mut by_form = HashMap::new();
        // The base's regular forms lead to the verb too (`going` → go, went, gone), unless
        // two verbs make the same one.
        let mut regular: HashMap<String, Option<usize>> = HashMap::new();
        for line in IRREGULAR_EN.lines().filter(|l| !l.starts_with('#')) {
            let forms: Vec<String> = line.split_whitespace().map(fold).collect();
            if forms.len() < 2 {
                continue;
            }
            for f in &forms {
                by_form.insert(f.clone(), verbs.len());
            }
            for r in english_regular(&forms[0]) {
                let e = regular.entry(r).or_insert(Some(verbs.len()));
                if *e != Some(verbs.len()) {
                    *e = None;
                }
            }
            verbs.push(forms);
        }
        for (r, verb) in regular {
            if let Some(v) = verb {
                by_form.entry(r).or_insert(v);
            }
        }
        (verbs, by_form)
    });
    by_form.get(word).map(|&i| verbs[i].as_slice())
}

/// The third person and `-ing` form of an English verb's base, by the spelling rules
/// (`go` → `goes`, `going`; `make` → `making`; `run` → `running`; `die` → `dying`).
fn english_regular(base: &str) -> Vec<String> {
    let vowel = |c: char| "aeiou".contains(c);
    let chars: Vec<char> = base.chars().collect();
    let mut out = Vec::new();
    let sibilant = ["s", "sh", "ch", "x", "z", "o"].iter().any(|e| base.ends_with(e));
    out.push(format!("{base}{}", if sibilant { "es" } else { "s" }));
    if let Some(stem) = base.strip_suffix("ie") {
        out.push(format!("{stem}ying"));
    } else if base.ends_with('e') && !base.ends_with("ee") && chars.len() > 2 {
        out.push(format!("{}ing", &base[..base.len() - 1]));
    } else if let [.., a, b, c] = chars.as_slice()
        && !vowel(*a)
        && vowel(*b)
        && !vowel(*c)
        && !"wxy".contains(*c)
        && chars.iter().filter(|c| vowel(**c)).count() == 1
    {
        out.push(format!("{base}{c}ing"));
    } else {
        out.push(format!("{base}ing"));
    }
    out
}

/// Whether `form` is `word` with another ending of `table`: both are a common beginning of
/// at least three characters and an ending of the table (the longest common beginning, or
/// one character less, for stems that change their last letter: `study`/`studies`).
pub fn is_inflection(word: &str, form: &str, table: &[String]) -> bool {
    if word == form {
        return false;
    }
    let w: Vec<char> = word.chars().collect();
    let f: Vec<char> = form.chars().collect();
    let lcp = w.iter().zip(&f).take_while(|(a, b)| a == b).count();
    // An ending, allowing the base's last consonant doubled before it (`run`/`running`).
    let ending_of = |chars: &[char], b: usize| {
        let e: String = chars[b..].iter().collect();
        if table.contains(&e) {
            return true;
        }
        let last = chars[b - 1];
        chars.get(b) == Some(&last)
            && !matches!(last, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
            && table.iter().any(|t| !t.is_empty() && *t == chars[b + 1..].iter().collect::<String>())
    };
    // In English a final `e` is a letter of the base that drops before an ending that
    // begins with a vowel (`hope`/`hoping`/`hoped`), not an ending of its own: beside
    // anything else it is another word (`suit`/`suite`, `suits`/`suite`, `plan`/`plane`).
    // The English table is the one with `ing`.
    let e_final = table.iter().any(|t| t == "ing");
    let bare_and_e = |b: usize| {
        let (ew, ef): (String, String) = (w[b..].iter().collect(), f[b..].iter().collect());
        let drops = |other: &str| other.starts_with('e') || other.starts_with('i');
        e_final && ((ew == "e" && !drops(&ef)) || (ef == "e" && !drops(&ew)))
    };
    (lcp.saturating_sub(1)..=lcp).rev().any(|b| b >= MIN_BASE && ending_of(&w, b) && ending_of(&f, b) && !bare_and_e(b))
}

/// One language's forms of a word.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Forms {
    /// The language of the documents they are searched in.
    pub lang: String,
    /// The forms, as indexed (lower case, folded).
    pub words: Vec<String>,
}

/// Call `f` with every term of `field` that starts with `prefix`, segment by segment (a
/// term in several segments comes once per segment), until `f` returns false.
pub(crate) fn for_each_prefixed(
    searcher: &Searcher,
    field: tantivy::schema::Field,
    prefix: &str,
    mut f: impl FnMut(&[u8]) -> bool,
) -> Result<()> {
    for seg in searcher.segment_readers() {
        let inverted = seg.inverted_index(field)?;
        let mut terms = inverted
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .into_stream()
            .map_err(|e| IndexError::Io("the term dictionary".into(), e))?;
        while terms.advance() {
            if !terms.key().starts_with(prefix.as_bytes()) {
                break;
            }
            if !f(terms.key()) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Reads the index to widen query words.
pub(crate) struct Widener<'a> {
    pub searcher: &'a Searcher,
    pub fields: Fields,
    pub cache: &'a WidenCache,
}

/// What widening read from one view of the index (one tantivy searcher generation), kept
/// for the next queries on the same view: a word's languages, its forms per language and
/// whether it is a name depend only on the index's contents, and reading them (an
/// aggregation over the word's documents, a walk of the term dictionary) cost a third of
/// a query's translation in a profile of 10,000 watches sharing their words. A new view
/// (a commit, a merge) starts the cache afresh; it never holds more than [`CACHE_WORDS`]
/// entries of each kind.
#[derive(Debug, Default)]
pub(crate) struct WidenCache(std::sync::Mutex<CacheInner>);

#[derive(Debug, Default)]
struct CacheInner {
    generation: Option<u64>,
    languages: HashMap<String, Vec<String>>,
    forms: HashMap<(String, String, Kind), Vec<String>>,
    names: HashMap<String, bool>,
    /// A word's place names in other languages that the archive holds
    /// ([`crate::query`]'s `place_names`), by what they were asked with.
    places: HashMap<PlacesKey, (Vec<String>, usize)>,
}

/// What a word's place names are asked with: the word as typed, its tokens, the fields
/// (as numbers) and the room left in its budget of spellings.
pub(crate) type PlacesKey = (String, Vec<String>, Vec<u32>, usize);

/// The most entries of each kind a [`WidenCache`] keeps before it starts afresh.
const CACHE_WORDS: usize = 50_000;

impl WidenCache {
    /// The cache for `searcher`'s view, emptied if it held another view's.
    fn with<T>(&self, searcher: &Searcher, f: impl FnOnce(&mut CacheInner) -> T) -> T {
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let generation = searcher.generation().generation_id();
        if inner.generation != Some(generation)
            || inner.languages.len().max(inner.forms.len()).max(inner.names.len()).max(inner.places.len()) > CACHE_WORDS
        {
            *inner = CacheInner { generation: Some(generation), ..CacheInner::default() };
        }
        f(&mut inner)
    }
}

impl Widener<'_> {
    /// The place names cached for `key` on this view, or those `read` finds (then kept).
    pub(crate) fn place_names(
        &self,
        key: PlacesKey,
        read: impl FnOnce() -> Result<(Vec<String>, usize)>,
    ) -> Result<(Vec<String>, usize)> {
        if let Some(known) = self.cache.with(self.searcher, |c| c.places.get(&key).cloned()) {
            return Ok(known);
        }
        let found = read()?;
        self.cache.with(self.searcher, |c| c.places.insert(key, found.clone()));
        Ok(found)
    }

    fn doc_freq(&self, field: tantivy::schema::Field, text: &str) -> Result<u64> {
        Ok(self.searcher.doc_freq(&Term::from_field_text(field, text))?)
    }

    /// Whether the (analyzed) word `word` is a name in this archive: most documents that
    /// hold it write it as one.
    pub fn written_as_name(&self, word: &str) -> Result<bool> {
        if let Some(known) = self.cache.with(self.searcher, |c| c.names.get(word).copied()) {
            return Ok(known);
        }
        let name = self.read_written_as_name(word)?;
        self.cache.with(self.searcher, |c| c.names.insert(word.to_string(), name));
        Ok(name)
    }

    fn read_written_as_name(&self, word: &str) -> Result<bool> {
        let Some(key) = crate::key::key(word) else { return Ok(false) };
        let holding = self.doc_freq(self.fields.body, word)?;
        if holding == 0 {
            return Ok(false);
        }
        let as_name = self.doc_freq(self.fields.names, &key)?;
        Ok(as_name as f64 >= NAME_SHARE * holding as f64)
    }

    /// Whether some document writes `form` as a name.
    fn is_name_somewhere(&self, form: &str) -> Result<bool> {
        match crate::key::key(form) {
            Some(k) => Ok(self.doc_freq(self.fields.names, &k)? > 0),
            None => Ok(false),
        }
    }

    /// The languages of the documents that hold `word`, each with at least
    /// [`LANGUAGE_SHARE`] of them, most first.
    pub fn languages(&self, word: &str) -> Result<Vec<String>> {
        if let Some(known) = self.cache.with(self.searcher, |c| c.languages.get(word).cloned()) {
            return Ok(known);
        }
        let langs = self.read_languages(word)?;
        self.cache.with(self.searcher, |c| c.languages.insert(word.to_string(), langs.clone()));
        Ok(langs)
    }

    fn read_languages(&self, word: &str) -> Result<Vec<String>> {
        let req: Aggregations =
            serde_json::from_value(serde_json::json!({"lang": {"terms": {"field": "lang", "size": 100}}}))
                .expect("a valid aggregation request");
        let guard = AggregationLimitsGuard::new(Some(16 << 20), None);
        let agg = AggregationCollector::from_aggs(req, AggContextParams::new(guard, Default::default()));
        let q = TermQuery::new(Term::from_field_text(self.fields.body, word), IndexRecordOption::Basic);
        let res = self.searcher.search(&q, &agg)?;
        let (buckets, _) = crate::facets::buckets(&res, "lang");
        let total: u64 = buckets.iter().map(|b| b.count).sum();
        if total > 0 {
            return Ok(buckets
                .into_iter()
                .filter(|b| b.count as f64 >= LANGUAGE_SHARE * total as f64)
                .map(|b| b.value)
                .collect());
        }
        // No document holds the word as typed (a dictionary form of a word the archive
        // holds only inflected): the archive's languages written in the word's script.
        let Some(script) = crate::key::cased_script(word) else { return Ok(Vec::new()) };
        let mut out = BTreeSet::new();
        for seg in self.searcher.segment_readers() {
            let inverted = seg.inverted_index(self.fields.lang)?;
            let mut terms = inverted.terms().stream().map_err(|e| IndexError::Io("the language terms".into(), e))?;
            while terms.advance() {
                let lang = String::from_utf8_lossy(terms.key()).into_owned();
                if script_of_language(&lang) == Some(script) {
                    out.insert(lang);
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The forms of `word` in documents of `lang`: terms of the body's dictionary that
    /// [`is_inflection`] of it by `lang`'s table for `kind`; common words must also have
    /// the same Snowball stem, names must be written as names somewhere. At most
    /// [`MAX_FORMS`], most frequent first.
    pub fn forms(&self, word: &str, lang: &str, kind: Kind) -> Result<Vec<String>> {
        let key = (word.to_string(), lang.to_string(), kind);
        if let Some(known) = self.cache.with(self.searcher, |c| c.forms.get(&key).cloned()) {
            return Ok(known);
        }
        let forms = self.read_forms(word, lang, kind)?;
        self.cache.with(self.searcher, |c| c.forms.insert(key, forms.clone()));
        Ok(forms)
    }

    fn read_forms(&self, word: &str, lang: &str, kind: Kind) -> Result<Vec<String>> {
        let mut forms = self.regular_forms(word, lang, kind)?;
        let Some(verb) = irregular(lang, kind, word) else { return Ok(forms) };
        // An irregular verb: its base and past forms, and the base's regular forms
        // (`held` → `hold`, `holds`, `holding`), where the archive has them and does not
        // write them as names.
        let mut more: Vec<String> = verb.to_vec();
        more.extend(self.regular_forms(&verb[0], lang, kind)?);
        let mut out: Vec<(u64, String)> = Vec::new();
        for f in more {
            if f == word || forms.contains(&f) || out.iter().any(|(_, o)| *o == f) {
                continue;
            }
            let df = self.doc_freq(self.fields.body, &f)?;
            if df > 0 && !self.written_as_name(&f)? {
                out.push((df, f));
            }
        }
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        forms.extend(out.into_iter().map(|(_, f)| f));
        forms.truncate(MAX_FORMS);
        Ok(forms)
    }

    /// Forms of `word` by the ending tables (see the module doc).
    fn regular_forms(&self, word: &str, lang: &str, kind: Kind) -> Result<Vec<String>> {
        let Some(table) = endings(lang, kind) else { return Ok(Vec::new()) };
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < MIN_BASE {
            return Ok(Vec::new());
        }
        // Every form begins with the word less one of its endings, less a character at most
        // (see `is_inflection`).
        let shortest_base = table
            .iter()
            .filter(|e| word.ends_with(e.as_str()))
            .map(|e| chars.len() - e.chars().count())
            .min()
            .unwrap_or(chars.len());
        let prefix: String = chars[..shortest_base.saturating_sub(1).max(MIN_BASE).min(chars.len())].iter().collect();
        let mut candidates = BTreeSet::new();
        let mut too_many = false;
        for_each_prefixed(self.searcher, self.fields.body, &prefix, |t| {
            if candidates.len() >= PREFIX_TERMS {
                too_many = true;
                return false;
            }
            if let Ok(t) = std::str::from_utf8(t) {
                candidates.insert(t.to_string());
            }
            true
        })?;
        if too_many {
            return Ok(Vec::new());
        }
        // The index drops Latin marks; Turkish and Azerbaijani stemmers read vowel harmony
        // in them (ı/i, ö/o, ü/u) and go wrong without: there the table decides alone.
        let stemmer = stemmer_for(lang).filter(|_| !matches!(lang, "tr" | "az")).map(frostem::Stemmer::new);
        let stem_of_word = stemmer.as_ref().map(|s| s.stem(word).into_owned());
        let mut out: Vec<(u64, String)> = Vec::new();
        for f in candidates {
            if !is_inflection(word, &f, table) {
                continue;
            }
            let ok = match kind {
                // In German, which capitalises its nouns, a lower-case word's form is not
                // one the archive writes with a capital: that is a noun, another word
                // (`spielen` is not widened to `Spieler`, the player). Elsewhere a
                // capital is a name's (`İstanbul Üniversitesi`), still the word's form.
                Kind::Common => {
                    (match (&stemmer, &stem_of_word) {
                        (Some(s), Some(w)) => s.stem(&f) == w.as_str(),
                        _ => true,
                    }) && !(lang == "de" && self.written_as_name(&f)?)
                }
                Kind::Name => self.is_name_somewhere(&f)?,
            };
            if ok {
                out.push((self.doc_freq(self.fields.body, &f)?, f));
            }
        }
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok(out.into_iter().take(MAX_FORMS).map(|(_, f)| f).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(lang: &str, kind: Kind) -> &'static [String] {
        endings(lang, kind).unwrap()
    }

    #[test]
    fn irregular_english_verbs_join_their_base_and_past_forms() {
        let held = irregular("en", Kind::Common, "held").unwrap();
        assert_eq!(held[0], "hold");
        assert!(held.contains(&"held".to_string()));
        let went = irregular("en", Kind::Common, "went").unwrap();
        assert_eq!(went, ["go", "went", "gone", "goes"]);
        // From the base's regular forms too.
        assert_eq!(irregular("en", Kind::Common, "going"), Some(went));
        assert_eq!(irregular("en", Kind::Common, "running").unwrap()[0], "run");
        assert_eq!(irregular("en", Kind::Common, "making").unwrap()[0], "make");
        assert_eq!(irregular("en", Kind::Common, "teaches").unwrap()[0], "teach");
        assert_eq!(irregular("en", Kind::Common, "riding").unwrap()[0], "ride");
        assert_eq!(irregular("en", Kind::Common, "sitting").unwrap()[0], "sit");
        // Not for names, other languages, or forms that are mostly other words.
        assert!(irregular("en", Kind::Name, "held").is_none());
        assert!(irregular("de", Kind::Common, "held").is_none());
        for not in ["ground", "left", "won", "was"] {
            assert!(irregular("en", Kind::Common, not).is_none(), "{not}");
        }
    }

    #[test]
    fn inflections_by_ending_tables() {
        let en = t("en", Kind::Common);
        assert!(is_inflection("price", "prices", en));
        assert!(is_inflection("prices", "priced", en));
        assert!(is_inflection("study", "studies", en));
        assert!(is_inflection("run", "running", en), "a doubled consonant before the ending");
        assert!(is_inflection("running", "runs", en));
        assert!(is_inflection("see", "seeing", en));
        assert!(!is_inflection("bus", "bushes", en), "bush is another word");
        assert!(!is_inflection("suite", "suit", en), "regression: suite is not a form of suit");
        assert!(!is_inflection("plan", "plane", en));
        assert!(is_inflection("hope", "hoping", en));
        assert!(is_inflection("suite", "suites", en));
        assert!(!is_inflection("suite", "suits", en), "regression: suits is suit's");
        assert!(!is_inflection("provide", "provider", en), "regression: an agent noun is another word");
        assert!(is_inflection("hope", "hoped", en));
        assert!(!is_inflection("sudan", "sued", en), "a beginning of two letters is not a base");
        assert!(!is_inflection("putin", "putting", en));
        assert!(!is_inflection("organ", "organization", en));
        let ru = t("ru", Kind::Name);
        assert!(is_inflection(&fold("России"), &fold("Россия"), t("ru", Kind::Common)));
        assert!(is_inflection(&fold("Путин"), &fold("Путина"), ru));
        assert!(!is_inflection(&fold("Путин"), &fold("Путинизм"), ru));
        assert!(endings("en", Kind::Name).is_none(), "English names take no endings");
        assert!(endings("ar", Kind::Common).is_none());
    }

    #[test]
    fn tables_are_folded_like_the_index() {
        assert!(t("es", Kind::Common).contains(&"io".to_string()), "ió folds to io");
        assert!(t("tr", Kind::Common).contains(&"in".to_string()), "ın folds to in");
        assert!(t("ru", Kind::Common).contains(&"ем".to_string()), "ём folds to ем");
    }
}
