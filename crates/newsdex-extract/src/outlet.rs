//! Outlets: which site published a page, named the way the site names itself.
//!
//! A page's outlet comes from the publisher's own metadata (see [`crate::html::meta`]):
//! JSON-LD `publisher.name`, `og:site_name`, the site part of `<title>`. Values that
//! are social-media handles or addresses (`@tazgezwitscher`, "twitterusername",
//! "https://twitter.com/…") are never names. Without a name, the outlet is the
//! *registrable domain* of the page's canonical or original address (`bbc.co.uk`,
//! `taz.de`), from the public-suffix list compiled into the `psl` crate (no download at
//! build or run time); archived copies (`web.archive.org/web/<ts>/<URL>`) count as the
//! archived URL's site.

/// Hosts of web archives: their copies are the archived site's pages.
const ARCHIVES: [&str; 4] = ["web.archive.org", "wayback.archive.org", "archive.org", "webcache.googleusercontent.com"];

/// The archived address inside an archive's address (`https://web.archive.org/web/
/// 20120611024252/http://www.he.xinhuanet.com/…` → `http://www.he.xinhuanet.com/…`);
/// any other address as it is.
pub fn unarchive(url: &str) -> String {
    let url = url.trim();
    let Some(h) = raw_host(url) else { return url.to_string() };
    if !ARCHIVES.contains(&h.as_str()) {
        return url.to_string();
    }
    // …/web/<timestamp>[id_|im_|…]/<URL>
    let Some(at) = url.find("/web/") else { return url.to_string() };
    let rest = &url[at + 5..];
    let Some((stamp, inner)) = rest.split_once('/') else { return url.to_string() };
    if !stamp.chars().next().is_some_and(|c| c.is_ascii_digit()) || inner.is_empty() {
        return url.to_string();
    }
    if inner.contains("://") {
        inner.to_string()
    } else if let Some(i) = inner.strip_prefix("http:/").or_else(|| inner.strip_prefix("https:/")) {
        // Some proxies squash "//" to "/".
        format!("http://{i}")
    } else {
        format!("http://{inner}")
    }
}

/// The host of an absolute address, lower-cased, without port and trailing dot.
fn raw_host(url: &str) -> Option<String> {
    let rest = match url.split_once("://") {
        Some((_, r)) => r,
        None => url.strip_prefix("//")?,
    };
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty() && host.contains('.')).then_some(host)
}

/// The registrable domain ("site") of an address or host name: `https://www.bbc.co.uk/news`
/// → `bbc.co.uk`, `http://blog.example.com` → `example.com`; an archived copy's archived
/// site. Hosts the public-suffix list does not know (an IP address, a made-up suffix) are
/// returned whole, without `www.`.
pub fn site_of(url_or_host: &str) -> Option<String> {
    let url = unarchive(url_or_host);
    let host = if url.contains("://") || url.starts_with("//") {
        raw_host(&url)?
    } else {
        let h = url.split(['/', '?', '#', ':']).next()?.trim_end_matches('.').to_ascii_lowercase();
        if h.is_empty() || !h.contains('.') {
            return None;
        }
        h
    };
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Some(host);
    }
    let known = psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known());
    match psl::domain_str(&host) {
        Some(d) if known => Some(d.to_string()),
        _ => Some(host.strip_prefix("www.").unwrap_or(&host).to_string()),
    }
}

/// Whether a value offered as a site's name can be one: not an address, not a social
/// media handle (`@taz`, `tazgezwitscher` under `twitter:site`, `energiezukunft_`), not
/// an archive's host, not empty or overlong.
pub fn plausible_name(name: &str) -> bool {
    let n = name.trim();
    let lower = n.to_lowercase();
    let chars = n.chars().count();
    if !(2..=80).contains(&chars) || !n.chars().any(char::is_alphanumeric) {
        return false;
    }
    if n.starts_with('@')
        || lower.contains("://")
        || lower.starts_with("www.")
        || lower.starts_with("http")
        || lower.contains("twitter")
        || lower.contains("facebook.com")
        || lower.contains('/')
    {
        return false;
    }
    // One token with an underscore is a handle ("energiezukunft_", "rfa_news").
    if !n.contains(' ') && n.contains('_') {
        return false;
    }
    if ARCHIVES.iter().any(|a| lower == *a) {
        return false;
    }
    // Placeholders left in templates.
    !matches!(
        lower.as_str(),
        "twitterusername" | "sitename" | "site name" | "site_name" | "username" | "null" | "undefined"
    )
}

