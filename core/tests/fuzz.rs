//! Hostile input, on the host: every decoder and parser is fed mutated
//! golden inputs and random bytes, and must never panic. The generator is
//! seeded, so a failure can be replayed; each target prints its iteration
//! count.
#![cfg(not(target_arch = "wasm32"))]

// A module of this test, not a test of its own: Cargo takes only the
// files right under tests/ as tests.
#[path = "fuzz/model.rs"]
mod model;

use std::time::Duration;

use wschat_core::{
    backoff::Backoff,
    chat::{check_message, shown_text, Chat, ChatEvent, EntryId},
    config::{
        check_auth, check_event, check_protocols, check_server, endpoints, load, resolve_endpoint,
        url_encode, Echo, PageOrigin, Parameters, Sources,
    },
    config::{check_pattern, check_template},
    link::{CloseInfo, Driver, Input, Link, LinkConfig, Status},
    links,
    outbox::{read_saved, Queued, Saved},
    protocol::{Codec, Frame, Inbound, Protocol, Sender, Wire},
    template::{fill, Pattern},
};

/// Iterations per decoder and parser.
const ITERATIONS: usize = 100_000;
/// Random events per run of the link state machine, and runs.
const LINK_STEPS: usize = 2_000;
const LINK_RUNS: usize = 100;

/// xorshift64*: small, seeded, good enough to explore inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Pieces that tend to break parsers.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "\\",
    ",",
    ":",
    "0",
    "9",
    "-",
    "/",
    "42",
    "40",
    "41",
    "44",
    "45",
    "2",
    "null",
    "true",
    "1e999",
    "-0.0",
    "99999999999999999999",
    "\\u0000",
    "\\ud800",
    "é",
    "😀",
    "\u{0}",
    "\"name\"",
    "\"msg\"",
    "\"message\"",
    "{name}",
    "{text}",
    "{nam",
    "e}",
    "%",
    "?",
    "#",
    "ws://",
    "http://",
    "https://",
    "javascript:",
    "(",
    ")",
    ".",
    " ",
    "\n",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
            1 => {
                let token = rng.pick(TOKENS).as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
            2 if at < bytes.len() => {
                let end = (at + rng.below(8) + 1).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => bytes.truncate(at),
            4 if at < bytes.len() => {
                let end = (at + rng.below(16) + 1).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {
                let n = rng.below(8);
                for _ in 0..n {
                    bytes.insert(at.min(bytes.len()), rng.next() as u8);
                }
            }
        }
    }
    bytes
}

