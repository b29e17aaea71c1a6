//! The link against a model network, which holds it to its promise.
//!
//! Each run writes messages in one or more tabs of one page, and lets a
//! seeded random schedule of network and user events happen to them. The
//! model is honest about bytes: a frame leaves the browser only as the
//! model drains its socket's buffer, whole frames reach the server in
//! order, a socket that dies loses what it still held, and a socket the
//! link closes itself still sends what it held, unless it dies too. A
//! reload serialises the ledger's saved form and restores it as the app
//! does (`app.rs`), and a copied tab starts with the same saved form and,
//! seeing the original alive, leaves it to it (`tabs.rs`).
//!
//! The model network is quick in one way: the server's end of a session
//! (a reset, its 41) reaches the link before any more bytes leave the
//! browser. The uncertain window is there for that round trip, which the
//! model takes as zero; without acknowledgements, no client can cover a
//! link that dies silently for longer.
//!
//! In some json and Socket.IO runs the server sends each message back to
//! its sender, as many servers do, and the link folds the echo into a
//! delivered mark: a message may show as delivered only if the server read
//! it.
//!
//! After each run the network heals, and the model checks the promise:
//! every message the user wrote was delivered once, or is shown as pending
//! or uncertain; none was delivered twice unless the user pressed resend.
//! Since the healed network lets every queued message out, nothing may be
//! left pending either. Along the way it checks what the protocols promise:
//! no frame over the server's maxPayload, a 41 before the link leaves a
//! Socket.IO session on purpose, and no Socket.IO session kept open for
//! longer than its heartbeat limit without a ping.

use std::{
    collections::{HashMap, VecDeque},
    time::Duration,
};

use wschat_core::{
    backoff::Backoff,
    chat::{Chat, ChatEvent, Delivery, EntryId},
    config::{Echo, PageOrigin},
    link::{CloseInfo, Driver, Input, Link, LinkConfig, Owner, Phase, Status},
    outbox::{read_saved, write_saved, Queued, Saved},
    protocol::{Codec, Frame, Protocol},
};

use super::Rng;

/// Runs, random steps in each, and the quiet steps after each in which
/// the network heals.
pub const RUNS: usize = 300;
pub const STEPS: usize = 2_000;
const QUIET_STEPS: usize = 600;
/// Most tabs open at once: the first and its copies.
const MOST_TABS: usize = 3;
/// How late past its heartbeat limit a link may notice a silent server:
/// the model's longest step, and a margin.
const HEARTBEAT_SLACK_MS: f64 = 500.0;
const SERVER: &str = "ws://h:1/?u={name}";

/// What the model counted, for the test to print.
#[derive(Debug, Default)]
pub struct Counts {
    pub steps: usize,
    pub inputs: usize,
    pub written: usize,
    pub deliveries: usize,
    pub uncertain: usize,
    /// Messages shown as delivered, by their echo.
    pub confirmed: usize,
    pub resent: usize,
    pub refused: usize,
    pub reloads: usize,
    pub copies: usize,
    pub crashes: usize,
}

/// Runs the model check with `seed`; returns what it counted, or the
/// broken promises of the first run that broke one.
pub fn check(seed: u64) -> Result<Counts, String> {
    let mut rng = Rng(seed);
    let mut counts = Counts::default();
    for run in 0..RUNS {
        let mut world = World::new(Rng(rng.next() | 1));
        for _ in 0..STEPS {
            world.step();
        }
        world.heal();
        for _ in 0..QUIET_STEPS {
            world.quiet_step();
        }
        world.check_the_promise();
        if !world.violations.is_empty() {
            let shown: Vec<&str> = world
                .violations
                .iter()
                .take(5)
                .map(String::as_str)
                .collect();
            return Err(format!(
                "run {run} ({}, seed {seed}): {}",
                world.protocol,
                shown.join("; ")
            ));
        }
        world.add_counts(&mut counts);
    }
    Ok(counts)
}

/// One message the user wrote, in any tab.
struct Written {
    text: String,
    /// The tab (with its reloads) that holds it.
    lineage: usize,
    /// Presses of resend while it showed as uncertain.
    resends: usize,
    /// Times the server read it.
    deliveries: usize,
    discarded: bool,
    refused: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SocketState {
    Connecting,
    Open,
    /// Reset, refused or gone with its page: it sends nothing more.
    Dead,
}

/// One socket, both ends.
struct Socket {
    state: SocketState,
    /// Frames handed over, oldest first, with how many of each one's bytes
    /// the browser still holds.
    held: VecDeque<(String, usize)>,
    /// Frames from the server that the link has not read yet.
    inbox: VecDeque<String>,
    /// Socket.IO: the namespace is joined.
    joined: bool,
    /// Socket.IO: the session ended (either side's 41): the server reads
    /// no more events on it.
    ended: bool,
    /// Socket.IO: the server's heartbeat works, and its next ping is due.
    pinging: bool,
    next_ping_ms: f64,
    /// The heartbeat limit the link holds this socket to, and when the link
    /// was last given a heartbeat on it.
    limit_ms: f64,
    last_heartbeat_ms: f64,
    last_sent: Option<String>,
}

impl Socket {
    fn connecting() -> Socket {
        Socket {
            state: SocketState::Connecting,
            held: VecDeque::new(),
            inbox: VecDeque::new(),
            joined: false,
            ended: false,
            pinging: true,
            next_ping_ms: 0.0,
            limit_ms: 45_000.0,
            last_heartbeat_ms: 0.0,
            last_sent: None,
        }
    }

