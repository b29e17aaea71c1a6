use leptos::{ev, prelude::*, tachys::renderer::Rndr};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlFormElement};

use crate::{
    browser_json::BrowserJson,
    storage::{self, Area, TOKEN_KEY},
};
use wschat_core::{
    config::{check_settings, form::PRESETS, Parameters, SETTINGS},
    protocol::Protocol,
};

use super::handler;

/// One field of the form: the name it is submitted under (its id is
/// `settings-NAME`, its error element's `settings-NAME-error`), its label,
/// and a placeholder for a text field or the options of a list.
struct Field {
    name: &'static str,
    label: &'static str,
    placeholder: &'static str,
    options: &'static [(&'static str, &'static str)],
}

/// The start of every field's id.
const FIELD_ID: &str = "settings-";

const FIELDS: [Field; 11] = [
    Field {
        name: "server",
        label: "Server",
        placeholder: "/ws",
        options: &[],
    },
    Field {
        name: "protocol",
        label: "Protocol",
        placeholder: "",
        options: &[
            ("", "default"),
            ("json", "json"),
            ("text", "text"),
            ("socketio", "socketio"),
            ("stomp", "stomp"),
            ("mqtt", "mqtt"),
            ("nats", "nats"),
        ],
    },
    Field {
        name: "event",
        label: "Socket.IO event",
        placeholder: "message",
        options: &[],
    },
    Field {
        name: "join",
        label: "Join (sent first)",
        placeholder: "e.g. {name} or add user",
        options: &[],
    },
    Field {
        name: "template",
        label: "Message template",
        placeholder: r#"e.g. {"data":"{text}"}"#,
        options: &[],
    },
    Field {
        name: "pattern",
        label: "Line pattern (text)",
        placeholder: "e.g. {name}: {text}",
        options: &[],
    },
    Field {
        name: "echo",
        label: "Own messages sent back",
        placeholder: "",
        options: &[
            ("", "default (fold)"),
            ("fold", "fold: confirm, show once"),
            ("show", "show: show again"),
        ],
    },
    Field {
        name: "topic",
        label: "Topic (brokers: listen)",
        placeholder: "chat, or /topic/chat",
        options: &[],
    },
    Field {
        name: "publish",
        label: "Publish to (brokers)",
        placeholder: "the topic",
        options: &[],
    },
    Field {
        name: "user",
        label: "Broker user",
        placeholder: "none",
        options: &[],
    },
    // Not a parameter: kept in this tab's sessionStorage, never saved,
    // shared or shown. A password field, empty until typed in.
    Field {
        name: TOKEN,
        label: "Token",
        placeholder: "unchanged",
        options: &[],
    },
];

/// The token field's name.
const TOKEN: &str = "token";

