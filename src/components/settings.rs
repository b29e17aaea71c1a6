use leptos::{ev, html, prelude::*};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlFormElement};

use crate::{
    config::{check_settings, form::PRESETS, Parameters, SETTINGS},
    protocol::Protocol,
};

/// The form's controls. They are static markup, not `view!`: the panel has
/// some forty elements that never change, and building each through the
/// view system cost the bundle about 4 KB gzip. What does change (values,
/// errors, the share link) is set on the elements by id.
const FORM: &str = r#"<div class="field"><label for="settings-preset">Server design</label><select id="settings-preset"><option value="">Choose one to fill in the fields…</option><option value="json-relay">JSON relay (Node ws)</option><option value="echo">Echo server</option><option value="socketio">Socket.IO</option><option value="socketio-join">Socket.IO chat with a join event</option><option value="first-frame">First frame is the username</option></select></div>
<div class="field"><label for="settings-server">Server</label><input id="settings-server" name="server" placeholder="/ws" spellcheck="false" aria-describedby="settings-server-error"><small class="field-error" id="settings-server-error" role="alert"></small></div>
<div class="field"><label for="settings-protocol">Protocol</label><select id="settings-protocol" name="protocol" aria-describedby="settings-protocol-error"><option value="">default</option><option>json</option><option>text</option><option>socketio</option></select><small class="field-error" id="settings-protocol-error" role="alert"></small></div>
<div class="field"><label for="settings-event">Socket.IO event</label><input id="settings-event" name="event" placeholder="message" spellcheck="false" aria-describedby="settings-event-error"><small class="field-error" id="settings-event-error" role="alert"></small></div>
<div class="field"><label for="settings-join">Join, sent first on each connection</label><input id="settings-join" name="join" placeholder="none; e.g. {name} or add user" spellcheck="false" aria-describedby="settings-join-error"><small class="field-error" id="settings-join-error" role="alert"></small></div>
<div class="field"><label for="settings-template">Message template</label><input id="settings-template" name="template" placeholder="per protocol; e.g. {&quot;data&quot;:&quot;{text}&quot;}" spellcheck="false" aria-describedby="settings-template-error"><small class="field-error" id="settings-template-error" role="alert"></small></div>
<div class="field"><label for="settings-pattern">Line pattern (text)</label><input id="settings-pattern" name="pattern" placeholder="none; e.g. {name}: {text}" spellcheck="false" aria-describedby="settings-pattern-error"><small class="field-error" id="settings-pattern-error" role="alert"></small></div>
<div class="field"><label for="settings-echo">Own messages sent back</label><select id="settings-echo" name="echo" aria-describedby="settings-echo-error"><option value="">default (fold)</option><option value="fold">fold: confirm, show once</option><option value="show">show: show again</option></select><small class="field-error" id="settings-echo-error" role="alert"></small></div>
<button id="settings-save" type="submit">Save and reconnect</button><small id="settings-saved" role="status"></small>
<p class="note">These settings as a link: <a id="settings-share"></a></p><p class="note" id="settings-url-note"></p>"#;

/// The settings panel: server, protocol, and how frames are written and
/// read, saved and applied at once. A preset fills in a common server
/// design; refused fields say why, next to the field; a link gives the URL
/// that reproduces what the fields say.
#[component]
pub fn Settings(
    /// The settings saved so far.
    saved: Parameters,
    /// The parameters that the page URL sets; they win over saved settings.
    from_url: Vec<&'static str>,
    /// The protocol in force when the protocol field is empty: the other
    /// fields are checked for it.
    default_protocol: Protocol,
    /// The page's address without its query, for the share link.
    page_url: String,
    /// Called with valid settings when the user saves them.
    on_save: Callback<Parameters>,
) -> impl IntoView {
    let form_ref = NodeRef::<html::Form>::new();
    let page_url = StoredValue::new(page_url);
    let refresh = move |form: &HtmlFormElement| {
        let query = read_form(form).share_query();
        let url = page_url.with_value(|page| match query.as_str() {
            "" => page.clone(),
            query => format!("{page}?{query}"),
        });
        if let Some(share) = by_id(form, "settings-share") {
            let _ = share.set_attribute("href", &url);
            share.set_text_content(Some(&url));
        }
    };
    form_ref.on_load(move |form| {
        for (name, value) in saved.pairs() {
            set_value(&form, name, value);
        }
        let default = format!("default ({default_protocol})");
        if let Ok(Some(option)) = form.query_selector("#settings-protocol option") {
            option.set_text_content(Some(&default));
        }
        if !from_url.is_empty() {
            let note = format!(
                "The page URL sets {}; the URL wins over saved settings.",
                from_url.join(", ")
            );
            say(&form, "settings-url-note", &note);
        }
        refresh(&form);
    });

    let save = move |submit: ev::SubmitEvent| {
        submit.prevent_default();
        let Some(form) = form_ref.get_untracked() else {
            return;
        };
        let result = check_settings(&read_form(&form), default_protocol);
        let refused = result.as_ref().err();
        for name in SETTINGS {
            let reason = refused
                .and_then(|refused| refused.iter().find(|(parameter, _)| *parameter == name))
                .map(|(_, error)| error.to_string())
                .unwrap_or_default();
            say(&form, &format!("settings-{name}-error"), &reason);
        }
        say(
            &form,
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
        let Some(form) = form_ref.get_untracked() else {
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
                set_value(&form, name, filled.get(name).unwrap_or_default());
            }
        }
        refresh(&form);
    };

    view! {
        <details id="settings">
            <summary>"Settings"</summary>
            <form
                id="settings-form"
                novalidate
                node_ref=form_ref
                on:submit=save
                on:input=changed
                inner_html=FORM
            ></form>
        </details>
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

fn by_id(form: &HtmlFormElement, id: &str) -> Option<Element> {
    form.query_selector(&format!("#{id}")).ok().flatten()
}

/// Sets the value of the field submitted as `name`.
fn set_value(form: &HtmlFormElement, name: &str, value: &str) {
    if let Some(field) = by_id(form, &format!("settings-{name}")) {
        let _ = js_sys::Reflect::set(&field, &"value".into(), &JsValue::from(value));
    }
}

/// Puts `text` in the element `id`.
fn say(form: &HtmlFormElement, id: &str, text: &str) {
    if let Some(element) = by_id(form, id) {
        element.set_text_content(Some(text));
    }
}
