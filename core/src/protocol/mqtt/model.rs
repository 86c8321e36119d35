//! The round-trip property's broker, its packets read and written here from the MQTT 5 text
//! (§2.1, §3.3), apart from the client's codec: a mistake made alike in both would pass unseen.

/// A variable byte integer (MQTT 5 §1.5.5): 7 bits a byte, least significant first, the high
/// bit saying another byte follows; four bytes at most. The value and the bytes it took.
fn read_varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for (i, byte) in bytes.iter().take(4).enumerate() {
        value += usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn write_varint(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The PUBLISH a broker sends subscribers for a client's PUBLISH (`None` for any other
/// packet): the same topic and payload, at QoS 0, with no properties.
pub(super) fn relay(packet: &[u8]) -> Option<Vec<u8>> {
    let (&first, rest) = packet.split_first()?;
    if first >> 4 != 3 {
        return None;
    }
    let qos = (first >> 1) & 0b11;
    let (length, used) = read_varint(rest)?;
    let body = rest.get(used..)?;
    if body.len() != length {
        return None;
    }
    let topic_length = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
    let topic = body.get(2..2 + topic_length)?;
    // The packet identifier, at QoS 1 and 2 only; then the properties, by their length.
    let at = 2 + topic_length + if qos > 0 { 2 } else { 0 };
    let (properties, used) = read_varint(body.get(at..)?)?;
    let payload = body.get(at + used + properties..)?;
    let mut relayed = Vec::with_capacity(topic.len() + payload.len() + 3);
    relayed.extend((topic.len() as u16).to_be_bytes());
    relayed.extend_from_slice(topic);
    relayed.push(0);
    relayed.extend_from_slice(payload);
    let mut out = vec![0x30];
    write_varint(&mut out, relayed.len());
    out.extend(relayed);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_byte_integers_as_the_standard_tabulates_them() {
        for (value, bytes) in [
            (0, vec![0x00]),
            (127, vec![0x7f]),
            (128, vec![0x80, 0x01]),
            (16_383, vec![0xff, 0x7f]),
            (16_384, vec![0x80, 0x80, 0x01]),
            (268_435_455, vec![0xff, 0xff, 0xff, 0x7f]),
        ] {
            let mut written = Vec::new();
            write_varint(&mut written, value);
            assert_eq!(written, bytes);
            assert_eq!(read_varint(&bytes), Some((value, bytes.len())));
        }
        assert_eq!(read_varint(&[0xff, 0xff, 0xff, 0xff, 0x01]), None, "five bytes");
    }
}
