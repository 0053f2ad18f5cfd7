//! `/api/*` and `/healthz` over a real socket: every endpoint, its errors, and the
//! envelope they share.

use serde_json::{Value, json};

use crate::support::{DEMO_DOCS, ID004, T004, TestServer, demo, enc, fixtures, load_demo, prefix_server, repo};

fn sum(buckets: &Value) -> u64 {
    buckets.as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum()
}

#[test]
fn healthz_counts_the_archive() {
    let v = demo().get_json("/healthz");
    assert_eq!(v, json!({"status": "ok", "documents": DEMO_DOCS}));
}

#[test]
fn search_tashkent_finds_seed_004_first_with_facets() {
    // Seed 004 as typed, and a Japanese article through the gazetteer (タシュケント).
    let v = demo().get_json("/api/search?q=Tashkent");
    assert_eq!(v["total"], 2);
    assert_eq!(v["total_as_typed"], 1);
    let h = &v["hits"][0];
    assert_eq!(h["title"], T004);
    assert_eq!(h["id"], ID004);
    assert_eq!(h["lang"], "en");
    assert!(h["score"].as_f64().unwrap() > 0.0);
    assert!(h["snippet"].as_str().unwrap().contains("<b>Tashkent</b>"), "{h}");
    // Every field of the CLI's --json shape is present, null when absent.
    for k in ["id", "title", "url", "outlet", "published", "lang", "score", "snippet"] {
        assert!(h.as_object().unwrap().contains_key(k), "{k} missing in {h}");
    }
    // The facets of the one article as typed.
    let v = demo().get_json("/api/search?q=Tashkent&expand=false");
    assert_eq!(v["total"], 1);
    let f = &v["facets"];
    assert_eq!(f["lang"], json!([{"value": "en", "count": 1}]));
    assert_eq!(f["outlet"], json!([]));
    assert_eq!(
        (f["outlet_other"].as_u64(), f["no_outlet"].as_u64(), f["lang_other"].as_u64()),
        (Some(0), Some(1), Some(0))
    );
    assert_eq!(f["month"], json!([]));
    assert_eq!(f["undated"], 1);
}

