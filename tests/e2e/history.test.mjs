// Conversations outlive the page: lines are stored in the browser (IndexedDB), shown again
// after a reload or in a page opened later, found by search beyond the DOM, and forgotten on
// request; without IndexedDB, or with the browser's storage full, the chat goes on and says
// history is not kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { holdStoreBusy, openHit, send, sharedBrowserAndApp, timeout, untilInView, untilStored } from "./helpers.mjs";

const shared = sharedBrowserAndApp();

async function openAs(context, nick, room) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`http://${shared.app.addr}/?nick=${nick}&url=${encodeURIComponent(`/ws?room=${room}`)}`);
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  return { page, errors };
}

/** The stored line count the store keeps for its bound. */
const storedCount = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve) => {
        indexedDB.open("wschat-history").onsuccess = (e) => {
          const db = e.target.result;
          db.transaction("counts").objectStore("counts").get("lines").onsuccess = (c) => resolve((db.close(), c.target.result));
        };
      }),
  );

/** The keys of the pages the store holds, read in `page`. */
const storedKeys = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve) => {
        indexedDB.open("wschat-history").onsuccess = (e) => {
          const db = e.target.result;
          db.transaction("pages").objectStore("pages").getAllKeys().onsuccess = (k) => resolve((db.close(), k.target.result));
        };
      }),
  );

/** Waits until `page` shows its own message `text` as delivered. */
const ownDelivered = (page, text) =>
  page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]', { hasText: text }).waitFor({ timeout });

const chatLine = (page, text) =>
  page.locator('[data-testid="message"][data-kind="chat"]', { has: page.locator('[data-testid="message-text"]', { hasText: new RegExp(`^${text}$`) }) });

/** The page hides (as a phone's browser may discard it then): it stashes what it has not written. */
const hidePage = (page) =>
  page.evaluate(() => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
  });

/** `page`'s own stash (every stash but the test's stand-in `other`), read in the page itself:
 * another tab's view of localStorage may lag behind its writes. */
const ownStash = (page) =>
  page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith("wschat.unwritten:") && k !== "wschat.unwritten:other")
      .map((k) => localStorage.getItem(k))
      .join(""),
  );

/** Records in `holder` each stash write another tab makes (of `key` only, if given): its new
 * value, or null for a removal, in `window.stashEvents`. */
const recordStashEvents = (holder, key = null) =>
  holder.evaluate((key) => {
    window.stashEvents = [];
    window.addEventListener("storage", (e) => {
      const stash = e.key?.startsWith("wschat.unwritten:") && e.key !== "wschat.unwritten:other";
      if (stash && (key === null || e.key === key)) window.stashEvents.push(e.newValue);
    });
  }, key);

/** Sends `text` and waits until it is delivered and the frame its write begins on has come. */
async function sendAndLetWriteBegin(page, text) {
  await send(page, text);
  await ownDelivered(page, text);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r)))));
}

