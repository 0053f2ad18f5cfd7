//! Query budgets and the search deadline through the engine (issue #14): costly queries are
//! refused before they run with a message naming the limit, a search past its deadline
//! stops with `Timeout`, facets stay bounded, real query logs come nowhere near the
//! limits, and random queries of the grammar run within budget or are refused. Real text:
//! the seed articles, and Reuters-21578 with the Reuters query log and the CISI and
//! Cranfield query sets (skipped when ../shared is absent).

use std::path::{Path, PathBuf};
use std::time::Duration;

use newsdex_engine::{CountBy, DefaultOp, Engine, EngineError, IngestOptions, QueryLimits, SearchOptions};
use proptest::prelude::*;

fn seeds() -> Vec<PathBuf> {
    let d = newsdex_testkit::repo_root().join("testdata/seeds");
    vec![d.join("000_0a7d4e7fb2c47564.txt"), d.join("004_28fc068abbfc2ab4.txt")]
}

/// The seed articles, and copies of seed 004's paragraphs from three more outlets (one of
/// them twice, so that one story has copies).
fn archive(dir: &Path) -> Engine {
    let data = dir.join("data");
    let mut w = Engine::open_write(&data).unwrap();
    let text = std::fs::read_to_string(&seeds()[1]).unwrap();
    let paragraphs: Vec<&str> = text.lines().filter(|l| l.split_whitespace().count() >= 12).collect();
    let mut lines = String::new();
    for (i, (outlet, range)) in
        [("Outlet A", 0..3), ("Outlet B", 3..6), ("Outlet C", 6..9), ("Outlet C", 6..9)].into_iter().enumerate()
    {
        let rec = serde_json::json!({
            "title": format!("Part {i} of the background"),
            "text": paragraphs[range].join("\n\n"),
            "outlet": outlet,
            "url": format!("https://example.org/{i}"),
            "published": "2021-03-01",
        });
        lines.push_str(&format!("{rec}\n"));
    }
    let jsonl = dir.join("parts.jsonl");
    std::fs::write(&jsonl, lines).unwrap();
    let mut inputs = seeds();
    inputs.push(jsonl);
    w.ingest(&inputs, &IngestOptions::default(), &mut |_| {}).unwrap();
    drop(w);
    Engine::open_read(&data).unwrap()
}

fn refusal(e: &Engine, q: &str, opts: &SearchOptions) -> String {
    match e.search(q, opts) {
        Err(EngineError::Query(m)) => m,
        other => panic!("{q}: expected a refusal, got {other:?}"),
    }
}

fn plain() -> SearchOptions {
    SearchOptions { timeout: None, ..SearchOptions::default() }
}

fn repeat(word: &str, n: usize, slop: u32) -> String {
    format!("\"{}\"~{slop}", vec![word; n].join(" "))
}

#[test]
fn regression_sloppy_phrase_of_a_repeated_word_is_refused_before_it_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    let q = repeat("the", 10, 100);
    for expand in [true, false] {
        let m = refusal(&e, &q, &SearchOptions { expand, ..plain() });
        assert_eq!(
            m,
            "the phrase \"the the the the the the the the the the\"~100 is too costly to search: 10 words within 100 \
             positions cost (10 − 3) × 100 = 700, and the limit is 100. Phrases of up to 3 words may use any ~N; \
             use fewer words or a smaller ~N"
        );
    }
    // At the limit it runs; one step past it does not.
    for ok in [repeat("the", 3, 100), repeat("the", 4, 100), repeat("the", 5, 50), repeat("the", 103, 1)] {
        e.search(&ok, &plain()).unwrap_or_else(|err| panic!("{ok}: {err}"));
    }
    for over in [repeat("the", 5, 51), repeat("the", 104, 1)] {
        assert!(refusal(&e, &over, &plain()).contains("and the limit is 100"), "{over}");
    }
    // Phrases without slop cost nothing here, however long.
    e.search(&repeat("the", 500, 0), &plain()).unwrap();
}

