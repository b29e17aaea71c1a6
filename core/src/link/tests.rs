//! The link's rules, driven through a recording driver.

use super::*;
use crate::{
    backoff::BackoffPolicy,
    chat::Delivery,
    protocol::{Codec, Protocol, Wire},
};

/// Records what the link asked for; `fail_sends` makes `send` refuse.
#[derive(Default)]
struct Recorder {
    opened: Vec<String>,
    closes: usize,
    sent: Vec<Frame>,
    retry: Option<Duration>,
    watchdog: Option<Duration>,
    settle: Option<Duration>,
    chat: Vec<ChatEvent>,
    status: Status,
    saved: Vec<usize>,
    now: f64,
    fail_sends: bool,
    fail_open: bool,
    buffered: u32,
    saved_uncertain: usize,
    /// The last saved form, as the texts and whether each is uncertain.
    last_saved: Vec<(String, bool)>,
    /// How many frames had been sent at each close.
    sent_at_close: Vec<usize>,
    /// The browser refuses to store the saved form (quota, storage off).
    fail_saves: bool,
    /// The subprotocols offered at each open.
    offered: Vec<Vec<String>>,
    /// The subprotocol the server chose.
    chosen: String,
    /// Typing notices: who, and whether they started.
    typing: Vec<(String, bool)>,
}

impl Driver for Recorder {
    type Json = serde_json::Value;

    fn open(&mut self, url: &str, protocols: &[String]) -> Result<(), String> {
        if self.fail_open {
            return Err("SyntaxError".to_owned());
        }
        self.opened.push(url.to_owned());
        self.offered.push(protocols.to_vec());
        Ok(())
    }
    fn protocol(&self) -> String {
        self.chosen.clone()
    }
    fn close(&mut self) {
        self.closes += 1;
        self.sent_at_close.push(self.sent.len());
    }
    fn send(&mut self, frame: &Frame) -> Result<(), String> {
        if self.fail_sends {
            return Err("closing".to_owned());
        }
        self.sent.push(frame.clone());
        Ok(())
    }
    fn buffered_amount(&self) -> u32 {
        self.buffered
    }
    fn set_retry(&mut self, delay: Option<Duration>) {
        self.retry = delay;
    }
    fn set_watchdog(&mut self, delay: Option<Duration>) {
        self.watchdog = delay;
    }
    fn set_settle(&mut self, delay: Option<Duration>) {
        self.settle = delay;
    }
    fn random(&mut self) -> f64 {
        0.5
    }
    fn now_ms(&self) -> f64 {
        self.now
    }
    fn chat(&mut self, event: ChatEvent) {
        self.chat.push(event);
    }
    fn typing(&mut self, sender: String, typing: bool) {
        self.typing.push((sender, typing));
    }
    fn status(&mut self, status: Status) {
        self.status = status;
    }
    fn save_outbox(&mut self, saved: &[Saved]) -> Result<(), String> {
        if self.fail_saves && !saved.is_empty() {
            self.last_saved.clear();
            return Err("quota exceeded".to_owned());
        }
        self.saved
            .push(saved.iter().filter(|item| !item.uncertain).count());
        self.saved_uncertain = saved.iter().filter(|item| item.uncertain).count();
        self.last_saved = saved
            .iter()
            .map(|item| (item.text.clone(), item.uncertain))
            .collect();
        Ok(())
    }
}

