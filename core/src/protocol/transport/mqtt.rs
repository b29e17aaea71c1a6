//! MQTT 3.1.1 over WebSocket (mosquitto, RabbitMQ's Web-MQTT, EMQX,
//! HiveMQ): the [`Mqtt`] transport, and the packets a chat client sends
//! (CONNECT, SUBSCRIBE, PUBLISH at QoS 0 or 1, PUBACK, PINGREQ,
//! DISCONNECT) and reads (CONNACK, SUBACK, PUBLISH, PUBACK, PINGRESP),
//! over binary WebSocket messages in which a packet may span messages and
//! a message may hold several packets.
//!
//! The session: CONNECT with a client id of its own and a keep-alive,
//! CONNACK, SUBSCRIBE to the topic at QoS 1, SUBACK, then each message as a QoS 1
//! PUBLISH whose PUBACK proves the broker read it. PINGREQ keeps the
//! session alive; a broker that answers nothing for the keep-alive is gone.
//!
//! Each packet is written straight into the bytes that go out, and each
//! packet read is borrowed from the stream and acted on at once: the
//! bundle pays for no packet or error enum and no list of packets.

use std::time::Duration;

use super::{refused, take_in, topics, Transport, HANDSHAKE_LIMIT};
use crate::{
    json_value::JsonValue,
    protocol::{
        format::{json::SERVER, Body, Format},
        utf8, Frame, Inbound, Wire,
    },
};

/// The most bytes one packet may take before it is refused: a chat
/// message is at most 4,000 characters.
pub const MAX_PACKET_BYTES: usize = 1 << 20;

/// The keep-alive the client asks for: the broker drops a client silent
/// for one and a half times this; the client counts a broker silent for
/// this long as gone.
pub const KEEP_ALIVE: Duration = Duration::from_secs(30);
/// How often the client pings: twice per keep-alive.
pub const PING_EVERY: Duration = Duration::from_secs(15);
/// Where the client listens when `topic` says nothing.
pub const DEFAULT_TOPIC: &str = "chat";
/// The SUBSCRIBE's packet id; messages take the ids after it.
const SUBSCRIBE_ID: u16 = 1;

/// Why a stream cannot be read any more: the text of its `Inbound::Lost`.
pub const BAD_LENGTH: &str = "an MQTT packet's length is malformed";
/// See [`BAD_LENGTH`]; the figure is [`MAX_PACKET_BYTES`].
pub const TOO_LARGE: &str = "an MQTT packet passed 1048576 bytes";
/// See [`BAD_LENGTH`].
pub const BAD_CONNACK: &str = "an MQTT CONNACK packet is malformed";
/// See [`BAD_LENGTH`].
pub const BAD_PUBLISH: &str = "an MQTT PUBLISH packet is malformed";
/// See [`BAD_LENGTH`].
pub const BAD_PUBACK: &str = "an MQTT PUBACK packet is malformed";
/// See [`BAD_LENGTH`].
pub const BAD_SUBACK: &str = "an MQTT SUBACK packet is malformed";

/// CONNECT, with a clean session and the keep-alive; `password` is the
/// token.
pub fn connect(client_id: &str, user: Option<&str>, password: Option<&str>) -> Vec<u8> {
    let mut flags = 0x02; // a clean session
    let mut length = 10 + 2 + cut(client_id).len();
    if let Some(user) = user {
        flags |= 0x80;
        length += 2 + cut(user).len();
    }
    if let Some(password) = password {
        flags |= 0x40;
        length += 2 + cut(password).len();
    }
    let mut out = header(0x10, length);
    // The protocol name, level 4 (3.1.1), the flags and the keep-alive.
    let [high, low] = (KEEP_ALIVE.as_secs() as u16).to_be_bytes();
    out.extend_from_slice(&[0, 4, b'M', b'Q', b'T', b'T', 4, flags, high, low]);
    push_string(&mut out, client_id);
    if let Some(user) = user {
        push_string(&mut out, user);
    }
    if let Some(password) = password {
        push_string(&mut out, password);
    }
    out
}

/// SUBSCRIBE to `topic` at QoS 1, with the packet id [`SUBSCRIBE_ID`].
pub fn subscribe(topic: &str) -> Vec<u8> {
    let mut out = header(0x82, 2 + 2 + cut(topic).len() + 1);
    out.extend_from_slice(&SUBSCRIBE_ID.to_be_bytes());
    push_string(&mut out, topic);
    out.push(1);
    out
}

/// PUBLISH: with a packet id at QoS 1, which the broker answers with a
/// PUBACK; without one at QoS 0.
pub fn publish(topic: &str, payload: &[u8], packet_id: Option<u16>) -> Vec<u8> {
    let (first, id_bytes) = match packet_id {
        Some(_) => (0x32, 2),
        None => (0x30, 0),
    };
    let mut out = header(first, 2 + cut(topic).len() + id_bytes + payload.len());
    push_string(&mut out, topic);
    if let Some(id) = packet_id {
        out.extend_from_slice(&id.to_be_bytes());
    }
    out.extend_from_slice(payload);
    out
}

