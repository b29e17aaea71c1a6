//! The connection's rules, as a state machine with no I/O.
//!
//! [`Link`] keeps the connection's phases and timers: it decides when to
//! open, when to retry, what each frame means and when a queued message
//! goes out. Every [`Input`] goes through one `match` in [`Link::apply`].
//! What became of each message is the [`Ledger`]'s to say. The link acts
//! only through a [`Driver`]: the browser shell in `connection.rs`
//! implements it with a real socket and timers, and the tests with a
//! recorder. The driver must deliver only the events of the socket it
//! opened last.

use std::time::Duration;

use crate::{
    backoff::Backoff,
    chat::{ChatEvent, Delivery, EntryId},
    config::{resolve_endpoint, Echo, PageOrigin},
    json_value::JsonValue,
    ledger::{Ending, Ledger, UNCERTAIN_WINDOW_MS},
    outbox::{Queued, Saved},
    protocol::{byte_count, Codec, Frame, Inbound, Sender},
    template::has_name,
};

/// How long after a hand-over the link looks again at what is in flight:
/// just past the window in which a message handed over may still be lost.
const SETTLE_AFTER: Duration = Duration::from_millis(UNCERTAIN_WINDOW_MS as u64 + 100);

/// What the link asks of the outside world: the platform it runs on.
pub trait Driver {
    /// How this platform reads JSON: the browser's `JSON.parse` in the app,
    /// `serde_json::Value` on the host.
    type Json: JsonValue;
    /// Opens a socket to `url`, dropping any previous one.
    fn open(&mut self, url: &str) -> Result<(), String>;
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
    /// The connection's state changed.
    fn status(&mut self, status: Status);
    /// The ledger changed: save its saved form, or remove it if empty.
    /// When the browser refuses to store it, remove any older form, so
    /// that a reload cannot send what it holds, and say why.
    fn save_outbox(&mut self, saved: &[Saved]) -> Result<(), String>;
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

/// Whether the link may send yet.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Claim {
    /// Nothing is held back.
    Settled,
    /// Messages were restored and it is not known yet whose they are:
    /// nothing goes out, so that a copied tab cannot send its original's
    /// queue, and nothing is sent ahead of them. Their ids.
    Pending(Vec<EntryId>),
}

/// Whether the browser stores the saved form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storing {
    Works,
    /// A write failed, and the user was told; a later write that stores
    /// messages ends it.
    Fails,
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
    url: String,
    /// When the server last gave the heartbeat it promised, for the
    /// silence watchdog.
    last_heartbeat_ms: f64,
    /// Whether the server was reached since the user last chose it.
    reach: Reach,
    /// Who the open session told the server the user is.
    identity: Identity,
    inbound: Vec<Inbound>,
}

/// What a session told the server about who the user is: servers that
/// learn a name from the URL or a join frame show every message on that
/// session under it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    /// Nothing: messages under any name go out on it.
    Anonymous,
    /// A join frame is due first: with the name the session's URL gave
    /// (`Some`), or else with the name of what goes out first, once there
    /// is one.
    JoinDue(Option<String>),
    /// This name, by the session's URL or its join frame: only messages
    /// written under it go out on the session.
    As(String),
}

