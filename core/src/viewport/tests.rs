use super::*;

fn heights(values: &[f64]) -> Heights {
    let mut heights = Heights::default();
    for &value in values {
        heights.push(value);
    }
    heights
}

/// A viewport of `view` pixels over `count` entries measured at `height`.
fn measured_viewport(count: usize, height: f64, view: f64) -> Viewport {
    let mut viewport = Viewport::default();
    viewport.resized(view);
    viewport.grow(count, |_| false);
    for index in 0..count {
        viewport.measured(index, height);
    }
    viewport
}

#[test]
fn prefix_sums_match_a_plain_sum_after_pushes_and_sets() {
    let mut values: Vec<f64> = (0..1000).map(|i| (i % 7) as f64 * 3.0 + 1.0).collect();
    let mut tree = heights(&values);
    for (index, value) in [(0, 5.0), (511, 0.0), (999, 44.0), (512, 2.5)] {
        values[index] = value;
        tree.set(index, value);
    }
    for count in [0, 1, 2, 3, 255, 256, 511, 512, 513, 999, 1000, 5000] {
        let plain: f64 = values.iter().take(count).sum();
        assert_eq!(tree.prefix(count), plain, "prefix of {count}");
    }
    assert_eq!(tree.total(), values.iter().sum::<f64>());
    tree.set(5000, 1.0);
    assert_eq!(tree.len(), 1000, "setting past the end changes nothing");
}

#[test]
fn find_gives_the_entry_covering_an_offset_and_skips_empty_ones() {
    let tree = heights(&[10.0, 20.0, 0.0, 0.0, 30.0]);
    let found: Vec<Option<usize>> = [0.0, 9.9, 10.0, 29.9, 30.0, 59.9, 60.0, 1e9, -5.0]
        .into_iter()
        .map(|offset| tree.find(offset))
        .collect();
    assert_eq!(
        found,
        [0, 0, 1, 1, 4, 4, 4, 4, 0].map(Some).to_vec(),
        "entries 2 and 3 take no room, so offset 30 is entry 4's top"
    );
    assert_eq!(Heights::default().find(0.0), None);
    assert_eq!(heights(&[5.0]).find(100.0), Some(0));
}

#[test]
fn following_places_the_newest_entries_at_the_bottom() {
    let viewport = measured_viewport(1000, 20.0, 200.0);
    let placement = viewport.placement();
    assert_eq!(placement.height, 20_000.0);
    assert_eq!(placement.scroll_top, 19_800.0);
    assert_eq!(placement.rows.end, 1000, "the newest entry is rendered");
    assert!(placement.rows.start <= 990, "the viewport is covered");
    assert_eq!(placement.rows_top, placement.rows.start as f64 * 20.0);
}

#[test]
fn the_window_is_bounded_whatever_the_length_or_the_heights() {
    for (count, height) in [(10, 20.0), (100_000, 20.0), (100_000, 0.5)] {
        let mut viewport = measured_viewport(count, height, 700.0);
        for top in [0.0, 12_345.0, f64::MAX] {
            viewport.scrolled(top);
            let rows = viewport.placement().rows;
            assert!(
                rows.len() <= MAX_ROWS,
                "{count} x {height} at {top}: {rows:?}"
            );
            assert!(!rows.is_empty());
        }
    }
}

#[test]
fn scrolling_to_the_top_renders_the_first_entry() {
    let mut viewport = measured_viewport(100_000, 24.0, 600.0);
    viewport.scrolled(0.0);
    let placement = viewport.placement();
    assert!(!viewport.following());
    assert_eq!(placement.rows.start, 0);
    assert_eq!((placement.scroll_top, placement.rows_top), (0.0, 0.0));
}

#[test]
fn new_entries_do_not_move_what_a_reader_scrolled_back_to() {
    let mut viewport = measured_viewport(100, 20.0, 200.0);
    viewport.scrolled(505.0);
    assert!(!viewport.following());
    assert_eq!(
        viewport.anchor(),
        Anchor {
            index: 25,
            delta: 5.0
        }
    );
    viewport.grow(300, |_| false);
    assert_eq!(viewport.placement().scroll_top, 505.0);
}

#[test]
fn entries_measured_above_the_reader_keep_the_anchor_where_it_was() {
    let mut viewport = measured_viewport(100, 20.0, 200.0);
    viewport.scrolled(1_000.0);
    let before = viewport.placement();
    // Entries 10 to 19 turn out taller (wrapping, a larger font).
    for index in 10..20 {
        assert!(viewport.measured(index, 50.0));
    }
    let after = viewport.placement();
    // Entry 50 was at the viewport's top, 1,000 px down; it is now 1,300 px
    // down, and the scroll position moved with it.
    assert_eq!(before.scroll_top, 1_000.0);
    assert_eq!(after.scroll_top, 1_300.0);
    assert_eq!(viewport.anchor().index, 50);
    assert!(
        !viewport.measured(10, 50.2),
        "a change under half a pixel is none"
    );
}

#[test]
fn reaching_the_bottom_follows_again_and_jump_goes_there() {
    let mut viewport = measured_viewport(100, 20.0, 200.0);
    viewport.scrolled(0.0);
    viewport.scrolled(2_000.0 - 200.0 - FOLLOW_SLACK + 1.0);
    assert!(viewport.following());
    viewport.scrolled(0.0);
    viewport.jump_to_end();
    viewport.grow(110, |_| false);
    let placement = viewport.placement();
    assert_eq!(placement.rows.end, 110);
    // The ten new entries are estimated at the measured mean, 20 px.
    assert_eq!(placement.scroll_top, 110.0 * 20.0 - 200.0);
}

