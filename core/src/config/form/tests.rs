//! The settings panel's values, presets and share URL.

use super::*;
use crate::config::{load, Echo, Sources};

fn typed(values: &[(&'static str, &str)]) -> Parameters {
    Parameters::typed(values.iter().map(|(k, v)| (*k, v.to_string())))
}

fn refused(result: Result<Parameters, Vec<Refused>>) -> Vec<&'static str> {
    match result {
        Ok(_) => Vec::new(),
        Err(refused) => refused
            .into_iter()
            .map(|(parameter, _)| parameter)
            .collect(),
    }
}

#[test]
fn typed_values_are_trimmed_and_empty_ones_unset() {
    assert_eq!(
        typed(&[
            ("server", " ws://h/ "),
            ("event", "  "),
            ("name", "x"),
            ("other", "y")
        ]),
        Parameters {
            server: Some("ws://h/".to_owned()),
            ..Parameters::default()
        }
    );
}

#[test]
fn settings_fields_are_checked_each_with_its_reason() {
    let form = typed(&[
        ("server", "example.com"),
        ("protocol", "xml"),
        ("event", "ok-event"),
        ("template", r#"{"data":{text}}"#),
        ("pattern", "{text}"),
        ("echo", "never"),
    ]);
    let Err(errors) = check_settings::<serde_json::Value>(&form, Protocol::Json) else {
        panic!("invalid settings were accepted");
    };
    let reasons: Vec<String> = errors
        .iter()
        .map(|(parameter, error)| format!("{parameter}: {error}"))
        .collect();
    assert_eq!(
        reasons,
        vec![
            "server: 'example.com' is not a ws://, wss://, http:// or https:// URL, nor a path such as /ws",
            "protocol: 'xml' is not a protocol this client knows; choose json, text, socketio, stomp, mqtt or nats",
            r#"template: '{"data":{text}}' is not JSON once filled in; put {name} and {text} inside strings"#,
            "pattern: '{text}' needs {name} and {text} once each, with something between them",
            "echo: 'never' is neither fold nor show",
        ]
    );
}

#[test]
fn join_and_template_are_checked_for_the_protocol_chosen_or_the_one_in_force() {
    let form = typed(&[("join", "{name}")]);
    assert_eq!(
        refused(check_settings::<serde_json::Value>(&form, Protocol::Text)),
        Vec::<&str>::new()
    );
    assert_eq!(
        refused(check_settings::<serde_json::Value>(&form, Protocol::Json)),
        vec!["join"]
    );
    let text = typed(&[("protocol", "text"), ("join", "{name}")]);
    assert!(check_settings::<serde_json::Value>(&text, Protocol::Json).is_ok());
}

#[test]
fn valid_settings_are_normalised_saved_and_loaded_back() {
    let form = typed(&[
        ("server", " ws://h:3000/ "),
        ("protocol", "SocketIO"),
        ("join", "add user"),
    ]);
    let Ok(settings) = check_settings::<serde_json::Value>(&form, Protocol::Json) else {
        panic!("valid settings were refused");
    };
    assert_eq!(
        settings,
        Parameters {
            server: Some("ws://h:3000/".to_owned()),
            protocol: Some("socketio".to_owned()),
            join: Some("add user".to_owned()),
            ..Parameters::default()
        }
    );
    let saved = settings.to_json();
    assert_eq!(
        saved,
        r#"{"server":"ws://h:3000/","protocol":"socketio","join":"add user"}"#
    );
    assert_eq!(Parameters::read::<serde_json::Value>(&saved), Ok(settings));
    let loaded = load::<serde_json::Value>(Sources {
        saved_settings: Some(&saved),
        ..Sources::default()
    });
    assert_eq!(loaded.config.wire.protocol, Protocol::SocketIo);
    assert_eq!(loaded.config.wire.join.as_deref(), Some("add user"));
}

#[test]
fn saved_settings_say_why_they_could_not_be_read() {
    for (saved, reason) in [
        ("{not json", "not JSON"),
        ("[]", "not an object"),
        (r#"{"server":5}"#, "'server' is not a string"),
        (r#"{"event":["x"]}"#, "'event' is not a string"),
        (r#"{"template":{}}"#, "'template' is not a string"),
    ] {
        assert_eq!(
            Parameters::read::<serde_json::Value>(saved),
            Err(reason.to_owned()),
            "{saved}"
        );
    }
}

#[test]
fn saved_settings_may_leave_members_out_or_null_and_add_others() {
    assert_eq!(
        Parameters::read::<serde_json::Value>(
            r#"{"protocol":"text","event":null,"pattern":"{name}: {text}","theme":"dark"}"#
        ),
        Ok(Parameters {
            protocol: Some("text".to_owned()),
            pattern: Some("{name}: {text}".to_owned()),
            ..Parameters::default()
        })
    );
}

#[test]
fn the_share_query_sets_every_value_given_encoded() {
    let form = typed(&[
        ("pattern", "{name}: {text}"),
        ("server", "ws://h:8000/"),
        ("protocol", "text"),
        ("join", "{name}"),
        ("echo", " "),
    ]);
    assert_eq!(
        form.share_query(),
        "server=ws%3A%2F%2Fh%3A8000%2F&protocol=text&join=%7Bname%7D&pattern=%7Bname%7D%3A%20%7Btext%7D"
    );
    assert_eq!(Parameters::default().share_query(), "");
}

#[test]
fn the_share_query_loads_back_to_the_same_settings() {
    let form = typed(&[
        ("server", "http://h:5000"),
        ("protocol", "socketio"),
        ("event", "chat"),
        ("template", r#"{"name":"{name}","data":"{text} & more"}"#),
        ("echo", "show"),
    ]);
    let query: Vec<(String, String)> = form
        .share_query()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| {
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
            (key.to_owned(), value.into_owned())
        })
        .collect();
    let loaded = load::<serde_json::Value>(Sources {
        query: &query,
        ..Sources::default()
    });
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert_eq!(loaded.config.server, "http://h:5000");
    assert_eq!(loaded.config.wire.event, "chat");
    assert_eq!(loaded.config.wire.template, form.template);
    assert_eq!(loaded.config.echo, Echo::Show);
}

#[test]
fn every_preset_is_valid_and_keeps_the_server_and_echo() {
    let form = typed(&[("server", "ws://h/"), ("echo", "show"), ("join", "old")]);
    for preset in PRESETS {
        let filled = form.with_preset(&preset);
        assert_eq!(filled.server.as_deref(), Some("ws://h/"));
        assert_eq!(filled.echo.as_deref(), Some("show"));
        assert_eq!(filled.protocol.as_deref(), Some(preset.protocol.as_str()));
        assert_eq!(
            filled.join.as_deref().unwrap_or(""),
            preset.join,
            "{}",
            preset.id
        );
        assert!(
            check_settings::<serde_json::Value>(&filled, Protocol::Json).is_ok(),
            "{}",
            preset.id
        );
    }
    let first_frame = form.with_preset(&PRESETS[4]);
    assert_eq!(
        (first_frame.join.as_deref(), first_frame.pattern.as_deref()),
        (Some("{name}"), Some("{name}: {text}"))
    );
}

#[test]
fn an_overlay_takes_every_value_the_stronger_sets() {
    let mut values = typed(&[("server", "/a"), ("event", "e")]);
    values.overlay(&typed(&[("event", "url-event"), ("join", "j")]));
    assert_eq!(
        values,
        typed(&[("server", "/a"), ("event", "url-event"), ("join", "j")])
    );
}
