//! Why the extractor chose what it chose: `cargo run --release -p newsdex-extract
//! --example explain -- PAGE.html[.gz]` prints the best-scoring containers and the text.

use std::io::Read;

use newsdex_extract::html::{content, dom::Dom};

fn main() {
    let path = std::env::args().nth(1).expect("a page");
    let raw = std::fs::read(&path).expect("readable");
    let bytes = if path.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out).expect("gzip");
        out
    } else {
        raw
    };
    let html = newsdex_extract::decode(&bytes, Some(newsdex_extract::Markup::Html), &mut Vec::new());
    let dom = Dom::parse(&html);
    if let Some(phrase) = std::env::args().nth(2) {
        // Where is this phrase in the tree?
        for id in 0..dom.nodes.len() as u32 {
            if dom.raw_text(id).is_some_and(|t| t.contains(&phrase)) {
                let mut chain = Vec::new();
                let mut a = dom.node(id).parent;
                while a != newsdex_extract::html::dom::NONE {
                    chain.push(format!(
                        "{:?}.{}#{}",
                        dom.tag(a),
                        dom.attr(a, newsdex_extract::html::dom::AttrName::Class).unwrap_or(""),
                        dom.attr(a, newsdex_extract::html::dom::AttrName::Id).unwrap_or("")
                    ));
                    a = dom.node(a).parent;
                }
                println!("{phrase:?} in node {id}: {}", chain.join(" < "));
            }
        }
    }
    for (id, score, what) in content::explain(&dom, 12) {
        println!("{id:>7} {score:8.1}  {what}");
    }
    let (paragraphs, found) = content::article_text(&dom, None);
    println!("\nfound a container: {found}\n");
    for p in paragraphs {
        println!("| {p}");
    }
}
