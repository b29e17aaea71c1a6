//! The history, search and copy in headless Chromium: records written to
//! IndexedDB and read back, the search box's count and highlights, and the
//! lines a copy of the log gives.
#![cfg(target_arch = "wasm32")]

use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit};
use wschat::{components::Conversation, history::History};
use wschat_core::{
    chat::{Change, Chat, ChatEvent, Delivery},
    history::Record,
};

wasm_bindgen_test_configure!(run_in_browser);

async fn settle() {
    for _ in 0..3 {
        for _ in 0..5 {
            tick().await;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = window().request_animation_frame(&resolve);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

fn record(time_ms: f64, from: &str, text: &str, delivery: Option<Delivery>) -> Record {
    Record {
        time_ms,
        uid: 1.0,
        from: from.into(),
        text: text.into(),
        delivery,
    }
}

/// The record kept for the entry with this key, as the app recalls it.
async fn get(history: &History, time_ms: f64, uid: f64) -> Option<Record> {
    let mut found = None;
    history
        .scan(Some((time_ms - 1.0, 0.0)), &mut |page| {
            found = found.take().or_else(|| {
                page.records
                    .into_iter()
                    .find(|record| record.time_ms == time_ms && record.uid == uid)
            });
            found.is_none()
        })
        .await;
    found
}

fn unique_name(what: &str) -> String {
    format!("wschat test {what} {}", js_sys::Math::random())
}

#[wasm_bindgen_test]
async fn records_written_are_read_back_in_order_and_deleted_ones_go() {
    let name = unique_name("records");
    let history = History::open(&name).await.expect("IndexedDB opens");
    // The tab takes the history's lock a moment later: no other holds it.
    for _ in 0..100 {
        if history.is_writer() {
            break;
        }
        settle().await;
    }
    assert!(history.is_writer());
    // Received entries of one update share its time, and go in one batch.
    let mut carol = record(1.0, "carol", "héllo\nthere", None);
    carol.uid = 2.0;
    let mine = record(3.0, "alice", "mine | 3", Some(Delivery::Delivered));
    history
        .write(vec![
            Change::Put(mine.clone()),
            Change::Put(record(1.0, "bob", "first", None)),
            Change::Put(carol.clone()),
        ])
        .unwrap();
    let page = history.read(None, 32).await.unwrap();
    assert!(!page.broken);
    let texts: Vec<&str> = page
        .records
        .iter()
        .map(|record| record.text.as_str())
        .collect();
    assert_eq!(texts, ["first", "héllo\nthere", "mine | 3"], "oldest first");
    assert_eq!(page.records.get(2), Some(&mine));
    assert_eq!(page.next, Some((3.0, 1.0)), "the last stored record's key");
    assert_eq!(
        get(&history, 1.0, 2.0).await,
        Some(carol),
        "found in its batch"
    );
    assert!(history
        .read(Some((3.0, 1.0)), 32)
        .await
        .unwrap()
        .records
        .is_empty());

    history.write(vec![Change::Delete(3.0, 1.0)]).unwrap();
    let texts: Vec<String> = history
        .read(None, 32)
        .await
        .unwrap()
        .records
        .into_iter()
        .map(|record| record.text)
        .collect();
    assert_eq!(texts, ["first", "héllo\nthere"]);
    assert_eq!(get(&history, 3.0, 1.0).await, None);
    wschat::history::forget(&name);
}

/// A conversation with a search box above it.
fn mount_search(chat: RwSignal<Chat>) -> (HtmlElement, impl Drop) {
    if document().get_element_by_id("app-style").is_none() {
        let style = document().create_element("style").unwrap();
        style.set_id("app-style");
        style.set_text_content(Some(include_str!("../style/main.css")));
        document().head().unwrap().append_child(&style).unwrap();
    }
    let root: HtmlElement = document()
        .create_element("section")
        .unwrap()
        .unchecked_into();
    root.style()
        .set_css_text("display:flex;flex-direction:column;width:600px;height:300px");
    document().body().unwrap().append_child(&root).unwrap();
    let handle = mount_to(root.clone(), move || {
        view! {
            <Conversation
                chat
                on_discard=Callback::new(|_| {})
                on_resend=Callback::new(|_| {})
            />
        }
        .into_any()
    });
    (root, handle)
}

fn input(root: &HtmlElement) -> HtmlInputElement {
    root.query_selector("#search")
        .unwrap()
        .unwrap()
        .unchecked_into()
}

fn count(root: &HtmlElement) -> String {
    root.query_selector("#search-count")
        .unwrap()
        .and_then(|count| count.text_content())
        .unwrap_or_default()
}

fn key(target: &HtmlElement, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn search_counts_matches_moves_between_them_and_highlights_them() {
    let chat = RwSignal::new(Chat::default());
    chat.update(|chat| {
        chat.apply_all((0..500).map(|index| ChatEvent::Received {
            sender: "bob".into(),
            text: if index == 0 || index == 250 {
                format!("the NEEDLE {index}")
            } else {
                format!("hay {index}")
            },
        }))
    });
    let (root, _handle) = mount_search(chat);
    settle().await;
    let search = input(&root);
    // Ctrl+F opens the box.
    let init = KeyboardEventInit::new();
    init.set_key("f");
    init.set_ctrl_key(true);
    init.set_cancelable(true);
    let open = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    window().dispatch_event(&open).unwrap();
    assert!(open.default_prevented(), "the first Ctrl+F is the app's");
    search.set_value("needle");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    search
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    settle().await;
    assert_eq!(count(&root), "1 of 2");
    let rendered = root.text_content().unwrap_or_default();
    assert!(
        rendered.contains("the NEEDLE 250"),
        "the newest match is in view"
    );
    let highlights = js_sys::Reflect::get(&js_sys::global(), &"CSS".into())
        .and_then(|css| js_sys::Reflect::get(&css, &"highlights".into()))
        .and_then(|registry| js_sys::Reflect::get(&registry, &"size".into()))
        .ok()
        .and_then(|size| size.as_f64());
    assert_eq!(highlights, Some(1.0), "one highlight registered");
    let text = root
        .query_selector("[data-row='250'] .text")
        .unwrap()
        .and_then(|text| text.text_content());
    assert_eq!(
        text.as_deref(),
        Some("the NEEDLE 250"),
        "the text is unchanged"
    );

    key(&search, "Enter", false);
    settle().await;
    assert_eq!(count(&root), "2 of 2");
    assert!(root
        .text_content()
        .unwrap_or_default()
        .contains("the NEEDLE 0"));
    key(&search, "Enter", true);
    settle().await;
    assert_eq!(count(&root), "1 of 2");
    key(&search, "Escape", false);
    settle().await;
    assert_eq!(count(&root), "");
    root.remove();
}

#[wasm_bindgen_test]
async fn copying_rows_gives_transcript_lines() {
    let chat = RwSignal::new(Chat::default());
    chat.update(|chat| {
        chat.at(1_796_552_190_000.0)
            .apply_all(["one", "two", "three"].map(|text| ChatEvent::Received {
                sender: "bob".into(),
                text: text.into(),
            }));
        chat.write_as("alice", "mine");
    });
    let (root, _handle) = mount_search(chat);
    settle().await;
    let rows = root.query_selector_all("#chat-rows > div").unwrap();
    let range = document().create_range().unwrap();
    range.set_start_before(&rows.item(1).unwrap()).unwrap();
    range.set_end_after(&rows.item(3).unwrap()).unwrap();
    let selection = window().get_selection().unwrap().unwrap();
    selection.remove_all_ranges().unwrap();
    selection.add_range(&range).unwrap();

    let data = web_sys::DataTransfer::new().unwrap();
    let init = web_sys::ClipboardEventInit::new();
    init.set_clipboard_data(Some(&data));
    init.set_bubbles(true);
    init.set_cancelable(true);
    let copy = web_sys::ClipboardEvent::new_with_event_init_dict("copy", &init).unwrap();
    root.query_selector("#chat-text")
        .unwrap()
        .unwrap()
        .dispatch_event(&copy)
        .unwrap();
    let lines = data.get_data("text/plain").unwrap();
    assert!(
        copy.default_prevented(),
        "copied: {lines:?}, rows: {}",
        rows.length()
    );
    let lines: Vec<&str> = lines
        .lines()
        .map(|line| line.get(17..).unwrap_or(line))
        .collect();
    assert_eq!(lines, ["bob: two", "bob: three", "alice: mine"]);
    root.remove();
}
