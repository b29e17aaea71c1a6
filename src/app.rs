//! Builds the configuration and the connection, and lays out the page.

use leptos::{ev, prelude::*};

use std::rc::Rc;

use crate::{
    browser_json::BrowserJson,
    components::{Conversation, Message, Name, Settings, Status},
    connection::{js_text, Connection, Outputs},
    history::{History, Page, SharedHistory},
    storage::{self, Area, NAME_KEY, OUTBOX_KEY, SETTINGS_KEY, TOKEN_KEY},
    tabs,
};
use wschat_core::{
    backoff::Backoff,
    chat::{Chat, ChatEvent, Delivery, EntryId},
    config::{
        self, Loaded, PageOrigin, Parameters, Problem, Source, Sources, META_PREFIX, PARAMETERS,
    },
    history,
    link::{Link, LinkConfig, Status as LinkStatus},
    outbox::{read_saved, Queued, Saved},
    protocol::Codec,
};

/// What the page starts from: its configuration, read once, and its
/// history, read before the page is laid out so that the conversation
/// shows it first, in order.
pub struct Start {
    query: Vec<(String, String)>,
    page_defaults: Vec<(String, String)>,
    loaded: Loaded,
    history: Option<History>,
    /// The conversation as the history kept it.
    chat: Chat,
    /// What the outbox brings back, and where the history holds each.
    outbox: Vec<Saved>,
    places: Vec<Option<usize>>,
}

impl Start {
    pub async fn read() -> Start {
        let query = query_pairs();
        let page_defaults = page_defaults();
        let saved_settings = storage::read(Area::Local, SETTINGS_KEY);
        let saved_name = storage::read(Area::Local, NAME_KEY);
        let token = take_token();
        let loaded = config::load::<BrowserJson>(Sources {
            query: &query,
            saved_settings: saved_settings.as_deref(),
            saved_name: saved_name.as_deref(),
            page: &page_defaults,
            token: token.as_deref(),
        });
        let name = history::key(
            &loaded.config.server,
            &loaded.config.name,
            &page_origin(),
            loaded.config.wire.topic.as_deref().unwrap_or_default(),
        );
        let history = History::open(&name).await;
        let mut chat = Chat::default();
        chat.page((js_sys::Math::random() * 1_048_576.0) as u32);
        chat.keep(history.is_some());
        let outbox = read_outbox(&mut chat);
        let mut places = vec![None; outbox.len()];
        if let Some(history) = &history {
            history
                .scan(None, &mut |page| {
                    let Page {
                        records, broken, ..
                    } = page;
                    // A message the outbox brings back shows in its place
                    // in the history, in the state the outbox gives it.
                    let base = chat.end();
                    let mut taken = Vec::new();
                    for (item, place) in outbox.iter().zip(&mut places) {
                        let kept = records.iter().enumerate().rev().find(|(at, record)| {
                            place.is_none()
                                && !taken.contains(at)
                                && record
                                    .delivery
                                    .is_some_and(|delivery| delivery != Delivery::Delivered)
                                && record.text == item.text
                        });
                        if let Some((at, _)) = kept {
                            taken.push(at);
                            *place = Some(base + at);
                        }
                    }
                    chat.apply(ChatEvent::Restored(records));
                    if broken {
                        chat.at(js_sys::Date::now())
                            .apply(ChatEvent::System(history::UNREADABLE.into()));
                    }
                    true
                })
                .await;
        }
        Start {
            query,
            page_defaults,
            loaded,
            history,
            chat,
            outbox,
            places,
        }
    }
}

/// The whole app.
#[component]
pub fn App(
    /// The configuration and the history it starts from.
    start: Start,
) -> impl IntoView {
    let Start {
        query,
        page_defaults,
        loaded: Loaded {
            config,
            saved,
            problems,
        },
        history,
        chat,
        outbox,
        places,
    } = start;
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
    let chat = RwSignal::new(chat);
    let status = RwSignal::new(LinkStatus::default());
    let name = RwSignal::new(config.name.clone());

    show_problems(chat, &problems, None);
    let (restored, uncertain) = restore_outbox(chat, outbox, places);
    let history = StoredValue::new_local(history.map(Rc::new));
    // The history learns what changed, once per conversation update: one
    // transaction per animation frame in a flood. A write the browser
    // refuses (a full quota) ends the history for this page, and says so.
    let changed = Callback::new(move |()| store_changes(history, chat));
    changed.run(());

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
    let connection = StoredValue::new_local(Connection::start(
        link,
        Outputs {
            chat,
            status,
            changed: Some(changed),
        },
    ));

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
        // Another server has its own history: what comes from now on goes there.
        let topic = config.wire.topic.as_deref().unwrap_or_default();
        let name = history::key(&config.server, &config.name, &page_origin(), topic);
        if history.with_value(|history| {
            history
                .as_ref()
                .is_some_and(|history| history.name() != name)
        }) {
            switch_history(history, chat, name, None);
        }
        let codec = Codec::new(&config.wire);
        connection
            .with_value(|connection| connection.reconfigure(codec, config.server, config.echo));
    });

    // Forgetting the history: this page stops writing to it, the browser
    // deletes it, and a fresh one takes what comes next.
    let on_clear = Callback::new(move |()| {
        let name =
            history.with_value(|history| history.as_ref().map(|history| history.name().to_owned()));
        if let Some(name) = name {
            switch_history(history, chat, name, Some(history::FORGOTTEN));
        }
    });
    let on_missing = Callback::new(move |missing: Vec<usize>| recall(history, chat, missing));

    view! {
        <header>
            // Text in a block: view! writes a wholly static element as markup
            // set through innerHTML, which Trusted Types refuse.
            <h1>{"wschat"}</h1>
            <Status status on_reconnect on_disconnect />
        </header>
        <main>
            <Settings
                saved
                from_url
                default_protocol
                page_url=page_url()
                on_save=on_settings
                on_clear
            />
            <Name name on_change=on_name />
            <Conversation chat on_discard on_resend history on_missing />
            <Message name on_send />
        </main>
    }
}

