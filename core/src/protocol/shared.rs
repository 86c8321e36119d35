//! Pieces the wire formats share: their specs' common functions, secrets on line-based wires,
//! and the ready event.

use std::ops::Range;

use super::{json, ChatEvent, FormatSettings, OutFrame};

/// [`Spec::socket_url`] of formats that open the address as given.
pub(crate) fn same_url(url: &str) -> String {
    url.to_string()
}

/// [`WireFormat::secret_spans`] of line-based formats: on each line of `frame` that starts with
/// `prefix`, up to the first empty line (the end of STOMP's headers), the rest of the line
/// unless `shown` allows it (IRC's `AUTHENTICATE PLAIN` names a mechanism, not a secret).
pub(crate) fn secret_lines(frame: &OutFrame, prefix: &str, shown: fn(&[u8]) -> bool) -> Vec<Range<usize>> {
    let bytes = match frame {
        OutFrame::Text(text) => text.as_bytes(),
        OutFrame::Binary(bytes) => bytes,
    };
    let mut spans = Vec::new();
    let mut at = 0;
    for line in bytes.split(|&b| b == b'\n') {
        let line_start = at;
        at += line.len() + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix(prefix.as_bytes()).filter(|v| !v.is_empty() && !shown(v)) {
            let start = line_start + prefix.len();
            spans.push(start..start + value.len());
        }
    }
    spans
}

/// [`Spec::channels`] of formats without channels: the setting is kept as it is, unused.
pub(crate) fn no_channels(list: &str) -> Result<String, String> {
    Ok(list.to_string())
}

/// [`Spec::check`] of the brokers' formats: their channel list checked by `channels`, and the
/// JSON template their messages go out in.
pub(crate) fn check_channels_and_template(
    settings: FormatSettings,
    channels: fn(&str) -> Result<String, String>,
) -> Result<FormatSettings, String> {
    let channel = channels(&settings.channel)?;
    json::validate_template(&settings.json_template).map_err(|e| e.to_string())?;
    Ok(FormatSettings { channel, ..settings })
}

/// [`Spec::check`] of formats that read no settings of their own.
pub(crate) fn nothing_to_check(settings: FormatSettings) -> Result<FormatSettings, String> {
    Ok(settings)
}

/// Adds [`ChatEvent::ready`] to `events` when the format just became ready.
pub(crate) fn say_ready(was_ready: bool, now_ready: bool, events: &mut Vec<ChatEvent>) {
    if !was_ready && now_ready {
        events.push(ChatEvent::ready());
    }
}
