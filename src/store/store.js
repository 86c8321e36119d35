// The browser's storage as wasm uses it: Web Locks for the outbox (src/session/locks.rs), as
// leases in localStorage where there are none, and the IndexedDB store of history
// (src/store/mod.rs says why each is as it is; comments here ship to every browser).
export function locksAvailable() {
  return typeof navigator !== "undefined" && (!!navigator.locks || leasesAvailable());
}

// A lease not renewed for this long is a gone page's (hidden tabs' timers may run once a minute).
const LEASE_MS = 150_000;
const RENEW_MS = 20_000;
// A claim reads the lease back after this: other pages' writes have reached it by then.
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
// Leases are given back when the page goes, taken again when it comes back from the bfcache.
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
    // True once held, false when `ifAvailable` found it taken; rejects when dropped first.
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

// History: one IndexedDB database (its stores are described in src/store/mod.rs).
const NAME = "wschat-history";
const VERSION = 2;

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

function createPages(db) {
  const pages = db.createObjectStore("pages");
  pages.createIndex("words", "w", { multiEntry: true });
  pages.createIndex("time", "t");
  db.createObjectStore("counts");
  return pages;
}

/** Page index entries for `words` of a page whose newest line is at `time`. */
function wordEntries(words, time) {
  const countdown = (Number.MAX_SAFE_INTEGER - Math.max(0, Math.floor(time))).toString(36).padStart(11, "0");
  return [...words].map((word) => `${word}\u0001${countdown}`);
}

/** Version 1 kept a line per entry ("lines"): each becomes a page of one line. */
function migrateLines(tx, pages) {
  let total = 0;
  const cursor = tx.objectStore("lines").openCursor();
  cursor.onsuccess = () => {
    const at = cursor.result;
    if (!at) {
      tx.db.deleteObjectStore("lines");
      tx.objectStore("counts").put(total, "lines");
      return;
    }
    const { r, w, t } = at.value;
    pages.put({ l: [[t, r, w.join(" ")]], w: wordEntries(w, t), t, n: 1 }, at.primaryKey);
    total++;
    at.continue();
  };
}

/** Opens the store; rejects where IndexedDB is missing or refused (some private windows). */
export async function openHistory() {
  if (typeof indexedDB === "undefined") throw new Error("this browser offers no IndexedDB");
  const open = indexedDB.open(NAME, VERSION);
  open.onupgradeneeded = (event) => {
    const db = open.result;
    const pages = createPages(db);
    if (event.oldVersion === 0) db.createObjectStore("conversations");
    if (event.oldVersion === 1) migrateLines(open.transaction, pages);
  };
  const history = new History(await request(open));
  // What closed pages left unwritten is stored before anything is read.
  await history.writeStashed();
  return history;
}

// Lines waiting for the next write (here, not in wasm, whose memory never shrinks).
let queue = [];
// Pages made of queued lines for a stash, written later under the same keys.
let prepared = [];
// The pages of each write not yet complete.
const underWay = new Set();

/** Lines of `server` for the next write: `batch` is a JSON array of [conversation, time,
 * record, words] (wschat_core::history::encode_batch), one call for a frame's lines. */
export function queueLines(server, batch) {
  for (const [conversation, time, record, words] of JSON.parse(batch)) queue.push([server, conversation, time, record, words]);
}

/** How many lines wait for the next write. */
export function queuedLines() {
  return queue.length + prepared.reduce((lines, page) => lines + page.l.length, 0);
}

/** Drops what waits: of `server` (its history is forgotten), or of every server (the store
 * failed). */
export function dropQueued(server) {
  const kept = (of) => server !== undefined && of !== server;
  queue = queue.filter((line) => kept(line[0]));
  prepared = prepared.filter((stored) => kept(stored.key[0]));
  if (stashed) restash();
}

const page = Math.random().toString(36).slice(2);
let written = 0;

