//! The window arithmetic of the conversation view: which entries to render,
//! where to put them, and where the scroll position goes as entries are
//! added and measured.
//!
//! Pure: the view reports what it measured and where the reader scrolled,
//! and asks for a [`Placement`]. Heights live in a Fenwick tree, so the
//! offset of any entry, and the entry at any offset, take O(log n) however
//! long the conversation grows.
//!
//! Two spaces of pixels: *virtual* (the sum of every entry's height) and
//! *physical* (the scroll container's). They are the same until the
//! conversation is taller than [`MAX_PHYSICAL`], which browsers cannot lay
//! out; past that, physical scroll positions map linearly onto virtual ones.

use std::ops::Range;

use crate::chat::{Chat, Delivery};

/// The tallest scrollable height used, in pixels. Browsers stop laying out
/// elements at about 17 to 33 million pixels.
pub const MAX_PHYSICAL: f64 = 8_000_000.0;
/// Entries rendered beyond each edge of the viewport, in pixels.
pub const OVERSCAN: f64 = 240.0;
/// The most entries rendered at once, whatever their heights.
pub const MAX_ROWS: usize = 160;
/// How close to the bottom, in pixels, still counts as following the log.
pub const FOLLOW_SLACK: f64 = 32.0;
/// The height assumed for an entry before it is first measured.
pub const FIRST_ESTIMATE: f64 = 40.0;

/// Heights of the entries, with prefix sums in O(log n).
#[derive(Debug, Clone, Default)]
pub struct Heights {
    values: Vec<f64>,
    /// Fenwick tree: `tree[i - 1]` sums `values` over `(i - lowbit(i), i]`.
    tree: Vec<f64>,
}

impl Heights {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<f64> {
        self.values.get(index).copied()
    }

    /// Adds an entry of `height` at the end.
    pub fn push(&mut self, height: f64) {
        let position = self.values.len() + 1;
        let low = position & position.wrapping_neg();
        // The new node covers (position - low, position]: its own height
        // plus the sums of the nodes below it, all already in the tree.
        let covered = self.prefix(position - 1) - self.prefix(position - low);
        self.values.push(height);
        self.tree.push(covered + height);
    }

    /// Sets the height of entry `index`; nothing happens past the end.
    pub fn set(&mut self, index: usize, height: f64) {
        let Some(old) = self.values.get_mut(index) else {
            return;
        };
        let change = height - *old;
        *old = height;
        let mut position = index + 1;
        while let Some(node) = self.tree.get_mut(position - 1) {
            *node += change;
            position += position & position.wrapping_neg();
        }
    }

    /// The sum of the heights of the first `count` entries: the offset of
    /// entry `count`.
    pub fn prefix(&self, count: usize) -> f64 {
        let mut position = count.min(self.tree.len());
        let mut sum = 0.0;
        while position > 0 {
            sum += self.tree.get(position - 1).copied().unwrap_or_default();
            position &= position - 1;
        }
        sum
    }

    pub fn total(&self) -> f64 {
        self.prefix(self.len())
    }

    /// The entry that covers virtual `offset`: the last one whose top is at
    /// or above it, skipping entries of no height. Past the end, the last
    /// entry; `None` only when there are no entries.
    pub fn find(&self, offset: f64) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        // Descend the tree for the largest count whose prefix is <= offset.
        let mut count = 0;
        let mut rest = offset;
        let mut step = 1usize << (usize::BITS - 1 - self.len().leading_zeros());
        while step > 0 {
            let next = count + step;
            if let Some(&sum) = self.tree.get(next - 1) {
                if sum <= rest {
                    count = next;
                    rest -= sum;
                }
            }
            step /= 2;
        }
        // Entries `0..count` end at or above `offset`; entry `count` covers
        // it, unless it is past the end.
        Some(count.min(self.len() - 1))
    }
}

/// Where the reader is: the entry at the top of the viewport and how far
/// into it, in virtual pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub index: usize,
    pub delta: f64,
}

/// What the view should show now.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The entries to render, by position.
    pub rows: Range<usize>,
    /// The scroll container's content height, physical.
    pub height: f64,
    /// Where the container should be scrolled to, physical.
    pub scroll_top: f64,
    /// Where the first rendered entry's top goes, physical.
    pub rows_top: f64,
}

/// The scroll state of the conversation view.
#[derive(Debug, Clone)]
pub struct Viewport {
    heights: Heights,
    /// Sum and count of the heights measured, for the estimate.
    measured: (f64, usize),
    /// The viewport's height, in pixels.
    view: f64,
    following: bool,
    anchor: Anchor,
}

impl Default for Viewport {
    fn default() -> Viewport {
        Viewport {
            heights: Heights::default(),
            measured: (0.0, 0),
            view: 0.0,
            following: true,
            anchor: Anchor {
                index: 0,
                delta: 0.0,
            },
        }
    }
}

impl Viewport {
    pub fn len(&self) -> usize {
        self.heights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heights.is_empty()
    }

    /// The viewport's height, in pixels.
    pub fn view(&self) -> f64 {
        self.view
    }

    /// Whether the view follows new entries (the reader is at the bottom).
    pub fn following(&self) -> bool {
        self.following
    }

    pub fn anchor(&self) -> Anchor {
        self.anchor
    }

    /// The height given to an entry not measured yet: the mean of those
    /// measured so far.
    pub fn estimate(&self) -> f64 {
        match self.measured {
            (_, 0) => FIRST_ESTIMATE,
            (sum, count) => sum / count as f64,
        }
    }

    /// Adds entries up to `len` with the estimated height; `hidden` says
    /// which of them take no room (discarded ones).
    pub fn grow(&mut self, len: usize, hidden: impl Fn(usize) -> bool) {
        let estimate = self.estimate();
        while self.heights.len() < len {
            let index = self.heights.len();
            self.heights
                .push(if hidden(index) { 0.0 } else { estimate });
        }
    }

