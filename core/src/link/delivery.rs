//! The outbox and what became of each message: writing, flushing in
//! order, settling what was in flight when a socket ends, echoes that
//! confirm a message, resend and discard, the restored messages' claim,
//! and the saved form.

use super::{session::frame_bytes, words, Driver, Link, Owner, Phase, SETTLE_AFTER};
use crate::{
    chat::{ChatEvent, Delivery, EntryId},
    config::Echo,
    ledger::Ending,
    outbox::Queued,
    protocol::{Frame, Sender},
};

/// Whether the link may send yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Claim {
    /// Nothing is held back.
    Settled,
    /// Messages were restored and it is not known yet whose they are:
    /// nothing goes out, so that a copied tab cannot send its original's
    /// queue, and nothing is sent ahead of them. Their ids.
    Pending(Vec<EntryId>),
}

/// Whether the browser stores the saved form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Storing {
    Works,
    /// A write failed, and the user was told; a later write that stores
    /// messages ends it.
    Fails,
}

impl Link {
    /// The user wrote a message: it joins the outbox and goes out when it
    /// can.
    pub(super) fn write_message(&mut self, message: Queued, driver: &mut impl Driver) {
        self.ledger.write(message);
        self.save(driver);
        self.flush(driver);
    }

    /// The user asked to send an uncertain message again.
    pub(super) fn resend_message(&mut self, id: EntryId, driver: &mut impl Driver) {
        if self.ledger.resend(id) {
            driver.chat(delivery(id, Delivery::Pending));
            self.save(driver);
            self.flush(driver);
        }
    }

    /// The user discarded a message that had not gone out, or whose
    /// delivery is uncertain.
    pub(super) fn discard_message(&mut self, id: EntryId, driver: &mut impl Driver) {
        if self.ledger.discard(id) {
            self.save(driver);
            driver.chat(ChatEvent::Discard(id));
        }
    }

    /// Messages saved by an earlier load of this tab join the ledger, held
    /// back until the claim answers whose they are.
    pub(super) fn restore_messages(
        &mut self,
        queued: Vec<Queued>,
        uncertain: Vec<Queued>,
        driver: &mut impl Driver,
    ) {
        let mut ids = queued.iter().chain(&uncertain).map(|message| message.id);
        match &mut self.claim {
            Claim::Pending(held) => held.extend(ids),
            // Nothing restored, nothing to hold back.
            Claim::Settled => match ids.next() {
                Some(first) => {
                    self.claim = Claim::Pending(std::iter::once(first).chain(ids).collect())
                }
                None => return,
            },
        }
        self.ledger.adopt(queued, uncertain);
        self.save(driver);
    }

    /// The claim answered: a copied tab lets go of its original's messages;
    /// either way, what may go out now does.
    pub(super) fn claim_answered(&mut self, owner: Owner, driver: &mut impl Driver) {
        let Claim::Pending(restored) = std::mem::replace(&mut self.claim, Claim::Settled) else {
            return;
        };
        if owner == Owner::AnotherTab {
            self.disown(restored, driver);
        }
        self.flush(driver);
    }

    /// The page may unload: what is in flight is saved (as every change
    /// is), to come back uncertain, unless it is delivered by now. Storage
    /// is written only if that changed the ledger.
    pub(super) fn page_hiding(&mut self, driver: &mut impl Driver) {
        let buffered = driver.buffered_amount() as usize;
        if self.ledger.forget_delivered(buffered, driver.now_ms()) {
            self.save(driver);
        }
    }

    /// The saved form drops what is delivered by now, so that a reload (or
    /// a crash) later does not bring it back uncertain. A rejoin that waits
    /// for the browser's buffer to drain is looked at again too.
    pub(super) fn settle_due(&mut self, driver: &mut impl Driver) {
        let buffered = driver.buffered_amount() as usize;
        if self.ledger.forget_delivered(buffered, driver.now_ms()) {
            self.save(driver);
        }
        self.arm_settle(driver);
        self.flush(driver);
    }

    /// Settles the messages in flight as the socket ends, shows what became
    /// of them, and saves the ledger if that changed it. Call it before
    /// the driver closes the socket, whose buffer goes with it.
    pub(super) fn settle(&mut self, ending: Ending, driver: &mut impl Driver) {
        let settled = self
            .ledger
            .settle(driver.buffered_amount() as usize, ending);
        for id in &settled.requeued {
            driver.chat(delivery(*id, Delivery::Pending));
        }
        for id in &settled.uncertain {
            driver.chat(delivery(*id, Delivery::Uncertain));
        }
        if !settled.is_empty() {
            self.save(driver);
        }
    }

