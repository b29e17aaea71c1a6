//! The history's side of the conversation: search beyond what memory
//! holds, highlights, export, and copying lines.

use js_sys::{Array, Reflect};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue};

use wschat_core::{
    chat::{search::Query, Chat},
    history::Record,
};

use crate::history::{History, SharedHistory};

/// The matches, newest first, among the entries whose texts are no longer
/// held: the history's part of a search.
pub(crate) async fn search_history(
    history: &History,
    chat: Signal<Chat>,
    query: &Query,
) -> Vec<usize> {
    // Entries not held are the oldest: a prefix of the conversation.
    let gone: Vec<(usize, (f64, f64))> = chat.with_untracked(|chat| {
        chat.not_held()
            .filter_map(|index| chat.key(index).map(|key| (index, key)))
            .collect()
    });
    let mut found = Vec::new();
    let Some(&(_, newest)) = gone.first() else {
        return found;
    };
    history
        .scan(None, &mut |page| {
            for record in page
                .records
                .iter()
                .filter(|record| query.matches(&record.text, &lower))
            {
                let key = (record.time_ms, record.uid);
                if let Some(&(index, _)) = gone.iter().find(|(_, gone)| *gone == key) {
                    found.push(index);
                }
            }
            page.next.is_some_and(|next| next < newest)
        })
        .await;
    found.reverse();
    found
}

/// Downloads the whole history (or, without one, what the conversation
/// holds), oldest first: as a transcript, or as JSON Lines. The file is
/// made of one part per page of records, never one string.
pub(crate) fn export(chat: Signal<Chat>, history: Option<SharedHistory>, json: bool) {
    spawn_local(export_now(chat, history, json));
}

async fn export_now(chat: Signal<Chat>, history: Option<SharedHistory>, json: bool) {
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
            history
                .scan(None, &mut |page| {
                    add(&page.records);
                    true
                })
                .await;
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
    let query = Query::new(text, &lower);
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
        let found = query.find_all(&text, &lower);
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
            // A row counts when the selection holds some of its entry's
            // text: a selection that ends where a row begins does not.
            let texts = row
                .query_selector(".entry")
                .ok()
                .flatten()
                .map(|entry| entry.children());
            let selected = texts.is_some_and(|spans| {
                (0..spans.length())
                    .filter_map(|at| spans.item(at)?.first_child())
                    .any(|text| {
                        // Not `Selection.containsNode(text, true)`: Chromium
                        // counts a text that only touches the selection.
                        (0..selection.range_count()).any(|at| {
                            selection
                                .get_range_at(at)
                                .is_ok_and(|range| range.intersects_node(&text).unwrap_or(false))
                        })
                    })
            });
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

/// The browser's lower case, which knows every script.
pub(crate) fn lower(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}