/// The settings panel: server, protocol, and how frames are written and
/// read, saved and applied at once. A preset fills in a common server
/// design; refused fields say why, next to the field; a link gives the URL
/// that reproduces what the fields say.
#[component]
pub fn Settings(
    /// The settings saved so far.
    saved: Parameters,
    /// What the page URL sets; it wins over saved settings.
    from_url: Parameters,
    /// The protocol in force when the protocol field is empty: the other
    /// fields are checked for it.
    default_protocol: Protocol,
    /// The page's address without its query, for the share link.
    page_url: String,
    /// Called with valid settings when the user saves them.
    on_save: Callback<Parameters>,
    /// Called when the user confirms forgetting this server's history.
    #[prop(optional)]
    on_clear: Option<Callback<()>>,
) -> impl IntoView {
    let panel = Panel {
        share: share_url(&page_url, &saved, &from_url),
        saved,
        from_url: from_url.clone(),
        default_protocol,
    };

    let save = move |submit: ev::SubmitEvent| {
        submit.prevent_default();
        let Some(form) = form() else {
            return;
        };
        let result = check_settings::<BrowserJson>(&read_form(&form), default_protocol);
        let refused = result.as_ref().err();
        for name in SETTINGS {
            let reason = refused
                .and_then(|refused| refused.iter().find(|(parameter, _)| *parameter == name))
                .map(|(_, error)| error.to_string())
                .unwrap_or_default();
            say(&field_id(name, "-error"), &reason);
        }
        say(
            "settings-saved",
            if refused.is_some() { "" } else { "Saved." },
        );
        if let Ok(settings) = result {
            let token = document()
                .get_element_by_id(&field_id(TOKEN, ""))
                .and_then(|field| js_sys::Reflect::get(&field, &"value".into()).ok())
                .and_then(|value| value.as_string())
                .unwrap_or_default();
            if !token.trim().is_empty() {
                let _ = storage::write(Area::Session, TOKEN_KEY, token.trim());
                set_value(TOKEN, "");
            }
            on_save.run(settings);
        }
    };
    // Selects fire `input` too, so one listener follows every field, and
    // the preset list.
    let changed = move |input: ev::Event| {
        let Some(form) = form() else {
            return;
        };
        let preset = input
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .filter(|target| target.id() == "settings-preset")
            .and_then(|target| js_sys::Reflect::get(&target, &"value".into()).ok())
            .and_then(|value| value.as_string())
            .and_then(|chosen| PRESETS.iter().find(|preset| preset.id == chosen));
        if let Some(preset) = preset {
            let filled = read_form(&form).with_preset(preset);
            for name in [
                "protocol", "event", "join", "template", "pattern", "topic", "publish",
            ] {
                set_value(name, filled.get(name).unwrap_or_default());
            }
        }
        if let Some(share) = document().get_element_by_id("settings-share") {
            let url = share_url(&page_url, &read_form(&form), &from_url);
            let _ = js_sys::Reflect::set(&share, &"href".into(), &JsValue::from(&url));
            share.set_text_content(Some(&url));
        }
    };

    let clicked = move |click: ev::MouseEvent| {
        let clear = click
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .is_some_and(|target| target.id() == "clear-history");
        if clear
            && window()
                .confirm_with_message("Forget the whole history of this server?")
                .unwrap_or(false)
        {
            if let Some(on_clear) = on_clear {
                on_clear.run(());
            }
        }
    };

    // The form's `submit`, every field's `input` and the buttons' clicks
    // bubble up to the panel.
    view! {
        <details
            id="settings"
            on:submit=save
            on:input=handler(changed)
            on:click=handler(clicked)
            use:build_panel=panel
        ></details>
    }
}

/// What the panel's controls show when it is built.
#[derive(Clone)]
struct Panel {
    saved: Parameters,
    from_url: Parameters,
    default_protocol: Protocol,
    share: String,
}