fn input(rng: &mut Rng, seeds: &[&str]) -> Vec<u8> {
    if rng.below(10) == 0 {
        (0..rng.below(64)).map(|_| rng.next() as u8).collect()
    } else {
        let seed = *rng.pick(seeds);
        mutate(rng, seed.as_bytes())
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fuzz_codec(protocol: Protocol, seeds: &[&str], seed: u64) {
    let mut rng = Rng(seed);
    let mut codec = Codec::new(&protocol.into());
    let mut out = Vec::new();
    for _ in 0..ITERATIONS {
        let bytes = input(&mut rng, seeds);
        let frame = if rng.below(3) == 0 {
            Frame::Binary(bytes)
        } else {
            Frame::Text(text(&bytes))
        };
        out.clear();
        codec.decode::<serde_json::Value>(frame, &mut out);
        if rng.below(50) == 0 {
            codec.reset(&mut || 0.5);
        }
    }
    eprintln!("fuzz: {protocol} decoder, {ITERATIONS} iterations, no panic");
}

#[test]
fn the_json_decoder_survives_hostile_frames() {
    fuzz_codec(
        Protocol::Json,
        &[
            r#"{"name":"Bob","msg":"hello"}"#,
            r#"[{"name":"a","msg":"1"},{"from":"b","body":"2"}]"#,
            r#"{"user":"u","text":"t","extra":[1,2,{"x":null}]}"#,
            "this is not json",
            r#"{"unknown":"shape","n":1.5e10}"#,
            r#"{"type":"typing","username":"bob"}"#,
            r#"{"message": "hello from alice"}"#,
            r#"{"id":"44ee","body":"hi","html":"<div>hi</div>"}"#,
            r#"{"event":"e","a":[[[[{"b":{"c":[1,2,3]}}]]]],"d":{"e":{"f":{}}}}"#,
        ],
        1,
    );
}

#[test]
fn the_broker_transports_survive_hostile_frames() {
    // Whole sessions as the brokers send them, mutated, split, and mixed
    // with garbage: the decoders answer, acknowledge and read, and never
    // panic.
    fuzz_codec(
        Protocol::Stomp,
        &[
            "CONNECTED\nversion:1.2\nheart-beat:10000,10000\n\n\0\n",
            "MESSAGE\ndestination:/topic/chat\nsubscription:0\nmessage-id:1\ncontent-length:25\n\n{\"name\":\"b\",\"msg\":\"hi\"}\0\n",
            "RECEIPT\nreceipt-id:7\n\n\0",
            "ERROR\nmessage:Access refused\n\nbad login\0",
            "\n\n\r\n",
        ],
        11,
    );
    fuzz_codec(
        Protocol::Nats,
        &[
            "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n",
            "PONG\r\nMSG chat 1 25\r\n{\"name\":\"b\",\"msg\":\"hi\"}\r\nPING\r\n",
            "-ERR 'Authorization Violation'\r\n",
            "MSG chat 1 reply 99999999\r\n",
        ],
        12,
    );
}

#[test]
fn the_mqtt_transport_survives_hostile_packets() {
    let mut rng = Rng(13);
    let mut codec = Codec::new(&Protocol::Mqtt.into());
    let mut out = Vec::new();
    let seeds: [&[u8]; 5] = [
        &[0x20, 0x02, 0x00, 0x00],
        &[0x90, 0x03, 0x00, 0x01, 0x01],
        &[
            0x32, 0x0b, 0x00, 0x04, b'c', b'h', b'a', b't', 0x00, 0x05, b'h', b'i', b'!',
        ],
        &[0x40, 0x02, 0x00, 0x02, 0xd0, 0x00],
        &[0x20, 0x02, 0x00, 0x05],
    ];
    for _ in 0..ITERATIONS {
        let bytes = match rng.below(10) {
            0 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
            _ => {
                let seed = *rng.pick(&seeds);
                mutate(&mut rng, seed)
            }
        };
        out.clear();
        codec.decode::<serde_json::Value>(Frame::Binary(bytes), &mut out);
        if rng.below(20) == 0 || out.iter().any(|event| matches!(event, Inbound::Lost(_))) {
            codec.reset(&mut || 0.5);
        }
    }
    eprintln!("fuzz: mqtt decoder, {ITERATIONS} iterations, no panic");
}

#[test]
fn the_text_decoder_survives_hostile_frames() {
    fuzz_codec(
        Protocol::Text,
        &["Hello webSocket", r#"I heard you say "hi""#],
        2,
    );
}

#[test]
fn the_socket_io_decoder_survives_hostile_frames() {
    fuzz_codec(
        Protocol::SocketIo,
        &[
            r#"0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
            r#"40{"sid":"y"}"#,
            "2",
            "41",
            r#"42["message","abc said hi"]"#,
            r#"4213["message","ack me"]"#,
            r#"42/admin,7["x",{"a":1}]"#,
            r#"44{"message":"Not authorized"}"#,
            r#"451-["upload",{"_placeholder":true,"num":0}]"#,
            r#"42["history",[{"name":"a","msg":"1"}]]"#,
            r#"42["user joined",{"username":"bob","numUsers":2}]"#,
            r#"42["typing",{"username":"bob"}]"#,
            r#"42["stop typing","bob"]"#,
            r#"42["login",{"numUsers":1,"x":[{"y":[[]]}]}]"#,
        ],
        3,
    );
}

#[test]
fn links_are_http_or_https_only_in_order_and_leave_the_text_unchanged() {
    let mut rng = Rng(11);
    let seeds = [
        "see https://example.com/a_(b).",
        "http://x javascript:alert(1) data:text/html,<b>x</b>",
        r#"(https://[::1]:80/?q="x"<y>) [http://a/b[c]]"#,
        "HTTP://X hhttps://y https:// http://, ftp://z",
        "é https://例え.jp/パス、\u{3000}😀 http://a.b/c?!",
        "plain words, no links at all",
    ];
    let mut found = 0;
    for _ in 0..ITERATIONS {
        let text = text(&input(&mut rng, &seeds));
        let mut rebuilt = String::new();
        let mut at = 0;
        for link in links::find(&text) {
            assert!(at <= link.start && link.start < link.end, "{text:?}");
            let (Some(before), Some(inside)) = (text.get(at..link.start), text.get(link.clone()))
            else {
                panic!("a range off a character boundary in {text:?}");
            };
            let scheme = ["https://", "http://"]
                .into_iter()
                .find(|scheme| inside.starts_with(scheme));
            assert!(
                scheme.is_some_and(|scheme| inside.len() > scheme.len()),
                "{inside:?} in {text:?}"
            );
            assert!(
                !inside.contains(|c: char| c.is_ascii_whitespace()
                    || c.is_ascii_control()
                    || matches!(c, '<' | '>' | '"')),
                "{inside:?}"
            );
            rebuilt.push_str(before);
            rebuilt.push_str(inside);
            at = link.end;
            found += 1;
        }
        rebuilt.push_str(text.get(at..).unwrap_or("<off a boundary>"));
        assert_eq!(rebuilt, text);
    }
    eprintln!("fuzz: links, {ITERATIONS} texts, {found} links, all http(s), text unchanged");
}

#[test]
fn config_and_endpoint_parsing_survive_hostile_values() {
    let mut rng = Rng(4);
    let seeds = [
        "ws://127.0.0.1:3000/ws",
        "/ws",
        "https://h/?username={name}",
        "//h:1/x",
        "json",
        "socketio",
        "client-message",
        r#"{"server":"ws://h/","protocol":"text","event":"e"}"#,
    ];
    let keys = [
        "server", "protocol", "name", "event", "join", "template", "pattern", "echo", "other",
    ];
    let page = PageOrigin {
        secure: false,
        host: "127.0.0.1:8080".to_owned(),
    };
    for _ in 0..ITERATIONS {
        let query: Vec<(String, String)> = (0..rng.below(5))
            .map(|_| {
                let value = input(&mut rng, &seeds);
                (rng.pick(&keys).to_string(), text(&value))
            })
            .collect();
        let saved = text(&input(&mut rng, &seeds));
        let name = text(&input(&mut rng, &seeds));
        let page_defaults: Vec<(String, String)> = (0..rng.below(3))
            .map(|_| {
                let value = input(&mut rng, &seeds);
                (rng.pick(&keys).to_string(), text(&value))
            })
            .collect();
        let loaded = load::<serde_json::Value>(Sources {
            query: &query,
            saved_settings: Some(&saved),
            saved_name: Some(&name),
            page: &page_defaults,
            token: Some(&name),
        });
        for endpoint in endpoints(&loaded.config.server) {
            let _ = resolve_endpoint(endpoint, &name, &page);
        }
        let value = text(&input(&mut rng, &seeds));
        let _ = check_server(&value);
        let _ = check_event(&value);
        let _ = check_protocols(&value);
        let _ = check_auth::<serde_json::Value>(&value);
        let _ = resolve_endpoint(&value, &name, &page);
        let _ = value.parse::<Protocol>();
    }
    eprintln!("fuzz: config, query and endpoint parsing, {ITERATIONS} iterations, no panic");
}

#[test]
fn stored_outboxes_and_messages_survive_hostile_values() {
    let mut rng = Rng(5);
    let seeds = [
        r#"[{"name":"ann","text":"hi"}]"#,
        "[]",
        r#"[{"name":"a","text":"b"},{"name":"c","text":"d"}]"#,
    ];
    for _ in 0..ITERATIONS {
        let value = text(&input(&mut rng, &seeds));
        let _ = read_saved::<serde_json::Value>(&value);
        let _ = check_message(&value, &value);
        let long = value.repeat(rng.below(3000) + 1);
        let _ = shown_text(&long);
    }
    eprintln!(
        "fuzz: stored outbox, message checks and text cutting, {ITERATIONS} iterations, no panic"
    );
}

/// A driver that accepts everything and records what a message went
/// through, to check the link's promises under random events.
#[derive(Default)]
struct Loose {
    now: f64,
    open: bool,
    sent: Vec<Frame>,
    buffered: u32,
    fail: bool,
}

impl Driver for Loose {
    type Json = serde_json::Value;

    fn open(&mut self, url: &str, _protocols: &[String]) -> Result<(), String> {
        if url.is_empty() {
            return Err("empty".to_owned());
        }
        self.open = true;
        Ok(())
    }
    fn close(&mut self) {
        self.open = false;
    }
    fn send(&mut self, frame: &Frame) -> Result<(), String> {
        if self.fail {
            return Err("refused".to_owned());
        }
        self.sent.push(frame.clone());
        Ok(())
    }
    fn buffered_amount(&self) -> u32 {
        self.buffered
    }
    fn set_retry(&mut self, _: Option<Duration>) {}
    fn set_watchdog(&mut self, _: Option<Duration>) {}
    fn set_settle(&mut self, _: Option<Duration>) {}
    fn random(&mut self) -> f64 {
        0.5
    }
    fn now_ms(&self) -> f64 {
        self.now
    }
    fn chat(&mut self, _: ChatEvent) {}
    fn status(&mut self, _: Status) {}
    fn save_outbox(&mut self, _: &[Saved]) -> Result<(), String> {
        if self.fail {
            return Err("quota".to_owned());
        }
        Ok(())
    }
}

#[test]
fn the_link_survives_random_event_orders_and_never_queues_a_message_twice() {
    let mut rng = Rng(6);
    let frames = [
        r#"0{"sid":"x","pingInterval":100,"pingTimeout":100}"#,
        r#"40{"sid":"y"}"#,
        "41",
        "2",
        r#"42["message","x"]"#,
        r#"{"name":"a","msg":"b"}"#,
    ];
    for run in 0..LINK_RUNS {
        let protocol = *rng.pick(&Protocol::ALL);
        let mut link = Link::new(
            LinkConfig {
                codec: Codec::new(&protocol.into()),
                server: "ws://h:1/?u={name}".to_owned(),
                name: "ann".to_owned(),
                page: PageOrigin {
                    secure: rng.below(2) == 0,
                    host: "h".to_owned(),
                },
                echo: Echo::Fold,
            },
            Backoff::default(),
        );
        let mut driver = Loose::default();
        let mut chat = Chat::default();
        for _ in 0..LINK_STEPS {
            driver.now += rng.unit() * 500.0;
            driver.buffered = if rng.below(4) == 0 {
                rng.below(200) as u32
            } else {
                0
            };
            driver.fail = rng.below(10) == 0;
            match rng.below(13) {
                0 => link.connect(&mut driver),
                1 => link.opened(&mut driver),
                2 | 3 => {
                    let bytes = input(&mut rng, &frames);
                    link.received(Frame::Text(text(&bytes)), &mut driver);
                }
                4 => link.closed(
                    CloseInfo {
                        code: rng.below(5000) as u16,
                        reason: text(&input(&mut rng, &frames)),
                    },
                    &mut driver,
                ),
                5 | 6 => {
                    let id = chat.write("m");
                    link.write(
                        Queued {
                            id,
                            name: "ann".to_owned(),
                            text: format!("m{}", id.0),
                        },
                        &mut driver,
                    );
                }
                7 => link.retry_due(&mut driver),
                8 => link.nudge(&mut driver),
                9 => link.watchdog_due(&mut driver),
                10 => link.resend(
                    EntryId(rng.below(chat.entries().len() + 1) as u64),
                    &mut driver,
                ),
                11 => link.apply(Input::PageHide, &mut driver),
                _ => match rng.below(3) {
                    0 => link.disconnect(&mut driver),
                    1 => link.discard(
                        EntryId(rng.below(chat.entries().len() + 1) as u64),
                        &mut driver,
                    ),
                    _ => link.set_name(&text(&input(&mut rng, &["ann", "Zoë"]))),
                },
            }
            let mut ids: Vec<u64> = link
                .ledger()
                .outbox()
                .iter()
                .map(|queued| queued.id.0)
                .collect();
            let queued = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), queued, "run {run}: a message is queued twice");
        }
    }
    eprintln!(
        "fuzz: link state machine, {LINK_RUNS} runs x {LINK_STEPS} random events, no panic, no message queued twice"
    );
}

#[test]
fn the_link_keeps_its_delivery_promise_against_a_model_network() {
    let counts = match model::check(8) {
        Ok(counts) => counts,
        Err(broken) => panic!("{broken}"),
    };
    eprintln!(
        "fuzz: link model check, {} runs x {} random steps ({} steps in all, {} link inputs), \
         {} messages written, {} deliveries, {} resends, {} left uncertain, {} confirmed by their echo, \
         {} refused, {} crashes, {} reloads, {} copied tabs: every message delivered once or shown, \
         none twice without a resend, none shown delivered unread",
        model::RUNS,
        model::STEPS,
        counts.steps,
        counts.inputs,
        counts.written,
        counts.deliveries,
        counts.resent,
        counts.uncertain,
        counts.confirmed,
        counts.refused,
        counts.crashes,
        counts.reloads,
        counts.copies,
    );
    assert!(counts.confirmed > 0, "the echoing runs confirmed nothing");
}

#[test]
fn templates_accepted_in_json_modes_make_json_whatever_the_name_and_text() {
    let mut rng = Rng(11);
    let seeds = [
        r#"{"name":"{name}","msg":"{text}"}"#,
        r#"{"data":"{text}"}"#,
        r#""{text}""#,
        r#"["{name}",{"t":"{text}","n":null}]"#,
        r#"{"type":"message","user":"{name}","body":"{text} \\ {name}"}"#,
        "{text}",
    ];
    let values = [
        "hi",
        "",
        "\"",
        "\\",
        "\n\u{0}\u{1f}",
        "é😀",
        "{text}",
        "\"}]x",
        "</script>",
    ];
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..ITERATIONS {
        let template = text(&input(&mut rng, &seeds));
        let protocol = *rng.pick(&[Protocol::Json, Protocol::SocketIo]);
        if check_template::<serde_json::Value>(&template, protocol).is_err() {
            refused += 1;
            continue;
        }
        accepted += 1;
        let wire = Wire {
            template: Some(template.clone()),
            ..protocol.into()
        };
        let codec = Codec::new(&wire);
        let name = *rng.pick(&values);
        let said = *rng.pick(&values);
        let Frame::Text(frame) = codec.encode(name, said) else {
            panic!("a text frame");
        };
        let json = match protocol {
            Protocol::SocketIo => frame.strip_prefix("42").unwrap_or_default().to_owned(),
            _ => frame,
        };
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "template {template:?} with {name:?} and {said:?} made {json:?}"
        );
    }
    assert!(accepted > 1_000 && refused > 1_000, "{accepted} {refused}");
    eprintln!(
        "fuzz: templates, {ITERATIONS} iterations: {accepted} accepted, each filled with hostile values was JSON; {refused} refused"
    );
}

