//! `join`, templates, patterns, own echoes and refused connections.

use super::*;
use crate::ledger::Standing;

fn wire(protocol: Protocol) -> Wire {
    protocol.into()
}

fn received(driver: &Recorder) -> Vec<(&str, &str)> {
    driver
        .chat
        .iter()
        .filter_map(|event| match event {
            ChatEvent::Received { sender, text } => Some((sender.as_str(), text.as_str())),
            _ => None,
        })
        .collect()
}

fn text_frame(text: &str) -> Frame {
    Frame::Text(text.to_owned())
}

/// A first-frame-username server's client: text, `join={name}`, pattern
/// `{name}: {text}`.
fn first_frame_link() -> Link {
    link_wired(
        &Wire {
            join: Some("{name}".to_owned()),
            pattern: Some("{name}: {text}".to_owned()),
            ..wire(Protocol::Text)
        },
        "ws://h/",
        Echo::Fold,
    )
}

#[test]
fn join_is_the_first_frame_of_every_socket_and_the_outbox_waits_for_it() {
    let mut driver = Recorder::default();
    let mut link = first_frame_link();
    link.write(message(1, "written before open"), &mut driver);
    link.connect(&mut driver);
    link.opened(&mut driver);
    assert_eq!(driver.sent_texts(), vec!["ann", "written before open"]);

    link.closed(dropped(), &mut driver);
    link.write(message(2, "written while down"), &mut driver);
    link.set_name("anna");
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec!["ann", "written before open", "ann", "written while down"],
        "the name again first on the new socket: the one the message was written under"
    );
}

fn named(id: u64, name: &str, text: &str) -> Queued {
    Queued {
        name: name.to_owned(),
        ..message(id, text)
    }
}

#[test]
fn without_a_name_the_join_waits_for_the_first_message() {
    let mut driver = Recorder::default();
    let mut link = first_frame_link();
    link.set_name("");
    link.connect(&mut driver);
    link.opened(&mut driver);
    assert!(driver.sent.is_empty(), "nobody to join as");
    link.set_name("c");
    link.set_name("carol");
    link.write(named(1, "carol", "hello"), &mut driver);
    assert_eq!(driver.sent_texts(), vec!["carol", "hello"]);
}

#[test]
fn a_message_under_a_new_name_goes_out_on_a_session_joined_under_it() {
    let mut driver = Recorder::default();
    let mut link = first_frame_link();
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(named(1, "ann", "one"), &mut driver);
    link.set_name("anna");
    assert_eq!(driver.opened.len(), 1, "renaming alone changes nothing");
    link.write(named(2, "anna", "two"), &mut driver);
    assert_eq!(driver.opened.len(), 2, "a new session, for the new name");
    assert!(driver
        .system_lines()
        .contains(&"disconnected (to send under another name)"));
    link.opened(&mut driver);
    assert_eq!(driver.sent_texts(), vec!["ann", "one", "anna", "two"]);
}

#[test]
fn a_rejoin_waits_until_the_browser_has_let_go_of_what_went_out() {
    let mut driver = Recorder::default();
    let mut link = first_frame_link();
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(named(1, "ann", "one"), &mut driver);
    driver.buffered = 3;
    link.write(named(2, "anna", "two"), &mut driver);
    assert_eq!(
        driver.opened.len(),
        1,
        "the first message's bytes are still here"
    );
    assert!(driver.settle.is_some(), "and the settle timer looks again");
    driver.now = 2_000.0;
    link.apply(Input::SettleDue, &mut driver);
    assert_eq!(driver.opened.len(), 1, "still held");
    driver.buffered = 0;
    link.apply(Input::SettleDue, &mut driver);
    assert_eq!(
        driver.opened.len(),
        2,
        "let go: a new session, for the new name"
    );
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent],
        "never uncertain"
    );
    link.opened(&mut driver);
    assert_eq!(driver.sent_texts(), vec!["ann", "one", "anna", "two"]);
}

#[test]
fn with_a_name_in_the_url_the_join_says_the_same_name() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &Wire {
            join: Some("{name}".to_owned()),
            ..wire(Protocol::Text)
        },
        "ws://h/?u={name}",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.set_name("anna");
    link.write(named(1, "anna", "hi"), &mut driver);
    link.opened(&mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec!["ann"],
        "the URL's name, not the new one"
    );
    assert_eq!(
        driver.opened,
        vec!["ws://h/?u=ann", "ws://h/?u=anna"],
        "hi goes out on a session that says anna in both"
    );
    link.opened(&mut driver);
    assert_eq!(driver.sent_texts(), vec!["ann", "anna", "hi"]);
}

#[test]
fn a_name_in_the_url_binds_the_session_to_it_too() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Json, "ws://h/?username={name}");
    link.set_name("");
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(named(1, "carol", "hello"), &mut driver);
    assert_eq!(
        driver.opened,
        vec!["ws://h/?username=", "ws://h/?username=carol"]
    );
    link.opened(&mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![r#"{"name":"carol","msg":"hello"}"#]
    );
}

