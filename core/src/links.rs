//! Where the links are in a message's text: `http://` and `https://` URLs,
//! and no other scheme ever. The view makes each an `a` element between
//! plain text nodes, so the entry's text stays exactly the message's.
//!
//! A link starts at `http://` or `https://` (lower case, as people and
//! servers write them; `HTTP://` is left as text) that no letter or digit
//! comes right before, and runs to whitespace, a control character, `<`,
//! `>` or `"`. Punctuation that ends a sentence is not part of it (`.`,
//! `,`, `:`, `;`, `!`, `?`, `'`), nor a closing `)` or `]` it did not
//! open. Only the bytes are scanned: no substring searcher, no allocation
//! for a text without links.

use std::ops::Range;

/// The schemes that make links, longest first.
const SCHEMES: [&[u8]; 2] = [b"https://", b"http://"];

/// The byte ranges of the links in `text`, in order and apart.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut links = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|b| *b == b'h'))
    {
        let start = at + offset;
        at = start + 1;
        let Some(scheme) = scheme_at(bytes, start) else {
            continue;
        };
        let end = link_end(text, start, start + scheme);
        if end > start + scheme {
            links.push(start..end);
            at = end;
        }
    }
    links
}

/// The length of the scheme that starts a link at `start`, if one does.
fn scheme_at(bytes: &[u8], start: usize) -> Option<usize> {
    let before = start.checked_sub(1).and_then(|index| bytes.get(index));
    if before.is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let rest = bytes.get(start..)?;
    SCHEMES
        .iter()
        .find(|scheme| rest.starts_with(scheme))
        .map(|scheme| scheme.len())
}

/// Where the link that starts at `start` ends, its address beginning at
/// `after_scheme`: at the first character that cannot be in it, less the
/// punctuation that closes the sentence around it.
fn link_end(text: &str, start: usize, after_scheme: usize) -> usize {
    let tail = text.get(after_scheme..).unwrap_or_default();
    let mut end = after_scheme
        + tail
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
            .map_or(tail.len(), |(index, _)| index);
    while end > after_scheme {
        let link = text.get(start..end).unwrap_or_default();
        let trailing = match link.as_bytes().last() {
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
fn unbalanced(link: &str, open: u8, close: u8) -> bool {
    let count = |wanted: u8| link.bytes().filter(|b| *b == wanted).count();
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
        assert_eq!(links("https://x.org/\u{3000}next"), ["https://x.org/"]);
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
