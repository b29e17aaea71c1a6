//! Plain text, for echo designs: send the raw text, show every incoming
//! frame verbatim, from `server`, unless a `pattern` reads a sender from it.

use super::{frame_text, json::SERVER, Frame, Inbound, Sender, Wire, WireProtocol};
use crate::template::{fill, Pattern};

/// The text codec: how it writes and reads, and no state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// `None` sends the raw text.
    template: Option<String>,
    join: Option<String>,
    pattern: Option<Pattern>,
}

impl Text {
    /// The codec for `wire`; a pattern that does not parse reads nothing,
    /// as the configuration refuses it before it gets here.
    pub fn new(wire: &Wire) -> Text {
        Text {
            template: wire.template.clone(),
            join: wire.join.clone(),
            pattern: wire.pattern.as_deref().and_then(Pattern::parse),
        }
    }
}

impl WireProtocol for Text {
    fn decode(&mut self, frame: Frame, out: &mut Vec<Inbound>) {
        out.push(match frame_text(frame) {
            Ok(text) => {
                let read = self
                    .pattern
                    .as_ref()
                    .and_then(|pattern| pattern.read(&text));
                match read {
                    Some((name, said)) => Inbound::Chat {
                        sender: Sender::Named(name.to_owned()),
                        text: said.to_owned(),
                    },
                    None => Inbound::Chat {
                        sender: Sender::Unnamed(SERVER.to_owned()),
                        text,
                    },
                }
            }
            Err(notice) => notice,
        });
    }

    fn encode(&self, name: &str, text: &str) -> Frame {
        Frame::Text(match &self.template {
            Some(template) => fill(template, name, Some(text)),
            None => text.to_owned(),
        })
    }

    /// The `join` template as it is, with `{text}` empty.
    fn join(&self, name: &str) -> Option<Frame> {
        Some(Frame::Text(fill(self.join.as_deref()?, name, Some(""))))
    }

    fn folds_echoes(&self) -> bool {
        self.pattern.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(codec: &mut Text, frame: Frame) -> Vec<Inbound> {
        let mut out = Vec::new();
        codec.decode(frame, &mut out);
        out
    }

    fn from_server(text: &str) -> Vec<Inbound> {
        vec![Inbound::Chat {
            sender: Sender::Unnamed("server".to_owned()),
            text: text.to_owned(),
        }]
    }

    fn with(join: Option<&str>, template: Option<&str>, pattern: Option<&str>) -> Text {
        Text::new(&Wire {
            join: join.map(str::to_owned),
            template: template.map(str::to_owned),
            pattern: pattern.map(str::to_owned),
            ..Wire::from(super::super::Protocol::Text)
        })
    }

    #[test]
    fn sends_the_raw_text() {
        assert_eq!(
            Text::default().encode("ann", r#"hi {"x":1}"#),
            Frame::Text(r#"hi {"x":1}"#.to_owned())
        );
    }

    #[test]
    fn shows_every_frame_verbatim_from_server_even_json() {
        for frame in [
            "Hello webSocket",
            r#"I heard you say "hi""#,
            r#"{"name":"a","msg":"b"}"#,
            "alice: hi",
            "",
        ] {
            assert_eq!(
                decode(&mut Text::default(), Frame::Text(frame.to_owned())),
                from_server(frame)
            );
        }
    }

    #[test]
    fn binary_frames_are_read_as_utf8_or_noticed() {
        assert_eq!(
            decode(&mut Text::default(), Frame::Binary(b"echo".to_vec())),
            from_server("echo")
        );
        assert_eq!(
            decode(&mut Text::default(), Frame::Binary(vec![0xc3])),
            vec![Inbound::Notice(
                "received 1 byte of binary data that is not UTF-8 text".to_owned()
            )]
        );
    }

    #[test]
    fn a_pattern_reads_the_sender_and_other_lines_stay_verbatim() {
        let mut codec = with(None, None, Some("{name}: {text}"));
        assert_eq!(
            decode(&mut codec, Frame::Text("alice: hi: there".to_owned())),
            vec![Inbound::Chat {
                sender: Sender::Named("alice".to_owned()),
                text: "hi: there".to_owned()
            }]
        );
        assert_eq!(
            decode(&mut codec, Frame::Text("alice joined.".to_owned())),
            from_server("alice joined.")
        );
        assert!(codec.folds_echoes());
        assert!(!Text::default().folds_echoes());
    }

    #[test]
    fn templates_and_join_go_in_raw() {
        let codec = with(Some("{name}"), Some("/say {text} \"{name}\""), None);
        assert_eq!(
            codec.join("Zoë \"z\""),
            Some(Frame::Text("Zoë \"z\"".to_owned()))
        );
        assert_eq!(
            codec.encode("ann", "a\\b \"c\""),
            Frame::Text("/say a\\b \"c\" \"ann\"".to_owned())
        );
        assert_eq!(Text::default().join("ann"), None);
    }
}
