//! `newsdex compare`, `GET /api/compare` and the `/compare` page give the same numbers,
//! on real data: 3,000 Reuters-21578 stories (dated, 1987) and 1,500 AG News items
//! (undated), each under its own outlet; checked against plain searches too. Bad input
//! exits 2 (or answers 400) with the reason. Skipped when ../shared is absent.

use serde_json::Value;

use crate::serve::{get, serve};
use crate::support::{Newsdex, s, shared};

/// An archive of 3,000 Reuters stories (outlet Reuters) and 1,500 AG News items (outlet
/// AGNews, no dates).
fn archive() -> Option<Newsdex> {
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let sgml = shared("news-reuters21578/original")?;
    let agnews = std::fs::read_to_string(shared("news-agnews-test/agnews-test.jsonl")?).unwrap();
    let reuters = newsdex_testkit::reuters::jsonl(&sgml).unwrap();
    let reuters: Vec<&str> = std::str::from_utf8(&reuters).unwrap().lines().take(3_000).collect();
    let (r, a) = (dir.join("reuters.jsonl"), dir.join("agnews.jsonl"));
    std::fs::write(&r, reuters.join("\n") + "\n").unwrap();
    std::fs::write(&a, agnews.lines().take(1_500).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    for (outlet, path) in [("Reuters", &r), ("AGNews", &a)] {
        // Exit 1: some records were refused (a Reuters story without a body).
        let code = n.run(&["ingest", "--outlet", outlet, s(path)]).status.code();
        assert!(matches!(code, Some(0 | 1)), "{code:?}");
    }
    Some(n)
}

fn series<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["series"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}: {v}"))
}

