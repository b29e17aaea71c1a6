//! Every message this tab wrote and has not yet seen settled.
//!
//! A message is *queued* until a ready socket takes it. It is then *in
//! flight*: the browser may still hold its bytes, or the socket may die so
//! soon that it is lost on the way. When its socket dies, a message in
//! flight is queued again if its bytes never left, *uncertain* if it may or
//! may not have arrived, and delivered otherwise. The [`Ledger`] owns all
//! of them and answers the questions that move them, without I/O; the link
//! asks, and saves [`Ledger::saved`] whenever the answer changes it. The
//! saved form holds every message in flight too, so a reload at any moment
//! brings it back, as uncertain.

use crate::{
    chat::EntryId,
    outbox::{Outbox, Queued, Saved},
};

/// How long before its socket dies a handed-over message counts as
/// uncertain. json and text servers send no acknowledgements. When a server
/// dies, its reset reaches the client about one round trip later, and what
/// the client sent in that round trip is lost; 1 s covers round trips up to
/// a second. A link that dies silently is noticed later than that, if at
/// all, and no window can cover it without acknowledgements. The window
/// counts from the hand-over: the link cannot see when the browser lets a
/// frame's bytes go, so a frame that sat in a stalled buffer and left just
/// before the reset is not covered either.
pub const UNCERTAIN_WINDOW_MS: f64 = 1000.0;

/// How long after its hand-over a line that repeats a message may be that
/// message's echo: long enough for a slow server, short enough that a
/// later line with the same words is not taken for it.
pub const ECHO_WINDOW_MS: f64 = 10_000.0;

/// Where one message stands in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Waiting for a ready socket.
    Queued,
    /// Handed to the current socket, and not yet known to have arrived.
    InFlight,
    /// Its socket died so soon after that it may not have arrived; it waits
    /// for the user to resend or discard it.
    Uncertain,
}

/// How the socket that holds the frames in flight ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ending {
    /// It closed by itself, or the server ended the session, at `at_ms`.
    /// Bytes the browser still holds never reach the server, or reach one
    /// that reads no more of the session, so those messages are queued
    /// again. What left within the uncertain window
    /// before may have been lost with the server.
    Died { at_ms: f64 },
    /// The server said nothing for longer than it promised, and the link
    /// closes the socket. The browser may still send what it holds, as it
    /// closes: those messages may or may not arrive. The server may have
    /// died just after it was last heard from, at `last_heard_ms`, so what
    /// left since (and within the uncertain window before) may be lost.
    Silenced { last_heard_ms: f64 },
    /// The link closes a live socket on purpose. `close()` sends what the
    /// browser still holds first, unless the network is stuck: those
    /// messages may or may not arrive. What left arrives.
    Left,
}

/// What a socket's end did to the messages in flight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settled {
    /// Messages whose bytes never left, queued again in front, in order.
    pub requeued: Vec<EntryId>,
    /// Messages that may or may not have arrived, kept for the user.
    pub uncertain: Vec<EntryId>,
}

impl Settled {
    pub fn is_empty(&self) -> bool {
        self.requeued.is_empty() && self.uncertain.is_empty()
    }
}

/// A frame handed to the current socket: a chat message, or a frame of the
/// protocol's own (`None`), which counts in the browser's buffer too.
#[derive(Debug, Clone, PartialEq)]
struct Handed {
    message: Option<Queued>,
    /// The frame's size in bytes, as the browser counts its buffer.
    bytes: usize,
    handed_ms: f64,
    /// The number the server's acknowledgement will carry, on a protocol
    /// that acknowledges: until it comes, the message is not delivered,
    /// however long ago it left.
    ack: Option<u32>,
}

impl Handed {
    /// Whether this frame's message waits for its acknowledgement.
    fn awaits_ack(&self) -> bool {
        self.ack.is_some() && self.message.is_some()
    }
}

/// A message handed over within the echo window, whose echo has not come.
#[derive(Debug, Clone, PartialEq)]
struct Unconfirmed {
    message: Queued,
    handed_ms: f64,
}