#[test]
fn phrase_cost_counts_words_as_indexed_and_adds_up_over_the_query() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    // "al-Qaeda's" is indexed as more than one word.
    let m = refusal(&e, "\"visits of al-Qaeda's leaders to Tashkent\"~30", &plain());
    assert!(m.contains("8 words within 30 positions cost (8 − 3) × 30 = 150"), "{m}");
    // Two phrases at the per-phrase limit are allowed together; a third is not.
    let one = "\"risks of Uyghur visits\"~100";
    e.search(&format!("{one} {one}"), &plain()).unwrap();
    let m = refusal(&e, &format!("{one} {one} {one}"), &plain());
    assert!(m.starts_with("the query's phrases with ~N are too costly together: they cost 300"), "{m}");
    assert!(m.contains("the limit is 200"), "{m}");
    // The limits are the caller's to set.
    let loose =
        SearchOptions { limits: QueryLimits { max_total_phrase_cost: 300, ..QueryLimits::default() }, ..plain() };
    e.search(&format!("{one} {one} {one}"), &loose).unwrap();
}

#[test]
fn words_widened_to_too_many_spellings_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    let tight = |per_word, total| SearchOptions {
        limits: QueryLimits { max_spellings_per_word: per_word, max_spellings: total, ..QueryLimits::default() },
        ..plain()
    };
    // Uyghur's variant group alone has 23 spellings.
    let m = refusal(&e, "Uyghur", &tight(10, 4096));
    assert!(m.starts_with("\"Uyghur\" would be searched as "), "{m}");
    assert!(m.contains("and the limit is 10; search =\"Uyghur\""), "{m}");
    e.search("=Uyghur", &tight(10, 4096)).unwrap();
    e.search("Uyghur", &SearchOptions { expand: false, ..tight(10, 4096) }).unwrap();
    let m = refusal(&e, "Tashkent visit summer risks", &tight(64, 5));
    assert!(m.starts_with("the query would be searched as "), "{m}");
    assert!(m.contains("and the limit is 5"), "{m}");
    e.search("Uyghur Tashkent", &plain()).unwrap();
}

#[test]
fn a_prefix_matching_too_many_words_is_refused_before_reading_them() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    let tight = SearchOptions { limits: QueryLimits { max_prefix_terms: 5, ..QueryLimits::default() }, ..plain() };
    let m = refusal(&e, "Tashkent co*", &tight);
    assert_eq!(
        m,
        "the prefix co* matches more than 5 words in this archive (the limit); type more letters before the *"
    );
    // A narrower prefix is fine, and so is the same one within the default limit.
    assert!(e.search("Tashk*", &tight).unwrap().total >= 1);
    assert!(e.search("co*", &plain()).unwrap().total >= 1);
}

// ---- real query logs ----------------------------------------------------------------

/// Reuters-21578 in an archive of its own.
fn reuters(dir: &Path) -> Option<Engine> {
    let sgml = newsdex_testkit::shared_data("news-reuters21578/original")?;
    let jsonl = dir.join("reuters.jsonl");
    std::fs::write(&jsonl, newsdex_testkit::reuters::jsonl(&sgml).unwrap()).unwrap();
    let data = dir.join("data");
    let mut w = Engine::open_write(&data).unwrap();
    w.ingest(&[jsonl], &IngestOptions::default(), &mut |_| {}).unwrap();
    drop(w);
    Some(Engine::open_read(&data).unwrap())
}

