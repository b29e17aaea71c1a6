//! The boundary between the connection and the wire.
//!
//! A [`Codec`] is two layers, each pure:
//! - a **transport** ([`transport`]) frames the session: plain WebSocket
//!   frames, or Socket.IO's packets, with its handshake, heartbeats and
//!   replies. It carries message *bodies* and never looks inside one.
//! - a **message format** ([`format`]) writes a body from the user's name and
//!   text (the `template`) and reads a body back into chat lines: JSON with
//!   its tolerant reader, or text, perhaps read by a `pattern`.
//!
//! The codec turns incoming frames into [`Inbound`] events and the user's
//! messages into frames. It never touches the socket itself; when it must
//! send a frame of its own (Socket.IO's namespace connect and pongs) it says
//! so with [`Inbound::Reply`].

pub mod format;
pub mod transport;

use std::{fmt, str::FromStr, time::Duration};

use crate::{json_value::JsonValue, template::fill_fields};
use format::Format;
use transport::{Carrier, Transport};

/// One WebSocket frame, as it crossed the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

impl Frame {
    /// The frame's bytes: a text frame's as UTF-8. The brokers read both
    /// kinds alike.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Frame::Text(text) => text.into_bytes(),
            Frame::Binary(bytes) => bytes,
        }
    }
}

/// What a codec makes of the socket's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A chat message from someone.
    Chat { sender: Sender, text: String },
    /// `sender` started (`true`) or stopped typing: no line, a notice
    /// beside the message input.
    Typing { sender: String, typing: bool },
    /// Something the user should see that no person wrote: a system line.
    Notice(String),
    /// A frame the codec must send at once, before any chat frame.
    Reply(Frame),
    /// The session can carry chat frames now.
    Ready,
    /// The server ended the session on purpose: do not reconnect.
    Ended(String),
    /// The session cannot go on (a stream that cannot be read any more):
    /// the socket is closed as a dead one, and the link reconnects.
    Lost(String),
    /// The server showed it is alive as it promised to (its open packet,
    /// a ping): count the link as dead after the transport's
    /// [`silence_limit`](transport::Transport::silence_limit) without
    /// another.
    Heartbeat,
    /// The broker acknowledged the message carried with this number (a
    /// STOMP `RECEIPT`, an MQTT `PUBACK`, the NATS `PONG` after its `PUB`):
    /// it read it.
    Acked(u32),
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
    /// STOMP 1.2 brokers (RabbitMQ's Web-STOMP, Spring, ActiveMQ).
    Stomp,
    /// MQTT 3.1.1 brokers (mosquitto, RabbitMQ's Web-MQTT, EMQX, HiveMQ).
    Mqtt,
    /// NATS servers' WebSocket endpoint.
    Nats,
}

/// An unknown protocol name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a protocol this client knows; choose json, text, socketio, stomp, mqtt or nats"
)]
pub struct UnknownProtocol(pub String);

