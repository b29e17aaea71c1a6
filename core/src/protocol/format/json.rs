//! The JSON message format: bodies written by a template with escaped
//! values (`{"name":"<name>","msg":"<text>"}` by default, the relay design)
//! and read by a tolerant reader.
//!
//! The reader takes an object with a text field under any of the common
//! names (and a sender field, if it has one), and an array of such objects
//! as a batch. An object without a text is an event, shown in words
//! (`user joined · numUsers: 2`), or a typing notice. Anything else that is
//! readable is shown verbatim, from `server`.

mod words;

use super::Body;
use crate::{
    json_value::JsonValue,
    protocol::{Inbound, Sender, Wire},
    template::{fill_fields, json_inside, Pattern},
};

/// Field names that carry the sender, in order of preference.
pub const SENDER_FIELDS: [&str; 6] = ["name", "user", "username", "from", "author", "sender"];
/// Field names that carry the text, in order of preference.
pub const TEXT_FIELDS: [&str; 6] = ["msg", "message", "text", "body", "content", "data"];
/// The field that names an event, as Socket.IO's event name does.
pub const EVENT_FIELD: &str = "type";
/// The event that says someone is typing, and the one that says they
/// stopped: the socket.io chat demo's names.
pub const TYPING: &str = "typing";
pub const STOP_TYPING: &str = "stop typing";
/// The sender shown for frames that name none.
pub const SERVER: &str = "server";
/// How a json message is sent when no `template` says otherwise.
pub const DEFAULT_TEMPLATE: &str = r#"{"name":"{name}","msg":"{text}"}"#;
/// How a Socket.IO event's argument is written when no `template` says
/// otherwise: the text, as a JSON string.
pub const ARGUMENT_TEMPLATE: &str = r#""{text}""#;

/// How the json format writes, and the brokers' `pattern` for bodies that
/// are not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json {
    template: String,
    /// The token, escaped as the inside of a JSON string.
    token: Option<String>,
    /// Brokers only: reads the sender of a body that is not JSON.
    pattern: Option<Pattern>,
}

impl Json {
    /// The format for `wire`, with `default` when it names no template.
    pub fn new(wire: &Wire, default: &str) -> Json {
        Json {
            template: wire.template.as_deref().unwrap_or(default).to_owned(),
            token: wire.token.as_deref().map(json_inside),
            pattern: wire
                .pattern
                .as_deref()
                .filter(|_| wire.protocol.is_broker())
                .and_then(Pattern::parse),
        }
    }

    /// Reads a body as [`read`] does; on a broker, a text that is not JSON
    /// and that the `pattern` reads is from the name it found.
    pub fn read<J: JsonValue>(&self, body: Body<J>, from: &str, out: &mut Vec<Inbound>) {
        if let (Some(pattern), Body::Text(text)) = (&self.pattern, &body) {
            let json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
            if let Some((name, said)) = pattern.read(text).filter(|_| !json) {
                return out.push(Inbound::Chat {
                    sender: Sender::Named(name.to_owned()),
                    text: said.to_owned(),
                });
            }
        }
        read(body, from, out)
    }

    /// The template, each field escaped: valid JSON whatever the name and
    /// text, since the configuration refuses templates that are not.
    pub fn write(&self, name: &str, text: &str) -> String {
        self.fill(&self.template, name, text)
    }

    /// Another template (a `join`) filled as a message is.
    pub fn fill(&self, template: &str, name: &str, text: &str) -> String {
        fill_fields(
            template,
            &json_inside(name),
            Some(&json_inside(text)),
            self.token.as_deref(),
        )
    }
}

/// Reads a body as chat lines, events and typing notices. Text is parsed;
/// what is not a chat object, an event object or a batch of chat objects
/// is shown verbatim from `from`. A parsed value (a Socket.IO argument)
/// that is a string is the text (for a typing event, the name of who
/// types). A line that names no sender is from `from`.
pub fn read<J: JsonValue>(body: Body<J>, from: &str, out: &mut Vec<Inbound>) {
    let unnamed = |text| Inbound::Chat {
        sender: Sender::Unnamed(from.to_owned()),
        text,
    };
    match body {
        Body::Text(text) => {
            if !push_json::<J>(&text, Some(from), out) {
                out.push(unnamed(text));
            }
        }
        Body::Value(value) => match value.string() {
            Some(text) => out.push(match typing(from) {
                Some(typing) => Inbound::Typing {
                    sender: text,
                    typing,
                },
                None => unnamed(text),
            }),
            None => {
                if !push_value(&value, Some(from), out) {
                    out.push(unnamed(value.to_json()));
                }
            }
        },
        // A typing event that names nobody says nothing worth a line.
        Body::Missing if typing(from).is_some() => {}
        Body::Missing => out.push(unnamed(String::new())),
    }
}

