//! STOMP 1.2 over WebSocket (RabbitMQ's Web-STOMP, Spring's STOMP
//! endpoints, ActiveMQ): the [`Stomp`] transport, and its frames, written
//! and read back from WebSocket messages that may hold several frames, part
//! of one, or heart-beats (a bare end of line) between them.
//!
//! The session: `CONNECT` (login and passcode, heart-beats both ways),
//! `CONNECTED`, then `SUBSCRIBE` to the topic, and each message as a `SEND`
//! to `publish` with a `receipt` header, whose `RECEIPT` proves the broker
//! read it. An `ERROR` before `CONNECTED` is a refused login.
//!
//! What the specification asks, and this does: a command line, `name:value`
//! header lines, an empty line, the body and a NUL; `\n` or `\r\n` as end of
//! line; header values escaped (`\\`, `\n`, `\r`, `\c` for the colon) except
//! in CONNECT and CONNECTED frames; the first of repeated headers wins; a
//! `content-length` header gives the body's length in bytes (so a body may
//! hold NULs), else the body runs to the first NUL.

use std::time::Duration;

use super::{refused, topics, Transport, HANDSHAKE_LIMIT};
use crate::{
    json_value::JsonValue,
    protocol::{
        format::{json::SERVER, Body, Format},
        preview, utf8, Frame, Inbound, Wire,
    },
};

/// The most bytes one frame may take before it is refused: a chat message
/// is at most 4,000 characters; brokers send far smaller frames.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// One STOMP frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StompFrame {
    pub command: String,
    /// In order, as sent; repeated names kept, the first one counts.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What a WebSocket message held, piece by piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Frame(StompFrame),
    /// A bare end of line between frames: the broker's heart-beat.
    Heartbeat,
}

/// A frame that cannot be read. The reader drops what it held and goes on
/// with the next message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StompError {
    #[error("a STOMP frame has no command")]
    NoCommand,
    #[error("a STOMP header line has no colon: '{0}'")]
    BadHeader(String),
    #[error("a STOMP header holds an unknown escape")]
    BadEscape,
    #[error("a STOMP frame's content-length is not a number: '{0}'")]
    BadLength(String),
    #[error("a STOMP frame passed {MAX_FRAME_BYTES} bytes; it was dropped")]
    TooLarge,
}

impl StompFrame {
    pub fn new(command: &str) -> StompFrame {
        StompFrame {
            command: command.to_owned(),
            ..StompFrame::default()
        }
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: &str) -> StompFrame {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: &str) -> StompFrame {
        self.body = body.to_owned();
        self
    }

    /// The value of the first header called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    }

    /// The frame as sent: `\n` line ends, escaped headers (not in CONNECT
    /// and CONNECTED), a `content-length` for a body, and the NUL.
    pub fn encode(&self) -> String {
        let escaped = !matches!(self.command.as_str(), "CONNECT" | "CONNECTED");
        let mut out = String::with_capacity(self.command.len() + self.body.len() + 64);
        out.push_str(&self.command);
        out.push('\n');
        for (name, value) in &self.headers {
            push_header_part(&mut out, name, escaped);
            out.push(':');
            push_header_part(&mut out, value, escaped);
            out.push('\n');
        }
        if !self.body.is_empty() && self.get("content-length").is_none() {
            out.push_str("content-length:");
            out.push_str(&self.body.len().to_string());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.body);
        out.push('\0');
        out
    }
}

fn push_header_part(out: &mut String, text: &str, escaped: bool) {
    for char in text.chars() {
        match (escaped, char) {
            (true, '\\') => out.push_str("\\\\"),
            (true, '\n') => out.push_str("\\n"),
            (true, '\r') => out.push_str("\\r"),
            (true, ':') => out.push_str("\\c"),
            // Unescaped frames cannot carry line ends in headers at all.
            (false, '\n' | '\r') => {}
            (_, char) => out.push(char),
        }
    }
}

/// Reads frames from WebSocket messages: keeps the part of a frame that a
/// message ends in, until the rest comes. After a frame that cannot be
/// read, it skips to that frame's NUL and goes on with the next.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    buffer: Vec<u8>,
    /// Dropping the rest of a broken frame, up to its NUL.
    skipping: bool,
}

impl Reader {
    /// Forgets a partial frame: a new socket starts afresh.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.skipping = false;
    }

    /// Reads what one WebSocket message adds. What was read leaves the
    /// buffer once, at the end: a flood's many frames are not moved each.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<Result<Piece, StompError>>) {
        self.buffer.extend_from_slice(data);
        let mut at = 0;
        loop {
            let rest = self.buffer.get(at..).unwrap_or_default();
            if self.skipping {
                match rest.iter().position(|&byte| byte == 0) {
                    Some(nul) => {
                        at += nul + 1;
                        self.skipping = false;
                    }
                    None => {
                        self.buffer.clear();
                        return;
                    }
                }
                continue;
            }
            match next_piece(rest) {
                Next::Incomplete => break,
                Next::Piece(piece, used) => {
                    at += used;
                    out.push(Ok(piece));
                }
                Next::Broken(error) => {
                    self.skipping = true;
                    out.push(Err(error));
                }
            }
        }
        self.buffer.drain(..at.min(self.buffer.len()));
        if self.buffer.len() > MAX_FRAME_BYTES {
            self.buffer.clear();
            self.skipping = true;
            out.push(Err(StompError::TooLarge));
        }
    }
}

