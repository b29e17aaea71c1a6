fn main() {
    #[cfg(target_arch = "wasm32")]
    {
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
}
