// End to end: the chat view people use, on the release build in headless Chromium, against the
// reference server, with a peer written with the npm `ws` client. Scrolling, unread, tabs,
// inspector, keyboard, accessibility (axe-core) and layout; screenshots of the run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { axeScan, entry, holdStoreBusy, keepWasmMemory, readyState, root, send, sharedBrowser, timeout, untilStored, walkList, wasmMemory } from "./helpers.mjs";

const appUrl = process.env.WSCHAT_APP_URL;
assert.ok(appUrl, "WSCHAT_APP_URL must point at the served release build");
const wsBase = appUrl.replace(/^http/, "ws").replace(/\/$/, "");
const screenshotDir = process.env.WSCHAT_SCREENSHOTS || path.join(root, "target/screenshots");
mkdirSync(screenshotDir, { recursive: true });
const shared = sharedBrowser();

/** A second person in `room`, on a plain WebSocket: says lines as `nick: text`. */
async function peer(room, nick) {
  const ws = new WebSocket(`${wsBase}/ws?room=${room}`);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  return {
    say: (text) => ws.send(`${nick}: ${text}`),
    /** Many lines at once, in frames of up to 500 lines (the text format splits lines). */
    sayMany(texts) {
      for (let i = 0; i < texts.length; i += 500) ws.send(texts.slice(i, i + 500).map((t) => `${nick}: ${t}`).join("\n"));
    },
    close: () => ws.close(),
  };
}

// Lets a test hide and show the page: headless pages are always visible otherwise.
const visibilityControl = () => {
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => window.__hidden === true });
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true,
    get: () => (window.__hidden === true ? "hidden" : "visible"),
  });
  window.__setHidden = (hidden) => {
    window.__hidden = hidden;
    document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
  };
  // Records notifications instead of showing them.
  window.__notifications = [];
  const Real = window.Notification;
  if (Real) {
    window.Notification = class extends Real {
      constructor(title, options) {
        super(title, options);
        window.__notifications.push({ title, body: options && options.body });
      }
    };
    Object.defineProperty(window.Notification, "permission", { get: () => Real.permission });
    window.Notification.requestPermission = Real.requestPermission.bind(Real);
  }
};

