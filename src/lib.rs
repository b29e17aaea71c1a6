//! wschat: a browser chat client for WebSocket backends.
//!
//! The pure core (protocols, the chat model, backoff, the outbox and the
//! delivery ledger, config, the link state machine) builds and tests on the
//! host. The browser shell (connection, storage, components) builds for
//! wasm32 only.

pub mod backoff;
pub mod chat;
pub mod clock;
pub mod config;
pub mod json_value;
pub mod ledger;
pub mod link;
pub mod outbox;
pub mod protocol;
pub mod template;
pub mod viewport;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
pub mod browser_json;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod connection;
#[cfg(target_arch = "wasm32")]
pub mod storage;
#[cfg(target_arch = "wasm32")]
mod tabs;

#[cfg(target_arch = "wasm32")]
pub use app::App;

/// Talc instead of Rust's default dlmalloc: about 0.6 KB gzip smaller.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