/// Writes what changed in the conversation to the history. While a
/// history opens, the changes wait in the conversation.
fn store_changes(history: SharedHistory, chat: RwSignal<Chat>) {
    if history.with_value(Option::is_none) {
        return;
    }
    let Some(changes) = chat.try_update_untracked(Chat::take_changes) else {
        return;
    };
    let refused = history.with_value(|history| {
        history
            .as_ref()
            .and_then(|history| history.write(changes).err())
    });
    if let Some(error) = refused {
        history.set_value(None);
        chat.update(|chat| {
            chat.keep(false);
            chat.at(js_sys::Date::now())
                .apply(ChatEvent::System(format!(
                    "{} ({})",
                    history::REFUSED,
                    js_text(&error)
                )));
        });
    }
}

/// Closes the history this page writes to and opens the one named `name`
/// (forgetting it first when `forgotten` says so). Changes made meanwhile
/// wait in the conversation; without IndexedDB, the page goes on without.
fn switch_history(
    history: SharedHistory,
    chat: RwSignal<Chat>,
    name: String,
    forgotten: Option<&'static str>,
) {
    history.set_value(None);
    if let Some(line) = forgotten {
        crate::history::forget(&name);
        chat.update(|chat| {
            chat.at(js_sys::Date::now())
                .apply(ChatEvent::System(line.into()))
        });
    }
    leptos::task::spawn_local(async move {
        let opened = History::open(&name).await;
        if opened.is_none() {
            chat.update(|chat| chat.keep(false));
        }
        history.set_value(opened.map(Rc::new));
        store_changes(history, chat);
    });
}

/// Asks the history for the texts of entries that went to make room, and
/// gives them back to the conversation. One the history does not have
/// shows as such.
fn recall(history: SharedHistory, chat: RwSignal<Chat>, missing: Vec<usize>) {
    let Some(history) = history.get_value() else {
        return;
    };
    let keys: Vec<(usize, (f64, f64))> = chat.with_untracked(|chat| {
        missing
            .iter()
            .filter_map(|&index| chat.key(index).map(|key| (index, key)))
            .collect()
    });
    let (Some(&(_, first)), Some(&(_, last))) = (keys.first(), keys.last()) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let mut found: Vec<(usize, String)> = Vec::with_capacity(keys.len());
        // From just before the first: a batch is keyed by its time.
        history
            .scan(Some((first.0 - 1.0, 0.0)), &mut |page| {
                for record in page.records {
                    let key = (record.time_ms, record.uid);
                    if let Some(&(index, _)) = keys.iter().find(|(_, wanted)| *wanted == key) {
                        found.push((index, record.text));
                    }
                }
                page.next.is_some_and(|next| next <= last)
            })
            .await;
        chat.update(|chat| {
            for &(index, _) in &keys {
                let text = found.iter().find(|(at, _)| *at == index);
                chat.recall(index, text.map_or(history::NOT_KEPT, |(_, text)| text));
            }
        });
    });
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

/// Messages left in this tab's outbox by an earlier page load. One that
/// cannot be read is forgotten, with a line that says so.
fn read_outbox(chat: &mut Chat) -> Vec<Saved> {
    let Some(saved) = storage::read(Area::Session, OUTBOX_KEY) else {
        return Vec::new();
    };
    read_saved::<BrowserJson>(&saved).unwrap_or_else(|error| {
        storage::remove(Area::Session, OUTBOX_KEY);
        chat.at(js_sys::Date::now())
            .apply(ChatEvent::System(error.to_string()));
        Vec::new()
    })
}

/// The outbox's messages shown again, in their places in the history or
/// else after it: queued ones as pending, uncertain ones as uncertain.
fn restore_outbox(
    chat: RwSignal<Chat>,
    items: Vec<Saved>,
    places: Vec<Option<usize>>,
) -> (Vec<Queued>, Vec<Queued>) {
    let mut queued = Vec::new();
    let mut uncertain = Vec::new();
    chat.update(|chat| {
        chat.at(js_sys::Date::now());
        for (item, place) in items.into_iter().zip(places) {
            let id = match place {
                Some(index) => EntryId(index as u64),
                None => chat.write_as(&item.name, &item.text),
            };
            let delivery = if item.uncertain {
                Delivery::Uncertain
            } else {
                Delivery::Pending
            };
            chat.apply(ChatEvent::Delivery { id, delivery });
            let message = Queued {
                id,
                name: item.name,
                text: item.text,
            };
            if item.uncertain {
                uncertain.push(message);
            } else {
                queued.push(message);
            }
        }
    });
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
