//! Message archives (XEP-0313 MAM): each room joined, and the account once online, is asked
//! whether it keeps one (disco#info). One that does is asked for the lines before what a room
//! (or, the account's, a private chat) shows as a person scrolls back past what the browser's
//! store holds, a page at a time. The account's newest page names whom we talked with lately:
//! those private chats are listed, on a device that never saw them too.

use super::{XmppState, CLIENT};
use crate::protocol::time::format_iso8601;
use crate::protocol::{ChatEvent, Decoded, OutFrame, PastLine, Target, TargetKind};
use crate::xml::Element;

pub(super) const MAM: &str = "urn:xmpp:mam:2";
const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
const RSM: &str = "http://jabber.org/protocol/rsm";
const STANZA_ID: &str = "urn:xmpp:sid:0";

/// Lines asked for at once at most (Prosody answers 50 by default, ejabberd 50 to 250).
const MOST_ASKED: u32 = 100;

/// Lines kept of one answer at most, and questions awaited at once: a server that sends more,
/// or never answers, cannot grow memory.
const MOST_KEPT: usize = 1_000;
const MOST_AWAITED: usize = 8;

/// Rooms whose archives are known at most: the oldest known is forgotten first.
const MOST_ROOMS: usize = 256;

/// Lines of the account's newest page read for whom we talked with: as many chats at most.
const LATELY: u32 = 50;

const MUC_USER: &str = "http://jabber.org/protocol/muc#user";

/// What this stream knows of its rooms' archives.
#[derive(Clone, Debug, Default)]
pub(super) struct Archives {
    /// Rooms asked whether they keep an archive.
    rooms: Vec<RoomArchive>,
    /// Questions for earlier lines awaiting their `fin`, with the lines come so far.
    queries: Vec<Query>,
    /// Numbers the ids of this stream's questions.
    asked: u64,
    /// The account's newest page listed whom we talked with: once a connection, so a chat the
    /// person closed does not come back with every new stream.
    listed: bool,
}

#[derive(Clone, Debug)]
struct RoomArchive {
    room: String,
    /// The id of the question whether it keeps one, until answered.
    asked: Option<String>,
    keeps: bool,
    /// The archive's id and time of the earliest line the room gave (on join or asked for):
    /// the next page ends before it, exactly, where a time would cut a second's burst in two.
    earliest: Option<(String, f64)>,
    /// The archive said it holds nothing older.
    complete: bool,
}

#[derive(Clone, Debug)]
struct Query {
    id: String,
    /// The archive entry it pages: a room, or the person a private chat is with.
    room: String,
    /// Who answers: the room, or (the account's archive) our bare JID or nobody named.
    answers_from: String,
    conversation: Target,
    /// What the page was asked to end before, for a page that brings no line with a time.
    before_ms: f64,
    lines: Vec<PastLine>,
    /// For the account's newest page ([`XmppState::ask_whom_we_talked_with`]): the people its
    /// lines are between us and, oldest first, instead of lines.
    people: Option<Vec<String>>,
}

/// What a question is awaited as ([`Query`] without its id and lines).
struct Asked {
    room: String,
    answers_from: String,
    conversation: Target,
    before_ms: f64,
    people: Option<Vec<String>>,
}

impl Archives {
    /// A new stream: its questions are never answered, and rooms are asked anew.
    pub(super) fn new_stream(&mut self) {
        *self = Archives { listed: self.listed, ..Archives::default() };
    }

    fn room(&mut self, room: &str) -> Option<&mut RoomArchive> {
        self.rooms.iter_mut().find(|r| r.room.eq_ignore_ascii_case(room))
    }
}

impl XmppState {
    fn question_id(&mut self, what: &str) -> String {
        self.archives.asked += 1;
        format!("{what}-{}-{}", self.id_tokens.last().map_or("", String::as_str), self.archives.asked)
    }

    /// A room just joined: asked whether it keeps an archive (unless known already).
    pub(super) fn ask_if_archived(&mut self, room: &str) -> Option<OutFrame> {
        if self.archives.room(room).is_some() {
            return None;
        }
        let id = self.question_id("disco");
        self.make_room_for_an_archive();
        let asked = Some(id.clone());
        self.archives.rooms.push(RoomArchive { room: room.to_string(), asked, keeps: false, earliest: None, complete: false });
        let query = Element::new("query").attr("xmlns", DISCO_INFO);
        let iq = Element::new("iq").attr("xmlns", CLIENT).attr("type", "get").attr("to", room).attr("id", &id);
        Some(self.stanza(iq.child(query), None))
    }

