//! Plain data shared by every stage of the newsdex pipeline.
//!
//! Nothing here does IO. The types follow the data flow:
//!
//! * [`RawHash`]: the BLAKE3 hash that names a blob of input bytes in the raw store.
//! * [`DocId`]: the stable id of one document (one record of an input), derived from the
//!   hash of that record's bytes, so the same bytes always get the same id, across
//!   re-ingests and `reindex`.
//! * [`SourceFormat`]: what a record was read as (text, HTML, a JSONL record).
//! * [`Article`]: what extraction produces from one record: clean fields plus the
//!   [`Warning`]s that describe every repair or doubt on the way.
//! * [`Provenance`]: where a document came from (input path, blob, record position, time).

mod article;
mod date;
mod ids;
mod lang;
mod reject;
mod shard;

pub use article::{Article, Provenance, SourceFormat, TITLE_FROM_BODY, Warning, stand_in_title};
pub use date::{EARLIEST, LATEST, Published, parse_date};
pub use ids::{DocId, IdPrefix, ParseIdError, ParseIdPrefixError, RawHash};
pub use lang::{lang_name, normalize_lang};
pub use reject::Reject;
pub use shard::{DateRanges, ParseShardError, Partition, Shard, ShardRule};
