//! A collection of 4 shards answers as one archive built from the same inputs: the top
//! 100 of real-shaped queries (the Reuters query log of `bench/queries`), their scores,
//! totals, totals as typed, what expansion added, facets and stories; with shards
//! assigned by id and with time-partitioned shards.
//!
//! Known difference, checked rather than hidden: an outlet's name where a site's pages
//! name it in several ways is each archive's running majority (`newsdex-engine`'s
//! `outlets`), so a shard that saw other pages of the site may pick another of the names
//! its pages give (`newsdex collection link` lists such sites). Outlet buckets are
//! therefore compared by count of named articles, and every name counted differently
//! must be one `link` reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use newsdex_collection::fanout::{self, MembersRequest, QueryRequest, ShardFailure, ShardServer};
use newsdex_collection::{Collection, LinkReport, Linked};
use newsdex_core::{DateRanges, Partition, ShardRule};
use newsdex_engine::{Engine, IngestOptions, SearchOptions, SearchResults, ShardsAnswered, Sort};

const SHARDS: u32 = 4;

fn build(inputs: &[PathBuf], root: &Path, partition: Partition) -> (Engine, Collection, LinkReport) {
    let opts = IngestOptions::default();
    let one = root.join("one");
    let mut single = Engine::open_write(&one).unwrap();
    single.ingest(inputs, &opts, &mut |_| {}).unwrap();
    drop(single);
    let coll = root.join("coll");
    let m = newsdex_collection::init(&coll, SHARDS, partition).unwrap();
    for i in 0..SHARDS {
        let mut e = Engine::open_write(&m.shard_dir(&coll, i)).unwrap();
        e.make_shard(&m.rule(i)).unwrap();
        let r = e.ingest(inputs, &opts, &mut |_| {}).unwrap();
        assert!(r.other_shards > 0, "shard {i} was given every record and kept only its own");
    }
    let report = newsdex_collection::link(&coll).unwrap();
    let c = Collection::open(&coll).unwrap();
    assert_eq!(c.linked(), &Linked::Current);
    // What link found is kept with the stories, for searches to say.
    assert_eq!(c.outlets_named_apart(), report.outlets_named_apart.as_slice());
    let single = Engine::open_read(&one).unwrap();
    assert_eq!(report.documents, single.num_docs());
    assert_eq!(c.num_docs(), single.num_docs());
    (single, c, report)
}

/// A shard server in this process, its requests and answers sent through JSON as over
/// HTTP; `down`: it does not answer.
struct Wire {
    c: Collection,
    down: bool,
}

fn json<T: serde::Serialize + serde::de::DeserializeOwned>(v: &T) -> T {
    serde_json::from_slice(&serde_json::to_vec(v).unwrap()).unwrap()
}

impl ShardServer for Wire {
    fn own(&self) -> Vec<u32> {
        self.c.health().own
    }
    fn query(&self, req: &QueryRequest) -> Result<newsdex_engine::Partial, ShardFailure> {
        if self.down {
            return Err(ShardFailure::Down("connection refused".into()));
        }
        Ok(json(&self.c.query_phase(&json(req))?))
    }
    fn members(&self, req: &MembersRequest) -> Result<Vec<newsdex_engine::StoryPart>, ShardFailure> {
        Ok(json(&self.c.members_phase(&json(req))?))
    }
}

/// One shard server per shard of the collection at `root`.
fn servers(root: &Path) -> Vec<Wire> {
    (0..SHARDS).map(|i| Wire { c: Collection::open_owning(root, Some(&[i])).unwrap(), down: false }).collect()
}