#[test]
fn patterns_read_back_what_they_write_and_never_panic() {
    let mut rng = Rng(12);
    let seeds = [
        "{name}: {text}",
        "<{name}> {text}",
        "[{name}]{text}]",
        "{text} (from {name})",
        "{name}{text}",
        "{name}",
        "é{name}😀{text}\n",
    ];
    let names = ["alice", "Zoë", "b", "a b"];
    let texts = ["hi", "", ": x", "hi: there", "😀", "{name}: {text}"];
    let (mut parsed, mut refused, mut read) = (0, 0, 0);
    for _ in 0..ITERATIONS {
        let source = text(&input(&mut rng, &seeds));
        let line = text(&input(&mut rng, &["alice: hi", "<a> b", "", "x: y: z"]));
        let Some(pattern) = Pattern::parse(&source) else {
            refused += 1;
            assert!(check_pattern(&source).is_err());
            continue;
        };
        parsed += 1;
        assert!(check_pattern(&source).is_ok());
        // What it reads, filled back in, is the line: read cuts the line
        // where the pattern's literals are, and nowhere else.
        if let Some((name, said)) = pattern.read(&line) {
            assert!(!name.is_empty());
            assert_eq!(
                fill(&source, name, Some(said)),
                line,
                "{source:?} read {line:?}"
            );
        }
        // What the pattern writes, it reads back, with a name.
        let name = *rng.pick(&names);
        let said = *rng.pick(&texts);
        let written = fill(&source, name, Some(said));
        let Some((got_name, got_text)) = pattern.read(&written) else {
            panic!("{source:?} did not read back {written:?}");
        };
        read += 1;
        assert!(!got_name.is_empty());
        assert_eq!(
            fill(&source, got_name, Some(got_text)),
            written,
            "{source:?} read {written:?}"
        );
        // Through the codec, a line is a chat line or shown verbatim.
        let mut codec = Codec::new(&Wire {
            pattern: Some(source.clone()),
            ..Protocol::Text.into()
        });
        let mut out = Vec::new();
        codec.decode::<serde_json::Value>(Frame::Text(line.clone()), &mut out);
        match out.as_slice() {
            [Inbound::Chat {
                sender: Sender::Named(name),
                ..
            }] => assert!(!name.is_empty()),
            [Inbound::Chat {
                sender: Sender::Unnamed(shown),
                text,
            }] => assert_eq!((shown.as_str(), text), ("server", &line)),
            other => panic!("{other:?}"),
        }
    }
    assert!(parsed > 1_000 && refused > 1_000, "{parsed} {refused}");
    eprintln!(
        "fuzz: patterns, {ITERATIONS} iterations: {parsed} parsed, each read back {read} lines it wrote; {refused} refused"
    );
}

