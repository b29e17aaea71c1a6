//! The history's rules: which history a conversation belongs to, how an
//! entry is kept (a compact line that is quick to read back in bulk), and
//! the lines of a transcript and of a JSON Lines export.
//!
//! The shell keeps records in IndexedDB, one database per history, keyed by
//! `[time, uid]`; the conversation model says what to put and delete
//! (`Chat::take_changes`).

use crate::{
    chat::Delivery,
    clock::Civil,
    config::{resolve_endpoint, PageOrigin},
};

/// One kept entry: a received message, or one of the user's own.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// When it was written or received, in milliseconds since the epoch.
    pub time_ms: f64,
    /// Unique among the records of one time (the page load and the entry).
    pub uid: f64,
    /// The sender: a peer's name, or the name the user wrote under.
    pub from: String,
    pub text: String,
    /// Set on the user's own messages.
    pub delivery: Option<Delivery>,
}

/// Said when part of the history could not be read back.
pub const UNREADABLE: &str = "part of the history could not be read; what could be is shown";
/// Said when the browser refuses to keep the history (a full quota).
pub const REFUSED: &str =
    "the browser refused to keep the history; older entries will go to save memory";

/// Shown for an entry whose text went to make room and that the history
/// does not have.
pub const NOT_KEPT: &str = "(this entry was not kept)";

/// Said once the history of the server is forgotten.
pub const FORGOTTEN: &str =
    "the history of this server is forgotten; from now on it keeps what comes next";

/// The prefix of every history database's name.
pub const DATABASE_PREFIX: &str = "wschat ";

/// The history a conversation belongs to: the server's endpoints with the
/// name filled in and `{token}` left as it is, so no secret is ever part
/// of it, and the topic where the protocol has one.
pub fn key(server: &str, name: &str, page: &PageOrigin, topic: &str) -> String {
    let mut key = String::from(DATABASE_PREFIX);
    for endpoint in server.split(' ').filter(|endpoint| !endpoint.is_empty()) {
        if key.len() > DATABASE_PREFIX.len() {
            key.push(' ');
        }
        match resolve_endpoint(endpoint, name, page) {
            Ok(url) => key.push_str(&url),
            Err(_) => key.push_str(endpoint),
        }
    }
    if !topic.is_empty() {
        key.push_str(" topic ");
        key.push_str(topic);
    }
    key
}

impl Record {
    /// The kept form: `time uid state from-length text-length|from text`,
    /// lengths in bytes; read back by [`read_all`] from many joined.
    pub fn encode(&self) -> String {
        // Letters as strings: formatting a `char` would cost the bundle
        // `char`'s own formatter.
        let state = match self.delivery {
            None => "r",
            Some(Delivery::Pending) => "p",
            Some(Delivery::Sent) => "s",
            Some(Delivery::Uncertain) => "u",
            Some(Delivery::Delivered) => "d",
        };
        // Whole numbers: times are whole milliseconds, uids whole, and
        // formatting or parsing an f64 would cost the bundle 20 KB.
        format!(
            "{} {} {state} {} {}|{}{}",
            self.time_ms as u64,
            self.uid as u64,
            self.from.len(),
            self.text.len(),
            self.from,
            self.text
        )
    }

    /// `2026-12-06 10:16 alice: hi`, in local time (`offset_minutes` as
    /// JavaScript's `getTimezoneOffset` gives it). Own messages are under
    /// the name they were written under.
    pub fn transcript_line(&self, offset_minutes: f64) -> String {
        let local = Civil::local(self.time_ms, offset_minutes).iso();
        let mut line = String::with_capacity(24 + self.from.len() + self.text.len());
        line.push_str(local.get(..10).unwrap_or_default());
        line.push(' ');
        line.push_str(local.get(11..16).unwrap_or_default());
        line.push(' ');
        line.push_str(self.sender());
        line.push_str(": ");
        line.push_str(&self.text);
        line
    }

