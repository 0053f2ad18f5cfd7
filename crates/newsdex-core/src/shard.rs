//! Which shard of a collection a document belongs to.
//!
//! A collection of N shards is N archives; each document belongs to exactly one of them,
//! decided by its id alone ([`Shard::owns`]), so the same record lands in the same shard
//! whichever input, task or machine reads it, and never in two.

use std::fmt;
use std::str::FromStr;

use crate::DocId;

/// Shard `index` of `of` (0-based), written `index/of` (`2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u32,
    pub of: u32,
}

impl Shard {
    /// Shard `index` of `of`; `None` unless `index < of`.
    pub fn new(index: u32, of: u32) -> Option<Shard> {
        (index < of).then_some(Shard { index, of })
    }

    /// The shard of `of` that document `id` belongs to. A document id is the first 64
    /// bits of BLAKE3 of the record's bytes, so the remainder spreads documents evenly.
    pub fn of_doc(id: DocId, of: u32) -> Shard {
        let of = of.max(1);
        Shard { index: (id.as_u64() % u64::from(of)) as u32, of }
    }

    /// Whether document `id` belongs to this shard.
    pub fn owns(&self, id: DocId) -> bool {
        Shard::of_doc(id, self.of).index == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

/// Why a shard could not be read from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseShardError(pub String);

impl fmt::Display for ParseShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a shard: write INDEX/COUNT with 0 ≤ INDEX < COUNT, as 0/4", self.0)
    }
}

impl std::error::Error for ParseShardError {}

impl FromStr for Shard {
    type Err = ParseShardError;

    fn from_str(s: &str) -> Result<Shard, ParseShardError> {
        let bad = || ParseShardError(s.to_string());
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let (i, n) = (i.trim().parse::<u32>().map_err(|_| bad())?, n.trim().parse::<u32>().map_err(|_| bad())?);
        Shard::new(i, n).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_belongs_to_exactly_one_shard() {
        for n in 1..=7u32 {
            for k in 0..200u64 {
                let id = DocId::of_record(&k.to_le_bytes());
                let owners: Vec<u32> = (0..n).filter(|i| Shard { index: *i, of: n }.owns(id)).collect();
                assert_eq!(owners, vec![Shard::of_doc(id, n).index], "record {k} of {n} shards");
            }
        }
    }

    #[test]
    fn shards_are_written_and_read_as_index_slash_count() {
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard { index: 2, of: 4 });
        assert_eq!(Shard { index: 2, of: 4 }.to_string(), "2/4");
        for bad in ["4/4", "1", "a/2", "-1/3", "0/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn documents_spread_evenly_over_shards() {
        let mut counts = [0u32; 4];
        for k in 0..4000u64 {
            counts[Shard::of_doc(DocId::of_record(format!("record {k}").as_bytes()), 4).index as usize] += 1;
        }
        assert!(counts.iter().all(|c| (850..1150).contains(c)), "{counts:?}");
    }
}
