//! The coverage-over-time chart: an inline SVG bar chart of matches per month, built from
//! numbers and month labels only (still escaped), each bar a link narrowing the search to
//! its month. Written by hand: about sixty lines, where a plotting crate would add its
//! font and layout machinery for bars.

use std::fmt::Write;

use newsdex_engine::Bucket;

use crate::web::escape;

const W: f64 = 720.0;
const H: f64 = 150.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 18.0;

/// `href(month)` gives each bar's link.
pub fn months_svg(months: &[Bucket], href: impl Fn(&str) -> String) -> String {
    if months.is_empty() {
        return String::new();
    }
    let max = months.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let n = months.len() as f64;
    let slot = W / n;
    let bar = (slot * 0.8).max(1.0);
    let plot = H - TOP - BOTTOM;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="Matches per month, {} to {}">"#,
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
            r#"<a href="{}"><rect x="{x:.2}" y="{y:.2}" width="{bar:.2}" height="{:.2}"><title>{}</title></rect></a>"#,
            escape(&href(&b.value)),
            h.max(if b.count > 0 { 1.0 } else { 0.0 }),
            escape(&label)
        );
    }
    let _ = write!(s, r#"<text x="0" y="10">{}</text>"#, max as u64);
    let _ = write!(s, r#"<text x="0" y="{}">{}</text>"#, H - 4.0, escape(&months[0].value));
    if months.len() > 1 {
        let _ = write!(
            s,
            r#"<text x="{W}" y="{}" text-anchor="end">{}</text>"#,
            H - 4.0,
            escape(&months[months.len() - 1].value)
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
    }
}