/// The delivery ledger: queued, in flight and uncertain messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    queued: Outbox,
    /// Frames handed to the current socket, oldest first, that the browser
    /// may still hold or that were handed within the uncertain window.
    in_flight: Vec<Handed>,
    uncertain: Vec<Queued>,
    /// Messages handed over, on any socket, within the echo window and not
    /// confirmed, oldest hand-over first. Wherever else they stand (in
    /// flight, forgotten as delivered, uncertain, queued again), an echo
    /// confirms them.
    unconfirmed: Vec<Unconfirmed>,
}

impl Ledger {
    /// The user wrote a message: it waits behind the others.
    pub fn write(&mut self, message: Queued) {
        self.queued.push(message);
    }

    /// Takes over messages saved by an earlier load of this tab: queued ones
    /// go out first, before anything written since, and uncertain ones wait
    /// for the user, before those of this load.
    pub fn adopt(&mut self, queued: Vec<Queued>, uncertain: Vec<Queued>) {
        self.queued.requeue_front(queued);
        self.uncertain.splice(0..0, uncertain);
    }

    /// The message that goes out next, if any.
    pub fn next(&self) -> Option<&Queued> {
        self.queued.front()
    }

    /// The next message was handed to the socket at `now_ms`, as a frame of
    /// `bytes` bytes, whose acknowledgement will carry `ack` if the
    /// protocol gives one. Returns its id.
    pub fn handed_next(&mut self, bytes: usize, now_ms: f64, ack: Option<u32>) -> Option<EntryId> {
        let message = self.queued.pop_front()?;
        let id = message.id;
        // A resend waits for the echo of this hand-over.
        self.expire_unconfirmed(now_ms);
        self.unconfirmed.retain(|waiting| waiting.message.id != id);
        self.unconfirmed.push(Unconfirmed {
            message: message.clone(),
            handed_ms: now_ms,
        });
        self.in_flight.push(Handed {
            message: Some(message),
            bytes,
            handed_ms: now_ms,
            ack,
        });
        Some(id)
    }

    /// The server acknowledged the message whose frame carried `ack` on
    /// the current socket: it is delivered. Returns its id, or `None` if
    /// no message in flight carried it (a join, a message delivered by its
    /// echo already).
    pub fn acked(&mut self, ack: u32) -> Option<EntryId> {
        let flight = self
            .in_flight
            .iter_mut()
            .find(|flight| flight.ack == Some(ack) && flight.message.is_some())?;
        let message = flight.message.take()?;
        Some(message.id)
    }

    /// Whether a message in flight waits for its acknowledgement.
    pub fn awaits_ack(&self) -> bool {
        self.in_flight.iter().any(Handed::awaits_ack)
    }

    /// A frame of the protocol's own was handed to the socket: it counts in
    /// the browser's buffer like a chat frame.
    pub fn handed_protocol_frame(&mut self, bytes: usize, now_ms: f64) {
        self.in_flight.push(Handed {
            message: None,
            bytes,
            handed_ms: now_ms,
            ack: None,
        });
    }

    /// Takes the next message out without sending it, for one that cannot
    /// be sent at all.
    pub fn refuse_next(&mut self) -> Option<Queued> {
        let refused = self.queued.pop_front()?;
        // A resend refused: no echo can come for it now.
        self.unconfirmed
            .retain(|waiting| waiting.message.id != refused.id);
        Some(refused)
    }

    /// The user discarded a message that had not gone out, or whose
    /// delivery is uncertain. A message in flight went out: it stays.
    /// Returns whether the ledger held it.
    pub fn discard(&mut self, id: EntryId) -> bool {
        // An echo that comes after the user let the message go is shown:
        // it tells them it arrived after all.
        self.unconfirmed.retain(|waiting| waiting.message.id != id);
        if self.queued.remove(id).is_some() {
            return true;
        }
        let before = self.uncertain.len();
        self.uncertain.retain(|message| message.id != id);
        self.uncertain.len() != before
    }