/// Builds the panel's summary, form and controls inside `details` (a `use:`
/// directive: it runs on the element as it is built), with the saved values,
/// as elements: never as markup, which a strict CSP with Trusted Types
/// refuses, and which would let a value become markup. The panel has some
/// forty elements that never change; building each through `view!` cost the
/// bundle several times as much as these calls over a table.
/// What does change (errors, the share link, a preset's values) is set on
/// the elements by id.
fn build_panel(details: Element, panel: Panel) {
    add(&details, "summary", &[], "Settings");
    let form = add(
        &details,
        "form",
        &[("id", "settings-form"), ("novalidate", "")],
        "",
    );

    let field = add(&form, "div", &[("class", "field")], "");
    add(
        &field,
        "label",
        &[("for", "settings-preset")],
        "Server design",
    );
    let select = add(&field, "select", &[("id", "settings-preset")], "");
    add(&select, "option", &[("value", "")], "Choose one");
    for preset in &PRESETS {
        add(&select, "option", &[("value", preset.id)], preset.label);
    }

    for field in &FIELDS {
        let id = field_id(field.name, "");
        let error_id = field_id(field.name, "-error");
        let value = panel.saved.get(field.name).unwrap_or_default();
        let row = add(&form, "div", &[("class", "field")], "");
        add(&row, "label", &[("for", &id)], field.label);
        // The token field is not submitted with the form: a form that
        // submitted itself (if the page died) would put it in a URL.
        let submitted = if field.name == TOKEN { "" } else { field.name };
        let common = [
            ("id", id.as_str()),
            ("name", submitted),
            ("aria-describedby", &error_id),
        ];
        if field.options.is_empty() {
            let input = add(&row, "input", &common, "");
            for (name, value) in [
                ("spellcheck", "false"),
                ("placeholder", field.placeholder),
                ("value", value),
            ] {
                Rndr::set_attribute(&input, name, value);
            }
            if field.name == TOKEN {
                Rndr::set_attribute(&input, "type", "password");
                Rndr::set_attribute(&input, "autocomplete", "off");
            }
        } else {
            let select = add(&row, "select", &common, "");
            for (option, label) in field.options {
                let mut text = String::from(*label);
                if option.is_empty() && field.name == "protocol" {
                    text.push_str(" (");
                    text.push_str(panel.default_protocol.as_str());
                    text.push(')');
                }
                let option_element = add(&select, "option", &[("value", option)], &text);
                if *option == value {
                    Rndr::set_attribute(&option_element, "selected", "");
                }
            }
        }
        add(
            &row,
            "small",
            &[
                ("class", "field-error"),
                ("id", &error_id),
                ("role", "alert"),
            ],
            "",
        );
    }

    add(
        &form,
        "button",
        &[("id", "settings-save"), ("type", "submit")],
        "Save and reconnect",
    );
    add(
        &form,
        "small",
        &[("id", "settings-saved"), ("role", "status")],
        "",
    );
    add(
        &form,
        "button",
        &[("id", "clear-history"), ("type", "button")],
        "Forget this server's history",
    );
    let note = add(
        &form,
        "p",
        &[("class", "note")],
        "These settings as a link: ",
    );
    add(
        &note,
        "a",
        &[("id", "settings-share"), ("href", &panel.share)],
        &panel.share,
    );
    let mut url_note = String::new();
    for (index, (parameter, _)) in panel.from_url.pairs().enumerate() {
        url_note.push_str(if index == 0 {
            "The page URL sets "
        } else {
            ", "
        });
        url_note.push_str(parameter);
    }
    if !url_note.is_empty() {
        url_note.push_str("; the URL wins over saved settings.");
    }
    add(
        &form,
        "p",
        &[("class", "note"), ("id", "settings-url-note")],
        &url_note,
    );
}

/// Appends a new `tag` element to `parent`, with `attributes` and `text`
/// set as values. It calls Leptos' own renderer, whose code is in the
/// bundle anyway (0.3 KB gzip less than web-sys calls with their `Result`s);
/// it fails only on an invalid tag name, and these are constants.
pub(super) fn add(parent: &Element, tag: &str, attributes: &[(&str, &str)], text: &str) -> Element {
    let element = Rndr::create_element(tag, None);
    for (name, value) in attributes {
        Rndr::set_attribute(&element, name, value);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    Rndr::insert_node(parent, &element, None);
    element
}

/// The form's fields as typed.
fn read_form(form: &HtmlFormElement) -> Parameters {
    let fields = web_sys::FormData::new_with_form(form).ok();
    Parameters::typed(SETTINGS.into_iter().map(|name| {
        let value = fields
            .as_ref()
            .and_then(|fields| fields.get(name).as_string());
        (name, value.unwrap_or_default())
    }))
}

/// The page's address with the query that sets `values`, as the page URL
/// overrides them: what the settings would be, once saved.
fn share_url(page_url: &str, values: &Parameters, from_url: &Parameters) -> String {
    let mut url = page_url.to_owned();
    let mut values = values.clone();
    values.overlay(from_url);
    let query = values.share_query();
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    url
}

/// The settings form, found by its id as the page's other parts are.
fn form() -> Option<HtmlFormElement> {
    document()
        .get_element_by_id("settings-form")?
        .dyn_into()
        .ok()
}

/// Sets the value of the field submitted as `name`.
fn set_value(name: &str, value: &str) {
    if let Some(field) = document().get_element_by_id(&field_id(name, "")) {
        let _ = js_sys::Reflect::set(&field, &"value".into(), &JsValue::from(value));
    }
}

/// The id of the field submitted as `name`, with `suffix`.
fn field_id(name: &str, suffix: &str) -> String {
    let mut id = String::from(FIELD_ID);
    id.push_str(name);
    id.push_str(suffix);
    id
}

/// Puts `text` in the element `id`.
fn say(id: &str, text: &str) {
    if let Some(element) = document().get_element_by_id(id) {
        element.set_text_content(Some(text));
    }
}