/// Letters and digits of `s`, lower-cased, diacritics folded (`ü` → `u`), each word
/// kept apart.
fn words(s: &str, umlaut_e: bool) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut folded = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' | 'ö' | 'ü' if umlaut_e => {
                folded.push(match c {
                    'ä' => 'a',
                    'ö' => 'o',
                    _ => 'u',
                });
                folded.push('e');
            }
            'ß' => folded.push_str("ss"),
            '&' => folded.push_str(" and "),
            c => folded.extend(c.to_string().nfkd().filter(|c| !unicode_normalization::char::is_combining_mark(*c))),
        }
    }
    folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// Whether a name agrees with a site: the site's label (`nytimes` of `nytimes.com`) is
/// the name's words run together ("The Guardian" ~ theguardian.com, "BBC News" ~
/// bbc.co.uk), their initials ("Radio Free Asia" ~ rfa.org), or a prefix of each word
/// and the last word whole ("New York Times" ~ nytimes.com); or the name is the domain
/// ("Tagesschau.de"). A single word that merely starts with the label
/// ("tazgezwitscher" for taz.de) does not agree.
pub fn name_agrees(name: &str, site: &str) -> bool {
    let site = site.to_ascii_lowercase();
    let label = site.split('.').next().unwrap_or(&site).replace('-', "");
    if label.is_empty() {
        return false;
    }
    let squashed_site: String = site.chars().filter(|c| c.is_alphanumeric()).collect();
    [false, true].into_iter().any(|umlaut_e| {
        let w = words(name, umlaut_e);
        let all: String = w.concat();
        if all == label || all == squashed_site || (all.ends_with(&squashed_site) && all.len() > squashed_site.len()) {
            return true;
        }
        (0..w.len()).any(|i| (i + 1..=w.len()).any(|j| abbreviates(&label, &w[i..j])))
    })
}

/// Whether `label` is the words run together, their initials, or a prefix of each with
/// the last word whole.
fn abbreviates(label: &str, w: &[String]) -> bool {
    if w.concat() == label {
        return true;
    }
    if w.len() >= 2 && w.iter().filter_map(|x| x.chars().next()).collect::<String>() == label {
        return true;
    }
    let Some((last, init)) = w.split_last() else { return false };
    let Some(head) = label.strip_suffix(last.as_str()) else { return false };
    !init.is_empty() && prefixes(head, init)
}

/// Whether `s` is a non-empty prefix of each word of `w` in turn.
fn prefixes(s: &str, w: &[String]) -> bool {
    let Some((first, rest)) = w.split_first() else { return s.is_empty() };
    let max = first.len().min(s.len());
    (1..=max).any(|k| s.is_char_boundary(k) && first.starts_with(&s[..k]) && prefixes(&s[k..], rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(site_of("https://www.bbc.co.uk/news/world").as_deref(), Some("bbc.co.uk"));
        assert_eq!(site_of("http://blog.taz.de/2020/x").as_deref(), Some("taz.de"));
        assert_eq!(site_of("www.rfa.org").as_deref(), Some("rfa.org"));
        assert_eq!(
            site_of("https://web.archive.org/web/20120611024252/http://www.he.xinhuanet.com/news/2012-06/04/c.htm")
                .as_deref(),
            Some("xinhuanet.com")
        );
        assert_eq!(
            site_of("https://web.archive.org/web/2019id_/www.example.co.jp/a").as_deref(),
            Some("example.co.jp")
        );
        assert_eq!(site_of("http://127.0.0.1:8080/x").as_deref(), Some("127.0.0.1"));
        assert_eq!(site_of("not a url"), None);
    }

    #[test]
    fn handles_are_not_names() {
        for bad in [
            "@tazgezwitscher",
            "twitterusername",
            "httpstwittercomlitradionet",
            "energiezukunft_",
            "https://x.com/a",
            "web.archive.org",
            "www.rfa.org",
        ] {
            assert!(!plausible_name(bad), "{bad}");
        }
        for good in ["taz", "RFA", "Foreign Policy", "新华网", "Tagesschau.de", "The Guardian"] {
            assert!(plausible_name(good), "{good}");
        }
    }

    #[test]
    fn names_agree_with_sites() {
        assert!(name_agrees("The Guardian", "theguardian.com"));
        assert!(name_agrees("BBC News", "bbc.co.uk"));
        assert!(name_agrees("Radio Free Asia", "rfa.org"));
        assert!(name_agrees("The New York Times", "nytimes.com"));
        assert!(name_agrees("Süddeutsche Zeitung", "sueddeutsche.de"));
        assert!(name_agrees("taz", "taz.de"));
        assert!(name_agrees("tagesschau.de", "tagesschau.de"));
        assert!(!name_agrees("tazgezwitscher", "taz.de"));
        assert!(!name_agrees("Política", "elpais.com"));
        assert!(!name_agrees("web.archive.org", "xinhuanet.com"));
    }
}
