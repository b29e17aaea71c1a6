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

/// An event handler behind a pointer. Every handler of one event then has
/// this one type, so that the bundle holds one copy of Leptos' code that
/// attaches a handler for that event, not one per closure.
type Handler<E> = Box<dyn Fn(E)>;

/// A value the view follows, behind a pointer: as with [`Handler`], the
/// bundle then holds Leptos' code that renders such a value once per type
/// of value, not once per closure.
type Reactive<T> = Box<dyn Fn() -> T + Send>;

/// `value` as a [`Reactive`].
fn reactive<T>(value: impl Fn() -> T + Send + 'static) -> Reactive<T> {
    Box::new(value)
}

/// `run` as a [`Handler`].
fn handler<E>(run: impl Fn(E) + 'static) -> Handler<E> {
    Box::new(run)
}

/// A click handler that runs `callback` with `value`.
fn run_on_click<T: Clone + 'static>(callback: Callback<T>, value: T) -> Handler<MouseEvent> {
    handler(move |_| callback.run(value.clone()))
}
