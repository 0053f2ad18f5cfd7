//! Language identification accuracy per language, on lingua's test sentences
//! (`{"id","lang","text"}` per line, zstd or plain), for newsdex, whatlang (run here, in
//! the same process), or any tool's predictions (`{"id","lang"}` per line).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

/// One test sentence.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub id: String,
    pub lang: String,
    pub text: String,
}

/// Read the sentences (a `.zst` file is decompressed).
pub fn load(path: &Path) -> anyhow::Result<Vec<Sentence>> {
    let raw = std::fs::read(path)?;
    let bytes = if path.extension().is_some_and(|e| e == "zst") { zstd::decode_all(&raw[..])? } else { raw };
    let text = String::from_utf8(bytes)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)?;
            Ok(Sentence {
                id: v["id"].as_str().unwrap_or_default().to_string(),
                lang: v["lang"].as_str().unwrap_or_default().to_string(),
                text: v["text"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// Per-language and overall accuracy, and speed when the tool ran here.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tool: String,
    pub sentences: usize,
    pub correct: usize,
    pub accuracy: f64,
    /// language → (correct, sentences)
    pub per_language: BTreeMap<String, (usize, usize)>,
    pub sentences_per_s: Option<f64>,
}

/// Score `guess` (a language code or nothing, per sentence).
pub fn score(tool: &str, sentences: &[Sentence], guesses: &[Option<String>], seconds: Option<f64>) -> Report {
    let mut per_language: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut correct = 0;
    for (s, g) in sentences.iter().zip(guesses) {
        let e = per_language.entry(s.lang.clone()).or_default();
        e.1 += 1;
        let want = newsdex_core::normalize_lang(&s.lang);
        if g.as_deref().and_then(newsdex_core::normalize_lang) == want {
            e.0 += 1;
            correct += 1;
        }
    }
    Report {
        tool: tool.to_string(),
        sentences: sentences.len(),
        correct,
        accuracy: correct as f64 / sentences.len().max(1) as f64,
        per_language,
        sentences_per_s: seconds.map(|s| sentences.len() as f64 / s.max(1e-9)),
    }
}

/// Run a guesser over the sentences, timed.
pub fn run(sentences: &[Sentence], guess: impl Fn(&str) -> Option<String>) -> (Vec<Option<String>>, f64) {
    let started = Instant::now();
    let out: Vec<Option<String>> = sentences.iter().map(|s| guess(&s.text)).collect();
    (out, started.elapsed().as_secs_f64())
}

/// newsdex's identification.
pub fn newsdex(text: &str) -> Option<String> {
    newsdex_lang::identify(text).map(|g| g.lang)
}

/// whatlang alone, as the foundation used it.
pub fn whatlang(text: &str) -> Option<String> {
    whatlang::detect(text).and_then(|i| newsdex_core::normalize_lang(i.lang().code()))
}

/// Another tool's predictions, in sentence order.
pub fn read_predictions(path: &Path, sentences: &[Sentence]) -> anyhow::Result<Vec<Option<String>>> {
    let text = std::fs::read_to_string(path)?;
    let by_id: std::collections::HashMap<String, String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Some((v["id"].as_str()?.to_string(), v["lang"].as_str()?.to_string())))
        .collect();
    Ok(sentences.iter().map(|s| by_id.get(&s.id).cloned()).collect())
}
