//! Which page sends which stored message. Each session (a tab of a page) writes only its own
//! outbox, under a storage key named after it, and holds a Web Lock of the same name while it
//! lives; the browser frees the lock when the page closes or crashes. Messages another live
//! session holds for this server are shown as waiting there and never sent from here; when its
//! lock is freed, the first session of this server to be granted it takes them over.
//!
//! Web Locks rather than `storage` events or a BroadcastChannel alone: a lock is freed by the
//! browser itself when a page dies, so liveness needs no heartbeat (which hidden tabs' throttled
//! timers would make unreliable), and granting is exclusive, so two pages cannot both take the
//! same messages. `storage` events only tell that another page wrote, so a new message shows at
//! once. Without Web Locks (plain http from another machine), the same locks are leases in
//! localStorage (`src/store/store.js`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wschat_core::chat::{server_id, PersistedMessage};
use wschat_core::stored_outbox::legacy_server_id;

use super::locks::{Lock, Outcome};
use super::storage::{self, OutboxKey};
use super::{server_url, ChatSession};
use crate::listener::WindowListener;

/// The event other pages get when one writes storage; the tabs of the writing page get none,
/// so a session sends it to them itself (see [`tell_this_page`]).
const STORAGE_WRITTEN: &str = "storage";

impl ChatSession {
    /// Holds this session's lock, then takes over what closed pages left for this server and
    /// watches what open ones hold. Until then nothing is written or sent, so no other page can
    /// take this session for a closed one, and older messages go out before newer ones.
    pub(super) fn claim_outbox(&self) {
        let session = *self;
        let request = Lock::request(&self.own_outbox_key().lock_name(), false);
        leptos::task::spawn_local(async move {
            let lock = match request.granted().await {
                Outcome::Held(lock) => Some(lock),
                Outcome::Taken | Outcome::NoLocks => None,
            };
            let alive = session
                .upkeep
                .try_update_value(|u| {
                    u.own_lock = lock;
                    u.outbox_claimed = true;
                })
                .is_some();
            if alive {
                session.save_outbox_if_changed();
                session.scan_outboxes().await;
            }
        });
    }

    /// Listens for other pages and tabs writing their outboxes. Returns what must be kept alive
    /// for as long as the session.
    pub(super) fn listen_for_other_outboxes(&self) -> WindowListener {
        let session = *self;
        WindowListener::new(STORAGE_WRITTEN, move |event| {
            let key = event.dyn_ref::<web_sys::StorageEvent>().and_then(web_sys::StorageEvent::key);
            let Some(key) = key.as_deref().and_then(OutboxKey::parse) else { return };
            if session.upkeep.try_with_value(|u| u.outbox_key != key) == Some(true) {
                leptos::task::spawn_local(async move { session.look_at(key).await });
            }
        })
    }

    /// Called as the session goes: the other tabs of this page learn that its outbox is free.
    pub(super) fn leave_outbox_behind(&self) {
        let Some(key) = self.upkeep.try_update_value(|u| {
            u.watches.clear();
            u.own_lock = None;
            u.outbox_key.key()
        }) else {
            return;
        };
        tell_this_page(&key);
    }

    /// Another server is connected from now on: its own messages, and those other pages hold
    /// for it, are looked up again; messages typed for the server before stay, marked.
    pub(super) fn follow_server(&self, url: &str) {
        let server = server_id(&server_url(url));
        if self.upkeep.with_value(|u| u.server == server) {
            return;
        }
        let confirms = storage::remembered_confirms(&server);
        self.update_upkeep(|u| {
            u.legacy_server = legacy_server_id(&server_url(url));
            u.server = server.clone();
            u.confirms_remembered = confirms;
            u.watches.clear();
            u.outbox_scanned = false;
        });
        self.edit_chats(|chats| {
            chats.set_server(&server);
            chats.set_confirms(confirms);
            chats.forget_elsewhere();
        });
        let waiting = self.chats.with_untracked(|c| c.waiting_for_other_servers());
        if waiting > 0 {
            self.system(&format!(
                "{waiting} message(s) typed for another server wait for it: they are sent when you connect to it again, unless you discard them."
            ));
        }
        if self.upkeep.with_value(|u| u.outbox_claimed) {
            let session = *self;
            leptos::task::spawn_local(async move { session.scan_outboxes().await });
        }
    }

