//! Component tests in headless Chromium: mount each component into a fresh
//! element, drive it as a user would, and assert on the DOM.
#![cfg(target_arch = "wasm32")]

use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    Element, HtmlButtonElement, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit,
};
use wschat::components::{Message, Name, Status};
use wschat_core::{
    chat::MAX_MESSAGE_CHARS,
    link::{ConnState, Status as LinkStatus},
};

wasm_bindgen_test_configure!(run_in_browser);

/// Lets Leptos run the effects that a change scheduled, which can take
/// more than one tick when effects depend on memos.
async fn settle() {
    for _ in 0..5 {
        tick().await;
    }
}

/// A fresh element in the body to mount into.
fn container() -> HtmlElement {
    let element = document().create_element("section").unwrap();
    document().body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
}

fn find<T: JsCast>(root: &Element, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

/// Sets the value and fires `input`, which bubbles, as typing does.
fn type_into(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

fn press(input: &HtmlInputElement, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn name_shows_the_name_and_reports_each_change() {
    let root = container();
    let name = RwSignal::new("Ann".to_owned());
    let seen = RwSignal::new(Vec::<String>::new());
    let _mounted = mount_to(root.clone(), move || {
        view! { <Name name on_change=Callback::new(move |value| seen.update(|seen| seen.push(value))) /> }
    });
    settle().await;
    let input: HtmlInputElement = find(&root, "fieldset#name-controls > #my-name");
    assert_eq!(input.value(), "Ann");
    type_into(&input, "Bea");
    assert_eq!(seen.get_untracked(), vec!["Bea".to_owned()]);
    name.set("Cy".to_owned());
    settle().await;
    assert_eq!(input.value(), "Cy");
}

#[wasm_bindgen_test]
async fn who_is_typing_shows_above_the_message_input_politely() {
    let root = container();
    let _mounted = mount_to(root.clone(), move || {
        view! { <Message name=Signal::stored("Ann".to_owned()) on_send=Callback::new(|_: String| {}) /> }
    });
    settle().await;
    let typing: Element = find(&root, "#typing");
    assert_eq!(typing.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(
        typing.text_content().as_deref(),
        Some(""),
        "nobody types yet"
    );
    let next: Element = typing.next_element_sibling().unwrap();
    assert_eq!(next.id(), "chat-controls");
}

#[wasm_bindgen_test]
async fn send_is_disabled_until_both_name_and_message_are_set() {
    let root = container();
    let name = RwSignal::new(String::new());
    let _mounted = mount_to(root.clone(), move || {
        view! { <Message name on_send=Callback::new(|_: String| {}) /> }
    });
    settle().await;
    let input: HtmlInputElement = find(&root, "fieldset#chat-controls > #message");
    let send: HtmlButtonElement = find(&root, "fieldset#chat-controls > #send");
    assert!(send.disabled(), "no name, no message");
    type_into(&input, "hello");
    settle().await;
    assert!(send.disabled(), "no name");
    name.set("Ann".to_owned());
    settle().await;
    assert!(!send.disabled(), "name and message");
    type_into(&input, "   ");
    settle().await;
    assert!(send.disabled(), "blank message");
}

#[wasm_bindgen_test]
async fn enter_sends_the_message_and_clears_the_input() {
    let root = container();
    let sent = RwSignal::new(Vec::<String>::new());
    let _mounted = mount_to(root.clone(), move || {
        view! { <Message name=Signal::stored("Ann".to_owned()) on_send=Callback::new(move |text| sent.update(|sent| sent.push(text))) /> }
    });
    settle().await;
    let input: HtmlInputElement = find(&root, "#message");
    type_into(&input, "first");
    settle().await;
    press(&input, "Enter");
    settle().await;
    assert_eq!(sent.get_untracked(), vec!["first".to_owned()]);
    assert_eq!(input.value(), "");
    press(&input, "Enter");
    settle().await;
    assert_eq!(
        sent.get_untracked().len(),
        1,
        "an empty message is not sent"
    );
    type_into(&input, "second");
    settle().await;
    find::<HtmlButtonElement>(&root, "#send").click();
    settle().await;
    assert_eq!(
        sent.get_untracked(),
        vec!["first".to_owned(), "second".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn an_overlong_message_is_refused_and_the_input_says_why() {
    let root = container();
    let sent = RwSignal::new(0);
    let _mounted = mount_to(root.clone(), move || {
        view! { <Message name=Signal::stored("Ann".to_owned()) on_send=Callback::new(move |_| sent.update(|n| *n += 1)) /> }
    });
    settle().await;
    let input: HtmlInputElement = find(&root, "#message");
    let limit: Element = find(&root, "#message-limit");
    type_into(&input, &"x".repeat(MAX_MESSAGE_CHARS));
    settle().await;
    assert_eq!(limit.text_content().unwrap(), "4000 / 4000 characters");
    type_into(&input, &"x".repeat(MAX_MESSAGE_CHARS + 1));
    settle().await;
    assert!(find::<HtmlButtonElement>(&root, "#send").disabled());
    assert_eq!(
        limit.text_content().unwrap(),
        "a message is at most 4000 characters; this one has 4001"
    );
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    press(&input, "Enter");
    settle().await;
    assert_eq!(sent.get_untracked(), 0);
}

#[wasm_bindgen_test]
async fn status_states_the_connection_and_offers_its_controls() {
    let root = container();
    let status = RwSignal::new(LinkStatus {
        state: ConnState::Connecting,
        text: "connecting to ws://x/ws…".to_owned(),
        can_stop: true,
    });
    let reconnects = RwSignal::new(0);
    let _mounted = mount_to(root.clone(), move || {
        view! {
            <Status
                status
                on_reconnect=Callback::new(move |()| reconnects.update(|n| *n += 1))
                on_disconnect=Callback::new(|()| {})
            />
        }
    });
    settle().await;
    let shown: Element = find(&root, "#status");
    assert_eq!(
        shown.get_attribute("data-state").as_deref(),
        Some("connecting")
    );
    assert_eq!(shown.text_content().unwrap(), "connecting to ws://x/ws…");
    status.set(LinkStatus {
        state: ConnState::Closed,
        text: "disconnected; reconnecting in 2 s".to_owned(),
        can_stop: true,
    });
    settle().await;
    assert_eq!(shown.get_attribute("data-state").as_deref(), Some("closed"));
    assert_eq!(
        shown.text_content().unwrap(),
        "disconnected; reconnecting in 2 s"
    );
    assert!(
        !find::<HtmlButtonElement>(&root, "#disconnect").disabled(),
        "the user can stop the retries"
    );
    status.set(LinkStatus {
        state: ConnState::Closed,
        text: "disconnected; press Reconnect to connect again".to_owned(),
        can_stop: false,
    });
    settle().await;
    assert!(find::<HtmlButtonElement>(&root, "#disconnect").disabled());
    find::<HtmlButtonElement>(&root, "#reconnect").click();
    assert_eq!(reconnects.get_untracked(), 1);
}

#[wasm_bindgen_test]
async fn settings_refuse_bad_values_next_to_each_field_and_save_good_ones() {
    use wschat::components::Settings;
    use wschat_core::{config::Parameters as Saved, protocol::Protocol};
    let root = container();
    let saves = RwSignal::new(Vec::<Saved>::new());
    let _mounted = mount_to(root.clone(), move || {
        view! {
            <Settings
                saved=Saved::default()
                from_url=Saved {
                    event: Some("client-message".to_owned()),
                    ..Saved::default()
                }
                default_protocol=Protocol::Json
                page_url="http://h/".to_owned()
                on_save=Callback::new(move |saved| saves.update(|saves| saves.push(saved)))
            />
        }
    });
    settle().await;
    let server: HtmlInputElement = find(&root, "#settings-server");
    let event: HtmlInputElement = find(&root, "#settings-event");
    let share = || {
        find::<Element>(&root, "#settings-share")
            .text_content()
            .unwrap()
    };
    assert_eq!(
        share(),
        "http://h/?event=client-message",
        "the URL's own value"
    );
    type_into(&event, "typed-event");
    assert_eq!(
        share(),
        "http://h/?event=client-message",
        "the URL still wins"
    );
    type_into(&server, "/chat");
    assert_eq!(share(), "http://h/?server=%2Fchat&event=client-message");
    let form: web_sys::HtmlFormElement = find(&root, "#settings-form");
    type_into(&server, "example.com");
    type_into(&event, "disconnect");
    form.request_submit().unwrap();
    settle().await;
    let error = |id: &str| find::<Element>(&root, id).text_content().unwrap();
    assert!(error("#settings-server-error").contains("example.com"));
    assert!(error("#settings-event-error").contains("reserved"));
    assert_eq!(error("#settings-protocol-error"), "");
    assert!(
        saves.get_untracked().is_empty(),
        "nothing saved while a field is refused"
    );

    type_into(&server, "ws://127.0.0.1:3000/");
    type_into(&event, "client-message");
    form.request_submit().unwrap();
    settle().await;
    assert_eq!(error("#settings-server-error"), "");
    assert_eq!(
        saves.get_untracked(),
        vec![Saved {
            server: Some("ws://127.0.0.1:3000/".to_owned()),
            event: Some("client-message".to_owned()),
            ..Saved::default()
        }]
    );
    assert_eq!(
        find::<Element>(&root, "#settings-saved")
            .text_content()
            .unwrap(),
        "Saved."
    );
    assert!(error("#settings-url-note").contains("event"));
}

#[wasm_bindgen_test]
async fn a_preset_fills_the_fields_and_the_share_link_follows_what_they_say() {
    use web_sys::HtmlSelectElement;
    use wschat::components::Settings;
    use wschat_core::{config::Parameters as Saved, protocol::Protocol};
    let root = container();
    let saves = RwSignal::new(Vec::<Saved>::new());
    let _mounted = mount_to(root.clone(), move || {
        view! {
            <Settings
                saved=Saved {
                    server: Some("ws://h:8000/".to_owned()),
                    ..Saved::default()
                }
                from_url=Saved::default()
                default_protocol=Protocol::Json
                page_url="http://app/".to_owned()
                on_save=Callback::new(move |saved| saves.update(|saves| saves.push(saved)))
            />
        }
    });
    settle().await;
    let share = || {
        find::<Element>(&root, "#settings-share")
            .text_content()
            .unwrap()
    };
    assert_eq!(share(), "http://app/?server=ws%3A%2F%2Fh%3A8000%2F");

    let preset: HtmlSelectElement = find(&root, "#settings-preset");
    preset.set_value("first-frame");
    preset
        .dispatch_event(
            &web_sys::Event::new_with_event_init_dict("input", &{
                let init = web_sys::EventInit::new();
                init.set_bubbles(true);
                init
            })
            .unwrap(),
        )
        .unwrap();
    settle().await;
    let value = |id: &str| find::<HtmlInputElement>(&root, id).value();
    assert_eq!(
        find::<HtmlSelectElement>(&root, "#settings-protocol").value(),
        "text"
    );
    assert_eq!(value("#settings-join"), "{name}");
    assert_eq!(value("#settings-pattern"), "{name}: {text}");
    assert_eq!(
        value("#settings-server"),
        "ws://h:8000/",
        "the server stays"
    );
    assert_eq!(
        share(),
        "http://app/?server=ws%3A%2F%2Fh%3A8000%2F&protocol=text&join=%7Bname%7D&pattern=%7Bname%7D%3A%20%7Btext%7D"
    );
    assert_eq!(
        find::<Element>(&root, "#settings-share")
            .get_attribute("href")
            .as_deref(),
        Some(share().as_str())
    );

    // In json mode the same fields would not make JSON frames.
    find::<HtmlSelectElement>(&root, "#settings-protocol").set_value("json");
    type_into(&find(&root, "#settings-join"), "");
    type_into(&find(&root, "#settings-template"), r#"{"data":{text}}"#);
    assert_eq!(
        share(),
        "http://app/?server=ws%3A%2F%2Fh%3A8000%2F&protocol=json&template=%7B%22data%22%3A%7Btext%7D%7D&pattern=%7Bname%7D%3A%20%7Btext%7D",
        "the link follows typing"
    );
    let form: web_sys::HtmlFormElement = find(&root, "#settings-form");
    form.request_submit().unwrap();
    settle().await;
    let error = |id: &str| find::<Element>(&root, id).text_content().unwrap();
    assert!(error("#settings-template-error").contains("not JSON"));
    assert!(saves.get_untracked().is_empty());

    type_into(&find(&root, "#settings-template"), r#"{"data":"{text}"}"#);
    form.request_submit().unwrap();
    settle().await;
    assert_eq!(error("#settings-template-error"), "");
    assert_eq!(
        saves.get_untracked(),
        vec![Saved {
            server: Some("ws://h:8000/".to_owned()),
            protocol: Some("json".to_owned()),
            template: Some(r#"{"data":"{text}"}"#.to_owned()),
            pattern: Some("{name}: {text}".to_owned()),
            ..Saved::default()
        }]
    );
}

#[wasm_bindgen_test]
async fn saved_settings_show_as_values_never_as_markup() {
    use wschat::components::Settings;
    use wschat_core::{config::Parameters, protocol::Protocol};
    let hostile = r#""><img src=x onerror="window.__owned=1">&amp;<b>"#;
    let root = container();
    let _mounted = mount_to(root.clone(), move || {
        view! {
            <Settings
                saved=Parameters {
                    server: Some(hostile.to_owned()),
                    template: Some(hostile.to_owned()),
                    ..Parameters::default()
                }
                from_url=Parameters::default()
                default_protocol=Protocol::Json
                page_url="http://h/\"><i>".to_owned()
                on_save=Callback::new(|_| {})
            />
        }
    });
    settle().await;
    assert_eq!(
        find::<HtmlInputElement>(&root, "#settings-server").value(),
        hostile
    );
    assert_eq!(
        find::<HtmlInputElement>(&root, "#settings-template").value(),
        hostile
    );
    let form = find::<Element>(&root, "#settings-form");
    for tag in ["img", "b", "i"] {
        assert!(
            form.query_selector(tag).unwrap().is_none(),
            "no <{tag}> was made from a value"
        );
    }
    let share = find::<Element>(&root, "#settings-share");
    assert!(share
        .text_content()
        .unwrap()
        .starts_with("http://h/\"><i>?server="));
}
