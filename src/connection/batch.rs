//! The chat-event batch: incoming events are applied in one `Chat` update
//! per animation frame (on a timer in a hidden tab, which gets no animation
//! frames), so the conversation renders at most once per frame.

use std::{cell::RefCell, rc::Rc, time::Duration};

use leptos::prelude::*;
use wschat_core::chat::ChatEvent;

use super::Outputs;

/// Chat events waiting to be applied in one update.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) events: Vec<ChatEvent>,
    /// The flush asked for, if any: at most one is outstanding, and a
    /// callback whose ticket is not the current one does nothing.
    pub(super) scheduled: Option<Flush>,
    ticket: u64,
}

/// How a batch will be applied: on the next animation frame in a visible
/// tab, on a timer in a hidden one, which gets no animation frames.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Flush {
    Frame,
    Timer,
}

/// Asks for one flush of `batch`, replacing any asked for before. So the
/// conversation renders at most once per animation frame.
pub(super) fn schedule(batch: &Rc<RefCell<Batch>>, outputs: Outputs, how: Flush) {
    let ticket = {
        let Ok(mut batch) = batch.try_borrow_mut() else {
            return;
        };
        batch.ticket += 1;
        batch.scheduled = Some(how);
        batch.ticket
    };
    let batch = Rc::clone(batch);
    let due = move || {
        let current = batch
            .try_borrow()
            .is_ok_and(|batch| batch.ticket == ticket && batch.scheduled.is_some());
        if current {
            flush(&batch, outputs);
        }
    };
    match how {
        Flush::Frame => request_animation_frame(due),
        Flush::Timer => set_timeout(due, HIDDEN_FLUSH),
    }
}

/// How often a hidden tab applies what arrived.
const HIDDEN_FLUSH: Duration = Duration::from_millis(100);

pub(super) fn flush(batch: &RefCell<Batch>, outputs: Outputs) {
    let events = {
        let Ok(mut batch) = batch.try_borrow_mut() else {
            return;
        };
        batch.scheduled = None;
        std::mem::take(&mut batch.events)
    };
    if !events.is_empty() {
        outputs
            .chat
            .update(|chat| chat.at(js_sys::Date::now()).apply_all(events));
        if let Some(changed) = outputs.changed {
            changed.run(());
        }
    }
}
