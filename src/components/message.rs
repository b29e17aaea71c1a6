use leptos::{
    ev::{self, KeyboardEvent},
    prelude::*,
};

use wschat_core::chat::{check_message, Unsendable, MAX_MESSAGE_CHARS};

use super::{handler, reactive};

/// The message input and the Send button: `fieldset#chat-controls`, with
/// `#typing` above it, which says who is typing.
///
/// Enter sends. Send is disabled while the name or the message is empty, or
/// the message is longer than the limit, which the input states.
#[component]
pub fn Message(
    /// The sender's name; nothing can be sent while it is empty.
    #[prop(into)]
    name: Signal<String>,
    /// Called with the text when the user sends it.
    on_send: Callback<String>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let problem = move || name.with(|name| text.with(|text| check_message(name, text).err()));
    let too_long = move || matches!(problem(), Some(Unsendable::TooLong(_)));
    let hint = move || match problem() {
        Some(problem @ Unsendable::TooLong(_)) => problem.to_string(),
        _ => format!(
            "{} / {MAX_MESSAGE_CHARS} characters",
            text.with(|text| text.chars().count())
        ),
    };
    let submit = move || {
        if untrack(problem).is_none() {
            on_send.run(text.get_untracked());
            text.set(String::new());
        }
    };
    let on_keydown = move |event: KeyboardEvent| {
        if event.key() == "Enter" && !event.is_composing() && !event.shift_key() {
            event.prevent_default();
            submit();
        }
    };

    view! {
        // Who is typing: the connection sets its text (`bob is typing…`)
        // by id, as it learns it; a signal and its view cost 0.3 KB more.
        <p id="typing" aria-live="polite">
            {""}
        </p>
        <fieldset id="chat-controls">
            // Text in a block: view! writes a wholly static element as markup
            // set through innerHTML, which Trusted Types refuse.
            <label for="message" class="visually-hidden">{"Message"}</label>
            <input
                id="message"
                type="text"
                autocomplete="off"
                placeholder="Type a message"
                aria-describedby="message-limit"
                aria-invalid=reactive(move || if too_long() { "true" } else { "false" })
                prop:value=reactive(move || text.get())
                on:input=handler(move |event: ev::Event| text.set(event_target_value(&event)))
                on:keydown=handler(on_keydown)
            />
            <button id="send" type="button" disabled=reactive(move || problem().is_some()) on:click=handler(move |_: ev::MouseEvent| submit())>
                "Send"
            </button>
            <small id="message-limit" class:over=too_long aria-live="polite">
                {reactive(hint)}
            </small>
        </fieldset>
    }
}