/** `lines` as pages, one per conversation, each with its key: { key, l }. */
function pagesOf(lines) {
  const byConversation = new Map();
  for (const line of lines) {
    const known = `${line[0]}\u0000${line[1]}`;
    if (!byConversation.has(known)) byConversation.set(known, []);
    byConversation.get(known).push(line);
  }
  return [...byConversation.values()].map((group) => {
    const [server, conversation] = group[0];
    // Keyed by its newest line's time: search reads pages newest first and stops early.
    let last = -Infinity;
    for (const line of group) last = Math.max(last, line[2]);
    return { key: [server, conversation, last, page, written++], l: group.map(([, , time, record, w]) => [time, record, w]) };
  });
}

/** What a page of lines `l` whose newest line is at `last` stores: words are space-separated
 * per line. */
function pageValue(l, last) {
  const words = new Set();
  for (const line of l) for (const word of line[2] ? line[2].split(" ") : []) words.add(word);
  return { l, w: wordEntries(words, last), t: last, n: l.length };
}

// Lines not yet written when the page may be going away, kept for the next page to write (see
// src/store/mod.rs), within one budget for all pages: the outbox shares localStorage's few MB.
const STASH_PREFIX = "wschat.unwritten:";
const STASH_MOST_CHARS = 512 * 1024;
let stashed = false;

/** Stashes every line not yet written (what waits and what is under way) until its write
 * completes; called when the page may be going away (hidden, or closing). Never throws: it
 * runs as the page closes. */
export function stashUnwritten() {
  try {
    if (queue.length) {
      prepared.push(...pagesOf(queue));
      queue = [];
    }
    // Newest first, until what other pages' stashes leave of the budget. A page stashed may
    // be written by another page first.
    const pages = [...underWay].flat().concat(prepared);
    // A page stashed before but left out now (other stashes grew) must not come back with
    // restash, over the budget. It stays marked `stashed` (maybe written by the page that
    // takes the stash), for writePages' check.
    for (const stored of pages) stored.inStash = false;
    const texts = [];
    let size = otherStashesChars();
    for (let i = pages.length - 1; i >= 0; i--) {
      const text = JSON.stringify([pages[i].key, pages[i].l]);
      size += text.length + 1;
      if (size > STASH_MOST_CHARS) break;
      texts.push(text);
      pages[i].stashed = pages[i].inStash = true;
    }
    saveStash(texts.reverse());
  } catch {
    // No localStorage, or it is full: the writes under way are all there is.
  }
}

// A frozen tab may be discarded without a pagehide.
if (typeof document !== "undefined") document.addEventListener("freeze", stashUnwritten);

/** The stash again, of the pages stashed that are still not written: it shrinks as writes
 * complete, and grows only when the page may be going away (a hidden page under a flood would
 * otherwise rewrite it at every write, and each write reaches every other tab as an event). */
function restash() {
  try {
    const pages = [...underWay].flat().concat(prepared);
    // Another page opened the store and took this stash: it writes the pages and stashes them
    // itself until then. Stashed here again, they would count twice against the budget.
    if (stashed && localStorage.getItem(STASH_PREFIX + page) === null) {
      for (const stored of pages) stored.inStash = false;
      stashed = false;
      return;
    }
    saveStash(pages.filter((p) => p.inStash).map(({ key, l }) => JSON.stringify([key, l])));
  } catch {
    // As stashUnwritten.
  }
}

/** The characters other pages' stashes hold. */
function otherStashesChars() {
  let chars = 0;
  for (let i = 0; i < localStorage.length; i++) {
    const name = localStorage.key(i);
    if (name?.startsWith(STASH_PREFIX) && name !== STASH_PREFIX + page) chars += localStorage.getItem(name)?.length ?? 0;
  }
  return chars;
}

/** Writes this page's stash, of `texts` (its pages as JSON), or removes it when there are none. */
function saveStash(texts) {
  if (texts.length) {
    localStorage.setItem(STASH_PREFIX + page, `[${texts.join(",")}]`);
    stashed = true;
  } else if (stashed) {
    localStorage.removeItem(STASH_PREFIX + page);
    stashed = false;
  }
}

