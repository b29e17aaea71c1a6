//! MQTT 3.1.1 packets, byte for byte.
use super::*;

/// What a reader makes of `messages`: each packet's first byte and body,
/// or why the stream could not be read; after that, the reader is reset
/// and the next message read afresh, as the transport does.
fn read_all(messages: &[&[u8]]) -> Vec<Result<(u8, Vec<u8>), &'static str>> {
    let mut reader = Reader::default();
    let mut out = Vec::new();
    for message in messages {
        reader.push(message.to_vec());
        loop {
            match reader.next_packet() {
                Ok(Some((first, body))) => out.push(Ok((first, body.to_vec()))),
                Ok(None) => break,
                Err(error) => {
                    out.push(Err(error));
                    reader.reset();
                    break;
                }
            }
        }
    }
    out
}

#[test]
fn a_connect_packet_is_written_exactly() {
    let mut wanted = vec![0x10, 31, 0, 4, b'M', b'Q', b'T', b'T', 4, 0xC2, 0, 30, 0, 8];
    wanted.extend_from_slice(b"wschat-1");
    wanted.extend_from_slice(&[0, 5]);
    wanted.extend_from_slice(b"alice");
    wanted.extend_from_slice(&[0, 2]);
    wanted.extend_from_slice(b"s3");
    assert_eq!(connect("wschat-1", Some("alice"), Some("s3")), wanted);
    assert_eq!(
        connect("c", None, None),
        vec![0x10, 13, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 30, 0, 1, b'c']
    );
}

#[test]
fn subscribe_publish_puback_ping_and_disconnect_are_written_exactly() {
    assert_eq!(
        subscribe("chat"),
        vec![0x82, 9, 0, 1, 0, 4, b'c', b'h', b'a', b't', 1]
    );
    assert_eq!(
        publish("chat", b"hi", Some(7)),
        vec![0x32, 10, 0, 4, b'c', b'h', b'a', b't', 0, 7, b'h', b'i']
    );
    assert_eq!(publish("c", b"", None), vec![0x30, 3, 0, 1, b'c']);
    assert_eq!(puback(258), vec![0x40, 2, 1, 2]);
    let mut mqtt = Mqtt::new(&crate::protocol::Protocol::Mqtt.into());
    assert_eq!(mqtt.ping(), Some(Frame::Binary(vec![0xC0, 0])));
    assert_eq!(mqtt.goodbye(), Some(Frame::Binary(vec![0xE0, 0])));
}

#[test]
fn a_long_payload_takes_a_multi_byte_length() {
    let payload = vec![b'x'; 200];
    let packet = publish("t", &payload, None);
    // 3 + 200 = 203 = 0xCB: 0x4B with the continuation bit, then 1.
    assert_eq!(packet.get(..3), Some(&[0x30, 0xCB, 0x01][..]));
    assert_eq!(packet.len(), 3 + 203);
}

#[test]
fn a_string_is_cut_to_65535_bytes_on_a_character_boundary() {
    // 21,845 three-byte characters fill 65,535 bytes; one more is cut.
    let topic = "\u{20AC}".repeat(21_846);
    let packet = publish(&topic, b"", None);
    // 2 + 65,535 = 65,537: 0x81, 0x80, 0x04.
    assert_eq!(
        packet.get(..6),
        Some(&[0x30, 0x81, 0x80, 0x04, 0xFF, 0xFF][..])
    );
    assert_eq!(packet.len(), 4 + 65_537);
    let topic = format!("x{}", "\u{20AC}".repeat(21_845));
    let packet = subscribe(&topic);
    // 65,536 bytes: the last character would pass the limit, so it goes.
    assert_eq!(packet.get(4..8), Some(&[0, 1, 0xFF, 0xFD][..]));
    assert_eq!(packet.len(), 4 + 2 + 2 + 65_533 + 1);
}

#[test]
fn several_packets_in_one_message_are_read_in_order() {
    let read = read_all(&[&[
        0x20, 2, 0, 0, // CONNACK accepted
        0x90, 3, 0, 1, 1, // SUBACK id 1, QoS 1 granted
        0xD0, 0, // PINGRESP
        0x32, 5, 0, 1, b'c', 0, 9, // PUBLISH QoS 1 id 9
    ]]);
    assert_eq!(
        read,
        [
            Ok((0x20, vec![0, 0])),
            Ok((0x90, vec![0, 1, 1])),
            Ok((0xD0, vec![])),
            Ok((0x32, vec![0, 1, b'c', 0, 9])),
        ]
    );
}

#[test]
fn packets_split_at_every_byte_read_the_same() {
    let mut stream = publish("chat", &[b'y'; 300], None);
    stream.extend_from_slice(&[0x40, 2, 0, 7]);
    let whole = read_all(&[&stream]);
    assert_eq!(whole.len(), 2);
    for cut in 0..stream.len() {
        let (first, second) = stream.split_at(cut);
        assert_eq!(read_all(&[first, second]), whole, "cut at {cut}");
    }
}

