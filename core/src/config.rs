//! Run-time configuration: the page URL's query, then saved settings, then
//! the page's own defaults, then the built-in ones. Also where the endpoint
//! is resolved against the page.
//!
//! Nothing here touches the browser: the shell hands in the query pairs,
//! the page's `<meta name="wschat-…">` defaults, the saved settings and the
//! page's origin. The settings panel's form lives in [`form`].

mod check;
pub mod form;

use std::str::FromStr;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

pub use crate::protocol::DEFAULT_EVENT;
use crate::{
    json_value::JsonValue,
    protocol::{Protocol, Wire},
    template::{fill_fields, TEXT_FIELD},
};
pub use check::{
    check, check_auth, check_event, check_join, check_pattern, check_protocols, check_server,
    check_template, endpoints,
};
pub use form::{check_settings, Parameters, SETTINGS};

/// The endpoint used when nothing else is said: `/ws` on the page's origin.
pub const DEFAULT_SERVER: &str = "/ws";
/// The longest event name accepted.
pub const MAX_EVENT_CHARS: usize = 100;
/// Every parameter, as the query, saved settings and page defaults name it.
pub const PARAMETERS: [&str; 13] = [
    "server",
    "protocol",
    "name",
    "event",
    "join",
    "template",
    "pattern",
    "echo",
    "protocols",
    "auth",
    "topic",
    "publish",
    "user",
];
/// The prefix of a `<meta name>` that sets a page default.
pub const META_PREFIX: &str = "wschat-";

/// What the app runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The endpoints, separated by spaces: each a URL or a path, perhaps
    /// holding `{name}` and `{token}`. After a failure the next is tried.
    pub server: String,
    /// The user's name, filled in.
    pub name: String,
    /// How frames are written and read.
    pub wire: Wire,
    pub echo: Echo,
}

impl Default for Config {
    /// The built-in defaults.
    fn default() -> Config {
        Config {
            server: DEFAULT_SERVER.to_owned(),
            name: String::new(),
            wire: Wire::default(),
            echo: Echo::default(),
        }
    }
}

/// What to do with the server sending this tab's own message back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Echo {
    /// It confirms the message, and shows no second entry.
    #[default]
    Fold,
    /// It shows as a received entry.
    Show,
}

impl FromStr for Echo {
    type Err = ConfigError;

