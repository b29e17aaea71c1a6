//! The only owner of the WebSocket and its timers.
//!
//! [`Connection`] runs a [`Link`] with a browser [`Driver`]: a WebSocket
//! whose listeners are owned and released with it, gloo timers that cancel
//! when dropped, and a batch that applies incoming chat events to the
//! conversation once per animation frame. Each socket has a generation
//! number; events of any socket but the current one are dropped, so timers
//! and listeners of an old socket never reach a new one. Every event runs
//! inside a JavaScript `try`, so that whatever a browser call throws ends
//! that event only, and never leaves the shell borrowed.

mod batch;

use std::{
    cell::RefCell,
    rc::{Rc, Weak},
    time::Duration,
};

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, prelude::wasm_bindgen, JsCast, JsValue};
use web_sys::{BinaryType, CloseEvent, MessageEvent};

use crate::{
    browser_json::BrowserJson,
    storage::{self, Area, OUTBOX_KEY},
};
use batch::{flush, schedule, Batch, Flush};
use wschat_core::{
    chat::{Chat, ChatEvent, EntryId},
    config::Echo,
    link::{CloseInfo, Driver, Input, Link, Owner, Status},
    outbox::{write_saved, Queued, Saved},
    protocol::{Codec, Frame},
    typing::{Typists, TYPING_FOR},
};

/// The element that says who is typing (the `Message` component's).
const TYPING_ID: &str = "typing";

/// A handle on the running connection. Cheap to clone.
#[derive(Clone)]
pub struct Connection {
    shell: Rc<RefCell<Shell>>,
}

/// The signals a connection writes to, and who hears that it changed the
/// conversation (the history).
#[derive(Clone, Copy)]
pub struct Outputs {
    pub chat: RwSignal<Chat>,
    pub status: RwSignal<Status>,
    pub changed: Option<Callback<()>>,
}

struct Shell {
    link: Link,
    driver: Browser,
}

struct Browser {
    me: Weak<RefCell<Shell>>,
    socket: Option<Live>,
    generation: u64,
    retry: Option<Timeout>,
    watchdog: Option<Timeout>,
    settle: Option<Timeout>,
    outputs: Outputs,
    batch: Rc<RefCell<Batch>>,
    typists: Typists,
    /// Fires when the last typing notice is too old.
    typing_due: Option<Timeout>,
}

/// The current socket and its listeners. Dropping it detaches the
/// listeners and closes the socket, so an old socket's events never run.
///
/// The socket's events are taken with plain listeners rather than through
/// gloo-net's stream: that stream passes every frame through a channel and a
/// task wake-up, which a flood of frames pays for each frame, and its
/// machinery cost about 3 KB of the bundle.
struct Live {
    raw: web_sys::WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Live {
    fn drop(&mut self) {
        self.raw.set_onopen(None);
        self.raw.set_onmessage(None);
        self.raw.set_onclose(None);
        let _ = self.raw.close();
    }
}

impl Connection {
    /// Starts connecting at once.
    pub fn start(link: Link, outputs: Outputs) -> Connection {
        let shell = Rc::new_cyclic(|me| {
            RefCell::new(Shell {
                link,
                driver: Browser {
                    me: me.clone(),
                    socket: None,
                    generation: 0,
                    retry: None,
                    watchdog: None,
                    settle: None,
                    outputs,
                    batch: Rc::default(),
                    typists: Typists::default(),
                    typing_due: None,
                },
            })
        });
        let connection = Connection { shell };
        connection.apply(Input::Connect);
        connection
    }

    /// Shows the user's message at once, pending, and queues it.
    pub fn send(&self, name: &str, text: &str) {
        let (name, text) = (name.to_owned(), text.to_owned());
        run(&self.shell, Event::Write { name, text });
    }

    /// Opens a fresh socket now.
    pub fn reconnect(&self) {
        self.apply(Input::Connect);
    }

    /// Closes the socket and stays closed until asked to reconnect.
    pub fn disconnect(&self) {
        self.apply(Input::Disconnect);
    }

    /// The tab was hidden or shown.
    pub fn visibility_changed(&self) {
        run(&self.shell, Event::Visibility);
    }

    /// The browser came back online or the tab became visible.
    pub fn nudge(&self) {
        self.apply(Input::Nudge);
    }

    pub fn set_name(&self, name: &str) {
        self.apply(Input::Rename(name.to_owned()));
    }

    /// Moves to another server or protocol.
    pub fn reconfigure(&self, codec: Codec, server: String, echo: Echo) {
        self.apply(Input::Reconfigure {
            codec,
            server,
            echo,
        });
    }

    /// Takes the messages an earlier load of this tab saved, holding them
    /// until [`Connection::claimed`].
    pub fn restore(&self, queued: Vec<Queued>, uncertain: Vec<Queued>) {
        self.apply(Input::Restore { queued, uncertain });
    }

    /// The tab claim said whose the restored messages are.
    pub fn claimed(&self, owner: Owner) {
        self.apply(Input::Claimed(owner));
    }

