//! A compact LSH index over MinHash signatures.
//!
//! Ours rather than `gaoya::minhash::MinHashIndex` because of memory, which the writer holds
//! for the whole archive: gaoya keeps a `HashSet` per band bucket and a `Vec` per signature
//! (measured ≈ 3 KB per article at 32 bands).
//!
//! - **Signatures** are kept as the low 8 bits of each MinHash value. Two values of
//!   different shingles then agree by chance with probability p = 2⁻⁸, so the share of
//!   agreeing values, s, estimates J + (1 − J)·p; the index answers (s − p) / (1 − p),
//!   which estimates J without that bias. Its spread grows from √(J(1−J)/n) to about
//!   √((J + p)(1 − J)/n): at J = 0.5 and n = 128, 0.0442 → 0.0444. A band of 4 rows is
//!   then 32 bits, so two unrelated articles share a band with probability 2⁻³², which
//!   costs a comparison, never a link (the estimate decides). 16-bit values took 128
//!   more bytes an article (128 MB of a million articles' grouper).
//! - **Buckets.** Each band has a table of 2^`bits` cells; a band's values hash to a cell,
//!   which holds the newest article whose band fell there, and each article holds, per
//!   band, the next older one in the same cell (one `u32` each). Cells keep no key: two
//!   bucket values may share a cell, so a chain is checked as it is walked (the article's
//!   band must equal the query's) and a shared cell costs a comparison, never a wrong
//!   link. A table has at least half as many cells as there are articles (a chain holds
//!   two on average) and doubles when there are more, rebuilt from the kept signatures
//!   in insertion order, so chains are the same as if built at that size. A `HashMap`
//!   from bucket to newest article took 9 bytes per bucket and, growing by doubling, up
//!   to twice that (≈ 530 MB of a million articles' 1.06 GB index).
//! - **Storage.** Signatures and chains are stored in blocks of [`BLOCK`] articles, so the
//!   index grows a block at a time: one flat `Vec` doubled as it grew, so it could hold
//!   twice the bytes it used, and copied them all at each doubling.
//!
//! With 32 × 4 that is 128 + 128 bytes per article, plus 64 to 128 of cells and 4 for the
//! caller's id (see BENCHMARKS.md for the measured figure). A chain is walked for at most
//! [`CHAIN_LIMIT`] articles (newest first): a bucket that full holds copies of one text,
//! any of which is as good a link as the others.

/// Longest part of a bucket's chain looked at.
pub(crate) const CHAIN_LIMIT: usize = 64;

const NONE: u32 = u32::MAX;

/// Articles per storage block.
pub(crate) const BLOCK: usize = 4096;

/// Cells per band in an empty index: 2^MIN_BITS.
const MIN_BITS: u32 = 10;

pub(crate) struct Lsh {
    bands: usize,
    rows: usize,
    threshold: f64,
    /// The caller's id of each article, in insertion order (its *slot*).
    ids: Vec<u32>,
    /// Block `i` holds the kept signatures of articles `i * BLOCK ..`, `width` values each.
    sigs: Vec<Box<[u8]>>,
    /// Each band's table has 2^bits cells.
    bits: u32,
    /// Band `b`'s table is `heads[b << bits ..][.. 1 << bits]`: per cell, the newest
    /// article whose band `b` fell in it.
    heads: Vec<u32>,
    /// Block `i` holds, for articles `i * BLOCK ..`, the next older article in the same
    /// cell of each band (`bands` slots each).
    next: Vec<Box<[u32]>>,
}

/// The value kept of a MinHash value.
fn short(v: u32) -> u8 {
    v as u8
}

/// Chance that kept values of two different shingles agree.
const CHANCE: f64 = 1.0 / 256.0;

/// The Jaccard similarity estimated from `same` of `width` kept values agreeing, less
/// what agrees by chance (module documentation).
pub(crate) fn estimate(same: usize, width: usize) -> f64 {
    let s = same as f64 / width as f64;
    ((s - CHANCE) / (1.0 - CHANCE)).max(0.0)
}

/// Cells per band for `articles` articles: at least half as many, at least 2^MIN_BITS.
fn bits_for(articles: usize) -> u32 {
    articles.div_ceil(2).next_power_of_two().trailing_zeros().max(MIN_BITS)
}

impl Lsh {
    pub(crate) fn new(bands: usize, rows: usize, threshold: f64) -> Lsh {
        Lsh {
            bands,
            rows,
            threshold,
            ids: Vec::new(),
            sigs: Vec::new(),
            bits: MIN_BITS,
            heads: vec![NONE; bands << MIN_BITS],
            next: Vec::new(),
        }
    }

    fn width(&self) -> usize {
        self.bands * self.rows
    }

    fn sig(&self, slot: u32) -> &[u8] {
        let (w, i) = (self.width(), slot as usize % BLOCK);
        &self.sigs[slot as usize / BLOCK][i * w..(i + 1) * w]
    }

