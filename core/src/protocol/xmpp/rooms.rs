//! Rooms and private chats of the XMPP format: presence as joins, leaves and user lists;
//! messages as chat, history, topics, receipts (XEP-0184) and own messages delivered.

use super::archive::archive_id;
use super::{XmppState, CLIENT, MAX_NICK_ATTEMPTS, RECEIPTS};
use crate::protocol::time::parse_iso8601;
use crate::protocol::{ChatEvent, Decoded, Target};
use crate::xml::Element;

impl XmppState {
    /// A room we joined or are joining: only such a room's presence and messages count, so
    /// that nobody else can make a room appear.
    fn in_room(&self, room: &str) -> bool {
        self.joined
            .iter()
            .map(|(r, _)| r)
            .chain(self.joining.iter().map(|(r, ..)| r))
            .any(|r| r.eq_ignore_ascii_case(room))
    }

    pub(super) fn presence(&mut self, presence: &Element, decoded: &mut Decoded) {
        let from = presence.get("from").unwrap_or_default();
        let Some((room, nick)) = from.split_once('/') else { return };
        if !self.in_room(room) {
            return;
        }
        let place = Target::channel(room);
        let ours = presence
            .find("x")
            .is_some_and(|x| x.elements().any(|s| s.local_name() == "status" && s.get("code") == Some("110")));
        if presence.get("type") == Some("error") {
            let Some(at) = self.joining.iter().position(|(r, ..)| r.eq_ignore_ascii_case(room)) else { return };
            let (room, asked, attempt) = self.joining.remove(at);
            let conflict = presence.find("error").is_some_and(|e| e.find("conflict").is_some());
            if conflict && attempt < MAX_NICK_ATTEMPTS {
                let base = asked.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
                let next = format!("{base}_{}", attempt + 1);
                decoded.events.push(place.event(ChatEvent::Notice {
                    text: format!("{asked} is taken here; trying {next}."),
                    time_ms: None,
                }));
                let join = self.join(&room, &next, attempt + 1);
                decoded.replies.push(join);
            } else {
                let why = format!("Could not join {room}.");
                decoded.events.push(place.event(ChatEvent::Gone(why.clone())));
                decoded.events.push(ChatEvent::Refused(why));
            }
            return;
        }
        if presence.get("type") == Some("unavailable") {
            if ours {
                self.joined.retain(|(r, _)| !r.eq_ignore_ascii_case(room));
                decoded.events.push(place.event(ChatEvent::Gone(format!("You left {room}."))));
            } else {
                let text = format!("{nick} left");
                decoded.events.push(place.event(ChatEvent::Left { nick: nick.to_string(), text, time_ms: None }));
            }
            return;
        }
        if ours {
            if let Some(at) = self.joining.iter().position(|(r, ..)| r.eq_ignore_ascii_case(room)) {
                self.joining.remove(at);
            }
            self.joined.retain(|(r, _)| !r.eq_ignore_ascii_case(room));
            self.joined.push((room.to_string(), nick.to_string()));
            decoded.events.push(place.event(ChatEvent::Entered));
            let text = format!("Joined {room} as {nick}.");
            decoded.events.push(place.event(ChatEvent::Joined { nick: nick.to_string(), text, time_ms: None }));
            decoded.replies.extend(self.ask_if_archived(room));
        } else {
            let text = format!("{nick} joined");
            decoded.events.push(place.event(ChatEvent::Joined { nick: nick.to_string(), text, time_ms: None }));
        }
    }

