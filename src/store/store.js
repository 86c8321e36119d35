// The browser's storage as wasm uses it, in one module: leases in localStorage standing in
// for Web Locks where the browser has none (the outbox's, src/session/locks.rs), and the
// IndexedDB store of history (src/store/mod.rs). One file, not two: with a fourth snippet
// module, wasm-bindgen-test-runner's page stalled while loading in about four runs of ten on
// this two-core machine (the same tests passed every time with the module merged).
// Web Locks, as the outbox uses them: a page holds its own lock for as long as it lives (the
// browser frees it when the page closes or crashes), so another page that is granted that lock
// knows the page is gone and may take over what it left. Promises and an abort instead of
// callbacks, so that no Rust closure has to outlive the call.
//
// Where the browser has no Web Locks (a page served over plain http from another machine is
// not a secure context), the same locks are leases in localStorage: the holder renews its lease
// while it lives and removes it when the page goes; a lease not renewed for LEASE_MS is a
// crashed page's. Granting writes the lease and reads it back a moment later, so of two pages
// that claim one lease at once only the last writer holds it.
export function locksAvailable() {
  return typeof navigator !== "undefined" && (!!navigator.locks || leasesAvailable());
}

// A lease not renewed for this long is a gone page's. Hidden tabs may run timers only once a
// minute (Chromium's intensive throttling), so it is well above that.
const LEASE_MS = 150_000;
const RENEW_MS = 20_000;
// How long a claim waits before it reads the lease back: storage writes of other pages of the
// profile have reached it by then.
const SETTLE_MS = 100;
const LEASE_PREFIX = "wschat.lease:";
const PAGE = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

function leasesAvailable() {
  try {
    return typeof localStorage !== "undefined" && !!localStorage;
  } catch {
    return false;
  }
}

// The lease of `name`, if a live page holds it: { holder, until }.
function liveLease(name) {
  try {
    const lease = JSON.parse(localStorage.getItem(LEASE_PREFIX + name) || "null");
    return lease && typeof lease.holder === "string" && lease.until > Date.now() ? lease : null;
  } catch {
    return null;
  }
}

const held = new Set();
// A page that goes gives its leases back at once (a crashed one's run out); one that comes back
// from the back-forward cache takes them again.
if (typeof window !== "undefined" && leasesAvailable()) {
  window.addEventListener("pagehide", () => {
    for (const lease of held) lease.giveBack();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) for (const lease of held) lease.write();
  });
}

class Lease {
  constructor(name, ifAvailable) {
    this.name = name;
    this.key = LEASE_PREFIX + name;
    this.holder = `${PAGE}/${Math.random().toString(36).slice(2)}`;
    this.stopped = false;
    this.timers = [];
    this.granted = new Promise((resolve) => {
      this.resolve = resolve;
      this.attempt(ifAvailable);
    });
  }

  attempt(ifAvailable) {
    if (this.stopped) return this.resolve(false);
    const lease = liveLease(this.name);
    if (lease && lease.holder !== this.holder) {
      if (ifAvailable) return this.resolve(false);
      return this.waitFor(lease);
    }
    this.write();
    this.later(SETTLE_MS, () => {
      if (this.stopped) return this.resolve(false);
      if (liveLease(this.name)?.holder === this.holder) {
        held.add(this);
        this.renewing = setInterval(() => this.write(), RENEW_MS);
        this.resolve(true);
      } else {
        this.attempt(ifAvailable);
      }
    });
  }

  // Waits for the lease to be given back (a storage event) or to run out.
  waitFor(lease) {
    const again = () => {
      window.removeEventListener("storage", onStorage);
      this.attempt(false);
    };
    const onStorage = (event) => {
      if (event.key === this.key || event.key === null) {
        if (!liveLease(this.name)) again();
      }
    };
    window.addEventListener("storage", onStorage);
    this.unlisten = () => window.removeEventListener("storage", onStorage);
    this.later(Math.max(lease.until - Date.now(), 0) + 50, again);
  }