/// Searched through shard servers (the query, members and merge phases), the answers
/// are one archive's, also a page deep and in date order; collapsed hits list the same
/// other members as the collection searched in one process. A server down leaves out its
/// shard's matches and says so.
fn compare_fanout(single: &Engine, c: &Collection, report: &LinkReport, queries: &[String]) {
    let ambiguous: BTreeSet<String> = report.outlets_named_apart.iter().flat_map(|(_, names)| names.clone()).collect();
    let mut servers = servers(c.root());
    let shard_docs: Vec<u64> = servers.iter().map(|s| s.c.health().documents).collect();
    assert_eq!(shard_docs.iter().sum::<u64>(), single.num_docs());
    let mut compared = 0;
    for q in queries {
        for (collapse, sort, offset) in [
            (false, Sort::Relevance, 0),
            (true, Sort::Relevance, 0),
            (true, Sort::Newest, 0),
            (false, Sort::Oldest, 30),
            (true, Sort::Relevance, 20),
        ] {
            let mut opts = SearchOptions {
                limit: 50,
                offset,
                facets: true,
                collapse,
                sort,
                timeout: None,
                ..SearchOptions::default()
            };
            opts.limits.facet_outlets = 100_000;
            let refs: Vec<&dyn ShardServer> = servers.iter().map(|s| s as &dyn ShardServer).collect();
            let (a, b) = match (single.search(q, &opts), fanout::search_through(&refs, SHARDS, q, &opts)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "{q}");
                    continue;
                }
                (a, b) => panic!("{q}: one archive {:?}, shard servers {:?}", a.err(), b.err()),
            };
            let at = format!("{q:?} {sort:?} offset {offset}");
            same(&at, collapse, &a, &b, &ambiguous);
            assert_eq!(b.shards, Some(ShardsAnswered { total: SHARDS, answered: SHARDS, missing: vec![] }), "{at}");
            assert_eq!(a.undated, b.undated, "{at}");
            if collapse {
                let union = c.search(q, &opts).unwrap();
                for (x, y) in union.hits.iter().zip(&b.hits) {
                    let ids = |h: &newsdex_engine::Hit| h.also.iter().map(|m| m.id).collect::<Vec<_>>();
                    assert_eq!(ids(x), ids(y), "{at}: other members of {}", x.id);
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= queries.len(), "most queries ran: {compared}");
    // Shard 1's server down: the others' matches, and the answer says which shard is
    // missing and why.
    servers[1].down = true;
    let refs: Vec<&dyn ShardServer> = servers.iter().map(|s| s as &dyn ShardServer).collect();
    let opts = SearchOptions { limit: 1000, facets: true, timeout: None, ..SearchOptions::default() };
    let all = fanout::search_through(&refs, SHARDS, "*", &opts).unwrap();
    assert_eq!(all.total as u64, single.num_docs() - shard_docs[1]);
    let shards = all.shards.unwrap();
    assert_eq!((shards.total, shards.answered), (SHARDS, SHARDS - 1));
    assert_eq!(shards.missing, vec![(1, "connection refused".to_string())]);
    assert!(all.hits.iter().all(|h| c.shard_holding(h.id).unwrap() != Some(1)), "no hit of the missing shard");
    // A query every server refuses fails the search, as one archive's does.
    let bad = fanout::search_through(&refs, SHARDS, "\"unclosed", &opts).unwrap_err();
    assert_eq!(bad.to_string(), single.search("\"unclosed", &opts).unwrap_err().to_string());
    // Distinct counts do not add up over shards: refused with the reason.
    let stories = SearchOptions { facets: true, count: newsdex_engine::CountBy::Stories, ..opts };
    let refused = fanout::search_through(&refs, SHARDS, "*", &stories).unwrap_err().to_string();
    assert!(refused.contains("cannot be summed over shard servers"), "{refused}");
}

/// Compare the answers to `queries`; outlet counts may differ only for the names `link`
/// reported as given to one site apart in different shards.
fn compare(single: &Engine, c: &Collection, report: &LinkReport, queries: &[String]) {
    let ambiguous: BTreeSet<String> = report.outlets_named_apart.iter().flat_map(|(_, names)| names.clone()).collect();
    let mut compared = 0;
    for q in queries {
        for collapse in [false, true] {
            // Every outlet listed: where names differ (see the module doc), a cut-off of
            // the list would hide others' counts differently.
            let mut opts =
                SearchOptions { limit: 100, facets: true, collapse, timeout: None, ..SearchOptions::default() };
            opts.limits.facet_outlets = 100_000;
            let (a, b) = match (single.search(q, &opts), c.search(q, &opts)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "{q}");
                    continue;
                }
                (a, b) => panic!("{q}: one archive {:?}, collection {:?}", a.err(), b.err()),
            };
            same(&format!("{q:?}"), collapse, &a, &b, &ambiguous);
            compared += 1;
        }
    }
    assert!(compared >= queries.len(), "most queries ran: {compared}");
}

