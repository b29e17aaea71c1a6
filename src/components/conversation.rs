use leptos::{html::Div, prelude::*};

use crate::chat::{Chat, Delivery, Entry, EntryId};

/// How close to the bottom, in pixels, still counts as following the log.
const FOLLOW_SLACK: i32 = 48;

/// The conversation: `#chat-text`, a log for assistive technology.
///
/// Entries are keyed by id and delivery state, so a row is built once and
/// rebuilt only when its delivery changes. The view follows new entries
/// while the user is at the bottom, and stays put while they read back.
#[component]
pub fn Conversation(
    /// The conversation to show.
    #[prop(into)]
    chat: Signal<Chat>,
    /// Called when the user discards a message that has not gone out, or
    /// whose delivery is uncertain.
    on_discard: Callback<EntryId>,
    /// Called when the user sends an uncertain message again.
    on_resend: Callback<EntryId>,
) -> impl IntoView {
    let log = NodeRef::<Div>::new();
    let following = StoredValue::new(true);

    Effect::new(move |_| {
        chat.track();
        if following.try_get_value().unwrap_or(false) {
            // The frame may come after the component is gone: try_ reads
            // find nothing then, where a plain read would panic.
            request_animation_frame(move || {
                if let Some(log) = log.try_get_untracked().flatten() {
                    log.set_scroll_top(log.scroll_height());
                }
            });
        }
    });
    let on_scroll = move |_| {
        if let Some(log) = log.get_untracked() {
            let bottom = log.scroll_top() + log.client_height();
            following.set_value(bottom >= log.scroll_height() - FOLLOW_SLACK);
        }
    };

    view! {
        <div
            id="chat-text"
            role="log"
            aria-live="polite"
            aria-label="Conversation"
            tabindex="0"
            node_ref=log
            on:scroll=on_scroll
        >
            <For
                each=move || chat.with(|chat| chat.entries().to_vec())
                key=|entry| (entry.id, entry.delivery)
                children=move |entry| view! { <Line entry on_discard on_resend /> }
            />
        </div>
    }
}

/// One entry: the sender span first, then the text.
#[component]
fn Line(
    /// The entry to show.
    entry: Entry,
    /// Called when the user discards this entry.
    on_discard: Callback<EntryId>,
    /// Called when the user sends this entry again.
    on_resend: Callback<EntryId>,
) -> impl IntoView {
    let id = entry.id;
    let discardable = matches!(
        entry.delivery,
        Some(Delivery::Pending) | Some(Delivery::Uncertain)
    );
    let resendable = entry.delivery == Some(Delivery::Uncertain);
    view! {
        <div
            class="entry"
            class:mine=entry.delivery.is_some()
            data-id=id.0
            data-state=entry.delivery.map(Delivery::as_str)
        >
            <span class=entry.kind()>{entry.sender_label().to_owned()}</span>
            <span class="text">{entry.text.to_string()}</span>
            {resendable
                .then(|| {
                    view! {
                        <span class="note">"may not have arrived"</span>
                        <button
                            class="resend"
                            type="button"
                            title="Send this message again"
                            on:click=move |_| on_resend.run(id)
                        >
                            "resend"
                        </button>
                    }
                })}
            {discardable
                .then(|| {
                    view! {
                        <button
                            class="discard"
                            type="button"
                            title="Do not send this message"
                            on:click=move |_| on_discard.run(id)
                        >
                            "discard"
                        </button>
                    }
                })}
        </div>
    }
}
