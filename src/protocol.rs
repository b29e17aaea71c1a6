//! The boundary between the connection and the wire formats.
//!
//! A codec is pure: it turns incoming frames into [`Inbound`] events and the
//! user's messages into frames. It never touches the socket itself; when it
//! must send a frame of its own (Socket.IO's namespace connect and pongs) it
//! says so with [`Inbound::Reply`].

pub mod json;
pub mod socket_io;
pub mod text;

use std::{fmt, str::FromStr, time::Duration};

use crate::template::{fill, json_inside};

/// One WebSocket frame, as it crossed the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

/// What a codec makes of the socket's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A chat message from someone.
    Chat { sender: Sender, text: String },
    /// Something the user should see that no person wrote: a system line.
    Notice(String),
    /// A frame the codec must send at once, before any chat frame.
    Reply(Frame),
    /// The session can carry chat frames now.
    Ready,
    /// The server ended the session on purpose: do not reconnect.
    Ended(String),
    /// The server showed it is alive as it promised to (its open packet,
    /// a ping): count the link as dead after this long without another.
    Heartbeat(Duration),
}

/// Who a chat line is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// The frame named its sender.
    Named(String),
    /// The frame named nobody; it is shown as from this (`server`, or a
    /// Socket.IO event's name).
    Unnamed(String),
}

impl Sender {
    /// The name the conversation shows.
    pub fn into_shown(self) -> String {
        match self {
            Sender::Named(name) | Sender::Unnamed(name) => name,
        }
    }

    /// The name the frame gave, if it gave one.
    pub fn named(&self) -> Option<&str> {
        match self {
            Sender::Named(name) => Some(name),
            Sender::Unnamed(_) => None,
        }
    }
}

/// The wire formats this client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// JSON chat frames, for relay designs.
    #[default]
    Json,
    /// Raw text, for echo designs.
    Text,
    /// Socket.IO v4 servers.
    SocketIo,
}

/// An unknown protocol name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a protocol this client knows; choose json, text or socketio")]
pub struct UnknownProtocol(pub String);

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Json, Protocol::Text, Protocol::SocketIo];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Json => "json",
            Protocol::Text => "text",
            Protocol::SocketIo => "socketio",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = UnknownProtocol;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let wanted = value.trim();
        Protocol::ALL
            .into_iter()
            .find(|protocol| protocol.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownProtocol(value.to_owned()))
    }
}

/// What every codec does. The connection talks only to this.
pub trait WireProtocol {
    /// The URL to open, given the resolved `ws(s)://` endpoint. By
    /// default, the endpoint itself.
    fn url(&self, endpoint: &str) -> String {
        endpoint.to_owned()
    }

    /// Forgets the state of the last session, before a new socket opens.
    fn reset(&mut self) {}

    /// The socket opened. Push what follows from that. By default the
    /// session is ready at once.
    fn opened(&mut self, out: &mut Vec<Inbound>) {
        out.push(Inbound::Ready);
    }

    /// A frame arrived. Push what it means.
    fn decode(&mut self, frame: Frame, out: &mut Vec<Inbound>);

    /// The frame that carries one chat message written by `name`.
    fn encode(&self, name: &str, text: &str) -> Frame;

    /// The frame that the `join` parameter sends first on every ready
    /// session, for `name`. `None`: nothing is sent.
    fn join(&self, _name: &str) -> Option<Frame> {
        None
    }

    /// Whether a line that repeats the user's message may be its echo. An
    /// echo server's answer is not: it is what its user came to see.
    fn folds_echoes(&self) -> bool {
        true
    }

    /// The frame that leaves a ready session on purpose, sent before the
    /// link closes the socket itself. `None`: closing says it all.
    fn goodbye(&self) -> Option<Frame> {
        None
    }

    /// The largest frame the server takes, in bytes, if it said; it ends
    /// the connection on a larger one.
    fn max_frame_bytes(&self) -> Option<usize> {
        None
    }

    /// How long the server may stay silent before the link counts as dead,
    /// for protocols that promise heartbeats. `None` means no promise.
    fn silence_limit(&self) -> Option<Duration> {
        None
    }
}

/// The codec chosen for one session.
#[derive(Debug, Clone)]
pub enum Codec {
    Json(json::Json),
    Text(text::Text),
    SocketIo(socket_io::SocketIo),
}

/// How one session writes and reads, past the protocol's own framing: the
/// parameters `event`, `join`, `template` and `pattern`, as checked by the
/// configuration. `None` is the protocol's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    pub protocol: Protocol,
    /// The Socket.IO event used to send.
    pub event: String,
    pub join: Option<String>,
    pub template: Option<String>,
    /// Read in text mode only.
    pub pattern: Option<String>,
}