/// A driver that keeps every word the user could read.
#[derive(Default)]
struct Reader {
    now: f64,
    texts: Vec<String>,
    /// The subprotocol a server chose, which may quote the token.
    chosen: String,
}

impl Driver for Reader {
    type Json = serde_json::Value;

    fn open(&mut self, _: &str, _: &[String]) -> Result<(), String> {
        Ok(())
    }
    fn protocol(&self) -> String {
        self.chosen.clone()
    }
    fn close(&mut self) {}
    fn send(&mut self, _: &Frame) -> Result<(), String> {
        Ok(())
    }
    fn buffered_amount(&self) -> u32 {
        0
    }
    fn set_retry(&mut self, _: Option<Duration>) {}
    fn set_watchdog(&mut self, _: Option<Duration>) {}
    fn set_settle(&mut self, _: Option<Duration>) {}
    fn random(&mut self) -> f64 {
        0.5
    }
    fn now_ms(&self) -> f64 {
        self.now
    }
    fn chat(&mut self, event: ChatEvent) {
        if let ChatEvent::System(text) = event {
            self.texts.push(text);
        }
    }
    fn status(&mut self, status: Status) {
        self.texts.push(status.text);
    }
    fn save_outbox(&mut self, _: &[Saved]) -> Result<(), String> {
        Ok(())
    }
}