#[test]
fn cli_api_and_page_agree_with_each_other_and_with_searches() {
    let Some(n) = archive() else { return };
    let documents = n.json(&["stats"])["documents"].as_u64().unwrap();
    let cli: Value =
        serde_json::from_str(&n.ok(&["compare", "oil", "wheat", "--by", "month", "--format", "json"])).unwrap();
    assert_eq!(cli["by"], "month");
    let periods: Vec<&str> = cli["periods"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(periods.contains(&"1987-02") && periods.contains(&"1987-03"), "{periods:?}");
    assert!(periods.windows(2).all(|w| w[0] < w[1]), "{periods:?}");
    // Against plain searches: every match counted once, dated or not; the undated are AG
    // News's; the denominator is the whole archive.
    for q in ["oil", "wheat"] {
        let search = n.json(&["search", q, "--all", "--limit", "0", "--facets"]);
        let sv = series(&cli, q);
        let points = sv["points"].as_array().unwrap();
        let dated: u64 = points.iter().map(|p| p["articles"].as_u64().unwrap()).sum();
        let undated = sv["undated"]["articles"].as_u64().unwrap();
        assert_eq!(dated + undated, search["total"].as_u64().unwrap(), "{q}");
        assert_eq!(sv["total"], search["total"], "{q}");
        // AG News items have no date (but for a few whose text opens with one).
        let agnews = n.json(&["search", q, "--outlet", "AGNews", "--all", "--limit", "0"]);
        let agnews = agnews["total"].as_u64().unwrap();
        assert!(undated <= agnews, "{q}: {sv}");
        if q == "oil" {
            assert!(undated > 0, "{q}: AG News writes about oil, undated: {sv}");
        }
        let all: u64 = points.iter().map(|p| p["all_articles"].as_u64().unwrap()).sum();
        assert_eq!(all + sv["undated"]["all_articles"].as_u64().unwrap(), documents, "{q}: the whole archive");
        for p in points {
            let (a, all) = (p["articles"].as_u64().unwrap(), p["all_articles"].as_u64().unwrap());
            assert!(p["stories"].as_u64().unwrap() <= a && p["outlets"].as_u64().unwrap() <= 1u64.min(a));
            if all > 0 {
                assert!((p["share"].as_f64().unwrap() - a as f64 / all as f64).abs() < 1e-12);
            }
        }
    }
    // The month of most oil stories, by a search with a date filter.
    let oil = series(&cli, "oil");
    let best = oil["points"].as_array().unwrap().iter().max_by_key(|p| p["articles"].as_u64().unwrap()).unwrap();
    let month = best["period"].as_str().unwrap();
    let v = n.json(&["search", "oil", "--all", "--limit", "0", "--from", month, "--to", month]);
    assert_eq!(v["total"], best["articles"], "{month}");

    // The server: the same JSON, the same CSV, the same numbers on the page.
    let srv = serve(&n, &[]);
    let (status, body) = get(&format!("{}api/compare?q=oil&q=wheat&by=month", srv.url));
    assert_eq!(status, 200, "{body}");
    let api: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(api, cli);
    let cli_csv = n.ok(&["compare", "oil", "wheat", "--format", "csv"]);
    let (status, api_csv) = get(&format!("{}api/compare?q=oil&q=wheat&format=csv", srv.url));
    assert_eq!(status, 200);
    assert_eq!(api_csv, cli_csv);
    assert!(cli_csv.starts_with("series,query,filter,period,articles,stories,outlets,all_articles,share\r\n"));
    let (status, page) = get(&format!("{}compare?q=oil&q=wheat&by=month&keywords=false", srv.url));
    assert_eq!(status, 200, "{page}");
    assert_eq!(page.matches("<polyline").count(), 2, "one line per query");
    for (i, period) in periods.iter().enumerate().chain([(usize::MAX, &"undated")]) {
        let mut row = format!("<tr><th scope=\"row\">{period}</th>");
        for q in ["oil", "wheat"] {
            let sv = series(&cli, q);
            let p = if i == usize::MAX { &sv["undated"] } else { &sv["points"][i] };
            for k in ["articles", "stories", "outlets", "all_articles"] {
                row.push_str(&format!("<td>{}</td>", p[k]));
            }
            let share = p["share"].as_f64().map(newsdex_compare::table::format_share).unwrap_or("–".into());
            row.push_str(&format!("<td>{share}</td>"));
        }
        assert!(page.contains(&row), "{row} not on the page");
    }

    // Keywords: the same in the CLI and the API, and recognisable for oil.
    let cli_k: Value =
        serde_json::from_str(&n.ok(&["compare", "oil", "--keywords", "--top", "15", "--format", "json"])).unwrap();
    let (_, body) = get(&format!("{}api/compare?q=oil&keywords=true&top=15", srv.url));
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), cli_k);
    let en = &cli_k["keywords"][0]["langs"][0];
    assert_eq!(en["lang"], "en");
    let words: Vec<&str> = en["words"].as_array().unwrap().iter().map(|w| w["term"].as_str().unwrap()).collect();
    assert!(words.contains(&"oil") && words.contains(&"crude"), "{words:?}");
    let (_, page) = get(&format!("{}compare?q=oil&top=15", srv.url));
    assert!(page.contains("<th scope=\"row\" dir=\"auto\">crude</th>"), "keywords on the page");

    // One query across outlets: a series per outlet, each normalised by its own articles.
    let split: Value =
        serde_json::from_str(&n.ok(&["compare", "oil", "--split", "outlet=Reuters,AGNews", "--format", "json"]))
            .unwrap();
    let total = |args: &[&str]| n.json(args)["total"].as_u64().unwrap();
    for outlet in ["Reuters", "AGNews"] {
        let sv = series(&split, outlet);
        assert_eq!(sv["filter"], outlet);
        assert_eq!(sv["total"], total(&["search", "oil", "--outlet", outlet, "--all", "--limit", "0"]), "{outlet}");
        let all: u64 = sv["points"].as_array().unwrap().iter().map(|p| p["all_articles"].as_u64().unwrap()).sum();
        let outlet_docs = total(&["search", "*", "--outlet", outlet, "--all", "--limit", "0"]);
        assert_eq!(all + sv["undated"]["all_articles"].as_u64().unwrap(), outlet_docs, "{outlet}");
    }
    let (_, body) = get(&format!("{}api/compare?q=oil&split=outlet%3DReuters%2CAGNews", srv.url));
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), split);

    // Bad input: named, exit 2 / 400.
    for (args, says) in [
        (vec!["compare", "oil", "--split", "site=a"], "bad split"),
        (vec!["compare", "oil", "gas", "--split", "lang=en,fr"], "one query"),
        (vec!["compare", "oil", "--snapshot", "999"], "there is no snapshot 999"),
        (vec!["compare", "oil AND (", "--format", "json"], "bad query"),
        (vec!["compare", "oil", "--keywords", "--format", "csv"], "not csv"),
    ] {
        let (_, err) = n.expect(2, &args);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    for (q, code) in [
        ("q=oil&by=year", "bad_request"),
        ("q=oil&format=xml", "bad_request"),
        ("q=oil&snapshot=999", "bad_snapshot"),
        ("by=day", "bad_request"),
        ("q=oil&bogus=1", "bad_request"),
        ("q=oil&format=csv&keywords=true", "bad_request"),
    ] {
        let (status, body) = get(&format!("{}api/compare?{q}", srv.url));
        assert_eq!(status, 400, "{q}: {body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], code, "{q}");
    }
}

#[test]
fn days_and_weeks_add_up_to_months() {
    let Some(n) = archive() else { return };
    let by = |p: &str| -> Value {
        serde_json::from_str(&n.ok(&["compare", "cocoa", "--by", p, "--format", "json"])).unwrap()
    };
    let (day, week, month) = (by("day"), by("week"), by("month"));
    let sum = |v: &Value, prefix: &str| -> u64 {
        v["series"][0]["points"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["period"].as_str().unwrap().starts_with(prefix))
            .map(|p| p["articles"].as_u64().unwrap())
            .sum()
    };
    for m in month["periods"].as_array().unwrap() {
        let m = m.as_str().unwrap();
        let i = month["periods"].as_array().unwrap().iter().position(|p| p == m).unwrap();
        assert_eq!(sum(&day, m), month["series"][0]["points"][i]["articles"], "{m}");
    }
    // Weeks start on Monday and hold every day.
    assert_eq!(sum(&week, ""), sum(&day, ""));
    for w in week["periods"].as_array().unwrap() {
        let d = w.as_str().unwrap();
        let (y, m, dd): (i32, u32, u32) = (d[..4].parse().unwrap(), d[5..7].parse().unwrap(), d[8..].parse().unwrap());
        let date = chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(chrono::Datelike::weekday(&date), chrono::Weekday::Mon, "{d}");
    }
}