    fn held_bytes(&self) -> usize {
        self.held.iter().map(|(_, bytes)| bytes).sum()
    }
}

/// One tab's browser: its sockets, timers and sessionStorage. It is the
/// link's driver.
#[derive(Default)]
struct Io {
    now: f64,
    socket: Option<Socket>,
    /// Sockets the link closed: they still send what they hold.
    closing: Vec<Socket>,
    retry_ms: Option<f64>,
    watchdog_ms: Option<f64>,
    settle_ms: Option<f64>,
    events: Vec<ChatEvent>,
    /// The saved ledger, as sessionStorage would hold it (written out as
    /// JSON when a page reads it).
    storage: Vec<Saved>,
    /// Set while the link leaves a ready Socket.IO session on purpose: the
    /// socket's close must follow a 41.
    expect_goodbye: bool,
    violations: Vec<String>,
}

impl Driver for Io {
    type Json = serde_json::Value;

    fn open(&mut self, _url: &str, _protocols: &[String]) -> Result<(), String> {
        self.close();
        self.socket = Some(Socket::connecting());
        Ok(())
    }

    fn close(&mut self) {
        let Some(socket) = self.socket.take() else {
            return;
        };
        if std::mem::take(&mut self.expect_goodbye) && socket.last_sent.as_deref() != Some("41") {
            self.violations.push(format!(
                "the link left a ready Socket.IO session without a 41 (its last frame was {:?})",
                socket.last_sent
            ));
        }
        self.closing.push(socket);
    }

    fn send(&mut self, frame: &Frame) -> Result<(), String> {
        let Some(socket) = self
            .socket
            .as_mut()
            .filter(|socket| socket.state == SocketState::Open)
        else {
            return Err("the socket is not open".to_owned());
        };
        let Frame::Text(text) = frame else {
            self.violations.push("a binary frame was sent".to_owned());
            return Err("binary".to_owned());
        };
        socket.held.push_back((text.clone(), text.len()));
        socket.last_sent = Some(text.clone());
        Ok(())
    }

    fn buffered_amount(&self) -> u32 {
        self.socket
            .as_ref()
            .map_or(0, |socket| socket.held_bytes() as u32)
    }

    fn set_retry(&mut self, delay: Option<Duration>) {
        self.retry_ms = delay.map(|delay| self.now + delay.as_secs_f64() * 1000.0);
    }

    fn set_watchdog(&mut self, delay: Option<Duration>) {
        self.watchdog_ms = delay.map(|delay| self.now + delay.as_secs_f64() * 1000.0);
    }

    fn set_settle(&mut self, delay: Option<Duration>) {
        self.settle_ms = delay.map(|delay| self.now + delay.as_secs_f64() * 1000.0);
    }

    fn random(&mut self) -> f64 {
        0.5
    }

    fn now_ms(&self) -> f64 {
        self.now
    }

    fn chat(&mut self, event: ChatEvent) {
        self.events.push(event);
    }

    fn status(&mut self, _: Status) {}

    fn save_outbox(&mut self, saved: &[Saved]) -> Result<(), String> {
        saved.clone_into(&mut self.storage);
        Ok(())
    }
}

/// One tab: its page's link, browser and conversation.
struct Tab {
    link: Link,
    io: Io,
    chat: Chat,
    /// Which message each of this page's entries shows, and back.
    numbers: HashMap<EntryId, usize>,
    entries: HashMap<usize, EntryId>,
    lineage: usize,
    /// The tab claim's answer, until it arrives: the restored messages
    /// are held until then.
    claim: Option<Owner>,
}

impl Tab {
    /// The message entry `id` shows, if it shows as `delivery`.
    fn shown_number(&self, id: EntryId, delivery: Delivery) -> Option<usize> {
        let number = *self.numbers.get(&id)?;
        (self.chat.get(id)?.delivery == Some(delivery)).then_some(number)
    }

    fn shown(&self, number: usize) -> Option<Delivery> {
        let id = self.entries.get(&number)?;
        self.chat.get(*id)?.delivery
    }

