//! Dates as pages show them: machine-readable values (handled by
//! [`newsdex_core::parse_date`]), dates in URLs (`/2019/11/19/`), and dates written out
//! in the page's language ("19 November 2019", "19 de noviembre de 2019",
//! "19. November 2019", "19 ноября 2019", "2019年11月19日", "19.11.2019").
//!
//! Never a date from a script (only attributes, JSON-LD values and visible text are
//! read) and never one in the future: a page cannot have been published after it was
//! read. Time zones are kept when given.

use chrono::{Datelike, NaiveDate, Utc};
use newsdex_core::{Published, parse_date};

/// Month names by language, lower-case, with common abbreviations; index = month − 1.
const MONTHS: &[&[&str]] = &[
    &[
        "january",
        "jan",
        "janvier",
        "janv",
        "januar",
        "jänner",
        "enero",
        "ene",
        "janeiro",
        "gennaio",
        "gen",
        "januari",
        "января",
        "январь",
        "ocak",
        "stycznia",
        "styczeń",
        "januari",
        "ianuarie",
    ],
    &[
        "february",
        "feb",
        "février",
        "févr",
        "fevrier",
        "februar",
        "febrero",
        "fevereiro",
        "fev",
        "febbraio",
        "februari",
        "февраля",
        "февраль",
        "şubat",
        "subat",
        "lutego",
        "luty",
        "februarie",
    ],
    &[
        "march",
        "mar",
        "mars",
        "märz",
        "marz",
        "marzo",
        "março",
        "marco",
        "maart",
        "марта",
        "март",
        "mart",
        "marca",
        "marzec",
        "martie",
    ],
    &[
        "april",
        "apr",
        "avril",
        "avr",
        "abril",
        "abr",
        "aprile",
        "апреля",
        "апрель",
        "nisan",
        "kwietnia",
        "kwiecień",
        "aprilie",
    ],
    &["may", "mai", "mayo", "maio", "maggio", "mag", "mei", "мая", "май", "mayıs", "mayis", "maja", "maj"],
    &[
        "june", "jun", "juin", "juni", "junio", "junho", "giugno", "giu", "июня", "июнь", "haziran", "czerwca",
        "czerwiec", "iunie",
    ],
    &[
        "july", "jul", "juillet", "juil", "juli", "julio", "julho", "luglio", "lug", "июля", "июль", "temmuz", "lipca",
        "lipiec", "iulie",
    ],
    &[
        "august",
        "aug",
        "août",
        "aout",
        "agosto",
        "ago",
        "augustus",
        "августа",
        "август",
        "ağustos",
        "agustos",
        "sierpnia",
        "sierpień",
    ],
    &[
        "september",
        "sep",
        "sept",
        "septembre",
        "septiembre",
        "setembro",
        "set",
        "settembre",
        "сентября",
        "сентябрь",
        "eylül",
        "eylul",
        "września",
        "wrzesień",
        "septembrie",
    ],
    &[
        "october",
        "oct",
        "octobre",
        "oktober",
        "okt",
        "octubre",
        "outubro",
        "out",
        "ottobre",
        "ott",
        "октября",
        "октябрь",
        "ekim",
        "października",
        "październik",
        "octombrie",
    ],
    &[
        "november",
        "nov",
        "novembre",
        "noviembre",
        "novembro",
        "ноября",
        "ноябрь",
        "kasım",
        "kasim",
        "listopada",
        "listopad",
        "noiembrie",
    ],
    &[
        "december",
        "dec",
        "décembre",
        "decembre",
        "dezember",
        "dez",
        "diciembre",
        "dic",
        "dezembro",
        "dicembre",
        "desember",
        "декабря",
        "декабрь",
        "aralık",
        "aralik",
        "grudnia",
        "grudzień",
        "decembrie",
    ],
];

fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    MONTHS.iter().position(|names| names.contains(&w.as_str())).map(|i| i as u32 + 1)
}

/// A date is plausible for a news page: not before 1990 (the web), not after today.
fn plausible(d: NaiveDate) -> bool {
    let today = Utc::now().date_naive();
    d.year() >= 1990 && d <= today + chrono::Duration::days(1)
}

fn date_only(d: NaiveDate) -> Option<Published> {
    plausible(d).then(|| parse_date(&d.format("%Y-%m-%d").to_string())).flatten()
}

/// A machine-readable value (RFC 3339, RFC 2822, ISO date), checked for plausibility.
pub fn machine(value: &str) -> Option<Published> {
    let p = parse_date(value.trim())?;
    plausible(p.utc().date_naive()).then_some(p)
}

/// A date in a URL: `/2019/11/19/`, `/2019-11-19/`, `/20191119/`.
pub fn from_url(url: &str) -> Option<Published> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let parts: Vec<&str> = path.split(['/', '-', '_', '.']).collect();
    for w in parts.windows(3) {
        if let (Ok(y), Ok(m), Ok(d)) = (w[0].parse::<i32>(), w[1].parse::<u32>(), w[2].parse::<u32>())
            && w[0].len() == 4
            && w[1].len() <= 2
            && w[2].len() <= 2
            && let Some(nd) = NaiveDate::from_ymd_opt(y, m, d)
        {
            return date_only(nd);
        }
    }
    for p in &parts {
        if p.len() == 8 && p.bytes().all(|b| b.is_ascii_digit()) {
            let (y, m, d) = (p[..4].parse().ok()?, p[4..6].parse().ok()?, p[6..].parse().ok()?);
            if let Some(nd) = NaiveDate::from_ymd_opt(y, m, d) {
                return date_only(nd);
            }
        }
    }
    None
}