#[test]
fn facets_count_every_match_not_only_the_page() {
    let v = demo().get_json("/api/search?q=*&limit=3");
    assert_eq!(v["total"], DEMO_DOCS);
    assert_eq!(v["hits"].as_array().unwrap().len(), 3);
    let f = &v["facets"];
    assert_eq!(sum(&f["lang"]), DEMO_DOCS);
    let langs: Vec<(&str, u64)> = f["lang"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["value"].as_str().unwrap(), b["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(langs[0], ("ja", 3669));
    // Wikinews and Wikipedia "In the news" in Chinese; "In the news" and one fixture each in
    // Arabic and Persian.
    assert!(
        langs.contains(&("zh", 20 + 154)) && langs.contains(&("ar", 39 + 1)) && langs.contains(&("fa", 81 + 1)),
        "{langs:?}"
    );
    assert!(langs.len() >= 50, "{langs:?}");
    let outlets: Vec<&str> = f["outlet"].as_array().unwrap().iter().map(|b| b["value"].as_str().unwrap()).collect();
    assert_eq!(&outlets[..3], ["Wikinews (Japanese)", "Wikipedia (zh) · In the news", "Wikipedia (ru) · In the news"]);
    assert!(outlets.contains(&"Wikinews (English)") && outlets.contains(&"Wikinews (Chinese)"), "{outlets:?}");
    // Every match is in an outlet listed, in the outlets not listed, or without one.
    let no_outlet = f["no_outlet"].as_u64().unwrap();
    assert!(no_outlet >= 2, "the seeds have no outlet: {f}");
    assert_eq!(sum(&f["outlet"]) + f["outlet_other"].as_u64().unwrap() + no_outlet, DEMO_DOCS);
    // Months: a contiguous time axis from the first dated article to the last, and the
    // dated plus the undated are all matches.
    let months = f["month"].as_array().unwrap();
    // (2005-05 since Japanese texts without an opening day are dated by their sources.)
    assert_eq!(months.first().unwrap()["value"], "2005-05");
    assert_eq!(months.last().unwrap()["value"], "2023-04");
    assert_eq!(months.len(), 18 * 12);
    assert_eq!(sum(&f["month"]) + f["undated"].as_u64().unwrap(), DEMO_DOCS);
    // The Japanese texts' dates are read from their opening lines, not from metadata: the
    // facets say how many of the dated are such guesses (3,485 measured 2026-12-02).
    let guessed = f["dates_guessed"].as_u64().unwrap();
    assert!(guessed > 2000 && guessed <= sum(&f["month"]), "{guessed}");
    let ja = demo().get_json("/api/search?q=*&lang=ja&limit=0");
    assert_eq!(ja["facets"]["dates_guessed"], guessed, "all of them Japanese");
    let en = demo().get_json("/api/search?q=*&lang=en&limit=0");
    assert_eq!(en["facets"]["dates_guessed"], 0, "the English items have their dates in their records");
    // facets=false leaves them out.
    let v = demo().get_json("/api/search?q=*&limit=0&facets=false");
    assert!(v.get("facets").is_none(), "{v}");
}

#[test]
fn regression_one_chinese_character_is_found_inside_words() {
    // A run of Chinese characters was indexed as bigrams only, so a query of one
    // character found it only where it stood alone: `雨` missed every `大雨` (heavy
    // rain) of the demo's Japanese and Chinese Wikinews. Each character is now indexed
    // alone too (layout 6).
    let total = |q: &str| {
        let v = demo().get_json(&format!("/api/search?q={}&expand=false&limit=0", enc(q)));
        v["total"].as_u64().unwrap_or_else(|| panic!("{q}: {v}"))
    };
    let heavy = total("大雨");
    assert!(heavy >= 5, "{heavy}");
    assert_eq!(total("大雨 AND -雨"), 0, "every text with 大雨 has 雨");
    assert!(total("雨") > heavy);
    // Words of two characters are still searched as their bigram, not as two characters.
    assert_eq!(total("大雨"), total("\"大雨\""));
    assert!(total("大雨") < total("大 AND 雨"));
}

#[test]
fn regression_the_outlet_facet_says_what_it_cut_and_what_has_no_outlet() {
    // Past 50 outlets the rest were summed in the engine but not in the JSON or the page,
    // and matches without an outlet were not counted anywhere.
    let records: String = (0..57)
        .map(|i| {
            let outlet = (i < 55).then(|| format!("Outlet {i:02}"));
            format!("{}\n", json!({"title": format!("Harvest report {i}"), "text": format!("The harvest in district {i} was reported early this year by the local office."), "outlet": outlet, "lang": "en"}))
        })
        .collect();
    let s = TestServer::start(None, |w| {
        let r = w.ingest_bytes("outlets.jsonl", records.as_bytes(), &Default::default(), &mut |_| {}).unwrap();
        assert_eq!(r.new, 57, "{r:?}");
    });
    let f = s.get_json("/api/search?q=harvest&limit=0")["facets"].clone();
    assert_eq!(f["outlet"].as_array().unwrap().len(), 50, "{f}");
    assert_eq!((f["outlet_other"].as_u64(), f["no_outlet"].as_u64()), (Some(5), Some(2)), "{f}");
    let html = s.get("/search?q=harvest").text();
    let outlets = html.split("Articles by outlet").nth(1).unwrap().split("</ul>").next().unwrap();
    assert!(outlets.contains(r#"<li class="other">all other outlets <span class="count">5</span></li>"#), "{outlets}");
    assert!(outlets.contains(r#"<li class="other">(no outlet) <span class="count">2</span></li>"#), "{outlets}");
    // Counted by outlets, the ones without count as one.
    let f = s.get_json("/api/search?q=harvest&limit=0&count=outlets")["facets"].clone();
    assert_eq!((f["outlet_other"].as_u64(), f["no_outlet"].as_u64()), (Some(5), Some(1)), "{f}");
}

#[test]
fn filters_by_language_outlet_and_date() {
    let s = demo();
    // Chinese: 20 Wikinews articles and 154 Wikipedia "In the news" items.
    assert_eq!(s.get_json("/api/search?q=*&lang=zh&limit=0")["total"], 20 + 154);
    // Languages by name or code, as the CLI takes them.
    assert_eq!(s.get_json("/api/search?q=*&lang=Chinese&limit=0")["total"], 20 + 154);
    // English: 43 Wikinews articles, 125 "In the news" items, the two seeds and the
    // hostile fixture.
    assert_eq!(s.get_json("/api/search?q=*&lang=zh&lang=en&limit=0")["total"], 20 + 154 + 43 + 125 + 3);
    let v = s.get_json(&format!("/api/search?q=*&outlet={}&limit=100", enc("Wikinews (English)")));
    assert_eq!(v["total"], 43);
    assert!(v["hits"].as_array().unwrap().iter().all(|h| h["outlet"] == "Wikinews (English)"));
    let v = s.get_json("/api/search?q=*&from=2010&to=2012-06&limit=100");
    let n = v["total"].as_u64().unwrap();
    // As many as the month facet of everything counts from 2010-01 to 2012-06.
    let all = s.get_json("/api/search?q=*&limit=0");
    let in_range: u64 = all["facets"]["month"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| ("2010-01"..="2012-06").contains(&b["value"].as_str().unwrap()))
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(n, in_range);
    assert!(n > 0 && n < DEMO_DOCS, "{n}");
    for h in v["hits"].as_array().unwrap() {
        let d = h["published"].as_str().unwrap();
        assert!(("2010".."2012-07").contains(&d), "{d}");
    }
    // The same range in the query syntax.
    let q = enc("* published:[2010 TO 2012-06]");
    assert_eq!(s.get_json(&format!("/api/search?q={q}&limit=0"))["total"], n);
    // Paging is consistent.
    let all = s.get_json("/api/search?q=China&limit=20");
    let second = s.get_json("/api/search?q=China&limit=10&offset=10");
    assert_eq!(all["hits"][10], second["hits"][0]);
    // Any word: op=or.
    let and = s.get_json("/api/search?q=Tashkent+Almaty&limit=0")["total"].as_u64().unwrap();
    let or = s.get_json("/api/search?q=Tashkent+Almaty&op=or&limit=0")["total"].as_u64().unwrap();
    assert!(or >= and && and >= 1, "{and} {or}");
}

#[test]
fn sort_by_date_lists_the_undated_last_and_pages_agree() {
    let s = demo();
    let relevance = s.get_json("/api/search?q=people&limit=0");
    assert_eq!((relevance["sort"].as_str(), relevance["undated_last"].as_u64()), (Some("relevance"), None));
    let undated = relevance["facets"]["undated"].as_u64().unwrap();
    assert!(undated > 0, "{relevance}");
    for sort in ["newest", "oldest"] {
        for collapse in [true, false] {
            let q = format!("/api/search?q=people&sort={sort}&collapse={collapse}&facets=false");
            let whole = s.get_json(&format!("{q}&limit=100"));
            assert_eq!(whole["sort"], sort);
            assert_eq!(whole["undated_last"], undated, "{sort}");
            let hits = whole["hits"].as_array().unwrap();
            let shown = if collapse { whole["stories"].as_u64() } else { whole["total"].as_u64() }.unwrap() as usize;
            assert!(shown > 30 && shown <= 100, "{shown}");
            assert_eq!(hits.len(), shown);
            let mut paged = Vec::new();
            for offset in (0..shown).step_by(10) {
                let page = s.get_json(&format!("{q}&limit=10&offset={offset}"));
                paged.extend(page["hits"].as_array().unwrap().iter().map(|h| h["id"].clone()));
            }
            assert_eq!(paged, hits.iter().map(|h| h["id"].clone()).collect::<Vec<_>>(), "{sort} collapse={collapse}");
            // Dated first, in order (as instants); then the undated.
            let dated: Vec<i64> = hits
                .iter()
                .map_while(|h| h["published"].as_str())
                .map(|d| newsdex_core::parse_date(d).unwrap().timestamp())
                .collect();
            assert!(hits[dated.len()..].iter().all(|h| h["published"].is_null()), "{sort}: undated last");
            assert!(dated.len() < hits.len(), "{sort}: the undated are shown");
            let ordered = dated.windows(2).all(|w| if sort == "newest" { w[0] >= w[1] } else { w[0] <= w[1] });
            assert!(ordered, "{sort}: {dated:?}");
            assert!(hits.iter().all(|h| h["score"].as_f64().unwrap() > 0.0), "scores are reported whatever the order");
        }
    }
    let r = s.get("/api/search?q=people&sort=date");
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()));
    assert!(r.text().contains("sort must be `relevance`, `newest` or `oldest`"), "{}", r.text());
}

#[test]
fn regression_unknown_parameters_are_refused_on_every_endpoint() {
    // `lnag=ru` was ignored: a search in every language answered as if it were filtered.
    let s = demo();
    let r = s.get("/api/search?q=Tashkent&lnag=ru");
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()), "{}", r.text());
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(msg.starts_with("unknown parameter `lnag` (did you mean `lang`?); /api/search takes `q`, "), "{msg}");
    for known in ["`lang`", "`outlet`", "`from`", "`collapse`", "`sort`"] {
        assert!(msg.contains(known), "{known}: {msg}");
    }
    for path in [format!("/api/articles/{ID004}"), format!("/api/stories/{ID004}"), format!("/api/raw/{ID004}")] {
        assert_eq!(s.get(&path).status, 200, "{path}");
        let r = s.get(&format!("{path}?format=json"));
        assert_eq!((r.status, r.error_code()), (400, "bad_request".into()), "{path}: {}", r.text());
        let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            msg.starts_with("unknown parameter `format`; /api/") && msg.ends_with("takes no query parameters"),
            "{msg}"
        );
    }
    // Ingest refuses one from the request's head: nothing is read or written.
    let w = TestServer::start(Some("t"), |_| {});
    let doc = br#"{"title":"Almaty","text":"Scholars met in Almaty."}"#;
    let r = w.post("/api/ingest?outlett=Wire", &[("Authorization", "Bearer t")], doc);
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()), "{}", r.text());
    assert!(
        r.text().contains("unknown parameter `outlett` (did you mean `outlet`?); /api/ingest takes `outlet`, `lang`")
    );
    assert_eq!(w.get_json("/healthz")["documents"], 0);
    // Without the token, the answer is still 401: nothing is said before authorization.
    let r = w.post("/api/ingest?outlett=Wire", &[], doc);
    assert_eq!(r.status, 401);
    assert_eq!(w.post("/api/ingest?outlet=Wire", &[("Authorization", "Bearer t")], doc).status, 200);
    // The parameters the OpenAPI document lists for search are those taken, and all are.
    let doc = s.get_json("/api/openapi.json");
    let mut listed: Vec<&str> = doc["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let mut taken = newsdex_server::params::SEARCH_PARAMS.to_vec();
    listed.sort();
    taken.sort();
    assert_eq!(listed, taken);
    let all = "/api/search?q=a&limit=1&offset=0&lang=en&outlet=x&from=2020&to=2024&op=and&facets=true&expand=true&collapse=true&count=articles&sort=newest";
    assert_eq!(s.get(all).status, 200, "{all}");
}

