//! Boilerplate lines in article text: navigation, share and subscribe prompts, cookie
//! notices, agency sign-offs. Two ways to recognise them:
//!
//! * [`strip_nav_edges`]: a fixed, multilingual lexicon of navigation phrases, applied to
//!   short lines at the top and bottom of a text only ("Previous Post Next Post",
//!   "Worldwide News Search Here", "Partager sur Facebook"). Lines in the middle of an
//!   article are never judged by the lexicon.
//! * [`edge_keys`] / [`strip_keys`]: lines learned from the corpus. The engine counts the
//!   normalised lines at the edges of every document per outlet (or source folder) and
//!   removes those that recur across many documents of the group ("Reuter" closes 88%
//!   of Reuters-21578's stories), whatever the language.
//!
//! Removed lines are returned so the record keeps them: nothing a user gave is lost.

/// Lines this long or longer are never boilerplate (they are paragraphs).
pub const MAX_BOILER_CHARS: usize = 120;
/// How many non-empty lines at each end of a text are candidates.
pub const EDGE_LINES: usize = 3;

/// Phrases that make a short edge line navigation, lower case. Matched as whole words
/// (or, for scripts written without spaces, as substrings); a one-word phrase ("share",
/// "comments") only when it is nearly the whole line.
const NAV_PHRASES: &[&str] = &[
    // English
    "previous post",
    "next post",
    "previous article",
    "next article",
    "previous story",
    "next story",
    "search here",
    "read more",
    "read also",
    "see also",
    "share this",
    "share on",
    "share via",
    "tweet this",
    "subscribe",
    "sign up for",
    "subscribe to our newsletter",
    "follow us",
    "like us on",
    "click here",
    "skip to content",
    "back to top",
    "all rights reserved",
    "we use cookies",
    "accept cookies",
    "privacy policy",
    "terms of use",
    "related posts",
    "related articles",
    "related stories",
    "leave a comment",
    "leave a reply",
    "comments",
    "advertisement",
    "sponsored content",
    "print this",
    "email this",
    "download our app",
    // French
    "article précédent",
    "article suivant",
    "lire aussi",
    "lire la suite",
    "partager",
    "partager sur",
    "abonnez-vous",
    "s'abonner",
    "suivez-nous",
    "tous droits réservés",
    "rechercher",
    // German
    "vorheriger artikel",
    "nächster artikel",
    "weiterlesen",
    "mehr lesen",
    "teilen",
    "teilen auf",
    "abonnieren",
    "folgen sie uns",
    "alle rechte vorbehalten",
    "suchen",
    // Spanish / Portuguese
    "artículo anterior",
    "artículo siguiente",
    "leer más",
    "compartir",
    "compartir en",
    "suscríbete",
    "síguenos",
    "todos los derechos reservados",
    "buscar",
    "leia mais",
    "compartilhar",
    "assine",
    "siga-nos",
    // Russian / Ukrainian
    "предыдущая статья",
    "следующая статья",
    "читать далее",
    "читайте также",
    "поделиться",
    "подписаться",
    "подписывайтесь",
    "все права защищены",
    "поиск",
    "попередня стаття",
    "наступна стаття",
    "поділитися",
    // Turkish
    "önceki haber",
    "sonraki haber",
    "devamını oku",
    "paylaş",
    "abone ol",
    "bizi takip edin",
    "tüm hakları saklıdır",
    // Arabic / Persian
    "المقال السابق",
    "المقال التالي",
    "اقرأ أيضا",
    "اقرأ المزيد",
    "شارك",
    "اشترك",
    "تابعونا",
    "جميع الحقوق محفوظة",
    "مطالب مرتبط",
    "اشتراک گذاری",
    // Chinese / Japanese
    "上一篇",
    "下一篇",
    "阅读更多",
    "分享到",
    "订阅",
    "关注我们",
    "版权所有",
    "前の記事",
    "次の記事",
    "続きを読む",
    "シェア",
    "購読",
];

/// Scripts written without spaces: phrases there match as substrings.
fn unspaced(phrase: &str) -> bool {
    phrase.chars().any(|c| ('\u{3040}'..='\u{9FFF}').contains(&c))
}

/// The line in lower case with runs of non-word characters as one space.
pub fn normalize_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut space = false;
    for c in line.chars() {
        if c.is_alphanumeric() || c == '\'' || c == '-' {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// Whether a short line is navigation by the lexicon.
pub fn is_nav_line(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.chars().count() >= MAX_BOILER_CHARS {
        return false;
    }
    let norm = normalize_line(t);
    if norm.split(' ').count() > 8 {
        return false;
    }
    let words = norm.split(' ').count();
    let padded = format!(" {norm} ");
    NAV_PHRASES.iter().any(|p| {
        if unspaced(p) {
            norm.contains(p)
        } else if !p.contains(' ') && words > 2 {
            false
        } else {
            padded.contains(&format!(" {p} "))
        }
    })
}

/// Indices of the candidate lines: the first and last [`EDGE_LINES`] non-empty lines.
fn edge_indices(lines: &[&str]) -> Vec<usize> {
    let non_empty: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].trim().is_empty()).collect();
    let mut out: Vec<usize> = non_empty.iter().take(EDGE_LINES).copied().collect();
    for &i in non_empty.iter().rev().take(EDGE_LINES) {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out.sort_unstable();
    out
}

/// Rebuild a text without the lines at `drop`, keeping its paragraph structure (no two
/// blank lines in a row, none at the ends).
fn without(lines: &[&str], drop: &[usize]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for (i, l) in lines.iter().enumerate() {
        if drop.contains(&i) {
            continue;
        }
        if l.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(l);
    }
    out
}

/// Remove navigation lines at the top and bottom of `text`: from each end inwards, while
/// the next non-empty line is navigation. Returns the text and the removed lines.
pub fn strip_nav_edges(text: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = text.split('\n').collect();
    let non_empty: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].trim().is_empty()).collect();
    let mut drop = Vec::new();
    for &i in non_empty.iter().take(EDGE_LINES) {
        if !is_nav_line(lines[i]) {
            break;
        }
        drop.push(i);
    }
    for &i in non_empty.iter().rev().take(EDGE_LINES) {
        if drop.contains(&i) || !is_nav_line(lines[i]) {
            break;
        }
        drop.push(i);
    }
    if drop.is_empty() || drop.len() == non_empty.len() {
        // Nothing to do, or a text made only of such lines (keep it: it is all there is).
        return (text.to_string(), Vec::new());
    }
    drop.sort_unstable();
    let removed = drop.iter().map(|&i| lines[i].trim().to_string()).collect();
    (without(&lines, &drop), removed)
}

