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
//!
//! Frames are read in place, from the reader's buffer: a flood's frames
//! cost no copy of their headers, and only the few headers the client reads
//! are looked up (and unescaped, for the one it shows).

use std::time::Duration;

use super::{broker_error, take_in, topics, Transport, HANDSHAKE_LIMIT};
use crate::{
    json_value::JsonValue,
    protocol::{
        format::{json::SERVER, Body, Format},
        utf8, Frame, Inbound, Wire,
    },
};

/// The most bytes one frame may take before it is refused: a chat message
/// is at most 4,000 characters; brokers send far smaller frames.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// Why a frame cannot be read, as the system line says it. The reader
/// drops the frame, up to its NUL, and goes on with the next.
pub const NO_COMMAND: &str = "a STOMP frame has no command";
pub const BAD_HEADER: &str = "a STOMP header line has no colon";
pub const BAD_ESCAPE: &str = "a STOMP header holds an unknown escape";
pub const BAD_LENGTH: &str = "a STOMP frame's content-length does not fit its body";
pub const TOO_LARGE: &str = "a STOMP frame passed 1 MiB; it was dropped";

/// A frame as the client writes it: `\n` line ends, headers escaped (not in
/// CONNECT and CONNECTED), a `content-length` for a body, and the NUL. A
/// header whose value is `None` is left out.
pub fn encode(command: &str, headers: &[(&str, Option<&str>)], body: &str) -> String {
    let escaped = !matches!(command, "CONNECT" | "CONNECTED");
    let mut out = String::with_capacity(command.len() + body.len() + 64);
    out.push_str(command);
    out.push('\n');
    for (name, value) in headers {
        let Some(value) = value else { continue };
        push_header_part(&mut out, name, escaped);
        out.push(':');
        push_header_part(&mut out, value, escaped);
        out.push('\n');
    }
    if !body.is_empty() {
        out.push_str("content-length:");
        // Through u64's `to_string`, which the clock's digits already bring
        // into the bundle (usize's or u32's would be code of their own).
        out.push_str(&(body.len() as u64).to_string());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(body);
    out.push('\0');
    out
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

/// One frame, read in place from the reader's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read<'a> {
    pub command: &'a [u8],
    /// The header lines after the command, as sent: escaped, `\r` and all.
    head: &'a [u8],
    pub body: &'a [u8],
}

impl<'a> Read<'a> {
    /// The value of the first header called `name`, as sent (escaped). The
    /// names the client looks up hold nothing to escape.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.head.split(|&byte| byte == b'\n').find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            line.strip_prefix(name.as_bytes())?.strip_prefix(b":")
        })
    }
}

/// A header value as text: escapes undone in frames that have them.
pub fn unescape(value: &[u8]) -> String {
    let text = utf8(value);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(char) = chars.next() {
        out.push(match (char, char == '\\') {
            (_, false) => char,
            (_, true) => match chars.next() {
                Some('n') => '\n',
                Some('r') => '\r',
                Some('c') => ':',
                // `\\`; the reader refused any other escape.
                _ => '\\',
            },
        });
    }
    out
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

    /// Reads what one WebSocket message adds, handing `each` every frame
    /// and every reason a frame could not be read. The message becomes the
    /// buffer when nothing is pending, and what was read leaves the buffer
    /// once, at the end: a flood's frames are neither copied nor moved.
    pub fn push(&mut self, data: Vec<u8>, mut each: impl FnMut(Result<Read<'_>, &'static str>)) {
        let mut buffer = std::mem::take(&mut self.buffer);
        take_in(&mut buffer, data);
        let mut at = 0;
        while let Some(rest) = buffer.get(at..) {
            if self.skipping {
                let Some(nul) = rest.iter().position(|&byte| byte == 0) else {
                    at = buffer.len();
                    break;
                };
                at += nul + 1;
                self.skipping = false;
                continue;
            }
            match next(rest) {
                Next::Incomplete => break,
                Next::Heartbeat(used) => at += used,
                Next::Frame(read, used) => {
                    at += used;
                    each(Ok(read));
                }
                Next::Broken(why) => {
                    self.skipping = true;
                    each(Err(why));
                }
            }
        }
        buffer.drain(..at.min(buffer.len()));
        if buffer.len() > MAX_FRAME_BYTES {
            buffer.clear();
            self.skipping = true;
            each(Err(TOO_LARGE));
        }
        self.buffer = buffer;
    }
}

