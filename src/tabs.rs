//! Which tab owns the outbox saved in sessionStorage.
//!
//! A duplicated tab, or a window opened with `window.open`, starts with a
//! copy of its opener's sessionStorage, outbox included. Left alone, both
//! tabs would send that queue. So each tab keeps a token beside its outbox,
//! and on start asks over a BroadcastChannel whether a live tab holds the
//! same token. If one answers, this tab is the copy: the queue stays with
//! the original, and this tab takes a token of its own. A reload finds no
//! other holder and keeps its queue.

use std::{cell::Cell, rc::Rc, time::Duration};

use leptos::prelude::set_timeout;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{BroadcastChannel, MessageEvent};

use crate::storage::{self, Area};

/// sessionStorage key of this tab's token.
pub const TAB_KEY: &str = "wschat.tab";
const CHANNEL: &str = "wschat.tabs";
/// How long to wait for an owner's answer. Live tabs answer in a few
/// milliseconds; a throttled background tab may take longer, but a tab that
/// slow is not sending either.
const ANSWER_WAIT: Duration = Duration::from_millis(300);

/// Answers other tabs' questions for as long as the page lives.
pub struct TabOwner {
    channel: BroadcastChannel,
    _listener: Closure<dyn FnMut(MessageEvent)>,
}

impl Drop for TabOwner {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// Claims this tab's token, then calls `decided(copied)`: true when another
/// live tab holds the same token, so the saved outbox is not this tab's.
/// Without BroadcastChannel it decides at once that the tab is no copy.
pub fn claim(decided: impl FnOnce(bool) + 'static) -> Option<TabOwner> {
    let token = storage::read(Area::Session, TAB_KEY).unwrap_or_else(new_token);
    storage::write(Area::Session, TAB_KEY, &token);
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else {
        decided(false);
        return None;
    };
    let copied = Rc::new(Cell::new(false));
    let listener = {
        let copied = Rc::clone(&copied);
        let channel = channel.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(said) = event.data().as_string() else {
                return;
            };
            let mine = storage::read(Area::Session, TAB_KEY).unwrap_or_default();
            if said.strip_prefix("ask:") == Some(mine.as_str()) {
                let _ = channel.post_message(&format!("own:{mine}").into());
            } else if said.strip_prefix("own:") == Some(mine.as_str()) {
                copied.set(true);
            }
        })
    };
    channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    let _ = channel.post_message(&format!("ask:{token}").into());
    set_timeout(
        move || {
            let copied = copied.get();
            if copied {
                storage::write(Area::Session, TAB_KEY, &new_token());
            }
            decided(copied);
        },
        ANSWER_WAIT,
    );
    Some(TabOwner {
        channel,
        _listener: listener,
    })
}

fn new_token() -> String {
    let high = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let low = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{:016x}", (high << 32) | low)
}