async function open(room, nick, { colorScheme = "light", width = 1100, height = 640, extra = "", init = [] } = {}) {
  const context = await shared.browser.newContext({ colorScheme, viewport: { width, height } });
  await context.grantPermissions(["notifications"], { origin: new URL(appUrl).origin });
  const page = await context.newPage();
  for (const script of [visibilityControl, ...init]) await page.addInitScript(script);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${appUrl}?nick=${nick}&url=${encodeURIComponent(`/ws?room=${room}`)}${extra}`);
  await readyState(page, "open").waitFor({ timeout });
  return { page, context, errors };
}

const total = (page, n) =>
  page.waitForFunction((n) => document.querySelector('[data-testid="message-list"]')?.dataset.totalReceived === String(n), n, {
    timeout,
  });

const listGeometry = (page) =>
  page.getByTestId("message-list").evaluate((el) => ({
    top: el.scrollTop,
    fromBottom: el.scrollHeight - el.scrollTop - el.clientHeight,
  }));

/** Scrolls the message list to `y` and returns once the page has handled the scroll event. */
const scrollListTo = (page, y) =>
  page.getByTestId("message-list").evaluate(
    (el, y) =>
      new Promise((resolve) => {
        const target = y === "middle" ? el.scrollHeight / 2 : y;
        el.addEventListener("scroll", resolve, { once: true });
        el.scrollTo(0, target);
      }),
    y,
  );

/** Top of the row whose text is `text`, relative to the list's viewport. */
const rowTop = (page, text) =>
  page.getByTestId("message-list").evaluate((list, text) => {
    const row = [...list.querySelectorAll('[data-testid="message-text"]')].find((t) => t.textContent === text);
    return row ? row.getBoundingClientRect().top - list.getBoundingClientRect().top : null;
  }, text);

/** Scrolls the list so that the row whose text is `text` starts `offset` px below the top of
 * its view (the person reads it there); where it starts, as `rowTop` reads it. */
async function readAt(page, text, offset) {
  await page.getByTestId("message-list").evaluate(
    (list, [text, offset]) =>
      new Promise((resolve) => {
        const row = [...list.querySelectorAll('[data-testid="message-text"]')].find((t) => t.textContent === text);
        list.addEventListener("scroll", resolve, { once: true });
        list.scrollTop += row.getBoundingClientRect().top - list.getBoundingClientRect().top - offset;
      }),
    [text, offset],
  );
  return rowTop(page, text);
}

/** Opens a new tab connected to `url`, shown. */
async function connectNewTab(page, url) {
  await page.getByTestId("new-tab-button").click();
  await page.getByTestId("url-input").fill(url);
  await page.getByTestId("connect-button").click();
  await readyState(page, "open").waitFor({ timeout });
}

/** The text of the row at the top of the list's view and how far below the view's top it starts. */
const topRow = (page) =>
  page.getByTestId("message-list").evaluate((list) => {
    const top = list.getBoundingClientRect().top;
    const row = [...list.querySelectorAll('[data-testid="message"]')].find((r) => r.getBoundingClientRect().bottom > top);
    return { text: row.querySelector('[data-testid="message-text"]').textContent, offset: row.getBoundingClientRect().top - top };
  });

/** Waits until the row whose text is `text` starts `offset` px (2 px either way) below the top
 * of the list's view. */
const untilRowAt = (page, text, offset) =>
  page.waitForFunction(
    ({ text, offset }) => {
      const list = document.querySelector('[data-testid="message-list"]');
      const row = [...list.querySelectorAll('[data-testid="message-text"]')].find((t) => t.textContent === text);
      return row && Math.abs(row.getBoundingClientRect().top - list.getBoundingClientRect().top - offset) <= 2;
    },
    { text, offset },
    { timeout },
  );

test("scrolling: pinned at the bottom, still while reading, a new-messages button and a marker", async (t) => {
  const room = `ui-scroll-${Date.now()}`;
  const { page, errors, context } = await open(room, "reader");
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());

  bob.sayMany(Array.from({ length: 80 }, (_, i) => `line ${i}`));
  await total(page, 80);
  await page.waitForFunction(() => {
    const l = document.querySelector('[data-testid="message-list"]');
    return l.scrollHeight - l.scrollTop - l.clientHeight < 2;
  });
  assert.equal(await page.getByTestId("new-messages-button").count(), 0, "no button while pinned");

  // The person scrolls up to read; new messages must not move what they read.
  await scrollListTo(page, 200);
  const before = await rowTop(page, "line 20");
  bob.sayMany(["new 1", "new 2", "new 3"]);
  await total(page, 83);
  const button = page.getByTestId("new-messages-button");
  await button.waitFor({ timeout });
  assert.equal((await button.textContent()).trim(), "3 new messages ↓");
  assert.equal(await rowTop(page, "line 20"), before, "what the person reads stays in place");
  assert.equal((await listGeometry(page)).top, 200);
  // The marker sits right above the first message that arrived while they were away.
  const marked = await page.getByTestId("unread-marker").evaluate((m) => {
    let next = m.nextElementSibling;
    while (next && !next.matches('[data-testid="message"]')) next = next.nextElementSibling;
    return next?.querySelector('[data-testid="message-text"]').textContent;
  });
  assert.equal(marked, "new 1");

  await button.click();
  await page.waitForFunction(() => {
    const l = document.querySelector('[data-testid="message-list"]');
    return l.scrollHeight - l.scrollTop - l.clientHeight < 2;
  });
  await button.waitFor({ state: "detached", timeout });

  // Old rows leaving the DOM must not shift what is being read: the log holds 1,000 entries,
  // twice that while the person reads above the newest, so 1,300 more push 300 out.
  bob.sayMany(Array.from({ length: 5000 }, (_, i) => `bulk ${i}`));
  await total(page, 5083);
  await scrollListTo(page, "middle");
  const anchor = await page.getByTestId("message-list").evaluate((list) => {
    const box = list.getBoundingClientRect();
    const row = [...list.querySelectorAll('[data-testid="message"]')].find((r) => r.getBoundingClientRect().top > box.top + 50);
    return row.querySelector('[data-testid="message-text"]').textContent;
  });
  const anchorTop = await rowTop(page, anchor);
  bob.sayMany(Array.from({ length: 1300 }, (_, i) => `more ${i}`));
  await total(page, 6383);
  const after = await rowTop(page, anchor);
  assert.ok(Math.abs(after - anchorTop) <= 2, `the row read stayed put: ${anchorTop} → ${after}`);
  assert.deepEqual(errors, []);
});

/** The page's live DOM nodes after a garbage collection (Chromium's count, detached ones too). */
async function liveNodes(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  await cdp.send("HeapProfiler.collectGarbage");
  const { metrics } = await cdp.send("Performance.getMetrics");
  await cdp.detach();
  return metrics.find((m) => m.name === "Nodes").value;
}

/** The texts of the rows in the document, in order. */
const drawnTexts = (page) =>
  page.getByTestId("message-list").evaluate((list) => [...list.querySelectorAll('[data-testid="message-text"]')].map((t) => t.textContent));

test("windowed list: rows out of view are dropped, and drawn again in order, grouped, when scrolled back to", async (t) => {
  const room = `ui-window-${Date.now()}`;
  // All 2,000 lines in memory (the default cap is 1,000, and system lines come too): this is
  // the window's test, not the store's.
  const { page, errors, context } = await open(room, "reader", { extra: "&history=5000" });
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  const count = 2000;
  bob.sayMany(Array.from({ length: count }, (_, i) => `w ${i}`));
  await total(page, count);
  // A row is about seven nodes: all of them alive would be 14,000.
  const pinnedNodes = await liveNodes(page);
  assert.ok(pinnedNodes < 2500, `${pinnedNodes} nodes alive for ${count} rows`);
  const newest = await drawnTexts(page);
  assert.equal(newest.at(-1), `w ${count - 1}`);

  // Back at the top: the oldest rows are drawn again, in order, under one header.
  await scrollListTo(page, 0);
  await page
    .waitForFunction(() => [...document.querySelectorAll('[data-testid="message-text"]')].some((t) => t.textContent === "w 0"), null, { timeout })
    .catch(async (e) => assert.fail(`${e.message}; drawn: ${(await drawnTexts(page)).slice(0, 5)} … ${(await drawnTexts(page)).length} rows`));
  const oldest = await drawnTexts(page);
  const bobs = oldest.filter((text) => text.startsWith("w "));
  assert.deepEqual(bobs, bobs.map((_, i) => `w ${i}`), "drawn in order, none missing");
  const heads = await page.getByTestId("message-list").evaluate((list) =>
    [...list.querySelectorAll('[data-testid="message"][data-nick="bob"]')].map((r) => r.classList.contains("continued")),
  );
  assert.deepEqual(heads, heads.map((_, i) => i > 0), "the first of bob's rows heads the group, the rest are under it");
  assert.equal(await page.locator('[data-testid="message-list"] .day-separator').count(), 1, "the day's separator");
  assert.ok((await liveNodes(page)) < 2500, "the newest rows were dropped in turn");

  // And down again: the newest, as before.
  await scrollListTo(page, 1e9);
  await page.waitForFunction((last) => [...document.querySelectorAll('[data-testid="message-text"]')].at(-1)?.textContent === last, `w ${count - 1}`, { timeout });
  assert.deepEqual((await drawnTexts(page)).slice(-newest.length), newest);
  assert.deepEqual(errors, []);
});

test("scrolling back: older stored lines come before the oldest shown, each once, in order, the place kept, past the cap", async (t) => {
  const room = `ui-older-${Date.now()}`;
  // A cap of 300 entries: scrolling back holds the older lines beyond it while they are read.
  const { page, errors, context } = await open(room, "reader", { extra: "&history=300" });
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  const count = 700;
  bob.sayMany(Array.from({ length: count }, (_, i) => `old ${i}`));
  await total(page, count);
  await untilStored(page, `old ${count - 1}`);
  // A page opened later shows the stored tail (200 lines); the rest come as it scrolls back.
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  await page.waitForFunction((last) => [...document.querySelectorAll('[data-testid="message-text"]')].some((t) => t.textContent === last), `old ${count - 1}`, { timeout });
  /** The first "old" row in view, and its top in the list's viewport. */
  const inView = () =>
    page.getByTestId("message-list").evaluate((list) => {
      const top = list.getBoundingClientRect().top;
      const row = [...list.querySelectorAll('[data-testid="message-text"]')].find(
        (t) => t.textContent.startsWith("old ") && t.getBoundingClientRect().bottom > top,
      );
      return row && { text: row.textContent, top: row.getBoundingClientRect().top - top };
    });
  let first = (await inView()).text;
  assert.ok(Number(first.split(" ")[1]) >= 400, `the tail only at first: ${first}`);
  for (let round = 0; round < 15; round++) {
    await scrollListTo(page, 0);
    const anchor = await inView();
    first = anchor.text;
    if (first === "old 0") break;
    // Lines come above, and the list scrolls down by their height: what was at the top stays.
    await page
      .waitForFunction(() => document.querySelector('[data-testid="message-list"]').scrollTop > 0, null, { timeout })
      .catch(async (e) => assert.fail(`${e.message}: nothing came above ${first}; errors: ${errors}`));
    const moved = (await rowTop(page, first)) - anchor.top;
    assert.ok(Math.abs(moved) <= 2, `"${first}" moved ${moved} px`);
  }
  assert.equal(first, "old 0", "every stored line reached");
  const order = await walkList(page, (text) => text.startsWith("old "));
  const expected = Array.from({ length: count }, (_, i) => `old ${i}`);
  const wrong = order.findIndex((text, i) => text !== expected[i]);
  assert.ok(wrong < 0 && order.length === count, `every line once, in order: ${order.length} rows, at ${wrong}: ${order.slice(Math.max(0, wrong - 2), wrong + 3)}`);
  assert.equal(
    await page.getByTestId("message-list").getAttribute("data-total-received"),
    "0",
    "restored lines are not counted as received",
  );
  assert.deepEqual(errors, []);
});

test("a search hit opens its line in place: older stored lines are read until it is there", async (t) => {
  const room = `ui-reveal-${Date.now()}`;
  const { page, errors, context } = await open(room, "reader");
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  const count = 700;
  bob.sayMany(Array.from({ length: count }, (_, i) => (i === 5 ? "deep 5 with the needle" : `deep ${i}`)));
  await total(page, count);
  await untilStored(page, `deep ${count - 1}`);
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  // The tail is 200 lines: line 5 is far above it.
  await page.getByTestId("search-button").click();
  await page.getByTestId("search-input").fill("needle");
  await page.getByTestId("search-input").press("Enter");
  const hit = page.getByTestId("search-result").filter({ hasText: "deep 5 with the needle" });
  await hit.first().click();
  const found = page.locator('[data-testid="message"].found', { has: page.locator('[data-testid="message-text"]', { hasText: /^deep 5 with the needle$/ }) });
  await found.waitFor({ timeout });
  const inView = await found.evaluate((row) => {
    const list = row.closest('[data-testid="message-list"]').getBoundingClientRect();
    const box = row.getBoundingClientRect();
    return box.top >= list.top && box.bottom <= list.bottom;
  });
  assert.ok(inView, "the line is in view");
  assert.equal(await page.locator('[data-testid="message"].found').count(), 1);
  assert.deepEqual(errors, []);
});

test("search: a term whose short words no index keeps finds its old line among many newer alike", async (t) => {
  const room = `ui-deep-search-${Date.now()}`;
  const { page, errors, context } = await open(room, "sid");
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  // 700 lines all with "line": "7" is too short for the index, so "line 7" looks up "line",
  // and of the newest 400 such lines (300 to 699) none says "line 7"; lines 7 and 70 to 79
  // come in an earlier burst.
  bob.sayMany(Array.from({ length: 100 }, (_, i) => `line ${i}`));
  await total(page, 100);
  await untilStored(page, "line 99");
  bob.sayMany(Array.from({ length: 600 }, (_, i) => `line ${i + 100}`));
  await total(page, 700);
  await untilStored(page, "line 699");
  await page.getByTestId("search-button").click();
  await page.getByTestId("search-input").fill("line 7");
  await page.getByTestId("search-input").press("Enter");
  await page.locator(".search-status", { hasText: /lines?, newest first|Nothing stored/ }).waitFor({ timeout });
  const texts = await page.locator('[data-testid="search-result"] [data-testid="message-text"]').allTextContents();
  const expected = ["line 7", ...Array.from({ length: 10 }, (_, i) => `line 7${i}`)];
  assert.deepEqual([...texts].sort(), [...expected].sort(), "every line that says it, none other");
  assert.deepEqual(errors, []);
});

test("hidden page: the title counts unread messages and a mention raises a notification", async (t) => {
  const room = `ui-title-${Date.now()}`;
  const { page, errors, context } = await open(room, "ada");
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  assert.equal(await page.title(), "wschat");
  await page.evaluate(() => window.__setHidden(true));
  bob.say("one");
  bob.say("two");
  bob.say("hey Ada, look at this");
  await page.waitForFunction(() => document.title === "(3) wschat", null, { timeout });
  const notes = await page.evaluate(() => window.__notifications);
  assert.deepEqual(notes, [{ title: "bob mentioned you", body: "hey Ada, look at this" }]);
  assert.equal(await page.locator('[data-testid="message"].mention').count(), 1, "the mention is highlighted");
  await page.evaluate(() => window.__setHidden(false));
  await page.waitForFunction(() => document.title === "wschat", null, { timeout });
  assert.deepEqual(errors, []);
});

test("keyboard: focus after connecting, history with Up/Down, Tab completes nicks, commands", async (t) => {
  const room = `ui-keys-${Date.now()}`;
  const { page, errors, context } = await open(room, "kim");
  t.after(() => context.close());
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "composer-input");
  const bob = await peer(room, "bobby");
  t.after(() => bob.close());
  bob.say("hello kim");
  await total(page, 1);

  const input = page.getByTestId("composer-input");
  await send(page, "first line");
  await send(page, "second line");
  await input.fill("draft");
  await input.press("ArrowUp");
  assert.equal(await input.inputValue(), "second line");
  await input.press("ArrowUp");
  assert.equal(await input.inputValue(), "first line");
  await input.press("ArrowDown");
  await input.press("ArrowDown");
  assert.equal(await input.inputValue(), "draft", "the draft comes back");

  await input.fill("bo");
  await input.press("Tab");
  assert.equal(await input.inputValue(), "bobby: ");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "composer-input");
  // With nothing to complete, Tab leaves the composer as usual.
  await input.fill("");
  await input.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "send-button");

  // History is kept per server across reloads.
  await page.reload();
  await readyState(page, "open").waitFor({ timeout });
  await page.getByTestId("composer-input").press("ArrowUp");
  assert.equal(await page.getByTestId("composer-input").inputValue(), "second line");

  // /help lists every command; an unknown one says so and sends nothing.
  await send(page, "/help");
  const help = await page.locator('[data-testid="message"][data-kind="system"]').last().textContent();
  for (const command of ["/nick", "/me", "/clear", "/close", "/reconnect", "/join", "/hex", "/help"]) {
    assert.ok(help.includes(command), `/help lists ${command}: ${help}`);
  }
  await send(page, "/frobnicate now");
  await page.getByTestId("error").getByText("Unknown command /frobnicate").waitFor({ timeout });
  assert.equal(await page.getByTestId("composer-input").inputValue(), "/frobnicate now", "the line stays to fix");
  await send(page, "/clear");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="message"]').length === 0);
  assert.deepEqual(errors, []);
});

test("reading: links, nick colours, grouping, day separators, folded system runs, aria-live text", async (t) => {
  const room = `ui-read-${Date.now()}`;
  const { page, errors, context } = await open(room, "rae");
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  bob.say("see https://example.org/a_(b)). and javascript:alert(1) <img src=x onerror=alert(1)>");
  bob.say("and a second line");
  await total(page, 2);
  const link = page.locator('[data-testid="message-text"] a');
  assert.equal(await link.count(), 1);
  assert.equal(await link.getAttribute("href"), "https://example.org/a_(b)");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  assert.equal(await page.locator('[data-testid="message-list"] img').count(), 0);
  const rows = page.locator('[data-testid="message"][data-nick="bob"]');
  assert.equal(await rows.nth(1).evaluate((r) => r.classList.contains("continued")), true, "grouped under one header");
  // The grouped row's nick takes no room but is still read: it stays in the accessibility tree.
  assert.ok((await rows.nth(1).locator(".nick").evaluate((n) => n.getBoundingClientRect().width)) <= 1);
  const { nodes } = await (await context.newCDPSession(page)).send("Accessibility.getFullAXTree");
  const authors = nodes.filter((n) => !n.ignored && n.role?.value === "StaticText" && n.name?.value === "bob");
  assert.equal(authors.length, 2, "both rows name their author to screen readers");
  // A grouped row shows its time only under the pointer, in the header's time column, and its
  // text stays where it was, in line with the header's nick.
  const groupedTime = rows.nth(1).locator("time");
  const textLeft = () => rows.nth(1).getByTestId("message-text").evaluate((t) => t.getBoundingClientRect().left);
  assert.equal(await groupedTime.isVisible(), false, "a grouped row's time is hidden");
  const left = await textLeft();
  assert.equal(left, await rows.first().locator(".nick").evaluate((n) => n.getBoundingClientRect().left));
  await rows.nth(1).hover();
  assert.equal(await groupedTime.isVisible(), true, "and shown under the pointer");
  assert.equal(await textLeft(), left, "the text does not move");
  assert.equal(
    await groupedTime.evaluate((t) => t.getBoundingClientRect().left),
    await rows.first().locator("time").evaluate((t) => t.getBoundingClientRect().left),
  );
  const colours = await rows.locator(".nick").evaluateAll((n) => n.map((x) => getComputedStyle(x).color));
  assert.equal(colours[0], colours[1], "one colour per nick");
  assert.ok((await page.locator(".day-separator").count()) >= 1, "a day separator above the first entry");
  // Time is for eyes only: the live region reads author and text.
  const time = rows.first().locator("time");
  assert.equal(await time.getAttribute("aria-hidden"), "true");
  assert.match(await time.textContent(), /^\d\d:\d\d$/);
  await time.hover();
  assert.match(await time.getAttribute("title"), new RegExp(String(new Date().getFullYear())), "full date on hover");
  assert.equal(await page.getByTestId("message-list").getAttribute("aria-live"), "polite");

  // Many system entries in a row get a toggle that folds them, newest left showing.
  for (let i = 0; i < 5; i++) await send(page, `/nick rae${i}`);
  const toggle = page.locator('.fold button[data-action="fold"]');
  await toggle.waitFor({ timeout });
  const visibleSystem = () => page.locator('[data-testid="message"][data-kind="system"]:visible').count();
  const shown = await visibleSystem();
  assert.equal(await toggle.getAttribute("aria-expanded"), "true", "runs start open");
  await toggle.click();
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.ok((await visibleSystem()) <= shown - 4, "folding hides all of the run but its newest");
  assert.deepEqual(errors, []);
});

// Rows sit in blocks that contain their paint (style/main.css, .chunk): a focus ring drawn
// outside a link at a block's edge would be cut off there.
test("focus: a link at the edge of a block of rows shows its whole focus ring", async (t) => {
  const room = `ui-ring-${Date.now()}`;
  const { page, errors, context } = await open(room, "rin");
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  bob.sayMany(Array.from({ length: 60 }, (_, i) => `https://example.org/${i}`));
  await total(page, 60);
  const ring = await page.getByTestId("message-list").evaluate((list) => {
    // The first row of a block after the first: all of them are bob's links here.
    const link = [...list.querySelectorAll(".chunk")]
      .slice(1)
      .map((block) => block.firstElementChild?.querySelector("a"))
      .find(Boolean);
    if (!link) return null;
    link.focus();
    const style = getComputedStyle(link);
    const reach = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
    const box = link.getBoundingClientRect();
    const block = link.closest(".chunk").getBoundingClientRect();
    return {
      focusVisible: link.matches(":focus-visible"),
      outline: style.outlineStyle,
      above: block.top - (box.top - reach),
      below: box.bottom + reach - block.bottom,
    };
  });
  assert.ok(ring, "a block starts with a row holding a link");
  assert.equal(ring.focusVisible, true);
  assert.notEqual(ring.outline, "none", "the focused link has a ring");
  assert.ok(ring.above <= 0 && ring.below <= 0, `the ring stays inside the block: ${JSON.stringify(ring)}`);
  assert.deepEqual(errors, []);
});

