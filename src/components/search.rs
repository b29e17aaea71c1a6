//! Search over the whole history, and its export.

use std::rc::Rc;

use js_sys::{Array, Reflect};
use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue};

use wschat_core::{
    chat::{search::Query, Chat},
    history::Record,
};

use crate::history::History;

/// The history, where the page has one, shared through the context.
pub type SharedHistory = StoredValue<Option<Rc<History>>, LocalStorage>;

/// The search box (`#search`, opened by Ctrl+F or Cmd+F; pressed again in
/// the box, the browser's own find gets it) and `#search-count`, and the
/// export buttons `#export` and `#export-json`.
///
/// Matches come newest first: the held texts at once, then those only the
/// history holds. Enter moves to the next older match and Shift+Enter
/// back; Escape closes the box.
#[component]
pub fn Search(
    /// The conversation searched.
    #[prop(into)]
    chat: Signal<Chat>,
    /// Set to the entry to bring into view.
    reveal: RwSignal<Option<usize>>,
    /// The query, for the conversation's highlights; empty when closed.
    query: RwSignal<String>,
) -> impl IntoView {
    let history = use_context::<SharedHistory>();
    let open = RwSignal::new(false);
    let matches = RwSignal::new(Vec::<usize>::new());
    let at = RwSignal::new(0usize);
    // Each query's number: a slower history search of an older query stops.
    let asked = StoredValue::new(0u64);

    let show = move |index: usize| {
        at.set(index);
        reveal.set(matches.with_untracked(|matches| matches.get(index).copied()));
    };
    let search = move |text: String| {
        query.set(text.clone());
        let number = asked.get_value() + 1;
        asked.set_value(number);
        let wanted = Query::new(&text);
        matches.set(chat.with_untracked(|chat| chat.search(&wanted, usize::MAX)));
        show(0);
        let history = history.and_then(|history| history.get_value());
        if let (Some(history), false) = (history, wanted.is_empty()) {
            spawn_local(search_history(history, chat, wanted, matches, move || {
                asked.get_value() == number
            }));
        }
    };
    let close = move || {
        open.set(false);
        query.set(String::new());
        matches.set(Vec::new());
        reveal.set(None);
    };

    // Ctrl+F opens the box; pressed in the open box, it is the browser's.
    let keys = window_event_listener(ev::keydown, move |event| {
        let find = (event.ctrl_key() || event.meta_key()) && event.key().eq_ignore_ascii_case("f");
        let in_box = document()
            .active_element()
            .is_some_and(|element| element.id() == "search");
        if find && !in_box {
            event.prevent_default();
            open.set(true);
            if let Some(input) = document().get_element_by_id("search") {
                let _ = input.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
    });
    on_cleanup(move || keys.remove());

    let on_keydown = move |event: ev::KeyboardEvent| match event.key().as_str() {
        "Enter" => {
            event.prevent_default();
            let count = matches.with_untracked(Vec::len).max(1);
            let step = if event.shift_key() { count - 1 } else { 1 };
            show((at.get_untracked() + step) % count);
        }
        "Escape" => close(),
        _ => {}
    };
    let count = move || {
        let total = matches.with(Vec::len);
        match (query.with(String::is_empty), total) {
            (true, _) => String::new(),
            (false, 0) => "no matches".to_owned(),
            (false, _) => format!("{} of {total}", at.get() + 1),
        }
    };

    view! {
        <div class="tools">
            <div class="search" hidden=move || !open.get()>
                <input
                    id="search"
                    type="search"
                    placeholder="Search the conversation"
                    aria-label="Search the conversation"
                    prop:value=query
                    on:input=move |event| search(event_target_value(&event))
                    on:keydown=on_keydown
                />
                <output id="search-count" aria-live="polite">
                    {count}
                </output>
            </div>
            <button
                id="export"
                type="button"
                on:click=move |_| spawn_local(export(chat, history, false))
            >
                {"Export"}
            </button>
            <button
                id="export-json"
                type="button"
                on:click=move |_| spawn_local(export(chat, history, true))
            >
                {"Export JSON"}
            </button>
        </div>
    }
}

/// Searches the records of entries whose texts are not held, newest
/// first, and adds their matches after those found in memory, while
/// `current` says the query is still the one typed.
async fn search_history(
    history: Rc<History>,
    chat: Signal<Chat>,
    query: Query,
    matches: RwSignal<Vec<usize>>,
    current: impl Fn() -> bool,
) {
    // Entries not held are the oldest: a prefix of the conversation.
    let gone: Vec<(usize, (f64, f64))> = chat.with_untracked(|chat| {
        chat.not_held()
            .filter_map(|index| chat.key(index).map(|key| (index, key)))
            .collect()
    });
    let Some(&(_, newest)) = gone.first() else {
        return;
    };
    let mut found = Vec::new();
    let mut after = None;
    while let Ok((records, _)) = history.read(after).await {
        if !current() {
            return;
        }
        let Some(last) = records.last() else { break };
        after = Some((last.time_ms, last.uid));
        for record in records.iter().filter(|record| query.matches(&record.text)) {
            let key = (record.time_ms, record.uid);
            if let Some(&(index, _)) = gone.iter().find(|(_, gone)| *gone == key) {
                found.push(index);
            }
        }
        if after.is_some_and(|after| after >= newest) {
            break;
        }
    }
    found.sort_unstable_by(|a, b| b.cmp(a));
    matches.update(|matches| matches.extend(found));
}

/// Downloads the whole history (or, without one, what the conversation
/// holds), oldest first: as a transcript, or as JSON Lines. The file is
/// made of one part per page of records, never one string.
async fn export(chat: Signal<Chat>, history: Option<SharedHistory>, json: bool) {
    let parts = Array::new();
    let offset = js_sys::Date::new_0().get_timezone_offset();
    let add = |records: &[Record]| {
        let mut part = String::new();
        for record in records {
            part.push_str(&if json {
                record.json_line()
            } else {
                record.transcript_line(offset)
            });
            part.push('\n');
        }
        parts.push(&part.into());
    };
    match history.and_then(|history| history.get_value()) {
        Some(history) => {
            let mut after = None;
            while let Ok((records, _)) = history.read(after).await {
                let Some(last) = records.last() else { break };
                after = Some((last.time_ms, last.uid));
                add(&records);
            }
        }
        None => chat.with_untracked(|chat| {
            add(&(0..chat.end())
                .filter_map(|index| chat.record(index))
                .collect::<Vec<_>>())
        }),
    }
    let name = if json { "wschat.jsonl" } else { "wschat.txt" };
    let _ = download(&parts, name);
}

fn download(parts: &Array, name: &str) -> Result<(), JsValue> {
    let blob = web_sys::Blob::new_with_str_sequence(parts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link = document().create_element("a")?;
    link.set_attribute("href", &url)?;
    link.set_attribute("download", name)?;
    link.unchecked_ref::<web_sys::HtmlElement>().click();
    // The download has its own copy of the blob by now.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}

/// Highlights each match of `text` in the rendered entries' texts, with
/// the CSS Custom Highlight API (`::highlight(search)`), which leaves the
/// DOM as it is. Browsers without it show no highlight.
pub(crate) fn paint_highlights(text: &str) {
    let global = js_sys::global();
    let registry = Reflect::get(&global, &"CSS".into())
        .and_then(|css| Reflect::get(&css, &"highlights".into()))
        .ok()
        .filter(JsValue::is_object);
    let Some(registry) = registry else { return };
    let call = |method: &str, args: &Array| {
        let _ = Reflect::get(&registry, &method.into()).and_then(|method| {
            Reflect::apply(method.unchecked_ref::<js_sys::Function>(), &registry, args)
        });
    };
    let query = Query::new(text);
    let ranges = Array::new();
    let rows = document()
        .get_element_by_id("chat-rows")
        .map(|rows| rows.children());
    for row in rows
        .iter()
        .flat_map(|rows| (0..rows.length()).filter_map(|at| rows.item(at)))
    {
        let Ok(Some(span)) = row.query_selector(".text") else {
            continue;
        };
        let text = span.text_content().unwrap_or_default();
        let found = query.find_all(&text);
        if found.is_empty() {
            continue;
        }
        let mut nodes = Vec::new();
        text_nodes(&span, &mut nodes, &mut 0);
        for (start, end) in found {
            let range = document().create_range();
            if let (Ok(range), Some((first, from)), Some((last, to))) = (
                range,
                locate(&nodes, &text, start, false),
                locate(&nodes, &text, end, true),
            ) {
                if range.set_start(first, from).is_ok() && range.set_end(last, to).is_ok() {
                    ranges.push(&range);
                }
            }
        }
    }
    if ranges.length() == 0 {
        call("delete", &Array::of1(&"search".into()));
        return;
    }
    let highlight = Reflect::get(&global, &"Highlight".into())
        .and_then(|make| Reflect::construct(make.unchecked_ref::<js_sys::Function>(), &ranges));
    if let Ok(highlight) = highlight {
        call("set", &Array::of2(&"search".into(), &highlight));
    }
}

/// The text nodes under `node`, in order, with the byte where each starts
/// in the whole text.
fn text_nodes(node: &web_sys::Node, out: &mut Vec<(web_sys::Node, usize)>, at: &mut usize) {
    let mut child = node.first_child();
    while let Some(node) = child {
        if node.node_type() == web_sys::Node::TEXT_NODE {
            let len = node.node_value().unwrap_or_default().len();
            out.push((node.clone(), *at));
            *at += len;
        } else {
            text_nodes(&node, out, at);
        }
        child = node.next_sibling();
    }
}

/// The text node and the offset in it (in UTF-16 units, as ranges count)
/// of byte `at` of the whole text; at a boundary, the node before it when
/// `end`.
fn locate<'a>(
    nodes: &'a [(web_sys::Node, usize)],
    text: &str,
    at: usize,
    end: bool,
) -> Option<(&'a web_sys::Node, u32)> {
    let (node, start) = nodes
        .iter()
        .rev()
        .find(|(_, start)| if end { *start < at } else { *start <= at })?;
    let units = text.get(*start..at)?.encode_utf16().count();
    Some((node, units as u32))
}

/// Copying a selection of the log gives the export's lines for the entries
/// selected, not the page's layout of them.
pub(crate) fn copy_lines(chat: Signal<Chat>, event: &web_sys::ClipboardEvent) {
    let Some(selection) = window().get_selection().ok().flatten() else {
        return;
    };
    let Some(rows) = document().get_element_by_id("chat-rows") else {
        return;
    };
    let rows = rows.children();
    let offset = js_sys::Date::new_0().get_timezone_offset();
    let mut lines = String::new();
    chat.with_untracked(|chat| {
        for row in (0..rows.length()).filter_map(|at| rows.item(at)) {
            let selected = selection
                .contains_node_with_allow_partial_containment(&row, true)
                .unwrap_or(false);
            let record = row
                .get_attribute("data-row")
                .and_then(|index| index.parse().ok())
                .and_then(|index| chat.record(index));
            if let (true, Some(record)) = (selected, record) {
                lines.push_str(&record.transcript_line(offset));
                lines.push('\n');
            }
        }
    });
    if let (false, Some(data)) = (lines.is_empty(), event.clipboard_data()) {
        if data.set_data("text/plain", &lines).is_ok() {
            event.prevent_default();
        }
    }
}
