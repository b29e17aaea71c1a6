//! What an object that carries no text says, in words: `numUsers: 2`,
//! never its JSON. A nested value is written as compact JSON, cut short:
//! any object gives a bounded line.

use crate::{json_value::JsonValue, protocol::preview};

/// How many members of an object are written; the rest is `…`.
pub const MAX_PARTS: usize = 12;
/// What joins the parts of an event's line.
pub const SEPARATOR: &str = " · ";

/// Writes an object's members as `name: value`, joined by [`SEPARATOR`],
/// passing over those named in `skip` (the sender and event fields). A
/// value is a string as it is, anything else as JSON writes it, cut after
/// 80 characters.
pub fn members<J: JsonValue>(object: &J, skip: &[&str], out: &mut String) {
    let Some(entries) = object.entries() else {
        return;
    };
    let mut count = 0;
    for (name, value) in entries {
        if skip.contains(&name.as_str()) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(SEPARATOR);
        }
        if count == MAX_PARTS {
            out.push('…');
            break;
        }
        count += 1;
        out.push_str(&name);
        out.push_str(": ");
        let text = value.string().unwrap_or_else(|| value.to_json());
        out.push_str(&preview(&text));
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
