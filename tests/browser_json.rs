//! The browser's JSON reader against serde_json's, in headless Chromium.
//!
//! The host tests read JSON with serde_json; the app in the browser reads
//! it with `JSON.parse` (see `wschat_core::json_value`). These tests hold the
//! two to the same answers, and run the codecs' golden frames through the
//! reader that the app really uses.
#![cfg(target_arch = "wasm32")]

use serde_json::Value;
use wasm_bindgen_test::*;
use wschat::browser_json::BrowserJson;
use wschat_core::{
    config::Parameters,
    json_value::JsonValue,
    outbox::{read_saved_as, Saved},
    protocol::{format::json::push_json, Codec, Frame, Inbound, Protocol, Sender},
};

wasm_bindgen_test_configure!(run_in_browser);

/// JSON texts of every shape, and some that are not JSON.
const SAMPLES: &[&str] = &[
    r#"{"name":"Bob","msg":"hello"}"#,
    r#"{"name":7,"user":"u","msg":{"x":1},"text":"t"}"#,
    r#"{"name":"A\"n","msg":"line\nnext \u00e9 😀"}"#,
    r#"{"name":null,"uncertain":true,"n":0}"#,
    r#"{"constructor":"c","toString":"s","__proto__":"p"}"#,
    r#"{"a":1,"a":"second"}"#,
    r#"[{"name":"a","msg":"1"},{"from":"b","body":"2"}]"#,
    r#"[{"name":"a","msg":"1"},2]"#,
    r#"["message",{"users":3},[1,[2]]]"#,
    r#"{"username":"bob","numUsers":2}"#,
    r#"{"type":"typing","username":"bob"}"#,
    r#"{"type":"stop typing","username":"bob"}"#,
    r#"{"message": "hello from alice"}"#,
    r#"{"id":"44ee","body":"hi","html":"<div>hi</div>"}"#,
    r#"{"type":"tick","at":[1,{"x":null}],"n":1.5,"b":false,"s":"é"}"#,
    "[]",
    "{}",
    r#""just a string""#,
    "25000",
    "25000.0",
    "2.5e4",
    "-1",
    "1.5",
    "18446744073709551615",
    "true",
    "false",
    "null",
    "",
    "{",
    "[1,",
    "nope",
    "{'a':1}",
    "01",
    r#"{"a":1}x"#,
];

/// Member names the app reads.
const NAMES: &[&str] = &[
    "name",
    "user",
    "msg",
    "text",
    "a",
    "n",
    "uncertain",
    "constructor",
    "toString",
    "__proto__",
    "0",
    "length",
];

/// Everything the trait says about a value, in one comparable line.
fn describe<J: JsonValue>(text: &str) -> String {
    let Some(value) = J::parse(text) else {
        return "not JSON".to_owned();
    };
    let members: Vec<String> = NAMES
        .iter()
        .map(|name| match value.member(name) {
            None => format!("{name}: -"),
            Some(member) => format!(
                "{name}: {:?} {:?} {:?} {} {}",
                member.string(),
                member.whole_number(),
                member.boolean(),
                member.is_null(),
                member.is_object()
            ),
        })
        .collect();
    // Own members in order, each written again as JSON.
    let entries: Option<Vec<String>> = value.entries().map(|entries| {
        entries
            .iter()
            .map(|(name, member)| format!("{name}={}", member.to_json()))
            .collect()
    });
    format!(
        "{:?} {:?} {:?} null={} object={} items={:?} entries={entries:?} [{}]",
        value.string(),
        value.whole_number(),
        value.boolean(),
        value.is_null(),
        value.is_object(),
        value.items().map(|items| items.len()),
        members.join(", ")
    )
}

#[wasm_bindgen_test]
fn both_readers_say_the_same_of_every_sample() {
    for text in SAMPLES {
        assert_eq!(
            describe::<BrowserJson>(text),
            describe::<Value>(text),
            "{text}"
        );
    }
}

#[wasm_bindgen_test]
fn both_readers_write_values_again_alike() {
    for text in [
        r#"{ "users" : 3 }"#,
        r#"{"b":1,"a":[true,null,"x\"y"]}"#,
        "[1,2,3]",
        r#""é\n""#,
        "7",
    ] {
        let browser = BrowserJson::parse(text).map(|value| value.to_json());
        let serde = <Value as JsonValue>::parse(text).map(|value| JsonValue::to_json(&value));
        assert_eq!(browser, serde, "{text}");
    }
}

#[wasm_bindgen_test]
fn both_readers_find_the_same_chats() {
    for text in SAMPLES {
        for fallback in [None, Some("event")] {
            let (mut browser, mut serde) = (Vec::new(), Vec::new());
            let found = push_json::<BrowserJson>(text, fallback, &mut browser);
            assert_eq!(
                found,
                push_json::<Value>(text, fallback, &mut serde),
                "{text}"
            );
            assert_eq!(browser, serde, "{text}");
        }
    }
}