fn same(q: &str, collapse: bool, a: &SearchResults, b: &SearchResults, ambiguous: &BTreeSet<String>) {
    let at = format!("{q} collapse={collapse}");
    assert_eq!((a.total, a.total_as_typed, a.stories), (b.total, b.total_as_typed, b.stories), "{at}");
    let added = |r: &SearchResults| r.expansions.iter().map(|e| (e.term.clone(), e.added)).collect::<Vec<_>>();
    assert_eq!(added(a), added(b), "{at}: expansions");
    assert_eq!(a.hits.len(), b.hits.len(), "{at}");
    for (i, (x, y)) in a.hits.iter().zip(&b.hits).enumerate() {
        assert_eq!(x.id, y.id, "{at}: hit {i}");
        assert!((x.score - y.score).abs() <= 1e-4 * x.score.abs().max(1.0), "{at}: hit {i} {} vs {}", x.score, y.score);
        // Story ids may differ among undated copies in different shards (see the crate
        // doc); the members are compared whole in the test of stories.
        assert_eq!(x.also_total, y.also_total, "{at}: hit {i}");
    }
    let (fa, fb) = (a.facets.as_ref().unwrap(), b.facets.as_ref().unwrap());
    assert_eq!(
        (&fa.lang, fa.lang_other, &fa.month, fa.undated, fa.no_outlet),
        (&fb.lang, fb.lang_other, &fb.month, fb.undated, fb.no_outlet),
        "{at}: facets"
    );
    let named = |f: &newsdex_engine::Facets| f.outlet.iter().map(|b| b.count).sum::<u64>() + f.outlet_other;
    assert_eq!(named(fa), named(fb), "{at}: articles with an outlet");
    let counts =
        |f: &newsdex_engine::Facets| f.outlet.iter().map(|b| (b.value.clone(), b.count)).collect::<BTreeMap<_, _>>();
    let (ca, cb) = (counts(fa), counts(fb));
    for name in ca.keys().chain(cb.keys()) {
        if ca.get(name) != cb.get(name) {
            assert!(
                ambiguous.contains(name),
                "{at}: outlet {name:?} counted {:?} vs {:?}, and `link` did not report it named apart",
                ca.get(name),
                cb.get(name)
            );
        }
    }
}

/// Each story of two or more, shown from the collection (members read from their
/// shards), is one archive's: members, size, dates, the canonical copy and what each
/// copy changed; outlets as counted alike except names `link` reported as given apart.
/// Among undated copies the story's id may be another member's (see the crate doc).
fn same_story_views(single: &Engine, c: &Collection, report: &LinkReport) {
    let ambiguous: BTreeSet<String> = report.outlets_named_apart.iter().flat_map(|(_, names)| names.clone()).collect();
    let stories: BTreeSet<u64> = single.stories().unwrap().values().copied().collect();
    assert!(stories.len() > 100, "{} stories", stories.len());
    for story in stories {
        let id = newsdex_core::DocId::from_u64(story);
        let (a, b) = (single.story(id).unwrap().unwrap(), c.story(id).unwrap().unwrap());
        let at = format!("story {id}");
        assert_eq!(
            (a.size, &a.first_published, &a.last_published),
            (b.size, &b.first_published, &b.last_published),
            "{at}"
        );
        let ids = |v: &newsdex_engine::StoryView| v.members.iter().map(|m| m.id).collect::<BTreeSet<_>>();
        assert_eq!(ids(&a), ids(&b), "{at}: members");
        if a.canonical {
            assert_eq!((b.id, b.canonical), (a.id, true), "{at}: the canonical copy");
            let diffs = |v: &newsdex_engine::StoryView| {
                v.members.iter().map(|m| (m.id, m.words, format!("{:?}", m.diff))).collect::<BTreeSet<_>>()
            };
            assert_eq!(diffs(&a), diffs(&b), "{at}: what each copy changed");
        }
        if a.outlets != b.outlets {
            let names =
                |v: &newsdex_engine::StoryView| v.outlets.iter().map(|(o, _)| o.clone()).collect::<BTreeSet<_>>();
            assert!(
                names(&a)
                    .symmetric_difference(&names(&b))
                    .chain(names(&a).intersection(&names(&b)))
                    .all(|n| ambiguous.contains(n)
                        || a.outlets.iter().find(|(o, _)| o == n) == b.outlets.iter().find(|(o, _)| o == n)),
                "{at}: outlets {:?} vs {:?}",
                a.outlets,
                b.outlets
            );
        }
    }
}