    /// The entries the user could press resend or discard on.
    fn entries_shown_as(&self, wanted: &[Delivery]) -> Vec<EntryId> {
        let mut ids: Vec<EntryId> = self
            .numbers
            .keys()
            .copied()
            .filter(|id| {
                self.chat
                    .get(*id)
                    .and_then(|entry| entry.delivery)
                    .is_some_and(|delivery| wanted.contains(&delivery))
            })
            .collect();
        ids.sort_unstable();
        ids
    }
}

struct World {
    rng: Rng,
    protocol: Protocol,
    now: f64,
    tabs: Vec<Tab>,
    written: Vec<Written>,
    by_text: HashMap<String, usize>,
    /// Socket.IO: the numbers of the server's open packet.
    ping_interval_ms: f64,
    ping_timeout_ms: f64,
    max_payload: Option<usize>,
    /// The server sends each message back to its sender.
    echoes: bool,
    /// The network of each tab's sockets holds every byte until then.
    stalled_until: Vec<f64>,
    violations: Vec<String>,
    counts: Counts,
}

impl World {
    fn new(mut rng: Rng) -> World {
        let protocol = match rng.below(5) {
            0 => Protocol::Json,
            1 => Protocol::Text,
            2 => Protocol::Stomp,
            _ => Protocol::SocketIo,
        };
        let ping_interval_ms = 1_000.0 + rng.below(3_000) as f64;
        let ping_timeout_ms = 500.0 + rng.below(2_000) as f64;
        let max_payload = match rng.below(3) {
            0 => None,
            _ => Some(60 + rng.below(300)),
        };
        let echoes = protocol != Protocol::Text && rng.below(2) == 0;
        let mut world = World {
            rng,
            protocol,
            now: 0.0,
            tabs: Vec::new(),
            written: Vec::new(),
            by_text: HashMap::new(),
            ping_interval_ms,
            ping_timeout_ms,
            max_payload,
            echoes,
            stalled_until: Vec::new(),
            violations: Vec::new(),
            counts: Counts::default(),
        };
        world.open_tab(None, false);
        world
    }

    fn link(&self) -> Link {
        Link::new(
            LinkConfig {
                codec: Codec::new(&self.protocol.into()),
                server: SERVER.to_owned(),
                name: "ann".to_owned(),
                page: PageOrigin {
                    secure: false,
                    host: "h".to_owned(),
                },
                echo: Echo::Fold,
            },
            Backoff::default(),
        )
    }

    /// Starts a page, as `app.rs` does: restore what sessionStorage holds
    /// and connect. The tab claim answers later, at a random step: the
    /// restored messages are another live tab's when `copied`.
    /// `at` is the lineage a reload replaces.
    fn open_tab(&mut self, at: Option<usize>, copied: bool) -> usize {
        let lineage = at.unwrap_or(self.tabs.len());
        let owner = if copied {
            Owner::AnotherTab
        } else {
            Owner::ThisTab
        };
        let storage = match (at, copied) {
            (Some(lineage), false) => std::mem::take(&mut self.tabs[lineage].io.storage),
            (Some(lineage), true) => self.tabs[lineage].io.storage.clone(),
            (None, _) => Vec::new(),
        };
        let mut tab = Tab {
            link: self.link(),
            io: Io {
                now: self.now,
                storage,
                ..Io::default()
            },
            chat: Chat::default(),
            numbers: HashMap::new(),
            entries: HashMap::new(),
            lineage: if copied { self.tabs.len() } else { lineage },
            claim: Some(owner),
        };
        let (queued, uncertain) = self.restore(&mut tab);
        let index = tab.lineage;
        if index == self.tabs.len() {
            self.tabs.push(tab);
            self.stalled_until.push(0.0);
        } else {
            self.tabs[index] = tab;
        }
        self.apply(index, Input::Connect);
        self.apply(index, Input::Restore { queued, uncertain });
        index
    }

    /// The tab claim of tab `index` answers, if it has not yet.
    fn claim_answers(&mut self, index: usize) {
        if let Some(owner) = self.tabs[index].claim.take() {
            self.apply(index, Input::Claimed(owner));
        }
    }

    /// Shows the saved messages again, as `app.rs` does: queued ones as
    /// pending, uncertain ones as uncertain.
    fn restore(&mut self, tab: &mut Tab) -> (Vec<Queued>, Vec<Queued>) {
        let mut queued = Vec::new();
        let mut uncertain = Vec::new();
        if tab.io.storage.is_empty() {
            return (queued, uncertain);
        }
        let items = match read_saved::<serde_json::Value>(&write_saved(&tab.io.storage)) {
            Ok(items) => items,
            Err(error) => {
                self.violations
                    .push(format!("the saved ledger did not read back: {error}"));
                return (queued, uncertain);
            }
        };
        for item in items {
            let Some(&number) = self.by_text.get(&item.text) else {
                self.violations
                    .push(format!("a saved message nobody wrote: {}", item.text));
                continue;
            };
            let id = tab.chat.write(&item.text);
            tab.numbers.insert(id, number);
            tab.entries.insert(number, id);
            let message = Queued {
                id,
                name: item.name,
                text: item.text,
            };
            if item.uncertain {
                tab.chat.apply(ChatEvent::Delivery {
                    id,
                    delivery: Delivery::Uncertain,
                });
                uncertain.push(message);
            } else {
                queued.push(message);
            }
        }
        (queued, uncertain)
    }