test("history: kept across a reload and a closed page, searched beyond the DOM, forgotten", async (t) => {
  const room = `history-${Date.now()}`;
  const aliceContext = await shared.browser.newContext({ viewport: { width: 1100, height: 640 } });
  const bobContext = await shared.browser.newContext();
  t.after(() => Promise.all([aliceContext.close(), bobContext.close()]));
  let alice = await openAs(aliceContext, "alice", room);
  const bob = await openAs(bobContext, "bob", room);
  for (let i = 1; i <= 40; i++) await send(bob.page, `line ${i}`);
  await send(bob.page, "marker one");
  await chatLine(alice.page, "marker one").waitFor({ timeout });

  // A reload shows the stored lines, each once, before anything new arrives.
  await alice.page.reload();
  await chatLine(alice.page, "marker one").waitFor({ timeout });
  await chatLine(alice.page, "line 40").waitFor({ timeout });
  assert.equal(await chatLine(alice.page, "line 40").count(), 1, "shown once");

  // A line that came just before the page closed is there in the next page.
  await send(bob.page, "last words");
  await chatLine(alice.page, "last words").waitFor({ timeout });
  await alice.page.close();
  alice = await openAs(aliceContext, "alice", room);
  await chatLine(alice.page, "last words").waitFor({ timeout });

  // Search finds a line whatever the DOM holds, names its conversation, and opens it.
  const name = await alice.page.locator('[data-testid="conversation"][data-active="true"]').getAttribute("data-name");
  await alice.page.getByTestId("search-button").click();
  const input = alice.page.getByTestId("search-input");
  await input.fill("line 7");
  await input.press("Enter");
  const result = alice.page.getByTestId("search-result").filter({ has: alice.page.getByTestId("message-text").filter({ hasText: /^line 7$/ }) });
  await result.first().waitFor({ timeout });
  assert.equal(await result.count(), 1, "one hit for one line");
  assert.equal(await result.first().getAttribute("data-conversation"), name);
  assert.equal(await alice.page.locator(".search-results mark").first().textContent(), "line 7", "the term is marked, as text");
  await result.first().click();
  // The same from the composer, and the keyboard: Esc closes, Ctrl+Shift+F opens again.
  await send(alice.page, "/search marker one");
  await alice.page.getByTestId("search-result").filter({ hasText: "marker one" }).first().waitFor({ timeout });
  await alice.page.getByTestId("search-input").press("Escape");
  await alice.page.getByTestId("search-input").waitFor({ state: "detached", timeout });
  await alice.page.keyboard.press("Control+Shift+F");
  await alice.page.getByTestId("search-input").waitFor({ timeout });

  // Forgetting: the next page shows none of it, nor what a closed page left unwritten.
  const [server, conversation] = (await storedKeys(alice.page))[0];
  await alice.page.evaluate(
    ([server, conversation]) => {
      const t = Date.now();
      const record = JSON.stringify({ v: 1, c: conversation, t, k: "chat", n: "bob", x: "left unwritten" });
      localStorage.setItem("wschat.unwritten:closed", JSON.stringify([[[server, conversation, t, "closed", 0], [[t, record, "bob left unwritten"]]]]));
    },
    [server, conversation],
  );
  alice.page.once("dialog", (dialog) => dialog.accept());
  await alice.page.getByTestId("forget-history-button").click();
  await alice.page.locator('[data-testid="message"][data-kind="system"]', { hasText: "stored history is forgotten" }).waitFor({ timeout });
  await alice.page.reload();
  await alice.page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  await send(bob.page, "marker two");
  await chatLine(alice.page, "marker two").waitFor({ timeout });
  assert.equal(await chatLine(alice.page, "line 40").count(), 0, "forgotten");
  assert.equal(await chatLine(alice.page, "last words").count(), 0, "forgotten");
  assert.equal(await chatLine(alice.page, "left unwritten").count(), 0, "forgotten, stashed too");
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});

