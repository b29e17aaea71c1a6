use std::{cell::RefCell, rc::Rc};

use leptos::{ev, prelude::*};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{HtmlElement, ResizeObserver};

use wschat_core::{
    chat::{Author, Chat, Delivery, Entry, EntryId},
    clock::Civil,
    viewport::{rows, Placement, Row, Viewport},
};

/// The log's id, and those of the parts the view sizes and moves. The
/// contract makes `chat-text` unique on the page, so the view finds its
/// elements by id rather than through `NodeRef`s, which cost about 1 KB
/// gzip each.
const LOG_ID: &str = "chat-text";
const TRACK_ID: &str = "chat-track";
const ROWS_ID: &str = "chat-rows";
const ANNOUNCER_ID: &str = "chat-announce";
/// New entries announced one by one up to this many per update; more are
/// announced as a count.
const ANNOUNCE_EACH: usize = 3;
/// Announcements kept in the announcer.
const ANNOUNCE_KEPT: u32 = 8;

/// The conversation: `#chat-text`, a log for assistive technology, that
/// renders only the window of entries in and near the viewport.
///
/// The window arithmetic is the pure [`Viewport`]. This component measures
/// the rendered rows (a `ResizeObserver`, which reports after layout and
/// before paint), tells the viewport where the reader scrolled, and moves
/// the DOM to the [`Placement`] it answers. Rows are keyed by everything
/// they show, so a row is built once and rebuilt only when it changes.
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
) -> impl IntoView {
    let shown = RwSignal::new(Vec::<Row>::new());
    let unread = RwSignal::new(0u64);
    let following = RwSignal::new(true);
    let view = Rc::new(RefCell::new(View::new(Parts {
        chat,
        shown,
        unread,
        following,
    })));
    // The page's own title, to put the unread count before.
    view.borrow_mut().title = document().title();

    let on_change = Rc::clone(&view);
    Effect::new(move |_| {
        chat.track();
        View::update(&on_change, View::chat_changed);
    });
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
        <div class="log-frame">
            <div
                id=LOG_ID
                role="log"
                aria-live="polite"
                aria-label="Conversation"
                tabindex="0"
                on:scroll=move |_| View::update(&on_scroll, View::scrolled)
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
                hidden=move || following.get()
                on:click=move |_| View::update(&on_jump, View::jump)
            >
                {jump_label}
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
                <div class="entry" data-id=id.0 data-state=row.delivery.map(Delivery::as_str)>
                    <span class=shown.kind>{shown.label}</span>
                    <span class="text">{shown.text}</span>
                </div>
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
                                on:click=move |_| on_resend.run(id)
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
                                on:click=move |_| on_discard.run(id)
                            >
                                "discard"
                            </button>
                        }
                    })}
            </div>
        </div>
    })
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

/// The signals the view writes.
#[derive(Clone, Copy)]
struct Parts {
    chat: Signal<Chat>,
    shown: RwSignal<Vec<Row>>,
    unread: RwSignal<u64>,
    following: RwSignal<bool>,
}

/// The view's state beside the pure viewport: what it has caught up with,
/// and the observer that measures the rows.
struct View {
    parts: Parts,
    viewport: Viewport,
    /// Entries the viewport and the announcer have seen.
    synced: usize,
    /// Discards the viewport has seen.
    discards: usize,
    /// Received entries when the reader last saw the newest one.
    seen_received: u64,
    /// Where the "new messages" divider goes.
    divider: Option<usize>,
    observer: Option<Observer>,
    /// The log's scroll position when the view last placed it.
    placed_scroll: Option<f64>,
    /// The page's title without the unread count.
    title: String,
}

/// A ResizeObserver on the rows and the log, with its callback.
struct Observer {
    observer: ResizeObserver,
    _callback: Closure<dyn FnMut()>,
}

impl View {
    fn new(parts: Parts) -> View {
        View {
            parts,
            viewport: Viewport::default(),
            synced: 0,
            discards: 0,
            seen_received: 0,
            divider: None,
            observer: None,
            placed_scroll: None,
            title: String::new(),
        }
    }

    /// Runs `act` on the view. Events do not nest, but a callback that
    /// finds the view busy drops its event rather than panicking.
    fn update(view: &Rc<RefCell<View>>, act: fn(&mut View, &Rc<RefCell<View>>)) {
        if let Ok(mut state) = view.try_borrow_mut() {
            act(&mut state, view);
        }
    }