/// 64-bit key of a normalised line.
pub fn line_key(normalized: &str) -> u64 {
    let h = blake3::hash(normalized.as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// Keys of the candidate lines of `text` (its edges, short lines only), each once.
pub fn edge_keys(text: &str) -> Vec<u64> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut keys: Vec<u64> = edge_indices(&lines)
        .into_iter()
        .filter(|&i| lines[i].trim().chars().count() < MAX_BOILER_CHARS)
        .map(|i| normalize_line(lines[i]))
        .filter(|n| !n.is_empty())
        .map(|n| line_key(&n))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Remove the edge lines whose key `is_boiler` says is boilerplate, from each end
/// inwards (a recurring line is only removed where it stands at the edge, with only other
/// boilerplate between it and the end). Returns the text and the removed lines, or `None`
/// when nothing is removed (the text is not copied).
pub fn strip_keys(text: &str, is_boiler: impl Fn(u64) -> bool) -> Option<(String, Vec<String>)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let non_empty: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].trim().is_empty()).collect();
    let boiler = |i: usize| {
        let t = lines[i].trim();
        t.chars().count() < MAX_BOILER_CHARS && {
            let n = normalize_line(t);
            !n.is_empty() && is_boiler(line_key(&n))
        }
    };
    let mut drop = Vec::new();
    for &i in non_empty.iter().take(EDGE_LINES) {
        if !boiler(i) {
            break;
        }
        drop.push(i);
    }
    for &i in non_empty.iter().rev().take(EDGE_LINES) {
        if drop.contains(&i) || !boiler(i) {
            break;
        }
        drop.push(i);
    }
    if drop.is_empty() || drop.len() == non_empty.len() {
        return None;
    }
    drop.sort_unstable();
    let removed = drop.iter().map(|&i| lines[i].trim().to_string()).collect();
    Some((without(&lines, &drop), removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_lines_in_many_languages() {
        for l in [
            "Previous Post Next Post",
            "Worldwide News Search Here👇",
            "Share this:",
            "Partager sur Facebook",
            "Alle Rechte vorbehalten.",
            "Читайте также:",
            "Devamını oku",
            "اقرأ أيضا",
            "上一篇：新疆新闻",
            "© 2024 Example Times. All rights reserved.",
        ] {
            assert!(is_nav_line(l), "{l:?}");
        }
        for l in [
            "Tashkent is still not considered a safe place for Uyghurs in Western countries.",
            "He chose to share the prize with his colleagues in Almaty and Bishkek last year.",
            "A financial newsletter which reported",
            "Teilen Sie uns mit",
            "Comments",
            "1. It's making Central Asia dangerous for them.",
            "",
        ] {
            assert_eq!(is_nav_line(l), l == "Comments", "{l:?}");
        }
    }

    #[test]
    fn only_edges_are_stripped_and_paragraphs_stay() {
        let text = "Share this:\n\nFirst paragraph.\nStill first.\n\nRead more about the share of votes.\n\nLast paragraph.\n\nPrevious Post Next Post\n\nWorldwide News Search Here";
        let (t, removed) = strip_nav_edges(text);
        assert_eq!(t, "First paragraph.\nStill first.\n\nRead more about the share of votes.\n\nLast paragraph.");
        assert_eq!(removed, ["Share this:", "Previous Post Next Post", "Worldwide News Search Here"]);
        // A text made only of navigation is left as it is.
        assert_eq!(strip_nav_edges("Previous Post Next Post").1.len(), 0);
    }

    #[test]
    fn learned_keys_match_spelling_variants_of_a_line() {
        let k = line_key(&normalize_line("Reuter"));
        assert!(edge_keys("Body line one.\nBody line two.\n\nREUTER...").contains(&k));
        assert!(edge_keys("x\nreuter").contains(&k));
        assert_eq!(edge_keys("a\nb\nc\nd\ne\nf\ng").len(), 6, "three lines at each end");
        let (t, removed) =
            strip_keys("SHOWERS CONTINUED\nin the Bahia cocoa zone.\n\n REUTER\u{0}", |key| key == k).unwrap();
        assert_eq!(t, "SHOWERS CONTINUED\nin the Bahia cocoa zone.");
        assert_eq!(removed, ["REUTER\u{0}"]);
        // Nothing learned at its edges, or every line learned: the text stays as it is.
        assert!(strip_keys("SHOWERS CONTINUED\nin the Bahia cocoa zone.", |key| key == k).is_none());
        assert!(strip_keys("REUTER", |key| key == k).is_none());
    }
}
