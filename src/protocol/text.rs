//! Plain text, for echo designs: send the raw text, show every incoming
//! frame verbatim, from `server`.

use super::{frame_text, json::SERVER, Frame, Inbound, WireProtocol};

/// The text codec. It has no state.
#[derive(Debug, Clone, Copy, Default)]
pub struct Text;

impl WireProtocol for Text {
    fn decode(&mut self, frame: Frame, out: &mut Vec<Inbound>) {
        out.push(match frame_text(frame) {
            Ok(text) => Inbound::Chat {
                sender: SERVER.to_owned(),
                text,
            },
            Err(notice) => notice,
        });
    }

    fn encode(&self, _name: &str, text: &str) -> Frame {
        Frame::Text(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(frame: Frame) -> Vec<Inbound> {
        let mut out = Vec::new();
        Text.decode(frame, &mut out);
        out
    }

    #[test]
    fn sends_the_raw_text() {
        assert_eq!(
            Text.encode("ann", r#"hi {"x":1}"#),
            Frame::Text(r#"hi {"x":1}"#.to_owned())
        );
    }

    #[test]
    fn shows_every_frame_verbatim_from_server_even_json() {
        for frame in [
            "Hello webSocket",
            r#"I heard you say "hi""#,
            r#"{"name":"a","msg":"b"}"#,
            "",
        ] {
            assert_eq!(
                decode(Frame::Text(frame.to_owned())),
                vec![Inbound::Chat {
                    sender: "server".to_owned(),
                    text: frame.to_owned()
                }]
            );
        }
    }

    #[test]
    fn binary_frames_are_read_as_utf8_or_noticed() {
        assert_eq!(
            decode(Frame::Binary(b"echo".to_vec())),
            vec![Inbound::Chat {
                sender: "server".to_owned(),
                text: "echo".to_owned()
            }]
        );
        assert_eq!(
            decode(Frame::Binary(vec![0xc3])),
            vec![Inbound::Notice(
                "received 1 byte of binary data that is not UTF-8 text".to_owned()
            )]
        );
    }
}
