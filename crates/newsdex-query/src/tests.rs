//! Table-driven tests of the query language: one `check` helper over many cases, every
//! error with its caret, and properties (round trip, no panics) under proptest.

use proptest::prelude::*;

use crate::*;

/// Parse with AND default and print canonically (or the error).
fn check(input: &str) -> String {
    check_op(input, DefaultOp::And)
}

fn check_op(input: &str, op: DefaultOp) -> String {
    match parse(input, op) {
        Ok(q) => q.to_string(),
        Err(e) => format!("ERROR {}", e.render(input)),
    }
}

#[test]
fn words_phrases_and_fields() {
    let cases = [
        ("Tashkent", "Tashkent"),
        ("  Tashkent  ", "Tashkent"),
        ("\"Foreign Policy\"", "\"Foreign Policy\""),
        ("\"uyghur camps\"~5", "\"uyghur camps\"~5"),
        ("Uyghur Tashkent", "+Uyghur +Tashkent"),
        ("title:Tashkent", "title:Tashkent"),
        ("TITLE:Tashkent", "title:Tashkent"),
        (
            "headline:x text:y source:rfa language:ug date:2024",
            "+title:x +body:y +outlet:rfa +lang:ug +published:[2024-01-01T00:00:00Z TO 2025-01-01T00:00:00Z}",
        ),
        ("outlet:\"Radio Free Asia\"", "outlet:\"Radio Free Asia\""),
        ("title:(Uyghur OR Uighur)", "title:Uyghur OR title:Uighur"),
        ("title:(a body:b)", "+title:a +body:b"),
        ("=Uighur", "=Uighur"),
        ("title:=Uighur", "title:=Uighur"),
        ("=\"East Turkestan\"", "=\"East Turkestan\""),
        ("uygh*", "uygh*"),
        ("title:uygh*", "title:uygh*"),
        ("*", "*"),
        ("url:rfa.org", "url:rfa.org"),
        ("id:reuters-1", "id:reuters-1"),
        ("\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\""),
    ];
    for (input, want) in cases {
        assert_eq!(check(input), want, "{input}");
    }
}

#[test]
fn real_words_in_many_scripts_stay_whole() {
    for w in
        ["İstanbul'da", "维吾尔", "ئۇيغۇر", "Уйгур", "al-Qaeda", "U.S.", "10:30", "http://rfa.org/a", "C++", "e-mail"]
    {
        let q = parse(w, DefaultOp::And).unwrap();
        assert_eq!(q.root, Node::Term { field: None, text: w.to_string(), exact: false }, "{w}");
    }
}

#[test]
fn boolean_operators_and_precedence() {
    let cases = [
        ("a AND b", "+a +b"),
        ("a && b", "+a +b"),
        ("a OR b", "a OR b"),
        ("a || b", "a OR b"),
        ("a b OR c", "(+a +b) OR c"),
        ("a OR b c", "a OR (+b +c)"),
        ("(a OR b) c", "+(a OR b) +c"),
        ("NOT a", "-a"),
        ("a NOT b", "+a -b"),
        ("a AND NOT b", "+a -b"),
        ("!a b", "-a +b"),
        ("-a -b", "-a -b"),
        ("+a -b c", "+a -b +c"),
        ("-(a b)", "-(+a +b)"),
        ("+(a OR b)", "a OR b"),
        ("-outlet:rfa Tashkent", "-outlet:rfa +Tashkent"),
        ("a OR NOT b", "a OR (-b)"),
        ("NOT NOT a", "a"),
        ("--a b", "+a +b"),
        ("-+a", "-a"),
        ("NOT -a", "a"),
        ("((a))", "a"),
        ("and or not", "+and +or +not"),
    ];
    for (input, want) in cases {
        assert_eq!(check(input), want, "{input}");
    }
}

#[test]
fn default_or_keeps_optional_clauses_optional() {
    assert_eq!(check_op("a b", DefaultOp::Or), "a OR b");
    assert_eq!(check_op("+a b", DefaultOp::Or), "+a b");
    assert_eq!(check_op("a AND b c", DefaultOp::Or), "+a +b +c");
    let q = parse("+a b -c", DefaultOp::Or).unwrap();
    assert_eq!(parse(&q.to_string(), DefaultOp::Or).unwrap(), q);
}

