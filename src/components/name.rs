use leptos::{ev, prelude::*};

use super::{handler, reactive};

/// The longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// The user's name: `fieldset#name-controls` holding `#my-name`.
#[component]
pub fn Name(
    /// The name as it stands.
    #[prop(into)]
    name: Signal<String>,
    /// Called with the new name on every change.
    on_change: Callback<String>,
) -> impl IntoView {
    view! {
        <fieldset id="name-controls">
            // Text in a block: view! writes a wholly static element as markup
            // set through innerHTML, which Trusted Types refuse.
            <label for="my-name">{"Your name"}</label>
            <input
                id="my-name"
                type="text"
                autocomplete="nickname"
                placeholder="Type your name"
                maxlength=MAX_NAME_CHARS
                prop:value=reactive(move || name.get())
                on:input=handler(move |event: ev::Event| on_change.run(event_target_value(&event)))
            />
        </fieldset>
    }
}
