fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        // A panic kills the page: say why in the console. This is the part
        // of console_error_panic_hook that matters, for less bundle.
        std::panic::set_hook(Box::new(|panic| leptos::logging::error!("{panic}")));
        leptos::mount::mount_to_body(wschat::App);
    }
}
