//! STOMP 1.2 frames, byte for byte.
use super::*;

fn read_all(messages: &[&[u8]]) -> Vec<Result<Piece, StompError>> {
    let mut reader = Reader::default();
    let mut out = Vec::new();
    for message in messages {
        reader.push(message, &mut out);
    }
    out
}

fn frame(command: &str, headers: &[(&str, &str)], body: &str) -> Result<Piece, StompError> {
    Ok(Piece::Frame(StompFrame {
        command: command.into(),
        headers: headers
            .iter()
            .map(|(name, value)| ((*name).into(), (*value).into()))
            .collect(),
        body: body.into(),
    }))
}

#[test]
fn a_connect_frame_is_written_exactly_and_unescaped() {
    let connect = StompFrame::new("CONNECT")
        .with("accept-version", "1.2")
        .with("host", "/")
        .with("login", "alice")
        .with("passcode", "p:a\\ss")
        .with("heart-beat", "10000,10000");
    assert_eq!(
        connect.encode(),
        "CONNECT\naccept-version:1.2\nhost:/\nlogin:alice\npasscode:p:a\\ss\nheart-beat:10000,10000\n\n\0"
    );
}

#[test]
fn a_send_frame_escapes_its_headers_and_gives_its_body_length() {
    let send = StompFrame::new("SEND")
        .with("destination", "/topic/a:b")
        .with("receipt", "7")
        .with_body("{\"msg\":\"héllo\"}");
    assert_eq!(
        send.encode(),
        "SEND\ndestination:/topic/a\\cb\nreceipt:7\ncontent-length:16\n\n{\"msg\":\"héllo\"}\0"
    );
}

#[test]
fn frames_read_back_as_written() {
    let frames = [
        StompFrame::new("MESSAGE")
            .with("destination", "/topic/x\n\\y:z")
            .with("message-id", "1")
            .with_body("a\0b with a NUL"),
        StompFrame::new("RECEIPT").with("receipt-id", "7"),
        StompFrame::new("CONNECTED")
            .with("version", "1.2")
            .with("heart-beat", "0,0"),
    ];
    let joined: String = frames.iter().map(StompFrame::encode).collect();
    let read: Vec<_> = read_all(&[joined.as_bytes()]);
    let wanted: Vec<_> = frames
        .iter()
        .map(|frame| {
            let mut frame = frame.clone();
            if !frame.body.is_empty() {
                frame
                    .headers
                    .push(("content-length".into(), frame.body.len().to_string()));
            }
            Ok(Piece::Frame(frame))
        })
        .collect();
    assert_eq!(read, wanted);
}

#[test]
fn rabbitmqs_end_of_line_after_each_frame_reads_as_a_heartbeat() {
    let read = read_all(&[b"RECEIPT\nreceipt-id:1\n\n\0\n", b"\r\n"]);
    assert_eq!(
        read,
        vec![
            frame("RECEIPT", &[("receipt-id", "1")], ""),
            Ok(Piece::Heartbeat),
            Ok(Piece::Heartbeat),
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
            &[
                ("destination", "/topic/chat"),
                ("subscription", "0"),
                ("message-id", "9"),
            ],
            "{\"name\":\"bob\",\"msg\":\"hé\"}"
        )]
    );
    for cut in 0..message.len() {
        let (first, second) = message.as_bytes().split_at(cut);
        assert_eq!(read_all(&[first, second]), whole, "cut at {cut}");
    }
}

#[test]
fn the_first_of_repeated_headers_counts() {
    let read = read_all(&[b"MESSAGE\nfoo:World\nfoo:Hello\n\n\0"]);
    let Some(Ok(Piece::Frame(frame))) = read.first() else {
        panic!("{read:?}");
    };
    assert_eq!(frame.get("foo"), Some("World"));
}

#[test]
fn broken_frames_are_errors_and_the_reader_goes_on() {
    let cases: [(&[u8], StompError); 5] = [
        (b"\0", StompError::NoCommand),
        (
            b"MESSAGE\nno colon\n\n\0",
            StompError::BadHeader("no colon".into()),
        ),
        (b"MESSAGE\na:\\t\n\n\0", StompError::BadEscape),
        (
            b"MESSAGE\ncontent-length:x\n\n\0",
            StompError::BadLength("x".into()),
        ),
        (
            b"MESSAGE\ncontent-length:1\n\nab\0",
            StompError::BadLength("1".into()),
        ),
    ];
    for (message, error) in cases {
        let read = read_all(&[message, b"RECEIPT\nreceipt-id:2\n\n\0"]);
        assert_eq!(
            read,
            vec![Err(error), frame("RECEIPT", &[("receipt-id", "2")], "")],
            "{:?}",
            String::from_utf8_lossy(message)
        );
    }
}

#[test]
fn a_frame_that_never_ends_is_dropped_past_the_limit() {
    let mut reader = Reader::default();
    let mut out = Vec::new();
    reader.push(b"MESSAGE\n\n", &mut out);
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..(MAX_FRAME_BYTES / chunk.len() + 1) {
        reader.push(&chunk, &mut out);
    }
    assert_eq!(out, vec![Err(StompError::TooLarge)]);
    // The rest of the huge frame goes, up to its NUL; the next one reads.
    reader.push(b"xxxx\0RECEIPT\nreceipt-id:3\n\n\0", &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(
        out.last(),
        Some(&frame("RECEIPT", &[("receipt-id", "3")], ""))
    );
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
            [
                Inbound::Acked(2),
                Inbound::Heartbeat
            ]
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
