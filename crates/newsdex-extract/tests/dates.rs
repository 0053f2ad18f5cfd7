//! Publication dates (issue #16): the failures found on real pages, as regressions, and
//! a property test of the text parser. The pages are read from ../shared (skipped,
//! saying so, when it is absent); the demo corpus is in the repository.

use std::io::Read;

use chrono::NaiveDate;
use newsdex_extract::html::dates::{Order, from_text, from_text_in};
use newsdex_extract::{Hints, RecordKind, extract};
use proptest::prelude::*;

fn page(rel: &str) -> Option<Vec<u8>> {
    let path = newsdex_testkit::shared_data(rel)?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&std::fs::read(path).unwrap()[..]).read_to_end(&mut out).unwrap();
    Some(out)
}

fn day(bytes: &[u8]) -> String {
    let a = extract(bytes, RecordKind::Html, &Hints::default()).unwrap();
    a.published.map(|p| p.display()).unwrap_or_default().chars().take(10).collect()
}

/// correiobraziliense.com.br (trafilatura's evaluation set) got no date: its JSON-LD
/// `datePublished` sits in a script whose strings hold raw line breaks (invalid JSON),
/// its `article:published_time` is garbled ("2022-05-04-0305:49:00-10800"), and the
/// "postado em 04/05/2022" under the headline is ambiguous without the page's locale
/// (pt-BR: day first).
#[test]
fn regression_correiobraziliense_json_ld_and_postado_em() {
    let Some(html) = page("extraction-trafilatura/html/correiobraziliense.com.br-poderes.html.gz") else { return };
    assert_eq!(day(&html), "2022-05-04");
    // Without its JSON-LD, the page's own words date it.
    let text = String::from_utf8_lossy(&html).replace("application/ld+json", "text/x-removed");
    assert!(text.contains("postado em 04/05/2022"));
    assert_eq!(day(text.as_bytes()), "2022-05-04");
}

/// The Japanese Wikinews texts of the demo corpus open with their date
/// ("2011年4月7日午後11時32分頃 (UTC + 9)、…") but were stored without one.
#[test]
fn regression_japanese_demo_texts_are_dated_from_their_first_line() {
    let zst = std::fs::read(newsdex_testkit::repo_root().join("demo/wikinews-ja.jsonl.zst")).unwrap();
    let text = String::from_utf8(zstd::decode_all(&zst[..]).unwrap()).unwrap();
    let mut dated = 0;
    let mut total = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let a = extract(line.as_bytes(), RecordKind::Jsonl, &Hints::default()).unwrap();
        total += 1;
        if let Some(p) = a.published {
            dated += 1;
            // Opens with the day the ducks fell into the sea in 1992, reports them in 2007.
            if line.contains("\"wikinews-ja-03635\"") {
                assert!(!p.display().starts_with("1992"), "regression: an earlier event's date taken: {p:?}");
            }
            if line.contains("\"wikinews-ja-00000\"") {
                assert_eq!(p.display(), "2011-04-07T23:32:00+09:00");
                assert!(a.warnings.iter().any(|w| w.code == "date-guessed"));
            }
        }
    }
    assert_eq!(total, 3669);
    // Most texts open with a day but no year ("2月14日午後", "28日"): they are dated
    // when a date they cite puts the day in its week (see the test below). Not those that
    // write out more dates more than a week after the one they open with than in its
    // week. Measured 2026-12-01: 2,856 (2,615 before a spaced dot stopped ending the
    // first sentence, one later date stopped outweighing the day's sources and a day late
    // in a long first sentence was read; 65 before days without their year were read).
    // With the dates of the sources they cite for those that open with no day
    // (2026-12-02): 3,485.
    assert!(dated >= 3400, "{dated} of {total} dated");
    eprintln!("{dated} of {total} Japanese demo texts dated from their first lines");
}