test("history: a line whose write the page's end cut short is stored by the next page, once", async (t) => {
  const room = `cut-short-${Date.now()}`;
  const aliceContext = await shared.browser.newContext();
  const bobContext = await shared.browser.newContext();
  // The app's opening of its store (with a version; this test's own reads give none).
  await aliceContext.addInitScript(() => {
    const open = indexedDB.open.bind(indexedDB);
    window.storeOpens = 0;
    indexedDB.open = (name, version) => (version === undefined ? open(name) : (window.storeOpens++, open(name, version)));
  });
  t.after(() => Promise.all([aliceContext.close(), bobContext.close()]));
  const alice = await openAs(aliceContext, "alice", room);
  const bob = await openAs(bobContext, "bob", room);
  await send(bob.page, "stored first");
  await untilStored(alice.page, "stored first");

  // Another tab of the origin holds the store's pages (a transaction kept busy), so that the
  // write of the next line cannot complete before the page reloads: its end cuts it short.
  const holder = await holdStoreBusy(aliceContext, `http://${shared.app.addr}`);
  await send(bob.page, "cut short");
  await chatLine(alice.page, "cut short").waitFor({ timeout });
  // Reloaded twice while the store stays busy: the page that took the stash keeps it too.
  await alice.page.reload();
  await alice.page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  await alice.page.reload();
  // A line while the store is still opening is written once it is open: one opening.
  await alice.page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  await send(bob.page, "while opening");
  await chatLine(alice.page, "while opening").waitFor({ timeout });
  await holder.evaluate(() => (window.letGo = true));
  await chatLine(alice.page, "cut short").waitFor({ timeout });
  await untilStored(alice.page, "while opening");
  assert.equal(await alice.page.evaluate(() => window.storeOpens), 1, "the store opened once");

  // Shown once, stored once and counted once: a line after it, then another reload.
  await send(bob.page, "marker");
  await chatLine(alice.page, "marker").waitFor({ timeout });
  const stored = JSON.parse(await untilStored(alice.page, "marker"));
  const copies = stored.flatMap((page) => page.l).filter(([, record]) => JSON.parse(record).x === "cut short");
  assert.equal(copies.length, 1, "stored once");
  const lines = stored.reduce((sum, page) => sum + page.n, 0);
  assert.equal(await storedCount(alice.page), lines, "counted once");

  // A stash of a page already stored (its page closed after the write landed, before it could
  // take the stash back) adds nothing.
  const written = stored.find((page) => page.l.some(([, record]) => JSON.parse(record).x === "marker"));
  const markerKey = (await storedKeys(alice.page)).find((k) => k[2] === written.t);
  await alice.page.evaluate(([k, l]) => localStorage.setItem("wschat.unwritten:gone", JSON.stringify([[k, l]])), [markerKey, written.l]);
  await alice.page.reload();
  await chatLine(alice.page, "marker").waitFor({ timeout });
  assert.equal(await chatLine(alice.page, "cut short").count(), 1, "shown once");
  assert.equal(await chatLine(alice.page, "marker").count(), 1, "shown once");
  assert.equal(await chatLine(alice.page, "stored first").count(), 1, "shown once");
  assert.equal(await alice.page.evaluate(() => localStorage.getItem("wschat.unwritten:gone")), null, "the stash was taken");
  assert.equal(await storedCount(alice.page), lines, "still counted once");
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});

