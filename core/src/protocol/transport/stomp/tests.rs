//! STOMP 1.2 frames, byte for byte.
use super::*;

/// What the reader makes of some WebSocket messages: each frame as
/// (command, headers as sent, body), or why it could not be read.
type Got = Result<(String, String, String), &'static str>;

fn read_all(messages: &[&[u8]]) -> Vec<Got> {
    let mut reader = Reader::default();
    let mut out = Vec::new();
    for message in messages {
        reader.push(message.to_vec(), |read| {
            out.push(read.map(|read| (utf8(read.command), utf8(read.head), utf8(read.body))))
        });
    }
    out
}

fn frame(command: &str, head: &str, body: &str) -> Got {
    Ok((command.into(), head.into(), body.into()))
}

#[test]
fn a_connect_frame_is_written_exactly_and_unescaped() {
    let connect = [
        ("accept-version", Some("1.2")),
        ("host", Some("/")),
        ("login", Some("alice")),
        ("passcode", Some("p:a\\ss")),
        ("heart-beat", Some("10000,10000")),
        ("left out", None),
    ];
    assert_eq!(
        encode("CONNECT", &connect, ""),
        "CONNECT\naccept-version:1.2\nhost:/\nlogin:alice\npasscode:p:a\\ss\nheart-beat:10000,10000\n\n\0"
    );
}

#[test]
fn a_send_frame_escapes_its_headers_and_gives_its_body_length() {
    let send = [("destination", Some("/topic/a:b")), ("receipt", Some("7"))];
    assert_eq!(
        encode("SEND", &send, "{\"msg\":\"héllo\"}"),
        "SEND\ndestination:/topic/a\\cb\nreceipt:7\ncontent-length:16\n\n{\"msg\":\"héllo\"}\0"
    );
}

#[test]
fn frames_read_back_as_written() {
    let written = [
        encode(
            "MESSAGE",
            &[
                ("destination", Some("/topic/x\n\\y:z")),
                ("message-id", Some("1")),
            ],
            "a\0b with a NUL",
        ),
        encode("RECEIPT", &[("receipt-id", Some("7"))], ""),
        encode(
            "CONNECTED",
            &[("version", Some("1.2")), ("heart-beat", Some("0,0"))],
            "",
        ),
    ];
    let joined: String = written.concat();
    assert_eq!(
        read_all(&[joined.as_bytes()]),
        vec![
            frame(
                "MESSAGE",
                "destination:/topic/x\\n\\\\y\\cz\nmessage-id:1\ncontent-length:14",
                "a\0b with a NUL"
            ),
            frame("RECEIPT", "receipt-id:7", ""),
            frame("CONNECTED", "version:1.2\nheart-beat:0,0", ""),
        ]
    );
}

#[test]
fn headers_are_found_by_name_the_first_one_counting_and_unescaped_when_shown() {
    let mut reader = Reader::default();
    let mut seen = Vec::new();
    reader.push(
        b"MESSAGE\r\nfoo:World\r\nfoo:Hello\r\nfoobar:x\r\nmessage:a\\cb\\\\c\\nd\r\n\r\n\0"
            .to_vec(),
        |read| {
            let read = read.expect("a frame");
            seen.push((
                read.header("foo").map(utf8),
                read.header("fo").map(utf8),
                read.header("message").map(unescape),
            ));
        },
    );
    assert_eq!(
        seen,
        [(Some("World".to_owned()), None, Some("a:b\\c\nd".to_owned()))]
    );
}

#[test]
fn rabbitmqs_end_of_line_after_each_frame_is_a_heartbeat_that_reads_as_nothing() {
    let read = read_all(&[
        b"RECEIPT\nreceipt-id:1\n\n\0\n",
        b"\r\n",
        b"\r",
        b"\nRECEIPT\nreceipt-id:2\n\n\0",
    ]);
    assert_eq!(
        read,
        vec![
            frame("RECEIPT", "receipt-id:1", ""),
            frame("RECEIPT", "receipt-id:2", ""),
        ]
    );
}

#[test]
fn a_frame_split_at_every_byte_reads_the_same() {
    let message = "MESSAGE\r\ndestination:/topic/chat\r\nsubscription:0\r\nmessage-id:9\r\n\r\n{\"name\":\"bob\",\"msg\":\"hé\"}\0";
    let whole = read_all(&[message.as_bytes()]);
    assert_eq!(
        whole,
        vec![frame(
            "MESSAGE",
            "destination:/topic/chat\r\nsubscription:0\r\nmessage-id:9\r",
            "{\"name\":\"bob\",\"msg\":\"hé\"}"
        )]
    );
    for cut in 0..message.len() {
        let (first, second) = message.as_bytes().split_at(cut);
        assert_eq!(read_all(&[first, second]), whole, "cut at {cut}");
    }
}