    /// Gives tab `index`'s link one input, and shows what it said.
    fn apply(&mut self, index: usize, input: Input) {
        self.counts.inputs += 1;
        let protocol = self.protocol;
        let tab = &mut self.tabs[index];
        tab.io.now = self.now;
        match &input {
            Input::Resend(id) if tab.shown_number(*id, Delivery::Uncertain).is_some() => {
                if let Some(number) = tab.numbers.get(id) {
                    self.written[*number].resends += 1;
                    self.counts.resent += 1;
                }
            }
            Input::Connect | Input::Disconnect | Input::Reconfigure { .. } => {
                tab.io.expect_goodbye = protocol == Protocol::SocketIo
                    && tab.link.phase() == &Phase::Open { ready: true };
            }
            _ => {}
        }
        let by_user = match &input {
            Input::Discard(id) => Some(*id),
            _ => None,
        };
        let disowning = matches!(input, Input::Claimed(Owner::AnotherTab));
        tab.link.apply(input, &mut tab.io);
        tab.io.expect_goodbye = false;
        let events = std::mem::take(&mut tab.io.events);
        let mut last_line: Option<&str> = None;
        for event in &events {
            match event {
                ChatEvent::Discard(id) => {
                    let Some(&number) = tab.numbers.get(id) else {
                        continue;
                    };
                    if by_user == Some(*id) {
                        self.written[number].discarded = true;
                        continue;
                    }
                    // A copied tab leaves its original's messages to it.
                    if disowning && self.written[number].lineage != tab.lineage {
                        continue;
                    }
                    self.written[number].refused = true;
                    self.counts.refused += 1;
                    let text = &self.written[number].text;
                    let bytes = match Codec::new(&protocol.into()).encode("ann", text) {
                        Frame::Text(frame) => frame.len(),
                        Frame::Binary(frame) => frame.len(),
                    };
                    if self.max_payload.is_none_or(|limit| bytes <= limit) {
                        self.violations.push(format!(
                            "{}: refused, though its {bytes}-byte frame fits the server's limit {:?}",
                            label(text),
                            self.max_payload
                        ));
                    }
                    if !last_line.is_some_and(|line| line.starts_with("not sent:")) {
                        self.violations.push(format!(
                            "{}: refused without a line saying why (last line {last_line:?})",
                            label(text)
                        ));
                    }
                }
                ChatEvent::System(line) => last_line = Some(line),
                _ => {}
            }
        }
        tab.chat.apply_all(events);
        self.violations.append(&mut tab.io.violations);
        let mut ids: Vec<u64> = tab.link.ledger().outbox().iter().map(|m| m.id.0).collect();
        let queued = ids.len();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != queued {
            self.violations.push("a message is queued twice".to_owned());
        }
    }

    /// One random step: time passes, due timers fire, then one thing
    /// happens to the network, a server or a user.
    fn step(&mut self) {
        self.counts.steps += 1;
        self.tick();
        let index = self.rng.below(self.tabs.len());
        match self.rng.below(100) {
            0..=24 => {
                let budget = self.rng.below(200);
                self.drain(index, budget);
            }
            25..=44 => self.read_inbox(index),
            45..=50 => self.answer_connect(index),
            51..=54 => self.server_says_something(index),
            55..=66 => self.write(index),
            67..=69 => self.press_resend(index),
            70..=71 => self.press_discard(index),
            72 => self.apply(index, Input::Connect),
            73 => self.apply(index, Input::Disconnect),
            74..=75 => self.apply(index, Input::Nudge),
            76..=77 => self.crash(index),
            78 => {
                let until = self.now + self.rng.unit() * 5_000.0;
                self.stalled_until[index] = until;
            }
            79 => self.server_ends_session(index),
            80 => self.server_heartbeat_stops(index),
            81 => self.reload(index),
            82 => {
                if self.tabs.len() < MOST_TABS {
                    self.counts.copies += 1;
                    self.open_tab(Some(index), true);
                }
            }
            83 => self.apply(index, Input::PageHide),
            84 => {
                let codec = Codec::new(&self.protocol.into());
                let server = SERVER.to_owned();
                let echo = Echo::Fold;
                self.apply(
                    index,
                    Input::Reconfigure {
                        codec,
                        server,
                        echo,
                    },
                );
            }
            85 => {
                let name = if self.rng.below(2) == 0 {
                    "ann"
                } else {
                    "Zoë B"
                };
                self.apply(index, Input::Rename(name.to_owned()));
            }
            // Timers that fire late, twice, or after they were replaced.
            86 => self.apply(index, Input::RetryDue),
            87 => self.apply(index, Input::WatchdogDue),
            88..=90 => self.claim_answers(index),
            _ => {
                let budget = self.rng.below(60);
                self.drain(index, budget);
                self.read_inbox(index);
            }
        }
        self.check_heartbeats();
    }

