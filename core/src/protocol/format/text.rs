//! The text message format, for echo designs and line-based chats: the
//! body is the raw text (or a `template` filled as it is), and every body
//! read is shown verbatim, from `server`, unless a `pattern` reads a sender
//! from it.

use super::Body;
use crate::{
    json_value::JsonValue,
    protocol::{Inbound, Sender, Wire},
    template::{fill_fields, Pattern},
};

/// How the text format writes and reads, and no state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// `None` sends the raw text.
    template: Option<String>,
    pattern: Option<Pattern>,
    token: Option<String>,
}

impl Text {
    /// The format for `wire`; a pattern that does not parse reads nothing,
    /// as the configuration refuses it before it gets here.
    pub fn new(wire: &Wire) -> Text {
        Text {
            template: wire.template.clone(),
            pattern: wire.pattern.as_deref().and_then(Pattern::parse),
            token: wire.token.clone(),
        }
    }

    /// The template as it is, or the raw text.
    pub fn write(&self, name: &str, text: &str) -> String {
        match &self.template {
            Some(template) => self.fill(template, name, text),
            None => text.to_owned(),
        }
    }

    /// A template filled with the values as they are.
    pub fn fill(&self, template: &str, name: &str, text: &str) -> String {
        fill_fields(template, name, Some(text), self.token.as_deref())
    }

    /// A line the pattern reads is from the name it found; any other is
    /// shown verbatim from `from`. A parsed value is read as its text.
    pub fn read<J: JsonValue>(&self, body: Body<J>, from: &str, out: &mut Vec<Inbound>) {
        let text = match body {
            Body::Text(text) => text,
            Body::Value(value) => value.string().unwrap_or_else(|| value.to_json()),
            Body::Missing => String::new(),
        };
        let read = self
            .pattern
            .as_ref()
            .and_then(|pattern| pattern.read(&text));
        out.push(match read {
            Some((name, said)) => Inbound::Chat {
                sender: Sender::Named(name.to_owned()),
                text: said.to_owned(),
            },
            None => Inbound::Chat {
                sender: Sender::Unnamed(from.to_owned()),
                text,
            },
        });
    }

    /// Only a line read by a pattern can be the user's own echo.
    pub fn folds_echoes(&self) -> bool {
        self.pattern.is_some()
    }
}

#[cfg(test)]
mod tests {
    //! Golden frames of the text protocol: this format carried in plain
    //! WebSocket frames.

    use super::*;
    use crate::protocol::{Codec, Frame, Protocol};

    /// The text protocol's codec with every default.
    fn text() -> Codec {
        Codec::new(&Wire::from(Protocol::Text))
    }

    fn decode(codec: &mut Codec, frame: Frame) -> Vec<Inbound> {
        let mut out = Vec::new();
        codec.decode::<serde_json::Value>(frame, &mut out);
        out
    }

    fn from_server(text: &str) -> Vec<Inbound> {
        vec![Inbound::Chat {
            sender: Sender::Unnamed("server".to_owned()),
            text: text.to_owned(),
        }]
    }

    fn with(join: Option<&str>, template: Option<&str>, pattern: Option<&str>) -> Codec {
        Codec::new(&Wire {
            join: join.map(str::to_owned),
            template: template.map(str::to_owned),
            pattern: pattern.map(str::to_owned),
            ..Wire::from(Protocol::Text)
        })
    }

    #[test]
    fn sends_the_raw_text() {
        assert_eq!(
            text().encode("ann", r#"hi {"x":1}"#),
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
                decode(&mut text(), Frame::Text(frame.to_owned())),
                from_server(frame)
            );
        }
    }

    #[test]
    fn binary_frames_are_read_as_utf8_or_noticed() {
        assert_eq!(
            decode(&mut text(), Frame::Binary(b"echo".to_vec())),
            from_server("echo")
        );
        assert_eq!(
            decode(&mut text(), Frame::Binary(vec![0xc3])),
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
        assert!(!text().folds_echoes());
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
        assert_eq!(text().join("ann"), None);
    }
}
