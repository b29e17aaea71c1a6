//! NATS protocol lines, byte for byte.
use super::*;

/// What the reader hands out for `messages`, each line as its `Debug`
/// text: a line borrows the reader's buffer and cannot outlive its turn.
fn read_all(messages: &[&[u8]]) -> Vec<String> {
    let mut reader = Reader::default();
    let mut out = Vec::new();
    for message in messages {
        reader.push(message.to_vec(), |line| out.push(format!("{line:?}")));
    }
    out
}

/// The same text for the lines expected.
fn shown(lines: &[Incoming]) -> Vec<String> {
    lines.iter().map(|line| format!("{line:?}")).collect()
}

#[test]
fn the_clients_lines_are_written_exactly() {
    assert_eq!(
        connect(r#"{"verbose":false,"pedantic":false,"user":"alice","pass":"s3"}"#),
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"user\":\"alice\",\"pass\":\"s3\"}\r\n"
    );
    assert_eq!(sub("chat", 1), "SUB chat 1\r\n");
    assert_eq!(publish("chat", "héllo"), "PUB chat 6\r\nhéllo\r\n");
    assert_eq!(publish("a.b", ""), "PUB a.b 0\r\n\r\n");
    assert_eq!(PING, "PING\r\n");
    assert_eq!(PONG, "PONG\r\n");
}

#[test]
fn the_servers_lines_are_read() {
    let read = read_all(&[b"INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n+OK\r\nPING\r\nPONG\r\nMSG chat 1 6\r\nh\xc3\xa9llo\r\nMSG chat 1 _INBOX.a 2\r\nhi\r\n-ERR 'Authorization Violation'\r\n"]);
    assert_eq!(
        read,
        shown(&[
            Incoming::Info("{\"server_id\":\"x\",\"max_payload\":1048576}"),
            Incoming::Ok,
            Incoming::Ping,
            Incoming::Pong,
            Incoming::Msg("héllo".as_bytes()),
            Incoming::Msg(b"hi"),
            Incoming::Err("Authorization Violation"),
        ])
    );
}

#[test]
fn verbs_are_read_in_any_case() {
    assert_eq!(
        read_all(&[b"ping\r\nPong\r\n+ok\r\nmsg a 1 0\r\n\r\n"]),
        shown(&[
            Incoming::Ping,
            Incoming::Pong,
            Incoming::Ok,
            Incoming::Msg(b""),
        ])
    );
}

#[test]
fn lines_split_at_every_byte_read_the_same() {
    // NATS over WebSocket sends binary messages whose lines do not follow
    // message boundaries.
    let stream = b"MSG chat 1 13\r\nhello\r\nthere!\r\nPING\r\n";
    let whole = read_all(&[stream]);
    assert_eq!(
        whole,
        shown(&[Incoming::Msg(b"hello\r\nthere!"), Incoming::Ping])
    );
    for cut in 0..stream.len() {
        let (first, second) = stream.split_at(cut);
        assert_eq!(read_all(&[first, second]), whole, "cut at {cut}");
    }
}

#[test]
fn unknown_and_oversized_lines_are_errors_and_the_reader_goes_on() {
    assert_eq!(
        read_all(&[b"HELLO there\r\nMSG a\r\nMSG a 1 x\r\nMSG a 1 b c 2\r\nPONG\r\n"]),
        shown(&[
            Incoming::Unknown("HELLO there"),
            Incoming::Unknown("MSG a"),
            Incoming::Unknown("MSG a 1 x"),
            Incoming::Unknown("MSG a 1 b c 2"),
            Incoming::Pong,
        ])
    );
    assert_eq!(
        read_all(&[b"PING\r\nMSG a 1 99999999999\r\n", b"PONG\r\n"]),
        shown(&[Incoming::Ping, Incoming::TooLarge, Incoming::Pong])
    );
    // A line that never ends is dropped once it passes the limit.
    let long = vec![b'x'; MAX_LINE_BYTES + 1];
    assert_eq!(
        read_all(&[&long, b"\r\nPING\r\n"]),
        shown(&[Incoming::TooLarge, Incoming::Unknown(""), Incoming::Ping])
    );
    assert_eq!(
        TOO_LARGE,
        format!("a NATS line or payload passed {MAX_LINE_BYTES} bytes")
    );
}

#[test]
fn a_line_that_is_not_utf8_ends_at_its_first_bad_byte() {
    // The line reads as its valid start and one U+FFFD, so a MSG whose
    // size is followed by a bad byte is not understood.
    assert_eq!(
        read_all(&[b"MSG a 1 2\xff\r\nhi\r\n-ERR 'x\xff'\r\n"]),
        shown(&[
            Incoming::Unknown("MSG a 1 2\u{FFFD}"),
            Incoming::Unknown("hi"),
            Incoming::Err("'x\u{FFFD}"),
        ])
    );
}

mod session {
    //! The NATS transport's session, line by line, through the codec.
    use std::time::Duration;

    use crate::protocol::{Codec, Frame, Inbound, Protocol, Sender, Wire};

    fn codec(user: Option<&str>, token: Option<&str>) -> Codec {
        let mut codec = Codec::new(&Wire {
            user: user.map(str::to_owned),
            token: token.map(str::to_owned),
            ..Protocol::Nats.into()
        });
        codec.reset(&mut || 0.5);
        codec
    }

    fn decode(codec: &mut Codec, text: &str) -> Vec<Inbound> {
        let mut out = Vec::new();
        codec.decode::<serde_json::Value>(Frame::Binary(text.as_bytes().to_vec()), &mut out);
        out
    }

    fn lines(text: &str) -> Frame {
        Frame::Binary(text.as_bytes().to_vec())
    }

    const INFO: &str = "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n";
    const HANDSHAKE: Inbound = Inbound::Heartbeat;

    #[test]
    fn info_is_answered_with_connect_sub_and_a_ping_whose_pong_makes_the_session_ready() {
        let mut codec = codec(None, Some("t\"k"));
        assert!(codec.protocols().is_empty());
        let mut out = Vec::new();
        codec.opened(&mut out);
        assert_eq!(out, [HANDSHAKE]);
        assert_eq!(
            decode(&mut codec, INFO),
            [
                Inbound::Reply(lines(concat!(
                    r#"CONNECT {"verbose":false,"pedantic":false,"lang":"wschat","version":"1","protocol":1,"echo":true,"auth_token":"t\"k"}"#,
                    "\r\nSUB chat 1\r\nPING\r\n"
                ))),
                HANDSHAKE,
            ]
        );
        assert_eq!(codec.ping_every(), None);
        assert_eq!(
            decode(&mut codec, "+OK\r\nPONG\r\n"),
            [Inbound::Ready, Inbound::Heartbeat]
        );
        assert_eq!(codec.ping_every(), Some(Duration::from_secs(15)));
    }

    #[test]
    fn a_user_logs_in_with_user_and_pass() {
        let mut codec = codec(Some("al"), Some("pw"));
        let out = decode(&mut codec, INFO);
        let Inbound::Reply(Frame::Binary(connect)) = &out[0] else {
            panic!("no CONNECT: {out:?}");
        };
        assert!(String::from_utf8_lossy(connect).contains(r#","user":"al","pass":"pw"}"#));
    }

    #[test]
    fn each_message_is_a_pub_and_a_ping_and_pongs_acknowledge_in_order() {
        let mut codec = Codec::new(&Wire {
            topic: Some("room.>".to_owned()),
            publish: Some("room.a".to_owned()),
            ..Protocol::Nats.into()
        });
        decode(&mut codec, INFO);
        decode(&mut codec, "PONG\r\n");
        let (frame, ack) = codec.send("a", "b");
        assert_eq!(
            frame,
            lines("PUB room.a 22\r\n{\"name\":\"a\",\"msg\":\"b\"}\r\nPING\r\n")
        );
        assert_eq!(ack, Some(1));
        // A keep-alive ping between two messages takes its own PONG.
        assert_eq!(codec.ping(), Some(lines("PING\r\n")));
        assert_eq!(codec.send("a", "c").1, Some(2));
        let out = decode(&mut codec, "PONG\r\nPONG\r\nPONG\r\nPONG\r\n");
        assert_eq!(
            out,
            [Inbound::Acked(1), Inbound::Acked(2), Inbound::Heartbeat]
        );
    }

    #[test]
    fn messages_are_read_and_the_servers_pings_answered_across_frames() {
        let mut codec = codec(None, None);
        decode(&mut codec, INFO);
        decode(&mut codec, "PONG\r\n");
        assert_eq!(
            decode(&mut codec, "MSG chat 1 25\r\n{\"name\":\"bob\","),
            [Inbound::Heartbeat]
        );
        assert_eq!(
            decode(&mut codec, "\"msg\":\"yo\"}\r\nPING\r\n"),
            [
                Inbound::Chat {
                    sender: Sender::Named("bob".to_owned()),
                    text: "yo".to_owned()
                },
                Inbound::Reply(lines("PONG\r\n")),
                Inbound::Heartbeat,
            ]
        );
    }

    #[test]
    fn an_error_before_the_handshake_pong_is_a_refusal_and_after_it_a_line() {
        let mut refused = codec(None, Some("bad"));
        decode(&mut refused, INFO);
        assert_eq!(
            decode(&mut refused, "-ERR 'Authorization Violation'\r\n")[0],
            Inbound::Ended("the broker refused the connection: Authorization Violation".to_owned())
        );
        let mut ready = codec(None, None);
        decode(&mut ready, INFO);
        decode(&mut ready, "PONG\r\n");
        assert_eq!(
            decode(&mut ready, "-ERR 'Maximum Payload Violation'\r\n")[0],
            Inbound::Notice("the broker sent an error: Maximum Payload Violation".to_owned())
        );
    }
}