/// Reads JSON text as chat messages: an object with a text field, a
/// non-empty array of such objects, or an object without one, which is an
/// event. A line that names no sender is from `fallback` when one is given,
/// else [`SERVER`]. Returns false, and pushes nothing, for anything else.
pub fn push_json<J: JsonValue>(json: &str, fallback: Option<&str>, out: &mut Vec<Inbound>) -> bool {
    // Only objects and arrays can hold chats: plain text is not parsed.
    if !matches!(json.trim_start().as_bytes().first(), Some(b'{' | b'[')) {
        return false;
    }
    J::parse(json).is_some_and(|value| push_value(&value, fallback, out))
}

/// [`push_json`] for a value that is already parsed.
pub fn push_value<J: JsonValue>(value: &J, fallback: Option<&str>, out: &mut Vec<Inbound>) -> bool {
    let from = fallback.unwrap_or(SERVER);
    let Some(items) = value.items() else {
        return push_object(value, from, out);
    };
    let chats: Option<Vec<Inbound>> = items.iter().map(|item| object_chat(item, from)).collect();
    match chats {
        Some(chats) if !chats.is_empty() => {
            out.extend(chats);
            true
        }
        _ => false,
    }
}

/// Reads a lone object: a chat line if it has a text; a typing notice if
/// it or its Socket.IO event is named `typing` or `stop typing` (nothing,
/// if it names nobody); else an event in words. False, and nothing pushed,
/// for what is not an object, or an object that says nothing at all.
fn push_object<J: JsonValue>(object: &J, from: &str, out: &mut Vec<Inbound>) -> bool {
    if !object.is_object() {
        return false;
    }
    let sender = first_string(object, &SENDER_FIELDS);
    // The event's name: the object's `type`, else the Socket.IO event
    // that carried it.
    let kind = object.member(EVENT_FIELD).and_then(|kind| kind.string());
    let event = kind.as_deref().or((from != SERVER).then_some(from));
    if let Some(typing) = event.and_then(typing) {
        if let Some(sender) = sender {
            out.push(Inbound::Typing { sender, typing });
        }
        return true;
    }
    let text = first_string(object, &TEXT_FIELDS);
    let sender = match (sender, &text) {
        (Some(name), _) => Sender::Named(name),
        (None, Some(_)) => Sender::Unnamed(from.to_owned()),
        // Named, even as `server`: an unnamed line may be this tab's echo,
        // and an event's words are no message of the user's.
        (None, None) => Sender::Named(SERVER.to_owned()),
    };
    let text = match text {
        Some(text) => text,
        None => {
            // The sender fields are who, not what: never in the words.
            let mut words = event.unwrap_or_default().to_owned();
            words::members(object, &SKIPPED, &mut words);
            if words.is_empty() {
                return false;
            }
            words
        }
    };
    out.push(Inbound::Chat { sender, text });
    true
}

/// The fields an event's words leave out: who sent it, and its name.
const SKIPPED: [&str; 7] = [
    "name",
    "user",
    "username",
    "from",
    "author",
    "sender",
    EVENT_FIELD,
];

/// The chat message in an object, if it has a text: from its sender field,
/// else unnamed, from `from`. A field of another type is passed over for
/// the next name.
fn object_chat<J: JsonValue>(object: &J, from: &str) -> Option<Inbound> {
    let text = first_string(object, &TEXT_FIELDS)?;
    let sender = match first_string(object, &SENDER_FIELDS) {
        Some(name) => Sender::Named(name),
        None => Sender::Unnamed(from.to_owned()),
    };
    Some(Inbound::Chat { sender, text })
}