test("tabs: two connections, each with its own socket, unread count and scroll position", async (t) => {
  const room1 = `ui-tab1-${Date.now()}`;
  const room2 = `ui-tab2-${Date.now()}`;
  const { page, errors, context } = await open(room1, "tia");
  t.after(() => context.close());
  const one = await peer(room1, "one");
  const two = await peer(room2, "two");
  t.after(() => (one.close(), two.close()));
  one.sayMany(Array.from({ length: 60 }, (_, i) => `first room ${i}`));
  await total(page, 60);
  await scrollListTo(page, 100);

  await page.getByTestId("new-tab-button").click();
  assert.equal(await page.getByTestId("tab").count(), 2);
  assert.equal(await page.getByTestId("connection-status").getAttribute("data-ready-state"), "closed");
  await page.getByTestId("url-input").fill(`/ws?room=${room2}`);
  await page.getByTestId("connect-button").click();
  await readyState(page, "open").waitFor({ timeout });
  two.say("second room hello");
  await entry(page, "chat", "two", "second room hello").waitFor({ timeout });
  assert.equal(await page.getByText("first room 1", { exact: true }).count(), 0, "each tab has its own log");

  one.say("while away");
  const badge = page.getByTestId("tab").first().getByTestId("tab-unread");
  await badge.waitFor({ timeout });
  assert.equal((await badge.textContent()).replace(/\D/g, ""), "1");

  await page.getByTestId("tab").first().click();
  await entry(page, "chat", "one", "while away").waitFor({ timeout });
  assert.equal((await listGeometry(page)).top, 100, "the scroll position is kept");
  const dots = await page.locator(".tab .dot").evaluateAll((d) => d.map((x) => x.dataset.readyState));
  assert.deepEqual(dots, ["open", "open"], "both sockets stay open");

  await page.getByTestId("tab-close").nth(1).click();
  assert.equal(await page.getByTestId("tab").count(), 1);
  assert.deepEqual(errors, []);
});

