//! `newsdex collection`: make a collection of shards, link its stories, say how it stands.

use std::path::Path;

use clap::Subcommand;
use newsdex_collection::{Collection, Linked};
use newsdex_core::{DateRanges, Partition};

use crate::{Done, emit};

#[derive(Subcommand, Debug)]
pub enum CollectionCommand {
    /// Make the data directory a collection of N shards (writes collection.json; each
    /// shard is then built with `newsdex --data DIR/shard-000I ingest --shard I/N INPUTS…`,
    /// on this machine or one task per shard on Spark: see docs/distributed.md).
    Init {
        /// How many shards.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
        shards: u32,
        /// Partition by publication date instead of by id: the dates that split the
        /// shards, comma-separated, one fewer than the shards (`--shards 3 --by-date
        /// 2010-01-01,2020-01-01`: before 2010, 2010 to 2019, from 2020). Old ranges stop
        /// changing and can be searched, copied or retired whole; every shard extracts
        /// every record to learn its date.
        #[arg(long, value_name = "DATES")]
        by_date: Option<String>,
        /// With --by-date: the shard of documents without a date (default: the last).
        #[arg(long, value_name = "INDEX", requires = "by_date")]
        undated_shard: Option<u32>,
    },
    /// Group every shard's documents into stories as one archive would, so that copies
    /// in different shards are one story in results (writes stories.json). Run after the
    /// shards are built or have taken new documents.
    Link {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the shards in --own as a shard server: the parts of searches a collection's
    /// root (`newsdex --data DIR serve --shard-servers URL,…`) merges. Prints its URL on
    /// stdout when it listens; stops on Ctrl-C or SIGTERM, finishing requests in flight.
    ServeShard {
        /// The shards it answers for, comma-separated (`0,1`); the others are left to
        /// other servers. It opens every shard read-only: scores use the whole
        /// collection's term statistics.
        #[arg(long, value_delimiter = ',', required = true)]
        own: Vec<u32>,
        /// Address to listen on (`127.0.0.1:0` picks a free port). Anything but loopback
        /// exposes the archive to the network.
        #[arg(long, default_value = "127.0.0.1:7800")]
        addr: std::net::SocketAddr,
        /// Seconds one request may take.
        #[arg(long, value_name = "SECONDS", default_value_t = newsdex_server::Seconds(newsdex_server::Limits::DEFAULT.request_timeout))]
        request_timeout: newsdex_server::Seconds,
    },
    /// Shards, their documents, and whether stories are linked up to their last batches.
    Status {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// How `--by-date BOUNDS [--undated-shard I]` assign the documents of `shards` shards (by
/// id without `--by-date`).
pub fn partition(by_date: Option<&str>, shards: u32, undated: Option<u32>) -> anyhow::Result<Partition> {
    Ok(match by_date {
        None => Partition::Id,
        Some(bounds) => Partition::Date(
            DateRanges::parse(bounds, shards, undated).map_err(|e| anyhow::anyhow!("--by-date {bounds:?}: {e}"))?,
        ),
    })
}

/// What a search or export of collection `c` should say beside its numbers: stories not
/// linked up to the shards' last batches, and (when outlets are counted or written) sites
/// whose outlet names differ between shards.
pub fn notes(c: &Collection, outlets: bool) {
    if c.linked() != &Linked::Current {
        eprintln!("note: {}", linked_text(c.linked()));
    }
    if outlets && !c.outlets_named_apart().is_empty() {
        eprintln!("note: {}", named_apart_text(c.outlets_named_apart()));
    }
}

pub fn collection(data: &Path, cmd: CollectionCommand, quiet: bool) -> anyhow::Result<Done> {
    match cmd {
        CollectionCommand::Init { shards, by_date, undated_shard } => {
            let partition = partition(by_date.as_deref(), shards, undated_shard)?;
            let m = newsdex_collection::init(data, shards, partition)?;
            if !quiet {
                let command = newsdex_collection::ingest_command(&m.rule(0)).replacen("0/", "I/", 1);
                eprintln!(
                    "{} is a collection of {} shards ({} … {}), documents assigned {}; build shard I with `newsdex --data {}/{} {command}`",
                    data.display(),
                    m.shards,
                    m.dirs[0],
                    m.dirs[m.dirs.len() - 1],
                    newsdex_collection::describe(m.partition()),
                    data.display(),
                    m.dirs[0].replace("0000", "000I"),
                );
            }
        }
        CollectionCommand::Link { json } => {
            let r = newsdex_collection::link(data)?;
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&r)?))?;
            } else if !quiet {
                eprintln!(
                    "linked {} documents in {} shards: {} stories of two or more, {} of them across shards, in {:.1} s",
                    r.documents,
                    r.per_shard.len(),
                    r.stories,
                    r.across_shards,
                    r.elapsed_secs
                );
                if !r.outlets_named_apart.is_empty() {
                    eprintln!("{}", named_apart_text(&r.outlets_named_apart));
                }
            }
        }
        CollectionCommand::ServeShard { own, addr, request_timeout } => {
            serve_shard(data, &own, addr, request_timeout.0, quiet)?;
        }
        CollectionCommand::Status { json } => {
            let c = Collection::open(data)?;
            let mut shards = Vec::new();
            for (i, e) in c.shards().iter().enumerate() {
                let mut s = serde_json::json!({
                    "shard": format!("{i}/{}", c.manifest().shards),
                    "dir": c.manifest().dirs[i],
                    "documents": e.num_docs(),
                    "last_batch": e.last_batch()?,
                });
                if let Partition::Date(r) = c.manifest().partition() {
                    let (from, to) = r.range(i as u32);
                    s["from"] = serde_json::json!(from.map(|d| d.to_string()));
                    s["to"] = serde_json::json!(to.map(|d| d.to_string()));
                    s["undated"] = serde_json::json!(r.undated() == i as u32);
                    s["range"] = serde_json::json!(r.describe(i as u32));
                }
                shards.push(s);
            }
            let named_apart: Vec<_> = c
                .outlets_named_apart()
                .iter()
                .map(|(site, names)| serde_json::json!({"site": site, "names": names}))
                .collect();
            let v = serde_json::json!({
                "documents": c.num_docs(),
                "assign": newsdex_collection::describe(c.manifest().partition()),
                "shards": shards,
                "stories": c.linked(),
                "outlets_named_apart": named_apart,
            });
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
            } else {
                let mut out = format!(
                    "{} documents in {} shards, assigned {}\n",
                    c.num_docs(),
                    c.manifest().shards,
                    newsdex_collection::describe(c.manifest().partition())
                );
                for s in &shards {
                    out.push_str(&format!(
                        "  shard {:<7} {:>10} documents  last batch {}  ({}){}\n",
                        s["shard"].as_str().unwrap_or(""),
                        s["documents"],
                        s["last_batch"],
                        s["dir"].as_str().unwrap_or(""),
                        s["range"].as_str().map(|r| format!("  {r}")).unwrap_or_default()
                    ));
                }
                out.push_str(&linked_text(c.linked()));
                out.push('\n');
                if !c.outlets_named_apart().is_empty() {
                    out.push_str(&named_apart_text(c.outlets_named_apart()));
                    out.push('\n');
                }
                emit(&out)?;
            }
        }
    }
    Ok(Done::Ok)
}

