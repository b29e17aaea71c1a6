//! Builds the configuration and the connection, and lays out the page.

use leptos::{ev, prelude::*};

use crate::{
    browser_json::BrowserJson,
    components::{Conversation, Message, Name, Settings, Status},
    connection::{Connection, Outputs},
    storage::{self, Area, NAME_KEY, OUTBOX_KEY, SETTINGS_KEY, TOKEN_KEY},
    tabs,
};
use wschat_core::{
    backoff::Backoff,
    chat::{Chat, ChatEvent, Delivery},
    config::{
        self, Loaded, PageOrigin, Parameters, Problem, Source, Sources, META_PREFIX, PARAMETERS,
    },
    link::{Link, LinkConfig, Status as LinkStatus},
    outbox::{read_saved, Queued},
    protocol::Codec,
};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let query = query_pairs();
    let page_defaults = page_defaults();
    let saved_settings = storage::read(Area::Local, SETTINGS_KEY);
    let saved_name = storage::read(Area::Local, NAME_KEY);
    let token = take_token();
    let Loaded {
        config,
        saved,
        problems,
    } = config::load::<BrowserJson>(Sources {
        query: &query,
        saved_settings: saved_settings.as_deref(),
        saved_name: saved_name.as_deref(),
        page: &page_defaults,
        token: token.as_deref(),
    });
    // The protocol the settings panel's other fields are checked for when
    // its own protocol field is empty.
    let default_protocol = config::load::<BrowserJson>(Sources {
        page: &page_defaults,
        ..Sources::default()
    })
    .config
    .wire
    .protocol;
    let from_url = Parameters::typed(query.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let chat = RwSignal::new(Chat::default());
    let status = RwSignal::new(LinkStatus::default());
    let name = RwSignal::new(config.name.clone());

    show_problems(chat, &problems, None);
    let (restored, uncertain) = restore_outbox(chat);

    let link = Link::new(
        LinkConfig {
            codec: Codec::new(&config.wire),
            server: config.server.clone(),
            name: config.name.clone(),
            page: page_origin(),
            echo: config.echo,
        },
        Backoff::default(),
    );
    // The connection is not Send; a local stored value is a Copy handle to
    // it that callbacks can hold.
    let connection = StoredValue::new_local(Connection::start(link, Outputs { chat, status }));

    // The saved messages join the ledger at once, so that Discard and new
    // messages see them, but go out only once the claim says they are
    // this tab's: a duplicated tab starts with a copy of its opener's
    // storage.
    connection.with_value(|connection| connection.restore(restored, uncertain));
    let owner =
        tabs::claim(move |owner| connection.with_value(|connection| connection.claimed(owner)));
    // Without Web Locks, the owner answers other tabs for as long as the
    // app lives.
    let _owner = StoredValue::new_local(owner);

    // The page may unload: what is in flight is saved, to come back
    // uncertain after a reload, unless it was delivered by now.
    let _ = window_event_listener(ev::pagehide, move |_| {
        connection.with_value(Connection::page_hide)
    });

    // The connection retries at once when the network or the tab comes back.
    // These listeners live as long as the page. Coming online counts in a
    // hidden tab too; a tab coming into view counts when it is visible.
    let _ = window_event_listener(ev::online, move |_| {
        connection.with_value(Connection::nudge)
    });
    let _ = window_event_listener(ev::visibilitychange, move |_| {
        connection.with_value(Connection::visibility_changed);
        if !document().hidden() {
            connection.with_value(Connection::nudge);
        }
    });

    let on_name = Callback::new(move |new_name: String| {
        let _ = storage::write(Area::Local, NAME_KEY, &new_name);
        connection.with_value(|connection| connection.set_name(&new_name));
        name.set(new_name);
    });
    let on_send = Callback::new(move |text: String| {
        connection.with_value(|connection| connection.send(&name.get_untracked(), &text))
    });
    let on_reconnect = Callback::new(move |()| connection.with_value(Connection::reconnect));
    let on_disconnect = Callback::new(move |()| connection.with_value(Connection::disconnect));
    let on_discard =
        Callback::new(move |id| connection.with_value(|connection| connection.discard(id)));
    let on_resend =
        Callback::new(move |id| connection.with_value(|connection| connection.resend(id)));
    let on_settings = Callback::new(move |settings: Parameters| {
        let json = settings.to_json();
        let _ = storage::write(Area::Local, SETTINGS_KEY, &json);
        // The URL still wins: apply what the page would load now. A saved
        // value it makes invalid (a template, for the URL's protocol) says so.
        let Loaded {
            config, problems, ..
        } = config::load::<BrowserJson>(Sources {
            query: &query,
            saved_settings: Some(&json),
            saved_name: None,
            page: &page_defaults,
            token: storage::read(Area::Session, TOKEN_KEY).as_deref(),
        });
        show_problems(chat, &problems, Some(Source::Saved));
        let codec = Codec::new(&config.wire);
        connection
            .with_value(|connection| connection.reconfigure(codec, config.server, config.echo));
    });

    view! {
        <header>
            // Text in a block: view! writes a wholly static element as markup
            // set through innerHTML, which Trusted Types refuse.
            <h1>{"wschat"}</h1>
            <Status status on_reconnect on_disconnect />
        </header>
        <main>
            <Settings saved from_url default_protocol page_url=page_url() on_save=on_settings />
            <Name name on_change=on_name />
            <Conversation chat on_discard on_resend />
            <Message name on_send />
        </main>
    }
}

