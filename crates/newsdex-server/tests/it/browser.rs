//! The journalist's path in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`, which `.ci/run` installs). Open `/`, type
//! `Tashkent`, submit, see seed 004 first, click it, read the article page; then on a
//! phone-sized window: the filters and facets within the first screen, the chart's labels
//! readable, the sort switch, the article with the search's words marked. Screenshots go to `target/tmp/browser-screenshots/` for a
//! person to look at.
//!
//! Without chromedriver the test says SKIPPED, unless `NEWSDEX_REQUIRE_BROWSER=1` (set by
//! `.ci/run`), when a missing browser is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

use crate::support::{ID004, T004, demo};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_driver() -> Option<(Driver, String)> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        let why = format!("{CHROMEDRIVER} or {CHROMIUM} is absent (apt-get install chromium chromium-driver)");
        assert!(std::env::var_os("NEWSDEX_REQUIRE_BROWSER").is_none(), "NEWSDEX_REQUIRE_BROWSER is set but {why}");
        eprintln!("SKIPPED: {why}");
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((driver, format!("http://127.0.0.1:{port}")))
}

fn screenshots() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_tashkent_and_open_the_article_in_chromium() {
    let Some((_driver, webdriver)) = start_driver() else { return };
    let base = tokio::task::spawn_blocking(|| demo().base.clone()).await.unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector).capabilities(caps).connect(&webdriver).await.expect("a WebDriver session");
    let shots = screenshots();
    let shot = |name: &'static str| {
        let c = c.clone();
        let path = shots.join(name);
        async move {
            let png = c.screenshot().await.unwrap();
            std::fs::write(&path, png).unwrap();
            eprintln!("screenshot: {}", path.display());
        }
    };

    // The home page: type into the search box and submit, as a person would.
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(c.title().await.unwrap(), "newsdex");
    let q = c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("input#q")).await.unwrap();
    q.send_keys("Tashkent").await.unwrap();
    shot("1-home-typed.png").await;
    c.find(Locator::Css("form.searchbox button[type=submit]")).await.unwrap().click().await.unwrap();

    // The results: seed 004 first, the match highlighted.
    let first =
        c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("ol.hits li.hit h3 a")).await.unwrap();
    assert_eq!(first.text().await.unwrap(), T004);
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/search");
    assert_eq!(url.query(), Some("q=Tashkent"));
    let marked = c.find(Locator::Css("ol.hits li.hit .snippet b")).await.unwrap();
    assert_eq!(marked.text().await.unwrap(), "Tashkent");
    let summary = c.find(Locator::Css("p.summary")).await.unwrap().text().await.unwrap();
    // Seed 004 as typed, and a Japanese article that writes タシュケント (the gazetteer).
    assert!(summary.starts_with("2 matches (1 as typed)"), "{summary}");
    shot("2-results.png").await;

    // Click through to the article page.
    first.click().await.unwrap();
    let h1 = c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("article.article h1")).await.unwrap();
    assert_eq!(h1.text().await.unwrap(), T004);
    assert_eq!(c.current_url().await.unwrap().path(), format!("/articles/{ID004}"));
    let body = c.find(Locator::Css("article .body")).await.unwrap().text().await.unwrap();
    assert!(body.starts_with("In the last 1-2 years, Uyghurs"), "{body}");
    let prov = c.find(Locator::Css("section.provenance")).await.unwrap().text().await.unwrap();
    assert!(prov.contains("004_28fc068abbfc2ab4.txt"), "{prov}");
    shot("3-article.png").await;

    // Back to the results by the page's own link.
    c.find(Locator::LinkText("← Back to results")).await.unwrap().click().await.unwrap();
    let first =
        c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("ol.hits li.hit h3 a")).await.unwrap();
    assert_eq!(first.text().await.unwrap(), T004);

    // On a wide screen the refinements are open beside the results, without a click.
    c.goto(&format!("{base}/search?q=the")).await.unwrap();
    c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("ol.hits")).await.unwrap();
    let facets_shown = c
        .execute("return document.querySelector('details.refine ul a').getBoundingClientRect().height", vec![])
        .await
        .unwrap();
    assert!(facets_shown.as_f64().unwrap() > 0.0, "the facets are folded on a wide screen");
    shot("4-desktop-results.png").await;

    // "Compare with…": the search is the first query; add a second and compare. One line
    // per query, a legend entry each, and the numbers in a table under the chart.
    c.find(Locator::Css("a.compare-link")).await.unwrap().click().await.unwrap();
    let second = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("form.compare-form input[name=q][value='']"))
        .await
        .unwrap();
    second.send_keys("earthquake").await.unwrap();
    c.find(Locator::Css("form.compare-form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("figure.compare-chart svg polyline"))
        .await
        .unwrap();
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/compare");
    assert!(url.query().unwrap().starts_with("q=the&q=earthquake"), "{url}");
    assert_eq!(c.find_all(Locator::Css("figure.compare-chart svg polyline")).await.unwrap().len(), 2);
    let legend = c.find_all(Locator::Css("ul.legend li")).await.unwrap();
    assert_eq!(legend.len(), 2);
    assert!(legend[1].text().await.unwrap().starts_with("earthquake:"));
    let rows = c.find_all(Locator::Css("table.compare-table tbody tr")).await.unwrap();
    assert!(rows.len() >= 2, "a row per period and the undated");
    let chart_height = c
        .execute("return document.querySelector('figure.compare-chart svg').getBoundingClientRect().height", vec![])
        .await
        .unwrap();
    assert!(chart_height.as_f64().unwrap() > 100.0, "the chart is drawn: {chart_height}");
    shot("4b-desktop-compare.png").await;

    // A phone-sized window: one column, and the filters and facets come before the results.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/search?q=the&lang=en")).await.unwrap();
    c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("ol.hits")).await.unwrap();
    let top = |css: &'static str| {
        let c = c.clone();
        async move {
            let script = format!("return document.querySelector({css:?}).getBoundingClientRect().top + window.scrollY");
            c.execute(&script, vec![]).await.unwrap().as_f64().unwrap_or_else(|| panic!("{css}"))
        }
    };
    let width = c
        .execute("return document.querySelector('section.results').getBoundingClientRect().width", vec![])
        .await
        .unwrap();
    let overflow = c.execute("return document.documentElement.scrollWidth > window.innerWidth", vec![]).await.unwrap();
    shot("5-phone-results.png").await;
    assert!(width.as_f64().unwrap() > 300.0, "results squeezed on a phone: {width}");
    assert_eq!(overflow, json!(false), "the page scrolls sideways on a phone");
    // The language filter is shown in the form, set, and removable from a chip; the facets
    // are one tap away; all of it within the first screen, above the results.
    let lang = c.find(Locator::Css("details.filters[open] select[name=lang]")).await.unwrap();
    assert_eq!(lang.prop("value").await.unwrap().as_deref(), Some("en"));
    let (form_lang, chip, refine, hits) = (
        top("details.filters select[name=lang]").await,
        top(".facets .active a").await,
        top("details.refine > summary").await,
        top("ol.hits").await,
    );
    eprintln!("phone: language field at {form_lang} px, filter chip at {chip}, facets at {refine}, results at {hits}");
    assert!(form_lang < 844.0 && chip < 844.0 && refine < 844.0, "not within the first screen");
    assert!(refine < hits, "the facets come after the results on a phone");
    c.find(Locator::Css("details.refine > summary")).await.unwrap().click().await.unwrap();
    let outlet = c.find(Locator::Css("details.refine[open] ul a[dir=auto]")).await.unwrap();
    assert!(outlet.is_displayed().await.unwrap());
    shot("6-phone-refine-open.png").await;

    // The chart's labels are readable on a phone (12 px in the style sheet, and drawn at
    // that size: the chart is not scaled down), and more than its two ends are labelled.
    let labels = c
        .execute(
            "return [...document.querySelectorAll('.chart text.tick')].filter(t => getComputedStyle(t).display != 'none')\
               .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize), t.getBoundingClientRect().height])",
            vec![],
        )
        .await
        .unwrap();
    let labels = labels.as_array().unwrap();
    eprintln!("phone chart labels: {labels:?}");
    assert!(labels.len() >= 3, "{labels:?}");
    for l in labels {
        assert!(l[1].as_f64().unwrap() >= 11.0 && l[2].as_f64().unwrap() >= 11.0, "too small: {l}");
    }

    // The sort switch orders by date, newest first.
    c.find(Locator::Css(".results .switch a[href*='sort=newest']")).await.unwrap().click().await.unwrap();
    c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("ol.hits li.hit")).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert!(url.query().unwrap().contains("sort=newest"), "{url}");
    let summary = c.find(Locator::Css("p.summary")).await.unwrap().text().await.unwrap();
    assert!(summary.contains("newest first"), "{summary}");
    let dates = c
        .execute("return [...document.querySelectorAll('ol.hits li.hit time')].map(t => t.textContent)", vec![])
        .await
        .unwrap();
    let dates: Vec<&str> = dates.as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert!(dates.len() >= 5 && dates.windows(2).all(|w| w[0][..10] >= w[1][..10]), "{dates:?}");
    assert_eq!(
        c.find(Locator::Css("details.filters select[name=sort]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("newest"),
        "the order carries over to a new search, shown"
    );
    shot("7-phone-newest.png").await;

    // The article page on a phone, the search's words marked.
    c.goto(&format!("{base}/articles/{ID004}?q=Tashkent&rank=1")).await.unwrap();
    let mark = c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("article .body mark")).await.unwrap();
    assert_eq!(mark.text().await.unwrap(), "Tashkent");
    shot("8-phone-article.png").await;

    // The footer's link to the sources page: the demo archive follows none, and the page
    // says how to add one.
    c.find(Locator::LinkText("Sources")).await.unwrap().click().await.unwrap();
    let h1 = c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("section.sources h1")).await.unwrap();
    assert_eq!(h1.text().await.unwrap(), "Sources");
    assert_eq!(c.current_url().await.unwrap().path(), "/sources");
    let empty = c.find(Locator::Css("section.sources p.empty")).await.unwrap().text().await.unwrap();
    assert!(empty.contains("newsdex sources add URL"), "{empty}");
    shot("9-phone-sources.png").await;

    c.close().await.unwrap();
}
