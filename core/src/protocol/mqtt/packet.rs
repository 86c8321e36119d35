//! MQTT's packet framing and field encodings (3.1.1 and 5), and the MQTT 5 properties the
//! client reads.

/// The largest packet taken in: a broker's limit is commonly far below; anything bigger is a
/// broken or hostile stream, and buffering it would hold its memory.
pub(super) const MAX_PACKET_BYTES: usize = 16 * 1024 * 1024;

/// Where the first packet of `bytes` ends, if it is all there.
pub(super) enum Split {
    Need,
    Broken,
    Packet { header: u8, start: usize, end: usize },
}

pub(super) fn split_packet(bytes: &[u8]) -> Split {
    let Some(&header) = bytes.first() else { return Split::Need };
    match take_varint(&bytes[1..]) {
        VarInt::Need => Split::Need,
        VarInt::Broken => Split::Broken,
        VarInt::Value { value, used } if value <= MAX_PACKET_BYTES => {
            let start = 1 + used;
            if bytes.len() >= start + value {
                Split::Packet { header, start, end: start + value }
            } else {
                Split::Need
            }
        }
        VarInt::Value { .. } => Split::Broken,
    }
}

/// A variable byte integer (remaining lengths, property lengths): up to four bytes.
enum VarInt {
    Need,
    Broken,
    Value { value: usize, used: usize },
}

fn take_varint(bytes: &[u8]) -> VarInt {
    let mut value: usize = 0;
    for i in 0..4 {
        let Some(&byte) = bytes.get(i) else { return VarInt::Need };
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return VarInt::Value { value, used: i + 1 };
        }
    }
    VarInt::Broken
}

fn put_varint(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value % 128) as u8;
        value /= 128;
        out.push(if value > 0 { byte | 0x80 } else { byte });
        if value == 0 {
            break;
        }
    }
}

/// A packet: its first byte, the remaining length, the rest.
pub(super) fn packet(header: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(header);
    put_varint(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

/// A UTF-8 string with its two-byte length; cut to 65,535 bytes at a character boundary.
pub(super) fn put_str(out: &mut Vec<u8>, text: &str) {
    let mut end = text.len().min(usize::from(u16::MAX));
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out.extend((end as u16).to_be_bytes());
    out.extend_from_slice(&text.as_bytes()[..end]);
}

/// A length-prefixed UTF-8 string at the start of `bytes`, and what follows it.
pub(super) fn take_str(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let (data, rest) = take_data(bytes)?;
    Some((std::str::from_utf8(data).ok()?, rest))
}

/// Length-prefixed bytes at the start of `bytes`, and what follows them.
fn take_data(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let length = usize::from(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]));
    Some((bytes.get(2..2 + length)?, &bytes[2 + length..]))
}

/// The MQTT 5 properties the client acts on; the others are read past.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Properties<'a> {
    /// Why, in the broker's words (CONNACK, PUBACK, SUBACK, DISCONNECT).
    pub reason: Option<&'a str>,
    pub assigned_client_id: Option<&'a str>,
    /// The keep-alive the broker wants instead of ours.
    pub server_keep_alive: Option<u16>,
    /// How many QoS 1 publishes the broker takes before their PUBACKs.
    pub receive_maximum: Option<u16>,
    pub maximum_qos: Option<u8>,
    pub maximum_packet_size: Option<u32>,
    /// Another broker to use (CONNACK and DISCONNECT with "use another server").
    pub server_reference: Option<&'a str>,
    /// A publish names its topic by an alias (never asked for, so never expected).
    pub topic_alias: bool,
}

/// The properties at the start of `bytes` (their length first) and what follows; `None` for a
/// malformed block or an identifier MQTT 5 does not define.
pub(super) fn take_properties(bytes: &[u8]) -> Option<(Properties<'_>, &[u8])> {
    let VarInt::Value { value: length, used } = take_varint(bytes) else { return None };
    let mut block = bytes.get(used..used + length)?;
    let rest = &bytes[used + length..];
    let mut found = Properties::default();
    while let Some((&id, after)) = block.split_first() {
        block = match id {
            // One byte: payload format, problem information flags, retain/wildcard/shared
            // availability.
            0x01 | 0x17 | 0x19 | 0x25 | 0x28 | 0x29 | 0x2a => after.get(1..)?,
            0x24 => {
                found.maximum_qos = Some(*after.first()?);
                &after[1..]
            }
            0x13 | 0x21 | 0x22 | 0x23 => {
                let value = u16::from_be_bytes([*after.first()?, *after.get(1)?]);
                match id {
                    0x13 => found.server_keep_alive = Some(value),
                    0x21 => found.receive_maximum = Some(value),
                    0x23 => found.topic_alias = true,
                    _ => {}
                }
                &after[2..]
            }
            // Four bytes: message expiry, session expiry, will delay.
            0x02 | 0x11 | 0x18 => after.get(4..)?,
            0x27 => {
                let value = after.get(..4)?;
                found.maximum_packet_size = Some(u32::from_be_bytes([value[0], value[1], value[2], value[3]]));
                &after[4..]
            }
            // Subscription identifier.
            0x0b => match take_varint(after) {
                VarInt::Value { used, .. } => &after[used..],
                _ => return None,
            },
            0x03 | 0x08 | 0x12 | 0x15 | 0x1a | 0x1c | 0x1f => {
                let (text, after) = take_str(after)?;
                match id {
                    0x12 => found.assigned_client_id = Some(text),
                    0x1c => found.server_reference = Some(text),
                    0x1f => found.reason = Some(text),
                    _ => {}
                }
                after
            }
            // Binary data: correlation data, authentication data.
            0x09 | 0x16 => take_data(after)?.1,
            // A user property: two strings.
            0x26 => take_str(take_str(after)?.1)?.1,
            _ => return None,
        };
    }
    Some((found, rest))
}

/// The properties a CONNECT sends: the session outlives a drop by this many seconds.
pub(super) fn connect_properties(session_expiry_s: u32) -> Vec<u8> {
    let mut out = vec![5, 0x11];
    out.extend(session_expiry_s.to_be_bytes());
    out
}