impl Recorder {
    fn system_lines(&self) -> Vec<&str> {
        self.chat
            .iter()
            .filter_map(|event| match event {
                ChatEvent::System(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn sent_texts(&self) -> Vec<&str> {
        self.sent
            .iter()
            .map(|frame| match frame {
                Frame::Text(text) => text.as_str(),
                Frame::Binary(_) => "<binary>",
            })
            .collect()
    }
}

fn link() -> Link {
    link_with(Protocol::Json, "/ws")
}

fn link_with(protocol: Protocol, server: &str) -> Link {
    link_wired(&protocol.into(), server, Echo::Fold)
}

/// A link for `wire`, named `ann`.
fn link_wired(wire: &Wire, server: &str, echo: Echo) -> Link {
    Link::new(
        LinkConfig {
            codec: Codec::new(wire),
            server: server.to_owned(),
            name: "ann".to_owned(),
            page: PageOrigin {
                secure: false,
                host: "127.0.0.1:8080".to_owned(),
            },
            echo,
        },
        Backoff::new(BackoffPolicy::default()),
    )
}

fn message(id: u64, text: &str) -> Queued {
    Queued {
        id: EntryId(id),
        name: "ann".to_owned(),
        text: text.to_owned(),
    }
}

fn dropped() -> CloseInfo {
    CloseInfo {
        code: 1006,
        reason: String::new(),
    }
}

/// A Socket.IO link whose server sent its open packet with a 2 s heartbeat.
fn socket_io_link(driver: &mut Recorder) -> Link {
    let mut link = link_with(Protocol::SocketIo, "ws://h:3000/");
    link.connect(driver);
    link.opened(driver);
    link.received(
        Frame::Text(r#"0{"sid":"x","pingInterval":1000,"pingTimeout":1000}"#.to_owned()),
        driver,
    );
    link
}

fn open_link(driver: &mut Recorder) -> Link {
    let mut link = link();
    link.connect(driver);
    link.opened(driver);
    link
}

#[test]
fn connecting_opens_the_resolved_endpoint_and_says_so() {
    let mut driver = Recorder::default();
    let mut link = link();
    link.connect(&mut driver);
    assert_eq!(driver.opened, vec!["ws://127.0.0.1:8080/ws"]);
    assert_eq!(driver.status.state, ConnState::Connecting);
    assert_eq!(link.phase(), &Phase::Connecting);
}

#[test]
fn opening_shows_connected_and_the_open_state() {
    let mut driver = Recorder::default();
    let link = open_link(&mut driver);
    assert_eq!(driver.system_lines(), vec!["connected"]);
    assert_eq!(driver.status.state, ConnState::Open);
    assert_eq!(link.phase(), &Phase::Open { ready: true });
}

#[test]
fn a_message_written_while_open_goes_out_at_once_and_is_marked_sent() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "hi"), &mut driver);
    assert_eq!(driver.sent_texts(), vec![r#"{"name":"ann","msg":"hi"}"#]);
    assert!(driver.chat.contains(&ChatEvent::Delivery {
        id: EntryId(1),
        delivery: Delivery::Sent
    }));
    assert!(link.ledger().outbox().is_empty());
}

#[test]
fn messages_written_before_open_wait_and_go_out_once_each_in_order() {
    let mut driver = Recorder::default();
    let mut link = link();
    link.connect(&mut driver);
    link.write(message(1, "one"), &mut driver);
    link.write(message(2, "two"), &mut driver);
    assert!(driver.sent.is_empty());
    assert_eq!(link.ledger().outbox().len(), 2);
    link.opened(&mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![
            r#"{"name":"ann","msg":"one"}"#,
            r#"{"name":"ann","msg":"two"}"#
        ]
    );
    assert!(link.ledger().outbox().is_empty());
    assert_eq!(driver.saved.last(), Some(&0));
}

#[test]
fn a_refused_send_keeps_the_message_queued() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    driver.fail_sends = true;
    link.write(message(1, "hi"), &mut driver);
    assert_eq!(link.ledger().outbox().len(), 1);
    assert!(!driver
        .chat
        .iter()
        .any(|e| matches!(e, ChatEvent::Delivery { .. })));
}

#[test]
fn an_unasked_close_shows_disconnected_and_schedules_a_retry() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(
        driver.system_lines(),
        vec!["connected", "disconnected (code 1006)"]
    );
    assert_eq!(driver.retry, Some(Duration::from_millis(500)));
    assert_eq!(driver.status.state, ConnState::Closed);
    assert_eq!(driver.status.text, "disconnected; reconnecting in 0.5 s");
    assert_eq!(link.phase(), &Phase::Waiting);
}

#[test]
fn the_close_reason_is_shown_when_the_server_gives_one() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.closed(
        CloseInfo {
            code: 1001,
            reason: "going away".to_owned(),
        },
        &mut driver,
    );
    assert_eq!(
        driver.system_lines().last(),
        Some(&"disconnected (going away, code 1001)")
    );
}

#[test]
fn failed_attempts_back_off_and_an_open_resets_the_delay() {
    let mut driver = Recorder::default();
    let mut link = link();
    link.connect(&mut driver);
    let mut delays = Vec::new();
    for _ in 0..5 {
        link.closed(dropped(), &mut driver);
        delays.push(driver.retry.map(|d| d.as_millis()));
        link.retry_due(&mut driver);
    }
    assert_eq!(
        delays,
        vec![Some(500), Some(1000), Some(2000), Some(4000), Some(5000)]
    );
    assert_eq!(driver.opened.len(), 6);
    link.opened(&mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(driver.retry, Some(Duration::from_millis(500)));
}

#[test]
fn a_failed_attempt_shows_no_second_disconnected_line() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(
        driver.system_lines(),
        vec!["connected", "disconnected (code 1006)"]
    );
    assert!(driver
        .status
        .text
        .starts_with("disconnected; reconnecting in"));
}

#[test]
fn coming_online_retries_at_once_while_waiting() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.closed(dropped(), &mut driver);
    link.nudge(&mut driver);
    assert_eq!(driver.opened.len(), 2);
    assert_eq!(driver.retry, None);
    assert_eq!(link.phase(), &Phase::Connecting);
}