    /// New entries, deliveries or discards.
    fn chat_changed(&mut self, me: &Rc<RefCell<View>>) {
        self.observe(me);
        self.read_view_height();
        self.catch_up_scroll();
        let chat = self.parts.chat;
        chat.with_untracked(|chat| {
            for id in chat.discarded().get(self.discards..).unwrap_or_default() {
                self.viewport.hide(id.0 as usize);
            }
            self.discards = chat.discarded().len();
            self.viewport
                .grow(chat.end(), |index| chat.at_index(index).is_none());
            let new = self.synced..chat.end();
            self.synced = chat.end();
            // Writing a message takes the reader to it, as it does in any chat.
            if chat
                .range(new.clone())
                .any(|entry| entry.author == Author::Me)
            {
                self.viewport.jump_to_end();
                self.parts.following.set(true);
            }
            self.announce(chat, new.clone());
            let received = chat.received_count();
            if received > self.seen_received {
                if self.seen() {
                    self.seen_received = received;
                } else {
                    if self.parts.unread.get_untracked() == 0 {
                        // A new unread stretch begins with the first entry
                        // received unseen.
                        self.divider = chat
                            .range(new)
                            .find(|entry| matches!(entry.author, Author::Peer(_)))
                            .map(|entry| entry.id.0 as usize);
                    }
                    self.set_unread(received - self.seen_received);
                }
            }
        });
        self.render(true);
    }

    /// The reader scrolled, or the log was scrolled for them.
    fn scrolled(&mut self, _: &Rc<RefCell<View>>) {
        let Some(log) = element(LOG_ID) else { return };
        self.read_view_height();
        self.viewport.scrolled(f64::from(log.scroll_top()));
        self.parts.following.set(self.viewport.following());
        self.mark_seen();
        self.render(false);
    }

    /// The jump button: back to the newest entry.
    fn jump(&mut self, _: &Rc<RefCell<View>>) {
        self.viewport.jump_to_end();
        self.parts.following.set(true);
        self.mark_seen();
        self.render(true);
        if let Some(log) = element(LOG_ID) {
            let _ = log.focus();
        }
    }

    fn seen_if_visible(&mut self, _: &Rc<RefCell<View>>) {
        self.mark_seen();
    }

    /// Rows were measured, or the log was resized: after layout, before
    /// paint.
    fn measured(&mut self, me: &Rc<RefCell<View>>) {
        let mut changed = self.read_view_height();
        self.catch_up_scroll();
        if let Some(rows) = element(ROWS_ID) {
            let children = rows.children();
            for position in 0..children.length() {
                let Some(row) = children.item(position) else {
                    continue;
                };
                let index = row
                    .get_attribute("data-row")
                    .and_then(|index| index.parse::<usize>().ok());
                if let Some(index) = index {
                    let height = row.get_bounding_client_rect().height();
                    changed |= self.viewport.measured(index, height);
                }
            }
        }
        if !changed {
            return;
        }
        // Changing the rows now would resize what the observer watches
        // within its own callback: the browser reports that as an error. So
        // sizes and positions move now, and the rows on the next frame.
        if self.place()
            != self
                .parts
                .shown
                .with_untracked(|shown| first_and_end(shown))
        {
            let me = Rc::clone(me);
            request_animation_frame(move || View::update(&me, |view, _| view.render(false)));
        }
    }

    /// Shows the unread count on the jump button and in the title.
    fn set_unread(&mut self, count: u64) {
        if count == self.parts.unread.get_untracked() {
            return;
        }
        self.parts.unread.set(count);
        document().set_title(&if count == 0 {
            self.title.clone()
        } else {
            format!("({count}) {}", self.title)
        });
    }

    /// Reads the log's height; returns whether it changed.
    fn read_view_height(&mut self) -> bool {
        let Some(log) = element(LOG_ID) else {
            return false;
        };
        let view = f64::from(log.client_height());
        let changed = (view - self.viewport.view()).abs() >= 0.5;
        self.viewport.resized(view);
        changed
    }

    fn seen(&self) -> bool {
        self.viewport.following() && !document().hidden()
    }

    /// The reader sees the newest entry now: nothing is unread.
    fn mark_seen(&mut self) {
        if self.seen() {
            self.seen_received = self.parts.chat.with_untracked(Chat::received_count);
            self.set_unread(0);
        }
    }

