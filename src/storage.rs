//! The browser's localStorage and sessionStorage, behind plain functions.
//!
//! Storage can be missing (a privacy mode), full, or hold anything at all:
//! every read may fail, and so may every write, which says why.

use wasm_bindgen::JsValue;
use web_sys::Storage;

/// The user's name, kept across visits.
pub const NAME_KEY: &str = "wschat.name";
/// The saved settings, kept across visits.
pub const SETTINGS_KEY: &str = "wschat.settings";
/// The outbox, kept across reloads of this tab only.
pub const OUTBOX_KEY: &str = "wschat.outbox";
/// The token for the server, kept in this tab only: never in localStorage.
pub const TOKEN_KEY: &str = "wschat.token";

/// Which storage area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Kept across visits, shared by the origin's tabs.
    Local,
    /// Kept across reloads of one tab.
    Session,
}

pub fn read(area: Area, key: &str) -> Option<String> {
    storage(area)?.get_item(key).ok().flatten()
}

/// Writes a value; the error is what the browser threw (a quota error,
/// say), or a string when it has no such storage at all.
pub fn write(area: Area, key: &str, value: &str) -> Result<(), JsValue> {
    let storage = storage(area).ok_or_else(|| JsValue::from_str("storage is disabled"))?;
    storage.set_item(key, value)
}

pub fn remove(area: Area, key: &str) {
    if let Some(storage) = storage(area) {
        let _ = storage.remove_item(key);
    }
}

fn storage(area: Area) -> Option<Storage> {
    let window = web_sys::window()?;
    match area {
        Area::Local => window.local_storage().ok().flatten(),
        Area::Session => window.session_storage().ok().flatten(),
    }
}