    /// Sends an uncertain message again.
    pub fn resend(&self, id: EntryId) {
        self.apply(Input::Resend(id));
    }

    /// Drops a message the user no longer wants sent.
    pub fn discard(&self, id: EntryId) {
        self.apply(Input::Discard(id));
    }

    /// The page is hiding (`pagehide`), and may be about to unload.
    pub fn page_hide(&self) {
        self.apply(Input::PageHide);
    }

    fn apply(&self, input: Input) {
        run(&self.shell, Event::Link(input));
    }
}

/// Something for the shell to do: every event goes through [`run`].
enum Event {
    /// An input for the link.
    Link(Input),
    /// An input from socket `generation`: dropped unless that socket is
    /// still the current one.
    Socket(u64, Input),
    /// The user wrote a message: it shows at once, then is queued.
    Write { name: String, text: String },
    /// The tab was hidden or shown.
    Visibility,
    /// The last typing notice is too old now.
    TypingDue,
}

#[wasm_bindgen]
extern "C" {
    /// `Reflect.apply(act, undefined, [])`: calls `act`, and returns what
    /// it threw as an error.
    #[wasm_bindgen(js_namespace = Reflect, js_name = apply, catch)]
    fn call_caught(
        act: &mut dyn FnMut(),
        this: &JsValue,
        arguments: &js_sys::Array,
    ) -> Result<JsValue, JsValue>;
}

/// Runs `event` on the shell. Events never nest (each comes from its own
/// task or timer), so the borrow succeeds; if it ever did not, the event is
/// dropped rather than the page killed.
///
/// WebAssembly does not unwind: a JavaScript exception thrown while the
/// event runs (by a browser call, or by an import an older browser lacks)
/// leaves its frames without running their drops. So the event runs
/// inside a JavaScript `try`, and the borrow is taken and released out
/// here, where the exception never passes: the event ends, the page says
/// so, and the next event runs.
fn run(shell: &RefCell<Shell>, event: Event) {
    let Ok(mut shell) = shell.try_borrow_mut() else {
        return;
    };
    let Shell { link, driver } = &mut *shell;
    let mut event = Some(event);
    let caught = call_caught(
        &mut || {
            if let Some(event) = event.take() {
                handle(event, link, driver);
            }
        },
        &JsValue::UNDEFINED,
        &js_sys::Array::new(),
    );
    if let Err(error) = caught {
        driver.chat(ChatEvent::System(format!(
            "the browser failed in the middle of an event ({}); the connection goes on",
            js_text(&error)
        )));
    }
}

fn handle(event: Event, link: &mut Link, driver: &mut Browser) {
    match event {
        // A page that may unload writes what waits for the next frame now:
        // a delivery confirmed just before a reload reaches the history.
        Event::Link(Input::PageHide) => {
            link.apply(Input::PageHide, driver);
            driver.flush_batch();
        }
        Event::Link(input) => link.apply(input, driver),
        Event::Socket(generation, input) => {
            if driver.generation == generation && driver.socket.is_some() {
                link.apply(input, driver);
            }
        }
        Event::Write { name, text } => {
            driver.flush_batch();
            let Some(id) = driver
                .outputs
                .chat
                .try_update(|chat| chat.at(js_sys::Date::now()).write_as(&name, &text))
            else {
                return;
            };
            link.apply(Input::Write(Queued { id, name, text }), driver);
            if let Some(changed) = driver.outputs.changed {
                changed.run(());
            }
        }
        Event::Visibility => driver.visibility_changed(),
        Event::TypingDue => {
            driver.typists.clear();
            driver.show_typing();
        }
    }
}

/// Gives the link an input of socket `generation`.
fn run_for_socket(me: &Weak<RefCell<Shell>>, generation: u64, input: Input) {
    if let Some(shell) = me.upgrade() {
        run(&shell, Event::Socket(generation, input));
    }
}

/// A frame as the link reads it: text, or the bytes of a binary frame
/// (the socket's binary type is `arraybuffer`).
fn frame_of(event: &MessageEvent) -> Frame {
    let data = event.data();
    match data.as_string() {
        Some(text) => Frame::Text(text),
        None => Frame::Binary(js_sys::Uint8Array::new(&data).to_vec()),
    }
}

impl Browser {
    /// Applies the waiting chat events now.
    fn flush_batch(&mut self) {
        flush(&self.batch, self.outputs);
    }

    fn schedule_flush(&mut self) {
        if self
            .batch
            .try_borrow()
            .is_ok_and(|batch| batch.scheduled.is_none())
        {
            let how = if document().hidden() {
                Flush::Timer
            } else {
                Flush::Frame
            };
            schedule(&self.batch, self.outputs, how);
        }
    }

    /// The tab was hidden or shown: a batch waiting for an animation frame
    /// in a tab that just hid would wait until it is shown again.
    fn visibility_changed(&mut self) {
        let waiting = self
            .batch
            .try_borrow()
            .ok()
            .and_then(|batch| batch.scheduled);
        if waiting == Some(Flush::Frame) && document().hidden() {
            schedule(&self.batch, self.outputs, Flush::Timer);
        }
    }