#[test]
fn a_user_disconnect_is_never_followed_by_a_reconnect() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.disconnect(&mut driver);
    assert_eq!(driver.retry, None);
    assert_eq!(link.phase(), &Phase::Stopped(Stop::ByUser));
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.nudge(&mut driver);
    assert_eq!(driver.opened.len(), 1);
    assert_eq!(
        driver.system_lines(),
        vec!["connected", "disconnected (by you)"]
    );
    link.connect(&mut driver);
    assert_eq!(driver.opened.len(), 2);
}

#[test]
fn events_after_a_close_are_ignored() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.closed(dropped(), &mut driver);
    let before = driver.chat.len();
    link.received(Frame::Text("late".to_owned()), &mut driver);
    link.opened(&mut driver);
    assert_eq!(driver.chat.len(), before);
}

#[test]
fn frames_become_chat_events() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.received(
        Frame::Text(r#"{"name":"bob","msg":"yo"}"#.to_owned()),
        &mut driver,
    );
    assert_eq!(
        driver.chat.last(),
        Some(&ChatEvent::Received {
            sender: "bob".to_owned(),
            text: "yo".to_owned()
        })
    );
}

#[test]
fn an_endpoint_the_browser_refuses_stops_with_a_system_line() {
    let mut driver = Recorder {
        fail_open: true,
        ..Recorder::default()
    };
    let mut link = link();
    link.connect(&mut driver);
    assert_eq!(link.phase(), &Phase::Stopped(Stop::Unreachable));
    assert_eq!(
        driver.system_lines(),
        vec!["cannot open ws://127.0.0.1:8080/ws: SyntaxError"]
    );
    assert_eq!(driver.status.state, ConnState::Closed);
}

#[test]
fn the_name_placeholder_is_filled_at_each_connect() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Json, "ws://h:8000/?username={name}");
    link.connect(&mut driver);
    link.set_name("Zoë B");
    link.connect(&mut driver);
    assert_eq!(
        driver.opened,
        vec![
            "ws://h:8000/?username=ann",
            "ws://h:8000/?username=Zo%C3%AB%20B"
        ]
    );
}

#[test]
fn reconfiguring_closes_the_old_socket_and_connects_to_the_new_server() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    let closes = driver.closes;
    link.reconfigure(
        Codec::new(&Protocol::Json.into()),
        "ws://other:1/".to_owned(),
        Echo::Fold,
        &mut driver,
    );
    assert!(driver.closes > closes);
    assert_eq!(
        driver.opened.last().map(String::as_str),
        Some("ws://other:1/")
    );
    assert_eq!(
        driver.system_lines().last(),
        Some(&"disconnected (settings changed)")
    );
}

#[test]
fn discarding_removes_a_queued_message() {
    let mut driver = Recorder::default();
    let mut link = link();
    link.write(message(1, "a"), &mut driver);
    link.discard(EntryId(1), &mut driver);
    assert!(link.ledger().outbox().is_empty());
    assert_eq!(driver.chat.last(), Some(&ChatEvent::Discard(EntryId(1))));
}

fn deliveries(driver: &Recorder, id: u64) -> Vec<Delivery> {
    driver
        .chat
        .iter()
        .filter_map(|event| match event {
            ChatEvent::Delivery { id: of, delivery } if *of == EntryId(id) => Some(*delivery),
            _ => None,
        })
        .collect()
}

#[test]
fn messages_handed_just_before_an_unasked_close_are_marked_uncertain() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    driver.now = 0.0;
    link.write(message(1, "old"), &mut driver);
    driver.now = 10_000.0;
    link.write(message(2, "recent"), &mut driver);
    driver.now = 10_500.0;
    link.closed(dropped(), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert_eq!(
        deliveries(&driver, 2),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
    assert!(
        link.ledger().outbox().is_empty(),
        "an uncertain message is not resent by itself"
    );
}

#[test]
fn bytes_the_browser_still_held_are_requeued_and_sent_once_on_the_next_socket() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "a"), &mut driver);
    link.write(message(2, "b"), &mut driver);
    link.write(message(3, "c"), &mut driver);
    // Frames 2 and 3 never left: 2 x 24 bytes of {"name":"ann","msg":"x"}.
    driver.buffered = 48;
    link.closed(dropped(), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
    assert_eq!(
        deliveries(&driver, 2),
        vec![Delivery::Sent, Delivery::Pending]
    );
    assert_eq!(
        deliveries(&driver, 3),
        vec![Delivery::Sent, Delivery::Pending]
    );
    assert_eq!(link.ledger().outbox().len(), 2);
    driver.buffered = 0;
    driver.sent.clear();
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![r#"{"name":"ann","msg":"b"}"#, r#"{"name":"ann","msg":"c"}"#]
    );
}

