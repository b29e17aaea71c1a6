//! The conversation: every entry of the page's life, with stable ids and
//! delivery states.
//!
//! This is a pure model. The connection feeds it [`ChatEvent`]s in batches
//! and the `Conversation` component renders a window of its entries. Every
//! entry of the page's life keeps a small fixed-size slot, so an
//! [`EntryId`] is the entry's position, finding one is indexing, and ids
//! are never reused. Texts live in an arena of chunks that holds at most
//! [`HELD_TEXT`] bytes: past it the oldest chunks go, and their entries
//! are shown again once the history gives their texts back
//! ([`Chat::recall`]). Senders are interned.

mod arena;
pub mod search;

use std::{ops::Range, sync::Arc};

use crate::{history::Record, protocol::byte_count};

pub use arena::HELD_TEXT;
use arena::{Arena, Place};

/// Longest text shown for one entry, in bytes. Longer texts are cut, with a
/// note of their full size, so that one huge frame cannot freeze the page.
pub const MAX_SHOWN: usize = 16 * 1024;
/// Longest message the user may send, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Entries from one sender closer together than this form a group.
pub const GROUP_WINDOW_MS: f64 = 5.0 * 60.0 * 1000.0;

/// A stable entry id: never reused within a page's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(pub u64);

/// Who an entry is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author<'a> {
    /// The user of this page.
    Me,
    /// Someone else, by the name the frame gave.
    Peer(&'a str),
    /// The client itself: connection events and unreadable input.
    System,
}

/// Where one of the user's messages stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Waiting in the outbox for an open socket.
    Pending,
    /// Handed to an open socket.
    Sent,
    /// Handed to a socket that died soon after: it may not have arrived.
    Uncertain,
    /// The server's echo showed that it arrived.
    Delivered,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Uncertain => "uncertain",
            Delivery::Delivered => "delivered",
        }
    }
}

/// One line of the conversation, borrowed from the [`Chat`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<'a> {
    pub id: EntryId,
    pub author: Author<'a>,
    /// Empty while the text is not held (see [`Entry::held`]).
    pub text: &'a str,
    /// Whether the text is in memory: false for an old entry whose text
    /// went to make room and has not been recalled.
    pub held: bool,
    /// When it was written or received, in milliseconds since the Unix epoch.
    pub time_ms: f64,
    /// Set on the user's own messages only.
    pub delivery: Option<Delivery>,
}

impl<'a> Entry<'a> {
    /// The label shown before the text, as the contract names it.
    pub fn sender_label(&self) -> &'a str {
        match self.author {
            Author::Me => "me",
            Author::Peer(name) => name,
            Author::System => "websocket",
        }
    }

    /// The class of the sender span: `sent`, `received` or `system`.
    pub fn kind(&self) -> &'static str {
        match self.author {
            Author::Me => "sent",
            Author::Peer(_) => "received",
            Author::System => "system",
        }
    }

    /// Whether this entry continues a group begun by `previous`: the same
    /// sender, on the same local day (`same_day`, which needs the time zone
    /// and so is the caller's to say), within [`GROUP_WINDOW_MS`].
    pub fn continues(&self, previous: &Entry<'_>, same_day: bool) -> bool {
        same_day
            && self.author == previous.author
            && self.time_ms >= previous.time_ms
            && self.time_ms - previous.time_ms < GROUP_WINDOW_MS
    }
}

/// Something that changes the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    Received {
        sender: String,
        text: String,
    },
    System(String),
    /// Entries kept by an earlier page, oldest first, shown before any
    /// entry of this page.
    Restored(Vec<Record>),
    Delivery {
        id: EntryId,
        delivery: Delivery,
    },
    Discard(EntryId),
}

/// The whole conversation.
#[derive(Debug, Clone, Default)]
pub struct Chat {
    slots: Vec<Slot>,
    /// The texts held in memory.
    texts: Arena,
    /// Texts given back by the history for entries the arena let go, most
    /// recent last; at most [`RECALLED`].
    recalled: Vec<(usize, Box<str>)>,
    senders: Senders,
    /// Entries to put in the history, or to take out of it (discarded):
    /// new ones and own ones whose delivery changed.
    unstored: Vec<usize>,
    /// Entries that went to make room with no history to recall them from.
    lost: usize,
    /// Entries not discarded.
    live: usize,
    /// Received entries ever added; the view counts unread ones with it.
    received: u64,
    /// Ids discarded, in order, so that a view can catch up with them.
    discarded: Vec<EntryId>,
    /// The time given to entries added now.
    now_ms: f64,
    /// This page load's part of each entry's uid: an entry's key in the
    /// history is its time and its uid, unique among the entries of one
    /// time across tabs and page loads. An entry of this page has the uid
    /// `page + index`.
    page: f64,
    /// The uids of entries kept by earlier pages, by index, in order.
    restored_uids: Vec<(usize, f64)>,
    /// Whether a history keeps the texts that go to make room.
    kept: bool,
}

