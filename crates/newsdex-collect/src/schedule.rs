//! When to poll a source next: pure functions of what was observed, so every rule is
//! tested without a clock or a network.
//!
//! * **Adaptive interval**: a source is polled about twice per item it publishes, from
//!   the publication times of its recent items, clamped to [`Policy::min_interval`] …
//!   [`Policy::max_interval`] (10 min – 24 h); a user's `--every` overrides it.
//! * **Backoff**: after `n` failures in a row, `interval × 2^n` with ±20 % jitter, capped
//!   at [`Policy::max_backoff`] (7 days). Never disabled: the status says why it waits.
//! * **Gone** (404, 410): retried rarely ([`Policy::gone_retry`], 3 days, then the backoff
//!   cap), shown as such.
//! * **Retry-After** on 429/503 pauses the whole host until then (at most the backoff cap).

/// Scheduling settings, all in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub min_interval: i64,
    pub max_interval: i64,
    /// Interval of a source with no dated items yet.
    pub default_interval: i64,
    pub max_backoff: i64,
    pub gone_retry: i64,
    /// Conditional requests are made for at most this long; then one unconditional
    /// request (servers that send the same ETag after a change are caught within a day).
    pub unconditional_every: i64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            min_interval: 10 * 60,
            max_interval: 24 * 3600,
            default_interval: 3600,
            max_backoff: 7 * 24 * 3600,
            gone_retry: 3 * 24 * 3600,
            unconditional_every: 24 * 3600,
        }
    }
}

impl Policy {
    /// The polling interval from the publication times (Unix seconds) of a source's
    /// items: half the median gap between consecutive items, clamped. Fewer than two
    /// dated items: the default interval.
    pub fn adaptive_interval(&self, published: &[i64]) -> i64 {
        let mut t: Vec<i64> = published.to_vec();
        t.sort_unstable();
        t.dedup();
        if t.len() < 2 {
            return self.default_interval.clamp(self.min_interval, self.max_interval);
        }
        let mut gaps: Vec<i64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        let median = gaps[gaps.len() / 2];
        (median / 2).clamp(self.min_interval, self.max_interval)
    }

    /// Wait after the `streak`-th failure in a row (1 = the first), from `interval`:
    /// doubled per failure, jittered by ±20 % from `seed`, capped at the backoff cap.
    pub fn backoff(&self, interval: i64, streak: u32, seed: u64) -> i64 {
        let doublings = streak.saturating_sub(1).min(30);
        let base = interval.max(self.min_interval).saturating_mul(1i64 << doublings).min(self.max_backoff);
        let jitter = jitter_fraction(seed); // -0.2 ..= 0.2
        let w = (base as f64 * (1.0 + jitter)) as i64;
        w.clamp(self.min_interval / 2, self.max_backoff)
    }

    /// Wait after a 404/410: long, growing like a backoff from [`Policy::gone_retry`].
    pub fn gone(&self, streak: u32, seed: u64) -> i64 {
        self.backoff(self.gone_retry, streak, seed)
    }

    /// Whether the next request should skip `If-None-Match`/`If-Modified-Since`.
    pub fn unconditional_due(&self, last_unconditional: Option<i64>, now: i64) -> bool {
        last_unconditional.is_none_or(|t| now - t >= self.unconditional_every)
    }
}

/// A deterministic fraction in [-0.2, 0.2] from a seed (a splitmix64 step).
fn jitter_fraction(seed: u64) -> f64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z % 40_001) as f64 / 100_000.0 - 0.2
}

/// A `Retry-After` value (seconds, or an HTTP date) as an absolute Unix time, at most
/// `cap` seconds ahead; `None` if it cannot be read.
pub fn retry_after(value: &str, now: i64, cap: i64) -> Option<i64> {
    let v = value.trim();
    let at = if let Ok(secs) = v.parse::<i64>() {
        now + secs.max(0)
    } else {
        chrono::DateTime::parse_from_rfc2822(v).ok()?.timestamp()
    };
    Some(at.clamp(now, now + cap))
}

/// Parse `15m`, `2h`, `1d`, `90s`, `300` (seconds) into seconds.
pub fn parse_every(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(mult).filter(|v| *v > 0)
}

/// Seconds as `15m`, `2h`, `1d 2h`.
pub fn human_secs(s: i64) -> String {
    let s = s.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86400 {
        if s % 3600 == 0 { format!("{}h", s / 3600) } else { format!("{}h{}m", s / 3600, s % 3600 / 60) }
    } else if s % 86400 == 0 {
        format!("{}d", s / 86400)
    } else {
        format!("{}d{}h", s / 86400, s % 86400 / 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_interval_follows_the_publishing_rate_within_bounds() {
        let p = Policy::default();
        let hourly: Vec<i64> = (0..10).map(|i| i * 3600).collect();
        assert_eq!(p.adaptive_interval(&hourly), 1800);
        let minutely: Vec<i64> = (0..10).map(|i| i * 60).collect();
        assert_eq!(p.adaptive_interval(&minutely), 600);
        let weekly: Vec<i64> = (0..5).map(|i| i * 7 * 86400).collect();
        assert_eq!(p.adaptive_interval(&weekly), 86400);
        assert_eq!(p.adaptive_interval(&[]), 3600);
        assert_eq!(p.adaptive_interval(&[5, 5, 5]), 3600);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped_at_seven_days() {
        let p = Policy::default();
        let mut last = 0;
        for streak in 1..=12 {
            let w = p.backoff(3600, streak, 42);
            let base = (3600i64 << (streak - 1)).min(p.max_backoff) as f64;
            assert!(
                (w as f64) >= base * 0.79 && (w as f64) <= (base * 1.21).min(p.max_backoff as f64),
                "{streak}: {w}"
            );
            if streak < 8 {
                assert!(w > last);
            }
            last = w;
        }
        assert!(p.backoff(3600, 1000, 7) <= 7 * 86400);
        // Jitter differs between sources.
        assert_ne!(p.backoff(3600, 3, 1), p.backoff(3600, 3, 2));
        assert!(p.gone(1, 0) >= (p.gone_retry as f64 * 0.79) as i64);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_capped() {
        assert_eq!(retry_after("120", 1000, 86400), Some(1120));
        assert_eq!(retry_after("Thu, 01 Jan 1970 00:20:00 GMT", 1000, 86400), Some(1200));
        assert_eq!(retry_after("99999999", 0, 7 * 86400), Some(7 * 86400));
        assert_eq!(retry_after("soon", 0, 10), None);
    }

    #[test]
    fn every_and_unconditional() {
        assert_eq!(parse_every("15m"), Some(900));
        assert_eq!(parse_every("2h"), Some(7200));
        assert_eq!(parse_every("1d"), Some(86400));
        assert_eq!(parse_every("45"), Some(45));
        assert_eq!(parse_every("0m"), None);
        assert_eq!(parse_every("soon"), None);
        assert_eq!(human_secs(900), "15m");
        assert_eq!(human_secs(90000), "1d1h");
        let p = Policy::default();
        assert!(p.unconditional_due(None, 0));
        assert!(!p.unconditional_due(Some(0), 3600));
        assert!(p.unconditional_due(Some(0), 86400));
    }
}
