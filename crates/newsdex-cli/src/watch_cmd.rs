//! `newsdex watch …`: saved searches (newsdex-watch), and running them after an ingest.

use std::path::Path;

use anyhow::Context;
use clap::{Args, Subcommand};
use newsdex_engine::Engine;
use newsdex_watch::{NewWatch, WatchStore};

use crate::{Done, emit, output};

/// Longest wait for a webhook's answer.
const WEBHOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Sent with webhook posts.
const USER_AGENT: &str = concat!("newsdex/", env!("CARGO_PKG_VERSION"), " (watch webhook)");

#[derive(Subcommand, Debug)]
pub enum WatchCommand {
    /// Save a search; from now on every ingest reports the new stories it finds, once
    /// per story.
    Add(AddArgs),
    /// Every watch: its query, last match, entries today, last run and any error.
    List(ListArgs),
    /// A watch's latest entries (stories), newest change first.
    Show(ShowArgs),
    /// Forget a watch and its entries.
    Remove(RemoveArgs),
    /// Match every watch against what arrived since it last looked (ingest does this
    /// after each run; this is for archives written by other means).
    Run,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// Name: letters, digits, '-', '_' or '.' (its feed is /watches/NAME.atom).
    name: String,
    /// The search, in the query language of `newsdex search`.
    query: String,
    /// Only these languages (repeatable).
    #[arg(long)]
    lang: Vec<String>,
    /// Only these outlets (repeatable).
    #[arg(long)]
    outlet: Vec<String>,
    /// Report every matching article, not once per story.
    #[arg(long)]
    every_copy: bool,
    /// Deliver once per period (a webhook post and an Atom entry per hour or day, UTC)
    /// instead of per change: hourly or daily.
    #[arg(long, value_parser = ["hourly", "daily"])]
    digest: Option<String>,
    /// Also post each change as JSON to this http(s) address, signed with --secret
    /// (header X-Newsdex-Signature: sha256=HMAC of the body).
    #[arg(long, requires = "secret")]
    webhook: Option<String>,
    /// The webhook's signing secret.
    #[arg(long, env = "NEWSDEX_WEBHOOK_SECRET", hide_env_values = true, requires = "webhook")]
    secret: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    name: String,
    /// Entries listed.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct RemoveArgs {
    name: String,
}

