//! End-to-end tests of the `newsdex` binary on real data. One test binary (faster to build
//! and link than one per file); modules by subject.

mod bad_input;
mod budgets;
mod collection;
mod compare;
mod crash;
mod diskfull;
mod entities;
mod expansion;
mod export;
mod hostile;
mod html;
mod load;
mod multilingual;
mod ray;
mod reuters;
mod seeds;
mod serve;
mod shard_servers;
mod sources;
mod spark;
mod stories;
mod support;
mod warc;
mod warc_export;
mod watch;
