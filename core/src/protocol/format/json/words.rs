//! What an object that carries no text says, in words: `numUsers: 2`,
//! never its JSON. Nested values are written as far as [`MAX_DEPTH`] and
//! [`MAX_PARTS`] allow, so any value gives a bounded, readable line.

use crate::json_value::JsonValue;

/// How deep nested objects and arrays are written; deeper is `…`.
pub const MAX_DEPTH: usize = 2;
/// How many members or items of one object or array are written; the
/// rest is `…`.
pub const MAX_PARTS: usize = 12;
/// What joins the parts of an event's line.
pub const SEPARATOR: &str = " · ";

/// Writes an object's members as `name: value`, joined by [`SEPARATOR`],
/// passing over those in `skip` (the sender and the event's name).
pub fn members<J: JsonValue>(object: &J, skip: &[&str], out: &mut String) {
    let Some(entries) = object.entries() else {
        return;
    };
    let mut count = 0;
    for (name, value) in entries {
        if skip.contains(&name.as_str()) {
            continue;
        }
        if count == MAX_PARTS {
            separate(out, SEPARATOR);
            out.push('…');
            break;
        }
        count += 1;
        separate(out, SEPARATOR);
        out.push_str(&name);
        out.push_str(": ");
        value_words(&value, 1, out);
    }
}

/// Adds `separator` unless `out` is empty.
pub fn separate(out: &mut String, separator: &str) {
    if !out.is_empty() {
        out.push_str(separator);
    }
}

/// A value in words: a string as it is, a number, `true` or `null` as
/// JSON writes it, an array as `[a, b]`, an object as `{name: value}`.
fn value_words<J: JsonValue>(value: &J, depth: usize, out: &mut String) {
    if let Some(text) = value.string() {
        return out.push_str(&text);
    }
    let (open, close, parts) = if let Some(items) = value.items() {
        let parts: Vec<(Option<String>, J)> = items.into_iter().map(|item| (None, item)).collect();
        ('[', ']', parts)
    } else if let Some(entries) = value.entries() {
        let parts = entries
            .into_iter()
            .map(|(name, value)| (Some(name), value))
            .collect();
        ('{', '}', parts)
    } else {
        return out.push_str(&value.to_json());
    };
    out.push(open);
    if depth > MAX_DEPTH && !parts.is_empty() {
        out.push('…');
    } else {
        for (index, (name, part)) in parts.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            if index == MAX_PARTS {
                out.push('…');
                break;
            }
            if let Some(name) = name {
                out.push_str(name);
                out.push_str(": ");
            }
            value_words(part, depth + 1, out);
        }
    }
    out.push(close);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(json: &str, skip: &[&str]) -> String {
        let value: serde_json::Value = match JsonValue::parse(json) {
            Some(value) => value,
            None => panic!("{json} did not parse"),
        };
        let mut out = String::new();
        members(&value, skip, &mut out);
        out
    }

    #[test]
    fn members_read_as_name_colon_value_in_order() {
        assert_eq!(
            words(
                r#"{"username":"bob","numUsers":2,"ok":true,"x":null}"#,
                &["username"]
            ),
            "numUsers: 2 · ok: true · x: null"
        );
    }

    #[test]
    fn nested_values_read_as_words_as_deep_as_the_limit() {
        assert_eq!(
            words(r#"{"a":[1,"two",{"b":[3,[4]]}],"c":{}}"#, &[]),
            "a: [1, two, {b: […]}] · c: {}"
        );
    }

    #[test]
    fn long_objects_and_arrays_are_cut_with_an_ellipsis() {
        let array: Vec<String> = (0..20).map(|n| n.to_string()).collect();
        let object: Vec<String> = (0..20).map(|n| format!(r#""k{n}":{n}"#)).collect();
        let line = words(
            &format!(r#"{{"a":[{}],{}}}"#, array.join(","), object.join(",")),
            &[],
        );
        assert!(line.starts_with("a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …] · k0: 0"));
        assert!(line.ends_with("k10: 10 · …"), "{line}");
    }

    #[test]
    fn a_deeply_nested_value_gives_a_short_line() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        // serde_json refuses past 128 levels; the browser's reader does not.
        let nested = format!(r#"{{"a":{}}}"#, "[".repeat(100) + &"]".repeat(100));
        assert_eq!(words(&nested, &[]), "a: [[[…]]]");
        assert!(<serde_json::Value as JsonValue>::parse(&deep).is_none());
    }
}
