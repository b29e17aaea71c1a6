//! The connection's rules, as a state machine with no I/O.
//!
//! [`Link`] decides when to open, when to retry, what each frame means and
//! when a queued message goes out. It acts only through a [`Driver`]: the
//! browser shell in `connection.rs` implements it with a real socket and
//! timers, and the tests below with a recorder. The driver must deliver
//! only the events of the socket it opened last.

use std::time::Duration;

use crate::{
    backoff::Backoff,
    chat::{ChatEvent, Delivery, EntryId},
    config::{resolve_endpoint, PageOrigin},
    outbox::{Outbox, Queued},
    protocol::{Codec, Frame, Inbound, WireProtocol},
};

/// What the link asks of the outside world.
pub trait Driver {
    /// Opens a socket to `url`, dropping any previous one.
    fn open(&mut self, url: &str) -> Result<(), String>;
    /// Closes the socket, if any; none of its events come back after this.
    fn close(&mut self);
    /// Hands a frame to the open socket.
    fn send(&mut self, frame: &Frame) -> Result<(), String>;
    /// Bytes handed to the socket that the browser has not yet put on the
    /// network.
    fn buffered_amount(&self) -> u32;
    /// Calls [`Link::retry_due`] after `delay`, replacing any earlier
    /// timer. `None` cancels it.
    fn set_retry(&mut self, delay: Option<Duration>);
    /// Calls [`Link::watchdog_due`] after `delay`, replacing any earlier
    /// timer. `None` cancels it.
    fn set_watchdog(&mut self, delay: Option<Duration>);
    /// A number in [0, 1), for jitter.
    fn random(&mut self) -> f64;
    /// Milliseconds on a monotonic clock.
    fn now_ms(&self) -> f64;
    /// Something for the conversation.
    fn chat(&mut self, event: ChatEvent);
    /// The connection's state changed.
    fn status(&mut self, status: Status);
    /// The outbox or the uncertain messages changed; save both.
    fn save_outbox(&mut self, outbox: &Outbox, uncertain: &[Queued]);
}

/// The connection state as the page shows it in `#status[data-state]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnState {
    #[default]
    Connecting,
    Open,
    Closed,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Open => "open",
            ConnState::Closed => "closed",
        }
    }
}

/// The state, and the words that describe it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    pub state: ConnState,
    pub text: String,
    /// True while the link is open, opening or waiting to retry: something
    /// the user can stop with Disconnect.
    pub can_stop: bool,
}

/// How a socket closed, as the browser said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    pub code: u16,
    pub reason: String,
}

impl CloseInfo {
    /// The words after `disconnected`.
    fn describe(&self) -> String {
        match (self.code, self.reason.trim()) {
            (_, "") => format!("code {}", self.code),
            (code, reason) => format!("{reason}, code {code}"),
        }
    }
}

/// Why the link will not reconnect by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The user disconnected.
    ByUser,
    /// The server ended the session on purpose.
    ByServer,
    /// The endpoint cannot be opened at all; retrying would not help.
    Unreachable,
}

/// Where the link stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Nothing started yet.
    Idle,
    /// A socket is opening.
    Connecting,
    /// A socket is open; `ready` once the protocol can carry chat frames.
    Open { ready: bool },
    /// No socket; a retry timer runs.
    Waiting,
    /// No socket, and no retry until asked.
    Stopped(Stop),
}

/// How long before an unasked close a handed-over message counts as
/// uncertain. json and text servers send no acknowledgements. When a server
/// dies, its reset reaches the client about one round trip later, and what
/// the client sent in that round trip is lost; 1 s covers round trips up to
/// a second. A link that dies silently is noticed later than that, if at
/// all, and no window can cover it without acknowledgements.
pub const UNCERTAIN_WINDOW: Duration = Duration::from_millis(1000);

/// What a link needs to start.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    pub codec: Codec,
    /// The endpoint template, perhaps with `{name}`.
    pub server: String,
    pub name: String,
    pub page: PageOrigin,
}

