//! Decoding stays linear in what a hostile server sends: a 1 MiB frame of the smallest
//! packets (MQTT PINGRESPs, STOMP frames and heart-beats), an element with as many attributes
//! as fit (refused once past the limit), an element of many tiny children. Quadratic work there freezes the tab.
//!
//! Without wall-clock limits (machines differ, and a build may share them): each decoder is
//! timed on a quarter of the input and on all of it in the same run, and four times the input
//! must cost less than eight times as much. Linear work gives about 4, quadratic about 16.
//! `cargo test -p wschat-core --test linear -- --nocapture` prints the figures.

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wschat_core::protocol::{ChatEvent, Frame, ProtocolKind, Target};
use wschat_core::settings::Settings;
use wschat_core::xml;

/// The largest input timed; the smaller one is a quarter of it.
const LARGE: usize = 1 << 20;
const SMALL: usize = LARGE / 4;

/// Four times the input may cost at most this many times as much.
const MOST_RATIO: f64 = 8.0;

/// Timed tests take turns: two at once would slow each other down.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The default settings for `kind`.
fn settings(kind: ProtocolKind) -> Settings {
    let (defaults, _) = Settings::from_query(|_| None, None, 0.5);
    Settings { protocol: kind, nick: "me".to_string(), ..defaults }
}

/// Times `decode` on inputs of `SMALL` and `LARGE` bytes (as `make` builds them) and fails
/// when the large one costs `MOST_RATIO` times the small one or more. The best of several
/// runs counts, and a high ratio is measured once more before it fails: noise only ever adds
/// time, and a quadratic decoder stays near 16 however often it is measured (a third try
/// would only make a quadratic decoder's failure slower).
fn assert_linear<T>(what: &str, make: impl Fn(usize) -> T, decode: impl Fn(&T)) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (small, large) = (make(SMALL), make(LARGE));
    let time = |input: &T| {
        let start = Instant::now();
        decode(black_box(input));
        start.elapsed()
    };
    let (mut best_small, mut best_large) = (Duration::MAX, Duration::MAX);
    for attempt in 1..=2 {
        for _ in 0..3 {
            best_small = best_small.min(time(&small));
        }
        best_large = best_large.min(time(&large));
        let ratio = best_large.as_secs_f64() / best_small.as_secs_f64().max(1e-9);
        eprintln!(
            "{what}: {SMALL} B in {best_small:?}, {LARGE} B in {best_large:?}, ratio {ratio:.1} (attempt {attempt})"
        );
        if ratio < MOST_RATIO {
            return;
        }
    }
    panic!("{what}: four times the input costs {best_large:?} / {best_small:?}, not linear");
}

/// `unit` repeated to `bytes` bytes (whole units).
fn repeated(unit: &str, bytes: usize) -> String {
    unit.repeat(bytes / unit.len())
}

#[test]
fn mqtt_frame_of_pingresps_is_linear() {
    assert_linear(
        "MQTT PINGRESPs",
        |bytes| [0xd0u8, 0x00].repeat(bytes / 2),
        |frame| {
            let mut mqtt = settings(ProtocolKind::Mqtt).new_format().expect("a native build has every format");
            let decoded = mqtt.on_frame(Frame::Binary(frame), 1.0);
            assert_eq!(decoded.events, Vec::new(), "PINGRESPs say nothing");
        },
    );
}

/// The packets of a frame are read in place, and a packet cut at a frame's end is completed
/// by the next frame, whether the frame began with a held part or not.
#[test]
fn mqtt_keeps_the_part_of_a_packet_after_a_frame_of_packets() {
    let mut publish = vec![0x30, 0];
    publish.extend((b"chat/lobby".len() as u16).to_be_bytes());
    publish.extend_from_slice(b"chat/lobby");
    publish.push(0); // MQTT 5: no properties.
    publish.extend_from_slice(b"bob: hi");
    publish[1] = (publish.len() - 2) as u8;
    let pings = [0xd0u8, 0x00].repeat(50_000);
    let expected = vec![Target::channel("chat/lobby").event(ChatEvent::Message {
        nick: Some("bob".into()),
        text: "hi".into(),
        time_ms: None,
        msgid: None,
    })];

    let mut mqtt = settings(ProtocolKind::Mqtt).new_format().expect("a native build has every format");
    let first = [&pings[..], &publish[..5]].concat();
    assert_eq!(mqtt.on_frame(Frame::Binary(&first), 1.0).events, Vec::new());
    assert_eq!(mqtt.on_frame(Frame::Binary(&publish[5..]), 2.0).events, expected);

    // A frame that starts with the rest of a held packet.
    let mut mqtt = settings(ProtocolKind::Mqtt).new_format().expect("a native build has every format");
    assert_eq!(mqtt.on_frame(Frame::Binary(&[0xd0]), 1.0).events, Vec::new());
    let second = [&[0x00][..], &pings[..], &publish[..1]].concat();
    assert_eq!(mqtt.on_frame(Frame::Binary(&second), 2.0).events, Vec::new());
    assert_eq!(mqtt.on_frame(Frame::Binary(&publish[1..]), 3.0).events, expected);
    assert_eq!(mqtt.on_frame(Frame::Binary(&publish), 4.0).events, expected, "nothing left over");
}