impl Protocol {
    pub const ALL: [Protocol; 6] = [
        Protocol::Json,
        Protocol::Text,
        Protocol::SocketIo,
        Protocol::Stomp,
        Protocol::Mqtt,
        Protocol::Nats,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Json => "json",
            Protocol::Text => "text",
            Protocol::SocketIo => "socketio",
            Protocol::Stomp => "stomp",
            Protocol::Mqtt => "mqtt",
            Protocol::Nats => "nats",
        }
    }

    /// Whether this protocol talks to a message broker, which takes
    /// `topic`, `publish` and `user`, and acknowledges what it reads.
    pub fn is_broker(self) -> bool {
        matches!(self, Protocol::Stomp | Protocol::Mqtt | Protocol::Nats)
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

/// The codec chosen for one session: a transport carrying bodies in a
/// message format.
#[derive(Debug, Clone)]
pub struct Codec {
    transport: Carrier,
    format: Format,
    /// The `join` parameter: what the transport sends first on every ready
    /// session.
    join: Option<String>,
    /// The subprotocols to offer, with the token filled in.
    protocols: Vec<String>,
    /// The secret for `{token}` in the endpoint.
    token: Option<String>,
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
    /// The WebSocket subprotocols to offer, perhaps holding `{token}`.
    pub protocols: Vec<String>,
    /// Socket.IO: the namespace CONNECT payload, a JSON template.
    pub auth: Option<String>,
    /// The secret that fills `{token}` in `join`, `template` and `auth`,
    /// and the brokers' password.
    pub token: Option<String>,
    /// Brokers: where to listen (a STOMP destination, an MQTT topic, a
    /// NATS subject). `None`: the protocol's default.
    pub topic: Option<String>,
    /// Brokers: where to send. `None`: the topic.
    pub publish: Option<String>,
    /// Brokers: the login name.
    pub user: Option<String>,
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
            protocols: Vec::new(),
            auth: None,
            token: None,
            topic: None,
            publish: None,
            user: None,
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
        Codec {
            transport: Carrier::new(wire),
            format: Format::new(wire),
            join: wire.join.clone(),
            protocols: match wire.protocols.is_empty() {
                true => transport::default_protocols(wire.protocol)
                    .iter()
                    .map(|name| (*name).to_owned())
                    .collect(),
                false => wire
                    .protocols
                    .iter()
                    .map(|name| fill_fields(name, "", None, wire.token.as_deref()))
                    .collect(),
            },
            token: wire.token.clone(),
        }
    }

    /// The WebSocket subprotocols to offer, token filled in.
    pub fn protocols(&self) -> &[String] {
        &self.protocols
    }

    /// The secret that fills `{token}` in the endpoint, if there is one.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The URL to open, given the resolved `ws(s)://` endpoint.
    pub fn url(&self, endpoint: &str) -> String {
        self.transport.url(endpoint)
    }

    /// Forgets the state of the last session, before a new socket opens;
    /// `random` gives a number in [0, 1) if the transport needs one (an
    /// MQTT client id).
    pub fn reset(&mut self, random: &mut dyn FnMut() -> f64) {
        self.transport.reset(random)
    }

    /// The socket opened. Pushes what follows from that.
    pub fn opened(&mut self, out: &mut Vec<Inbound>) {
        self.transport.opened(out)
    }

    /// A frame arrived. Pushes what it means, reading JSON with `J`.
    pub fn decode<J: JsonValue>(&mut self, frame: Frame, out: &mut Vec<Inbound>) {
        self.transport.decode::<J>(frame, &self.format, out)
    }

    /// The frame that carries one chat message written by `name`.
    pub fn encode(&self, name: &str, text: &str) -> Frame {
        self.transport.carry(self.format.write(name, text))
    }

    /// The frame that carries one chat message written by `name` on this
    /// session, and the number its acknowledgement will carry
    /// ([`Inbound::Acked`]) if the protocol gives one.
    pub fn send(&mut self, name: &str, text: &str) -> (Frame, Option<u32>) {
        let body = self.format.write(name, text);
        self.transport.carry_acked(body)
    }

    /// The frame that shows the server this client is alive, due every
    /// [`Codec::ping_every`].
    pub fn ping(&mut self) -> Option<Frame> {
        self.transport.ping()
    }

    /// How often the client must show that it is alive, for protocols that
    /// ask it to. `None`: never.
    pub fn ping_every(&self) -> Option<Duration> {
        self.transport.ping_every()
    }

    /// The frame that the `join` parameter sends first on every ready
    /// session, for `name`. `None`: nothing is sent.
    pub fn join(&self, name: &str) -> Option<Frame> {
        let join = self.join.as_deref()?;
        Some(self.transport.join(join, name, &self.format))
    }

    /// Whether a line that repeats the user's message may be its echo. An
    /// echo server's answer is not: it is what its user came to see.
    pub fn folds_echoes(&self) -> bool {
        self.format.folds_echoes()
    }

    /// The frame that leaves a ready session on purpose, sent before the
    /// link closes the socket itself. `None`: closing says it all.
    pub fn goodbye(&self) -> Option<Frame> {
        self.transport.goodbye()
    }

    /// The largest frame the server takes, in bytes, if it said; it ends
    /// the connection on a larger one.
    pub fn max_frame_bytes(&self) -> Option<usize> {
        self.transport.max_frame_bytes()
    }

    /// How long the server may stay silent before the link counts as dead,
    /// for protocols that promise heartbeats. `None` means no promise.
    pub fn silence_limit(&self) -> Option<Duration> {
        self.transport.silence_limit()
    }
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

/// Bytes from the wire as text: up to the first byte that is not UTF-8,
/// then `�` for the rest. (`String::from_utf8_lossy` would keep the rest,
/// at a kilobyte of code more.)
pub(crate) fn utf8(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(error) => {
            let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
            let mut text = std::str::from_utf8(valid).unwrap_or_default().to_owned();
            text.push('\u{FFFD}');
            text
        }
    }
}

/// The start of a text, for messages about it: its first 80 characters,
/// then `…` if there were more.
pub(crate) fn preview(text: &str) -> String {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
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
