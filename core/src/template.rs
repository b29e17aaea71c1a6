//! Templates and patterns: text with the fields `{name}`, `{text}` and
//! `{token}`.
//!
//! A template says how a frame is written (`template`, `join`, `auth`, and
//! `{name}` and `{token}` in `server`); a [`Pattern`] says how a text line
//! names its sender (`pattern`). A brace that does not open a field is kept
//! as it is.
//!
//! Substrings are found with `starts_with` at each char boundary rather
//! than `str::find`: the substring searcher is large in the bundle, and
//! lines and templates are short.

/// The field replaced by the user's name.
pub const NAME_FIELD: &str = "{name}";
/// The field replaced by the message text.
pub const TEXT_FIELD: &str = "{text}";
/// The field replaced by the secret the server wants (`#token=`).
pub const TOKEN_FIELD: &str = "{token}";

/// One part of a template or pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a str),
    Name,
    Text,
    Token,
}

/// `template` with each `{name}` replaced by `name` and, when `text` is
/// given, each `{text}` by `text`; without it `{text}` stays. The values go
/// in as they are: a caller that writes JSON escapes them first
/// ([`json_inside`]).
pub fn fill(template: &str, name: &str, text: Option<&str>) -> String {
    fill_fields(template, name, text, None)
}

/// [`fill`], and each `{token}` replaced by `token` when it is given; without
/// it `{token}` stays, so that what is shown never holds the secret. One
/// pass: a value that holds a field's name is never filled again.
pub fn fill_fields(template: &str, name: &str, text: Option<&str>, token: Option<&str>) -> String {
    let mut filled = String::with_capacity(template.len() + name.len());
    for piece in pieces(template) {
        match piece {
            Piece::Literal(literal) => filled.push_str(literal),
            Piece::Name => filled.push_str(name),
            Piece::Text => filled.push_str(text.unwrap_or(TEXT_FIELD)),
            Piece::Token => filled.push_str(token.unwrap_or(TOKEN_FIELD)),
        }
    }
    filled
}

/// `text` with every `from` replaced by `to`, left to right; an empty
/// `from` replaces nothing.
pub fn replace_all(text: &str, from: &str, to: &str) -> String {
    let mut replaced = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(c) = rest(text, at).chars().next() {
        if !from.is_empty() && rest(text, at).starts_with(from) {
            replaced.push_str(to);
            at += from.len();
        } else {
            replaced.push(c);
            at += c.len_utf8();
        }
    }
    replaced
}

/// `value` written as the inside of a JSON string: escaped, without the
/// quotes. Put between quotes in a template it always makes a valid string.
pub fn json_inside(value: &str) -> String {
    // Serialising a string cannot fail; serde_json writes `"…"`.
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default()
        .to_owned()
}

/// Whether `template` holds `{name}`.
pub fn has_name(template: &str) -> bool {
    pieces(template).contains(&Piece::Name)
}

/// Whether `template` holds `{text}`.
pub fn has_text(template: &str) -> bool {
    pieces(template).contains(&Piece::Text)
}

/// `template` with every field filled with `x`, which JSON holds only inside
/// strings: if this is JSON, every field sits inside a string, and so the
/// template filled with any escaped name and text is JSON too.
pub fn json_sample(template: &str) -> String {
    fill_fields(template, "x", Some("x"), Some("x"))
}

/// How a text line names its sender: `{name}: {text}` reads `alice: hi` as
/// `hi` from `alice`. Both fields appear once, with something between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    head: String,
    /// Which field comes first.
    name_first: bool,
    between: String,
    tail: String,
}

impl Pattern {
    /// The pattern, if it holds `{name}` and `{text}` once each, with
    /// something between them.
    pub fn parse(pattern: &str) -> Option<Pattern> {
        let pieces = pieces(pattern);
        // Literals and fields alternate: a head, a field, what is between,
        // a field, a tail; head and tail may be left out.
        let (head, rest) = match pieces.as_slice() {
            [Piece::Literal(head), rest @ ..] => (*head, rest),
            rest => ("", rest),
        };
        let (first, between, second, tail) = match rest {
            [first, Piece::Literal(between), second] => (first, *between, second, ""),
            [first, Piece::Literal(between), second, Piece::Literal(tail)] => {
                (first, *between, second, *tail)
            }
            _ => return None,
        };
        let name_first = match (first, second) {
            (Piece::Name, Piece::Text) => true,
            (Piece::Text, Piece::Name) => false,
            _ => return None,
        };
        Some(Pattern {
            head: head.to_owned(),
            name_first,
            between: between.to_owned(),
            tail: tail.to_owned(),
        })
    }

    /// The sender and the text of `line`, if it matches. The name is the
    /// shortest that fits, since a text may hold the separator and a name
    /// rarely does; an empty name does not match.
    pub fn read<'a>(&self, line: &'a str) -> Option<(&'a str, &'a str)> {
        let middle = line
            .strip_prefix(self.head.as_str())?
            .strip_suffix(self.tail.as_str())?;
        let between = self.between.as_str();
        let mut split = None;
        for at in char_starts(middle) {
            // A split that leaves the name empty is not one.
            let name_left = if self.name_first {
                at > 0
            } else {
                at + between.len() < middle.len()
            };
            if name_left && rest(middle, at).starts_with(between) {
                split = Some(at);
                if self.name_first {
                    break;
                }
            }
        }
        let split = split?;
        let before = middle.get(..split)?;
        let after = middle.get(split + self.between.len()..)?;
        let (name, text) = if self.name_first {
            (before, after)
        } else {
            (after, before)
        };
        (!name.is_empty()).then_some((name, text))
    }
}

/// The byte offsets of `text`'s chars, and its end.
fn char_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.char_indices()
        .map(|(at, _)| at)
        .chain(std::iter::once(text.len()))
}

fn rest(text: &str, at: usize) -> &str {
    text.get(at..).unwrap_or_default()
}

/// Splits a template into literals and fields; consecutive literal text is
/// one piece.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut literal_start = 0;
    let mut at = 0;
    while let Some(brace) = rest(template, at)
        .split_once('{')
        .map(|(head, _)| at + head.len())
    {
        let after = rest(template, brace);
        let field = if after.starts_with(NAME_FIELD) {
            Some((Piece::Name, NAME_FIELD.len()))
        } else if after.starts_with(TEXT_FIELD) {
            Some((Piece::Text, TEXT_FIELD.len()))
        } else if after.starts_with(TOKEN_FIELD) {
            Some((Piece::Token, TOKEN_FIELD.len()))
        } else {
            None
        };
        match field {
            Some((piece, len)) => {
                if brace > literal_start {
                    pieces.push(Piece::Literal(
                        template.get(literal_start..brace).unwrap_or_default(),
                    ));
                }
                pieces.push(piece);
                at = brace + len;
                literal_start = at;
            }
            None => at = brace + 1,
        }
    }
    if template.len() > literal_start {
        pieces.push(Piece::Literal(rest(template, literal_start)));
    }
    pieces
}

#[cfg(test)]
mod tests;