test("history: a page opened with connect=0 shows the stored lines, unconnected", async (t) => {
  const room = `unconnected-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const { page, errors } = await openAs(context, "hal", room);
  await send(page, "kept for later");
  await ownDelivered(page, "kept for later");
  await untilStored(page, "kept for later");
  const later = await context.newPage();
  later.on("pageerror", (e) => errors.push(e));
  await later.goto(`http://${shared.app.addr}/?nick=hal&url=${encodeURIComponent(`/ws?room=${room}`)}&connect=0`);
  await later.locator('[data-testid="message"][data-kind="own"]', { hasText: "kept for later" }).waitFor({ timeout });
  assert.notEqual(await later.getByTestId("connection-status").getAttribute("data-ready-state"), "open", "not connected");
  // Another such page, whose stored lines are still being read (the store held busy) when the
  // person connects: the socket waits for them, as it waits on a read of its own.
  const holder = await holdStoreBusy(context, `http://${shared.app.addr}`);
  t.after(() => holder.evaluate(() => (window.letGo = true)).catch(() => {}));
  const third = await context.newPage();
  third.on("pageerror", (e) => errors.push(e));
  await third.addInitScript(() => {
    // What came first: the stored line shown, or the socket open.
    window.__order = [];
    new MutationObserver(() => {
      const seen = (what) => !window.__order.includes(what) && window.__order.push(what);
      if (document.querySelector('[data-testid="connection-status"][data-ready-state="open"]')) seen("open");
      if ([...document.querySelectorAll('[data-testid="message-text"]')].some((t) => t.textContent === "kept for later")) seen("stored line");
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await third.goto(`http://${shared.app.addr}/?nick=hal&url=${encodeURIComponent(`/ws?room=${room}`)}&connect=0`);
  await third.getByTestId("connect-button").click();
  await holder.evaluate(() => (window.letGo = true));
  await third.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  assert.deepEqual(await third.evaluate(() => window.__order), ["stored line", "open"]);
  assert.deepEqual(errors, []);
});

test("history: a hit of another tab's server opens in that tab, the line in view", async (t) => {
  const room = `other-tab-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const { page, errors } = await openAs(context, "ina", room);
  await send(page, "needle in the first tab");
  await ownDelivered(page, "needle in the first tab");
  await untilStored(page, "needle in the first tab");
  // A second tab, connected to another server (another address), is the one shown.
  await page.getByTestId("new-tab-button").click();
  await page.getByTestId("url-input").fill(`/ws?room=${room}-b`);
  await page.getByTestId("connect-button").click();
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  await openHit(page, "needle", "needle in the first tab");
  await page.locator('[data-testid="tab"]').first().and(page.locator('[aria-current="page"]')).waitFor({ timeout });
  await untilInView(page, "needle in the first tab");
  assert.deepEqual(errors, []);
});

test("history: a hit of a server no tab is open to opens a tab connected to it, the line in view", async (t) => {
  const room = `reopen-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const { page, errors } = await openAs(context, "jo", room);
  await send(page, "needle on the first server");
  await ownDelivered(page, "needle on the first server");
  await untilStored(page, "needle on the first server");
  // The tab connects to another server (another address) instead.
  await page.getByTestId("url-input").fill(`/ws?room=${room}-b`);
  await page.getByTestId("connect-button").click();
  await page.locator('[data-testid="message"][data-kind="system"]', { hasText: `Connected to ws://${shared.app.addr}/ws?room=${room}-b` }).waitFor({ timeout });
  await openHit(page, "needle", "needle on the first server");
  // A second tab, shown, connected to the first server, with the line in view.
  await page.locator('[data-testid="tab"]').nth(1).and(page.locator('[aria-current="page"]')).waitFor({ timeout });
  await page.locator('[data-testid="connection-status"][data-ready-state="open"]').waitFor({ timeout });
  assert.equal(await page.getByTestId("url-input").inputValue(), `/ws?room=${room}`);
  await untilInView(page, "needle on the first server");
  assert.deepEqual(errors, []);
});

test("history: a page that hides stashes what it has not written, then only lets the stash shrink", async (t) => {
  const room = `hidden-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const { page, errors } = await openAs(context, "kim", room);
  await send(page, "stored first");
  await untilStored(page, "stored first");
  const holder = await holdStoreBusy(context, `http://${shared.app.addr}`);
  t.after(() => holder.evaluate(() => (window.letGo = true)).catch(() => {}));
  const delivered = (text) => ownDelivered(page, text);

  // Every stash this page writes reaches the other tab as a storage event.
  await recordStashEvents(holder);
  await send(page, "before hiding");
  await delivered("before hiding");
  await hidePage(page);
  assert.match(await ownStash(page), /before hiding/);
  // Lines while hidden are written as usual, not stashed one write at a time (each stash is a
  // storage event in every other tab).
  await send(page, "while hidden");
  await delivered("while hidden");
  // Once the writes are done, the stash goes (its last event says so).
  await holder.evaluate(() => (window.letGo = true));
  await untilStored(page, "while hidden");
  await holder.waitForFunction(() => window.stashEvents.at(-1) === null, null, { timeout });
  const events = await holder.evaluate(() => window.stashEvents);
  assert.ok(events.some((v) => v?.includes("before hiding")), "stashed on hiding");
  assert.ok(!events.some((v) => v?.includes("while hidden")), `never stashed while hidden: ${events.length} stash events`);
  assert.deepEqual(errors, []);
});

test("history: the stashes of all pages keep within one budget, leaving the outbox its room; a frozen page stashes", async (t) => {
  const room = `budget-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const { page, errors } = await openAs(context, "bea", room);
  await send(page, "stored first");
  await untilStored(page, "stored first");
  const holder = await holdStoreBusy(context, `http://${shared.app.addr}`);
  t.after(() => holder.evaluate(() => (window.letGo = true)).catch(() => {}));
  // Another page's stash holds all the budget (512 K characters) but 100 characters.
  await page.evaluate(() => localStorage.setItem("wschat.unwritten:other", "x".repeat(512 * 1024 - 100)));
  await send(page, "not yet written");
  await ownDelivered(page, "not yet written");
  await hidePage(page);
  assert.equal(await ownStash(page), "", "no room left: nothing stashed");
  // The other stash is written and goes: this page's fits again. The browser freezes the page
  // (a frozen tab may be discarded with no pagehide): it stashes then too. (Headless Chromium
  // freezes a page without dispatching the event: it is dispatched here.)
  await page.evaluate(() => localStorage.removeItem("wschat.unwritten:other"));
  await page.evaluate(() => document.dispatchEvent(new Event("freeze")));
  assert.match(await ownStash(page), /not yet written/);
  await holder.evaluate(() => (window.letGo = true));
  await untilStored(page, "not yet written");
  assert.deepEqual(errors, []);
});

test("history: a page left out of a smaller stash does not come back into it when a write completes", async (t) => {
  const room = `restash-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const { page, errors } = await openAs(context, "cal", room);
  await send(page, "stored first");
  await untilStored(page, "stored first");
  const holder = await holdStoreBusy(context, `http://${shared.app.addr}`);
  t.after(() => holder.evaluate(() => (window.letGo = true)).catch(() => {}));
  // "line A" is written alone (its write waits on the busy store; the write begins on the
  // frame after the line is kept), "line B" waits for the next write.
  await sendAndLetWriteBegin(page, "line A");
  await send(page, "line B");
  await ownDelivered(page, "line B");
  await hidePage(page);
  const both = await ownStash(page);
  assert.match(both, /line A.*line B/s, "both stashed while there is room");
  assert.equal(JSON.parse(both).length, 2, "line A's write began alone: two pages");
  await send(page, "line C");
  await ownDelivered(page, "line C");
  // Other pages' stashes now leave room for one page of this one's: the newest ("line C").
  const pageChars = Math.ceil(both.length / 2);
  await page.evaluate((left) => localStorage.setItem("wschat.unwritten:other", "x".repeat(512 * 1024 - left)), Math.floor(pageChars * 1.5));
  await recordStashEvents(holder);
  await hidePage(page);
  const newest = await ownStash(page);
  assert.match(newest, /line C/);
  assert.doesNotMatch(newest, /line B/, "no room for the older page");
  // "line A"'s write completes: the stash follows the writes, and "line B" stays out of it.
  await holder.evaluate(() => (window.letGo = true));
  await untilStored(page, "line C");
  await holder.waitForFunction(() => window.stashEvents.at(-1) === null, null, { timeout });
  const events = await holder.evaluate(() => window.stashEvents);
  assert.ok(!events.some((v) => v?.includes("line B")), `"line B" came back: ${events.length} stash events`);
  assert.deepEqual(errors, []);
});

test("history: a stash another page took is not stashed again by the page it came from", async (t) => {
  const room = `taken-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const first = await openAs(context, "dee", room);
  await send(first.page, "stored first");
  await untilStored(first.page, "stored first");
  const holder = await holdStoreBusy(context, `http://${shared.app.addr}`);
  t.after(() => holder.evaluate(() => (window.letGo = true)).catch(() => {}));
  // Line A's write waits on the busy store; line B waits for the write after it. Both stashed.
  await sendAndLetWriteBegin(first.page, "line A");
  await send(first.page, "line B");
  await ownDelivered(first.page, "line B");
  await hidePage(first.page);
  const key = await first.page.evaluate(() => Object.keys(localStorage).find((k) => k.startsWith("wschat.unwritten:")));
  assert.equal(JSON.parse(await first.page.evaluate((k) => localStorage.getItem(k), key)).length, 2, "two pages stashed");
  await recordStashEvents(holder, key);
  // A second page opens the store: it takes the stash, to write it and stash it until then.
  const second = await openAs(context, "eve", room);
  await holder.waitForFunction(() => window.stashEvents.at(-1) === null, null, { timeout });
  // The writes go through: line A's completes first, while line B still waits in the first
  // page, whose stash the second page holds.
  await holder.evaluate(() => (window.letGo = true));
  await untilStored(first.page, "line B");
  await second.page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith("wschat.unwritten:")), null, { timeout });
  const events = await holder.evaluate(() => window.stashEvents);
  assert.deepEqual(events, [null], "the first page's stash was taken, and never written again");
  assert.deepEqual([...first.errors, ...second.errors], []);
});

test("history: a stash taken by a page whose store refuses the write stays in that page's stash", async (t) => {
  const room = `refused-${Date.now()}`;
  const shapeContext = await shared.browser.newContext();
  const context = await shared.browser.newContext();
  t.after(() => Promise.all([shapeContext.close(), context.close()]));
  // A stored page, for the shape of the stash planted below: the same line, said later.
  const shape = await openAs(shapeContext, "fay", room);
  await send(shape.page, "stored first");
  const [stored] = JSON.parse(await untilStored(shape.page, "stored first"));
  const [key] = await storedKeys(shape.page);
  const [time, record] = stored.l.find(([, record]) => JSON.parse(record).x === "stored first");
  const line = [time + 1, JSON.stringify({ ...JSON.parse(record), t: time + 1, x: "from a stash" }), "fay from a stash"];
  const planted = JSON.stringify([[[key[0], key[1], key[2] + 1, "planted", 0], [line]]]);
  // The browser's quota for the site set to nothing (the quota test's way), and the stash of
  // a page that closed before its write, left for the next page.
  const cdp = await context.newCDPSession(await context.newPage());
  const origin = `http://${shared.app.addr}`;
  await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: 1 });
  t.after(() => cdp.send("Storage.overrideQuotaForOrigin", { origin }).catch(() => {}));
  const planter = await context.newPage();
  await planter.goto(`${origin}/manifest.webmanifest`);
  await planter.evaluate((stash) => localStorage.setItem("wschat.unwritten:planted", stash), planted);
  // The next page takes the stash; its write is refused: the page stashes it as its own.
  const { page, errors } = await openAs(context, "gus", `${room}-quiet`);
  await page.waitForFunction(
    () => {
      const keys = Object.keys(localStorage).filter((k) => k.startsWith("wschat.unwritten:"));
      return keys.length === 1 && keys[0] !== "wschat.unwritten:planted" && localStorage.getItem(keys[0]).includes("from a stash");
    },
    null,
    { timeout },
  );
  // Room again: the line is written with the next write, once, and the stash goes.
  await cdp.send("Storage.overrideQuotaForOrigin", { origin });
  await send(page, "room again");
  await ownDelivered(page, "room again");
  const copies = JSON.parse(await untilStored(page, "from a stash"))
    .flatMap((p) => p.l)
    .filter(([, record]) => JSON.parse(record).x === "from a stash");
  assert.equal(copies.length, 1, "stored once");
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith("wschat.unwritten:")), null, { timeout });
  assert.deepEqual([...shape.errors, ...errors], []);
});