/// Shows each problem (only those from `source`, if given) as a system line.
fn show_problems(chat: RwSignal<Chat>, problems: &[Problem], source: Option<Source>) {
    chat.update(|chat| {
        chat.at(js_sys::Date::now()).apply_all(
            problems
                .iter()
                .filter(|problem| source.is_none_or(|source| problem.source == source))
                .map(|problem| ChatEvent::System(problem.to_string())),
        )
    });
}

/// Messages left in this tab's outbox by an earlier page load, shown again:
/// queued ones as pending, uncertain ones as uncertain.
fn restore_outbox(chat: RwSignal<Chat>) -> (Vec<Queued>, Vec<Queued>) {
    let mut queued = Vec::new();
    let mut uncertain = Vec::new();
    let Some(saved) = storage::read(Area::Session, OUTBOX_KEY) else {
        return (queued, uncertain);
    };
    match read_saved::<BrowserJson>(&saved) {
        Ok(items) => chat.update(|chat| {
            chat.at(js_sys::Date::now());
            for item in items {
                let id = chat.write(&item.text);
                let message = Queued {
                    id,
                    name: item.name,
                    text: item.text,
                };
                if item.uncertain {
                    chat.apply(ChatEvent::Delivery {
                        id,
                        delivery: Delivery::Uncertain,
                    });
                    uncertain.push(message);
                } else {
                    queued.push(message);
                }
            }
        }),
        Err(error) => {
            storage::remove(Area::Session, OUTBOX_KEY);
            chat.update(|chat| {
                chat.at(js_sys::Date::now())
                    .apply(ChatEvent::System(error.to_string()))
            });
        }
    }
    (queued, uncertain)
}

/// The page URL's query parameters that the app reads, decoded.
fn query_pairs() -> Vec<(String, String)> {
    let search = window().location().search().unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return Vec::new();
    };
    // Every value, in order: when a parameter repeats, the last one wins.
    PARAMETERS
        .iter()
        .flat_map(|key| {
            params
                .get_all(key)
                .iter()
                .filter_map(|value| value.as_string())
                .map(|value| (key.to_string(), value))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The token for the server: from the page URL's fragment (`#token=…`,
/// which browsers never send to the page's host), kept in this tab's
/// sessionStorage only and taken out of the address bar at once; else the
/// one this tab kept.
fn take_token() -> Option<String> {
    let location = window().location();
    let href = location.href().unwrap_or_default();
    let fragment = href.split_once('#').map(|(_, fragment)| fragment);
    if let Some(raw) = fragment.and_then(|fragment| fragment.strip_prefix("token=")) {
        // Taken as it is, not percent-decoded (0.1 KB): tokens are URL-safe
        // (JWT, base64url, hex); one that is not goes in the settings.
        let _ = storage::write(Area::Session, TOKEN_KEY, raw);
        // Out of the address bar and out of the tab's history: the entry is
        // replaced by the same page with an empty fragment, which does not
        // reload it. (`history.replaceState` would leave no `#`, for 0.1 KB.)
        let _ = location.replace("#");
    }
    storage::read(Area::Session, TOKEN_KEY)
}

/// The page's own defaults: `<meta name="wschat-PARAMETER" content="…">`.
fn page_defaults() -> Vec<(String, String)> {
    let metas = document().get_elements_by_tag_name("meta");
    (0..metas.length())
        .filter_map(|index| metas.item(index))
        .filter_map(|meta| {
            let name = meta.get_attribute("name")?;
            let parameter = name.strip_prefix(META_PREFIX)?;
            let value = meta.get_attribute("content")?;
            Some((parameter.to_owned(), value))
        })
        .collect()
}

/// The page's address without its query, for the settings' share line.
fn page_url() -> String {
    let href = window().location().href().unwrap_or_default();
    let page = href.split_once('#').map_or(href.as_str(), |(page, _)| page);
    page.split_once('?')
        .map_or(page, |(page, _)| page)
        .to_owned()
}

fn page_origin() -> PageOrigin {
    let location = window().location();
    PageOrigin {
        secure: location.protocol().is_ok_and(|scheme| scheme == "https:"),
        host: location.host().unwrap_or_default(),
    }
}
