//! The conversation's measuring and placing: the DOM side of the pure
//! [`Viewport`]. The view measures the rendered rows with one
//! `ResizeObserver`, tells the viewport where the reader scrolled, and moves
//! the track height, the rows' offset and the scroll position to the
//! [`Placement`] it answers. It also keeps the unread count (on the jump
//! button and in the page's title), the divider, and the announcer.

use std::{cell::RefCell, rc::Rc};

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{HtmlElement, ResizeObserver};

use crate::history::SharedHistory;
use wschat_core::{
    chat::{search::Query, Author, Chat, Entry},
    clock,
    viewport::{rows, Placement, Row, Viewport},
};

use super::{
    super::search::{lower, paint_highlights, search_history},
    local_day, ANNOUNCER_ID, COUNT_ID, LOG_ID, ROWS_ID, TRACK_ID,
};

/// New entries announced one by one up to this many per update; more are
/// announced as a count.
const ANNOUNCE_EACH: usize = 3;
/// Announcements kept in the announcer.
const ANNOUNCE_KEPT: u32 = 8;

/// The signals the view writes, and where it asks for what it lacks.
#[derive(Clone, Copy)]
pub(super) struct Parts {
    pub(super) chat: Signal<Chat>,
    pub(super) shown: RwSignal<Vec<Row>>,
    pub(super) unread: RwSignal<u64>,
    pub(super) following: RwSignal<bool>,
    pub(super) history: Option<SharedHistory>,
    pub(super) on_missing: Option<Callback<Vec<usize>>>,
}

/// The search: its query, the matching entries (newest first), the one in
/// view, and the query's number, so a slower history search of an older
/// query is dropped.
#[derive(Default)]
pub(super) struct Found {
    query: String,
    matches: Vec<usize>,
    at: usize,
    asked: u64,
}

/// The view's state beside the pure viewport: what it has caught up with,
/// and the observer that measures the rows.
pub(super) struct View {
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
    pub(super) title: String,
    found: Found,
}

impl View {
    pub(super) fn new(parts: Parts) -> View {
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
            found: Found::default(),
        }
    }

    /// Runs `act` on the view. Events do not nest, but a callback that
    /// finds the view busy drops its event rather than panicking.
    pub(super) fn update(view: &Rc<RefCell<View>>, act: fn(&mut View, &Rc<RefCell<View>>)) {
        if let Ok(mut state) = view.try_borrow_mut() {
            act(&mut state, view);
        }
    }

    /// New entries, deliveries or discards.
    pub(super) fn chat_changed(&mut self, me: &Rc<RefCell<View>>) {
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
    pub(super) fn scrolled(&mut self, _: &Rc<RefCell<View>>) {
        let Some(log) = element(LOG_ID) else { return };
        self.read_view_height();
        let actual = f64::from(log.scroll_top());
        // The echo of a position the view placed changes nothing: taking
        // the anchor again from a rounded pixel could pick the entry above
        // (a search's match would then drift away as that one is measured).
        if self
            .placed_scroll
            .is_some_and(|placed| (actual - placed).abs() < 1.0)
            && !self.viewport.following()
        {
            return;
        }
        self.viewport.scrolled(actual);
        self.parts.following.set(self.viewport.following());
        self.mark_seen();
        self.render(false);
    }

    /// The jump button: back to the newest entry.
    pub(super) fn jump(&mut self, _: &Rc<RefCell<View>>) {
        self.viewport.jump_to_end();
        self.parts.following.set(true);
        self.mark_seen();
        self.render(true);
        if let Some(log) = element(LOG_ID) {
            let _ = log.focus();
        }
    }

    /// Searches for `text` as it is typed: the held texts at once, newest
    /// first, then the history's for entries whose texts went.
    pub(super) fn find(&mut self, me: &Rc<RefCell<View>>, text: String) {
        let query = Query::new(&text, &lower);
        if query.is_empty() {
            paint_highlights("");
        }
        let found = &mut self.found;
        found.asked += 1;
        found.query = text;
        found.at = 0;
        found.matches = self
            .parts
            .chat
            .with_untracked(|chat| chat.search(&query, usize::MAX, &lower));
        let history = self.parts.history.and_then(|history| history.get_value());
        if let (Some(history), false) = (history, query.is_empty()) {
            let asked = found.asked;
            let me = Rc::downgrade(me);
            spawn_local(async move {
                let chat = match me.upgrade() {
                    Some(view) => view.borrow().parts.chat,
                    None => return,
                };
                let older = search_history(&history, chat, &query).await;
                if let Some(view) = me.upgrade() {
                    if let Ok(mut view) = view.try_borrow_mut() {
                        if view.found.asked == asked {
                            view.found.matches.extend(older);
                            view.show_match();
                        }
                    }
                }
            });
        }
        self.show_match();
    }

    /// Moves to the next older match, or back to the newer one.
    pub(super) fn step(&mut self, back: bool) {
        let count = self.found.matches.len().max(1);
        self.found.at = (self.found.at + if back { count - 1 } else { 1 }) % count;
        self.show_match();
    }

    /// Brings the current match into view, and says where it is.
    fn show_match(&mut self) {
        let found = &self.found;
        let count = match (found.query.is_empty(), found.matches.len()) {
            (true, _) => String::new(),
            (false, 0) => "no matches".to_owned(),
            (false, total) => format!("{} of {total}", found.at + 1),
        };
        if let Some(element) = element(COUNT_ID) {
            element.set_text_content(Some(&count));
        }
        if let Some(&index) = found.matches.get(found.at) {
            self.read_view_height();
            self.viewport.show(index);
            self.parts.following.set(false);
        }
        self.render(true);
    }

    pub(super) fn seen_if_visible(&mut self, _: &Rc<RefCell<View>>) {
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
        if !changed {
            return;
        }
        let missing: Vec<usize> = new_rows
            .iter()
            .filter(|row| !row.held)
            .map(|row| row.index)
            .collect();
        self.parts.shown.set(new_rows);
        if let (Some(on_missing), false) = (self.parts.on_missing, missing.is_empty()) {
            on_missing.run(missing);
        }
        // Highlights go on the rows once the browser has them.
        if !self.found.query.is_empty() {
            let query = self.found.query.clone();
            request_animation_frame(move || paint_highlights(&query));
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

    pub(super) fn stop_observing(&mut self) {
        if let Some(observer) = self.observer.take() {
            observer.observer.disconnect();
        }
    }
}

/// A ResizeObserver on the rows and the log, with its callback.
struct Observer {
    observer: ResizeObserver,
    _callback: Closure<dyn FnMut()>,
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
    let mut out = String::with_capacity(12);
    clock::push_whole(&mut out, value.round() as i64);
    out.push_str("px");
    out
}