/// One entry, compactly: its text is a place in [`Chat::texts`].
#[derive(Debug, Clone, Copy)]
struct Slot {
    place: Place,
    len: u16,
    time_ms: f64,
    /// [`ME`], [`SYSTEM`], or a name in [`Senders`] plus [`PEERS`]: a
    /// peer's, or the user's on their own messages.
    author: u32,
    state: State,
}

/// How many recalled texts are kept: a few screens' worth.
const RECALLED: usize = 512;

/// A slot's delivery, or that it was discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Plain,
    Mine(Delivery),
    Discarded,
}

const ME: u32 = 0;
const SYSTEM: u32 = 1;
const PEERS: u32 = 2;

/// Sender names. A name is looked up among the most recent ones, which is
/// where a busy room's senders are, and stored again only past those: a
/// hash map would cost more bundle than the rare repeat costs memory.
#[derive(Debug, Clone, Default)]
struct Senders {
    names: Vec<Arc<str>>,
    /// Indices of the names used most recently, newest last.
    recent: Vec<u32>,
}

/// How many recent names are looked up before a name is stored again.
const RECENT_SENDERS: usize = 16;

impl Senders {
    fn intern(&mut self, name: &str) -> u32 {
        let found = self
            .recent
            .iter()
            .rposition(|&index| self.get(index) == name);
        let index = match found {
            Some(position) => self.recent.remove(position),
            None => {
                let index = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
                self.names.push(name.into());
                if self.recent.len() == RECENT_SENDERS {
                    self.recent.remove(0);
                }
                index
            }
        };
        self.recent.push(index);
        index
    }

    fn get(&self, index: u32) -> &str {
        self.names.get(index as usize).map_or("", |name| name)
    }
}

impl Chat {
    /// Sets the time given to the entries added from now on, in
    /// milliseconds since the Unix epoch. The shell reads the clock; the
    /// model only records it.
    pub fn at(&mut self, now_ms: f64) -> &mut Chat {
        self.now_ms = now_ms;
        self
    }

    /// Names this page load, so that its entries' history keys differ from
    /// those of every other page load (a random number, at most 20 bits).
    pub fn page(&mut self, page: u32) {
        self.page = f64::from(page & 0xF_FFFF) * 4_294_967_296.0;
    }

    /// Says whether texts that go to make room can be recalled from a
    /// history. Without one, each time some go a system line says how many.
    pub fn keep(&mut self, kept: bool) {
        self.kept = kept;
        if !kept {
            // Nothing will ask for the changes: none is listed.
            self.unstored = Vec::new();
        }
    }

    /// Sets how many bytes of text may be held (for tests; the default is
    /// [`HELD_TEXT`]).
    pub fn hold(&mut self, bytes: usize) {
        self.texts.limit(bytes);
    }

    /// How many entries were ever added: ids run from 0 to this.
    pub fn end(&self) -> usize {
        self.slots.len()
    }

    /// How many entries are shown (not discarded).
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// How many received entries were ever added.
    pub fn received_count(&self) -> u64 {
        self.received
    }

    /// Bytes of text held in memory.
    pub fn held_bytes(&self) -> usize {
        self.texts.held()
    }

    /// Entries whose texts went with no history to recall them from.
    pub fn lost(&self) -> usize {
        self.lost
    }

    /// Ids discarded so far, oldest first.
    pub fn discarded(&self) -> &[EntryId] {
        &self.discarded
    }

