//! The conversation model: entries, batches, grouping and cut texts.
use super::*;

fn received(sender: &str, text: &str) -> ChatEvent {
    ChatEvent::Received {
        sender: sender.to_owned(),
        text: text.to_owned(),
    }
}

#[test]
fn ids_are_stable_and_increasing() {
    let mut chat = Chat::default();
    chat.apply_all([received("a", "1"), ChatEvent::System("connected".into())]);
    let mine = chat.write("hi");
    let ids: Vec<u64> = chat.entries().iter().map(|e| e.id.0).collect();
    assert_eq!(ids, vec![0, 1, 2]);
    assert_eq!(mine, EntryId(2));
}

#[test]
fn entries_carry_the_contract_labels_and_classes() {
    let mut chat = Chat::default();
    chat.write("mine");
    chat.apply_all([
        received("Bob", "his"),
        ChatEvent::System("connected".into()),
    ]);
    let shown: Vec<(&str, &str, &str)> = chat
        .entries()
        .into_iter()
        .map(|e| (e.kind(), e.sender_label(), e.text))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("sent", "me", "mine"),
            ("received", "Bob", "his"),
            ("system", "websocket", "connected")
        ]
    );
}

#[test]
fn a_written_message_is_pending_until_its_delivery_changes() {
    let mut chat = Chat::default();
    let id = chat.write("hi");
    assert_eq!(
        chat.get(id).and_then(|e| e.delivery),
        Some(Delivery::Pending)
    );
    chat.apply(ChatEvent::Delivery {
        id,
        delivery: Delivery::Sent,
    });
    assert_eq!(chat.get(id).and_then(|e| e.delivery), Some(Delivery::Sent));
}

#[test]
fn delivery_for_an_unknown_or_received_id_is_ignored() {
    let mut chat = Chat::default();
    chat.apply(ChatEvent::Delivery {
        id: EntryId(99),
        delivery: Delivery::Sent,
    });
    assert!(chat.entries().is_empty());
    chat.apply(received("bob", "hi"));
    chat.apply(ChatEvent::Delivery {
        id: EntryId(0),
        delivery: Delivery::Sent,
    });
    chat.apply(ChatEvent::Discard(EntryId(0)));
    assert_eq!(chat.get(EntryId(0)).map(|e| e.delivery), Some(None));
}

#[test]
fn discard_hides_only_that_entry_and_keeps_the_other_ids() {
    let mut chat = Chat::default();
    let a = chat.write("a");
    let b = chat.write("b");
    chat.apply(ChatEvent::Discard(a));
    chat.apply(ChatEvent::Discard(a));
    assert!(chat.get(a).is_none());
    assert_eq!(chat.get(b).map(|e| e.text), Some("b"));
    assert_eq!((chat.len(), chat.end()), (1, 2));
    assert_eq!(chat.discarded(), &[a]);
    assert_eq!(chat.before(2).map(|e| e.id), Some(b));
    assert_eq!(chat.before(1), None);
}

#[test]
fn huge_texts_are_cut_on_a_char_boundary_with_their_size() {
    let text = "é".repeat(MAX_SHOWN);
    let shown = shown_text(&text);
    assert!(shown.len() < MAX_SHOWN + 64);
    assert!(shown.ends_with(&format!("… [cut: {} bytes in all]", text.len())));
    assert_eq!(shown_text("short"), "short");
    let mut chat = Chat::default();
    chat.apply_all([received("a", &text), received("a", "next")]);
    assert_eq!(chat.get(EntryId(0)).map(|e| e.text), Some(&*shown));
    assert_eq!(chat.get(EntryId(1)).map(|e| e.text), Some("next"));
}

