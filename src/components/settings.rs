use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;

use crate::{
    config::{
        check_settings, Settings as SavedSettings, SettingsForm, DEFAULT_EVENT, DEFAULT_SERVER,
    },
    protocol::Protocol,
};

/// The settings panel: server, protocol and Socket.IO event, saved and
/// applied at once. Refused fields say why, next to the field.
///
/// The fields are plain form controls, read when the form is submitted:
/// nothing else needs their values while the user types, and every
/// reactive binding costs bundle size.
#[component]
pub fn Settings(
    /// The settings saved so far.
    saved: SavedSettings,
    /// The parameters that the page URL sets; they win over saved settings.
    from_url: Vec<&'static str>,
    /// Called with valid settings when the user saves them.
    on_save: Callback<SavedSettings>,
) -> impl IntoView {
    let initial = SettingsForm::from(&saved);
    // One message per field, and the "saved" note, in that order.
    let notes = RwSignal::new([String::new(), String::new(), String::new(), String::new()]);

    let save = move |submit: ev::SubmitEvent| {
        submit.prevent_default();
        let fields = submit
            .target()
            .and_then(|form| web_sys::FormData::new_with_form(form.unchecked_ref()).ok());
        let field = |name: &str| {
            fields
                .as_ref()
                .and_then(|fields| fields.get(name).as_string())
                .unwrap_or_default()
        };
        let form = SettingsForm {
            server: field("server"),
            protocol: field("protocol"),
            event: field("event"),
        };
        let say = |error: Option<crate::config::ConfigError>| {
            error.map(|e| e.to_string()).unwrap_or_default()
        };
        match check_settings(&form) {
            Ok(settings) => {
                notes.set([
                    String::new(),
                    String::new(),
                    String::new(),
                    "Saved.".to_owned(),
                ]);
                on_save.run(settings);
            }
            Err(refused) => notes.set([
                say(refused.server),
                say(refused.protocol),
                say(refused.event),
                String::new(),
            ]),
        }
    };
    let note = move |index: usize| {
        move || notes.with(|notes| notes.get(index).cloned().unwrap_or_default())
    };
    let url_note = if from_url.is_empty() {
        String::new()
    } else {
        format!(
            "The page URL sets {}; the URL wins over saved settings.",
            from_url.join(", ")
        )
    };
    let chosen = initial.protocol;

    view! {
        <details id="settings">
            <summary>"Settings"</summary>
            <form
                id="settings-form"
                novalidate
                on:submit=save
            >
                <div class="field">
                    <label for="settings-server">"Server"</label>
                    <input
                        id="settings-server"
                        type="text"
                        name="server"
                        placeholder=DEFAULT_SERVER
                        value=initial.server
                        aria-describedby="settings-server-error"
                    />
                    <small class="field-error" id="settings-server-error" role="alert">
                        {note(0)}
                    </small>
                </div>
                <div class="field">
                    <label for="settings-protocol">"Protocol"</label>
                    <select id="settings-protocol" name="protocol" aria-describedby="settings-protocol-error">
                        <option value="">"default (json)"</option>
                        {Protocol::ALL.map(|option| {
                            let name = option.as_str();
                            view! { <option value=name selected=chosen == name>{name}</option> }
                        })}
                    </select>
                    <small class="field-error" id="settings-protocol-error" role="alert">
                        {note(1)}
                    </small>
                </div>
                <div class="field">
                    <label for="settings-event">"Socket.IO event"</label>
                    <input
                        id="settings-event"
                        type="text"
                        name="event"
                        placeholder=DEFAULT_EVENT
                        value=initial.event
                        aria-describedby="settings-event-error"
                    />
                    <small class="field-error" id="settings-event-error" role="alert">
                        {note(2)}
                    </small>
                </div>
                <button id="settings-save" type="submit">"Save and reconnect"</button>
                <small id="settings-saved" role="status">{note(3)}</small>
                <p class="note" id="settings-url-note">{url_note}</p>
            </form>
        </details>
    }
}