#[test]
fn an_uncertain_message_can_be_resent_once_or_discarded() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "maybe"), &mut driver);
    link.write(message(2, "drop me"), &mut driver);
    link.closed(dropped(), &mut driver);
    link.resend(EntryId(1), &mut driver);
    link.resend(EntryId(1), &mut driver);
    assert_eq!(
        link.ledger().outbox().len(),
        1,
        "a second resend does nothing"
    );
    link.discard(EntryId(2), &mut driver);
    link.resend(EntryId(2), &mut driver);
    driver.sent.clear();
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    assert_eq!(driver.sent_texts(), vec![r#"{"name":"ann","msg":"maybe"}"#]);
    assert_eq!(
        deliveries(&driver, 1),
        vec![
            Delivery::Sent,
            Delivery::Uncertain,
            Delivery::Pending,
            Delivery::Sent
        ]
    );
}

#[test]
fn a_close_the_user_asked_for_marks_only_still_buffered_messages_uncertain() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "out"), &mut driver);
    link.write(message(2, "held"), &mut driver);
    driver.buffered = 24;
    link.disconnect(&mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert_eq!(
        deliveries(&driver, 2),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
    assert!(
        link.ledger().outbox().is_empty(),
        "the browser may still send it: no requeue"
    );
    assert_eq!(driver.saved_uncertain, 1, "the uncertain message is saved");
}

#[test]
fn reconnecting_an_open_link_says_disconnected_first() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.connect(&mut driver);
    link.opened(&mut driver);
    assert_eq!(
        driver.system_lines(),
        vec!["connected", "disconnected (reconnecting)", "connected"]
    );
}

#[test]
fn discarding_a_message_that_already_went_out_changes_nothing() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "gone"), &mut driver);
    let events = driver.chat.len();
    link.discard(EntryId(1), &mut driver);
    assert_eq!(driver.chat.len(), events, "no Discard for a sent message");
}

#[test]
fn an_old_message_still_in_the_buffer_is_requeued_not_forgotten() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    driver.now = 0.0;
    link.write(message(1, "stuck"), &mut driver);
    // The link stalls: the bytes never leave, and time passes. Each frame,
    // {"name":"ann","msg":"stuck"}, is 28 bytes.
    driver.buffered = 28;
    driver.now = 60_000.0;
    link.write(message(2, "later"), &mut driver);
    driver.buffered = 56;
    driver.now = 120_000.0;
    link.closed(dropped(), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Pending]
    );
    assert_eq!(
        deliveries(&driver, 2),
        vec![Delivery::Sent, Delivery::Pending]
    );
    assert_eq!(link.ledger().outbox().len(), 2);
}