test("history: a newer version's tab takes the store over; this page lets go, says so, chats on", async (t) => {
  const room = `upgraded-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  const { page, errors } = await openAs(context, "ivy", room);
  await send(page, "before the upgrade");
  await untilStored(page, "before the upgrade");

  // A newer version opens the store with a higher version in another tab: the upgrade goes
  // ahead (no "blocked": this page closed its connection).
  const newer = await context.newPage();
  await newer.goto(`http://${shared.app.addr}/manifest.webmanifest`);
  const upgrade = await newer.evaluate(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open("wschat-history", 3);
        open.onblocked = () => resolve("blocked");
        open.onsuccess = () => resolve((open.result.close(), "upgraded"));
        open.onerror = () => resolve(String(open.error));
      }),
  );
  assert.equal(upgrade, "upgraded");

  await send(page, "after the upgrade");
  await ownDelivered(page, "after the upgrade");
  const said = page.locator('[data-testid="message"][data-kind="system"]', { hasText: "History is not being kept: a newer version of this app, open in another tab, took over the stored history. Reload this page." });
  await said.waitFor({ timeout });
  await send(page, "still chatting");
  await ownDelivered(page, "still chatting");
  assert.equal(await said.count(), 1, "said once");
  assert.deepEqual(errors, []);
});

