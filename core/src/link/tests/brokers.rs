//! The brokers (issue 17): the session's order, acknowledgements that
//! deliver, pings on time, a silent broker dropped, and a broken stream
//! reconnected.

use super::*;

const CONNECTED: &str = "CONNECTED\nversion:1.2\nheart-beat:10000,10000\n\n\0";

/// A STOMP link to `ws://h:15674/ws`, connected and subscribed.
fn stomp_link(driver: &mut Recorder) -> Link {
    let mut link = link_with(Protocol::Stomp, "ws://h:15674/ws");
    link.connect(driver);
    link.opened(driver);
    link.received(Frame::Text(CONNECTED.to_owned()), driver);
    link
}

fn receipt(number: u32) -> Frame {
    Frame::Text(format!("RECEIPT\nreceipt-id:{number}\n\n\0"))
}

#[test]
fn it_connects_subscribes_then_sends_what_waited_each_with_a_receipt() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Stomp, "ws://h:15674/ws");
    link.write(message(1, "early"), &mut driver);
    link.connect(&mut driver);
    assert_eq!(
        driver.offered,
        vec![vec!["v12.stomp", "v11.stomp", "v10.stomp"]]
    );
    link.opened(&mut driver);
    // Nothing goes out before the broker answers CONNECT.
    assert_eq!(driver.sent.len(), 1);
    assert!(driver.sent_texts()[0].starts_with("CONNECT\n"));
    link.received(Frame::Text(CONNECTED.to_owned()), &mut driver);
    let sent = driver.sent_texts();
    assert!(sent[1].starts_with("SUBSCRIBE\n"), "{sent:?}");
    assert!(
        sent[2].starts_with("SEND\ndestination:/topic/chat\nreceipt:1\n"),
        "{sent:?}"
    );
    assert_eq!(deliveries(&driver, 1), [Delivery::Sent]);
}

#[test]
fn a_receipt_marks_its_message_delivered_and_no_other() {
    let mut driver = Recorder::default();
    let mut link = stomp_link(&mut driver);
    link.write(message(1, "one"), &mut driver);
    link.write(message(2, "two"), &mut driver);
    link.received(receipt(2), &mut driver);
    assert_eq!(
        deliveries(&driver, 2),
        [Delivery::Sent, Delivery::Delivered]
    );
    assert_eq!(deliveries(&driver, 1), [Delivery::Sent]);
    // A receipt for nothing this session sent changes nothing.
    link.received(receipt(9), &mut driver);
    assert_eq!(link.ledger().in_flight_messages().count(), 1);
}

#[test]
fn a_message_without_its_receipt_is_uncertain_however_long_ago_it_left() {
    let mut driver = Recorder::default();
    let mut link = stomp_link(&mut driver);
    link.write(message(1, "acked"), &mut driver);
    link.write(message(2, "waiting"), &mut driver);
    link.received(receipt(1), &mut driver);
    // Long after the uncertain window, and with nothing in the buffer, a
    // plain relay's message would count as delivered; this one waits.
    driver.now = 60_000.0;
    link.apply(Input::SettleDue, &mut driver);
    assert_eq!(link.ledger().in_flight_messages().count(), 1);
    link.closed(dropped(), &mut driver);
    assert_eq!(
        deliveries(&driver, 2),
        [Delivery::Sent, Delivery::Uncertain]
    );
    assert_eq!(
        deliveries(&driver, 1),
        [Delivery::Sent, Delivery::Delivered]
    );
}

#[test]
fn the_client_beats_on_time_and_a_silent_broker_is_dropped() {
    let mut driver = Recorder::default();
    let mut link = stomp_link(&mut driver);
    // The next beat is due before the broker's silence limit (22 s).
    assert_eq!(driver.watchdog, Some(Duration::from_secs(10)));
    let sent = driver.sent.len();
    driver.now = 10_000.0;
    link.watchdog_due(&mut driver);
    assert_eq!(driver.sent.len(), sent + 1);
    assert_eq!(driver.sent_texts().last(), Some(&"\n"));
    // The broker beats: its deadline moves on; nothing else is armed.
    driver.now = 12_000.0;
    link.received(Frame::Text("\n".to_owned()), &mut driver);
    driver.now = 20_000.0;
    link.watchdog_due(&mut driver);
    assert_eq!(driver.sent.len(), sent + 2);
    // Then it says nothing for 22 s: the link is dead and reconnects.
    driver.now = 34_000.0;
    link.watchdog_due(&mut driver);
    assert_eq!(link.phase(), &Phase::Waiting);
    assert!(
        driver
            .system_lines()
            .iter()
            .any(|line| line.contains("22 s")),
        "{:?}",
        driver.system_lines()
    );
}

#[test]
fn a_refused_login_stops_with_one_line_and_no_retry() {
    let mut driver = Recorder::default();
    let wire = Wire {
        user: Some("guest".to_owned()),
        token: Some("wrong".to_owned()),
        ..Protocol::Stomp.into()
    };
    let mut link = link_wired(&wire, "ws://h:15674/ws", Echo::Fold);
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(
        Frame::Text("ERROR\nmessage:Bad CONNECT\n\nAccess refused for user 'guest'\0".to_owned()),
        &mut driver,
    );
    assert_eq!(link.phase(), &Phase::Stopped(Stop::ByServer));
    assert_eq!(driver.retry, None);
    assert!(
        driver.status.text.contains("refused"),
        "{}",
        driver.status.text
    );
    assert!(!driver.status.text.contains("wrong"));
}

#[test]
fn an_mqtt_stream_that_cannot_be_read_is_dropped_and_reconnected() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Mqtt, "ws://h:9001/");
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(Frame::Binary(vec![0x20, 2, 0, 0]), &mut driver);
    link.received(Frame::Binary(vec![0x90, 3, 0, 1, 1]), &mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.received(
        Frame::Binary(vec![0x30, 0xff, 0xff, 0xff, 0xff]),
        &mut driver,
    );
    assert_eq!(link.phase(), &Phase::Waiting);
    assert!(driver.retry.is_some());
    assert_eq!(
        deliveries(&driver, 1),
        [Delivery::Sent, Delivery::Uncertain]
    );
    // Each session is its own MQTT client.
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    let Some(Frame::Binary(connect)) = driver.sent.last() else {
        panic!("no CONNECT");
    };
    assert!(connect.windows(6).any(|id| id == b"wschat"));
}

#[test]
fn a_nats_pong_after_a_pub_delivers_it_and_the_servers_ping_is_answered() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Nats, "ws://h:8222/");
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.received(Frame::Binary(b"INFO {}\r\n".to_vec()), &mut driver);
    assert_eq!(driver.sent.len(), 1, "only the handshake before its PONG");
    link.received(Frame::Binary(b"PONG\r\nPING\r\n".to_vec()), &mut driver);
    assert_eq!(driver.sent.len(), 3, "the PONG, then the message");
    assert_eq!(driver.sent[1], Frame::Binary(b"PONG\r\n".to_vec()));
    link.received(Frame::Binary(b"PONG\r\n".to_vec()), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        [Delivery::Sent, Delivery::Delivered]
    );
}
