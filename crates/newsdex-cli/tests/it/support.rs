//! Running the real binary against a temporary data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A data directory in a temporary folder, and the `newsdex` binary to run on it.
pub struct Newsdex {
    pub tmp: tempfile::TempDir,
}

impl Newsdex {
    pub fn new() -> Newsdex {
        Newsdex { tmp: tempfile::tempdir().expect("temp dir") }
    }

    pub fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    /// A scratch folder for inputs, inside the temp dir.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_newsdex"));
        c.arg("--data").arg(self.data()).args(args).env_remove("NEWSDEX_DATA").env("NO_COLOR", "1");
        c
    }

    /// `newsdex --data DATA/shard-000I ingest --shard I/N EXTRA… INPUTS…`, this data
    /// directory being a collection; requires exit 0 and returns what it printed.
    pub fn ingest_shard(&self, i: u32, n: u32, extra: &[&str], inputs: &[&Path]) -> String {
        let shard = self.data().join(format!("shard-{i:04}"));
        let out = Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .args(["-q", "--data", s(&shard), "ingest", "--shard", &format!("{i}/{n}")])
            .args(extra)
            .args(inputs)
            .env_remove("NEWSDEX_DATA")
            .output()
            .expect("run newsdex");
        assert_eq!(
            out.status.code(),
            Some(0),
            "ingest into {}: {}",
            shard.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run newsdex")
    }

    /// Run and require exit code `code`; returns (stdout, stderr).
    pub fn expect(&self, code: i32, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "newsdex {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        (stdout, stderr)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.expect(0, args).0
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    /// Search and return the hits' titles in rank order, and the total.
    pub fn titles(&self, query: &str) -> (u64, Vec<String>) {
        let v = self.json(&["search", query]);
        let titles = v["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap().to_string()).collect();
        (v["total"].as_u64().unwrap(), titles)
    }
}

pub use newsdex_testkit::shared_data as shared;

pub fn seeds() -> [PathBuf; 2] {
    let d = newsdex_testkit::repo_root().join("testdata/seeds");
    [d.join("000_0a7d4e7fb2c47564.txt"), d.join("004_28fc068abbfc2ab4.txt")]
}

/// Reuters-21578 converted from its original SGML, written as JSON Lines into `dir`.
pub fn reuters_jsonl(dir: &Path) -> Option<PathBuf> {
    let sgml = shared("news-reuters21578/original")?;
    let out = dir.join("reuters21578.jsonl");
    std::fs::write(&out, newsdex_testkit::reuters::jsonl(&sgml).unwrap()).unwrap();
    Some(out)
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
