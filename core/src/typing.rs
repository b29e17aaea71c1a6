//! Who is typing, and how that reads beside the message input: `bob is
//! typing…`, `bob and carol are typing…`. A notice lasts [`TYPING_MS`]
//! unless its sender stops typing or sends a line first. The shell owns a
//! [`Typists`] and one timer for [`Typists::next_due`].

/// How long a typing notice shows without another one, in milliseconds.
pub const TYPING_MS: f64 = 5_000.0;
/// How many typists are kept; a server that names more replaces the one
/// whose notice ends first.
pub const MAX_TYPISTS: usize = 8;

/// How many characters of a typist's name are shown.
pub const MAX_NAME_CHARS: usize = 64;

/// The people typing now, each with when their notice ends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typists {
    typing: Vec<(String, f64)>,
}

impl Typists {
    /// `name` is typing at `now_ms`: shown until [`TYPING_MS`] later.
    pub fn start(&mut self, mut name: String, now_ms: f64) {
        if let Some((cut, _)) = name.char_indices().nth(MAX_NAME_CHARS) {
            name.truncate(cut);
        }
        let until = now_ms + TYPING_MS;
        if let Some(typist) = self.typing.iter_mut().find(|(known, _)| *known == name) {
            typist.1 = until;
            return;
        }
        if self.typing.len() == MAX_TYPISTS {
            self.remove_first_due();
        }
        self.typing.push((name, until));
    }

    /// `name` stopped typing, or sent a line. Returns whether that changed
    /// anything.
    pub fn stop(&mut self, name: &str) -> bool {
        let before = self.typing.len();
        self.typing.retain(|(known, _)| known != name);
        self.typing.len() != before
    }

    /// Forgets the notices that ended by `now_ms`. Returns whether that
    /// changed anything.
    pub fn expire(&mut self, now_ms: f64) -> bool {
        let before = self.typing.len();
        self.typing.retain(|(_, until)| *until > now_ms);
        self.typing.len() != before
    }

    /// When the first notice ends, if any shows.
    pub fn next_due(&self) -> Option<f64> {
        self.typing.iter().map(|(_, until)| *until).reduce(f64::min)
    }

    pub fn is_empty(&self) -> bool {
        self.typing.is_empty()
    }

    /// What the page shows: empty when nobody types.
    pub fn words(&self) -> String {
        let mut words = String::new();
        let count = self.typing.len();
        for (index, (name, _)) in self.typing.iter().enumerate() {
            if index > 0 {
                words.push_str(if index + 1 == count { " and " } else { ", " });
            }
            words.push_str(name);
        }
        match count {
            0 => {}
            1 => words.push_str(" is typing…"),
            _ => words.push_str(" are typing…"),
        }
        words
    }

    fn remove_first_due(&mut self) {
        let first = self
            .typing
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| a.1.total_cmp(&b.1))
            .map(|(index, _)| index);
        if let Some(index) = first {
            self.typing.remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_two_and_three_typists_read_as_a_sentence() {
        let mut typists = Typists::default();
        assert_eq!(typists.words(), "");
        typists.start("bob".into(), 0.0);
        assert_eq!(typists.words(), "bob is typing…");
        typists.start("carol".into(), 0.0);
        assert_eq!(typists.words(), "bob and carol are typing…");
        typists.start("dan".into(), 0.0);
        assert_eq!(typists.words(), "bob, carol and dan are typing…");
    }

    #[test]
    fn a_notice_ends_after_five_seconds_unless_renewed() {
        let mut typists = Typists::default();
        typists.start("bob".into(), 1_000.0);
        typists.start("carol".into(), 2_000.0);
        assert_eq!(typists.next_due(), Some(6_000.0));
        assert!(!typists.expire(5_999.0));
        typists.start("bob".into(), 5_999.0);
        assert!(typists.expire(7_000.0));
        assert_eq!(typists.words(), "bob is typing…");
        assert_eq!(typists.next_due(), Some(10_999.0));
        assert!(typists.expire(10_999.0));
        assert!(typists.is_empty());
        assert_eq!(typists.next_due(), None);
    }

    #[test]
    fn stopping_or_sending_clears_only_that_typist() {
        let mut typists = Typists::default();
        typists.start("bob".into(), 0.0);
        typists.start("carol".into(), 0.0);
        assert!(typists.stop("bob"));
        assert!(!typists.stop("bob"));
        assert_eq!(typists.words(), "carol is typing…");
    }

    #[test]
    fn a_flood_of_names_keeps_a_bounded_list() {
        let mut typists = Typists::default();
        for n in 0..10_000 {
            typists.start(format!("u{n}"), n as f64);
        }
        assert_eq!(typists.typing.len(), MAX_TYPISTS);
        assert!(typists.words().starts_with("u9992, u9993"));
        typists.start("é".repeat(1_000), 0.0);
        assert!(typists.words().contains(&format!("{} ", "é".repeat(64))));
    }
}