#[test]
fn bad_queries_and_parameters_are_400_with_a_clear_message() {
    let s = demo();
    let r = s.get(&format!("/api/search?q={}", enc("\"Foreign Policy")));
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "bad_query");
    assert!(r.json()["error"]["message"].as_str().unwrap().starts_with("unclosed quote"), "{}", r.text());
    let r = s.get(&format!("/api/search?q={}", enc("title:(a OR")));
    assert_eq!((r.status, r.error_code()), (400, "bad_query".into()));
    for (query, says) in [
        ("q=a&limit=1000", "limit must be a whole number from 0 to 100"),
        ("q=a&offset=-1", "offset must be a whole number"),
        ("limit=5", "`q` is required"),
        ("q=", "`q` is required"),
        ("q=a&op=xor", "op must be `and` or `or`"),
        ("q=a&facets=maybe", "facets must be true or false"),
        ("q=a&expand=no", "expand must be true or false"),
        ("q=a&facets=", "facets must be true or false"),
        ("q=a&from=yesterday", "yesterday"),
        ("q=a&from=2024-13", "2024-13"),
        // Regression (schemathesis): a bad language was a 500.
        ("q=0&lang=null", "lang \"null\" is not a language code"),
        ("q=lang:null", "\"null\" is not a language code"),
    ] {
        let r = s.get(&format!("/api/search?{query}"));
        assert_eq!(r.status, 400, "{query}: {}", r.text());
        let code = r.error_code();
        assert!(code == "bad_request" || code == "bad_query", "{query}: {code}");
        let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(msg.contains(says), "{query}: {msg}");
    }
}

