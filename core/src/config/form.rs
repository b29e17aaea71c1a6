//! The settings the user saves, the settings panel's form, its presets for
//! common server designs, and the URL that reproduces them.

use serde::{Serialize, Serializer};

use super::{check, url_encode, ConfigError};
use crate::{
    json_value::{optional_string, JsonValue},
    protocol::Protocol,
};

/// The parameters a user can save, in the settings panel's order: every
/// one but `name`, which the page keeps apart.
pub const SETTINGS: [&str; 10] = [
    "server", "protocol", "event", "join", "template", "pattern", "echo", "topic", "publish",
    "user",
];

/// Values of the parameters in [`SETTINGS`], by name; `None` is unset and
/// falls through to the page's default, then the built-in one. Saved
/// settings are these, checked, and so is the settings panel as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    pub server: Option<String>,
    pub protocol: Option<String>,
    pub event: Option<String>,
    pub join: Option<String>,
    pub template: Option<String>,
    pub pattern: Option<String>,
    pub echo: Option<String>,
    pub topic: Option<String>,
    pub publish: Option<String>,
    pub user: Option<String>,
}

impl Parameters {
    /// Values as typed: each trimmed, an empty one unset.
    pub fn typed<'a>(values: impl IntoIterator<Item = (&'a str, String)>) -> Parameters {
        let mut typed = Parameters::default();
        for (parameter, value) in values {
            if let Some(slot) = typed.slot(parameter) {
                *slot = Some(value.trim().to_owned()).filter(|value| !value.is_empty());
            }
        }
        typed
    }

    /// The value of `parameter`, if set.
    pub fn get(&self, parameter: &str) -> Option<&str> {
        let index = SETTINGS.iter().position(|name| *name == parameter)?;
        let values = [
            &self.server,
            &self.protocol,
            &self.event,
            &self.join,
            &self.template,
            &self.pattern,
            &self.echo,
            &self.topic,
            &self.publish,
            &self.user,
        ];
        values.get(index)?.as_deref()
    }

    /// The values set, as `(parameter, value)`, in [`SETTINGS`] order.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        SETTINGS
            .into_iter()
            .filter_map(|parameter| Some((parameter, self.get(parameter)?)))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads saved settings: an object whose members, each optional, are
    /// strings. Other members are passed over. The error says why not.
    pub fn read<J: JsonValue>(json: &str) -> Result<Parameters, String> {
        let object = J::parse(json).ok_or("not JSON")?;
        if !object.is_object() {
            return Err("not an object".to_owned());
        }
        let mut read = Parameters::default();
        for parameter in SETTINGS {
            if let Some(slot) = read.slot(parameter) {
                *slot = optional_string(&object, parameter)?;
            }
        }
        Ok(read)
    }

    /// The query string (without `?`) that sets these values, to share or
    /// bookmark. Unset ones are left out: they mean the default.
    pub fn share_query(&self) -> String {
        let mut query = String::new();
        for (parameter, value) in self.pairs() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(parameter);
            query.push('=');
            query.push_str(&url_encode(value));
        }
        query
    }

    /// These values with a preset's filled in; the server, the echo
    /// setting and the user stay as they are.
    pub fn with_preset(&self, preset: &Preset) -> Parameters {
        let set = |value: &str| Some(value.to_owned()).filter(|value| !value.is_empty());
        Parameters {
            protocol: set(preset.protocol.as_str()),
            event: set(preset.event),
            join: set(preset.join),
            template: set(preset.template),
            pattern: set(preset.pattern),
            topic: set(preset.topic),
            publish: set(preset.publish),
            ..self.clone()
        }
    }

    /// Takes every value `stronger` sets.
    pub fn overlay(&mut self, stronger: &Parameters) {
        for (parameter, value) in stronger.pairs() {
            if let Some(slot) = self.slot(parameter) {
                *slot = Some(value.to_owned());
            }
        }
    }

    fn slot(&mut self, parameter: &str) -> Option<&mut Option<String>> {
        let index = SETTINGS.iter().position(|name| *name == parameter)?;
        let slots = [
            &mut self.server,
            &mut self.protocol,
            &mut self.event,
            &mut self.join,
            &mut self.template,
            &mut self.pattern,
            &mut self.echo,
            &mut self.topic,
            &mut self.publish,
            &mut self.user,
        ];
        slots.into_iter().nth(index)
    }
}