/// The year completion checked where the answer is known: the Japanese demo texts that
/// open with a full date ("2011年4月7日午後…"), with the year taken out of their opening
/// ("4月7日午後…"), must get the same day back from the dates they cite, or none.
#[test]
fn a_year_taken_out_of_an_opening_date_comes_back_from_the_dates_the_text_cites() {
    use newsdex_extract::html::dates::{Opening, from_first_lines};
    let zst = std::fs::read(newsdex_testkit::repo_root().join("demo/wikinews-ja.jsonl.zst")).unwrap();
    let text = String::from_utf8(zstd::decode_all(&zst[..]).unwrap()).unwrap();
    let year = opens_with_year();
    let (mut same, mut other, mut none) = (0, 0, Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let body = v["text"].as_str().unwrap();
        let Some((p, Opening::Full)) = from_first_lines(body) else { continue };
        // Only where the opening is the year-month-day itself, in its first characters.
        let Some(at) = body.char_indices().take(15).find(|&(i, _)| year(&body[i..])).map(|(i, _)| i) else { continue };
        let cut = format!("{}{}", &body[..at], &body[at + "2011年".len()..]);
        match from_first_lines(&cut) {
            Some((q, Opening::YearFromText)) if q.display()[..10] == p.display()[..10] => same += 1,
            Some((q, _)) => {
                other += 1;
                eprintln!("{}: {} → {}", v["id"], p.display(), q.display());
            }
            None => none.push(v["id"].to_string()),
        }
    }
    eprintln!(
        "year completion on {} texts: {same} same day, {other} another, {} none",
        same + other + none.len(),
        none.len()
    );
    // Measured 2026-11-30: of 65, 57 the same day, none another, 8 without a date.
    assert!(same >= 50, "{same}");
    assert_eq!(other, 0);
}

/// The date read from the sources a text cites, checked where the answer is known: the
/// Japanese demo texts dated by their opening, with the opening's sentence taken out,
/// must get the same day back from the dates they cite at their end, or none.
#[test]
fn the_date_of_the_cited_sources_is_the_opening_day() {
    use newsdex_extract::html::dates::{from_cited_dates, from_first_lines};
    let zst = std::fs::read(newsdex_testkit::repo_root().join("demo/wikinews-ja.jsonl.zst")).unwrap();
    let text = String::from_utf8(zstd::decode_all(&zst[..]).unwrap()).unwrap();
    let (mut same, mut near, mut other, mut none, mut week) = (0, 0, 0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let body = v["text"].as_str().unwrap();
        let Some((p, _)) = from_first_lines(body) else { continue };
        let Some(cut) = body.find('。').map(|i| &body[i + '。'.len_utf8()..]) else { continue };
        let want = p.at.date_naive();
        match from_cited_dates(cut) {
            Some(q) if q.at.date_naive() == want => same += 1,
            Some(q) if (q.at.date_naive() - want).num_days().abs() <= 1 => near += 1,
            Some(q) => {
                other += 1;
                week += usize::from((q.at.date_naive() - want).num_days().abs() <= 7);
            }
            None => none += 1,
        }
    }
    eprintln!(
        "cited dates on {} texts: {same} the same day, {near} a day off, {other} further ({week} within a week), {none} none",
        same + near + other + none
    );
    // Measured 2026-12-02: of 2,890, 1,644 the same day, 630 a day off, 332 further (311
    // within a week), 284 none: a guess, said so where the date is shown.
    assert!(same >= 1500 && same + near >= 2150 && other <= 400, "{same} {near} {other}");
}

/// "2011年" at the start of `s`: four digits and 年.
fn opens_with_year() -> impl Fn(&str) -> bool {
    |s: &str| {
        let b = s.as_bytes();
        b.len() >= 7 && b[..4].iter().all(u8::is_ascii_digit) && s[4..].starts_with('年')
    }
}

/// A plain-text record opening with its date gets it.
#[test]
fn plain_text_opening_with_a_date() {
    let text = "Wikinews interviews a magician\n\nWednesday, October 9, 2013\n\nOctober is National Magic Month.";
    let a = extract(text.as_bytes(), RecordKind::Text, &Hints::default()).unwrap();
    assert_eq!(a.published.unwrap().display(), "2013-10-09");
}

const EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const TR: [&str; 12] =
    ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"];
const ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const AR: [&str; 12] =
    ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"];
const UG: [&str; 12] = [
    "يانۋار",
    "فېۋرال",
    "مارت",
    "ئاپرېل",
    "ماي",
    "ئىيۇن",
    "ئىيۇل",
    "ئاۋغۇست",
    "سېنتەبىر",
    "ئۆكتەبىر",
    "نويابىر",
    "دېكابىر",
];

fn persian_digits(s: &str) -> String {
    s.chars().map(|c| c.to_digit(10).map_or(c, |d| char::from_u32(0x06F0 + d).unwrap())).collect()
}