/// The first date written out in `text`.
pub fn from_text(text: &str) -> Option<Published> {
    // 2019年11月19日
    if let Some(p) = cjk(text) {
        return Some(p);
    }
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | '(' | ')' | '·' | '•'))
        .filter(|t| !t.is_empty())
        .collect();
    let num = |t: &str| {
        t.trim_end_matches(['.', ',', 'º', '°'])
            .trim_end_matches("th")
            .trim_end_matches("st")
            .trim_end_matches("nd")
            .trim_end_matches("rd")
            .parse::<u32>()
            .ok()
    };
    let year = |t: &str| t.trim_end_matches(['.', ',']).parse::<i32>().ok().filter(|y| (1990..=2100).contains(y));
    for i in 0..tokens.len() {
        // Numeric: 19.11.2019, 19/11/2019, 2019-11-19, 2019/11/19.
        if let Some(p) = numeric(tokens[i]) {
            return Some(p);
        }
        // Day Month Year ("19 November 2019", "19. November 2019", "19 de noviembre de 2019").
        if let Some(d) = num(tokens[i]) {
            let mut j = i + 1;
            if tokens.get(j).is_some_and(|t| *t == "de" || *t == "del") {
                j += 1;
            }
            if let Some(m) = tokens.get(j).and_then(|t| month_of(t)) {
                let mut k = j + 1;
                if tokens.get(k).is_some_and(|t| *t == "de" || *t == "del") {
                    k += 1;
                }
                if let Some(y) = tokens.get(k).and_then(|t| year(t))
                    && let Some(nd) = NaiveDate::from_ymd_opt(y, m, d)
                {
                    return date_only(nd);
                }
            }
        }
        // Month Day Year ("November 19, 2019", "Nov. 19 2019").
        if let Some(m) = month_of(tokens[i])
            && let (Some(d), Some(y)) =
                (tokens.get(i + 1).and_then(|t| num(t)), tokens.get(i + 2).and_then(|t| year(t)))
            && let Some(nd) = NaiveDate::from_ymd_opt(y, m, d)
        {
            return date_only(nd);
        }
    }
    None
}

fn numeric(t: &str) -> Option<Published> {
    let t = t.trim_end_matches(['.', ',', ':']);
    let sep = if t.contains('.') {
        '.'
    } else if t.contains('/') {
        '/'
    } else if t.contains('-') {
        '-'
    } else {
        return None;
    };
    let parts: Vec<&str> = t.split(sep).collect();
    if parts.len() != 3 || !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let nd = if parts[0].len() == 4 {
        NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2])
    } else if parts[2].len() == 4 && sep != '/' {
        // Day first: 19.11.2019, 19-11-2019.
        NaiveDate::from_ymd_opt(n[2] as i32, n[1], n[0])
    } else if parts[2].len() == 4 {
        // 11/19/2019 is month first; 19/11/2019 is day first; ambiguous ones are left.
        if n[0] > 12 {
            NaiveDate::from_ymd_opt(n[2] as i32, n[1], n[0])
        } else if n[1] > 12 {
            NaiveDate::from_ymd_opt(n[2] as i32, n[0], n[1])
        } else {
            None
        }
    } else {
        None
    };
    nd.and_then(date_only)
}

fn cjk(text: &str) -> Option<Published> {
    let y = text.find('年')?;
    let head = &text[..y];
    let digits: String =
        head.chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
    let year: i32 = digits.parse().ok()?;
    let rest = &text[y + '年'.len_utf8()..];
    let (m, rest) = rest.split_once('月')?;
    let (d, _) = rest.split_once('日')?;
    let nd = NaiveDate::from_ymd_opt(year, m.trim().parse().ok()?, d.trim().parse().ok()?)?;
    date_only(nd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        from_text(s).map(|p| p.display()).unwrap_or_default()
    }

    #[test]
    fn written_dates_in_several_languages() {
        assert_eq!(t("Posted November 19, 2019 at 6:51 AM"), "2019-11-19");
        assert_eq!(t("Updated Nov. 19 2019"), "2019-11-19");
        assert_eq!(t("19 November 2019"), "2019-11-19");
        assert_eq!(t("19. November 2019"), "2019-11-19");
        assert_eq!(t("le 3 mars 2021"), "2021-03-03");
        assert_eq!(t("5 de mayo de 2020"), "2020-05-05");
        assert_eq!(t("19 ноября 2019 г."), "2019-11-19");
        assert_eq!(t("12 Ağustos 2022 Cuma"), "2022-08-12");
        assert_eq!(t("2019年11月19日 10:00"), "2019-11-19");
        assert_eq!(t("segunda-feira, 22 de janeiro de 2018 às 0:13"), "2018-01-22");
        assert_eq!(t("19.11.2019"), "2019-11-19");
        assert_eq!(t("2019/11/19"), "2019-11-19");
        assert_eq!(t("11/19/2019"), "2019-11-19");
        assert_eq!(t("05/06/2019"), "", "ambiguous");
        assert_eq!(t("Price: 19 euros in 2019"), "");
    }

    #[test]
    fn urls_and_the_future() {
        assert_eq!(
            from_url("https://www.cleveland.com/entertainment/2019/11/19/doobie.html").unwrap().display(),
            "2019-11-19"
        );
        assert_eq!(from_url("https://x.org/news/20191119-story").unwrap().display(), "2019-11-19");
        assert!(from_url("https://x.org/2019/11/story").is_none());
        assert!(from_text("1 January 2999").is_none(), "no dates from the future");
        assert!(machine("2999-01-01T00:00:00Z").is_none());
        assert!(machine("1970-01-01").is_none(), "placeholder dates are not news dates");
        assert_eq!(machine("2024-03-01T10:00:00+06:00").unwrap().display(), "2024-03-01T10:00:00+06:00");
    }
}