/// Whether an event's name says someone started typing (`true`) or
/// stopped (`false`); `None` for any other name.
fn typing(event: &str) -> Option<bool> {
    match event {
        TYPING => Some(true),
        STOP_TYPING => Some(false),
        _ => None,
    }
}

/// The first of the named members that holds a string.
fn first_string<J: JsonValue>(object: &J, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| object.member(name).and_then(|value| value.string()))
}

#[cfg(test)]
mod tests {
    //! Golden frames of the json protocol: this format carried in plain
    //! WebSocket frames.

    use super::*;
    use crate::protocol::{Codec, Frame, Protocol};

    /// The json protocol's codec with every default.
    fn json() -> Codec {
        Codec::new(&Wire::from(Protocol::Json))
    }

    fn decode(frame: Frame) -> Vec<Inbound> {
        let mut out = Vec::new();
        json().decode::<serde_json::Value>(frame, &mut out);
        out
    }

    fn chat(sender: &str, text: &str) -> Inbound {
        Inbound::Chat {
            sender: Sender::Named(sender.to_owned()),
            text: text.to_owned(),
        }
    }

    fn from_server(text: &str) -> Inbound {
        Inbound::Chat {
            sender: Sender::Unnamed(SERVER.to_owned()),
            text: text.to_owned(),
        }
    }

    fn with(template: Option<&str>, join: Option<&str>) -> Codec {
        Codec::new(&Wire {
            template: template.map(str::to_owned),
            join: join.map(str::to_owned),
            ..Wire::from(Protocol::Json)
        })
    }

    fn text(frame: &str) -> Frame {
        Frame::Text(frame.to_owned())
    }

