//! The page's parts. Each reads signals and calls callbacks; none owns
//! state that another needs.

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
