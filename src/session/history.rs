//! The connection's history in the browser's store: its stored lines shown before the socket
//! opens, new lines written in one batch a frame (and at once when the page hides), forgetting
//! the server's. A store that fails never stops the chat: the timeline says so, once.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;

use wschat_core::chat::LinePlace;
use wschat_core::protocol::Action;

use super::{now_ms, ChatSession, Reveal};
use crate::store::Store;
use crate::timer::{pause, AnimationFrame, Timeout};

/// The socket opens after this long even if the store has not answered (a blocked upgrade, a
/// slow disk): the chat never waits on history for longer.
const LOAD_WAIT_MS: f64 = 1000.0;

/// A hidden tab gets no animation frames: the batch is written after this long instead.
const HIDDEN_WRITE_MS: f64 = 200.0;

/// Lines asked of the store each time a person scrolls near the top of a conversation.
const OLDER_LINES: usize = 200;

/// Lines asked of a server that keeps history, past what the store holds.
const SERVER_LINES: u32 = 100;

/// How often a return to the line read looks again while another read of older lines is under
/// way, and how many times at most (a store that never answers is not waited on for good).
const READ_TURN_MS: i32 = 50;
const READ_TURNS: u32 = 200;

/// The store's side of the session.
#[derive(Default)]
pub(super) struct Archive {
    /// The server whose stored lines were asked for (shown, or given up on).
    loaded_for: Option<String>,
    /// The server whose stored lines are shown (read, or given up on).
    shown_for: Option<String>,
    /// The server's id of the newest stored line that has one, for the format on each open
    /// ([`wschat_core::protocol::WireFormat::resume_after`]).
    pub(super) newest_msgid: Option<String>,
    /// The next write, while one is due (the lines wait in store.js).
    next_write: Option<(AnimationFrame, Timeout)>,
    /// A write is under way: the next waits for it, so there is one transaction at a time.
    writing: bool,
    /// The store failed and the person was told.
    failed_said: bool,
    /// Older lines are being read for the conversation of this storage key.
    reading_older: Option<String>,
    /// Conversations (storage keys) whose stored lines are all shown, down to this oldest
    /// time (if the oldest go, for the cap or the memory budget, they are read again).
    older_all_shown: Vec<(String, f64)>,
    /// Conversations whose server was asked for lines before this time (once per time).
    pub(super) server_asked: Vec<(String, f64)>,
}

impl ChatSession {
    /// Whether this server's stored lines are being read (asked for, not yet shown).
    fn history_loading(&self) -> bool {
        self.upkeep
            .try_with_value(|u| {
                u.archive.loaded_for.as_ref() == Some(&u.server) && u.archive.shown_for.as_ref() != Some(&u.server)
            })
            .unwrap_or(false)
    }

    /// Shows the server's stored lines without connecting (a link with `connect=0`): the
    /// conversations outlive the page whether or not it connects.
    pub fn show_stored_history(&self) {
        self.load_history_then(|_| {});
    }

    /// Shows the server's stored lines, then runs `then` (opening the socket); at once when
    /// they were shown already, and after [`LOAD_WAIT_MS`] at most.
    pub(super) fn load_history_then(&self, then: impl Fn(ChatSession) + Copy + 'static) {
        let server = self.upkeep.with_value(|u| u.server.clone());
        if self.upkeep.with_value(|u| u.archive.loaded_for.as_ref() == Some(&server)) {
            if !self.history_loading() {
                return then(*self);
            }
            // Asked for already (a page opened with `connect=0`) and still being read: the
            // socket waits for it as it would for a read of its own, no longer.
            let session = *self;
            leptos::task::spawn_local(async move {
                for _ in 0..(LOAD_WAIT_MS / f64::from(READ_TURN_MS)) as u32 {
                    if !session.history_loading() {
                        break;
                    }
                    pause(READ_TURN_MS).await;
                }
                if session.alive() {
                    then(session);
                }
            });
            return;
        }
        self.update_upkeep(|u| u.archive.loaded_for = Some(server.clone()));
        let session = *self;
        // Whichever comes first, the store's answer or the wait's end, opens the socket; a
        // plain cell, not a reactive value: the owner current here may be a click's, short-lived.
        let waited = Rc::new(Cell::new(false));
        let waited_too = Rc::clone(&waited);
        let give_up = Timeout::new(LOAD_WAIT_MS, move || {
            if session.alive() && !waited_too.replace(true) {
                then(session);
            }
        });
        leptos::task::spawn_local(async move {
            let loaded = Store::get().load(&server).await;
            drop(give_up);
            // The page may have closed this connection meanwhile.
            if !session.alive() {
                return;
            }
            match loaded {
                Ok((conversations, unreadable)) => {
                    // Lines made before the stored ones are shown go to the store first: the
                    // restored lines mark all before them as stored.
                    session.archive_new_lines();
                    session.edit_chats(|chats| {
                        for (key, records) in &conversations {
                            chats.restore(key, records);
                        }
                    });
                    let newest = conversations
                        .iter()
                        .flat_map(|(_, records)| records)
                        .filter(|r| r.msgid.is_some())
                        .reduce(|a, b| if b.time_ms >= a.time_ms { b } else { a });
                    let newest = newest.and_then(|r| r.msgid.clone());
                    session.update_upkeep(|u| u.archive.newest_msgid = newest);
                    if unreadable > 0 {
                        session.system(&format!("{unreadable} stored lines could not be read and were skipped."));
                    }
                }
                Err(why) => session.history_failed(why),
            }
            session.update_upkeep(|u| u.archive.shown_for = Some(server.clone()));
            if !waited.replace(true) {
                then(session);
            }
        });
    }