/** Whether `stash` is the shape stashUnwritten gives a page: [key, lines]. */
function isStashedPage(stash) {
  if (!Array.isArray(stash) || stash.length !== 2) return false;
  const [key, l] = stash;
  return (
    Array.isArray(key) &&
    key.length === 5 &&
    typeof key[0] === "string" &&
    typeof key[1] === "string" &&
    Number.isFinite(key[2]) &&
    typeof key[3] === "string" &&
    Number.isFinite(key[4]) &&
    Array.isArray(l) &&
    l.length > 0 &&
    l.every((line) => Array.isArray(line) && Number.isFinite(line[0]) && typeof line[1] === "string" && typeof line[2] === "string")
  );
}

/** The pages other pages stashed and did not write, taken out of localStorage, each once. */
function takeStashes() {
  const pages = new Map();
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const name = localStorage.key(i);
      if (!name?.startsWith(STASH_PREFIX) || name === STASH_PREFIX + page) continue;
      const text = localStorage.getItem(name);
      localStorage.removeItem(name);
      try {
        for (const stash of JSON.parse(text)) {
          if (isStashedPage(stash)) pages.set(JSON.stringify(stash[0]), { key: stash[0], l: stash[1], stashed: true, inStash: true });
        }
      } catch {
        // A stash that cannot be read is dropped.
      }
    }
  } catch {
    // No localStorage: nothing was stashed.
  }
  return [...pages.values()];
}

/** Takes the pages of `server` out of every stash (its history is forgotten). */
function forgetStashed(server) {
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const name = localStorage.key(i);
      if (!name?.startsWith(STASH_PREFIX)) continue;
      let stash;
      try {
        stash = JSON.parse(localStorage.getItem(name));
      } catch {
        continue;
      }
      if (!Array.isArray(stash)) continue;
      const kept = stash.filter((page) => !(isStashedPage(page) && page[0][0] === server));
      if (kept.length === stash.length) continue;
      if (kept.length) localStorage.setItem(name, JSON.stringify(kept));
      else localStorage.removeItem(name);
    }
  } catch {
    // No localStorage: nothing was stashed.
  }
}

/** A binary heap of numbers, the least on top. */
class MinHeap {
  items = [];
  get size() {
    return this.items.length;
  }
  get top() {
    return this.items[0];
  }
  push(value) {
    const items = this.items;
    let at = items.push(value) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (items[parent] <= value) break;
      items[at] = items[parent];
      at = parent;
    }
    items[at] = value;
  }
  pop() {
    const items = this.items;
    const last = items.pop();
    if (!items.length) return;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= items.length) break;
      if (child + 1 < items.length && items[child + 1] < items[child]) child++;
      if (items[child] >= last) break;
      items[at] = items[child];
      at = child;
    }
    items[at] = last;
  }
}

/** Lines this browser keeps at most, of every server; past it the oldest go, a tenth at once. */
const MOST_LINES = 200_000;
/** Stored words a search follows for the start of a word the person typed. */
const SEARCH_WORDS = 256;

/** The lines of page `value` with, for each of `words`, a word that starts with it. */
function* linesWith(value, words) {
  for (const line of value.l) {
    const own = " " + line[2];
    if (words.every((word) => own.includes(" " + word))) yield line;
  }
}

class History {
  constructor(db) {
    this.db = db;
    this.closed = false;
    // A newer version upgrading the store would wait for this connection to close.
    db.onversionchange = () => {
      db.close();
      this.closed = true;
    };
  }

  /** A transaction, or why there is none, as a sentence. */
  transaction(stores, mode) {
    if (this.closed) throw new Error("a newer version of this app, open in another tab, took over the stored history: reload this page");
    return this.db.transaction(stores, mode);
  }

  /** What waits, written in one transaction; a full quota is said by name (nothing is let go
   * to make room). */
  writeQueued() {
    const pages = prepared.concat(pagesOf(queue));
    queue = [];
    prepared = [];
    return this.writePages(pages).catch((error) => {
      if (error?.name !== "QuotaExceededError") throw error;
      const full = new Error("the browser gives this site no more storage");
      full.name = "QuotaExceededError";
      throw full;
    });
  }

