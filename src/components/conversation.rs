mod placing;

use std::{cell::RefCell, rc::Rc};

use leptos::{ev, prelude::*, tachys::renderer::Rndr};
use wasm_bindgen::JsCast;
use web_sys::Element;

use wschat_core::{
    chat::{Author, Chat, Delivery, Entry, EntryId},
    clock::Civil,
    links,
    viewport::Row,
};

use super::{handler, reactive, run_on_click, settings::add};
use placing::{Parts, View};

use super::search::{copy_lines, export};
use crate::history::SharedHistory;

/// The log's id, and those of the parts the view sizes and moves. The
/// contract makes `chat-text` unique on the page, so the view finds its
/// elements by id rather than through `NodeRef`s, which cost about 1 KB
/// gzip each.
const LOG_ID: &str = "chat-text";
const TRACK_ID: &str = "chat-track";
const ROWS_ID: &str = "chat-rows";
const ANNOUNCER_ID: &str = "chat-announce";
const SEARCH_ID: &str = "search";
const COUNT_ID: &str = "search-count";

/// The conversation: `#chat-text`, a log for assistive technology, that
/// renders only the window of entries in and near the viewport.
///
/// The window arithmetic is the pure [`Viewport`]. This component measures
/// the rendered rows (a `ResizeObserver`, which reports after layout and
/// before paint), tells the viewport where the reader scrolled, and moves
/// the DOM to the [`Placement`] it answers; `placing` does that part. Rows
/// are keyed by everything they show, so a row is built once and rebuilt
/// only when it changes.
///
/// [`Viewport`]: wschat_core::viewport::Viewport
/// [`Placement`]: wschat_core::viewport::Placement
#[component]
pub fn Conversation(
    /// The conversation to show.
    #[prop(into)]
    chat: Signal<Chat>,
    /// Called when the user discards a message that has not gone out, or
    /// whose delivery is uncertain.
    on_discard: Callback<EntryId>,
    /// Called when the user sends an uncertain message again.
    on_resend: Callback<EntryId>,
    /// The history, searched and exported with the conversation.
    #[prop(optional)]
    history: Option<SharedHistory>,
    /// Called with rendered entries whose texts are not held, for the
    /// history to give them back.
    #[prop(optional)]
    on_missing: Option<Callback<Vec<usize>>>,
) -> impl IntoView {
    let shown = RwSignal::new(Vec::<Row>::new());
    let unread = RwSignal::new(0u64);
    let following = RwSignal::new(true);
    let view = Rc::new(RefCell::new(View::new(Parts {
        chat,
        shown,
        unread,
        following,
        history,
        on_missing,
    })));
    // The page's own title, to put the unread count before.
    view.borrow_mut().title = document().title();

    let on_change = Rc::clone(&view);
    Effect::new(move |_| {
        chat.track();
        View::update(&on_change, View::chat_changed);
    });
    // Ctrl+F (Cmd+F) opens the search; pressed in the open box, it is the
    // browser's own find.
    let keys = window_event_listener(ev::keydown, move |event| {
        let find = (event.ctrl_key() || event.meta_key()) && event.key().eq_ignore_ascii_case("f");
        let search = document().get_element_by_id(SEARCH_ID);
        let in_box = document().active_element() == search;
        if let (true, false, Some(search)) = (find, in_box, search) {
            event.prevent_default();
            if let Some(tools) = search.parent_element() {
                let _ = tools.remove_attribute("hidden");
            }
            let _ = search.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    });
    let on_find = Rc::clone(&view);
    let on_search_key = Rc::clone(&view);
    let on_search_keys = move |event: ev::KeyboardEvent| {
        let key = event.key();
        let Ok(mut view) = on_search_key.try_borrow_mut() else {
            return;
        };
        if key == "Enter" {
            event.prevent_default();
            view.step(event.shift_key());
        } else if key == "Escape" {
            if let Some(search) = document().get_element_by_id(SEARCH_ID) {
                let _ = js_sys::Reflect::set(&search, &"value".into(), &"".into());
                if let Some(tools) = search.parent_element() {
                    let _ = tools.set_attribute("hidden", "");
                }
            }
            view.find(&on_search_key, String::new());
        }
    };
    let on_scroll = Rc::clone(&view);
    let on_jump = Rc::clone(&view);
    let on_visible = Rc::clone(&view);
    let visibility = window_event_listener(ev::visibilitychange, move |_| {
        View::update(&on_visible, View::seen_if_visible);
    });
    // Cleanup runs on this thread; the wrapper only satisfies the bound.
    let on_leave = send_wrapper::SendWrapper::new(Rc::clone(&view));
    on_cleanup(move || {
        visibility.remove();
        keys.remove();
        if let Ok(mut view) = on_leave.try_borrow_mut() {
            view.stop_observing();
        }
    });

    let jump_label = move || match unread.get() {
        0 => "Jump to the newest message".to_owned(),
        1 => "1 new message".to_owned(),
        count => format!("{count} new messages"),
    };

    view! {
        // The export buttons' clicks bubble up to the row: one handler.
        <div
            class="tools"
            on:click=handler(move |event: ev::MouseEvent| {
                let id = event
                    .target()
                    .and_then(|target| target.dyn_into::<Element>().ok())
                    .map(|target| target.id())
                    .unwrap_or_default();
                if id.starts_with("export") {
                    export(chat, history, id == "export-json");
                }
            })
        >
            <div class="search" hidden>
                <input
                    id=SEARCH_ID
                    type="search"
                    placeholder="Search the conversation"
                    aria-label="Search the conversation"
                    on:input=handler(move |event: ev::Event| {
                        if let Ok(mut view) = on_find.try_borrow_mut() {
                            view.find(&on_find, event_target_value(&event));
                        }
                    })
                    on:keydown=handler(on_search_keys)
                />
                <output id=COUNT_ID aria-live="polite"></output>
            </div>
            <button id="export" type="button">
                {"Export"}
            </button>
            <button id="export-json" type="button">
                {"Export JSON"}
            </button>
        </div>
        <div class="log-frame">
            <div
                id=LOG_ID
                role="log"
                aria-live="polite"
                aria-label="Conversation"
                tabindex="0"
                on:scroll=move |_| View::update(&on_scroll, View::scrolled)
                on:copy=move |event| copy_lines(chat, &event)
            >
                <div id=TRACK_ID>
                    // The rows come and go as the reader scrolls; only the
                    // announcer below tells assistive technology about new
                    // entries, so none is announced twice.
                    <div id=ROWS_ID aria-live="off">
                        <For
                            each=move || shown.get()
                            key=|row| *row
                            children=move |row| view! { <Line chat row on_discard on_resend /> }
                        />
                    </div>
                </div>
                <div id=ANNOUNCER_ID class="visually-hidden"></div>
            </div>
            <button
                id="jump-latest"
                type="button"
                hidden=reactive(move || following.get())
                on:click=handler(move |_: ev::MouseEvent| View::update(&on_jump, View::jump))
            >
                {reactive(jump_label)}
            </button>
        </div>
    }
}

/// One row: a day separator and the "new messages" divider where they
/// fall (as CSS generated content), then the entry, its time and its delivery controls. The entry
/// element holds only the sender span and the text.
#[component]
fn Line(
    /// The conversation the row reads its entry from.
    chat: Signal<Chat>,
    /// What the row shows.
    row: Row,
    /// Called when the user discards this entry.
    on_discard: Callback<EntryId>,
    /// Called when the user sends this entry again.
    on_resend: Callback<EntryId>,
) -> impl IntoView {
    let shown = chat.with_untracked(|chat| chat.at_index(row.index).map(Shown::from))?;
    let id = shown.id;
    let discardable = matches!(
        row.delivery,
        Some(Delivery::Pending) | Some(Delivery::Uncertain)
    );
    let resendable = row.delivery == Some(Delivery::Uncertain);
    let Time {
        clock,
        iso,
        full,
        day,
    } = Time::of(shown.time_ms);
    Some(view! {
        // The day separator and the divider are the row's generated content,
        // so a row has one shape whatever it shows.
        <div
            class=row_class(&row, shown.system)
            data-day=row.new_day.then_some(day)
            data-row=row.index
        >
            <div class="line">
                <div
                    class="entry"
                    data-id=id.0
                    data-state=row.delivery.map(Delivery::as_str)
                    use:fill_entry=(shown.kind, shown.label, shown.text)
                ></div>
                <time datetime=iso title=full>
                    {clock}
                </time>
                {resendable
                    .then(|| {
                        view! {
                            <span class="note">"may not have arrived"</span>
                            <button
                                class="resend"
                                type="button"
                                title="Send this message again"
                                on:click=run_on_click(on_resend, id)
                            >
                                "resend"
                            </button>
                        }
                    })}
                {discardable
                    .then(|| {
                        view! {
                            <button
                                class="discard"
                                type="button"
                                title="Do not send this message"
                                on:click=run_on_click(on_discard, id)
                            >
                                "discard"
                            </button>
                        }
                    })}
            </div>
        </div>
    })
}

/// Fills an entry (a `use:` directive, run as the element is built): the
/// sender span, then the text span, which holds the text as text nodes and
/// its `http://` and `https://` links as `a` elements between them, so the
/// entry's text content is exactly the sender label and the text. Elements,
/// never markup, which a strict CSP with Trusted Types refuses. Built
/// through `view!`, the spans and the choice of text or pieces cost about
/// 1.5 KB gzip more.
fn fill_entry(entry: Element, (kind, label, text): (&'static str, String, String)) {
    add(&entry, "span", &[("class", kind)], &label);
    let shown = add(&entry, "span", &[("class", "text")], "");
    let mut at = 0;
    for link in links::find(&text) {
        add_text(&shown, text.get(at..link.start));
        let url = text.get(link.clone()).unwrap_or_default();
        add(
            &shown,
            "a",
            &[
                ("href", url),
                ("rel", "noopener noreferrer nofollow"),
                ("target", "_blank"),
            ],
            url,
        );
        at = link.end;
    }
    add_text(&shown, text.get(at..));
}

/// Adds a text node, unless the text is empty.
fn add_text(parent: &Element, text: Option<&str>) {
    if let Some(text) = text.filter(|text| !text.is_empty()) {
        Rndr::insert_node(parent, &Rndr::create_text_node(text), None);
    }
}

/// `row`, and `mine`, `system`, `cont` (continues a group) and `divider`
/// where they apply.
fn row_class(row: &Row, system: bool) -> String {
    let mut class = String::from("row");
    for (applies, name) in [
        (row.delivery.is_some(), " mine"),
        (system, " system"),
        (row.continues, " cont"),
        (row.divider, " divider"),
    ] {
        if applies {
            class.push_str(name);
        }
    }
    class
}

/// What a row copies out of its entry.
struct Shown {
    id: EntryId,
    kind: &'static str,
    label: String,
    text: String,
    time_ms: f64,
    system: bool,
}

impl From<Entry<'_>> for Shown {
    fn from(entry: Entry<'_>) -> Shown {
        Shown {
            id: entry.id,
            kind: entry.kind(),
            label: entry.sender_label().to_owned(),
            text: entry.text.to_owned(),
            time_ms: entry.time_ms,
            system: entry.author == Author::System,
        }
    }
}

/// An entry's time, in the reader's time zone.
struct Time {
    /// `HH:MM`.
    clock: String,
    /// The full ISO 8601 instant, for `datetime`.
    iso: String,
    /// The full local date and time, shown on hover.
    full: String,
    /// The day, for separators.
    day: String,
}

impl Time {
    fn of(time_ms: f64) -> Time {
        let local = local(time_ms);
        Time {
            clock: local.clock(),
            iso: Civil::utc(time_ms).iso(),
            full: local.full(),
            day: local.day_label(&local_now()),
        }
    }
}

/// An instant in the reader's time zone, as it was at that instant.
fn local(time_ms: f64) -> Civil {
    let offset = js_sys::Date::new(&time_ms.into()).get_timezone_offset();
    Civil::local(time_ms, offset)
}

fn local_now() -> Civil {
    local(js_sys::Date::now())
}

/// The local calendar day of an instant, as a day number.
fn local_day(time_ms: f64) -> i64 {
    local(time_ms).days
}
