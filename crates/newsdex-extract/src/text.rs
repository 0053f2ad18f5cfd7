//! Plain text: the first non-empty line is the title; a title that scrapers repeated
//! (`T T`, or `T` on several lines) is collapsed to one.

use newsdex_core::Warning;

/// Title and body of a plain-text document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub title: String,
    pub body: String,
}

/// Longest title kept whole; a longer first line is a paragraph, shortened for the title.
const MAX_TITLE_CHARS: usize = 300;
/// A repeated unit shorter than this is left alone.
const MIN_REPEATED_TITLE_CHARS: usize = 12;

/// Split cleaned text (see [`crate::clean_text`]) into title and body.
pub fn split(text: &str, warnings: &mut Vec<Warning>) -> Split {
    let mut lines = text.split('\n').map(str::trim);
    let Some(first) = lines.by_ref().find(|l| !l.is_empty()) else {
        return Split { title: String::new(), body: String::new() };
    };
    let (title, mut copies) = collapse_repeats(first);
    let mut rest: Vec<&str> = Vec::new();
    let mut leading = true;
    for line in lines {
        if leading && (line.is_empty() || same_text(line, &title)) {
            if !line.is_empty() {
                copies += 1;
            }
            continue;
        }
        leading = false;
        rest.push(line);
    }
    if copies > 1 {
        warnings.push(Warning::counted(
            "title-repeats-collapsed",
            format!("the title appeared {copies} times at the top; kept once"),
            copies as u64,
        ));
    }
    let mut body = rest.join("\n").trim().to_string();
    // A first line that is a sentence (a lede rather than a headline) stays in the body too.
    let is_sentence = title.chars().count() > 80 && title.ends_with(['.', '!', '?', '。', '؟', '」', '"', '”']);
    let long = title.chars().count() > MAX_TITLE_CHARS;
    if is_sentence || long {
        body = if body.is_empty() { title.clone() } else { format!("{title}\n\n{body}") };
    }
    let title = if long { shorten(&title, 200) } else { title };
    Split { title, body }
}

fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// If `line` is one string repeated (`"T T"`, `"T T T"`, `"TT"`), return that string and
/// the number of copies; otherwise the line itself and 1.
pub fn collapse_repeats(line: &str) -> (String, usize) {
    let norm: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = norm.chars().collect();
    let n = chars.len();
    if !(2..=4000).contains(&n) {
        return (norm, 1);
    }
    for unit in 1..=n / 2 {
        // Copies joined by one space (`T T`) or by nothing (`TT`).
        for sep in [1usize, 0] {
            let step = unit + sep;
            if !(n + sep).is_multiple_of(step) {
                continue;
            }
            let k = (n + sep) / step;
            if k < 2 {
                continue;
            }
            let head = &chars[..unit];
            // Short units are names, not scraped headlines: "Bora Bora", "New York New York".
            if head.len() < MIN_REPEATED_TITLE_CHARS {
                continue;
            }
            let ok = (1..k).all(|i| {
                let at = i * step;
                (sep == 0 || chars[at - 1] == ' ') && chars[at..at + unit] == *head
            });
            if ok {
                return (head.iter().collect(), k);
            }
        }
    }
    (norm, 1)
}

fn shorten(s: &str, max: usize) -> String {
    let mut out = String::new();
    for word in s.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = s.chars().take(max).collect();
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_titles_collapse() {
        assert_eq!(collapse_repeats("RFA : Background RFA : Background"), ("RFA : Background".into(), 2));
        assert_eq!(collapse_repeats("Breaking news Breaking news Breaking news"), ("Breaking news".into(), 3));
        assert_eq!(
            collapse_repeats("新疆维吾尔自治区发生地震新疆维吾尔自治区发生地震"),
            ("新疆维吾尔自治区发生地震".into(), 2)
        );
        // Names are not scraping debris.
        assert_eq!(collapse_repeats("New York New York"), ("New York New York".into(), 1));
        assert_eq!(collapse_repeats("Bora Bora"), ("Bora Bora".into(), 1));
        assert_eq!(collapse_repeats("A headline about Tashkent"), ("A headline about Tashkent".into(), 1));
        assert_eq!(collapse_repeats("aa"), ("aa".into(), 1));
    }

    #[test]
    fn title_line_and_its_copies_are_removed_from_the_top() {
        let mut w = Vec::new();
        let t = "A headline that repeats";
        let s = split(&format!("{t} {t}\n\n{t}\n\n{t}\n\nBody starts here.\n\n{t}"), &mut w);
        assert_eq!(s.title, t);
        assert_eq!(s.body, format!("Body starts here.\n\n{t}"));
        assert_eq!(w[0].code, "title-repeats-collapsed");
        assert_eq!(w[0].count, 4);
    }

    #[test]
    fn a_lede_sentence_is_kept_in_the_body() {
        let mut w = Vec::new();
        let lede = "Beijing's intensified crackdown on Muslim Uighurs in Xinjiang province has triggered an exodus, FP reported.";
        let s = split(&format!("{lede}\n\nSecond paragraph."), &mut w);
        assert_eq!(s.title, lede);
        assert_eq!(s.body, format!("{lede}\n\nSecond paragraph."));
    }
}