/// A frame handed to the current socket: a chat message, or a frame of the
/// protocol's own (`None`), which counts in the browser's buffer too.
#[derive(Debug, Clone)]
struct InFlight {
    message: Option<Queued>,
    /// The frame's size in bytes.
    bytes: usize,
    handed_ms: f64,
}

/// The connection's state machine.
#[derive(Debug)]
pub struct Link {
    config: LinkConfig,
    phase: Phase,
    backoff: Backoff,
    outbox: Outbox,
    url: String,
    /// When the server was last heard from, for the silence watchdog.
    last_heard_ms: f64,
    inbound: Vec<Inbound>,
    /// Frames handed to the current socket within the uncertain window, or
    /// still in the browser's buffer.
    in_flight: Vec<InFlight>,
    /// Messages whose delivery is unknown, kept for a resend.
    uncertain: Vec<Queued>,
}

impl Link {
    pub fn new(config: LinkConfig, backoff: Backoff) -> Link {
        Link {
            config,
            phase: Phase::Idle,
            backoff,
            outbox: Outbox::default(),
            url: String::new(),
            last_heard_ms: 0.0,
            inbound: Vec::new(),
            in_flight: Vec::new(),
            uncertain: Vec::new(),
        }
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Takes over messages saved by an earlier load of this tab: queued ones
    /// go out first, before anything written since, and uncertain ones wait
    /// for the user. Both are saved again at once.
    pub fn adopt(&mut self, queued: Vec<Queued>, uncertain: Vec<Queued>, driver: &mut dyn Driver) {
        self.outbox.requeue_front(queued);
        self.uncertain.splice(0..0, uncertain);
        self.save(driver);
        self.flush(driver);
    }

    /// The name that later messages and connects use.
    pub fn set_name(&mut self, name: &str) {
        name.clone_into(&mut self.config.name);
    }

    /// Opens a new socket now, closing any current one: the first start,
    /// the Reconnect control, and a retry that is due.
    pub fn connect(&mut self, driver: &mut dyn Driver) {
        driver.set_retry(None);
        driver.set_watchdog(None);
        if matches!(self.phase, Phase::Open { .. }) {
            self.leave_open_socket("reconnecting", driver);
        }
        driver.close();
        let endpoint =
            match resolve_endpoint(&self.config.server, &self.config.name, &self.config.page) {
                Ok(endpoint) => endpoint,
                Err(error) => return self.unreachable(error.to_string(), driver),
            };
        self.url = self.config.codec.url(&endpoint);
        self.config.codec.reset();
        if let Err(error) = driver.open(&self.url) {
            let why = format!("cannot open {}: {error}", self.url);
            return self.unreachable(why, driver);
        }
        self.phase = Phase::Connecting;
        let attempt = self.backoff.failures();
        let text = if attempt == 0 {
            format!("connecting to {}…", self.url)
        } else {
            format!("reconnecting to {} (attempt {})…", self.url, attempt + 1)
        };
        driver.status(Status {
            state: ConnState::Connecting,
            text,
            can_stop: true,
        });
    }

    /// Switches to another server or protocol, and connects to it.
    pub fn reconfigure(&mut self, codec: Codec, server: String, driver: &mut dyn Driver) {
        if matches!(self.phase, Phase::Open { .. }) {
            self.leave_open_socket("settings changed", driver);
        }
        self.config.codec = codec;
        self.config.server = server;
        self.backoff.reset();
        self.connect(driver);
    }

    /// The retry timer fired.
    pub fn retry_due(&mut self, driver: &mut dyn Driver) {
        if self.phase == Phase::Waiting {
            self.connect(driver);
        }
    }

    /// The browser came back online, or the tab became visible: retry at
    /// once if waiting, and check for silence, since timers sleep with the
    /// tab.
    pub fn nudge(&mut self, driver: &mut dyn Driver) {
        match self.phase {
            Phase::Waiting => self.connect(driver),
            Phase::Open { .. } => self.watchdog_due(driver),
            _ => {}
        }
    }

    /// The user asked to disconnect.
    pub fn disconnect(&mut self, driver: &mut dyn Driver) {
        driver.set_retry(None);
        driver.set_watchdog(None);
        if matches!(self.phase, Phase::Open { .. }) {
            self.leave_open_socket("by you", driver);
        }
        driver.close();
        self.phase = Phase::Stopped(Stop::ByUser);
        driver.status(Status {
            state: ConnState::Closed,
            text: "disconnected; press Reconnect to connect again".to_owned(),
            can_stop: false,
        });
    }

    /// Closes an open socket on purpose, with a system line. The browser
    /// still sends what it holds before its close frame, unless the link is
    /// stuck, so messages whose bytes are still buffered may or may not
    /// arrive: they are marked uncertain. The rest went out.
    fn leave_open_socket(&mut self, why: &str, driver: &mut dyn Driver) {
        let (unsent, partial) = self.take_buffered(driver.buffered_amount() as usize);
        self.in_flight.clear();
        let marked = self.mark_uncertain(unsent.into_iter().chain(partial), driver);
        if marked {
            self.save(driver);
        }
        driver.close();
        self.phase = Phase::Idle;
        driver.chat(ChatEvent::System(format!("disconnected ({why})")));
    }

    /// The socket opened.
    pub fn opened(&mut self, driver: &mut dyn Driver) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.backoff.reset();
        self.phase = Phase::Open { ready: false };
        self.last_heard_ms = driver.now_ms();
        driver.chat(ChatEvent::System("connected".to_owned()));
        driver.status(Status {
            state: ConnState::Open,
            text: format!("connected to {}", self.url),
            can_stop: true,
        });
        let mut inbound = std::mem::take(&mut self.inbound);
        self.config.codec.opened(&mut inbound);
        self.handle(&mut inbound, driver);
        self.inbound = inbound;
    }

