//! wschat-core: every rule of the wschat chat client, with no browser in
//! sight. Wire protocols (transports and message formats), the connection's
//! state machine and its delivery ledger, the conversation model, the
//! window arithmetic, configuration, templates, backoff and the outbox.
//!
//! Nothing here depends on leptos, web-sys, js-sys, wasm-bindgen or gloo;
//! the app crate gives the link a real socket and timers through
//! [`link::Driver`], and a JSON reader through [`json_value::JsonValue`].

pub mod backoff;
pub mod chat;
pub mod clock;
pub mod config;
pub mod history;
pub mod json_value;
pub mod ledger;
pub mod link;
pub mod links;
pub mod outbox;
pub mod protocol;
pub mod template;
pub mod typing;
pub mod viewport;
