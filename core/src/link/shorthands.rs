//! One method per input, for tests that read as a story.

use super::{CloseInfo, Driver, Input, Link, Owner};
use crate::{
    chat::EntryId,
    config::Echo,
    outbox::Queued,
    protocol::{Codec, Frame},
};

/// Shorthands for the tests and the fuzz suite, which call the link by
/// name: each is [`Link::apply`] with one [`Input`]. The app calls `apply`.
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