#[test]
fn broken_frames_are_errors_and_the_reader_goes_on() {
    let cases: [(&[u8], &str); 5] = [
        (b"\0", NO_COMMAND),
        (b"MESSAGE\nno colon\n\n\0", BAD_HEADER),
        (b"MESSAGE\na:\\t\n\n\0", BAD_ESCAPE),
        (b"MESSAGE\ncontent-length:x\n\n\0", BAD_LENGTH),
        (b"MESSAGE\ncontent-length:1\n\nab\0", BAD_LENGTH),
    ];
    for (message, error) in cases {
        let read = read_all(&[message, b"RECEIPT\nreceipt-id:2\n\n\0"]);
        assert_eq!(
            read,
            vec![Err(error), frame("RECEIPT", "receipt-id:2", "")],
            "{:?}",
            String::from_utf8_lossy(message)
        );
    }
    // CONNECT and CONNECTED have no escapes: a backslash is a backslash.
    assert_eq!(
        read_all(&[b"CONNECTED\nserver:a\\t\n\n\0"]),
        vec![frame("CONNECTED", "server:a\\t", "")]
    );
}

#[test]
fn a_frame_that_never_ends_is_dropped_past_the_limit() {
    let mut reader = Reader::default();
    let mut out = Vec::new();
    let mut push = |reader: &mut Reader, data: &[u8]| {
        reader.push(data.to_vec(), |read| {
            out.push(read.map(|read| utf8(read.head)))
        })
    };
    push(&mut reader, b"MESSAGE\n\n");
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..(MAX_FRAME_BYTES / chunk.len() + 1) {
        push(&mut reader, &chunk);
    }
    // The rest of the huge frame goes, up to its NUL; the next one reads.
    push(&mut reader, b"xxxx\0RECEIPT\nreceipt-id:3\n\n\0");
    assert_eq!(out, vec![Err(TOO_LARGE), Ok("receipt-id:3".to_owned())]);
    // A content-length past the limit is refused before its body comes.
    let read = read_all(&[b"MESSAGE\ncontent-length:1048577\n\n", b"\0"]);
    assert_eq!(read, vec![Err(TOO_LARGE)]);
}

mod session {
    //! The STOMP transport's session, frame by frame, through the codec.
    use std::time::Duration;

    use crate::protocol::{Codec, Frame, Inbound, Protocol, Sender, Wire};

    fn codec(user: Option<&str>, token: Option<&str>) -> Codec {
        let mut codec = Codec::new(&Wire {
            user: user.map(str::to_owned),
            token: token.map(str::to_owned),
            ..Protocol::Stomp.into()
        });
        codec.reset(&mut || 0.5);
        codec
    }

    fn decode(codec: &mut Codec, text: &str) -> Vec<Inbound> {
        let mut out = Vec::new();
        codec.decode::<serde_json::Value>(Frame::Text(text.to_owned()), &mut out);
        out
    }

    fn text(frame: &Frame) -> &str {
        match frame {
            Frame::Text(text) => text,
            Frame::Binary(_) => "binary",
        }
    }

    const CONNECTED: &str = "CONNECTED\nversion:1.2\nheart-beat:5000,20000\n\n\0\n";

    #[test]
    fn it_offers_the_stomp_subprotocols_and_connects_with_login_passcode_and_heart_beats() {
        let mut codec = codec(Some("guest"), Some("s:cret"));
        assert_eq!(codec.protocols(), ["v12.stomp", "v11.stomp", "v10.stomp"]);
        let mut out = Vec::new();
        codec.opened(&mut out);
        assert_eq!(
            out,
            [
                Inbound::Heartbeat,
                Inbound::Reply(Frame::Text(
                    "CONNECT\naccept-version:1.2\nhost:/\nheart-beat:10000,10000\nlogin:guest\npasscode:s:cret\n\n\0".to_owned()
                )),
            ]
        );
    }

    #[test]
    fn connected_agrees_heart_beats_then_subscribes_before_the_session_is_ready() {
        let mut codec = codec(None, None);
        assert_eq!(codec.ping_every(), None);
        assert_eq!(
            decode(&mut codec, CONNECTED),
            [
                Inbound::Reply(Frame::Text(
                    "SUBSCRIBE\nid:0\ndestination:/topic/chat\nack:auto\n\n\0".to_owned()
                )),
                Inbound::Ready,
                // The broker beats every max(5000, 10000) ms: twice that,
                // and a margin.
                Inbound::Heartbeat,
            ]
        );
        // The client beats every max(10000, 20000) ms, with an end of line.
        assert_eq!(codec.ping_every(), Some(Duration::from_secs(20)));
        assert_eq!(codec.ping(), Some(Frame::Text("\n".to_owned())));
        assert_eq!(codec.silence_limit(), Some(Duration::from_secs(22)));
    }