/// Every one of `frames` frames not understood was read: the first few are each an entry, and
/// the last entry counts the rest.
fn assert_every_frame_read(events: &[ChatEvent], frames: usize) {
    let Some(ChatEvent::Raw { text, .. }) = events.last() else { panic!("no count of the frames: {events:?}") };
    let shown = events.len() - 1;
    assert!(text.starts_with(&format!("{} more STOMP frames", frames - shown)), "{frames} frames: {text}");
}

/// The smallest STOMP frames with CRLF line ends, a heart-beat after each: no frame's end may
/// be looked for in the rest of the message.
#[test]
fn stomp_frames_with_crlf_are_linear() {
    const UNIT: &str = "A\r\n\r\n\0\r\n";
    assert_linear(
        "STOMP CRLF frames",
        |bytes| repeated(UNIT, bytes),
        |text| {
            let mut stomp = settings(ProtocolKind::Stomp).new_format().expect("a native build has every format");
            let decoded = stomp.on_frame(Frame::Text(text), 1.0);
            assert_every_frame_read(&decoded.events, text.len() / UNIT.len());
        },
    );
}

#[test]
fn stomp_frames_with_lf_and_heart_beats_are_linear() {
    const UNIT: &str = "A\n\n\0\n\n\n\n";
    assert_linear(
        "STOMP LF frames and heart-beats",
        |bytes| repeated(UNIT, bytes),
        |text| {
            let mut stomp = settings(ProtocolKind::Stomp).new_format().expect("a native build has every format");
            let decoded = stomp.on_frame(Frame::Text(text), 1.0);
            assert_every_frame_read(&decoded.events, text.len() / UNIT.len());
        },
    );
    assert_linear(
        "STOMP heart-beats only",
        |bytes| repeated("\r\n", bytes),
        |text| {
            let mut stomp = settings(ProtocolKind::Stomp).new_format().expect("a native build has every format");
            assert_eq!(stomp.on_frame(Frame::Text(text), 1.0).events, Vec::new());
        },
    );
}

/// Each frame ends its own headers at its own blank line, whichever line ends the frames use.
#[test]
fn stomp_frames_of_both_line_ends_in_one_message() {
    let mut stomp = settings(ProtocolKind::Stomp).new_format().expect("a native build has every format");
    let text =
        "RECEIPT\r\nreceipt-id:msg-1\r\n\r\n\0\nRECEIPT\nreceipt-id:msg-2\n\n\0\r\nRECEIPT\nreceipt-id:msg-3\r\n\r\n\0";
    let events = stomp.on_frame(Frame::Text(text), 1.0).events;
    assert_eq!(events, vec![ChatEvent::Delivered(1), ChatEvent::Delivered(2), ChatEvent::Delivered(3)]);
}

/// One element with distinct attributes, as many as fit in `bytes`.
fn many_attributes(bytes: usize) -> String {
    let mut xml = String::from("<x");
    let mut i = 0;
    while xml.len() + 16 < bytes {
        xml.push_str(&format!(" a{i}=''"));
        i += 1;
    }
    xml.push_str("/>");
    xml
}

/// An element of more attributes than any stanza has is refused as soon as the count passes
/// the limit, however long the rest.
#[test]
fn xml_element_with_many_attributes_is_refused_at_once() {
    assert_linear("XML attributes", many_attributes, |text| {
        assert_eq!(xml::parse(text), Err(xml::XmlError("too many attributes")));
    });
    let mut element = String::from("<x");
    for i in 0..xml::MAX_ATTRIBUTES {
        element.push_str(&format!(" a{i}=''"));
    }
    assert_eq!(xml::parse(&(element.clone() + "/>")).map(|e| e.attrs.len()), Ok(xml::MAX_ATTRIBUTES));
    assert_eq!(xml::parse(&(element + " b=''/>")), Err(xml::XmlError("too many attributes")));
}

/// Up to the limit, a repeated attribute is refused wherever it is.
#[test]
fn xml_repeated_attributes_are_refused_at_any_count() {
    for count in [2, 7, 8, 9, 10, xml::MAX_ATTRIBUTES - 1] {
        for repeat in [0, count / 2, count - 1] {
            let mut xml = String::from("<x");
            for i in 0..count {
                xml.push_str(&format!(" a{i}='{i}'"));
            }
            let distinct = xml.clone() + "/>";
            assert_eq!(xml::parse(&distinct).map(|e| e.attrs.len()), Ok(count));
            xml.push_str(&format!(" a{repeat}='again'><y/></x>"));
            assert_eq!(xml::parse(&xml), Err(xml::XmlError("a repeated attribute")), "{count} {repeat}");
        }
    }
}

#[test]
fn xml_element_of_many_tiny_stanzas_is_linear() {
    assert_linear(
        "XML tiny children",
        |bytes| format!("<m>{}</m>", repeated("<b/>x", bytes)),
        |text| {
            // Read whole, or refused once past the limit (the larger input is).
            let parsed = xml::parse(text);
            let read = parsed.as_ref().is_ok_and(|e| e.children.len() > 1000);
            assert!(
                read || parsed == Err(xml::XmlError("too many elements")),
                "{:?}",
                parsed.map(|e| e.children.len())
            );
        },
    );
    // And through XMPP, which reads each frame as a stanza.
    assert_linear(
        "XMPP stanza of tiny children",
        |bytes| format!("<message xmlns='jabber:client' type='chat'>{}</message>", repeated("<b/>", bytes)),
        |text| {
            let mut xmpp = settings(ProtocolKind::Xmpp).new_format().expect("a native build has every format");
            black_box(xmpp.on_frame(Frame::Text(text), 1.0));
        },
    );
}
