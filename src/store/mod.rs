//! Stored history in the browser (IndexedDB, through `store.js`): records written in batches,
//! a conversation's tail read back, search, forgetting a server. Records are encoded and
//! decoded in core (`wschat_core::history`); nothing here waits for the chat, and a store that
//! fails says so once and is left alone.
//!
//! `store.js` (its comments are brief: they ship to every browser) keeps one database,
//! `wschat-history`, for every server. Records are opaque text there:
//! - `pages`: key `[server, conversation, time, page, n]` → `{ l: [[time, record, words], …],
//!   w, t, n }`, the lines of one conversation in one write. One put per page, not per line:
//!   in a flood a put per line cost the main thread 36 µs each, a tenth of the frame budget at
//!   5,000 lines a second. `w` holds every word of its lines, each followed by U+0001 and the
//!   page's time counted down, so that a multi-entry index finds a word's pages newest first
//!   (their lines are then matched in JavaScript); `t` (its newest line's time, the key's too)
//!   is indexed so that the oldest go first.
//! - `conversations`: `[server, conversation]` → the time of its newest line.
//! - `counts`: `"lines"` → lines kept, of every server, for the bound.
//!
//! Lines wait for their write in JavaScript, not in wasm, whose memory never shrinks. A page
//! that closes may cut a write short (a reload a moment after a line came), and what waits has
//! no time left: when the page hides, closes or is frozen, both are stashed in localStorage
//! (written at once) as the pages they will be written as, keys included, and the stash
//! follows the writes until none is left. The next page to open the store writes other pages'
//! stashes before anything is read, skipping keys already stored, so each line is stored and
//! counted once. The stashes of all pages together keep within 512 K characters, each newest
//! first: the outbox shares localStorage's few MB, and many hidden tabs must not fill them.
//!
//! The locks' leases live in the same module: with a fourth snippet module,
//! wasm-bindgen-test-runner's page stalled while loading in about four runs of ten on a
//! two-core machine.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wschat_core::chat::RECORDS_AT_ONCE;
use wschat_core::history::{self, Record};

#[wasm_bindgen(module = "/src/store/store.js")]
extern "C" {
    #[wasm_bindgen(js_name = openHistory, catch)]
    fn open_history() -> Result<js_sys::Promise, JsValue>;

    #[derive(Clone)]
    type History;
    #[wasm_bindgen(js_name = queueLines, catch)]
    fn queue_lines(server: &str, batch: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = queuedLines)]
    fn queued_lines() -> u32;
    #[wasm_bindgen(js_name = dropQueued)]
    fn drop_queued(server: Option<&str>);
    #[wasm_bindgen(js_name = stashUnwritten)]
    fn stash_unwritten();
    /// Whether a newer version of the app took the store over (its connection is closed).
    #[wasm_bindgen(method, getter)]
    fn closed(this: &History) -> bool;
    #[wasm_bindgen(method, catch, js_name = writeQueued)]
    fn write_queued(this: &History) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn conversations(this: &History, server: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn tail(this: &History, server: &str, conversation: &str, count: u32) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn before(
        this: &History,
        server: &str,
        conversation: &str,
        time: f64,
        count: u32,
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn search(this: &History, words: &str, count: u32) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn forget(this: &History, server: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn usage(this: &History) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, js_name = keepWithin, catch)]
    fn keep_within(this: &History, most: u32) -> Result<js_sys::Promise, JsValue>;
}

/// Lines this browser keeps at most, of every server (`MOST_LINES` in store.js).
pub const MOST_LINES: &str = "200,000";

/// How many lines of each conversation are shown from the store when a page opens.
pub const TAIL_LINES: u32 = 200;

/// The page's store, opened once; `Err` with a sentence once it failed.
#[derive(Clone, Default)]
pub struct Store(Rc<RefCell<State>>);

#[derive(Default)]
enum State {
    #[default]
    Closed,
    /// Being opened: every caller waits for this one promise.
    Opening(js_sys::Promise),
    Open(History),
    /// Open, but the browser gives no more room: read, searched and forgotten, not written.
    Full(History),
    Failed(String),
}

thread_local! {
    static STORE: Store = Store::default();
}

/// A hit of a search: the server's id, the conversation's key and the line.
pub struct Hit {
    pub server: String,
    pub conversation: String,
    pub record: Record,
}

