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

use std::time::Duration;

use super::{refused, topics, Transport, HANDSHAKE_LIMIT};
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

/// A packet a client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing<'a> {
    Connect {
        client_id: &'a str,
        user: Option<&'a str>,
        password: Option<&'a str>,
        keep_alive_s: u16,
        clean_session: bool,
    },
    Subscribe {
        packet_id: u16,
        topic: &'a str,
        qos: u8,
    },
    Publish {
        topic: &'a str,
        payload: &'a [u8],
        /// With an id, QoS 1: the broker answers PUBACK. Without, QoS 0.
        packet_id: Option<u16>,
    },
    PubAck(u16),
    PingReq,
    Disconnect,
}

/// A packet a client reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// The broker's answer to CONNECT: 0 is accepted, 4 a bad user name or
    /// password, 5 not authorized.
    ConnAck {
        session_present: bool,
        code: u8,
    },
    /// The granted QoS per topic; 0x80 is a refusal.
    SubAck {
        packet_id: u16,
        granted: Vec<u8>,
    },
    Publish {
        topic: String,
        payload: Vec<u8>,
        /// Set at QoS 1 and 2: the client acknowledges it.
        packet_id: Option<u16>,
        qos: u8,
    },
    PubAck(u16),
    PingResp,
    /// A packet type a client does not expect; its bytes are skipped.
    Other(u8),
}

/// A packet that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MqttError {
    #[error("an MQTT packet's length is malformed")]
    BadLength,
    #[error("an MQTT packet passed {MAX_PACKET_BYTES} bytes")]
    TooLarge,
    #[error("an MQTT {0} packet is malformed")]
    Malformed(&'static str),
}

impl Outgoing<'_> {
    /// The packet's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let (first, body) = match self {
            Outgoing::Connect {
                client_id,
                user,
                password,
                keep_alive_s,
                clean_session,
            } => {
                let mut body = Vec::new();
                push_string(&mut body, "MQTT");
                body.push(4); // protocol level 3.1.1
                let mut flags = 0u8;
                if *clean_session {
                    flags |= 0x02;
                }
                if user.is_some() {
                    flags |= 0x80;
                }
                if password.is_some() {
                    flags |= 0x40;
                }
                body.push(flags);
                body.extend_from_slice(&keep_alive_s.to_be_bytes());
                push_string(&mut body, client_id);
                for field in [user, password].into_iter().flatten() {
                    push_string(&mut body, field);
                }
                (0x10, body)
            }
            Outgoing::Subscribe {
                packet_id,
                topic,
                qos,
            } => {
                let mut body = packet_id.to_be_bytes().to_vec();
                push_string(&mut body, topic);
                body.push(*qos & 0x03);
                (0x82, body)
            }
            Outgoing::Publish {
                topic,
                payload,
                packet_id,
            } => {
                let mut body = Vec::with_capacity(topic.len() + payload.len() + 4);
                push_string(&mut body, topic);
                if let Some(id) = packet_id {
                    body.extend_from_slice(&id.to_be_bytes());
                }
                body.extend_from_slice(payload);
                (if packet_id.is_some() { 0x32 } else { 0x30 }, body)
            }
            Outgoing::PubAck(id) => (0x40, id.to_be_bytes().to_vec()),
            Outgoing::PingReq => (0xC0, Vec::new()),
            Outgoing::Disconnect => (0xE0, Vec::new()),
        };
        let mut out = vec![first];
        push_length(&mut out, body.len());
        out.extend_from_slice(&body);
        out
    }
}

