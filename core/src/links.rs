//! Where the links are in a message's text: `http://` and `https://` URLs,
//! and no other scheme ever. The view makes each an `a` element between
//! plain text nodes, so the entry's text stays exactly the message's.
//!
//! A link starts at `http://` or `https://` (lower case, as people and
//! servers write them; `HTTP://` is left as text) that no letter or digit
//! comes right before, and runs to ASCII whitespace, a control character,
//! `<`, `>` or `"` (other spaces, such as U+3000, are read as part of it). Punctuation that ends a sentence is not part of it (`.`,
//! `,`, `:`, `;`, `!`, `?`, `'`), nor a closing `)` or `]` it did not
//! open. Only the bytes are scanned: no substring searcher, no allocation
//! for a text without links.

use std::ops::Range;

/// The byte ranges of the links in `text`, in order and apart.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut links = Vec::new();
    let mut start = 0;
    while let Some(rest) = bytes.get(start..).filter(|rest| !rest.is_empty()) {
        let scheme = if rest.starts_with(b"https://") {
            8
        } else if rest.starts_with(b"http://") {
            7
        } else {
            0
        };
        let in_word = start
            .checked_sub(1)
            .and_then(|before| bytes.get(before))
            .is_some_and(u8::is_ascii_alphanumeric);
        if scheme > 0 && !in_word {
            let end = link_end(bytes, start, start + scheme);
            if end > start + scheme {
                links.push(start..end);
                start = end;
                continue;
            }
        }
        start += 1;
    }
    links
}

/// Where the link that starts at `start` ends, its address beginning at
/// `address`: at the first byte that cannot be in it, less the punctuation
/// that closes the sentence around it. Every byte it stops at is ASCII, so
/// the link ends on a character boundary.
fn link_end(bytes: &[u8], start: usize, address: usize) -> usize {
    let mut end = address;
    while bytes
        .get(end)
        .is_some_and(|b| !(b.is_ascii_whitespace() || b.is_ascii_control() || b"<>\"".contains(b)))
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
    let count = |wanted: u8| link.iter().filter(|b| **b == wanted).count();
    count(close) > count(open)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The links of `text`, as strings.
    fn links(text: &str) -> Vec<&str> {
        find(text)
            .into_iter()
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
    fn text_without_links_costs_no_allocation() {
        assert_eq!(find("hello there").capacity(), 0);
    }
}
