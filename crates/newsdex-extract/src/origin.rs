//! The origin of a republished text: the outlet a plain-text (or JSON Lines) article
//! says it comes from, distinct from whoever published the copy (the outlet).
//!
//! Read only from the edges of the text, and only in forms that name a source:
//!
//! * a name with its own abbreviation and a verb of reporting in the first lines:
//!   "…, Foreign Policy (FP) reported this week." → `Foreign Policy`;
//! * an agency in parentheses in a dateline: "WASHINGTON (Reuters) - …",
//!   "(AP) — …" → `Reuters`, `AP`;
//! * an abbreviation heading the title: "RFA : Background of …" → `RFA`;
//! * a credit line among the last lines: "Source: RFA", "Courtesy of Xinhua".
//!
//! A person quoted ("President Biden said") is none of these.

/// Capitalised words that head titles without naming a source.
const NOT_SOURCES: [&str; 16] = [
    "BREAKING",
    "UPDATE",
    "UPDATED",
    "WATCH",
    "LIVE",
    "VIDEO",
    "PHOTOS",
    "EXCLUSIVE",
    "OPINION",
    "ANALYSIS",
    "NEW",
    "FACT",
    "CHECK",
    "EDITORIAL",
    "AUDIO",
    "PODCAST",
];

/// Verbs a source's report is told with.
const REPORTED: [&str; 8] = ["reported", "reports", "said", "says", "wrote", "writes", "revealed", "has reported"];

/// The source a text names at its edges, if any.
pub fn find(title: &str, body: &str) -> Option<String> {
    let lines: Vec<&str> = body.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let first: Vec<&str> = std::iter::once(title).chain(lines.iter().copied().take(2)).collect();
    first
        .iter()
        .find_map(|l| abbreviated_reporter(l))
        .or_else(|| first.iter().find_map(|l| dateline_agency(l)))
        .or_else(|| title_prefix(title))
        .or_else(|| lines.iter().rev().take(3).find_map(|l| credit_line(l)))
}

/// "Foreign Policy (FP) reported": words whose initials are the abbreviation that follows.
fn abbreviated_reporter(line: &str) -> Option<String> {
    let mut from = 0;
    while let Some(open) = line[from..].find(" (").map(|k| k + from) {
        from = open + 2;
        let Some(close) = line[open + 2..].find(')').map(|k| k + open + 2) else { break };
        let abbr = &line[open + 2..close];
        if !(2..=6).contains(&abbr.len()) || !abbr.bytes().all(|b| b.is_ascii_uppercase()) {
            continue;
        }
        let after = line[close + 1..].trim_start().to_lowercase();
        if !REPORTED.iter().any(|v| after.starts_with(v)) {
            continue;
        }
        // As many capitalised words before the parenthesis as the abbreviation has letters
        // (small linking words allowed: "Voice of America (VOA)").
        // Linking words may give their letter or not ("Voice of America (VOA)").
        let words: Vec<&str> = line[..open].split_whitespace().collect();
        let mut name: Vec<&str> = Vec::new();
        let (mut caps, mut all) = (String::new(), String::new());
        for w in words.iter().rev() {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            let Some(first) = w.chars().next() else { break };
            if first.is_uppercase() {
                caps.insert(0, first);
                all.insert(0, first);
                name.insert(0, w);
                if caps == abbr || all == abbr {
                    return Some(name.join(" "));
                }
                if caps.len() >= abbr.len() {
                    break;
                }
            } else if matches!(w, "of" | "for" | "and" | "de" | "du" | "la") && !name.is_empty() {
                all.insert(0, first.to_ascii_uppercase());
                name.insert(0, w);
            } else {
                break;
            }
        }
    }
    None
}

/// "WASHINGTON (Reuters) - …", "(AP) — …": a short capitalised name in parentheses at
/// the start of the line, after an upper-case place at most, followed by a dash.
fn dateline_agency(line: &str) -> Option<String> {
    let open = line.find('(')?;
    // The place starts with an upper-case word ("NEWCASTLE, England", "WASHINGTON").
    let place = line[..open].trim();
    let head = place.split([',', ' ']).next().unwrap_or_default();
    if place.chars().count() > 40
        || (!place.is_empty()
            && (head.chars().count() < 2 || head.chars().any(|c| c.is_lowercase() || !c.is_alphabetic())))
    {
        return None;
    }
    let close = line[open..].find(')')? + open;
    let name = line[open + 1..close].trim();
    let after = line[close + 1..].trim_start();
    let dash = after.starts_with(['-', '–', '—']);
    let plausible = (2..=30).contains(&name.chars().count())
        && name.chars().next().is_some_and(char::is_uppercase)
        && name.split_whitespace().count() <= 3
        && !name.chars().any(|c| c.is_ascii_digit());
    (dash && plausible).then(|| name.to_string())
}

/// "RFA : Background of …", "AFP: …": an upper-case abbreviation heading the title.
fn title_prefix(title: &str) -> Option<String> {
    let (head, rest) = title.split_once(':')?;
    let head = head.trim();
    let ok = (2..=6).contains(&head.len())
        && head.bytes().all(|b| b.is_ascii_uppercase())
        && !NOT_SOURCES.contains(&head)
        && rest.split_whitespace().count() >= 3;
    ok.then(|| head.to_string())
}

/// "Source: RFA", "Courtesy of Xinhua", "(Source: Foreign Policy)".
fn credit_line(line: &str) -> Option<String> {
    let l = line.trim_matches(|c: char| c == '(' || c == ')' || c == '[' || c == ']' || c.is_whitespace());
    let lower = l.to_lowercase();
    for p in ["source:", "source :", "courtesy of", "courtesy:", "originally published by", "originally published in"] {
        if let Some(rest) = lower.strip_prefix(p) {
            let name = l[l.len() - rest.len()..].trim().trim_end_matches('.');
            let n = name.split_whitespace().count();
            if (1..=5).contains(&n) && name.chars().next().is_some_and(char::is_uppercase) && !name.contains("://") {
                return Some(name.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_named_at_the_edges() {
        let lede = "Beijing’s intensified crackdown on Muslim Uighurs in Xinjiang province has triggered an exodus into bordering Afghanistan, Foreign Policy (FP) reported this week.";
        assert_eq!(find(lede, "On Thursday, FP :").as_deref(), Some("Foreign Policy"));
        assert_eq!(find("RFA : Background of the risks of Uyghur visits", "Text.").as_deref(), Some("RFA"));
        assert_eq!(find("Dell cuts prices", "AUSTIN, Texas (Reuters) - Dell Inc. said").as_deref(), Some("Reuters"));
        assert_eq!(find("Eriksson", "NEWCASTLE, England (AP) - England coach").as_deref(), Some("AP"));
        assert_eq!(find("Dell", "Reuters - Dell Inc. (DELL.O), the world's").as_deref(), None);
        assert_eq!(find("Title here", "Body.\n\nSource: Radio Free Asia").as_deref(), Some("Radio Free Asia"));
        assert_eq!(find("x", "The Voice of America (VOA) reported on Monday.").as_deref(), Some("Voice of America"));
    }

    #[test]
    fn people_and_labels_are_not_sources() {
        assert_eq!(find("BREAKING: Markets fall sharply today", "President Biden said on Monday."), None);
        assert_eq!(find("Talks resume in Geneva", "The minister (right) said no."), None);
        assert_eq!(find("Q: what now", "Nothing (2020) - a film"), None);
    }
}
