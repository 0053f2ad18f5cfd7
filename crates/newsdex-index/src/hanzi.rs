//! Simplified and Traditional Chinese spellings of one word (issue #15): `东京` and `東京`,
//! `台湾`, `臺灣` and `台灣`, `头发` and `頭髮` are the same word, and a query for one should
//! find the others.
//!
//! * [`to_simplified`] and [`to_traditional`] convert text the way OpenCC's `t2s` and `s2t`
//!   do: the longest phrase of the phrase table that starts at a character wins, otherwise
//!   the character table's first candidate (`干` → `幹`, but `干净` → `乾淨` and `若干` →
//!   `若干`). [`to_taiwan`] and [`to_hong_kong`] add the regional character forms to the
//!   traditional (`爲` → `為`, `臺` → `台` in Hong Kong). All four borrow their input when
//!   nothing changes.
//! * [`other_script`] is what query expansion wants: a word's spellings in the other
//!   script, never the word itself, in a fixed order (simplified, traditional, Taiwan,
//!   Hong Kong, then the other candidates of a single character).
//! * [`is_han`] tells the ideographs apart, for a caller that folds at index time.
//!
//! # Data: OpenCC's tables, through the `hanconv` crate
//!
//! The tables are OpenCC's (github.com/BYVoid/OpenCC, Apache-2.0): `STCharacters`,
//! `STPhrases`, `TSCharacters`, `TSPhrases`, `TWVariants` and `HKVariants`. They come from
//! the crates.io crate `hanconv` 0.5.1 (MIT; the tables under Apache-2.0 with OpenCC's
//! licence in the crate), whose `data/` files are byte for byte OpenCC's
//! `data/dictionary/` at commit 5810b60222fe3c0d15a7ab61a3e054bb5b225c57 (2026-01-15; every
//! file's git blob hash compared). Only its raw text is used ([`hanconv::RawDictionary`]),
//! compiled in with `include_str!`: no build script, nothing downloaded at build or run
//! time, and its one dependency (`ahash`) was already in the tree. The other candidates:
//!
//! * `zhconv`: GPL-2.0-or-later, which newsdex's MIT OR Apache-2.0 cannot take.
//! * `opencc-rust`: binds the C++ library.
//! * `ferrous-opencc` 0.4 (compiles its tables in a build script with rkyv, fst and phf)
//!   and `opencc-fmmseg` (zstd, rayon, regex, serde_cbor): many more dependencies, and
//!   their tables match no OpenCC commit byte for byte.
//! * `fast2s`: Traditional → Simplified only, one character for one (tables taken from
//!   `simplet2s`); `character_converter`: prebuilt binary tables with no stated source.
//!
//! `hanconv`'s own converter is not used: it builds a trie of hash maps at first use and
//! has no way to ask for every candidate of a character, which [`other_script`] needs.
//! To update the tables, bump `hanconv` once it follows OpenCC (OpenCC changed ~2,000
//! lines of these files between that commit and 2026-08: 么, 梁/樑, 復/複/覆 fixes…).
//!
//! # Cost
//!
//! Binary: the six tables are 1.08 MB of text (`STPhrases` alone 1.0 MB, 49,179 phrases),
//! compiled in. Memory: they are indexed into hash maps on first use, once per process;
//! [`preload_hanzi_tables`] does it ahead of the first query.
//!
//! Speed: a search converts only its Chinese query words ([`other_script`]), never a
//! document's text, so the conversion is not on the indexing path; its per-search cost is
//! inside the search timings of `bench/run`.
//!
//! # Limits
//!
//! * One-to-many: a simplified character can stand for several traditional ones (`发` →
//!   `發` / `髮`, `干` → `幹` / `乾` / `干`, `后` → `後` / `后`, `台` → `臺` / `檯` / `颱` /
//!   `台`). Only the phrases in `STPhrases` pick the right one (`头发` → `頭髮`, `皇后` →
//!   `皇后`); a word outside them gets the first candidate, so a rarer name can come out
//!   wrong. [`other_script`] lists every candidate for a single character, and for a
//!   traditional word keeps the word's own character where the round trip through
//!   simplified would swap it for another candidate (`乾` gives `干`, not `幹` too).
//! * Regional vocabulary is not converted: `网络` / `網路`, `帕劳` / `帛琉` (Palau) are
//!   different words, not spellings (OpenCC's `s2twp` phrase tables are not used).
//! * Japanese: shinjitai kanji are often the traditional character (`東京`), sometimes the
//!   simplified one (`国`, `学`) and sometimes neither (`広` for `廣` / `广`, `駅` for `驛` /
//!   `驿`), so `东京` finds `東京` but `广岛` does not find `広島`. OpenCC's Japanese tables
//!   are not used; a word with kana in it gets no other spelling.
//! * The tables are OpenCC's of January 2026 (see above).

