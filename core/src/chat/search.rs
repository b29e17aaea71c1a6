//! Search over the conversation's texts: case-insensitive for every
//! script (by each character's lower case), as a reader types.

use super::Chat;

/// A query, folded once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    folded: Vec<char>,
    ascii: bool,
}

impl Query {
    pub fn new(text: &str) -> Query {
        let folded: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
        Query {
            ascii: folded.iter().all(char::is_ascii),
            folded,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }

    /// The byte ranges of `text` that match, in order, not overlapping.
    pub fn find_all(&self, text: &str) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        let mut from = 0;
        while let Some((start, end)) = self.find_from(text, from) {
            found.push((start, end));
            from = end.max(start + 1);
        }
        found
    }

    /// Whether `text` holds a match.
    pub fn matches(&self, text: &str) -> bool {
        self.find_from(text, 0).is_some()
    }

    /// The first match at or after byte `from`.
    fn find_from(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        if self.folded.is_empty() {
            return None;
        }
        let rest = text.get(from..)?;
        if self.ascii && rest.is_ascii() {
            let bytes = rest.as_bytes();
            let width = self.folded.len();
            return bytes
                .windows(width)
                .position(|window| {
                    window
                        .iter()
                        .zip(&self.folded)
                        .all(|(byte, folded)| byte.to_ascii_lowercase() as u32 == *folded as u32)
                })
                .map(|start| (from + start, from + start + width));
        }
        rest.char_indices().find_map(|(start, _)| {
            self.match_at(rest.get(start..)?)
                .map(|len| (from + start, from + start + len))
        })
    }

    /// The byte length of the match that starts `text`, if one does.
    fn match_at(&self, text: &str) -> Option<usize> {
        let mut wanted = self.folded.iter();
        let mut next = wanted.next();
        for (at, char) in text.char_indices() {
            for lower in char.to_lowercase() {
                match next {
                    Some(&want) if want == lower => next = wanted.next(),
                    _ => return None,
                }
            }
            if next.is_none() {
                return Some(at + char.len_utf8());
            }
        }
        None
    }
}

impl Chat {
    /// The ids of shown entries whose held text matches, newest first;
    /// entries below `below` only (the whole conversation with
    /// `usize::MAX`). Entries whose texts are not held are the history's to
    /// search.
    pub fn search(&self, query: &Query, below: usize) -> Vec<usize> {
        let end = below.min(self.end());
        (0..end)
            .rev()
            .filter(|&index| {
                self.at_index(index)
                    .is_some_and(|entry| entry.held && query.matches(entry.text))
            })
            .collect()
    }

    /// Entries whose texts are not held, newest first: the history's part
    /// of a search.
    pub fn not_held(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.end())
            .rev()
            .filter(|&index| self.at_index(index).is_some_and(|entry| !entry.held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::ChatEvent;

    #[test]
    fn matching_ignores_case_in_every_script() {
        let query = Query::new("ÉTÉ");
        assert!(query.matches("un été chaud"));
        assert_eq!(query.find_all("Été, été"), vec![(0, 5), (7, 12)]);
        assert!(Query::new("straße").matches("STRASSE straße"));
        assert!(Query::new("hello").matches("Say HELLO"));
        assert!(!Query::new("hello").matches("hell"));
        assert!(!Query::new("").matches("anything"));
    }

    #[test]
    fn ascii_matches_give_byte_ranges() {
        assert_eq!(Query::new("ab").find_all("xAbab"), vec![(1, 3), (3, 5)]);
        assert_eq!(Query::new("aa").find_all("aaaa"), vec![(0, 2), (2, 4)]);
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
        let query = Query::new("needle");
        assert_eq!(chat.search(&query, usize::MAX), vec![2, 0]);
        assert_eq!(chat.search(&query, 2), vec![0]);
    }
}
