//! Human and JSON renderings of engine results. Kept apart from `main` so the formats are
//! plain functions of plain data.

use std::borrow::Cow;
use std::fmt::Write;

use newsdex_engine::{DocRow, EngineStats, IngestReport, RejectRow, SearchResults, Snippet, Sort, StoryView};

/// `s` safe to print on a terminal as one line: control characters (newlines, escape
/// sequences, C1 controls) are written as escapes, so a file name, title or outlet cannot
/// forge a line of output, move the cursor or clear the screen.
pub fn safe(s: &str) -> Cow<'_, str> {
    escape_controls(s, false)
}

/// Like [`safe`], for text of several lines (an article's body): line breaks and tabs
/// stay.
pub fn safe_text(s: &str) -> Cow<'_, str> {
    escape_controls(s, true)
}

fn escape_controls(s: &str, lines: bool) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && !(c == '\t' || (lines && c == '\n'));
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if !bad(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// `path` or `path:line`.
pub fn reject_place(r: &RejectRow) -> String {
    match r.line {
        Some(l) => format!("{}:{l}", safe(&r.source)),
        None => safe(&r.source).into_owned(),
    }
}

/// `ingested N: M new, D duplicates, E rejected in T s`.
pub fn ingest_summary(verb: &str, r: &IngestReport) -> String {
    let mut s = format!(
        "{verb} {}: {} new, {} duplicates, {} rejected in {:.1} s",
        r.total(),
        r.new,
        r.duplicates,
        r.rejected_count,
        r.elapsed_secs
    );
    if r.with_warnings > 0 {
        let _ = write!(s, " ({} with repairs or warnings: see `newsdex show ID`)", r.with_warnings);
    }
    if r.copies > 0 {
        let _ = write!(
            s,
            "; {} {} of other articles, grouped into their stories (see `newsdex story ID`)",
            r.copies,
            if r.copies == 1 { "was a copy" } else { "were copies" }
        );
    }
    if !r.skipped.is_empty() {
        let n: u64 = r.skipped.values().sum();
        let parts: Vec<String> = r.skipped.iter().map(|(k, v)| format!("{v} {}", safe(k))).collect();
        let _ = write!(s, "; {n} archive records not pages, skipped ({})", parts.join(", "));
    }
    if r.other_shards > 0 {
        let _ = write!(s, "; {} records belong to other shards of the collection, left to them", r.other_shards);
    }
    if r.moved_out > 0 || r.moved_in > 0 {
        let _ = write!(
            s,
            "; by their dates now, {} documents this shard held belong to other shards and {} it did not hold belong here: reindex every shard of the collection, then `newsdex collection link` (until then they are in two shards or none)",
            r.moved_out, r.moved_in
        );
    }
    if r.total() > 0 && r.new == 0 && r.rejected_count == 0 {
        s.push_str("; nothing new: all of it was already ingested");
    }
    s
}

fn marked(s: &Snippet, color: bool) -> String {
    let (open, close) = if color { ("\x1b[1;33m", "\x1b[0m") } else { ("**", "**") };
    let mut out = String::new();
    for (piece, hit) in s.parts() {
        if hit {
            out.push_str(open);
            out.push_str(&safe(piece));
            out.push_str(close);
        } else {
            out.push_str(&safe(piece));
        }
    }
    out
}

/// How the hits are ordered, for a date order: ", newest first (2 without a date come
/// last)". Nothing for relevance.
pub fn sort_note(r: &SearchResults) -> String {
    let order = match r.sort {
        Sort::Relevance => return String::new(),
        Sort::Newest => "newest first",
        Sort::Oldest => "oldest first",
    };
    match r.undated.unwrap_or(0) {
        0 => format!(", {order}"),
        1 => format!(", {order} (1 without a date comes last)"),
        n => format!(", {order} ({n} without a date come last)"),
    }
}

/// An ambiguous id prefix: the error line, then each document it starts (id and title),
/// then how many more there are.
pub fn ambiguous_text(
    prefix: &newsdex_engine::IdPrefix,
    total: usize,
    listed: &[(newsdex_core::DocId, String)],
) -> String {
    let mut out = format!("error: the id prefix {prefix} starts {total} documents; give more of its digits:\n");
    for (id, title) in listed {
        let _ = writeln!(out, "  {id}  {}", safe(if title.is_empty() { "(untitled)" } else { title }));
    }
    if total > listed.len() {
        let _ = writeln!(out, "  … and {} more", total - listed.len());
    }
    out
}

/// Human search results: rank, title, outlet · date · language, source, marked snippet.
pub fn search_text(r: &SearchResults, offset: usize, color: bool) -> String {
    let mut out = String::new();
    let shown = r.hits.len();
    let stories = match r.stories {
        Some(n) if n != r.total => format!(" in {n} stor{}", if n == 1 { "y" } else { "ies" }),
        _ => String::new(),
    };
    let as_typed = match r.total_as_typed {
        Some(t) if t != r.total => format!(", {t} as typed"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{} match{}{as_typed}{stories}{}{}",
        r.total,
        if r.total == 1 { "" } else { "es" },
        if shown > 0 { format!(", showing {}–{}", offset + 1, offset + shown) } else { String::new() },
        sort_note(r)
    );
    out.push_str(&expansion_lines(&r.expansions));
    for (i, h) in r.hits.iter().enumerate() {
        let title = if color { format!("\x1b[1m{}\x1b[0m", safe(&h.title)) } else { safe(&h.title).into_owned() };
        let _ = writeln!(out, "\n{:>3}. {title}", offset + i + 1);
        let meta: Vec<&str> =
            [h.outlet.as_deref(), h.published.as_deref(), h.lang.as_deref()].into_iter().flatten().collect();
        let meta = if meta.is_empty() { "-".to_string() } else { meta.join(" · ") };
        let _ = writeln!(out, "     {}  [{}]", safe(&meta), h.id);
        if let Some(src) = h.url.as_deref().or(h.source.as_deref()) {
            let _ = writeln!(out, "     {}", safe(src));
        }
        if !h.matched.is_empty() {
            let _ = writeln!(out, "     matched as: {}", safe(&h.matched.join(", ")));
        }
        if !h.snippet.text.is_empty() {
            let _ = writeln!(out, "     {}", marked(&h.snippet, color));
        }
        if h.also_total > 0 {
            let _ = writeln!(out, "     {}  (newsdex story {})", safe(&newsdex_server::wire::also_line(h)), h.story);
        }
    }
    if let Some(n) = r.snapshot {
        let _ = writeln!(out, "\n(as of snapshot {n}: `--snapshot {n}` answers the same after later ingests)");
    }
    out
}

/// Facet counts after search results.
/// What each expanded word also searched, a line each ("  Uyghur also searched as: …").
pub fn expansion_lines(expansions: &[newsdex_engine::Expansion]) -> String {
    let mut out = String::new();
    for e in expansions {
        let mut also: Vec<String> = e.variants.iter().map(|v| safe(v).into_owned()).collect();
        for f in &e.forms {
            also.push(format!("{} ({})", safe(&f.words.join(", ")), f.lang));
        }
        if let Some(k) = &e.key {
            also.push(format!("“{}” in other scripts", safe(k)));
        }
        if e.left_out > 0 {
            also.push(format!("not {} more name{} of the place", e.left_out, if e.left_out == 1 { "" } else { "s" }));
        }
        if also.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  {} also searched as: {}: +{} article{} (write ={} or --exact for only that)",
            safe(&e.term),
            also.join(", "),
            e.added,
            if e.added == 1 { "" } else { "s" },
            safe(&e.term)
        );
    }
    out
}

pub fn facets_text(r: &SearchResults) -> String {
    let mut out = String::new();
    let Some(f) = &r.facets else { return out };
    let unit = f.counted.as_str();
    // Languages in full; outlets in a table of 25, the rest named by how many and summed.
    if !f.lang.is_empty() {
        let _ = writeln!(out, "\n{unit} by language");
        for b in &f.lang {
            let _ = writeln!(out, "  {:>9}  {}", b.count, safe(&b.value));
        }
        if f.lang_other > 0 {
            let _ = writeln!(out, "  {:>9}  (other languages; --json lists them)", f.lang_other);
        }
    }
    if !f.outlet.is_empty() || f.no_outlet > 0 {
        let _ = writeln!(out, "\n{unit} by outlet");
        for b in f.outlet.iter().take(OUTLET_ROWS) {
            let _ = writeln!(out, "  {:>9}  {}", b.count, safe(&b.value));
        }
        let rest = &f.outlet[f.outlet.len().min(OUTLET_ROWS)..];
        let rest_count: u64 = rest.iter().map(|b| b.count).sum::<u64>() + f.outlet_other;
        if rest_count > 0 {
            let named = if f.outlet_other > 0 { format!("{} or more", rest.len() + 1) } else { rest.len().to_string() };
            let _ = writeln!(out, "  {rest_count:>9}  (and {named} other outlets; --json lists them)");
        }
        if f.no_outlet > 0 {
            let _ = writeln!(out, "  {:>9}  (no outlet)", f.no_outlet);
        }
    }
    if !f.month.is_empty() {
        month_histogram(&mut out, unit, &f.month);
    }
    if f.undated > 0 {
        let _ = writeln!(out, "  {:>9}  (undated)", f.undated);
    }
    if f.dates_guessed > 0 {
        let _ = writeln!(out, "  ({})", guessed_note(f.dates_guessed));
    }
    out
}

/// "the dates of 12 of these articles were guessed …" (the note under a month count).
pub(crate) fn guessed_note(n: u64) -> String {
    let (noun, verb) = if n == 1 { ("date", "was") } else { ("dates", "were") };
    format!(
        "the {noun} of {n} of these articles {verb} guessed from their text or address, not read from their metadata"
    )
}

/// Outlets listed before the rest are summed.
const OUTLET_ROWS: usize = 25;
/// Up to this many months are listed one a line; more are drawn a year a line.
const MONTH_ROWS: usize = 36;

/// Every month of the range: one a line when there are few, else a year a line with a bar
/// per month (`▁`…`█`, relative to the busiest month) and the year's count.
fn month_histogram(out: &mut String, unit: &str, months: &[newsdex_engine::Bucket]) {
    let (first, last) = (&months[0].value, &months[months.len() - 1].value);
    if months.len() <= MONTH_ROWS {
        let _ = writeln!(out, "\n{unit} by month");
        for b in months {
            let _ = writeln!(out, "  {:>9}  {}", b.count, b.value);
        }
        return;
    }
    let max = months.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let _ = writeln!(out, "\n{unit} by month, {first} … {last}: a year a line, one bar a month (█ = {max})");
    let _ = writeln!(out, "  {:>9}        J F M A M J J A S O N D", "");
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let mut by_year: std::collections::BTreeMap<&str, [Option<u64>; 12]> = Default::default();
    for b in months {
        let (y, m) = b.value.split_once('-').unwrap_or((&b.value, "01"));
        let m: usize = m.parse::<usize>().unwrap_or(1).clamp(1, 12);
        by_year.entry(y).or_insert([None; 12])[m - 1] = Some(b.count);
    }
    for (year, counts) in by_year {
        let total: u64 = counts.iter().flatten().sum();
        let bars: String = counts
            .iter()
            .map(|c| match c {
                None => ' ',
                Some(0) => '·',
                Some(n) => BARS[((n * 8 - 1) / max).min(7) as usize],
            })
            .flat_map(|c| [c, ' '])
            .collect();
        let _ = writeln!(out, "  {total:>9}  {year}  {}", bars.trim_end());
    }
}

/// `newsdex story ID`.
pub fn story_text(s: &StoryView) -> String {
    let mut out = String::new();
    let title = s.members.first().map(|m| m.title.as_str()).unwrap_or("");
    let _ = writeln!(out, "{}\n", safe(title));
    let _ = writeln!(out, "story      {} ({} article{})", s.id, s.size, if s.size == 1 { "" } else { "s" });
    let outlets: Vec<String> = s
        .outlets
        .iter()
        .map(|(o, n)| if *n > 1 { format!("{} ×{n}", safe(o)) } else { safe(o).into_owned() })
        .collect();
    if !outlets.is_empty() {
        let _ = writeln!(out, "outlets    {}", outlets.join(", "));
    }
    match (&s.first_published, &s.last_published) {
        (Some(a), Some(b)) if a != b => {
            let _ = writeln!(out, "published  {a} … {b}");
        }
        (Some(a), _) => {
            let _ = writeln!(out, "published  {a}");
        }
        _ => {}
    }
    for m in &s.members {
        let meta: Vec<&str> =
            [m.outlet.as_deref(), m.published.as_deref(), m.lang.as_deref()].into_iter().flatten().collect();
        let _ = writeln!(out, "\n{} {}", if m.diff.is_none() { "*" } else { "-" }, safe(&m.title));
        let meta = if meta.is_empty() { "-".into() } else { meta.join(" · ") };
        let _ = writeln!(out, "  {}  [{}]  {} words", safe(&meta), m.id, m.words);
        if let Some(u) = m.url.as_deref() {
            let _ = writeln!(out, "  {}", safe(u));
        }
        match &m.diff {
            None if s.canonical => {
                let _ = writeln!(out, "  the canonical copy (earliest published)");
            }
            None => {
                let _ = writeln!(out, "  the first seen (no publication date decides which copy came first)");
            }
            Some(d) => {
                let _ = writeln!(out, "  {}", d.summary());
                for p in &d.added {
                    let _ = writeln!(out, "    + {}", clip(p, 160));
                }
                for p in &d.cut {
                    let _ = writeln!(out, "    - {}", clip(p, 160));
                }
                for runs in &d.edited_words {
                    let _ = writeln!(out, "    ~ {}", word_runs(runs, 320));
                }
            }
        }
    }
    out
}

/// An edited paragraph word by word, as `wdiff` writes it: `[-cut-]{+added+}`, clipped
/// to about `max` characters.
fn word_runs(runs: &[newsdex_engine::WordRun], max: usize) -> String {
    let mut s = String::new();
    for r in runs {
        match r.change {
            newsdex_engine::Change::Same => s.push_str(&r.text),
            newsdex_engine::Change::Cut => s.push_str(&format!("[-{}-]", r.text)),
            newsdex_engine::Change::Added => s.push_str(&format!("{{+{}+}}", r.text)),
        }
    }
    clip(&s, max)
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", safe(&s[..i])),
        None => safe(s).into_owned(),
    }
}