use std::borrow::Cow;
use std::sync::LazyLock;

use hanconv::RawDictionary;
use rustc_hash::{FxHashMap, FxHashSet};

/// Whether `c` is a Han ideograph: the CJK unified ideographs and their extensions, the
/// compatibility ideographs, and planes 2 and 3 (all ideographs). Kana, radicals,
/// punctuation and `〇` are not.
#[inline]
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F)
}

/// Simplified Chinese for `s` (OpenCC `t2s`, plus the Taiwan and Hong Kong character forms
/// that `t2s` leaves alone, such as `衞` → `卫`). Everything that is not Han passes through.
pub fn to_simplified(s: &str) -> Cow<'_, str> {
    TABLES.t2s.convert(s)
}

/// Traditional Chinese for `s`, in OpenCC's standard forms (`s2t`: `爲`, `臺`, `裏`).
/// Traditional input passes through.
pub fn to_traditional(s: &str) -> Cow<'_, str> {
    TABLES.s2t.convert(s)
}

/// Traditional Chinese as written in Taiwan (OpenCC `s2tw`: `為`, `臺`, `裡`).
pub fn to_taiwan(s: &str) -> Cow<'_, str> {
    regional(&TABLES.tw, s)
}

/// Traditional Chinese as written in Hong Kong (OpenCC `s2hk`: `為`, `台`, `裏`).
pub fn to_hong_kong(s: &str) -> Cow<'_, str> {
    regional(&TABLES.hk, s)
}

fn regional<'a>(dict: &Dict, s: &'a str) -> Cow<'a, str> {
    match to_traditional(s) {
        Cow::Borrowed(t) => dict.convert(t),
        Cow::Owned(t) => Cow::Owned(dict.convert(&t).into_owned()),
    }
}

/// Build the tables now rather than at the first conversion.
pub fn preload_hanzi_tables() {
    LazyLock::force(&TABLES);
}

/// The other-script spellings of the Han word `word`: simplified, OpenCC's traditional,
/// Taiwan's and Hong Kong's forms where they differ, then, for a word of one character,
/// its other candidates (`干` → `幹`, `乾`; `台` → `臺`, `檯`, `枱`, `颱`). Never `word`
/// itself, no repeats, always in this order. Empty when `word` has no Han character, has
/// kana (Japanese), or is written the same in both scripts (`皇后`, `香港`).
pub fn other_script(word: &str) -> Vec<String> {
    if !word.chars().any(is_han) || word.chars().any(is_kana) {
        return Vec::new();
    }
    let tables = &*TABLES;
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if s != word && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    let simplified = tables.t2s.convert(word);
    let is_traditional = simplified != word;
    let mut traditional = tables.s2t.convert(&simplified).into_owned();
    if is_traditional {
        traditional = tables.keep_own_characters(word, &simplified, &traditional);
    }
    add(&simplified);
    add(&traditional);
    add(&tables.tw.convert(&traditional));
    add(&tables.hk.convert(&traditional));
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        let dict = if is_traditional { &tables.t2s } else { &tables.s2t };
        if let Some(&(_, all)) = dict.chars.get(&c) {
            for cand in all.split(' ') {
                add(cand);
                if !is_traditional {
                    add(&tables.tw.convert(cand));
                    add(&tables.hk.convert(cand));
                }
            }
        }
    } else if !is_traditional && let Some(&(_, all)) = tables.s2t.phrases.get(&*simplified) {
        // A phrase with two readings (`不干` → `不幹` / `不乾`).
        for cand in all.split(' ') {
            add(cand);
            add(&tables.tw.convert(cand));
            add(&tables.hk.convert(cand));
        }
    }
    out
}

