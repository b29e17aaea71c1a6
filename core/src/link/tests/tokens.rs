//! Tokens, subprotocols, Socket.IO's `auth` and failover between several
//! endpoints (issue 15).

use super::*;

const TOKEN: &str = "s3cr\"t/&=?é";

fn wire_with_token(protocol: Protocol, token: &str) -> Wire {
    Wire {
        token: Some(token.to_owned()),
        ..protocol.into()
    }
}

/// Every text the user can read: system lines and the last status.
fn readable(driver: &Recorder) -> Vec<String> {
    let mut texts: Vec<String> = driver
        .system_lines()
        .into_iter()
        .map(str::to_owned)
        .collect();
    texts.push(driver.status.text.clone());
    texts
}

#[test]
fn the_token_fills_the_endpoint_url_encoded_but_never_what_the_user_reads() {
    let mut driver = Recorder::default();
    let wire = wire_with_token(Protocol::Json, TOKEN);
    let mut link = link_wired(&wire, "ws://h:1/?auth={token}", Echo::Fold);
    link.connect(&mut driver);
    assert_eq!(
        driver.opened,
        vec!["ws://h:1/?auth=s3cr%22t%2F%26%3D%3F%C3%A9".to_owned()]
    );
    assert_eq!(driver.status.text, "connecting to ws://h:1/?auth={token}…");
    link.closed(dropped(), &mut driver);
    for text in readable(&driver) {
        assert!(!text.contains("s3cr"), "{text}");
    }
    // Never reached: the line names the token among the likely causes.
    assert!(driver.system_lines()[0].contains("check the address, the token, or"));
}

#[test]
fn subprotocols_are_offered_with_the_token_and_the_chosen_one_shows() {
    let mut driver = Recorder {
        chosen: "chat".to_owned(),
        ..Recorder::default()
    };
    let wire = Wire {
        protocols: vec!["chat".to_owned(), "bearer.{token}".to_owned()],
        ..wire_with_token(Protocol::Json, "abc")
    };
    let mut link = link_wired(&wire, "ws://h:1/", Echo::Fold);
    link.connect(&mut driver);
    assert_eq!(
        driver.offered,
        vec![vec!["chat".to_owned(), "bearer.abc".to_owned()]]
    );
    link.opened(&mut driver);
    assert_eq!(driver.status.text, "connected to ws://h:1/ (chat)");
}