test("a conversation shown again opens at the line read, and its unread marker outlives its line", async (t) => {
  const room1 = `ui-place1-${Date.now()}`;
  const room2 = `ui-place2-${Date.now()}`;
  // 100 entries in memory, 200 while the person reads above the newest.
  const { page, errors, context } = await open(room1, "pia", { extra: "&history=100" });
  t.after(() => context.close());
  const one = await peer(room1, "one");
  const two = await peer(room2, "two");
  t.after(() => (one.close(), two.close()));
  one.sayMany(Array.from({ length: 150 }, (_, i) => `first ${i}`));
  await total(page, 150);
  await untilStored(page, "first 149");
  // The person reads "first 80", 30 px below the top of the view.
  const read = await readAt(page, "first 80", 30);

  /** Shows the second tab while `lines` come to the first, then the first again. */
  const away = async (lines, unread, received, beforeBack = async () => {}) => {
    await page.getByTestId("tab").nth(1).click();
    await readyState(page, "open").waitFor({ timeout });
    one.sayMany(lines);
    const badge = page.getByTestId("tab").first().getByTestId("tab-unread");
    await page.waitForFunction(
      ({ el, n }) => el.textContent.replace(/\D/g, "") === String(n),
      { el: await badge.elementHandle({ timeout }), n: unread },
      { timeout },
    );
    await beforeBack();
    await page.getByTestId("tab").first().click();
    await total(page, received);
  };
  await connectNewTab(page, `/ws?room=${room2}`);
  // 120 lines while away: the 20 oldest leave memory, so the text at the old scroll offset is
  // 20 lines on; the line read is still kept. Then the list reads the lines before from the
  // store (it is near its top): they come above, and the line stays.
  await away(Array.from({ length: 120 }, (_, i) => `later ${i}`), 120, 270);
  const back = await rowTop(page, "first 80");
  assert.ok(back !== null && Math.abs(back - read) <= 2, `"first 80" at ${back} px, read at ${read} px`);
  await untilStored(page, "later 119");
  await page.waitForFunction(() => {
    const list = document.querySelector('[data-testid="message-list"]');
    return list.scrollTop > list.clientHeight;
  }, null, { timeout });
  const settled = await rowTop(page, "first 80");
  assert.ok(settled !== null && Math.abs(settled - read) <= 2, `"first 80" at ${settled} px once older lines came, read at ${read} px`);

  // Back at the newest, then reading a little above it, away again for 250 lines: every line
  // read leaves memory, and the first unread ("away 0") with them.
  // (Not near the top, where older lines would be read back and held.)
  await page.getByTestId("new-messages-button").click();
  await scrollListTo(page, "middle");
  const reading = await topRow(page);
  const watchMarker = () =>
    page.evaluate(() => {
      // The marker's line, each time it changes, from the list's first drawing on.
      window.__marked = [];
      new MutationObserver(() => {
        let next = document.querySelector('[data-testid="message-list"] [data-testid="unread-marker"]')?.nextElementSibling;
        while (next && !next.matches('[data-testid="message"]')) next = next.nextElementSibling;
        const text = next?.querySelector('[data-testid="message-text"]').textContent;
        if (text && window.__marked.at(-1) !== text) window.__marked.push(text);
      }).observe(document.body, { childList: true, subtree: true });
    });
  await away(Array.from({ length: 250 }, (_, i) => `away ${i}`), 250, 520, watchMarker);
  // The list opens at its top, the oldest kept, under the marker: the unread lines begin
  // further back. It reads the lines before from the store, back to the line read, and the
  // marker goes up with them; below the line read, it stands above the first line that came.
  await untilRowAt(page, reading.text, reading.offset);
  let found = null;
  for (let step = 0; step < 40 && found !== "away 0"; step++) {
    await page.getByTestId("message-list").evaluate(
      (list) =>
        new Promise((resolve) => {
          list.scrollTop += list.clientHeight / 2;
          requestAnimationFrame(() => requestAnimationFrame(resolve));
        }),
    );
    found = (await page.evaluate(() => window.__marked)).at(-1);
  }
  const marked = await page.evaluate(() => window.__marked);
  assert.equal(marked[0], "away 50", "first above the oldest kept");
  assert.equal(marked.at(-1), "away 0", "then back above the first line that came while away");
  assert.deepEqual(errors, []);
});