    /// Looks at every stored outbox but this session's, then lets the outbox go out.
    async fn scan_outboxes(&self) {
        let Some(own) = self.upkeep.try_with_value(|u| u.outbox_key.clone()) else { return };
        for key in storage::outbox_keys() {
            if key != own {
                self.look_at(key).await;
            }
        }
        if self.upkeep.try_update_value(|u| u.outbox_scanned = true).is_some() {
            self.flush_outbox();
            self.save_outbox_if_changed();
        }
    }

    /// One stored outbox that is not this session's: taken over when its page is gone, else its
    /// messages for this server are shown as waiting there, and its page is watched.
    async fn look_at(&self, key: OutboxKey) {
        let Some((for_here, _)) = self.split_for_here(&key) else { return };
        let watched = self.upkeep.with_value(|u| u.watches.iter().any(|w| w.owner == key.owner()));
        if watched {
            self.edit_chats(|chats| chats.show_elsewhere(key.owner(), for_here));
            return;
        }
        if for_here.is_empty() {
            return;
        }
        match Lock::request(&key.lock_name(), true).granted().await {
            Outcome::Held(_held) => self.take_over(&key),
            // Neither Web Locks nor storage for leases: nothing stored could be another page's.
            Outcome::NoLocks => self.take_over(&key),
            Outcome::Taken => {
                if self.upkeep.try_with_value(|_| ()).is_some() {
                    self.edit_chats(|chats| chats.show_elsewhere(key.owner(), for_here));
                    self.watch(key);
                }
            }
        }
    }

    /// The messages of a stored outbox for this server, and the rest. Those an earlier version
    /// stored under the server's old key are this server's too, under its key now.
    fn split_for_here(&self, key: &OutboxKey) -> Option<(Vec<PersistedMessage>, Vec<PersistedMessage>)> {
        let (server, legacy) = self.upkeep.try_with_value(|u| (u.server.clone(), u.legacy_server.clone()))?;
        let messages = storage::load_outbox(key).into_iter().map(|mut m| {
            if m.server == legacy {
                m.server = server.clone();
            }
            m
        });
        Some(messages.partition(|m| m.server == server))
    }

    /// Waits for the page behind `key` to go, then takes its messages over.
    fn watch(&self, key: OutboxKey) {
        let request = Lock::request(&key.lock_name(), false);
        let Some(handle) = request.handle() else { return };
        let Some(serial) = self.upkeep.try_update_value(|u| {
            u.watch_serial += 1;
            u.watches.push(Watch { owner: key.owner().to_string(), serial: u.watch_serial, _lock: handle });
            u.watch_serial
        }) else {
            return;
        };
        let session = *self;
        leptos::task::spawn_local(async move {
            // Withdrawn when the session goes or follows another server: then nothing is done.
            if let Outcome::Held(_held) = request.granted().await {
                if session.upkeep.try_with_value(|_| ()).is_some() {
                    session.take_over(&key);
                }
            }
            session.upkeep.try_update_value(|u| u.watches.retain(|w| w.serial != serial));
        });
    }

    /// Takes this server's messages out of a stored outbox whose page is gone (its lock is held
    /// now): written into this session's outbox first, then removed from there, so a stop in
    /// between leaves them in both places, and whoever takes both over keeps one of each.
    fn take_over(&self, key: &OutboxKey) {
        let Some((for_here, rest)) = self.split_for_here(key) else { return };
        if for_here.is_empty() {
            self.edit_chats(|chats| chats.show_elsewhere(key.owner(), Vec::new()));
            return;
        }
        let count = for_here.len();
        self.edit_chats(|chats| chats.adopt(key.owner(), for_here));
        self.save_outbox_if_changed();
        storage::save_outbox(key, &rest);
        self.system(&format!(
            "{count} unsent message(s) left by a page that closed (or by your last visit) will be sent from here."
        ));
        self.flush_outbox();
    }

    fn own_outbox_key(&self) -> OutboxKey {
        self.upkeep.with_value(|u| u.outbox_key.clone())
    }
}

/// Tells the other tabs of this page that this session wrote (or left) its outbox under `key`,
/// as the browser tells other pages.
pub(super) fn tell_this_page(key: &str) {
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some(key));
    if let (Some(window), Ok(event)) =
        (web_sys::window(), web_sys::StorageEvent::new_with_event_init_dict(STORAGE_WRITTEN, &init))
    {
        let _ = window.dispatch_event(&event);
    }
}

/// Another page whose messages for this server are shown here, waited for to go; dropping it
/// stops the wait.
pub(super) struct Watch {
    owner: String,
    serial: u64,
    _lock: Lock,
}

/// A name for this session's outbox and lock, unique among the pages of this browser.
pub(super) fn new_owner() -> String {
    let part = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{:08x}{:08x}", part(), part())
}
