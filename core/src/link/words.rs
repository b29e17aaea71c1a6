//! The words the user reads: system lines and the status's texts. Every
//! sentence the link shows is here, so that they read as one voice.

use std::time::Duration;

use super::{CloseInfo, Link};
use crate::{
    protocol::byte_count,
    template::{replace_all, TOKEN_FIELD},
};

/// The status after Disconnect.
pub(super) const STOPPED_BY_USER: &str = "disconnected; press Reconnect to connect again";

/// The line and status when a server refuses the token.
pub(super) const TOKEN_REFUSED: &str = "the server refused the token; enter another in Settings";

/// The line when a duplicated tab lets its original keep the messages.
pub(super) const COPIED_TAB: &str =
    "this tab was copied from another open tab; its unsent messages stay with that tab";

impl CloseInfo {
    /// The words after `disconnected`.
    pub(super) fn describe(&self) -> String {
        // Written as a u32: a u16 would bring a formatter of its own.
        match (u32::from(self.code), self.reason.trim()) {
            (code, "") => format!("code {code}"),
            (code, reason) => format!("{reason}, code {code}"),
        }
    }
}

impl Link {
    /// `text` with the token shown as `{token}`: what the browser or a
    /// server says may quote it (the subprotocol the server chose, a
    /// refusal's reason, an invalid subprotocol).
    pub(super) fn redact(&self, text: String) -> String {
        match self.config.codec.token() {
            Some(token) => replace_all(&text, token, TOKEN_FIELD),
            None => text,
        }
    }

    /// Why a socket closed before it opened, as far as a page can know.
    pub(super) fn refused_line(&self) -> String {
        let token = match self.config.codec.token() {
            Some(_) => "the token, ",
            None => "",
        };
        format!(
            "could not connect to {}: the server refused the connection; check the address, {token}or whether the server accepts this page's origin, {}",
            self.url,
            self.config.page.origin()
        )
    }
}

/// The system line when a socket closes: `disconnected (why)`.
pub(super) fn disconnected(why: &str) -> String {
    format!("disconnected ({why})")
}

/// The status while a socket opens; `attempt` counts the failures before.
pub(super) fn connecting(url: &str, failures: u32) -> String {
    if failures == 0 {
        format!("connecting to {url}…")
    } else {
        format!("reconnecting to {url} (attempt {})…", failures + 1)
    }
}

/// The status once a socket opened, with the subprotocol the server chose.
pub(super) fn connected(url: &str, protocol: &str) -> String {
    let mut text = format!("connected to {url}");
    if !protocol.is_empty() {
        text.push_str(" (");
        text.push_str(protocol);
        text.push(')');
    }
    text
}

/// Why a socket could not even be made: the browser's error says.
pub(super) fn cannot_open(url: &str, error: &str) -> String {
    format!("cannot open {url}: {error}")
}

/// The status while the retry timer runs.
pub(super) fn reconnecting_in(delay: Duration) -> String {
    format!("disconnected; reconnecting in {}", seconds(delay))
}

/// The status after the server ended the session on purpose.
pub(super) fn ended(reason: &str) -> String {
    format!("{reason}; press Reconnect to connect again")
}

/// The line when a server that promised heartbeats went quiet.
pub(super) fn silent(silent: Duration) -> String {
    format!(
        "disconnected (the server was silent for {})",
        seconds(silent)
    )
}

/// The line when the browser refuses to store the outbox.
pub(super) fn cannot_store(why: &str) -> String {
    format!(
        "this browser cannot store unsent messages ({why}); they stay in this page, and a reload would lose them"
    )
}

/// Why a message was not sent: it names the message by its start, since
/// its entry goes.
pub(super) fn too_large(text: &str, bytes: usize, limit: usize) -> String {
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
pub(super) fn seconds(delay: Duration) -> String {
    // u64, not the u128 of as_millis: u128 formatting costs the bundle.
    let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    if millis < 1000 {
        format!("0.{} s", millis / 100)
    } else {
        format!("{} s", millis.saturating_add(500) / 1000)
    }
}