/// PUBACK for the broker's QoS 1 PUBLISH `id`.
pub fn puback(id: u16) -> Vec<u8> {
    let [high, low] = id.to_be_bytes();
    vec![0x40, 2, high, low]
}

/// A packet's first byte and its remaining length, seven bits a byte, low
/// first, with room for the `length` bytes that follow.
fn header(first: u8, mut length: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(length + 5);
    out.push(first);
    loop {
        let byte = (length % 128) as u8;
        length /= 128;
        if length == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// `text`'s bytes, cut to 65,535 on a character boundary: the most a
/// string in a packet can hold.
fn cut(text: &str) -> &[u8] {
    let bytes = text.as_bytes();
    let mut end = bytes.len().min(usize::from(u16::MAX));
    // A byte 0b10xx_xxxx goes on with the character before it.
    while bytes.get(end).is_some_and(|byte| byte & 0xC0 == 0x80) {
        end -= 1;
    }
    bytes.get(..end).unwrap_or_default()
}

/// A length-prefixed UTF-8 string, [`cut`] to fit.
fn push_string(out: &mut Vec<u8>, text: &str) {
    let text = cut(text);
    out.extend_from_slice(&(text.len() as u16).to_be_bytes());
    out.extend_from_slice(text);
}

/// Reads packets from binary WebSocket messages: each one's first byte
/// (its type and flags) and its body, borrowed from the buffer. What a
/// packet means is for the transport to read as it acts on it.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    /// What the messages brought; the packets before `at` are read.
    buffer: Vec<u8>,
    at: usize,
}

impl Reader {
    /// Forgets a partial packet: a new socket, or a stream that cannot be
    /// read any more, starts afresh.
    pub fn reset(&mut self) {
        *self = Reader::default();
    }

    /// Adds what one WebSocket message brought. When nothing is left
    /// over, the message's own bytes become the buffer: nothing is copied.
    pub fn push(&mut self, message: Vec<u8>) {
        self.buffer.drain(..self.at.min(self.buffer.len()));
        self.at = 0;
        take_in(&mut self.buffer, message);
    }

    /// The next whole packet's first byte and body: `Ok(None)` until more
    /// bytes come. A length that cannot be read ends the reading of this
    /// stream, as MQTT has no way to find the next packet: the same error
    /// comes back until the caller resets the reader (the transport does,
    /// and the link closes the socket).
    pub fn next_packet(&mut self) -> Result<Option<(u8, &[u8])>, &'static str> {
        let rest = self.buffer.get(self.at..).unwrap_or_default();
        let Some(&first) = rest.first() else {
            return Ok(None);
        };
        // The remaining length: seven bits a byte, low first, at most four.
        let mut length = 0;
        let mut header = 1;
        loop {
            let Some(&byte) = rest.get(header) else {
                return Ok(None);
            };
            length += usize::from(byte & 0x7F) << (7 * (header - 1));
            header += 1;
            if byte & 0x80 == 0 {
                break;
            }
            if header == 5 {
                return Err(BAD_LENGTH);
            }
        }
        if length > MAX_PACKET_BYTES {
            return Err(TOO_LARGE);
        }
        let Some(body) = rest.get(header..header + length) else {
            return Ok(None);
        };
        self.at += header + length;
        Ok(Some((first, body)))
    }
}

/// The two big-endian bytes that start `bytes`, and the rest: a topic's
/// length or a packet id.
fn split_u16(bytes: &[u8]) -> Option<(u16, &[u8])> {
    match bytes {
        [high, low, rest @ ..] => Some((u16::from_be_bytes([*high, *low]), rest)),
        _ => None,
    }
}

/// The MQTT transport.
#[derive(Debug, Clone)]
pub struct Mqtt {
    topic: String,
    publish: String,
    user: Option<String>,
    token: Option<String>,
    reader: Reader,
    /// This session's client id: `wschat-` and a random number.
    client_id: String,
    /// Set by an accepting CONNACK.
    connected: bool,
    /// The packet id of the next message: 2 to 65,535, then round again.
    next_id: u16,
}

impl Mqtt {
    pub fn new(wire: &Wire) -> Mqtt {
        let (topic, publish) = topics(wire, DEFAULT_TOPIC);
        Mqtt {
            topic,
            publish,
            user: wire.user.clone(),
            token: wire.token.clone(),
            reader: Reader::default(),
            client_id: "wschat".to_owned(),
            connected: false,
            next_id: SUBSCRIBE_ID + 1,
        }
    }
}

impl Transport for Mqtt {
    fn reset(&mut self, random: &mut dyn FnMut() -> f64) {
        self.reader.reset();
        self.connected = false;
        self.next_id = SUBSCRIBE_ID + 1;
        // A client id of this session's own: two tabs with one id would
        // take each other's session over.
        // Decimal: a hex formatter would cost the bundle its own code.
        let number = (random() * f64::from(u32::MAX)) as u32;
        self.client_id = format!("wschat-{number}");
    }