/// One direction of conversion: OpenCC's phrase and character tables.
#[derive(Default)]
struct Dict {
    /// Character → (first candidate, all candidates separated by spaces).
    chars: FxHashMap<char, (char, &'static str)>,
    /// Phrase → (first candidate, all candidates separated by spaces).
    phrases: FxHashMap<&'static str, (&'static str, &'static str)>,
    /// A phrase's first two characters → bit n set when a phrase of n characters starts
    /// with them: most pairs of running text start none, and are ruled out in one look-up.
    starts: FxHashMap<u64, u32>,
}

fn pair(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// `key<TAB>candidate candidate…` lines; `#` starts a comment line.
fn entries(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).filter_map(|l| {
        let (k, v) = l.split_once('\t')?;
        let v = v.trim_end();
        (!k.is_empty() && !v.is_empty()).then_some((k, v))
    })
}

fn first(all: &str) -> &str {
    all.split(' ').next().unwrap_or(all)
}

impl Dict {
    fn add_chars(&mut self, text: &'static str) {
        self.chars.reserve(text.len() / 8);
        for (k, v) in entries(text) {
            let mut kc = k.chars();
            let (Some(c), None) = (kc.next(), kc.next()) else { continue };
            let Some(d) = first(v).chars().next() else { continue };
            self.chars.entry(c).or_insert((d, v));
        }
    }

    fn add_phrases(&mut self, text: &'static str) {
        self.phrases.reserve(text.len() / 20);
        for (k, v) in entries(text) {
            let mut kc = k.chars();
            let n = k.chars().count();
            let (Some(a), Some(b)) = (kc.next(), kc.next()) else { continue };
            if n > 31 || n != first(v).chars().count() {
                continue;
            }
            if self.phrases.insert(k, (first(v), v)).is_none() {
                *self.starts.entry(pair(a, b)).or_default() |= 1 << n;
            }
        }
    }

    /// The longest phrase at the start of `rest`, whose first character is `c`: its length
    /// in bytes and its replacement.
    #[inline]
    fn phrase_at(&self, rest: &str, c: char) -> Option<(usize, &'static str)> {
        if self.starts.is_empty() {
            return None;
        }
        let mut it = rest.char_indices().skip(1);
        let (_, c2) = it.next()?;
        let mask = *self.starts.get(&pair(c, c2))?;
        let longest = 31 - mask.leading_zeros() as usize;
        // ends[n]: byte length of the first n characters.
        let mut ends = [0usize; 32];
        ends[1] = c.len_utf8();
        ends[2] = ends[1] + c2.len_utf8();
        let mut have = 2;
        for (i, ch) in it.take(longest - 2) {
            have += 1;
            ends[have] = i + ch.len_utf8();
        }
        (2..=have.min(longest))
            .rev()
            .filter(|&n| mask & (1 << n) != 0)
            .find_map(|n| self.phrases.get(&rest[..ends[n]]).map(|&(rep, _)| (ends[n], rep)))
    }

    fn convert<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let bytes = s.as_bytes();
        let mut out: Option<String> = None;
        // s[copied..i] is unchanged and not yet in `out`.
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] < 0x80 {
                i += 1;
                continue;
            }
            let rest = &s[i..];
            let Some(c) = rest.chars().next() else { break };
            let n = c.len_utf8();
            if !is_han(c) {
                i += n;
                continue;
            }
            if let Some((len, rep)) = self.phrase_at(rest, c) {
                if rep != &rest[..len] {
                    let o = out.get_or_insert_with(|| String::with_capacity(s.len() + 16));
                    o.push_str(&s[copied..i]);
                    o.push_str(rep);
                    copied = i + len;
                }
                i += len;
                continue;
            }
            if let Some(&(d, _)) = self.chars.get(&c)
                && d != c
            {
                let o = out.get_or_insert_with(|| String::with_capacity(s.len() + 16));
                o.push_str(&s[copied..i]);
                o.push(d);
                copied = i + n;
            }
            i += n;
        }
        match out {
            None => Cow::Borrowed(s),
            Some(mut o) => {
                o.push_str(&s[copied..]);
                Cow::Owned(o)
            }
        }
    }
}

