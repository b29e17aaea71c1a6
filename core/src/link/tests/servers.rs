//! Golden payloads of real servers' chat demos, read through the codec and
//! the link: what a user of each sees. Payloads as the demos send them:
//! socket.io's `examples/chat`, python-socketio's `examples/server`, the
//! Django Channels tutorial's chat consumer, and tornado's `demos/chat`.

use super::*;

fn text_frame(text: &str) -> Frame {
    Frame::Text(text.to_owned())
}

/// What the conversation shows of each received line: sender and text.
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

/// socket.io's chat demo, paired as its preset says: `join=add user`,
/// `event=new message`; the namespace joined.
fn socket_io_chat_demo(driver: &mut Recorder) -> Link {
    let mut link = link_wired(
        &Wire {
            event: "new message".to_owned(),
            join: Some("add user".to_owned()),
            ..Protocol::SocketIo.into()
        },
        "ws://h:3000/",
        Echo::Fold,
    );
    link.connect(driver);
    link.opened(driver);
    link.received(
        text_frame(r#"0{"sid":"x","pingInterval":25000,"pingTimeout":20000}"#),
        driver,
    );
    link.received(text_frame(r#"40{"sid":"y"}"#), driver);
    link
}

#[test]
fn socket_io_chat_demo_events_read_as_words_and_typing_adds_no_line() {
    let mut driver = Recorder::default();
    let mut link = socket_io_chat_demo(&mut driver);
    for frame in [
        r#"42["login",{"numUsers":1}]"#,
        r#"42["user joined",{"username":"bob","numUsers":2}]"#,
        r#"42["typing",{"username":"bob"}]"#,
        r#"42["stop typing",{"username":"bob"}]"#,
        r#"42["new message",{"username":"bob","message":"hi ann"}]"#,
        r#"42["user left",{"username":"bob","numUsers":1}]"#,
    ] {
        link.received(text_frame(frame), &mut driver);
    }
    assert_eq!(
        received(&driver),
        vec![
            ("server", "login · numUsers: 1"),
            ("bob", "user joined · numUsers: 2"),
            ("bob", "hi ann"),
            ("bob", "user left · numUsers: 1"),
        ]
    );
    assert_eq!(
        driver.typing,
        vec![("bob".to_owned(), true), ("bob".to_owned(), false)]
    );
}

#[test]
fn an_event_in_words_is_never_taken_for_the_users_echo() {
    let mut driver = Recorder::default();
    let mut link = socket_io_chat_demo(&mut driver);
    link.write(message(1, "login · numUsers: 1"), &mut driver);
    link.received(text_frame(r#"42["login",{"numUsers":1}]"#), &mut driver);
    assert_eq!(deliveries(&driver, 1), vec![Delivery::Sent]);
    assert_eq!(received(&driver), vec![("server", "login · numUsers: 1")]);
}

#[test]
fn python_socketio_example_response_shows_its_data_from_the_event() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(text_frame("40"), &mut driver);
    link.received(
        text_frame(r#"42["my_response",{"data":"Connected","count":0}]"#),
        &mut driver,
    );
    assert_eq!(received(&driver), vec![("my_response", "Connected")]);
}

#[test]
fn django_channels_tutorial_echo_folds_into_the_users_message() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &Wire {
            template: Some(r#"{"message":"{text}"}"#.to_owned()),
            ..Protocol::Json.into()
        },
        "ws://h/ws/chat/lobby/",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.write(message(1, "hello from alice"), &mut driver);
    assert_eq!(
        driver.sent_texts(),
        vec![r#"{"message":"hello from alice"}"#]
    );
    // The consumer sends every message to the whole group, the sender too,
    // written by Python's json.dumps (a space after the colon).
    link.received(
        text_frame(r#"{"message": "hello from alice"}"#),
        &mut driver,
    );
    link.received(text_frame(r#"{"message": "hi alice"}"#), &mut driver);
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Delivered]
    );
    assert_eq!(received(&driver), vec![("server", "hi alice")]);
}

#[test]
fn tornado_chat_demo_message_shows_its_body_never_its_html() {
    let mut driver = Recorder::default();
    let mut link = open_link(&mut driver);
    link.received(
        text_frame(
            r#"{"id": "44ee54f1-8c2f-4d4e-9f0b-3c6bb1c1a1e2", "body": "hello from alice", "html": "<div class=\"message\" id=\"m44ee54f1\">hello from alice</div>\n"}"#,
        ),
        &mut driver,
    );
    assert_eq!(received(&driver), vec![("server", "hello from alice")]);
}