    /// The user asked to send an uncertain message again: it waits behind
    /// the others. Returns whether it was uncertain.
    pub fn resend(&mut self, id: EntryId) -> bool {
        let Some(index) = self.uncertain.iter().position(|message| message.id == id) else {
            return false;
        };
        let message = self.uncertain.remove(index);
        self.queued.push(message);
        true
    }

    /// This delivery is confirmed (by the server's echo, say): the message
    /// is settled wherever the ledger held it. A queued one is a resend that
    /// has not gone out yet, and goes too: it would arrive twice. One in
    /// flight leaves its frame's bytes behind, which still count in the
    /// browser's buffer. Returns where it stood, or `None` if the ledger no
    /// longer held it.
    pub fn delivered(&mut self, id: EntryId) -> Option<Standing> {
        if self.queued.remove(id).is_some() {
            return Some(Standing::Queued);
        }
        let flight = self.in_flight.iter_mut().find(|flight| {
            flight
                .message
                .as_ref()
                .is_some_and(|message| message.id == id)
        });
        if let Some(flight) = flight {
            flight.message = None;
            return Some(Standing::InFlight);
        }
        let index = self.uncertain.iter().position(|message| message.id == id)?;
        self.uncertain.remove(index);
        Some(Standing::Uncertain)
    }

    /// Whether a message handed over may still see its echo: without one,
    /// no line need be compared.
    pub fn awaits_echo(&self) -> bool {
        !self.unconfirmed.is_empty()
    }

    /// A chat line arrived at `now_ms` from `sender` (`None`: the frame
    /// named nobody). If it is the echo of the oldest unconfirmed message
    /// (the same text, from that message's name or from nobody, within
    /// [`ECHO_WINDOW_MS`] of its hand-over) that message is delivered:
    /// returns its id, and where the ledger held it, as
    /// [`Ledger::delivered`] says.
    pub fn echo(
        &mut self,
        sender: Option<&str>,
        text: &str,
        now_ms: f64,
    ) -> Option<(EntryId, Option<Standing>)> {
        self.expire_unconfirmed(now_ms);
        let oldest = &self.unconfirmed.first()?.message;
        if oldest.text != text || sender.is_some_and(|sender| sender != oldest.name) {
            return None;
        }
        let id = self.unconfirmed.remove(0).message.id;
        Some((id, self.delivered(id)))
    }

    /// Forgets the frames in flight that are delivered by now: handed
    /// before the uncertain window, no longer in the browser's buffer,
    /// which holds the newest `buffered` bytes, and not waiting for an
    /// acknowledgement. Returns whether a message was among them.
    pub fn forget_delivered(&mut self, buffered: usize, now_ms: f64) -> bool {
        let since = now_ms - UNCERTAIN_WINDOW_MS;
        let mut remaining: usize = self.in_flight.iter().map(|flight| flight.bytes).sum();
        let mut old = 0;
        for flight in &self.in_flight {
            // The frames after this one must cover the buffer, or some of
            // its bytes may still be in it.
            if flight.handed_ms >= since
                || remaining.saturating_sub(flight.bytes) < buffered
                || flight.awaits_ack()
            {
                break;
            }
            remaining -= flight.bytes;
            old += 1;
        }
        self.in_flight
            .drain(..old)
            .any(|flight| flight.message.is_some())
    }