#[test]
fn article_has_fields_warnings_provenance_and_raw_link() {
    let v = demo().get_json(&format!("/api/articles/{ID004}"));
    assert_eq!(v["id"], ID004);
    assert_eq!(v["title"], T004);
    assert!(v["body"].as_str().unwrap().starts_with("In the last 1-2 years, Uyghurs"));
    assert_eq!(v["format"], "text");
    assert_eq!(v["lang"], "en");
    assert_eq!(v["raw_url"], format!("/api/raw/{ID004}"));
    assert_eq!(v["provenance"]["source"], "demo/seeds/004_28fc068abbfc2ab4.txt");
    assert_eq!(v["provenance"]["start"], 0);
    let codes: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"title-repeats-collapsed"), "{codes:?}");
    assert_eq!(v["removed_lines"], json!(["Previous Post Next Post", "Worldwide News Search Here👇"]));
    // A Wikinews article keeps its licence fields.
    let hit = demo().get_json(&format!("/api/search?q=*&outlet={}&limit=1", enc("Wikinews (English)")));
    let id = hit["hits"][0]["id"].as_str().unwrap();
    let v = demo().get_json(&format!("/api/articles/{id}"));
    assert_eq!(v["extra"]["license"], "CC-BY-2.5");
    assert_eq!(v["format"], "jsonl");
    assert!(v["provenance"]["line"].as_u64().is_some());
    assert!(v["url"].as_str().unwrap().starts_with("https://en.wikinews.org/wiki/"));
}