#[test]
fn the_whole_conversation_is_kept() {
    let mut chat = Chat::default();
    let pending = chat.write("keep me");
    chat.apply_all((0..1_000_000).map(|i| received(if i % 2 == 0 { "a" } else { "b" }, "hi")));
    assert_eq!(chat.len(), 1_000_001);
    assert!(chat.get(pending).is_some());
    assert_eq!(
        chat.get(EntryId(1)).map(|e| e.author),
        Some(Author::Peer("a"))
    );
    assert_eq!(
        chat.get(EntryId(1_000_000)).map(|e| e.author),
        Some(Author::Peer("b"))
    );
    assert_eq!(chat.received_count(), 1_000_000);
    // Names are stored once, and texts in one arena: about 2 bytes of
    // text per entry here, not a String each.
    assert_eq!(chat.senders.names.len(), 2);
    assert_eq!(chat.held_bytes(), "keep me".len() + 2_000_000);
}

#[test]
fn entries_carry_the_time_they_were_added() {
    let mut chat = Chat::default();
    chat.at(1_000.0).apply(received("a", "one"));
    let id = chat.at(2_000.0).write("two");
    assert_eq!(chat.get(EntryId(0)).map(|e| e.time_ms), Some(1_000.0));
    assert_eq!(chat.get(id).map(|e| e.time_ms), Some(2_000.0));
}

#[test]
fn a_group_is_one_sender_within_five_minutes_on_one_day() {
    let mut chat = Chat::default();
    chat.at(0.0)
        .apply_all([received("a", "1"), received("b", "2")]);
    chat.at(GROUP_WINDOW_MS - 1.0).apply(received("b", "3"));
    chat.at(2.0 * GROUP_WINDOW_MS).apply(received("b", "4"));
    let e: Vec<Entry> = chat.entries();
    assert!(!e[1].continues(&e[0], true), "another sender");
    assert!(
        e[2].continues(&e[1], true),
        "same sender, within the window"
    );
    assert!(!e[2].continues(&e[1], false), "another day");
    assert!(!e[3].continues(&e[2], true), "too long after");
}

#[test]
fn messages_are_checked_for_name_emptiness_and_length() {
    assert_eq!(check_message("", "hi"), Err(Unsendable::NoName));
    assert_eq!(check_message("a", "  "), Err(Unsendable::Empty));
    let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
    assert_eq!(
        check_message("a", &long),
        Err(Unsendable::TooLong(MAX_MESSAGE_CHARS + 1))
    );
    assert_eq!(check_message("a", &"é".repeat(MAX_MESSAGE_CHARS)), Ok(()));
}

fn flood(chat: &mut Chat, count: usize, size: usize) {
    for index in 0..count {
        let mut text = format!("{index} ");
        text.push_str(&"x".repeat(size.saturating_sub(text.len())));
        chat.apply(received("bot", &text));
    }
}

#[test]
fn held_text_stays_under_its_limit_whatever_arrives() {
    // The bug of issue 16: 2 GiB of 16 KiB messages overflowed the one
    // arena string. Here the limit is 4 chunks, so 40 MiB are plenty.
    let mut chat = Chat::default();
    chat.hold(4 << 20);
    chat.keep(true);
    flood(&mut chat, 2_560, MAX_SHOWN);
    assert!(chat.held_bytes() <= 4 << 20);
    assert_eq!(
        chat.end(),
        2_560,
        "ids stay, with no line when a history keeps them"
    );
    let newest = chat
        .at_index(2_559)
        .map(|entry| (entry.held, entry.text.len()));
    assert_eq!(newest, Some((true, MAX_SHOWN)));
    let oldest = chat.at_index(0).map(|entry| (entry.held, entry.text));
    assert_eq!(oldest, Some((false, "")));
}

#[test]
fn without_a_history_a_line_says_how_many_entries_went() {
    let mut chat = Chat::default();
    chat.hold(2 << 20);
    flood(&mut chat, 400, MAX_SHOWN);
    assert!(chat.lost() > 0);
    let lines: Vec<String> = chat
        .entries()
        .iter()
        .filter(|entry| entry.author == Author::System)
        .map(|entry| entry.text.to_owned())
        .collect();
    let last = lines.last().cloned().unwrap_or_default();
    assert!(
        last.contains(&format!("({} in all)", chat.lost())),
        "{last}"
    );
}

