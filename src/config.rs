//! Run-time configuration: the page URL's query, then saved settings, then
//! the defaults. Also where the endpoint is resolved against the page.
//!
//! Nothing here touches the browser: the shell hands in the query pairs,
//! the saved settings and the page's origin.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use crate::{
    json_value::{optional_string, JsonValue, Parsed},
    protocol::Protocol,
};

/// The endpoint used when nothing else is said: `/ws` on the page's origin.
pub const DEFAULT_SERVER: &str = "/ws";
/// The Socket.IO event used to send when nothing else is said.
pub const DEFAULT_EVENT: &str = "message";
/// The placeholder in `server` that is replaced by the user's name.
pub const NAME_PLACEHOLDER: &str = "{name}";
/// The longest event name accepted.
pub const MAX_EVENT_CHARS: usize = 100;

/// What the app runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The endpoint template: a URL or a path, perhaps holding `{name}`.
    pub server: String,
    pub protocol: Protocol,
    /// The user's name, filled in.
    pub name: String,
    /// The Socket.IO event used to send.
    pub event: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: DEFAULT_SERVER.to_owned(),
            protocol: Protocol::default(),
            name: String::new(),
            event: DEFAULT_EVENT.to_owned(),
        }
    }
}

/// The settings a user saved, as stored in localStorage. Each is optional:
/// an unset one falls through to the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Settings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

impl Settings {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads saved settings: an object whose members, each optional, are
    /// strings. Other members are passed over. The error says why not.
    pub fn read<J: JsonValue>(json: &str) -> Result<Settings, String> {
        let object = J::parse(json).ok_or("not JSON")?;
        if !object.is_object() {
            return Err("not an object".to_owned());
        }
        Ok(Settings {
            server: optional_string(&object, "server")?,
            protocol: optional_string(&object, "protocol")?,
            event: optional_string(&object, "event")?,
        })
    }
}

/// Where the page itself was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOrigin {
    /// True on an https page.
    pub secure: bool,
    /// Host and port, as in `location.host`.
    pub host: String,
}

/// A value that was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the server is empty")]
    EmptyServer,
    #[error("'{0}' is not a ws://, wss://, http:// or https:// URL, nor a path such as /ws")]
    BadServer(String),
    #[error("'{0}' has no host")]
    NoHost(String),
    #[error("'{0}' holds a space or a control character")]
    BadCharacters(String),
    #[error("the event name is empty")]
    EmptyEvent,
    #[error("the event name '{0}' is reserved by Socket.IO")]
    ReservedEvent(String),
    #[error("the event name is longer than {MAX_EVENT_CHARS} characters")]
    LongEvent,
    #[error("{0}")]
    Protocol(#[from] crate::protocol::UnknownProtocol),
    #[error("the saved settings could not be read ({0}); they were discarded")]
    UnreadableSettings(String),
}

/// A refused value, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The parameter's name: `server`, `protocol`, `event` or `settings`.
    pub parameter: &'static str,
    /// True when the value came from the page URL, false when it was saved.
    pub from_query: bool,
    pub error: ConfigError,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = if self.from_query {
            "query parameter"
        } else {
            "saved setting"
        };
        write!(
            f,
            "{source} '{}': {}; using the default",
            self.parameter, self.error
        )
    }
}

/// The configuration, the saved settings it was built from (empty when they
/// did not parse), and the problems met on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loaded {
    pub config: Config,
    pub saved: Settings,
    pub problems: Vec<Problem>,
}

/// Builds the configuration. `query` holds the page URL's decoded pairs,
/// `saved_settings` the stored settings JSON, `saved_name` the stored name.
pub fn load(
    query: &[(String, String)],
    saved_settings: Option<&str>,
    saved_name: Option<&str>,
) -> Loaded {
    let mut problems = Vec::new();
    let saved = match saved_settings.map(Settings::read::<Parsed>) {
        None => Settings::default(),
        Some(Ok(settings)) => settings,
        Some(Err(reason)) => {
            problems.push(Problem {
                parameter: "settings",
                from_query: false,
                error: ConfigError::UnreadableSettings(reason),
            });
            Settings::default()
        }
    };
    let asked = |key: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let mut pick = |parameter: &'static str,
                    saved: Option<&str>,
                    check: &dyn Fn(&str) -> Result<String, ConfigError>|
     -> Option<String> {
        let (value, from_query) = match (asked(parameter), saved) {
            (Some(value), _) => (value, true),
            (None, Some(value)) => (value, false),
            (None, None) => return None,
        };
        match check(value) {
            Ok(value) => Some(value),
            Err(error) => {
                problems.push(Problem {
                    parameter,
                    from_query,
                    error,
                });
                None
            }
        }
    };

    let defaults = Config::default();
    let server = pick("server", saved.server.as_deref(), &check_server);
    let protocol = pick("protocol", saved.protocol.as_deref(), &|value| {
        Ok(value.parse::<Protocol>()?.as_str().to_owned())
    });
    let event = pick("event", saved.event.as_deref(), &check_event);
    let name = asked("name").or(saved_name).unwrap_or_default().to_owned();

    Loaded {
        saved,
        config: Config {
            server: server.unwrap_or(defaults.server),
            protocol: protocol
                .and_then(|value| value.parse().ok())
                .unwrap_or(defaults.protocol),
            name,
            event: event.unwrap_or(defaults.event),
        },
        problems,
    }
}

