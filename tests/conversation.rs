//! The conversation view in headless Chromium, styled as the app is: the
//! window of rendered entries, following, the jump button, the title,
//! grouping, times and what an entry's text is.
#![cfg(target_arch = "wasm32")]

use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlElement};
use wschat::components::Conversation;
use wschat_core::{
    chat::{Chat, ChatEvent, Delivery, EntryId},
    viewport::MAX_ROWS,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Lets Leptos run its effects, then lets the browser lay out, measure
/// (the ResizeObserver) and render twice: the view moves rows on the frame
/// after a measurement.
async fn settle() {
    for _ in 0..8 {
        for _ in 0..5 {
            tick().await;
        }
        next_frame().await;
    }
}

async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().request_animation_frame(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A fresh element of a fixed size, with the app's stylesheet on the page.
fn container() -> HtmlElement {
    let document = document();
    document.set_title("wschat");
    if document.get_element_by_id("app-style").is_none() {
        let style = document.create_element("style").unwrap();
        style.set_id("app-style");
        style.set_text_content(Some(include_str!("../style/main.css")));
        document.head().unwrap().append_child(&style).unwrap();
    }
    let element: HtmlElement = document.create_element("section").unwrap().unchecked_into();
    element
        .style()
        .set_css_text("display:flex;flex-direction:column;width:600px;height:300px");
    document.body().unwrap().append_child(&element).unwrap();
    element
}

/// Mounts a conversation; discards and resends are recorded.
struct Mounted {
    root: HtmlElement,
    chat: RwSignal<Chat>,
    discarded: RwSignal<Vec<EntryId>>,
    resent: RwSignal<Vec<EntryId>>,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

fn mount() -> Mounted {
    let root = container();
    let chat = RwSignal::new(Chat::default());
    let discarded = RwSignal::new(Vec::new());
    let resent = RwSignal::new(Vec::new());
    let handle = mount_to(root.clone(), move || {
        view! {
            <Conversation
                chat
                on_discard=Callback::new(move |id| discarded.update(|d: &mut Vec<EntryId>| d.push(id)))
                on_resend=Callback::new(move |id| resent.update(|r: &mut Vec<EntryId>| r.push(id)))
            />
        }
        .into_any()
    });
    Mounted {
        root,
        chat,
        discarded,
        resent,
        _handle: handle,
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

impl Mounted {
    fn log(&self) -> HtmlElement {
        find(&self.root, "#chat-text")
    }

    fn add(&self, from: usize, count: usize, sender: &str) {
        self.chat.update(|chat| {
            chat.apply_all((from..from + count).map(|i| ChatEvent::Received {
                sender: sender.to_owned(),
                text: i.to_string(),
            }))
        });
    }

    /// The texts of the rendered entries, in order.
    fn texts(&self) -> Vec<String> {
        all(&self.root, "#chat-text .entry .text")
            .iter()
            .map(|text| text.text_content().unwrap_or_default())
            .collect()
    }

    fn at_bottom(&self) -> bool {
        let log = self.log();
        log.scroll_top() + log.client_height() >= log.scroll_height() - 2
    }

    /// Scrolls as the reader does.
    async fn scroll_to(&self, top: i32) {
        self.log().set_scroll_top(top);
        settle().await;
    }

    fn jump(&self) -> HtmlButtonElement {
        find(&self.root, "#jump-latest")
    }
}

fn find<T: JsCast>(root: &Element, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

#[wasm_bindgen_test]
async fn the_conversation_is_a_log_of_sent_received_and_system_entries() {
    let view = mount();
    view.chat.update(|chat| {
        chat.apply(ChatEvent::System("connected".to_owned()));
        chat.write("mine");
        chat.apply(ChatEvent::Received {
            sender: "Bob".to_owned(),
            text: "his".to_owned(),
        });
    });
    settle().await;
    let log = view.log();
    assert_eq!(log.get_attribute("role").as_deref(), Some("log"));
    assert_eq!(log.get_attribute("aria-live").as_deref(), Some("polite"));
    let entries: Vec<(String, String, Option<String>)> = all(&view.root, "#chat-text .entry")
        .iter()
        .map(|entry| {
            let label = entry.first_element_child().unwrap();
            (
                label.class_name(),
                entry.text_content().unwrap(),
                entry.get_attribute("data-state"),
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec![
            ("system".into(), "websocketconnected".into(), None),
            ("sent".into(), "memine".into(), Some("pending".into())),
            ("received".into(), "Bobhis".into(), None),
        ]
    );
}

#[wasm_bindgen_test]
async fn an_entry_holds_only_its_sender_and_text_whatever_its_state() {
    let view = mount();
    let (mut pending, mut uncertain) = (EntryId(0), EntryId(0));
    view.chat.update(|chat| {
        pending = chat.write("while down");
        uncertain = chat.write("while up");
        chat.apply(ChatEvent::Delivery {
            id: uncertain,
            delivery: Delivery::Uncertain,
        });
    });
    settle().await;
    let texts: Vec<String> = all(&view.root, "#chat-text .entry")
        .iter()
        .map(|entry| entry.text_content().unwrap())
        .collect();
    assert_eq!(texts, vec!["mewhile down", "mewhile up"]);
    // The controls and the note sit beside the entry, in its row.
    let row: Element = find(&view.root, ".row:has(.entry[data-state=uncertain])");
    assert!(row.text_content().unwrap().contains("may not have arrived"));
    find::<HtmlButtonElement>(&row, ".resend").click();
    find::<HtmlButtonElement>(&row, ".discard").click();
    find::<HtmlButtonElement>(&view.root, ".row:has(.entry[data-state=pending]) .discard").click();
    assert_eq!(view.resent.get_untracked(), vec![uncertain]);
    assert_eq!(view.discarded.get_untracked(), vec![uncertain, pending]);
    assert_eq!(
        all(&view.root, ".row:has(.entry[data-state=pending]) .resend").len(),
        0,
        "a pending message offers discard only"
    );
}

#[wasm_bindgen_test]
async fn hostile_markup_is_shown_as_text() {
    let view = mount();
    let hostile = r#"<img src=x onerror="window.__xss=1"><b>bold</b>"#;
    view.chat.update(|chat| {
        chat.apply(ChatEvent::Received {
            sender: "<i>eve</i>".to_owned(),
            text: hostile.to_owned(),
        })
    });
    settle().await;
    assert!(all(&view.root, "#chat-text img, #chat-text b, #chat-text i").is_empty());
    assert_eq!(view.texts(), vec![hostile]);
    let label: Element = find(&view.root, ".entry .received");
    assert_eq!(label.text_content().unwrap(), "<i>eve</i>");
}

#[wasm_bindgen_test]
async fn http_and_https_urls_are_links_between_text_nodes_and_nothing_else_is() {
    let view = mount();
    let text = "see https://example.com/a_(b). or (http://x.org/?q=1), \
                not javascript:alert(1) nor data:text/html,x <https://y.org/p>";
    view.chat.update(|chat| {
        chat.apply(ChatEvent::Received {
            sender: "bob".to_owned(),
            text: text.to_owned(),
        });
        chat.apply(ChatEvent::Received {
            sender: "bob".to_owned(),
            text: "no links here".to_owned(),
        });
    });
    settle().await;
    let links: Vec<(String, String, String, String)> = all(&view.root, "#chat-text .entry a")
        .iter()
        .map(|link| {
            let attribute = |name| link.get_attribute(name).unwrap_or_default();
            (
                attribute("href"),
                link.text_content().unwrap_or_default(),
                attribute("rel"),
                attribute("target"),
            )
        })
        .collect();
    let expected = |url: &str| {
        (
            url.to_owned(),
            url.to_owned(),
            "noopener noreferrer nofollow".to_owned(),
            "_blank".to_owned(),
        )
    };
    assert_eq!(
        links,
        vec![
            expected("https://example.com/a_(b)"),
            expected("http://x.org/?q=1"),
            expected("https://y.org/p"),
        ]
    );
    // The links sit inside the text span, and the entry's text is still
    // exactly its label and the message.
    assert_eq!(all(&view.root, "#chat-text .entry .text > a").len(), 3);
    let entries: Vec<String> = all(&view.root, "#chat-text .entry")
        .iter()
        .map(|entry| entry.text_content().unwrap())
        .collect();
    assert_eq!(
        entries,
        vec![format!("bob{text}"), "bobno links here".to_owned()]
    );
    let plain: Element = find(&view.root, ".row[data-row=\"1\"] .entry .text");
    assert_eq!(plain.child_nodes().length(), 1, "one text node, no link");
}

#[wasm_bindgen_test]
async fn a_delivery_change_rebuilds_only_that_row() {
    let view = mount();
    let mut id = EntryId(0);
    view.chat.update(|chat| {
        chat.apply(ChatEvent::System("connected".to_owned()));
        id = chat.write("hi");
    });
    settle().await;
    let first: Element = find(&view.root, "#chat-text .entry");
    view.chat.update(|chat| {
        chat.apply(ChatEvent::Delivery {
            id,
            delivery: Delivery::Sent,
        })
    });
    settle().await;
    let sent: Element = find(&view.root, ".entry[data-state=sent]");
    assert_eq!(sent.text_content().unwrap(), "mehi");
    assert!(
        first.is_same_node(Some(&find::<Element>(&view.root, "#chat-text .entry"))),
        "rows keyed by id are not rebuilt when another row changes"
    );
}

#[wasm_bindgen_test]
async fn a_long_conversation_renders_a_bounded_window_and_keeps_every_entry() {
    let view = mount();
    view.add(0, 20_000, "flood");
    settle().await;
    let rendered = all(&view.root, "#chat-text .entry").len();
    assert!(rendered > 0 && rendered <= MAX_ROWS, "{rendered} rows");
    assert_eq!(view.texts().last().map(String::as_str), Some("19999"));
    assert!(view.at_bottom(), "the newest entry is at the bottom");

    view.scroll_to(0).await;
    assert_eq!(view.texts().first().map(String::as_str), Some("0"));
    assert_eq!(view.log().scroll_top(), 0);
    let rendered = all(&view.root, "#chat-text .entry").len();
    assert!(rendered <= MAX_ROWS, "{rendered} rows at the top");
}

#[wasm_bindgen_test]
async fn the_log_follows_at_the_bottom_and_stays_put_while_the_reader_reads_back() {
    let view = mount();
    view.add(0, 40, "bob");
    settle().await;
    assert!(
        view.log().scroll_height() > 600,
        "the entries overflow the log"
    );
    assert!(
        view.at_bottom(),
        "the log follows while the reader is at the bottom"
    );
    assert!(view.jump().hidden(), "no jump button at the bottom");

    view.scroll_to(0).await;
    let first_before = view.texts();
    view.add(40, 12, "bob");
    settle().await;
    assert_eq!(
        view.log().scroll_top(),
        0,
        "new entries do not move the reader"
    );
    assert_eq!(view.texts().first(), first_before.first());
    let jump = view.jump();
    assert!(!jump.hidden());
    assert_eq!(jump.text_content().unwrap(), "12 new messages");
    assert!(
        document().title().starts_with("(12) "),
        "title is {:?}",
        document().title()
    );

    jump.click();
    settle().await;
    assert!(view.at_bottom(), "the jump button goes to the newest entry");
    assert_eq!(view.texts().last().map(String::as_str), Some("51"));
    assert!(view.jump().hidden());
    assert!(
        !document().title().starts_with('('),
        "seen: the count clears"
    );
    let divider: Element = find(&view.root, ".row.divider .entry .text");
    assert_eq!(
        divider.text_content().unwrap(),
        "40",
        "the divider marks where the unread part starts"
    );

    // Writing a message, scrolled up, takes the reader to it.
    view.scroll_to(0).await;
    view.chat.update(|chat| {
        chat.write("mine");
    });
    settle().await;
    assert!(view.at_bottom(), "the user's own message is shown");
    assert_eq!(view.texts().last().map(String::as_str), Some("mine"));

    // At the bottom again, new entries are followed and not counted.
    view.add(52, 5, "bob");
    settle().await;
    assert!(view.at_bottom());
    assert!(!document().title().starts_with('('));
}

#[wasm_bindgen_test]
async fn taller_entries_above_the_reader_do_not_move_what_they_read() {
    let view = mount();
    view.add(0, 200, "bob");
    settle().await;
    // Scroll back to somewhere in the middle, then make the rows above the
    // viewport taller: the entry at the top stays where the reader left it.
    view.scroll_to(3_000).await;
    let log = view.log();
    let top_entry = |log: &HtmlElement| {
        let log_top = log.get_bounding_client_rect().top();
        all(log, "#chat-text .row")
            .into_iter()
            .find(|row| row.get_bounding_client_rect().bottom() > log_top + 1.0)
            .map(|row| {
                (
                    row.query_selector(".text")
                        .unwrap()
                        .unwrap()
                        .text_content()
                        .unwrap(),
                    (row.get_bounding_client_rect().top() - log_top).round(),
                )
            })
    };
    let before = top_entry(&log).unwrap();
    let style: HtmlElement = document().create_element("style").unwrap().unchecked_into();
    style.set_text_content(Some(".row { padding-top: 30px; }"));
    document().head().unwrap().append_child(&style).unwrap();
    settle().await;
    let after = top_entry(&log).unwrap();
    style.remove();
    assert_eq!(before.0, after.0, "the same entry is at the top");
    assert!(
        (before.1 - after.1).abs() <= 31.0,
        "it moved by at most its own new padding: {before:?} then {after:?}"
    );
}

#[wasm_bindgen_test]
async fn entries_show_their_time_and_group_by_sender() {
    let view = mount();
    let now = js_sys::Date::now();
    view.chat.update(|chat| {
        chat.at(now - 2.0 * 86_400_000.0)
            .apply(ChatEvent::Received {
                sender: "ann".to_owned(),
                text: "old".to_owned(),
            });
        chat.at(now)
            .apply_all(["1", "2"].map(|text| ChatEvent::Received {
                sender: "bob".to_owned(),
                text: text.to_owned(),
            }));
        chat.at(now + 1_000.0).write("3");
    });
    settle().await;
    let rows = all(&view.root, "#chat-text .row");
    assert_eq!(rows.len(), 4);
    let grouped: Vec<bool> = rows
        .iter()
        .map(|row| row.class_list().contains("cont"))
        .collect();
    assert_eq!(grouped, vec![false, false, true, false]);
    // The sender span stays in each entry of a group, hidden visually.
    let label: HtmlElement = find(&rows[2], ".entry > span.received");
    assert_eq!(label.text_content().unwrap(), "bob");
    assert!(label.offset_width() <= 1, "hidden visually");

    let days: Vec<String> = all(&view.root, "#chat-text .row[data-day]")
        .iter()
        .map(|row| row.get_attribute("data-day").unwrap())
        .collect();
    assert_eq!(days.len(), 2, "{days:?}");
    assert_eq!(days[1], "Today");

    let time: Element = find(&rows[1], "time");
    let iso = time.get_attribute("datetime").unwrap();
    assert_eq!(
        iso,
        String::from(js_sys::Date::new(&now.into()).to_iso_string())
    );
    let clock = time.text_content().unwrap();
    let date = js_sys::Date::new(&now.into());
    assert_eq!(
        clock,
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
    );
    assert!(!time.get_attribute("title").unwrap_or_default().is_empty());
}

#[wasm_bindgen_test]
async fn new_entries_are_announced_once_not_when_they_scroll_back_into_view() {
    let view = mount();
    view.add(0, 2, "bob");
    settle().await;
    let announcer: Element = find(&view.root, "#chat-announce");
    let announced = announcer.text_content().unwrap();
    assert!(
        announced.contains("bob: 0") && announced.contains("bob: 1"),
        "announced {announced:?}"
    );
    let rows: Element = find(&view.root, "#chat-rows");
    assert_eq!(rows.get_attribute("aria-live").as_deref(), Some("off"));

    view.add(2, 300, "bob");
    settle().await;
    view.scroll_to(0).await;
    view.scroll_to(100_000).await;
    let count = all(&announcer, "p").len();
    assert_eq!(
        count,
        3,
        "two entries, then one burst: {}",
        announcer.text_content().unwrap()
    );
}