#[test]
fn date_ranges() {
    let cases = [
        ("published:2020", "published:[2020-01-01T00:00:00Z TO 2021-01-01T00:00:00Z}"),
        ("published:2020-03", "published:[2020-03-01T00:00:00Z TO 2020-04-01T00:00:00Z}"),
        ("published:2024-02-29", "published:[2024-02-29T00:00:00Z TO 2024-03-01T00:00:00Z}"),
        ("published:[2020-01-01 TO 2021-06-30]", "published:[2020-01-01T00:00:00Z TO 2021-07-01T00:00:00Z}"),
        ("published:{2020 TO 2022}", "published:[2021-01-01T00:00:00Z TO 2022-01-01T00:00:00Z}"),
        ("published:[2020 TO *]", "published:[2020-01-01T00:00:00Z TO *}"),
        ("published:[* TO 2020]", "published:[* TO 2021-01-01T00:00:00Z}"),
        ("published:>=2024-02", "published:[2024-02-01T00:00:00Z TO *}"),
        ("published:>2024", "published:[2025-01-01T00:00:00Z TO *}"),
        ("published:<2024", "published:[* TO 2024-01-01T00:00:00Z}"),
        ("published:<=2024-01", "published:[* TO 2024-02-01T00:00:00Z}"),
        (
            "published:[2024-03-01T10:00:00+06:00 TO 2024-03-01T12:00:00Z]",
            "published:[2024-03-01T04:00:00Z TO 2024-03-01T12:00:01Z}",
        ),
        ("cocoa date:1987-03", "+cocoa +published:[1987-03-01T00:00:00Z TO 1987-04-01T00:00:00Z}"),
    ];
    for (input, want) in cases {
        assert_eq!(check(input), want, "{input}");
    }
}