#[test]
fn a_recalled_text_shows_again_until_newer_recalls_push_it_out() {
    let mut chat = Chat::default();
    chat.hold(1 << 20);
    chat.keep(true);
    flood(&mut chat, 200, MAX_SHOWN);
    chat.recall(0, "0 back");
    assert_eq!(
        chat.at_index(0).map(|e| (e.held, e.text)),
        Some((true, "0 back"))
    );
    // A held entry is not recalled over.
    chat.recall(199, "other");
    assert_ne!(chat.at_index(199).map(|e| e.text), Some("other"));
}

#[test]
fn changes_list_new_entries_and_own_deliveries_in_their_latest_state_and_no_system_lines() {
    use crate::history::Record;
    let mut chat = Chat::default();
    chat.page(7);
    chat.keep(true);
    chat.at(1_000.0).apply(received("bob", "hi"));
    chat.apply(ChatEvent::System("connected".into()));
    let mine = chat.write_as("alice", "yo");
    chat.apply(ChatEvent::Delivery {
        id: mine,
        delivery: Delivery::Sent,
    });
    let changes = chat.take_changes();
    let uid = 7.0 * 4_294_967_296.0;
    assert_eq!(
        changes,
        vec![
            Change::Put(Record {
                time_ms: 1_000.0,
                uid,
                from: "bob".into(),
                text: "hi".into(),
                delivery: None
            }),
            Change::Put(Record {
                time_ms: 1_000.0,
                uid: uid + 2.0,
                from: "alice".into(),
                text: "yo".into(),
                delivery: Some(Delivery::Sent)
            }),
            // Listed again for its delivery: put twice, in its latest state.
            Change::Put(Record {
                time_ms: 1_000.0,
                uid: uid + 2.0,
                from: "alice".into(),
                text: "yo".into(),
                delivery: Some(Delivery::Sent)
            }),
        ]
    );
    assert!(chat.take_changes().is_empty());
    chat.apply(ChatEvent::Discard(mine));
    assert_eq!(
        chat.take_changes(),
        vec![Change::Delete(1_000.0, uid + 2.0)]
    );
}

#[test]
fn restored_entries_keep_their_times_and_states_and_are_not_put_again() {
    use crate::history::Record;
    let mut chat = Chat::default();
    chat.at(9_000.0).apply(ChatEvent::Restored(vec![
        Record {
            time_ms: 1.0,
            uid: 5.0,
            from: "bob".into(),
            text: "old".into(),
            delivery: None,
        },
        Record {
            time_ms: 2.0,
            uid: 6.0,
            from: "alice".into(),
            text: "mine".into(),
            delivery: Some(Delivery::Delivered),
        },
    ]));
    assert!(chat.take_changes().is_empty());
    assert_eq!(chat.received_count(), 0, "restored entries are read");
    let shown: Vec<_> = chat
        .entries()
        .iter()
        .map(|e| (e.time_ms, e.author, e.text, e.delivery))
        .collect();
    assert_eq!(
        shown,
        vec![
            (1.0, Author::Peer("bob"), "old", None),
            (2.0, Author::Me, "mine", Some(Delivery::Delivered)),
        ]
    );
    assert_eq!(chat.key(1), Some((2.0, 6.0)));
}

#[test]
fn a_slot_stays_small_for_a_million_entries() {
    // 1,000,000 entries must fit the issue 16 memory target with room.
    assert!(
        std::mem::size_of::<Slot>() <= 24,
        "{}",
        std::mem::size_of::<Slot>()
    );
}

#[test]
fn without_a_history_no_change_waits_to_be_stored() {
    // Otherwise the list would grow by one index per entry for the page's
    // life, with nothing to take it.
    let mut chat = Chat::default();
    chat.apply(received("bob", "hi"));
    let mine = chat.write("yo");
    chat.apply(ChatEvent::Discard(mine));
    assert!(chat.take_changes().is_empty());
    chat.keep(true);
    chat.apply(received("bob", "again"));
    chat.keep(false);
    assert!(
        chat.take_changes().is_empty(),
        "letting the history go forgets the list"
    );
}
