//! An item's identity: its address with what only tracks readers taken out.

/// Query parameters that name a campaign or a click, never the article.
fn is_tracking(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "yclid"
                | "mc_cid"
                | "mc_eid"
                | "_ga"
                | "igshid"
                | "ocid"
                | "cmpid"
                | "ito"
                | "at_medium"
                | "at_campaign"
                | "smid"
                | "xtor"
                | "ncid"
                | "sr_share"
                | "rss"
                | "ref_src"
                | "spm"
                | "__twitter_impression"
        )
}

/// The canonical form of an article address: `http(s)` only, host lower-cased, default
/// port and fragment dropped, tracking parameters removed (others kept in their order).
/// `None` for what is not an absolute http(s) address.
pub fn canonical_url(s: &str) -> Option<String> {
    let mut u = url::Url::parse(s.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    u.set_fragment(None);
    let kept: Vec<(String, String)> =
        u.query_pairs().filter(|(k, _)| !is_tracking(k)).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if kept.is_empty() {
        u.set_query(None);
    } else if u.query_pairs().count() != kept.len() {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(u.to_string())
}

/// The host an address is polite to (lower case), if it has one.
pub fn host_of(s: &str) -> Option<String> {
    url::Url::parse(s).ok()?.host_str().map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_and_fragments_go() {
        assert_eq!(
            canonical_url("HTTPS://Example.COM:443/a/b?utm_source=rss&id=7&utm_medium=feed&fbclid=x#comments")
                .as_deref(),
            Some("https://example.com/a/b?id=7")
        );
        assert_eq!(canonical_url("https://example.com/a?utm_campaign=z").as_deref(), Some("https://example.com/a"));
        assert_eq!(canonical_url("https://example.com/a?b=1&a=2").as_deref(), Some("https://example.com/a?b=1&a=2"));
        assert_eq!(canonical_url("ftp://example.com/a"), None);
        assert_eq!(canonical_url("not a url"), None);
        assert_eq!(host_of("https://News.Example.org/x").as_deref(), Some("news.example.org"));
    }
}