    /// `{"time":"…","from":"alice","kind":"received","text":"hi"}`, and the
    /// delivery state of the user's own messages. Written by hand around
    /// serde_json's string escaping: a derived `Serialize` cost 0.7 KB.
    pub fn json_line(&self) -> String {
        let mut line = format!(
            r#"{{"time":"{}","from":{},"kind":"{}","text":{}"#,
            Civil::utc(self.time_ms).iso(),
            json_string(self.sender()),
            if self.delivery.is_some() {
                "sent"
            } else {
                "received"
            },
            json_string(&self.text),
        );
        if let Some(delivery) = self.delivery {
            line.push_str(r#","state":""#);
            line.push_str(delivery.as_str());
            line.push('"');
        }
        line.push('}');
        line
    }

    fn sender(&self) -> &str {
        if self.from.is_empty() && self.delivery.is_some() {
            "me"
        } else {
            &self.from
        }
    }
}

/// How long after one of this browser's own messages the server's copy of
/// it may come, as another tab received it.
pub const COPY_WINDOW_MS: f64 = 60_000.0;

/// Leaves out, as records are read in order, the server's copy of a
/// message that one tab wrote and another received: the other tab kept
/// it too, as it kept everything it received. Only the writer's own record
/// stays. Deciding this when reading, not when writing, needs no word
/// between the tabs, which could come after the copy.
#[derive(Debug, Default)]
pub struct Copies {
    /// Own messages read lately: time, sender, text.
    own: Vec<(f64, String, String)>,
}

impl Copies {
    /// Whether `record` is kept: not a copy of an own message read before.
    pub fn keep(&mut self, record: &Record) -> bool {
        if record.delivery.is_some() {
            if self.own.len() == 64 {
                self.own.remove(0);
            }
            self.own
                .push((record.time_ms, record.from.clone(), record.text.clone()));
            return true;
        }
        let copy = self.own.iter().position(|(time_ms, from, text)| {
            *from == record.from
                && *text == record.text
                && (0.0..COPY_WINDOW_MS).contains(&(record.time_ms - time_ms))
        });
        copy.map(|index| self.own.remove(index)).is_none()
    }
}

/// `value` as a JSON string, quotes included.
fn json_string(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Reads records written by [`Record::encode`] and joined with nothing
/// between them. Returns those read, and whether something unreadable
/// stopped the reading.
pub fn read_all(mut joined: &str) -> (Vec<Record>, bool) {
    let mut records = Vec::new();
    while !joined.is_empty() {
        match read_one(joined) {
            Some((record, rest)) => {
                records.push(record);
                joined = rest;
            }
            None => return (records, true),
        }
    }
    (records, false)
}

fn read_one(text: &str) -> Option<(Record, &str)> {
    let bar = text.bytes().take(80).position(|byte| byte == b'|')?;
    let (head, rest) = (text.get(..bar)?, text.get(bar + 1..)?);
    let mut fields = head.split(' ');
    let time_ms = fields.next()?.parse::<u64>().ok()? as f64;
    let uid = fields.next()?.parse::<u64>().ok()? as f64;
    let delivery = match fields.next()? {
        "r" => None,
        "p" => Some(Delivery::Pending),
        "s" => Some(Delivery::Sent),
        "u" => Some(Delivery::Uncertain),
        "d" => Some(Delivery::Delivered),
        _ => return None,
    };
    let from_len = fields.next()?.parse::<usize>().ok()?;
    let text_len = fields.next()?.parse::<usize>().ok()?;
    let from = rest.get(..from_len)?;
    let end = from_len.checked_add(text_len)?;
    let body = rest.get(from_len..end)?;
    Some((
        Record {
            time_ms,
            uid,
            from: from.to_owned(),
            text: body.to_owned(),
            delivery,
        },
        rest.get(end..)?,
    ))
}

#[cfg(test)]
mod tests;