impl Store {
    /// The page's store.
    pub fn get() -> Store {
        STORE.with(Store::clone)
    }

    /// The store, opened if it was not (once: callers meanwhile wait for the same opening, or a
    /// page would hold connections it never closes); why not, as a sentence for the person.
    async fn history(&self) -> Result<History, String> {
        let opening = {
            let mut state = self.0.borrow_mut();
            match &*state {
                // Given to a newer version: failed for good, so that nothing more is written
                // and scrolling back goes to the server.
                State::Open(history) | State::Full(history) if history.closed() => {
                    let why = "History is not being kept: a newer version of this app, open in another tab, took over the stored history. Reload this page.".to_string();
                    *state = State::Failed(why.clone());
                    return Err(why);
                }
                State::Open(history) | State::Full(history) => return Ok(history.clone()),
                State::Failed(why) => return Err(why.clone()),
                State::Opening(opening) => opening.clone(),
                State::Closed => match open_history() {
                    Ok(opening) => {
                        *state = State::Opening(opening.clone());
                        opening
                    }
                    Err(e) => {
                        let why = format!("History is not being kept: {}.", js_message(&e));
                        *state = State::Failed(why.clone());
                        return Err(why);
                    }
                },
            }
        };
        let opened = JsFuture::from(opening).await;
        let mut state = self.0.borrow_mut();
        // The first caller to wake settles it for all.
        if matches!(*state, State::Opening(_)) {
            *state = match opened {
                Ok(value) => State::Open(value.unchecked_into()),
                Err(e) => State::Failed(format!("History is not being kept: {}.", js_message(&e))),
            };
        }
        match &*state {
            State::Open(history) | State::Full(history) => Ok(history.clone()),
            State::Failed(why) => Err(why.clone()),
            State::Closed | State::Opening(_) => Err("History is not being kept: the store closed.".to_string()),
        }
    }

    /// Records of `server` for the next write, encoded now and kept in JavaScript until then
    /// (wasm memory never shrinks: a backlog's records would keep their peak for good). A few
    /// calls for a burst's thousand: crossing into JavaScript costs per call and per string,
    /// and one text for them all would be the wasm memory's peak.
    pub fn queue(&self, server: &str, records: &[Record]) {
        for chunk in records.chunks(RECORDS_AT_ONCE) {
            let _ = queue_lines(server, &history::encode_batch(chunk));
        }
    }

    /// How many records wait for the next write.
    pub fn queued(&self) -> u32 {
        queued_lines()
    }

    /// Keeps every record not yet written (waiting, or in a write under way) where the next
    /// page finds it, until its write completes: the page may be going away.
    pub fn stash_unwritten(&self) {
        stash_unwritten();
    }

    /// Drops the records that wait: of `server`, or of every server.
    pub fn drop_queued(&self, server: Option<&str>) {
        drop_queued(server);
    }

    /// Writes what waits, in one transaction.
    pub async fn write_queued(&self) -> Result<(), String> {
        if queued_lines() == 0 {
            return Ok(());
        }
        let history = self.history().await?;
        let Err(error) = JsFuture::from(history.write_queued().map_err(|e| js_message(&e))?).await else {
            return Ok(());
        };
        let full = js_sys::Reflect::get(&error, &"name".into()).ok().and_then(|n| n.as_string());
        if full.as_deref() != Some("QuotaExceededError") {
            return Err(format!("History could not be written: {}.", js_message(&error)));
        }
        // Full: each further write would fail the same way.
        *self.0.borrow_mut() = State::Full(history);
        Err(format!("History is not being kept: {}. Forget history (in Search) frees room.", js_message(&error)))
    }

    /// Writes records of `server` in one transaction (with whatever else waits).
    pub async fn write(&self, server: &str, records: Vec<Record>) -> Result<(), String> {
        self.queue(server, &records);
        self.write_queued().await
    }

    /// Whether the store failed (then nothing is read from it or queued for it).
    pub fn failed(&self) -> bool {
        matches!(*self.0.borrow(), State::Failed(_))
    }

    /// Whether lines are written: not where the store failed or is full (they stay readable).
    pub fn writes(&self) -> bool {
        !matches!(*self.0.borrow(), State::Failed(_) | State::Full(_))
    }

