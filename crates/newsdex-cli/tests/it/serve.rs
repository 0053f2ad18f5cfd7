//! `newsdex serve`: the README's first command on an empty data directory loads the demo
//! corpus and serves it; the printed URL works; Ctrl-C (SIGINT) stops it cleanly; a
//! second start does not load the corpus again.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::Newsdex;

pub struct Serving {
    pub child: Child,
    pub url: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `newsdex serve ARGS` on a free port and read the URL it prints on stdout.
pub fn serve(n: &Newsdex, args: &[&str]) -> Serving {
    let mut all = vec!["serve", "--addr", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut child = n.command(&all).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'), "printed {url:?}");
    Serving { child, url }
}

pub fn get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r = agent.get(url).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

/// Send SIGINT (what Ctrl-C sends) and return the exit code and everything on stderr.
pub fn interrupt(mut s: Serving) -> (Option<i32>, String) {
    let pid = s.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut s.child.stderr.take().unwrap(), &mut err).unwrap();
    let status = s.child.wait().unwrap();
    (status.code(), err)
}

#[test]
fn serve_demo_loads_the_bundled_corpus_once_and_stops_on_ctrl_c() {
    let n = Newsdex::new();
    let s = serve(&n, &["--demo"]);
    let (status, body) = get(&format!("{}healthz", s.url));
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok","documents":5360}"#));
    let (status, page) = get(&format!("{}search?q=Tashkent", s.url));
    assert_eq!(status, 200);
    assert!(page.contains("RFA : Background of the risks of Uyghur visits to Central Asia"), "{page}");
    assert!(page.contains("Creative Commons Attribution 2.5"), "Wikinews credit in the footer");
    assert!(page.contains("Creative Commons Attribution-ShareAlike 3.0"), "Wikipedia ITN credit in the footer");
    let (code, err) = interrupt(s);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("loaded the demo corpus: 5360 documents"), "{err}");
    assert!(err.contains("writing through the API is off"), "{err}");
    assert!(err.trim_end().ends_with("newsdex: stopped"), "{err}");

