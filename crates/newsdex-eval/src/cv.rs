//! Choosing ranking parameters without scoring on what they were chosen on.
//!
//! * [`Grid`]: the declared values of each [`Ranking`] parameter; every combination is a
//!   grid point, run on every query.
//! * [`fold_of`]: each query's fold, fixed by a hash of its id (FNV-1a, 64 bits, mod
//!   [`FOLDS`]), so any run on the same queries splits them the same way.
//! * [`cross_validate`]: for each fold, the grid point with the best mean nDCG@10 on the
//!   other folds' queries (ties: the earlier point) scores that fold's queries; the
//!   cross-validated score is the mean over all queries of those held-out scores. A
//!   fold's queries never take part in choosing the point they are scored with.
//! * [`bootstrap`]: a percentile interval of the mean of per-query differences (queries
//!   resampled with replacement, a fixed seed).

use newsdex_engine::Ranking;

/// Folds of the queries.
pub const FOLDS: usize = 5;

/// The values tried for each parameter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Grid {
    pub title: Vec<f32>,
    pub stem: Vec<f32>,
    pub variant: Vec<f32>,
    pub key: Vec<f32>,
    pub field_tie: Vec<f32>,
    pub spelling_tie: Vec<f32>,
    pub length: Vec<f32>,
    pub proximity: Vec<f32>,
}

impl Grid {
    /// The grid `newsdex-eval ir` searches (72 points). Every value of the shipped
    /// defaults is on it. The variant weight stays at its default (none of the collections
    /// has query words with a group in the variants file often enough to choose it by), and
    /// so do the spelling tie (a word's spellings summed) and the length factor (tantivy's
    /// k1 and b): the grid is what a full run on two shared cores could afford; both can
    /// be set per search and belong on the next grid. The proximity weight (neighbouring
    /// words found together) was added with three values, declared before its first run:
    /// off, 0.1 and 0.3 (a full run: 1,068 s of CPU, 9 minutes on two cores; the
    /// 24-point grid took 377 s).
    pub fn standard() -> Grid {
        Grid {
            title: vec![1.0, 1.5, 2.5],
            stem: vec![0.5, 1.0],
            variant: vec![Ranking::default().variant],
            key: vec![0.0, 0.5],
            field_tie: vec![1.0, 0.3],
            spelling_tie: vec![1.0],
            length: vec![1.0],
            proximity: vec![0.0, 0.1, 0.3],
        }
    }

    /// Only the shipped defaults.
    pub fn defaults() -> Grid {
        let d = Ranking::default();
        Grid {
            title: vec![d.title],
            stem: vec![d.stem],
            variant: vec![d.variant],
            key: vec![d.key],
            field_tie: vec![d.field_tie],
            spelling_tie: vec![d.spelling_tie],
            length: vec![d.length],
            proximity: vec![d.proximity],
        }
    }