    /// Each stored conversation of `server` with its newest lines, oldest first; records that
    /// cannot be read are skipped and counted.
    pub async fn load(&self, server: &str) -> Result<(Vec<(String, Vec<Record>)>, usize), String> {
        let history = self.history().await?;
        let keys = settle(history.conversations(server)).await?;
        let mut conversations = Vec::new();
        let mut unreadable = 0;
        for key in js_sys::Array::from(&keys).iter().filter_map(|k| k.as_string()) {
            let lines = settle(history.tail(server, &key, TAIL_LINES)).await?;
            let (records, bad) = decode_all(js_sys::Array::from(&lines).iter().filter_map(|l| l.as_string()));
            unreadable += bad;
            conversations.push((key, records));
        }
        Ok((conversations, unreadable))
    }

    /// The newest `count` lines of a conversation at `time` or before, oldest first; records
    /// that cannot be read are left out.
    pub async fn before(
        &self,
        server: &str,
        conversation: &str,
        time_ms: f64,
        count: u32,
    ) -> Result<Vec<Record>, String> {
        let history = self.history().await?;
        let lines = settle(history.before(server, conversation, time_ms, count)).await?;
        Ok(decode_all(js_sys::Array::from(&lines).iter().filter_map(|l| l.as_string())).0)
    }

    /// Lines of every server with, for each of `words` (as [`history::words`] cuts a query), a
    /// word that starts with it; newest first, at most `count`.
    pub async fn search(&self, words: &[String], count: u32) -> Result<Vec<Hit>, String> {
        let history = self.history().await?;
        let found = settle(history.search(&words.join(" "), count)).await?;
        let flat: Vec<String> = js_sys::Array::from(&found).iter().filter_map(|v| v.as_string()).collect();
        Ok(flat
            .chunks_exact(3)
            .filter_map(|hit| {
                let record = history::decode(&hit[2]).ok()?;
                Some(Hit { server: hit[0].clone(), conversation: hit[1].clone(), record })
            })
            .collect())
    }

    /// What is kept: lines of every server, and the bytes this site uses where the browser
    /// says.
    pub async fn usage(&self) -> Result<(u64, Option<u64>), String> {
        let history = self.history().await?;
        let usage = settle(history.usage()).await?;
        let usage = js_sys::Array::from(&usage);
        let lines = usage.get(0).as_f64().unwrap_or(0.0).max(0.0) as u64;
        let bytes = usage.get(1).as_f64().filter(|b| *b >= 0.0).map(|b| b as u64);
        Ok((lines, bytes))
    }

    /// Lets the oldest pages of lines of any server go, past `most` lines, until a tenth of
    /// `most` is free (what a write does past the browser's bound).
    pub async fn keep_within(&self, most: u32) -> Result<(), String> {
        let history = self.history().await?;
        settle(history.keep_within(most)).await.map(|_| ())
    }

    /// Forgets all that is stored of `server`.
    pub async fn forget(&self, server: &str) -> Result<(), String> {
        let history = self.history().await?;
        settle(history.forget(server)).await?;
        // Room made: lines are kept again.
        let mut state = self.0.borrow_mut();
        if let State::Full(history) = &*state {
            *state = State::Open(history.clone());
        }
        Ok(())
    }
}

/// The records that can be read, and how many could not.
fn decode_all(texts: impl Iterator<Item = String>) -> (Vec<Record>, usize) {
    let mut bad = 0;
    let records = texts
        .filter_map(|text| {
            let record = history::decode(&text).ok();
            bad += usize::from(record.is_none());
            record
        })
        .collect();
    (records, bad)
}

/// What a call into store.js came to: a promise settled, or what it threw at once (a closed
/// database, a quota), as a sentence; never a panic.
async fn settle(called: Result<js_sys::Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(called.map_err(|e| js_message(&e))?).await.map_err(|e| js_message(&e))
}

/// What a JavaScript error says.
fn js_message(error: &JsValue) -> String {
    // Chromium's QuotaExceededError has an empty message: its name says it.
    let field = |name: &str| js_sys::Reflect::get(error, &name.into()).ok().and_then(|m| m.as_string());
    field("message")
        .filter(|m| !m.is_empty())
        .or_else(|| field("name"))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser refused".to_string())
}
