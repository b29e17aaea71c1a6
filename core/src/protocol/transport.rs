//! Transports: how a session is framed on the WebSocket. A transport opens
//! the session (handshakes, heartbeats, replies it owes the server) and
//! carries message bodies, handing each one it receives to the session's
//! [`Format`] without knowing which format that is.
//!
//! - [`frames`]: plain WebSocket frames, one body each (json and text).
//! - [`socket_io`]: Engine.IO 4 / Socket.IO 5 packets; a body is an event's
//!   argument.
//! - [`stomp`], [`mqtt`], [`nats`]: the brokers. STOMP 1.2 frames, MQTT
//!   3.1.1 packets and NATS protocol lines, read back across WebSocket
//!   messages; each message goes out with a request for the broker's
//!   acknowledgement ([`Transport::carry_acked`]).

pub mod frames;
pub mod mqtt;
pub mod nats;
pub mod socket_io;
pub mod stomp;

use std::time::Duration;

use super::{format::Format, preview, Frame, Inbound, Protocol, Wire};
use crate::json_value::JsonValue;

/// What every transport does. The codec talks to its transport only
/// through this.
pub trait Transport {
    /// The URL to open, given the resolved `ws(s)://` endpoint. By
    /// default, the endpoint itself.
    fn url(&self, endpoint: &str) -> String {
        endpoint.to_owned()
    }

    /// Forgets the state of the last session, before a new socket opens.
    /// `random` gives a number in [0, 1), for a transport that needs one.
    fn reset(&mut self, _random: &mut dyn FnMut() -> f64) {}

    /// The socket opened. Push what follows from that. By default the
    /// session is ready at once.
    fn opened(&mut self, out: &mut Vec<Inbound>) {
        out.push(Inbound::Ready);
    }

    /// A frame arrived. Push what it means; hand each message body in it to
    /// `format`, reading JSON with `J`.
    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>);

    /// The frame that carries one message body the format wrote.
    fn carry(&self, body: String) -> Frame;

    /// The frame that carries one of the user's messages on this session,
    /// and the number that [`Inbound::Acked`] will give back when the
    /// server acknowledges it. By default no acknowledgement comes.
    fn carry_acked(&mut self, body: String) -> (Frame, Option<u32>) {
        (self.carry(body), None)
    }

    /// How often the client must show it is alive, once the session asked
    /// for it. `None`: the client need not.
    fn ping_every(&self) -> Option<Duration> {
        None
    }

    /// The frame that shows it, due every [`Transport::ping_every`].
    fn ping(&mut self) -> Option<Frame> {
        None
    }

    /// The frame that the `join` parameter sends for `name`. By default the
    /// join is a template of the format, carried like a message.
    fn join(&self, join: &str, name: &str, format: &Format) -> Frame {
        self.carry(format.fill(join, name, ""))
    }

    /// The frame that leaves a ready session on purpose, sent before the
    /// link closes the socket itself. `None`: closing says it all.
    fn goodbye(&self) -> Option<Frame> {
        None
    }

    /// The largest frame the server takes, in bytes, if it said.
    fn max_frame_bytes(&self) -> Option<usize> {
        None
    }

    /// How long the server may stay silent before the link counts as dead,
    /// for transports that promise heartbeats. `None` means no promise.
    fn silence_limit(&self) -> Option<Duration> {
        None
    }
}

/// The transport chosen for one session.
#[derive(Debug, Clone)]
pub enum Carrier {
    Frames(frames::Frames),
    SocketIo(socket_io::SocketIo),
    Stomp(stomp::Stomp),
    Mqtt(mqtt::Mqtt),
    Nats(nats::Nats),
}

impl Carrier {
    /// The transport `wire`'s protocol uses.
    pub fn new(wire: &Wire) -> Carrier {
        match wire.protocol {
            Protocol::Json | Protocol::Text => Carrier::Frames(frames::Frames),
            Protocol::SocketIo => Carrier::SocketIo(socket_io::SocketIo::new(wire)),
            Protocol::Stomp => Carrier::Stomp(stomp::Stomp::new(wire)),
            Protocol::Mqtt => Carrier::Mqtt(mqtt::Mqtt::new(wire)),
            Protocol::Nats => Carrier::Nats(nats::Nats::new(wire)),
        }
    }
}