    /// Entry `index` takes no room any more.
    pub fn hide(&mut self, index: usize) {
        self.heights.set(index, 0.0);
    }

    /// Records the measured height of entry `index`. Returns whether it
    /// changed.
    pub fn measured(&mut self, index: usize, height: f64) -> bool {
        let Some(old) = self.heights.get(index) else {
            return false;
        };
        if (old - height).abs() < 0.5 {
            return false;
        }
        if height > 0.0 {
            self.measured.0 += height;
            self.measured.1 += 1;
        }
        self.heights.set(index, height);
        true
    }

    /// The viewport's height changed.
    pub fn resized(&mut self, view: f64) {
        self.view = view.max(0.0);
    }

    /// The reader scrolled the container to physical `scroll_top`.
    pub fn scrolled(&mut self, scroll_top: f64) {
        let physical = self.physical_height();
        self.following = scroll_top + self.view >= physical - FOLLOW_SLACK;
        let top = self.to_virtual(scroll_top);
        self.anchor = self.anchor_at(top);
    }

    /// Brings entry `index` to the top of the view, and stops following: a
    /// search moves to its match so. The entry is the anchor, so it stays
    /// in view as the entries around it are measured, however tall.
    pub fn show(&mut self, index: usize) {
        self.following = false;
        self.anchor = Anchor {
            index: index.min(self.len().saturating_sub(1)),
            delta: 0.0,
        };
    }

    /// Back to the newest entry, following again.
    pub fn jump_to_end(&mut self) {
        self.following = true;
    }

    /// Where everything goes now: at the bottom while following, else with
    /// the anchor entry where the reader left it.
    pub fn placement(&self) -> Placement {
        let total = self.heights.total();
        let max_top = (total - self.view).max(0.0);
        let top = if self.following {
            max_top
        } else {
            (self.heights.prefix(self.anchor.index) + self.anchor.delta).clamp(0.0, max_top)
        };
        let rows = self.rows_for(top);
        let scroll_top = self.to_physical(top);
        Placement {
            rows_top: scroll_top - (top - self.heights.prefix(rows.start)),
            height: self.physical_height(),
            scroll_top,
            rows,
        }
    }

    /// The entries to render for a viewport whose top is virtual `top`.
    fn rows_for(&self, top: f64) -> Range<usize> {
        let Some(first) = self.heights.find((top - OVERSCAN).max(0.0)) else {
            return 0..0;
        };
        let last = self
            .heights
            .find(top + self.view + OVERSCAN)
            .unwrap_or(first);
        let end = (last + 1).min(self.len());
        if end - first <= MAX_ROWS {
            return first..end;
        }
        // Too many to render: keep those around the viewport's top, or the
        // newest ones while following.
        if self.following {
            end - MAX_ROWS..end
        } else {
            let start = self
                .heights
                .find(top)
                .unwrap_or(first)
                .saturating_sub(MAX_ROWS / 4);
            let start = start.max(first);
            start..(start + MAX_ROWS).min(end)
        }
    }

    fn anchor_at(&self, top: f64) -> Anchor {
        let index = self.heights.find(top).unwrap_or(0);
        Anchor {
            index,
            delta: top - self.heights.prefix(index),
        }
    }

    fn physical_height(&self) -> f64 {
        self.heights.total().min(MAX_PHYSICAL)
    }

    /// Virtual pixels per physical pixel of scrolling.
    fn ratio(&self) -> f64 {
        let total = self.heights.total();
        let physical = self.physical_height();
        if total <= physical || physical <= self.view {
            1.0
        } else {
            (total - self.view) / (physical - self.view)
        }
    }

    fn to_virtual(&self, scroll_top: f64) -> f64 {
        scroll_top * self.ratio()
    }

    fn to_physical(&self, top: f64) -> f64 {
        top / self.ratio()
    }
}

/// One rendered row: an entry, and what is shown around it. A row is
/// rebuilt only when one of these changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Row {
    /// The entry's position (its id).
    pub index: usize,
    pub delivery: Option<Delivery>,
    /// It continues its sender's group, so the sender is not shown again.
    pub continues: bool,
    /// A day separator goes before it: the first entry of a local day.
    pub new_day: bool,
    /// The "new messages" divider goes before it.
    pub divider: bool,
    /// Its text is in memory; a row whose text is not waits for the
    /// history to give it back, and is built again then.
    pub held: bool,
}

/// The rows for the entries at positions `range`, leaving out discarded
/// ones. `day_of` gives the local day of an instant (the time zone is the
/// shell's to know); `divider` is where the unread part starts. An entry
/// continues a group unless a day separator or the divider comes first.
pub fn rows(
    chat: &Chat,
    range: Range<usize>,
    divider: Option<usize>,
    day_of: impl Fn(f64) -> i64,
) -> Vec<Row> {
    let mut previous = chat
        .before(range.start)
        .map(|entry| (entry, day_of(entry.time_ms)));
    let mut rows = Vec::with_capacity(range.len());
    for entry in chat.range(range) {
        let day = day_of(entry.time_ms);
        let index = entry.id.0 as usize;
        let new_day = previous.is_none_or(|(_, previous_day)| previous_day != day);
        let divider = divider == Some(index);
        let continues = !divider
            && previous.is_some_and(|(previous, previous_day)| {
                entry.continues(&previous, previous_day == day)
            });
        rows.push(Row {
            index,
            delivery: entry.delivery,
            continues,
            new_day,
            divider,
            held: entry.held,
        });
        previous = Some((entry, day));
    }
    rows
}

#[cfg(test)]
mod tests;