/// `queries.tsv` of an IR collection, as `newsdex-eval` searches them: bags of words.
fn ir_queries(name: &str) -> Vec<String> {
    let Some(dir) = newsdex_testkit::shared_data(name) else { return Vec::new() };
    let text = std::fs::read_to_string(dir.join("queries.tsv")).unwrap();
    text.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(_, q)| {
            let spaced: String = q.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
            spaced.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// Every query of the Reuters log, and of CISI and Cranfield, runs on Reuters-21578 within
/// a quarter of each default limit (the phrase budget: the log has no sloppy phrases, so
/// it is checked at a tenth).
#[test]
fn real_query_logs_stay_far_within_the_budgets() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(e) = reuters(tmp.path()) else { return };
    let d = QueryLimits::default();
    let quarter = QueryLimits {
        max_bytes: d.max_bytes,
        max_clauses: d.max_clauses / 2,
        max_phrase_cost: d.max_phrase_cost / 10,
        max_total_phrase_cost: d.max_total_phrase_cost / 10,
        max_spellings_per_word: d.max_spellings_per_word / 4,
        max_spellings: d.max_spellings / 4,
        max_prefix_terms: d.max_prefix_terms / 4,
        max_facet_bytes: d.max_facet_bytes / 4,
        max_distinct_pairs: d.max_distinct_pairs / 4,
        ..d
    };
    let log = std::fs::read_to_string(newsdex_testkit::repo_root().join("bench/queries/reuters.txt")).unwrap();
    let mut n = 0;
    for q in log.lines().filter(|l| !l.trim().is_empty()) {
        let opts = SearchOptions { facets: true, limits: quarter.clone(), ..plain() };
        e.search(q, &opts).unwrap_or_else(|err| panic!("{q}: {err}"));
        n += 1;
    }
    assert_eq!(n, 400);
    // Every article, counted by stories and by outlets.
    for count in [CountBy::Stories, CountBy::Outlets] {
        let opts = SearchOptions { facets: true, count, limits: quarter.clone(), ..plain() };
        e.search("*", &opts).unwrap_or_else(|err| panic!("* by {count:?}: {err}"));
    }
    let ir: Vec<String> = ir_queries("ir-cisi").into_iter().chain(ir_queries("ir-cranfield")).collect();
    for q in &ir {
        // CISI's longest request has 334 words; the byte limit is not quartered (2,023 bytes).
        let opts = SearchOptions { default_op: DefaultOp::Or, limit: 1000, limits: quarter.clone(), ..plain() };
        e.search(q, &opts).unwrap_or_else(|err| panic!("{q}: {err}"));
    }
}

// ---- deadline ------------------------------------------------------------------------

#[test]
fn regression_a_search_past_its_deadline_stops_with_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    // A deadline of zero has passed before the search starts, on any machine.
    let zero = SearchOptions { timeout: Some(Duration::ZERO), facets: true, ..SearchOptions::default() };
    match e.search("Tashkent", &zero) {
        Err(EngineError::Timeout { limit }) => assert_eq!(limit, Duration::ZERO),
        other => panic!("expected a timeout, got {other:?}"),
    }
    let err = e.search("Tashkent", &zero).unwrap_err();
    assert!(!err.is_user_error());
    assert_eq!(
        err.to_string(),
        "the search took longer than its time limit of 0 s; narrow the query or try again later"
    );
    assert_eq!(SearchOptions::default().timeout, Some(Duration::from_secs(5)));
    assert!(e.search("Tashkent", &plain()).unwrap().total >= 1);
}

// ---- ranking depth --------------------------------------------------------------------

/// tantivy reserves room for the whole ranking depth in every segment before reading a
/// document: `--limit 1000000000000` asked for terabytes (the process aborted), and a huge
/// offset overflowed the collapse arithmetic. Nothing is ranked deeper than the archive.
#[test]
fn regression_a_huge_limit_or_offset_ranks_no_deeper_than_the_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    let every = e.search("*", &SearchOptions { collapse: false, limit: 100, ..plain() }).unwrap();
    let huge = e.search("*", &SearchOptions { collapse: false, limit: 1 << 40, ..plain() }).unwrap();
    assert_eq!(huge.hits.len(), every.hits.len());
    for collapse in [true, false] {
        let far = SearchOptions { collapse, limit: 1 << 40, offset: usize::MAX / 2, ..plain() };
        let r = e.search("*", &far).unwrap();
        assert_eq!((r.total, r.hits.len()), (every.total, 0));
    }
    let collapsed = e.search("*", &SearchOptions { limit: 1 << 40, ..plain() }).unwrap();
    assert_eq!(collapsed.hits.len(), every.total - 1, "the two copies are one hit");
}