    /// The shown conversation's older stored lines, put before its oldest (a person scrolled
    /// near its top); nothing while a read is under way, once all are shown, or at the cap.
    pub fn show_older_lines(&self) {
        let Some(key) = self.chats.try_with_untracked(|c| c.key(c.shown_index())) else { return };
        let session = *self;
        leptos::task::spawn_local(async move {
            session.read_older_lines(&key).await;
        });
    }

    /// The person is back at the newest lines of the shown conversation: the older lines held
    /// beyond its cap while they read back go (the store keeps them).
    pub fn end_scrollback(&self) {
        if self.chats.try_with_untracked(|c| c.shown().log.holds_for_reading()) == Some(true) {
            self.chats.update(|c| c.shown_mut().log.end_scrollback());
        }
    }

    /// The person reads above the newest lines of the shown conversation: new lines push out
    /// what they read only past twice its cap
    /// ([`wschat_core::chat::ChatLog::hold_while_reading`]).
    pub fn hold_while_reading(&self) {
        self.chats.try_update_untracked(|c| c.shown_mut().log.hold_while_reading());
    }

    /// Shows the stored line of conversation `key` said at `time_ms` as `text` (a search hit):
    /// older lines are read from the store until it is kept, and the list brings it into view.
    /// Says so when it is further back than the conversation's cap lets the view hold. With
    /// `draft` (the composer's, of a tab just opened for the line), the conversation is shown
    /// once its stored lines have opened it.
    pub fn reveal_line(&self, key: String, time_ms: f64, text: String, draft: Option<RwSignal<String>>) {
        let session = *self;
        // The conversation shown now: if the person shows another before the line is found,
        // they have moved on, and the line is not shown over what they chose.
        let shown_at_start = self.chats.with_untracked(|c| c.key(c.shown_index()));
        leptos::task::spawn_local(async move {
            let mut turns_waited = 0;
            loop {
                let found = session.chats.try_with_untracked(|c| {
                    let at = c.find_key(&key)?;
                    c.list()[at].log.entries().find(|e| e.time_ms == time_ms && *e.text == *text).map(|e| e.id)
                });
                match found {
                    // Not there yet in a tab just opened for it: its stored lines open it.
                    Some(None) | None if turns_waited < READ_TURNS && session.history_loading() => {
                        turns_waited += 1;
                        pause(READ_TURN_MS).await;
                        continue;
                    }
                    None => return,
                    Some(Some(id)) => {
                        let at = session.chats.try_with_untracked(|c| {
                            let shown = c.shown_index();
                            let untouched = c.key(shown) == shown_at_start;
                            c.find_key(&key).filter(|at| *at != shown && untouched)
                        });
                        if let (Some(draft), Some(Some(at))) = (draft, at) {
                            draft.try_set(session.show(at, draft.get_untracked()));
                        }
                        session.reveal.try_set(Some(Reveal { key, id, offset: None }));
                        return;
                    }
                    Some(None) => {}
                }
                if session.read_older_lines(&key).await == 0 {
                    if session.alive() {
                        session.system(
                            "That line is further back than this conversation keeps in view; search still finds it.",
                        );
                    }
                    return;
                }
            }
        });
    }