pub fn watch(data: &Path, cmd: WatchCommand, quiet: bool) -> anyhow::Result<Done> {
    match cmd {
        WatchCommand::Add(a) => {
            let langs = a
                .lang
                .iter()
                .map(|l| {
                    newsdex_core::normalize_lang(l).with_context(|| format!("--lang {l:?} is not a language code"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            // A watch reports what arrives after it is made.
            let (batch, generation) = if data.join("FORMAT").exists() {
                let e = Engine::open_read(data).with_context(|| format!("opening {}", data.display()))?;
                (e.last_batch()?, e.generation())
            } else {
                std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
                (0, 0)
            };
            let mut store = WatchStore::open(data)?;
            let new = NewWatch {
                name: a.name,
                query: a.query,
                langs,
                outlets: a.outlet,
                every_copy: a.every_copy,
                digest: a.digest.as_deref().and_then(newsdex_watch::Digest::parse),
                webhook: a.webhook,
                secret: a.secret,
            };
            let w = store.add(&new, batch, generation)?;
            if !quiet {
                eprintln!(
                    "watch {} added: ingests from now on report new stories matching {}",
                    output::safe(&w.name),
                    output::safe(&w.query)
                );
            }
            Ok(Done::Ok)
        }
        WatchCommand::List(a) => {
            let watches = match WatchStore::open_existing(data)? {
                Some(s) => s.list()?,
                None => Vec::new(),
            };
            if a.json {
                return emit(&format!("{}\n", serde_json::to_string_pretty(&watches)?)).map(|()| Done::Ok);
            }
            let mut out = String::new();
            if watches.is_empty() {
                out.push_str("no watches (add one with: newsdex watch add NAME 'QUERY')\n");
            }
            for w in &watches {
                out.push_str(&format!("{}  {}\n", output::safe(&w.name), output::safe(&w.query)));
                let mut filters = Vec::new();
                if !w.langs.is_empty() {
                    filters.push(format!("languages {}", w.langs.join(", ")));
                }
                if !w.outlets.is_empty() {
                    filters.push(format!("outlets {}", w.outlets.join(", ")));
                }
                if w.every_copy {
                    filters.push("every copy".into());
                }
                if let Some(d) = w.digest {
                    filters.push(format!("{} digest", d.as_str()));
                }
                if !filters.is_empty() {
                    out.push_str(&format!("  {}\n", output::safe(&filters.join("; "))));
                }
                out.push_str(&format!(
                    "  {} entries, {} today; last match {}; last run {}\n",
                    w.entries,
                    w.entries_today,
                    w.last_match.as_deref().unwrap_or("never"),
                    w.last_run.as_deref().unwrap_or("never"),
                ));
                if let Some(e) = &w.last_error {
                    out.push_str(&format!("  last run failed: {}\n", output::safe(e)));
                }
                if let Some(hook) = &w.webhook {
                    let status = match (&w.last_delivery, &w.last_delivery_error) {
                        (None, _) => "nothing posted yet".to_string(),
                        (Some(at), None) => format!("last posted {at}"),
                        (Some(at), Some(e)) => format!(
                            "last post failed {at}: {e} ({} in a row; next try {})",
                            w.delivery_failures,
                            w.next_delivery
                                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                                .map_or("now".into(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                        ),
                    };
                    out.push_str(&format!("  webhook {}: {}\n", output::safe(hook), output::safe(&status)));
                }
            }
            emit(&out).map(|()| Done::Ok)
        }
        WatchCommand::Show(a) => {
            let store = WatchStore::open_existing(data)?
                .ok_or_else(|| anyhow::anyhow!(newsdex_watch::WatchError::NotFound(a.name.clone())))?;
            let w = store.get(&a.name)?;
            let mut entries = store.recent(&a.name, a.limit)?;
            if !entries.is_empty() {
                let engine = Engine::open_read(data).with_context(|| format!("opening {}", data.display()))?;
                newsdex_watch::fill_entries(&engine, &w, &mut entries)?;
            }
            let deliveries = if w.webhook.is_some() { store.delivery_log(&a.name, 10)? } else { Vec::new() };
            if a.json {
                let v = serde_json::json!({ "watch": w, "entries": entries, "deliveries": deliveries });
                return emit(&format!("{}\n", serde_json::to_string_pretty(&v)?)).map(|()| Done::Ok);
            }
            let mut out = format!("{}  {}  ({} entries)\n", output::safe(&w.name), output::safe(&w.query), w.entries);
            for e in &entries {
                out.push_str(&format!("{}  {}  {}\n", e.updated_at, e.doc, output::safe(&e.title)));
                out.push_str(&format!("  {}\n", output::safe(&newsdex_watch::atom::summary(e))));
            }
            if !deliveries.is_empty() {
                out.push_str("webhook posts (newest first):\n");
            }
            for d in &deliveries {
                let outcome = match (d.status, &d.error) {
                    (Some(s), _) => format!("HTTP {s}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "no answer".into(),
                };
                out.push_str(&format!(
                    "  {}  revisions {}-{} ({} entries): {}\n",
                    d.at,
                    d.from_rev,
                    d.to_rev,
                    d.entries,
                    output::safe(&outcome)
                ));
            }
            emit(&out).map(|()| Done::Ok)
        }
        WatchCommand::Remove(a) => {
            let mut store = WatchStore::open_existing(data)?
                .ok_or_else(|| anyhow::anyhow!(newsdex_watch::WatchError::NotFound(a.name.clone())))?;
            store.remove(&a.name)?;
            if !quiet {
                eprintln!("watch {} removed", output::safe(&a.name));
            }
            Ok(Done::Ok)
        }
        WatchCommand::Run => {
            let engine = Engine::open_read(data).with_context(|| format!("opening {}", data.display()))?;
            run_after_commit(&engine, quiet)?;
            Ok(Done::Ok)
        }
    }
}

/// Run the data directory's watches, if it has any, say what they found, and post what
/// is due to their webhooks.
pub fn run_after_commit(engine: &Engine, quiet: bool) -> anyhow::Result<()> {
    let Some(mut store) = WatchStore::open_existing(engine.root())? else { return Ok(()) };
    let r = newsdex_watch::run(engine, &mut store)?;
    let posted =
        newsdex_watch::deliver::deliver(engine, &mut store, chrono::Utc::now().timestamp(), |url, body, headers| {
            newsdex_collect::post::post_json(url, body, headers, WEBHOOK_TIMEOUT, USER_AGENT)
        })?;
    for f in &posted.failed {
        eprintln!("webhook of watch {} (retried later)", output::safe(f));
    }
    if !quiet && posted.delivered > 0 {
        eprintln!("webhooks: {} posts with {} entries delivered", posted.delivered, posted.entries);
    }
    for (name, reason) in &r.failed {
        eprintln!("watch {} failed: {}", output::safe(name), output::safe(reason));
    }
    if !quiet && r.watches_run > 0 {
        eprintln!(
            "watches: {} new {} and {} more {} of known ones, in {} {}",
            r.new_entries,
            if r.new_entries == 1 { "story" } else { "stories" },
            r.copies_added,
            if r.copies_added == 1 { "copy" } else { "copies" },
            r.watches_run,
            if r.watches_run == 1 { "watch" } else { "watches" },
        );
    }
    Ok(())
}
