//! Reading parsed JSON.
//!
//! The codecs and the stored forms read JSON through [`JsonValue`], not
//! through one parser: every reading function is generic over it, and the
//! platform names the reader. In the browser the app supplies the browser's
//! own `JSON.parse` (the app crate's `browser_json`, named by its link
//! driver's [`crate::link::Driver::Json`]): serde_json's deserializer cost
//! 15 KB gzip of the bundle's 100 KiB budget. On the host, where the tests
//! run, the same reading code runs on `serde_json::Value`; a browser test
//! checks that both agree. Writing JSON stays with serde_json everywhere,
//! so what the client sends is the same byte for byte.

/// A parsed JSON value, as far as this client looks into one.
pub trait JsonValue: Sized {
    /// Parses JSON text; `None` when it is not JSON.
    fn parse(text: &str) -> Option<Self>;
    /// The value, if it is a string.
    fn string(&self) -> Option<String>;
    /// The value, if it is a whole number of 0 or more; past `u64::MAX` it
    /// is `u64::MAX`. Past 2^53 a browser holds it only roughly.
    fn whole_number(&self) -> Option<u64>;
    /// The value, if it is `true` or `false`.
    fn boolean(&self) -> Option<bool>;
    /// True for `null`.
    fn is_null(&self) -> bool;
    /// True for an object: not an array, not `null`.
    fn is_object(&self) -> bool;
    /// The items, if the value is an array.
    fn items(&self) -> Option<Vec<Self>>;
    /// The member called `name`, if the value is an object that has one.
    fn member(&self, name: &str) -> Option<Self>;
    /// The object's own members, names and values in order, if the value
    /// is an object.
    fn entries(&self) -> Option<Vec<(String, Self)>>;
    /// The value written as JSON again: compact, so not always the text it
    /// was read from.
    fn to_json(&self) -> String;
}

/// An object's member that may be left out: absent or `null` is `None`.
/// Any type but a string is refused, with a reason that names the member.
pub fn optional_string<J: JsonValue>(object: &J, name: &str) -> Result<Option<String>, String> {
    match object.member(name) {
        None => Ok(None),
        Some(value) if value.is_null() => Ok(None),
        Some(value) => value
            .string()
            .map(Some)
            .ok_or_else(|| format!("'{name}' is not a string")),
    }
}

/// A float as a whole number of 0 or more, saturating, as
/// [`JsonValue::whole_number`] says.
pub fn whole(number: f64) -> Option<u64> {
    (number >= 0.0 && number.fract() == 0.0).then_some(number as u64)
}

impl JsonValue for serde_json::Value {
    fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    fn string(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }

    fn whole_number(&self) -> Option<u64> {
        // 25000.0 and 2.5e4 are whole numbers too, as they are in JavaScript.
        self.as_u64().or_else(|| whole(self.as_f64()?))
    }

    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn is_null(&self) -> bool {
        self.is_null()
    }

    fn is_object(&self) -> bool {
        self.is_object()
    }

    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }

    fn member(&self, name: &str) -> Option<Self> {
        self.as_object()?.get(name).cloned()
    }

    fn entries(&self) -> Option<Vec<(String, Self)>> {
        let object = self.as_object()?;
        Some(
            object
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        )
    }

    fn to_json(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> serde_json::Value {
        match JsonValue::parse(text) {
            Some(value) => value,
            None => panic!("{text} did not parse"),
        }
    }

    #[test]
    fn text_that_is_not_json_does_not_parse() {
        for junk in ["", "{", "[1,", "nope", "{'a':1}", "01"] {
            assert!(
                <serde_json::Value as JsonValue>::parse(junk).is_none(),
                "{junk}"
            );
        }
    }

    #[test]
    fn members_are_read_from_objects_only() {
        let object = parse(r#"{"a":"x","b":null}"#);
        assert!(JsonValue::is_object(&object));
        assert_eq!(
            object.member("a").and_then(|a| a.string()),
            Some("x".to_owned())
        );
        assert!(object.member("b").is_some_and(|b| JsonValue::is_null(&b)));
        assert!(object.member("c").is_none());
        let array = parse(r#"["a"]"#);
        assert!(!JsonValue::is_object(&array));
        assert!(array.member("0").is_none());
        assert_eq!(array.items().map(|items| items.len()), Some(1));
    }

    #[test]
    fn whole_numbers_are_read_as_javascript_reads_them_and_saturate() {
        for (text, expected) in [
            ("25000", Some(25000)),
            ("25000.0", Some(25000)),
            ("2.5e4", Some(25000)),
            ("18446744073709551615", Some(u64::MAX)),
            ("1e300", Some(u64::MAX)),
            ("-1", None),
            ("-0.5", None),
            ("1.5", None),
            ("\"7\"", None),
        ] {
            assert_eq!(parse(text).whole_number(), expected, "{text}");
        }
    }

    #[test]
    fn a_value_is_written_again_compactly() {
        assert_eq!(parse(r#"{ "a" : [1, "b"] }"#).to_json(), r#"{"a":[1,"b"]}"#);
    }
}
