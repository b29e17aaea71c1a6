//! The texts of the conversation, in chunks of [`CHUNK`] bytes: one
//! allocation each, never moved, so holding them costs no copying, and the
//! oldest go whole when more than [`HELD_TEXT`] are held. Memory returned
//! by a chunk is the size the next one needs, so it does not fragment.

use std::collections::VecDeque;

/// Bytes in one chunk. A shown text (at most `MAX_SHOWN` and a note) fits
/// in one with room to spare.
pub(super) const CHUNK: usize = 1 << 20;
/// The most conversation text held in memory, in bytes: 64 chunks.
pub const HELD_TEXT: usize = 64 * CHUNK;

/// Where a text starts: its chunk (counted from the first ever made), and
/// its first byte in that chunk. Its length is kept beside: a shown text
/// is at most `MAX_SHOWN` bytes and a note, so it fits in 16 bits, and a
/// slot stays 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Place {
    chunk: u32,
    start: u32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Arena {
    chunks: VecDeque<Chunk>,
    /// Chunks dropped so far: the number of the first one held.
    dropped: u32,
    limit: usize,
}

#[derive(Debug, Clone, Default)]
struct Chunk {
    text: String,
    /// Entries whose text is here.
    entries: usize,
}

impl Arena {
    /// Sets how many bytes may be held, [`HELD_TEXT`] unless changed (for
    /// tests); at least one chunk is always held.
    pub(super) fn limit(&mut self, bytes: usize) {
        self.limit = bytes;
    }

    /// Appends a text written by `write` (which may write at most `room`
    /// bytes). Returns its place and length, and how many entries' texts
    /// went to make room.
    pub(super) fn push(
        &mut self,
        room: usize,
        write: impl FnOnce(&mut String),
    ) -> (Place, u16, usize) {
        let fits = self
            .chunks
            .back()
            .is_some_and(|chunk| chunk.text.len() + room <= chunk.text.capacity());
        let mut gone = 0;
        if !fits {
            self.chunks.push_back(Chunk {
                text: String::with_capacity(CHUNK.max(room)),
                entries: 0,
            });
            let limit = if self.limit == 0 {
                HELD_TEXT
            } else {
                self.limit
            };
            while self.chunks.len() > (limit / CHUNK).max(1) {
                if let Some(chunk) = self.chunks.pop_front() {
                    gone += chunk.entries;
                    self.dropped = self.dropped.saturating_add(1);
                }
            }
        }
        let chunk_number = self
            .dropped
            .saturating_add(self.chunks.len().saturating_sub(1) as u32);
        let Some(chunk) = self.chunks.back_mut() else {
            return (Place::default(), 0, gone);
        };
        let start = chunk.text.len();
        write(&mut chunk.text);
        chunk.entries += 1;
        let place = Place {
            chunk: chunk_number,
            start: start as u32,
        };
        let len = u16::try_from(chunk.text.len() - start).unwrap_or(u16::MAX);
        (place, len, gone)
    }

    /// The `len` bytes at `place`, unless their chunk went.
    pub(super) fn get(&self, place: Place, len: u16) -> Option<&str> {
        let index = place.chunk.checked_sub(self.dropped)? as usize;
        let start = place.start as usize;
        self.chunks
            .get(index)?
            .text
            .get(start..start + usize::from(len))
    }

    /// Whether a text at `place` went with its chunk.
    pub(super) fn gone(&self, place: Place) -> bool {
        place.chunk < self.dropped
    }

    /// Bytes of text held.
    pub(super) fn held(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.text.len()).sum()
    }
}
