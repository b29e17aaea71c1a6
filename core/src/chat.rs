//! The conversation: every entry of the page's life, with stable ids and
//! delivery states.
//!
//! This is a pure model. The connection feeds it [`ChatEvent`]s in batches
//! and the `Conversation` component renders a window of its entries. It
//! keeps everything (there is no cap), so it stores entries compactly: the
//! texts live in one arena string, senders are interned, and an entry is a
//! small fixed-size slot. An [`EntryId`] is the entry's position, so finding
//! one is indexing, and ids are never reused.

use std::{ops::Range, sync::Arc};

use crate::protocol::byte_count;

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
    pub text: &'a str,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    Received { sender: String, text: String },
    System(String),
    Delivery { id: EntryId, delivery: Delivery },
    Discard(EntryId),
}

/// The whole conversation.
#[derive(Debug, Clone, Default)]
pub struct Chat {
    slots: Vec<Slot>,
    /// Every entry's text, one after another.
    texts: String,
    senders: Senders,
    /// Entries not discarded.
    live: usize,
    /// Received entries ever added; the view counts unread ones with it.
    received: u64,
    /// Ids discarded, in order, so that a view can catch up with them.
    discarded: Vec<EntryId>,
    /// The time given to entries added now.
    now_ms: f64,
}

/// One entry, compactly: its text is a range of [`Chat::texts`].
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: usize,
    len: usize,
    time_ms: f64,
    /// [`ME`], [`SYSTEM`], or a peer's name in [`Senders`] plus [`PEERS`].
    author: u32,
    state: State,
}

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
            ME => Author::Me,
            SYSTEM => Author::System,
            peer => Author::Peer(self.senders.get(peer - PEERS)),
        };
        Some(Entry {
            id: EntryId(index as u64),
            author,
            text: self
                .texts
                .get(slot.start..slot.start + slot.len)
                .unwrap_or_default(),
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
        self.push(ME, text, State::Mine(Delivery::Pending))
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
                let author = PEERS.saturating_add(self.senders.intern(&sender));
                self.push(author, &text, State::Plain);
                self.received += 1;
            }
            ChatEvent::System(text) => {
                self.push(SYSTEM, &text, State::Plain);
            }
            ChatEvent::Delivery { id, delivery } => {
                if let Some(slot) = self.mine_mut(id) {
                    slot.state = State::Mine(delivery);
                }
            }
            ChatEvent::Discard(id) => {
                if let Some(slot) = self.mine_mut(id) {
                    slot.state = State::Discarded;
                    self.live -= 1;
                    self.discarded.push(id);
                }
            }
        }
    }

    /// The slot of one of the user's messages that is still shown.
    fn mine_mut(&mut self, id: EntryId) -> Option<&mut Slot> {
        let index = usize::try_from(id.0).ok()?;
        self.slots
            .get_mut(index)
            .filter(|slot| matches!(slot.state, State::Mine(_)))
    }

    fn push(&mut self, author: u32, text: &str, state: State) -> EntryId {
        let id = EntryId(self.slots.len() as u64);
        let start = self.texts.len();
        push_shown(&mut self.texts, text);
        self.slots.push(Slot {
            start,
            len: self.texts.len() - start,
            time_ms: self.now_ms,
            author,
            state,
        });
        self.live += 1;
        id
    }
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
