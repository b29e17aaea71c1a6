fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        // A panic kills the page: say why in the console. This is what
        // console_error_panic_hook did that matters here, for 0.8 KB less.
        std::panic::set_hook(Box::new(|panic| leptos::logging::error!("{panic}")));
        leptos::mount::mount_to_body(wschat::App);
    }
}