#[test]
fn a_token_never_reaches_the_share_link_the_saved_settings_or_any_line() {
    let mut rng = Rng(0x70c3);
    let servers = [
        "ws://h:1/?auth={token}&u={name}",
        "ws://a:1/{token} wss://b:2/x?t={token}",
        "/ws?token={token}",
        "http://h:3000",
    ];
    const RUNS: usize = 2_000;
    for run in 0..RUNS {
        // Long enough, and marked, that it cannot appear by chance.
        let token = format!("T0k{}{}", text(&input(&mut rng, &["\"/&?=é{}%"])), run);
        let server = *rng.pick(&servers);
        let protocol = *rng.pick(&Protocol::ALL);
        let query: Vec<(String, String)> = [
            ("server", server),
            ("protocols", "chat,bearer.{token}"),
            ("template", r#"{"m":"{text}","t":"{token}"}"#),
            ("auth", r#"{"token":"{token}"}"#),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let loaded = load::<serde_json::Value>(Sources {
            query: &query,
            token: Some(&token),
            ..Sources::default()
        });
        let token = loaded.config.wire.token.clone().unwrap_or_default();
        if token.is_empty() {
            continue;
        }
        let forms = [
            url_encode(&token),
            serde_json::to_string(&token).unwrap_or_default(),
        ];
        let leaks = |text: &str| {
            text.contains(token.as_str()) || forms.iter().any(|f| text.contains(f.as_str()))
        };
        let mut shown = Parameters::typed(query.iter().map(|(k, v)| (k.as_str(), v.clone())));
        shown.overlay(&loaded.saved);
        assert!(!leaks(&shown.share_query()), "share link, run {run}");
        assert!(!leaks(&shown.to_json()), "saved settings, run {run}");
        let wire = Wire {
            protocol,
            ..loaded.config.wire.clone()
        };
        let mut link = Link::new(
            LinkConfig {
                codec: Codec::new(&wire),
                server: loaded.config.server.clone(),
                name: "ann".to_owned(),
                page: PageOrigin {
                    secure: false,
                    host: "h".to_owned(),
                },
                echo: Echo::Fold,
            },
            Backoff::default(),
        );
        let mut driver = Reader {
            chosen: format!("bearer.{token}"),
            ..Reader::default()
        };
        // A server whose refusal quotes the token, JSON-escaped.
        let refusal = format!(r#"44{{"message":"bad {}"}}"#, forms[1].trim_matches('"'));
        for step in 0..20 {
            driver.now += 700.0;
            let input = match rng.below(6) {
                0 => Input::Connect,
                1 => Input::Opened,
                2 => Input::Closed(CloseInfo {
                    code: 1006,
                    reason: String::new(),
                }),
                3 => Input::RetryDue,
                4 => Input::Received(Frame::Text(refusal.clone())),
                _ => Input::Write(Queued {
                    id: EntryId(step),
                    name: "ann".to_owned(),
                    text: "hi".to_owned(),
                }),
            };
            link.apply(input, &mut driver);
        }
        for text in &driver.texts {
            assert!(!leaks(text), "a line or status, run {run}: {text}");
        }
    }
    eprintln!("fuzz: {RUNS} fuzzed tokens, none in the share link, the saved settings, a line or a status");
}

#[test]
fn stored_history_records_survive_hostile_values_and_read_back_what_was_kept() {
    use wschat_core::{
        chat::Delivery,
        history::{read_all, Record},
    };
    let mut rng = Rng(16);
    let good = Record {
        time_ms: 1_796_552_190_000.0,
        uid: 42.0,
        from: "bob".into(),
        text: "hi | 3 4|".into(),
        delivery: Some(Delivery::Sent),
    }
    .encode();
    let seeds = [
        good.as_str(),
        "1 2 r 3 2|bobhi",
        "1 2 d 0 0|",
        "9 9 x 1 1|ab",
    ];
    let mut read = 0;
    for _ in 0..ITERATIONS {
        let stored = text(&input(&mut rng, &seeds));
        // Whatever is stored, reading never panics, and what it read is
        // kept again exactly as read.
        let (records, _) = read_all(&stored);
        let rewritten: String = records.iter().map(Record::encode).collect();
        assert_eq!(read_all(&rewritten), (records.clone(), false), "{stored:?}");
        read += records.len();
    }
    assert!(read > 0, "the seeds make records to read");
}

#[test]
fn search_ranges_fall_on_character_boundaries_and_find_what_is_there() {
    use wschat_core::chat::search::Query;
    let lower = |text: &str| text.to_lowercase();
    let mut rng = Rng(17);
    let seeds = [
        "Été été ÉTÉ",
        "İstanbul istanbul",
        "straße STRASSE",
        "aaaa AAAA",
        "😀 x 😀",
        "plain Ascii text",
    ];
    for _ in 0..ITERATIONS {
        let text = text(&input(&mut rng, &seeds));
        // A query cut from the text itself, on character boundaries.
        let start = (rng.next() as usize) % (text.len() + 1);
        let end = start + (rng.next() as usize) % 4;
        let Some(wanted) = text.get(start..end.min(text.len())) else {
            continue;
        };
        let query = Query::new(wanted, &lower);
        let found = query.find_all(&text, &lower);
        let mut at = 0;
        for &(from, to) in &found {
            assert!(at <= from && from < to, "{text:?} {wanted:?}");
            assert!(
                text.get(from..to).is_some(),
                "off a boundary: {text:?} {wanted:?}"
            );
            at = to;
        }
        if text.is_ascii() && !wanted.is_empty() {
            assert!(!found.is_empty(), "{wanted:?} is in {text:?}");
            assert!(query.matches(&text, &lower));
        }
    }
}

#[test]
fn the_stomp_reader_survives_hostile_messages_split_anywhere() {
    use wschat_core::protocol::transport::stomp::{encode, Reader};
    let mut rng = Rng(18);
    let good = encode(
        "MESSAGE",
        &[
            ("destination", Some("/topic/chat")),
            ("message-id", Some("1")),
        ],
        "{\"name\":\"bob\",\"msg\":\"hi\"}",
    );
    let seeds = [
        good.as_str(),
        "RECEIPT\nreceipt-id:1\n\n\0\n",
        "CONNECTED\r\nversion:1.2\r\nheart-beat:0,10000\r\n\r\n\0",
        "ERROR\nmessage:bad\\c login\ncontent-length:3\n\nx\0y\0",
        "\n\n\r\n",
    ];
    let mut frames = 0;
    for _ in 0..ITERATIONS / 10 {
        let bytes = input(&mut rng, &seeds);
        let mut reader = Reader::default();
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let cut = 1 + rng.below(rest.len());
            let (part, tail) = rest.split_at(cut);
            reader.push(part.to_vec(), |read| {
                if let Ok(read) = read {
                    // Looking headers up in any frame is safe too.
                    let _ = (read.header("content-length"), read.header(""));
                    frames += 1;
                }
            });
            rest = tail;
        }
    }
    assert!(frames > 0, "the seeds make frames");
    // A good frame after any garbage that ends in a NUL still reads.
    let mut reader = Reader::default();
    let mut commands = Vec::new();
    for message in [&b"garbage without a colon\n\n\0"[..], good.as_bytes()] {
        reader.push(message.to_vec(), |read| {
            commands.push(read.map(|read| read.command.to_vec()))
        });
    }
    assert!(matches!(commands.last(), Some(Ok(command)) if command == b"MESSAGE"));
}

#[test]
fn the_mqtt_reader_survives_hostile_messages_split_anywhere() {
    use wschat_core::protocol::transport::mqtt::{publish, Reader};
    /// Reads what `reader` holds now into `out`: each packet's first byte
    /// and body, or the error, after which the reader starts afresh as
    /// the transport's does.
    fn read(reader: &mut Reader, out: &mut Vec<Result<(u8, Vec<u8>), &'static str>>) {
        loop {
            match reader.next_packet() {
                Ok(Some((first, body))) => out.push(Ok((first, body.to_vec()))),
                Ok(None) => return,
                Err(error) => {
                    reader.reset();
                    return out.push(Err(error));
                }
            }
        }
    }
    let mut rng = Rng(19);
    let payload = br#"{"name":"bob","msg":"hi"}"#;
    let publish = publish("chat", payload, Some(3));
    let mut seed_stream = vec![0x20, 2, 0, 0, 0x90, 3, 0, 1, 1];
    seed_stream.extend_from_slice(&publish);
    seed_stream.extend_from_slice(&[0xD0, 0, 0x40, 2, 0, 3]);
    let seed = String::from_utf8_lossy(&seed_stream).into_owned();
    let seeds = [seed.as_str(), "\u{30}\u{7f}", "\u{ff}\u{ff}\u{ff}"];
    let mut packets = 0;
    for _ in 0..ITERATIONS / 10 {
        let bytes = input(&mut rng, &seeds);
        let mut reader = Reader::default();
        let mut out = Vec::new();
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let cut = 1 + rng.below(rest.len());
            let (part, tail) = rest.split_at(cut);
            reader.push(part.to_vec());
            read(&mut reader, &mut out);
            rest = tail;
        }
        packets += out.iter().filter(|packet| packet.is_ok()).count();
    }
    assert!(packets > 0, "the seeds make packets");
    // The seed stream, split anywhere, reads its five packets.
    let mut reader = Reader::default();
    let mut out = Vec::new();
    for byte in &seed_stream {
        reader.push(vec![*byte]);
        read(&mut reader, &mut out);
    }
    assert_eq!(out.len(), 5);
    assert_eq!(out.get(2), Some(&Ok((0x32, publish[2..].to_vec()))));
}