#[test]
fn every_error_says_what_and_where() {
    let cases = [
        ("", "ERROR empty query\n  \n  ^"),
        ("\"foreign policy", "ERROR unclosed quote\n  \"foreign policy\n  ^"),
        ("(Tashkent", "ERROR unbalanced parenthesis: this '(' is never closed\n  (Tashkent\n  ^"),
        ("Tashkent)", "ERROR unbalanced parenthesis: this ')' has no '('\n  Tashkent)\n          ^"),
        ("a AND", "ERROR AND needs a clause after it\n  a AND\n    ^"),
        ("AND a", "ERROR AND needs a clause before it\n  AND a\n  ^"),
        ("OR b", "ERROR OR needs a clause before it\n  OR b\n  ^"),
        ("a OR", "ERROR OR needs a clause after it\n  a OR\n    ^"),
        ("NOT", "ERROR NOT needs a clause after it\n  NOT\n  ^"),
        ("a - b", "ERROR '-' must be followed directly by a word, phrase or group\n  a - b\n    ^"),
        ("()", "ERROR empty group: '()' has nothing in it\n  ()\n  ^"),
        ("title:", "ERROR title: needs a value\n  title:\n  ^"),
        ("\"\"", "ERROR empty phrase\n  \"\"\n  ^"),
        ("\"a b\"~x", "ERROR proximity after a phrase is a number from 0 to 100: \"a b\"~5\n  \"a b\"~x\n       ^"),
        ("u*", "ERROR a prefix needs at least 2 characters before '*'\n  u*\n  ^"),
        ("u*gh", "ERROR '*' may only end a word (uygh*)\n  u*gh\n  ^"),
        ("=uygh*", "ERROR an exact term (=) cannot be a prefix\n  =uygh*\n  ^"),
        (
            "published:[2020 TO]",
            "ERROR a date range is [FROM TO UNTIL], e.g. published:[2020-01 TO 2020-06]\n  published:[2020 TO]\n            ^",
        ),
        (
            "published:[2020 TO 2021",
            "ERROR unclosed date range: published:[2020-01-01 TO 2020-12-31]\n  published:[2020 TO 2021\n            ^",
        ),
        (
            "published:[2021 TO 2020]",
            "ERROR the date range is empty: its start is not before its end\n  published:[2021 TO 2020]\n  ^",
        ),
        (
            "published:soon",
            "ERROR \"soon\" is not a date: use 2024, 2024-03, 2024-03-01 or an RFC 3339 time like 2024-03-01T10:00:00Z\n  published:soon\n            ^",
        ),
        (
            "x [2020 TO 2021]",
            "ERROR ranges are only for published: (published:[2020 TO 2021])\n  x [2020 TO 2021]\n    ^",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(check(input), want, "{input:?}");
    }
    let e = check("nosuchfield:x");
    assert!(
        e.starts_with("ERROR unknown field 'nosuchfield' (fields: title, body, outlet, lang, url, id, published); to search for the text itself, put it in quotes: \"nosuchfield:x\""),
        "{e}"
    );
}

#[test]
fn limits_are_errors_not_crashes() {
    let long = "a ".repeat(3000);
    assert_eq!(parse(&long, DefaultOp::And).unwrap_err().message, "the query is longer than 4096 bytes");
    // Redundant parentheses are fine up to the parser's guard; real nesting is limited.
    let redundant = format!("{}a{}", "(".repeat(40), ")".repeat(40));
    assert_eq!(parse(&redundant, DefaultOp::And).unwrap().to_string(), "a");
    let too_many = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(parse(&too_many, DefaultOp::And).unwrap_err().message, "the query nests deeper than 96 levels");
    let mut deep = "a".to_string();
    for i in 0..40 {
        deep = if i % 2 == 0 { format!("(x{i} OR {deep})") } else { format!("(x{i} {deep})") };
    }
    assert_eq!(parse(&deep, DefaultOp::And).unwrap_err().message, "the query nests deeper than 32 levels");
    // Marker chains are a loop, not recursion, and cancel in pairs.
    let nots = format!("{}a", "NOT ".repeat(1000));
    assert_eq!(parse(&nots, DefaultOp::And).unwrap().to_string(), "a");
    let many = "ab ".repeat(1100);
    assert_eq!(parse(&many, DefaultOp::And).unwrap_err().message, "the query has more than 1024 terms");
}

/// Found by `cargo fuzz run query_parse`: a chain of `-` parsed, then printed as nested
/// `-(…)` groups too deep to parse again.
#[test]
fn regression_fuzz_dash_chain_round_trips() {
    let input = "-----------------\u{4}\0\0\0\0\0\0\0";
    let q = parse(input, DefaultOp::And).unwrap();
    assert_eq!(q.to_string(), "-\u{4}\0\0\0\0\0\0\0");
    assert_eq!(parse(&q.to_string(), DefaultOp::And).unwrap(), q);
}

/// Found by `cargo fuzz run query_parse`: `--OR` made the operator word a term, which
/// then printed as a bare operator.
#[test]
fn regression_fuzz_operator_word_after_markers() {
    let e = parse("--OR", DefaultOp::And).unwrap_err();
    assert_eq!(e.render("--OR"), "OR is an operator here; to search for the word, quote it: \"OR\"\n  --OR\n    ^");
    assert_eq!(parse("-\"OR\"", DefaultOp::And).unwrap().to_string(), "-\"OR\"");
}

/// Found by `cargo fuzz run query_parse`: a signed six-digit year parsed but printed in a
/// form the date parser rejects.
#[test]
fn regression_fuzz_six_digit_year() {
    let e = parse("published:+090972-11-01T00:00:0", DefaultOp::And).unwrap_err();
    assert!(e.message.starts_with("\"+090972-11-01T00:00:0\" is not a date"), "{e}");
}

#[test]
fn positive_terms_skip_negated_ones() {
    let q = parse("Uyghur =Uighur -camps \"East Turkestan\" NOT (Beijing)", DefaultOp::And).unwrap();
    let t: Vec<_> = q.positive_terms().iter().map(|t| (t.text, t.exact, t.phrase)).collect();
    assert_eq!(t, [("Uyghur", false, false), ("Uighur", true, false), ("East Turkestan", false, true)]);
}

#[test]
fn render_points_at_characters_not_bytes() {
    let e = parse("维吾尔 \"open", DefaultOp::And).unwrap_err();
    assert_eq!(e.render("维吾尔 \"open"), "unclosed quote\n  维吾尔 \"open\n      ^");
}

// ---- properties --------------------------------------------------------------------

fn word() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z][a-zA-Z0-9.'-]{0,8}", "[维吾尔新疆报道]{1,4}", "[ئۇيغۇر]{1,5}", "[Уйгурский]{1,6}",]
        .prop_filter("must lex as one plain word", |w| {
            parse(w, DefaultOp::And).is_ok_and(|q| q.root == Node::Term { field: None, text: w.clone(), exact: false })
        })
}