/// The WebSocket subprotocols a protocol offers when `protocols` names
/// none.
pub fn default_protocols(protocol: Protocol) -> &'static [&'static str] {
    match protocol {
        Protocol::Stomp => &["v12.stomp", "v11.stomp", "v10.stomp"],
        Protocol::Mqtt => &["mqtt"],
        _ => &[],
    }
}

/// How long a broker may take to answer the client's first frame before
/// the link counts as dead.
pub const HANDSHAKE_LIMIT: Duration = Duration::from_secs(30);

/// A broker refused the login (or the connection): one line, no retry
/// until the token or the settings change.
pub(crate) fn refused(said: &str) -> Inbound {
    Inbound::Ended(format!("the broker refused the connection: {said}"))
}

/// Adds one WebSocket message to the bytes a broker's reader holds. When
/// nothing is pending, the message becomes the buffer: a flood's messages
/// are not copied.
pub(crate) fn take_in(buffer: &mut Vec<u8>, message: Vec<u8>) {
    if buffer.is_empty() {
        *buffer = message;
    } else {
        buffer.extend_from_slice(&message);
    }
}

/// What a broker's error (a STOMP `ERROR`, a NATS `-ERR`) means: before
/// the session is ready, a refused login; after it, a line. Either way the
/// broker's words are cut to their start.
pub(crate) fn broker_error(ready: bool, said: &str) -> Inbound {
    let said = preview(said);
    match ready {
        true => Inbound::Notice(format!("the broker sent an error: {said}")),
        false => refused(&said),
    }
}

/// Where the brokers listen and send when `topic` and `publish` say
/// nothing: `chat` (a STOMP destination needs a kind, `/topic/chat`).
pub fn topics(wire: &Wire, default: &str) -> (String, String) {
    let topic = wire.topic.as_deref().unwrap_or(default).to_owned();
    let publish = wire.publish.clone().unwrap_or_else(|| topic.clone());
    (topic, publish)
}

/// Calls the same method on whichever transport the carrier holds.
macro_rules! each {
    ($self:ident, $transport:ident => $call:expr) => {
        match $self {
            Carrier::Frames($transport) => $call,
            Carrier::SocketIo($transport) => $call,
            Carrier::Stomp($transport) => $call,
            Carrier::Mqtt($transport) => $call,
            Carrier::Nats($transport) => $call,
        }
    };
}

impl Transport for Carrier {
    fn url(&self, endpoint: &str) -> String {
        each!(self, t => t.url(endpoint))
    }

    fn reset(&mut self, random: &mut dyn FnMut() -> f64) {
        each!(self, t => t.reset(random))
    }

    fn opened(&mut self, out: &mut Vec<Inbound>) {
        each!(self, t => t.opened(out))
    }

    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        each!(self, t => t.decode::<J>(frame, format, out))
    }

    fn carry(&self, body: String) -> Frame {
        each!(self, t => t.carry(body))
    }

    fn carry_acked(&mut self, body: String) -> (Frame, Option<u32>) {
        each!(self, t => t.carry_acked(body))
    }

    fn ping_every(&self) -> Option<Duration> {
        each!(self, t => t.ping_every())
    }

    fn ping(&mut self) -> Option<Frame> {
        each!(self, t => t.ping())
    }

    fn join(&self, join: &str, name: &str, format: &Format) -> Frame {
        each!(self, t => t.join(join, name, format))
    }

    fn goodbye(&self) -> Option<Frame> {
        each!(self, t => t.goodbye())
    }

    fn max_frame_bytes(&self) -> Option<usize> {
        each!(self, t => t.max_frame_bytes())
    }

    fn silence_limit(&self) -> Option<Duration> {
        each!(self, t => t.silence_limit())
    }
}