fn serve_shard(
    data: &Path,
    own: &[u32],
    addr: std::net::SocketAddr,
    request_timeout: std::time::Duration,
    quiet: bool,
) -> anyhow::Result<()> {
    let coll = std::sync::Arc::new(newsdex_collection::live::LiveCollection::open(data, Some(own))?);
    let health = coll.current().health();
    let limits = newsdex_server::Limits { request_timeout, ..newsdex_server::Limits::DEFAULT };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let stop = crate::shutdown_signal()?;
        let (listener, addr) = crate::listen(addr, "127.0.0.1:0").await?;
        if !quiet {
            eprintln!(
                "newsdex: shard server for shards {:?} of {} ({} documents) of {} at http://{addr}/shard/  (Ctrl-C to stop)",
                health.own,
                health.of,
                health.documents,
                data.display()
            );
            crate::warn_if_reachable(addr);
        }
        println!("http://{addr}/");
        newsdex_server::shard::serve_shard(coll, limits, listener, stop).await;
        if !quiet {
            eprintln!("newsdex: stopped");
        }
        anyhow::Ok(())
    })
}

/// `newsdex serve` on a collection: its root, searching through shard servers.
pub fn serve_root(
    data: &Path,
    servers: &[String],
    addr: std::net::SocketAddr,
    limits: newsdex_server::Limits,
    (shard_timeout, shard_wait): (std::time::Duration, std::time::Duration),
    quiet: bool,
) -> anyhow::Result<Done> {
    if !newsdex_collection::is_collection(data) {
        anyhow::bail!(
            "{} is not a collection (no collection.json): --shard-servers serves a collection's root",
            data.display()
        );
    }
    if servers.is_empty() {
        anyhow::bail!(
            "{} is a collection: serve it as its root with --shard-servers URL,… (each `newsdex --data {} collection serve-shard --own I,…`), or search it with `newsdex --data {} search`",
            data.display(),
            data.display(),
            data.display()
        );
    }
    let coll = newsdex_collection::live::LiveCollection::open(data, None)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let stop = crate::shutdown_signal()?;
        let fanout = newsdex_server::root::Fanout::connect(coll, servers, shard_timeout, shard_wait).await?;
        let (listener, addr) = crate::listen(addr, "127.0.0.1:7701").await?;
        if !quiet {
            eprintln!(
                "newsdex: serving the collection {} ({} documents in {} shards) at http://{addr}/ through {} shard servers  (Ctrl-C to stop)",
                data.display(),
                fanout.collection().num_docs(),
                fanout.collection().manifest().shards,
                fanout.servers().len()
            );
            for (url, own) in fanout.servers() {
                eprintln!("  shards {own:?}: {url}");
            }
            if !fanout.unowned().is_empty() {
                eprintln!(
                    "warning: no shard server serves shards {:?}; every answer leaves them out and says so",
                    fanout.unowned()
                );
            }
            crate::warn_if_reachable(addr);
        }
        println!("http://{addr}/");
        let state = std::sync::Arc::new(newsdex_server::AppState::collection_root(data.to_path_buf(), fanout, limits));
        newsdex_server::serve_state(state, listener, stop).await;
        if !quiet {
            eprintln!("newsdex: stopped");
        }
        anyhow::Ok(())
    })?;
    Ok(Done::Ok)
}

/// How stories stand across a collection's shards, in a sentence.
pub fn linked_text(l: &Linked) -> String {
    match l {
        Linked::Current => "stories: linked across shards, up to date".into(),
        Linked::Stale { shards } => format!(
            "stories: linked across shards, but shards {shards:?} took documents since; their new copies are grouped within their shard until `newsdex collection link` runs again"
        ),
        Linked::Never => {
            "stories: each shard's own (copies in different shards are not one story until `newsdex collection link` runs)".into()
        }
    }
}

/// Sites named apart in different shards, in sentences: the outlet counts of those names
/// differ from one archive's.
pub fn named_apart_text(sites: &[(String, Vec<String>)]) -> String {
    let mut out = format!(
        "{} sites got different outlet names in different shards (each shard names a site as most of the pages it saw do), so the counts of these names differ from one archive's; an outlets.txt in every shard names them alike after `reindex`:",
        sites.len()
    );
    for (site, names) in sites.iter().take(20) {
        out.push_str(&format!("\n  {} = {}", crate::output::safe(site), crate::output::safe(&names.join(" | "))));
    }
    if sites.len() > 20 {
        out.push_str(&format!("\n  … and {} more (`newsdex collection status --json`)", sites.len() - 20));
    }
    out
}