    /// A frame arrived.
    pub fn received(&mut self, frame: Frame, driver: &mut dyn Driver) {
        if !matches!(self.phase, Phase::Open { .. }) {
            return;
        }
        // Only the silence watchdog reads the clock: spare json and text
        // floods a call into the browser per frame.
        if self.config.codec.silence_limit().is_some() {
            self.last_heard_ms = driver.now_ms();
        }
        let mut inbound = std::mem::take(&mut self.inbound);
        self.config.codec.decode(frame, &mut inbound);
        self.handle(&mut inbound, driver);
        self.inbound = inbound;
    }

    /// The socket closed, or failed to open.
    pub fn closed(&mut self, close: CloseInfo, driver: &mut dyn Driver) {
        if !matches!(self.phase, Phase::Open { .. } | Phase::Connecting) {
            return;
        }
        let line = matches!(self.phase, Phase::Open { .. })
            .then(|| format!("disconnected ({})", close.describe()));
        self.drop_dead_socket(line, driver);
    }

    /// The silence watchdog fired: if the server promised heartbeats and
    /// has said nothing for too long, the link is dead.
    pub fn watchdog_due(&mut self, driver: &mut dyn Driver) {
        let Some(limit) = self.config.codec.silence_limit() else {
            return;
        };
        if !matches!(self.phase, Phase::Open { .. }) {
            return;
        }
        // Whole milliseconds: float formatting would cost the bundle ~10 KB.
        let silent = Duration::from_millis((driver.now_ms() - self.last_heard_ms).max(0.0) as u64);
        if silent < limit {
            driver.set_watchdog(Some(limit - silent));
            return;
        }
        let line = format!(
            "disconnected (the server was silent for {})",
            seconds(silent)
        );
        self.drop_dead_socket(Some(line), driver);
    }

    /// The socket died unasked: settle what was in flight, say so (once per
    /// open socket) and schedule the next attempt.
    fn drop_dead_socket(&mut self, line: Option<String>, driver: &mut dyn Driver) {
        driver.set_watchdog(None);
        self.settle_in_flight(driver);
        driver.close();
        if let Some(line) = line {
            driver.chat(ChatEvent::System(line));
        }
        self.schedule_retry(driver);
    }

    /// The user wrote a message: queue it, and send it if the link is ready.
    pub fn write(&mut self, message: Queued, driver: &mut dyn Driver) {
        self.outbox.push(message);
        self.save(driver);
        self.flush(driver);
    }

