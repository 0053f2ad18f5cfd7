//! Stories end to end: copies of a real article (seed 004, RFA, republished by others)
//! with a republisher's usual edits, ingested over several runs in different orders.

use serde_json::{Value, json};

use crate::support::{Newsdex, s};

/// Paragraphs of a seed article as extracted text (lines of eight words or more).
fn paragraphs(name: &str) -> Vec<String> {
    let path = format!("{}/../../testdata/seeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| l.split_whitespace().count() >= 8)
        .map(str::to_string)
        .collect()
}

const ADDED: &str = "Follow Uyghur Times on Telegram for more news from Xinjiang and Central Asia every day.";

/// Five records: the RFA original, three copies (boilerplate added under a new headline;
/// truncated but published earlier, so it is the canonical copy; paragraphs reordered)
/// and an unrelated article (seed 000).
fn records() -> Vec<String> {
    let p = paragraphs("004_28fc068abbfc2ab4.txt");
    let other = paragraphs("000_0a7d4e7fb2c47564.txt");
    assert!(p.len() >= 8, "{}", p.len());
    let title = "RFA : Background of the risks of Uyghur visits to Central Asia";
    let mut boiler = p.clone();
    boiler.push(ADDED.to_string());
    let truncated = p[..p.len() - 2].to_vec();
    let mut reordered = p.clone();
    reordered.swap(1, 3);
    let rec = |title: &str, paras: &[String], outlet: &str, date: &str| {
        json!({"title": title, "text": paras.join("\n\n"), "outlet": outlet, "published": date}).to_string()
    };
    vec![
        rec(title, &p, "Radio Free Asia", "2021-03-01T10:00:00Z"),
        rec("Why Uyghurs fear travel to Central Asia", &boiler, "Uyghur Times", "2021-03-02T08:00:00Z"),
        rec(title, &truncated, "Central Asia Daily", "2021-02-28T23:00:00Z"),
        rec(title, &reordered, "Eurasia Review", "2021-03-05T12:00:00Z"),
        rec("Uighurs flee crackdown", &other, "Bitter Winter", "2020-01-15T09:00:00Z"),
    ]
}

pub(crate) fn write(n: &Newsdex, name: &str, lines: &[&String]) -> std::path::PathBuf {
    let p = n.scratch("in").join(name);
    std::fs::write(&p, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    p
}

/// Id of the one document of an outlet.
fn id_of(n: &Newsdex, outlet: &str) -> String {
    let v = n.json(&["search", "*", "--outlet", outlet, "--all"]);
    assert_eq!(v["total"], 1, "{outlet}: {v}");
    v["hits"][0]["id"].as_str().unwrap().to_string()
}

/// Every document's story, by outlet.
fn stories(n: &Newsdex) -> Vec<(String, String)> {
    let v = n.json(&["search", "*", "--all", "--limit", "100"]);
    let mut out: Vec<(String, String)> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["outlet"].as_str().unwrap().to_string(), h["story"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn copies_are_one_story_whatever_the_order_and_runs() {
    let recs = records();
    // Two runs: the original and the boilerplate copy first; the earlier truncated copy
    // arrives later and becomes the story's id.
    let n = Newsdex::new();
    let first = write(&n, "a.jsonl", &[&recs[0], &recs[1]]);
    let (_, err) = n.expect(0, &["ingest", s(&first)]);
    assert!(err.contains("; 1 was a copy of other articles, grouped into their stories"), "{err}");
    let rfa = id_of(&n, "Radio Free Asia");
    assert_eq!(n.json(&["story", &rfa])["id"], rfa.as_str());
    let rest = write(&n, "b.jsonl", &[&recs[2], &recs[3], &recs[4]]);
    n.ok(&["ingest", "--batch", "1", s(&rest)]);
    let canonical = id_of(&n, "Central Asia Daily");
    let st = stories(&n);
    for (outlet, story) in &st {
        if outlet == "Bitter Winter" {
            assert_ne!(story, &canonical);
        } else {
            assert_eq!(story, &canonical, "{outlet}");
        }
    }
    // Any order, one run or one record per run: the same stories.
    for order in [[4, 3, 2, 1, 0], [2, 4, 0, 3, 1], [1, 3, 0, 4, 2]] {
        let m = Newsdex::new();
        let lines: Vec<&String> = order.iter().map(|&i| &recs[i]).collect();
        m.ok(&["ingest", s(&write(&m, "all.jsonl", &lines))]);
        assert_eq!(stories(&m), st, "order {order:?}");
        let k = Newsdex::new();
        for (j, &i) in order.iter().enumerate() {
            k.ok(&["ingest", s(&write(&k, &format!("{j}.jsonl"), &[&recs[i]]))]);
        }
        assert_eq!(stories(&k), st, "order {order:?}, one run each");
    }
    // Reindex rebuilds the same stories from the raw store.
    n.ok(&["reindex"]);
    assert_eq!(stories(&n), st);
    let stats = n.json(&["stats"]);
    assert_eq!(stats["documents"], 5);
    assert_eq!(stats["stories"], 2);
}

fn ingested() -> Newsdex {
    let n = Newsdex::new();
    let recs = records();
    let all: Vec<&String> = recs.iter().collect();
    n.ok(&["ingest", s(&write(&n, "all.jsonl", &all))]);
    n
}

#[test]
fn search_shows_a_story_once_with_its_other_outlets() {
    let n = ingested();
    let v = n.json(&["search", "Tashkent"]);
    assert_eq!(v["total"], 4);
    assert_eq!(v["stories"], 1);
    assert_eq!(v["collapsed"], true);
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{v}");
    assert_eq!(hits[0]["more"], 3);
    let mut outlets: Vec<&str> =
        hits[0]["also"].as_array().unwrap().iter().map(|a| a["outlet"].as_str().unwrap()).collect();
    outlets.sort();
    assert_eq!(outlets.len(), 3);
    assert!(!outlets.contains(&hits[0]["outlet"].as_str().unwrap()), "{outlets:?}");
    let out = n.ok(&["search", "Tashkent"]);
    assert!(out.starts_with("4 matches in 1 story, showing 1–1\n"), "{out}");
    assert!(out.contains("and 3 more from "), "{out}");
    // --all: every article.
    let v = n.json(&["search", "Tashkent", "--all"]);
    assert_eq!(v["hits"].as_array().unwrap().len(), 4);
    assert!(v["hits"].as_array().unwrap().iter().all(|h| h["more"] == 0));
    // Paging counts stories: the unrelated article is the second story.
    let v = n.json(&["search", "Uyghur OR Uighur", "--limit", "1", "--offset", "1"]);
    assert_eq!(v["stories"], 2);
    assert_eq!(v["hits"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn facets_count_articles_stories_or_outlets() {
    let n = ingested();
    let count = |by: &str| -> Value { n.json(&["search", "Uyghur OR Uighur", "--count", by])["facets"].clone() };
    let a = count("articles");
    assert_eq!(a["counted"], "articles");
    assert_eq!(a["lang"][0], json!({"value": "en", "count": 5}));
    let s = count("stories");
    assert_eq!(s["counted"], "stories");
    assert_eq!(s["lang"][0], json!({"value": "en", "count": 2}));
    // March 2021: four copies of one story, from four outlets.
    let month =
        |f: &Value, m: &str| f["month"].as_array().unwrap().iter().find(|b| b["value"] == m).unwrap()["count"].clone();
    assert_eq!(month(&a, "2021-03"), 3);
    assert_eq!(month(&s, "2021-03"), 1);
    let o = count("outlets");
    assert_eq!(month(&o, "2021-03"), 3);
    assert_eq!(month(&o, "2021-02"), 1);
    assert_eq!(o["lang"][0], json!({"value": "en", "count": 5}));
    let human = n.ok(&["search", "Tashkent", "--count", "stories"]);
    assert!(human.contains("stories by month\n"), "{human}");
}

#[test]
fn a_story_lists_its_copies_and_what_each_changed() {
    let n = ingested();
    let rfa = id_of(&n, "Radio Free Asia");
    let canonical = id_of(&n, "Central Asia Daily");
    let v = n.json(&["story", &rfa]);
    assert_eq!(v["id"], canonical.as_str());
    assert_eq!(v["size"], 4);
    assert_eq!(v["first_published"], "2021-02-28T23:00:00+00:00");
    assert_eq!(v["outlets"].as_array().unwrap().len(), 4);
    let members = v["members"].as_array().unwrap();
    assert_eq!(members[0]["id"], canonical.as_str());
    assert_eq!(members[0]["canonical"], true);
    assert!(members[0]["diff"].is_null());
    let by = |outlet: &str| members.iter().find(|m| m["outlet"] == outlet).unwrap()["diff"].clone();
    let p = paragraphs("004_28fc068abbfc2ab4.txt");
    // Against the truncated canonical copy, the original has its last two paragraphs added.
    assert_eq!(by("Radio Free Asia")["added"], json!(p[p.len() - 2..]));
    let times = by("Uyghur Times");
    assert!(times["added"].as_array().unwrap().contains(&json!(ADDED)), "{times}");
    assert_eq!(by("Eurasia Review")["reordered"], true);
    // The human view marks the canonical copy and shows additions.
    let out = n.ok(&["story", &rfa]);
    assert!(out.contains("story      ") && out.contains("(4 articles)"), "{out}");
    assert!(out.contains("the canonical copy (earliest published)"), "{out}");
    assert!(out.contains(&format!("    + {}", &ADDED[..40])), "{out}");
    // An article with no copies is a story of one; a bad id is an error.
    let lone = id_of(&n, "Bitter Winter");
    assert_eq!(n.json(&["story", &lone])["size"], 1);
    let (_, err) = n.expect(2, &["story", "0000000000000000"]);
    assert!(err.contains("no document 0000000000000000"), "{err}");
}

/// `newsdex story ID | head -3` panicked ("failed printing to stdout: Broken pipe") once
/// the reader had gone; now output into a closed pipe ends quietly with success.
#[test]
fn regression_output_into_a_closed_pipe_is_not_a_panic() {
    let n = ingested();
    let rfa = id_of(&n, "Radio Free Asia");
    for args in [vec!["story", rfa.as_str()], vec!["search", "Tashkent", "--all"], vec!["stats"]] {
        let mut child =
            n.command(&args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        // The reader goes away before newsdex has written anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn the_copy_threshold_is_a_setting_the_archive_keeps() {
    let recs = records();
    let n = Newsdex::new();
    let (_, err) = n.expect(2, &["ingest", "--story-threshold", "1.5", s(&write(&n, "x.jsonl", &[&recs[0]]))]);
    assert!(err.contains("is not a number above 0 and at most 1"), "{err}");
    // Only copies sharing 99 % of their 5-grams: the reordered and the truncated copies
    // are stories of their own now.
    n.ok(&["ingest", "--story-threshold", "0.99", s(&write(&n, "a.jsonl", &[&recs[0], &recs[2]]))]);
    n.ok(&["ingest", s(&write(&n, "b.jsonl", &[&recs[3], &recs[4]]))]);
    assert_eq!(n.json(&["stats"])["stories"], 4);
    n.ok(&["reindex"]);
    assert_eq!(n.json(&["stats"])["stories"], 4, "reindex groups as the archive was grouped");
}

#[test]
fn headlines_of_one_event_join_only_when_asked() {
    let rec =
        |title: &str, text: &str, date: &str| json!({"title": title, "text": text, "published": date}).to_string();
    let recs = [
        rec(
            "Kazakhstan raises key interest rate to curb inflation",
            "The National Bank of Kazakhstan raised its base rate by one percentage point on Friday, citing prices.",
            "2024-03-01T09:00:00Z",
        ),
        rec(
            "Kazakhstan central bank raises interest rate as inflation climbs",
            "Almaty: the regulator lifted borrowing costs for the second time this year, analysts at Halyk said.",
            "2024-03-01T15:00:00Z",
        ),
    ];
    let n = Newsdex::new();
    n.ok(&["ingest", s(&write(&n, "a.jsonl", &[&recs[0], &recs[1]]))]);
    assert_eq!(n.json(&["stats"])["stories"], 2, "different words: not copies");
    let m = Newsdex::new();
    m.ok(&["ingest", "--story-headlines", "4", s(&write(&m, "a.jsonl", &[&recs[0], &recs[1]]))]);
    assert_eq!(m.json(&["stats"])["stories"], 1, "four shared headline words within two days");
}

/// A copy whose UTF-8 was read as windows-1252 shares no text with its original; ingest
/// repairs it first (issue #5), so it still joins the story. Real text: a Japanese
/// Wikinews article of the demo corpus (CC BY 2.5).
#[test]
fn a_mis_decoded_japanese_copy_is_repaired_then_grouped() {
    let zst = std::fs::read(format!("{}/../../demo/wikinews-ja.jsonl.zst", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let text = String::from_utf8(zstd::decode_all(&zst[..]).unwrap()).unwrap();
    let article: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["text"].as_str().is_some_and(|t| t.chars().count() > 600))
        .unwrap();
    let body = article["text"].as_str().unwrap();
    // The bytes read as windows-1252 (its five unassigned bytes as the C1 controls
    // browsers map them to).
    let mis = encoding_rs::WINDOWS_1252.decode(body.as_bytes()).0.into_owned();
    assert!(!mis.contains(&body[..30]));
    let rec = |text: &str, outlet: &str, date: &str| {
        json!({"title": article["title"], "text": text, "outlet": outlet, "published": date}).to_string()
    };
    let (a, b) = (rec(body, "Wikinews", "2011-04-07"), rec(&mis, "Mirror", "2011-04-08"));
    let n = Newsdex::new();
    let (_, err) = n.expect(0, &["ingest", s(&write(&n, "ja.jsonl", &[&a, &b]))]);
    assert!(err.contains("1 was a copy of other articles"), "{err}");
    assert_eq!(n.json(&["stats"])["stories"], 1);
}

/// The five records, one undated report and two reports published at the same second as
/// the Uyghur Times copy (ties on a date).
fn dated_and_undated() -> Newsdex {
    let n = Newsdex::new();
    let mut recs = records();
    let rec = |title: &str, text: &str, outlet: &str, date: Option<&str>| {
        json!({"title": title, "text": text, "outlet": outlet, "published": date}).to_string()
    };
    recs.push(rec(
        "Tashkent metro opens a new line",
        "The Tashkent metro opened a new line on Monday, with six stations serving the north of the city.",
        "City Desk",
        None,
    ));
    recs.push(rec(
        "Almaty schools close for the cold",
        "Schools in Almaty closed on Tuesday as temperatures fell to minus thirty degrees across the region.",
        "City Desk",
        Some("2021-03-02T08:00:00Z"),
    ));
    recs.push(rec(
        "Bishkek market prices rise",
        "Prices at the Osh bazaar in Bishkek rose by a tenth in a week, traders said, blaming the closed border.",
        "Wire One",
        Some("2021-03-02T08:00:00Z"),
    ));
    let all: Vec<&String> = recs.iter().collect();
    n.ok(&["ingest", s(&write(&n, "all.jsonl", &all))]);
    n
}

/// Hits' (outlet, published) in order.
fn order(v: &Value) -> Vec<(String, Option<String>)> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["outlet"].as_str().unwrap().to_string(), h["published"].as_str().map(str::to_string)))
        .collect()
}

#[test]
fn sort_by_date_puts_the_undated_last_and_pages_agree_with_or_without_all() {
    let n = dated_and_undated();
    for sort in ["relevance", "newest", "oldest"] {
        for all in [false, true] {
            let mut args = vec!["search", "*", "--sort", sort, "--limit", "50"];
            if all {
                args.push("--all");
            }
            let whole = n.json(&args);
            assert_eq!(whole["sort"], sort);
            let shown = if all { 8 } else { 5 };
            assert_eq!(whole["hits"].as_array().unwrap().len(), shown, "{sort} --all={all}: {whole}");
            assert_eq!(whole["undated_last"], if sort == "relevance" { json!(null) } else { json!(1) });
            // Pages of two, concatenated, are the one page of fifty.
            let mut paged = Vec::new();
            for offset in (0..shown + 2).step_by(2) {
                let offset = offset.to_string();
                let mut page = args.clone();
                page.splice(4..6, ["--limit", "2", "--offset", &offset]);
                paged.extend(n.json(&page)["hits"].as_array().unwrap().iter().map(|h| h["id"].clone()));
            }
            let ids: Vec<Value> = whole["hits"].as_array().unwrap().iter().map(|h| h["id"].clone()).collect();
            assert_eq!(paged, ids, "{sort} --all={all}");
            if sort == "relevance" {
                continue;
            }
            // Dated hits in date order (as instants), then the undated one.
            let hits = order(&whole);
            assert_eq!(hits.last().unwrap(), &("City Desk".to_string(), None), "{sort}: {hits:?}");
            let instants: Vec<i64> = hits[..hits.len() - 1]
                .iter()
                .map(|(_, d)| newsdex_core::parse_date(d.as_deref().unwrap()).unwrap().timestamp())
                .collect();
            let mut sorted = instants.clone();
            sorted.sort_by_key(|t| if sort == "newest" { -t } else { *t });
            assert_eq!(instants, sorted, "{sort}: {hits:?}");
            // The three reports of 2021-03-02 08:00 are in id order, in both directions.
            let tied: Vec<&str> = whole["hits"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|h| h["published"].as_str().is_some_and(|d| d.starts_with("2021-03-02T08:00:00")))
                .map(|h| h["id"].as_str().unwrap())
                .collect();
            assert_eq!(tied.len(), if all { 3 } else { 2 }, "{sort}: {tied:?}");
            assert!(tied.is_sorted(), "{sort}: {tied:?}");
        }
    }
    // Collapsed, a story is shown by its newest or its oldest copy.
    let newest = order(&n.json(&["search", "Tashkent", "--sort", "newest"]));
    assert_eq!(newest[0].0, "Eurasia Review", "{newest:?}");
    let oldest = order(&n.json(&["search", "Tashkent", "--sort", "oldest"]));
    assert_eq!(oldest[0].0, "Central Asia Daily", "{oldest:?}");
    assert_eq!(oldest.last().unwrap().0, "City Desk", "{oldest:?}");
    // The human output says where the undated went.
    let out = n.ok(&["search", "Tashkent", "--sort", "newest"]);
    assert!(
        out.starts_with("5 matches in 2 stories, showing 1–2, newest first (1 without a date comes last)\n"),
        "{out}"
    );
    let out = n.ok(&["search", "Tashkent"]);
    assert!(out.starts_with("5 matches in 2 stories, showing 1–2\n"), "{out}");
    let (_, err) = n.expect(2, &["search", "*", "--sort", "date"]);
    assert!(err.contains("invalid value 'date'") && err.contains("newest"), "{err}");
}

/// Two JSON Lines records whose ids share their first six hex digits (found by trying
/// records until two collide), and one more.
fn colliding_records() -> (String, String, String) {
    colliding_records_where(|_, _| true)
}

/// As [`colliding_records`], the two colliding ids also passing `both`.
pub(crate) fn colliding_records_where(
    both: impl Fn(newsdex_core::DocId, newsdex_core::DocId) -> bool,
) -> (String, String, String) {
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    let id = |line: &str| newsdex_core::DocId::of_record(line.as_bytes());
    for i in 0.. {
        let line = json!({"title": format!("Cocoa harvest report {i}"), "text": format!("Cocoa harvest report number {i}: the crop in the eastern region was weighed on Monday and traders said prices would hold."), "outlet": "Wire One"}).to_string();
        let key = id(&line).to_string()[..6].to_string();
        match seen.get(&key) {
            Some(other) if both(id(other), id(&line)) => {
                let other = other.clone();
                let third = seen.values().find(|l| **l != other).unwrap().clone();
                return (other, line, third);
            }
            _ => {
                seen.insert(key, line);
            }
        }
    }
    unreachable!()
}

/// `err` is the refusal of an id prefix that starts the documents of `records` (JSON
/// Lines records), listing each by id and title and nothing else.
pub fn assert_lists_candidates(err: &str, prefix: &str, records: &[&str]) {
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!("error: the id prefix {prefix} starts {} documents; give more of its digits:", records.len())
                .as_str()
        )
    );
    let listed: Vec<&str> = lines.collect();
    assert_eq!(listed.len(), records.len(), "{err}");
    for line in records {
        let id = newsdex_core::DocId::of_record(line.as_bytes());
        let title = serde_json::from_str::<Value>(line).unwrap()["title"].as_str().unwrap().to_string();
        assert!(listed.contains(&format!("  {id}  {title}").as_str()), "{err}");
    }
}

#[test]
fn show_and_story_take_an_id_prefix_and_list_the_candidates_when_it_is_ambiguous() {
    let n = Newsdex::new();
    let (a, b, c) = colliding_records();
    n.ok(&["ingest", s(&write(&n, "cocoa.jsonl", &[&a, &b, &c]))]);
    let id = |line: &str| newsdex_core::DocId::of_record(line.as_bytes()).to_string();
    let (ida, idb, idc) = (id(&a), id(&b), id(&c));
    assert_eq!(ida[..6], idb[..6]);
    // A unique prefix names its document, for show and for story.
    assert_eq!(n.json(&["show", &idc[..6]])["article"]["id"], idc.as_str());
    assert_eq!(n.json(&["show", &idc[..6].to_uppercase()])["article"]["id"], idc.as_str());
    assert!(n.ok(&["story", &idc[..8]]).contains(&idc), "story by prefix");
    let digits = (6..16).find(|&k| ida[..k] != idb[..k]).unwrap();
    assert_eq!(n.json(&["show", &ida[..digits]])["article"]["id"], ida.as_str());
    // A shared prefix: exit 2, both listed with their titles.
    for cmd in ["show", "story"] {
        let (out, err) = n.expect(2, &[cmd, &ida[..6]]);
        assert!(out.is_empty(), "{out}");
        assert_lists_candidates(&err, &ida[..6], &[&a, &b]);
    }
    // Too short, not hex, or no such document: clear errors.
    let (_, err) = n.expect(2, &["show", &ida[..5]]);
    assert!(err.contains("is not an id: expected 16 hex digits, or the first 6 or more of them"), "{err}");
    let (_, err) = n.expect(2, &["show", "zzzzzzzz"]);
    assert!(err.contains("is not an id"), "{err}");
    let absent = (0..16u8)
        .map(|d| format!("{d:x}{}", &ida[1..6]))
        .find(|p| ![&ida, &idb, &idc].iter().any(|i| i.starts_with(p.as_str())))
        .unwrap();
    let (_, err) = n.expect(2, &["show", &absent]);
    assert!(err.contains(&format!("no document id starts with {absent}")), "{err}");
}