/** A page with 100 entries in memory (200 while read above the newest) whose person reads
 * "first 40" of 100 lines, then shows a second tab while 250 more come to the first: every
 * "first" line leaves memory, stored. The page, its errors, and where the line was read. */
async function readThenAway(t, nick) {
  const room1 = `ui-back1-${nick}-${Date.now()}`;
  const room2 = `ui-back2-${nick}-${Date.now()}`;
  const { page, errors, context } = await open(room1, nick, { extra: "&history=100" });
  t.after(() => context.close());
  const one = await peer(room1, "one");
  const two = await peer(room2, "two");
  t.after(() => (one.close(), two.close()));
  // Sent at once: lines share milliseconds, so the line is told from its neighbours by order.
  one.sayMany(Array.from({ length: 100 }, (_, i) => `first ${i}`));
  await total(page, 100);
  await untilStored(page, "first 99");
  const read = await readAt(page, "first 40", 30);
  await connectNewTab(page, `/ws?room=${room2}`);
  one.sayMany(Array.from({ length: 250 }, (_, i) => `later ${i}`));
  const badge = page.getByTestId("tab").first().getByTestId("tab-unread");
  await page.waitForFunction(({ el }) => el.textContent.replace(/\D/g, "") === "250", { el: await badge.elementHandle({ timeout }) }, { timeout });
  await untilStored(page, "later 249");
  return { page, errors, context, read };
}