struct Tables {
    s2t: Dict,
    t2s: Dict,
    /// OpenCC's traditional → Taiwan's form.
    tw: Dict,
    /// OpenCC's traditional → Hong Kong's form.
    hk: Dict,
    /// A Taiwan or Hong Kong form → OpenCC's standard form of the character (`為` → `爲`,
    /// `台` → `臺`, `枱` → `檯`).
    standard: FxHashMap<char, char>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(Tables::build);

impl Tables {
    fn build() -> Tables {
        let mut s2t = Dict::default();
        s2t.add_phrases(RawDictionary::STPhrases.text());
        s2t.add_chars(RawDictionary::STCharacters.text());
        let mut t2s = Dict::default();
        t2s.add_phrases(RawDictionary::TSPhrases.text());
        t2s.add_chars(RawDictionary::TSCharacters.text());
        let mut tw = Dict::default();
        tw.add_chars(RawDictionary::TWVariants.text());
        let mut hk = Dict::default();
        hk.add_chars(RawDictionary::HKVariants.text());

        // A regional form that the tables do not know (Hong Kong's `衞`, `枱`) is simplified
        // as its standard form is; one that is itself a standard character (Taiwan's `著`,
        // `么`) is left alone.
        let mut standard = FxHashMap::default();
        let mut unknown = Vec::new();
        for text in [RawDictionary::TWVariants.text(), RawDictionary::HKVariants.text()] {
            for (k, v) in entries(text) {
                let Some(std_form) = k.chars().next() else { continue };
                for form in v.split(' ').filter_map(|f| f.chars().next()).filter(|&f| f != std_form) {
                    standard.entry(form).or_insert(std_form);
                    if !t2s.chars.contains_key(&form) && !s2t.chars.contains_key(&form) {
                        unknown.push((form, std_form, k));
                    }
                }
            }
        }
        let mut known: FxHashSet<char> = unknown.iter().map(|&(form, ..)| form).collect();
        let used: FxHashSet<char> = s2t
            .chars
            .values()
            .flat_map(|&(_, all)| all.chars())
            .chain(RawDictionary::STPhrases.text().chars())
            .filter(|c| known.contains(c))
            .collect();
        known.retain(|c| !used.contains(c));
        for (form, std_form, k) in unknown {
            let (simple, all) = t2s.chars.get(&std_form).copied().unwrap_or((std_form, k));
            if known.contains(&form) && simple != form {
                t2s.chars.entry(form).or_insert((simple, all));
            }
        }
        Tables { s2t, t2s, tw, hk, standard }
    }

