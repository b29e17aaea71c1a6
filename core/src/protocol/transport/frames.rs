//! Plain WebSocket frames: each text or binary frame is one message body,
//! and each body goes out as one text frame. No handshake, no heartbeat:
//! json and text send nothing the user did not write or configure.

use super::Transport;
use crate::{
    json_value::JsonValue,
    protocol::{
        format::{json::SERVER, Body, Format},
        frame_text, Frame, Inbound,
    },
};

/// The plain frame transport; it has no state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Frames;

impl Transport for Frames {
    /// A binary frame is read as UTF-8, since relays forward raw buffers; a
    /// line that names nobody is from `server`.
    fn decode<J: JsonValue>(&mut self, frame: Frame, format: &Format, out: &mut Vec<Inbound>) {
        match frame_text(frame) {
            Ok(text) => format.read::<J>(Body::Text(text), SERVER, out),
            Err(notice) => out.push(notice),
        }
    }

    fn carry(&self, body: String) -> Frame {
        Frame::Text(body)
    }
}