    #[test]
    fn encodes_the_relay_frame_exactly() {
        assert_eq!(
            json().encode("Ann", "hi"),
            text(r#"{"name":"Ann","msg":"hi"}"#)
        );
    }

    #[test]
    fn encoding_escapes_quotes_backslashes_and_control_characters() {
        assert_eq!(
            json().encode("A\"n", "a\\b\n\u{1}é😀"),
            text(r#"{"name":"A\"n","msg":"a\\b\n\u0001é😀"}"#)
        );
    }

    #[test]
    fn reads_the_relay_frame() {
        assert_eq!(
            decode(text(r#"{"name":"Bob","msg":"hello"}"#)),
            vec![chat("Bob", "hello")]
        );
    }

    #[test]
    fn reads_binary_frames_as_utf8_since_the_relay_forwards_raw_buffers() {
        assert_eq!(
            decode(Frame::Binary(
                r#"{"name":"Zoë","msg":"ça va"}"#.as_bytes().to_vec()
            )),
            vec![chat("Zoë", "ça va")]
        );
    }

    #[test]
    fn reads_every_sender_and_text_alias() {
        for sender in SENDER_FIELDS {
            for field in TEXT_FIELDS {
                let frame = format!(r#"{{"{sender}":"S","{field}":"T"}}"#);
                assert_eq!(decode(text(&frame)), vec![chat("S", "T")], "{frame}");
            }
        }
    }

    #[test]
    fn a_field_of_another_type_is_passed_over_for_the_next_alias() {
        assert_eq!(
            decode(text(
                r#"{"name":7,"user":"u","msg":{"x":1},"text":"t","n":1.5e300}"#
            )),
            vec![chat("u", "t")]
        );
    }

    #[test]
    fn escapes_in_fields_are_decoded() {
        assert_eq!(
            decode(text(r#"{"name":"A\"n","msg":"line\nnext \u00e9"}"#)),
            vec![chat("A\"n", "line\nnext é")]
        );
    }

    #[test]
    fn prefers_the_first_alias_when_several_are_present() {
        assert_eq!(
            decode(text(r#"{"user":"u","name":"n","text":"t","msg":"m"}"#)),
            vec![chat("n", "m")]
        );
    }

    #[test]
    fn an_array_of_chat_objects_is_a_batch() {
        assert_eq!(
            decode(text(r#"[{"name":"a","msg":"1"},{"from":"b","body":"2"}]"#)),
            vec![chat("a", "1"), chat("b", "2")]
        );
    }

    #[test]
    fn anything_else_readable_is_shown_verbatim_from_server() {
        for frame in [
            "this is not json",
            r#"{"name":"a"}"#,
            "{}",
            r#"[{"name":"a","msg":"1"},2]"#,
            "[]",
            "[[]]",
            r#"[["a","b"]]"#,
            "42",
            "",
            "{broken",
            r#"<img src=x onerror="alert(1)">"#,
        ] {
            assert_eq!(decode(text(frame)), vec![from_server(frame)], "{frame}");
        }
    }

    #[test]
    fn invalid_utf8_becomes_a_system_notice() {
        assert_eq!(
            decode(Frame::Binary(vec![0xff, 0xfe, 0xfd])),
            vec![Inbound::Notice(
                "received 3 bytes of binary data that is not UTF-8 text".to_owned()
            )]
        );
    }

    #[test]
    fn opening_makes_the_session_ready() {
        let mut out = Vec::new();
        json().opened(&mut out);
        assert_eq!(out, vec![Inbound::Ready]);
    }

    #[test]
    fn the_url_is_the_endpoint() {
        assert_eq!(json().url("ws://h:1/ws"), "ws://h:1/ws");
    }

    #[test]
    fn a_template_writes_other_fields_escaped() {
        let json = with(
            Some(r#"{"type":"message","user":"{name}","body":"{text}"}"#),
            None,
        );
        assert_eq!(
            json.encode("Zoë", "say \"hi\"\n\\"),
            text(r#"{"type":"message","user":"Zoë","body":"say \"hi\"\n\\"}"#)
        );
        assert_eq!(
            with(Some(r#"{"data":"{text}"}"#), None).encode("a", "</script>"),
            text(r#"{"data":"</script>"}"#)
        );
    }

    #[test]
    fn join_sends_its_template_and_nothing_without_one() {
        assert_eq!(json().join("ann"), None);
        let json = with(
            None,
            Some(r#"{"type":"join","name":"{name}","text":"{text}"}"#),
        );
        assert_eq!(
            json.join("A\"n"),
            Some(text(r#"{"type":"join","name":"A\"n","text":""}"#))
        );
        assert_eq!(
            json.encode("ann", "hi"),
            text(r#"{"name":"ann","msg":"hi"}"#)
        );
    }

    #[test]
    fn an_object_without_a_text_is_an_event_in_words() {
        let event = chat;
        assert_eq!(
            decode(text(r#"{"type":"join","user":"bob","room":"lobby"}"#)),
            vec![event("bob", "join · room: lobby")]
        );
        assert_eq!(
            decode(text(r#"{"unknown":"shape","n":1}"#)),
            vec![event("server", "unknown: shape · n: 1")]
        );
        assert_eq!(
            decode(text(r#"{"type":"tick","at":[1,{"x":null}]}"#)),
            vec![event("server", r#"tick · at: [1,{"x":null}]"#)]
        );
    }

    #[test]
    fn an_object_named_typing_is_a_typing_notice_and_no_line() {
        assert_eq!(
            decode(text(r#"{"type":"typing","username":"bob"}"#)),
            vec![Inbound::Typing {
                sender: "bob".to_owned(),
                typing: true
            }]
        );
        assert_eq!(
            decode(text(r#"{"type":"stop typing","name":"bob","msg":"x"}"#)),
            vec![Inbound::Typing {
                sender: "bob".to_owned(),
                typing: false
            }]
        );
        assert_eq!(decode(text(r#"{"type":"typing"}"#)), vec![]);
    }

    #[test]
    fn an_object_with_a_text_and_no_sender_is_unnamed_so_it_may_be_an_echo() {
        assert_eq!(decode(text(r#"{"message":"hi"}"#)), vec![from_server("hi")]);
        assert_eq!(
            decode(text(r#"[{"text":"a"},{"name":"b","msg":"c"}]"#)),
            vec![from_server("a"), chat("b", "c")]
        );
    }

    #[test]
    fn a_frame_without_a_sender_field_is_unnamed() {
        let mut out = Vec::new();
        assert!(push_json::<serde_json::Value>(
            r#"{"data":"hi"}"#,
            Some("chat"),
            &mut out
        ));
        assert_eq!(
            out,
            vec![Inbound::Chat {
                sender: Sender::Unnamed("chat".to_owned()),
                text: "hi".to_owned()
            }]
        );
    }
}
