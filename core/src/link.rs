//! The connection's rules, as a state machine with no I/O.
//!
//! [`Link`] keeps the connection's phases and timers: it decides when to
//! open, when to retry, what each frame means and when a queued message
//! goes out. Every [`Input`] goes through one `match` in [`Link::apply`],
//! whose arms each call one named step. The steps live with their concern:
//! - [`session`]: sessions and timers: opening, closing, retrying, the
//!   silence watchdog, and what the codec says of each frame.
//! - [`identity`]: who a session told the server the user is, and the join
//!   frame that goes first.
//! - [`delivery`]: the outbox and what became of each message: writing,
//!   flushing, settling, echoes, resend and discard, the saved form.
//! - [`words`]: the words the user reads: system lines and status texts.
//!
//! What became of each message is the [`Ledger`]'s to say. The link acts
//! only through a [`Driver`]: the browser shell in the app crate implements
//! it with a real socket and timers, and the tests with a recorder. The
//! driver must deliver only the events of the socket it opened last.

mod delivery;
mod identity;
mod session;
mod shorthands;
mod words;

use std::time::Duration;

use crate::{
    backoff::Backoff,
    chat::{ChatEvent, EntryId},
    config::{Echo, PageOrigin},
    json_value::JsonValue,
    ledger::{Ledger, UNCERTAIN_WINDOW_MS},
    outbox::{Queued, Saved},
    protocol::{Codec, Frame, Inbound},
};
use delivery::{Claim, Storing};
use identity::Identity;
use session::Reach;
pub use session::{CloseInfo, ConnState, Phase, Status, Stop};

/// How long after a hand-over the link looks again at what is in flight:
/// just past the window in which a message handed over may still be lost.
const SETTLE_AFTER: Duration = Duration::from_millis(UNCERTAIN_WINDOW_MS as u64 + 100);

/// What the link asks of the outside world: the platform it runs on.
pub trait Driver {
    /// How this platform reads JSON: the browser's `JSON.parse` in the app,
    /// `serde_json::Value` on the host.
    type Json: JsonValue;
    /// Opens a socket to `url`, offering the subprotocols `protocols`,
    /// dropping any previous one.
    fn open(&mut self, url: &str, protocols: &[String]) -> Result<(), String>;
    /// The subprotocol the server chose for the open socket; empty if none.
    fn protocol(&self) -> String {
        String::new()
    }
    /// Closes the socket, if any; none of its events come back after this.
    fn close(&mut self);
    /// Hands a frame to the open socket.
    fn send(&mut self, frame: &Frame) -> Result<(), String>;
    /// Bytes handed to the socket that the browser has not yet put on the
    /// network.
    fn buffered_amount(&self) -> u32;
    /// Gives the link [`Input::RetryDue`] after `delay`, replacing any
    /// earlier timer. `None` cancels it.
    fn set_retry(&mut self, delay: Option<Duration>);
    /// Gives the link [`Input::WatchdogDue`] after `delay`, replacing any
    /// earlier timer. `None` cancels it.
    fn set_watchdog(&mut self, delay: Option<Duration>);
    /// Gives the link [`Input::SettleDue`] after `delay`, replacing any
    /// earlier timer. `None` cancels it.
    fn set_settle(&mut self, delay: Option<Duration>);
    /// A number in [0, 1), for jitter.
    fn random(&mut self) -> f64;
    /// Milliseconds on a monotonic clock.
    fn now_ms(&self) -> f64;
    /// Something for the conversation.
    fn chat(&mut self, event: ChatEvent);
    /// `sender` started (`true`) or stopped typing. A received line from
    /// them means they stopped too; the driver shows who types for a few
    /// seconds ([`crate::typing::Typists`]).
    fn typing(&mut self, sender: String, typing: bool) {
        let _ = (sender, typing);
    }
    /// The connection's state changed.
    fn status(&mut self, status: Status);
    /// The ledger changed: save its saved form, or remove it if empty.
    /// When the browser refuses to store it, remove any older form, so
    /// that a reload cannot send what it holds, and say why.
    fn save_outbox(&mut self, saved: &[Saved]) -> Result<(), String>;
}

/// What a link needs to start.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    pub codec: Codec,
    /// The endpoint template, perhaps with `{name}`.
    pub server: String,
    pub name: String,
    pub page: PageOrigin,
    /// What to do with the server sending this tab's messages back.
    pub echo: Echo,
}

