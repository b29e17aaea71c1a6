//! Golden frames for Engine.IO 4 / Socket.IO 5: this transport carrying
//! the json format, as `protocol=socketio` does.

use super::*;
use crate::protocol::{Codec, Sender};

/// The codec with every default but the event.
fn codec(event: &str) -> Codec {
    Codec::new(&Wire {
        event: event.to_owned(),
        ..Wire::from(crate::protocol::Protocol::SocketIo)
    })
}

fn decode(frame: &str) -> Vec<Inbound> {
    let mut out = Vec::new();
    codec("message").decode::<serde_json::Value>(Frame::Text(frame.to_owned()), &mut out);
    out
}

/// A line from an event, whose payload named nobody.
fn chat(event: &str, text: &str) -> Inbound {
    Inbound::Chat {
        sender: Sender::Unnamed(event.to_owned()),
        text: text.to_owned(),
    }
}

fn named(sender: &str, text: &str) -> Inbound {
    Inbound::Chat {
        sender: Sender::Named(sender.to_owned()),
        text: text.to_owned(),
    }
}

fn reply(frame: &str) -> Inbound {
    Inbound::Reply(Frame::Text(frame.to_owned()))
}

fn is_notice(events: &[Inbound]) -> bool {
    matches!(events, [Inbound::Notice(_)])
}

#[test]
fn connects_to_the_socket_io_path_with_the_engine_query() {
    let codec = codec("message");
    assert_eq!(
        codec.url("ws://h:3000/"),
        "ws://h:3000/socket.io/?EIO=4&transport=websocket"
    );
    assert_eq!(
        codec.url("ws://h:3000"),
        "ws://h:3000/socket.io/?EIO=4&transport=websocket"
    );
    assert_eq!(
        codec.url("wss://h/socket.io/"),
        "wss://h/socket.io/?EIO=4&transport=websocket"
    );
    assert_eq!(
        codec.url("ws://h/?username=ann"),
        "ws://h/socket.io/?username=ann&EIO=4&transport=websocket"
    );
}

#[test]
fn the_open_packet_sets_the_heartbeat_and_sends_the_namespace_connect() {
    let mut codec = codec("message");
    let mut out = Vec::new();
    codec.decode::<serde_json::Value>(
        Frame::Text(
            r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#
                .to_owned(),
        ),
        &mut out,
    );
    assert_eq!(out, vec![Inbound::Heartbeat, reply("40")]);
    assert_eq!(codec.silence_limit(), Some(Duration::from_secs(30)));
    codec.reset(&mut || 0.5);
    assert_eq!(codec.silence_limit(), Some(DEFAULT_SILENCE_LIMIT));
}

#[test]
fn hostile_heartbeat_numbers_are_held_to_a_sane_range() {
    for (open, limit) in [
        (
            r#"0{"pingInterval":0,"pingTimeout":0}"#,
            Duration::from_secs(1),
        ),
        (
            r#"0{"pingInterval":18446744073709551615,"pingTimeout":5}"#,
            Duration::from_secs(86_400),
        ),
    ] {
        let mut codec = codec("message");
        let mut out = Vec::new();
        codec.decode::<serde_json::Value>(Frame::Text(open.to_owned()), &mut out);
        assert_eq!(out.first(), Some(&Inbound::Heartbeat), "{open}");
        assert_eq!(codec.silence_limit(), Some(limit), "{open}");
    }
}

#[test]
fn an_open_packet_without_numbers_still_connects_with_the_defaults() {
    let out = decode("0{}");
    assert!(matches!(out.first(), Some(Inbound::Notice(_))));
    assert_eq!(&out[1..], &[Inbound::Heartbeat, reply("40")]);
}