#[test]
fn socket_io_join_is_emitted_once_the_namespace_is_joined_before_the_outbox() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &Wire {
            event: "new message".to_owned(),
            join: Some("add user".to_owned()),
            ..wire(Protocol::SocketIo)
        },
        "ws://h:3000/",
        Echo::Fold,
    );
    link.write(message(1, "hi"), &mut driver);
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(
        text_frame(r#"0{"sid":"x","pingInterval":25000,"pingTimeout":20000}"#),
        &mut driver,
    );
    assert_eq!(
        driver.sent_texts(),
        vec!["40"],
        "nothing before the namespace"
    );
    link.received(text_frame(r#"40{"sid":"y"}"#), &mut driver);
    link.received(text_frame(r#"40{"sid":"y"}"#), &mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec!["40", r#"42["add user","ann"]"#, r#"42["new message","hi"]"#],
        "joined once, even if the server says so twice"
    );
}

#[test]
fn a_template_shapes_every_message() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &Wire {
            template: Some(r#"{"type":"message","user":"{name}","body":"{text}"}"#.to_owned()),
            ..wire(Protocol::Json)
        },
        "/ws",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(message(1, "say \"hi\""), &mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![r#"{"type":"message","user":"ann","body":"say \"hi\""}"#]
    );
}

#[test]
fn an_echo_of_the_users_message_confirms_it_and_shows_no_second_entry() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.write(message(2, "again"), &mut driver);
    driver.now = 50.0;
    for frame in [
        r#"{"name":"bob","msg":"hi"}"#,
        r#"{"name":"ann","msg":"hi"}"#,
        r#"{"name":"ann","msg":"again"}"#,
        r#"{"name":"ann","msg":"again"}"#,
    ] {
        link.received(text_frame(frame), &mut driver);
    }
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Delivered]
    );
    assert_eq!(
        deliveries(&driver, 2),
        vec![Delivery::Sent, Delivery::Delivered]
    );
    assert_eq!(
        received(&driver),
        vec![("bob", "hi"), ("ann", "again")],
        "another's line, and a second echo, are shown"
    );
    assert!(driver.last_saved.is_empty(), "nothing left to come back");
}

#[test]
fn echoes_are_shown_with_echo_show() {
    let mut driver = Recorder::default();
    let mut link = link_wired(&wire(Protocol::Json), "/ws", Echo::Show);
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.received(text_frame(r#"{"name":"ann","msg":"hi"}"#), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert_eq!(received(&driver), vec![("ann", "hi")]);
}

#[test]
fn an_echo_server_without_a_pattern_never_folds() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Text, "/ws");
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.received(text_frame("hi"), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert_eq!(received(&driver), vec![("server", "hi")]);
}

#[test]
fn a_pattern_names_the_sender_and_the_users_own_line_folds() {
    let mut driver = Recorder::default();
    let mut link = first_frame_link();
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(text_frame("ann joined."), &mut driver);
    link.write(message(1, "hi: all"), &mut driver);
    link.received(text_frame("ann: hi: all"), &mut driver);
    link.received(text_frame("bob: hi: all"), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Delivered]
    );
    assert_eq!(
        received(&driver),
        vec![("server", "ann joined."), ("bob", "hi: all")]
    );
}

#[test]
fn a_socket_io_event_named_line_is_an_echo_but_a_payload_naming_another_is_not() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(text_frame(r#"40{"sid":"y"}"#), &mut driver);
    link.write(message(1, "hi"), &mut driver);
    link.received(
        text_frame(r#"42["chat",{"name":"bob","data":"hi"}]"#),
        &mut driver,
    );
    link.received(text_frame(r#"42["chat message","hi"]"#), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Delivered]
    );
    assert_eq!(received(&driver), vec![("bob", "hi")]);
}

#[test]
fn an_echo_after_ten_seconds_is_shown() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.write(message(1, "hi"), &mut driver);
    driver.now = 10_001.0;
    link.received(text_frame(r#"{"name":"ann","msg":"hi"}"#), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert_eq!(received(&driver), vec![("ann", "hi")]);
}

#[test]
fn an_echo_after_a_reconnect_settles_an_uncertain_message_as_delivered() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    driver.now = 1_000.0;
    link.write(message(1, "hi"), &mut driver);
    driver.now = 1_200.0;
    link.closed(dropped(), &mut driver);
    assert_eq!(
        link.ledger().standing(EntryId(1)),
        Some(Standing::Uncertain)
    );
    assert_eq!(driver.saved_uncertain, 1);
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    driver.now = 3_000.0;
    link.received(text_frame(r#"{"name":"ann","msg":"hi"}"#), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Uncertain, Delivery::Delivered]
    );
    assert_eq!(link.ledger().standing(EntryId(1)), None);
    assert_eq!(
        driver.saved_uncertain, 0,
        "no resend offered after a reload"
    );
    assert!(received(&driver).is_empty());
}

#[test]
fn a_server_never_reached_is_explained_once_naming_the_page_origin() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Json, "ws://h:9/ws");
    link.connect(&mut driver);
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(
        driver.system_lines(),
        vec!["could not connect to ws://h:9/ws: the server refused the connection; check the address, or whether the server accepts this page's origin, http://127.0.0.1:8080"]
    );
    // Once reached, a server that goes away is not explained so.
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(
        driver.system_lines().len(),
        3,
        "{:?}",
        driver.system_lines()
    );
    // Reconnecting by hand asks again.
    link.connect(&mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(driver.system_lines().len(), 4);
}
