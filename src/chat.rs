//! The conversation: entries with stable ids and delivery states.
//!
//! This is a pure model. The connection feeds it [`ChatEvent`]s in batches
//! and the `Conversation` component renders its entries, keyed by id.

use std::sync::Arc;

use crate::protocol::byte_count;

/// Longest text shown for one entry, in bytes. Longer texts are cut, with a
/// note of their full size, so that one huge frame cannot freeze the page.
pub const MAX_SHOWN: usize = 16 * 1024;
/// Longest message the user may send, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Oldest entries are dropped beyond this many, to bound memory.
pub const MAX_ENTRIES: usize = 5000;

/// A stable entry id: never reused within a page's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(pub u64);

/// Who an entry is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// The user of this page.
    Me,
    /// Someone else, by the name the frame gave.
    Peer(Arc<str>),
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
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Uncertain => "uncertain",
        }
    }
}

/// One line of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: EntryId,
    pub author: Author,
    pub text: Arc<str>,
    /// Set on the user's own messages only.
    pub delivery: Option<Delivery>,
}

impl Entry {
    /// The label shown before the text, as the contract names it.
    pub fn sender_label(&self) -> &str {
        match &self.author {
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
    entries: Vec<Entry>,
    next_id: u64,
}

impl Chat {
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Adds the user's own message, pending, and returns its id.
    pub fn write(&mut self, text: &str) -> EntryId {
        self.push(Author::Me, text, Some(Delivery::Pending))
    }

    /// Applies a batch of events in one go.
    pub fn apply_all(&mut self, events: impl IntoIterator<Item = ChatEvent>) {
        for event in events {
            self.apply(event);
        }
        self.trim();
    }

    pub fn apply(&mut self, event: ChatEvent) {
        match event {
            ChatEvent::Received { sender, text } => {
                self.push(Author::Peer(sender.into()), &text, None);
            }
            ChatEvent::System(text) => {
                self.push(Author::System, &text, None);
            }
            ChatEvent::Delivery { id, delivery } => {
                if let Some(entry) = self.find_mut(id) {
                    entry.delivery = Some(delivery);
                }
            }
            ChatEvent::Discard(id) => {
                if let Ok(index) = self.entries.binary_search_by_key(&id, |entry| entry.id) {
                    self.entries.remove(index);
                }
            }
        }
    }

    pub fn get(&self, id: EntryId) -> Option<&Entry> {
        self.entries
            .binary_search_by_key(&id, |entry| entry.id)
            .ok()
            .and_then(|index| self.entries.get(index))
    }

    fn find_mut(&mut self, id: EntryId) -> Option<&mut Entry> {
        self.entries
            .binary_search_by_key(&id, |entry| entry.id)
            .ok()
            .and_then(|index| self.entries.get_mut(index))
    }

    fn push(&mut self, author: Author, text: &str, delivery: Option<Delivery>) -> EntryId {
        let id = EntryId(self.next_id);
        self.next_id += 1;
        self.entries.push(Entry {
            id,
            author,
            text: shown_text(text).into(),
            delivery,
        });
        id
    }

    /// Drops the oldest entries beyond [`MAX_ENTRIES`], but never one of the
    /// user's messages that is not yet known to be sent.
    fn trim(&mut self) {
        let excess = self.entries.len().saturating_sub(MAX_ENTRIES);
        if excess == 0 {
            return;
        }
        let mut dropped = 0;
        self.entries.retain(|entry| {
            let keep = dropped >= excess
                || matches!(
                    entry.delivery,
                    Some(Delivery::Pending) | Some(Delivery::Uncertain)
                );
            if !keep {
                dropped += 1;
            }
            keep
        });
    }
}

/// The text as shown: cut at [`MAX_SHOWN`] bytes, on a character boundary,
/// with a note of the full size.
pub fn shown_text(text: &str) -> String {
    if text.len() <= MAX_SHOWN {
        return text.to_owned();
    }
    let mut end = MAX_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end).unwrap_or_default();
    format!("{head}… [cut: {} in all]", byte_count(text.len()))
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
mod tests {
    use super::*;

    fn received(sender: &str, text: &str) -> ChatEvent {
        ChatEvent::Received {
            sender: sender.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn ids_are_stable_and_increasing() {
        let mut chat = Chat::default();
        chat.apply_all([received("a", "1"), ChatEvent::System("connected".into())]);
        let mine = chat.write("hi");
        let ids: Vec<u64> = chat.entries().iter().map(|e| e.id.0).collect();
        assert_eq!(ids, vec![0, 1, 2]);
        assert_eq!(mine, EntryId(2));
    }

    #[test]
    fn entries_carry_the_contract_labels_and_classes() {
        let mut chat = Chat::default();
        chat.write("mine");
        chat.apply_all([
            received("Bob", "his"),
            ChatEvent::System("connected".into()),
        ]);
        let shown: Vec<(&str, &str, &str)> = chat
            .entries()
            .iter()
            .map(|e| (e.kind(), e.sender_label(), &*e.text))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("sent", "me", "mine"),
                ("received", "Bob", "his"),
                ("system", "websocket", "connected")
            ]
        );
    }

    #[test]
    fn a_written_message_is_pending_until_its_delivery_changes() {
        let mut chat = Chat::default();
        let id = chat.write("hi");
        assert_eq!(
            chat.get(id).and_then(|e| e.delivery),
            Some(Delivery::Pending)
        );
        chat.apply(ChatEvent::Delivery {
            id,
            delivery: Delivery::Sent,
        });
        assert_eq!(chat.get(id).and_then(|e| e.delivery), Some(Delivery::Sent));
    }

    #[test]
    fn delivery_for_an_unknown_id_is_ignored() {
        let mut chat = Chat::default();
        chat.apply(ChatEvent::Delivery {
            id: EntryId(99),
            delivery: Delivery::Sent,
        });
        assert!(chat.entries().is_empty());
    }

    #[test]
    fn discard_removes_only_that_entry() {
        let mut chat = Chat::default();
        let a = chat.write("a");
        let b = chat.write("b");
        chat.apply(ChatEvent::Discard(a));
        assert!(chat.get(a).is_none());
        assert!(chat.get(b).is_some());
    }

    #[test]
    fn huge_texts_are_cut_on_a_char_boundary_with_their_size() {
        let text = "é".repeat(MAX_SHOWN);
        let shown = shown_text(&text);
        assert!(shown.len() < MAX_SHOWN + 64);
        assert!(shown.ends_with(&format!("… [cut: {} bytes in all]", text.len())));
        assert_eq!(shown_text("short"), "short");
    }

    #[test]
    fn history_is_bounded_but_keeps_undelivered_messages() {
        let mut chat = Chat::default();
        let pending = chat.write("keep me");
        chat.apply_all((0..MAX_ENTRIES + 10).map(|i| received("a", &i.to_string())));
        assert_eq!(chat.entries().len(), MAX_ENTRIES);
        assert!(chat.get(pending).is_some());
        assert_eq!(
            chat.entries().last().map(|e| e.text.to_string()),
            Some((MAX_ENTRIES + 9).to_string())
        );
    }

    #[test]
    fn messages_are_checked_for_name_emptiness_and_length() {
        assert_eq!(check_message("", "hi"), Err(Unsendable::NoName));
        assert_eq!(check_message("a", "  "), Err(Unsendable::Empty));
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            check_message("a", &long),
            Err(Unsendable::TooLong(MAX_MESSAGE_CHARS + 1))
        );
        assert_eq!(check_message("a", &"é".repeat(MAX_MESSAGE_CHARS)), Ok(()));
    }
}
