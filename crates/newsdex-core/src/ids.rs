//! Content-derived identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// BLAKE3 hash of a blob of input bytes, as kept in the raw store.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawHash(pub [u8; 32]);

impl RawHash {
    /// Hash `bytes`.
    pub fn of(bytes: &[u8]) -> RawHash {
        RawHash(*blake3::hash(bytes).as_bytes())
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

/// The id of one document: the first 8 bytes of the BLAKE3 hash of its record's bytes,
/// shown as 16 lower-case hex digits (the shape of the seed file names).
///
/// 64 bits leave a collision chance of about 1 in 10^7 at 10^6 documents; the document
/// store's primary key refuses a colliding second document rather than mixing them up.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId(pub [u8; 8]);

impl DocId {
    /// The id of the record whose bytes are `record`.
    pub fn of_record(record: &[u8]) -> DocId {
        let h = blake3::hash(record);
        let mut id = [0u8; 8];
        id.copy_from_slice(&h.as_bytes()[..8]);
        DocId(id)
    }

    /// The id as a signed integer, for storage in an SQLite `INTEGER` column.
    pub fn as_i64(&self) -> i64 {
        i64::from_be_bytes(self.0)
    }

    /// Inverse of [`DocId::as_i64`].
    pub fn from_i64(v: i64) -> DocId {
        DocId(v.to_be_bytes())
    }

    /// As an unsigned integer (for the search index's fast field).
    pub fn as_u64(&self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    /// Inverse of [`DocId::as_u64`].
    pub fn from_u64(v: u64) -> DocId {
        DocId(v.to_be_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex<const N: usize>(s: &str) -> Result<[u8; N], ParseIdError> {
    let b = s.as_bytes();
    if b.len() != 2 * N {
        return Err(ParseIdError { input: s.to_string(), expected_len: 2 * N });
    }
    let mut out = [0u8; N];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let d = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        };
        match (d(pair[0]), d(pair[1])) {
            (Some(h), Some(l)) => out[i] = h << 4 | l,
            _ => return Err(ParseIdError { input: s.to_string(), expected_len: 2 * N }),
        }
    }
    Ok(out)
}

/// The first hex digits of a document id, as people copy them: at least
/// [`IdPrefix::MIN_DIGITS`], at most the whole id (16). A whole id is a prefix of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPrefix {
    /// Lower-case hex digits.
    digits: String,
}

impl IdPrefix {
    /// Fewest digits taken: 16 million prefixes, so that one rarely starts two documents
    /// of an archive (at a million documents, a given one shares its six with ~6% chance).
    pub const MIN_DIGITS: usize = 6;

    /// The digits, lower case.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The whole id, when all 16 digits were given.
    pub fn whole(&self) -> Option<DocId> {
        self.digits.parse().ok()
    }

    /// The first and the last id with these first digits.
    pub fn range(&self) -> (DocId, DocId) {
        let n = self.digits.len();
        let value = u64::from_str_radix(&self.digits, 16).expect("checked hex digits");
        let free = 4 * (16 - n) as u32;
        let lo = value.checked_shl(free).unwrap_or(0);
        let hi = lo | if free == 64 { u64::MAX } else { (1u64 << free) - 1 };
        (DocId::from_u64(lo), DocId::from_u64(hi))
    }
}

impl fmt::Display for IdPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

/// A string that is not an id or an id's first digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIdPrefixError {
    input: String,
}

impl fmt::Display for ParseIdPrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.input.chars().take(80).collect();
        write!(
            f,
            "{shown:?} is not an id: expected 16 hex digits, or the first {} or more of them",
            IdPrefix::MIN_DIGITS
        )
    }
}

impl std::error::Error for ParseIdPrefixError {}

impl FromStr for IdPrefix {
    type Err = ParseIdPrefixError;

    fn from_str(s: &str) -> Result<IdPrefix, ParseIdPrefixError> {
        if (IdPrefix::MIN_DIGITS..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(IdPrefix { digits: s.to_ascii_lowercase() })
        } else {
            Err(ParseIdPrefixError { input: s.to_string() })
        }
    }
}

/// An id string that is not the right number of hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIdError {
    input: String,
    expected_len: usize,
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.input.chars().take(80).collect();
        write!(f, "{shown:?} is not an id: expected {} hex digits", self.expected_len)
    }
}

impl std::error::Error for ParseIdError {}

macro_rules! hex_id {
    ($t:ident, $n:expr) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex(&self.0))
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), hex(&self.0))
            }
        }
        impl FromStr for $t {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                unhex::<$n>(s).map($t)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hex(&self.0))
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_id!(RawHash, 32);
hex_id!(DocId, 8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_prefixes_name_a_range_of_ids() {
        let p: IdPrefix = "2828A9".parse().unwrap();
        assert_eq!(p.digits(), "2828a9");
        assert_eq!(p.whole(), None);
        let (lo, hi) = p.range();
        assert_eq!((lo.to_string(), hi.to_string()), ("2828a90000000000".into(), "2828a9ffffffffff".into()));
        let whole: IdPrefix = "2828a9e1eb96ab63".parse().unwrap();
        assert_eq!(whole.whole().map(|d| d.to_string()).as_deref(), Some("2828a9e1eb96ab63"));
        assert_eq!(whole.range().0, whole.range().1);
        let top: IdPrefix = "ffffff".parse().unwrap();
        assert_eq!(top.range().1.to_string(), "ffffffffffffffff");
        for bad in ["2828a", "2828a9e1eb96ab63a", "2828ag", "", " 2828a9", "+2828a9"] {
            let e = bad.parse::<IdPrefix>().unwrap_err().to_string();
            assert!(e.contains("expected 16 hex digits, or the first 6 or more of them"), "{bad}: {e}");
        }
        // Signed storage keeps the range in order: its top bit is fixed.
        let (lo, hi) = "8000000".parse::<IdPrefix>().unwrap().range();
        assert!(lo.as_i64() <= hi.as_i64());
    }
    use proptest::prelude::*;

    #[test]
    fn doc_id_is_stable() {
        // The id of fixed bytes must never change: stored ids and URLs depend on it.
        assert_eq!(DocId::of_record(b"hello").to_string(), "ea8f163db38682925e4491c5e58d4bb3"[..16]);
    }

    #[test]
    fn bad_ids_are_rejected_with_a_reason() {
        let e = "xyz".parse::<DocId>().unwrap_err();
        assert_eq!(e.to_string(), "\"xyz\" is not an id: expected 16 hex digits");
        assert!("0123456789abcdeg".parse::<DocId>().is_err());
    }

    proptest! {
        #[test]
        fn ids_round_trip(bytes in any::<[u8; 8]>()) {
            let id = DocId(bytes);
            prop_assert_eq!(id.to_string().parse::<DocId>().unwrap(), id);
            prop_assert_eq!(DocId::from_i64(id.as_i64()), id);
            prop_assert_eq!(DocId::from_u64(id.as_u64()), id);
        }

        #[test]
        fn hashes_round_trip(bytes in any::<[u8; 32]>()) {
            let h = RawHash(bytes);
            prop_assert_eq!(h.to_hex().parse::<RawHash>().unwrap(), h);
        }
    }
}
