use std::{cell::Cell, rc::Rc};

use leptos::{ev, prelude::*};

use crate::chat::{Chat, Delivery, Entry, EntryId};

/// The log's id. The contract makes it unique on the page, so the view
/// finds its element by id rather than through a `NodeRef`, which costs
/// about 1 KB gzip.
const LOG_ID: &str = "chat-text";

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
    // Shared by the effect and the scroll handler, both on this thread.
    let following = Rc::new(Cell::new(true));
    let following_on_scroll = Rc::clone(&following);

    Effect::new(move |_| {
        chat.track();
        if following.get() {
            // By the next frame the component may be gone; the lookup
            // finds nothing then.
            request_animation_frame(move || {
                if let Some(log) = document().get_element_by_id(LOG_ID) {
                    log.set_scroll_top(log.scroll_height());
                }
            });
        }
    });
    let on_scroll = move |scroll: ev::Event| {
        let log: web_sys::Element = event_target(&scroll);
        let bottom = log.scroll_top() + log.client_height();
        following_on_scroll.set(bottom >= log.scroll_height() - FOLLOW_SLACK);
    };

    view! {
        <div
            id=LOG_ID
            role="log"
            aria-live="polite"
            aria-label="Conversation"
            tabindex="0"
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
