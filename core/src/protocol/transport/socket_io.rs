//! Socket.IO v4 servers: Engine.IO protocol 4 and Socket.IO protocol 5,
//! over the WebSocket transport only, on the main namespace `/`.
//!
//! Each WebSocket frame is one Engine.IO packet: a type digit, then data.
//! `0` opens (with the heartbeat numbers), `2` is the server's ping, `4`
//! carries a Socket.IO packet: a type digit, an optional `/namespace,`, an
//! optional ack id, then a JSON array or object.

use std::time::Duration;

use super::Transport;
use crate::{
    json_value::JsonValue,
    protocol::{
        byte_count,
        format::{json::SERVER, Body, Format},
        preview, Frame, Inbound, Wire,
    },
    template::{fill_fields, json_inside},
};

/// The Engine.IO query that selects protocol 4 over WebSocket.
pub const ENGINE_QUERY: &str = "EIO=4&transport=websocket";
/// The path Socket.IO servers listen on by default.
pub const SOCKET_IO_PATH: &str = "/socket.io/";
/// Heartbeat numbers used until the server's open packet gives its own:
/// Socket.IO's defaults, pingInterval 25 s + pingTimeout 20 s.
pub const DEFAULT_SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// The range a server's heartbeat numbers are held to, so that a hostile
/// open packet can neither spin the watchdog nor switch it off.
pub const SILENCE_LIMIT_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(24 * 60 * 60));

/// The Socket.IO transport. Each message is an event whose one argument
/// is the body.
#[derive(Debug, Clone)]
pub struct SocketIo {
    /// The event used to send.
    event: String,
    /// The namespace CONNECT payload (`auth`), filled: `40` carries it.
    auth: Option<String>,
    silence_limit: Duration,
    /// The open packet's `maxPayload`: the largest frame the server takes.
    max_payload: Option<usize>,
}

impl SocketIo {
    pub fn new(wire: &Wire) -> SocketIo {
        SocketIo {
            event: wire.event.clone(),
            auth: wire.auth.as_deref().map(|auth| {
                let token = wire.token.as_deref().map(json_inside);
                fill_fields(auth, "", Some(""), token.as_deref())
            }),
            silence_limit: DEFAULT_SILENCE_LIMIT,
            max_payload: None,
        }
    }

    fn engine_open<J: JsonValue>(&mut self, data: &str, out: &mut Vec<Inbound>) {
        let open = J::parse(data);
        let number = |name: &str| open.as_ref()?.member(name)?.whole_number();
        let heartbeat = number("pingInterval").and_then(|interval| {
            let timeout = number("pingTimeout")?;
            Some(Duration::from_millis(interval.saturating_add(timeout)))
        });
        // The ws library behind Engine.IO reads 0 as no limit.
        self.max_payload = number("maxPayload")
            .filter(|limit| *limit > 0)
            .map(|limit| usize::try_from(limit).unwrap_or(usize::MAX));
        match heartbeat {
            Some(limit) => {
                self.silence_limit = limit.clamp(SILENCE_LIMIT_RANGE.0, SILENCE_LIMIT_RANGE.1)
            }
            None => out.push(Inbound::Notice(
                "the server's open packet gave no heartbeat numbers; assuming 45 s".to_owned(),
            )),
        }
        out.push(Inbound::Heartbeat);
        // Without the namespace connect the server never sees the client.
        let auth = self.auth.as_deref().unwrap_or_default();
        out.push(Inbound::Reply(Frame::Text(format!("40{auth}"))));
    }

    fn socket_packet<J: JsonValue>(
        &mut self,
        packet: &str,
        format: &Format,
        out: &mut Vec<Inbound>,
    ) {
        let Some(parsed) = Packet::parse(packet) else {
            return out.push(Inbound::Notice(format!(
                "unreadable Socket.IO packet: {}",
                preview(packet)
            )));
        };
        if parsed.namespace != "/" {
            return out.push(Inbound::Notice(format!(
                "ignored a packet for namespace {}, which this client does not join",
                parsed.namespace
            )));
        }
        match parsed.kind {
            b'0' => out.push(Inbound::Ready),
            b'1' => out.push(Inbound::Ended("the server disconnected this client".to_owned())),
            b'2' => self.event::<J>(&parsed, format, out),
            // Acks of our own emits: this client requests none.
            b'3' => {}
            b'4' => {
                let reason = J::parse(parsed.data)
                    .and_then(|error| error.member("message")?.string())
                    .unwrap_or_else(|| preview(parsed.data));
                out.push(Inbound::Ended(format!("the server refused the connection: {reason}")));
            }
            b'5' | b'6' => out.push(Inbound::Notice(
                "ignored a Socket.IO packet with binary attachments, which this client does not support".to_owned(),
            )),
            other => {
                // Pushed, not formatted: `char`'s formatter would cost the
                // bundle its own code for this one line.
                let mut notice = "ignored a Socket.IO packet of unknown type ".to_owned();
                notice.push(char::from(other));
                out.push(Inbound::Notice(notice));
            }
        }
    }