    /// Decides, as the socket ends, what became of the frames in flight;
    /// the browser still holds the newest `buffered` bytes of them.
    pub fn settle(&mut self, buffered: usize, ending: Ending) -> Settled {
        let (held, partial) = self.take_held(buffered);
        let held = held.into_iter().filter_map(|flight| flight.message);
        let (requeue, held_uncertain): (Vec<Queued>, Vec<Queued>) = match ending {
            Ending::Died { .. } => (held.collect(), Vec::new()),
            Ending::Silenced { .. } | Ending::Left => (Vec::new(), held.collect()),
        };
        let lost_since = match ending {
            Ending::Died { at_ms } => Some(at_ms - UNCERTAIN_WINDOW_MS),
            Ending::Silenced { last_heard_ms } => Some(last_heard_ms - UNCERTAIN_WINDOW_MS),
            Ending::Left => None,
        };
        // What left without its acknowledgement may or may not have
        // arrived, whatever its age and however the socket ends.
        let recent = std::mem::take(&mut self.in_flight)
            .into_iter()
            .filter(|flight| {
                flight.awaits_ack() || lost_since.is_some_and(|since| flight.handed_ms >= since)
            });
        // A frame that partly left may or may not have arrived, whatever
        // its age. Oldest first: recent frames, the partial one, then those
        // still held.
        let uncertain: Vec<Queued> = recent
            .chain(partial)
            .filter_map(|flight| flight.message)
            .chain(held_uncertain)
            .collect();
        let settled = Settled {
            requeued: ids(&requeue),
            uncertain: ids(&uncertain),
        };
        self.queued.requeue_front(requeue);
        self.uncertain.extend(uncertain);
        settled
    }

    /// Where a message stands, or `None` once the ledger no longer holds it:
    /// delivered, discarded, or never written.
    pub fn standing(&self, id: EntryId) -> Option<Standing> {
        if self.queued.iter().any(|message| message.id == id) {
            Some(Standing::Queued)
        } else if self.in_flight_messages().any(|message| message.id == id) {
            Some(Standing::InFlight)
        } else if self.uncertain.iter().any(|message| message.id == id) {
            Some(Standing::Uncertain)
        } else {
            None
        }
    }

    /// The queued messages, in the order they go out.
    pub fn outbox(&self) -> &Outbox {
        &self.queued
    }

    /// The messages in flight, oldest first.
    pub fn in_flight_messages(&self) -> impl Iterator<Item = &Queued> {
        self.in_flight
            .iter()
            .filter_map(|flight| flight.message.as_ref())
    }

    /// The uncertain messages, oldest first.
    pub fn uncertain(&self) -> &[Queued] {
        &self.uncertain
    }

    /// What a reload of this tab must bring back: the uncertain messages,
    /// which were written first, then those in flight, then the queue. A
    /// message in flight comes back uncertain: its socket goes with the
    /// page, and the bytes the browser holds may or may not leave first.
    pub fn saved(&self) -> Vec<Saved> {
        let uncertain = self.uncertain.iter().chain(self.in_flight_messages());
        let uncertain = uncertain.map(|message| (message, true));
        let queued = self.queued.iter().map(|message| (message, false));
        uncertain
            .chain(queued)
            .map(|(message, uncertain)| Saved {
                name: message.name.clone(),
                text: message.text.clone(),
                uncertain,
            })
            .collect()
    }

    /// Forgets the unconfirmed messages handed over before the echo window.
    fn expire_unconfirmed(&mut self, now_ms: f64) {
        let since = now_ms - ECHO_WINDOW_MS;
        let expired = self
            .unconfirmed
            .iter()
            .take_while(|waiting| waiting.handed_ms < since)
            .count();
        self.unconfirmed.drain(..expired);
    }

    /// Takes the newest frames whose bytes the browser still holds: those
    /// it holds whole (oldest first), and the one that partly left, if the
    /// count ends inside a frame.
    fn take_held(&mut self, buffered: usize) -> (Vec<Handed>, Option<Handed>) {
        let mut left = buffered;
        let mut held = Vec::new();
        while left > 0 {
            match self.in_flight.last() {
                Some(last) if last.bytes <= left => {
                    left -= last.bytes;
                    held.extend(self.in_flight.pop());
                }
                _ => break,
            }
        }
        held.reverse();
        let partial = if left > 0 { self.in_flight.pop() } else { None };
        (held, partial)
    }
}

fn ids(messages: &[Queued]) -> Vec<EntryId> {
    messages.iter().map(|message| message.id).collect()
}

#[cfg(test)]
mod tests;