#[test]
fn protocol_frames_in_the_buffer_are_not_taken_for_chat_messages() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(Frame::Text(r#"40{"sid":"y"}"#.to_owned()), &mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.received(Frame::Text("2".to_owned()), &mut driver);
    // Only the pong "3" is still buffered.
    driver.buffered = 1;
    driver.now = 10_000.0;
    link.closed(dropped(), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert!(
        link.ledger().outbox().is_empty(),
        "the chat frame left: no requeue, no duplicate"
    );
}

#[test]
fn a_frame_that_partly_left_is_uncertain_whatever_its_age() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    driver.now = 0.0;
    link.write(message(1, "half"), &mut driver);
    driver.buffered = 10;
    driver.now = 60_000.0;
    link.closed(dropped(), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
    assert!(link.ledger().outbox().is_empty());
}

#[test]
fn adopted_messages_go_out_before_newer_ones_and_uncertain_ones_wait() {
    let mut driver = Recorder::default();
    let mut link = link();
    link.connect(&mut driver);
    link.write(message(9, "written since"), &mut driver);
    link.restore(vec![message(1, "saved")], vec![], &mut driver);
    assert_eq!(driver.saved.last(), Some(&2));
    link.claimed(Owner::ThisTab, &mut driver);
    link.opened(&mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![
            r#"{"name":"ann","msg":"saved"}"#,
            r#"{"name":"ann","msg":"written since"}"#
        ]
    );
}

#[test]
fn restored_messages_go_out_once_claimed_while_open() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.restore(vec![message(1, "saved")], vec![], &mut driver);
    assert!(driver.sent.is_empty(), "held until the claim ends");
    link.claimed(Owner::ThisTab, &mut driver);
    assert_eq!(driver.sent_texts(), vec![r#"{"name":"ann","msg":"saved"}"#]);
}

#[test]
fn restored_uncertain_messages_can_still_be_resent() {
    let mut driver = Recorder::default();
    let mut link = link();
    link.restore(
        vec![],
        vec![message(4, "from before the reload")],
        &mut driver,
    );
    link.claimed(Owner::ThisTab, &mut driver);
    assert_eq!(driver.saved_uncertain, 1);
    link.connect(&mut driver);
    link.opened(&mut driver);
    assert!(driver.sent.is_empty(), "never resent by itself");
    link.resend(EntryId(4), &mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![r#"{"name":"ann","msg":"from before the reload"}"#]
    );
}

#[test]
fn disconnect_can_be_pressed_while_waiting_to_retry_and_stops_the_retries() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.closed(dropped(), &mut driver);
    assert!(driver.status.can_stop);
    link.disconnect(&mut driver);
    assert!(!driver.status.can_stop);
    assert_eq!(driver.retry, None);
    link.retry_due(&mut driver);
    assert_eq!(driver.opened.len(), 1);
}

#[test]
fn a_close_the_user_asked_for_leaves_nothing_uncertain() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.disconnect(&mut driver);
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
}

#[test]
fn a_silent_socket_io_server_is_dropped_and_replaced() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::SocketIo, "ws://h:3000/");
    link.connect(&mut driver);
    link.opened(&mut driver);
    assert_eq!(driver.watchdog, Some(Duration::from_secs(45)));
    link.received(
        Frame::Text(r#"0{"sid":"x","pingInterval":1000,"pingTimeout":1000}"#.to_owned()),
        &mut driver,
    );
    assert_eq!(driver.sent_texts(), vec!["40"]);
    assert_eq!(driver.watchdog, Some(Duration::from_secs(2)));
    link.received(Frame::Text(r#"40{"sid":"y"}"#.to_owned()), &mut driver);
    driver.now = 1_500.0;
    link.watchdog_due(&mut driver);
    assert_eq!(
        driver.watchdog,
        Some(Duration::from_millis(500)),
        "re-armed for the rest"
    );
    assert!(matches!(link.phase(), Phase::Open { ready: true }));
    driver.now = 2_100.0;
    link.watchdog_due(&mut driver);
    assert_eq!(link.phase(), &Phase::Waiting);
    assert_eq!(
        driver.system_lines().last(),
        Some(&"disconnected (the server was silent for 2 s)")
    );
    assert_eq!(driver.retry, Some(Duration::from_millis(500)));
}

#[test]
fn a_waking_tab_checks_the_silence_deadline_at_once() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    driver.now = 60_000.0;
    link.nudge(&mut driver);
    assert_eq!(link.phase(), &Phase::Waiting);
}

#[test]
fn pings_keep_a_socket_io_link_alive_and_are_answered() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    for second in 1..=10 {
        driver.now = f64::from(second) * 1000.0;
        link.received(Frame::Text("2".to_owned()), &mut driver);
        link.watchdog_due(&mut driver);
    }
    assert!(matches!(link.phase(), Phase::Open { .. }));
    assert_eq!(
        driver.sent_texts().iter().filter(|f| **f == "3").count(),
        10
    );
}

#[test]
fn a_socket_io_disconnect_packet_is_never_followed_by_a_reconnect() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::SocketIo, "ws://h:3000/");
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(Frame::Text("41".to_owned()), &mut driver);
    assert_eq!(link.phase(), &Phase::Stopped(Stop::ByServer));
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.nudge(&mut driver);
    assert_eq!(driver.opened.len(), 1);
    assert_eq!(driver.retry, None);
    assert_eq!(
        driver.system_lines().last(),
        Some(&"disconnected (the server disconnected this client)")
    );
}