    pub(super) fn message(&mut self, message: &Element, decoded: &mut Decoded) {
        if self.archive_line(message) {
            return;
        }
        // A receipt: the other person's client has our message.
        let from = message.get("from").unwrap_or_default();
        if let Some(received) = message.find("received").filter(|r| r.get("xmlns") == Some(RECEIPTS)) {
            if let Some(id) = received
                .get("id")
                .and_then(|id| self.own_message_id(id))
                .filter(|id| self.confirmed_by(*id, from, false))
            {
                decoded.events.push(ChatEvent::Delivered(id));
            }
        }
        let Some(body) = message.find("body").map(Element::text_content) else {
            if let Some(subject) = message.find("subject").map(Element::text_content) {
                let room = from.split('/').next().unwrap_or_default();
                if !self.in_room(room) || message.get("type") != Some("groupchat") {
                    return;
                }
                decoded.events.push(
                    Target::channel(room).event(ChatEvent::Topic { text: format!("Topic: {subject}"), time_ms: None }),
                );
            }
            return;
        };
        let (bare, resource) = from.split_once('/').unwrap_or((from, ""));
        let delay = message.find("delay").and_then(|d| d.get("stamp")).and_then(parse_iso8601);
        match message.get("type") {
            // Only a room we are in speaks in a room: anyone else's "groupchat" opens nothing.
            Some("groupchat") if !self.in_room(bare) => {}
            Some("groupchat") => {
                let place = Target::channel(bare);
                let ours = self.joined.iter().any(|(r, n)| r.eq_ignore_ascii_case(bare) && n == resource);
                let id = message
                    .get("id")
                    .and_then(|id| self.own_message_id(id))
                    .filter(|id| self.confirmed_by(*id, bare, true));
                if let (true, Some(id), None) = (ours, id, delay) {
                    decoded.events.push(ChatEvent::Delivered(id));
                }
                let event = match delay {
                    Some(time_ms) => {
                        self.room_history_line(bare, message, time_ms);
                        // Without the room's archive id, the sender's own id, named by the sender:
                        // it cannot pass for another's line.
                        let msgid = archive_id(message, bare).map(str::to_string).or_else(|| {
                            let own = message.find("origin-id").and_then(|e| e.get("id")).or(message.get("id"))?;
                            Some(format!("{from} {own}"))
                        });
                        ChatEvent::History { nick: resource.to_string(), text: body, time_ms: Some(time_ms), msgid }
                    }
                    None => {
                        let msgid = archive_id(message, bare).map(str::to_string);
                        ChatEvent::Message { nick: Some(resource.to_string()), text: body, time_ms: None, msgid }
                    }
                };
                decoded.events.push(place.event(event));
            }
            Some("error") => {
                decoded.events.push(ChatEvent::System(format!("The server could not deliver a message to {from}.")))
            }
            _ => {
                // Through a room we are in: the occupant, by the room's JID and nick; else the
                // account, by its bare JID.
                let through_room =
                    !resource.is_empty() && self.joined.iter().any(|(r, _)| r.eq_ignore_ascii_case(bare));
                // Receipts only to those we talk with (XEP-0184 §8): a stranger learns nothing
                // of when this page is open.
                let asked = message.find("request").is_some_and(|r| r.get("xmlns") == Some(RECEIPTS))
                    && (through_room || self.talked_to(from));
                if let (true, Some(id)) = (asked, message.get("id")) {
                    let receipt = Element::new("message")
                        .attr("xmlns", CLIENT)
                        .attr("to", from)
                        .child(Element::new("received").attr("xmlns", RECEIPTS).attr("id", id));
                    let receipt = self.stanza(receipt, None);
                    decoded.replies.push(receipt);
                }
                let (nick, place) = if through_room {
                    (resource.to_string(), Target::private(from))
                } else {
                    (bare.split('@').next().unwrap_or(bare).to_string(), Target::private(bare))
                };
                // The id our account's archive gives it, by which its copy there is known: only
                // from an account that keeps one (its server then strips forged ones, XEP-0359).
                let account = self.jid.split('/').next().unwrap_or_default();
                let msgid = archive_id(message, account)
                    .filter(|_| !account.is_empty() && self.archive_kept_by(account))
                    .map(str::to_string);
                decoded.events.push(place.event(ChatEvent::Message { nick: Some(nick), text: body, time_ms: delay, msgid }));
            }
        }
    }
}
