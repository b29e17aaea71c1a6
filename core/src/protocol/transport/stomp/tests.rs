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