    #[test]
    fn a_broker_that_wants_no_heart_beats_is_not_watched_or_pinged() {
        let mut codec = codec(None, None);
        decode(&mut codec, "CONNECTED\nheart-beat:0,0\n\n\0");
        assert_eq!(codec.ping_every(), None);
        assert_eq!(codec.silence_limit(), None);
    }

    #[test]
    fn each_message_is_a_send_with_a_numbered_receipt_whose_receipt_acknowledges_it() {
        let mut codec = codec(None, None);
        decode(&mut codec, CONNECTED);
        let (first, ack) = codec.send("ann", "hi \"x\"");
        assert_eq!(
            text(&first),
            "SEND\ndestination:/topic/chat\nreceipt:1\ncontent-length:31\n\n{\"name\":\"ann\",\"msg\":\"hi \\\"x\\\"\"}\0"
        );
        assert_eq!(ack, Some(1));
        assert_eq!(codec.send("ann", "again").1, Some(2));
        assert_eq!(
            decode(&mut codec, "RECEIPT\nreceipt-id:2\n\n\0"),
            [Inbound::Acked(2), Inbound::Heartbeat]
        );
        // A new session counts from 1 again.
        codec.reset(&mut || 0.5);
        assert_eq!(codec.send("ann", "hi").1, Some(1));
    }

    #[test]
    fn publish_and_topic_are_where_it_sends_and_listens() {
        let mut codec = Codec::new(&Wire {
            topic: Some("/topic/messages".to_owned()),
            publish: Some("/app/chat".to_owned()),
            ..Protocol::Stomp.into()
        });
        let subscribe = decode(&mut codec, CONNECTED);
        assert!(
            matches!(&subscribe[0], Inbound::Reply(frame) if text(frame).contains("destination:/topic/messages\n"))
        );
        assert!(text(&codec.send("a", "b").0).starts_with("SEND\ndestination:/app/chat\n"));
    }

    #[test]
    fn messages_are_read_as_json_frames_are_across_websocket_messages() {
        let mut codec = codec(None, None);
        decode(&mut codec, CONNECTED);
        let mut out = decode(
            &mut codec,
            "MESSAGE\ndestination:/topic/chat\nmessage-id:7\nsubscription:0\n\n{\"name\":\"bob\",",
        );
        assert_eq!(out, [Inbound::Heartbeat]);
        out = decode(&mut codec, "\"msg\":\"yo\"}\0\nMESSAGE\n\nplain\0");
        assert_eq!(
            out,
            [
                Inbound::Chat {
                    sender: Sender::Named("bob".to_owned()),
                    text: "yo".to_owned()
                },
                Inbound::Chat {
                    sender: Sender::Unnamed("server".to_owned()),
                    text: "plain".to_owned()
                },
                Inbound::Heartbeat,
            ]
        );
    }

    #[test]
    fn an_error_before_connected_is_a_refusal_and_after_it_a_line() {
        let mut codec = codec(Some("guest"), Some("wrong"));
        assert_eq!(
            decode(
                &mut codec,
                "ERROR\nmessage:Bad CONNECT\n\nAccess refused for user 'guest'\0"
            )[0],
            Inbound::Ended(
                "the broker refused the connection: Bad CONNECT: Access refused for user 'guest'"
                    .to_owned()
            )
        );
        decode(&mut codec, CONNECTED);
        assert_eq!(
            decode(&mut codec, "ERROR\nmessage:not_found\n\n\0")[0],
            Inbound::Notice("the broker sent an error: not_found".to_owned())
        );
    }

    #[test]
    fn it_leaves_with_disconnect_and_joins_with_a_send_without_receipt() {
        let codec = Codec::new(&Wire {
            join: Some(r#"{"join":"{name}"}"#.to_owned()),
            ..Protocol::Stomp.into()
        });
        assert_eq!(
            codec.goodbye(),
            Some(Frame::Text("DISCONNECT\n\n\0".to_owned()))
        );
        assert_eq!(
            codec.join("ann").as_ref().map(text),
            Some("SEND\ndestination:/topic/chat\ncontent-length:14\n\n{\"join\":\"ann\"}\0")
        );
    }
}