/// An export of the collection (every shard's matches, read chunk by chunk from every
/// shard) holds one archive's rows: the same documents, each with its story's size (one
/// archive's come batch by batch, the collection's by id, as its plan says); with one row
/// per story, as many rows.
fn same_exports(single: &Engine, c: &Collection, queries: &[String]) {
    use newsdex_engine::export::{ExportDoc, ExportSource};
    let rows = |src: &dyn ExportSource, plan: &newsdex_engine::export::ExportPlan, stories: bool| {
        let mut out = Vec::new();
        src.export_each(plan, stories, &mut |d: &ExportDoc| {
            out.push((d.row.article.id, d.row.article.title.clone(), d.row.article.body.len(), d.story_size));
            Ok(())
        })
        .unwrap();
        out
    };
    let mut exported = 0;
    for q in queries {
        let opts = SearchOptions::default();
        let (Ok(a), Ok(b)) = (single.export_plan(q, &opts), c.export_plan(q, &opts)) else { continue };
        let by_id = |ids: &[u64]| {
            let mut ids = ids.to_vec();
            ids.sort_unstable_by_key(|&id| id as i64);
            ids
        };
        assert_eq!(by_id(a.ids()), b.ids(), "{q}: matches");
        let (mut ra, rb) = (rows(single, &a, false), rows(c, &b, false));
        assert_eq!(ra.iter().map(|r| r.0.as_u64()).collect::<Vec<_>>(), a.ids(), "{q}: in the plan's order");
        assert_eq!(rb.iter().map(|r| r.0.as_u64()).collect::<Vec<_>>(), b.ids(), "{q}: in the plan's order");
        ra.sort_unstable_by_key(|r| r.0.as_u64() as i64);
        assert_eq!(ra, rb, "{q}: rows");
        assert_eq!(rows(single, &a, true).len(), rows(c, &b, true).len(), "{q}: one row per story");
        exported += ra.len();
    }
    assert!(exported > 1000, "{exported} rows exported");
    let refused = c.export_plan("oil", &SearchOptions { snapshot: Some(1), ..SearchOptions::default() }).unwrap_err();
    assert!(refused.to_string().contains("no single snapshot"), "{refused}");
}

/// Every document, unranked by any deadline.
fn every() -> SearchOptions {
    SearchOptions { limit: 100_000, collapse: false, matched: false, timeout: None, ..SearchOptions::default() }
}

fn queries(n: usize) -> Vec<String> {
    let log = std::fs::read_to_string(newsdex_testkit::repo_root().join("bench/queries/reuters.txt")).unwrap();
    log.lines().map(str::trim).filter(|l| !l.is_empty()).take(n).map(String::from).collect()
}

/// Each document is in exactly one shard, the one its id, or its date, names.
fn each_document_in_its_shard(single: &Engine, c: &Collection) {
    let all = single.search("*", &every()).unwrap();
    assert_eq!(all.hits.len() as u64, single.num_docs());
    for h in &all.hits {
        let home = match c.manifest().partition() {
            Partition::Id => c.shard_of(h.id).unwrap().index,
            Partition::Date(r) => {
                let row = single.document(h.id).unwrap().unwrap();
                r.shard_of(row.article.published.as_ref())
            }
        };
        assert_eq!(c.shard_holding(h.id).unwrap(), Some(home), "{}", h.id);
        for (i, e) in c.shards().iter().enumerate() {
            assert_eq!(e.document(h.id).unwrap().is_some(), i as u32 == home, "{} in shard {i}", h.id);
        }
    }
}

/// The demo corpus split at 2007, 2009 and 2012, undated documents in shard 1.
fn demo_by_date() -> Partition {
    Partition::Date(DateRanges::parse("2007-01-01,2009-01-01,2012-01-01", SHARDS, Some(1)).unwrap())
}