// ---- facets --------------------------------------------------------------------------

#[test]
fn outlet_facets_list_the_first_outlets_and_sum_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    for count in [CountBy::Articles, CountBy::Stories, CountBy::Outlets] {
        let opts = |outlets| SearchOptions {
            facets: true,
            count,
            limits: QueryLimits { facet_outlets: outlets, ..QueryLimits::default() },
            ..plain()
        };
        let all = e.search("Uyghur", &opts(50)).unwrap().facets.unwrap();
        let first = e.search("Uyghur", &opts(1)).unwrap().facets.unwrap();
        assert!(all.outlet.len() >= 3, "{count:?}: {:?}", all.outlet);
        assert_eq!(all.outlet_other, 0);
        assert_eq!(first.outlet, all.outlet[..1], "{count:?}");
        let rest: u64 = all.outlet[1..].iter().map(|b| b.count).sum();
        assert_eq!(first.outlet_other, rest, "{count:?}: {:?}", all.outlet);
    }
}

#[test]
fn facet_counts_stop_at_their_memory_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    let opts = |bytes| SearchOptions {
        facets: true,
        limits: QueryLimits { max_facet_bytes: bytes, ..QueryLimits::default() },
        ..plain()
    };
    let m = refusal(&e, "Uyghur", &opts(64));
    assert_eq!(
        m,
        "counting the matches by language and outlet would take more than 64 bytes (the limit); narrow the query \
         or search without facets"
    );
    assert!(e.search("Uyghur", &opts(QueryLimits::default().max_facet_bytes)).unwrap().facets.is_some());
}

#[test]
fn distinct_counts_hold_only_what_can_repeat_and_stop_at_their_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    let opts = |count, pairs| SearchOptions {
        facets: true,
        count,
        limits: QueryLimits { max_distinct_pairs: pairs, ..QueryLimits::default() },
        ..plain()
    };
    // Counting stories: articles without copies are counted without being held, so only
    // the one story with copies needs room: its language, outlet and month, three pairs in
    // each segment its two copies were written to (one or two, as the writer's threads
    // fell), never one for each of the six articles.
    let stories = e.search("*", &opts(CountBy::Stories, 6)).unwrap();
    let articles = e.search("*", &opts(CountBy::Articles, 6)).unwrap();
    assert_eq!(stories.stories, Some(articles.total - 1), "the two Outlet C copies are one story");
    let by_story: u64 = stories.facets.as_ref().unwrap().lang.iter().map(|b| b.count).sum();
    assert_eq!(by_story as usize, articles.total - 1);
    let m = refusal(&e, "*", &opts(CountBy::Stories, 2));
    assert!(m.contains("more than 2 (value, story or outlet) pairs (the limit); count articles instead"), "{m}");
    // Counting outlets holds every outlet.
    let m = refusal(&e, "*", &opts(CountBy::Outlets, 2));
    assert!(m.contains("more than 2 (value, story or outlet) pairs"), "{m}");
    let outlets = e.search("*", &opts(CountBy::Outlets, 1000)).unwrap().facets.unwrap();
    assert!(outlets.outlet.iter().all(|b| b.count == 1), "{:?}", outlets.outlet);
}

// ---- property -------------------------------------------------------------------------

/// Found by the property test below: excluding a word that is indexed as several (so
/// searched as a phrase) failed a debug assertion inside tantivy when the phrase's first
/// match came after the first candidate (see `newsdex-index`'s `guard` module).
#[test]
fn regression_proptest_excluding_a_word_indexed_as_a_phrase() {
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    for q in ["((the -al-Qaeda's))", "Tashkent -\"Central Asia\"", "the -\"risks of Uyghur visits\"~3"] {
        e.search(q, &plain()).unwrap_or_else(|err| panic!("{q}: {err}"));
    }
}