    /// Saves the ledger's saved form. Where the browser refuses, the
    /// driver has removed any older form, so nothing stale is sent after a
    /// reload; the messages stay here, and the user is told once.
    pub(super) fn save(&mut self, driver: &mut impl Driver) {
        let saved = self.ledger.saved();
        match (driver.save_outbox(&saved), self.storing) {
            (Err(why), Storing::Works) => {
                self.storing = Storing::Fails;
                driver.chat(ChatEvent::System(words::cannot_store(&why)));
            }
            (Ok(()), Storing::Fails) if !saved.is_empty() => self.storing = Storing::Works,
            _ => {}
        }
    }

    /// The restored messages belong to the tab this one was copied from:
    /// they leave the ledger and the conversation, unless the user
    /// discarded them already.
    fn disown(&mut self, restored: Vec<EntryId>, driver: &mut impl Driver) {
        let mut any = false;
        for id in restored {
            if self.ledger.discard(id) {
                driver.chat(ChatEvent::Discard(id));
                any = true;
            }
        }
        if any {
            self.save(driver);
            driver.chat(ChatEvent::System(words::COPIED_TAB.to_owned()));
        }
    }

    /// A chat line arrived: the echo of this tab's own message confirms
    /// it, and anything else joins the conversation.
    pub(super) fn chat_line(&mut self, sender: Sender, text: String, driver: &mut impl Driver) {
        // Every incoming line passes here: the clock is read, and the line
        // compared, only while some message may still see its echo.
        if self.config.echo == Echo::Fold
            && self.config.codec.folds_echoes()
            && self.ledger.awaits_echo()
        {
            let now = driver.now_ms();
            if let Some((id, standing)) = self.ledger.echo(sender.named(), &text, now) {
                driver.chat(delivery(id, Delivery::Delivered));
                if standing.is_some() {
                    self.save(driver);
                }
                return;
            }
        }
        driver.chat(ChatEvent::Received {
            sender: sender.into_shown(),
            text,
        });
    }

    /// Sends a frame of the protocol's own, which counts in the browser's
    /// buffer like a chat frame. Returns whether the socket took it.
    pub(super) fn send_protocol_frame(&mut self, frame: &Frame, driver: &mut impl Driver) -> bool {
        let now = driver.now_ms();
        if self
            .ledger
            .forget_delivered(driver.buffered_amount() as usize, now)
        {
            self.save(driver);
        }
        let sent = driver.send(frame).is_ok();
        if sent {
            self.ledger.handed_protocol_frame(frame_bytes(frame), now);
        }
        sent
    }

    /// Asks to be told when what is in flight may be known delivered.
    fn arm_settle(&mut self, driver: &mut impl Driver) {
        let wait = self
            .ledger
            .in_flight_messages()
            .next()
            .map(|_| SETTLE_AFTER);
        driver.set_settle(wait);
    }

    /// Sends queued messages, in order, while the session is ready: after
    /// the join frame, which goes first on every session, with the name of
    /// the first message (or the user's, if there is none yet). A message
    /// under another name than the session's goes out on a new session.
    pub(super) fn flush(&mut self, driver: &mut impl Driver) {
        if self.phase != (Phase::Open { ready: true }) || self.claim != Claim::Settled {
            return;
        }
        if !self.join_first(driver) {
            return;
        }
        let now = driver.now_ms();
        let mut changed = self
            .ledger
            .forget_delivered(driver.buffered_amount() as usize, now);
        let mut rejoin = false;
        while let Some(next) = self.ledger.next() {
            if !self.speaks_as(&next.name) {
                rejoin = true;
                break;
            }
            let (frame, ack) = self.config.codec.send(&next.name, &next.text);
            let bytes = frame_bytes(&frame);
            // The server would end the connection on it, each time it is
            // sent: it is refused here, and the user told why.
            if let Some(limit) = self.config.codec.max_frame_bytes() {
                if bytes > limit {
                    let Some(refused) = self.ledger.refuse_next() else {
                        break;
                    };
                    let why = words::too_large(&refused.text, bytes, limit);
                    driver.chat(ChatEvent::System(why));
                    driver.chat(ChatEvent::Discard(refused.id));
                    changed = true;
                    continue;
                }
            }
            if driver.send(&frame).is_err() {
                break;
            }
            let Some(id) = self.ledger.handed_next(bytes, now, ack) else {
                break;
            };
            changed = true;
            driver.chat(delivery(id, Delivery::Sent));
        }
        if changed {
            self.save(driver);
        }
        self.arm_settle(driver);
        if !rejoin {
            return;
        }
        // Once the browser has let go of what went out, and the server has
        // acknowledged it, so that leaving cannot make it uncertain; until
        // then the settle timer looks again.
        if driver.buffered_amount() > 0 || self.ledger.awaits_ack() {
            driver.set_settle(Some(SETTLE_AFTER));
            return;
        }
        self.leave_open_socket("to send under another name", driver);
        self.open_socket(driver);
    }
}

pub(super) fn delivery(id: EntryId, delivery: Delivery) -> ChatEvent {
    ChatEvent::Delivery { id, delivery }
}