    /// The entry with this id, unless it was discarded.
    pub fn get(&self, id: EntryId) -> Option<Entry<'_>> {
        let index = usize::try_from(id.0).ok()?;
        self.at_index(index)
    }

    /// The entry at position `index` (its id), unless it was discarded.
    pub fn at_index(&self, index: usize) -> Option<Entry<'_>> {
        let slot = self.slots.get(index)?;
        let delivery = match slot.state {
            State::Plain => None,
            State::Mine(delivery) => Some(delivery),
            State::Discarded => return None,
        };
        let author = match slot.author {
            SYSTEM => Author::System,
            _ if delivery.is_some() => Author::Me,
            ME => Author::Me,
            peer => Author::Peer(self.senders.get(peer - PEERS)),
        };
        let text = self.texts.get(slot.place, slot.len).or_else(|| {
            self.recalled
                .iter()
                .rev()
                .find(|(at, _)| *at == index)
                .map(|(_, text)| &**text)
        });
        Some(Entry {
            id: EntryId(index as u64),
            author,
            text: text.unwrap_or_default(),
            held: text.is_some(),
            time_ms: slot.time_ms,
            delivery,
        })
    }

    /// The shown entries whose ids fall in `range`, in order.
    pub fn range(&self, range: Range<usize>) -> impl Iterator<Item = Entry<'_>> {
        range.filter_map(|index| self.at_index(index))
    }

    /// Every shown entry, in order. This walks the whole conversation: the
    /// view reads windows with [`Chat::range`].
    pub fn entries(&self) -> Vec<Entry<'_>> {
        self.range(0..self.end()).collect()
    }

    /// The last shown entry before position `index`.
    pub fn before(&self, index: usize) -> Option<Entry<'_>> {
        (0..index.min(self.end()))
            .rev()
            .find_map(|index| self.at_index(index))
    }

    /// Adds the user's own message, pending, and returns its id.
    pub fn write(&mut self, text: &str) -> EntryId {
        self.write_as("", text)
    }

    /// Adds the user's own message, written under `name`, pending.
    pub fn write_as(&mut self, name: &str, text: &str) -> EntryId {
        let author = if name.is_empty() {
            ME
        } else {
            self.author(name)
        };
        self.push(author, text, State::Mine(Delivery::Pending))
    }

    /// Applies a batch of events in one go.
    pub fn apply_all(&mut self, events: impl IntoIterator<Item = ChatEvent>) {
        for event in events {
            self.apply(event);
        }
    }

    pub fn apply(&mut self, event: ChatEvent) {
        match event {
            ChatEvent::Received { sender, text } => {
                let author = self.author(&sender);
                self.push(author, &text, State::Plain);
                self.received += 1;
            }
            ChatEvent::System(text) => {
                self.push(SYSTEM, &text, State::Plain);
            }
            ChatEvent::Restored(records) => self.restore(records),
            ChatEvent::Delivery { id, delivery } => {
                if let Some(slot) = self.mine_mut(id) {
                    slot.state = State::Mine(delivery);
                    self.note_change(id);
                }
            }
            ChatEvent::Discard(id) => {
                if let Some(slot) = self.mine_mut(id) {
                    slot.state = State::Discarded;
                    self.live -= 1;
                    self.discarded.push(id);
                    self.note_change(id);
                }
            }
        }
    }

    /// Gives back the text of an entry that went to make room, read from
    /// the history; kept while it is among the [`RECALLED`] latest.
    pub fn recall(&mut self, index: usize, text: &str) {
        let gone = self
            .slots
            .get(index)
            .is_some_and(|slot| self.texts.get(slot.place, slot.len).is_none());
        if gone {
            if self.recalled.len() == RECALLED {
                self.recalled.remove(0);
            }
            self.recalled.push((index, shown_text(text).into()));
        }
    }

    /// The history key of an entry: its time and its uid.
    pub fn key(&self, index: usize) -> Option<(f64, f64)> {
        let slot = self.slots.get(index)?;
        let uid = match self
            .restored_uids
            .binary_search_by(|(at, _)| at.cmp(&index))
        {
            Ok(found) => self.restored_uids.get(found).map_or(0.0, |(_, uid)| *uid),
            Err(_) => self.page + index as f64,
        };
        Some((slot.time_ms, uid))
    }

    /// What the history must learn since it was last asked, oldest first:
    /// entries to put (new ones, own ones whose delivery changed) and own
    /// ones discarded, to delete. System lines are not kept. An entry whose
    /// text already went is counted in [`Chat::lost`].
    pub fn take_changes(&mut self) -> Vec<Change> {
        // An entry may be listed twice (added, then its delivery changed):
        // putting it twice is harmless, and cheaper than sorting.
        let indices = std::mem::take(&mut self.unstored);
        let mut changes = Vec::with_capacity(indices.len());
        for index in indices {
            let Some(slot) = self.slots.get(index) else {
                continue;
            };
            if slot.author == SYSTEM {
                continue;
            }
            if slot.state == State::Discarded {
                if let Some((time_ms, uid)) = self.key(index) {
                    changes.push(Change::Delete(time_ms, uid));
                }
                continue;
            }
            match self.record(index) {
                Some(record) => changes.push(Change::Put(record)),
                None => self.lost += 1,
            }
        }
        changes
    }

    /// The entry as the history keeps it and exports it: a received one or
    /// one of the user's own, shown and held.
    pub fn record(&self, index: usize) -> Option<Record> {
        let slot = self.slots.get(index)?;
        let entry = self.at_index(index).filter(|entry| entry.held)?;
        let (_, uid) = self.key(index)?;
        (slot.author != SYSTEM).then(|| Record {
            time_ms: entry.time_ms,
            uid,
            from: self.name_of(slot).to_owned(),
            text: entry.text.to_owned(),
            delivery: entry.delivery,
        })
    }

    fn note_change(&mut self, id: EntryId) {
        if self.kept {
            self.unstored.push(id.0 as usize);
        }
    }

    /// The name an entry is from: a peer's, or the user's on their own.
    fn name_of(&self, slot: &Slot) -> &str {
        match slot.author {
            ME | SYSTEM => "",
            name => self.senders.get(name - PEERS),
        }
    }

    /// Adds entries kept by an earlier page, as they were kept. They are
    /// already in the history, so they are not put again.
    fn restore(&mut self, records: Vec<Record>) {
        let before = self.unstored.len();
        for record in records {
            let author = self.author(&record.from);
            // Restored entries were seen before: they count as read.
            let state = record.delivery.map_or(State::Plain, State::Mine);
            let time = std::mem::replace(&mut self.now_ms, record.time_ms);
            let index = self.push(author, &record.text, state).0 as usize;
            self.now_ms = time;
            self.restored_uids.push((index, record.uid));
        }
        self.unstored.truncate(before);
    }

    fn author(&mut self, name: &str) -> u32 {
        PEERS.saturating_add(self.senders.intern(name))
    }

    /// The slot of one of the user's messages that is still shown.
    fn mine_mut(&mut self, id: EntryId) -> Option<&mut Slot> {
        let index = usize::try_from(id.0).ok()?;
        self.slots
            .get_mut(index)
            .filter(|slot| matches!(slot.state, State::Mine(_)))
    }

    fn push(&mut self, author: u32, text: &str, state: State) -> EntryId {
        let index = self.slots.len();
        let room = text.len().min(MAX_SHOWN + 64);
        let (place, len, gone) = self.texts.push(room, |out| push_shown(out, text));
        self.slots.push(Slot {
            place,
            len,
            time_ms: self.now_ms,
            author,
            state,
        });
        self.live += 1;
        if author != SYSTEM && self.kept {
            self.unstored.push(index);
        }
        if gone > 0 && !self.kept {
            self.lost += gone;
            let line = format!(
                "{gone} older entries were dropped to save memory ({} in all): without a history they cannot be shown again",
                self.lost
            );
            let (place, len, _) = self.texts.push(line.len(), |out| out.push_str(&line));
            self.slots.push(Slot {
                place,
                len,
                time_ms: self.now_ms,
                author: SYSTEM,
                state: State::Plain,
            });
            self.live += 1;
        }
        EntryId(index as u64)
    }
}

