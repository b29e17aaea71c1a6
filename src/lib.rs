//! wschat: the browser shell around `wschat-core`.
//!
//! Every rule lives in the core crate (`core/`), which builds and tests on
//! the host and has no browser crate in its tree. This crate gives those
//! rules a page: the socket and timers (`connection`), storage, the tab
//! claim, the browser's `JSON.parse` reader and the components. It builds
//! for wasm32 only; on the host it is empty.

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
pub mod browser_json;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod connection;
#[cfg(target_arch = "wasm32")]
pub mod history;
#[cfg(target_arch = "wasm32")]
pub mod storage;
#[cfg(target_arch = "wasm32")]
mod tabs;

#[cfg(target_arch = "wasm32")]
pub use app::{App, Start};

/// Talc instead of Rust's default dlmalloc: about 0.6 KB gzip smaller.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