#[test]
fn the_namespace_connect_reply_makes_the_session_ready() {
    assert_eq!(
        decode(r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#),
        vec![Inbound::Ready]
    );
}

#[test]
fn pings_are_answered_with_pongs_and_reset_the_heartbeat() {
    // Bug guarded: the link reset its watchdog on any frame; Engine.IO 4
    // says only a ping shows the server alive, so only a ping says so.
    let heartbeat = Inbound::Heartbeat;
    assert_eq!(decode("2"), vec![reply("3"), heartbeat.clone()]);
    assert_eq!(decode("2probe"), vec![reply("3probe"), heartbeat]);
}

#[test]
fn events_and_pongs_do_not_reset_the_heartbeat() {
    for frame in [r#"42["message","hi"]"#, "3", "6", r#"40{"sid":"y"}"#] {
        assert!(
            !decode(frame)
                .iter()
                .any(|event| matches!(event, Inbound::Heartbeat)),
            "{frame}"
        );
    }
}

#[test]
fn pongs_and_noops_are_quiet() {
    assert!(decode("3").is_empty());
    assert!(decode("6").is_empty());
}

#[test]
fn events_show_by_the_contract_rules() {
    assert_eq!(
        decode(r#"42["server-message","Welcome to WebSocket"]"#),
        vec![chat("server-message", "Welcome to WebSocket")]
    );
    assert_eq!(
        decode(r#"42["message","abc said hi"]"#),
        vec![chat("server", "abc said hi")]
    );
    assert_eq!(
        decode(r#"42["chat",{"user":"bob","text":"yo"}]"#),
        vec![named("bob", "yo")]
    );
    assert_eq!(
        decode(r#"42["stats",{"users":3}]"#),
        vec![named("server", "stats · users: 3")]
    );
    assert_eq!(decode(r#"42["count",7]"#), vec![chat("count", "7")]);
    assert_eq!(
        decode(r#"42["chat",{"text":"yo"}]"#),
        vec![chat("chat", "yo")]
    );
    assert_eq!(
        decode(r#"42["message",{"msg":"hi"}]"#),
        vec![chat("server", "hi")]
    );
    assert_eq!(
        decode(r#"42["history",[{"name":"a","msg":"1"},{"name":"b","msg":"2"}]]"#),
        vec![named("a", "1"), named("b", "2")]
    );
}

#[test]
fn an_event_without_arguments_shows_with_empty_text() {
    assert_eq!(decode(r#"42["refresh"]"#), vec![chat("refresh", "")]);
}

#[test]
fn a_typing_event_names_who_types_in_its_object_or_its_string() {
    let typing = |sender: &str, typing: bool| Inbound::Typing {
        sender: sender.to_owned(),
        typing,
    };
    assert_eq!(
        decode(r#"42["typing",{"username":"bob"}]"#),
        vec![typing("bob", true)]
    );
    assert_eq!(
        decode(r#"42["typing","carol"]"#),
        vec![typing("carol", true)]
    );
    assert_eq!(
        decode(r#"42["stop typing","carol"]"#),
        vec![typing("carol", false)]
    );
    assert_eq!(
        decode(r#"42["typing",{"numUsers":2}]"#),
        vec![],
        "nobody named"
    );
}

#[test]
fn a_typing_event_without_arguments_shows_nothing() {
    assert_eq!(decode(r#"42["typing"]"#), vec![]);
    assert_eq!(decode(r#"42["stop typing"]"#), vec![]);
}

#[test]
fn escaped_json_is_unescaped() {
    assert_eq!(
        decode(r#"42["message","she said \"hi\" \\o/ \u00e9 [1,2]"]"#),
        vec![chat("server", r#"she said "hi" \o/ é [1,2]"#)]
    );
}

#[test]
fn an_event_with_an_ack_id_is_acknowledged_and_shown() {
    assert_eq!(
        decode(r#"4213["message","ack me"]"#),
        vec![reply("4313[]"), chat("server", "ack me")]
    );
}

#[test]
fn packets_for_other_namespaces_are_noticed_not_shown() {
    assert!(is_notice(&decode(r#"42/admin,["message","secret"]"#)));
    assert!(is_notice(&decode(r#"42/admin,5["message","secret"]"#)));
    assert!(is_notice(&decode("40/admin")));
}

#[test]
fn the_main_namespace_may_be_named_explicitly() {
    assert_eq!(decode(r#"42/,["message","x"]"#), vec![chat("server", "x")]);
}

#[test]
fn a_disconnect_packet_ends_the_session() {
    assert_eq!(
        decode("41"),
        vec![Inbound::Ended(
            "the server disconnected this client".to_owned()
        )]
    );
}

#[test]
fn a_connect_error_is_shown_and_ends_the_session() {
    assert_eq!(
        decode(r#"44{"message":"Not authorized"}"#),
        vec![Inbound::Ended(
            "the server refused the connection: Not authorized".to_owned()
        )]
    );
}

#[test]
fn binary_attachments_are_noticed_never_shown() {
    assert!(is_notice(&decode(
        r#"451-["upload",{"_placeholder":true,"num":0}]"#
    )));
    assert!(is_notice(&decode(
        r#"461-15[{"_placeholder":true,"num":0}]"#
    )));
    let mut out = Vec::new();
    codec("message").decode::<serde_json::Value>(Frame::Binary(vec![1, 2, 3]), &mut out);
    assert_eq!(
        out,
        vec![Inbound::Notice(
            "ignored 3 bytes of binary Socket.IO data, which this client does not support"
                .to_owned()
        )]
    );
}

#[test]
fn malformed_packets_become_notices() {
    for frame in [
        "",
        "x",
        "4",
        "4x",
        "42",
        "42{",
        "42[]",
        "42[1,2]",
        r#"42{"a":1}"#,
        "4299999999999999999999999[\"m\"]",
        "45",
        "42/admin",
        "é",
    ] {
        let out = decode(frame);
        assert!(
            out.iter().all(|event| matches!(event, Inbound::Notice(_))),
            "{frame:?} gave {out:?}"
        );
    }
}

#[test]
fn sends_on_the_configured_event() {
    assert_eq!(
        codec("message").encode("ann", "hi"),
        Frame::Text(r#"42["message","hi"]"#.to_owned())
    );
    assert_eq!(
        codec("client-message").encode("ann", "say \"x\""),
        Frame::Text(r#"42["client-message","say \"x\""]"#.to_owned())
    );
}

#[test]
fn a_template_sends_an_object_payload_with_escaped_fields() {
    let codec = Codec::new(&Wire {
        event: "chat".to_owned(),
        template: Some(r#"{"name":"{name}","data":"{text}"}"#.to_owned()),
        ..Wire::from(crate::protocol::Protocol::SocketIo)
    });
    assert_eq!(
        codec.encode("Zoë", "a \"b\" \\ 😀\n"),
        Frame::Text(r#"42["chat",{"name":"Zoë","data":"a \"b\" \\ 😀\n"}]"#.to_owned())
    );
}

#[test]
fn join_emits_its_event_with_the_name() {
    assert_eq!(codec("message").join("ann"), None);
    let codec = Codec::new(&Wire {
        event: "new message".to_owned(),
        join: Some("add user".to_owned()),
        ..Wire::from(crate::protocol::Protocol::SocketIo)
    });
    assert_eq!(
        codec.join("A\"n"),
        Some(Frame::Text(r#"42["add user","A\"n"]"#.to_owned()))
    );
    assert_eq!(
        codec.encode("A\"n", "hi"),
        Frame::Text(r#"42["new message","hi"]"#.to_owned())
    );
}

#[test]
fn opening_waits_for_the_namespace_before_ready() {
    let mut out = Vec::new();
    codec("message").opened(&mut out);
    assert_eq!(out, vec![Inbound::Heartbeat]);
}

#[test]
fn leaving_on_purpose_says_the_namespace_disconnect() {
    assert_eq!(
        codec("message").goodbye(),
        Some(Frame::Text("41".to_owned()))
    );
}

#[test]
fn the_open_packet_gives_the_largest_frame_the_server_takes() {
    // Bug guarded: maxPayload was ignored, and the server closes the
    // connection on any larger frame.
    for (open, limit) in [
        (
            r#"0{"sid":"x","pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#,
            Some(1_000_000),
        ),
        // The ws library behind Engine.IO reads 0 as no limit.
        (
            r#"0{"pingInterval":1,"pingTimeout":1,"maxPayload":0}"#,
            None,
        ),
        (r#"0{"pingInterval":1,"pingTimeout":1}"#, None),
        (r#"0{"maxPayload":"big"}"#, None),
        (r#"0{"maxPayload":-5}"#, None),
        (r#"0{"maxPayload":1.5}"#, None),
        (
            r#"0{"maxPayload":99999999999999999999999}"#,
            Some(usize::MAX),
        ),
        ("0", None),
    ] {
        let mut codec = codec("message");
        let mut out = Vec::new();
        codec.decode::<serde_json::Value>(Frame::Text(open.to_owned()), &mut out);
        assert_eq!(codec.max_frame_bytes(), limit, "{open}");
    }
}

#[test]
fn a_new_session_forgets_the_last_ones_frame_limit() {
    let mut codec = codec("message");
    let mut out = Vec::new();
    codec.decode::<serde_json::Value>(Frame::Text(r#"0{"maxPayload":100}"#.to_owned()), &mut out);
    assert_eq!(codec.max_frame_bytes(), Some(100));
    codec.reset(&mut || 0.5);
    assert_eq!(codec.max_frame_bytes(), None);
}