/// Saved as a JSON object of the values set.
impl Serialize for Parameters {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.pairs())
    }
}

/// A refused field of the settings panel, and why.
pub type Refused = (&'static str, ConfigError);

/// Checks the settings panel's values, as typed: all valid gives the
/// settings to save, else every refused field with its reason. `join` and
/// `template` are checked for the protocol chosen, or `otherwise` when none
/// is.
pub fn check_settings<J: JsonValue>(
    typed: &Parameters,
    otherwise: Protocol,
) -> Result<Parameters, Vec<Refused>> {
    let mut checked = Parameters::default();
    let mut refused = Vec::new();
    let mut protocol = otherwise;
    for (parameter, value) in typed.pairs() {
        match check::<J>(parameter, value, protocol) {
            Ok(value) => {
                if parameter == "protocol" {
                    protocol = value.parse().unwrap_or(otherwise);
                }
                if let Some(slot) = checked.slot(parameter) {
                    *slot = Some(value);
                }
            }
            Err(error) => refused.push((parameter, error)),
        }
    }
    if refused.is_empty() {
        Ok(checked)
    } else {
        Err(refused)
    }
}

/// A common server design, by name: what the settings panel fills in for
/// it. Every field stays editable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The option's value in the panel.
    pub id: &'static str,
    pub label: &'static str,
    pub protocol: Protocol,
    pub event: &'static str,
    pub join: &'static str,
    pub template: &'static str,
    pub pattern: &'static str,
    pub topic: &'static str,
    pub publish: &'static str,
}

/// The designs the settings panel offers.
pub const PRESETS: [Preset; 9] = [
    Preset {
        id: "json-relay",
        label: "JSON relay (Node ws)",
        protocol: Protocol::Json,
        event: "",
        join: "",
        template: "",
        pattern: "",
        topic: "",
        publish: "",
    },
    Preset {
        id: "echo",
        label: "Echo server",
        protocol: Protocol::Text,
        event: "",
        join: "",
        template: "",
        pattern: "",
        topic: "",
        publish: "",
    },
    Preset {
        id: "socketio",
        label: "Socket.IO",
        protocol: Protocol::SocketIo,
        event: "",
        join: "",
        template: "",
        pattern: "",
        topic: "",
        publish: "",
    },
    Preset {
        id: "socketio-join",
        label: "Socket.IO chat with a join event",
        protocol: Protocol::SocketIo,
        event: "new message",
        join: "add user",
        template: "",
        pattern: "",
        topic: "",
        publish: "",
    },
    Preset {
        id: "first-frame",
        label: "First frame is the username",
        protocol: Protocol::Text,
        event: "",
        join: "{name}",
        template: "",
        pattern: "{name}: {text}",
        topic: "",
        publish: "",
    },
    Preset {
        id: "rabbitmq-stomp",
        label: "RabbitMQ (STOMP)",
        protocol: Protocol::Stomp,
        event: "",
        join: "",
        template: "",
        pattern: "",
        topic: "",
        publish: "",
    },
    Preset {
        id: "spring-stomp",
        label: "Spring STOMP endpoint",
        protocol: Protocol::Stomp,
        event: "",
        join: "",
        template: "",
        pattern: "",
        topic: "/topic/messages",
        publish: "/app/chat",
    },
    Preset {
        id: "mqtt",
        label: "MQTT broker",
        protocol: Protocol::Mqtt,
        event: "",
        join: "",
        template: "",
        pattern: "",
        topic: "",
        publish: "",
    },
    Preset {
        id: "nats",
        label: "NATS",
        protocol: Protocol::Nats,
        event: "",
        join: "",
        template: "",
        pattern: "",
        topic: "",
        publish: "",
    },
];

#[cfg(test)]
mod tests;