/// Everything that happens to a link: what the user does, what the socket
/// says, and the timers the link set. [`Link::apply`] takes each one.
// `Reconfigure` carries a whole codec. An input lives for one call to
// `apply`; boxing the codec would cost an allocation and bundle bytes for
// a copy of a few hundred bytes on the stack.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Input {
    /// Open a new socket now, closing any current one: the first start and
    /// the Reconnect control.
    Connect,
    /// The user asked to disconnect: close, and stay closed until asked.
    Disconnect,
    /// The socket opened.
    Opened,
    /// A frame arrived.
    Received(Frame),
    /// The socket closed, or failed to open.
    Closed(CloseInfo),
    /// The retry timer fired.
    RetryDue,
    /// The silence watchdog fired.
    WatchdogDue,
    /// Messages handed over are old enough to be known delivered, once the
    /// browser no longer holds their bytes.
    SettleDue,
    /// The browser came back online, or the tab became visible.
    Nudge,
    /// The user wrote a message.
    Write(Queued),
    /// The user asked to send an uncertain message again.
    Resend(EntryId),
    /// The user discarded a message that had not gone out, or whose
    /// delivery is uncertain.
    Discard(EntryId),
    /// Messages saved by an earlier load of this tab. They join the
    /// ledger at once, so that a discard, a resend or a new message sees
    /// them and the saved form keeps them, but nothing goes out until
    /// [`Input::Claimed`] says whose they are.
    Restore {
        queued: Vec<Queued>,
        uncertain: Vec<Queued>,
    },
    /// Whose the restored messages are: a duplicated tab starts with a
    /// copy of its original's saved messages.
    Claimed(Owner),
    /// Switch to another server or protocol, and connect to it.
    Reconfigure {
        codec: Codec,
        server: String,
        echo: Echo,
    },
    /// The name that later messages and connects use.
    Rename(String),
    /// The page is hiding, and may be about to unload.
    PageHide,
}

/// Whose the messages restored from the saved form are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// This tab's own, from an earlier load of it: they go out.
    ThisTab,
    /// Another live tab's, which this tab was copied from: they stay with
    /// it, and leave this tab's ledger.
    AnotherTab,
}

/// The connection's state machine.
#[derive(Debug)]
pub struct Link {
    config: LinkConfig,
    phase: Phase,
    backoff: Backoff,
    ledger: Ledger,
    claim: Claim,
    storing: Storing,
    /// The URL of the socket, as the user reads it: `{token}` stays.
    url: String,
    /// Which of the endpoints in `server` the next socket opens, counted
    /// from the first: each failure moves on to the next.
    endpoint: usize,
    /// The endpoint (as the user reads it) and the token the server was
    /// last reached with, once it was.
    reached_with: Option<(String, Option<String>)>,
    /// When the server last gave the heartbeat it promised, for the
    /// silence watchdog.
    last_heartbeat_ms: f64,
    /// When the link last pinged, on a protocol that asks it to.
    last_ping_ms: f64,
    /// When the watchdog is armed to fire, if it is.
    watchdog_ms: Option<f64>,
    /// Whether the server was reached since the user last chose it.
    reach: Reach,
    /// Who the open session told the server the user is.
    identity: Identity,
    inbound: Vec<Inbound>,
}

impl Link {
    pub fn new(config: LinkConfig, backoff: Backoff) -> Link {
        Link {
            config,
            phase: Phase::Idle,
            backoff,
            ledger: Ledger::default(),
            claim: Claim::Settled,
            storing: Storing::Works,
            url: String::new(),
            endpoint: 0,
            reached_with: None,
            last_heartbeat_ms: 0.0,
            last_ping_ms: 0.0,
            watchdog_ms: None,
            reach: Reach::Unknown,
            identity: Identity::Anonymous,
            inbound: Vec::new(),
        }
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The messages this tab wrote and has not seen settled.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Takes one input. Each arm names the step that is the whole rule for
    /// its input; an input that means nothing in the current phase (a late
    /// event of a socket the link already left, a timer that lost a race)
    /// changes nothing.
    pub fn apply(&mut self, input: Input, driver: &mut impl Driver) {
        match input {
            Input::Connect => self.connect_anew(driver),
            Input::Disconnect => self.stop_by_user(driver),
            Input::Opened if self.phase == Phase::Connecting => self.socket_opened(driver),
            Input::Received(frame) if self.is_open() => self.frame_arrived(frame, driver),
            Input::Closed(close) => self.socket_closed(close, driver),
            Input::RetryDue if self.phase == Phase::Waiting => self.open_socket(driver),
            Input::WatchdogDue if self.is_open() => self.check_silence(driver),
            Input::Nudge => self.woken(driver),
            Input::Write(message) => self.write_message(message, driver),
            Input::Resend(id) => self.resend_message(id, driver),
            Input::Discard(id) => self.discard_message(id, driver),
            Input::Restore { queued, uncertain } => {
                self.restore_messages(queued, uncertain, driver)
            }
            Input::Claimed(owner) => self.claim_answered(owner, driver),
            Input::Reconfigure {
                codec,
                server,
                echo,
            } => self.switch_server(codec, server, echo, driver),
            Input::Rename(name) => self.config.name = name,
            Input::PageHide => self.page_hiding(driver),
            Input::SettleDue => self.settle_due(driver),
            Input::Opened | Input::Received(_) | Input::RetryDue | Input::WatchdogDue => {}
        }
    }
}

#[cfg(test)]
mod tests;
