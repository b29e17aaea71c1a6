//! Search over the conversation's texts, case-insensitive as a reader
//! types.
//!
//! ASCII texts are compared byte by byte, ignoring case. Other texts are
//! compared once folded to lower case by the [`Fold`] the caller gives:
//! the browser's own `toLowerCase`, which knows every script, so that the
//! bundle carries no case tables (`char::to_lowercase` would cost 11 KB).

use super::Chat;

/// Folds a text to lower case.
pub type Fold<'a> = &'a dyn Fn(&str) -> String;

/// A query, folded once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    folded: String,
}

impl Query {
    pub fn new(text: &str, fold: Fold) -> Query {
        Query {
            folded: if text.is_ascii() {
                text.to_ascii_lowercase()
            } else {
                fold(text)
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }

    /// Whether `text` holds a match.
    pub fn matches(&self, text: &str, fold: Fold) -> bool {
        if self.folded.is_empty() {
            return false;
        }
        if text.is_ascii() {
            return find(text.as_bytes(), self.folded.as_bytes(), 0).is_some();
        }
        find(fold(text).as_bytes(), self.folded.as_bytes(), 0).is_some()
    }

    /// The byte ranges of `text` that match, in order, not overlapping.
    /// Each character of a text that is not ASCII is folded on its own, so
    /// that a match maps back onto the text.
    pub fn find_all(&self, text: &str, fold: Fold) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        if self.folded.is_empty() {
            return found;
        }
        // The folded text, and where each of its bytes came from.
        let (folded, origin): (String, Vec<(usize, usize)>) = if text.is_ascii() {
            (
                text.to_owned(),
                (0..text.len()).map(|at| (at, at + 1)).collect(),
            )
        } else {
            let mut folded = String::with_capacity(text.len());
            let mut origin = Vec::with_capacity(text.len());
            for (at, char) in text.char_indices() {
                let lower = fold(char.encode_utf8(&mut [0; 4]));
                origin.extend(std::iter::repeat_n((at, at + char.len_utf8()), lower.len()));
                folded.push_str(&lower);
            }
            (folded, origin)
        };
        let mut from = 0;
        while let Some(start) = find(folded.as_bytes(), self.folded.as_bytes(), from) {
            let end = start + self.folded.len();
            if let (Some(first), Some(last)) = (origin.get(start), origin.get(end - 1)) {
                found.push((first.0, last.1));
            }
            from = end;
        }
        found
    }
}

/// The first place at or after `from` where `needle` is in `hay`, ASCII
/// letters compared without case.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let rest = hay.get(from..)?;
    rest.windows(needle.len())
        .position(|window| {
            window
                .iter()
                .zip(needle)
                .all(|(byte, wanted)| byte.to_ascii_lowercase() == *wanted)
        })
        .map(|at| from + at)
}

impl Chat {
    /// The ids of shown entries whose held text matches, newest first;
    /// entries below `below` only (the whole conversation with
    /// `usize::MAX`). Entries whose texts are not held are the history's to
    /// search.
    pub fn search(&self, query: &Query, below: usize, fold: Fold) -> Vec<usize> {
        let end = below.min(self.end());
        (0..end)
            .rev()
            .filter(|&index| {
                self.at_index(index)
                    .is_some_and(|entry| entry.held && query.matches(entry.text, fold))
            })
            .collect()
    }

    /// Entries whose texts are not held, newest first: the history's part
    /// of a search.
    pub fn not_held(&self) -> impl Iterator<Item = usize> + '_ {
        // Chunks go oldest first, so the entries whose texts went are a
        // prefix of the conversation: only it is walked, not every entry.
        let prefix = self
            .slots
            .partition_point(|slot| self.texts.gone(slot.place));
        (0..prefix)
            .rev()
            .filter(|&index| self.at_index(index).is_some_and(|entry| !entry.held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::ChatEvent;

    fn lower(text: &str) -> String {
        text.to_lowercase()
    }

    #[test]
    fn matching_ignores_case_in_every_script() {
        let query = Query::new("ÉTÉ", &lower);
        assert!(query.matches("un été chaud", &lower));
        assert_eq!(query.find_all("Été, été", &lower), vec![(0, 5), (7, 12)]);
        assert!(Query::new("ΣΟΦΙΑ", &lower).matches("η σοφια", &lower));
        assert!(Query::new("hello", &lower).matches("Say HELLO", &lower));
        assert!(!Query::new("hello", &lower).matches("hell", &lower));
        assert!(!Query::new("", &lower).matches("anything", &lower));
    }

    #[test]
    fn a_match_maps_back_onto_the_text_when_folding_changes_lengths() {
        // 'İ' folds to two characters ("i̇"); the match still covers it.
        let query = Query::new("i̇x", &lower);
        assert_eq!(query.find_all("aİx", &lower), vec![(1, 4)]);
    }

    #[test]
    fn ascii_matches_give_byte_ranges() {
        let lower: Fold = &lower;
        assert_eq!(
            Query::new("ab", lower).find_all("xAbab", lower),
            vec![(1, 3), (3, 5)]
        );
        assert_eq!(
            Query::new("aa", lower).find_all("aaaa", lower),
            vec![(0, 2), (2, 4)]
        );
    }

    #[test]
    fn search_lists_matching_entries_newest_first() {
        let mut chat = Chat::default();
        chat.apply_all(["needle one", "hay", "a NEEDLE", "straw"].map(|text| {
            ChatEvent::Received {
                sender: "bob".into(),
                text: text.into(),
            }
        }));
        let query = Query::new("needle", &lower);
        assert_eq!(chat.search(&query, usize::MAX, &lower), vec![2, 0]);
        assert_eq!(chat.search(&query, 2, &lower), vec![0]);
    }

    #[test]
    fn the_history_searches_only_the_entries_whose_texts_went() {
        let mut chat = Chat::default();
        chat.hold(1 << 20);
        chat.keep(true);
        for index in 0..200 {
            chat.apply(ChatEvent::Received {
                sender: "bot".into(),
                text: format!("{index} {}", "x".repeat(16 * 1024)),
            });
        }
        let gone: Vec<usize> = chat.not_held().collect();
        assert!(!gone.is_empty() && gone.len() < 200);
        assert!(
            gone.windows(2).all(|pair| pair[0] == pair[1] + 1),
            "newest first, a prefix"
        );
        assert_eq!(gone.last(), Some(&0));
        chat.recall(0, "back");
        assert!(
            !chat.not_held().any(|index| index == 0),
            "a recalled text is held"
        );
    }
}
