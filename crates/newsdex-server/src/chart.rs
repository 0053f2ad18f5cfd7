//! The coverage-over-time chart: an inline SVG bar chart of matches per month, built from
//! numbers and month labels only (still escaped), each bar a link narrowing the search to
//! its month, the time axis labelled at years or months. Written by hand: about sixty lines, where a plotting crate would add its
//! font and layout machinery for bars.

use std::fmt::Write;

use newsdex_engine::Bucket;

use crate::web::escape;

const H: f64 = 150.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 22.0;

/// `href(month)` gives each bar's link.
///
/// The chart is as wide as the page and 150 pixels high, positioned in percentages
/// rather than scaled from a view box, so that its labels keep their size (12 px, from
/// the style sheet) on a phone; the axis is labelled at years or months (at most eight
/// labels, every other one hidden on a narrow screen), not only at its ends.
pub fn months_svg(months: &[Bucket], href: impl Fn(&str) -> String) -> String {
    if months.is_empty() {
        return String::new();
    }
    let max = months.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let n = months.len() as f64;
    let slot = 100.0 / n;
    let bar = slot * 0.8;
    let plot = H - TOP - BOTTOM;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{H}" role="img" aria-label="Matches per month, {} to {}">"#,
        escape(&months[0].value),
        escape(&months[months.len() - 1].value)
    );
    for (i, b) in months.iter().enumerate() {
        let h = (b.count as f64 / max) * plot;
        let x = i as f64 * slot + (slot - bar) / 2.0;
        let y = TOP + plot - h;
        let label = format!("{}: {} {}", b.value, b.count, if b.count == 1 { "match" } else { "matches" });
        let _ = write!(
            s,
            r#"<a href="{}"><rect x="{x:.3}%" y="{y:.2}" width="{bar:.3}%" height="{:.2}"><title>{}</title></rect></a>"#,
            escape(&href(&b.value)),
            h.max(if b.count > 0 { 1.0 } else { 0.0 }),
            escape(&label)
        );
    }
    let _ = write!(s, r#"<text class="max" x="0" y="12">{}</text>"#, max as u64);
    for t in ticks(months) {
        let (x, anchor) = if t.at == 0 {
            (0.0, "start")
        } else if t.at + 1 == months.len() {
            (100.0, "end")
        } else {
            ((t.at as f64 + 0.5) * slot, "middle")
        };
        let class = if t.minor { "tick minor" } else { "tick" };
        let _ = write!(
            s,
            r#"<text class="{class}" x="{x:.3}%" y="{}" text-anchor="{anchor}">{}</text>"#,
            H - 6.0,
            escape(&t.label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A label on the time axis: at which bar, what it says, and whether a narrow screen
/// leaves it out.
#[derive(Debug, PartialEq, Eq)]
struct Tick {
    at: usize,
    label: String,
    minor: bool,
}

/// Most labels on the axis.
const MAX_TICKS: usize = 8;

/// Labels for the bars: for consecutive months, every so many months (`2016-09`) or
/// years (`2016`, at Januaries) so that at most [`MAX_TICKS`] fit; for months with gaps
/// (a span too long to chart every month), evenly spaced bars. Never fewer than the first
/// and the last when there are two bars or more.
fn ticks(months: &[Bucket]) -> Vec<Tick> {
    let key = |b: &Bucket| -> Option<i64> {
        let (y, m) = b.value.split_once('-')?;
        Some(y.parse::<i64>().ok()? * 12 + m.parse::<i64>().ok()? - 1)
    };
    let keys: Vec<Option<i64>> = months.iter().map(key).collect();
    let n = months.len();
    let consecutive =
        keys.windows(2).all(|w| matches!(w, [Some(a), Some(b)] if b - a == 1)) && keys.iter().all(Option::is_some);
    let mut at: Vec<(usize, String)> = Vec::new();
    if consecutive {
        let step = [1, 2, 3, 6, 12, 24, 36, 60, 120, 240, 600]
            .into_iter()
            .find(|s| n.div_ceil(*s) <= MAX_TICKS)
            .unwrap_or(600);
        for (i, k) in keys.iter().enumerate() {
            let k = k.expect("checked");
            let (year, month0) = (k.div_euclid(12), k.rem_euclid(12));
            if step < 12 && month0 % step as i64 == 0 {
                at.push((i, months[i].value.clone()));
            } else if step >= 12 && month0 == 0 && year % (step as i64 / 12) == 0 {
                at.push((i, year.to_string()));
            }
        }
    } else {
        let every = n.div_ceil(MAX_TICKS).max(1);
        at = (0..n).step_by(every).map(|i| (i, months[i].value.clone())).collect();
    }
    if at.len() < 2 && n >= 2 {
        at = vec![(0, months[0].value.clone()), (n - 1, months[n - 1].value.clone())];
    } else if at.is_empty() {
        at = vec![(0, months[0].value.clone())];
    }
    let many = at.len() > 4;
    at.into_iter().enumerate().map(|(j, (at, label))| Tick { at, label, minor: many && j % 2 == 1 }).collect()
}

/// Line colours (Okabe and Ito's palette, told apart by people with colour-blindness) and
/// dash patterns, so that series differ by more than colour.
const COLORS: [&str; 7] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "9 3 2 3"];

/// The colour and dash pattern of the `i`th series.
pub fn style(i: usize) -> (&'static str, &'static str) {
    (COLORS[i % COLORS.len()], DASHES[(i / COLORS.len() + i) % DASHES.len()])
}

/// A short sample of the `i`th series' line, for its legend entry.
pub fn swatch(i: usize) -> String {
    let (color, dash) = style(i);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="28" height="10" aria-hidden="true"><line x1="0" y1="5" x2="28" y2="5" stroke="{color}" stroke-width="3" stroke-dasharray="{dash}"/></svg>"#
    )
}

const LW: f64 = 800.0;
const LH: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;

/// A line chart of `table`: one line per series over its periods, drawing `measure`.
/// Built from numbers and period names only (escaped even so); scaled as a whole from a
/// view box. Each point has a title with its value. The legend and the table of the same
/// numbers are the page's (HTML, next to it).
pub fn lines_svg(table: &newsdex_compare::Table, measure: newsdex_compare::table::Measure) -> String {
    use newsdex_compare::table::{Measure, format_share};
    let periods = &table.periods;
    if periods.is_empty() || table.series.is_empty() {
        return String::new();
    }
    let max = table.max(measure);
    let max = if max > 0.0 { max } else { 1.0 };
    let plot_w = LW - LEFT - RIGHT;
    let plot_h = LH - TOP - BOTTOM;
    let n = periods.len();
    let x = |i: usize| if n == 1 { LEFT + plot_w / 2.0 } else { LEFT + plot_w * i as f64 / (n - 1) as f64 };
    let y = |v: f64| TOP + plot_h - v / max * plot_h;
    let fmt = |v: f64| if measure == Measure::Share { format_share(v) } else { format!("{}", v as u64) };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LW} {LH}" width="100%" role="img" aria-label="{} per {}, {} to {}; the table below gives every number">"#,
        escape(crate::compare::measure_words(measure)),
        escape(&table.period),
        escape(&periods[0]),
        escape(&periods[n - 1])
    );
    // Axes and the largest value.
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#999"/><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>"##,
        b = TOP + plot_h,
        r = LW - RIGHT
    );
    let _ = write!(
        s,
        r#"<text class="max" x="{}" y="{}" text-anchor="end">{}</text><text class="max" x="{}" y="{}" text-anchor="end">0</text>"#,
        LEFT - 4.0,
        TOP + 4.0,
        escape(&fmt(max)),
        LEFT - 4.0,
        TOP + plot_h
    );
    for (i, series) in table.series.iter().enumerate() {
        let (color, dash) = style(i);
        let points: Vec<String> =
            series.points.iter().enumerate().map(|(j, p)| format!("{:.1},{:.1}", x(j), y(measure.of(p)))).collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}" points="{}"><title>{}</title></polyline>"#,
            points.join(" "),
            escape(&series.name)
        );
        if n <= 120 {
            for (j, p) in series.points.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{color}"><title>{}</title></circle>"#,
                    x(j),
                    y(measure.of(p)),
                    escape(&format!("{}, {}: {}", series.name, periods[j], fmt(measure.of(p))))
                );
            }
        }
    }
    // At most eight labels on the time axis, the first and the last always.
    let step = n.div_ceil(MAX_TICKS).max(1);
    let mut at: Vec<usize> = (0..n).step_by(step).collect();
    if at.last() != Some(&(n - 1)) {
        // The last label replaces a neighbour too close to it.
        if at.len() > 1 && at.last().is_some_and(|l| n - 1 - l < step.div_ceil(2)) {
            at.pop();
        }
        at.push(n - 1);
    }
    for j in at {
        let anchor = if j == 0 {
            "start"
        } else if j == n - 1 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            s,
            r#"<text class="tick" x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
            x(j),
            LH - 6.0,
            escape(&periods[j])
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_link_and_escape() {
        let months = vec![
            Bucket { value: "2024-01".into(), count: 4 },
            Bucket { value: "2024-02".into(), count: 0 },
            Bucket { value: "2024-03".into(), count: 2 },
        ];
        let svg = months_svg(&months, |m| format!("/search?q=a&from={m}&to={m}"));
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"href="/search?q=a&amp;from=2024-03&amp;to=2024-03""#), "{svg}");
        assert!(svg.contains("<title>2024-01: 4 matches</title>"));
        assert!(months_svg(&[], |m| m.to_string()).is_empty());
        // Positioned in percentages, not scaled: the text keeps its size on a phone.
        assert!(!svg.contains("viewBox") && svg.contains(r#"width="100%" height="150""#), "{svg}");
        assert!(svg.contains(r#"<text class="tick" x="0.000%" y="144" text-anchor="start">2024-01</text>"#), "{svg}");
    }

    fn months(first: (i64, i64), n: usize) -> Vec<Bucket> {
        (0..n as i64)
            .map(|i| {
                let k = first.0 * 12 + first.1 - 1 + i;
                Bucket { value: format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1), count: 1 }
            })
            .collect()
    }

    fn labels(months: &[Bucket]) -> Vec<(String, bool)> {
        ticks(months).into_iter().map(|t| (t.label, t.minor)).collect()
    }

    #[test]
    fn the_axis_is_labelled_at_years_or_months_not_only_at_its_ends() {
        // The demo corpus: 2006-01 to 2023-02, 206 months: every third January.
        let l = labels(&months((2006, 1), 206));
        let years: Vec<&str> = l.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(years, ["2007", "2010", "2013", "2016", "2019", "2022"]);
        assert_eq!(l.iter().filter(|(_, minor)| !minor).count(), 3, "every other one hidden on a phone");
        // Eight months: every month; 30 months: every sixth.
        assert_eq!(labels(&months((2024, 3), 8)).len(), 8);
        let l = labels(&months((2022, 11), 30));
        let m: Vec<&str> = l.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(m, ["2023-01", "2023-07", "2024-01", "2024-07", "2025-01"]);
        // One month; two; no January in a short span that is labelled by years.
        assert_eq!(labels(&months((2024, 3), 1)), [("2024-03".to_string(), false)]);
        assert_eq!(labels(&months((2024, 12), 2)).len(), 2);
        // Months with gaps (a span over 50 years): evenly spaced bars.
        let gaps: Vec<Bucket> = ["1901-05", "1950-01", "1987-02", "1987-03", "2024-01"]
            .iter()
            .map(|v| Bucket { value: v.to_string(), count: 1 })
            .collect();
        assert_eq!(labels(&gaps).len(), 5);
    }
}