/// A change the history must make.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Put(Record),
    /// Delete the entry with this time and uid.
    Delete(f64, f64),
}

/// Appends the text as shown: cut at [`MAX_SHOWN`] bytes, on a character
/// boundary, with a note of the full size.
fn push_shown(out: &mut String, text: &str) {
    if text.len() <= MAX_SHOWN {
        out.push_str(text);
        return;
    }
    let mut end = MAX_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(text.get(..end).unwrap_or_default());
    out.push_str("… [cut: ");
    out.push_str(&byte_count(text.len()));
    out.push_str(" in all]");
}

/// The text as shown: cut at [`MAX_SHOWN`] bytes, on a character boundary,
/// with a note of the full size.
pub fn shown_text(text: &str) -> String {
    let mut shown = String::new();
    push_shown(&mut shown, text);
    shown
}

/// Why a message cannot be sent as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsendable {
    #[error("type a name first")]
    NoName,
    #[error("type a message first")]
    Empty,
    #[error("a message is at most {MAX_MESSAGE_CHARS} characters; this one has {0}")]
    TooLong(usize),
}

/// Checks a message before it is sent.
pub fn check_message(name: &str, text: &str) -> Result<(), Unsendable> {
    if name.trim().is_empty() {
        return Err(Unsendable::NoName);
    }
    if text.trim().is_empty() {
        return Err(Unsendable::Empty);
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Unsendable::TooLong(chars));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