#[test]
fn a_socket_io_disconnect_packet_settles_messages_in_flight_as_an_unasked_close_does() {
    // Bug guarded: a `41` used to leave recent messages "sent" and lose
    // the ones whose bytes never left the browser.
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    driver.now = 0.0;
    link.write(message(1, "old"), &mut driver);
    driver.now = 10_000.0;
    link.write(message(2, "recent"), &mut driver);
    link.write(message(3, "held"), &mut driver);
    let Frame::Text(held) = Codec::new(&Protocol::SocketIo.into()).encode("ann", "held") else {
        panic!("Socket.IO frames are text");
    };
    driver.buffered = held.len() as u32;
    driver.now = 10_500.0;
    link.received(Frame::Text("41".to_owned()), &mut driver);
    assert_eq!(link.phase(), &Phase::Stopped(Stop::ByServer));
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert_eq!(
        deliveries(&driver, 2),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
    assert_eq!(
        deliveries(&driver, 3),
        vec![Delivery::Sent, Delivery::Pending]
    );
    assert_eq!(
        driver.retry, None,
        "a 41 is still never followed by a reconnect"
    );

    // The held message goes out once when the user reconnects.
    driver.buffered = 0;
    driver.sent.clear();
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(Frame::Text(r#"0{"sid":"y"}"#.to_owned()), &mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    assert_eq!(driver.sent_texts(), vec!["40", held.as_str()]);
}

#[test]
fn json_and_text_send_nothing_the_user_did_not_write() {
    for protocol in [Protocol::Json, Protocol::Text] {
        let mut driver = Recorder::default();
        let mut link = link_with(protocol, "/ws");
        link.connect(&mut driver);
        link.opened(&mut driver);
        for second in 1..=100 {
            driver.now = f64::from(second) * 1000.0;
            link.received(Frame::Text("hello".to_owned()), &mut driver);
            link.watchdog_due(&mut driver);
            link.nudge(&mut driver);
        }
        assert!(driver.sent.is_empty(), "{protocol}");
        assert_eq!(driver.watchdog, None, "{protocol}");
    }
}

#[test]
fn a_message_sent_just_before_a_reload_is_saved_to_come_back_uncertain() {
    // Bug guarded: only the outbox was saved, so a message handed to the
    // socket (shown as sent) and then an immediate reload vanished.
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "queued first"), &mut driver);
    assert_eq!(
        driver.last_saved,
        vec![("queued first".to_owned(), true)],
        "saved as it is handed over, even if the page never says it hides"
    );
    driver.now = 300.0;
    link.page_hide(&mut driver);
    assert_eq!(driver.last_saved, vec![("queued first".to_owned(), true)]);
}

#[test]
fn a_page_that_hides_long_after_a_send_saves_only_what_may_not_have_arrived() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "long gone"), &mut driver);
    link.write(message(2, "stuck"), &mut driver);
    // {"name":"ann","msg":"stuck"} is 28 bytes, still in the browser's
    // buffer a minute later; the first frame left.
    driver.buffered = 28;
    driver.now = 60_000.0;
    link.page_hide(&mut driver);
    assert_eq!(driver.last_saved, vec![("stuck".to_owned(), true)]);
    driver.buffered = 0;
    link.page_hide(&mut driver);
    assert!(driver.last_saved.is_empty(), "{:?}", driver.last_saved);
}

#[test]
fn a_delivered_message_leaves_the_saved_form_once_its_window_has_passed() {
    // Bug guarded: what was handed over stayed in the saved form until the
    // page hid, so a crash or a restored session long after brought
    // delivered messages back as uncertain.
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "delivered"), &mut driver);
    link.write(message(2, "stuck"), &mut driver);
    assert_eq!(
        driver.settle,
        Some(SETTLE_AFTER),
        "the link asks to look again"
    );
    driver.buffered = 28;
    driver.now = 1_500.0;
    link.apply(Input::SettleDue, &mut driver);
    assert_eq!(driver.last_saved, vec![("stuck".to_owned(), true)]);
    assert_eq!(
        driver.settle,
        Some(SETTLE_AFTER),
        "stuck is still in flight"
    );
    driver.buffered = 0;
    driver.now = 3_000.0;
    link.apply(Input::SettleDue, &mut driver);
    assert!(driver.last_saved.is_empty(), "{:?}", driver.last_saved);
    assert_eq!(driver.settle, None, "nothing is left to look at");
}

#[test]
fn the_saved_form_keeps_uncertain_then_in_flight_then_queued_messages() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "maybe"), &mut driver);
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.write(message(2, "waiting"), &mut driver);
    link.opened(&mut driver);
    link.write(message(3, "after"), &mut driver);
    driver.fail_sends = true;
    link.write(message(4, "refused"), &mut driver);
    assert_eq!(
        driver.last_saved,
        vec![
            ("maybe".to_owned(), true),
            ("waiting".to_owned(), true),
            ("after".to_owned(), true),
            ("refused".to_owned(), false),
        ]
    );
}