test("a conversation shown again goes back to the line read after it left memory, read back from the store", async (t) => {
  const { page, errors, read } = await readThenAway(t, "rex");
  await page.getByTestId("tab").first().click();
  await untilRowAt(page, "first 40", read);
  // Not marked as a search hit is.
  assert.equal(await page.locator('[data-testid="message"].found').count(), 0);
  assert.deepEqual(errors, []);
});

test("the way back to the line read is given up when the person scrolls before the store answers", async (t) => {
  const { page, errors, context, read } = await readThenAway(t, "roy");
  const holder = await holdStoreBusy(context, new URL(appUrl).origin);
  t.after(() => holder.evaluate(() => (window.letGo = true)).catch(() => {}));
  await page.getByTestId("tab").first().click();
  await total(page, 350);
  // The person scrolls down while the reads wait on the busy store.
  const list = page.getByTestId("message-list");
  await list.hover();
  await page.mouse.wheel(0, 200);
  const height = await list.evaluate((el) => el.scrollHeight);
  await holder.evaluate(() => (window.letGo = true));
  // The lines read come above (the list grows), and a frame after, the view is where the
  // person scrolled it: "first 40" was not brought back.
  await page.waitForFunction((height) => document.querySelector('[data-testid="message-list"]').scrollHeight > height, height, { timeout });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const back = await rowTop(page, "first 40");
  assert.ok(back === null || Math.abs(back - read) > 2, `"first 40" brought back to ${back} px though the person scrolled`);
  assert.deepEqual(errors, []);
});

