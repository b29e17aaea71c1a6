//! NATS protocol lines, byte for byte.
use super::*;

fn read_all(messages: &[&[u8]]) -> Vec<Result<Incoming, NatsError>> {
    let mut reader = Reader::default();
    let mut out = Vec::new();
    for message in messages {
        reader.push(message, &mut out);
    }
    out
}

#[test]
fn the_clients_lines_are_written_exactly() {
    assert_eq!(
        connect(r#"{"verbose":false,"pedantic":false,"user":"alice","pass":"s3"}"#),
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"user\":\"alice\",\"pass\":\"s3\"}\r\n"
    );
    assert_eq!(sub("chat", 1), "SUB chat 1\r\n");
    assert_eq!(publish("chat", "héllo"), "PUB chat 6\r\nhéllo\r\n");
    assert_eq!(PING, "PING\r\n");
    assert_eq!(PONG, "PONG\r\n");
}

#[test]
fn the_servers_lines_are_read() {
    let read = read_all(&[b"INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n+OK\r\nPING\r\nPONG\r\nMSG chat 1 6\r\nh\xc3\xa9llo\r\nMSG chat 1 _INBOX.a 2\r\nhi\r\n-ERR 'Authorization Violation'\r\n"]);
    assert_eq!(
        read,
        vec![
            Ok(Incoming::Info(
                "{\"server_id\":\"x\",\"max_payload\":1048576}".into()
            )),
            Ok(Incoming::Ok),
            Ok(Incoming::Ping),
            Ok(Incoming::Pong),
            Ok(Incoming::Msg {
                subject: "chat".into(),
                sid: "1".into(),
                reply: None,
                payload: "héllo".into()
            }),
            Ok(Incoming::Msg {
                subject: "chat".into(),
                sid: "1".into(),
                reply: Some("_INBOX.a".into()),
                payload: "hi".into()
            }),
            Ok(Incoming::Err("Authorization Violation".into())),
        ]
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
        vec![
            Ok(Incoming::Msg {
                subject: "chat".into(),
                sid: "1".into(),
                reply: None,
                payload: "hello\r\nthere!".into()
            }),
            Ok(Incoming::Ping),
        ]
    );
    for cut in 0..stream.len() {
        let (first, second) = stream.split_at(cut);
        assert_eq!(read_all(&[first, second]), whole, "cut at {cut}");
    }
}

#[test]
fn unknown_and_oversized_lines_are_errors_and_the_reader_goes_on() {
    assert_eq!(
        read_all(&[b"HELLO there\r\nMSG a\r\nMSG a 1 x\r\nPONG\r\n"]),
        vec![
            Err(NatsError::Unknown("HELLO there".into())),
            Err(NatsError::Unknown("MSG a".into())),
            Err(NatsError::Unknown("MSG a 1 x".into())),
            Ok(Incoming::Pong),
        ]
    );
    assert_eq!(
        read_all(&[b"MSG a 1 99999999999\r\n"]),
        vec![Err(NatsError::TooLarge)]
    );
}
