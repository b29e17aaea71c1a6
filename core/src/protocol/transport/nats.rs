//! NATS over WebSocket (nats-server's `websocket` block): the [`Nats`]
//! transport, and the client protocol's lines: what a chat client sends
//! (CONNECT, SUB, PUB, PING, PONG) and reads (INFO, MSG, PING, PONG, +OK,
//! -ERR), from binary WebSocket messages whose lines do not follow message
//! boundaries.
//!
//! The session: the server's INFO, then CONNECT, SUB to the topic and a
//! PING, whose PONG says the login was taken: the session is ready. Each
//! message goes out as a PUB followed by a PING. The server answers PINGs
//! in order, so the PONG that answers it proves the server read the PUB.

use std::{borrow::Cow, time::Duration};

use super::{broker_error, take_in, topics, Transport, HANDSHAKE_LIMIT};
use crate::{
    json_value::JsonValue,
    protocol::{
        format::{json::SERVER, Body, Format},
        preview, utf8, Frame, Inbound, Wire,
    },
    template::json_inside,
};

/// The most bytes a line or a message's payload may take.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A line a client sends, with its `\r\n`.
pub fn connect(options_json: &str) -> String {
    format!("CONNECT {options_json}\r\n")
}

/// `SUB <subject> <sid>`.
pub fn sub(subject: &str, sid: u64) -> String {
    format!("SUB {subject} {sid}\r\n")
}

/// `PUB <subject> <bytes>` and the payload.
pub fn publish(subject: &str, payload: &str) -> String {
    format!("PUB {subject} {}\r\n{payload}\r\n", payload.len())
}

pub const PING: &str = "PING\r\n";
pub const PONG: &str = "PONG\r\n";

