//! The page's parts. Each reads signals and calls callbacks; none owns
//! state that another needs.

use leptos::{ev::MouseEvent, prelude::*};

mod conversation;
mod message;
mod name;
mod search;
mod settings;
mod status;

pub use conversation::Conversation;
pub use message::Message;
pub use name::Name;
pub use settings::Settings;
pub use status::Status;

/// A click handler that runs `callback` with `value`. The buttons share
/// this one closure type, so that the bundle holds one copy of the code
/// that attaches a click handler for them all, not one per closure.
fn run_on_click<T: Clone + 'static>(callback: Callback<T>, value: T) -> impl Fn(MouseEvent) {
    move |_| callback.run(value.clone())
}
