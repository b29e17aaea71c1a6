use leptos::prelude::*;

use crate::{
    config::{
        check_settings, ConfigError, FieldErrors, Settings as SavedSettings, SettingsForm,
        DEFAULT_EVENT, DEFAULT_SERVER,
    },
    protocol::Protocol,
};

/// The settings panel: server, protocol and Socket.IO event, saved and
/// applied at once. Refused fields say why, next to the field.
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
    let server = RwSignal::new(initial.server);
    let protocol = RwSignal::new(initial.protocol);
    let event = RwSignal::new(initial.event);
    let errors = RwSignal::new(Default::default());
    let saved_note = RwSignal::new(false);

    let save = move || {
        let form = SettingsForm {
            server: server.get_untracked(),
            protocol: protocol.get_untracked(),
            event: event.get_untracked(),
        };
        match check_settings(&form) {
            Ok(settings) => {
                errors.set(Default::default());
                saved_note.set(true);
                on_save.run(settings);
            }
            Err(refused) => {
                errors.set(refused);
                saved_note.set(false);
            }
        }
    };
    let error_of = move |pick: fn(&FieldErrors) -> &Option<ConfigError>| {
        move || {
            errors
                .with(|errors| pick(errors).as_ref().map(ToString::to_string))
                .unwrap_or_default()
        }
    };
    let url_note = if from_url.is_empty() {
        String::new()
    } else {
        format!(
            "The page URL sets {}; the URL wins over saved settings.",
            from_url.join(", ")
        )
    };

    let server_error = error_of(|e| &e.server);
    let protocol_error = error_of(|e| &e.protocol);
    let event_error = error_of(|e| &e.event);

    // Fields are written out rather than wrapped in a component taking
    // `Children`: that boxes views as AnyView, which costs the bundle ~10 KB.
    view! {
        <details id="settings">
            <summary>"Settings"</summary>
            <form
                id="settings-form"
                novalidate
                on:submit=move |submit| {
                    submit.prevent_default();
                    save();
                }
            >
                <div class="field" class:invalid=move || !server_error().is_empty()>
                    <label for="settings-server">"Server"</label>
                    <input
                        id="settings-server"
                        type="text"
                        placeholder=DEFAULT_SERVER
                        aria-describedby="settings-server-error"
                        prop:value=server
                        on:input=move |input| server.set(event_target_value(&input))
                    />
                    <small class="field-error" id="settings-server-error" role="alert">
                        {server_error}
                    </small>
                </div>
                <div class="field" class:invalid=move || !protocol_error().is_empty()>
                    <label for="settings-protocol">"Protocol"</label>
                    <select
                        id="settings-protocol"
                        aria-describedby="settings-protocol-error"
                        prop:value=protocol
                        on:change=move |change| protocol.set(event_target_value(&change))
                    >
                        <option value="">"default (json)"</option>
                        <option value=Protocol::Json.as_str()>{Protocol::Json.as_str()}</option>
                        <option value=Protocol::Text.as_str()>{Protocol::Text.as_str()}</option>
                        <option value=Protocol::SocketIo.as_str()>{Protocol::SocketIo.as_str()}</option>
                    </select>
                    <small class="field-error" id="settings-protocol-error" role="alert">
                        {protocol_error}
                    </small>
                </div>
                <div class="field" class:invalid=move || !event_error().is_empty()>
                    <label for="settings-event">"Socket.IO event"</label>
                    <input
                        id="settings-event"
                        type="text"
                        placeholder=DEFAULT_EVENT
                        aria-describedby="settings-event-error"
                        prop:value=event
                        on:input=move |input| event.set(event_target_value(&input))
                    />
                    <small class="field-error" id="settings-event-error" role="alert">
                        {event_error}
                    </small>
                </div>
                <button id="settings-save" type="submit">"Save and reconnect"</button>
                <small id="settings-saved" role="status">
                    {move || if saved_note.get() { "Saved." } else { "" }}
                </small>
                <p class="note" id="settings-url-note">{url_note}</p>
            </form>
        </details>
    }
}