/// Words of the seed articles, frequent ones first (they make phrases costly).
const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "Uyghur",
    "Uyghurs",
    "Tashkent",
    "Central",
    "Asia",
    "visit",
    "risks",
    "China",
    "Chinese",
    "network",
    "Novastan",
    "al-Qaeda's",
    "维吾尔",
    "Kazakhstan",
    "is",
    "a",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0..WORDS.len()).prop_map(|i| WORDS[i].to_string()),
        1 => "[a-z]{1,6}",
    ]
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (any::<bool>(), word()).prop_map(|(exact, w)| format!("{}{w}", if exact { "=" } else { "" })),
        3 => (prop::collection::vec(word(), 1..40), 0u32..=100)
            .prop_map(|(ws, slop)| format!("\"{}\"~{slop}", ws.join(" "))),
        1 => "[a-z]{2,4}".prop_map(|p| format!("{p}*")),
        1 => (0usize..4).prop_map(|i| ["title:Tashkent", "outlet:\"Outlet C\"", "lang:en", "published:2021"][i].to_string()),
    ]
}

fn query() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        (prop::collection::vec(inner, 1..4), 0usize..4).prop_map(|(cs, op)| {
            let joined = cs.join([" ", " OR ", " AND ", " -"][op]);
            format!("({joined})")
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the grammar produces either runs within the default budgets or is refused
    /// as a bad query; it never panics, faults or asks for more.
    #[test]
    fn random_queries_run_within_budget_or_are_refused(q in query(), facets in any::<bool>(), count in 0usize..3) {
        use std::sync::OnceLock;
        static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
        let (_, e) = ENGINE.get_or_init(|| {
            let tmp = tempfile::tempdir().unwrap();
            let e = archive(tmp.path());
            (tmp, e)
        });
        let count = [CountBy::Articles, CountBy::Stories, CountBy::Outlets][count];
        for op in [DefaultOp::And, DefaultOp::Or] {
            let opts = SearchOptions { default_op: op, facets, count, ..plain() };
            match e.search(&q, &opts) {
                Ok(_) | Err(EngineError::Query(_)) => {}
                Err(other) => prop_assert!(false, "{q}: {other}"),
            }
        }
    }
}

/// The ids of every document `query` matches, as an export lists them.
fn all_matches(e: &Engine, query: &str) -> Vec<newsdex_core::DocId> {
    let plan = e.export_plan(query, &SearchOptions { expand: false, ..plain() }).unwrap();
    let mut ids = Vec::new();
    e.export(&plan, false, |d| {
        ids.push(d.row.article.id);
        Ok(())
    })
    .unwrap();
    ids
}

#[test]
fn regression_a_prefix_matches_exactly_the_documents_holding_a_word_that_starts_with_it() {
    // Prefixes were a regular expression's automaton (compiled per query: half of a
    // watch run's time), now a range of the term dictionary; a document matches when a
    // word of its title or text, as the index folds it, starts with the prefix.
    let tmp = tempfile::tempdir().unwrap();
    let e = archive(tmp.path());
    let all = all_matches(&e, "*");
    assert_eq!(all.len(), 6);
    let mut checked = 0;
    for prefix in ["uy", "uyghu", "tashk", "centr", "chin", "ka", "bac", "zz"] {
        let expected: Vec<_> = all
            .iter()
            .copied()
            .filter(|&id| {
                let a = e.document(id).unwrap().unwrap().article;
                let text = format!("{} {}", a.title, a.body);
                newsdex_index::words(&text).iter().any(|w| w.to_lowercase().starts_with(prefix))
            })
            .collect();
        let mut got = all_matches(&e, &format!("{prefix}*"));
        got.sort_by_key(|id| all.iter().position(|a| a == id));
        assert_eq!(got, expected, "{prefix}*");
        checked += usize::from(!expected.is_empty() && expected.len() < all.len());
    }
    assert!(checked >= 3, "some prefixes match some documents and not others ({checked})");
}