    /// Brings back the line a person was reading in the shown conversation, at `place` and
    /// `offset` pixels below the view's top, after it left memory while the conversation was
    /// hidden: older lines are read from the store until the log reaches its time, and the
    /// entry at that place goes back to that offset (the oldest kept, if the line is further
    /// back than the log may hold). Stops once `given_up` is set (the person moved meanwhile).
    pub fn return_to_line(&self, place: LinePlace, offset: f64, given_up: Rc<Cell<bool>>) {
        let Some(key) = self.chats.try_with_untracked(|c| c.key(c.shown_index())) else { return };
        let session = *self;
        leptos::task::spawn_local(async move {
            let log_reaches = || {
                session.chats.try_with_untracked(|c| {
                    let at = c.find_key(&key)?;
                    Some(c.list()[at].log.earliest_time_ms().is_none_or(|earliest| earliest <= place.time_ms))
                })
            };
            let mut turns_waited = 0;
            loop {
                match log_reaches() {
                    None | Some(None) => return,
                    Some(Some(true)) => break,
                    Some(Some(false)) => {}
                }
                // A read begun as the list scrolled near its top (it brings older lines too):
                // this one waits its turn, as a read under way makes another read nothing.
                if session.upkeep.try_with_value(|u| u.archive.reading_older.is_some()) == Some(true) {
                    turns_waited += 1;
                    if turns_waited > READ_TURNS {
                        return;
                    }
                    pause(READ_TURN_MS).await;
                } else if session.read_older_lines(&key).await == 0 {
                    break;
                }
                if given_up.get() {
                    return;
                }
            }
            let id = session.chats.try_with_untracked(|c| c.list()[c.find_key(&key)?].log.entry_at(place)).flatten();
            if let (Some(id), false) = (id, given_up.get()) {
                session.reveal.try_set(Some(Reveal { key, id, offset: Some(offset) }));
            }
        });
    }

    /// Reads the lines before the oldest of conversation `key` from the store and puts them
    /// before it; how many were put (none while a read is under way, once all are shown, or at
    /// the cap).
    async fn read_older_lines(&self, key: &str) -> usize {
        let Some((earliest, room, asked)) = self
            .chats
            .try_with_untracked(|c| {
                let log = &c.list()[c.find_key(key)?].log;
                let asked = c.older_asked(key, OLDER_LINES) as u32;
                Some((log.earliest_time_ms(), log.room_for_older(), asked))
            })
            .flatten()
        else {
            return 0;
        };
        // Nothing at all, not even a notice (a private chat the server's archive named): the
        // store, whose lines would have come on load, holds none; the server may.
        let Some(before) = earliest else {
            self.ask_server_for_earlier(key);
            return 0;
        };
        if room == 0 {
            return 0;
        }
        let (busy, all_shown) = self.upkeep.with_value(|u| {
            let all_shown = u.archive.older_all_shown.iter().any(|(k, t)| k == key && *t == before);
            (u.archive.reading_older.is_some(), all_shown || Store::get().failed())
        });
        if all_shown {
            self.ask_server_for_earlier(key);
        }
        if busy || all_shown {
            return 0;
        }
        self.update_upkeep(|u| u.archive.reading_older = Some(key.to_string()));
        let server = self.upkeep.with_value(|u| u.server.clone());
        let read = Store::get().before(&server, key, before, asked).await;
        if !self.alive() {
            return 0;
        }
        self.update_upkeep(|u| u.archive.reading_older = None);
        match read {
            Ok(records) => {
                let put = self.chats.try_update(|c| c.restore_older(key, &records)).unwrap_or(0);
                if (records.len() as u32) < asked || put == 0 {
                    self.update_upkeep(|u| {
                        u.archive.older_all_shown.retain(|(k, _)| k != key);
                        u.archive.older_all_shown.push((key.to_string(), before));
                    });
                    if put == 0 {
                        self.ask_server_for_earlier(key);
                    }
                }
                put
            }
            Err(why) => {
                self.history_failed(why);
                0
            }
        }
    }