/// The Socket.IO event used to send when nothing else is said.
pub const DEFAULT_EVENT: &str = "message";

impl From<Protocol> for Wire {
    /// The protocol with every default.
    fn from(protocol: Protocol) -> Wire {
        Wire {
            protocol,
            event: DEFAULT_EVENT.to_owned(),
            join: None,
            template: None,
            pattern: None,
        }
    }
}

impl Default for Wire {
    fn default() -> Wire {
        Wire::from(Protocol::default())
    }
}

impl Codec {
    /// The codec for a session.
    pub fn new(wire: &Wire) -> Codec {
        match wire.protocol {
            Protocol::Json => Codec::Json(json::Json::new(wire)),
            Protocol::Text => Codec::Text(text::Text::new(wire)),
            Protocol::SocketIo => Codec::SocketIo(socket_io::SocketIo::new(wire)),
        }
    }

    fn inner(&mut self) -> &mut dyn WireProtocol {
        match self {
            Codec::Json(codec) => codec,
            Codec::Text(codec) => codec,
            Codec::SocketIo(codec) => codec,
        }
    }

    fn inner_ref(&self) -> &dyn WireProtocol {
        match self {
            Codec::Json(codec) => codec,
            Codec::Text(codec) => codec,
            Codec::SocketIo(codec) => codec,
        }
    }
}

impl WireProtocol for Codec {
    fn url(&self, endpoint: &str) -> String {
        self.inner_ref().url(endpoint)
    }

    fn reset(&mut self) {
        self.inner().reset()
    }

    fn opened(&mut self, out: &mut Vec<Inbound>) {
        self.inner().opened(out)
    }

    fn decode(&mut self, frame: Frame, out: &mut Vec<Inbound>) {
        self.inner().decode(frame, out)
    }

    fn encode(&self, name: &str, text: &str) -> Frame {
        self.inner_ref().encode(name, text)
    }

    fn join(&self, name: &str) -> Option<Frame> {
        self.inner_ref().join(name)
    }

    fn folds_echoes(&self) -> bool {
        self.inner_ref().folds_echoes()
    }

    fn goodbye(&self) -> Option<Frame> {
        self.inner_ref().goodbye()
    }

    fn max_frame_bytes(&self) -> Option<usize> {
        self.inner_ref().max_frame_bytes()
    }

    fn silence_limit(&self) -> Option<Duration> {
        self.inner_ref().silence_limit()
    }
}

/// A JSON template filled with a name and a text, each escaped as the
/// inside of a JSON string.
pub(crate) fn fill_json(template: &str, name: &str, text: &str) -> String {
    fill(template, &json_inside(name), Some(&json_inside(text)))
}

/// A frame's text: text frames as they are, binary frames read as UTF-8,
/// or a notice that gives the size of binary data that is not UTF-8.
pub(crate) fn frame_text(frame: Frame) -> Result<String, Inbound> {
    match frame {
        Frame::Text(text) => Ok(text),
        Frame::Binary(bytes) => binary_to_text(bytes),
    }
}

/// Binary frame bytes as text, or a notice that gives their size.
pub(crate) fn binary_to_text(bytes: Vec<u8>) -> Result<String, Inbound> {
    String::from_utf8(bytes).map_err(|error| {
        Inbound::Notice(format!(
            "received {} of binary data that is not UTF-8 text",
            byte_count(error.as_bytes().len())
        ))
    })
}

/// "1 byte", "3 bytes".
pub fn byte_count(n: usize) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_parse_case_insensitively() {
        assert_eq!("JSON".parse(), Ok(Protocol::Json));
        assert_eq!(" json ".parse(), Ok(Protocol::Json));
        assert_eq!("Text".parse(), Ok(Protocol::Text));
        assert_eq!("socketio".parse(), Ok(Protocol::SocketIo));
        assert_eq!(
            "xml".parse::<Protocol>(),
            Err(UnknownProtocol("xml".to_owned()))
        );
    }

    #[test]
    fn invalid_utf8_binary_becomes_a_notice_with_its_size() {
        assert_eq!(
            binary_to_text(vec![0xff, 0xfe, 0xfd]),
            Err(Inbound::Notice(
                "received 3 bytes of binary data that is not UTF-8 text".to_owned()
            ))
        );
        assert_eq!(binary_to_text(b"hi".to_vec()), Ok("hi".to_owned()));
    }
}