proptest! {
    /// Any day from 1990 to 2025, written in any of the shapes and languages the parser
    /// knows, parses back to itself.
    #[test]
    fn any_written_date_parses_back(days in 0i64..13_149, shape in 0usize..12) {
        let d = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(days);
        let (y, m, dd) = (d.format("%Y"), d.format("%m").to_string(), d.format("%-d"));
        let mi = m.parse::<usize>().unwrap() - 1;
        let text = match shape {
            0 => format!("Posted {} {dd}, {y} at 10:00", EN[mi]),
            1 => format!("{dd}. {} {y}", DE[mi]),
            2 => format!("{dd} {} {y} г.", RU[mi]),
            3 => format!("{dd} {} {y} Cuma", TR[mi]),
            4 => format!("{dd} de {} de {y}", ES[mi]),
            5 => persian_digits(&format!("{dd} {} {y}", AR[mi])),
            6 => format!("{y}-يىلى {dd}-{}", UG[mi]),
            7 => format!("{y}年{}月{dd}日", m.trim_start_matches('0')),
            8 => format!("{dd}.{m}.{y}"),
            9 => format!("{y}-{m}-{dd:0>2}"),
            10 => format!("{}년 {}월 {dd}일", y, m.trim_start_matches('0')),
            _ => format!("{dd:0>2}/{m}/{y}"),
        };
        let got = if shape == 11 { from_text_in(&text, Order::DayFirst) } else { from_text(&text) };
        prop_assert_eq!(got.map(|p| p.display()), Some(d.format("%Y-%m-%d").to_string()), "{}", text);
    }
}

/// The bundled demo corpus (every file `newsdex serve --demo` loads, as the engine reads
/// them: records of the JSON Lines files, the seed texts whole) shows what it must show
/// (#16 part 6): several outlets, languages in Arabic script and Cyrillic among at least
/// ten, and dates on most articles. All counted from the extracted articles.
#[test]
fn the_demo_corpus_has_outlets_languages_and_dates() {
    use std::collections::{BTreeMap, BTreeSet};
    let root = newsdex_testkit::repo_root();
    let mut articles = Vec::new();
    for f in ["wikinews-en", "wikinews-zh", "wikinews-ja", "itn-wikipedia"] {
        let zst = std::fs::read(root.join(format!("demo/{f}.jsonl.zst"))).unwrap();
        let text = String::from_utf8(zstd::decode_all(&zst[..]).unwrap()).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            articles.push(extract(line.as_bytes(), RecordKind::Jsonl, &Hints::default()).unwrap());
        }
    }
    for seed in ["000_0a7d4e7fb2c47564.txt", "004_28fc068abbfc2ab4.txt"] {
        let bytes = std::fs::read(root.join("testdata/seeds").join(seed)).unwrap();
        articles.push(extract(&bytes, RecordKind::Text, &Hints::default()).unwrap());
    }
    let total = articles.len();
    let dated = articles.iter().filter(|a| a.published.is_some()).count();
    let outlets: BTreeSet<&str> = articles.iter().filter_map(|a| a.outlet.as_deref()).collect();
    // Per language, the letters of its articles by script.
    let mut scripts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for a in &articles {
        let Some(lang) = a.lang.as_deref() else { continue };
        let e = scripts.entry(lang).or_default();
        for c in a.title.chars().chain(a.body.chars()).filter(|c| c.is_alphabetic()) {
            e.0 += 1;
            match c as u32 {
                0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => e.1 += 1,
                0x0400..=0x052F => e.2 += 1,
                _ => {}
            }
        }
    }
    let arabic: Vec<&str> = scripts.iter().filter(|(_, s)| s.1 * 2 > s.0).map(|(l, _)| *l).collect();
    let cyrillic: Vec<&str> = scripts.iter().filter(|(_, s)| s.2 * 2 > s.0).map(|(l, _)| *l).collect();
    let share = dated as f64 / total as f64;
    eprintln!(
        "demo: {dated} of {total} dated ({share:.3}), {} outlets, {} languages; Arabic script: {arabic:?}; Cyrillic: {cyrillic:?}",
        outlets.len(),
        scripts.len()
    );
    assert!(outlets.len() >= 5, "{outlets:?}");
    assert!(scripts.len() >= 10, "{:?}", scripts.keys());
    assert!(!arabic.is_empty() && !cyrillic.is_empty(), "{scripts:?}");
    // Goal (#16): 0.9. Measured 2026-12-02: 5,174 of 5,360 (0.965); 4,545 (0.848) from
    // the texts' openings alone. The 629 Japanese Wikinews texts added name no day in
    // their first sentence (or write more dates after its week than in it) and are dated
    // by the sources they cite at their end, a guess said so (checked in
    // `the_date_of_the_cited_sources_is_the_opening_day`: the same day on 63 %).
    assert!(share >= 0.9, "{dated} of {total} dated");
}
