use leptos::{ev, prelude::*};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlFormElement};

use crate::browser_json::BrowserJson;
use wschat_core::{
    config::{check_settings, form::PRESETS, Parameters, SETTINGS},
    protocol::Protocol,
};

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

const FIELDS: [Field; 7] = [
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
        placeholder: "e.g. {&quot;data&quot;:&quot;{text}&quot;}",
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
];

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
) -> impl IntoView {
    let html = form_html(
        &saved,
        default_protocol,
        &from_url,
        &share_url(&page_url, &saved, &from_url),
    );

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
            for name in ["protocol", "event", "join", "template", "pattern"] {
                set_value(name, filled.get(name).unwrap_or_default());
            }
        }
        if let Some(share) = document().get_element_by_id("settings-share") {
            let url = share_url(&page_url, &read_form(&form), &from_url);
            let _ = js_sys::Reflect::set(&share, &"href".into(), &JsValue::from(&url));
            share.set_text_content(Some(&url));
        }
    };

    view! {
        <details id="settings">
            <summary>"Settings"</summary>
            <form
                id="settings-form"
                novalidate
                on:submit=save
                on:input=changed
                inner_html=html
            ></form>
        </details>
    }
}

/// The form's markup, with the saved values. It is built as text, not with
/// `view!`: the panel has some forty elements that never change, and
/// building each through the view system cost the bundle several times as
/// much as this text.
/// What does change (errors, the share link, a preset's values) is set on
/// the elements by id.
fn form_html(
    saved: &Parameters,
    default_protocol: Protocol,
    from_url: &Parameters,
    share: &str,
) -> String {
    let mut html = String::from(
        r#"<div class="field"><label for="settings-preset">Server design</label><select id="settings-preset"><option value="">Choose one</option>"#,
    );
    for preset in &PRESETS {
        push_all(
            &mut html,
            &[
                r#"<option value=""#,
                preset.id,
                r#"">"#,
                preset.label,
                "</option>",
            ],
        );
    }
    html.push_str("</select></div>");
    for field in &FIELDS {
        let id = field_id(field.name, "");
        let value = saved.get(field.name).unwrap_or_default();
        push_all(
            &mut html,
            &[
                r#"<div class="field"><label for=""#,
                &id,
                r#"">"#,
                field.label,
                "</label>",
            ],
        );
        let control = if field.options.is_empty() {
            "input"
        } else {
            "select"
        };
        push_all(
            &mut html,
            &[
                "<",
                control,
                r#" id=""#,
                &id,
                r#"" name=""#,
                field.name,
                r#"" aria-describedby=""#,
                &id,
                r#"-error""#,
            ],
        );
        if field.options.is_empty() {
            push_all(
                &mut html,
                &[
                    r#" spellcheck="false" placeholder=""#,
                    field.placeholder,
                    r#"" value=""#,
                ],
            );
            push_escaped(&mut html, value);
            html.push_str(r#"">"#);
        } else {
            html.push('>');
            for (option, label) in field.options {
                let selected = if *option == value { " selected" } else { "" };
                push_all(
                    &mut html,
                    &[r#"<option value=""#, option, r#"""#, selected, ">", label],
                );
                if option.is_empty() && field.name == "protocol" {
                    push_all(&mut html, &[" (", default_protocol.as_str(), ")"]);
                }
                html.push_str("</option>");
            }
            html.push_str("</select>");
        }
        push_all(
            &mut html,
            &[
                r#"<small class="field-error" id=""#,
                &id,
                r#"-error" role="alert"></small></div>"#,
            ],
        );
    }
    html.push_str(r#"<button id="settings-save" type="submit">Save and reconnect</button><small id="settings-saved" role="status"></small><p class="note">These settings as a link: <a id="settings-share" href=""#);
    push_escaped(&mut html, share);
    html.push_str(r#"">"#);
    push_escaped(&mut html, share);
    html.push_str(r#"</a></p><p class="note" id="settings-url-note">"#);
    for (index, (parameter, _)) in from_url.pairs().enumerate() {
        html.push_str(if index == 0 {
            "The page URL sets "
        } else {
            ", "
        });
        html.push_str(parameter);
    }
    if from_url.pairs().next().is_some() {
        html.push_str("; the URL wins over saved settings.");
    }
    html.push_str("</p>");
    html
}

fn push_all(html: &mut String, parts: &[&str]) {
    for part in parts {
        html.push_str(part);
    }
}

/// Text in an attribute value or an element: markup characters escaped.
fn push_escaped(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '"' => html.push_str("&quot;"),
            '<' => html.push_str("&lt;"),
            c => html.push(c),
        }
    }
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