  /** `pages` (pagesOf) written in one transaction, and in the stash while there is one. */
  writePages(pages) {
    const tx = this.transaction(["pages", "conversations", "counts"], "readwrite");
    const store = tx.objectStore("pages");
    const known = tx.objectStore("conversations");
    let lines = 0;
    for (const { key, l, stashed: maybeThere } of pages) {
      known.put(key[2], [key[0], key[1]]);
      if (!maybeThere) {
        store.put(pageValue(l, key[2]), key);
        lines += l.length;
        continue;
      }
      // Requests run in order: this answer comes before the count's below.
      const there = store.count(key);
      there.onsuccess = () => {
        if (there.result) return;
        store.put(pageValue(l, key[2]), key);
        lines += l.length;
      };
    }
    underWay.add(pages);
    const counts = tx.objectStore("counts");
    const total = counts.get("lines");
    let over = false;
    total.onsuccess = () => {
      const now = (total.result ?? 0) + lines;
      counts.put(now, "lines");
      over = now > MOST_LINES;
      // Committed now, not once the browser notices: a page closing meanwhile loses less.
      tx.commit?.();
    };
    return done(tx)
      .finally(() => {
        underWay.delete(pages);
        if (stashed) restash();
      })
      .then(() => (over ? this.keepWithin(MOST_LINES) : undefined));
  }

  /** Writes the pages other pages stashed and did not write; each page once, whether or not
   * its own write completed after all (its key says). */
  async writeStashed() {
    const pages = takeStashes();
    if (!pages.length) return;
    // A write like any other (its pages, marked stashed, are put only where their key is not
    // yet): under way, it is this page's to stash until done, as it may close first too.
    try {
      const written = this.writePages(pages);
      restash();
      await written;
    } catch {
      // Written with the next batch, and stashed meanwhile as before.
      prepared.push(...pages);
      restash();
    }
  }

  /** Past `most` lines, the oldest pages go (of any server) until a tenth of `most` is free. */
  async keepWithin(most) {
    const tx = this.transaction(["pages", "counts"], "readwrite");
    const counts = tx.objectStore("counts");
    const pages = tx.objectStore("pages");
    let total = (await request(counts.get("lines"))) ?? 0;
    if (total > most) {
      let extra = total - most + Math.floor(most / 10);
      await new Promise((resolve, reject) => {
        const cursor = pages.index("time").openCursor();
        cursor.onerror = () => reject(cursor.error);
        cursor.onsuccess = () => {
          const at = cursor.result;
          if (!at || extra <= 0) return resolve();
          extra -= at.value.n;
          total -= at.value.n;
          at.delete();
          at.continue();
        };
      });
      counts.put(Math.max(0, total), "lines");
    }
    await done(tx);
  }

  /** What is kept: lines of every server, and bytes the origin uses where the browser says. */
  async usage() {
    const lines = (await request(this.transaction("counts").objectStore("counts").get("lines"))) ?? 0;
    const estimate = navigator.storage?.estimate ? await navigator.storage.estimate().catch(() => null) : null;
    return [lines, estimate?.usage ?? -1];
  }

  /** The conversations stored for `server`, as their keys. */
  async conversations(server) {
    const tx = this.transaction("conversations");
    const range = IDBKeyRange.bound([server], [server, []]);
    const keys = await request(tx.objectStore("conversations").getAllKeys(range));
    return keys.map((key) => key[1]);
  }

