//! A deterministic, real-shaped query log from a corpus: the words and word pairs of real
//! headlines, in the shapes users type (terms, phrases, AND/OR/NOT, fields, prefixes,
//! date ranges). The same log feeds every engine in a comparison.

use std::collections::BTreeMap;

use serde_json::Value;

const STOP: &[&str] = &[
    "the", "and", "for", "with", "from", "that", "this", "its", "says", "said", "will", "has", "have", "are", "was",
    "not", "but", "new", "sees", "set", "u.s.", "pct", "mln", "dlrs", "inc", "corp", "co", "ltd", "vs", "cts", "shr",
    "net", "qtr", "1st", "4th", "year", "to", "of", "in", "on", "at", "by", "as", "is", "be", "it", "an", "or", "up",
    "a",
];

/// Small deterministic generator (no rand dependency).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() as usize) % v.len()]
    }
}

fn words(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(|w| w.trim_matches('-').to_lowercase())
        .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_alphabetic()) && !STOP.contains(&w.as_str()))
        .collect()
}

/// The months Reuters-21578's query log filters on.
pub const REUTERS_MONTHS: &[&str] = &["1987-02", "1987-03", "1987-04", "1987-05", "1987-06", "1987-10"];

/// The `n` months (`YYYY-MM`) in which most documents were published.
pub fn busiest_months(docs: &[Value], n: usize) -> Vec<String> {
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for d in docs {
        if let Some(m) = d["published"].as_str().and_then(|p| p.get(..7)) {
            *by.entry(m.to_string()).or_default() += 1;
        }
    }
    let mut v: Vec<(String, u64)> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter().take(n).map(|(m, _)| m).collect()
}

/// `count` queries from the documents' titles; date filters pick from `months`.
pub fn generate(docs: &[Value], count: usize, months: &[&str]) -> Vec<String> {
    let mut freq: BTreeMap<String, u32> = BTreeMap::new();
    let mut pairs: BTreeMap<(String, String), u32> = BTreeMap::new();
    for d in docs {
        let t = d["title"].as_str().unwrap_or_default();
        let w = words(t);
        for x in &w {
            *freq.entry(x.clone()).or_default() += 1;
        }
        for p in w.windows(2) {
            *pairs.entry((p[0].clone(), p[1].clone())).or_default() += 1;
        }
    }
    // Common and mid-frequency words: what people search for, not hapaxes.
    let mut common: Vec<(String, u32)> = freq.into_iter().filter(|(_, n)| *n >= 5).collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let vocab: Vec<String> = common.iter().take(1500).map(|(w, _)| w.clone()).collect();
    let mut bigrams: Vec<((String, String), u32)> = pairs.into_iter().filter(|(_, n)| *n >= 4).collect();
    bigrams.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let phrases: Vec<String> = bigrams.iter().take(400).map(|((a, b), _)| format!("\"{a} {b}\"")).collect();
    let mut rng = Lcg(21578);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let w = |r: &mut Lcg| r.pick(&vocab).clone();
        let q = match out.len() % 10 {
            0 | 1 => w(&mut rng),
            2 => format!("{} {}", w(&mut rng), w(&mut rng)),
            3 => rng.pick(&phrases).clone(),
            4 => format!("{} OR {}", w(&mut rng), w(&mut rng)),
            5 => format!("{} -{}", w(&mut rng), w(&mut rng)),
            6 => format!("title:{}", w(&mut rng)),
            7 => {
                let s = w(&mut rng);
                let n = s.chars().count().clamp(3, 5);
                format!("{}*", s.chars().take(n).collect::<String>())
            }
            8 if !months.is_empty() => format!("{} published:{}", w(&mut rng), rng.pick(months)),
            8 => w(&mut rng),
            _ => format!("({} OR {}) {}", w(&mut rng), w(&mut rng), rng.pick(&phrases)),
        };
        out.push(q);
    }
    out
}