#[test]
fn a_malformed_or_oversized_length_is_an_error_without_a_panic() {
    assert_eq!(
        read_all(&[&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]]),
        [Err(BAD_LENGTH)]
    );
    assert_eq!(
        read_all(&[&[0x30, 0xFF, 0xFF, 0xFF, 0x7F]]),
        [Err(TOO_LARGE)]
    );
    // Three length bytes that go on wait for the fourth.
    assert_eq!(read_all(&[&[0x30, 0xFF, 0xFF, 0xFF]]), []);
    assert_eq!(
        TOO_LARGE,
        format!("an MQTT packet passed {MAX_PACKET_BYTES} bytes")
    );
}

#[test]
fn after_a_reset_the_next_message_reads_afresh() {
    assert_eq!(
        read_all(&[
            &[0x40, 2, 0, 7, 0x30, 0xFF, 0xFF, 0xFF, 0xFF],
            &[0x40, 2, 0, 8]
        ]),
        [
            Ok((0x40, vec![0, 7])),
            Err(BAD_LENGTH),
            Ok((0x40, vec![0, 8]))
        ]
    );
}

mod session {
    //! The MQTT transport's session, packet by packet, through the codec.
    use std::time::Duration;

    use crate::protocol::{Codec, Frame, Inbound, Protocol, Sender, Wire};

    fn codec(user: Option<&str>, token: Option<&str>) -> Codec {
        let mut codec = Codec::new(&Wire {
            user: user.map(str::to_owned),
            token: token.map(str::to_owned),
            ..Protocol::Mqtt.into()
        });
        codec.reset(&mut || 0.25);
        codec
    }

    fn decode(codec: &mut Codec, bytes: &[u8]) -> Vec<Inbound> {
        let mut out = Vec::new();
        codec.decode::<serde_json::Value>(Frame::Binary(bytes.to_vec()), &mut out);
        out
    }

    fn binary(bytes: &[u8]) -> Frame {
        Frame::Binary(bytes.to_vec())
    }

    const CONNACK: &[u8] = &[0x20, 0x02, 0x00, 0x00];
    const KEEP_ALIVE: Inbound = Inbound::Heartbeat;

    #[test]
    fn it_offers_mqtt_and_connects_with_its_own_client_id_user_password_and_keep_alive() {
        let mut codec = codec(Some("al"), Some("pw"));
        assert_eq!(codec.protocols(), ["mqtt"]);
        let mut out = Vec::new();
        codec.opened(&mut out);
        let mut connect = vec![
            0x10, 37, 0, 4, b'M', b'Q', b'T', b'T', 4, 0xC2, 0, 30, 0, 17,
        ];
        connect.extend_from_slice(b"wschat-1073741823");
        connect.extend_from_slice(&[0, 2, b'a', b'l', 0, 2, b'p', b'w']);
        assert_eq!(
            out,
            [Inbound::Heartbeat, Inbound::Reply(Frame::Binary(connect)),]
        );
    }

    #[test]
    fn an_accepting_connack_subscribes_at_qos_1_and_the_suback_makes_the_session_ready() {
        let mut codec = codec(None, None);
        assert_eq!(codec.ping_every(), None);
        assert_eq!(
            decode(&mut codec, CONNACK),
            [
                Inbound::Reply(binary(&[0x82, 9, 0, 1, 0, 4, b'c', b'h', b'a', b't', 1])),
                KEEP_ALIVE,
            ]
        );
        assert_eq!(
            decode(&mut codec, &[0x90, 3, 0, 1, 1]),
            [Inbound::Ready, KEEP_ALIVE]
        );
        assert_eq!(codec.ping_every(), Some(Duration::from_secs(15)));
        assert_eq!(codec.ping(), Some(binary(&[0xC0, 0])));
        assert_eq!(codec.goodbye(), Some(binary(&[0xE0, 0])));
    }

    #[test]
    fn a_refused_login_ends_the_session_and_other_refusals_are_lines() {
        for (code, said) in [
            (
                4,
                "the broker refused the connection: bad user name or password",
            ),
            (5, "the broker refused the connection: not authorized"),
        ] {
            let mut codec = codec(Some("al"), Some("bad"));
            assert_eq!(
                decode(&mut codec, &[0x20, 2, 0, code])[0],
                Inbound::Ended(said.to_owned())
            );
        }
        assert_eq!(
            decode(&mut codec(None, None), &[0x20, 2, 0, 3])[0],
            Inbound::Notice("the broker refused the connection (CONNACK code 3)".to_owned())
        );
    }