enum Next {
    Incomplete,
    /// A piece, and how many bytes it took.
    Piece(Piece, usize),
    Broken(StompError),
}

fn next_piece(buffer: &[u8]) -> Next {
    match buffer {
        [] => return Next::Incomplete,
        [0, ..] => return Next::Broken(StompError::NoCommand),
        [b'\n', ..] => return Next::Piece(Piece::Heartbeat, 1),
        [b'\r'] => return Next::Incomplete,
        [b'\r', b'\n', ..] => return Next::Piece(Piece::Heartbeat, 2),
        _ => {}
    }
    // The head runs to the first empty line.
    let Some((head_end, body_start)) = head_end(buffer) else {
        return Next::Incomplete;
    };
    let head = utf8(buffer.get(..head_end).unwrap_or_default());
    let mut lines = head
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let command = lines.next().unwrap_or_default().to_owned();
    if command.is_empty() {
        return Next::Broken(StompError::NoCommand);
    }
    let escaped = !matches!(command.as_str(), "CONNECT" | "CONNECTED");
    let mut headers = Vec::new();
    for line in lines {
        let Some(colon) = line.find(':') else {
            return Next::Broken(StompError::BadHeader(line.chars().take(80).collect()));
        };
        let (name, value) = (line.get(..colon), line.get(colon + 1..));
        let (Some(name), Some(value)) = (name, value) else {
            return Next::Broken(StompError::BadHeader(line.chars().take(80).collect()));
        };
        match (unescape(name, escaped), unescape(value, escaped)) {
            (Some(name), Some(value)) => headers.push((name, value)),
            _ => return Next::Broken(StompError::BadEscape),
        }
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map(|(_, value)| value.trim().parse::<usize>().map_err(|_| value.clone()));
    let body_end = match length {
        Some(Err(value)) => return Next::Broken(StompError::BadLength(value)),
        Some(Ok(length)) if length > MAX_FRAME_BYTES => return Next::Broken(StompError::TooLarge),
        Some(Ok(length)) => {
            let end = body_start + length;
            match buffer.get(end) {
                None => return Next::Incomplete,
                Some(0) => end,
                Some(_) => return Next::Broken(StompError::BadLength(length.to_string())),
            }
        }
        None => match buffer
            .get(body_start..)
            .and_then(|rest| rest.iter().position(|&byte| byte == 0))
        {
            Some(at) => body_start + at,
            None => return Next::Incomplete,
        },
    };
    let body = utf8(buffer.get(body_start..body_end).unwrap_or_default());
    Next::Piece(
        Piece::Frame(StompFrame {
            command,
            headers,
            body,
        }),
        body_end + 1,
    )
}

/// Where the head ends (before its empty line) and the body starts.
fn head_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let mut at = 0;
    while let Some(newline) = buffer.get(at..)?.iter().position(|&byte| byte == b'\n') {
        let line_end = at + newline;
        let next = line_end + 1;
        match buffer.get(next..) {
            Some([b'\n', ..]) => return Some((line_end, next + 1)),
            Some([b'\r', b'\n', ..]) => return Some((line_end, next + 2)),
            _ => at = next,
        }
    }
    None
}