#[test]
fn unknown_or_malformed_ids_are_404() {
    let s = demo();
    for path in [
        "/api/articles/0000000000000000",
        "/api/articles/zz",
        "/api/articles/..%2F..%2Fetc%2Fpasswd",
        "/api/raw/0000000000000000",
        "/api/raw/..%2FFORMAT",
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert_eq!(r.error_code(), "not_found", "{path}");
    }
    let r = s.get("/api/no-such-endpoint");
    assert_eq!((r.status, r.error_code()), (404, "not_found".into()));
}

#[test]
fn ids_can_be_shortened_to_six_digits_and_an_ambiguous_prefix_is_409_with_the_candidates() {
    let (s, docs) = prefix_server();
    let [(a, ta), (b, tb), (c, _)] = &docs[..] else { panic!() };
    assert_eq!(a[..6], b[..6]);
    // A unique prefix, in either case, names its document on every endpoint.
    for prefix in [&c[..6], &c[..6].to_uppercase(), &c[..11], c.as_str()] {
        assert_eq!(s.get_json(&format!("/api/articles/{prefix}"))["id"], c.as_str(), "{prefix}");
        let story = s.get_json(&format!("/api/stories/{prefix}"));
        assert!(story["members"].as_array().unwrap().iter().any(|m| m["id"] == c.as_str()), "{prefix}: {story}");
        let raw = s.get(&format!("/api/raw/{prefix}"));
        assert_eq!(raw.status, 200, "{prefix}");
        assert_eq!(raw.header("content-disposition"), Some(format!("inline; filename=\"{c}.txt\"").as_str()));
    }
    // A shared one: 409 with both, for articles, stories and raw bytes.
    for endpoint in ["articles", "stories", "raw"] {
        let r = s.get(&format!("/api/{endpoint}/{}", &a[..6]));
        assert_eq!((r.status, r.error_code()), (409, "ambiguous_id".into()), "{endpoint}: {}", r.text());
        let e = &r.json()["error"];
        assert_eq!(
            e["message"],
            format!("the id prefix {} starts 2 documents; give more of its digits", &a[..6]).as_str()
        );
        let mut candidates: Vec<(&str, &str)> = e["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap(), c["title"].as_str().unwrap()))
            .collect();
        candidates.sort();
        let mut expected = vec![(a.as_str(), ta.as_str()), (b.as_str(), tb.as_str())];
        expected.sort();
        assert_eq!(candidates, expected, "{endpoint}");
    }
    // Other errors carry no candidates; too few digits, or none such: 404.
    let digits = (6..16).find(|&k| a[..k] != b[..k]).unwrap();
    assert_eq!(s.get_json(&format!("/api/articles/{}", &a[..digits]))["id"], a.as_str());
    for path in [format!("/api/articles/{}", &a[..5]), "/api/articles/000000".into(), "/api/stories/0000000000".into()]
    {
        let r = s.get(&path);
        assert_eq!((r.status, r.error_code()), (404, "not_found".into()), "{path}");
        assert!(r.json()["error"].get("candidates").is_none(), "{path}: {}", r.text());
    }
    // The OpenAPI document says so.
    let doc = s.get_json("/api/openapi.json");
    for path in ["/api/articles/{id}", "/api/stories/{id}", "/api/raw/{id}"] {
        let op = &doc["paths"][path]["get"];
        assert!(op["responses"]["409"].is_object(), "{path}");
        assert_eq!(op["parameters"][0]["schema"]["pattern"], "^[0-9a-fA-F]{6,16}$", "{path}");
    }
}

#[test]
fn raw_returns_the_original_bytes_never_as_a_page() {
    let s = demo();
    let r = s.get(&format!("/api/raw/{ID004}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, std::fs::read(repo().join("testdata/seeds/004_28fc068abbfc2ab4.txt")).unwrap());
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("content-security-policy").unwrap().starts_with("sandbox"));
    // The hostile record's line, byte for byte, as text: its <script> is never live.
    let hit = s.get_json("/api/search?q=title:hostile");
    let id = hit["hits"][0]["id"].as_str().unwrap();
    let r = s.get(&format!("/api/raw/{id}"));
    let line = fixtures().split(|b| *b == b'\n').nth(2).unwrap().to_vec();
    assert_eq!(r.body.strip_suffix(b"\n").unwrap_or(&r.body), &line[..]);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
}

#[test]
fn openapi_document_describes_every_endpoint() {
    let v = demo().get_json("/api/openapi.json");
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    let paths = v["paths"].as_object().unwrap();
    for p in ["/api/search", "/api/articles/{id}", "/api/raw/{id}", "/api/ingest", "/healthz"] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    assert!(v["components"]["securitySchemes"]["bearer"].is_object());
    // The Swagger UI is served from compiled-in assets.
    let r = demo().get("/api/docs/");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("swagger"), "{}", r.text());
}

#[test]
fn writing_is_off_without_a_configured_token() {
    let r = demo().post("/api/ingest", &[("Authorization", "Bearer anything")], b"{\"title\":\"x\",\"text\":\"y\"}");
    assert_eq!(r.status, 403);
    assert_eq!(r.error_code(), "writes_disabled");
    assert_eq!(demo().get_json("/healthz")["documents"], DEMO_DOCS);
}

#[test]
fn ingest_needs_the_token_then_adds_searchable_documents() {
    let s = TestServer::start(Some("s3cret"), |_| {});
    let doc = br#"{"title":"Uyghur scholars meet in Almaty","text":"Scholars met in Almaty on Monday to discuss Uyghur literature.","url":"https://example.org/a","published":"2024-03-05","outlet":"Example Times"}"#;
    // No header, wrong scheme, wrong token: 401, nothing written.
    for headers in [vec![], vec![("Authorization", "Basic czNjcmV0")], vec![("Authorization", "Bearer s3cret2")]] {
        let r = s.post("/api/ingest", &headers, doc);
        assert_eq!(r.status, 401, "{headers:?}");
        assert_eq!(r.error_code(), "unauthorized");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
    assert_eq!(s.get_json("/healthz")["documents"], 0);
    let auth = [("Authorization", "Bearer s3cret")];
    let r = s.post("/api/ingest", &auth, doc);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!((v["ingested"].as_u64(), v["new"].as_u64(), v["duplicates"].as_u64()), (Some(1), Some(1), Some(0)));
    let id = v["ids"][0].as_str().unwrap().to_string();
    // Searchable at once, with its fields.
    let hits = s.get_json("/api/search?q=Almaty");
    assert_eq!(hits["total"], 1);
    assert_eq!(hits["hits"][0]["id"], id);
    assert_eq!(hits["hits"][0]["outlet"], "Example Times");
    assert_eq!(hits["hits"][0]["published"], "2024-03-05");
    // The same bytes again: a duplicate.
    let v = s.post("/api/ingest", &auth, doc).json();
    assert_eq!((v["new"].as_u64(), v["duplicates"].as_u64()), (Some(0), Some(1)));
    // JSON Lines with a bad line: the good lines go in, the bad one is named.
    let body = b"{\"title\":\"One\",\"text\":\"first story text\"}\n{not json\n{\"title\":\"Two\",\"text\":\"second story text\"}\n";
    let v = s.post("/api/ingest?outlet=Wire", &auth, body).json();
    assert_eq!(v["new"], 2, "{v}");
    assert_eq!(v["rejected"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["rejected"][0]["line"], 2);
    assert_eq!(s.get_json("/api/search?q=story&outlet=Wire")["total"], 2);
    // Empty body, bad lang: 400.
    let r = s.post("/api/ingest", &auth, b"");
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()));
    let r = s.post("/api/ingest?lang=%21%21", &auth, doc);
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()));
    assert_eq!(s.get_json("/healthz")["documents"], 3);
}