    /// Past what the store holds: asks the server for the lines of conversation `key` before
    /// its earliest line, where its format can (IRC's `CHATHISTORY`, XMPP's MAM), once per
    /// earliest line. They come as [`wschat_core::protocol::ChatEvent::Earlier`], above the
    /// oldest, and go to the store. A conversation that holds no line yet asks for the newest,
    /// once a link, where the format can tell the answer from a replay on join (IRC with
    /// `labeled-response`).
    fn ask_server_for_earlier(&self, key: &str) {
        let Some((target, earliest)) = self
            .chats
            .try_with_untracked(|c| {
                let conversation = &c.list()[c.find_key(key)?];
                Some((conversation.target.clone(), conversation.log.earliest_line_time_ms()))
            })
            .flatten()
        else {
            return;
        };
        // An empty conversation is remembered as asked before an infinite time.
        let asked_at = earliest.unwrap_or(f64::INFINITY);
        if self.upkeep.with_value(|u| u.archive.server_asked.iter().any(|(k, t)| k == key && *t == asked_at)) {
            return;
        }
        let (before_ms, empty) = match earliest {
            Some(earliest) => (earliest, false),
            None => (now_ms(), true),
        };
        // Asked once it goes out: before registration nothing can be asked yet.
        if let Some(decoded) = self.encode(Action::Earlier { to: &target, before_ms, limit: SERVER_LINES, empty }) {
            self.update_upkeep(|u| {
                u.archive.server_asked.retain(|(k, _)| k != key);
                u.archive.server_asked.push((key.to_string(), asked_at));
            });
            self.take(decoded, now_ms());
        }
    }

    /// New lines of every conversation wait for the next write, on the next frame.
    pub(super) fn archive_new_lines(&self) {
        let _phase = crate::heap_probe::enter(crate::heap_probe::Phase::Archive);
        let store = Store::get();
        let writes = store.writes();
        // The server's id, once there is something to queue (most flushes have none).
        let mut server = None::<String>;
        // Taken whether or not the store writes: what is not written now never will be.
        self.chats.try_update_untracked(|chats| {
            chats.take_unarchived_each(|records| {
                if writes {
                    let server = server.get_or_insert_with(|| self.upkeep.with_value(|u| u.server.clone()));
                    store.queue(server, records);
                }
            })
        });
        if server.is_none() {
            return;
        }
        let session = *self;
        self.update_upkeep(|u| {
            if u.archive.next_write.is_none() {
                let frame = AnimationFrame::new(move || session.write_batch());
                let fallback = Timeout::new(HIDDEN_WRITE_MS, move || session.write_batch());
                u.archive.next_write = Some((frame, fallback));
            }
        });
    }

    /// Writes what waits in one transaction, unless one is under way (then it follows that one).
    pub(super) fn write_batch(&self) {
        let start = self.upkeep.try_update_value(|u| {
            u.archive.next_write = None;
            let start = !u.archive.writing && Store::get().queued() > 0;
            u.archive.writing |= start;
            start
        });
        if start != Some(true) {
            return;
        }
        let session = *self;
        leptos::task::spawn_local(async move {
            let written = Store::get().write_queued().await;
            if !session.alive() {
                return;
            }
            session.update_upkeep(|u| u.archive.writing = false);
            match written {
                Ok(()) => {
                    if Store::get().queued() > 0 {
                        session.write_batch();
                    }
                }
                Err(why) => session.history_failed(why),
            }
        });
    }

    /// The page may be going away: what waits is written now, and stashed with the writes
    /// under way, which the page's end may cut short.
    pub(super) fn write_history_now(&self) {
        self.flush_pending();
        if Store::get().writes() {
            Store::get().stash_unwritten();
        }
        self.write_batch();
    }

    /// Whether the session still lives: a store's answer may come after its owner was cleaned
    /// up (a tab closed, a test unmounted), and then nothing may touch it.
    pub(super) fn alive(&self) -> bool {
        self.upkeep.try_with_value(|_| ()).is_some()
    }

    /// The id of the server connected now, as the store keys it.
    pub fn server_id(&self) -> String {
        self.upkeep.with_value(|u| u.server.clone())
    }

    /// Forgets what the store holds of the shown connection's server.
    pub fn forget_history(&self) {
        let server = self.upkeep.with_value(|u| u.server.clone());
        Store::get().drop_queued(Some(&server));
        let session = *self;
        leptos::task::spawn_local(async move {
            let forgotten = Store::get().forget(&server).await;
            if !session.alive() {
                return;
            }
            match forgotten {
                Ok(()) => {
                    super::storage::forget_server_settings(&server);
                    session.update_upkeep(|u| u.archive.failed_said = false);
                    session.system("This server's stored history is forgotten.");
                }
                Err(why) => session.report(format!("The stored history could not be forgotten: {why}")),
            }
        });
    }

    /// The store failed: said once; the chat goes on without it.
    fn history_failed(&self, why: String) {
        if self.upkeep.with_value(|u| !u.archive.failed_said) {
            self.update_upkeep(|u| u.archive.failed_said = true);
            self.system(&why);
        }
        Store::get().drop_queued(None);
    }
}
