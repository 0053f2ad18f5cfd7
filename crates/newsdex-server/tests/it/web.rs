//! The server-rendered pages, as a browser without JavaScript gets them: links that
//! refine, paging, article pages with previous/next, escaping, right-to-left text.

use newsdex_engine::IngestOptions;
use serde_json::json;

use crate::support::{DEMO_DOCS, ID004, T004, TestServer, demo, enc, repo};

/// HTML character references back to text (the ones askama and we write).
fn unescape(s: &str) -> String {
    [("&#38;", "&"), ("&#60;", "<"), ("&#62;", ">"), ("&#34;", "\""), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">")]
        .iter()
        .chain(&[("&quot;", "\""), ("&amp;", "&")])
        .fold(s.to_string(), |acc, (from, to)| acc.replace(from, to))
}

/// Every `href="…"` value in a page, unescaped.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"").skip(1).map(|s| unescape(&s[..s.find('"').unwrap()])).collect()
}

fn page(path: &str) -> String {
    page_of(demo(), path)
}

fn page_of(server: &TestServer, path: &str) -> String {
    let r = server.get(path);
    assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    r.text()
}

#[test]
fn home_page_has_the_search_box_syntax_help_and_the_wikinews_credit() {
    let html = page("/");
    assert!(html.contains(r#"<form class="searchbox" action="/search" method="get""#));
    assert!(html.contains("How to write a query"));
    assert!(html.contains(&format!("{DEMO_DOCS} documents in this archive")));
    assert!(html.contains("Creative Commons Attribution 2.5"), "the demo corpus's licence asks for credit");
    assert!(html.contains(r#"name="viewport""#), "readable on a phone");
}

#[test]
fn search_page_lists_hits_with_highlights_and_links_to_the_article() {
    // Seed 004 as typed, and a Japanese Wikinews article that writes タシュケント (the
    // gazetteer's name for the city in Japanese).
    let html = page("/search?q=Tashkent");
    assert!(html.contains("2 matches (1 as typed)"), "{html}");
    assert!(html.contains("タシュケント"), "{html}");
    assert!(html.contains(T004));
    assert!(html.contains("<b>Tashkent</b>"));
    let article = hrefs(&html).into_iter().find(|h| h.starts_with(&format!("/articles/{ID004}?"))).unwrap();
    assert!(article.contains("q=Tashkent") && article.contains("rank=1"), "{article}");
    let art = page(&article);
    assert!(art.contains(&format!("<h1 dir=\"auto\">{T004}</h1>")), "{art}");
    assert!(art.contains("Provenance") && art.contains("demo/seeds/004_28fc068abbfc2ab4.txt"));
    assert!(art.contains(&format!("href=\"/api/raw/{ID004}\"")));
    assert!(art.contains("title-repeats-collapsed"), "repairs are shown");
    assert!(art.contains("Removed as boilerplate") && art.contains("Previous Post Next Post"), "{art}");
    assert!(art.contains("← Back to results"));
    // The first of two results: a next one, no previous one.
    assert!(art.contains("Next result") && !art.contains("Previous result"), "{art}");
}

/// The chart says how many of the dates it counts were guessed (issue #16: "every guess
/// that changes a count is reported where the user sees the number").
#[test]
fn the_chart_says_how_many_of_its_dates_were_guessed() {
    let ja = page("/search?q=*&lang=ja");
    let guessed = demo().get_json("/api/search?q=*&lang=ja&limit=0")["facets"]["dates_guessed"].as_u64().unwrap();
    assert!(guessed > 0);
    let says = format!("The dates of {guessed} of these articles were guessed from their text or address");
    assert!(ja.contains(&says), "{ja}");
    let en = page("/search?q=*&lang=en");
    assert!(en.contains("Coverage over time") && !en.contains("were guessed"), "{en}");
}

#[test]
fn facet_links_refine_the_query_and_filters_can_be_removed() {
    let html = page("/search?q=*");
    assert!(html.contains(&format!("{DEMO_DOCS} matches, showing 1–10")), "{html}");
    let zh = hrefs(&html).into_iter().find(|h| h.contains("lang=zh")).expect("a link to the Chinese facet");
    let refined = page(&zh);
    // Chinese: 20 Wikinews articles and 154 Wikipedia "In the news" items.
    assert!(refined.contains("174 matches, showing 1–10"), "{refined}");
    assert!(refined.contains("✕ language: zh"));
    // The remove link goes back to everything.
    let remove = hrefs(&refined).into_iter().find(|h| h.starts_with("/search?") && !h.contains("lang=")).unwrap();
    assert!(page(&remove).contains(&format!("{DEMO_DOCS} matches")));
    // An outlet facet, then a month from the chart.
    let en = hrefs(&html).into_iter().find(|h| h.contains(&format!("outlet={}", enc("Wikinews (English)")))).unwrap();
    let en_page = page(&en);
    assert!(en_page.contains("43 matches"), "{en_page}");
    assert!(en_page.contains("<svg"), "coverage chart");
    let month = hrefs(&en_page).into_iter().find(|h| h.contains("from=2016-09&to=2016-09")).expect("a month bar");
    let m = page(&month);
    assert!(m.contains("✕ published: 2016-09"), "{m}");
    assert!(m.contains("New faces emerge as veteran politicians step down in Hong Kong legislative election"));
}

#[test]
fn pagination_walks_the_results() {
    let html = page("/search?q=*");
    let next = hrefs(&html).into_iter().find(|h| h.contains("offset=10")).expect("page 2 link");
    let p2 = page(&next);
    assert!(p2.contains(&format!("{DEMO_DOCS} matches, showing 11–20")), "{p2}");
    assert!(p2.contains(r#"<ol class="hits" start="11">"#));
    assert!(p2.contains("← Previous"));
}

#[test]
fn sort_switch_orders_by_date_and_paging_keeps_it() {
    let html = page("/search?q=the");
    assert!(html.contains(r#"<strong aria-current="true">relevance</strong>"#), "{html}");
    let newest = hrefs(&html).into_iter().find(|h| h.contains("sort=newest")).expect("a link to sort by newest");
    let html = page(&newest);
    assert!(html.contains(r#"<strong aria-current="true">newest</strong>"#), "{html}");
    assert!(html.contains(", newest first; ") && html.contains(" without a date come last</p>"), "{html}");
    let api = demo().get_json("/api/search?q=the&sort=newest&limit=1");
    let first = api["hits"][0]["title"].as_str().unwrap();
    let hit = html.split(r#"<li class="hit">"#).nth(1).unwrap();
    assert!(unescape(hit).contains(first), "{first}: {hit}");
    // Paging, facets and the search box keep the order.
    let next = hrefs(&html).into_iter().find(|h| h.contains("offset=10")).expect("page 2");
    assert!(next.contains("sort=newest"), "{next}");
    assert!(html.contains(r#"name="sort""#), "{html}");
    // The last page shows the undated, marked so.
    let api = demo().get_json("/api/search?q=the&sort=newest&limit=0&facets=false");
    let last = (api["stories"].as_u64().unwrap() - 1) / 10 * 10;
    let end = page(&format!("/search?q=the&sort=newest&offset={last}"));
    assert!(end.contains(r#"<span class="nodate">no date</span>"#), "{end}");
}

#[test]
fn pages_show_the_parameters_they_ignore() {
    // A page answers (a shared link may carry tracking parameters) but says what it
    // ignored, so that a typo is not taken for a filter.
    let html = page("/search?q=Tashkent&lnag=ru&utm_source=%3Cscript%3E");
    assert!(html.contains("2 matches (1 as typed)"), "{html}");
    let notice =
        html.split(r#"<p class="notice" role="status">"#).nth(1).expect("a notice").split("</p>").next().unwrap();
    assert!(notice.contains("<code>lnag=ru</code> (did you mean <code>lang</code>?)"), "{notice}");
    assert!(!notice.contains("<script") && unescape(notice).contains("<code>utm_source=<script></code>"), "{notice}");
    for clean in [
        "/search?q=Tashkent&lang=en&sort=newest&offset=0",
        &format!("/articles/{ID004}?q=Tashkent&rank=1"),
        &format!("/stories/{ID004}"),
    ] {
        assert!(!page(clean).contains(r#"class="notice""#), "{clean}");
    }
    assert!(
        page(&format!("/articles/{ID004}?q=Tashkent&rank=1&rnak=2"))
            .contains("<code>rnak=2</code> (did you mean <code>rank</code>?)")
    );
    assert!(page(&format!("/stories/{ID004}?x=1")).contains("<code>x=1</code>"));
}

#[test]
fn the_search_form_has_date_language_outlet_and_order_and_shows_them_when_set() {
    let html = page("/search?q=the");
    let form = html.split(r#"<form class="searchbox""#).nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains(r#"<details class="filters">"#), "closed when nothing is set: {form}");
    for field in
        [r#"name="from""#, r#"name="to""#, r#"<select name="lang">"#, r#"name="outlet""#, r#"<select name="sort">"#]
    {
        assert!(form.contains(field), "{field}: {form}");
    }
    // The archive's languages, by name.
    for option in [r#"<option value="ja">Japanese (ja)</option>"#, r#"<option value="fa">Persian (fa)</option>"#] {
        assert!(form.contains(option), "{option}: {form}");
    }
    assert!(form.contains(r#"<option value="Wikinews (English)">"#), "outlets suggested from the results: {form}");
    // Set filters are filled in and shown, so none carries over to a new search unseen.
    let html = page(&format!("/search?q=the&lang=en&outlet={}&from=2010&sort=newest", enc("Wikinews (English)")));
    let form = html.split(r#"<form class="searchbox""#).nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains(r#"<details class="filters" open>"#), "{form}");
    let summary = unescape(form.split("<summary>").nth(1).unwrap().split("</summary>").next().unwrap());
    assert_eq!(
        summary,
        r#"Filters: <span class="set" dir="auto">English (en) · Wikinews (English) · 2010 – … · newest first</span>"#
    );
    for set in [r#"<option value="en" selected>"#, r#"value="2010""#, r#"<option value="newest" selected>"#] {
        assert!(form.contains(set), "{set}: {form}");
    }
    assert!(unescape(form).contains(r#"<input name="outlet" value="Wikinews (English)""#), "{form}");
    // A form sent as a browser without JavaScript sends it, empty fields and all.
    let r = demo().get("/search?q=the&from=&to=&lang=&outlet=&sort=relevance");
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("45 matches, showing 1–10") || html.contains(" matches, showing 1–10"), "{html}");
    assert!(!html.contains(r#"class="notice""#), "{html}");
    let plain = page("/search?q=the");
    let total = |h: &str| h.split(r#"<p class="summary">"#).nth(1).unwrap().split(' ').next().unwrap().to_string();
    assert_eq!(total(&html), total(&plain));
    // The filters from the form narrow as the facets do.
    let api = demo().get_json("/api/search?q=the&lang=en&from=2010&limit=0");
    let html = page("/search?q=the&lang=en&from=2010&to=&outlet=");
    assert_eq!(total(&html), api["total"].to_string(), "{html}");
}

#[test]
fn regression_a_bad_query_shows_its_error_and_nothing_else() {
    // The error came with "0 matches", the order and story switches and empty facets.
    let r = demo().get(&format!("/search?q={}&lang=en", enc("\"Foreign Policy")));
    assert_eq!(r.status, 400);
    let html = r.text();
    let error =
        html.split(r#"<div class="error" role="alert">"#).nth(1).expect("the error").split("</div>").next().unwrap();
    assert!(
        error.contains("<pre>unclosed quote\n  &#34;Foreign Policy\n  ^</pre>")
            || unescape(error).contains("<pre>unclosed quote\n  \"Foreign Policy\n  ^</pre>"),
        "{error}"
    );
    for absent in ["0 matches", "sort:", "one per story", r#"class="hits""#, r#"class="facets""#, r#"class="chart""#] {
        assert!(!html.contains(absent), "{absent} shown with the error");
    }
    // The help to fix it is open, and the filters stay in the form.
    assert!(html.contains(r#"<details class="syntax" open>"#));
    assert!(html.contains(r#"<option value="en" selected>"#));
}

#[test]
fn non_latin_web_addresses_are_shown_decoded_and_linked_exactly() {
    let api = demo().get_json(&format!("/api/search?q=*&outlet={}&limit=50", enc("Wikinews (Chinese)")));
    let url = api["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|h| h["url"].as_str().filter(|u| u.contains("/wiki/%E")))
        .unwrap();
    let id = api["hits"].as_array().unwrap().iter().find(|h| h["url"] == url).unwrap()["id"].as_str().unwrap();
    let shown = newsdex_server::display::url_for_display(url);
    assert!(!shown.contains('%') && shown.len() < url.len() / 2, "{shown}");
    for html in [page(&format!("/search?q=*&outlet={}", enc("Wikinews (Chinese)"))), page(&format!("/articles/{id}"))] {
        let link = format!(r#"<a href="{url}" title="{url}" rel="noopener noreferrer nofollow">{shown}</a>"#);
        if html.contains(&format!("/articles/{id}")) || html.contains(&format!("<dd>{id}</dd>")) {
            assert!(unescape(&html).contains(&link), "{link}");
        }
    }
}

#[test]
fn the_article_page_marks_the_search_s_words_and_shows_sub_headings() {
    let body = demo().get_json(&format!("/api/articles/{ID004}"))["body"].as_str().unwrap().to_string();
    let times = body.matches("Tashkent").count();
    assert!(times >= 3, "{body}");
    let art = page(&format!("/articles/{ID004}?q=Tashkent&expand=false&rank=1"));
    assert!(art.contains(r#"<mark id="m1">Tashkent</mark>"#), "{art}");
    assert_eq!(art.matches("<mark>Tashkent</mark>").count() + 1, times, "every Tashkent of the text");
    assert!(
        art.contains(&format!(r##"Your search's words are marked ({times}): <a href="#m1">go to the first</a>."##))
    );
    // Words of the query by their stem too: Uzbeks for Uzbek. (Regression: once the demo
    // held Danish, German, Norwegian and Swedish items, "uzbeks" was a word form searched
    // in their documents, and the spelling "Uzbeks" (from the variants file), compared as
    // written rather than as indexed, no longer counted as matching this English one.)
    assert!(page(&format!("/articles/{ID004}?q=Uzbek")).contains("<mark id=\"m1\">Uzbeks</mark>"));
    // Marked as the search matched: another spelling (Uighur for Uyghur) too.
    let art = page(&format!("/articles/{ID004}?q=Uyghur"));
    assert!(art.contains("<mark>Uighurs</mark>") || art.contains("<mark>Uighur</mark>"), "{art}");
    // Without a search, nothing is marked; a query that fails marks nothing.
    assert!(!page(&format!("/articles/{ID004}")).contains("<mark"));
    assert!(!page(&format!("/articles/{ID004}?q=%22Tashkent")).contains("<mark"));
    // Sub-headings of a Wikinews interview are headings, not paragraphs.
    let api = demo().get_json("/api/search?q=Santorum+bar&limit=1");
    let id = api["hits"][0]["id"].as_str().unwrap();
    let art = page(&format!("/articles/{id}"));
    assert!(
        art.contains(r#"<h2 class="sub">Background</h2>"#) && art.contains(r#"<h2 class="sub">Interview</h2>"#),
        "{art}"
    );
    assert!(!art.contains("<p>Background</p>"));
}

#[test]
fn the_coverage_chart_labels_years_along_its_axis() {
    let html = page("/search?q=*");
    let chart = html.split(r#"<figure class="chart">"#).nth(1).unwrap().split("</figure>").next().unwrap();
    let labels: Vec<&str> = chart
        .split(r#"<text class="tick"#)
        .skip(1)
        .map(|t| t.split('>').nth(1).unwrap().split('<').next().unwrap())
        .collect();
    assert!(labels.len() >= 4, "{labels:?}");
    assert!(labels.iter().all(|l| l.len() == 4 && l.parse::<u32>().is_ok()), "years: {labels:?}");
    assert!(!chart.contains("viewBox"), "text is not scaled down with the chart");
}

#[test]
fn article_page_links_to_previous_and_next_result_of_the_search() {
    let api = demo().get_json("/api/search?q=China&limit=3");
    let ids: Vec<&str> = api["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    let art = page(&format!("/articles/{}?q=China&rank=2", ids[1]));
    let links = hrefs(&art);
    let prev = links.iter().find(|h| h.contains("rank=1")).unwrap();
    let next = links.iter().find(|h| h.contains("rank=3")).unwrap();
    assert!(prev.starts_with(&format!("/articles/{}?", ids[0])), "{prev}");
    assert!(next.starts_with(&format!("/articles/{}?", ids[2])), "{next}");
    assert!(art.contains("‹ Previous result") && art.contains("Next result ›"));
}

#[test]
fn everything_shown_is_escaped() {
    let html = page("/search?q=title:hostile");
    assert!(html.contains("1 match"), "{html}");
    for live in ["<script>alert", "<b>bold</b>", "<i>Evil</i>", "<img src=x", "onerror=alert(1)>", "javascript:"] {
        assert!(!html.contains(live), "{live} unescaped in the results page");
    }
    assert!(unescape(&html).contains("<script>alert(\"title\")</script> Hostile & <b>bold</b> headline"), "{html}");
    let href = hrefs(&html).into_iter().find(|h| h.starts_with("/articles/")).unwrap();
    let art = page(&href);
    for live in ["<script>alert", "<i>Evil</i>", "<img src=x", "<svg onload", "javascript:", "</p><script>"] {
        assert!(!art.contains(live), "{live} unescaped in the article page");
    }
    assert!(unescape(&art).contains("<i>Evil</i> Outlet"), "{art}");
    // The query itself is echoed escaped, in the box and in an error.
    let r = demo().get(&format!("/search?q={}", enc("\"<script>alert(1)</script>")));
    assert_eq!(r.status, 400);
    let html = r.text();
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("That query could not be read") && html.contains("unclosed quote"));
    let boxed = html.split(r#"<input id="q""#).nth(1).unwrap();
    let value = boxed.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(unescape(value), "\"<script>alert(1)</script>");
}

#[test]
fn right_to_left_text_is_shown_right_to_left() {
    for (q, lang) in [("السنخ", "ar"), ("تقویم", "fa")] {
        let html = page(&format!("/search?q={}", enc(q)));
        assert!(html.contains("1 match"), "{q}: {html}");
        assert!(html.contains(&format!(r#"<h3 dir="rtl" lang="{lang}">"#)), "{html}");
        let href = hrefs(&html).into_iter().find(|h| h.starts_with("/articles/")).unwrap();
        let art = page(&href);
        assert!(art.contains(&format!(r#"<article class="article" lang="{lang}">"#)), "{art}");
        assert!(art.contains(r#"<h1 dir="rtl">"#) && art.contains(r#"<div class="body" dir="rtl">"#), "{art}");
    }
    // Chinese text is found by a word from it and shown left to right.
    let html = page(&format!("/search?q={}", enc("维基新闻")));
    assert!(html.contains(r#"lang="zh""#), "{html}");
}

#[test]
fn wikinews_articles_credit_their_source_and_licence() {
    let api = demo().get_json(&format!("/api/search?q=*&outlet={}&limit=20", enc("Wikinews (Chinese)")));
    let hit = api["hits"].as_array().unwrap().iter().find(|h| h["url"].is_string()).unwrap();
    let id = hit["id"].as_str().unwrap();
    let art = page(&format!("/articles/{id}"));
    assert!(art.contains(r#"<p class="credit">"#) && art.contains("Licence: CC-BY-2.5."), "{art}");
    assert!(art.contains("https://zh.wikinews.org/"), "links to the original: {art}");
}

#[test]
fn unknown_pages_and_articles_are_404_pages() {
    for path in ["/articles/0000000000000000", "/articles/%3Cscript%3E", "/nope", "/static/../Cargo.toml"] {
        let r = demo().get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains("<script>"), "{path}");
    }
    let r = demo().get("/static/style.css");
    assert_eq!((r.status, r.header("content-type")), (200, Some("text/css; charset=utf-8")));
}

#[test]
fn search_page_shows_the_spelling_expansion_and_what_each_hit_matched() {
    let html = page("/search?q=Uyghur");
    assert!(html.contains("Also searched:"), "{html}");
    assert!(html.contains("<q>Uyghur</q> as "), "{html}");
    assert!(html.contains("Uighur") && html.contains("ئۇيغۇر"), "{html}");
    assert!(html.contains("matched as <mark dir=\"auto\">Uighur"), "{html}");
    // The switch to spellings as typed, and back.
    let exact = hrefs(&html).into_iter().find(|h| h.contains("expand=false")).expect("link to search as typed");
    let html = page(&exact);
    assert!(html.contains("Words searched only as typed."), "{html}");
    assert!(!html.contains("matched as"), "{html}");
    assert!(!html.contains("Beijing’s intensified crackdown"), "seed 000 only writes Uighur");
    // The search box keeps the choice.
    assert!(html.contains("name=\"expand\" value=\"false\""), "{html}");
}

/// The paragraphs of seed 004's article (its repeated title lines and trailing
/// boilerplate left out).
fn seed_paragraphs() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("testdata/seeds/004_28fc068abbfc2ab4.txt")).unwrap();
    let paras: Vec<String> = text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    let start = paras.iter().position(|p| p.starts_with("In the last 1-2 years")).unwrap();
    let end = paras.iter().position(|p| p.starts_with("1. ")).unwrap();
    paras[start..end].to_vec()
}

const ADDED: &str = "Wire One asked the embassy in Tashkent for comment and had not heard back by publication.";
const HOSTILE: &str = "<script>alert('story')</script> Uyghur risks in Tashkent";

/// One story of three copies (the original; one with a line added; one cut short with a
/// hostile title) and one unrelated article, all mentioning Tashkent.
fn story_server() -> (TestServer, Vec<String>) {
    let paras = seed_paragraphs();
    assert!(paras.len() >= 8, "{paras:?}");
    let mut added = paras.clone();
    added.insert(3, ADDED.to_string());
    let cut = paras[..paras.len() - 2].to_vec();
    let records = [
        json!({"title": "Risks of Uyghur visits to Central Asia", "text": paras.join("\n\n"), "outlet": "Radio Free Asia",
               "published": "2024-03-01T10:00:00Z", "lang": "en", "url": "https://www.rfa.org/a"}),
        json!({"title": "Uyghurs visiting Central Asia face risks", "text": added.join("\n\n"), "outlet": "Wire One",
               "published": "2024-03-02T10:00:00Z", "lang": "en"}),
        json!({"title": HOSTILE, "text": cut.join("\n\n"), "outlet": "Wire Two", "published": "2024-03-03T10:00:00Z", "lang": "en"}),
        json!({"title": "Tashkent metro opens a new line", "text": "The Tashkent metro opened a new line on Monday, with six stations serving the north of the city. Officials said trains would run every five minutes at peak hours.",
               "outlet": "City Desk", "published": "2024-04-02T08:00:00Z", "lang": "en"}),
    ];
    let body: String = records.iter().map(|r| format!("{r}\n")).collect();
    let server = TestServer::start(None, |w| {
        let r = w.ingest_bytes("stories.jsonl", body.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
        assert_eq!((r.new, r.copies), (4, 2), "{r:?}");
    });
    (server, paras)
}

#[test]
fn search_page_shows_one_hit_per_story_with_its_other_copies() {
    let (s, _) = story_server();
    let html = page_of(&s, "/search?q=Tashkent");
    assert!(html.contains("4 matches in 2 stories, showing 1–2"), "{html}");
    assert_eq!(html.matches(r#"<li class="hit">"#).count(), 2, "{html}");
    // The best-ranked copy is shown; the line names the other two's outlets.
    let also = html.split("and 2 more from ").nth(1).expect("the other copies' line").split('<').next().unwrap();
    let named = ["Radio Free Asia", "Wire One", "Wire Two"].iter().filter(|o| also.contains(*o)).count();
    assert_eq!(named, 2, "{also}");
    let story = hrefs(&html).into_iter().find(|h| h.starts_with("/stories/")).expect("a link to the story");
    assert_eq!(story.len(), "/stories/".len() + 16, "{story}");
    // The switch: the current choice is marked, not a link.
    assert!(html.contains(r#"<strong aria-current="true">one per story</strong>"#), "{html}");
    let every = hrefs(&html).into_iter().find(|h| h.contains("collapse=false")).expect("link to every article");
    assert!(every.contains("q=Tashkent"), "{every}");
    let all = page_of(&s, &every);
    assert_eq!(all.matches(r#"<li class="hit">"#).count(), 4, "{all}");
    assert!(all.contains("4 matches in 2 stories, showing 1–4"), "{all}");
    assert!(!all.contains(r#"<p class="also">"#), "{all}");
    assert!(all.contains(r#"<strong aria-current="true">every article</strong>"#), "{all}");
    assert!(!all.contains("<script>alert"), "{all}");
    assert!(unescape(&all).contains(HOSTILE), "{all}");
    // And back: the one-per-story link drops the parameter.
    let one = hrefs(&all)
        .into_iter()
        .find(|h| h.starts_with("/search?") && h.contains("q=Tashkent") && !h.contains("collapse="));
    assert!(one.is_some(), "{all}");
}

#[test]
fn count_switch_changes_what_facets_and_chart_count() {
    let (s, _) = story_server();
    let html = page_of(&s, "/search?q=Tashkent");
    assert!(html.contains("Articles by outlet") && html.contains("by month"), "{html}");
    assert!(html.contains(r#"<strong aria-current="true">articles</strong>"#), "{html}");
    assert!(html.contains("Coverage over time: articles by month"), "{html}");
    let stories = hrefs(&html).into_iter().find(|h| h.contains("count=stories")).expect("count=stories link");
    let by_story = page_of(&s, &stories);
    assert!(by_story.contains("Stories by language") && by_story.contains("Stories by outlet"), "{by_story}");
    assert!(by_story.contains("Coverage over time: stories by month"), "{by_story}");
    assert!(by_story.contains(r#"<strong aria-current="true">stories</strong>"#), "{by_story}");
    // Two stories in English (the four articles counted once per story).
    let lang = by_story.split("Stories by language").nth(1).unwrap();
    assert!(lang.split("</ul>").next().unwrap().contains(r#"<span class="count">2</span>"#), "{lang}");
    // Links from there keep the choice.
    assert!(hrefs(&by_story).iter().filter(|h| h.contains("outlet=")).all(|h| h.contains("count=stories")));
    let outlets = hrefs(&html).into_iter().find(|h| h.contains("count=outlets")).expect("count=outlets link");
    assert!(page_of(&s, &outlets).contains("Outlets by month"));
}

#[test]
fn story_page_lists_every_copy_and_what_each_changed() {
    let (s, paras) = story_server();
    let html = page_of(&s, "/search?q=Tashkent");
    let story = hrefs(&html).into_iter().find(|h| h.starts_with("/stories/")).unwrap();
    let page = page_of(&s, &story);
    assert!(page.contains(r#"<h1 dir="auto">Risks of Uyghur visits to Central Asia</h1>"#), "{page}");
    assert!(page.contains(&story["/stories/".len()..]), "the story id: {page}");
    assert_eq!(page.matches(r#"<li class="member"#).count(), 3, "{page}");
    assert_eq!(page.matches(r#"<li class="member canonical">"#).count(), 1, "{page}");
    assert!(page.contains("Canonical copy"), "{page}");
    for outlet in ["Radio Free Asia", "Wire One", "Wire Two"] {
        assert!(page.contains(outlet), "{outlet}: {page}");
    }
    assert!(page.contains("2024-03-01") && page.contains("2024-03-03"), "the date span: {page}");
    let text = unescape(&page);
    let n = paras.len();
    assert!(text.contains(&format!("{n} paragraphs the same, 1 added, 0 cut, 0 edited")), "{text}");
    assert!(text.contains(&format!("{} paragraphs the same, 0 added, 2 cut, 0 edited", n - 2)), "{text}");
    assert!(page.contains(r#"<li class="added">"#) && text.contains(ADDED), "{page}");
    assert!(page.contains(r#"<li class="cut">"#) && text.contains(&paras[n - 1]), "{page}");
    // Every member links to its article; the canonical one's page links back to the story.
    let articles: Vec<String> = hrefs(&page).into_iter().filter(|h| h.starts_with("/articles/")).collect();
    assert_eq!(articles.len(), 3, "{articles:?}");
    let art = page_of(&s, &articles[0]);
    assert!(art.contains(&format!(r#"<a href="{story}">3 copies of this story</a>"#)), "{art}");
    // The hostile title is shown as text.
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(text.contains(HOSTILE), "{page}");
    // Any member's id gives the same story.
    let other = articles[2].trim_start_matches("/articles/");
    assert!(page_of(&s, &format!("/stories/{other}")).contains(&story["/stories/".len()..]));
}

#[test]
fn pages_take_an_id_prefix_and_ask_which_one_when_it_is_ambiguous() {
    let (s, docs) = crate::support::prefix_server();
    let [(a, ta), (b, tb), (c, tc)] = &docs[..] else { panic!() };
    let art = page_of(&s, &format!("/articles/{}?q=cocoa&rank=1", &c[..6]));
    assert!(art.contains(&format!("<dd dir=\"auto\">{c}</dd>")) && art.contains(&tc[..6]), "{art}");
    assert!(page_of(&s, &format!("/stories/{}", &c[..7])).contains(tc.as_str()));
    for (path, base) in
        [(format!("/articles/{}?q=cocoa&rank=2", &a[..6]), "/articles"), (format!("/stories/{}", &a[..6]), "/stories")]
    {
        let r = s.get(&path);
        assert_eq!(r.status, 409, "{path}");
        let html = r.text();
        assert!(html.contains("<h1>Which one?</h1>"), "{html}");
        assert!(
            html.contains(&format!("The id prefix {} starts 2 documents; give more of its digits. Choose:", &a[..6])),
            "{html}"
        );
        for (id, title) in [(a, ta), (b, tb)] {
            let keep = if base == "/articles" { "?q=cocoa&rank=2" } else { "" };
            assert!(hrefs(&html).contains(&format!("{base}/{id}{keep}")), "{id}: {html}");
            assert!(html.contains(title.as_str()), "{html}");
        }
    }
    assert_eq!(s.get(&format!("/articles/{}", &a[..5])).status, 404);
    assert_eq!(s.get("/stories/000000").status, 404);
}

#[test]
fn unknown_stories_are_404_pages() {
    for path in ["/stories/0000000000000000", "/stories/%3Cscript%3E", "/stories/xyz"] {
        let r = demo().get(path);
        assert_eq!(r.status, 404, "{path}");
        let html = r.text();
        assert!(html.contains("There is no story with that id.") && !html.contains("<script>"), "{path}: {html}");
    }
}

/// Send a request head (with `Connection: close`) on a raw connection and read the answer.
fn raw(method: &str, target: &str, headers: &str) -> crate::support::Resp {
    let mut c = demo().raw();
    c.send(
        format!("{method} {target} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    c.response()
}

#[test]
fn regression_framework_errors_on_pages_are_escaped_pages() {
    // A wrong method, a long address, big headers or an address that does not decode got
    // the framework's empty or plain-text answer; now a page of ours, escaped.
    let hostile = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let cases = [
        ("POST", "/search".to_string(), String::new(), 405, "Method Not Allowed"),
        (
            "GET",
            format!("/search?q={hostile}{}", "a".repeat(newsdex_server::MAX_URI_BYTES)),
            String::new(),
            414,
            "URI Too Long",
        ),
        (
            "GET",
            "/".to_string(),
            format!("X-Big: {}\r\n", "b".repeat(newsdex_server::MAX_HEADER_BYTES)),
            431,
            "Request Header Fields Too Large",
        ),
        ("GET", format!("/articles/{hostile}%FF"), String::new(), 400, "Bad Request"),
        ("GET", "/static/none.js".to_string(), String::new(), 404, "Not Found"),
    ];
    for (method, target, headers, status, heading) in cases {
        let r = raw(method, &target, &headers);
        let html = r.text();
        assert_eq!(r.status, status, "{method} {target:.40}: {html}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"), "{target:.40}");
        assert!(r.header("content-security-policy").is_some_and(|c| c.contains("frame-ancestors 'none'")));
        assert!(html.contains(&format!("<h1>{heading}</h1>")), "{target:.40}: {html}");
        assert!(!html.contains("<script>alert"), "{target:.40}: {html}");
    }
    assert!(raw("POST", "/search", "").header("allow").is_some_and(|a| a.contains("GET")));
}

/// Reuters-21578 ran "TWO UTAH FINANCIAL INSTITUTIONS FAIL" twice with one word changed
/// ("will reopen Monday" became "will reopen today"): the story page marks that word
/// within its paragraph, escaped, instead of striking out the whole paragraph; without
/// dates the first copy is "first seen", not "canonical" (skipped without ../shared).
#[test]
fn story_page_marks_the_words_a_real_copy_changed_within_a_paragraph() {
    let Some(path) = newsdex_testkit::shared_data("news-reuters21578/reuters21578.jsonl.zst") else { return };
    let text = String::from_utf8(zstd::decode_all(&std::fs::read(path).unwrap()[..]).unwrap()).unwrap();
    let record = |id: &str, outlet: &str| {
        let needle = format!("\"id\": \"{id}\"");
        let v: serde_json::Value = serde_json::from_str(text.lines().find(|l| l.contains(&needle)).unwrap()).unwrap();
        // No dates: nothing decides which copy is the original.
        json!({"title": v["title"], "text": v["text"], "outlet": outlet, "lang": "en"})
    };
    let body = format!("{}\n{}\n", record("reuters-16090", "Reuters"), record("reuters-16199", "Reuters again"));
    let s = TestServer::start(None, |w| {
        let r = w.ingest_bytes("utah.jsonl", body.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
        assert_eq!((r.new, r.copies), (2, 1), "{r:?}");
    });
    let html = page_of(&s, "/search?q=Parowan");
    let story = hrefs(&html).into_iter().find(|h| h.starts_with("/stories/")).expect("a story link");
    let page = page_of(&s, &story);
    assert!(page.contains("First seen") && !page.contains("Canonical copy"), "{page}");
    assert!(
        page.contains("Its three offices will reopen <del>Monday</del><ins>today</ins> as branches of Dixie"),
        "{page}"
    );
    assert_eq!(page.matches("<del>").count(), 1, "{page}");
    let v = s.get_json(&format!("/api{story}"));
    let members = v["members"].as_array().unwrap();
    assert_eq!((members[0]["canonical"].as_bool(), members[0]["first_seen"].as_bool()), (Some(false), Some(true)));
    let runs = &members[1]["diff"]["edited_words"][0];
    assert_eq!(runs[1], json!({"change": "cut", "text": "Monday"}), "{runs}");
    assert_eq!(runs[2], json!({"change": "added", "text": "today"}), "{runs}");
}