/// A length-prefixed UTF-8 string, cut to 65,535 bytes on a character
/// boundary.
fn push_string(out: &mut Vec<u8>, text: &str) {
    let mut end = text.len().min(usize::from(u16::MAX));
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = text.get(..end).unwrap_or_default();
    out.extend_from_slice(&(text.len() as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// The remaining length, seven bits a byte, low first.
fn push_length(out: &mut Vec<u8>, mut length: usize) {
    loop {
        let mut byte = (length % 128) as u8;
        length /= 128;
        if length > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if length == 0 {
            return;
        }
    }
}

/// Reads packets from binary WebSocket messages.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    buffer: Vec<u8>,
}

impl Reader {
    /// Forgets a partial packet: a new socket starts afresh.
    pub fn reset(&mut self) {
        self.buffer.clear();
    }

    /// Reads what one WebSocket message adds. A packet that cannot be read
    /// ends the reading of this stream: MQTT has no way to find the next
    /// packet, so the caller closes the socket.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<Result<Incoming, MqttError>>) {
        self.buffer.extend_from_slice(data);
        let mut at = 0;
        let broken = loop {
            let rest = self.buffer.get(at..).unwrap_or_default();
            let Some(&first) = rest.first() else {
                break None;
            };
            let (length, header) = match read_length(rest.get(1..).unwrap_or_default()) {
                Length::Incomplete => break None,
                Length::Broken => break Some(MqttError::BadLength),
                Length::Read(length, bytes) => (length, 1 + bytes),
            };
            if length > MAX_PACKET_BYTES {
                break Some(MqttError::TooLarge);
            }
            let Some(body) = rest.get(header..header + length) else {
                break None;
            };
            match read_packet(first, body) {
                Ok(packet) => out.push(Ok(packet)),
                Err(error) => break Some(error),
            }
            at += header + length;
        };
        match broken {
            // What was read leaves the buffer once, at the end.
            None => drop(self.buffer.drain(..at.min(self.buffer.len()))),
            Some(error) => {
                self.buffer.clear();
                out.push(Err(error));
            }
        }
    }
}

enum Length {
    Incomplete,
    Broken,
    /// The length, and how many bytes it took.
    Read(usize, usize),
}

fn read_length(bytes: &[u8]) -> Length {
    let mut length = 0usize;
    for (at, &byte) in bytes.iter().enumerate().take(4) {
        length += usize::from(byte & 0x7F) << (7 * at);
        if byte & 0x80 == 0 {
            return Length::Read(length, at + 1);
        }
    }
    if bytes.len() >= 4 {
        Length::Broken
    } else {
        Length::Incomplete
    }
}

fn read_packet(first: u8, body: &[u8]) -> Result<Incoming, MqttError> {
    let id = |name| u16_at(body, 0).ok_or(MqttError::Malformed(name));
    match first >> 4 {
        2 => match body {
            [flags, code] => Ok(Incoming::ConnAck {
                session_present: flags & 1 == 1,
                code: *code,
            }),
            _ => Err(MqttError::Malformed("CONNACK")),
        },
        3 => {
            let qos = (first >> 1) & 0x03;
            let topic_length = usize::from(u16_at(body, 0).ok_or(MqttError::Malformed("PUBLISH"))?);
            let topic = body
                .get(2..2 + topic_length)
                .ok_or(MqttError::Malformed("PUBLISH"))?;
            let mut rest = 2 + topic_length;
            let packet_id = if qos > 0 {
                let id = u16_at(body, rest).ok_or(MqttError::Malformed("PUBLISH"))?;
                rest += 2;
                Some(id)
            } else {
                None
            };
            Ok(Incoming::Publish {
                topic: utf8(topic),
                payload: body.get(rest..).unwrap_or_default().to_vec(),
                packet_id,
                qos,
            })
        }
        4 => Ok(Incoming::PubAck(id("PUBACK")?)),
        9 => Ok(Incoming::SubAck {
            packet_id: id("SUBACK")?,
            granted: body.get(2..).unwrap_or_default().to_vec(),
        }),
        13 => Ok(Incoming::PingResp),
        kind => Ok(Incoming::Other(kind)),
    }
}

/// The big-endian two bytes at `at`.
fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let pair: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_be_bytes(pair))
}

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

    fn publish(&self, body: &str, packet_id: Option<u16>) -> Frame {
        Frame::Binary(
            Outgoing::Publish {
                topic: &self.publish,
                payload: body.as_bytes(),
                packet_id,
            }
            .encode(),
        )
    }

    fn packet<J: JsonValue>(&mut self, packet: Incoming, format: &Format, out: &mut Vec<Inbound>) {
        match packet {
            Incoming::ConnAck { code: 0, .. } => {
                self.connected = true;
                let subscribe = Outgoing::Subscribe {
                    packet_id: SUBSCRIBE_ID,
                    topic: &self.topic,
                    qos: 1,
                };
                out.push(Inbound::Reply(Frame::Binary(subscribe.encode())));
            }
            Incoming::ConnAck { code, .. } => out.push(match code {
                4 => refused("bad user name or password"),
                5 => refused("not authorized"),
                // Protocol version, client id, broker unavailable: the
                // broker closes the socket, and the link tries again.
                code => Inbound::Notice(format!(
                    "the broker refused the connection (CONNACK code {code})"
                )),
            }),
            // The session is ready once the broker has taken the
            // subscription: what goes out then has its echo, and the
            // page says it listens only when it does.
            Incoming::SubAck { granted, .. } => {
                if granted.iter().any(|qos| *qos > 2) {
                    out.push(Inbound::Notice(format!(
                        "the broker refused the subscription to {}",
                        self.topic
                    )));
                }
                out.push(Inbound::Ready);
            }
            Incoming::Publish {
                payload,
                packet_id,
                qos,
                ..
            } => {
                // QoS 1 is acknowledged; the subscription asked no more.
                if let (1, Some(id)) = (qos, packet_id) {
                    let ack = Outgoing::PubAck(id).encode();
                    out.push(Inbound::Reply(Frame::Binary(ack)));
                }
                let body = utf8(&payload);
                format.read::<J>(Body::Text(body), SERVER, out);
            }
            Incoming::PubAck(id) => out.push(Inbound::Acked(u32::from(id))),
            Incoming::PingResp | Incoming::Other(_) => {}
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
        let connect = Outgoing::Connect {
            client_id: &self.client_id,
            user: self.user.as_deref(),
            password: self.token.as_deref(),
            keep_alive_s: KEEP_ALIVE.as_secs() as u16,
            clean_session: true,
        };
        out.push(Inbound::Heartbeat);
        out.push(Inbound::Reply(Frame::Binary(connect.encode())));
    }

    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        let bytes = frame.into_bytes();
        let mut packets = Vec::new();
        self.reader.push(&bytes, &mut packets);
        for packet in packets {
            match packet {
                Ok(packet) => self.packet::<J>(packet, format, out),
                // MQTT cannot find the next packet after a broken one.
                Err(error) => return out.push(Inbound::Lost(error.to_string())),
            }
        }
        out.push(Inbound::Heartbeat);
    }

    /// A QoS 0 PUBLISH, for the join.
    fn carry(&self, body: String) -> Frame {
        self.publish(&body, None)
    }

    fn carry_acked(&mut self, body: String) -> (Frame, Option<u32>) {
        let id = self.next_id;
        self.next_id = id.checked_add(1).unwrap_or(SUBSCRIBE_ID + 1);
        (self.publish(&body, Some(id)), Some(u32::from(id)))
    }

    fn ping_every(&self) -> Option<Duration> {
        self.connected.then_some(PING_EVERY)
    }

    fn ping(&mut self) -> Option<Frame> {
        Some(Frame::Binary(Outgoing::PingReq.encode()))
    }

    fn goodbye(&self) -> Option<Frame> {
        Some(Frame::Binary(Outgoing::Disconnect.encode()))
    }

    fn silence_limit(&self) -> Option<Duration> {
        Some(match self.connected {
            true => KEEP_ALIVE,
            false => HANDSHAKE_LIMIT,
        })
    }
}

#[cfg(test)]
mod tests;