/// The bundled demo corpus (always here): Wikinews and Wikipedia "In the news" in many
/// languages and scripts.
#[test]
fn a_collection_of_the_demo_corpus_answers_as_one_archive() {
    let demo = newsdex_testkit::repo_root().join("demo");
    let tmp = tempfile::tempdir().unwrap();
    let (single, c, report) = build(&[demo], tmp.path(), Partition::Id);
    let mut qs = queries(40);
    qs.extend(["雨", "東京", "Україна", "السودان", "election", "earthquake OR 地震", "*"].map(String::from));
    compare(&single, &c, &report, &qs);
    compare_fanout(&single, &c, &report, &qs);
    each_document_in_its_shard(&single, &c);
    same_exports(&single, &c, &["*".to_string(), "election".to_string()]);
    // A shard rebuilt from its raw store (which holds every input whole) is still only
    // its own records, and ingesting again adds nothing.
    let before: Vec<u64> = c.shards().iter().map(Engine::num_docs).collect();
    let dir = c.manifest().shard_dir(c.root(), 1);
    drop(c);
    let mut e = Engine::open_write(&dir).unwrap();
    e.reindex(&IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(e.num_docs(), before[1], "reindexed shard 1");
    let again = e.ingest(&[newsdex_testkit::repo_root().join("demo")], &IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!((again.new, again.duplicates + again.other_shards), (0, single.num_docs()), "{again:?}");
    drop(e);
    let c = Collection::open(tmp.path().join("coll").as_path()).unwrap();
    assert_eq!(c.num_docs(), single.num_docs());
}

/// Reuters-21578, AG News and the ScrapingHub pages as a collection assigned by
/// `partition`, checked against one archive: stories (the same members), 200 queries of the
/// log in one process and through shard servers. Their link report.
fn news_corpora(partition: Partition) -> Option<LinkReport> {
    let (Some(reuters), Some(agnews), Some(pages)) = (
        newsdex_testkit::shared_data("news-reuters21578/reuters21578.jsonl.zst"),
        newsdex_testkit::shared_data("news-agnews-test/agnews-test.jsonl"),
        newsdex_testkit::shared_data("extraction-scrapinghub/html"),
    ) else {
        return None;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (single, c, report) = build(&[reuters, agnews, pages], tmp.path(), partition);
    // The same stories: each document's fellow members are the same set.
    let one = single.stories().unwrap();
    let members = |m: &newsdex_engine::StoryMap| {
        let mut by: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
        for (d, s) in m.iter() {
            by.entry(*s).or_default().insert(*d);
        }
        by.into_values().collect::<BTreeSet<_>>()
    };
    assert_eq!(members(&one), members(&c.stories()), "stories");
    same_story_views(&single, &c, &report);
    let qs = queries(200);
    same_exports(&single, &c, &qs[..20]);
    compare(&single, &c, &report, &qs);
    compare_fanout(&single, &c, &report, &qs);
    each_document_in_its_shard(&single, &c);
    Some(report)
}

/// Reuters-21578, AG News and the ScrapingHub pages: copies across shards (stories), many
/// outlets, 200 queries of the query log.
#[test]
fn a_collection_of_news_corpora_answers_as_one_archive_with_stories_across_shards() {
    let Some(report) = news_corpora(Partition::Id) else { return };
    assert!(report.across_shards > 100, "copies in different shards are linked: {report:?}");
    assert!(!report.outlets_named_apart.is_empty(), "this corpus has sites whose pages name them apart");
}

/// The same, time-partitioned: Reuters' 1987 split in three ranges, the pages and the
/// undated AG News in the last shard; copies published days apart across a bound are
/// one story.
#[test]
fn a_time_partitioned_collection_of_news_corpora_answers_as_one_archive() {
    let by_date = DateRanges::parse("1987-03-10,1987-04-01,2000-01-01", SHARDS, None).unwrap();
    let Some(report) = news_corpora(Partition::Date(by_date)) else { return };
    assert!(report.per_shard.iter().all(|n| *n > 1000), "{report:?}");
    assert!(report.across_shards > 0, "copies in different ranges are linked: {report:?}");
}

/// Time-partitioned: the demo corpus in four ranges of dates (undated documents in the
/// second shard) answers as one archive, each document in the shard of its date, and a
/// reindex of a shard keeps to its range.
#[test]
fn a_time_partitioned_collection_of_the_demo_corpus_answers_as_one_archive() {
    let demo = newsdex_testkit::repo_root().join("demo");
    let tmp = tempfile::tempdir().unwrap();
    let (single, c, report) = build(std::slice::from_ref(&demo), tmp.path(), demo_by_date());
    assert!(c.shard_of(single.search("*", &every()).unwrap().hits[0].id).is_none(), "by date, an id names no shard");
    let docs: Vec<u64> = c.shards().iter().map(Engine::num_docs).collect();
    assert!(docs.iter().all(|n| *n > 300), "every range holds documents: {docs:?}");
    each_document_in_its_shard(&single, &c);
    same_exports(&single, &c, &["*".to_string(), "election".to_string()]);
    // The undated documents are all in shard 1.
    let undated = c.shards()[1].search("*", &SearchOptions { facets: true, ..every() }).unwrap();
    let all = single.search("*", &SearchOptions { facets: true, ..every() }).unwrap();
    assert!(all.facets.as_ref().unwrap().undated > 0);
    assert_eq!(undated.facets.unwrap().undated, all.facets.unwrap().undated);
    let mut qs = queries(40);
    qs.extend(["雨", "東京", "Україна", "السودان", "election", "earthquake OR 地震", "*"].map(String::from));
    compare(&single, &c, &report, &qs);
    compare_fanout(&single, &c, &report, &qs);
    // A reindexed shard keeps its own range; ingesting again adds nothing anywhere.
    let dir = c.manifest().shard_dir(c.root(), 2);
    drop(c);
    let mut e = Engine::open_write(&dir).unwrap();
    let r = e.reindex(&IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!((e.num_docs(), r.moved_out, r.moved_in), (docs[2], 0, 0), "reindexed shard 2: {r:?}");
    let again = e.ingest(&[demo], &IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!((again.new, again.duplicates + again.other_shards), (0, single.num_docs()), "{again:?}");
}

/// Rewrite a time-partitioned collection's bounds in its manifest and every shard's
/// `SHARD` file, as if a newer extraction dated documents across the old bounds: the
/// documents the new bounds move are those a changed date would.
fn move_bounds(coll: &Path, bounds: &str, undated: u32) {
    let path = coll.join(newsdex_collection::MANIFEST);
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["bounds"] = serde_json::json!(bounds.split(',').collect::<Vec<_>>());
    m["undated"] = serde_json::json!(undated);
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    let ranges = DateRanges::parse(bounds, SHARDS, Some(undated)).unwrap();
    for i in 0..SHARDS {
        let rule = ShardRule {
            shard: newsdex_core::Shard::new(i, SHARDS).unwrap(),
            partition: Partition::Date(ranges.clone()),
        };
        std::fs::write(coll.join(format!("shard-{i:04}/SHARD")), format!("{rule}\n")).unwrap();
    }
}

/// Documents whose date moves them to another shard on reindex: the reindexed shard
/// counts what left and came, `link` refuses while a document is in two shards, and
/// once every shard is reindexed the collection answers as one archive again.
#[test]
fn a_document_dated_anew_moves_between_time_partitioned_shards_on_reindex() {
    let demo = newsdex_testkit::repo_root().join("demo");
    let tmp = tempfile::tempdir().unwrap();
    let (single, c, _) = build(&[demo], tmp.path(), demo_by_date());
    let coll = c.root().to_path_buf();
    let before: Vec<u64> = c.shards().iter().map(Engine::num_docs).collect();
    drop(c);
    // 2008 moves from shard 1 to shard 2; the undated documents from shard 1 to shard 3.
    move_bounds(&coll, "2007-01-01,2008-01-01,2012-01-01", 3);
    let reindex = |i: u32| {
        let mut e = Engine::open_write(&coll.join(format!("shard-{i:04}"))).unwrap();
        e.reindex(&IngestOptions::default(), &mut |_| {}).unwrap()
    };
    let to_two = reindex(2);
    assert!(to_two.moved_in > 100 && to_two.moved_out == 0, "{to_two:?}");
    let refused = newsdex_collection::link(&coll).unwrap_err().to_string();
    assert!(refused.contains(&format!("{} documents are in two shards", to_two.moved_in)), "{refused}");
    assert!(refused.contains("reindex every shard"), "{refused}");
    let to_three = reindex(3);
    let from_one = reindex(1);
    assert_eq!(from_one.moved_out, to_two.moved_in + to_three.moved_in, "{from_one:?}");
    assert_eq!(from_one.moved_in, 0);
    let same = reindex(0);
    assert_eq!((same.moved_out, same.moved_in), (0, 0), "shard 0's range did not change");
    newsdex_collection::link(&coll).unwrap();
    let c = Collection::open(&coll).unwrap();
    let after: Vec<u64> = c.shards().iter().map(Engine::num_docs).collect();
    assert_eq!(after.iter().sum::<u64>(), single.num_docs());
    assert_eq!(after[1], before[1] - from_one.moved_out);
    each_document_in_its_shard(&single, &c);
    compare(&single, &c, &newsdex_collection::link(&coll).unwrap(), &queries(10));
}
