//! [`JsonValue`] over the browser's own `JSON.parse`: no parser in the
//! bundle. See `wschat_core::json_value` for why.

use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use wschat_core::json_value::{whole, JsonValue};

/// A value that `JSON.parse` returned.
#[derive(Debug, Clone)]
pub struct BrowserJson(JsValue);

impl JsonValue for BrowserJson {
    fn parse(text: &str) -> Option<Self> {
        JSON::parse(text).ok().map(BrowserJson)
    }

    fn string(&self) -> Option<String> {
        self.0.as_string()
    }

    fn whole_number(&self) -> Option<u64> {
        whole(self.0.as_f64()?)
    }

    fn boolean(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn is_null(&self) -> bool {
        self.0.is_null()
    }

    fn is_object(&self) -> bool {
        self.0.is_object() && !Array::is_array(&self.0)
    }

    fn items(&self) -> Option<Vec<Self>> {
        Array::is_array(&self.0).then(|| {
            self.0
                .unchecked_ref::<Array>()
                .iter()
                .map(BrowserJson)
                .collect()
        })
    }

    fn member(&self, name: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        // Own members only: every object inherits `constructor` and the
        // like. Not `Object.hasOwn`, which older browsers lack: calling it
        // there would throw through the connection's event.
        let key = JsValue::from_str(name);
        let own = Object::get_own_property_descriptor(self.0.unchecked_ref::<Object>(), &key);
        if own.is_undefined() {
            return None;
        }
        Reflect::get(&own, &JsValue::from_str("value"))
            .ok()
            .map(BrowserJson)
    }

    fn entries(&self) -> Option<Vec<(String, Self)>> {
        if !self.is_object() {
            return None;
        }
        // Own enumerable members, as `[name, value]` pairs.
        let pairs = Object::entries(self.0.unchecked_ref::<Object>());
        Some(
            pairs
                .iter()
                .filter_map(|pair| {
                    let pair = pair.unchecked_into::<Array>();
                    Some((pair.get(0).as_string()?, BrowserJson(pair.get(1))))
                })
                .collect(),
        )
    }

    fn to_json(&self) -> String {
        JSON::stringify(&self.0)
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_default()
    }
}