#[test]
fn a_silence_timeout_marks_what_the_browser_still_held_uncertain_not_requeued() {
    // Bug guarded: the watchdog requeued the bytes still buffered in a
    // socket that it then closes with close(), which sends them first: the
    // next socket sent them again.
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    driver.now = 1_500.0;
    link.write(message(1, "held"), &mut driver);
    let Frame::Text(held) = Codec::new(&Protocol::SocketIo.into()).encode("ann", "held") else {
        panic!("Socket.IO frames are text");
    };
    driver.buffered = held.len() as u32;
    driver.now = 2_100.0;
    link.watchdog_due(&mut driver);
    assert_eq!(link.phase(), &Phase::Waiting);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
    assert!(
        link.ledger().outbox().is_empty(),
        "never sent again by itself"
    );
    driver.buffered = 0;
    driver.sent.clear();
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    link.received(Frame::Text(r#"0{"sid":"y"}"#.to_owned()), &mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    assert_eq!(driver.sent_texts(), vec!["40"]);
}

#[test]
fn a_silence_timeout_marks_everything_sent_since_the_server_was_last_heard_uncertain() {
    // The server said nothing for its whole heartbeat limit: it may have
    // died just after it was last heard, and what was sent since is lost.
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    driver.now = 100.0;
    link.write(message(1, "into the silence"), &mut driver);
    driver.now = 2_100.0;
    link.watchdog_due(&mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
}

#[test]
fn only_pings_keep_a_socket_io_link_alive() {
    // Bug guarded: any frame reset the silence watchdog, where Engine.IO 4
    // says only the server's ping does. A server whose heartbeat stopped
    // kept the link "open" for as long as events came.
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    for tick in 1..=5 {
        driver.now = f64::from(tick) * 500.0;
        link.received(
            Frame::Text(r#"42["message","still chatting"]"#.to_owned()),
            &mut driver,
        );
        link.watchdog_due(&mut driver);
    }
    assert_eq!(link.phase(), &Phase::Waiting);
    assert_eq!(
        driver.system_lines().last(),
        Some(&"disconnected (the server was silent for 2 s)")
    );
}

#[test]
fn leaving_a_socket_io_session_on_purpose_says_41_before_closing() {
    // Bug guarded: no 41 was sent when the user disconnected, so the
    // server saw a transport error rather than a client that left.
    for leave in [Input::Disconnect, Input::Connect] {
        let mut driver = Recorder::default();
        let mut link = socket_io_link(&mut driver);
        link.received(Frame::Text("40".to_owned()), &mut driver);
        link.apply(leave.clone(), &mut driver);
        assert_eq!(driver.sent_texts(), vec!["40", "41"], "{leave:?}");
        assert_eq!(
            driver.sent_at_close.last(),
            Some(&2),
            "{leave:?}: 41 goes before the close"
        );
    }
}

#[test]
fn no_41_is_sent_before_the_namespace_is_joined_or_in_json_and_text() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.disconnect(&mut driver);
    assert_eq!(driver.sent_texts(), vec!["40"]);
    for protocol in [Protocol::Json, Protocol::Text] {
        let mut driver = Recorder::default();
        let mut link = link_with(protocol, "/ws");
        link.connect(&mut driver);
        link.opened(&mut driver);
        link.disconnect(&mut driver);
        assert!(driver.sent.is_empty(), "{protocol}");
    }
}

#[test]
fn the_41_counts_in_the_browsers_buffer_like_any_frame() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    link.write(message(1, "long gone"), &mut driver);
    // Only the 41 is still held: the message left a minute ago.
    driver.buffered = 2;
    driver.now = 60_000.0;
    link.disconnect(&mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
}

/// A Socket.IO link in a ready session whose server takes frames of at
/// most `max_payload` bytes.
fn socket_io_link_with_max_payload(driver: &mut Recorder, max_payload: usize) -> Link {
    let mut link = link_with(Protocol::SocketIo, "ws://h:3000/");
    link.connect(driver);
    link.opened(driver);
    let open = format!(
        r#"0{{"sid":"x","pingInterval":1000,"pingTimeout":1000,"maxPayload":{max_payload}}}"#
    );
    link.received(Frame::Text(open), driver);
    link.received(Frame::Text("40".to_owned()), driver);
    link
}

#[test]
fn a_message_over_the_servers_max_payload_is_refused_with_the_reason_and_never_sent() {
    // Bug guarded: the open packet's maxPayload was ignored, so a message
    // over it was sent, and the server killed the connection on it; it
    // was requeued or resent, and killed the next connection too.
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::SocketIo, "ws://h:3000/");
    link.connect(&mut driver);
    // 42["message","xxxx…"] is 16 bytes more than the text.
    link.write(message(1, &"x".repeat(20)), &mut driver);
    link.write(message(2, "short"), &mut driver);
    link.opened(&mut driver);
    let open = r#"0{"sid":"x","pingInterval":1000,"pingTimeout":1000,"maxPayload":30}"#;
    link.received(Frame::Text(open.to_owned()), &mut driver);
    link.received(Frame::Text("40".to_owned()), &mut driver);
    assert_eq!(driver.sent_texts(), vec!["40", r#"42["message","short"]"#]);
    assert!(driver.chat.contains(&ChatEvent::Discard(EntryId(1))));
    assert_eq!(
        driver.system_lines().last(),
        Some(
            &"not sent: \"xxxxxxxxxxxxxxxxxxxx\" is 36 bytes as a frame, and the server takes at most 30"
        )
    );
    assert_eq!(link.ledger().standing(EntryId(1)), None);
    assert_eq!(driver.last_saved, vec![("short".to_owned(), true)]);
}

#[test]
fn a_message_that_fits_the_max_payload_exactly_goes_out() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link_with_max_payload(&mut driver, 36);
    link.write(message(1, &"x".repeat(20)), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
}

#[test]
fn a_discard_or_a_new_message_while_the_claim_is_pending_keeps_the_restored_queue() {
    // Bug guarded: until the tab claim ended, the restored messages were
    // not in the ledger, so Discard did nothing, and a message written
    // then was saved alone, overwriting the restored queue in storage.
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.restore(
        vec![message(1, "restored one"), message(2, "restored two")],
        vec![message(3, "restored uncertain")],
        &mut driver,
    );
    link.discard(EntryId(2), &mut driver);
    link.discard(EntryId(3), &mut driver);
    assert!(driver.chat.contains(&ChatEvent::Discard(EntryId(2))));
    assert!(driver.chat.contains(&ChatEvent::Discard(EntryId(3))));
    link.write(message(4, "new"), &mut driver);
    assert_eq!(
        driver.last_saved,
        vec![
            ("restored one".to_owned(), false),
            ("new".to_owned(), false)
        ]
    );
    assert!(driver.sent.is_empty(), "nothing goes out before the claim");
    link.claimed(Owner::ThisTab, &mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![
            r#"{"name":"ann","msg":"restored one"}"#,
            r#"{"name":"ann","msg":"new"}"#
        ]
    );
}

#[test]
fn a_copied_tab_drops_the_restored_messages_and_sends_its_own() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.restore(
        vec![message(1, "the original's")],
        vec![message(2, "the original's, uncertain")],
        &mut driver,
    );
    link.resend(EntryId(2), &mut driver);
    link.write(message(3, "the copy's own"), &mut driver);
    link.claimed(Owner::AnotherTab, &mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![r#"{"name":"ann","msg":"the copy's own"}"#]
    );
    assert!(driver.chat.contains(&ChatEvent::Discard(EntryId(1))));
    assert!(driver.chat.contains(&ChatEvent::Discard(EntryId(2))));
    assert!(driver
        .system_lines()
        .iter()
        .any(|line| line.starts_with("this tab was copied")));
    assert_eq!(driver.last_saved, vec![("the copy's own".to_owned(), true)]);
}

#[test]
fn a_copied_tab_whose_restored_messages_were_discarded_says_nothing() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.restore(vec![message(1, "gone")], vec![], &mut driver);
    link.discard(EntryId(1), &mut driver);
    link.claimed(Owner::AnotherTab, &mut driver);
    assert_eq!(
        driver
            .chat
            .iter()
            .filter(|event| **event == ChatEvent::Discard(EntryId(1)))
            .count(),
        1
    );
    assert!(driver
        .system_lines()
        .iter()
        .all(|line| !line.contains("copied")));
}

#[test]
fn a_refused_save_is_said_once_and_the_messages_stay_in_memory() {
    // Bug guarded: write failures were ignored, so the page said nothing,
    // and an older saved form stayed behind to be sent after a reload.
    let mut driver = Recorder {
        fail_saves: true,
        ..Recorder::default()
    };
    let mut link = link();
    link.connect(&mut driver);
    link.write(message(1, "one"), &mut driver);
    link.write(message(2, "two"), &mut driver);
    let refused: Vec<&str> = driver
        .system_lines()
        .into_iter()
        .filter(|line| line.starts_with("this browser cannot store unsent messages"))
        .collect();
    assert_eq!(
        refused,
        vec!["this browser cannot store unsent messages (quota exceeded); they stay in this page, and a reload would lose them"]
    );
    assert_eq!(link.ledger().outbox().len(), 2);
    link.opened(&mut driver);
    assert_eq!(driver.sent.len(), 2, "sent from memory");
}

#[test]
fn a_refused_save_is_said_again_after_storing_worked_in_between() {
    let mut driver = Recorder {
        fail_saves: true,
        ..Recorder::default()
    };
    let mut link = link();
    link.connect(&mut driver);
    link.write(message(1, "one"), &mut driver);
    driver.fail_saves = false;
    link.write(message(2, "two"), &mut driver);
    driver.fail_saves = true;
    link.write(message(3, "three"), &mut driver);
    let refused = driver
        .system_lines()
        .iter()
        .filter(|line| line.starts_with("this browser cannot store"))
        .count();
    assert_eq!(refused, 2);
}

#[test]
fn hiding_the_page_writes_storage_only_when_it_forgets_a_delivered_message() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    let saves = driver.saved.len();
    link.page_hide(&mut driver);
    assert_eq!(
        driver.saved.len(),
        saves,
        "nothing changed, nothing written"
    );
    link.write(message(1, "old"), &mut driver);
    driver.now = 5_000.0;
    link.page_hide(&mut driver);
    assert!(driver.last_saved.is_empty(), "{:?}", driver.last_saved);
}

mod brokers;
mod pairing;
mod servers;
mod tokens;
