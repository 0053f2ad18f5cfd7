//! `newsdex collection`: make a collection of shards, link its stories, say how it stands.

use std::path::Path;

use clap::Subcommand;
use newsdex_collection::{Collection, Linked};

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
    },
    /// Group every shard's documents into stories as one archive would, so that copies
    /// in different shards are one story in results (writes stories.json). Run after the
    /// shards are built or have taken new documents.
    Link {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Shards, their documents, and whether stories are linked up to their last batches.
    Status {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn collection(data: &Path, cmd: CollectionCommand, quiet: bool) -> anyhow::Result<Done> {
    match cmd {
        CollectionCommand::Init { shards } => {
            let m = newsdex_collection::init(data, shards)?;
            if !quiet {
                eprintln!(
                    "{} is a collection of {} shards ({} … {}); build shard I with `newsdex --data {}/{} ingest --shard I/{} INPUTS…`",
                    data.display(),
                    m.shards,
                    m.dirs[0],
                    m.dirs[m.dirs.len() - 1],
                    data.display(),
                    m.dirs[0].replace("0000", "000I"),
                    m.shards
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
        CollectionCommand::Status { json } => {
            let c = Collection::open(data)?;
            let mut shards = Vec::new();
            for (i, e) in c.shards().iter().enumerate() {
                shards.push(serde_json::json!({
                    "shard": format!("{i}/{}", c.manifest().shards),
                    "dir": c.manifest().dirs[i],
                    "documents": e.num_docs(),
                    "last_batch": e.last_batch()?,
                }));
            }
            let named_apart: Vec<_> = c
                .outlets_named_apart()
                .iter()
                .map(|(site, names)| serde_json::json!({"site": site, "names": names}))
                .collect();
            let v = serde_json::json!({
                "documents": c.num_docs(),
                "shards": shards,
                "stories": c.linked(),
                "outlets_named_apart": named_apart,
            });
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
            } else {
                let mut out = format!("{} documents in {} shards\n", c.num_docs(), c.manifest().shards);
                for s in &shards {
                    out.push_str(&format!(
                        "  shard {:<7} {:>10} documents  last batch {}  ({})\n",
                        s["shard"].as_str().unwrap_or(""),
                        s["documents"],
                        s["last_batch"],
                        s["dir"].as_str().unwrap_or("")
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