    fn from_str(value: &str) -> Result<Echo, ConfigError> {
        match value.trim() {
            "fold" => Ok(Echo::Fold),
            "show" => Ok(Echo::Show),
            other => Err(ConfigError::BadEcho(other.to_owned())),
        }
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

impl PageOrigin {
    /// The origin a server sees in the page's requests: `http://host:port`.
    pub fn origin(&self) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        format!("{scheme}://{}", self.host)
    }
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
    #[error("'{0}' holds a control character")]
    BadCharacters(String),
    #[error("'{0}' is not a list of subprotocols")]
    BadProtocols(String),
    #[error("'{0}' is not a JSON object once filled in")]
    NotJsonObject(String),
    #[error("the event name is empty")]
    EmptyEvent,
    #[error("the event name '{0}' is reserved by Socket.IO")]
    ReservedEvent(String),
    #[error("the event name is longer than {MAX_EVENT_CHARS} characters")]
    LongEvent,
    #[error("{0}")]
    Protocol(#[from] crate::protocol::UnknownProtocol),
    #[error("'{0}' is not JSON once filled in; put {{name}} and {{text}} inside strings")]
    NotJson(String),
    #[error("'{0}' has no {TEXT_FIELD}")]
    NoText(String),
    #[error("'{0}' needs {{name}} and {{text}} once each, with something between them")]
    Pattern(String),
    #[error("'{0}' is neither fold nor show")]
    BadEcho(String),
    #[error("the saved settings could not be read ({0}); they were discarded")]
    UnreadableSettings(String),
    #[error("'{0}' cannot be used: {1}")]
    BadTopic(String, &'static str),
}

/// Where a value came from, from the strongest to the weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The page URL's query.
    Query,
    /// The settings the user saved.
    Saved,
    /// A `<meta name="wschat-…">` default of the deployed page.
    Page,
}

/// A refused value, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The parameter's name, as in [`PARAMETERS`], or `settings`.
    pub parameter: &'static str,
    pub source: Source,
    pub error: ConfigError,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match self.source {
            Source::Query => "query parameter",
            Source::Saved => "saved setting",
            Source::Page => "page default",
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
    pub saved: Parameters,
    pub problems: Vec<Problem>,
}

/// What the configuration is built from, strongest first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    /// The page URL's decoded query pairs; the last of a repeated key wins.
    pub query: &'a [(String, String)],
    /// The stored settings JSON.
    pub saved_settings: Option<&'a str>,
    /// The stored name.
    pub saved_name: Option<&'a str>,
    /// The page's defaults: parameter and value, from its `<meta>` tags.
    pub page: &'a [(String, String)],
    /// The secret for the server (`#token=`, or the settings panel), kept in
    /// sessionStorage only; never a parameter, so never saved or shared.
    pub token: Option<&'a str>,
}

/// Builds the configuration. A value given but empty means the default, and
/// weaker sources are not asked; a refused value means the default too, and
/// a problem that names it.
pub fn load<J: JsonValue>(sources: Sources<'_>) -> Loaded {
    let mut problems = Vec::new();
    let saved = match sources.saved_settings.map(Parameters::read::<J>) {
        None => Parameters::default(),
        Some(Ok(settings)) => settings,
        Some(Err(reason)) => {
            problems.push(Problem {
                parameter: "settings",
                source: Source::Saved,
                error: ConfigError::UnreadableSettings(reason),
            });
            Parameters::default()
        }
    };
    let last = |pairs: &'_ [(String, String)], key: &str| -> Option<String> {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let given = |parameter: &str| -> Option<(String, Source)> {
        let saved = match parameter {
            "name" => sources.saved_name.map(str::to_owned),
            other => saved.get(other).map(str::to_owned),
        };
        last(sources.query, parameter)
            .map(|value| (value, Source::Query))
            .or(saved.map(|value| (value, Source::Saved)))
            .or(last(sources.page, parameter).map(|value| (value, Source::Page)))
    };
    // In this order: protocol comes before the parameters checked for it.
    let mut values: [Option<String>; PARAMETERS.len()] = Default::default();
    let mut protocol = Protocol::default();
    for (slot, parameter) in values.iter_mut().zip(PARAMETERS) {
        let Some((value, source)) = given(parameter) else {
            continue;
        };
        if value.trim().is_empty() && parameter != "name" {
            continue;
        }
        match check::<J>(parameter, &value, protocol) {
            Ok(value) => *slot = Some(value),
            Err(error) => problems.push(Problem {
                parameter,
                source,
                error,
            }),
        }
        if parameter == "protocol" {
            protocol = slot
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or_default();
        }
    }
    let [server, _, name, event, join, template, pattern, echo, protocols, auth, topic, publish, user] =
        values;
    let built_in = Config::default();

    Loaded {
        saved,
        config: Config {
            server: server.unwrap_or(built_in.server),
            name: name.unwrap_or_default(),
            wire: Wire {
                protocol,
                event: event.unwrap_or(built_in.wire.event),
                join,
                template,
                pattern,
                protocols: protocols
                    .map(|list| list.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
                auth,
                topic,
                publish,
                user,
                token: sources
                    .token
                    .map(str::trim)
                    .filter(|token| !token.is_empty())
                    .map(str::to_owned),
            },
            echo: echo.and_then(|v| v.parse().ok()).unwrap_or_default(),
        },
        problems,
    }
}

/// The `ws://` or `wss://` URL of one endpoint, with `{name}` filled in,
/// URL-encoded. `{token}` stays: this is the URL the user reads, and the
/// link fills the secret only into the one it opens.
pub fn resolve_endpoint(
    server: &str,
    name: &str,
    page: &PageOrigin,
) -> Result<String, ConfigError> {
    let server = check::check_endpoint(server)?;
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
    Ok(fill_fields(&absolute, &url_encode(name), None, None))
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
mod tests;