    /// Every combination, in a fixed order.
    pub fn points(&self) -> Vec<Ranking> {
        let mut out = Vec::new();
        for &title in &self.title {
            for &stem in &self.stem {
                for &variant in &self.variant {
                    for &key in &self.key {
                        for &field_tie in &self.field_tie {
                            for &spelling_tie in &self.spelling_tie {
                                for &length in &self.length {
                                    for &proximity in &self.proximity {
                                        out.push(Ranking {
                                            title,
                                            stem,
                                            variant,
                                            key,
                                            field_tie,
                                            spelling_tie,
                                            length,
                                            proximity,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// A query's fold: FNV-1a of its id, mod [`FOLDS`].
pub fn fold_of(qid: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in qid.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % FOLDS as u64) as usize
}

/// The first `n` of `qids` in the order of a hash of the id (FNV-1a with a salt, so the
/// sample is independent of the folds): a fixed sample, the same ids in every language of
/// a parallel collection.
pub fn sample(qids: &[String], n: usize) -> Vec<String> {
    let mut keyed: Vec<(u64, &String)> = qids
        .iter()
        .map(|q| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in "sample:".bytes().chain(q.bytes()) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            (h, q)
        })
        .collect();
    keyed.sort();
    keyed.into_iter().take(n).map(|(_, q)| q.clone()).collect()
}

/// Per-query scores of one run: `(nDCG@10, AP)`, in the collection's order of scored
/// queries.
pub type Scores = Vec<(f64, f64)>;

/// The outcome of cross-validation on one collection.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cv {
    /// Each query's score under the point chosen without its fold.
    pub per_query: Scores,
    /// The point chosen for each fold (index into the grid's points); `None` for a fold
    /// without queries.
    pub chosen: Vec<Option<usize>>,
}

/// Mean of the first (nDCG@10) or second (AP) score over the queries `keep` admits.
fn mean_where(s: &Scores, folds: &[usize], keep: impl Fn(usize) -> bool, ap: bool) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for (i, &(nd, a)) in s.iter().enumerate() {
        if keep(folds[i]) {
            sum += if ap { a } else { nd };
            n += 1;
        }
    }
    (n > 0).then(|| sum / n as f64)
}

/// The index of the best point by mean nDCG@10 over the queries `keep` admits (ties: the
/// earlier point).
pub fn best_point(grid: &[Scores], folds: &[usize], keep: impl Fn(usize) -> bool + Copy) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (p, s) in grid.iter().enumerate() {
        let Some(m) = mean_where(s, folds, keep, false) else { continue };
        if best.is_none_or(|(_, b)| m > b) {
            best = Some((p, m));
        }
    }
    best.map(|(p, _)| p)
}

/// Cross-validate over the grid: `grid[p][q]` is point `p`'s score on scored query `q`,
/// `folds[q]` that query's fold.
pub fn cross_validate(grid: &[Scores], folds: &[usize]) -> Cv {
    let n = folds.len();
    let mut per_query = vec![(0.0, 0.0); n];
    let mut chosen = vec![None; FOLDS];
    for (f, slot) in chosen.iter_mut().enumerate() {
        if !folds.contains(&f) {
            continue;
        }
        let Some(p) = best_point(grid, folds, |g| g != f) else { continue };
        *slot = Some(p);
        for q in 0..n {
            if folds[q] == f {
                per_query[q] = grid[p][q];
            }
        }
    }
    Cv { per_query, chosen }
}

/// Mean nDCG@10 and MAP of per-query scores.
pub fn means(s: &Scores) -> (f64, f64) {
    if s.is_empty() {
        return (0.0, 0.0);
    }
    let n = s.len() as f64;
    (s.iter().map(|x| x.0).sum::<f64>() / n, s.iter().map(|x| x.1).sum::<f64>() / n)
}

/// splitmix64: a small, fixed, well-mixed generator for resampling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: no modulo bias worth measuring at these sizes.
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

/// Percentile bootstrap 95% interval of the mean of `diffs`: `resamples` resamples of
/// the queries with replacement, generator seeded with `seed`. `(0, 0)` for no queries.
pub fn bootstrap(diffs: &[f64], resamples: usize, seed: u64) -> (f64, f64) {
    let n = diffs.len();
    if n == 0 || resamples == 0 {
        return (0.0, 0.0);
    }
    let mut rng = SplitMix(seed);
    let mut means: Vec<f64> =
        (0..resamples).map(|_| (0..n).map(|_| diffs[rng.below(n)]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    let at = |p: f64| means[((p * resamples as f64).floor() as usize).min(resamples - 1)];
    (at(0.025), at(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_fixed_and_all_used() {
        let ids: Vec<String> = (1..=200).map(|i| i.to_string()).collect();
        let folds: Vec<usize> = ids.iter().map(|q| fold_of(q)).collect();
        assert_eq!(folds, ids.iter().map(|q| fold_of(q)).collect::<Vec<_>>());
        for f in 0..FOLDS {
            let n = folds.iter().filter(|&&x| x == f).count();
            assert!((20..=60).contains(&n), "fold {f}: {n} of 200");
        }
    }

    #[test]
    fn the_grid_holds_the_defaults() {
        assert!(Grid::standard().points().contains(&Ranking::default()));
        assert_eq!(Grid::defaults().points(), vec![Ranking::default()]);
        assert_eq!(Grid::standard().points().len(), 3 * 2 * 2 * 2 * 3);
    }

    /// Point 0 is best on every query but one fold's, where point 1 is perfect: that fold
    /// is scored with point 0 (chosen on the other folds), never with point 1, which only
    /// its own queries favour.
    #[test]
    fn a_fold_never_chooses_with_its_own_queries() {
        let qids: Vec<String> = (0..50).map(|i| format!("q{i}")).collect();
        let folds: Vec<usize> = qids.iter().map(|q| fold_of(q)).collect();
        let target = folds[0];
        let p0: Scores = folds.iter().map(|&f| if f == target { (0.1, 0.1) } else { (0.9, 0.8) }).collect();
        let p1: Scores = folds.iter().map(|&f| if f == target { (1.0, 1.0) } else { (0.0, 0.0) }).collect();
        let cv = cross_validate(&[p0.clone(), p1], &folds);
        assert_eq!(cv.chosen[target], Some(0));
        assert_eq!(cv.per_query, p0, "every fold, its own included, is scored with point 0");
        // Had the fold chosen on itself, point 1 would have given it 1.0.
        assert!(cv.per_query.iter().zip(&folds).all(|(s, &f)| f != target || s.0 == 0.1));
    }

    #[test]
    fn bootstrap_of_identical_runs_is_zero_and_is_repeatable() {
        assert_eq!(bootstrap(&[0.0; 40], 10_000, 7), (0.0, 0.0));
        let d: Vec<f64> = (0..40).map(|i| (i as f64 - 10.0) / 100.0).collect();
        let a = bootstrap(&d, 10_000, 7);
        assert_eq!(a, bootstrap(&d, 10_000, 7));
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        assert!(a.0 < mean && mean < a.1, "{a:?} around {mean}");
        // All differences positive: the interval is above zero.
        let pos: Vec<f64> = d.iter().map(|x| x + 0.2).collect();
        assert!(bootstrap(&pos, 10_000, 7).0 > 0.0);
    }

    #[test]
    fn means_by_hand() {
        assert_eq!(means(&vec![(1.0, 0.5), (0.0, 0.25)]), (0.5, 0.375));
    }
}
