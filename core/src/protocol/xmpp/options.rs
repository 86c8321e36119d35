//! What XMPP reads from the settings: the rooms of `channel`, the domain, the login.

use crate::protocol::FormatSettings;
use crate::secret::Secret;

/// A comma-separated list of rooms, each a bare JID (`lobby@conference.example.org`).
pub fn validate_rooms(list: &str) -> Result<String, String> {
    let mut rooms: Vec<String> = Vec::new();
    for room in list.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        let plausible = room.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
            && !room.contains(['/', ' ', '<', '>', '"', '\'', '&']);
        if !plausible {
            return Err(format!(
                "\"{room}\" is not an XMPP room: write it as a bare JID, as in lobby@conference.example.org."
            ));
        }
        let room = crate::unicode::lowercase(room);
        if !rooms.contains(&room) {
            rooms.push(room);
        }
    }
    Ok(rooms.join(","))
}

/// What XMPP reads from the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmppOptions {
    pub nick: String,
    pub rooms: Vec<String>,
    /// The domain the stream is opened to.
    pub domain: String,
    /// The local part and password, when a login was given.
    pub login: Option<(String, Secret)>,
}

impl XmppOptions {
    pub fn from_settings(settings: &FormatSettings) -> Self {
        let rooms = validate_rooms(&settings.channel).unwrap_or_default();
        let host = settings.url.split_once("://").map_or(settings.url.as_str(), |(_, r)| r);
        let host = host.split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host =
            host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
        let (login, domain) = match settings.login.split_once('@') {
            Some((local, domain)) if !settings.login.is_empty() => (
                Some((local.to_string(), settings.password.clone())),
                domain.trim_end_matches('/').to_string(),
            ),
            _ if !settings.login.is_empty() => {
                (Some((settings.login.clone(), settings.password.clone())), host.to_string())
            }
            _ => (None, host.to_string()),
        };
        XmppOptions {
            nick: settings.nick.clone(),
            rooms: rooms.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect(),
            domain,
            login,
        }
    }
}
