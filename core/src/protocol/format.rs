//! Message formats: how a chat message becomes a body, and a body becomes
//! chat lines. A transport carries bodies without knowing which format
//! wrote them; a format never sees a frame.
//!
//! - [`json`]: a JSON body written by a template whose values are escaped,
//!   read by the tolerant reader (sender and text fields under their common
//!   names, batches). The json and socketio protocols and the brokers use
//!   it.
//! - [`text`]: a text body written by a template as it is, read verbatim or
//!   by a `pattern`. The text protocol uses it.

pub mod json;
pub mod text;

use super::{Inbound, Protocol, Wire};
use crate::json_value::JsonValue;

/// A message body as a transport found it.
#[derive(Debug, Clone)]
pub enum Body<J> {
    /// Text that the format parses as it reads it: a WebSocket frame's
    /// text, say.
    Text(String),
    /// A value the transport already parsed: a Socket.IO event's argument.
    Value(J),
    /// A message with no body at all: a Socket.IO event with no argument.
    Missing,
}

/// The message format chosen for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Json(json::Json),
    Text(text::Text),
}

impl Format {
    /// The format `wire` asks for, with the protocol's default template.
    pub fn new(wire: &Wire) -> Format {
        match wire.protocol {
            Protocol::Json | Protocol::Stomp | Protocol::Mqtt | Protocol::Nats => {
                Format::Json(json::Json::new(wire, json::DEFAULT_TEMPLATE))
            }
            Protocol::SocketIo => Format::Json(json::Json::new(wire, json::ARGUMENT_TEMPLATE)),
            Protocol::Text => Format::Text(text::Text::new(wire)),
        }
    }

    /// The body that carries one chat message written by `name`.
    pub fn write(&self, name: &str, text: &str) -> String {
        match self {
            Format::Json(format) => format.write(name, text),
            Format::Text(format) => format.write(name, text),
        }
    }

    /// Another template of this format (a `join`) filled with `name`,
    /// `text` and the token: JSON-escaped, or as they are.
    pub fn fill(&self, template: &str, name: &str, text: &str) -> String {
        match self {
            Format::Json(format) => format.fill(template, name, text),
            Format::Text(format) => format.fill(template, name, text),
        }
    }

    /// Reads a body into chat lines. A line that names nobody is shown from
    /// `from` (`server`, or a Socket.IO event's name).
    pub fn read<J: JsonValue>(&self, body: Body<J>, from: &str, out: &mut Vec<Inbound>) {
        match self {
            Format::Json(format) => format.read(body, from, out),
            Format::Text(format) => format.read(body, from, out),
        }
    }

    /// Whether a line that repeats the user's message may be its echo.
    pub fn folds_echoes(&self) -> bool {
        match self {
            Format::Json(_) => true,
            Format::Text(format) => format.folds_echoes(),
        }
    }
}
