//! One check per parameter: each takes a value as given and returns it as
//! it is used, or the reason it is refused. `load` and the settings panel
//! share them.

use super::{split_scheme, ConfigError, Echo, MAX_EVENT_CHARS};
use crate::{
    json_value::JsonValue,
    protocol::Protocol,
    template::{fill_fields, has_text, json_sample, Pattern},
};

/// Checks the value of `parameter` and returns it as it is used; `join` and
/// `template` are checked for `protocol`. A name is anything.
pub fn check<J: JsonValue>(
    parameter: &str,
    value: &str,
    protocol: Protocol,
) -> Result<String, ConfigError> {
    match parameter {
        "server" => check_server(value),
        "protocol" => Ok(value.parse::<Protocol>()?.as_str().to_owned()),
        "event" => check_event(value),
        "join" => check_join::<J>(value, protocol),
        "template" => check_template::<J>(value, protocol),
        "pattern" => check_pattern(value),
        "echo" => value.parse::<Echo>().map(|_| value.trim().to_owned()),
        "protocols" => check_protocols(value),
        "auth" => check_auth::<J>(value),
        "topic" => check_topic(value, protocol, false),
        "publish" => check_topic(value, protocol, true),
        _ => Ok(value.to_owned()),
    }
}

/// Checks a `server` value, one endpoint or several separated by spaces,
/// and returns them separated by one space.
pub fn check_server(value: &str) -> Result<String, ConfigError> {
    let mut checked = String::new();
    for endpoint in endpoints(value) {
        if !checked.is_empty() {
            checked.push(' ');
        }
        checked.push_str(&check_endpoint(endpoint)?);
    }
    if checked.is_empty() {
        return Err(ConfigError::EmptyServer);
    }
    Ok(checked)
}

/// The endpoints of a checked `server` value, in the order they are tried.
pub fn endpoints(server: &str) -> impl Iterator<Item = &str> {
    // Not `split_whitespace`, whose Unicode tables cost the bundle: a tab or
    // a line break is refused as a control character.
    server.split(' ').filter(|endpoint| !endpoint.is_empty())
}

/// Checks one endpoint and returns it trimmed.
pub(super) fn check_endpoint(value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ConfigError::EmptyServer);
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::BadCharacters(value.to_owned()));
    }
    if value.starts_with('/') {
        return Ok(value.to_owned());
    }
    let rest = split_scheme(value)
        .map(|(_, rest)| rest)
        .ok_or_else(|| ConfigError::BadServer(value.to_owned()))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') || host.starts_with('@') {
        return Err(ConfigError::NoHost(value.to_owned()));
    }
    Ok(value.to_owned())
}

/// Checks a `protocols` list: names separated by commas, each made of the
/// characters a WebSocket subprotocol may hold once `{token}` is filled.
/// Returns them trimmed, separated by a comma.
pub fn check_protocols(value: &str) -> Result<String, ConfigError> {
    // RFC 6455 subprotocols are HTTP tokens: visible ASCII but separators.
    let token_char = |c: char| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?={}".contains(c);
    let mut checked = String::new();
    for name in value.split(',').map(str::trim) {
        let sample = fill_fields(name, "x", None, Some("x"));
        if sample.is_empty() || !sample.chars().all(token_char) {
            return Err(ConfigError::BadProtocols(value.to_owned()));
        }
        if !checked.is_empty() {
            checked.push(',');
        }
        checked.push_str(name);
    }
    Ok(checked)
}

/// Checks an `auth` payload: a JSON object once filled, with its fields
/// inside strings.
pub fn check_auth<J: JsonValue>(value: &str) -> Result<String, ConfigError> {
    match J::parse(&json_sample(value)) {
        Some(object) if object.is_object() => Ok(value.trim().to_owned()),
        _ => Err(ConfigError::NotJsonObject(value.to_owned())),
    }
}

/// Checks a broker's `topic` (where it listens) or `publish` (where it
/// sends) for `protocol`, and returns it trimmed. Wildcards only listen.
pub fn check_topic(value: &str, protocol: Protocol, publish: bool) -> Result<String, ConfigError> {
    let value = value.trim();
    let refuse = |why| Err(ConfigError::BadTopic(value.to_owned(), why));
    if value.chars().any(char::is_control) {
        return refuse("it holds a control character");
    }
    let wildcards = match protocol {
        Protocol::Mqtt => "+#",
        Protocol::Nats if value.contains(' ') => return refuse("a NATS subject has no spaces"),
        Protocol::Nats => "*>",
        _ => "",
    };
    if publish && value.contains(|c| wildcards.contains(c)) {
        return refuse("a wildcard can listen, not send");
    }
    Ok(value.to_owned())
}

/// Checks a Socket.IO event name and returns it.
pub fn check_event(value: &str) -> Result<String, ConfigError> {
    const RESERVED: [&str; 6] = [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ];
    if value.trim().is_empty() {
        return Err(ConfigError::EmptyEvent);
    }
    if value.chars().count() > MAX_EVENT_CHARS {
        return Err(ConfigError::LongEvent);
    }
    if RESERVED.contains(&value) {
        return Err(ConfigError::ReservedEvent(value.to_owned()));
    }
    Ok(value.to_owned())
}

/// Checks a `join` value for `protocol`: a Socket.IO event name, a frame
/// template that is JSON once filled in json mode, any frame in text mode.
pub fn check_join<J: JsonValue>(value: &str, protocol: Protocol) -> Result<String, ConfigError> {
    match protocol {
        Protocol::SocketIo => check_event(value),
        Protocol::Text => Ok(value.to_owned()),
        _ => check_json::<J>(value),
    }
}

/// Checks a `template` for `protocol`: it must hold `{text}`, and in json
/// and socketio modes be JSON once filled, whatever the name and text.
pub fn check_template<J: JsonValue>(
    value: &str,
    protocol: Protocol,
) -> Result<String, ConfigError> {
    if !has_text(value) {
        return Err(ConfigError::NoText(value.to_owned()));
    }
    match protocol {
        Protocol::Text => Ok(value.to_owned()),
        _ => check_json::<J>(value),
    }
}

/// Checks a `pattern`.
pub fn check_pattern(value: &str) -> Result<String, ConfigError> {
    match Pattern::parse(value) {
        Some(_) => Ok(value.to_owned()),
        None => Err(ConfigError::Pattern(value.to_owned())),
    }
}

/// A template that is JSON once filled: filled with `x`, which JSON allows
/// only inside strings, it parses only if every field sits inside one, and
/// an escaped value there keeps it JSON.
fn check_json<J: JsonValue>(value: &str) -> Result<String, ConfigError> {
    match J::parse(&json_sample(value)) {
        Some(_) => Ok(value.to_owned()),
        None => Err(ConfigError::NotJson(value.to_owned())),
    }
}