/// The settings panel's fields, as typed. An empty field means the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsForm {
    pub server: String,
    pub protocol: String,
    pub event: String,
}

impl From<&Settings> for SettingsForm {
    fn from(settings: &Settings) -> Self {
        SettingsForm {
            server: settings.server.clone().unwrap_or_default(),
            protocol: settings.protocol.clone().unwrap_or_default(),
            event: settings.event.clone().unwrap_or_default(),
        }
    }
}

/// Why each refused field of the settings panel was refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    pub server: Option<ConfigError>,
    pub protocol: Option<ConfigError>,
    pub event: Option<ConfigError>,
}

/// Checks the settings panel's fields: all valid gives the settings to
/// save, else every refused field with its reason.
pub fn check_settings(form: &SettingsForm) -> Result<Settings, FieldErrors> {
    fn optional(
        value: &str,
        check: impl Fn(&str) -> Result<String, ConfigError>,
    ) -> Result<Option<String>, ConfigError> {
        match value.trim() {
            "" => Ok(None),
            value => check(value).map(Some),
        }
    }
    let server = optional(&form.server, check_server);
    let protocol = optional(&form.protocol, |value| {
        Ok(value.parse::<Protocol>()?.as_str().to_owned())
    });
    let event = optional(&form.event, check_event);
    match (server, protocol, event) {
        (Ok(server), Ok(protocol), Ok(event)) => Ok(Settings {
            server,
            protocol,
            event,
        }),
        (server, protocol, event) => Err(FieldErrors {
            server: server.err(),
            protocol: protocol.err(),
            event: event.err(),
        }),
    }
}

