//! The history's keys, kept form and export lines.
use super::*;

fn record(from: &str, text: &str, delivery: Option<Delivery>) -> Record {
    Record {
        // 2026-12-06 10:16:30 UTC.
        time_ms: 1_796_552_190_000.0,
        uid: 42.0,
        from: from.into(),
        text: text.into(),
        delivery,
    }
}

#[test]
fn records_read_back_as_written_many_at_once() {
    let records = vec![
        record("bob", "hi | there 12 3|", None),
        record("alice", "héllo\u{0}\n", Some(Delivery::Delivered)),
        record("", "", Some(Delivery::Uncertain)),
        record("名前", "テキスト", Some(Delivery::Pending)),
        record("x", "y", Some(Delivery::Sent)),
    ];
    let joined: String = records.iter().map(Record::encode).collect();
    assert_eq!(read_all(&joined), (records, false));
}

#[test]
fn the_kept_form_is_exact() {
    assert_eq!(
        record("bob", "hi", None).encode(),
        "1796552190000 42 r 3 2|bobhi"
    );
}

#[test]
fn unreadable_records_stop_the_reading_without_a_panic() {
    let good = record("bob", "hi", None).encode();
    for bad in [
        "garbage",
        "1 2 r 3 99|bob",
        "1 2 z 0 0|",
        "1 2 r 9999999999999999999999 0|",
    ] {
        let joined = format!("{good}{bad}");
        let (read, broken) = read_all(&joined);
        assert_eq!((read.len(), broken), (1, true), "{bad}");
    }
    for cut in 0..good.len() {
        let (_, broken) = read_all(&good[..cut]);
        assert!(broken || cut == 0);
    }
}

#[test]
fn transcript_lines_name_the_sender_and_the_local_minute() {
    assert_eq!(
        record("alice", "hi", None).transcript_line(0.0),
        "2026-12-06 10:16 alice: hi"
    );
    // UTC+1: getTimezoneOffset is -60.
    assert_eq!(
        record("", "mine", Some(Delivery::Sent)).transcript_line(-60.0),
        "2026-12-06 11:16 me: mine"
    );
}

#[test]
fn json_lines_hold_the_instant_sender_kind_and_text() {
    assert_eq!(
        record("alice", "hi \"you\"", None).json_line(),
        r#"{"time":"2026-12-06T10:16:30.000Z","from":"alice","kind":"received","text":"hi \"you\""}"#
    );
    assert_eq!(
        record("bob", "yo", Some(Delivery::Delivered)).json_line(),
        r#"{"time":"2026-12-06T10:16:30.000Z","from":"bob","kind":"sent","text":"yo","state":"delivered"}"#
    );
}

#[test]
fn a_history_is_named_by_its_endpoints_never_by_its_token() {
    let page = PageOrigin {
        secure: true,
        host: "chat.example".into(),
    };
    assert_eq!(
        key(
            "/ws?u={name}&t={token} wss://b.example/ws",
            "al ice",
            &page,
            ""
        ),
        "wschat wss://chat.example/ws?u=al%20ice&t={token} wss://b.example/ws"
    );
    assert_eq!(
        key("ws://h/ws", "a", &page, "/topic/x"),
        "wschat ws://h/ws topic /topic/x"
    );
}

#[test]
fn the_servers_copy_of_an_own_message_kept_by_another_tab_is_left_out_once() {
    let mut copies = Copies::default();
    let own = Record {
        time_ms: 1_000.0,
        ..record("ann", "hi", Some(Delivery::Sent))
    };
    let copy = |time_ms| Record {
        time_ms,
        ..record("ann", "hi", None)
    };
    assert!(copies.keep(&own));
    assert!(!copies.keep(&copy(1_020.0)), "the copy goes");
    assert!(
        copies.keep(&copy(1_040.0)),
        "a second one is someone's message"
    );
    assert!(copies.keep(&own));
    assert!(
        copies.keep(&copy(1_000.0 + COPY_WINDOW_MS)),
        "too late to be the copy"
    );
    assert!(copies.keep(&record("bob", "hi", None)), "another sender");
}
