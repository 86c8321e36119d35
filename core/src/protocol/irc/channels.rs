//! IRC channel names as the `channel` setting gives them, checked to be one IRC parameter each.

/// The IRC channel joined when no `channel` is given.
pub const DEFAULT_CHANNEL: &str = "#chat";

/// An IRC channel from a link or the form, as one IRC parameter: a space, comma or control
/// character would end it or start another command (a link must not make the client send
/// what the person did not ask for). Without a channel prefix, `#` is added.
pub fn validate_channel(channel: &str) -> Result<String, String> {
    let channel = channel.trim();
    if let Some(c) = channel.chars().find(|c| c.is_whitespace() || c.is_control() || *c == ',') {
        let found = crate::json::quote(&c.to_string());
        return Err(format!("IRC channel names cannot contain spaces, commas or control characters (found {found})."));
    }
    if channel.len() > 50 {
        return Err("That IRC channel name is longer than servers accept (50 bytes).".to_string());
    }
    Ok(if channel.starts_with(['#', '&', '!', '+']) { channel.to_string() } else { format!("#{channel}") })
}

/// A comma-separated list of channels (the `channel` parameter), each checked as by
/// [`validate_channel`], repeats dropped; the first problem is the error.
pub fn validate_channels(list: &str) -> Result<String, String> {
    let mut channels: Vec<String> = Vec::new();
    for channel in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let channel = validate_channel(channel)?;
        if !channels.iter().any(|c| c.eq_ignore_ascii_case(&channel)) {
            channels.push(channel);
        }
    }
    if channels.is_empty() {
        return Ok(DEFAULT_CHANNEL.to_string());
    }
    Ok(channels.join(","))
}