    /// The user discarded a message that had not gone out, or whose
    /// delivery is uncertain.
    pub fn discard(&mut self, id: EntryId, driver: &mut dyn Driver) {
        let queued = self.outbox.remove(id).is_some();
        let before = self.uncertain.len();
        self.uncertain.retain(|message| message.id != id);
        // A message that already went out is not discarded: its entry stays.
        if queued || self.uncertain.len() != before {
            self.save(driver);
            driver.chat(ChatEvent::Discard(id));
        }
    }

    /// The user asked to send an uncertain message again.
    pub fn resend(&mut self, id: EntryId, driver: &mut dyn Driver) {
        let Some(index) = self.uncertain.iter().position(|message| message.id == id) else {
            return;
        };
        let message = self.uncertain.remove(index);
        driver.chat(ChatEvent::Delivery {
            id,
            delivery: Delivery::Pending,
        });
        self.write(message, driver);
    }

    /// Decides, as the current socket dies unasked, what became of the
    /// messages recently handed to it. Bytes the browser still held never
    /// left: those messages go back to the front of the outbox, to be sent
    /// again with no risk of a duplicate. Others handed within the uncertain
    /// window may or may not have arrived: they are marked so, for the user
    /// to resend or discard. Older ones stay sent.
    fn settle_in_flight(&mut self, driver: &mut dyn Driver) {
        let (unsent, partial) = self.take_buffered(driver.buffered_amount() as usize);
        let requeue: Vec<Queued> = unsent
            .into_iter()
            .filter_map(|flight| flight.message)
            .collect();
        for message in &requeue {
            driver.chat(ChatEvent::Delivery {
                id: message.id,
                delivery: Delivery::Pending,
            });
        }
        let changed = !requeue.is_empty();
        self.outbox.requeue_front(requeue);
        let since = driver.now_ms() - UNCERTAIN_WINDOW.as_secs_f64() * 1000.0;
        let recent: Vec<InFlight> = self
            .in_flight
            .drain(..)
            .filter(|flight| flight.handed_ms >= since)
            .collect();
        // A frame that partly left may or may not have arrived, whatever
        // its age.
        let marked = self.mark_uncertain(recent.into_iter().chain(partial), driver);
        if changed || marked {
            self.save(driver);
        }
    }

    /// Takes the newest frames whose bytes the browser still holds: those
    /// it holds whole (oldest first), and the one that partly left, if the
    /// count ends inside a frame.
    fn take_buffered(&mut self, buffered: usize) -> (Vec<InFlight>, Option<InFlight>) {
        let mut left = buffered;
        let mut unsent = Vec::new();
        while left > 0 {
            match self.in_flight.last() {
                Some(last) if last.bytes <= left => {
                    left -= last.bytes;
                    unsent.extend(self.in_flight.pop());
                }
                _ => break,
            }
        }
        unsent.reverse();
        let partial = if left > 0 { self.in_flight.pop() } else { None };
        (unsent, partial)
    }

    /// Marks the messages among `flights` uncertain and keeps them for a
    /// resend. Returns whether there were any.
    fn mark_uncertain(
        &mut self,
        flights: impl IntoIterator<Item = InFlight>,
        driver: &mut dyn Driver,
    ) -> bool {
        let before = self.uncertain.len();
        for message in flights.into_iter().filter_map(|flight| flight.message) {
            driver.chat(ChatEvent::Delivery {
                id: message.id,
                delivery: Delivery::Uncertain,
            });
            self.uncertain.push(message);
        }
        self.uncertain.len() != before
    }

    /// Forgets frames that left the window, but never one whose bytes the
    /// browser may still hold: the frames after it must cover the buffer.
    fn prune_in_flight(&mut self, driver: &mut dyn Driver) {
        let since = driver.now_ms() - UNCERTAIN_WINDOW.as_secs_f64() * 1000.0;
        let buffered = driver.buffered_amount() as usize;
        let mut remaining: usize = self.in_flight.iter().map(|flight| flight.bytes).sum();
        let mut old = 0;
        for flight in &self.in_flight {
            if flight.handed_ms >= since || remaining.saturating_sub(flight.bytes) < buffered {
                break;
            }
            remaining -= flight.bytes;
            old += 1;
        }
        self.in_flight.drain(..old);
    }