  /** The newest `count` records of a conversation, oldest first. */
  tail(server, conversation, count) {
    const tx = this.transaction("pages");
    const range = IDBKeyRange.bound([server, conversation], [server, conversation, []]);
    const found = [];
    return new Promise((resolve, reject) => {
      const cursor = tx.objectStore("pages").openCursor(range, "prev");
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at) return resolve(found.reverse());
        const lines = at.value.l;
        for (let i = lines.length - 1; i >= 0 && found.length < count; i--) found.push(lines[i][1]);
        if (found.length >= count) return resolve(found.reverse());
        at.continue();
      };
    });
  }

  /**
   * The newest `count` records of a conversation at `time` or before, oldest first (a person
   * scrolling back past what is shown). Pages are keyed by their newest line: those at `time`
   * or before hold only such lines; of the pages after, only the oldest can hold some.
   */
  async before(server, conversation, time, count) {
    const tx = this.transaction("pages");
    const pages = tx.objectStore("pages");
    const found = [];
    const take = (lines) => {
      for (let i = lines.length - 1; i >= 0 && found.length < count; i--) if (lines[i][0] <= time) found.push(lines[i][1]);
    };
    const straddling = await request(pages.openCursor(IDBKeyRange.bound([server, conversation, time, []], [server, conversation, []])));
    if (straddling) take(straddling.value.l);
    await new Promise((resolve, reject) => {
      const cursor = pages.openCursor(IDBKeyRange.bound([server, conversation], [server, conversation, time, []]), "prev");
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at || found.length >= count) return resolve();
        take(at.value.l);
        at.continue();
      };
    });
    return found.reverse();
  }

  /**
   * Records with, for each of `words` (space-separated), a word that starts with it, of every
   * server, newest first, at most `count`: flat [server, conversation, record, ...]. The index
   * gives, for each stored word that starts with the longest of `words`, its newest pages'
   * keys; pages are then read newest first until no older page can hold a newer line than
   * the `count`th found.
   */
  async search(words, count) {
    const wanted = words.split(" ").filter(Boolean);
    if (!wanted.length) return [];
    const longest = wanted.reduce((a, b) => (b.length > a.length ? b : a));
    const tx = this.transaction("pages");
    const pages = tx.objectStore("pages");
    const index = pages.index("words");
    // The stored words the query's longest word starts, each once (the cursor jumps past a
    // word's entries), at most SEARCH_WORDS of them.
    const stored = await new Promise((resolve, reject) => {
      const found = [];
      const cursor = index.openKeyCursor(IDBKeyRange.bound(longest, longest + "\uffff"));
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at || found.length >= SEARCH_WORDS) return resolve(found);
        const word = String(at.key).split("\u0001")[0];
        found.push(word);
        at.continue(`${word}\u0002`);
      };
    });
    const perWord = await Promise.all(
      stored.map((word) => request(index.getAllKeys(IDBKeyRange.bound(`${word}\u0001`, `${word}\u0002`), count * 8))),
    );
    const seen = new Set();
    const newestFirst = perWord.flat().filter((key) => {
      const id = key.join("\u0000");
      return !seen.has(id) && seen.add(id);
    });
    newestFirst.sort((a, b) => b[2] - a[2]);
    const hits = [];
    // The times of the newest `count` hits so far, the oldest of them on top: once it is no
    // older than a page's newest line, no page left holds a newer hit. One sort at the end,
    // not one a page (a deep search reads thousands of pages).
    const newest = new MinHeap();
    for (const key of newestFirst) {
      if (newest.size >= count && newest.top >= key[2]) break;
      const value = await request(pages.get(key));
      if (!value) continue;
      for (const [time, record] of linesWith(value, wanted)) {
        hits.push([time, key[0], key[1], record]);
        newest.push(time);
        if (newest.size > count) newest.pop();
      }
    }
    hits.sort((a, b) => b[0] - a[0]);
    return hits.slice(0, count).flatMap(([, server, conversation, record]) => [server, conversation, record]);
  }

  /** Forgets everything stored for `server`. */
  async forget(server) {
    forgetStashed(server);
    // Its pages under way are written, then forgotten below; a restash must not keep them.
    for (const stored of [...underWay].flat()) if (stored.key[0] === server) stored.inStash = false;
    const tx = this.transaction(["pages", "conversations", "counts"], "readwrite");
    const range = IDBKeyRange.bound([server], [server, []]);
    const pages = tx.objectStore("pages");
    let gone = 0;
    await new Promise((resolve, reject) => {
      const cursor = pages.openCursor(range);
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at) return resolve();
        gone += at.value.n;
        at.delete();
        at.continue();
      };
    });
    tx.objectStore("conversations").delete(range);
    const counts = tx.objectStore("counts");
    counts.put(Math.max(0, ((await request(counts.get("lines"))) ?? 0) - gone), "lines");
    await done(tx);
  }
}
