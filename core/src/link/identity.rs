//! Who a session told the server the user is, and the join frame that goes
//! first on every session.

use super::{Driver, Link};

/// What a session told the server about who the user is: servers that
/// learn a name from the URL or a join frame show every message on that
/// session under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Identity {
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

impl Link {
    /// What a session opened for `name` tells the server: the name in its
    /// URL (`{name}` in `server`), or a join frame still due.
    pub(super) fn identity_for(&self, name: String) -> Identity {
        let by_url = crate::template::has_name(&self.config.server).then_some(name);
        match by_url {
            // A codec that writes a join frame at all has one configured.
            _ if self.config.codec.join("").is_some() => Identity::JoinDue(by_url),
            Some(name) => Identity::As(name),
            None => Identity::Anonymous,
        }
    }

    /// Sends the join frame if one is due, with the session URL's name or
    /// the name of the first message (or the user's, if there is none yet).
    /// Returns whether messages may follow on this session.
    pub(super) fn join_first(&mut self, driver: &mut impl Driver) -> bool {
        if let Identity::JoinDue(by_url) = &self.identity {
            let name = by_url
                .clone()
                .unwrap_or_else(|| self.next_name().to_owned());
            match self.config.codec.join(&name) {
                // A URL that named nobody: the session stays nobody's, and a
                // message with a name goes out on a new one.
                _ if name.is_empty() && by_url.is_some() => {}
                // Nothing to join as yet, and so nothing to send.
                _ if name.is_empty() => return false,
                // A socket that refuses it is going.
                Some(join) if !self.send_protocol_frame(&join, driver) => return false,
                _ => {}
            }
            self.identity = Identity::As(name);
        }
        true
    }

    /// Whether `name`'s message may go out on this session: not on one that
    /// told the server another name.
    pub(super) fn speaks_as(&self, name: &str) -> bool {
        match &self.identity {
            Identity::As(session) => session == name,
            Identity::Anonymous | Identity::JoinDue(_) => true,
        }
    }

    /// The name that what goes out next was written under, else the name
    /// the user has now.
    pub(super) fn next_name(&self) -> &str {
        self.ledger
            .next()
            .map_or(self.config.name.as_str(), |next| next.name.as_str())
    }
}