fn unescape(text: &str, escaped: bool) -> Option<String> {
    if !escaped {
        return Some(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(char) = chars.next() {
        if char != '\\' {
            out.push(char);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            'n' => '\n',
            'r' => '\r',
            'c' => ':',
            _ => return None,
        });
    }
    Some(out)
}

/// The heart-beat interval the client offers both ways, in milliseconds.
pub const HEART_BEAT_MS: u64 = 10_000;
/// Where the client listens when `topic` says nothing.
pub const DEFAULT_TOPIC: &str = "/topic/chat";

/// The STOMP transport.
#[derive(Debug, Clone)]
pub struct Stomp {
    topic: String,
    publish: String,
    user: Option<String>,
    token: Option<String>,
    reader: Reader,
    /// Set by `CONNECTED`: the session carries messages.
    connected: bool,
    /// How often the client sends a heart-beat, as `CONNECTED` agreed.
    send_every: Option<Duration>,
    /// How long the broker may stay silent, as `CONNECTED` agreed.
    silence_limit: Option<Duration>,
    /// The next message's receipt number.
    next_receipt: u32,
}

impl Stomp {
    pub fn new(wire: &Wire) -> Stomp {
        let (topic, publish) = topics(wire, DEFAULT_TOPIC);
        Stomp {
            topic,
            publish,
            user: wire.user.clone(),
            token: wire.token.clone(),
            reader: Reader::default(),
            connected: false,
            send_every: None,
            silence_limit: Some(HANDSHAKE_LIMIT),
            next_receipt: 1,
        }
    }

    fn send(&self, body: String) -> StompFrame {
        StompFrame {
            body,
            ..StompFrame::new("SEND").with("destination", &self.publish)
        }
    }

    fn frame<J: JsonValue>(&mut self, frame: StompFrame, format: &Format, out: &mut Vec<Inbound>) {
        match frame.command.as_str() {
            "CONNECTED" => {
                let (broker_every, wants_every) = heart_beat(frame.get("heart-beat"));
                // Each side beats at the slower of what the other offers and
                // wants; 0 on either side means no beats that way.
                let every = |theirs: u64, ours: u64| {
                    (theirs > 0).then(|| Duration::from_millis(theirs.max(ours)))
                };
                self.send_every = every(wants_every, HEART_BEAT_MS);
                // Twice the broker's interval, and a margin for a busy page.
                self.silence_limit = every(broker_every, HEART_BEAT_MS)
                    .map(|every| every * 2 + Duration::from_secs(2));
                self.connected = true;
                let subscribe = StompFrame::new("SUBSCRIBE")
                    .with("id", "0")
                    .with("destination", &self.topic)
                    .with("ack", "auto");
                out.push(Inbound::Reply(Frame::Text(subscribe.encode())));
                out.push(Inbound::Ready);
            }
            "MESSAGE" => format.read::<J>(Body::Text(frame.body), SERVER, out),
            "RECEIPT" => {
                if let Some(number) = frame.get("receipt-id").and_then(|id| id.parse().ok()) {
                    out.push(Inbound::Acked(number));
                }
            }
            "ERROR" => {
                let said = [frame.get("message").unwrap_or_default(), frame.body.trim()]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(": ");
                out.push(match self.connected {
                    true => {
                        Inbound::Notice(format!("the broker sent an error: {}", preview(&said)))
                    }
                    false => refused(&preview(&said)),
                });
            }
            // Frames a client does not expect are passed over.
            _ => {}
        }
    }
}

/// A `heart-beat` header's two numbers: how often its sender beats, and
/// how often it wants the other side to. Unreadable is none.
fn heart_beat(header: Option<&str>) -> (u64, u64) {
    let mut numbers = header
        .unwrap_or_default()
        .split(',')
        .map(|number| number.trim().parse().unwrap_or(0));
    (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
}

impl Transport for Stomp {
    fn reset(&mut self, _random: &mut dyn FnMut() -> f64) {
        self.reader.reset();
        self.connected = false;
        self.send_every = None;
        self.silence_limit = Some(HANDSHAKE_LIMIT);
        self.next_receipt = 1;
    }

    /// `CONNECT`; the session is ready once the broker answers.
    fn opened(&mut self, out: &mut Vec<Inbound>) {
        let beats = format!("{HEART_BEAT_MS},{HEART_BEAT_MS}");
        let mut connect = StompFrame::new("CONNECT")
            .with("accept-version", "1.2")
            // RabbitMQ reads `host` as the virtual host: `/` is its default.
            .with("host", "/")
            .with("heart-beat", &beats);
        if let Some(user) = &self.user {
            connect = connect.with("login", user);
        }
        if let Some(token) = &self.token {
            connect = connect.with("passcode", token);
        }
        out.push(Inbound::Heartbeat);
        out.push(Inbound::Reply(Frame::Text(connect.encode())));
    }

    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        let bytes = frame.into_bytes();
        let mut pieces = Vec::new();
        self.reader.push(&bytes, &mut pieces);
        for piece in pieces {
            match piece {
                Ok(Piece::Frame(frame)) => self.frame::<J>(frame, format, out),
                Ok(Piece::Heartbeat) => {}
                Err(error) => out.push(Inbound::Notice(error.to_string())),
            }
        }
        // Anything the broker sends shows that it is alive.
        if self.silence_limit.is_some() {
            out.push(Inbound::Heartbeat);
        }
    }

    fn carry(&self, body: String) -> Frame {
        Frame::Text(self.send(body).encode())
    }

    fn carry_acked(&mut self, body: String) -> (Frame, Option<u32>) {
        let number = self.next_receipt;
        self.next_receipt = number.wrapping_add(1);
        let frame = self.send(body).with("receipt", &number.to_string());
        (Frame::Text(frame.encode()), Some(number))
    }

    fn ping_every(&self) -> Option<Duration> {
        self.send_every
    }

    /// A heart-beat: an end of line.
    fn ping(&mut self) -> Option<Frame> {
        Some(Frame::Text("\n".to_owned()))
    }

    fn goodbye(&self) -> Option<Frame> {
        Some(Frame::Text(StompFrame::new("DISCONNECT").encode()))
    }

    fn silence_limit(&self) -> Option<Duration> {
        self.silence_limit
    }
}

#[cfg(test)]
mod tests;