enum Next<'a> {
    Incomplete,
    /// A bare end of line between frames, the broker's heart-beat, and how
    /// many bytes it took.
    Heartbeat(usize),
    /// A frame, and how many bytes it took.
    Frame(Read<'a>, usize),
    Broken(&'static str),
}

fn next(buffer: &[u8]) -> Next<'_> {
    match buffer {
        [] | [b'\r'] => return Next::Incomplete,
        [0, ..] => return Next::Broken(NO_COMMAND),
        [b'\n', ..] => return Next::Heartbeat(1),
        [b'\r', b'\n', ..] => return Next::Heartbeat(2),
        _ => {}
    }
    // The head runs to the first empty line.
    let Some((head_end, body_start)) = head_end(buffer) else {
        return Next::Incomplete;
    };
    let head = buffer.get(..head_end).unwrap_or_default();
    let (command, head) = match head.iter().position(|&byte| byte == b'\n') {
        Some(end) => (
            head.get(..end).unwrap_or_default(),
            head.get(end + 1..).unwrap_or_default(),
        ),
        None => (head, &[][..]),
    };
    let command = command.strip_suffix(b"\r").unwrap_or(command);
    if command.is_empty() {
        return Next::Broken(NO_COMMAND);
    }
    let escaped = !matches!(command, b"CONNECT" | b"CONNECTED");
    if !head.is_empty() {
        if let Some(why) = check_headers(head, escaped) {
            return Next::Broken(why);
        }
    }
    let read = |body_end| Read {
        command,
        head,
        body: buffer.get(body_start..body_end).unwrap_or_default(),
    };
    let length = Read {
        command,
        head,
        body: &[],
    }
    .header("content-length");
    let body_end = match length.map(number) {
        Some(None) => return Next::Broken(BAD_LENGTH),
        Some(Some(length)) if length > MAX_FRAME_BYTES as u64 => return Next::Broken(TOO_LARGE),
        Some(Some(length)) => {
            let end = body_start + length as usize;
            match buffer.get(end) {
                None => return Next::Incomplete,
                Some(0) => end,
                Some(_) => return Next::Broken(BAD_LENGTH),
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
    Next::Frame(read(body_end), body_end + 1)
}

/// Whether every header line has a colon, and, in a frame with escapes,
/// only the four escapes STOMP knows.
fn check_headers(head: &[u8], escaped: bool) -> Option<&'static str> {
    for line in head.split(|&byte| byte == b'\n') {
        if !line.contains(&b':') {
            return Some(BAD_HEADER);
        }
        let mut bytes = line.iter();
        while let Some(&byte) = bytes.next() {
            if escaped && byte == b'\\' && !matches!(bytes.next(), Some(b'\\' | b'n' | b'r' | b'c'))
            {
                return Some(BAD_ESCAPE);
            }
        }
    }
    None
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

/// A header's number; `None` if it is not one. (u64: the history's
/// records already bring u64's parser into the bundle.)
fn number(value: &[u8]) -> Option<u64> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// The heart-beat interval the client offers both ways, in milliseconds.
pub const HEART_BEAT_MS: u64 = 10_000;
/// The client's `heart-beat` header: [`HEART_BEAT_MS`] both ways.
const HEART_BEATS: &str = "10000,10000";
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

    fn send(&self, body: &str, receipt: Option<&str>) -> Frame {
        let headers = [
            ("destination", Some(self.publish.as_str())),
            ("receipt", receipt),
        ];
        Frame::Text(encode("SEND", &headers, body))
    }

    fn frame<J: JsonValue>(&mut self, frame: Read<'_>, format: &Format, out: &mut Vec<Inbound>) {
        match frame.command {
            b"CONNECTED" => {
                let (broker_every, wants_every) = heart_beat(frame.header("heart-beat"));
                // Each side beats at the slower of what the other offers and
                // wants; 0 on either side means no beats that way. The
                // broker may stay silent for twice its interval, and a
                // margin for a busy page.
                let every = |theirs: u64, margin: u64| {
                    let every = theirs.max(HEART_BEAT_MS);
                    (theirs > 0)
                        .then(|| Duration::from_millis(every * (1 + margin) + margin * 2_000))
                };
                self.send_every = every(wants_every, 0);
                self.silence_limit = every(broker_every, 1);
                self.connected = true;
                let subscribe = [
                    ("id", Some("0")),
                    ("destination", Some(self.topic.as_str())),
                    ("ack", Some("auto")),
                ];
                out.push(Inbound::Reply(Frame::Text(encode(
                    "SUBSCRIBE",
                    &subscribe,
                    "",
                ))));
                out.push(Inbound::Ready);
            }
            b"MESSAGE" => format.read::<J>(Body::Text(utf8(frame.body)), SERVER, out),
            b"RECEIPT" => {
                let receipt = frame.header("receipt-id").and_then(number);
                if let Some(number) = receipt.and_then(|number| u32::try_from(number).ok()) {
                    out.push(Inbound::Acked(number));
                }
            }
            b"ERROR" => {
                let mut said = unescape(frame.header("message").unwrap_or_default());
                let body = utf8(frame.body);
                let body = body.trim();
                if !said.is_empty() && !body.is_empty() {
                    said.push_str(": ");
                }
                said.push_str(body);
                out.push(broker_error(self.connected, &said));
            }
            // Frames a client does not expect are passed over.
            _ => {}
        }
    }
}

/// A `heart-beat` header's two numbers: how often its sender beats, and
/// how often it wants the other side to. Unreadable is none.
fn heart_beat(header: Option<&[u8]>) -> (u64, u64) {
    let header = header.unwrap_or_default();
    let comma = header.iter().position(|&byte| byte == b',');
    let part = |part: Option<&[u8]>| part.and_then(number).unwrap_or(0);
    (
        part(header.get(..comma.unwrap_or(header.len()))),
        part(comma.and_then(|comma| header.get(comma + 1..))),
    )
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
        let connect = [
            ("accept-version", Some("1.2")),
            // RabbitMQ reads `host` as the virtual host: `/` is its default.
            ("host", Some("/")),
            ("heart-beat", Some(HEART_BEATS)),
            ("login", self.user.as_deref()),
            ("passcode", self.token.as_deref()),
        ];
        out.push(Inbound::Heartbeat);
        out.push(Inbound::Reply(Frame::Text(encode("CONNECT", &connect, ""))));
    }

    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        let mut reader = std::mem::take(&mut self.reader);
        reader.push(frame.into_bytes(), |read| match read {
            Ok(frame) => self.frame::<J>(frame, format, out),
            Err(why) => out.push(Inbound::Notice(why.to_owned())),
        });
        self.reader = reader;
        // Anything the broker sends shows that it is alive.
        if self.silence_limit.is_some() {
            out.push(Inbound::Heartbeat);
        }
    }

    fn carry(&self, body: String) -> Frame {
        self.send(&body, None)
    }

    fn carry_acked(&mut self, body: String) -> (Frame, Option<u32>) {
        let number = self.next_receipt;
        self.next_receipt = number.wrapping_add(1);
        // u64's `to_string`: see `encode`.
        let receipt = u64::from(number).to_string();
        (self.send(&body, Some(&receipt)), Some(number))
    }

    fn ping_every(&self) -> Option<Duration> {
        self.send_every
    }

    /// A heart-beat: an end of line.
    fn ping(&mut self) -> Option<Frame> {
        Some(Frame::Text("\n".to_owned()))
    }

    fn goodbye(&self) -> Option<Frame> {
        Some(Frame::Text(encode("DISCONNECT", &[], "")))
    }

    fn silence_limit(&self) -> Option<Duration> {
        self.silence_limit
    }
}

#[cfg(test)]
mod tests;
