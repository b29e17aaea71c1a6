//! NATS client protocol lines (issue 17, first part): what a chat client
//! sends (CONNECT, SUB, PUB, PING, PONG) and reads (INFO, MSG, PING, PONG,
//! +OK, -ERR), from WebSocket messages whose lines do not follow message
//! boundaries. A PONG after a PUB proves the server read it. The transport
//! that uses them is not written yet; nothing in the app reaches this
//! module, so it costs the bundle nothing.

/// The most bytes a line or a message's payload may take.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A line a client sends, with its `\r\n`.
pub fn connect(options_json: &str) -> String {
    format!("CONNECT {options_json}\r\n")
}

/// `SUB <subject> <sid>`.
pub fn sub(subject: &str, sid: u64) -> String {
    format!("SUB {subject} {sid}\r\n")
}

/// `PUB <subject> <bytes>` and the payload.
pub fn publish(subject: &str, payload: &str) -> String {
    format!("PUB {subject} {}\r\n{payload}\r\n", payload.len())
}

pub const PING: &str = "PING\r\n";
pub const PONG: &str = "PONG\r\n";

/// What the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// The server's JSON description (its `max_payload`, whether it wants
    /// a user and password).
    Info(String),
    Msg {
        subject: String,
        sid: String,
        reply: Option<String>,
        payload: String,
    },
    Ping,
    Pong,
    Ok,
    /// The server's complaint, without its quotes.
    Err(String),
}

/// A line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NatsError {
    #[error("a NATS line is not understood: {0:?}")]
    Unknown(String),
    #[error("a NATS line or payload passed {MAX_LINE_BYTES} bytes")]
    TooLarge,
}

/// Reads the server's lines and payloads across WebSocket messages.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    buffer: Vec<u8>,
}

impl Reader {
    pub fn reset(&mut self) {
        self.buffer.clear();
    }

    /// Reads what one WebSocket message adds.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<Result<Incoming, NatsError>>) {
        self.buffer.extend_from_slice(data);
        loop {
            let Some(line_end) = self.buffer.windows(2).position(|pair| pair == b"\r\n") else {
                if self.buffer.len() > MAX_LINE_BYTES {
                    self.buffer.clear();
                    out.push(Err(NatsError::TooLarge));
                }
                return;
            };
            let line = String::from_utf8_lossy(self.buffer.get(..line_end).unwrap_or_default())
                .into_owned();
            let mut words = line.split(' ').filter(|word| !word.is_empty());
            let verb = words.next().unwrap_or_default().to_ascii_uppercase();
            let (read, used) = match verb.as_str() {
                "MSG" => {
                    let fields: Vec<&str> = words.collect();
                    let (subject, sid, reply, size) = match fields.as_slice() {
                        [subject, sid, size] => (*subject, *sid, None, *size),
                        [subject, sid, reply, size] => (*subject, *sid, Some(*reply), *size),
                        _ => {
                            self.buffer.drain(..line_end + 2);
                            out.push(Err(NatsError::Unknown(line.chars().take(80).collect())));
                            continue;
                        }
                    };
                    let Ok(size) = size.parse::<usize>() else {
                        self.buffer.drain(..line_end + 2);
                        out.push(Err(NatsError::Unknown(line.chars().take(80).collect())));
                        continue;
                    };
                    if size > MAX_LINE_BYTES {
                        self.buffer.clear();
                        out.push(Err(NatsError::TooLarge));
                        return;
                    }
                    let start = line_end + 2;
                    let Some(payload) = self.buffer.get(start..start + size) else {
                        return;
                    };
                    // The payload ends with its own \r\n.
                    if self.buffer.len() < start + size + 2 {
                        return;
                    }
                    let message = Incoming::Msg {
                        subject: subject.to_owned(),
                        sid: sid.to_owned(),
                        reply: reply.map(str::to_owned),
                        payload: String::from_utf8_lossy(payload).into_owned(),
                    };
                    (Ok(message), start + size + 2)
                }
                "INFO" => (
                    Ok(Incoming::Info(
                        line.get(4..).unwrap_or_default().trim().to_owned(),
                    )),
                    line_end + 2,
                ),
                "PING" => (Ok(Incoming::Ping), line_end + 2),
                "PONG" => (Ok(Incoming::Pong), line_end + 2),
                "+OK" => (Ok(Incoming::Ok), line_end + 2),
                "-ERR" => {
                    let said = line.get(4..).unwrap_or_default().trim();
                    let said = said
                        .strip_prefix('\'')
                        .and_then(|said| said.strip_suffix('\''))
                        .unwrap_or(said);
                    (Ok(Incoming::Err(said.to_owned())), line_end + 2)
                }
                _ => (
                    Err(NatsError::Unknown(line.chars().take(80).collect())),
                    line_end + 2,
                ),
            };
            self.buffer.drain(..used.min(self.buffer.len()));
            out.push(read);
        }
    }
}

#[cfg(test)]
mod tests;