/// What the server sent: one line, and a message's payload. It borrows
/// the line being read and the reader's buffer, so it is handled in its
/// turn and none of its fields is copied out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// The server's JSON description (its `max_payload`, whether it wants
    /// a user and password).
    Info(&'a str),
    /// A message's payload. The line's subject, sid and reply subject
    /// are checked, not kept: the client subscribes once and never replies.
    Msg(&'a [u8]),
    Ping,
    Pong,
    Ok,
    /// The server's complaint, without its quotes.
    Err(&'a str),
    /// A line this client cannot read, whole.
    Unknown(&'a str),
    /// A line or a message's payload passed [`MAX_LINE_BYTES`]: the reader
    /// dropped all it held.
    TooLarge,
}

/// What the client says of [`Incoming::TooLarge`].
pub const TOO_LARGE: &str = "a NATS line or payload passed 1048576 bytes";

/// Reads the server's lines and payloads across WebSocket messages.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    buffer: Vec<u8>,
}

impl Reader {
    pub fn reset(&mut self) {
        self.buffer.clear();
    }

    /// Reads what one WebSocket message adds, handing each line (and
    /// payload) to `read` as soon as it is whole. A message that comes when
    /// nothing is left over becomes the buffer, uncopied; what was read
    /// leaves the buffer once, at the end, so a flood's many lines are not
    /// moved each.
    pub fn push(&mut self, data: Vec<u8>, mut read: impl FnMut(Incoming<'_>)) {
        take_in(&mut self.buffer, data);
        let mut at = 0;
        while let Some(rest) = self.buffer.get(at..) {
            let Some(end) = rest.windows(2).position(|pair| pair == b"\r\n") else {
                break;
            };
            // Borrowed when it is UTF-8, as a server's lines are: a flood's
            // lines are not each copied into a string of their own.
            let bytes = rest.get(..end).unwrap_or_default();
            let line = match std::str::from_utf8(bytes) {
                Ok(line) => Cow::Borrowed(line),
                Err(_) => Cow::Owned(utf8(bytes)),
            };
            let mut next = at + end + 2;
            let (verb, said) = line.split_once(' ').unwrap_or((&line, ""));
            let said = said.trim();
            let incoming = if verb.eq_ignore_ascii_case("MSG") {
                match msg(said) {
                    Some(size) if size > MAX_LINE_BYTES => {
                        self.buffer.clear();
                        return read(Incoming::TooLarge);
                    }
                    Some(size) => {
                        // The payload ends with its own \r\n.
                        let Some(payload) = self.buffer.get(next..next + size + 2) else {
                            break;
                        };
                        next += size + 2;
                        Incoming::Msg(payload.get(..size).unwrap_or_default())
                    }
                    None => Incoming::Unknown(&line),
                }
            } else if verb.eq_ignore_ascii_case("INFO") {
                Incoming::Info(said)
            } else if verb.eq_ignore_ascii_case("PING") {
                Incoming::Ping
            } else if verb.eq_ignore_ascii_case("PONG") {
                Incoming::Pong
            } else if verb.eq_ignore_ascii_case("+OK") {
                Incoming::Ok
            } else if verb.eq_ignore_ascii_case("-ERR") {
                let quoted = said
                    .strip_prefix('\'')
                    .and_then(|said| said.strip_suffix('\''));
                Incoming::Err(quoted.unwrap_or(said))
            } else {
                Incoming::Unknown(&line)
            };
            read(incoming);
            at = next;
        }
        self.buffer.drain(..at.min(self.buffer.len()));
        if self.buffer.len() > MAX_LINE_BYTES {
            self.buffer.clear();
            read(Incoming::TooLarge);
        }
    }
}

/// A MSG line's payload size: the last of its three fields (subject, sid,
/// size) or four (with a reply subject between); `None` otherwise.
fn msg(said: &str) -> Option<usize> {
    let mut fields = said.split(' ').filter(|field| !field.is_empty());
    let (_subject, _sid, third) = (fields.next()?, fields.next()?, fields.next()?);
    let size = match (fields.next(), fields.next()) {
        (None, _) => third,
        (Some(size), None) => size,
        (Some(_), Some(_)) => return None,
    };
    size.parse().ok()
}

/// How often the client pings a ready session, and how long the server
/// may stay silent (it answers each ping).
pub const PING_EVERY: Duration = Duration::from_secs(15);
pub const SILENCE_LIMIT: Duration = Duration::from_secs(30);
/// Where the client listens when `topic` says nothing.
pub const DEFAULT_TOPIC: &str = "chat";

/// The NATS transport.
#[derive(Debug, Clone)]
pub struct Nats {
    topic: String,
    publish: String,
    user: Option<String>,
    token: Option<String>,
    reader: Reader,
    /// The PINGs sent and not answered yet, oldest first: the message each
    /// follows, or `None` for the handshake's and the keep-alive's. A Vec,
    /// not a VecDeque, for its smaller code: it holds the few PINGs in
    /// flight, so taking the first moves little.
    pings: Vec<Option<u32>>,
    /// Set by the handshake's PONG.
    ready: bool,
    next_ack: u32,
}

impl Nats {
    pub fn new(wire: &Wire) -> Nats {
        let (topic, publish) = topics(wire, DEFAULT_TOPIC);
        Nats {
            topic,
            publish,
            user: wire.user.clone(),
            token: wire.token.clone(),
            reader: Reader::default(),
            pings: Vec::new(),
            ready: false,
            next_ack: 1,
        }
    }

    /// CONNECT, SUB and the handshake's PING, in one message.
    fn handshake(&mut self) -> Frame {
        let mut options = r#"{"verbose":false,"pedantic":false,"lang":"wschat","version":"1","protocol":1,"echo":true"#.to_owned();
        let mut add = |name: &str, value: &str| {
            options.push_str(&format!(r#","{name}":"{}""#, json_inside(value)));
        };
        match (&self.user, &self.token) {
            (Some(user), token) => {
                add("user", user);
                add("pass", token.as_deref().unwrap_or_default());
            }
            (None, Some(token)) => add("auth_token", token),
            (None, None) => {}
        }
        options.push('}');
        self.pings.push(None);
        let lines = connect(&options) + &sub(&self.topic, 1) + PING;
        Frame::Binary(lines.into_bytes())
    }

    fn incoming<J: JsonValue>(
        &mut self,
        line: Incoming<'_>,
        format: &Format,
        out: &mut Vec<Inbound>,
    ) {
        match line {
            Incoming::Info(_) if !self.ready && self.pings.is_empty() => {
                let handshake = self.handshake();
                out.push(Inbound::Reply(handshake));
            }
            Incoming::Info(_) | Incoming::Ok => {}
            Incoming::Msg(payload) => format.read::<J>(Body::Text(utf8(payload)), SERVER, out),
            Incoming::Ping => out.push(Inbound::Reply(Frame::Binary(PONG.as_bytes().to_vec()))),
            Incoming::Pong if self.pings.is_empty() => {}
            Incoming::Pong => match self.pings.remove(0) {
                Some(number) => out.push(Inbound::Acked(number)),
                None if !self.ready => {
                    self.ready = true;
                    out.push(Inbound::Ready);
                }
                _ => {}
            },
            Incoming::Err(said) => out.push(broker_error(self.ready, said)),
            Incoming::Unknown(line) => out.push(Inbound::Notice(format!(
                "a NATS line is not understood: '{}'",
                preview(line)
            ))),
            Incoming::TooLarge => out.push(Inbound::Notice(TOO_LARGE.to_owned())),
        }
    }
}

impl Transport for Nats {
    fn reset(&mut self, _random: &mut dyn FnMut() -> f64) {
        self.reader.reset();
        self.pings.clear();
        self.ready = false;
        self.next_ack = 1;
    }

    /// The server speaks first, with INFO.
    fn opened(&mut self, out: &mut Vec<Inbound>) {
        out.push(Inbound::Heartbeat);
    }

    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        // The reader is taken out while its lines are handled, which
        // needs the rest of the transport.
        let mut reader = std::mem::take(&mut self.reader);
        reader.push(frame.into_bytes(), |line| {
            self.incoming::<J>(line, format, out)
        });
        self.reader = reader;
        if self.silence_limit().is_some() {
            out.push(Inbound::Heartbeat);
        }
    }

    /// A PUB, for the join.
    fn carry(&self, body: String) -> Frame {
        Frame::Binary(publish(&self.publish, &body).into_bytes())
    }

    /// A PUB and the PING whose PONG acknowledges it.
    fn carry_acked(&mut self, body: String) -> (Frame, Option<u32>) {
        let number = self.next_ack;
        self.next_ack = number.wrapping_add(1);
        self.pings.push(Some(number));
        let lines = publish(&self.publish, &body) + PING;
        (Frame::Binary(lines.into_bytes()), Some(number))
    }

    fn ping_every(&self) -> Option<Duration> {
        self.ready.then_some(PING_EVERY)
    }

    fn ping(&mut self) -> Option<Frame> {
        self.pings.push(None);
        Some(Frame::Binary(PING.as_bytes().to_vec()))
    }

    fn silence_limit(&self) -> Option<Duration> {
        Some(match self.ready {
            true => SILENCE_LIMIT,
            false => HANDSHAKE_LIMIT,
        })
    }
}

#[cfg(test)]
mod tests;