test("inspector: frames both ways and events, filter, views, JSON Lines export, clear", async (t) => {
  const room = `ui-insp-${Date.now()}`;
  const { page, errors, context } = await open(room, "ivy");
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  await page.getByTestId("inspector-toggle").click();
  await send(page, "out going");
  bob.say('{"json": [1, 2]}');
  const frames = page.getByTestId("inspector-frame");
  await page.locator('[data-testid="inspector-frame"][data-direction="in"]', { hasText: '"json"' }).waitFor({ timeout });
  assert.ok((await page.locator('[data-testid="inspector-frame"][data-direction="out"]').count()) >= 1);
  assert.ok((await page.locator('[data-testid="inspector-frame"][data-direction="event"]', { hasText: "readyState open" }).count()) === 1);

  await page.getByTestId("inspector-filter").fill("json");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="inspector-frame"]').length === 1);
  await page.getByTestId("inspector-view").selectOption("hex");
  assert.match(await page.getByTestId("inspector-payload").first().textContent(), /^62 6f 62 3a/);

  const download = page.waitForEvent("download");
  await page.getByTestId("inspector-export").click();
  const file = await (await download).path();
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].direction, "in");
  assert.equal(lines[0].text, 'bob: {"json": [1, 2]}');

  await page.getByTestId("inspector-filter").fill("");
  await page.getByTestId("inspector-clear").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="inspector-frame"]').length === 0);
  bob.say("after clear");
  await frames.first().waitFor({ timeout });
  assert.deepEqual(errors, []);
});

test("hostile depth: JSON nested as deep as the parser takes fits the wasm stack, decoded and pretty-printed", async (t) => {
  // The release build's stack (what the app served here is built with).
  const stackBytes = Number(/RELEASE_STACK_BYTES: u32 = ([\d_]+)/.exec(readFileSync(path.join(root, "build.rs"), "utf8"))[1].replaceAll("_", ""));
  const room = `ui-deep-${Date.now()}`;
  const { page, errors, context } = await open(room, "ada", { extra: "&protocol=json", init: [keepWasmMemory] });
  t.after(() => context.close());
  await page.getByTestId("inspector-toggle").click();
  await page.getByTestId("inspector-view").selectOption("json");
  const raw = new WebSocket(`${wsBase}/ws?room=${room}`);
  await new Promise((resolve, reject) => (raw.once("open", resolve), raw.once("error", reject)));
  t.after(() => raw.close());
  const depth = 128; // core/src/json.rs MAX_DEPTH: one more is refused
  const nested = (n) => "[".repeat(n) + "]".repeat(n);
  for (const frame of [nested(depth), `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`, `{"nick":"bob","text":${nested(depth - 1)}}`, nested(depth + 1)]) {
    raw.send(frame);
  }
  raw.send('{"nick":"bob","text":"still here"}');
  await entry(page, "chat", "bob", "still here").waitFor({ timeout });
  await page.locator('[data-testid="inspector-payload"]', { hasText: "still here" }).waitFor({ timeout });
  // The deepest payload is on the page, pretty-printed: one line per level and back.
  const lines = await page.getByTestId("inspector-payload").evaluateAll((ps) => Math.max(...ps.map((p) => p.textContent.split("\n").length)));
  assert.ok(lines >= 2 * depth, `pretty view of the deepest frame: ${lines} lines`);
  const used = stackBytes - (await wasmMemory(page)).deepestStackAddress;
  assert.ok(used > 0 && used < stackBytes / 4, `the wasm stack reached ${used} of ${stackBytes} bytes`);
  assert.deepEqual(errors, []);
});

test("a 5 MB message goes out: bufferedAmount rises and drains, the message is delivered", async (t) => {
  const room = `ui-big-${Date.now()}`;
  const { page, errors, context } = await open(room, "max");
  t.after(() => context.close());
  const big = "0123456789".repeat(500_000);
  await page.getByTestId("composer-input").fill(big);
  // Every value data-bytes takes, from before the send: loopback drains it within a frame or two.
  await page.evaluate(() => {
    const amount = document.querySelector('[data-testid="buffered-amount"]');
    window.bufferedSeen = [];
    new MutationObserver(() => window.bufferedSeen.push(Number(amount.dataset.bytes))).observe(amount, { attributes: true });
  });
  await page.getByTestId("composer-input").press("Enter");
  await page.locator('[data-testid="message"][data-kind="own"][data-status="delivered"]').waitFor({ timeout });
  await page.locator('[data-testid="buffered-amount"][data-bytes="0"]').waitFor({ timeout });
  const seen = await page.evaluate(() => window.bufferedSeen);
  assert.ok(Math.max(...seen) >= big.length / 2, `bufferedAmount while sending: ${seen.join(", ")}`);
  assert.equal(await page.getByTestId("error").count(), 0);
  assert.deepEqual(errors, []);
});