    /// `word` is traditional, `simplified` its simplified form and `traditional` that
    /// converted back. Where the round trip replaced one of `word`'s characters by another
    /// traditional candidate of the same simplified character (`乾` → `干` → `幹`, `髮` →
    /// `发` → `發`), that is another word: keep `word`'s, in its standard form (`枱` →
    /// `檯`, not `臺`).
    fn keep_own_characters(&self, word: &str, simplified: &str, traditional: &str) -> String {
        let (w, s, t): (Vec<char>, Vec<char>, Vec<char>) =
            (word.chars().collect(), simplified.chars().collect(), traditional.chars().collect());
        if w.len() != t.len() || s.len() != t.len() {
            return traditional.to_string();
        }
        w.iter()
            .zip(&s)
            .zip(&t)
            .map(|((&wc, &sc), &tc)| {
                // A regional form stands for its standard form (`為` for `爲`).
                let wc = self.standard.get(&wc).copied().unwrap_or(wc);
                let own_candidate = match self.s2t.chars.get(&sc) {
                    Some(&(_, all)) => all.split(' ').any(|x| x.starts_with(wc)),
                    None => wc == sc,
                };
                if own_candidate { wc } else { tc }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ZH: &[u8] = include_bytes!("../../../demo/wikinews-zh.jsonl.zst");
    const JA: &[u8] = include_bytes!("../../../demo/wikinews-ja.jsonl.zst");

    fn articles(zst: &[u8]) -> Vec<serde_json::Value> {
        let text = String::from_utf8(zstd::decode_all(zst).unwrap()).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn unescape_url(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(if b[i] == b'_' { b' ' } else { b[i] });
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn known_pairs() {
        for (s, t) in
            [("东京", "東京"), ("台湾", "臺灣"), ("发展", "發展"), ("头发", "頭髮"), ("干净", "乾淨"), ("后来", "後來")]
        {
            assert_eq!(to_traditional(s), t, "{s}");
            assert_eq!(to_simplified(t), s, "{t}");
        }
        assert_eq!(to_simplified("台灣"), "台湾");
        assert_eq!(to_taiwan("台湾"), "臺灣");
        assert_eq!(to_hong_kong("台湾"), "台灣");
        // Same in both scripts: 后 is the traditional for "empress", 後 for "after".
        assert_eq!(to_traditional("皇后"), "皇后");
        assert_eq!(to_simplified("皇后"), "皇后");
        assert_eq!(to_traditional("皇后后来"), "皇后後來");
        // Simplified 发 is traditional 發 (to emit) or 髮 (hair); 干 is 幹, 乾 or 干.
        assert_eq!(to_traditional("发"), "發");
        assert_eq!(to_traditional("理发"), "理髮");
        assert_eq!(to_traditional("干"), "幹");
        assert_eq!(to_traditional("若干"), "若干");
        assert_eq!(to_simplified("乾隆"), "乾隆");
        // Regional forms: Taiwan 為, Hong Kong 衞 and 台.
        assert_eq!(to_traditional("为了"), "爲了");
        assert_eq!(to_taiwan("为了"), "為了");
        assert_eq!(to_simplified("為了"), "为了");
        assert_eq!(to_simplified("衞生"), "卫生");
        assert_eq!(to_simplified("著名"), "著名");
        assert!(matches!(to_simplified("东京"), Cow::Borrowed(_)));
        assert!(matches!(to_traditional("東京"), Cow::Borrowed(_)));
    }

    #[test]
    fn other_script_lists_the_other_spellings() {
        let cases: &[(&str, &[&str])] = &[
            ("东京", &["東京"]),
            ("東京", &["东京"]),
            ("台湾", &["臺灣", "台灣"]),
            ("臺灣", &["台湾", "台灣"]),
            ("台灣", &["台湾", "臺灣"]),
            ("发展", &["發展"]),
            ("头发", &["頭髮"]),
            ("頭髮", &["头发"]),
            ("干净", &["乾淨"]),
            ("乾淨", &["干净"]),
            ("后来", &["後來"]),
            ("後來", &["后来"]),
            ("为了", &["爲了", "為了"]),
            ("為了", &["为了", "爲了"]),
            ("衞生", &["卫生", "衛生"]),
            ("枱", &["台", "檯"]),
            // Mixed scripts: the simplified part is converted too.
            ("臺湾", &["台湾", "臺灣", "台灣"]),
            // One character: every candidate.
            ("发", &["發", "髮"]),
            ("干", &["幹", "乾"]),
            ("台", &["臺", "檯", "枱", "颱"]),
            ("里", &["裏", "裡"]),
            // A traditional character keeps its meaning: 乾 (dry) is not 幹 (to do).
            ("乾", &["干"]),
            ("髮", &["发"]),
            ("幹", &["干"]),
            // A phrase with two readings.
            ("不干", &["不幹", "不乾"]),
            // Mixed with Latin: the Han part is converted.
            ("iPhone发布会", &["iPhone發佈會"]),
            // The same in both scripts, not Han, or Japanese.
            ("皇后", &[]),
            ("香港", &[]),
            ("著名", &[]),
            ("", &[]),
            ("Tokyo", &[]),
            ("طوكيو", &[]),
            ("とうきょう", &[]),
            ("東京タワー", &[]),
        ];
        for (word, want) in cases {
            let got = other_script(word);
            assert_eq!(got, *want, "{word}");
            assert!(!got.iter().any(|g| g == word));
            assert_eq!(other_script(word), got, "same order every time");
        }
    }

    #[test]
    fn is_han_knows_ideographs_only() {
        for c in ['东', '東', '㐀', '鿿', '豈', '𠀀', '𰀀'] {
            assert!(is_han(c), "{c}");
        }
        for c in ['a', 'あ', 'ア', 'ｱ', '〇', '、', '。', '⺀', '한', 'ع', '１'] {
            assert!(!is_han(c), "{c}");
        }
    }

    /// The demo corpus's Chinese articles are simplified; their URLs carry the titles as
    /// zh.wikinews wrote them, in traditional. Converting either way meets the other except
    /// where the two differ in words, not spellings.
    #[test]
    fn demo_corpus_titles_meet_their_traditional_urls() {
        let mut pairs = 0;
        let mut to_simplified_differs = Vec::new();
        let mut to_traditional_differs = Vec::new();
        for a in articles(ZH) {
            let title = a["title"].as_str().unwrap();
            let url = unescape_url(a["url"].as_str().unwrap_or_default().rsplit('/').next().unwrap());
            if url.is_empty() || to_simplified(&url) == url {
                continue; // no URL, or one in simplified
            }
            pairs += 1;
            if to_simplified(&url) != title {
                to_simplified_differs.push(format!("{url} → {}", to_simplified(&url)));
            }
            if ![to_traditional(title), to_taiwan(title), to_hong_kong(title)].contains(&Cow::Borrowed(&*url)) {
                to_traditional_differs.push(format!("{title} → {}", to_traditional(title)));
            }
            for word in title.split(|c: char| !is_han(c)).filter(|w| !w.is_empty()) {
                let other = other_script(word);
                if word != to_simplified(word) || word != to_traditional(word) {
                    assert!(!other.is_empty(), "{word}");
                }
            }
        }
        assert_eq!(pairs, 12);
        // Taiwan's words for network (網路) and Palau (帛琉), and its quotation marks.
        assert_eq!(
            to_simplified_differs,
            [
                "WiMAX未來怎麼演變 資安、網路業者雙贏 → WiMAX未来怎么演变 资安、网路业者双赢",
                "據報台灣與帛琉的「旅遊泡泡」有重大進展 → 据报台湾与帛琉的「旅游泡泡」有重大进展",
            ]
        );
        // The same two, and one wrong candidate: 里 in a name is 里, not 裏.
        assert_eq!(
            to_traditional_differs,
            [
                "维基新闻专访瑞典海盗党领袖里卡德·福尔克文 → 維基新聞專訪瑞典海盜黨領袖裏卡德·福爾克文",
                "WiMAX未来怎么演变 资安、网络业者双赢 → WiMAX未來怎麼演變 資安、網絡業者雙贏",
                "据报台湾与帕劳的“旅游泡泡”有重大进展 → 據報臺灣與帕勞的“旅遊泡泡”有重大進展",
            ]
        );
    }

    /// Simplified characters that the tables map one-to-one, with their traditional: one
    /// candidate each way, and no phrase that writes them otherwise.
    fn one_to_one() -> &'static [(char, char)] {
        static PAIRS: LazyLock<Vec<(char, char)>> = LazyLock::new(one_to_one_pairs);
        &PAIRS
    }

    fn one_to_one_pairs() -> Vec<(char, char)> {
        let t = &*TABLES;
        let mut pairs: FxHashMap<char, char> = t
            .s2t
            .chars
            .iter()
            .filter(|&(&s, &(tc, all))| {
                all.chars().count() == 1
                    && tc != s
                    && !t.t2s.chars.contains_key(&s)
                    && !t.s2t.chars.contains_key(&tc)
                    && t.t2s.chars.get(&tc).is_some_and(|&(back, all)| back == s && all.chars().count() == 1)
            })
            .map(|(&s, &(tc, _))| (s, tc))
            .collect();
        // Drop a character that some phrase writes with another candidate, in either table.
        let mut spoiled = FxHashSet::default();
        for dict in [&t.s2t, &t.t2s] {
            for (k, &(v, _)) in &dict.phrases {
                for (kc, vc) in k.chars().zip(v.chars()) {
                    if vc != dict.chars.get(&kc).map_or(kc, |&(d, _)| d) {
                        spoiled.insert(kc);
                        spoiled.insert(vc);
                    }
                }
            }
        }
        pairs.retain(|s, t| !spoiled.contains(s) && !spoiled.contains(t));
        let mut v: Vec<(char, char)> = pairs.into_iter().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn every_one_to_one_character_round_trips() {
        let pairs = one_to_one();
        assert!(pairs.len() > 2000, "{}", pairs.len());
        for &(s, t) in pairs {
            let (s, t) = (s.to_string(), t.to_string());
            assert_eq!(to_traditional(&s), t);
            assert_eq!(to_simplified(&t), s);
            assert_eq!(other_script(&s)[0], t);
            assert_eq!(other_script(&t)[0], s);
        }
    }

    /// Every title and text of the demo corpus, converted to traditional and back, is
    /// unchanged wherever its character is one the tables map one-to-one.
    #[test]
    fn demo_corpus_round_trips() {
        let one: FxHashSet<char> = one_to_one().iter().map(|&(s, _)| s).collect();
        let (mut han, mut checked, mut changed) = (0, 0, Vec::new());
        for a in articles(ZH) {
            for field in ["title", "text"] {
                let s = a[field].as_str().unwrap();
                let back = to_simplified(&to_traditional(s)).into_owned();
                assert_eq!(back.chars().count(), s.chars().count());
                for (i, (c, b)) in s.chars().zip(back.chars()).enumerate() {
                    han += usize::from(is_han(c));
                    if one.contains(&c) {
                        checked += 1;
                        assert_eq!(c, b, "{}: char {i} of {s}", a["id"]);
                    } else if c != b {
                        changed.push(format!("{c}→{b}"));
                    }
                }
            }
        }
        // 9,158 of the 32,020 Han characters are one-to-one; the others are the same in
        // both scripts (`中`, `国`'s `中`) or have several candidates.
        assert!(checked > 9_000 && han > 30_000, "{checked} of {han}");
        // 违背我们 → 違揹我們: the phrase 背我 wins over 违背.
        assert_eq!(changed, ["背→揹"]);
    }

    /// Han, kana and other scripts of the Japanese demo corpus: only Han changes, one for one.
    #[test]
    fn japanese_titles_keep_their_kana() {
        let mut changed = 0;
        let arts = articles(JA);
        for a in &arts {
            let s = a["title"].as_str().unwrap();
            for out in [to_simplified(s), to_traditional(s)] {
                assert_eq!(out.chars().count(), s.chars().count(), "{s}");
                for (c, o) in s.chars().zip(out.chars()) {
                    assert!(c == o || is_han(c) && is_han(o), "{s} → {out}");
                }
            }
            changed += usize::from(to_simplified(s) != s);
        }
        assert_eq!(arts.len(), 3669);
        // 3,345 of them have a kanji that Chinese simplifies (東, 選, 時…).
        assert!(changed > 3000, "{changed}");
    }

    fn non_han() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 .,!?\u{00C0}-\u{024F}\u{0400}-\u{04FF}\u{0600}-\u{06FF}\u{3040}-\u{30FF}\u{AC00}-\u{D7A3}\u{3000}-\u{303F}\u{FF01}-\u{FF5E}\u{1F600}-\u{1F64F}]{0,40}"
    }

    proptest! {
        #[test]
        fn non_han_text_is_borrowed_untouched(s in non_han()) {
            prop_assert!(matches!(to_simplified(&s), Cow::Borrowed(x) if x == s));
            prop_assert!(matches!(to_traditional(&s), Cow::Borrowed(x) if x == s));
            prop_assert!(matches!(to_taiwan(&s), Cow::Borrowed(x) if x == s));
            prop_assert!(matches!(to_hong_kong(&s), Cow::Borrowed(x) if x == s));
            prop_assert!(other_script(&s).is_empty());
        }

        #[test]
        fn one_to_one_strings_round_trip(
            picks in proptest::collection::vec((any::<proptest::sample::Index>(), non_han()), 1..12)
        ) {
            let pairs = one_to_one();
            let mut simplified = String::new();
            let mut traditional = String::new();
            for (i, other) in &picks {
                let (s, t) = pairs[i.index(pairs.len())];
                simplified.push(s);
                traditional.push(t);
                simplified.push_str(other);
                traditional.push_str(other);
            }
            prop_assert_eq!(to_traditional(&simplified), traditional.as_str());
            prop_assert_eq!(to_simplified(&traditional), simplified.as_str());
            let there = to_traditional(&simplified);
            prop_assert_eq!(to_simplified(&there), simplified.as_str());
        }
    }
}