#[test]
fn reads_keep_working_while_an_ingest_commits() {
    // A writer server over the demo corpus; while a 9.8 MB ingest (the Japanese Wikinews
    // file, 3,669 articles) is running, searches keep answering with the old contents.
    let s = TestServer::start(Some("t"), |_| {});
    let ja = zstd::decode_all(newsdex_server::demo::FILES[2].1).unwrap();
    let en = newsdex_server::demo::FILES[0].1;
    assert_eq!(s.post("/api/ingest", &[("Authorization", "Bearer t")], en).json()["new"], 43);
    let base = s.base.clone();
    let writer = std::thread::spawn(move || {
        crate::support::request("POST", &format!("{base}/api/ingest"), &[("Authorization", "Bearer t")], Some(&ja))
    });
    let mut reads = 0;
    let mut during = 0;
    let mut last = 43;
    while !writer.is_finished() {
        let v = s.get_json("/api/search?q=*&limit=1");
        let total = v["total"].as_u64().unwrap();
        // Whole batches become visible as they commit (every 5,000 documents or 10 s),
        // never less than was there, never more than the two inputs.
        assert!((last..=43 + 3669).contains(&total), "{total} after {last}");
        last = total;
        if total < 43 + 3669 {
            during += 1;
        }
        reads += 1;
    }
    let w = writer.join().unwrap();
    assert_eq!(w.status, 200, "{}", w.text());
    assert_eq!(w.json()["new"], 3669);
    assert!(during > 0, "no read was answered while the ingest ran ({reads} reads)");
    eprintln!("{during} of {reads} searches were answered while the ingest ran");
    assert_eq!(s.get_json("/api/search?q=*&limit=0")["total"], 43 + 3669);
}