/// `newsdex show ID`.
pub fn document_text(row: &DocRow) -> String {
    let a = &row.article;
    let p = &row.provenance;
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", safe(&a.title));
    let field = |out: &mut String, k: &str, v: Option<&str>| {
        if let Some(v) = v {
            let _ = writeln!(out, "{k:<10} {}", safe(v));
        }
    };
    field(&mut out, "id", Some(&a.id.to_string()));
    field(&mut out, "outlet", a.outlet.as_deref());
    field(&mut out, "published", a.published.map(|p| p.display()).as_deref());
    field(&mut out, "lang", a.lang.as_deref());
    field(&mut out, "url", a.url.as_deref());
    if !a.authors.is_empty() {
        field(&mut out, "authors", Some(&a.authors.join("; ")));
    }
    field(&mut out, "format", Some(a.format.as_str()));
    let line = p.line.map(|l| format!(" line {l}")).unwrap_or_default();
    field(&mut out, "source", Some(&format!("{}{line}", p.source)));
    field(&mut out, "raw", Some(&format!("{} bytes {}..{}", p.raw, p.start, p.end)));
    field(&mut out, "ingested", Some(&p.ingested_at));
    if !a.warnings.is_empty() {
        let _ = writeln!(out, "\nrepairs and warnings:");
        for w in &a.warnings {
            let _ = writeln!(out, "  - {}: {}", w.code, safe(&w.message));
        }
    }
    if !a.removed.is_empty() {
        let _ = writeln!(out, "\nremoved as boilerplate (not indexed):");
        for l in &a.removed {
            let _ = writeln!(out, "  | {}", safe(l));
        }
    }
    if !a.extra.is_empty() {
        let _ = writeln!(out, "\nother fields: {}", serde_json::to_string(&a.extra).unwrap_or_default());
    }
    let _ = writeln!(out, "\n{}", safe_text(&a.body));
    out
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

/// `newsdex stats`.
pub fn stats_text(s: &EngineStats) -> String {
    let st = &s.store;
    let mut out = String::new();
    let _ = writeln!(out, "data directory  {} (generation {})", safe(&s.data_dir.display().to_string()), s.generation);
    let _ = writeln!(out, "documents       {} ({} in the index)", st.documents, s.indexed_documents);
    let _ = writeln!(out, "stories         {} (copies of one article count once)", st.stories);
    let _ = writeln!(out, "inputs          {} sources, {} blobs", st.sources, st.blobs);
    let _ = writeln!(
        out,
        "raw store       {} of input kept in {} on disk",
        human_bytes(st.raw_bytes),
        human_bytes(s.raw_disk_bytes)
    );
    if let (Some(a), Some(b)) = (&st.published_min, &st.published_max) {
        let _ = writeln!(out, "published       {a} … {b}");
    }
    let mut table = |title: &str, rows: &[(String, u64)]| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{title}");
        for (k, n) in rows.iter().take(25) {
            let _ = writeln!(out, "  {n:>9}  {}", safe(k));
        }
        if rows.len() > 25 {
            let _ = writeln!(out, "  … and {} more", rows.len() - 25);
        }
    };
    table("by language", &st.by_lang);
    table("by outlet", &st.by_outlet);
    table("by format", &st.by_format);
    table("warnings (documents)", &st.warnings_by_code);
    if !st.skipped_by_kind.is_empty() {
        table("archive records skipped (not pages; WARC kind: reason)", &st.skipped_by_kind);
    }
    let _ = writeln!(out, "\nrejects         {}", st.rejects);
    for (code, n) in &st.rejects_by_code {
        let _ = writeln!(out, "  {n:>9}  {code}");
    }
    if !s.recent_rejects.is_empty() {
        let _ = writeln!(out, "\nmost recent rejects");
        for r in &s.recent_rejects {
            let _ = writeln!(out, "  {}: {}", reject_place(r), safe(&r.reason));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use newsdex_engine::{Bucket, CountBy, Facets};

    use super::*;

    /// Results of `total` matches with only these facets.
    fn with_facets(total: usize, facets: Facets) -> SearchResults {
        SearchResults {
            total,
            total_as_typed: None,
            stories: None,
            collapsed: false,
            hits: Vec::new(),
            facets: Some(facets),
            expansions: Vec::new(),
            sort: Default::default(),
            undated: None,
            snapshot: None,
            shards: None,
        }
    }

    #[test]
    fn outlets_past_the_table_are_summed_on_one_line() {
        let outlet: Vec<Bucket> = (0..30).map(|i| Bucket { value: format!("Outlet {i}"), count: 100 - i }).collect();
        let facets = Facets { outlet, outlet_other: 7, counted: CountBy::Articles, ..Facets::default() };
        let r = with_facets(3000, facets);
        let text = facets_text(&r);
        assert!(text.contains(&format!("\n  {:>9}  Outlet 24\n", 76)), "{text}");
        assert!(!text.contains("Outlet 25"), "{text}");
        // Rows 25–29 (75 + 74 + 73 + 72 + 71) and the 7 the index did not list.
        assert!(
            text.ends_with(&format!("\n  {:>9}  (and 6 or more other outlets; --json lists them)\n", 372)),
            "{text}"
        );
        // Matches without an outlet are counted after them, so the rows add up to the total.
        let mut r = r;
        if let Some(f) = r.facets.as_mut() {
            f.no_outlet = 12;
        }
        let text = facets_text(&r);
        assert!(text.ends_with(&format!("other outlets; --json lists them)\n  {:>9}  (no outlet)\n", 12)), "{text}");
    }

    #[test]
    fn regression_every_month_of_the_range_is_shown() {
        // The CLI stopped at the first 25 months (2003-03 … 2005-03), hiding 108 articles
        // of 2019-11, with no line saying so.
        let mut month: Vec<Bucket> = Vec::new();
        for y in 2003..=2019 {
            for m in 1..=12 {
                if (y, m) >= (2003, 3) && (y, m) <= (2019, 11) {
                    let count = if (y, m) == (2019, 11) { 108 } else { (y as u64 + m) % 5 };
                    month.push(Bucket { value: format!("{y}-{m:02}"), count });
                }
            }
        }
        let facets = Facets { month, undated: 4, counted: CountBy::Articles, ..Facets::default() };
        let r = with_facets(900, facets);
        let text = facets_text(&r);
        assert!(text.contains("2003-03 … 2019-11"), "{text}");
        let last = text.lines().find(|l| l.contains(" 2019 ")).unwrap();
        assert!(last.contains('█'), "the busiest month is 2019-11: {last}");
        assert_eq!(text.lines().filter(|l| l.contains("  20")).count(), 17, "a line a year:\n{text}");
        assert!(text.ends_with("        4  (undated)\n"), "{text}");
        // A short range is listed month by month.
        let short = SearchResults {
            facets: Some(Facets {
                month: vec![Bucket { value: "2024-01".into(), count: 2 }, Bucket { value: "2024-02".into(), count: 0 }],
                ..Facets::default()
            }),
            ..r
        };
        assert!(facets_text(&short).contains("        0  2024-02"));
        // Guessed dates are said under the months.
        let mut guessed = short.clone();
        guessed.facets.as_mut().unwrap().dates_guessed = 1;
        assert!(
            facets_text(&guessed).ends_with("  (the date of 1 of these articles was guessed from their text or address, not read from their metadata)\n"),
            "{}",
            facets_text(&guessed)
        );
    }
}