fn field() -> impl Strategy<Value = Option<Field>> {
    prop_oneof![
        Just(None),
        Just(Some(Field::Title)),
        Just(Some(Field::Body)),
        Just(Some(Field::Outlet)),
        Just(Some(Field::Url))
    ]
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        (field(), word(), any::<bool>()).prop_map(|(field, text, exact)| Node::Term { field, text, exact }),
        (field(), prop::collection::vec(word(), 1..4), any::<bool>(), 0u32..6)
            .prop_map(|(field, ws, exact, slop)| { Node::Phrase { field, text: ws.join(" "), exact, slop } }),
        (field(), "[a-z]{2,6}").prop_map(|(field, text)| Node::Prefix { field, text }),
        (0i64..2_000_000_000, 1i64..100_000_000)
            .prop_map(|(s, len)| Node::DateRange(DateRange { start: Some(s), end: Some(s + len) })),
        (0i64..2_000_000_000).prop_map(|s| Node::DateRange(DateRange { start: Some(s), end: None })),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop::collection::vec((prop_oneof![Just(Occur::Must), Just(Occur::Should), Just(Occur::MustNot)], inner), 1..4)
            .prop_map(Node::Bool)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Printing then parsing gives the same (normalised) query. Groups that mix `+` with
    /// optional clauses round-trip under OR, the operator that produces them.
    #[test]
    fn display_round_trips(n in node()) {
        let q = Query { root: normalize(n) };
        let printed = q.to_string();
        let back = parse(&printed, DefaultOp::Or).map_err(|e| TestCaseError::fail(format!("{printed:?}: {}", e.render(&printed))))?;
        prop_assert_eq!(&back, &q, "printed as {}", printed);
        // And printing is stable.
        prop_assert_eq!(back.to_string(), printed);
    }

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,80}") {
        for op in [DefaultOp::And, DefaultOp::Or] {
            if let Err(e) = parse(&s, op) {
                prop_assert!(e.offset <= s.len());
                let _ = e.render(&s);
            }
        }
    }

    #[test]
    fn never_panics_on_syntax_soup(s in "[\"()\\[\\]{}:+\\-=*~!&| aORNDTtitle2024-]{0,40}") {
        for op in [DefaultOp::And, DefaultOp::Or] {
            if let Ok(q) = parse(&s, op) {
                // Anything that parses prints to something that parses the same way.
                let again = parse(&q.to_string(), op);
                prop_assert!(again.is_ok(), "{:?} printed as {:?}", s, q.to_string());
            }
        }
    }
}

#[test]
fn limits_come_from_query_limits() {
    let tight = QueryLimits { max_bytes: 12, max_depth: 1, max_clauses: 2, max_slop: 5, ..QueryLimits::default() };
    let p = |q: &str| parse_with_limits(q, DefaultOp::And, &tight).map(|q| q.to_string()).map_err(|e| e.message);
    assert_eq!(p("a b"), Ok("+a +b".to_string()));
    assert_eq!(p("a b c"), Err("the query has more than 2 terms".to_string()));
    assert_eq!(p("abcdefghijklm"), Err("the query is longer than 12 bytes".to_string()));
    let shallow = QueryLimits { max_depth: 1, ..QueryLimits::default() };
    let e = parse_with_limits("(a OR b) c", DefaultOp::And, &shallow).unwrap_err();
    assert_eq!(e.message, "the query nests deeper than 1 levels");
    assert_eq!(p("\"a b\"~5"), Ok("\"a b\"~5".to_string()));
    assert_eq!(p("\"a b\"~6"), Err("proximity after a phrase is a number from 0 to 5: \"a b\"~5".to_string()));
    // tantivy carries slop in a byte: a looser limit still stops at 255.
    let loose = QueryLimits { max_slop: 1000, ..QueryLimits::default() };
    assert!(parse_with_limits("\"a b\"~255", DefaultOp::And, &loose).is_ok());
    assert!(parse_with_limits("\"a b\"~256", DefaultOp::And, &loose).is_err());
    // The defaults are the documented constants.
    let d = QueryLimits::default();
    assert_eq!(
        (d.max_bytes, d.max_depth, d.max_clauses, d.max_slop),
        (MAX_QUERY_BYTES, MAX_DEPTH, MAX_CLAUSES, MAX_SLOP)
    );
}

#[test]
fn refusals_say_what_was_too_much_and_the_limit() {
    let phrase = TooCostly {
        limit: Limit::PhraseCost,
        what: ["the"; 10].join(" "),
        words: 10,
        slop: 100,
        found: 700,
        allowed: 100,
    };
    assert_eq!(
        phrase.to_string(),
        "the phrase \"the the the the the the the the the the\"~100 is too costly to search: 10 words within 100 positions cost \
         (10 − 3) × 100 = 700, and the limit is 100. Phrases of up to 3 words may use any ~N; use fewer words or a \
         smaller ~N"
    );
    let long = TooCostly { what: ["the"; 760].join(" "), words: 760, found: 75_700, ..phrase };
    assert!(long.to_string().starts_with("the phrase \"the the the … the the\"~100 is too costly"), "{long}");
    let prefix = TooCostly::new(Limit::PrefixTerms, "co", 10_001, 10_000);
    assert_eq!(
        prefix.to_string(),
        "the prefix co* matches more than 10000 words in this archive (the limit); type more letters before the *"
    );
    let word = TooCostly::new(Limit::SpellingsPerWord, "Uyghur", 70, 64);
    assert!(word.to_string().starts_with("\"Uyghur\" would be searched as 70 spellings"), "{word}");
    assert!(word.to_string().contains("the limit is 64"), "{word}");
    assert_eq!(Limit::PhraseCost.field(), "max_phrase_cost");
}