#[test]
fn unmeasured_entries_are_estimated_from_the_measured_ones() {
    let mut viewport = Viewport::default();
    assert_eq!(viewport.estimate(), FIRST_ESTIMATE);
    viewport.grow(2, |_| false);
    viewport.measured(0, 10.0);
    viewport.measured(1, 30.0);
    viewport.grow(4, |index| index == 3);
    assert_eq!(viewport.estimate(), 20.0);
    assert_eq!(viewport.placement().height, 10.0 + 30.0 + 20.0);
    viewport.hide(1);
    assert_eq!(viewport.placement().height, 30.0);
}

#[test]
fn a_conversation_taller_than_the_browser_can_lay_out_is_scaled() {
    let mut viewport = measured_viewport(1_000_000, 30.0, 600.0);
    let bottom = viewport.placement();
    assert_eq!(bottom.height, MAX_PHYSICAL);
    assert_eq!(bottom.scroll_top, MAX_PHYSICAL - 600.0);
    assert_eq!(bottom.rows.end, 1_000_000);
    // The last rendered entry ends at the bottom of the scrollable height.
    let rendered = bottom.rows.len() as f64 * 30.0;
    assert!((bottom.rows_top + rendered - MAX_PHYSICAL).abs() < 1e-6);

    viewport.scrolled(0.0);
    assert_eq!(viewport.placement().rows.start, 0);
    // Halfway down the scrollbar is halfway through the conversation.
    viewport.scrolled((MAX_PHYSICAL - 600.0) / 2.0);
    let middle = viewport.placement();
    let first_visible = viewport.anchor().index;
    assert!(
        (first_visible as f64 - 500_000.0).abs() < 20.0,
        "{first_visible}"
    );
    assert!(middle.rows.contains(&first_visible));
    assert!(middle.rows_top <= middle.scroll_top);
}

fn received(sender: &str, text: &str) -> crate::chat::ChatEvent {
    crate::chat::ChatEvent::Received {
        sender: sender.to_owned(),
        text: text.to_owned(),
    }
}

/// Days of 100 s, so that tests can cross midnight.
fn day_of(time_ms: f64) -> i64 {
    (time_ms / 100_000.0).floor() as i64
}

#[test]
fn rows_group_one_sender_and_mark_days_and_the_divider() {
    let mut chat = Chat::default();
    chat.at(1_000.0)
        .apply_all([received("a", "1"), received("a", "2"), received("b", "3")]);
    let mine = chat.at(2_000.0).write("4");
    chat.at(150_000.0)
        .apply_all([received("b", "5"), received("b", "6")]);
    chat.apply(received("b", "7"));
    let shown: Vec<(usize, bool, bool, bool)> = rows(&chat, 0..chat.end(), Some(6), day_of)
        .into_iter()
        .map(|row| (row.index, row.continues, row.new_day, row.divider))
        .collect();
    assert_eq!(
        shown,
        vec![
            (0, false, true, false),
            (1, true, false, false),
            (2, false, false, false),
            (3, false, false, false),
            (4, false, true, false),
            (5, true, false, false),
            (6, false, false, true),
        ]
    );
    let delivery = rows(&chat, 3..4, None, day_of)
        .first()
        .and_then(|row| row.delivery);
    assert_eq!(delivery, Some(Delivery::Pending));
    assert_eq!(mine.0, 3);
}

#[test]
fn a_window_knows_the_entry_before_it_and_leaves_out_discarded_ones() {
    let mut chat = Chat::default();
    chat.apply(received("a", "1"));
    let gone = chat.write("2");
    chat.apply_all([received("a", "3"), received("a", "4")]);
    chat.apply(crate::chat::ChatEvent::Discard(gone));
    let window = rows(&chat, 1..4, None, day_of);
    let indices: Vec<usize> = window.iter().map(|row| row.index).collect();
    assert_eq!(indices, vec![2, 3]);
    assert!(
        window.iter().all(|row| row.continues && !row.new_day),
        "entry 2 continues entry 0's group across the discarded one"
    );
}

#[test]
fn a_shown_entry_stays_at_the_top_as_tall_entries_around_it_are_measured() {
    // A search's match among 16 KiB entries: the rows around it measure
    // far taller than the estimate, and the match must stay in view.
    let mut viewport = Viewport::default();
    viewport.resized(600.0);
    viewport.grow(5_000, |_| false);
    viewport.show(4_000);
    assert!(!viewport.following());
    let placement = viewport.placement();
    assert!(placement.rows.contains(&4_000), "{:?}", placement.rows);
    for index in placement.rows.clone() {
        viewport.measured(index, 4_000.0);
    }
    let placement = viewport.placement();
    // The browser scrolls there and says so: the anchor is the match.
    viewport.scrolled(placement.scroll_top);
    for index in 3_990..4_010 {
        viewport.measured(index, 4_000.0);
    }
    let placement = viewport.placement();
    assert!(placement.rows.contains(&4_000), "{:?}", placement.rows);
    assert_eq!(viewport.anchor().index, 4_000);
}