  write() {
    try {
      localStorage.setItem(this.key, JSON.stringify({ holder: this.holder, until: Date.now() + LEASE_MS }));
    } catch {
      // Storage full: the lease runs out, and another page may take over later.
    }
  }

  later(ms, run) {
    this.timers.push(setTimeout(run, ms));
  }

  giveBack() {
    try {
      if (liveLease(this.name)?.holder === this.holder) localStorage.removeItem(this.key);
    } catch {
      // Nothing to give back.
    }
  }

  drop() {
    this.stopped = true;
    held.delete(this);
    clearInterval(this.renewing);
    for (const timer of this.timers) clearTimeout(timer);
    this.unlisten?.();
    this.giveBack();
    this.resolve?.(false);
  }
}

export class HeldLock {
  // Asks for `name`; with `ifAvailable`, answers at once whether it could be had.
  constructor(name, ifAvailable) {
    this.controller = new AbortController();
    this.release_ = null;
    this.dropped = false;
    if (!navigator.locks) {
      this.lease = new Lease(name, ifAvailable);
      this.granted = this.lease.granted;
      return;
    }
    const options = ifAvailable ? { ifAvailable: true } : { signal: this.controller.signal };
    // Resolves true once held, false when `ifAvailable` found it taken; rejects when released
    // (dropped) before it was granted, or when the browser refuses.
    this.granted = new Promise((resolve, reject) => {
      try {
        navigator.locks
          .request(name, options, (lock) => {
            if (lock === null || this.dropped) {
              resolve(false);
              return undefined;
            }
            return new Promise((release) => {
              this.release_ = release;
              resolve(true);
            });
          })
          .catch(reject);
      } catch (e) {
        reject(e);
      }
    });
  }

  // Lets the lock go, or stops waiting for it.
  release() {
    this.dropped = true;
    if (this.lease) return this.lease.drop();
    this.controller.abort();
    if (this.release_) this.release_();
  }
}

// The browser's store of history: IndexedDB, one database for every server. Records are
// opaque text here (encoded and decoded in wasm, core/src/history.rs); this file only files
// them under their keys and finds them again.
//
// lines: key [server, conversation, time, page, n] -> { r: record, w: words, t: time }, with
//   a multi-entry index on w for search and an index on t for letting the oldest go;
// conversations: key [server, conversation] -> time of its newest line.
const NAME = "wschat-history";
const VERSION = 1;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error("the transaction was aborted"));
  });
}

/** Opens the store; rejects where IndexedDB is missing or refused (some private windows). */
export async function openHistory() {
  if (typeof indexedDB === "undefined") throw new Error("this browser offers no IndexedDB");
  const open = indexedDB.open(NAME, VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    const lines = db.createObjectStore("lines");
    lines.createIndex("words", "w", { multiEntry: true });
    lines.createIndex("time", "t");
    db.createObjectStore("conversations");
  };
  return new History(await request(open));
}

// Lines waiting for the next write: kept here, not in wasm, whose memory never shrinks (a
// backlog of 20,000 lines would keep its peak for good).
let queue = { servers: [], conversations: [], times: [], records: [], words: [] };

/** Lines of `server` for the next write: `batch` is a JSON array of [conversation, time,
 * record, words] (wschat_core::history::encode_batch), one call for a frame's lines. */
export function queueLines(server, batch) {
  for (const [conversation, time, record, words] of JSON.parse(batch)) {
    queue.servers.push(server);
    queue.conversations.push(conversation);
    queue.times.push(time);
    queue.records.push(record);
    queue.words.push(words);
  }
}

/** How many lines wait for the next write. */
export function queuedLines() {
  return queue.records.length;
}

/** Drops what waits (the store failed, or the server's history is forgotten). */
export function dropQueued() {
  queue = { servers: [], conversations: [], times: [], records: [], words: [] };
}

const page = Math.random().toString(36).slice(2);
let written = 0;

/** Lines this browser keeps at most, of every server; past it the oldest go, a tenth at once. */
const MOST_LINES = 200_000;
/** Batches written between two counts of the lines kept. */
const COUNT_EVERY = 64;
let batches = 0;