#[test]
fn a_second_server_process_over_the_same_directory_sees_new_commits() {
    // The shared demo server is read-only; a reader must also pick up commits made by
    // `newsdex ingest` in another process (here: another engine in this process).
    let s = TestServer::start(None, load_demo);
    let before = s.get_json("/api/search?q=Almaty&limit=0")["total"].as_u64().unwrap();
    {
        let mut w = newsdex_engine::Engine::open_write(&s.data).unwrap();
        let doc = br#"{"title":"Almaty market report","text":"Prices in Almaty rose this week."}"#;
        w.ingest_bytes("late.jsonl", doc, &Default::default(), &mut |_| {}).unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = s.get_json("/api/search?q=Almaty&limit=0")["total"].as_u64().unwrap();
        if now == before + 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the server never saw the new commit");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn spelling_expansion_is_reported_and_can_be_turned_off() {
    let s = demo();
    let v = s.get_json("/api/search?q=Uyghur&limit=100");
    let titles: Vec<&str> = v["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&T004), "{titles:?}");
    let h000 = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["title"].as_str().unwrap().starts_with("Beijing’s intensified crackdown"))
        .expect("seed 000 found through the variant Uighur");
    assert!(h000["matched"].as_array().unwrap().iter().any(|m| m.as_str().unwrap().starts_with("Uighur")), "{h000}");
    let e = &v["expansions"][0];
    assert_eq!(e["term"], "Uyghur");
    assert!(e["variants"].as_array().unwrap().contains(&json!("Uighur")), "{e}");
    assert_eq!(e["name"], true, "typed with a capital: {e}");
    assert!(e["added"].as_u64().unwrap() > 0, "{e}");
    assert!(v["total_as_typed"].as_u64().unwrap() < v["total"].as_u64().unwrap(), "{v}");
    // expand=false: the spelling as typed; nothing reported as expanded.
    let v = s.get_json("/api/search?q=Uyghur&limit=100&expand=false");
    let titles: Vec<&str> = v["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&T004) && !titles.iter().any(|t| t.starts_with("Beijing’s")), "{titles:?}");
    assert_eq!(v["expansions"], json!([]));
    // `=Uighur` in the query does the same for one word.
    let v = s.get_json(&format!("/api/search?q={}&limit=100", enc("=Uighur")));
    let titles: Vec<&str> = v["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap()).collect();
    assert!(titles.iter().any(|t| t.starts_with("Beijing’s")) && !titles.contains(&T004), "{titles:?}");
}

#[test]
fn regression_bearer_scheme_is_case_insensitive() {
    // RFC 7235: the scheme is case-insensitive; `bearer x` was answered 401.
    let s = TestServer::start(Some("s3cret"), |_| {});
    let doc = br#"{"title":"Scheme case","text":"Any case of the word Bearer is the same scheme."}"#;
    for (i, auth) in ["bearer s3cret", "BEARER s3cret", "Bearer s3cret"].into_iter().enumerate() {
        let r = s.post("/api/ingest", &[("Authorization", auth)], doc);
        assert_eq!(r.status, 200, "{auth}: {}", r.text());
        assert_eq!(r.json()["new"], u64::from(i == 0), "{auth}");
    }
    let r = s.post("/api/ingest", &[("Authorization", "bearer wrong")], doc);
    assert_eq!((r.status, r.error_code()), (401, "unauthorized".into()));
}

#[test]
fn regression_an_empty_token_is_refused_at_startup() {
    // An empty token was accepted, and then no request could ever present it.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    drop(newsdex_engine::Engine::open_write(&data).unwrap());
    let config = |token: &str| newsdex_server::ServerConfig {
        data: data.clone(),
        addr: "127.0.0.1:0".parse().unwrap(),
        token: Some(token.to_string()),
        limits: Default::default(),
    };
    let e = newsdex_server::state(&config("")).unwrap_err();
    assert!(matches!(e.downcast_ref(), Some(newsdex_server::ConfigError::EmptyToken)), "{e}");
    // Nor can a token be sent that a header cannot carry.
    for token in ["two words", "tab\there", "naïve", "line\n"] {
        let e = newsdex_server::state(&config(token)).unwrap_err();
        assert!(matches!(e.downcast_ref(), Some(newsdex_server::ConfigError::TokenNotSendable)), "{token:?}: {e}");
    }
    assert!(newsdex_server::state(&config("s3cret-_.~+/=")).is_ok());
}

/// Send a request head (with `Connection: close`) on a raw connection and read the answer.
fn raw(s: &TestServer, method: &str, target: &str, headers: &str) -> crate::support::Resp {
    let mut c = s.raw();
    c.send(
        format!("{method} {target} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    c.response()
}

#[test]
fn regression_framework_errors_under_api_use_the_envelope() {
    // 405, 414, 431 and extractor rejections came from the framework with an empty or
    // plain-text body, not the envelope every other API error has.
    let s = demo();
    for (method, target, allow) in [
        ("PUT", "/api/search?q=a", "GET"),
        ("POST", "/api/search", "GET"),
        ("DELETE", "/api/articles/0000000000000000", "GET"),
        ("GET", "/api/ingest", "POST"),
        ("POST", "/healthz", "GET"),
    ] {
        let r = raw(s, method, target, "");
        assert_eq!((r.status, r.error_code()), (405, "method_not_allowed".into()), "{method} {target}: {}", r.text());
        assert!(r.header("allow").is_some_and(|a| a.contains(allow)), "{method} {target}: {:?}", r.headers);
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(message.starts_with(&format!("{method} is not allowed here")), "{message}");
    }
    let long = format!("/api/search?q={}", "a".repeat(newsdex_server::MAX_URI_BYTES));
    let r = raw(s, "GET", &long, "");
    assert_eq!((r.status, r.error_code()), (414, "uri_too_long".into()), "{}", r.text());
    let big = format!("X-Big: {}\r\n", "b".repeat(newsdex_server::MAX_HEADER_BYTES));
    let r = raw(s, "GET", "/api/search?q=a", &big);
    assert_eq!((r.status, r.error_code()), (431, "headers_too_large".into()), "{}", r.text());
    let many: String = (0..newsdex_server::MAX_HEADERS).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let r = raw(s, "GET", "/healthz", &many);
    assert_eq!((r.status, r.error_code()), (431, "headers_too_large".into()), "{}", r.text());
    // A path that does not decode to text: the extractor's rejection, in the envelope.
    let r = raw(s, "GET", "/api/articles/%FF%FE", "");
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()), "{}", r.text());
    // Within the limits, the same requests are answered.
    let some: String = (0..50).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let r = raw(s, "GET", &format!("/api/search?q={}", "a".repeat(1000)), &some);
    assert_eq!(r.status, 200, "{}", r.text());
    // The OpenAPI document lists the answers every operation can give.
    let doc = s.get_json("/api/openapi.json");
    for status in ["414", "431", "503"] {
        let r = &doc["paths"]["/api/search"]["get"]["responses"][status];
        assert_eq!(
            r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorEnvelope",
            "{status}"
        );
    }
    let ingest = &doc["paths"]["/api/ingest"]["post"]["responses"];
    assert!(ingest["408"].is_object() && ingest["414"].is_object() && ingest.get("503").is_none(), "{ingest}");
}