    /// Moves the DOM to the viewport's placement, and the rows with it.
    fn render(&mut self, force_rows: bool) {
        let placed = self.place();
        let chat = self.parts.chat;
        let new_rows = chat.with_untracked(|chat| rows(chat, placed, self.divider, local_day));
        let changed = force_rows || self.parts.shown.with_untracked(|shown| *shown != new_rows);
        if changed {
            self.parts.shown.set(new_rows);
        }
    }

    /// Sizes and positions only; returns the range of entries whose rows
    /// should be rendered.
    fn place(&mut self) -> std::ops::Range<usize> {
        let placement = self.viewport.placement();
        self.apply(&placement);
        placement.rows
    }

    fn apply(&mut self, placement: &Placement) {
        if let Some(track) = element(TRACK_ID) {
            let _ = track
                .style()
                .set_property("height", &pixels(placement.height));
        }
        if let Some(rows) = element(ROWS_ID) {
            let _ = rows.style().set_property(
                "transform",
                &format!("translateY({})", pixels(placement.rows_top)),
            );
        }
        if let Some(log) = element(LOG_ID) {
            let target = placement.scroll_top.round();
            if (f64::from(log.scroll_top()) - target).abs() >= 1.0 {
                log.set_scroll_top(target as i32);
            }
            // Where the browser put it, which may be clamped.
            self.placed_scroll = Some(f64::from(log.scroll_top()));
        }
    }

    /// Takes in a scroll the view has not heard of yet. The reader (or a
    /// script) may have moved the log since the view last placed it, and
    /// the scroll event comes only on the next frame: placing rows by the
    /// old anchor now would throw the reader back.
    fn catch_up_scroll(&mut self) {
        let Some(log) = element(LOG_ID) else { return };
        let actual = f64::from(log.scroll_top());
        if self
            .placed_scroll
            .is_some_and(|placed| (actual - placed).abs() >= 1.0)
        {
            self.viewport.scrolled(actual);
            self.parts.following.set(self.viewport.following());
            self.placed_scroll = Some(actual);
        }
    }

    /// Tells assistive technology about new entries, through the
    /// announcer: the user's own messages are not announced, and a burst is
    /// announced as a count.
    fn announce(&self, chat: &Chat, new: std::ops::Range<usize>) {
        let Some(announcer) = element(ANNOUNCER_ID) else {
            return;
        };
        let others: Vec<Entry> = chat
            .range(new)
            .filter(|entry| entry.author != Author::Me)
            .take(ANNOUNCE_EACH + 1)
            .collect();
        let mut lines: Vec<String> = others
            .iter()
            .map(|entry| format!("{}: {}", entry.sender_label(), entry.text))
            .collect();
        if lines.len() > ANNOUNCE_EACH {
            lines = vec!["new messages".to_owned()];
        }
        for line in lines {
            let Ok(paragraph) = document().create_element("p") else {
                continue;
            };
            paragraph.set_text_content(Some(&line));
            let _ = announcer.append_child(&paragraph);
        }
        while announcer.child_element_count() > ANNOUNCE_KEPT {
            if let Some(oldest) = announcer.first_element_child() {
                oldest.remove();
            }
        }
    }

    /// Starts measuring, once the log is in the document.
    fn observe(&mut self, me: &Rc<RefCell<View>>) {
        if self.observer.is_some() {
            return;
        }
        let (Some(log), Some(rows)) = (element(LOG_ID), element(ROWS_ID)) else {
            return;
        };
        let me = Rc::downgrade(me);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(view) = me.upgrade() {
                View::update(&view, View::measured);
            }
        });
        let Ok(observer) = ResizeObserver::new(callback.as_ref().unchecked_ref()) else {
            return;
        };
        observer.observe(&log);
        observer.observe(&rows);
        self.observer = Some(Observer {
            observer,
            _callback: callback,
        });
    }

    fn stop_observing(&mut self) {
        if let Some(observer) = self.observer.take() {
            observer.observer.disconnect();
        }
    }
}

/// The range of entries that `rows` show.
fn first_and_end(rows: &[Row]) -> std::ops::Range<usize> {
    match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => first.index..last.index + 1,
        _ => 0..0,
    }
}

fn element(id: &str) -> Option<HtmlElement> {
    document()
        .get_element_by_id(id)
        .and_then(|element| element.dyn_into::<HtmlElement>().ok())
}

fn pixels(value: f64) -> String {
    format!("{}px", value.round() as i64)
}
