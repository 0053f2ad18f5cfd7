//! A compact LSH index over MinHash signatures.
//!
//! Ours rather than `gaoya::minhash::MinHashIndex` because of memory, which the writer holds
//! for the whole archive: gaoya keeps a `HashSet` per band bucket and a `Vec` per signature
//! (measured ≈ 3 KB per article at 32 bands). Here signatures live in one flat `Vec<u32>`,
//! each band bucket is one `u32 → u32` map entry pointing at the newest article in it, and
//! articles in a bucket are chained through one `u32` per article and band: about
//! 0.9 KB per article at 32 × 4 (see BENCHMARKS.md for the measured figure).
//!
//! A bucket key is a 32-bit hash of the band's values and the band's number, so unrelated
//! bands can share a bucket; every candidate is checked against the full signature, so a
//! shared bucket costs a comparison, never a wrong link. A chain is walked for at most
//! [`CHAIN_LIMIT`] articles (newest first): a bucket that full holds copies of one text,
//! any of which is as good a link as the others.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Longest part of a bucket's chain looked at.
pub(crate) const CHAIN_LIMIT: usize = 64;

const NONE: u32 = u32::MAX;

/// Keys are hashes already: use them as they are.
#[derive(Default)]
pub(crate) struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, v: u32) {
        // Spread the 32 bits over the 64 hashbrown looks at (top 7 for control bytes).
        self.0 = u64::from(v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(crate) struct Lsh {
    bands: usize,
    rows: usize,
    threshold: f64,
    keys: Vec<u64>,
    sigs: Vec<u32>,
    heads: HashMap<u32, u32, BuildHasherDefault<Identity>>,
    next: Vec<u32>,
}

impl Lsh {
    pub(crate) fn new(bands: usize, rows: usize, threshold: f64) -> Lsh {
        Lsh { bands, rows, threshold, keys: Vec::new(), sigs: Vec::new(), heads: HashMap::default(), next: Vec::new() }
    }

    fn width(&self) -> usize {
        self.bands * self.rows
    }

    fn bucket(&self, sig: &[u32], band: usize) -> u32 {
        let mut h = (band as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F);
        for &v in &sig[band * self.rows..(band + 1) * self.rows] {
            h = (h ^ u64::from(v)).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
        }
        (h >> 32) as u32
    }

    /// Articles whose estimated Jaccard similarity to `sig` is at least `threshold` (not
    /// below the index's own), with the estimate, by key.
    pub(crate) fn query(&self, sig: &[u32], threshold: f64) -> Vec<(u64, f64)> {
        let threshold = threshold.max(self.threshold);
        if sig.len() != self.width() {
            return Vec::new();
        }
        let mut seen: Vec<u32> = Vec::new();
        for band in 0..self.bands {
            let mut slot = self.heads.get(&self.bucket(sig, band)).copied().unwrap_or(NONE);
            let mut walked = 0;
            while slot != NONE && walked < CHAIN_LIMIT {
                seen.push(slot);
                slot = self.next[slot as usize * self.bands + band];
                walked += 1;
            }
        }
        seen.sort_unstable();
        seen.dedup();
        let w = self.width();
        let mut out: Vec<(u64, f64)> = seen
            .into_iter()
            .filter_map(|s| {
                let other = &self.sigs[s as usize * w..(s as usize + 1) * w];
                let same = other.iter().zip(sig).filter(|(a, b)| a == b).count();
                let sim = same as f64 / w as f64;
                (sim >= threshold).then(|| (self.keys[s as usize], sim))
            })
            .collect();
        out.sort_unstable_by_key(|(k, _)| *k);
        out
    }

    /// Add an article's signature (of this index's width; others are ignored).
    pub(crate) fn insert(&mut self, key: u64, sig: &[u32]) {
        if sig.len() != self.width() || self.keys.len() >= NONE as usize {
            return;
        }
        let slot = self.keys.len() as u32;
        self.keys.push(key);
        self.sigs.extend_from_slice(sig);
        for band in 0..self.bands {
            let b = self.bucket(sig, band);
            let prev = self.heads.insert(b, slot).unwrap_or(NONE);
            self.next.push(prev);
        }
    }

    /// Bytes held (capacities), for the memory report.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 8
            + self.sigs.capacity() * 4
            + self.next.capacity() * 4
            // hashbrown: a key, a value and a control byte per bucket.
            + self.heads.capacity() * 9
    }
}