    /// A line the room sent on join (XEP-0203 delay), with the archive's id for it.
    pub(super) fn room_history_line(&mut self, room: &str, message: &Element, time_ms: f64) {
        let Some(id) = archive_id(message, room) else { return };
        if let Some(archive) = self.archives.room(room) {
            if archive.earliest.as_ref().is_none_or(|(_, t)| time_ms < *t) {
                archive.earliest = Some((id.to_string(), time_ms));
            }
        }
    }

    /// With as many archives known as are kept, the oldest known goes: never the account's,
    /// which every private chat pages back in.
    fn make_room_for_an_archive(&mut self) {
        if self.archives.rooms.len() >= MOST_ROOMS {
            let account = self.account().to_string();
            if let Some(at) = self.archives.rooms.iter().position(|r| !r.room.eq_ignore_ascii_case(&account)) {
                self.archives.rooms.remove(at);
            }
        }
    }

    /// Whether `jid` (a room, or our account) said it keeps an archive.
    pub(super) fn archive_kept_by(&self, jid: &str) -> bool {
        self.archives.rooms.iter().any(|r| r.room.eq_ignore_ascii_case(jid) && r.keeps && r.asked.is_none())
    }

    /// Our bare JID: the account's archive is asked at it.
    fn account(&self) -> &str {
        self.jid.split('/').next().unwrap_or_default()
    }

    /// Once online: the account asked whether it keeps an archive (for private chats).
    pub(super) fn ask_if_account_archived(&mut self) -> Option<OutFrame> {
        let account = self.account().to_string();
        (!account.is_empty()).then(|| self.ask_if_archived(&account)).flatten()
    }

    /// At most `limit` lines of room `to`, or of a private chat with a bare JID, before
    /// `before_ms`, from the room's or the account's archive: `None` where it keeps none, holds
    /// nothing older, or the room is not joined.
    pub(super) fn ask_archive(&mut self, to: &Target, before_ms: f64, limit: u32, empty: bool) -> Option<Vec<OutFrame>> {
        let account = self.account().to_string();
        let (answers_from, with) = match to.kind {
            TargetKind::Channel if self.joined.iter().any(|(r, _)| r.eq_ignore_ascii_case(&to.name)) => {
                (to.name.clone(), None)
            }
            // Through a room (room/nick) the room keeps nothing of it, and the account nothing
            // of whom we talk with.
            TargetKind::Private if !to.name.contains('/') && !account.is_empty() => {
                let keeps = self.archives.rooms.iter().any(|r| r.room.eq_ignore_ascii_case(&account) && r.keeps);
                if keeps && self.archives.room(&to.name).is_none() {
                    self.make_room_for_an_archive();
                    let (room, asked, earliest) = (to.name.clone(), None, None);
                    self.archives.rooms.push(RoomArchive { room, asked, keeps, earliest, complete: false });
                }
                (account.clone(), Some(to.name.clone()))
            }
            _ => return None,
        };
        let room = self.archives.rooms.iter().find(|r| r.room.eq_ignore_ascii_case(&to.name))?;
        if !room.keeps || room.complete {
            return None;
        }
        // The earliest line the room gave, if the log reaches no further back: before its id.
        // Else before the time, which the archive takes to the second and inclusive: the log
        // drops the lines it holds.
        let before_id = room.earliest.as_ref().filter(|(_, t)| *t <= before_ms + 1_000.0).map(|(id, _)| id.clone());
        let room = room.room.clone();
        let mut fields = Vec::new();
        if let Some(with) = &with {
            fields.push(field("with", with));
        }
        // Nothing held: the last page, by the server's clock, not this computer's.
        if before_id.is_none() && !empty {
            fields.push(field("end", &format_iso8601(before_ms)));
        }
        // A room's archive is the room's to answer; the account's, the server's for us.
        let at = with.is_none().then(|| room.clone());
        let page = (limit.clamp(1, MOST_ASKED), before_id.unwrap_or_default());
        let asked = Asked { room, answers_from, conversation: to.clone(), before_ms, people: None };
        Some(vec![self.ask_mam(at.as_deref(), fields, page, asked)])
    }