/// Whether the server was reached since the user last chose it (by
/// connecting, or by changing the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Not yet: a socket that fails to open is explained.
    Unknown,
    /// A socket failed to open, and the user was told why it may have.
    Explained,
    /// A socket opened: later failures are the server going away.
    Reached,
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
            last_heartbeat_ms: 0.0,
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

    /// Takes one input. Each arm is the whole rule for its input; an input
    /// that means nothing in the current phase (a late event of a socket
    /// the link already left, a timer that lost a race) changes nothing.
    pub fn apply(&mut self, input: Input, driver: &mut impl Driver) {
        match input {
            Input::Connect => {
                self.reach = Reach::Unknown;
                self.open_socket(driver);
            }
            Input::Disconnect => {
                driver.set_retry(None);
                self.leave_open_socket("by you", driver);
                driver.close();
                self.phase = Phase::Stopped(Stop::ByUser);
                driver.status(Status {
                    state: ConnState::Closed,
                    text: "disconnected; press Reconnect to connect again".to_owned(),
                    can_stop: false,
                });
            }
            Input::Opened if self.phase == Phase::Connecting => self.socket_opened(driver),
            Input::Received(frame) if self.is_open() => self.frame_arrived(frame, driver),
            Input::Closed(close) => match self.phase {
                Phase::Open { .. } => {
                    let line = format!("disconnected ({})", close.describe());
                    self.drop_dead_socket(died_now(driver), Some(line), driver);
                }
                // Browsers do not say why a socket failed to open: the words
                // name the likely causes, once, for a server not reached yet.
                Phase::Connecting => {
                    let line = (self.reach == Reach::Unknown).then(|| self.refused_line());
                    if line.is_some() {
                        self.reach = Reach::Explained;
                    }
                    self.drop_dead_socket(died_now(driver), line, driver);
                }
                _ => {}
            },
            Input::RetryDue if self.phase == Phase::Waiting => self.open_socket(driver),
            Input::WatchdogDue if self.is_open() => self.check_silence(driver),
            // Timers sleep with the tab: a waking tab retries at once, and
            // checks the silence deadline.
            Input::Nudge => match self.phase {
                Phase::Waiting => self.open_socket(driver),
                Phase::Open { .. } => self.check_silence(driver),
                _ => {}
            },
            Input::Write(message) => {
                self.ledger.write(message);
                self.save(driver);
                self.flush(driver);
            }
            Input::Resend(id) => {
                if self.ledger.resend(id) {
                    driver.chat(delivery(id, Delivery::Pending));
                    self.save(driver);
                    self.flush(driver);
                }
            }
            Input::Discard(id) => {
                if self.ledger.discard(id) {
                    self.save(driver);
                    driver.chat(ChatEvent::Discard(id));
                }
            }
            Input::Restore { queued, uncertain } => {
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
            Input::Claimed(owner) => {
                let Claim::Pending(restored) = std::mem::replace(&mut self.claim, Claim::Settled)
                else {
                    return;
                };
                if owner == Owner::AnotherTab {
                    self.disown(restored, driver);
                }
                self.flush(driver);
            }
            Input::Reconfigure {
                codec,
                server,
                echo,
            } => {
                self.leave_open_socket("settings changed", driver);
                self.config.codec = codec;
                self.config.server = server;
                self.config.echo = echo;
                self.reach = Reach::Unknown;
                self.backoff.reset();
                self.open_socket(driver);
            }
            Input::Rename(name) => self.config.name = name,
            // The page may unload: what is in flight is saved (as every
            // change is), to come back uncertain, unless it is delivered by
            // now. Storage is written only if that changed the ledger.
            Input::PageHide => {
                let buffered = driver.buffered_amount() as usize;
                if self.ledger.forget_delivered(buffered, driver.now_ms()) {
                    self.save(driver);
                }
            }
            // The saved form drops what is delivered by now, so that a
            // reload (or a crash) later does not bring it back uncertain.
            // A rejoin that waits for the browser's buffer to drain is
            // looked at again too.
            Input::SettleDue => {
                let buffered = driver.buffered_amount() as usize;
                if self.ledger.forget_delivered(buffered, driver.now_ms()) {
                    self.save(driver);
                }
                self.arm_settle(driver);
                self.flush(driver);
            }
            Input::Opened | Input::Received(_) | Input::RetryDue | Input::WatchdogDue => {}
        }
    }

    fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Open { .. })
    }

    /// Opens a new socket, closing any current one.
    fn open_socket(&mut self, driver: &mut impl Driver) {
        driver.set_retry(None);
        self.leave_open_socket("reconnecting", driver);
        driver.close();
        // The session is opened for the name of what goes out first.
        let name = self.next_name().to_owned();
        let endpoint = match resolve_endpoint(&self.config.server, &name, &self.config.page) {
            Ok(endpoint) => endpoint,
            Err(error) => return self.unreachable(error.to_string(), driver),
        };
        let by_url = has_name(&self.config.server).then_some(name);
        self.identity = match by_url {
            // A codec that writes a join frame at all has one configured.
            _ if self.config.codec.join("").is_some() => Identity::JoinDue(by_url),
            Some(name) => Identity::As(name),
            None => Identity::Anonymous,
        };
        self.url = self.config.codec.url(&endpoint);
        self.config.codec.reset();
        if let Err(error) = driver.open(&self.url) {
            // The browser's error says why: from an https page, for one,
            // that a ws:// socket is insecure.
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

    /// Closes an open socket on purpose, with a system line; does nothing
    /// if no socket is open. A ready session is left with the protocol's
    /// goodbye first. The messages in flight settle as [`Ending::Left`]
    /// says.
    fn leave_open_socket(&mut self, why: &str, driver: &mut impl Driver) {
        driver.set_watchdog(None);
        if !self.is_open() {
            return;
        }
        if self.phase == (Phase::Open { ready: true }) {
            if let Some(goodbye) = self.config.codec.goodbye() {
                self.send_protocol_frame(&goodbye, driver);
            }
        }
        self.settle(Ending::Left, driver);
        driver.close();
        self.phase = Phase::Idle;
        driver.chat(ChatEvent::System(format!("disconnected ({why})")));
    }

    fn socket_opened(&mut self, driver: &mut impl Driver) {
        self.backoff.reset();
        self.reach = Reach::Reached;
        self.phase = Phase::Open { ready: false };
        self.last_heartbeat_ms = driver.now_ms();
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

    fn frame_arrived<D: Driver>(&mut self, frame: Frame, driver: &mut D) {
        let mut inbound = std::mem::take(&mut self.inbound);
        self.config.codec.decode::<D::Json>(frame, &mut inbound);
        self.handle(&mut inbound, driver);
        self.inbound = inbound;
    }

    /// If the server promised heartbeats and has said nothing for too long,
    /// the link is dead; otherwise the watchdog waits for the rest.
    fn check_silence(&mut self, driver: &mut impl Driver) {
        let Some(limit) = self.config.codec.silence_limit() else {
            return;
        };
        // Whole milliseconds: float formatting would cost the bundle ~10 KB.
        let silent =
            Duration::from_millis((driver.now_ms() - self.last_heartbeat_ms).max(0.0) as u64);
        if silent < limit {
            driver.set_watchdog(Some(limit - silent));
            return;
        }
        let line = format!(
            "disconnected (the server was silent for {})",
            seconds(silent)
        );
        let ending = Ending::Silenced {
            last_heard_ms: self.last_heartbeat_ms,
        };
        self.drop_dead_socket(ending, Some(line), driver);
    }

    /// The socket is dead: settle what was in flight, close it, say so
    /// (once per open socket) and schedule the next attempt.
    fn drop_dead_socket(&mut self, ending: Ending, line: Option<String>, driver: &mut impl Driver) {
        driver.set_watchdog(None);
        self.settle(ending, driver);
        driver.close();
        if let Some(line) = line {
            driver.chat(ChatEvent::System(line));
        }
        self.schedule_retry(driver);
    }

    /// Settles the messages in flight as the socket ends, shows what became
    /// of them, and saves the ledger if that changed it. Call it before
    /// the driver closes the socket, whose buffer goes with it.
    fn settle(&mut self, ending: Ending, driver: &mut impl Driver) {
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
    fn save(&mut self, driver: &mut impl Driver) {
        let saved = self.ledger.saved();
        match (driver.save_outbox(&saved), self.storing) {
            (Err(why), Storing::Works) => {
                self.storing = Storing::Fails;
                driver.chat(ChatEvent::System(format!(
                    "this browser cannot store unsent messages ({why}); they stay in this page, and a reload would lose them"
                )));
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
            driver.chat(ChatEvent::System(
                "this tab was copied from another open tab; its unsent messages stay with that tab"
                    .to_owned(),
            ));
        }
    }

    fn unreachable(&mut self, why: String, driver: &mut impl Driver) {
        self.phase = Phase::Stopped(Stop::Unreachable);
        driver.chat(ChatEvent::System(why.clone()));
        driver.status(Status {
            state: ConnState::Closed,
            text: why,
            can_stop: false,
        });
    }

    fn schedule_retry(&mut self, driver: &mut impl Driver) {
        let delay = self.backoff.next_delay(driver.random());
        self.phase = Phase::Waiting;
        driver.set_retry(Some(delay));
        driver.status(Status {
            state: ConnState::Closed,
            text: format!("disconnected; reconnecting in {}", seconds(delay)),
            can_stop: true,
        });
    }

    fn handle(&mut self, inbound: &mut Vec<Inbound>, driver: &mut impl Driver) {
        let mut ready = false;
        for event in inbound.drain(..) {
            match event {
                Inbound::Chat { sender, text } => self.chat_line(sender, text, driver),
                Inbound::Notice(text) => driver.chat(ChatEvent::System(text)),
                // A failed reply means the socket is going; its close event
                // follows and drives the retry.
                Inbound::Reply(frame) => {
                    self.send_protocol_frame(&frame, driver);
                }
                Inbound::Ready => ready = true,
                Inbound::Heartbeat(limit) => {
                    self.last_heartbeat_ms = driver.now_ms();
                    driver.set_watchdog(Some(limit));
                }
                Inbound::Ended(reason) => {
                    driver.set_watchdog(None);
                    // The server reads nothing more of this session: what the
                    // browser holds never arrives, and what was still on its
                    // way may have been dropped.
                    self.settle(died_now(driver), driver);
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
        if ready && self.phase != (Phase::Open { ready: true }) {
            self.phase = Phase::Open { ready: true };
            self.flush(driver);
        }
    }

    /// The name that what goes out next was written under, else the name
    /// the user has now.
    fn next_name(&self) -> &str {
        self.ledger
            .next()
            .map_or(self.config.name.as_str(), |next| next.name.as_str())
    }

    /// A chat line arrived: the echo of this tab's own message confirms
    /// it, and anything else joins the conversation.
    fn chat_line(&mut self, sender: Sender, text: String, driver: &mut impl Driver) {
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

    /// Why a socket closed before it opened, as far as a page can know.
    fn refused_line(&self) -> String {
        format!(
            "could not connect to {}: the server refused the connection; check the address, or whether the server accepts this page's origin, {}",
            self.url,
            self.config.page.origin()
        )
    }

    /// Sends a frame of the protocol's own, which counts in the browser's
    /// buffer like a chat frame. Returns whether the socket took it.
    fn send_protocol_frame(&mut self, frame: &Frame, driver: &mut impl Driver) -> bool {
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
    fn flush(&mut self, driver: &mut impl Driver) {
        if self.phase != (Phase::Open { ready: true }) || self.claim != Claim::Settled {
            return;
        }
        if let Identity::JoinDue(by_url) = &self.identity {
            let name = by_url
                .clone()
                .unwrap_or_else(|| self.next_name().to_owned());
            match self.config.codec.join(&name) {
                // A URL that named nobody: the session stays nobody's, and a
                // message with a name goes out on a new one.
                _ if name.is_empty() && by_url.is_some() => {}
                // Nothing to join as yet, and so nothing to send.
                _ if name.is_empty() => return,
                // A socket that refuses it is going.
                Some(join) if !self.send_protocol_frame(&join, driver) => return,
                _ => {}
            }
            self.identity = Identity::As(name);
        }
        let now = driver.now_ms();
        let mut changed = self
            .ledger
            .forget_delivered(driver.buffered_amount() as usize, now);
        let mut rejoin = false;
        while let Some(next) = self.ledger.next() {
            if let Identity::As(name) = &self.identity {
                if *name != next.name {
                    rejoin = true;
                    break;
                }
            }
            let frame = self.config.codec.encode(&next.name, &next.text);
            let bytes = frame_bytes(&frame);
            // The server would end the connection on it, each time it is
            // sent: it is refused here, and the user told why.
            if let Some(limit) = self.config.codec.max_frame_bytes() {
                if bytes > limit {
                    let Some(refused) = self.ledger.refuse_next() else {
                        break;
                    };
                    let why = too_large(&refused.text, bytes, limit);
                    driver.chat(ChatEvent::System(why));
                    driver.chat(ChatEvent::Discard(refused.id));
                    changed = true;
                    continue;
                }
            }
            if driver.send(&frame).is_err() {
                break;
            }
            let Some(id) = self.ledger.handed_next(bytes, now) else {
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
        // Once the browser has let go of what went out, so that leaving
        // cannot make it uncertain; until then the settle timer looks again.
        if driver.buffered_amount() > 0 {
            driver.set_settle(Some(SETTLE_AFTER));
            return;
        }
        self.leave_open_socket("to send under another name", driver);
        self.open_socket(driver);
    }
}

/// Shorthands for the browser shell, which calls these by name: each is
/// [`Link::apply`] with one [`Input`].
impl Link {
    pub fn connect(&mut self, driver: &mut impl Driver) {
        self.apply(Input::Connect, driver);
    }

    pub fn disconnect(&mut self, driver: &mut impl Driver) {
        self.apply(Input::Disconnect, driver);
    }

    pub fn opened(&mut self, driver: &mut impl Driver) {
        self.apply(Input::Opened, driver);
    }

    pub fn received(&mut self, frame: Frame, driver: &mut impl Driver) {
        self.apply(Input::Received(frame), driver);
    }

    pub fn closed(&mut self, close: CloseInfo, driver: &mut impl Driver) {
        self.apply(Input::Closed(close), driver);
    }

    pub fn retry_due(&mut self, driver: &mut impl Driver) {
        self.apply(Input::RetryDue, driver);
    }

    pub fn watchdog_due(&mut self, driver: &mut impl Driver) {
        self.apply(Input::WatchdogDue, driver);
    }

    pub fn nudge(&mut self, driver: &mut impl Driver) {
        self.apply(Input::Nudge, driver);
    }

    pub fn write(&mut self, message: Queued, driver: &mut impl Driver) {
        self.apply(Input::Write(message), driver);
    }

    pub fn resend(&mut self, id: EntryId, driver: &mut impl Driver) {
        self.apply(Input::Resend(id), driver);
    }

    pub fn discard(&mut self, id: EntryId, driver: &mut impl Driver) {
        self.apply(Input::Discard(id), driver);
    }

    pub fn restore(
        &mut self,
        queued: Vec<Queued>,
        uncertain: Vec<Queued>,
        driver: &mut impl Driver,
    ) {
        self.apply(Input::Restore { queued, uncertain }, driver);
    }

    pub fn claimed(&mut self, owner: Owner, driver: &mut impl Driver) {
        self.apply(Input::Claimed(owner), driver);
    }

    pub fn reconfigure(
        &mut self,
        codec: Codec,
        server: String,
        echo: Echo,
        driver: &mut impl Driver,
    ) {
        self.apply(
            Input::Reconfigure {
                codec,
                server,
                echo,
            },
            driver,
        );
    }

    /// Takes a name without a driver: renaming acts on nothing outside.
    pub fn set_name(&mut self, name: &str) {
        name.clone_into(&mut self.config.name);
    }

    pub fn page_hide(&mut self, driver: &mut impl Driver) {
        self.apply(Input::PageHide, driver);
    }
}

/// The socket died, or its server ended the session, just now.
fn died_now(driver: &impl Driver) -> Ending {
    Ending::Died {
        at_ms: driver.now_ms(),
    }
}

fn delivery(id: EntryId, delivery: Delivery) -> ChatEvent {
    ChatEvent::Delivery { id, delivery }
}

fn frame_bytes(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.len(),
        Frame::Binary(bytes) => bytes.len(),
    }
}

/// Why a message was not sent: it names the message by its start, since
/// its entry goes.
fn too_large(text: &str, bytes: usize, limit: usize) -> String {
    const SHOWN: usize = 40;
    let start = match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    };
    format!(
        "not sent: \"{start}\" is {} as a frame, and the server takes at most {limit}",
        byte_count(bytes)
    )
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