test("backlog: 20,000 messages that waited are applied in slices, not held in wasm memory at once", async (t) => {
  // No animation frames: messages reach wasm only through the socket's fallback drain, every
  // 100 ms (a hidden tab's way), so each drain finds thousands waiting.
  const noFrames = () => (window.requestAnimationFrame = () => 0);
  const room = `ui-backlog-${Date.now()}`;
  const { page, errors, context } = await open(room, "bea", { extra: "&history=100", init: [keepWasmMemory, noFrames] });
  t.after(() => context.close());
  const bob = await peer(room, "bob");
  t.after(() => bob.close());
  const loaded = (await wasmMemory(page)).bytes;
  const count = 20_000;
  // The page is kept busy while they arrive, so they wait for it all together.
  const busy = page.evaluate(() => {
    for (const end = performance.now() + 1500; performance.now() < end; );
  });
  for (let i = 0; i < count; i++) bob.say(`backlog message ${i} with a few words, long enough to weigh something`);
  await busy;
  // Polled on a timer: the page's own requestAnimationFrame, which waitForFunction uses by
  // default, is switched off.
  await page.waitForFunction((n) => document.querySelector('[data-testid="message-list"]').dataset.totalReceived === String(n), count, { timeout, polling: 100 });
  await entry(page, "chat", "bob", `backlog message ${count - 1} with a few words, long enough to weigh something`).waitFor({ timeout });
  // What stays: 100 entries and rows, and the inspector's records; this build grew by
  // 0.375 MiB here, the build that applied each drain's backlog whole by 0.8 to 1.6 MiB.
  const grown = (await wasmMemory(page)).bytes - loaded;
  assert.ok(grown < 0.75 * 2 ** 20, `wasm memory grew by ${(grown / 2 ** 20).toFixed(2)} MiB`);
  assert.deepEqual(errors, []);
});

for (const colorScheme of ["light", "dark"]) {
  test(`${colorScheme} theme: axe-core finds nothing serious, no horizontal scroll at 360 px, screenshots`, async (t) => {
    const room = `ui-look-${colorScheme}-${Date.now()}`;
    const wide = await open(room, "maya", { colorScheme });
    t.after(() => wide.context.close());
    const narrow = await open(room, "noor", { colorScheme, width: 360, height: 740 });
    t.after(() => narrow.context.close());
    const bob = await peer(room, "bob");
    const carol = await peer(room, "carol");
    t.after(() => (bob.close(), carol.close()));
    const lines = [
      ["bob", "morning all, the deploy went out at 09:10"],
      ["carol", "nice, see https://example.org/changelog for the notes"],
      ["bob", "one thing: the websocket reconnect now backs off with jitter"],
      ["bob", "the flood test held 5,000 messages a second without dropping a frame"],
      ["bob", "and the list never jumped while I scrolled back"],
      ["carol", "Tab completes nicks now, try it"],
      ["carol", "maya: can you check the inspector on staging?"],
    ];
    for (const [who, text] of lines) (who === "bob" ? bob : carol).say(text);
    await send(wide.page, "on it, opening the inspector now");
    await total(wide.page, 8);
    await total(narrow.page, 8);
    await wide.page.getByTestId("inspector-toggle").click();
    await wide.page.getByTestId("inspector-frame").first().waitFor({ timeout });

    for (const { page } of [wide, narrow]) {
      const serious = await axeScan(page);
      assert.deepEqual(serious, [], `axe-core (${colorScheme}): ${JSON.stringify(serious, null, 1)}`);
    }
    // The theme follows prefers-color-scheme.
    const background = await wide.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.equal(r + g + b < 3 * 128, colorScheme === "dark", `${colorScheme} background is ${background}`);
    // At 360 px the users fold behind a button of their own, as the conversations do.
    const usersToggle = narrow.page.locator(".users-toggle");
    assert.equal(await usersToggle.getAttribute("aria-expanded"), "false");
    assert.equal(await narrow.page.locator('.users-unknown, [data-testid="user"]').first().isVisible(), false, "folded");
    await usersToggle.click();
    await narrow.page.locator('.users-unknown, [data-testid="user"]').first().waitFor({ timeout });
    assert.equal(await usersToggle.getAttribute("aria-expanded"), "true");
    const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, "no horizontal scrolling at 360 px");
    await wide.page.screenshot({ path: path.join(screenshotDir, `desktop-${colorScheme}.png`) });
    await narrow.page.screenshot({ path: path.join(screenshotDir, `phone-${colorScheme}.png`) });
    assert.deepEqual([...wide.errors, ...narrow.errors], []);
  });
}

test("settings are remembered for a bare visit, and the page links to the open connection", async (t) => {
  const room = `ui-remember-${Date.now()}`;
  const { page, errors, context } = await open(room, "remy", { extra: "&protocol=text&subprotocols=" });
  t.after(() => context.close());
  const link = await page.getByTestId("permalink").getAttribute("href");
  const params = new URLSearchParams(link.replace(/^\?/, ""));
  assert.equal(params.get("url"), `/ws?room=${room}`);
  assert.equal(params.get("nick"), "remy");

  // A bare visit (no query) in the same browser reconnects with what was used last.
  await page.goto(appUrl);
  await readyState(page, "open").waitFor({ timeout });
  assert.equal(await page.getByTestId("url-input").inputValue(), `/ws?room=${room}`);
  assert.equal(await page.getByTestId("nick-input").inputValue(), "remy");
  // A link of any of the contract's parameters is no bare visit, even one of only `login`:
  // what it does not say is the default, not what was used last.
  await page.goto(`${appUrl}?login=remy-account`);
  await readyState(page, "open").waitFor({ timeout });
  assert.notEqual(await page.getByTestId("url-input").inputValue(), `/ws?room=${room}`);

  // The link reopens the same connection in a fresh browser.
  const other = await shared.browser.newContext();
  t.after(() => other.close());
  const fresh = await other.newPage();
  await fresh.goto(new URL(link, appUrl).href);
  await readyState(fresh, "open").waitFor({ timeout });
  assert.equal(await fresh.getByTestId("url-input").inputValue(), `/ws?room=${room}`);
  assert.equal(await fresh.getByTestId("nick-input").inputValue(), "remy");
  assert.deepEqual(errors, []);
});