    /// The account's newest page of private lines, for whom we talked with lately: their chats
    /// open (listed, with nothing unread) and each asks for its own lines once it is read.
    fn ask_whom_we_talked_with(&mut self) -> OutFrame {
        let account = self.account().to_string();
        let conversation = Target::private(String::new());
        let asked = Asked { room: account.clone(), answers_from: account, conversation, before_ms: 0.0, people: Some(Vec::new()) };
        self.ask_mam(None, Vec::new(), (LATELY, String::new()), asked)
    }

    /// A MAM question to `to` (none: our account's archive) with `fields` beside the form's
    /// type, for a page of (at most this many lines, before this archive id; none: the last),
    /// awaited as `asked` says.
    fn ask_mam(&mut self, to: Option<&str>, fields: Vec<Element>, (max, before): (u32, String), asked: Asked) -> OutFrame {
        let id = self.question_id("mam");
        let mut form =
            Element::new("x").attr("xmlns", "jabber:x:data").attr("type", "submit").child(field("FORM_TYPE", MAM).attr("type", "hidden"));
        for field in fields {
            form = form.child(field);
        }
        let page = Element::new("set")
            .attr("xmlns", RSM)
            .child(Element::new("max").text(&max.to_string()))
            .child(Element::new("before").text(&before));
        let query = Element::new("query").attr("xmlns", MAM).attr("queryid", &id).child(form).child(page);
        let mut iq = Element::new("iq").attr("xmlns", CLIENT).attr("type", "set");
        if let Some(to) = to {
            iq = iq.attr("to", to);
        }
        let iq = iq.attr("id", &id);
        if self.archives.queries.len() == MOST_AWAITED {
            self.archives.queries.remove(0);
        }
        let Asked { room, answers_from, conversation, before_ms, people } = asked;
        self.archives.queries.push(Query { id, room, answers_from, conversation, before_ms, lines: Vec::new(), people });
        self.stanza(iq.child(query), None)
    }

    /// A `<message>` carrying one line of an archive's answer: kept for its question (from the
    /// room asked, with the question's id), whether or not it was one.
    pub(super) fn archive_line(&mut self, message: &Element) -> bool {
        let Some(result) = message.find("result").filter(|r| r.get("xmlns") == Some(MAM)) else { return false };
        let from = message.get("from").unwrap_or_default();
        let asked = result.get("queryid").unwrap_or_default();
        let account = self.account().to_string();
        let Some(query) = self.archives.queries.iter_mut().find(|q| q.id == asked && answers(q, from, &account)) else {
            return true;
        };
        let Some(forwarded) = result.find("forwarded") else { return true };
        if let Some(people) = query.people.as_mut() {
            let line = forwarded.find("message").filter(|m| m.get("type") == Some("chat"));
            // A private line through a room (XEP-0045) is the room's occupant's, not a person's.
            let person = line.filter(|m| !m.elements().any(|e| e.get("xmlns") == Some(MUC_USER))).and_then(|m| {
                let bare = |end: &str| m.get(end).unwrap_or_default().split('/').next().unwrap_or_default().to_string();
                let (from, to) = (bare("from"), bare("to"));
                let ours = |jid: &str| jid.eq_ignore_ascii_case(&account);
                let other = match (ours(&from), ours(&to)) {
                    (true, false) => to,
                    (false, true) => from,
                    _ => return None,
                };
                other.contains('@').then_some(other)
            });
            if let Some(person) = person {
                people.retain(|p| !p.eq_ignore_ascii_case(&person));
                if people.len() < LATELY as usize {
                    people.push(person);
                }
            }
            return true;
        }
        let time_ms = forwarded.find("delay").and_then(|d| d.get("stamp")).and_then(crate::protocol::time::parse_iso8601);
        let private = query.conversation.kind == TargetKind::Private;
        let kind = if private { "chat" } else { "groupchat" };
        let Some(line) = forwarded.find("message").filter(|m| m.get("type").unwrap_or("normal") == kind) else {
            return true;
        };
        let sender = line.get("from").unwrap_or_default();
        // A room's line by its nick; a private one by the sender's name, and only between us and
        // the person asked about.
        let nick = if private {
            let bare = sender.split('/').next().unwrap_or_default();
            let between = [bare, line.get("to").unwrap_or_default().split('/').next().unwrap_or_default()];
            let ours = between.iter().any(|j| j.eq_ignore_ascii_case(&account));
            let theirs = between.iter().any(|j| j.eq_ignore_ascii_case(&query.room));
            if ours && theirs { bare.split('@').next().unwrap_or_default() } else { "" }
        } else {
            sender.split_once('/').map(|(_, nick)| nick).unwrap_or_default()
        };
        if let (Some(text), Some(time_ms), false) = (line.find("body").map(Element::text_content), time_ms, nick.is_empty()) {
            if query.lines.len() < MOST_KEPT {
                let msgid = result.get("id").map(str::to_string);
                query.lines.push(PastLine { nick: nick.to_string(), text, time_ms, msgid });
            }
        }
        true
    }