    fn save(&self, driver: &mut dyn Driver) {
        driver.save_outbox(&self.outbox, &self.uncertain);
    }

    fn unreachable(&mut self, why: String, driver: &mut dyn Driver) {
        self.phase = Phase::Stopped(Stop::Unreachable);
        driver.chat(ChatEvent::System(why.clone()));
        driver.status(Status {
            state: ConnState::Closed,
            text: why,
            can_stop: false,
        });
    }

    fn schedule_retry(&mut self, driver: &mut dyn Driver) {
        let delay = self.backoff.next_delay(driver.random());
        self.phase = Phase::Waiting;
        driver.set_retry(Some(delay));
        driver.status(Status {
            state: ConnState::Closed,
            text: format!("disconnected; reconnecting in {}", seconds(delay)),
            can_stop: true,
        });
    }

    fn handle(&mut self, inbound: &mut Vec<Inbound>, driver: &mut dyn Driver) {
        let mut ready = false;
        for event in inbound.drain(..) {
            match event {
                Inbound::Chat { sender, text } => driver.chat(ChatEvent::Received { sender, text }),
                Inbound::Notice(text) => driver.chat(ChatEvent::System(text)),
                Inbound::Reply(frame) => {
                    // A failed reply means the socket is going; its close
                    // event follows and drives the retry. A sent one counts
                    // in the browser's buffer like a chat frame.
                    if driver.send(&frame).is_ok() {
                        self.prune_in_flight(driver);
                        self.in_flight.push(InFlight {
                            message: None,
                            bytes: frame_bytes(&frame),
                            handed_ms: driver.now_ms(),
                        });
                    }
                }
                Inbound::Ready => ready = true,
                Inbound::Heartbeat(limit) => driver.set_watchdog(Some(limit)),
                Inbound::Ended(reason) => {
                    driver.set_watchdog(None);
                    // The server may have dropped what was still on its way.
                    self.settle_in_flight(driver);
                    driver.close();
                    self.phase = Phase::Stopped(Stop::ByServer);
                    driver.chat(ChatEvent::System(format!("disconnected ({reason})")));
                    driver.status(Status {
                        state: ConnState::Closed,
                        text: format!("{reason}; press Reconnect to connect again"),
                        can_stop: false,
                    });
                    return;
                }
            }
        }
        if ready {
            self.phase = Phase::Open { ready: true };
            self.flush(driver);
        }
    }

    /// Sends queued messages, in order, while the session is ready.
    fn flush(&mut self, driver: &mut dyn Driver) {
        if self.phase != (Phase::Open { ready: true }) {
            return;
        }
        let mut sent_any = false;
        let now = driver.now_ms();
        self.prune_in_flight(driver);
        while let Some(next) = self.outbox.front() {
            let frame = self.config.codec.encode(&next.name, &next.text);
            if driver.send(&frame).is_err() {
                break;
            }
            let Some(message) = self.outbox.pop_front() else {
                break;
            };
            sent_any = true;
            driver.chat(ChatEvent::Delivery {
                id: message.id,
                delivery: Delivery::Sent,
            });
            self.in_flight.push(InFlight {
                message: Some(message),
                bytes: frame_bytes(&frame),
                handed_ms: now,
            });
        }
        if sent_any {
            self.save(driver);
        }
    }
}

fn frame_bytes(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.len(),
        Frame::Binary(bytes) => bytes.len(),
    }
}

/// "0.5 s" below a second, else whole seconds rounded: "2 s".
fn seconds(delay: Duration) -> String {
    // u64, not the u128 of as_millis: u128 formatting costs the bundle.
    let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    if millis < 1000 {
        format!("0.{} s", millis / 100)
    } else {
        format!("{} s", millis.saturating_add(500) / 1000)
    }
}

#[cfg(test)]
mod tests;
