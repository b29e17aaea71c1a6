// In the browser, wasm-bindgen's start function runs the app rather than
// std's `main`: std's start-up and clean-up (the main thread's handle, and
// stdout's buffer flushed at exit) cost the bundle and do nothing here.
#![cfg_attr(target_arch = "wasm32", no_main)]

#[cfg(not(target_arch = "wasm32"))]
fn main() {}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
fn start() {
    // A panic kills the page: say why in the console. This is the part
    // of console_error_panic_hook that matters, for less bundle.
    std::panic::set_hook(Box::new(|panic| leptos::logging::error!("{panic}")));
    // The history is read before the page is laid out, so that it shows
    // first, in order.
    wasm_bindgen_futures::spawn_local(async {
        let start = wschat::Start::read().await;
        leptos::mount::mount_to_body(move || leptos::prelude::view! { <wschat::App start /> });
    });
}
