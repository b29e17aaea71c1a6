//! Where the links are in a message's text: `http://` and `https://` URLs,
//! and no other scheme ever. The view makes each an `a` element between
//! plain text nodes, so the entry's text stays exactly the message's.
//!
//! A link starts at `http://` or `https://` (lower case, as people and
//! servers write them; `HTTP://` is left as text) that no letter or digit
//! comes right before, and runs to ASCII whitespace, a control character,
//! `<`, `>` or `"` (other spaces, such as U+3000, are read as part of it). Punctuation that ends a sentence is not part of it (`.`,
//! `,`, `:`, `;`, `!`, `?`, `'`), nor a closing `)` or `]` it did not
//! open. Only the bytes are scanned, lazily: no substring searcher, no
//! allocation.

use std::ops::Range;

/// The byte ranges of the links in `text`, in order and apart.
pub fn find(text: &str) -> Links<'_> {
    Links {
        bytes: text.as_bytes(),
        at: 0,
    }
}

/// The links of a text, as [`find`] gives them: byte ranges, in order.
#[derive(Debug, Clone)]
pub struct Links<'a> {
    bytes: &'a [u8],
    /// Where to look on from.
    at: usize,
}

impl Iterator for Links<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.bytes;
        while let Some(rest) = bytes.get(self.at..).filter(|rest| !rest.is_empty()) {
            let start = self.at;
            self.at += 1;
            let scheme = if rest.starts_with(b"https://") {
                8
            } else if rest.starts_with(b"http://") {
                7
            } else {
                continue;
            };
            let in_word = start
                .checked_sub(1)
                .and_then(|before| bytes.get(before))
                .is_some_and(u8::is_ascii_alphanumeric);
            if in_word {
                continue;
            }
            let end = link_end(bytes, start, start + scheme);
            if end > start + scheme {
                self.at = end;
                return Some(start..end);
            }
        }
        None
    }
}

/// Where the link that starts at `start` ends, its address beginning at
/// `address`: at the first byte that cannot be in it (ASCII whitespace or
/// control, `<`, `>`, `"`), less the punctuation that closes the sentence
/// around it. Every byte it stops at is ASCII, so the link ends on a
/// character boundary.
fn link_end(bytes: &[u8], start: usize, address: usize) -> usize {
    let mut end = address;
    while bytes
        .get(end)
        .is_some_and(|b| (b.is_ascii_graphic() || *b >= 0x80) && !matches!(b, b'<' | b'>' | b'"'))
    {
        end += 1;
    }
    while end > address {
        let link = bytes.get(start..end).unwrap_or_default();
        let trailing = match link.last() {
            Some(b'.' | b',' | b':' | b';' | b'!' | b'?' | b'\'') => true,
            Some(b')') => unbalanced(link, b'(', b')'),
            Some(b']') => unbalanced(link, b'[', b']'),
            _ => false,
        };
        if !trailing {
            break;
        }
        end -= 1;
    }
    end
}

/// Whether `link` closes more than it opens.
fn unbalanced(link: &[u8], open: u8, close: u8) -> bool {
    let depth = link.iter().fold(0isize, |depth, b| {
        depth + isize::from(*b == close) - isize::from(*b == open)
    });
    depth > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The links of `text`, as strings.
    fn links(text: &str) -> Vec<&str> {
        find(text)
            .map(|range| text.get(range).unwrap_or("<not a char boundary>"))
            .collect()
    }

    #[test]
    fn finds_http_and_https_links_among_words() {
        assert_eq!(
            links("see https://example.com and http://a.b/c?d=e#f now"),
            ["https://example.com", "http://a.b/c?d=e#f"]
        );
        assert_eq!(links("https://example.com"), ["https://example.com"]);
    }

    #[test]
    fn sentence_punctuation_after_a_link_is_not_part_of_it() {
        assert_eq!(links("go to https://x.org."), ["https://x.org"]);
        assert_eq!(links("https://x.org, then"), ["https://x.org"]);
        assert_eq!(links("(see https://x.org/a)"), ["https://x.org/a"]);
        assert_eq!(links("really https://x.org?!"), ["https://x.org"]);
        assert_eq!(links("'https://x.org'"), ["https://x.org"]);
    }

    #[test]
    fn balanced_brackets_stay_in_the_link() {
        assert_eq!(
            links("(https://en.wikipedia.org/wiki/Rust_(language))"),
            ["https://en.wikipedia.org/wiki/Rust_(language)"]
        );
        assert_eq!(links("[https://x.org/a[1]]"), ["https://x.org/a[1]"]);
    }

    #[test]
    fn a_link_stops_at_whitespace_and_markup_characters() {
        assert_eq!(links("https://x.org/a\tb"), ["https://x.org/a"]);
        assert_eq!(links("<https://x.org/a>"), ["https://x.org/a"]);
        assert_eq!(links(r#"<a href="https://x.org/a">"#), ["https://x.org/a"]);
        assert_eq!(links("https://例え.jp/パス"), ["https://例え.jp/パス"]);
    }

    #[test]
    fn no_other_scheme_is_ever_a_link() {
        for text in [
            "javascript:alert(1)",
            "javascript://%0aalert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://x.org",
            "HTTP://X.ORG",
            "Https://x.org",
            "mailto:a@b.c",
            "vbscript:x",
            "file:///etc/passwd",
        ] {
            assert_eq!(links(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn a_scheme_inside_a_word_or_alone_is_not_a_link() {
        assert_eq!(links("javascript:http://x.org"), ["http://x.org"]);
        assert_eq!(links("xhttp://x.org"), Vec::<&str>::new());
        assert_eq!(links("http:// x"), Vec::<&str>::new());
        assert_eq!(links("https://."), Vec::<&str>::new());
        assert_eq!(links("http://https://x"), ["http://https://x"]);
        assert_eq!(links("hhhttp://x h"), Vec::<&str>::new());
        assert_eq!(links("ahttp http://y"), ["http://y"]);
    }

    #[test]
    fn text_without_links_finds_none() {
        assert_eq!(find("hello there, http:// x").next(), None);
    }
}