#[test]
fn the_nats_reader_survives_hostile_messages_split_anywhere() {
    use wschat_core::protocol::transport::nats::{Incoming, Reader};
    let mut rng = Rng(20);
    let seeds = [
        "INFO {\"max_payload\":1048576}\r\n+OK\r\nMSG chat 1 2\r\nhi\r\nPING\r\n",
        "MSG chat 1 _INBOX 5\r\nhe\r\no\r\nPONG\r\n",
        "-ERR 'Authorization Violation'\r\n",
        "MSG a 1 999999999999999999999\r\n",
    ];
    let mut read = 0;
    for _ in 0..ITERATIONS / 10 {
        let bytes = input(&mut rng, &seeds);
        let mut reader = Reader::default();
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let cut = 1 + rng.below(rest.len());
            let (part, tail) = rest.split_at(cut);
            reader.push(part.to_vec(), |line| {
                if !matches!(line, Incoming::Unknown(_) | Incoming::TooLarge) {
                    read += 1;
                }
            });
            rest = tail;
        }
    }
    assert!(read > 0, "the seeds make lines");
    let mut reader = Reader::default();
    let mut payloads = Vec::new();
    for byte in seeds[0].as_bytes() {
        reader.push(vec![*byte], |line| {
            if let Incoming::Msg(payload) = line {
                payloads.push(payload.to_vec());
            }
        });
    }
    assert_eq!(payloads, [b"hi"]);
}
