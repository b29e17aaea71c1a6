//! Who is typing, and how that reads beside the message input: `bob is
//! typing…`, `bob and carol are typing…`. The shell shows [`Typists::words`]
//! and forgets everyone once [`TYPING_FOR`] passes without a notice; a
//! `stop typing` notice, or a line from the typist, ends theirs before.

use std::time::Duration;

/// How long typing notices show after the last one.
pub const TYPING_FOR: Duration = Duration::from_secs(5);
/// How many typists are named; a server that names more replaces the one
/// named first.
pub const MAX_TYPISTS: usize = 8;
/// How many bytes of a typist's name are shown, at most.
pub const MAX_NAME_BYTES: usize = 64;

/// The people typing now, in the order they started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typists {
    names: Vec<String>,
}

impl Typists {
    /// `name` is typing. Returns whether that changed who is shown.
    pub fn start(&mut self, mut name: String) -> bool {
        let mut cut = name.len().min(MAX_NAME_BYTES);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        // Known already: moved to the end, and shown as it was until the
        // next change.
        let known = self.stop(&name);
        if self.names.len() == MAX_TYPISTS {
            self.names.remove(0);
        }
        self.names.push(name);
        !known
    }

    /// `name` stopped typing, or sent a line. Returns whether that changed
    /// who is shown.
    pub fn stop(&mut self, name: &str) -> bool {
        let Some(index) = self.names.iter().position(|known| known == name) else {
            return false;
        };
        self.names.remove(index);
        true
    }

    /// Nobody is typing any more: their notices are too old.
    pub fn clear(&mut self) {
        self.names.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// What the page shows: empty when nobody types.
    pub fn words(&self) -> String {
        let mut words = String::new();
        let count = self.names.len();
        for (index, name) in self.names.iter().enumerate() {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_two_and_three_typists_read_as_a_sentence() {
        let mut typists = Typists::default();
        assert_eq!(typists.words(), "");
        assert!(typists.start("bob".into()));
        assert_eq!(typists.words(), "bob is typing…");
        assert!(typists.start("carol".into()));
        assert_eq!(typists.words(), "bob and carol are typing…");
        assert!(typists.start("dan".into()));
        assert_eq!(typists.words(), "bob, carol and dan are typing…");
        assert!(!typists.start("carol".into()), "already shown");
    }

    #[test]
    fn stopping_or_sending_clears_only_that_typist() {
        let mut typists = Typists::default();
        typists.start("bob".into());
        typists.start("carol".into());
        assert!(typists.stop("bob"));
        assert!(!typists.stop("bob"));
        assert_eq!(typists.words(), "carol is typing…");
        typists.clear();
        assert!(typists.is_empty());
        assert_eq!(typists.words(), "");
    }

    #[test]
    fn a_flood_of_names_keeps_a_short_line() {
        let mut typists = Typists::default();
        for n in 0..10_000 {
            typists.start(format!("u{n}"));
        }
        assert_eq!(typists.names.len(), MAX_TYPISTS);
        assert!(typists.words().starts_with("u9992, u9993"));
        typists.start("é".repeat(1_000));
        assert!(typists
            .words()
            .contains(&format!("and {} are", "é".repeat(32))));
    }
}
