//! Sessions and timers: opening a socket, the session's life, how it ends,
//! and when the next one opens.

use std::time::Duration;

use super::{delivery::delivery, words, Driver, Link};
use crate::{
    chat::{ChatEvent, Delivery},
    config::{endpoints, resolve_endpoint, url_encode, Echo},
    ledger::Ending,
    protocol::{Codec, Frame, Inbound},
    template::{fill_fields, replace_all, NAME_FIELD, TOKEN_FIELD},
};

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

/// Why the link will not reconnect by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The user disconnected.
    ByUser,
    /// The server ended the session on purpose.
    ByServer,
    /// The endpoint cannot be opened at all; retrying would not help.
    Unreachable,
    /// The server refused the token; retrying with it would not help.
    Refused,
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

/// Whether the server was reached since the user last chose it (by
/// connecting, or by changing the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// Not yet: a socket that fails to open is explained.
    Unknown,
    /// A socket failed to open, and the user was told why it may have.
    Explained,
    /// A socket opened: later failures are the server going away.
    Reached,
}

impl Link {
    /// The first start, and the Reconnect control: a new socket now, and a
    /// failure to open it is explained again.
    pub(super) fn connect_anew(&mut self, driver: &mut impl Driver) {
        self.reach = Reach::Unknown;
        self.open_socket(driver);
    }

    /// The user asked to disconnect: close, and stay closed until asked.
    pub(super) fn stop_by_user(&mut self, driver: &mut impl Driver) {
        driver.set_retry(None);
        self.leave_open_socket("by you", driver);
        driver.close();
        self.phase = Phase::Stopped(Stop::ByUser);
        driver.status(Status {
            state: ConnState::Closed,
            text: words::STOPPED_BY_USER.to_owned(),
            can_stop: false,
        });
    }

    /// Another server or protocol: leave this one and connect to it.
    pub(super) fn switch_server(
        &mut self,
        codec: Codec,
        server: String,
        echo: Echo,
        driver: &mut impl Driver,
    ) {
        self.leave_open_socket("settings changed", driver);
        self.config.codec = codec;
        self.config.server = server;
        self.config.echo = echo;
        self.reach = Reach::Unknown;
        self.endpoint = 0;
        self.backoff.reset();
        self.open_socket(driver);
    }

