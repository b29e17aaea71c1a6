use leptos::prelude::*;

use wschat_core::link::Status as LinkStatus;

use super::{reactive, run_on_click};

/// The connection in words (`#status` with `data-state`), and its controls.
#[component]
pub fn Status(
    /// The connection's state and its description.
    #[prop(into)]
    status: Signal<LinkStatus>,
    /// Called when the user asks for a fresh connection.
    on_reconnect: Callback<()>,
    /// Called when the user asks to disconnect.
    on_disconnect: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="status-bar">
            // The coloured dot is the paragraph's generated content.
            <p id="status" role="status" data-state=reactive(move || status.with(|status| status.state.as_str()))>
                {reactive(move || status.with(|status| status.text.clone()))}
            </p>
            <button id="reconnect" type="button" on:click=run_on_click(on_reconnect, ())>
                "Reconnect"
            </button>
            <button
                id="disconnect"
                type="button"
                disabled=reactive(move || status.with(|status| !status.can_stop))
                on:click=run_on_click(on_disconnect, ())
            >
                "Disconnect"
            </button>
        </div>
    }
}