    #[test]
    fn each_message_is_a_qos_1_publish_whose_puback_acknowledges_it() {
        let mut codec = Codec::new(&Wire {
            publish: Some("out".to_owned()),
            ..Protocol::Mqtt.into()
        });
        decode(&mut codec, CONNACK);
        let (frame, ack) = codec.send("a", "b");
        let mut publish = vec![0x32, 29, 0, 3, b'o', b'u', b't', 0, 2];
        publish.extend_from_slice(br#"{"name":"a","msg":"b"}"#);
        assert_eq!(frame, Frame::Binary(publish));
        assert_eq!(ack, Some(2));
        assert_eq!(codec.send("a", "c").1, Some(3));
        assert_eq!(
            decode(&mut codec, &[0x40, 2, 0, 3]),
            [Inbound::Acked(3), KEEP_ALIVE]
        );
    }

    #[test]
    fn incoming_qos_1_publishes_are_acknowledged_and_read_across_frames() {
        let mut codec = codec(None, None);
        decode(&mut codec, CONNACK);
        let mut packet = vec![0x32, 33, 0, 4, b'c', b'h', b'a', b't', 0x12, 0x34];
        packet.extend_from_slice(br#"{"name":"bob","msg":"yo"}"#);
        let (head, tail) = packet.split_at(5);
        assert_eq!(decode(&mut codec, head), [KEEP_ALIVE]);
        assert_eq!(
            decode(&mut codec, tail),
            [
                Inbound::Reply(binary(&[0x40, 2, 0x12, 0x34])),
                Inbound::Chat {
                    sender: Sender::Named("bob".to_owned()),
                    text: "yo".to_owned()
                },
                KEEP_ALIVE,
            ]
        );
    }

    #[test]
    fn a_refused_subscription_is_a_line_and_pingresp_shows_the_broker_alive() {
        // The session still carries what the user writes: the broker may
        // take what it would not let this client hear.
        let mut codec = codec(None, None);
        decode(&mut codec, CONNACK);
        assert_eq!(
            decode(&mut codec, &[0x90, 3, 0, 1, 0x80]),
            [
                Inbound::Notice("the broker refused the subscription to chat".to_owned()),
                Inbound::Ready,
                KEEP_ALIVE
            ]
        );
        assert_eq!(decode(&mut codec, &[0xD0, 0]), [KEEP_ALIVE]);
    }

    #[test]
    fn a_packet_that_cannot_be_read_loses_the_session() {
        let mut codec = codec(None, None);
        assert_eq!(
            decode(&mut codec, &[0x30, 0xff, 0xff, 0xff, 0xff]),
            [Inbound::Lost(
                "an MQTT packet's length is malformed".to_owned()
            )]
        );
    }

    #[test]
    fn malformed_packets_lose_the_session_and_the_next_message_reads_afresh() {
        for (bytes, lost) in [
            (&[0x20, 1, 0][..], super::BAD_CONNACK),
            (&[0x20, 3, 0, 0, 0], super::BAD_CONNACK),
            (&[0x32, 3, 0, 9, b'x'], super::BAD_PUBLISH),
            (&[0x32, 4, 0, 1, b'x', 0], super::BAD_PUBLISH),
            (&[0x30, 1, 0], super::BAD_PUBLISH),
            (&[0x40, 1, 0], super::BAD_PUBACK),
            (&[0x90, 1, 0], super::BAD_SUBACK),
            (&[0x30, 0xff, 0xff, 0xff, 0x7f], super::TOO_LARGE),
        ] {
            let mut codec = codec(None, None);
            // What came before the broken packet is read; what follows
            // it in the message is dropped.
            let mut message = vec![0x40, 2, 0, 7];
            message.extend_from_slice(bytes);
            message.extend_from_slice(&[0x40, 2, 0, 8]);
            assert_eq!(
                decode(&mut codec, &message),
                [Inbound::Acked(7), Inbound::Lost(lost.to_owned())],
                "{bytes:?}"
            );
            assert_eq!(
                decode(&mut codec, &[0x40, 2, 0, 9]),
                [Inbound::Acked(9), KEEP_ALIVE]
            );
        }
    }

    #[test]
    fn publishes_at_qos_0_and_2_are_read_without_an_acknowledgement() {
        let mut codec = codec(None, None);
        let chat = Inbound::Chat {
            sender: Sender::Named("b".to_owned()),
            text: "hi".to_owned(),
        };
        let mut message = vec![0x30, 26, 0, 1, b'c'];
        message.extend_from_slice(br#"{"name":"b","msg":"hi"}"#);
        message.extend_from_slice(&[0x34, 28, 0, 1, b'c', 0, 5]);
        message.extend_from_slice(br#"{"name":"b","msg":"hi"}"#);
        message.extend_from_slice(&[0xB0, 2, 0, 1]); // UNSUBACK: skipped
        assert_eq!(
            decode(&mut codec, &message),
            [chat.clone(), chat, KEEP_ALIVE]
        );
    }
}