class History {
  constructor(db) {
    this.db = db;
  }

  /** What waits, written in one transaction; words are space-separated per record. */
  writeQueued() {
    const { servers, conversations, times, records, words } = queue;
    dropQueued();
    const tx = this.db.transaction(["lines", "conversations"], "readwrite");
    const lines = tx.objectStore("lines");
    const newest = new Map();
    for (let i = 0; i < records.length; i++) {
      const key = [servers[i], conversations[i], times[i], page, written++];
      lines.put({ r: records[i], w: words[i] ? words[i].split(" ") : [], t: times[i] }, key);
      const known = `${servers[i]}\u0000${conversations[i]}`;
      newest.set(known, Math.max(newest.get(known) ?? 0, times[i]));
    }
    const known = tx.objectStore("conversations");
    for (const [both, time] of newest) known.put(time, both.split("\u0000"));
    const finished = done(tx);
    if (batches++ % COUNT_EVERY === 0) return finished.then(() => this.keepWithin(MOST_LINES));
    return finished;
  }

  /** Past `most` lines, the oldest go (of any server) until a tenth of `most` is free. */
  async keepWithin(most) {
    const count = await request(this.db.transaction("lines").objectStore("lines").count());
    if (count <= most) return;
    const tx = this.db.transaction("lines", "readwrite");
    let extra = count - most + Math.floor(most / 10);
    const cursor = tx.objectStore("lines").index("time").openKeyCursor();
    cursor.onsuccess = () => {
      const at = cursor.result;
      if (!at || extra-- <= 0) return;
      tx.objectStore("lines").delete(at.primaryKey);
      at.continue();
    };
    await done(tx);
  }

  /** What is kept: lines of every server, and bytes the origin uses where the browser says. */
  async usage() {
    const lines = await request(this.db.transaction("lines").objectStore("lines").count());
    const estimate = navigator.storage?.estimate ? await navigator.storage.estimate().catch(() => null) : null;
    return [lines, estimate?.usage ?? -1];
  }

  /** The conversations stored for `server`, as their keys. */
  async conversations(server) {
    const tx = this.db.transaction("conversations");
    const range = IDBKeyRange.bound([server], [server, []]);
    const keys = await request(tx.objectStore("conversations").getAllKeys(range));
    return keys.map((key) => key[1]);
  }

  /** The newest `count` records of a conversation, oldest first. */
  tail(server, conversation, count) {
    const tx = this.db.transaction("lines");
    const range = IDBKeyRange.bound([server, conversation], [server, conversation, []]);
    const found = [];
    return new Promise((resolve, reject) => {
      const cursor = tx.objectStore("lines").openCursor(range, "prev");
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at || found.length >= count) return resolve(found.reverse());
        found.push(at.value.r);
        at.continue();
      };
    });
  }

  /**
   * Records holding a word that starts with `word`, of every server, newest first, at most
   * `count`: flat [server, conversation, record, ...].
   */
  async search(word, count) {
    const tx = this.db.transaction("lines");
    const index = tx.objectStore("lines").index("words");
    const range = IDBKeyRange.bound(word, word + "\uffff");
    // The index orders by word, then key: take a generous slice, newest first after.
    const [keys, values] = await Promise.all([request(index.getAllKeys(range, count * 20)), request(index.getAll(range, count * 20))]);
    const hits = keys.map((key, i) => [key, values[i]]);
    const seen = new Set();
    hits.sort((a, b) => b[0][2] - a[0][2]);
    const out = [];
    for (const [key, value] of hits) {
      const id = key.join("\u0000");
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(key[0], key[1], value.r);
      if (out.length >= count * 3) break;
    }
    return out;
  }

  /** Forgets everything stored for `server`. */
  forget(server) {
    const tx = this.db.transaction(["lines", "conversations"], "readwrite");
    const range = IDBKeyRange.bound([server], [server, []]);
    tx.objectStore("lines").delete(range);
    tx.objectStore("conversations").delete(range);
    return done(tx);
  }
}
