//! Precedence, checks and endpoints.

use super::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn page() -> PageOrigin {
    PageOrigin {
        secure: false,
        host: "127.0.0.1:8080".to_owned(),
    }
}

/// Loads from a query, saved settings, a saved name and page defaults.
fn load_from(
    query: &[(&str, &str)],
    saved: Option<&str>,
    name: Option<&str>,
    page: &[(&str, &str)],
) -> Loaded {
    load::<serde_json::Value>(Sources {
        query: &pairs(query),
        saved_settings: saved,
        saved_name: name,
        page: &pairs(page),
        token: None,
    })
}

fn shown(loaded: &Loaded) -> Vec<String> {
    loaded.problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn defaults_apply_when_nothing_is_said() {
    let loaded = load::<serde_json::Value>(Sources::default());
    assert_eq!(loaded.config, Config::default());
    assert_eq!(loaded.config.server, "/ws");
    assert_eq!(loaded.config.wire, Wire::from(Protocol::Json));
    assert_eq!(loaded.config.echo, Echo::Fold);
    assert!(loaded.problems.is_empty());
}

#[test]
fn query_wins_over_saved_settings_which_win_over_page_defaults() {
    let saved = r#"{"server":"ws://saved:1/","event":"saved-event"}"#;
    let page_defaults = [
        ("server", "ws://page:3/"),
        ("event", "page-event"),
        ("protocol", "socketio"),
        ("join", "add user"),
        ("name", "P"),
    ];
    let loaded = load_from(
        &[("server", "ws://query:2/"), ("name", "Q")],
        Some(saved),
        Some("S"),
        &page_defaults,
    );
    assert_eq!(loaded.config.server, "ws://query:2/");
    assert_eq!(loaded.config.wire.event, "saved-event");
    assert_eq!(
        loaded.config.wire.protocol,
        Protocol::SocketIo,
        "from the page"
    );
    assert_eq!(loaded.config.wire.join.as_deref(), Some("add user"));
    assert_eq!(loaded.config.name, "Q");
    assert_eq!(
        load_from(&[], None, Some("S"), &page_defaults).config.name,
        "S"
    );
    assert_eq!(load_from(&[], None, None, &page_defaults).config.name, "P");
    assert_eq!(
        load_from(&[], Some(saved), None, &page_defaults)
            .config
            .server,
        "ws://saved:1/"
    );
    assert_eq!(
        load_from(&[], None, None, &page_defaults).config.server,
        "ws://page:3/"
    );
    assert!(loaded.problems.is_empty());
}

#[test]
fn an_empty_value_means_the_default_and_hides_weaker_sources() {
    let saved = r#"{"join":"{name}","pattern":"{name}: {text}"}"#;
    let loaded = load_from(
        &[("protocol", "text"), ("join", ""), ("pattern", " ")],
        Some(saved),
        None,
        &[("template", "/say {text}")],
    );
    assert_eq!(loaded.config.wire.join, None);
    assert_eq!(loaded.config.wire.pattern, None);
    assert_eq!(loaded.config.wire.template.as_deref(), Some("/say {text}"));
    assert!(loaded.problems.is_empty());
}

#[test]
fn a_malformed_value_names_the_parameter_and_its_source_and_falls_back_to_the_default() {
    let saved = r#"{"server":"ws://saved:1/","echo":"twice"}"#;
    let loaded = load_from(
        &[("server", "ftp://x"), ("protocol", "xml")],
        Some(saved),
        None,
        &[("pattern", "{name}{text}")],
    );
    assert_eq!(loaded.config.server, DEFAULT_SERVER);
    assert_eq!(loaded.config.wire.protocol, Protocol::Json);
    assert_eq!(loaded.config.echo, Echo::Fold);
    assert_eq!(
        shown(&loaded),
        vec![
            "query parameter 'server': 'ftp://x' is not a ws://, wss://, http:// or https:// URL, nor a path such as /ws; using the default",
            "query parameter 'protocol': 'xml' is not a protocol this client knows; choose json, text, socketio, stomp, mqtt or nats; using the default",
            "page default 'pattern': '{name}{text}' needs {name} and {text} once each, with something between them; using the default",
            "saved setting 'echo': 'twice' is neither fold nor show; using the default",
        ]
    );
}

#[test]
fn a_template_that_is_not_json_once_filled_is_refused_in_json_and_socketio_modes() {
    for protocol in ["json", "socketio"] {
        let loaded = load_from(
            &[("protocol", protocol), ("template", r#"{"data":{text}}"#)],
            None,
            None,
            &[],
        );
        assert_eq!(loaded.config.wire.template, None, "{protocol}");
        assert_eq!(
            shown(&loaded),
            vec![
                r#"query parameter 'template': '{"data":{text}}' is not JSON once filled in; put {name} and {text} inside strings; using the default"#
            ],
        );
    }
    let text = load_from(
        &[("protocol", "text"), ("template", r#"{"data":{text}}"#)],
        None,
        None,
        &[],
    );
    assert_eq!(
        text.config.wire.template.as_deref(),
        Some(r#"{"data":{text}}"#),
        "text mode sends what it is given"
    );
}

#[test]
fn templates_are_checked_for_their_protocol() {
    use Protocol::*;
    for (template, protocol, ok) in [
        (r#"{"data":"{text}"}"#, Json, true),
        (
            r#"{"type":"message","user":"{name}","body":"{text}"}"#,
            Json,
            true,
        ),
        (r#""{text}""#, SocketIo, true),
        (r#"["{name}","{text}"]"#, SocketIo, true),
        (r#"{"data":"\\{text}"}"#, Json, true),
        (r#"{"data":"\{text}"}"#, Json, false),
        (r#"{"n":{text}}"#, Json, false),
        (r#"[{text}]"#, SocketIo, false),
        (r#"{"data":"{text}""#, Json, false),
        (r#"{text}"#, Json, false),
        (r#"{text}"#, Text, true),
    ] {
        assert_eq!(
            check_template::<serde_json::Value>(template, protocol).is_ok(),
            ok,
            "{template} in {protocol}"
        );
    }
    assert_eq!(
        check_template::<serde_json::Value>(r#"{"type":"ping"}"#, Json),
        Err(ConfigError::NoText(r#"{"type":"ping"}"#.to_owned()))
    );
    assert!(check_template::<serde_json::Value>("{name} says", Text).is_err());
}

#[test]
fn join_is_checked_for_its_protocol() {
    assert_eq!(
        check_join::<serde_json::Value>("{name}", Protocol::Text),
        Ok("{name}".to_owned())
    );
    assert!(
        check_join::<serde_json::Value>("{name}", Protocol::Json).is_err(),
        "not JSON"
    );
    assert!(check_join::<serde_json::Value>(r#"{"join":"{name}"}"#, Protocol::Json).is_ok());
    assert_eq!(
        check_join::<serde_json::Value>("add user", Protocol::SocketIo),
        Ok("add user".to_owned())
    );
    assert!(check_join::<serde_json::Value>("disconnect", Protocol::SocketIo).is_err());
}

#[test]
fn echo_is_fold_or_show() {
    assert_eq!("fold".parse::<Echo>(), Ok(Echo::Fold));
    assert_eq!(" show ".parse::<Echo>(), Ok(Echo::Show));
    assert!("Show".parse::<Echo>().is_err());
    let loaded = load_from(&[("echo", "show")], None, None, &[]);
    assert_eq!(loaded.config.echo, Echo::Show);
}

#[test]
fn unreadable_saved_settings_are_discarded_with_a_problem() {
    let loaded = load_from(&[], Some("{not json"), None, &[("protocol", "text")]);
    assert_eq!(
        loaded.config.wire.protocol,
        Protocol::Text,
        "page defaults still apply"
    );
    assert_eq!(loaded.saved, Parameters::default());
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(loaded.problems[0].parameter, "settings");
}

#[test]
fn the_last_repeated_value_wins() {
    let loaded = load_from(
        &[("name", "a"), ("name", "b")],
        None,
        None,
        &[("server", "/a"), ("server", "/b")],
    );
    assert_eq!(loaded.config.name, "b");
    assert_eq!(loaded.config.server, "/b");
}

#[test]
fn the_page_origin_is_what_a_server_sees() {
    assert_eq!(page().origin(), "http://127.0.0.1:8080");
    let secure = PageOrigin {
        secure: true,
        host: "chat.example".to_owned(),
    };
    assert_eq!(secure.origin(), "https://chat.example");
}

#[test]
fn servers_are_checked() {
    for good in [
        "/ws",
        "ws://h:1/ws",
        "WSS://h",
        "http://h/x",
        "https://h?x=1",
        "//h/ws",
    ] {
        assert!(check_server(good).is_ok(), "{good}");
    }
    assert_eq!(check_server("  "), Err(ConfigError::EmptyServer));
    assert_eq!(
        check_server("ws://"),
        Err(ConfigError::NoHost("ws://".into()))
    );
    assert_eq!(
        check_server("ws://:80/"),
        Err(ConfigError::NoHost("ws://:80/".into()))
    );
    assert!(matches!(
        check_server("ws://a\u{1}b"),
        Err(ConfigError::BadCharacters(_))
    ));
    // Several endpoints are separated by spaces, and each must be one.
    assert!(matches!(
        check_server("ws://a b"),
        Err(ConfigError::BadServer(_))
    ));
    assert!(matches!(
        check_server("example.com"),
        Err(ConfigError::BadServer(_))
    ));
    assert!(matches!(
        check_server("javascript:alert(1)"),
        Err(ConfigError::BadServer(_))
    ));
}

#[test]
fn a_path_resolves_on_the_page_origin_with_the_page_scheme() {
    assert_eq!(
        resolve_endpoint("/ws", "", &page()),
        Ok("ws://127.0.0.1:8080/ws".to_owned())
    );
    let secure = PageOrigin {
        secure: true,
        host: "chat.example".to_owned(),
    };
    assert_eq!(
        resolve_endpoint("/ws", "", &secure),
        Ok("wss://chat.example/ws".to_owned())
    );
    assert_eq!(
        resolve_endpoint("//other:9/ws", "", &secure),
        Ok("wss://other:9/ws".to_owned())
    );
}

#[test]
fn http_urls_map_to_websocket_urls() {
    assert_eq!(
        resolve_endpoint("http://h:3000/", "", &page()),
        Ok("ws://h:3000/".to_owned())
    );
    assert_eq!(
        resolve_endpoint("HTTPS://h/", "", &page()),
        Ok("wss://h/".to_owned())
    );
    assert_eq!(
        resolve_endpoint("wss://h/x", "", &page()),
        Ok("wss://h/x".to_owned())
    );
}

#[test]
fn the_name_placeholder_is_replaced_url_encoded() {
    assert_eq!(
        resolve_endpoint("ws://h:8000/?username={name}", "Zoë & co/1", &page()),
        Ok("ws://h:8000/?username=Zo%C3%AB%20%26%20co%2F1".to_owned())
    );
    assert_eq!(url_encode("a-b_c.d!e~f*g'h(i)"), "a-b_c.d!e~f*g'h(i)");
}

#[test]
fn every_name_placeholder_is_filled_and_other_braces_are_kept() {
    for (template, filled) in [
        ("/ws?u={name}", "/ws?u=N"),
        ("{name}/{name}", "N/N"),
        ("{{name}}", "{N}"),
        ("{nam{name}", "{namN"),
        ("{nam{name", "{nam{name"),
        ("a{b}{", "a{b}{"),
        ("{}", "{}"),
        ("no-placeholder", "no-placeholder"),
    ] {
        assert_eq!(
            resolve_endpoint(&format!("ws://h/{template}"), "N", &page()),
            Ok(format!("ws://h/{filled}")),
            "{template}"
        );
    }
}

#[test]
fn event_names_are_checked() {
    assert_eq!(
        check_event("client-message"),
        Ok("client-message".to_owned())
    );
    assert_eq!(check_event(""), Err(ConfigError::EmptyEvent));
    assert_eq!(
        check_event("disconnect"),
        Err(ConfigError::ReservedEvent("disconnect".into()))
    );
    assert_eq!(check_event(&"e".repeat(101)), Err(ConfigError::LongEvent));
}

#[test]
fn several_endpoints_are_checked_each_and_kept_in_order() {
    assert_eq!(
        check_server("  ws://a:1/   /ws  http://b:2 "),
        Ok("ws://a:1/ /ws http://b:2".to_owned())
    );
    assert_eq!(
        endpoints("ws://a:1/ /ws").collect::<Vec<_>>(),
        vec!["ws://a:1/", "/ws"]
    );
    let loaded = load_from(&[("server", "ws://a:1/ ws://b:2/")], None, None, &[]);
    assert_eq!(loaded.config.server, "ws://a:1/ ws://b:2/");
    assert!(loaded.problems.is_empty());
}

#[test]
fn subprotocols_are_names_separated_by_commas_and_may_hold_the_token() {
    assert_eq!(
        check_protocols(" chat , bearer.{token} "),
        Ok("chat,bearer.{token}".to_owned())
    );
    for bad in ["", "chat,", "a b", "chat;x", "{name}x,", "\"q\""] {
        assert!(
            matches!(check_protocols(bad), Err(ConfigError::BadProtocols(_))),
            "{bad}"
        );
    }
    let loaded = load_from(&[("protocols", "chat,bearer.{token}")], None, None, &[]);
    assert_eq!(
        loaded.config.wire.protocols,
        vec!["chat".to_owned(), "bearer.{token}".to_owned()]
    );
}

#[test]
fn auth_must_be_a_json_object_once_filled() {
    assert!(check_auth::<serde_json::Value>(r#"{"token":"{token}"}"#).is_ok());
    for bad in [r#"{"token":{token}}"#, r#""{token}""#, "[1]", "token"] {
        assert!(
            matches!(
                check_auth::<serde_json::Value>(bad),
                Err(ConfigError::NotJsonObject(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn the_token_comes_from_its_own_source_and_never_from_parameters() {
    let loaded = load::<serde_json::Value>(Sources {
        query: &pairs(&[("token", "from-query")]),
        token: Some(" secret "),
        ..Sources::default()
    });
    assert_eq!(loaded.config.wire.token.as_deref(), Some("secret"));
    assert!(!loaded.saved.to_json().contains("secret"));
    let empty = load::<serde_json::Value>(Sources {
        token: Some("  "),
        ..Sources::default()
    });
    assert_eq!(empty.config.wire.token, None);
}