    /// CONNECT; the session is ready once the broker accepts it.
    fn opened(&mut self, out: &mut Vec<Inbound>) {
        let connect = connect(&self.client_id, self.user.as_deref(), self.token.as_deref());
        out.push(Inbound::Heartbeat);
        out.push(Inbound::Reply(Frame::Binary(connect)));
    }

    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        self.reader.push(frame.into_bytes());
        loop {
            let read = match self.reader.next_packet() {
                Ok(Some((first, body))) => {
                    packet::<J>(first, body, &self.topic, &mut self.connected, format, out)
                }
                Ok(None) => return out.push(Inbound::Heartbeat),
                Err(lost) => Err(lost),
            };
            if let Err(lost) = read {
                // MQTT cannot find the next packet after a broken one.
                self.reader.reset();
                return out.push(Inbound::Lost(lost.to_owned()));
            }
        }
    }

    /// A QoS 0 PUBLISH, for the join.
    fn carry(&self, body: String) -> Frame {
        Frame::Binary(publish(&self.publish, body.as_bytes(), None))
    }

    fn carry_acked(&mut self, body: String) -> (Frame, Option<u32>) {
        let id = self.next_id;
        self.next_id = id.checked_add(1).unwrap_or(SUBSCRIBE_ID + 1);
        let packet = publish(&self.publish, body.as_bytes(), Some(id));
        (Frame::Binary(packet), Some(u32::from(id)))
    }

    fn ping_every(&self) -> Option<Duration> {
        self.connected.then_some(PING_EVERY)
    }

    /// PINGREQ.
    fn ping(&mut self) -> Option<Frame> {
        Some(Frame::Binary(vec![0xC0, 0]))
    }

    /// DISCONNECT.
    fn goodbye(&self) -> Option<Frame> {
        Some(Frame::Binary(vec![0xE0, 0]))
    }

    fn silence_limit(&self) -> Option<Duration> {
        Some(match self.connected {
            true => KEEP_ALIVE,
            false => HANDSHAKE_LIMIT,
        })
    }
}

/// Acts on one packet the broker sent, of the session that listens on
/// `topic`: `Err` says why it cannot be read.
fn packet<J: JsonValue>(
    first: u8,
    body: &[u8],
    topic: &str,
    connected: &mut bool,
    format: &Format,
    out: &mut Vec<Inbound>,
) -> Result<(), &'static str> {
    match first >> 4 {
        // CONNACK: 0 is accepted, 4 a bad user name or password, 5 not
        // authorized.
        2 => match body {
            [_flags, 0] => {
                *connected = true;
                out.push(Inbound::Reply(Frame::Binary(subscribe(topic))));
            }
            [_flags, 4] => out.push(refused("bad user name or password")),
            [_flags, 5] => out.push(refused("not authorized")),
            // Protocol version, client id, broker unavailable: the broker
            // closes the socket, and the link tries again. The code is
            // written as a u32: a u8 formatter would cost the bundle its
            // own code.
            [_flags, code] => out.push(Inbound::Notice(format!(
                "the broker refused the connection (CONNACK code {})",
                u32::from(*code)
            ))),
            _ => return Err(BAD_CONNACK),
        },
        // PUBLISH: a topic, a packet id at QoS 1 and 2, the payload.
        3 => {
            let qos = (first >> 1) & 0x03;
            let (topic_length, rest) = split_u16(body).ok_or(BAD_PUBLISH)?;
            let mut payload = rest.get(usize::from(topic_length)..).ok_or(BAD_PUBLISH)?;
            if qos > 0 {
                let (id, rest) = split_u16(payload).ok_or(BAD_PUBLISH)?;
                payload = rest;
                // QoS 1 is acknowledged; the subscription asked no more.
                if qos == 1 {
                    out.push(Inbound::Reply(Frame::Binary(puback(id))));
                }
            }
            format.read::<J>(Body::Text(utf8(payload)), SERVER, out);
        }
        // PUBACK: the packet id of a message the broker read.
        4 => {
            let (id, _) = split_u16(body).ok_or(BAD_PUBACK)?;
            out.push(Inbound::Acked(u32::from(id)));
        }
        // SUBACK: a packet id, then the granted QoS per topic; 0x80 is a
        // refusal. The session is ready once the broker has taken the
        // subscription: what goes out then has its echo, and the page
        // says it listens only when it does.
        9 => {
            let (_, granted) = split_u16(body).ok_or(BAD_SUBACK)?;
            if granted.iter().any(|qos| *qos > 2) {
                let mut notice = "the broker refused the subscription to ".to_owned();
                notice.push_str(topic);
                out.push(Inbound::Notice(notice));
            }
            out.push(Inbound::Ready);
        }
        // PINGRESP, and packet types a client does not expect: skipped.
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