    /// Where `slot`'s link to the next older article in `band`'s cell is: (block, index).
    fn next_at(&self, slot: u32, band: usize) -> (usize, usize) {
        (slot as usize / BLOCK, (slot as usize % BLOCK) * self.bands + band)
    }

    fn band<'s>(&self, sig: &'s [u8], band: usize) -> &'s [u8] {
        &sig[band * self.rows..(band + 1) * self.rows]
    }

    /// The cell of a band of a signature (kept values) in `heads`.
    fn cell(&self, sig: &[u8], band: usize) -> usize {
        let mut h = (band as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F);
        for &v in self.band(sig, band) {
            h = (h ^ u64::from(v)).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
        }
        (band << self.bits) | (h >> (64 - self.bits)) as usize
    }

    /// Articles whose estimated Jaccard similarity to `sig` is at least `threshold` (not
    /// below the index's own), with the estimate, by the caller's id.
    pub(crate) fn query(&self, sig: &[u32], threshold: f64) -> Vec<(u32, f64)> {
        let threshold = threshold.max(self.threshold);
        if sig.len() != self.width() {
            return Vec::new();
        }
        let sig: Vec<u8> = sig.iter().map(|&v| short(v)).collect();
        let mut seen: Vec<u32> = Vec::new();
        for band in 0..self.bands {
            let mut slot = self.heads[self.cell(&sig, band)];
            let mut walked = 0;
            while slot != NONE && walked < CHAIN_LIMIT {
                if self.band(self.sig(slot), band) == self.band(&sig, band) {
                    seen.push(slot);
                }
                let (block, i) = self.next_at(slot, band);
                slot = self.next[block][i];
                walked += 1;
            }
        }
        seen.sort_unstable();
        seen.dedup();
        let w = self.width();
        let mut out: Vec<(u32, f64)> = seen
            .into_iter()
            .filter_map(|s| {
                let same = self.sig(s).iter().zip(&sig).filter(|(a, b)| a == b).count();
                let sim = estimate(same, w);
                (sim >= threshold).then(|| (self.ids[s as usize], sim))
            })
            .collect();
        out.sort_unstable_by_key(|(k, _)| *k);
        out
    }

    /// Add an article's signature (of this index's width; others are ignored) under the
    /// caller's `id`.
    pub(crate) fn insert(&mut self, id: u32, sig: &[u32]) {
        if sig.len() != self.width() || self.ids.len() >= NONE as usize {
            return;
        }
        let slot = self.ids.len() as u32;
        let (w, i) = (self.width(), slot as usize % BLOCK);
        if i == 0 {
            self.sigs.push(vec![0; BLOCK * w].into_boxed_slice());
            self.next.push(vec![NONE; BLOCK * self.bands].into_boxed_slice());
        }
        self.ids.push(id);
        let block = self.sigs.last_mut().expect("a block");
        for (k, &v) in block[i * w..(i + 1) * w].iter_mut().zip(sig) {
            *k = short(v);
        }
        if bits_for(self.ids.len()) > self.bits {
            self.grow();
        } else {
            self.link(slot);
        }
    }

    /// Make room for `more` articles: size the cell tables for them now rather than
    /// doubling them on the way.
    pub(crate) fn reserve(&mut self, more: usize) {
        let want = bits_for(self.ids.len() + more);
        if want > self.bits {
            self.bits = want;
            self.relink();
        }
        self.ids.reserve(more);
    }

    /// Put `slot` at the head of its cell in every band.
    fn link(&mut self, slot: u32) {
        for band in 0..self.bands {
            let cell = self.cell(self.sig(slot), band);
            let prev = std::mem::replace(&mut self.heads[cell], slot);
            let (block, i) = self.next_at(slot, band);
            self.next[block][i] = prev;
        }
    }

    /// Double the cells of every band.
    fn grow(&mut self) {
        self.bits += 1;
        self.relink();
    }

    /// Rebuild the cell tables at the current size, linking every article oldest first.
    fn relink(&mut self) {
        self.heads = vec![NONE; self.bands << self.bits];
        for slot in 0..self.ids.len() as u32 {
            self.link(slot);
        }
    }

    /// Bytes held, for the memory report.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 4
            + self.sigs.len() * BLOCK * self.width()
            + self.next.len() * BLOCK * self.bands * 4
            + self.heads.len() * 4
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The naive model: every article sharing a whole band of kept (8-bit) values with
    /// `sig` whose kept values agree with it in at least `threshold` of the places, less
    /// chance ([`estimate`]).
    /// Regression (proptest-regressions/lsh.txt): the model compared bands on full 32-bit
    /// values, and a shrunk case had two values equal in their low 16 bits only.
    fn naive(index: &[(u32, Vec<u32>)], sig: &[u32], bands: usize, rows: usize, threshold: f64) -> Vec<(u32, f64)> {
        let kept = |s: &[u32]| s.iter().map(|&v| short(v)).collect::<Vec<u8>>();
        let mut out: Vec<(u32, f64)> = index
            .iter()
            .filter(|(_, s)| {
                (0..bands).any(|b| kept(&s[b * rows..(b + 1) * rows]) == kept(&sig[b * rows..(b + 1) * rows]))
            })
            .map(|(k, s)| {
                let same = s.iter().zip(sig).filter(|(a, b)| short(**a) == short(**b)).count();
                (*k, estimate(same, sig.len()))
            })
            .filter(|(_, sim)| *sim >= threshold)
            .collect();
        out.sort_unstable_by_key(|(k, _)| *k);
        out
    }

    /// Variants of a few base signatures, each with some values changed.
    fn signatures(bands: usize, rows: usize) -> impl Strategy<Value = Vec<Vec<u32>>> {
        let w = bands * rows;
        (
            prop::collection::vec(prop::collection::vec(any::<u32>(), w), 1..4),
            prop::collection::vec((0usize..4, prop::collection::vec((0..w, any::<u32>()), 0..w)), 1..40),
        )
            .prop_map(|(bases, edits)| {
                edits
                    .into_iter()
                    .map(|(b, changes)| {
                        let mut s = bases[b % bases.len()].clone();
                        for (i, v) in changes {
                            s[i] = v;
                        }
                        s
                    })
                    .collect()
            })
    }

    proptest! {
        /// The index answers what the naive scan answers: as it is, when it starts with
        /// two cells per band (so most bands share cells, and the tables double five
        /// times), and when room is reserved part way (the tables rebuilt larger).
        #[test]
        fn query_matches_the_naive_scan(sigs in signatures(8, 2), threshold in 0.2f64..0.9, start in 0..3u8) {
            let mut lsh = Lsh::new(8, 2, 0.0);
            if start == 1 {
                lsh = Lsh { bits: 1, heads: vec![NONE; 8 << 1], ..lsh };
            }
            let mut seen = Vec::new();
            for (k, s) in sigs.iter().enumerate() {
                if start == 2 && k == sigs.len() / 2 {
                    lsh.reserve(50_000);
                    prop_assert_eq!(lsh.bits, (k + 50_000).div_ceil(2).next_power_of_two().trailing_zeros().max(MIN_BITS));
                }
                prop_assert_eq!(lsh.query(s, threshold), naive(&seen, s, 8, 2, threshold));
                lsh.insert(k as u32, s);
                seen.push((k as u32, s.clone()));
            }
        }
    }

    /// Articles in later storage blocks are found, and so are earlier ones from them; the
    /// index grows a block at a time.
    #[test]
    fn articles_are_found_across_storage_blocks() {
        let (bands, rows) = (32, 4);
        // Values whose every bit depends on the article and the place (murmur3's
        // finaliser), as MinHash values do.
        let mix = |mut h: u32| {
            h ^= h >> 16;
            h = h.wrapping_mul(0x85EB_CA6B);
            h ^= h >> 13;
            h = h.wrapping_mul(0xC2B2_AE35);
            h ^ (h >> 16)
        };
        let sig = |k: u32| (0..(bands * rows) as u32).map(|i| mix(k * 128 + i)).collect::<Vec<u32>>();
        let mut lsh = Lsh::new(bands, rows, 0.5);
        let n = 2 * BLOCK as u32 + 10;
        for k in 0..n {
            lsh.insert(k, &sig(k));
        }
        assert_eq!(lsh.sigs.len(), 3);
        assert_eq!(
            lsh.heap_bytes() - lsh.heads.len() * 4 - lsh.ids.capacity() * 4,
            3 * BLOCK * (bands * rows + bands * 4)
        );
        // A million articles: 2^19 cells a band, half a cell an article.
        assert_eq!(bits_for(1_000_000), 19);
        for k in [0, BLOCK as u32 - 1, BLOCK as u32, n - 1] {
            let mut copy = sig(k);
            copy[0] ^= 1;
            assert_eq!(lsh.query(&copy, 0.5), vec![(k, estimate(127, 128))], "article {k}");
        }
    }

    /// Kept values of unrelated shingles agree one time in 256: the estimate takes that
    /// out, so texts sharing half their shingles are estimated at a half on average, not
    /// 0.502 as the share of agreeing values gives (the mean of 20,000 pairs spreads by
    /// about 0.00003, the bias is 0.002).
    #[test]
    fn the_estimate_takes_out_chance_agreement() {
        assert_eq!(estimate(128, 128), 1.0);
        assert_eq!(estimate(0, 128), 0.0);
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut random = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u32
        };
        let pairs = 20_000;
        let mut total = 0.0;
        for _ in 0..pairs {
            // The first half the same shingles' values, the second half others'.
            let a: Vec<u32> = (0..128).map(|_| random()).collect();
            let b: Vec<u32> = a.iter().enumerate().map(|(i, &v)| if i < 64 { v } else { random() }).collect();
            let same = a.iter().zip(&b).filter(|(p, q)| short(**p) == short(**q)).count();
            total += estimate(same, 128);
        }
        let mean = total / f64::from(pairs);
        assert!((mean - 0.5).abs() < 0.0008, "mean estimate {mean}");
    }
}