    /// After the random steps: no more faults, and every stopped link is
    /// asked to connect again, as a user would.
    fn heal(&mut self) {
        for index in 0..self.tabs.len() {
            self.claim_answers(index);
            self.stalled_until[index] = 0.0;
            if matches!(
                self.tabs[index].link.phase(),
                Phase::Stopped(_) | Phase::Idle
            ) {
                self.apply(index, Input::Connect);
            }
        }
    }

    /// A step of the healed network: everything moves, nothing breaks.
    fn quiet_step(&mut self) {
        self.tick();
        for index in 0..self.tabs.len() {
            self.answer_connect_with(index, true);
            self.drain(index, usize::MAX);
            while self.tabs[index]
                .io
                .socket
                .as_ref()
                .is_some_and(|socket| !socket.inbox.is_empty())
            {
                self.read_inbox(index);
            }
        }
        self.check_heartbeats();
    }

    /// Time passes; the servers ping; due timers fire.
    fn tick(&mut self) {
        self.now += self.rng.unit() * 300.0;
        let now = self.now;
        let interval = self.ping_interval_ms;
        for tab in &mut self.tabs {
            if let Some(socket) = &mut tab.io.socket {
                let alive = socket.state == SocketState::Open && socket.pinging && !socket.ended;
                if self.protocol == Protocol::SocketIo && alive && now >= socket.next_ping_ms {
                    socket.inbox.push_back("2".to_owned());
                    socket.next_ping_ms = now + interval;
                }
            }
        }
        for index in 0..self.tabs.len() {
            let io = &mut self.tabs[index].io;
            if io.retry_ms.is_some_and(|due| due <= now) {
                io.retry_ms = None;
                self.apply(index, Input::RetryDue);
            }
            let io = &mut self.tabs[index].io;
            if io.watchdog_ms.is_some_and(|due| due <= now) {
                io.watchdog_ms = None;
                self.apply(index, Input::WatchdogDue);
            }
            let io = &mut self.tabs[index].io;
            if io.settle_ms.is_some_and(|due| due <= now) {
                io.settle_ms = None;
                self.apply(index, Input::SettleDue);
            }
        }
    }

    /// Lets up to `budget` bytes of tab `index`'s sockets leave the
    /// browser, oldest first, unless its network is stalled.
    fn drain(&mut self, index: usize, budget: usize) {
        if self.now < self.stalled_until[index] {
            return;
        }
        let mut budget = budget;
        let mut killed_current = false;
        let mut delivered = Vec::new();
        let tab = &mut self.tabs[index];
        let has_current = tab.io.socket.is_some();
        let sockets = tab.io.socket.iter_mut().chain(tab.io.closing.iter_mut());
        for (position, socket) in sockets.enumerate() {
            if socket.state != SocketState::Open {
                continue;
            }
            while let Some((frame, held)) = socket.held.front_mut() {
                if *held > budget {
                    *held -= budget;
                    budget = 0;
                    break;
                }
                budget -= *held;
                let frame = frame.clone();
                socket.held.pop_front();
                match read_on_server(
                    self.protocol,
                    self.max_payload,
                    socket,
                    &frame,
                    &mut self.violations,
                ) {
                    Read::Message(text) => {
                        if self.echoes {
                            socket
                                .inbox
                                .push_back(echo_of(self.protocol, &frame, &text));
                        }
                        delivered.push(text);
                    }
                    Read::Nothing => {}
                    Read::Killed => {
                        socket.state = SocketState::Dead;
                        killed_current |= position == 0 && has_current;
                        break;
                    }
                }
            }
            if budget == 0 {
                break;
            }
        }
        self.tabs[index]
            .io
            .closing
            .retain(|socket| socket.state == SocketState::Open && !socket.held.is_empty());
        for text in delivered {
            self.deliver(&text);
        }
        if killed_current {
            let close = CloseInfo {
                code: 1009,
                reason: "Max payload size exceeded".to_owned(),
            };
            self.apply(index, Input::Closed(close));
        }
    }

    /// The server read one message.
    fn deliver(&mut self, text: &str) {
        let Some(&number) = self.by_text.get(text) else {
            self.violations
                .push(format!("the server read a message nobody wrote: {text}"));
            return;
        };
        self.counts.deliveries += 1;
        let written = &mut self.written[number];
        written.deliveries += 1;
        if written.deliveries > 1 + written.resends {
            self.violations.push(format!(
                "{}: delivered {} times, with {} resends",
                label(&written.text),
                written.deliveries,
                written.resends
            ));
        }
    }

    /// The link reads the next frame the server sent.
    fn read_inbox(&mut self, index: usize) {
        let now = self.now;
        let limit = (self.ping_interval_ms + self.ping_timeout_ms).max(1_000.0);
        let Some(socket) = &mut self.tabs[index].io.socket else {
            return;
        };
        if socket.state != SocketState::Open {
            return;
        }
        let Some(frame) = socket.inbox.pop_front() else {
            return;
        };
        if self.protocol == Protocol::SocketIo {
            if frame.starts_with('0') {
                socket.limit_ms = limit;
                socket.last_heartbeat_ms = now;
            } else if frame == "2" {
                socket.last_heartbeat_ms = now;
            }
        }
        self.apply(index, Input::Received(Frame::Text(frame)));
    }

