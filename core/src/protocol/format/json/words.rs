//! What an object that carries no text says, in words: `numUsers: 2`,
//! never its JSON. A nested value is written as compact JSON, cut short:
//! any object gives a bounded line.

use crate::json_value::JsonValue;

/// How many members of an object are written; the rest is `…`.
pub const MAX_PARTS: usize = 12;
/// How many characters of one value are written; the rest is `…`.
pub const MAX_VALUE_CHARS: usize = 80;
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
        value_words(&value, out);
    }
}

/// Adds `separator` unless `out` is empty.
pub fn separate(out: &mut String, separator: &str) {
    if !out.is_empty() {
        out.push_str(separator);
    }
}

/// A value in words: a string as it is, anything else as JSON writes it,
/// cut after [`MAX_VALUE_CHARS`] characters.
fn value_words<J: JsonValue>(value: &J, out: &mut String) {
    let text = value.string().unwrap_or_else(|| value.to_json());
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => {
            out.push_str(text.get(..cut).unwrap_or_default());
            out.push('…');
        }
        None => out.push_str(&text),
    }
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
    fn nested_values_are_compact_json_cut_short() {
        assert_eq!(
            words(r#"{"a":[1,"two",{"b":[3,[4]]}],"c":{}}"#, &[]),
            r#"a: [1,"two",{"b":[3,[4]]}] · c: {}"#
        );
        let long = format!(
            r#"{{"a":"{}","b":[{}0]}}"#,
            "é".repeat(100),
            "0,".repeat(100)
        );
        assert_eq!(
            words(&long, &[]),
            format!("a: {}… · b: [{}…", "é".repeat(80), "0,".repeat(39) + "0")
        );
    }

    #[test]
    fn many_members_are_cut_with_an_ellipsis() {
        let object: Vec<String> = (0..20).map(|n| format!(r#""k{n}":{n}"#)).collect();
        let line = words(&format!("{{{}}}", object.join(",")), &[]);
        assert!(line.starts_with("k0: 0 · k1: 1"), "{line}");
        assert!(line.ends_with("k11: 11 · …"), "{line}");
    }
}