    pub(super) fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Open { .. })
    }

    /// Opens a new socket, closing any current one.
    pub(super) fn open_socket(&mut self, driver: &mut impl Driver) {
        driver.set_retry(None);
        self.leave_open_socket("reconnecting", driver);
        driver.close();
        // The session is opened for the name of what goes out first.
        let name = self.next_name().to_owned();
        // After a failure the next endpoint is tried, in turn.
        let count = endpoints(&self.config.server).count().max(1);
        let endpoint = endpoints(&self.config.server)
            .nth(self.endpoint % count)
            .unwrap_or_default();
        // What the user reads keeps `{token}` where the secret goes; only
        // the URL the driver opens has it.
        let shown = match resolve_endpoint(endpoint, &name, &self.config.page) {
            Ok(shown) => shown,
            Err(error) => return self.unreachable(error.to_string(), driver),
        };
        self.identity = self.identity_for(name);
        self.url = self.config.codec.url(&shown);
        self.config.codec.reset(&mut || driver.random());
        let token = self.config.codec.token().map(url_encode);
        let url = fill_fields(&self.url, NAME_FIELD, None, token.as_deref());
        if let Err(error) = driver.open(&url, self.config.codec.protocols()) {
            // The browser's error says why: from an https page, for one,
            // that a ws:// socket is insecure.
            // The browser quotes what it refused: the URL, with the token
            // URL-encoded, or a subprotocol, with it as it is.
            let error = replace_all(&error, token.as_deref().unwrap_or_default(), TOKEN_FIELD);
            let why = words::cannot_open(&self.url, &self.redact(error));
            return self.unreachable(why, driver);
        }
        self.phase = Phase::Connecting;
        driver.status(Status {
            state: ConnState::Connecting,
            text: words::connecting(&self.url, self.backoff.failures()),
            can_stop: true,
        });
    }

    /// Closes an open socket on purpose, with a system line; does nothing
    /// if no socket is open. A ready session is left with the protocol's
    /// goodbye first. The messages in flight settle as [`Ending::Left`]
    /// says.
    pub(super) fn leave_open_socket(&mut self, why: &str, driver: &mut impl Driver) {
        self.disarm_watchdog(driver);
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
        driver.chat(ChatEvent::System(words::disconnected(why)));
    }

    pub(super) fn socket_opened(&mut self, driver: &mut impl Driver) {
        self.backoff.reset();
        self.reach = Reach::Reached;
        let token = self.config.codec.token().map(str::to_owned);
        self.reached_with = Some((self.url.clone(), token));
        self.phase = Phase::Open { ready: false };
        self.last_heartbeat_ms = driver.now_ms();
        self.last_ping_ms = self.last_heartbeat_ms;
        driver.chat(ChatEvent::System("connected".to_owned()));
        driver.status(Status {
            state: ConnState::Open,
            text: words::connected(&self.url, &self.redact(driver.protocol())),
            can_stop: true,
        });
        let mut inbound = std::mem::take(&mut self.inbound);
        self.config.codec.opened(&mut inbound);
        self.handle(&mut inbound, driver);
        self.inbound = inbound;
    }

    pub(super) fn frame_arrived<D: Driver>(&mut self, frame: Frame, driver: &mut D) {
        let mut inbound = std::mem::take(&mut self.inbound);
        self.config.codec.decode::<D::Json>(frame, &mut inbound);
        self.handle(&mut inbound, driver);
        self.inbound = inbound;
    }

    /// The socket closed. An open one died; one that never opened is
    /// explained once, for a server not reached yet: browsers do not say
    /// why a socket failed to open, so the words name the likely causes.
    pub(super) fn socket_closed(&mut self, close: CloseInfo, driver: &mut impl Driver) {
        match self.phase {
            Phase::Open { .. } => {
                // A server's close reason may quote the token.
                let line = words::disconnected(&self.redact(close.describe()));
                self.drop_dead_socket(died_now(driver), Some(line), driver);
            }
            // A server reached with another token refuses this one: no
            // retry until the token or the settings change.
            Phase::Connecting if self.token_refused() => {
                self.settle(died_now(driver), driver);
                driver.close();
                self.stop(Stop::Refused, words::TOKEN_REFUSED.to_owned(), driver);
            }
            Phase::Connecting => {
                let line = (self.reach == Reach::Unknown).then(|| self.refused_line());
                if line.is_some() {
                    self.reach = Reach::Explained;
                }
                self.drop_dead_socket(died_now(driver), line, driver);
            }
            _ => {}
        }
    }

    /// Whether a socket that closed before it opened was refused for its
    /// token: this endpoint was reached before, with another token. Another
    /// endpoint that fails to open may just be down.
    fn token_refused(&self) -> bool {
        matches!(&self.reached_with, Some((url, token))
            if *url == self.url && token.as_deref() != self.config.codec.token())
    }

    /// Timers sleep with the tab: a waking tab, or one whose browser came
    /// back online, retries at once, and checks the silence deadline.
    pub(super) fn woken(&mut self, driver: &mut impl Driver) {
        match self.phase {
            Phase::Waiting => self.open_socket(driver),
            Phase::Open { .. } => self.check_silence(driver),
            _ => {}
        }
    }

    /// The watchdog fired. A ping the protocol asks for goes out when it is
    /// due; if the server promised heartbeats and has said nothing for too
    /// long, the link is dead; otherwise the watchdog waits for the rest.
    pub(super) fn check_silence(&mut self, driver: &mut impl Driver) {
        self.watchdog_ms = None;
        let now = driver.now_ms();
        if let Some(every) = self.config.codec.ping_every() {
            if now - self.last_ping_ms >= millis(every) {
                self.last_ping_ms = now;
                if let Some(ping) = self.config.codec.ping() {
                    self.send_protocol_frame(&ping, driver);
                }
            }
        }
        if let Some(limit) = self.config.codec.silence_limit() {
            // Whole milliseconds: float formatting would cost the bundle ~10 KB.
            let silent = Duration::from_millis((now - self.last_heartbeat_ms).max(0.0) as u64);
            if silent >= limit {
                let line = words::silent(silent);
                let ending = Ending::Silenced {
                    last_heard_ms: self.last_heartbeat_ms,
                };
                return self.drop_dead_socket(ending, Some(line), driver);
            }
        }
        self.arm_watchdog(driver);
    }

    /// Arms the watchdog for the earlier of the silence deadline and the
    /// next ping, unless it is armed to fire no later already: a heartbeat
    /// in every frame of a flood arms no timer, and the watchdog, once it
    /// fires, waits for the rest.
    fn arm_watchdog(&mut self, driver: &mut impl Driver) {
        let after = |since: f64, wait: Option<Duration>| wait.map(|w| since + millis(w));
        let deadline = after(self.last_heartbeat_ms, self.config.codec.silence_limit());
        let ping = after(self.last_ping_ms, self.config.codec.ping_every());
        let Some(due) = deadline.into_iter().chain(ping).reduce(f64::min) else {
            return;
        };
        if self.watchdog_ms.is_some_and(|armed| armed <= due) {
            return;
        }
        self.watchdog_ms = Some(due);
        let wait = (due - driver.now_ms()).max(0.0) as u64;
        driver.set_watchdog(Some(Duration::from_millis(wait)));
    }

    fn disarm_watchdog(&mut self, driver: &mut impl Driver) {
        self.watchdog_ms = None;
        driver.set_watchdog(None);
    }

    /// The socket is dead: settle what was in flight, close it, say so
    /// (once per open socket) and schedule the next attempt.
    fn drop_dead_socket(&mut self, ending: Ending, line: Option<String>, driver: &mut impl Driver) {
        self.disarm_watchdog(driver);
        self.settle(ending, driver);
        driver.close();
        self.endpoint = self.endpoint.wrapping_add(1);
        if let Some(line) = line {
            driver.chat(ChatEvent::System(line));
        }
        self.schedule_retry(driver);
    }

    fn unreachable(&mut self, why: String, driver: &mut impl Driver) {
        self.stop(Stop::Unreachable, why, driver);
    }

    /// Stays closed until asked, and says why in a line and the status.
    fn stop(&mut self, stop: Stop, why: String, driver: &mut impl Driver) {
        self.phase = Phase::Stopped(stop);
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
            text: words::reconnecting_in(delay),
            can_stop: true,
        });
    }

    /// Carries out what the codec made of an event, in order; a session
    /// that became ready flushes the outbox.
    pub(super) fn handle(&mut self, inbound: &mut Vec<Inbound>, driver: &mut impl Driver) {
        let mut ready = false;
        for event in inbound.drain(..) {
            match event {
                Inbound::Chat { sender, text } => self.chat_line(sender, text, driver),
                Inbound::Typing { sender, typing } => driver.typing(sender, typing),
                Inbound::Notice(text) => driver.chat(ChatEvent::System(self.redact(text))),
                // A failed reply means the socket is going; its close event
                // follows and drives the retry.
                Inbound::Reply(frame) => {
                    self.send_protocol_frame(&frame, driver);
                }
                Inbound::Ready => ready = true,
                // The protocol's silence limit says how long the next may
                // take.
                Inbound::Heartbeat => {
                    self.last_heartbeat_ms = driver.now_ms();
                    self.arm_watchdog(driver);
                }
                Inbound::Acked(ack) => {
                    if let Some(id) = self.ledger.acked(ack) {
                        driver.chat(delivery(id, Delivery::Delivered));
                        self.save(driver);
                    }
                }
                Inbound::Lost(why) => {
                    let line = words::disconnected(&self.redact(why));
                    return self.drop_dead_socket(died_now(driver), Some(line), driver);
                }
                Inbound::Ended(reason) => {
                    let reason = self.redact(reason);
                    self.disarm_watchdog(driver);
                    // The server reads nothing more of this session: what the
                    // browser holds never arrives, and what was still on its
                    // way may have been dropped.
                    self.settle(died_now(driver), driver);
                    driver.close();
                    self.phase = Phase::Stopped(Stop::ByServer);
                    driver.chat(ChatEvent::System(words::disconnected(&reason)));
                    driver.status(Status {
                        state: ConnState::Closed,
                        text: words::ended(&reason),
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
}

/// A duration in milliseconds, as the driver's clock counts them (not
/// through `as_millis`, whose u128 would bring a conversion into the
/// bundle).
fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The socket died, or its server ended the session, just now.
pub(super) fn died_now(driver: &impl Driver) -> Ending {
    Ending::Died {
        at_ms: driver.now_ms(),
    }
}

/// A frame's size on the wire, as the browser's buffer counts it.
pub(super) fn frame_bytes(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.len(),
        Frame::Binary(bytes) => bytes.len(),
    }
}
