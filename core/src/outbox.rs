//! Messages the user wrote that no open socket has taken yet, and the saved
//! form of the delivery ledger.
//!
//! The outbox keeps them in order. The link takes them from the front
//! once a session is ready, one at a time, and each goes out once. The
//! ledger (`crate::ledger`) holds the outbox beside the messages in flight
//! and the uncertain ones; its saved form lives in sessionStorage, so a
//! reload of the tab keeps them and two tabs never share them.

use std::collections::VecDeque;

use serde::Serialize;

use crate::{
    chat::EntryId,
    json_value::{optional_string, JsonValue},
};

/// One queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The conversation entry that shows it.
    pub id: EntryId,
    /// The name it was written under.
    pub name: String,
    pub text: String,
}

/// A message as saved: entry ids belong to one page's life, so they are not
/// kept. `uncertain` marks a message that comes back uncertain, for the
/// user to resend or discard: its delivery was unknown, or it was in flight
/// when saved. The others wait to be sent. Older loads wrote the same form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    pub name: String,
    pub text: String,
    #[serde(skip_serializing_if = "is_false")]
    pub uncertain: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A saved outbox that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the saved outbox could not be read ({0}); it was discarded")]
pub struct UnreadableOutbox(pub String);

/// The queue itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    queue: VecDeque<Queued>,
}

impl Outbox {
    pub fn push(&mut self, item: Queued) {
        self.queue.push_back(item);
    }

    /// Puts messages back at the front, in their order, ahead of the rest.
    pub fn requeue_front(&mut self, items: Vec<Queued>) {
        for item in items.into_iter().rev() {
            self.queue.push_front(item);
        }
    }

    pub fn front(&self) -> Option<&Queued> {
        self.queue.front()
    }

    pub fn pop_front(&mut self) -> Option<Queued> {
        self.queue.pop_front()
    }

    /// Removes one message, for a user who discards it.
    pub fn remove(&mut self, id: EntryId) -> Option<Queued> {
        let index = self.queue.iter().position(|item| item.id == id)?;
        self.queue.remove(index)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.queue.iter()
    }
}

/// The saved form as JSON, for sessionStorage.
pub fn write_saved(saved: &[Saved]) -> String {
    serde_json::to_string(saved).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads a saved outbox with the JSON reader `J`.
pub fn read_saved<J: JsonValue>(json: &str) -> Result<Vec<Saved>, UnreadableOutbox> {
    read_saved_as::<J>(json).map_err(UnreadableOutbox)
}

/// Reads a saved outbox with the JSON reader `J`. The error says why not.
pub fn read_saved_as<J: JsonValue>(json: &str) -> Result<Vec<Saved>, String> {
    let items = J::parse(json)
        .ok_or("not JSON")?
        .items()
        .ok_or("not a list")?;
    items
        .iter()
        // Numbered as `u32`, not the default `i32`, whose formatter the
        // bundle would carry for these lines alone.
        .zip(1_u32..)
        .map(|(item, number)| {
            if !item.is_object() {
                return Err(format!("message {number} is not an object"));
            }
            let required = |name: &str| {
                optional_string(item, name)
                    .map_err(|reason| format!("message {number}: {reason}"))?
                    .ok_or_else(|| format!("message {number} has no '{name}'"))
            };
            let uncertain = match item.member("uncertain") {
                Some(flag) if !flag.is_null() => flag
                    .boolean()
                    .ok_or_else(|| format!("message {number}: 'uncertain' is not true or false"))?,
                _ => false,
            };
            Ok(Saved {
                name: required("name")?,
                text: required("text")?,
                uncertain,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(id: u64, text: &str) -> Queued {
        Queued {
            id: EntryId(id),
            name: "ann".to_owned(),
            text: text.to_owned(),
        }
    }

    fn texts(outbox: &Outbox) -> Vec<&str> {
        outbox.iter().map(|item| item.text.as_str()).collect()
    }

    #[test]
    fn messages_leave_in_the_order_they_were_written() {
        let mut outbox = Outbox::default();
        outbox.push(queued(1, "a"));
        outbox.push(queued(2, "b"));
        assert_eq!(outbox.pop_front().map(|q| q.text), Some("a".to_owned()));
        assert_eq!(outbox.pop_front().map(|q| q.text), Some("b".to_owned()));
        assert!(outbox.pop_front().is_none());
    }

    #[test]
    fn requeued_messages_go_back_in_front_in_their_order() {
        let mut outbox = Outbox::default();
        outbox.push(queued(3, "c"));
        outbox.requeue_front(vec![queued(1, "a"), queued(2, "b")]);
        assert_eq!(texts(&outbox), vec!["a", "b", "c"]);
    }

    #[test]
    fn a_discarded_message_leaves_the_queue() {
        let mut outbox = Outbox::default();
        outbox.push(queued(1, "a"));
        outbox.push(queued(2, "b"));
        assert_eq!(
            outbox.remove(EntryId(1)).map(|q| q.text),
            Some("a".to_owned())
        );
        assert_eq!(outbox.remove(EntryId(9)), None);
        assert_eq!(texts(&outbox), vec!["b"]);
    }

    #[test]
    fn the_saved_form_is_exact_and_reads_back() {
        let json = write_saved(&[
            Saved {
                name: "ann".to_owned(),
                text: "maybe".to_owned(),
                uncertain: true,
            },
            Saved {
                name: "ann".to_owned(),
                text: "hi \"you\"".to_owned(),
                uncertain: false,
            },
        ]);
        assert_eq!(
            json,
            r#"[{"name":"ann","text":"maybe","uncertain":true},{"name":"ann","text":"hi \"you\""}]"#
        );
        assert_eq!(
            read_saved::<serde_json::Value>(&json),
            Ok(vec![
                Saved {
                    name: "ann".to_owned(),
                    text: "maybe".to_owned(),
                    uncertain: true,
                },
                Saved {
                    name: "ann".to_owned(),
                    text: "hi \"you\"".to_owned(),
                    uncertain: false,
                }
            ])
        );
    }

    #[test]
    fn a_saved_outbox_says_why_it_could_not_be_read() {
        for (saved, reason) in [
            ("", "not JSON"),
            (r#"{"name":"a"}"#, "not a list"),
            ("[1]", "message 1 is not an object"),
            (
                r#"[{"name":"a","text":"b"},{"name":1,"text":"c"}]"#,
                "message 2: 'name' is not a string",
            ),
            (r#"[{"name":"a"}]"#, "message 1 has no 'text'"),
            (
                r#"[{"name":"a","text":"b","uncertain":1}]"#,
                "message 1: 'uncertain' is not true or false",
            ),
        ] {
            assert_eq!(
                read_saved::<serde_json::Value>(saved),
                Err(UnreadableOutbox(reason.to_owned())),
                "{saved}"
            );
        }
    }

    #[test]
    fn a_saved_outbox_that_does_not_parse_is_an_error_not_a_panic() {
        for junk in ["", "{", "null", "[1,2]", r#"[{"name":1}]"#] {
            assert!(read_saved::<serde_json::Value>(junk).is_err(), "{junk}");
        }
    }
}