test("history: without IndexedDB the chat goes on, and the page says history is not kept", async (t) => {
  const room = `no-idb-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  await context.addInitScript(() => Object.defineProperty(window, "indexedDB", { value: undefined }));
  const { page, errors } = await openAs(context, "carol", room);
  await page.locator('[data-testid="message"][data-kind="system"]', { hasText: "History is not being kept" }).waitFor({ timeout });
  await send(page, "still chatting");
  await ownDelivered(page, "still chatting");
  assert.deepEqual(errors, []);
});

test("history: a full quota is said in words once, the chat goes on, and forgetting makes room", async (t) => {
  const room = `quota-${Date.now()}`;
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  // The browser's own quota for the site, set to nothing before the page writes (Chromium, over
  // CDP; once a write passed, Chromium trusts that check for 30 s).
  const cdp = await context.newCDPSession(await context.newPage());
  const origin = `http://${shared.app.addr}`;
  await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: 1 });
  // The override is the browser's, for the origin every test of this file uses.
  t.after(() => cdp.send("Storage.overrideQuotaForOrigin", { origin }).catch(() => {}));
  const { page, errors } = await openAs(context, "dora", room);
  const delivered = (text) => ownDelivered(page, text);
  await send(page, "said when full");
  const full = page.locator('[data-testid="message"][data-kind="system"]', { hasText: "History is not being kept: the browser gives this site no more storage." });
  await full.waitFor({ timeout });
  await delivered("said when full");
  await send(page, "still chatting");
  await delivered("still chatting");
  assert.equal(await full.count(), 1, "said once");

  await cdp.send("Storage.overrideQuotaForOrigin", { origin });
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByTestId("search-button").click();
  await page.getByTestId("forget-history-button").click();
  await page.locator('[data-testid="message"][data-kind="system"]', { hasText: "stored history is forgotten" }).waitFor({ timeout });
  await send(page, "kept again");
  await delivered("kept again");
  await untilStored(page, "kept again");
  assert.deepEqual(errors, []);
});