    fn answer_connect(&mut self, index: usize) {
        let accept = self.rng.below(8) != 0;
        self.answer_connect_with(index, accept);
    }

    /// The server accepts or refuses the socket that is connecting.
    fn answer_connect_with(&mut self, index: usize, accept: bool) {
        let now = self.now;
        let open = format!(
            r#"0{{"sid":"s","upgrades":[],"pingInterval":{},"pingTimeout":{}{}}}"#,
            self.ping_interval_ms,
            self.ping_timeout_ms,
            self.max_payload
                .map_or(String::new(), |limit| format!(r#","maxPayload":{limit}"#))
        );
        let protocol = self.protocol;
        let Some(socket) = &mut self.tabs[index].io.socket else {
            return;
        };
        if socket.state != SocketState::Connecting {
            return;
        }
        if !accept {
            socket.state = SocketState::Dead;
            let close = CloseInfo {
                code: 1006,
                reason: String::new(),
            };
            return self.apply(index, Input::Closed(close));
        }
        socket.state = SocketState::Open;
        socket.last_heartbeat_ms = now;
        if protocol == Protocol::SocketIo {
            socket.inbox.push_back(open);
            socket.next_ping_ms = now + self.ping_interval_ms;
        }
        self.apply(index, Input::Opened);
    }

    /// The server sends a chat line of someone else's.
    fn server_says_something(&mut self, index: usize) {
        let frame = match self.protocol {
            Protocol::Text => "hello",
            Protocol::SocketIo => r#"42["message","hello"]"#,
            Protocol::Stomp => "MESSAGE\nsubscription:0\n\n{\"name\":\"bob\",\"msg\":\"yo\"}\0",
            _ => r#"{"name":"bob","msg":"yo"}"#,
        };
        if let Some(socket) = &mut self.tabs[index].io.socket {
            let joins = matches!(self.protocol, Protocol::SocketIo | Protocol::Stomp);
            let ready = !joins || socket.joined;
            if socket.state == SocketState::Open && ready && !socket.ended {
                socket.inbox.push_back(frame.to_owned());
            }
        }
    }

    /// A Socket.IO server disconnects the client with a 41. Its end reaches
    /// the link before more bytes leave: the link reads everything the
    /// server sent, up to the 41, now.
    fn server_ends_session(&mut self, index: usize) {
        if self.protocol != Protocol::SocketIo {
            return;
        }
        let Some(socket) = &mut self.tabs[index].io.socket else {
            return;
        };
        if socket.state != SocketState::Open || !socket.joined || socket.ended {
            return;
        }
        socket.ended = true;
        socket.inbox.push_back("41".to_owned());
        while self.tabs[index]
            .io
            .socket
            .as_ref()
            .is_some_and(|socket| !socket.inbox.is_empty())
        {
            self.read_inbox(index);
        }
    }

    /// The server's heartbeat stops; its events still come.
    fn server_heartbeat_stops(&mut self, index: usize) {
        if let Some(socket) = &mut self.tabs[index].io.socket {
            socket.pinging = false;
        }
    }

    /// The connection resets: what the browser held is lost, and the link
    /// hears of it at once.
    fn crash(&mut self, index: usize) {
        let Some(socket) = &mut self.tabs[index].io.socket else {
            return;
        };
        if socket.state == SocketState::Dead {
            return;
        }
        self.counts.crashes += 1;
        socket.state = SocketState::Dead;
        socket.inbox.clear();
        let close = CloseInfo {
            code: 1006,
            reason: String::new(),
        };
        self.apply(index, Input::Closed(close));
    }

    fn write(&mut self, index: usize) {
        let number = self.written.len();
        // Some messages are long, to meet the server's maxPayload.
        let padding = match self.rng.below(10) {
            0 => self.rng.below(400),
            _ => self.rng.below(8),
        };
        let text = format!("m{number}-{}", "x".repeat(padding));
        self.written.push(Written {
            text: text.clone(),
            lineage: self.tabs[index].lineage,
            resends: 0,
            deliveries: 0,
            discarded: false,
            refused: false,
        });
        self.by_text.insert(text.clone(), number);
        let tab = &mut self.tabs[index];
        let id = tab.chat.write(&text);
        tab.numbers.insert(id, number);
        tab.entries.insert(number, id);
        let message = Queued {
            id,
            name: "ann".to_owned(),
            text,
        };
        self.apply(index, Input::Write(message));
    }

    /// The user presses resend, mostly on an uncertain entry.
    fn press_resend(&mut self, index: usize) {
        let shown = self.tabs[index].entries_shown_as(&[Delivery::Uncertain]);
        let id = self.some_entry(index, &shown);
        self.apply(index, Input::Resend(id));
    }

    /// The user presses discard, mostly on a pending or uncertain entry.
    fn press_discard(&mut self, index: usize) {
        let shown = self.tabs[index].entries_shown_as(&[Delivery::Pending, Delivery::Uncertain]);
        let id = self.some_entry(index, &shown);
        self.apply(index, Input::Discard(id));
    }

    /// One of `shown`, or now and then any id at all, as a late click on
    /// an entry that changed might give.
    fn some_entry(&mut self, index: usize, shown: &[EntryId]) -> EntryId {
        if shown.is_empty() || self.rng.below(5) == 0 {
            let entries = self.tabs[index].chat.entries().len() + 2;
            EntryId(self.rng.below(entries) as u64)
        } else {
            *self.rng.pick(shown)
        }
    }

    /// The tab reloads: the page hides (most of the time the link hears
    /// of it), its sockets go with it, having sent some of what they held
    /// or not, and the new page restores sessionStorage.
    fn reload(&mut self, index: usize) {
        self.counts.reloads += 1;
        // The claim answers in milliseconds (`tabs.rs`: a Web Lock), well
        // before anyone can reload the page: a copy that wrote messages
        // and reloaded before it would restore them as its original's.
        self.claim_answers(index);
        if self.rng.below(4) != 0 {
            self.apply(index, Input::PageHide);
        }
        let io = &mut self.tabs[index].io;
        let mut sockets: Vec<Socket> = io.socket.take().into_iter().collect();
        sockets.append(&mut io.closing);
        let mut delivered = Vec::new();
        for mut socket in sockets {
            if socket.state != SocketState::Open {
                continue;
            }
            let leaving = self.rng.below(socket.held.len() + 1);
            for _ in 0..leaving {
                let Some((frame, _)) = socket.held.pop_front() else {
                    break;
                };
                match read_on_server(
                    self.protocol,
                    self.max_payload,
                    &mut socket,
                    &frame,
                    &mut self.violations,
                ) {
                    Read::Message(text) => {
                        if self.echoes {
                            socket
                                .inbox
                                .push_back(echo_of(self.protocol, &frame, &text));
                        }
                        delivered.push(text);
                    }
                    Read::Nothing => {}
                    Read::Killed => break,
                }
            }
        }
        for text in delivered {
            self.deliver(&text);
        }
        self.open_tab(Some(index), false);
    }

    /// No Socket.IO link stays open past its heartbeat limit without a ping.
    fn check_heartbeats(&mut self) {
        if self.protocol != Protocol::SocketIo {
            return;
        }
        for tab in &self.tabs {
            let Some(socket) = &tab.io.socket else {
                continue;
            };
            let silent = self.now - socket.last_heartbeat_ms;
            if matches!(tab.link.phase(), Phase::Open { .. })
                && silent > socket.limit_ms + HEARTBEAT_SLACK_MS
            {
                self.violations.push(format!(
                    "a Socket.IO link stayed open {silent:.0} ms without a ping, past its limit of {:.0} ms",
                    socket.limit_ms
                ));
                return;
            }
        }
    }

    /// The promise, once the network has healed.
    fn check_the_promise(&mut self) {
        for tab in &self.tabs {
            if tab.link.phase() != &(Phase::Open { ready: true }) {
                self.violations.push(format!(
                    "a link is {:?} after the network healed",
                    tab.link.phase()
                ));
            }
        }
        for (number, written) in self.written.iter().enumerate() {
            if written.refused {
                if written.deliveries > 0 {
                    self.violations.push(format!(
                        "{}: refused after it was delivered",
                        label(&written.text)
                    ));
                }
                continue;
            }
            let shown = self.tabs[written.lineage].shown(number);
            if shown == Some(Delivery::Uncertain) {
                self.counts.uncertain += 1;
            }
            if shown == Some(Delivery::Delivered) {
                self.counts.confirmed += 1;
            }
            if written.discarded {
                continue;
            }
            match (written.deliveries, shown) {
                (0, Some(Delivery::Uncertain)) => {}
                (0, shown) => self.violations.push(format!(
                    "{}: never delivered, and shown as {shown:?}",
                    label(&written.text)
                )),
                (_, Some(Delivery::Pending)) => self.violations.push(format!(
                    "{}: delivered, and still shown as pending",
                    label(&written.text)
                )),
                _ => {}
            }
            if shown == Some(Delivery::Pending) {
                self.violations.push(format!(
                    "{}: still pending after the network healed",
                    label(&written.text)
                ));
            }
            // A broker acknowledges what it read on a live socket: once the
            // network healed, nothing it read is left unconfirmed.
            if self.protocol == Protocol::Stomp && shown == Some(Delivery::Sent) {
                self.violations.push(format!(
                    "{}: sent to a broker and never confirmed or marked uncertain",
                    label(&written.text)
                ));
            }
        }
    }

    fn add_counts(&self, counts: &mut Counts) {
        counts.steps += self.counts.steps;
        counts.inputs += self.counts.inputs;
        counts.written += self.written.len();
        counts.deliveries += self.counts.deliveries;
        counts.uncertain += self.counts.uncertain;
        counts.confirmed += self.counts.confirmed;
        counts.resent += self.counts.resent;
        counts.refused += self.counts.refused;
        counts.reloads += self.counts.reloads;
        counts.copies += self.counts.copies;
        counts.crashes += self.counts.crashes;
    }
}

/// A message's name in a report: its number, without the padding.
fn label(text: &str) -> &str {
    text.split('-').next().unwrap_or(text)
}

/// What the server made of one whole frame.
enum Read {
    /// A chat message, by its text.
    Message(String),
    Nothing,
    /// The frame was over its maxPayload: it ends the connection.
    Killed,
}

/// What an echoing server sends back for a message it read: a relay sends
/// the frame itself; a Socket.IO server emits the text, naming nobody.
fn echo_of(protocol: Protocol, frame: &str, text: &str) -> String {
    match protocol {
        Protocol::SocketIo => {
            let event = serde_json::to_string(&("message", text)).unwrap_or_default();
            format!("42{event}")
        }
        Protocol::Stomp => {
            let body = stomp_body(frame).unwrap_or_default();
            format!("MESSAGE\nsubscription:0\n\n{body}\0")
        }
        _ => frame.to_owned(),
    }
}

/// A STOMP frame's command, a header's value, and its body.
fn stomp_command(frame: &str) -> &str {
    frame.split('\n').next().unwrap_or_default()
}

fn stomp_header<'a>(frame: &'a str, name: &str) -> Option<&'a str> {
    let head = frame.split("\n\n").next()?;
    head.split('\n')
        .skip(1)
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
}

fn stomp_body(frame: &str) -> Option<&str> {
    let (_, rest) = frame.split_once("\n\n")?;
    rest.strip_suffix('\0')
}

/// The server reads one whole frame from `socket`.
fn read_on_server(
    protocol: Protocol,
    max_payload: Option<usize>,
    socket: &mut Socket,
    frame: &str,
    violations: &mut Vec<String>,
) -> Read {
    match protocol {
        Protocol::Text => Read::Message(frame.to_owned()),
        // A broker: CONNECTED answers CONNECT, without heart-beats; a SEND
        // is read, and its receipt goes back once it is.
        Protocol::Stomp => match stomp_command(frame) {
            "CONNECT" => {
                socket.joined = true;
                let connected = "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0";
                socket.inbox.push_back(connected.to_owned());
                Read::Nothing
            }
            "SEND" => {
                if !socket.joined {
                    violations.push(format!("a SEND before CONNECT: {frame:?}"));
                    return Read::Nothing;
                }
                if let Some(receipt) = stomp_header(frame, "receipt") {
                    let receipt = format!("RECEIPT\nreceipt-id:{receipt}\n\n\0");
                    socket.inbox.push_back(receipt);
                }
                let value = stomp_body(frame)
                    .and_then(|body| serde_json::from_str::<serde_json::Value>(body).ok());
                match value.as_ref().and_then(|value| value.get("msg")?.as_str()) {
                    Some(text) => Read::Message(text.to_owned()),
                    None => Read::Nothing,
                }
            }
            _ => Read::Nothing,
        },
        Protocol::Json | Protocol::Mqtt | Protocol::Nats => {
            match serde_json::from_str::<serde_json::Value>(frame) {
                Ok(value) => match value.get("msg").and_then(|msg| msg.as_str()) {
                    Some(text) => Read::Message(text.to_owned()),
                    None => Read::Nothing,
                },
                Err(_) => Read::Nothing,
            }
        }
        Protocol::SocketIo => {
            if max_payload.is_some_and(|limit| frame.len() > limit) {
                violations.push(format!(
                    "a {}-byte frame was sent to a server whose maxPayload is {max_payload:?}",
                    frame.len()
                ));
                return Read::Killed;
            }
            if socket.ended {
                return Read::Nothing;
            }
            match frame {
                "40" => {
                    socket.joined = true;
                    socket.inbox.push_back(r#"40{"sid":"n"}"#.to_owned());
                    Read::Nothing
                }
                "41" => {
                    socket.ended = true;
                    Read::Nothing
                }
                _ => {
                    let Some(event) = frame.strip_prefix("42") else {
                        return Read::Nothing;
                    };
                    if !socket.joined {
                        violations
                            .push(format!("an event before the namespace was joined: {frame}"));
                        return Read::Nothing;
                    }
                    match serde_json::from_str::<serde_json::Value>(event) {
                        Ok(value) => match value.get(1).and_then(|text| text.as_str()) {
                            Some(text) => Read::Message(text.to_owned()),
                            None => Read::Nothing,
                        },
                        Err(_) => Read::Nothing,
                    }
                }
            }
        }
    }
}
