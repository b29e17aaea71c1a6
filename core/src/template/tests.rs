use super::*;

#[test]
fn every_field_is_filled_and_other_braces_are_kept() {
    for (template, filled) in [
        ("{name}: {text}", "N: T"),
        ("{text}{text} {name}", "TT N"),
        ("{{name}}", "{N}"),
        ("{nam{name}", "{namN"),
        ("{nam{name", "{nam{name"),
        ("a{b}{", "a{b}{"),
        ("{}", "{}"),
        ("{Name} {TEXT}", "{Name} {TEXT}"),
        ("", ""),
        ("no fields", "no fields"),
        ("é{name}😀{text}", "éN😀T"),
    ] {
        assert_eq!(fill(template, "N", Some("T")), filled, "{template}");
    }
}

#[test]
fn without_a_text_the_text_field_stays() {
    assert_eq!(fill("/ws?u={name}&t={text}", "N", None), "/ws?u=N&t={text}");
}

#[test]
fn values_go_in_once_and_are_not_read_as_fields() {
    assert_eq!(
        fill("{name}:{text}", "{text}", Some("{name}")),
        "{text}:{name}"
    );
}

#[test]
fn json_inside_escapes_without_quotes() {
    assert_eq!(json_inside("plain"), "plain");
    assert_eq!(
        json_inside("say \"hi\" \\ \n\t\u{1}é😀</"),
        r#"say \"hi\" \\ \n\t\u0001é😀</"#
    );
    assert_eq!(json_inside(""), "");
}

#[test]
fn a_json_template_filled_with_escaped_values_is_golden() {
    let template = r#"{"type":"message","user":"{name}","body":"{text}"}"#;
    assert_eq!(
        fill(
            template,
            &json_inside("A\"n"),
            Some(&json_inside("a\\b\nc"))
        ),
        r#"{"type":"message","user":"A\"n","body":"a\\b\nc"}"#
    );
}

#[test]
fn the_json_sample_shows_fields_outside_strings() {
    assert_eq!(json_sample(r#"{"data":"{text}"}"#), r#"{"data":"x"}"#);
    assert_eq!(json_sample(r#"{"data":{text}}"#), r#"{"data":x}"#);
    assert_eq!(json_sample("[{name},{text}]"), "[x,x]");
}

#[test]
fn the_text_field_is_found() {
    assert!(has_text("a{text}"));
    assert!(!has_text("{name}"));
    assert!(!has_text("{tex} {}"));
}

fn read<'a>(pattern: &str, line: &'a str) -> Option<(&'a str, &'a str)> {
    Pattern::parse(pattern)?.read(line)
}

#[test]
fn the_common_pattern_reads_sender_and_text() {
    assert_eq!(read("{name}: {text}", "alice: hi"), Some(("alice", "hi")));
    assert_eq!(
        read("{name}: {text}", "alice: hi: there"),
        Some(("alice", "hi: there"))
    );
    assert_eq!(read("{name}: {text}", "alice: "), Some(("alice", "")));
    assert_eq!(read("{name}: {text}", "Zoë: ça 😀"), Some(("Zoë", "ça 😀")));
}

#[test]
fn lines_that_do_not_match_are_not_read() {
    for line in ["alice joined.", ": hi", "", "alice:hi", "alice"] {
        assert_eq!(read("{name}: {text}", line), None, "{line}");
    }
}

#[test]
fn heads_and_tails_must_be_there_and_must_not_overlap() {
    let pattern = "<{name}> {text}.";
    assert_eq!(read(pattern, "<bob> hi there."), Some(("bob", "hi there")));
    assert_eq!(read(pattern, "<bob> hi"), None);
    assert_eq!(read(pattern, "bob> hi."), None);
    assert_eq!(read("[{name}]{text}]", "[a]"), None);
    assert_eq!(read("[{name}]{text}]", "[a]]"), Some(("a", "")));
}

#[test]
fn with_the_text_first_the_name_is_the_shortest_at_the_end() {
    assert_eq!(
        read("{text} (from {name})", "a (from b) (from carol)"),
        Some(("carol", "a (from b)"))
    );
}

#[test]
fn patterns_need_both_fields_once_with_something_between() {
    for pattern in [
        "{name}",
        "{text}",
        "hi",
        "",
        "{name}: {name}",
        "{text} {text}",
    ] {
        assert_eq!(Pattern::parse(pattern), None, "{pattern}");
    }
    assert_eq!(Pattern::parse("{name}: {text} {name}"), None);
    assert_eq!(Pattern::parse("{name}{text}"), None);
    assert_eq!(Pattern::parse("> {text}{name}"), None);
    assert!(Pattern::parse("{name}: {text}").is_some());
}

#[test]
fn replace_all_replaces_every_occurrence_at_char_boundaries() {
    assert_eq!(replace_all("a-ab-é-ab", "ab", "X"), "a-X-é-X");
    assert_eq!(replace_all("aaa", "aa", "b"), "ba");
    assert_eq!(replace_all("héé", "é", ""), "h");
    assert_eq!(replace_all("abc", "", "X"), "abc");
}
