//! A synthetic corpus of any size built from real news text, for scale: how ingest time,
//! index size and query latency grow from 10k to 1M articles.
//!
//! Each article is a real headline (Reuters-21578 or AG News) and 4–24 real sentences
//! drawn from those corpora's stories, in paragraphs of one to four sentences; a
//! publication time spread evenly over 2000–2024; and one of 300 outlets, chosen with
//! Zipf-like weights (a few big wires, a long tail), as real archives look. Drawing is
//! deterministic (a fixed seed), so every run and every engine gets the same corpus.
//! The language is left for detection, as in a real ingest.

use std::io::Write;

use serde_json::{Value, json};

use crate::queries::Lcg;

/// Real text to draw from.
#[derive(Debug)]
pub struct Pool {
    pub titles: Vec<String>,
    pub sentences: Vec<String>,
}

/// Sentences of a story: split after `.`, `?` or `!` followed by white space, lines
/// joined; kept when 40–400 characters (no datelines, no tables).
fn sentences(text: &str, out: &mut Vec<String>) {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut start = 0;
    let b = flat.as_bytes();
    for i in 0..b.len() {
        let end = matches!(b[i], b'.' | b'?' | b'!') && (i + 1 == b.len() || b[i + 1] == b' ');
        if end {
            let s = flat[start..=i].trim();
            if (40..=400).contains(&s.len()) && s.chars().next().is_some_and(char::is_uppercase) {
                out.push(s.to_string());
            }
            start = i + 1;
        }
    }
}

impl Pool {
    /// From records with `title` and `text` fields.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Value>) -> Pool {
        let mut titles = Vec::new();
        let mut sents = Vec::new();
        for r in records {
            if let Some(t) = r["title"].as_str().map(str::trim).filter(|t| t.len() >= 12) {
                titles.push(t.to_string());
            }
            if let Some(text) = r["text"].as_str() {
                sentences(text, &mut sents);
            }
        }
        Pool { titles, sentences: sents }
    }
}

/// Outlet names: "Wire 001" … "Wire 300".
const OUTLETS: usize = 300;
/// 2000-01-01T00:00:00Z and 2025-01-01T00:00:00Z.
const FROM: i64 = 946_684_800;
const TO: i64 = 1_735_689_600;

/// Zipf-like pick in `0..n`: rank `r` has weight about `1 / (r + 1)`.
fn zipf(rng: &mut Lcg, n: usize) -> usize {
    // Inverse of the continuous CDF ln(1 + x) / ln(1 + n).
    let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    let x = ((1.0 + n as f64).ln() * u).exp() - 1.0;
    (x as usize).min(n - 1)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Article number `i` of the corpus with this seed.
pub fn article(pool: &Pool, seed: u64, i: u64) -> Value {
    let mut rng = Lcg(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.next();
    let title = rng.pick(&pool.titles).clone();
    let n = 4 + (rng.next() % 21) as usize;
    let mut text = String::new();
    let mut in_par = 0;
    for k in 0..n {
        if k > 0 {
            if in_par > (rng.next() % 4) as usize {
                text.push_str("\n\n");
                in_par = 0;
            } else {
                text.push(' ');
            }
        }
        text.push_str(rng.pick(&pool.sentences).as_str());
        in_par += 1;
    }
    let published = FROM + (rng.next() as i64).rem_euclid(TO - FROM);
    let outlet = format!("Wire {:03}", zipf(&mut rng, OUTLETS) + 1);
    json!({
        "id": format!("synth-{i}"),
        "title": title,
        "text": text,
        "published": rfc3339(published),
        "outlet": outlet,
    })
}

/// Write articles `from..to` as JSON Lines; returns the bytes written.
pub fn write(pool: &Pool, seed: u64, from: u64, to: u64, out: &mut impl Write) -> std::io::Result<u64> {
    let mut bytes = 0;
    for i in from..to {
        let mut line = serde_json::to_vec(&article(pool, seed, i))?;
        line.push(b'\n');
        out.write_all(&line)?;
        bytes += line.len() as u64;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Pool {
        let recs = [
            json!({"title": "Cocoa prices rise in Bahia", "text": "Showers continued throughout the week in the Bahia cocoa zone. Dry weather is forecast for the coming days in the region!"}),
            json!({"title": "Oil output steady", "text": "OPEC members kept output steady in March, officials said on Friday. tiny. The cartel meets again in June to review the quota system."}),
        ];
        Pool::from_records(recs.iter())
    }

    #[test]
    fn sentences_are_real_sentences() {
        let p = pool();
        assert_eq!(p.titles.len(), 2);
        assert_eq!(p.sentences.len(), 4, "{:?}", p.sentences);
        assert!(p.sentences.iter().all(|s| s.ends_with('.') || s.ends_with('!')));
    }

    #[test]
    fn deterministic_and_well_formed() {
        let p = pool();
        let a = article(&p, 7, 42);
        assert_eq!(a, article(&p, 7, 42));
        assert_ne!(a["text"], article(&p, 7, 43)["text"]);
        let d = a["published"].as_str().unwrap();
        assert!(("2000-01-01".."2025-01-01").contains(&d), "{d}");
        assert!(a["outlet"].as_str().unwrap().starts_with("Wire "));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_735_689_599), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn outlets_are_skewed_like_a_real_archive() {
        let mut rng = Lcg(1);
        let mut counts = [0u32; OUTLETS];
        for _ in 0..100_000 {
            counts[zipf(&mut rng, OUTLETS)] += 1;
        }
        assert!(counts[0] > counts[10] && counts[10] > counts[200], "{:?}", &counts[..12]);
        assert!(counts.iter().all(|&c| c > 0));
    }
}