/// Checks a `server` value and returns it trimmed.
pub fn check_server(value: &str) -> Result<String, ConfigError> {
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

/// The `ws://` or `wss://` URL to open, with `{name}` filled in.
pub fn resolve_endpoint(
    server: &str,
    name: &str,
    page: &PageOrigin,
) -> Result<String, ConfigError> {
    let server = check_server(server)?;
    let page_scheme = if page.secure { "wss" } else { "ws" };
    let absolute = if let Some(rest) = server.strip_prefix("//") {
        format!("{page_scheme}://{rest}")
    } else if server.starts_with('/') {
        format!("{page_scheme}://{}{server}", page.host)
    } else {
        match split_scheme(&server) {
            Some((Scheme::Http, rest)) => format!("ws://{rest}"),
            Some((Scheme::Https, rest)) => format!("wss://{rest}"),
            Some((Scheme::Ws, rest)) => format!("ws://{rest}"),
            Some((Scheme::Wss, rest)) => format!("wss://{rest}"),
            None => return Err(ConfigError::BadServer(server)),
        }
    };
    Ok(fill_name(&absolute, &url_encode(name)))
}

/// `template` with each `{name}` replaced by `encoded`. Searching for the
/// brace, a char, keeps the substring searcher (about 2 KB gzip, with its
/// panic messages) out of the bundle.
fn fill_name(template: &str, encoded: &str) -> String {
    let placeholder = NAME_PLACEHOLDER.trim_start_matches('{');
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((head, tail)) = rest.split_once('{') {
        filled.push_str(head);
        match tail.strip_prefix(placeholder) {
            Some(after) => {
                filled.push_str(encoded);
                rest = after;
            }
            None => {
                filled.push('{');
                rest = tail;
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// Percent-encodes as JavaScript's `encodeURIComponent` does.
pub fn url_encode(value: &str) -> String {
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    utf8_percent_encode(value, COMPONENT).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Ws,
    Wss,
    Http,
    Https,
}

fn split_scheme(value: &str) -> Option<(Scheme, &str)> {
    let (scheme, rest) = value.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" => Scheme::Ws,
        "wss" => Scheme::Wss,
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return None,
    };
    Some((scheme, rest))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn defaults_apply_when_nothing_is_said() {
        let loaded = load(&[], None, None);
        assert_eq!(loaded.config, Config::default());
        assert_eq!(loaded.config.server, "/ws");
        assert!(loaded.problems.is_empty());
    }

    #[test]
    fn query_wins_over_saved_settings_which_win_over_defaults() {
        let saved = r#"{"server":"ws://saved:1/","event":"saved-event"}"#;
        let loaded = load(
            &pairs(&[("server", "ws://query:2/"), ("name", "Q")]),
            Some(saved),
            Some("S"),
        );
        assert_eq!(loaded.config.server, "ws://query:2/");
        assert_eq!(loaded.config.event, "saved-event");
        assert_eq!(loaded.config.name, "Q");
        assert_eq!(load(&[], None, Some("S")).config.name, "S");
    }

    #[test]
    fn a_malformed_query_value_names_the_parameter_and_falls_back_to_the_default() {
        let saved = r#"{"server":"ws://saved:1/"}"#;
        let loaded = load(
            &pairs(&[("server", "ftp://x"), ("protocol", "xml")]),
            Some(saved),
            None,
        );
        assert_eq!(loaded.config.server, DEFAULT_SERVER);
        assert_eq!(loaded.config.protocol, Protocol::Json);
        let shown: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "query parameter 'server': 'ftp://x' is not a ws://, wss://, http:// or https:// URL, nor a path such as /ws; using the default",
                "query parameter 'protocol': 'xml' is not a protocol this client knows; choose json, text or socketio; using the default",
            ]
        );
    }

    #[test]
    fn unreadable_saved_settings_are_discarded_with_a_problem() {
        let loaded = load(&[], Some("{not json"), None);
        assert_eq!(loaded.config, Config::default());
        assert_eq!(loaded.saved, Settings::default());
        assert_eq!(loaded.problems.len(), 1);
        assert_eq!(loaded.problems[0].parameter, "settings");
    }

    #[test]
    fn saved_settings_say_why_they_could_not_be_read() {
        for (saved, reason) in [
            ("{not json", "not JSON"),
            ("[]", "not an object"),
            (r#"{"server":5}"#, "'server' is not a string"),
            (r#"{"event":["x"]}"#, "'event' is not a string"),
        ] {
            assert_eq!(
                Settings::read::<Parsed>(saved),
                Err(reason.to_owned()),
                "{saved}"
            );
        }
    }

    #[test]
    fn saved_settings_may_leave_members_out_or_null_and_add_others() {
        assert_eq!(
            Settings::read::<Parsed>(r#"{"protocol":"text","event":null,"theme":"dark"}"#),
            Ok(Settings {
                server: None,
                protocol: Some("text".to_owned()),
                event: None,
            })
        );
    }

    #[test]
    fn the_last_repeated_query_parameter_wins() {
        let loaded = load(&pairs(&[("name", "a"), ("name", "b")]), None, None);
        assert_eq!(loaded.config.name, "b");
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
            check_server("ws://a b"),
            Err(ConfigError::BadCharacters(_))
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
            ("no placeholder", "no placeholder"),
        ] {
            assert_eq!(fill_name(template, "N"), filled, "{template}");
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
    fn settings_fields_are_checked_each_with_its_reason() {
        let form = SettingsForm {
            server: "example.com".to_owned(),
            protocol: "xml".to_owned(),
            event: "ok-event".to_owned(),
        };
        let errors = check_settings(&form).unwrap_err();
        assert!(matches!(errors.server, Some(ConfigError::BadServer(_))));
        assert!(matches!(errors.protocol, Some(ConfigError::Protocol(_))));
        assert_eq!(errors.event, None);
    }

    #[test]
    fn valid_settings_are_normalised_and_empty_fields_mean_default() {
        let form = SettingsForm {
            server: " ws://h:3000/ ".to_owned(),
            protocol: "SocketIO".to_owned(),
            event: String::new(),
        };
        assert_eq!(
            check_settings(&form),
            Ok(Settings {
                server: Some("ws://h:3000/".to_owned()),
                protocol: Some("socketio".to_owned()),
                event: None,
            })
        );
        let Ok(settings) = check_settings(&form) else {
            panic!("valid settings were refused");
        };
        let saved = settings.to_json();
        assert_eq!(saved, r#"{"server":"ws://h:3000/","protocol":"socketio"}"#);
        assert_eq!(
            load(&[], Some(&saved), None).config.protocol,
            Protocol::SocketIo
        );
    }
}