    /// Shows who is typing now.
    fn show_typing(&self) {
        if let Some(shown) = document().get_element_by_id(TYPING_ID) {
            shown.set_text_content(Some(&self.typists.words()));
        }
    }

    fn timer(&self, delay: Duration, event: Event) -> Timeout {
        let me = self.me.clone();
        // setTimeout takes a signed 32-bit delay: anything longer would wrap
        // to a negative delay and fire at once.
        let millis = u32::try_from(delay.as_millis())
            .unwrap_or(u32::MAX)
            .min(i32::MAX as u32);
        Timeout::new(millis, move || {
            if let Some(shell) = me.upgrade() {
                run(&shell, event);
            }
        })
    }
}

impl Driver for Browser {
    type Json = BrowserJson;

    fn open(&mut self, url: &str, protocols: &[String]) -> Result<(), String> {
        self.close();
        // An empty list offers no subprotocol, as `new WebSocket(url)` does.
        let offered: js_sys::Array = protocols.iter().map(|p| JsValue::from_str(p)).collect();
        let raw = web_sys::WebSocket::new_with_str_sequence(url, &offered)
            .map_err(|error| js_text(&error))?;
        raw.set_binary_type(BinaryType::Arraybuffer);
        self.generation += 1;
        let (me, generation) = (self.me.clone(), self.generation);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            run_for_socket(&me, generation, Input::Opened);
        });
        let me = self.me.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let frame = frame_of(&event);
            run_for_socket(&me, generation, Input::Received(frame));
        });
        let me = self.me.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            let close = CloseInfo {
                code: event.code(),
                reason: event.reason(),
            };
            run_for_socket(&me, generation, Input::Closed(close));
        });
        // An error event is always followed by a close event, which says
        // all the link needs.
        raw.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        raw.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        raw.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.socket = Some(Live {
            raw,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        });
        Ok(())
    }

    fn protocol(&self) -> String {
        self.socket
            .as_ref()
            .map(|live| live.raw.protocol())
            .unwrap_or_default()
    }

    fn close(&mut self) {
        self.socket = None;
    }

    fn send(&mut self, frame: &Frame) -> Result<(), String> {
        let Some(live) = &self.socket else {
            return Err("no socket".to_owned());
        };
        if live.raw.ready_state() != web_sys::WebSocket::OPEN {
            return Err("the socket is not open".to_owned());
        }
        match frame {
            Frame::Text(text) => live.raw.send_with_str(text),
            Frame::Binary(bytes) => live.raw.send_with_u8_array(bytes),
        }
        .map_err(|error| js_text(&error))
    }

    fn buffered_amount(&self) -> u32 {
        self.socket
            .as_ref()
            .map_or(0, |live| live.raw.buffered_amount())
    }

    fn set_retry(&mut self, delay: Option<Duration>) {
        self.retry = delay.map(|delay| self.timer(delay, Event::Link(Input::RetryDue)));
    }

    fn set_watchdog(&mut self, delay: Option<Duration>) {
        self.watchdog = delay.map(|delay| self.timer(delay, Event::Link(Input::WatchdogDue)));
    }

    fn set_settle(&mut self, delay: Option<Duration>) {
        self.settle = delay.map(|delay| self.timer(delay, Event::Link(Input::SettleDue)));
    }

    fn random(&mut self) -> f64 {
        js_sys::Math::random()
    }

    fn now_ms(&self) -> f64 {
        // Monotonic, unlike Date.now(), which jumps with the system clock.
        window()
            .performance()
            .map_or_else(js_sys::Date::now, |clock| clock.now())
    }

    fn chat(&mut self, event: ChatEvent) {
        // A line from someone typing means they stopped.
        if let ChatEvent::Received { sender, .. } = &event {
            if !self.typists.is_empty() && self.typists.stop(sender) {
                self.show_typing();
            }
        }
        if let Ok(mut batch) = self.batch.try_borrow_mut() {
            batch.events.push(event);
        }
        self.schedule_flush();
    }

    fn typing(&mut self, sender: String, typing: bool) {
        let changed = if typing {
            self.typing_due = Some(self.timer(TYPING_FOR, Event::TypingDue));
            self.typists.start(sender)
        } else {
            self.typists.stop(&sender)
        };
        if changed {
            self.show_typing();
        }
    }

    fn status(&mut self, status: Status) {
        self.outputs.status.set(status);
    }

    fn save_outbox(&mut self, saved: &[Saved]) -> Result<(), String> {
        if saved.is_empty() {
            storage::remove(Area::Session, OUTBOX_KEY);
            return Ok(());
        }
        storage::write(Area::Session, OUTBOX_KEY, &write_saved(saved)).map_err(|error| {
            // An older saved form must not stay behind to be sent after a
            // reload: the messages it held may be settled by now.
            storage::remove(Area::Session, OUTBOX_KEY);
            js_text(&error)
        })
    }
}

/// A thrown JavaScript value, in words.
pub(crate) fn js_text(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value
        .as_string()
        .unwrap_or_else(|| "the browser refused".to_owned())
}