    fn event<J: JsonValue>(
        &mut self,
        packet: &Packet<'_>,
        format: &Format,
        out: &mut Vec<Inbound>,
    ) {
        if let Some(id) = packet.ack_id {
            // The server asked for an acknowledgement: give it, empty.
            out.push(Inbound::Reply(Frame::Text(format!("43{id}[]"))));
        }
        let Some(items) = J::parse(packet.data).and_then(|data| data.items()) else {
            return out.push(Inbound::Notice(format!(
                "unreadable Socket.IO event: {}",
                preview(packet.data)
            )));
        };
        let Some(name) = items.first().and_then(|name| name.string()) else {
            return out.push(Inbound::Notice(format!(
                "a Socket.IO event without a name: {}",
                preview(packet.data)
            )));
        };
        let sender = if name == "message" {
            SERVER.to_owned()
        } else {
            name
        };
        // The event's name is not a person's: an object's sender field is.
        let body = match items.into_iter().nth(1) {
            Some(argument) => Body::Value(argument),
            None => Body::Missing,
        };
        format.read::<J>(body, &sender, out);
    }
}

impl Transport for SocketIo {
    fn url(&self, endpoint: &str) -> String {
        let (base, query) = match endpoint.split_once('?') {
            Some((base, query)) => (base, Some(query)),
            None => (endpoint, None),
        };
        let path = if base.trim_end_matches('/').ends_with("/socket.io") {
            base.trim_end_matches('/').to_owned() + "/"
        } else {
            base.trim_end_matches('/').to_owned() + SOCKET_IO_PATH
        };
        match query {
            Some(query) if !query.is_empty() => format!("{path}?{query}&{ENGINE_QUERY}"),
            _ => format!("{path}?{ENGINE_QUERY}"),
        }
    }

    fn reset(&mut self, _random: &mut dyn FnMut() -> f64) {
        self.silence_limit = DEFAULT_SILENCE_LIMIT;
        self.max_payload = None;
    }

    fn opened(&mut self, out: &mut Vec<Inbound>) {
        // Ready only once the server accepts the namespace connect.
        out.push(Inbound::Heartbeat);
    }

    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        let text = match frame {
            Frame::Text(text) => text,
            Frame::Binary(bytes) => {
                return out.push(Inbound::Notice(format!(
                    "ignored {} of binary Socket.IO data, which this client does not support",
                    byte_count(bytes.len())
                )))
            }
        };
        let mut chars = text.char_indices();
        let kind = chars.next().map(|(_, c)| c);
        let data = text.get(1..).unwrap_or_default();
        match kind {
            Some('0') => self.engine_open::<J>(data, out),
            Some('1') => out.push(Inbound::Notice(
                "the server closed the Engine.IO session".to_owned(),
            )),
            // In Engine.IO 4 the server pings; only its ping shows that it
            // is alive, so only a ping resets the heartbeat.
            Some('2') => {
                out.push(Inbound::Reply(Frame::Text(format!("3{data}"))));
                out.push(Inbound::Heartbeat);
            }
            Some('3') | Some('6') => {}
            Some('4') => self.socket_packet::<J>(data, format, out),
            _ => out.push(Inbound::Notice(format!(
                "unreadable Engine.IO packet: {}",
                preview(&text)
            ))),
        }
    }

    /// `42["<event>",<body>]`: the body is JSON, written by a template
    /// whose fields are escaped, which the configuration checked.
    fn carry(&self, body: String) -> Frame {
        emit(&self.event, &body)
    }

    /// `42["<join>","<name>"]`: the join is an event emitted with the name.
    fn join(&self, join: &str, name: &str, _format: &Format) -> Frame {
        emit(join, &serde_json::to_string(name).unwrap_or_default())
    }

    fn max_frame_bytes(&self) -> Option<usize> {
        self.max_payload
    }

    /// Socket.IO's namespace disconnect: without it the server sees a
    /// transport that broke, not a client that left.
    fn goodbye(&self) -> Option<Frame> {
        Some(Frame::Text("41".to_owned()))
    }

    fn silence_limit(&self) -> Option<Duration> {
        Some(self.silence_limit)
    }
}

/// The event packet that emits `event` with one argument, already JSON.
fn emit(event: &str, argument: &str) -> Frame {
    let event = serde_json::to_string(event).unwrap_or_default();
    Frame::Text(format!("42[{event},{argument}]"))
}

/// A Socket.IO packet, split into its parts. Borrowed from the frame.
#[derive(Debug, PartialEq, Eq)]
struct Packet<'a> {
    kind: u8,
    namespace: &'a str,
    ack_id: Option<u64>,
    data: &'a str,
}

impl<'a> Packet<'a> {
    fn parse(packet: &'a str) -> Option<Packet<'a>> {
        let kind = *packet.as_bytes().first()?;
        if !kind.is_ascii_digit() {
            return None;
        }
        let mut rest = packet.get(1..)?;
        if kind == b'5' || kind == b'6' {
            // Attachments count, then '-'.
            let dash = rest.find('-')?;
            rest = rest.get(dash + 1..)?;
        }
        let mut namespace = "/";
        if rest.starts_with('/') {
            match rest.find(',') {
                Some(comma) => {
                    namespace = rest.get(..comma)?;
                    rest = rest.get(comma + 1..)?;
                }
                None => {
                    namespace = rest;
                    rest = "";
                }
            }
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let ack_id = match digits {
            0 => None,
            _ => Some(rest.get(..digits)?.parse().ok()?),
        };
        Some(Packet {
            kind,
            namespace,
            ack_id,
            data: rest.get(digits..)?,
        })
    }
}

#[cfg(test)]
mod tests;
