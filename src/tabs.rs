//! Which tab owns the outbox saved in sessionStorage.
//!
//! A duplicated tab, or a window opened with `window.open`, starts with a
//! copy of its opener's sessionStorage, outbox included. Left alone, both
//! tabs would send that queue. So each tab keeps a token beside its outbox
//! and holds a Web Lock named after it for as long as its page lives. The
//! browser holds the lock for the page, so a busy tab (its main thread
//! blocked) or a frozen one still holds it. On start, a tab asks for its
//! token's lock if it is free: a reload finds it free, since the page
//! that held it is gone, and keeps its queue; a copy finds it held, leaves
//! the queue to the original, and takes a token of its own. No timeout
//! decides.
//!
//! Where the browser has no Web Locks (an http page on another host than
//! localhost is not a secure context), the tab asks over a BroadcastChannel
//! instead whether a live tab holds the token, and waits a moment for the
//! answer: a tab too busy to answer in time is taken for gone.

use std::{cell::Cell, rc::Rc, time::Duration};

use js_sys::{Object, Promise, Reflect};
use leptos::prelude::set_timeout;
use wasm_bindgen::{closure::Closure, prelude::wasm_bindgen, JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

use crate::storage::{self, Area};
use wschat_core::link::Owner;

/// sessionStorage key of this tab's token.
pub const TAB_KEY: &str = "wschat.tab";
const LOCK_PREFIX: &str = "wschat.tab:";
const CHANNEL: &str = "wschat.tabs";
/// Without Web Locks: how long to wait for an owner's answer. Live tabs
/// answer in a few milliseconds.
const ANSWER_WAIT: Duration = Duration::from_millis(300);

#[wasm_bindgen]
extern "C" {
    /// The Web Locks API's `navigator.locks`.
    #[derive(Clone)]
    pub(crate) type LockManager;

    /// `locks.request(name, options, callback)`.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> Result<Promise, JsValue>;
}

/// Without Web Locks: answers other tabs' questions for as long as the
/// page lives.
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

/// The decision's callback, called once, by whichever path decides first.
type Decided = Rc<Cell<Option<Box<dyn FnOnce(Owner)>>>>;

fn decide(decided: &Decided, owner: Owner) {
    if let Some(decided) = decided.take() {
        decided(owner);
    }
}

/// Claims this tab's token, then calls `decided` with whose the saved
/// outbox is: [`Owner::AnotherTab`] when another live tab holds the same
/// token. Without Web Locks or BroadcastChannel it decides at once that
/// the outbox is this tab's.
pub fn claim(decided: impl FnOnce(Owner) + 'static) -> Option<TabOwner> {
    let token = storage::read(Area::Session, TAB_KEY).unwrap_or_else(new_token);
    let _ = storage::write(Area::Session, TAB_KEY, &token);
    let decided: Decided = Rc::new(Cell::new(Some(Box::new(decided))));
    match lock_manager() {
        Some(locks) => {
            claim_with_lock(locks, &token, decided);
            None
        }
        None => claim_by_asking(&token, decided),
    }
}

pub(crate) fn lock_manager() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    locks.is_object().then(|| locks.unchecked_into())
}

/// Takes the token's lock if it is free, and holds it for the page's life;
/// if another tab holds it, this tab is a copy, and claims a new token
/// instead, which no other tab can hold. (A browser that refuses locks
/// here, in an opaque origin, has no sessionStorage either, so nothing was
/// restored to wait for.)
fn claim_with_lock(locks: LockManager, token: &str, decided: Decided) {
    let options = Object::new();
    let _ = Reflect::set(&options, &JsValue::from_str("ifAvailable"), &JsValue::TRUE);
    let name = lock_name(token);
    let manager = locks.clone();
    let on_lock = move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            decide(&decided, Owner::AnotherTab);
            let token = new_token();
            let _ = storage::write(Area::Session, TAB_KEY, &token);
            claim_with_lock(manager.clone(), &token, Rc::clone(&decided));
            return JsValue::UNDEFINED;
        }
        decide(&decided, Owner::ThisTab);
        // A promise that never settles: the lock is kept until the page goes.
        Promise::race(&js_sys::Array::new()).into()
    };
    let on_lock = Closure::wrap(Box::new(on_lock) as Box<dyn FnMut(JsValue) -> JsValue>);
    let _ = locks.request(&name, &options, &on_lock.into_js_value());
}

fn lock_name(token: &str) -> String {
    format!("{LOCK_PREFIX}{token}")
}

/// Without Web Locks: asks over a BroadcastChannel whether a live tab holds
/// the token, and decides when the answer wait ends.
fn claim_by_asking(token: &str, decided: Decided) -> Option<TabOwner> {
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else {
        decide(&decided, Owner::ThisTab);
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
            if copied.get() {
                let _ = storage::write(Area::Session, TAB_KEY, &new_token());
                decide(&decided, Owner::AnotherTab);
            } else {
                decide(&decided, Owner::ThisTab);
            }
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
    let value = (high << 32) | low;
    // Sixteen lower-case hex digits, as `{:016x}` would write them, without
    // the hex formatter it brought in.
    (0..16)
        .rev()
        .map(|digit| char::from_digit(((value >> (digit * 4)) & 0xf) as u32, 16).unwrap_or('0'))
        .collect()
}
