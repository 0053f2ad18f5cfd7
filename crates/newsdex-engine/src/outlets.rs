//! One outlet name per site. Pages of one site name it in different ways, or not at all
//! (then their outlet is the site's registrable domain, `extra.site`); within an ingest
//! each page of a site gets the name most of the site's pages have given so far (ties:
//! the alphabetically first), decided as each batch is extracted. A data directory's
//! `outlets.txt` overrides that: one `domain = Name` per line, `#` comments:
//!
//! ```text
//! # newsdex data directory: outlet names
//! rfa.org = Radio Free Asia
//! news.cn = Xinhua
//! ```

use std::collections::HashMap;
use std::path::Path;

use newsdex_core::{Article, Warning};

/// The file in a data directory that names outlets.
pub const OUTLETS_FILE: &str = "outlets.txt";

/// Names sites: the user's `outlets.txt`, else the most common name seen.
#[derive(Debug, Default)]
pub struct Namer {
    overrides: HashMap<String, String>,
    seen: HashMap<String, HashMap<String, u64>>,
}

impl Namer {
    /// Read `outlets.txt` in `root`, if there is one; lines that are not `domain = Name`
    /// are reported and skipped.
    pub fn load(root: &Path) -> Namer {
        let path = root.join(OUTLETS_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else { return Namer::default() };
        let (overrides, bad) = parse(&text);
        for (line, l) in bad {
            tracing::warn!(file = %path.display(), line, text = l, "not `domain = Name`; skipped");
        }
        Namer { overrides, seen: HashMap::new() }
    }

    /// Name the outlets of `docs`: count the names their pages give, then give every page
    /// of a site the user's name for it, or the most common one.
    pub fn apply<P>(&mut self, docs: &mut [(Article, P)]) {
        for (a, _) in docs.iter() {
            if let (Some(site), Some(name)) = (site(a), a.outlet.as_deref())
                && !name.eq_ignore_ascii_case(&site)
            {
                *self.seen.entry(site).or_default().entry(name.to_string()).or_default() += 1;
            }
        }
        for (a, _) in docs.iter_mut() {
            let Some(site) = site(a) else { continue };
            let (name, why) = match self.overrides.get(&site) {
                Some(n) => (n.clone(), OUTLETS_FILE.to_string()),
                None => match self.seen.get(&site).and_then(|names| {
                    names.iter().max_by(|x, y| x.1.cmp(y.1).then_with(|| y.0.cmp(x.0))).map(|(n, _)| n.clone())
                }) {
                    Some(n) => (n, format!("most pages of {site} name it so")),
                    None => continue,
                },
            };
            if a.outlet.as_deref() == Some(name.as_str()) {
                continue;
            }
            let was = a.outlet.replace(name.clone()).unwrap_or_default();
            a.warnings.push(Warning::new("outlet-named", format!("outlet {name:?} for {was:?} ({why})")));
        }
    }
}

/// The page's site (registrable domain), as extraction recorded it.
fn site(a: &Article) -> Option<String> {
    a.extra.get("site").and_then(|v| v.as_str()).map(str::to_ascii_lowercase)
}

/// `domain = Name` lines: the map, and the lines that were neither that, blank nor a comment.
fn parse(text: &str) -> (HashMap<String, String>, Vec<(usize, String)>) {
    let mut map = HashMap::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        match l.split_once('=') {
            Some((d, n)) if !d.trim().is_empty() && !n.trim().is_empty() && !d.trim().contains(' ') => {
                let d = d.trim().to_ascii_lowercase();
                let d = newsdex_extract::outlet::site_of(&d).unwrap_or(d);
                map.insert(d, n.trim().to_string());
            }
            _ => bad.push((i + 1, l.to_string())),
        }
    }
    (map, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsdex_core::{DocId, SourceFormat};

    fn page(outlet: &str, site: &str) -> (Article, ()) {
        let mut extra = serde_json::Map::new();
        extra.insert("site".into(), site.into());
        let a = Article {
            id: DocId::of_record(format!("{outlet}{site}").as_bytes()),
            format: SourceFormat::Html,
            title: "t".into(),
            body: "b".into(),
            url: None,
            outlet: Some(outlet.into()),
            lang: None,
            published: None,
            authors: Vec::new(),
            extra,
            warnings: Vec::new(),
            removed: Vec::new(),
        };
        (a, ())
    }

    #[test]
    fn one_name_per_site() {
        let mut docs =
            vec![page("taz", "taz.de"), page("taz.de", "taz.de"), page("taz", "taz.de"), page("TAZ Blogs", "taz.de")];
        Namer::default().apply(&mut docs);
        assert!(docs.iter().all(|(a, _)| a.outlet.as_deref() == Some("taz")), "{docs:?}");
        assert_eq!(docs[1].0.warnings[0].code, "outlet-named");
    }

    #[test]
    fn the_users_file_wins() {
        let (map, bad) = parse("# names\nrfa.org = Radio Free Asia\nwww.news.cn = Xinhua\nnonsense\n");
        assert_eq!(map.get("rfa.org").map(String::as_str), Some("Radio Free Asia"));
        assert_eq!(map.get("news.cn").map(String::as_str), Some("Xinhua"));
        assert_eq!(bad, [(4, "nonsense".to_string())]);
        let mut namer = Namer { overrides: map, seen: HashMap::new() };
        let mut docs = vec![page("RFA", "rfa.org")];
        namer.apply(&mut docs);
        assert_eq!(docs[0].0.outlet.as_deref(), Some("Radio Free Asia"));
    }
}