#[wasm_bindgen_test]
fn both_readers_read_stored_settings_and_outboxes_alike() {
    for text in [
        r#"{"server":"ws://h:1/ws","protocol":"text","event":null,"other":5}"#,
        r#"{"server":5}"#,
        "[]",
        "{not json",
    ] {
        assert_eq!(
            Parameters::read::<BrowserJson>(text),
            Parameters::read::<Value>(text),
            "{text}"
        );
    }
    for text in [
        r#"[{"name":"ann","text":"maybe","uncertain":true},{"name":"ann","text":"hi"}]"#,
        r#"[{"name":1}]"#,
        r#"[{"name":"a","text":"b","uncertain":"yes"}]"#,
        r#"{"name":"a"}"#,
        "",
    ] {
        let browser: Result<Vec<Saved>, String> = read_saved_as::<BrowserJson>(text);
        assert_eq!(browser, read_saved_as::<Value>(text), "{text}");
    }
}

fn chat(sender: &str, text: &str) -> Inbound {
    Inbound::Chat {
        sender: Sender::Named(sender.to_owned()),
        text: text.to_owned(),
    }
}

/// A line whose frame named nobody, shown as from `shown`.
fn unnamed(shown: &str, text: &str) -> Inbound {
    Inbound::Chat {
        sender: Sender::Unnamed(shown.to_owned()),
        text: text.to_owned(),
    }
}

fn decode(protocol: Protocol, frames: &[&str]) -> Vec<Inbound> {
    let mut codec = Codec::new(&protocol.into());
    let mut out = Vec::new();
    for frame in frames {
        codec.decode::<BrowserJson>(Frame::Text((*frame).to_owned()), &mut out);
    }
    out
}

#[wasm_bindgen_test]
fn the_json_codec_reads_golden_frames_in_the_browser() {
    assert_eq!(
        decode(
            Protocol::Json,
            &[
                r#"{"name":"Bob","msg":"hello"}"#,
                r#"[{"name":"a","msg":"1"},{"from":"b","body":"2"}]"#,
                r#"{"unknown":"shape"}"#,
                r#"{"message": "hello from alice"}"#,
                r#"{"type":"typing","username":"bob"}"#,
            ]
        ),
        vec![
            chat("Bob", "hello"),
            chat("a", "1"),
            chat("b", "2"),
            chat("server", "unknown: shape"),
            unnamed("server", "hello from alice"),
            Inbound::Typing {
                sender: "bob".to_owned(),
                typing: true
            },
        ]
    );
}

#[wasm_bindgen_test]
fn the_socket_io_codec_reads_golden_frames_in_the_browser() {
    let out = decode(
        Protocol::SocketIo,
        &[
            r#"0{"sid":"s","pingInterval":300,"pingTimeout":200}"#,
            r#"42["chat",{"user":"bob","text":"yo"}]"#,
            r#"42["stats",{ "users" : 3 }]"#,
            r#"42["message","she said \"hi\""]"#,
            r#"44{"message":"Not authorized"}"#,
        ],
    );
    assert_eq!(
        out,
        vec![
            Inbound::Heartbeat,
            Inbound::Reply(Frame::Text("40".to_owned())),
            chat("bob", "yo"),
            chat("server", "stats · users: 3"),
            unnamed("server", "she said \"hi\""),
            Inbound::Ended("the server refused the connection: Not authorized".to_owned()),
        ]
    ); // The open packet's numbers, read by the browser's JSON reader, set how
       // long the server may stay silent: 300 + 200 ms, held to at least 1 s.
    let mut codec = Codec::new(&Protocol::SocketIo.into());
    let open = r#"0{"sid":"s","pingInterval":300,"pingTimeout":200}"#;
    codec.decode::<BrowserJson>(Frame::Text(open.to_owned()), &mut Vec::new());
    assert_eq!(
        codec.silence_limit(),
        Some(std::time::Duration::from_millis(1000))
    );
}

#[wasm_bindgen_test]
fn templates_are_checked_with_the_browsers_json_as_on_the_host() {
    use wschat_core::config::check_template;
    for (template, ok) in [
        (r#"{"data":"{text}"}"#, true),
        (
            r#"{"type":"message","user":"{name}","body":"{text}"}"#,
            true,
        ),
        (r#""{text}""#, true),
        (r#"{"data":"\\{text}"}"#, true),
        (r#"{"data":"\{text}"}"#, false),
        (r#"{"n":{text}}"#, false),
        (r#"{"data":"{text}""#, false),
        ("{text}", false),
    ] {
        assert_eq!(
            check_template::<BrowserJson>(template, Protocol::Json).is_ok(),
            ok,
            "{template}"
        );
    }
}