    // Again: the archive is not empty, so nothing is loaded twice.
    let s = serve(&n, &["--demo"]);
    assert_eq!(get(&format!("{}healthz", s.url)).1, r#"{"status":"ok","documents":5360}"#);
    let (code, err) = interrupt(s);
    assert_eq!(code, Some(0));
    assert!(err.contains("already holds documents"), "{err}");
    assert_eq!(n.json(&["stats"])["documents"], 5360);

    // What the demo shows (issue #16): outlets, languages and scripts to compare, dates for
    // a chart. The "In the news" items are all dated; most Wikinews ones are not.
    let stats = n.json(&["stats"]);
    let outlets = stats["by_outlet"].as_array().unwrap();
    let langs: Vec<&str> = stats["by_lang"].as_array().unwrap().iter().filter_map(|l| l[0].as_str()).collect();
    assert!(outlets.len() >= 5, "{outlets:?}");
    assert!(langs.len() >= 10, "{langs:?}");
    for l in ["ar", "fa", "ru", "uk", "zh", "ja"] {
        assert!(langs.contains(&l), "{l} in {langs:?}");
    }
    let dated = n.json(&["search", "*", "--from", "2022", "--to", "2023", "--limit", "1"]);
    assert!(dated["total"].as_u64().unwrap() >= 1626, "{dated}");
}

#[test]
fn serve_without_demo_on_an_empty_directory_says_how_to_add_news() {
    let n = Newsdex::new();
    let s = serve(&n, &["--token", "t0k"]);
    assert_eq!(get(&format!("{}healthz", s.url)).1, r#"{"status":"ok","documents":0}"#);
    let (code, err) = interrupt(s);
    assert_eq!(code, Some(0));
    assert!(err.contains("the archive is empty"), "{err}");
    assert!(!err.contains("writing through the API is off"), "a token was given: {err}");
}

#[test]
fn serve_binds_loopback_by_default_and_names_a_busy_port() {
    let n = Newsdex::new();
    let help = n.ok(&["serve", "--help"]);
    assert!(help.contains("[default: 127.0.0.1:7700]"), "{help}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut child =
        n.command(&["serve", "--addr", &addr]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "serve on a busy port did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

/// Peak resident memory of a running process, from /proc.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 =
        status.lines().find(|l| l.starts_with("VmHWM:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    kb << 10
}

#[test]
fn regression_raw_requests_read_one_record_not_the_whole_input() {
    // `/api/raw/{id}` decompressed the whole stored input per request: a small record in
    // a large gzip cost its whole decompressed size, per concurrent request.
    use std::io::Write;
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // A first record, 300 MB on one line of random words (refused as over the document
    // limit, never held), then the record asked for.
    gz.write_all(b"{\"title\":\"A first record\",\"text\":\"It makes the input JSON Lines.\"}\n").unwrap();
    let mut x = 0x9e3779b97f4a7c15u64;
    let mut line = Vec::with_capacity(1 << 20);
    for _ in 0..300 {
        line.clear();
        while line.len() < 1 << 20 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            line.push(if x.is_multiple_of(7) { b' ' } else { b'a' + (x >> 9) as u8 % 26 });
        }
        gz.write_all(&line).unwrap();
    }
    let record = br#"{"title":"The record at the end","text":"A short article after a very long line."}"#;
    gz.write_all(b"\n").unwrap();
    gz.write_all(record).unwrap();
    gz.write_all(b"\n").unwrap();
    let p = dir.join("archive.jsonl.gz");
    std::fs::write(&p, gz.finish().unwrap()).unwrap();
    let (_, err) = n.expect(1, &["ingest", p.to_str().unwrap()]);
    assert!(err.contains("2 new, 0 duplicates, 1 rejected"), "{err}");
    let id = n.json(&["search", "title:end"])["hits"][0]["id"].as_str().unwrap().to_string();

    let s = serve(&n, &[]);
    let url = format!("{}api/raw/{id}", s.url);
    assert_eq!(get(&url), (200, String::from_utf8(record.to_vec()).unwrap()));
    let before = peak_rss(s.child.id());
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || get(&url))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().0, 200);
    }
    let extra = peak_rss(s.child.id()).saturating_sub(before);
    assert!(extra < 256 << 20, "three raw requests took {} MB more", extra >> 20);
}

#[test]
fn regression_serve_refuses_an_empty_token() {
    // `--token ''` or an empty NEWSDEX_TOKEN was taken as a token no request could send.
    let n = Newsdex::new();
    let (_, err) = n.expect(2, &["serve", "--addr", "127.0.0.1:0", "--token", ""]);
    assert!(err.contains("the write token is empty"), "{err}");
    let out = n.command(&["serve", "--addr", "127.0.0.1:0"]).env("NEWSDEX_TOKEN", "").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the write token is empty"), "{err}");
    // Refused before anything was created.
    assert!(!n.data().exists());
}

#[test]
fn serve_releases_its_writer_after_the_idle_period_so_newsdex_ingest_can_write() {
    let n = Newsdex::new();
    let args = ["--quiet", "serve", "--addr", "127.0.0.1:0", "--token", "t0k", "--writer-idle", "0.2"];
    let mut child = n
        .command(&args)
        .env("NEWSDEX_LOG", "newsdex_server=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let s = Serving { child, url: url.trim().to_string() };
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let doc = r#"{"title":"Filed through the API","text":"A report filed through the API from Almaty."}"#;
    let r = agent.post(&format!("{}api/ingest", s.url)).header("Authorization", "Bearer t0k").send(doc).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The server says when it lets go of the data directory.
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        assert!(log.read_line(&mut line).unwrap() > 0, "the server stopped logging: {seen:?}");
        if line.contains("released the writer") {
            break;
        }
        seen.push(line);
    }
    assert!(seen.iter().any(|l| l.contains("opened the writer")), "{seen:?}");
    let input = n.scratch("in").join("cli.jsonl");
    std::fs::write(
        &input,
        r#"{"title":"Filed from the command line","text":"A report filed from the command line in Almaty."}"#,
    )
    .unwrap();
    n.ok(&["ingest", input.to_str().unwrap()]);
    let (total, _) = n.titles("Almaty");
    assert_eq!(total, 2);
    drop(s);
}
