//! Reuters-21578 (Lewis, Distribution 1.0; research use) from the 22 original SGML files
//! to JSON Lines, one story per line.
//!
//! We convert from the SGML rather than use the JSONL in `../shared` because that file
//! lost the headline of every `TYPE="BRIEF"` story (the `<TITLE>` sits inside `<TEXT>`
//! after `******`), leaving 2,535 records with neither title nor text. From the SGML,
//! 21,577 of the 21,578 stories have a title or text; NEWID 12793 is empty upstream.
//!
//! Fields: `id` (`reuters-NEWID`), `title`, `text` (`<BODY>`, else the text with its tags
//! removed), `published` (`<DATE>`), `dateline`, `type` (`NORM`/`BRIEF`/`UNPROC`),
//! `topics`, `places`, `people`, `orgs`, `exchanges`, `lewissplit`, `cgisplit`, `oldid`.

use std::io::Read;
use std::path::Path;

use serde_json::{Value, json};

/// Convert every `reut2-NNN.sgm.zst` (or `.sgm`) in `dir`, in file order.
pub fn convert_dir(dir: &Path) -> std::io::Result<Vec<Value>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("reut2-") && n.contains(".sgm"))
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let raw = std::fs::read(&f)?;
        let bytes = if f.extension().is_some_and(|e| e == "zst") {
            let mut v = Vec::new();
            zstd::stream::read::Decoder::new(&raw[..])?.read_to_end(&mut v)?;
            v
        } else {
            raw
        };
        // The collection is ASCII with a few Latin-1 bytes.
        let text: String = bytes.iter().map(|&b| b as char).collect();
        out.extend(convert_sgml(&text));
    }
    Ok(out)
}

/// The JSON Lines bytes of [`convert_dir`].
pub fn jsonl(dir: &Path) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for v in convert_dir(dir)? {
        out.extend(serde_json::to_vec(&v).expect("json"));
        out.push(b'\n');
    }
    Ok(out)
}

/// Convert one SGML file's text.
pub fn convert_sgml(sgml: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = sgml;
    while let Some(start) = rest.find("<REUTERS ") {
        let Some(end) = rest[start..].find("</REUTERS>") else { break };
        let story = &rest[start..start + end];
        rest = &rest[start + end + "</REUTERS>".len()..];
        let head_end = story.find('>').unwrap_or(story.len());
        let attrs = &story[..head_end];
        let attr = |name: &str| -> Option<String> {
            let k = format!("{name}=\"");
            let i = attrs.find(&k)? + k.len();
            Some(attrs[i..].split('"').next()?.to_string())
        };
        let text_open = story.find("<TEXT").unwrap_or(story.len());
        let text_attrs = story.get(text_open..).and_then(|t| t.split('>').next()).unwrap_or("");
        let kind = text_attrs.split("TYPE=\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or("NORM");
        let text_block = inner(story, "TEXT").unwrap_or_default();
        let title = inner(text_block, "TITLE").map(clean_line);
        let dateline = inner(text_block, "DATELINE").map(clean_line);
        let body = match inner(text_block, "BODY") {
            Some(b) => clean_block(b),
            None => {
                let mut t = text_block.to_string();
                for tag in ["TITLE", "DATELINE", "AUTHOR"] {
                    if let Some(x) = inner(&t, tag) {
                        t = t.replacen(&format!("<{tag}>{x}</{tag}>"), "", 1);
                    }
                }
                clean_block(&strip_tags(&t))
            }
        };
        let list = |tag: &str| -> Vec<String> {
            inner(story, tag)
                .map(|b| b.split("<D>").skip(1).filter_map(|d| d.split("</D>").next()).map(unescape).collect())
                .unwrap_or_default()
        };
        out.push(json!({
            "id": format!("reuters-{}", attr("NEWID").unwrap_or_default()),
            "title": title.filter(|t| !t.is_empty()),
            "text": body,
            // Some dates trail wire codes: `27-MAR-1987 11:25:54.51&#5;&#5;&#5;F`.
            "published": inner(story, "DATE").map(|d| d.split('&').next().unwrap_or_default().trim().to_string()),
            "dateline": dateline.filter(|d| !d.is_empty()),
            "type": kind,
            "topics": list("TOPICS"),
            "places": list("PLACES"),
            "people": list("PEOPLE"),
            "orgs": list("ORGS"),
            "exchanges": list("EXCHANGES"),
            "lewissplit": attr("LEWISSPLIT"),
            "cgisplit": attr("CGISPLIT"),
            "oldid": attr("OLDID"),
        }));
    }
    out
}

fn inner<'a>(s: &'a str, tag: &str) -> Option<&'a str> {
    let open = s.find(&format!("<{tag}"))?;
    let start = open + s[open..].find('>')? + 1;
    let end = start + s[start..].find(&format!("</{tag}>"))?;
    Some(&s[start..end])
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let Some(semi) = after.find(';').filter(|&k| k <= 8) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        match &after[1..semi] {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "quot" => out.push('"'),
            // Numeric entities in this collection are wire control codes (&#2; &#3; …).
            e if e.starts_with('#') => {}
            other => {
                out.push('&');
                out.push_str(other);
                out.push(';');
            }
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out
}

fn clean_line(s: &str) -> String {
    unescape(s).split_whitespace().collect::<Vec<_>>().join(" ").trim_matches('*').trim().to_string()
}

fn clean_block(s: &str) -> String {
    let t = unescape(s);
    let t: String = t.chars().filter(|c| !c.is_control() || *c == '\n').collect();
    t.trim().trim_start_matches('*').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_story_keeps_its_title() {
        let sgml = r#"<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5573" NEWID="30">
<DATE>26-FEB-1987 15:41:56.54</DATE>
<TOPICS><D>money-supply</D></TOPICS>
<PLACES></PLACES>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK
</TITLE>Blah blah blah.
&#3;

</TEXT>
</REUTERS>"#;
        let v = convert_sgml(sgml);
        assert_eq!(v[0]["id"], "reuters-30");
        assert_eq!(v[0]["title"], "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK");
        assert_eq!(v[0]["text"], "Blah blah blah.");
        assert_eq!(v[0]["type"], "BRIEF");
        assert_eq!(v[0]["topics"], json!(["money-supply"]));
        assert_eq!(v[0]["published"], "26-FEB-1987 15:41:56.54");
    }

    #[test]
    fn normal_story_body_and_entities() {
        let sgml = "<REUTERS NEWID=\"2\"><DATE>26-FEB-1987</DATE><TEXT>&#2;\n<TITLE>STANDARD OIL &lt;SRD> TO FORM UNIT</TITLE>\n<DATELINE>    CLEVELAND, Feb 26 - </DATELINE><BODY>Standard Oil &amp; BP said\nthey plan a venture.\n Reuter\n&#3;</BODY></TEXT></REUTERS>";
        let v = convert_sgml(sgml);
        assert_eq!(v[0]["title"], "STANDARD OIL <SRD> TO FORM UNIT");
        assert_eq!(v[0]["dateline"], "CLEVELAND, Feb 26 -");
        let wire = convert_sgml(
            "<REUTERS NEWID=\"9\"><DATE>27-MAR-1987 11:25:54.51&#5;&#5;&#5;F</DATE><TEXT>x</TEXT></REUTERS>",
        );
        assert_eq!(wire[0]["published"], "27-MAR-1987 11:25:54.51");
        assert_eq!(v[0]["text"], "Standard Oil & BP said\nthey plan a venture.\n Reuter");
    }
}