#[test]
fn the_token_fills_templates_escaped_in_json_and_as_it_is_in_text() {
    let json = Codec::new(&Wire {
        template: Some(r#"{"t":"{token}","m":"{text}"}"#.to_owned()),
        join: Some(r#"{"join":"{name}","auth":"{token}"}"#.to_owned()),
        ..wire_with_token(Protocol::Json, "a\"b")
    });
    assert_eq!(
        json.encode("ann", "hi {token}"),
        Frame::Text(r#"{"t":"a\"b","m":"hi {token}"}"#.to_owned())
    );
    assert_eq!(
        json.join("ann"),
        Some(Frame::Text(r#"{"join":"ann","auth":"a\"b"}"#.to_owned()))
    );
    let text = Codec::new(&Wire {
        join: Some("AUTH {token} {name}".to_owned()),
        ..wire_with_token(Protocol::Text, "a\"b")
    });
    assert_eq!(
        text.join("ann"),
        Some(Frame::Text("AUTH a\"b ann".to_owned()))
    );
}

#[test]
fn socket_io_sends_its_auth_payload_with_the_namespace_connect() {
    let mut driver = Recorder::default();
    let wire = Wire {
        auth: Some(r#"{"token":"{token}"}"#.to_owned()),
        ..wire_with_token(Protocol::SocketIo, "t\"k")
    };
    let mut link = link_wired(&wire, "ws://h:3000/", Echo::Fold);
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(
        Frame::Text(r#"0{"sid":"x","pingInterval":1000,"pingTimeout":1000}"#.to_owned()),
        &mut driver,
    );
    assert_eq!(driver.sent_texts(), vec![r#"40{"token":"t\"k"}"#]);
}

#[test]
fn a_socket_io_connect_error_stops_with_one_line_and_no_retry() {
    let mut driver = Recorder::default();
    let mut link = socket_io_link(&mut driver);
    link.received(
        Frame::Text(r#"44{"message":"invalid token"}"#.to_owned()),
        &mut driver,
    );
    assert_eq!(driver.retry, None);
    assert_eq!(
        driver
            .system_lines()
            .iter()
            .filter(|line| line.contains("invalid token"))
            .count(),
        1
    );
    assert!(matches!(link.phase(), Phase::Stopped(Stop::ByServer)));
}

#[test]
fn a_server_reached_with_another_token_that_refuses_this_one_is_not_retried() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &wire_with_token(Protocol::Json, "good"),
        "ws://h:1/?t={token}",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.opened(&mut driver);
    // The user enters another token: the server closes before opening.
    let bad = Codec::new(&wire_with_token(Protocol::Json, "bad"));
    link.reconfigure(
        bad,
        "ws://h:1/?t={token}".to_owned(),
        Echo::Fold,
        &mut driver,
    );
    link.closed(dropped(), &mut driver);
    assert!(matches!(link.phase(), Phase::Stopped(Stop::Refused)));
    assert_eq!(driver.retry, None);
    let refused: Vec<_> = driver
        .system_lines()
        .into_iter()
        .filter(|line| line.contains("refused the token"))
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(driver.status.state, ConnState::Closed);
    // A late retry timer or a nudge does not reopen it.
    let opens = driver.opened.len();
    link.retry_due(&mut driver);
    link.nudge(&mut driver);
    assert_eq!(driver.opened.len(), opens);
    // A new token is tried at once.
    let good = Codec::new(&wire_with_token(Protocol::Json, "good"));
    link.reconfigure(
        good,
        "ws://h:1/?t={token}".to_owned(),
        Echo::Fold,
        &mut driver,
    );
    assert_eq!(driver.opened.len(), opens + 1);
    assert_eq!(
        driver.opened.last().map(String::as_str),
        Some("ws://h:1/?t=good")
    );
}

#[test]
fn a_server_that_was_never_reached_is_retried_with_the_token() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &wire_with_token(Protocol::Json, "t"),
        "ws://h:1/",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.closed(dropped(), &mut driver);
    assert!(driver.retry.is_some());
    assert_eq!(link.phase(), &Phase::Waiting);
}

#[test]
fn after_a_failure_the_next_endpoint_is_tried_and_the_status_names_it() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Json, "ws://a:1/ ws://b:2/");
    link.connect(&mut driver);
    assert_eq!(driver.opened, vec!["ws://a:1/".to_owned()]);
    link.opened(&mut driver);
    link.write(message(1, "one"), &mut driver);
    // a dies; the retry goes to b, and the next failure back to a.
    link.closed(dropped(), &mut driver);
    assert!(driver.retry.is_some());
    link.retry_due(&mut driver);
    assert_eq!(driver.opened.last().map(String::as_str), Some("ws://b:2/"));
    assert_eq!(driver.status.text, "reconnecting to ws://b:2/ (attempt 2)…");
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    assert_eq!(driver.opened.last().map(String::as_str), Some("ws://a:1/"));
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    assert_eq!(driver.status.text, "connected to ws://b:2/");
    // What was queued on a carries over: written while open there, handed
    // over, then uncertain when a died, as on one server.
    assert_eq!(
        deliveries(&driver, 1),
        vec![Delivery::Sent, Delivery::Uncertain]
    );
    link.write(message(2, "two"), &mut driver);
    assert_eq!(
        driver.sent_texts().last(),
        Some(&r#"{"name":"ann","msg":"two"}"#)
    );
}

#[test]
fn messages_queued_while_every_endpoint_fails_go_out_once_on_the_one_that_opens() {
    let mut driver = Recorder::default();
    let mut link = link_with(Protocol::Json, "ws://a:1/ ws://b:2/");
    link.connect(&mut driver);
    link.write(message(1, "held"), &mut driver);
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    assert_eq!(driver.opened.last().map(String::as_str), Some("ws://b:2/"));
    assert_eq!(driver.sent_texts(), vec![r#"{"name":"ann","msg":"held"}"#]);
}

#[test]
fn another_server_that_fails_to_open_is_not_taken_for_a_refused_token() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &wire_with_token(Protocol::Json, "good"),
        "ws://a:1/",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.opened(&mut driver);
    let other = Codec::new(&wire_with_token(Protocol::Json, "other"));
    link.reconfigure(other, "ws://b:2/".to_owned(), Echo::Fold, &mut driver);
    link.closed(dropped(), &mut driver);
    assert_eq!(link.phase(), &Phase::Waiting);
    assert!(driver.retry.is_some());
    assert!(!driver
        .system_lines()
        .iter()
        .any(|line| line.contains("refused the token")));
}

#[test]
fn what_the_browser_or_server_quotes_of_the_token_is_shown_as_the_field() {
    // A server that picks the token-bearing subprotocol.
    let mut driver = Recorder {
        chosen: "bearer.a/b=".to_owned(),
        ..Recorder::default()
    };
    let wire = Wire {
        protocols: vec!["bearer.{token}".to_owned()],
        ..wire_with_token(Protocol::Json, "a/b=")
    };
    let mut link = link_wired(&wire, "ws://h:1/?t={token}", Echo::Fold);
    link.connect(&mut driver);
    link.opened(&mut driver);
    assert_eq!(
        driver.status.text,
        "connected to ws://h:1/?t={token} (bearer.{token})"
    );
    // A browser that refuses the URL, quoting it URL-encoded.
    let mut driver = Recorder {
        fail_open: true,
        ..Recorder::default()
    };
    let mut link = link_wired(&wire, "ws://h:1/?t={token}", Echo::Fold);
    link.connect(&mut driver);
    for text in readable(&driver) {
        assert!(
            !text.contains("a/b=") && !text.contains("a%2Fb%3D"),
            "{text}"
        );
    }
    // A Socket.IO server whose refusal echoes the auth payload.
    let mut driver = Recorder::default();
    let wire = Wire {
        auth: Some(r#"{"token":"{token}"}"#.to_owned()),
        ..wire_with_token(Protocol::SocketIo, "t\"k")
    };
    let mut link = link_wired(&wire, "ws://h:3000/", Echo::Fold);
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.received(
        Frame::Text(r#"44{"message":"bad token t\"k"}"#.to_owned()),
        &mut driver,
    );
    let lines = readable(&driver);
    assert!(
        lines.iter().any(|line| line.contains("bad token {token}")),
        "{lines:?}"
    );
    assert!(lines.iter().all(|line| !line.contains("t\"k")), "{lines:?}");
}

#[test]
fn a_refused_token_is_told_apart_only_on_the_endpoint_it_was_reached_on() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &wire_with_token(Protocol::Json, "good"),
        "ws://a:1/ ws://b:2/",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.closed(dropped(), &mut driver);
    link.retry_due(&mut driver);
    link.opened(&mut driver);
    // Reached on b. Another token: a is tried first, and is down.
    let other = Codec::new(&wire_with_token(Protocol::Json, "new"));
    link.reconfigure(
        other,
        "ws://a:1/ ws://b:2/".to_owned(),
        Echo::Fold,
        &mut driver,
    );
    assert_eq!(driver.opened.last().map(String::as_str), Some("ws://a:1/"));
    link.closed(dropped(), &mut driver);
    assert_eq!(link.phase(), &Phase::Waiting);
    link.retry_due(&mut driver);
    assert_eq!(driver.opened.last().map(String::as_str), Some("ws://b:2/"));
    // b, reached with the old token, refuses the new one.
    link.closed(dropped(), &mut driver);
    assert!(matches!(link.phase(), Phase::Stopped(Stop::Refused)));
}

#[test]
fn a_close_reason_that_quotes_the_token_shows_the_field() {
    let mut driver = Recorder::default();
    let mut link = link_wired(
        &wire_with_token(Protocol::Json, "s3cret"),
        "ws://h:1/",
        Echo::Fold,
    );
    link.connect(&mut driver);
    link.opened(&mut driver);
    link.closed(
        CloseInfo {
            code: 4001,
            reason: "token s3cret expired".to_owned(),
        },
        &mut driver,
    );
    let lines = readable(&driver);
    assert!(
        lines.contains(&"disconnected (token {token} expired, code 4001)".to_owned()),
        "{lines:?}"
    );
}