test("history: lines an older version stored (a line per entry) are shown by this one", async (t) => {
  const room = `upgrade-${Date.now()}`;
  // The server's id as this app keys it, from a line it stores itself in a first browser.
  const first = await shared.browser.newContext();
  t.after(() => first.close());
  const { page: probe } = await openAs(first, "dora", room);
  await send(probe, "probe");
  const stored = await untilStored(probe, "probe");
  const server = (await storedKeys(probe))[0][0];
  assert.ok(server && stored.includes("probe"));

  // A second browser holds version 1's store: one line under its own key.
  const context = await shared.browser.newContext();
  t.after(() => context.close());
  await context.addInitScript((server) => {
    if (sessionStorage.getItem("seeded")) return;
    sessionStorage.setItem("seeded", "1");
    const open = indexedDB.open("wschat-history", 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      const lines = db.createObjectStore("lines");
      lines.createIndex("words", "w", { multiEntry: true });
      lines.createIndex("time", "t");
      db.createObjectStore("conversations");
      const t = Date.now() - 60_000;
      const record = JSON.stringify({ v: 1, c: "", t, k: "chat", n: "erin", x: "kept by the old version" });
      lines.put({ r: record, w: ["erin", "kept", "by", "the", "old", "version"], t }, [server, "", t, "old", 0]);
      open.transaction.objectStore("conversations").put(t, [server, ""]);
    };
    open.onsuccess = () => open.result.close();
  }, server);
  const { page, errors } = await openAs(context, "dora", room);
  await chatLine(page, "kept by the old version").waitFor({ timeout });
  // And search finds it, as the new store keeps it.
  await page.getByTestId("search-button").click();
  await page.getByTestId("search-input").fill("old version");
  await page.getByTestId("search-input").press("Enter");
  await page.getByTestId("search-result").filter({ hasText: "kept by the old version" }).waitFor({ timeout });
  assert.deepEqual(errors, []);
});