    /// An `<iq>` answering one of these questions (then taken, whatever it says).
    pub(super) fn archive_answer(&mut self, iq: &Element, decoded: &mut Decoded) -> bool {
        let id = iq.get("id").unwrap_or_default();
        let from = iq.get("from").unwrap_or_default();
        let ok = iq.get("type") == Some("result");
        let account = self.account().to_string();
        if let Some(room) =
            self.archives.rooms.iter_mut().find(|r| r.asked.as_deref() == Some(id) && r.room.eq_ignore_ascii_case(from))
        {
            room.asked = None;
            room.keeps = ok
                && iq.find("query").is_some_and(|q| {
                    q.elements().any(|f| f.local_name() == "feature" && f.get("var") == Some(MAM))
                });
            if room.keeps && room.room.eq_ignore_ascii_case(&account) && !self.archives.listed {
                let asked = self.ask_whom_we_talked_with();
                decoded.replies.push(asked);
            }
            return true;
        }
        let Some(at) = self.archives.queries.iter().position(|q| q.id == id && answers(q, from, &account)) else {
            return false;
        };
        let Query { room, lines, before_ms, conversation, people, .. } = self.archives.queries.remove(at);
        if let Some(people) = people {
            self.archives.listed |= ok && iq.find("fin").is_some_and(|f| f.get("xmlns") == Some(MAM));
            // The most recent first, as a conversation list reads.
            for person in people.into_iter().rev() {
                decoded.events.push(Target::private(person).event(ChatEvent::Entered));
            }
            return true;
        }
        let fin = iq.find("fin").filter(|f| ok && f.get("xmlns") == Some(MAM));
        if let Some(archive) = self.archives.room(&room) {
            // An error or a last page: nothing more to ask this archive.
            archive.complete = fin.is_none_or(|f| f.get("complete") == Some("true"));
            // The next page ends before this one's first (RSM's <first>), whether or not its
            // lines were shown: a page of lines shown already moves on all the same.
            let first = fin.and_then(|f| f.find("set")).filter(|s| s.get("xmlns") == Some(RSM)).and_then(|s| s.find("first"));
            let earliest_ms = lines.iter().map(|l| l.time_ms).reduce(f64::min).unwrap_or(before_ms);
            if let Some(first) = first.map(Element::text_content).filter(|id| !id.is_empty()) {
                archive.earliest = Some((first, earliest_ms));
            }
        }
        if fin.is_none() {
            decoded.events.push(ChatEvent::System(format!("The archive could not give {room}'s earlier lines.")));
        }
        decoded.events.push(conversation.event(ChatEvent::Earlier(lines)));
        true
    }
}

/// Whether a stanza `from` answers `query`: the room asked, or for the account's archive our
/// bare JID or nobody named (the server speaking for the account).
fn answers(query: &Query, from: &str, account: &str) -> bool {
    query.answers_from.eq_ignore_ascii_case(from) || (from.is_empty() && query.answers_from.eq_ignore_ascii_case(account))
}

/// The id the room's archive gives a message: `<stanza-id by=ROOM>` (XEP-0359); one claiming
/// another `by` is not the room's word, and a sender's own ids could name someone else's line.
pub(super) fn archive_id<'a>(message: &'a Element, room: &str) -> Option<&'a str> {
    message
        .elements()
        .find(|e| {
            e.local_name() == "stanza-id"
                && e.get("xmlns") == Some(STANZA_ID)
                && e.get("by").is_some_and(|by| by.eq_ignore_ascii_case(room))
        })
        .and_then(|e| e.get("id"))
}

fn field(name: &str, value: &str) -> Element {
    Element::new("field").attr("var", name).child(Element::new("value").text(value))
}
